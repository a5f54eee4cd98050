//! A user's contact methods: values in canonical form (E.164 phone numbers,
//! lowercase emails), one method per channel, label and variant.

use super::Item;
use crate::diagnostic::Diagnostic;
use crate::model::canonical::{self, PhoneProblem};
use crate::model::directory::{ActiveHours, ContactMethod, MethodKey, Retry};
use crate::model::document::{ContactMethodSpec, MethodFields, UserSpec};
use crate::model::vocab::{Channel, Variant};

pub(super) fn contact_methods(
    item: Item,
    spec: &UserSpec,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ContactMethod> {
    // A user has a handful of methods: a list is quicker than a hash map.
    let mut seen: Vec<(MethodKey, usize)> = Vec::with_capacity(spec.contact_methods.len());
    let mut methods = Vec::with_capacity(spec.contact_methods.len());
    for (i, method) in spec.contact_methods.iter().enumerate() {
        // Only a finding needs the pointer.
        let pointer = || format!("/users/{}/contact_methods/{i}", item.index);
        let (channel, variant, fields) = match method {
            ContactMethodSpec::Email { variant, fields } => (
                Channel::Email,
                variant.map(|_| Variant::SmsGateway),
                fields.map_value(|v| v.0.clone()),
            ),
            ContactMethodSpec::Sms { fields } => {
                (Channel::Sms, None, fields.map_value(|v| v.0.clone()))
            }
            ContactMethodSpec::Phone { variant, fields } => (
                Channel::Phone,
                variant.map(|_| Variant::Mobile),
                fields.map_value(|v| v.0.clone()),
            ),
            ContactMethodSpec::Whatsapp { fields } => {
                (Channel::Whatsapp, None, fields.map_value(|v| v.0.clone()))
            }
            ContactMethodSpec::Slack { fields } => {
                (Channel::Slack, None, fields.map_value(|v| v.0.clone()))
            }
        };
        let value = match channel {
            Channel::Email => canonical::email(&fields.value),
            c if c.takes_phone_number() => match canonical::phone(&fields.value) {
                Ok(e164) => e164,
                Err(problem) => {
                    let (message, help) = match problem {
                        PhoneProblem::NoCountryCode => (
                            "phone number has no country code",
                            "write it in international form, starting with `+` and the country code, such as `+49 151 2345 6789`",
                        ),
                        PhoneProblem::Unreadable => (
                            "not a phone number",
                            "write it in international form, such as `+49 151 2345 6789`",
                        ),
                        PhoneProblem::Invalid => (
                            "phone number does not exist in its country's numbering plan",
                            "check the digits after the country code",
                        ),
                    };
                    diagnostics.push(
                        Diagnostic::error(
                            "roster::contact::phone",
                            format!("{message}: `{}`", fields.value),
                        )
                        .at_value(
                            item.file,
                            format!("{}/value", pointer()),
                            "not a valid E.164 number",
                        )
                        .with_help(help),
                    );
                    fields.value.trim().to_string()
                }
            },
            _ => fields.value.trim().to_string(),
        };
        let method = ContactMethod {
            channel,
            label: fields.label,
            variant,
            value,
            wait_minutes: fields.wait_minutes,
            retry: fields.retry.as_ref().map(|r| Retry {
                count: r.count,
                interval_minutes: r.interval_minutes,
            }),
            active_hours: fields.active_hours.as_ref().map(|h| ActiveHours {
                days: h.days.iter().copied().collect(),
                from: h.from.clone(),
                to: h.to.clone(),
            }),
            enabled: fields.enabled,
        };
        if let Some(hours) = &method.active_hours
            && hours.from == hours.to
        {
            diagnostics.push(
                Diagnostic::error(
                    "roster::contact::active-hours",
                    "active hours start and end at the same time",
                )
                .at_value(
                    item.file,
                    format!("{}/active_hours/to", pointer()),
                    "same as `from`",
                )
                .with_help("leave `active_hours` out for a method that may be used at any time"),
            );
        }
        let key = method.key();
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            diagnostics.push(
                Diagnostic::error(
                    "roster::contact::duplicate",
                    format!("user `{}` has two `{key}` contact methods", spec.username.as_deref().unwrap_or(&spec.email)),
                )
                .at_value(item.file, format!("{}/channel", pointer()), "declared again here")
                .at_value(item.file, format!("/users/{}/contact_methods/{first}/channel", item.index), "first declared here")
                .with_help("a user has one contact method per channel, label and variant; change the label or remove one"),
            );
            continue;
        }
        seen.push((key, i));
        methods.push(method);
    }
    methods
}

impl<V> MethodFields<V> {
    fn map_value(&self, f: impl Fn(&V) -> String) -> MethodFields<String> {
        MethodFields {
            label: self.label,
            value: f(&self.value),
            wait_minutes: self.wait_minutes,
            retry: self.retry.clone(),
            active_hours: self.active_hours.clone(),
            enabled: self.enabled,
        }
    }
}
