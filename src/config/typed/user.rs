//! A user and everything declared inside one: preferences, reminders,
//! contact methods, notification profiles and out-of-office windows.

use std::collections::BTreeMap;

use super::constraints::{
    CLOCK, DATE_TIME, HANDLE, LOCALE, PHONE, PROFILE_METHOD, Pattern, SLACK, USERNAME, is_email,
};
use super::{Reader, Refused, once};
use crate::model::document::{
    ActiveHoursSpec, ContactMethodSpec, CoverSpec, EmailValue, HandlesSpec, MethodFields,
    NotificationProfilesSpec, OutOfOfficeSpec, PhoneValue, PreferencesSpec, ProfileStepSpec,
    RemindersSpec, RetrySpec, SlackValue, UserSpec,
};

/// A text scalar that matches `pattern`.
fn matching(r: &mut Reader<'_, '_>, pattern: &Pattern) -> Result<String, Refused> {
    let text = r.string()?;
    if !pattern.matches(&text) {
        return Err(Refused);
    }
    Ok(text)
}

fn email(r: &mut Reader<'_, '_>) -> Result<String, Refused> {
    let text = r.string()?;
    if !is_email(&text) {
        return Err(Refused);
    }
    Ok(text)
}

pub(super) fn user(r: &mut Reader<'_, '_>) -> Result<UserSpec, Refused> {
    r.map()?;
    let mut email_ = None;
    let mut username = None;
    let mut previous_usernames = None;
    let mut first_name = None;
    let mut last_name = None;
    let mut user_type = None;
    let mut status = None;
    let mut roles = None;
    let mut time_zone = None;
    let mut locale = None;
    let mut language = None;
    let mut external_id = None;
    let mut handles_ = None;
    let mut protected = None;
    let mut preferences_ = None;
    let mut reminders_ = None;
    let mut muted_integrations = None;
    let mut contact_methods = None;
    let mut profiles_ = None;
    let mut out_of_office = None;
    while let Some(key) = r.key()? {
        match key {
            "email" => once(&mut email_, email(r)?)?,
            "username" => once(&mut username, matching(r, &USERNAME)?)?,
            "previous_usernames" => once(&mut previous_usernames, r.strings()?)?,
            "first_name" => once(&mut first_name, r.string_of_length(1, 100)?)?,
            "last_name" => once(&mut last_name, r.string_of_length(1, 100)?)?,
            "type" => once(&mut user_type, r.word()?)?,
            "status" => once(&mut status, r.word()?)?,
            "roles" => once(&mut roles, r.strings()?)?,
            "time_zone" => once(&mut time_zone, r.string()?)?,
            "locale" => once(&mut locale, matching(r, &LOCALE)?)?,
            "language" => once(&mut language, r.word()?)?,
            "external_id" => once(&mut external_id, r.string_of_length(1, 200)?)?,
            "handles" => once(&mut handles_, handles(r)?)?,
            "protected" => once(&mut protected, r.boolean()?)?,
            "preferences" => once(&mut preferences_, preferences(r)?)?,
            "on_call_reminders" => once(&mut reminders_, reminders(r)?)?,
            "muted_integrations" => once(&mut muted_integrations, r.strings()?)?,
            "contact_methods" => once(&mut contact_methods, r.seq(contact_method)?)?,
            "notification_profiles" => once(&mut profiles_, profiles(r)?)?,
            "out_of_office" => once(&mut out_of_office, r.seq(window)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(UserSpec {
        email: email_.ok_or(Refused)?,
        username,
        previous_usernames: previous_usernames.unwrap_or_default(),
        first_name: first_name.ok_or(Refused)?,
        last_name: last_name.ok_or(Refused)?,
        user_type,
        status,
        roles,
        time_zone,
        locale,
        language,
        external_id,
        handles: handles_,
        protected: protected.unwrap_or(false),
        preferences: preferences_,
        on_call_reminders: reminders_,
        muted_integrations: muted_integrations.unwrap_or_default(),
        contact_methods: contact_methods.unwrap_or_default(),
        notification_profiles: profiles_,
        out_of_office: out_of_office.unwrap_or_default(),
    })
}

fn handles(r: &mut Reader<'_, '_>) -> Result<HandlesSpec, Refused> {
    r.map()?;
    let mut spec = HandlesSpec::default();
    while let Some(key) = r.key()? {
        let slot = match key {
            "github" => &mut spec.github,
            "gitlab" => &mut spec.gitlab,
            "bitbucket" => &mut spec.bitbucket,
            "gitea" => &mut spec.gitea,
            _ => return Err(Refused),
        };
        once(slot, matching(r, &HANDLE)?)?;
    }
    Ok(spec)
}

fn preferences(r: &mut Reader<'_, '_>) -> Result<PreferencesSpec, Refused> {
    r.map()?;
    let mut spec = PreferencesSpec::default();
    while let Some(key) = r.key()? {
        match key {
            "home_page" => once(&mut spec.home_page, r.word()?)?,
            "theme" => once(&mut spec.theme, r.word()?)?,
            "digest" => once(&mut spec.digest, r.word()?)?,
            _ => return Err(Refused),
        }
    }
    Ok(spec)
}

fn reminders(r: &mut Reader<'_, '_>) -> Result<RemindersSpec, Refused> {
    r.map()?;
    let mut spec = RemindersSpec::default();
    let mut groups = None;
    while let Some(key) = r.key()? {
        match key {
            "email" => once(&mut spec.email, r.boolean()?)?,
            "push" => once(&mut spec.push, r.boolean()?)?,
            "lead_minutes" => once(&mut spec.lead_minutes, r.u32_in(0, 10080)?)?,
            "groups" => once(&mut groups, r.strings()?)?,
            _ => return Err(Refused),
        }
    }
    spec.groups = groups.unwrap_or_default();
    Ok(spec)
}

/// A contact method's keys may come in any order, `channel` among them:
/// the value is read first, then checked against the channel's branch.
fn contact_method(r: &mut Reader<'_, '_>) -> Result<ContactMethodSpec, Refused> {
    r.map()?;
    let mut channel: Option<&str> = None;
    let mut variant: Option<&str> = None;
    let mut label = None;
    let mut value: Option<String> = None;
    let mut wait_minutes = None;
    let mut retry_ = None;
    let mut active_hours_ = None;
    let mut enabled = None;
    while let Some(key) = r.key()? {
        match key {
            "channel" => once(&mut channel, r.str()?)?,
            "variant" => once(&mut variant, r.str()?)?,
            "label" => once(&mut label, r.word()?)?,
            "value" => once(&mut value, r.string()?)?,
            "wait_minutes" => once(&mut wait_minutes, r.u32_in(0, 1440)?)?,
            "retry" => once(&mut retry_, retry(r)?)?,
            "active_hours" => once(&mut active_hours_, active_hours(r)?)?,
            "enabled" => once(&mut enabled, r.boolean()?)?,
            _ => return Err(Refused),
        }
    }
    let value = value.ok_or(Refused)?;
    let common = MethodFields {
        label: label.ok_or(Refused)?,
        value: (),
        wait_minutes: wait_minutes.unwrap_or(0),
        retry: retry_,
        active_hours: active_hours_,
        enabled: enabled.unwrap_or(true),
    };
    fn fields<V>(common: MethodFields<()>, value: V) -> MethodFields<V> {
        MethodFields {
            label: common.label,
            value,
            wait_minutes: common.wait_minutes,
            retry: common.retry,
            active_hours: common.active_hours,
            enabled: common.enabled,
        }
    }
    let phone = |value: String| {
        if PHONE.matches(&value) {
            Ok(PhoneValue(value))
        } else {
            Err(Refused)
        }
    };
    let no_variant = || variant.is_none().then_some(()).ok_or(Refused);
    Ok(match channel.ok_or(Refused)? {
        "email" => {
            if !is_email(&value) {
                return Err(Refused);
            }
            let variant = match variant {
                None => None,
                Some("sms_gateway") => Some(crate::model::document::EmailVariant::SmsGateway),
                Some(_) => return Err(Refused),
            };
            ContactMethodSpec::Email {
                variant,
                fields: fields(common, EmailValue(value)),
            }
        }
        "sms" => {
            no_variant()?;
            ContactMethodSpec::Sms {
                fields: fields(common, phone(value)?),
            }
        }
        "phone" => {
            let variant = match variant {
                None => None,
                Some("mobile") => Some(crate::model::document::PhoneVariant::Mobile),
                Some(_) => return Err(Refused),
            };
            ContactMethodSpec::Phone {
                variant,
                fields: fields(common, phone(value)?),
            }
        }
        "whatsapp" => {
            no_variant()?;
            ContactMethodSpec::Whatsapp {
                fields: fields(common, phone(value)?),
            }
        }
        "slack" => {
            no_variant()?;
            if !SLACK.matches(&value) {
                return Err(Refused);
            }
            ContactMethodSpec::Slack {
                fields: fields(common, SlackValue(value)),
            }
        }
        _ => return Err(Refused),
    })
}

fn retry(r: &mut Reader<'_, '_>) -> Result<RetrySpec, Refused> {
    r.map()?;
    let (mut count, mut interval) = (None, None);
    while let Some(key) = r.key()? {
        match key {
            "count" => once(&mut count, r.u32_in(1, 10)?)?,
            "interval_minutes" => once(&mut interval, r.u32_in(1, 1440)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(RetrySpec {
        count: count.ok_or(Refused)?,
        interval_minutes: interval.ok_or(Refused)?,
    })
}

fn active_hours(r: &mut Reader<'_, '_>) -> Result<ActiveHoursSpec, Refused> {
    r.map()?;
    let (mut days, mut from, mut to) = (None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "days" => {
                let list = r.seq(Reader::word)?;
                if list.is_empty() {
                    return Err(Refused);
                }
                once(&mut days, list)?;
            }
            "from" => once(&mut from, matching(r, &CLOCK)?)?,
            "to" => once(&mut to, matching(r, &CLOCK)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(ActiveHoursSpec {
        days: days.ok_or(Refused)?,
        from: from.ok_or(Refused)?,
        to: to.ok_or(Refused)?,
    })
}

fn profiles(r: &mut Reader<'_, '_>) -> Result<NotificationProfilesSpec, Refused> {
    r.map()?;
    let mut spec = NotificationProfilesSpec::default();
    while let Some(key) = r.key()? {
        let slot = match key {
            "p1" => &mut spec.p1,
            "p2" => &mut spec.p2,
            "p3" => &mut spec.p3,
            "p4" => &mut spec.p4,
            "p5" => &mut spec.p5,
            _ => return Err(Refused),
        };
        once(slot, r.seq(step)?)?;
    }
    Ok(spec)
}

fn step(r: &mut Reader<'_, '_>) -> Result<ProfileStepSpec, Refused> {
    r.map()?;
    let (mut method, mut wait_minutes, mut repeat) = (None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "method" => once(&mut method, matching(r, &PROFILE_METHOD)?)?,
            "wait_minutes" => once(&mut wait_minutes, r.u32_in(0, 1440)?)?,
            "repeat" => once(&mut repeat, r.u32_in(0, 10)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(ProfileStepSpec {
        method: method.ok_or(Refused)?,
        wait_minutes: wait_minutes.unwrap_or(0),
        repeat: repeat.unwrap_or(0),
    })
}

fn window(r: &mut Reader<'_, '_>) -> Result<OutOfOfficeSpec, Refused> {
    r.map()?;
    let (mut from, mut until, mut covered_by, mut note) = (None, None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "from" => once(&mut from, matching(r, &DATE_TIME)?)?,
            "until" => once(&mut until, matching(r, &DATE_TIME)?)?,
            "covered_by" => once(&mut covered_by, cover(r)?)?,
            "note" => once(&mut note, r.string()?)?,
            _ => return Err(Refused),
        }
    }
    Ok(OutOfOfficeSpec {
        from: from.ok_or(Refused)?,
        until: until.ok_or(Refused)?,
        covered_by: covered_by.ok_or(Refused)?,
        note,
    })
}

fn cover(r: &mut Reader<'_, '_>) -> Result<CoverSpec, Refused> {
    if !r.at_map() {
        return Ok(CoverSpec::AllGroups(r.string()?));
    }
    r.map()?;
    let mut covers = BTreeMap::new();
    while let Some(group) = r.key()? {
        if covers.insert(group.to_string(), r.string()?).is_some() {
            return Err(Refused);
        }
    }
    Ok(CoverSpec::PerGroup(covers))
}
