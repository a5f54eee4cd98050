//! Shifts are the platform's: a plan never takes one with it. Deleting a
//! group that has a current or future shift, or taking a member off a
//! group they hold such a shift in, is refused naming each shift, as
//! AlertOps asks to "remove them from every shift they are on" first.
//! (A user who leaves altogether is the user guard's: it names the same
//! shifts.) Deleting a user whose push devices or API tokens the platform
//! keeps is refused too: the database would refuse it half-way.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{Action, Change, Object, Refusal};
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, Shift};
use crate::model::vocab::UserStatus;

/// The refusals for shifts a group change would lose.
pub(super) fn check(changes: &[Change], live: &LiveSnapshot, now: DateTime<Utc>) -> Vec<Refusal> {
    let mut current: BTreeMap<&str, Vec<&Shift>> = BTreeMap::new();
    for shift in live.platform.shifts.iter().filter(|s| s.ends_at > now) {
        current.entry(shift.group.as_str()).or_default().push(shift);
    }
    if current.is_empty() {
        return Vec::new();
    }
    let leaving = leaving_users(changes, live);
    let mut refusals = Vec::new();
    for change in changes.iter().filter(|c| c.key.kind == ObjectKind::Group) {
        let live_name = change.renamed_from.as_deref().unwrap_or(&change.key.name);
        let Some(shifts) = current.get(live_name) else {
            continue;
        };
        match (&change.action, &change.after) {
            (Action::Delete, _) => refusals.push(Refusal {
                object: Some(ObjectKey::new(ObjectKind::Group, live_name)),
                message: format!("cannot delete group `{live_name}`: it has on-call shifts"),
                reasons: shifts
                    .iter()
                    .map(|s| format!("`{}` is on call {}", s.user, interval(s)))
                    .collect(),
                hint: "shifts are the platform's: remove them from the group's schedule on the platform first, or keep the group in the config".into(),
            }),
            (_, Some(Object::Group(after))) => {
                let Some(before) = live.directory.groups.get(live_name) else {
                    continue;
                };
                for member in before.members.keys() {
                    if after.members.contains_key(member) || leaving.contains(member.as_str()) {
                        continue;
                    }
                    let held: Vec<&&Shift> = shifts.iter().filter(|s| &s.user == member).collect();
                    if held.is_empty() {
                        continue;
                    }
                    refusals.push(Refusal {
                        object: Some(ObjectKey::new(ObjectKind::Group, live_name)),
                        message: format!(
                            "cannot remove `{member}` from group `{live_name}`: they are on call for it"
                        ),
                        reasons: held
                            .iter()
                            .map(|s| format!("`{member}` is on call {}", interval(s)))
                            .collect(),
                        hint: format!(
                            "remove `{member}` from those shifts on the platform first (or hand them to another member), or keep them in the group"
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    refusals
}

/// The refusals for deleted users whose push devices or API tokens the
/// platform keeps.
pub(super) fn devices_and_tokens(changes: &[Change], live: &LiveSnapshot) -> Vec<Refusal> {
    let platform = &live.platform;
    let mut refusals = Vec::new();
    for change in changes
        .iter()
        .filter(|c| c.action == Action::Delete && c.key.kind == ObjectKind::User)
    {
        let name = change.key.name.as_str();
        let mut reasons = Vec::new();
        for device in platform.push_methods.get(name).into_iter().flatten() {
            reasons.push(format!(
                "has push device `{}`, registered {}",
                device.device,
                device.registered_at.format("%Y-%m-%d")
            ));
        }
        for token in platform.api_tokens.get(name).into_iter().flatten() {
            reasons.push(format!(
                "has API token `{}`, created {}",
                token.name,
                token.created_at.format("%Y-%m-%d")
            ));
        }
        if reasons.is_empty() {
            continue;
        }
        refusals.push(Refusal {
            object: Some(change.key.clone()),
            message: format!("cannot delete user `{name}`: the platform keeps their devices and tokens"),
            reasons,
            hint: "set `status: disabled` instead (nothing is lost), or have the devices and tokens removed on the platform first".into(),
        });
    }
    refusals
}

/// Users this plan deletes or disables (by their live name): their
/// shifts are named by the user guard.
fn leaving_users<'a>(changes: &'a [Change], live: &LiveSnapshot) -> BTreeSet<&'a str> {
    changes
        .iter()
        .filter(|c| c.key.kind == ObjectKind::User)
        .filter(|c| match (&c.action, &c.after) {
            (Action::Delete, _) => true,
            (_, Some(Object::User(after))) => {
                after.status == UserStatus::Disabled
                    && live
                        .directory
                        .users
                        .get(c.renamed_from.as_deref().unwrap_or(&c.key.name))
                        .is_some_and(|u| u.status != UserStatus::Disabled)
            }
            _ => false,
        })
        .map(|c| c.renamed_from.as_deref().unwrap_or(&c.key.name))
        .collect()
}

fn interval(shift: &Shift) -> String {
    format!(
        "{} → {} UTC",
        shift.starts_at.format("%Y-%m-%d %H:%M"),
        shift.ends_at.format("%Y-%m-%d %H:%M")
    )
}
