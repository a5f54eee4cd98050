//! Contact values are personal data: plans and drift reports show them
//! masked (`+49 ••• •••• 89`, `a•••@acme.example`) unless asked not to.

use serde_json::Value;

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
}
