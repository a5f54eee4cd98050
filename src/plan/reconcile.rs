//! Matches what the config declares with what is live and what roster
//! applied before, object by object, and turns every difference into a
//! [`Change`] — in the order an apply writes them: roles, users, groups,
//! the owner, then deletions (groups, users, roles) once nothing points at
//! what goes.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::{Action, Change, INVITATION_VALIDITY_DAYS, Note, Object, Plan, PlatformEffects, diff};
use crate::model::DesiredState;
use crate::model::directory::{Cover, Group, Role, User};
use crate::model::live::{ACCOUNT, LiveSnapshot, ObjectKey, ObjectKind, fingerprint};
use crate::model::vocab::{PruneMode, UserStatus};

pub(super) fn reconcile(
    desired: &DesiredState,
    live: &LiveSnapshot,
    now: DateTime<Utc>,
    plan: &mut Plan,
) {
    let mut deletes = Vec::new();
    let mut unchanged = Vec::new();
    roles(desired, live, plan, &mut deletes, &mut unchanged);
    users(desired, live, now, plan, &mut deletes, &mut unchanged);
    groups(desired, live, plan, &mut deletes, &mut unchanged);
    account(desired, live, plan, &mut unchanged);
    plan.adopt = adoptions(live, unchanged);
    // Groups go first (members and covers point at users), roles last
    // (grants point at them).
    deletes.sort_by_key(|c: &Change| {
        let rank = match c.key.kind {
            ObjectKind::Group => 0,
            ObjectKind::User => 1,
            ObjectKind::Role => 2,
            ObjectKind::Account => 3,
        };
        (rank, c.key.name.clone())
    });
    plan.changes.extend(deletes);
    plan.unmanaged.sort();
}

/// Whether a live object that the config does not declare is deleted.
fn prunes(live: &LiveSnapshot, key: &ObjectKey, mode: PruneMode) -> bool {
    mode == PruneMode::Authoritative || live.managed.contains(key)
}

/// A declared object that needs no change: as it is live.
#[derive(Clone, Copy)]
enum Unchanged<'a> {
    Account(&'a Option<String>),
    Role(&'a Role),
    User(&'a User),
    Group(&'a Group),
}

impl Unchanged<'_> {
    fn fingerprint(self) -> String {
        match self {
            Unchanged::Account(owner) => fingerprint(owner),
            Unchanged::Role(role) => fingerprint(role),
            Unchanged::User(user) => fingerprint(user),
            Unchanged::Group(group) => fingerprint(group),
        }
    }

    fn object(self) -> Object {
        match self {
            Unchanged::Account(owner) => Object::Account {
                owner: owner.clone(),
            },
            Unchanged::Role(role) => Object::Role(role.clone()),
            Unchanged::User(user) => Object::User(Box::new(user.clone())),
            Unchanged::Group(group) => Object::Group(group.clone()),
        }
    }
}

/// The unchanged objects whose last-applied form is missing or outdated,
/// for an apply to record. Fingerprinting every object of a large
/// directory is the planner's heaviest work, so it is spread over the cores.
fn adoptions(
    live: &LiveSnapshot,
    unchanged: Vec<(ObjectKey, Unchanged<'_>)>,
) -> Vec<(ObjectKey, Object)> {
    let outdated = crate::parallel::map(&unchanged, |(key, object)| {
        let recorded = live
            .managed
            .objects
            .get(key)
            .map(|r| r.fingerprint.as_str());
        recorded != Some(object.fingerprint().as_str())
    });
    unchanged
        .into_iter()
        .zip(outdated)
        .filter(|(_, outdated)| *outdated)
        .map(|((key, object), _)| (key, object.object()))
        .collect()
}

fn deletion(key: ObjectKey) -> Change {
    Change {
        key,
        action: Action::Delete,
        renamed_from: None,
        fields: Vec::new(),
        after: None,
        platform: PlatformEffects::default(),
    }
}

fn roles<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    plan: &mut Plan,
    deletes: &mut Vec<Change>,
    unchanged: &mut Vec<(ObjectKey, Unchanged<'a>)>,
) {
    for (name, role) in &desired.directory.roles {
        let key = ObjectKey::new(ObjectKind::Role, name);
        match live.directory.roles.get(name) {
            None => plan.changes.push(Change {
                key,
                action: Action::Create,
                renamed_from: None,
                fields: diff::role(None, role),
                after: Some(Object::Role(role.clone())),
                platform: PlatformEffects::default(),
            }),
            Some(current) if current != role => plan.changes.push(Change {
                key,
                action: Action::Update,
                renamed_from: None,
                fields: diff::role(Some(current), role),
                after: Some(Object::Role(role.clone())),
                platform: PlatformEffects::default(),
            }),
            Some(current) => unchanged.push((key, Unchanged::Role(current))),
        }
    }
    for name in live
        .directory
        .roles
        .keys()
        .filter(|n| !desired.directory.roles.contains_key(*n))
    {
        let key = ObjectKey::new(ObjectKind::Role, name);
        if prunes(live, &key, desired.policy.prune_roles) {
            deletes.push(deletion(key));
        } else {
            plan.unmanaged.push(key);
        }
    }
}

/// A user as a create writes it: `active` users start `invited`, as the
/// platform's "Add User" does; windows already over are never created.
fn as_created(user: &User, now: DateTime<Utc>) -> User {
    let mut user = user.clone();
    if user.status == UserStatus::Active {
        user.status = UserStatus::Invited;
    }
    user.out_of_office.retain(|w| !w.is_past(now));
    user
}

/// The invitation an apply sends with a new account: one for a user who
/// is to be `invited`.
fn invitation(user: &User) -> Option<u32> {
    (user.status == UserStatus::Invited).then_some(INVITATION_VALIDITY_DAYS)
}

/// A user as an update writes it over `current`: an invitation not yet
/// accepted stays pending; windows already over are history on both sides
/// (kept as they are, though a cover renamed in this plan shows its new
/// name, as the database will).
pub(crate) fn as_updated(
    user: &User,
    current: &User,
    now: DateTime<Utc>,
    renames: &BTreeMap<&str, &str>,
) -> (User, bool) {
    let mut user = user.clone();
    let pending = current.status == UserStatus::Invited && user.status == UserStatus::Active;
    if pending {
        user.status = UserStatus::Invited;
    }
    let rename = |name: &mut String| {
        if let Some(new) = renames.get(name.as_str()) {
            *name = (*new).to_string();
        }
    };
    let mut windows: Vec<_> = current
        .out_of_office
        .iter()
        .filter(|w| w.is_past(now))
        .cloned()
        .map(|mut w| {
            match &mut w.cover {
                Cover::AllGroups(cover) => rename(cover),
                Cover::PerGroup(map) => map.values_mut().for_each(rename),
            }
            w
        })
        .collect();
    windows.extend(
        user.out_of_office
            .iter()
            .filter(|w| !w.is_past(now))
            .cloned(),
    );
    windows.sort_by_key(|w| (w.from, w.until));
    user.out_of_office = windows;
    (user, pending)
}

fn users<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    now: DateTime<Utc>,
    plan: &mut Plan,
    deletes: &mut Vec<Change>,
    unchanged: &mut Vec<(ObjectKey, Unchanged<'a>)>,
) {
    let live_users = &live.directory.users;
    // A rename applies when the old name is live and the new one is not.
    let renamed: BTreeMap<&str, &str> = desired
        .renames
        .iter()
        .filter(|(old, new)| live_users.contains_key(*old) && !live_users.contains_key(*new))
        .map(|(old, new)| (new.as_str(), old.as_str()))
        .collect();
    let applied_renames: BTreeMap<&str, &str> =
        renamed.iter().map(|(new, old)| (*old, *new)).collect();
    // Each declared user is compared with its live self on every core;
    // the outcomes are then gathered in the config's order.
    let declared: Vec<(&String, &User)> = desired.directory.users.iter().collect();
    let outcomes = crate::parallel::map(&declared, |&(name, user)| {
        let key = ObjectKey::new(ObjectKind::User, name);
        let current = live_users.get_key_value(name).or_else(|| {
            renamed
                .get(name.as_str())
                .and_then(|old| live_users.get_key_value(*old))
        });
        let Some((live_name, current)) = current.map(|(n, u)| (n.as_str(), u)) else {
            let written = as_created(user, now);
            let platform = PlatformEffects {
                invitation_days: invitation(&written),
                discard: false,
            };
            return UserOutcome {
                live_name: None,
                pending: None,
                result: Ok(Change {
                    key,
                    action: Action::Create,
                    renamed_from: None,
                    fields: diff::user(None, &written),
                    after: Some(Object::User(Box::new(written))),
                    platform,
                }),
            };
        };
        // The common case of a large directory: nothing to adjust, nothing
        // to change, so no copy of the user either.
        if live_name == name && applied_renames.is_empty() && user == current {
            return UserOutcome {
                live_name: Some(live_name),
                pending: None,
                result: Err((key, current)),
            };
        }
        let (written, pending) = as_updated(user, current, now, &applied_renames);
        let pending = pending.then(|| Note {
            object: key.clone(),
            message: format!("`{name}` has not accepted the invitation yet; the platform makes the user active when they do"),
        });
        let renamed_from = (live_name != name).then(|| live_name.to_string());
        let action = if written.user_type != current.user_type {
            Action::Replace
        } else if written != *current {
            Action::Update
        } else {
            return UserOutcome {
                live_name: Some(live_name),
                pending,
                result: Err((key, current)),
            };
        };
        let written = if action == Action::Replace && written.status == UserStatus::Active {
            // A replaced user is a new account on the platform: invited again.
            User {
                status: UserStatus::Invited,
                ..written
            }
        } else {
            written
        };
        // A replaced account is new to the platform: what it knew of the
        // old one goes, and an invited user gets a new invitation.
        let platform = match action {
            Action::Replace => PlatformEffects {
                invitation_days: invitation(&written),
                discard: true,
            },
            _ => PlatformEffects::default(),
        };
        UserOutcome {
            live_name: Some(live_name),
            pending,
            result: Ok(Change {
                key,
                action,
                renamed_from,
                fields: diff::user(Some(current), &written),
                after: Some(Object::User(Box::new(written))),
                platform,
            }),
        }
    });
    let mut matched: HashSet<&str> = HashSet::with_capacity(outcomes.len());
    for outcome in outcomes {
        matched.extend(outcome.live_name);
        plan.pending.extend(outcome.pending);
        match outcome.result {
            Ok(change) => plan.changes.push(change),
            Err((key, current)) => unchanged.push((key, Unchanged::User(current))),
        }
    }
    for name in live_users.keys().filter(|n| !matched.contains(n.as_str())) {
        let key = ObjectKey::new(ObjectKind::User, name);
        if prunes(live, &key, desired.policy.prune_users) {
            deletes.push(deletion(key));
        } else {
            plan.unmanaged.push(key);
        }
    }
}

/// What comparing one declared user with the live directory found.
struct UserOutcome<'a> {
    /// The live user it corresponds to, if any (under its old name when renamed).
    live_name: Option<&'a str>,
    /// A note that the user is still invited.
    pending: Option<Note>,
    /// The change, or the live user it leaves unchanged.
    result: Result<Change, (ObjectKey, &'a User)>,
}

fn groups<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    plan: &mut Plan,
    deletes: &mut Vec<Change>,
    unchanged: &mut Vec<(ObjectKey, Unchanged<'a>)>,
) {
    for (name, group) in &desired.directory.groups {
        let key = ObjectKey::new(ObjectKind::Group, name);
        match live.directory.groups.get(name) {
            None => plan.changes.push(Change {
                key,
                action: Action::Create,
                renamed_from: None,
                fields: diff::group(None, group),
                after: Some(Object::Group(group.clone())),
                platform: PlatformEffects::default(),
            }),
            Some(current) if current != group => plan.changes.push(Change {
                key,
                action: Action::Update,
                renamed_from: None,
                fields: diff::group(Some(current), group),
                after: Some(Object::Group(group.clone())),
                platform: PlatformEffects::default(),
            }),
            Some(current) => unchanged.push((key, Unchanged::Group(current))),
        }
    }
    for name in live
        .directory
        .groups
        .keys()
        .filter(|n| !desired.directory.groups.contains_key(*n))
    {
        let key = ObjectKey::new(ObjectKind::Group, name);
        if prunes(live, &key, desired.policy.prune_groups) {
            deletes.push(deletion(key));
        } else {
            plan.unmanaged.push(key);
        }
    }
}

fn account<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    plan: &mut Plan,
    unchanged: &mut Vec<(ObjectKey, Unchanged<'a>)>,
) {
    let key = ObjectKey::new(ObjectKind::Account, ACCOUNT);
    let (current, wanted) = (&live.directory.owner, &desired.directory.owner);
    if current == wanted {
        unchanged.push((key, Unchanged::Account(current)));
        return;
    }
    let object = Object::Account {
        owner: wanted.clone(),
    };
    let fields = vec![super::FieldChange {
        path: "owner".into(),
        old: current.as_ref().map(|o| serde_json::json!(o)),
        new: wanted.as_ref().map(|o| serde_json::json!(o)),
    }];
    plan.changes.push(Change {
        key,
        action: Action::Update,
        renamed_from: None,
        fields,
        after: Some(object),
        platform: PlatformEffects::default(),
    });
}
