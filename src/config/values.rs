//! The checks a config's values pass — the schema's patterns and formats,
//! valid phone numbers and time zones, windows that end after they start
//! within the years the databases store — applied to model objects that
//! come from elsewhere: the objects of a plan file, which an apply writes.

use chrono::Datelike;

use super::typed::constraints::{CLOCK, LOCALE, ROLE_NAME, SLACK, USERNAME, is_email};
use crate::model::canonical;
use crate::model::directory::{ContactMethod, Group, Role, User};
use crate::model::timezone;
use crate::model::vocab::Channel;

/// What is wrong with the values of `user`, in words.
pub fn user_problems(user: &User) -> Vec<String> {
    let mut out = control_problems(user);
    let mut bad = |what: String| out.push(what);
    if !USERNAME.matches(&user.username) || user.username != canonical::username(&user.username) {
        bad(format!(
            "username `{}` is not a valid username",
            short(&user.username)
        ));
    }
    if !is_email(&user.email) || user.email != canonical::email(&user.email) {
        bad(format!(
            "email `{}` is not a valid email address",
            short(&user.email)
        ));
    }
    if let Some(zone) = &user.time_zone
        && timezone::spelled(zone) != Some(zone.as_str())
    {
        bad(format!(
            "time zone `{}` is not an IANA time zone",
            short(zone)
        ));
    }
    if let Some(locale) = &user.locale
        && !LOCALE.matches(locale)
    {
        bad(format!("locale `{}` is not a BCP 47 tag", short(locale)));
    }
    for method in &user.contact_methods {
        if let Some(problem) = method_problem(method) {
            bad(format!("contact method {}: {problem}", method.key()));
        }
    }
    for (priority, steps) in &user.notification_profiles {
        for step in steps {
            if !user.contact_methods.iter().any(|m| m.key() == step.method) {
                bad(format!(
                    "notification profile {priority} names {}, which the user does not have",
                    step.method
                ));
            }
        }
    }
    for window in &user.out_of_office {
        if window.until <= window.from {
            bad(format!(
                "an out-of-office window from {} ends when it starts or before",
                window.from
            ));
        }
        for instant in [window.from, window.until] {
            if !(1..=9999).contains(&instant.year()) {
                bad(format!(
                    "an out-of-office time {instant} is outside the years 1 to 9999"
                ));
            }
        }
    }
    out
}

fn method_problem(method: &ContactMethod) -> Option<String> {
    let value = &method.value;
    let valid = match method.channel {
        Channel::Email => is_email(value) && *value == canonical::email(value),
        Channel::Slack => SLACK.matches(value),
        _ => canonical::phone(value).is_ok_and(|e164| e164 == *value),
    };
    if !valid {
        return Some(format!(
            "`{}` is not a valid {} value",
            short(value),
            method.channel
        ));
    }
    let hours = method.active_hours.as_ref()?;
    if hours.days.is_empty() || !CLOCK.matches(&hours.from) || !CLOCK.matches(&hours.to) {
        return Some("its active hours are not days and `HH:MM` times".into());
    }
    None
}

/// What is wrong with the values of `role`.
pub fn role_problems(role: &Role) -> Vec<String> {
    let mut out = control_problems(role);
    if !ROLE_NAME.matches(&role.name) {
        out.push(format!(
            "role name `{}` is not a valid name",
            short(&role.name)
        ));
    }
    out
}

/// What is wrong with the values of `group`.
pub fn group_problems(group: &Group) -> Vec<String> {
    let mut out = control_problems(group);
    if group.name.trim().is_empty() {
        out.push("a group has no name".into());
    }
    for member in group.members.keys() {
        if !USERNAME.matches(member) {
            out.push(format!(
                "member `{}` is not a valid username",
                short(member)
            ));
        }
    }
    out
}

/// A control character anywhere in an object's text, as a config may not
/// hold one (see `yaml::control_character`).
fn control_problems(object: &impl serde::Serialize) -> Vec<String> {
    fn find(value: &serde_json::Value) -> Option<char> {
        match value {
            serde_json::Value::String(text) => super::yaml::control_character(text),
            serde_json::Value::Array(items) => items.iter().find_map(find),
            serde_json::Value::Object(map) => map
                .iter()
                .find_map(|(k, v)| super::yaml::control_character(k).or_else(|| find(v))),
            _ => None,
        }
    }
    let value = serde_json::to_value(object).unwrap_or_default();
    find(&value)
        .map(|c| format!("a value holds the control character U+{:04X}", u32::from(c)))
        .into_iter()
        .collect()
}

/// A value cut to a length a message can show.
fn short(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}… ({} characters)", &text[..at], text.chars().count()),
        None => text.to_string(),
    }
}
