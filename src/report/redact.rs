//! Contact values are personal data: plans and drift reports show them
//! masked (`+49 ••• •••• 89`, `a•••@acme.example`) unless asked not to.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::directory::MethodKey;
use crate::model::vocab::Channel;

const DOTS: &str = "•••";

/// Masks one contact value: enough to recognise it, not enough to use it.
pub fn mask(channel: Channel, value: &str) -> String {
    match channel {
        Channel::Email => mask_email(value),
        c if c.takes_phone_number() => mask_phone(value),
        _ => mask_tail(value),
    }
}

fn mask_email(value: &str) -> String {
    match value.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}{DOTS}@{domain}")
        }
        None => mask_tail(value),
    }
}

fn mask_phone(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    // The calling code comes from a prefix table: no numbering plan is
    // loaded to show a masked number.
    let country = value
        .trim_start()
        .starts_with('+')
        .then(|| crate::model::canonical::calling_code(&format!("+{digits}")))
        .flatten();
    let last: String = digits
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match country {
        Some(code) => format!("+{code} ••• •••• {last}"),
        None => format!("+•• ••• •••• {last}"),
    }
}

fn mask_tail(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return DOTS.to_string();
    }
    let first: String = chars[..1].iter().collect();
    let last: String = chars[chars.len() - 2..].iter().collect();
    format!("{first}{DOTS}{last}")
}

/// Masks the personal values of a field change, by its path.
#[derive(Debug, Clone, Copy)]
pub struct Redactor {
    /// Show values as they are.
    pub show_values: bool,
}

impl Redactor {
    /// The value of the field at `path`, masked when it is a contact value.
    pub fn field(&self, path: &str, value: &Value) -> Value {
        if self.show_values {
            return value.clone();
        }
        if path == "email" {
            return mask_value(Channel::Email, value);
        }
        let Some(rest) = path.strip_prefix("contact_methods[") else {
            return value.clone();
        };
        let Some((name, tail)) = rest.split_once(']') else {
            return value.clone();
        };
        let Some(key) = MethodKey::parse(name) else {
            return value.clone();
        };
        match (tail, value) {
            (".value", _) => mask_value(key.channel, value),
            ("", Value::Object(map)) => {
                let mut map = map.clone();
                if let Some(inner) = map.get_mut("value") {
                    *inner = mask_value(key.channel, inner);
                }
                Value::Object(map)
            }
            _ => value.clone(),
        }
    }
}

impl Redactor {
    /// `text` with every email address in it masked: a person named by
    /// their email (no `username`, or a username that is an address) is
    /// shown as `s•••@acme.example#3fa2` in headlines, member paths, notes
    /// and history, like the `email:` field itself. The tag after `#` is
    /// the start of the address's SHA-256, so two people who mask alike are
    /// still told apart; values already masked are left as they are.
    pub fn names<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.show_values || !text.contains('@') {
            return Cow::Borrowed(text);
        }
        email_pattern().replace_all(text, |found: &regex::Captures<'_>| masked_name(&found[0]))
    }

    /// Every string in `value`, keys included, as [`Redactor::names`] shows it.
    pub fn names_in(&self, value: Value) -> Value {
        if self.show_values {
            return value;
        }
        match value {
            Value::String(text) => Value::String(self.names(&text).into_owned()),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.names_in(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.names(&k).into_owned(), self.names_in(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

fn email_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
            .expect("the email pattern compiles")
    })
}

fn masked_name(address: &str) -> String {
    let digest = Sha256::digest(address.to_lowercase().as_bytes());
    format!("{}#{:02x}{:02x}", mask_email(address), digest[0], digest[1])
}

fn mask_value(channel: Channel, value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(mask(channel, text)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_keep_only_a_hint() {
        assert_eq!(mask(Channel::Sms, "+4915123456789"), "+49 ••• •••• 89");
        assert_eq!(mask(Channel::Phone, "+14155550132"), "+1 ••• •••• 32");
        assert_eq!(
            mask(Channel::Email, "alice@acme.example"),
            "a•••@acme.example"
        );
        assert_eq!(mask(Channel::Slack, "U024BE7LH"), "U•••LH");
    }

    #[test]
    fn only_contact_values_are_masked() {
        let redactor = Redactor { show_values: false };
        assert_eq!(
            redactor.field("last_name", &json!("Nguyen")),
            json!("Nguyen")
        );
        assert_eq!(
            redactor.field("email", &json!("bob@acme.example")),
            json!("b•••@acme.example")
        );
        assert_eq!(
            redactor.field(
                "contact_methods[sms-personal].value",
                &json!("+4915123456789")
            ),
            json!("+49 ••• •••• 89")
        );
        assert_eq!(
            redactor.field(
                "contact_methods[email-official]",
                &json!({ "value": "bob@acme.example", "wait_minutes": 5 })
            ),
            json!({ "value": "b•••@acme.example", "wait_minutes": 5 })
        );
        assert_eq!(
            redactor.field("contact_methods[sms-personal].wait_minutes", &json!(5)),
            json!(5)
        );
        let shown = Redactor { show_values: true };
        assert_eq!(
            shown.field("email", &json!("bob@acme.example")),
            json!("bob@acme.example")
        );
    }

    #[test]
    fn people_named_by_an_email_are_masked_and_told_apart() {
        let redactor = Redactor { show_values: false };
        let text = "+ user jane@acme.example (invited)\n  + members[john@acme.example]: [primary]\n  + email: \"j•••@acme.example\"\nat postgres://postgres@127.0.0.1/db\n";
        let shown = redactor.names(text);
        assert!(
            !shown.contains("jane@") && !shown.contains("john@"),
            "{shown}"
        );
        let jane = masked_name("jane@acme.example");
        let john = masked_name("john@acme.example");
        assert!(jane.starts_with("j•••@acme.example#") && jane.len() == john.len());
        assert_ne!(jane, john);
        assert_eq!(
            masked_name("Jane@acme.example").rsplit('#').next(),
            jane.rsplit('#').next(),
            "the tag does not depend on case"
        );
        assert_eq!(
            shown,
            format!(
                "+ user {jane} (invited)\n  + members[{john}]: [primary]\n  + email: \"j•••@acme.example\"\nat postgres://postgres@127.0.0.1/db\n"
            )
        );
        assert_eq!(
            redactor.names(&shown),
            shown,
            "masking twice changes nothing"
        );
        assert_eq!(
            redactor.names_in(json!({ "jane@acme.example": ["a", "john@acme.example"] })),
            json!({ jane.clone(): ["a", john] })
        );
        let clear = Redactor { show_values: true };
        assert_eq!(clear.names(text), text);
    }
}
