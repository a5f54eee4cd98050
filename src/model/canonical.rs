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
    // Spaces and punctuation between the digits (`+49 (30) 1234-567`) are
    // only formatting: `phonenumber` reads a text with a space as the
    // digits in it (its RFC 3966 reading, where `+1246-310-1239` would
    // have the calling code 1246, refuses spaces), so a number the fast
    // check vouches for without them is the one it reads.
    if text.contains(' ')
        && let Some(digits) = digits_of(text)
        && super::e164::is_valid_canonical(&digits)
    {
        return Ok(digits);
    }
    phone_by_parsing(text)
}

/// The calling code of a number in E.164 form (`+4915123456789` → 49),
/// found without loading any numbering plan: calling codes are prefix-free.
/// `None` when the text is not `+` and digits or starts with no code.
pub fn calling_code(e164: &str) -> Option<u16> {
    let digits = e164.strip_prefix('+')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    super::e164::metadata::calling_code(digits).map(|(code, _)| code)
}

/// `+` and the digits of `text`, when it is `+` followed by digits and the
/// punctuation phone numbers are written with (` ()./-`) only.
fn digits_of(text: &str) -> Option<String> {
    let rest = text.strip_prefix('+')?;
    rest.bytes()
        .all(|b| b.is_ascii_digit() || b" ()./-".contains(&b))
        .then(|| {
            std::iter::once('+')
                .chain(rest.chars().filter(char::is_ascii_digit))
                .collect()
        })
}

/// [`phone`] the long way: `phonenumber` parses and validates `text`,
/// with the metadata of the number's calling code alone when the text is
/// digits and punctuation (the whole metadata otherwise).
pub(crate) fn phone_by_parsing(text: &str) -> Result<String, PhoneProblem> {
    let text = text.trim();
    if !text.starts_with('+') {
        return Err(PhoneProblem::NoCountryCode);
    }
    let database = digits_of(text)
        .and_then(|digits| super::e164::metadata::calling_code(&digits[1..]))
        .and_then(|(_, position)| super::e164::metadata::country_at(position).database())
        .unwrap_or(&phonenumber::metadata::DATABASE);
    let number =
        phonenumber::parse_with(database, None, text).map_err(|_| PhoneProblem::Unreadable)?;
    if !phonenumber::is_valid_with(database, &number) {
        return Err(PhoneProblem::Invalid);
    }
    // E.164 is the country code and the national number, digits only.
    Ok(format!("+{}{}", number.code().value(), number.national()))
}

/// [`phone_by_parsing`] with the whole metadata, as `phonenumber` does by
/// default: what the per-country way is held to in tests.
#[cfg(test)]
pub(crate) fn phone_by_parsing_everything(text: &str) -> Result<String, PhoneProblem> {
    let text = text.trim();
    if !text.starts_with('+') {
        return Err(PhoneProblem::NoCountryCode);
    }
    let number = phonenumber::parse(None, text).map_err(|_| PhoneProblem::Unreadable)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneProblem::Invalid);
    }
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

    /// Numbers as people in each country write them, and their E.164 form:
    /// mobile and fixed lines, national prefixes in parentheses, the
    /// Italian leading zero, several countries sharing `+1`.
    const NUMBERING_PLANS: &[(&str, &str, Result<&str, PhoneProblem>)] = &[
        ("DE", "+49 151 2345 6789", Ok("+4915123456789")),
        ("DE", "+49 (0)30 1234567", Ok("+49301234567")),
        ("GB", "+44 7400 123456", Ok("+447400123456")),
        ("GB", "+44 (0)20 7946 0958", Ok("+442079460958")),
        ("FR", "+33 6 12 34 56 78", Ok("+33612345678")),
        ("US", "+1 415-555-0132", Ok("+14155550132")),
        ("CA", "+1 (506) 234-5678", Ok("+15062345678")),
        ("NL", "+31 6 12345678", Ok("+31612345678")),
        ("ES", "+34 612 34 56 78", Ok("+34612345678")),
        ("IT", "+39 312 345 6789", Ok("+393123456789")),
        ("IT", "+39 02 1234 5678", Ok("+390212345678")),
        ("JP", "+81 90-1234-5678", Ok("+819012345678")),
        ("IN", "+91 81234 56789", Ok("+918123456789")),
        ("BR", "+55 11 96123-4567", Ok("+5511961234567")),
        ("AU", "+61 412 345 678", Ok("+61412345678")),
        ("CH", "+41 78 123 45 67", Ok("+41781234567")),
        ("SE", "+46 70 123 45 67", Ok("+46701234567")),
        ("PL", "+48 512 345 678", Ok("+48512345678")),
        ("AT", "+43 664 123456", Ok("+43664123456")),
        ("BE", "+32 470 12 34 56", Ok("+32470123456")),
        ("IE", "+353 85 012 3456", Ok("+353850123456")),
        ("ZA", "+27 71 123 4567", Ok("+27711234567")),
        ("SG", "+65 8123 4567", Ok("+6581234567")),
        ("NZ", "+64 21 123 4567", Ok("+64211234567")),
        ("KR", "+82 10-2000-0000", Ok("+821020000000")),
        ("CN", "+86 131 2345 6789", Ok("+8613123456789")),
        ("MX", "+52 55 1234 5678", Ok("+525512345678")),
        ("NO", "+47 406 12 345", Ok("+4740612345")),
        ("DK", "+45 32 12 34 56", Ok("+4532123456")),
        ("US", "+1 111 111 1111", Err(PhoneProblem::Invalid)),
        ("GB", "+44 7400 12345", Err(PhoneProblem::Invalid)),
        ("DE", "+49 151 2345 678901", Err(PhoneProblem::Invalid)),
        ("--", "+999 1234 5678", Err(PhoneProblem::Unreadable)),
        ("DE", "0151 2345 6789", Err(PhoneProblem::NoCountryCode)),
    ];

    #[test]
    fn calling_codes_without_numbering_plans() {
        assert_eq!(calling_code("+4915123456789"), Some(49));
        assert_eq!(calling_code("+14155550132"), Some(1));
        assert_eq!(calling_code("+353850123456"), Some(353));
        assert_eq!(calling_code("+9991234"), None);
        assert_eq!(calling_code("+49 151"), None);
        assert_eq!(calling_code("4915123456789"), None);
        for (_, _, expected) in NUMBERING_PLANS {
            if let Ok(e164) = expected {
                let code = phonenumber::parse(None, e164).unwrap().code().value();
                assert_eq!(calling_code(e164), Some(code), "{e164}");
            }
        }
    }

    #[test]
    fn numbering_plans_of_many_countries() {
        let mut countries = std::collections::BTreeSet::new();
        for (country, written, expected) in NUMBERING_PLANS {
            let expected = expected.clone().map(str::to_string);
            assert_eq!(phone(written), expected, "{country} {written}");
            // The whole metadata, as `phonenumber` loads it, agrees.
            assert_eq!(
                phone_by_parsing_everything(written),
                expected,
                "{country} {written}"
            );
            countries.insert(*country);
        }
        assert!(countries.len() > 20, "{} countries", countries.len());
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
