//! Canonical forms of values that people write in many ways: emails,
//! usernames, phone numbers, locales. The config loader and the live store
//! both pass values through here, so plans compare like with like.

/// An email address in canonical form: trimmed, lowercase.
pub fn email(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A username in canonical form: trimmed, lowercase (usernames are unique
/// without regard to case).
pub fn username(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneProblem {
    /// It does not start with `+` and a country code.
    NoCountryCode,
    /// It is not a number at all.
    Unreadable,
    /// It is a number, but not one that exists in its country's plan.
    Invalid,
}

/// Whether `text` is already written as E.164: `+` and 7 to 15 digits.
pub fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// A phone number as stored: already E.164 when roster wrote it, but
/// perhaps spelt otherwise when someone edited it by hand. Only the form is
/// made canonical; whether the number exists is the config's to check.
pub fn stored_phone(text: &str) -> String {
    if is_e164(text) {
        return text.to_string();
    }
    phone(text).unwrap_or_else(|_| text.to_string())
}

/// A phone number in E.164 form (`+4915123456789`).
pub fn phone(text: &str) -> Result<String, PhoneProblem> {
    let text = text.trim();
    if super::e164::is_valid_canonical(text) {
        return Ok(text.to_string());
    }
    phone_by_parsing(text)
}

/// [`phone`] the long way: `phonenumber` parses and validates `text`.
pub(crate) fn phone_by_parsing(text: &str) -> Result<String, PhoneProblem> {
    let text = text.trim();
    if !text.starts_with('+') {
        return Err(PhoneProblem::NoCountryCode);
    }
    let number = phonenumber::parse(None, text).map_err(|_| PhoneProblem::Unreadable)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneProblem::Invalid);
    }
    // E.164 is the country code and the national number, digits only.
    Ok(format!("+{}{}", number.code().value(), number.national()))
}

/// A BCP 47 tag in canonical case: `de-de` → `de-DE`, `zh-hant-tw` → `zh-Hant-TW`.
pub fn locale(text: &str) -> String {
    text.trim()
        .split(['-', '_'])
        .enumerate()
        .map(|(i, part)| match (i, part.len()) {
            (0, _) => part.to_lowercase(),
            (_, 4) if part.chars().all(char::is_alphabetic) => {
                let mut chars = part.chars();
                let first = chars
                    .next()
                    .map(|c| c.to_uppercase().to_string())
                    .unwrap_or_default();
                first + &chars.as_str().to_lowercase()
            }
            (_, 2) | (_, 3) => part.to_uppercase(),
            _ => part.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        assert_eq!(phone("+49 151 2345 6789").as_deref(), Ok("+4915123456789"));
        assert_eq!(phone("+49 (30) 1234-567").as_deref(), Ok("+49301234567"));
        assert_eq!(phone("+1 415-555-0132").as_deref(), Ok("+14155550132"));
        assert_eq!(phone("0151 2345 6789"), Err(PhoneProblem::NoCountryCode));
        assert_eq!(phone("+49 1"), Err(PhoneProblem::Unreadable));
        assert_eq!(phone("+1 111 111 1111"), Err(PhoneProblem::Invalid));
    }

    #[test]
    fn stored_numbers_keep_their_form_or_get_it() {
        assert!(is_e164("+4915123456789"));
        assert!(!is_e164("+49 151 2345 6789"));
        assert!(!is_e164("4915123456789"));
        assert_eq!(stored_phone("+4915123456789"), "+4915123456789");
        assert_eq!(stored_phone("+49 151 2345 6789"), "+4915123456789");
        assert_eq!(stored_phone("call me"), "call me");
    }

    #[test]
    fn locales_get_canonical_case() {
        assert_eq!(locale("de-de"), "de-DE");
        assert_eq!(locale("EN_us"), "en-US");
        assert_eq!(locale("zh-hant-tw"), "zh-Hant-TW");
    }

    #[test]
    fn emails_and_usernames_ignore_case() {
        assert_eq!(email(" Alice@Acme.Example "), "alice@acme.example");
        assert_eq!(username("ANguyen"), "anguyen");
    }
}
