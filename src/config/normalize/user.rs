//! One user in canonical form: defaults filled in, the time zone checked,
//! out-of-office windows read in it.

use std::collections::BTreeSet;

use chrono_tz::Tz;

use super::Item;
use super::contact::contact_methods;
use super::time::parse_instant;
use crate::config::suggest;
use crate::diagnostic::Diagnostic;
use crate::model::canonical;
use crate::model::directory::{Cover, OofWindow, Preferences, ProfileStep, Reminders, User};
use crate::model::document::{CoverSpec, OutOfOfficeSpec, StatusSpec, UserSpec};
use crate::model::timezone;
use crate::model::vocab::{self, Language, Priority, UserStatus, UserType};

/// One user, canonical; problems with single values are reported here.
/// When an out-of-office window is unreadable, also the declared index of
/// each window kept.
pub(super) fn normalize_user(
    item: Item,
    spec: &UserSpec,
    diagnostics: &mut Vec<Diagnostic>,
) -> (User, Option<Vec<usize>>) {
    let base = format!("/users/{}", item.index);
    let email = canonical::email(&spec.email);
    let username = canonical::username(spec.username.as_deref().unwrap_or(&spec.email));
    let zone = spec.time_zone.as_ref().and_then(|name| {
        let zone = timezone::canonical(name);
        if zone.is_none() {
            let help = match suggest::closest(name, timezone::names()) {
                Some(close) => format!(
                    "did you mean `{close}`? Time zones are IANA names such as `Europe/Berlin`"
                ),
                None => "time zones are IANA names such as `Europe/Berlin` or `America/New_York`"
                    .to_string(),
            };
            diagnostics.push(
                Diagnostic::error("roster::time-zone", format!("unknown time zone `{name}`"))
                    .at_value(
                        item.file,
                        format!("{base}/time_zone"),
                        "not an IANA time zone",
                    )
                    .with_help(help),
            );
        }
        zone
    });
    let roles: BTreeSet<String> = match &spec.roles {
        Some(roles) => roles.iter().map(|r| r.trim().to_string()).collect(),
        None => BTreeSet::from([vocab::DEFAULT_ROLE.to_string()]),
    };
    let preferences = spec
        .preferences
        .as_ref()
        .map_or_else(Preferences::default, |p| {
            let d = Preferences::default();
            Preferences {
                home_page: p.home_page.unwrap_or(d.home_page),
                theme: p.theme.unwrap_or(d.theme),
                digest: p.digest.unwrap_or(d.digest),
            }
        });
    let reminders = spec
        .on_call_reminders
        .as_ref()
        .map_or_else(Reminders::default, |r| {
            let d = Reminders::default();
            Reminders {
                email: r.email.unwrap_or(d.email),
                push: r.push.unwrap_or(d.push),
                lead_minutes: r.lead_minutes.unwrap_or(d.lead_minutes),
                groups: r.groups.iter().cloned().collect(),
            }
        });
    let contact_methods = contact_methods(item, spec, diagnostics);
    let notification_profiles = spec
        .notification_profiles
        .as_ref()
        .map(|profiles| {
            [
                (Priority::P1, &profiles.p1),
                (Priority::P2, &profiles.p2),
                (Priority::P3, &profiles.p3),
                (Priority::P4, &profiles.p4),
                (Priority::P5, &profiles.p5),
            ]
            .into_iter()
            .filter_map(|(priority, steps)| {
                let steps = steps.as_ref()?;
                let steps = steps
                    .iter()
                    .filter_map(|step| {
                        Some(ProfileStep {
                            method: crate::model::directory::MethodKey::parse(&step.method)?,
                            wait_minutes: step.wait_minutes,
                            repeat: step.repeat,
                        })
                    })
                    .collect();
                Some((priority, steps))
            })
            .collect()
        })
        .unwrap_or_default();
    let mut declared = Vec::with_capacity(spec.out_of_office.len());
    let mut out_of_office = Vec::with_capacity(spec.out_of_office.len());
    for (i, window) in spec.out_of_office.iter().enumerate() {
        if let Some(window) = oof_window(item, i, window, zone, diagnostics) {
            declared.push(i);
            out_of_office.push(window);
        }
    }
    let oof_declared = (declared.len() < spec.out_of_office.len()).then_some(declared);
    let user = User {
        username,
        email,
        first_name: spec.first_name.trim().to_string(),
        last_name: spec.last_name.trim().to_string(),
        user_type: spec.user_type.unwrap_or(UserType::Standard),
        status: match spec.status {
            Some(StatusSpec::Disabled) => UserStatus::Disabled,
            Some(StatusSpec::Active) | None => UserStatus::Active,
        },
        roles,
        time_zone: zone
            .and(spec.time_zone.as_deref())
            .and_then(timezone::spelled)
            .map(str::to_string),
        locale: spec.locale.as_deref().map(canonical::locale),
        language: spec.language.unwrap_or(Language::En),
        external_id: spec.external_id.clone(),
        protected: spec.protected,
        preferences,
        reminders,
        muted_integrations: spec.muted_integrations.iter().cloned().collect(),
        contact_methods,
        notification_profiles,
        out_of_office,
    };
    (user, oof_declared)
}

fn oof_window(
    item: Item,
    index: usize,
    spec: &OutOfOfficeSpec,
    zone: Option<Tz>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<OofWindow> {
    let pointer = format!("/users/{}/out_of_office/{index}", item.index);
    let mut read = |field: &str, text: &str| match parse_instant(text, zone) {
        Ok(instant) => Some(instant),
        Err(problem) => {
            diagnostics.push(problem.diagnostic(
                item.file,
                format!("{pointer}/{field}"),
                text,
                zone,
            ));
            None
        }
    };
    let from = read("from", &spec.from);
    let until = read("until", &spec.until);
    let (from, until) = (from?, until?);
    if until <= from {
        diagnostics.push(
            Diagnostic::error(
                "roster::oof::order",
                if until == from {
                    "out-of-office window ends the moment it starts"
                } else {
                    "out-of-office window ends before it starts"
                },
            )
            .at_value(item.file, format!("{pointer}/until"), "not after `from`")
            .at_value(item.file, format!("{pointer}/from"), "starts here")
            .with_help("`until` must be later than `from`"),
        );
        return None;
    }
    let cover = match &spec.covered_by {
        CoverSpec::AllGroups(user) => Cover::AllGroups(canonical::username(user)),
        CoverSpec::PerGroup(map) => Cover::PerGroup(
            map.iter()
                .map(|(g, u)| (g.clone(), canonical::username(u)))
                .collect(),
        ),
    };
    Some(OofWindow {
        from,
        until,
        cover,
        note: spec.note.clone(),
    })
}
