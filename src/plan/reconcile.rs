//! Matches what the config declares with what is live and what roster
//! applied before, object by object, and turns every difference into a
//! [`Change`] — in the order an apply writes them: roles, users, groups,
//! the owner, then deletions (groups, users, roles) once nothing points at
//! what goes. What each declared object becomes is the three-way merge of
//! [`super::merge`]; what it keeps and reverts is noted on the way.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::merge::{self, Conflict};
use super::ownership::{self, Applied};
use super::written::{as_created, as_updated, invitation, reinvitation};
use super::{
    Action, Change, FieldChange, Kept, Note, Object, Plan, PlanOptions, PlatformEffects, Refusal,
    diff,
};
use crate::model::DesiredState;
use crate::model::directory::{Group, Role, User};
use crate::model::live::{ACCOUNT, LiveSnapshot, ObjectKey, ObjectKind, fingerprint};
use crate::model::vocab::{PruneMode, UserStatus};

pub(super) fn reconcile(
    desired: &DesiredState,
    live: &LiveSnapshot,
    now: DateTime<Utc>,
    options: PlanOptions,
    plan: &mut Plan,
) {
    let mut r = Reconciled::default();
    roles(desired, live, plan, &mut r);
    users(desired, live, now, options, plan, &mut r);
    groups(desired, live, plan, &mut r);
    account(desired, live, plan, &mut r);
    plan.adopt = adoptions(live, r.unchanged);
    plan.kept = r.kept;
    plan.refusals.extend(r.conflicts);
    // Groups go first (members and covers point at users), roles last
    // (grants point at them).
    let mut deletes = r.deletes;
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

/// What reconciling gathers besides the changes themselves.
#[derive(Default)]
struct Reconciled<'a> {
    deletes: Vec<Change>,
    unchanged: Vec<(ObjectKey, Unchanged<'a>)>,
    kept: Vec<Kept>,
    conflicts: Vec<Refusal>,
}

/// Whether a live object that the config does not declare is deleted.
fn prunes(live: &LiveSnapshot, key: &ObjectKey, mode: PruneMode) -> bool {
    mode == PruneMode::Authoritative || live.managed.contains(key)
}

/// A declared object that needs no change: as it is live, or — when the
/// live form keeps what people changed — git's side of it.
enum Unchanged<'a> {
    Account(&'a Option<String>),
    Role(&'a Role),
    User(&'a User),
    Group(&'a Group),
    Git(Object),
}

impl Unchanged<'_> {
    fn fingerprint(&self) -> String {
        match self {
            Unchanged::Account(owner) => fingerprint(owner),
            Unchanged::Role(role) => fingerprint(role),
            Unchanged::User(user) => fingerprint(user),
            Unchanged::Group(group) => fingerprint(group),
            Unchanged::Git(object) => object.fingerprint(),
        }
    }

    /// Whether this is the live object under `key` itself, whose
    /// fingerprint the record may already know. Every variant but `Git`
    /// borrows from the live directory, whose maps are keyed by the
    /// object's own name, so the name tells (no lookup per object).
    fn is_live(&self, key: &ObjectKey) -> bool {
        match self {
            Unchanged::Account(_) => key.kind == ObjectKind::Account,
            Unchanged::Role(role) => role.name == key.name,
            Unchanged::User(user) => user.username == key.name,
            Unchanged::Group(group) => group.name == key.name,
            Unchanged::Git(_) => false,
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
            Unchanged::Git(object) => object,
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
        let Some(record) = live.managed.objects.get(key) else {
            return true;
        };
        if object.is_live(key) {
            !record.live_matches(|| object.fingerprint())
        } else {
            record.fingerprint != object.fingerprint()
        }
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
        applied: None,
    }
}

/// An update of a declared object: git's side `git`, written as `written`
/// over `current`. None when nothing changes. `outside` is what changed
/// outside git since the last apply, for the revert marks.
fn update(
    key: ObjectKey,
    mut fields: Vec<FieldChange>,
    written: Object,
    git: Object,
    outside: &[FieldChange],
) -> Change {
    ownership::mark_reverts(&mut fields, outside);
    let applied = (written != git).then_some(git);
    Change {
        key,
        action: Action::Update,
        renamed_from: None,
        fields,
        after: Some(written),
        platform: PlatformEffects::default(),
        applied,
    }
}

/// The refusal a merge's conflicts make.
fn conflict_refusal(object: &ObjectKey, conflicts: &[Conflict]) -> Refusal {
    let show = |v: &Option<serde_json::Value>| match v {
        None => "nothing".to_string(),
        Some(serde_json::Value::String(s)) => format!("`{s}`"),
        Some(other) => format!("`{other}`"),
    };
    Refusal {
        object: Some(object.clone()),
        message: format!(
            "git and the person both changed {} of {object} since the last apply",
            if conflicts.len() == 1 { "a field" } else { "fields" }
        ),
        reasons: conflicts
            .iter()
            .map(|c| format!("{}: git says {}, live is {}", c.path, show(&c.git), show(&c.live)))
            .collect(),
        hint: "choose with `--prefer git` or `--prefer live`, or write the person's value into the config".into(),
    }
}

fn roles<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    plan: &mut Plan,
    r: &mut Reconciled<'a>,
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
                applied: None,
            }),
            Some(current) if current != role => {
                let applied = ownership::applied(live, &key, Some(current));
                let outside = applied
                    .known()
                    .map_or_else(Vec::new, |a| diff::role(Some(a), current));
                let fields = diff::role(Some(current), role);
                let object = Object::Role(role.clone());
                plan.changes
                    .push(update(key, fields, object.clone(), object, &outside));
            }
            Some(current) => r.unchanged.push((key, Unchanged::Role(current))),
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
            r.deletes.push(deletion(key));
        } else {
            plan.unmanaged.push(key);
        }
    }
}

fn users<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    now: DateTime<Utc>,
    options: PlanOptions,
    plan: &mut Plan,
    r: &mut Reconciled<'a>,
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
            return UserOutcome::changed(
                None,
                None,
                Change {
                    key,
                    action: Action::Create,
                    renamed_from: None,
                    fields: diff::user(None, &written),
                    after: Some(Object::User(Box::new(written))),
                    platform,
                    applied: None,
                },
            );
        };
        // The common case of a large directory: nothing to adjust, nothing
        // to change, so no copy of the user either.
        if live_name == name && applied_renames.is_empty() && user == current {
            return UserOutcome::unchanged(live_name, None, key, Unchanged::User(current));
        }
        let declared = Declared {
            name,
            user,
            key,
            live_name,
            current,
        };
        if let Some(outcome) = still_invited(&declared, live, now, &applied_renames) {
            #[cfg(debug_assertions)]
            still_invited_as_in_full(
                &outcome,
                compared(
                    desired,
                    live,
                    now,
                    options,
                    &applied_renames,
                    declared.clone(),
                ),
            );
            return outcome;
        }
        compared(desired, live, now, options, &applied_renames, declared)
    });
    let mut matched: HashSet<&str> = HashSet::with_capacity(outcomes.len());
    for outcome in outcomes {
        matched.extend(outcome.live_name);
        plan.pending.extend(outcome.pending);
        r.kept.extend(outcome.kept);
        r.conflicts.extend(outcome.conflicts);
        match outcome.result {
            Ok(change) => plan.changes.push(change),
            Err((key, unchanged)) => r.unchanged.push((key, unchanged)),
        }
    }
    for name in live_users.keys().filter(|n| !matched.contains(n.as_str())) {
        let key = ObjectKey::new(ObjectKind::User, name);
        if prunes(live, &key, desired.policy.prune_users) {
            r.deletes.push(deletion(key));
        } else {
            plan.unmanaged.push(key);
        }
    }
}

/// A declared user and the live user it corresponds to.
#[derive(Clone)]
struct Declared<'d, 'a> {
    name: &'d str,
    user: &'d User,
    key: ObjectKey,
    live_name: &'a str,
    current: &'a User,
}

/// The note on a user who has not accepted their invitation.
fn pending_note(key: &ObjectKey, name: &str) -> Note {
    Note {
        object: key.clone(),
        message: format!(
            "`{name}` has not accepted the invitation yet; the platform makes the user active when they do"
        ),
    }
}

/// The outcome for a user the config declares `active` who is live,
/// still `invited`, under the same name, equal to the config in all else,
/// with an invitation that has not expired: nothing changes, and a note
/// says they have not accepted yet. What [`compared`] finds for them, without
/// its copies, three-way merge and field diffs (a team's users are all in
/// this state until they sign in; debug builds check both agree).
fn still_invited<'a>(
    declared: &Declared<'_, 'a>,
    live: &'a LiveSnapshot,
    now: DateTime<Utc>,
    applied_renames: &BTreeMap<&str, &str>,
) -> Option<UserOutcome<'a>> {
    let current = declared.current;
    let invited = declared.live_name == declared.name
        && applied_renames.is_empty()
        && current.status == UserStatus::Invited
        && declared.user.status == UserStatus::Active
        && !live
            .platform
            .invitations
            .get(declared.live_name)
            .is_some_and(|i| i.expired_unaccepted(now));
    let settled = || User {
        status: UserStatus::Active,
        ..current.clone()
    };
    (invited && settled() == *declared.user).then(|| {
        UserOutcome::unchanged(
            declared.live_name,
            Some(pending_note(&declared.key, declared.name)),
            declared.key.clone(),
            Unchanged::User(current),
        )
    })
}

/// Checks that [`still_invited`] found what the full comparison finds.
#[cfg(debug_assertions)]
fn still_invited_as_in_full(quick: &UserOutcome<'_>, full: UserOutcome<'_>) {
    let same_result = match (&quick.result, &full.result) {
        (Err((k1, Unchanged::User(u1))), Err((k2, Unchanged::User(u2)))) => {
            k1 == k2 && std::ptr::eq(*u1, *u2)
        }
        _ => false,
    };
    assert!(
        same_result
            && quick.live_name == full.live_name
            && quick.pending == full.pending
            && full.kept.is_empty()
            && full.conflicts.is_none(),
        "the quick outcome of a user still invited differs from the full comparison"
    );
}

/// Compares a declared user with their live self in full: what an update
/// writes, what the person or the platform changed, whether an invitation
/// is renewed, and the change if any.
fn compared<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    now: DateTime<Utc>,
    options: PlanOptions,
    applied_renames: &BTreeMap<&str, &str>,
    declared: Declared<'_, 'a>,
) -> UserOutcome<'a> {
    let Declared {
        name,
        user,
        key,
        live_name,
        current,
    } = declared;
    let (git, pending) = as_updated(user, current, now, applied_renames);
    let pending = pending.then(|| pending_note(&key, name));
    let live_key = ObjectKey::new(ObjectKind::User, live_name);
    let applied = ownership::applied(live, &live_key, Some(current));
    // Unknown is treated as "git did not change it": the person's
    // side is kept rather than lost.
    let base = match &applied {
        Applied::Known(a) => Some(a.as_ref()),
        Applied::Unknown => Some(&git),
        Applied::Never => None,
    };
    let (mut written, conflicts) =
        merge::user(&git, base, current, &desired.policy, options.prefer, now);
    let mut git = git;
    let renewed = reinvitation(
        &mut written,
        &mut git,
        current,
        live.platform.invitations.get(live_name),
        live.platform.last_login.contains_key(live_name),
        now,
    );
    let pending = match renewed {
        Some(_) if current.status == UserStatus::Disabled => Some(Note {
            object: key.clone(),
            message: format!(
                "`{name}` never accepted their invitation: reactivated as invited, with a fresh invitation; the platform makes the user active when they accept"
            ),
        }),
        _ => pending,
    };
    let mut outcome = UserOutcome {
        live_name: Some(live_name),
        pending,
        result: Err((key.clone(), Unchanged::User(current))),
        kept: ownership::kept(&key, diff::user(Some(&git), &written), &desired.policy),
        conflicts: (!conflicts.is_empty()).then(|| conflict_refusal(&key, &conflicts)),
    };
    let renamed_from = (live_name != name).then(|| live_name.to_string());
    let action = if written.user_type != current.user_type {
        Action::Replace
    } else if written != *current || renewed.is_some() {
        Action::Update
    } else {
        if git != written {
            outcome.result = Err((key, Unchanged::Git(Object::User(Box::new(git)))));
        }
        return outcome;
    };
    let (written, git) = if action == Action::Replace && written.status == UserStatus::Active {
        // A replaced user is a new account on the platform: invited again.
        let invited = |u: User| User {
            status: UserStatus::Invited,
            ..u
        };
        (invited(written), invited(git))
    } else {
        (written, git)
    };
    // A replaced account is new to the platform: what it knew of the
    // old one goes, and an invited user gets a new invitation.
    let platform = match action {
        Action::Replace => PlatformEffects {
            invitation_days: invitation(&written),
            discard: true,
        },
        _ => PlatformEffects {
            invitation_days: renewed,
            discard: false,
        },
    };
    let outside = applied.known().map_or_else(Vec::new, |a| {
        diff::user(Some(&ownership::as_settled(a, current)), current)
    });
    let mut change = update(
        key,
        diff::user(Some(current), &written),
        Object::User(Box::new(written)),
        Object::User(Box::new(git)),
        &outside,
    );
    change.action = action;
    change.renamed_from = renamed_from;
    change.platform = platform;
    outcome.result = Ok(change);
    outcome
}

/// What comparing one declared user with the live directory found.
struct UserOutcome<'a> {
    /// The live user it corresponds to, if any (under its old name when renamed).
    live_name: Option<&'a str>,
    /// A note that the user is still invited.
    pending: Option<Note>,
    /// The change, or what is recorded of the unchanged user.
    result: Result<Change, (ObjectKey, Unchanged<'a>)>,
    /// What the plan keeps of the live user.
    kept: Vec<Kept>,
    /// Fields git and the person both changed.
    conflicts: Option<Refusal>,
}

impl<'a> UserOutcome<'a> {
    fn changed(live_name: Option<&'a str>, pending: Option<Note>, change: Change) -> Self {
        UserOutcome {
            live_name,
            pending,
            result: Ok(change),
            kept: Vec::new(),
            conflicts: None,
        }
    }

    fn unchanged(
        live_name: &'a str,
        pending: Option<Note>,
        key: ObjectKey,
        unchanged: Unchanged<'a>,
    ) -> Self {
        UserOutcome {
            live_name: Some(live_name),
            pending,
            result: Err((key, unchanged)),
            kept: Vec::new(),
            conflicts: None,
        }
    }
}

fn groups<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    plan: &mut Plan,
    r: &mut Reconciled<'a>,
) {
    for (name, group) in &desired.directory.groups {
        let key = ObjectKey::new(ObjectKind::Group, name);
        let Some(current) = live.directory.groups.get(name) else {
            plan.changes.push(Change {
                key,
                action: Action::Create,
                renamed_from: None,
                fields: diff::group(None, group),
                after: Some(Object::Group(group.clone())),
                platform: PlatformEffects::default(),
                applied: None,
            });
            continue;
        };
        if current == group {
            r.unchanged.push((key, Unchanged::Group(current)));
            continue;
        }
        let applied = ownership::applied(live, &key, Some(current));
        let base = match &applied {
            Applied::Known(a) => Some(a.as_ref()),
            Applied::Unknown => Some(group),
            Applied::Never => None,
        };
        let written = merge::group(group, base, current, desired.policy.prune_groups);
        r.kept.extend(ownership::kept(
            &key,
            diff::group(Some(group), &written),
            &desired.policy,
        ));
        if written == *current {
            r.unchanged
                .push((key, Unchanged::Git(Object::Group(group.clone()))));
            continue;
        }
        let outside = applied
            .known()
            .map_or_else(Vec::new, |a| diff::group(Some(a), current));
        let fields = diff::group(Some(current), &written);
        plan.changes.push(update(
            key,
            fields,
            Object::Group(written),
            Object::Group(group.clone()),
            &outside,
        ));
    }
    for name in live
        .directory
        .groups
        .keys()
        .filter(|n| !desired.directory.groups.contains_key(*n))
    {
        let key = ObjectKey::new(ObjectKind::Group, name);
        if prunes(live, &key, desired.policy.prune_groups) {
            r.deletes.push(deletion(key));
        } else {
            plan.unmanaged.push(key);
        }
    }
}

fn account<'a>(
    desired: &DesiredState,
    live: &'a LiveSnapshot,
    plan: &mut Plan,
    r: &mut Reconciled<'a>,
) {
    let key = ObjectKey::new(ObjectKind::Account, ACCOUNT);
    let (current, wanted) = (&live.directory.owner, &desired.directory.owner);
    if current == wanted {
        r.unchanged.push((key, Unchanged::Account(current)));
        return;
    }
    let applied = ownership::applied(live, &key, Some(current));
    let owner_field = |old: &Option<String>, new: &Option<String>| FieldChange {
        path: "owner".into(),
        old: old.as_ref().map(|o| serde_json::json!(o)),
        new: new.as_ref().map(|o| serde_json::json!(o)),
        reverts: false,
    };
    let outside: Vec<FieldChange> = applied
        .known()
        .filter(|a| *a != current)
        .map(|a| owner_field(a, current))
        .into_iter()
        .collect();
    let object = Object::Account {
        owner: wanted.clone(),
    };
    plan.changes.push(update(
        key,
        vec![owner_field(current, wanted)],
        object.clone(),
        object,
        &outside,
    ));
}
