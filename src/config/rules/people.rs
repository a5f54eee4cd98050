//! Rules about one person that need the whole directory or their other
//! fields: a notification profile that would notify nobody, active hours
//! without a time zone to read them in, reminder groups the person is not
//! in, and `external_id`s that must be unique.

use std::collections::BTreeMap;

use super::{Context, Index};
use crate::diagnostic::{At, Diagnostic};
use crate::fast::FastMap;

pub(super) fn check(cx: &Context<'_>, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let dir = cx.directory;
    // Each id's first holder; the ids given twice, with every holder in
    // username order (a tree of 100,000 ids cost more than the rest of
    // this rule).
    let mut first_holder: FastMap<&str, &str> = FastMap::default();
    first_holder.reserve(dir.users.len());
    let mut external_ids: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (username, user) in &dir.users {
        let at = || cx.user_at(username);
        if let Some(id) = &user.external_id {
            let first = *first_holder.entry(id.as_str()).or_insert(username);
            if first != username {
                external_ids
                    .entry(id.as_str())
                    .or_insert_with(|| vec![first])
                    .push(username);
            }
        }
        // AlertOps: "if a profile has all methods deleted, a user will not
        // be notified". Steps naming unknown methods are reported apart.
        for (priority, steps) in &user.notification_profiles {
            let methods: Vec<_> = steps
                .iter()
                .filter_map(|s| user.contact_methods.iter().find(|m| m.key() == s.method))
                .collect();
            if !steps.is_empty()
                && methods.len() == steps.len()
                && methods.iter().all(|m| !m.enabled)
            {
                let (file, pointer) = at();
                let names: Vec<String> = steps.iter().map(|s| format!("`{}`", s.method)).collect();
                out.push(
                    Diagnostic::error(
                        "roster::profile::disabled",
                        format!("user `{username}` is never notified of {priority} alerts: every step uses a disabled method"),
                    )
                    .at_key(file, format!("{pointer}/notification_profiles/{priority}"), format!("uses only {}", names.join(", ")))
                    .with_help(format!("enable one of these methods, or add a step with an enabled method to `{priority}`")),
                );
            }
        }
        if user.time_zone.is_none() {
            for (i, method) in user.contact_methods.iter().enumerate() {
                if method.active_hours.is_some() {
                    let (file, pointer) = at();
                    out.push(
                        Diagnostic::error(
                            "roster::contact::active-hours-zone",
                            format!("the active hours of `{}` need user `{username}`'s `time_zone`", method.key()),
                        )
                        .at_key(file, format!("{pointer}/contact_methods/{i}/active_hours"), "in which time zone?")
                        .with_help("set the user's `time_zone` (an IANA name such as `Europe/Berlin`): active hours are read in it"),
                    );
                }
            }
        }
        for group in &user.reminders.groups {
            if dir.groups.contains_key(group) && !index.is_member(username, group) {
                let (file, pointer) = at();
                out.push(
                    Diagnostic::error(
                        "roster::reminder::not-member",
                        format!("user `{username}` is reminded of group `{group}` but is not a member of it"),
                    )
                    .at_item(
                        file,
                        At::Item {
                            list: format!("{pointer}/on_call_reminders/groups"),
                            field: "",
                            value: group.to_lowercase(),
                            rest: String::new(),
                        },
                        "not one of the user's groups",
                    )
                    .with_help(format!("add `{username}` to `{group}`, or remove it from the reminder groups")),
                );
            }
        }
    }
    for (id, users) in external_ids {
        let mut diagnostic = Diagnostic::error(
            "roster::duplicate::external-id",
            format!(
                "external id `{id}` is given to {} users: {}",
                users.len(),
                users
                    .iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for (i, user) in users.iter().enumerate() {
            let (file, pointer) = cx.user_at(user);
            diagnostic = diagnostic.at_value(
                file,
                format!("{pointer}/external_id"),
                if i == 0 {
                    "first given here"
                } else {
                    "given again here"
                },
            );
        }
        out.push(
            diagnostic
                .with_help("an external id names one person in the HR system; correct the copy"),
        );
    }
}
