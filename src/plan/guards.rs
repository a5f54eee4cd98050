//! Guards: what stops a plan. Each refusal names the object, every reason
//! and everything involved, and how to proceed. The state-dependent guards
//! run again inside the apply transaction on fresh data ([`recheck`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{Action, Change, Object, Plan, PlanOptions, Refusal};
use crate::model::DesiredState;
use crate::model::directory::{Cover, OofWindow, User};
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind};
use crate::model::policy::Policy;
use crate::model::vocab::UserStatus;

pub(super) fn check(
    desired: &DesiredState,
    live: &LiveSnapshot,
    now: DateTime<Utc>,
    options: PlanOptions,
    plan: &mut Plan,
) {
    let mut refusals = user_guards(&plan.changes, live, now);
    refusals.extend(role_guard(&plan.changes, live));
    refusals.extend(super::shift_guard::check(&plan.changes, live, now));
    refusals.extend(super::shift_guard::devices_and_tokens(&plan.changes, live));
    refusals.extend(identity_guard(&plan.changes, live));
    if !options.allow_owner_change {
        refusals.extend(owner_guard(&plan.changes, live));
    }
    if !options.allow_replace {
        refusals.extend(replace_guard(&plan.changes, live));
    }
    if !options.allow_mass_delete
        && let Some(refusal) = mass_delete_guard(&plan.changes, live, &desired.policy)
    {
        refusals.push(refusal);
    }
    refusals.sort();
    plan.refusals = refusals;
}

/// Re-runs the guards that depend on live state (owner, shifts, covers,
/// protection, devices and tokens) against `live` as it is now, for an apply of a saved plan.
pub fn recheck(plan: &Plan, live: &LiveSnapshot, now: DateTime<Utc>) -> Vec<Refusal> {
    let mut refusals = user_guards(&plan.changes, live, now);
    refusals.extend(role_guard(&plan.changes, live));
    refusals.extend(super::shift_guard::check(&plan.changes, live, now));
    refusals.extend(super::shift_guard::devices_and_tokens(&plan.changes, live));
    refusals.sort();
    refusals
}

/// A role may go only when nobody keeps it: the database would take it
/// from users this plan does not touch (users roster does not manage),
/// changing them without a word in the plan.
fn role_guard(changes: &[Change], live: &LiveSnapshot) -> Vec<Refusal> {
    let deleted_roles = deleted_names(changes, ObjectKind::Role);
    if deleted_roles.is_empty() {
        return Vec::new();
    }
    // Users the plan writes or deletes hold what the plan says, not what
    // they hold now.
    let touched: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.key.kind == ObjectKind::User)
        .map(|c| c.renamed_from.as_deref().unwrap_or(&c.key.name))
        .collect();
    let mut holders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for user in live.directory.users.values() {
        if touched.contains(user.username.as_str()) {
            continue;
        }
        for role in user
            .roles
            .iter()
            .filter(|r| deleted_roles.contains(r.as_str()))
        {
            holders.entry(role).or_default().push(&user.username);
        }
    }
    holders
        .into_iter()
        .map(|(role, users)| Refusal {
            object: Some(ObjectKey::new(ObjectKind::Role, role)),
            message: format!("cannot delete role `{role}`"),
            reasons: users
                .iter()
                .map(|u| format!("user `{u}` holds it and is not in the config"))
                .collect(),
            hint: "take the role from those users on the platform, or declare them in the config without it".into(),
        })
        .collect()
}

/// The names of the objects of one kind that the plan deletes.
fn deleted_names(changes: &[Change], kind: ObjectKind) -> BTreeSet<&str> {
    changes
        .iter()
        .filter(|c| c.action == Action::Delete && c.key.kind == kind)
        .map(|c| c.key.name.as_str())
        .collect()
}

/// The time of a shift or window, in UTC, for messages.
fn when(from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    format!(
        "{} → {} UTC",
        from.format("%Y-%m-%d %H:%M"),
        until.format("%Y-%m-%d %H:%M")
    )
}

fn user_guards(changes: &[Change], live: &LiveSnapshot, now: DateTime<Utc>) -> Vec<Refusal> {
    let mut leaving: BTreeMap<&str, &'static str> = BTreeMap::new();
    for change in changes.iter().filter(|c| c.key.kind == ObjectKind::User) {
        let live_name = change.renamed_from.as_deref().unwrap_or(&change.key.name);
        let Some(current) = live.directory.users.get(live_name) else {
            continue;
        };
        match (&change.action, &change.after) {
            (Action::Delete, _) => {
                leaving.insert(live_name, "delete");
            }
            (_, Some(Object::User(after)))
                if after.status == UserStatus::Disabled
                    && current.status != UserStatus::Disabled =>
            {
                leaving.insert(live_name, "disable");
            }
            _ => {}
        }
    }
    if leaving.is_empty() {
        return Vec::new();
    }
    let windows = windows_after(changes, live, &leaving, now);
    // The owner once this plan is applied: a plan may hand ownership over
    // and disable or delete the former owner in one go.
    let owner_after = changes
        .iter()
        .find_map(|c| match &c.after {
            Some(Object::Account { owner }) => Some(owner.as_deref()),
            _ => None,
        })
        .unwrap_or(live.directory.owner.as_deref());
    let mut refusals = Vec::new();
    for (name, verb) in leaving {
        let current = &live.directory.users[name];
        let mut reasons = Vec::new();
        let mut hints = Vec::new();
        if owner_after == Some(name) {
            reasons.push("is the account owner".to_string());
            hints.push(
                "transfer ownership first: set `account.owner` to another user and apply"
                    .to_string(),
            );
        }
        let shifts: Vec<_> = live
            .platform
            .shifts
            .iter()
            .filter(|s| s.user == name && s.ends_at > now)
            .collect();
        for shift in &shifts {
            reasons.push(format!(
                "is on call for `{}` {}",
                shift.group,
                when(shift.starts_at, shift.ends_at)
            ));
        }
        if !shifts.is_empty() {
            hints.push("take the user off those shifts on the platform first".to_string());
        }
        let mut covers = Vec::new();
        for (owner, window) in &windows {
            let groups: Vec<&str> = match &window.cover {
                Cover::AllGroups(cover) if cover == name => vec!["all groups"],
                Cover::PerGroup(map) => map
                    .iter()
                    .filter(|(_, c)| *c == name)
                    .map(|(g, _)| g.as_str())
                    .collect(),
                Cover::AllGroups(_) => Vec::new(),
            };
            for group in groups {
                covers.push(format!(
                    "covers `{owner}` ({group}) while they are out {}",
                    when(window.from, window.until)
                ));
            }
        }
        if !covers.is_empty() {
            hints.push("give those out-of-office windows another cover first".to_string());
        }
        reasons.extend(covers);
        if verb == "delete" && current.protected {
            reasons.push("is protected".to_string());
            hints.push("set `protected: false` and apply before deleting".to_string());
        }
        if !reasons.is_empty() {
            refusals.push(Refusal {
                object: Some(ObjectKey::new(ObjectKind::User, name)),
                message: format!("cannot {verb} user `{name}`"),
                reasons,
                hint: hints.join("; "),
            });
        }
    }
    refusals
}

/// Every out-of-office window that will exist after the apply, with its
/// user: changed users' windows as written, other remaining users' as live.
fn windows_after<'a>(
    changes: &'a [Change],
    live: &'a LiveSnapshot,
    leaving: &BTreeMap<&str, &str>,
    now: DateTime<Utc>,
) -> Vec<(&'a str, &'a OofWindow)> {
    let mut written: BTreeMap<&str, &User> = BTreeMap::new();
    let mut replaced: BTreeSet<&str> = BTreeSet::new();
    for change in changes {
        if let Some(Object::User(user)) = &change.after {
            written.insert(&change.key.name, user);
            replaced.insert(change.renamed_from.as_deref().unwrap_or(&change.key.name));
        }
    }
    let mut windows = Vec::new();
    for (name, user) in &written {
        windows.extend(user.out_of_office.iter().map(|w| (*name, w)));
    }
    for (name, user) in &live.directory.users {
        let deleted = leaving.get(name.as_str()) == Some(&"delete");
        if !replaced.contains(name.as_str()) && !deleted {
            windows.extend(user.out_of_office.iter().map(|w| (name.as_str(), w)));
        }
    }
    // Windows already over cover nobody.
    windows.retain(|(_, w)| !w.is_past(now));
    windows
}

/// Emails are unique: a user written with the email another live user
/// keeps would be refused by the database half-way through the apply.
fn identity_guard(changes: &[Change], live: &LiveSnapshot) -> Vec<Refusal> {
    let deleted = deleted_names(changes, ObjectKind::User);
    // Users whose email changes free their old one.
    let written: BTreeMap<&str, &str> = changes
        .iter()
        .filter_map(|c| match &c.after {
            Some(Object::User(user)) => Some((
                c.renamed_from.as_deref().unwrap_or(&c.key.name),
                user.email.as_str(),
            )),
            _ => None,
        })
        .collect();
    let by_email: BTreeMap<&str, &User> = live
        .directory
        .users
        .values()
        .map(|u| (u.email.as_str(), u))
        .collect();
    let mut refusals = Vec::new();
    for change in changes {
        let Some(Object::User(user)) = &change.after else {
            continue;
        };
        let live_name = change.renamed_from.as_deref().unwrap_or(&change.key.name);
        let holder = by_email.get(user.email.as_str()).copied().filter(|other| {
            other.username != live_name
                && written
                    .get(other.username.as_str())
                    .is_none_or(|email| *email == user.email)
        });
        let Some(holder) = holder else { continue };
        let (reason, hint) = if deleted.contains(holder.username.as_str()) {
            (
                format!(
                    "this plan deletes `{}`, who has that email now, after creating `{}`",
                    holder.username, user.username
                ),
                format!(
                    "if `{}` is `{}` renamed, add `previous_usernames: [{}]` to keep their history; otherwise apply the deletion first",
                    user.username, holder.username, holder.username
                ),
            )
        } else {
            (
                format!(
                    "live user `{}`, which the config does not declare, has that email",
                    holder.username
                ),
                format!(
                    "declare `{}` under its username (or add it to `previous_usernames`), or remove it on the platform",
                    holder.username
                ),
            )
        };
        refusals.push(Refusal {
            object: Some(change.key.clone()),
            message: format!(
                "user `{}` would take the email of another user",
                user.username
            ),
            reasons: vec![reason],
            hint,
        });
    }
    refusals
}

fn replace_guard(changes: &[Change], live: &LiveSnapshot) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    for change in changes.iter().filter(|c| c.action == Action::Replace) {
        let live_name = change.renamed_from.as_deref().unwrap_or(&change.key.name);
        let (Some(current), Some(Object::User(after))) =
            (live.directory.users.get(live_name), &change.after)
        else {
            continue;
        };
        let platform = &live.platform;
        let mut reasons = vec![format!(
            "`type` changes from {} to {}, which the platform cannot change in place",
            current.user_type, after.user_type
        )];
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        if let Some(devices) = platform.push_methods.get(live_name) {
            reasons.push(format!(
                "loses {} for push notifications",
                count(devices.len(), "registered device")
            ));
        }
        if let Some(tokens) = platform.api_tokens.get(live_name) {
            reasons.push(format!("loses {}", count(tokens.len(), "API token")));
        }
        let verified = platform
            .verifications
            .keys()
            .filter(|(u, _, _)| u == live_name)
            .count();
        if verified > 0 {
            reasons.push(format!(
                "loses the verification of {}",
                count(verified, "contact value")
            ));
        }
        if platform.last_login.contains_key(live_name) {
            reasons.push("loses the sign-in history; the user is invited again".to_string());
        }
        refusals.push(Refusal {
            object: Some(ObjectKey::new(ObjectKind::User, live_name)),
            message: format!("replacing user `{live_name}` needs `--allow-replace`"),
            reasons,
            hint: "rerun with `--allow-replace` to accept the loss, or keep the user's `type`"
                .into(),
        });
    }
    refusals
}

fn mass_delete_guard(changes: &[Change], live: &LiveSnapshot, policy: &Policy) -> Option<Refusal> {
    let deleted: Vec<&ObjectKey> = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| &c.key)
        .collect();
    let total =
        live.directory.users.len() + live.directory.groups.len() + live.directory.roles.len();
    let over_count = policy
        .max_deletes
        .is_some_and(|max| deleted.len() > max as usize);
    let over_percent = policy
        .max_delete_percent
        .is_some_and(|pct| deleted.len() * 100 > pct as usize * total.max(1));
    if !over_count && !over_percent {
        return None;
    }
    // Name the limits this plan goes over, not every limit there is.
    let mut limits = Vec::new();
    if let (true, Some(max)) = (over_count, policy.max_deletes) {
        limits.push(format!("at most {max} objects"));
    }
    if let (true, Some(pct)) = (over_percent, policy.max_delete_percent) {
        limits.push(format!(
            "at most {pct}% of the {total} live users, groups and roles"
        ));
    }
    Some(Refusal {
        object: None,
        message: format!(
            "this plan deletes {} objects; the mass-delete guard allows {}",
            deleted.len(),
            limits.join(" and ")
        ),
        reasons: deleted.iter().map(|k| format!("deletes {k}")).collect(),
        hint: "check that the config is complete (a missing file deletes everything it declared); if these deletions are meant, rerun with `--allow-mass-delete` or raise `account.policy.max_deletes`".into(),
    })
}

/// The platforms let the owner change only through their support: roster
/// hands ownership over only when asked in so many words. Setting the
/// first owner of a new account needs no flag.
fn owner_guard(changes: &[Change], live: &LiveSnapshot) -> Option<Refusal> {
    let from = live.directory.owner.as_deref()?;
    let to = changes.iter().find_map(|c| match &c.after {
        Some(Object::Account { owner }) => Some(owner.as_deref()),
        _ => None,
    })?;
    // The owner renamed in the same plan stays the owner.
    let renamed = changes.iter().any(|c| {
        c.key.kind == ObjectKind::User
            && c.renamed_from.as_deref() == Some(from)
            && to == Some(c.key.name.as_str())
    });
    if to == Some(from) || renamed {
        return None;
    }
    let to = to.map_or("nobody".to_string(), |o| format!("`{o}`"));
    Some(Refusal {
        object: Some(ObjectKey::new(ObjectKind::Account, crate::model::live::ACCOUNT)),
        message: format!(
            "changing the account owner from `{from}` to {to} needs `--allow-owner-change`"
        ),
        reasons: vec![
            "the owner holds full control of the account; the platforms change it only through their support".to_string(),
        ],
        hint: "check with the current and the new owner, then rerun with `--allow-owner-change` (`--yes` alone is not enough)".into(),
    })
}
