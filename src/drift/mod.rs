//! Drift: what changed in the live directory outside git. For every object
//! roster manages, live is compared with what roster applied last; objects
//! nobody manages are listed; and, separately, what the config changes but
//! nobody has applied yet — pending, not drift.

pub mod contacts;
pub mod notify;
mod security;

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::DesiredState;
use crate::model::live::{ACCOUNT, LiveSnapshot, ManagedRecord, ObjectKey, ObjectKind};
use crate::model::vocab::SelfServiceField;
use crate::plan::{FieldChange, diff, live_fingerprint};

/// One object that differs, field by field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectDrift {
    /// The object.
    pub object: ObjectKey,
    /// `old` is what roster applied (for pending: what is applied), `new`
    /// what is live (for pending: what the config wants).
    pub fields: Vec<FieldChange>,
}

/// Why an object is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingKind {
    /// Declared, never applied.
    Create,
    /// Declared differently from what was applied.
    Update,
    /// Applied, no longer declared.
    Delete,
}

/// A config change not applied yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pending {
    /// What.
    pub kind: PendingKind,
    /// The object.
    pub object: ObjectKey,
    /// The differences, for updates.
    pub fields: Vec<FieldChange>,
}

/// An item added to a managed object outside git: a contact method, an
/// out-of-office window, a notification profile, a muted integration, a
/// group member. `prune: managed` keeps it; it is roster's to report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmanagedItem {
    /// The object it was added to.
    pub object: ObjectKey,
    /// The item, as a change names it.
    pub path: String,
    /// Its value.
    pub value: Option<serde_json::Value>,
}

/// A privilege change made outside git: a role granted, the owner
/// changed, a role given admin rights, an admin-equivalent role or admin
/// made elsewhere. Drift lists these first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SecurityFinding {
    /// The object.
    pub object: ObjectKey,
    /// What happened, in a sentence.
    pub message: String,
    /// Whether it gives admin rights (`app_admin`, an admin-equivalent
    /// custom role, the owner).
    pub admin: bool,
}

/// A drift report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DriftReport {
    /// Privilege changes made outside git, also listed where they belong.
    pub security: Vec<SecurityFinding>,
    /// Managed objects changed outside git.
    pub changed: Vec<ObjectDrift>,
    /// Fields people changed themselves that they maintain themselves
    /// (`account.policy.self_service`): theirs, not drift.
    pub changed_by_users: Vec<ObjectDrift>,
    /// Items added to managed objects outside git.
    pub unmanaged_items: Vec<UnmanagedItem>,
    /// Managed objects deleted outside git.
    pub deleted: Vec<ObjectKey>,
    /// Live objects roster does not manage (and the config does not declare).
    pub unmanaged: Vec<ObjectKey>,
    /// Config changes not applied yet (not drift).
    pub pending: Vec<Pending>,
    /// Contact values that became unverified or started bouncing since
    /// the last apply ([`contacts::problems`]).
    pub contact_problems: Vec<contacts::ContactProblem>,
}

impl DriftReport {
    /// Whether anything changed outside git (people's own changes to
    /// their self-service fields are not drift).
    pub fn has_drift(&self) -> bool {
        !self.changed.is_empty()
            || !self.deleted.is_empty()
            || !self.unmanaged.is_empty()
            || !self.unmanaged_items.is_empty()
            || !self.contact_problems.is_empty()
    }
}

/// The managed objects whose recorded bodies drift must read: those whose
/// live form is gone or no longer has the recorded fingerprint. Every other
/// managed object is live exactly as roster applied it, so its live form
/// stands for its body (and 100,000 bodies need not be loaded and parsed).
pub fn suspects(live: &LiveSnapshot) -> Vec<ObjectKey> {
    let records: Vec<(&ObjectKey, &ManagedRecord)> = live.managed.objects.iter().collect();
    let changed = crate::parallel::map(&records, |(key, record)| {
        live_fingerprint(live, key).as_deref() != Some(record.fingerprint.as_str())
    });
    records
        .into_iter()
        .zip(changed)
        .filter(|(_, changed)| *changed)
        .map(|((key, _), _)| key.clone())
        .collect()
}

/// What roster applied last: the recorded body, or — when its body was not
/// loaded because the live object still has the recorded fingerprint — the
/// live object. A body roster cannot read back compares as absent.
fn applied<'a, T: DeserializeOwned + Clone>(
    record: &ManagedRecord,
    live: Option<&'a T>,
) -> Option<Cow<'a, T>> {
    match &record.body {
        Some(body) => serde_json::from_str(body).ok().map(Cow::Owned),
        None => live.map(Cow::Borrowed),
    }
}

/// Compares live with last-applied (the snapshot carries the bodies of
/// [`suspects`], or all of them) and, given the config, the config with
/// last-applied.
pub fn drift(
    live: &LiveSnapshot,
    desired: Option<&DesiredState>,
    now: DateTime<Utc>,
) -> DriftReport {
    let mut report = DriftReport::default();
    let dir = &live.directory;
    // The fields people maintain: the config's when it is given (the next
    // apply keeps their changes), else those of the last apply.
    let self_service = desired.map_or(&live.managed.self_service, |d| &d.policy.self_service);
    for (key, record) in &live.managed.objects {
        let fields = match key.kind {
            ObjectKind::User => {
                dir.users
                    .get(&key.name)
                    .map(|current| match applied(record, Some(current)) {
                        Some(Cow::Borrowed(_)) => Vec::new(),
                        Some(Cow::Owned(applied)) => {
                            diff::user(Some(&crate::plan::as_settled(&applied, current)), current)
                        }
                        None => diff::user(None, current),
                    })
            }
            ObjectKind::Group => dir
                .groups
                .get(&key.name)
                .map(|current| diff::group(applied(record, Some(current)).as_deref(), current)),
            ObjectKind::Role => dir
                .roles
                .get(&key.name)
                .map(|current| diff::role(applied(record, Some(current)).as_deref(), current)),
            ObjectKind::Account => {
                let applied: Option<Cow<Option<String>>> = applied(record, Some(&dir.owner));
                Some(owner_fields(
                    applied.as_deref().and_then(Option::as_ref),
                    dir.owner.as_ref(),
                ))
            }
        };
        match fields {
            None => report.deleted.push(key.clone()),
            Some(fields) if !fields.is_empty() => sort_out(&mut report, key, fields, self_service),
            Some(_) => {}
        }
    }
    drop_consequences(&mut report);
    if let Some(desired) = desired {
        in_git_already(&mut report, live, desired);
    }
    let declared = |key: &ObjectKey| {
        desired.is_some_and(|d| match key.kind {
            ObjectKind::User => {
                d.directory.users.contains_key(&key.name) || d.renames.contains_key(&key.name)
            }
            ObjectKind::Group => d.directory.groups.contains_key(&key.name),
            ObjectKind::Role => d.directory.roles.contains_key(&key.name),
            ObjectKind::Account => true,
        })
    };
    let live_keys = dir
        .users
        .keys()
        .map(|n| ObjectKey::new(ObjectKind::User, n))
        .chain(
            dir.groups
                .keys()
                .map(|n| ObjectKey::new(ObjectKind::Group, n)),
        )
        .chain(
            dir.roles
                .keys()
                .map(|n| ObjectKey::new(ObjectKind::Role, n)),
        );
    report.unmanaged = live_keys
        .filter(|k| !live.managed.contains(k) && !declared(k))
        .collect();
    report.unmanaged.sort();
    report.security = security::findings(&report, live);
    if let Some(desired) = desired {
        report.pending = pending(live, desired, now);
    }
    report
}

/// Drops from "changed by users" what the config already says (after
/// `roster pull`): git has caught up with those changes, which the next
/// apply only records.
fn in_git_already(report: &mut DriftReport, live: &LiveSnapshot, desired: &DesiredState) {
    report.changed_by_users.retain_mut(|object| {
        let (Some(current), Some(wanted)) = (
            live.directory.users.get(&object.object.name),
            desired.directory.users.get(&object.object.name),
        ) else {
            return true;
        };
        let differing: BTreeSet<String> = diff::user(Some(wanted), current)
            .into_iter()
            .map(|f| f.path)
            .collect();
        object.fields.retain(|f| differing.contains(&f.path));
        !object.fields.is_empty()
    });
}

/// Files the differences of one object under drift, people's own changes
/// and items made outside git.
fn sort_out(
    report: &mut DriftReport,
    key: &ObjectKey,
    fields: Vec<FieldChange>,
    self_service: &BTreeSet<SelfServiceField>,
) {
    let mut drifted = Vec::new();
    let mut theirs = Vec::new();
    for field in fields {
        let owned_by_user = key.kind == ObjectKind::User
            && crate::plan::self_service_field(&field.path)
                .is_some_and(|f| self_service.contains(&f));
        if owned_by_user {
            theirs.push(field);
        } else if let Some(items) = added_items(key, &field) {
            report.unmanaged_items.extend(items);
        } else {
            drifted.push(field);
        }
    }
    for (list, fields) in [
        (&mut report.changed, drifted),
        (&mut report.changed_by_users, theirs),
    ] {
        if !fields.is_empty() {
            list.push(ObjectDrift {
                object: key.clone(),
                fields,
            });
        }
    }
}

/// The items a field change only adds to a keyed list, if that is all it
/// does: a new contact method, window, profile or member, or integrations
/// added to the muted ones.
fn added_items(key: &ObjectKey, field: &FieldChange) -> Option<Vec<UnmanagedItem>> {
    let item = |path: String, value: Option<serde_json::Value>| UnmanagedItem {
        object: key.clone(),
        path,
        value,
    };
    let path = field.path.as_str();
    let bracketed = path.ends_with(']')
        && ["contact_methods[", "out_of_office[", "members["]
            .iter()
            .any(|p| path.starts_with(p));
    let profile = path
        .strip_prefix("notification_profiles.")
        .is_some_and(|p| !p.contains('.'));
    if field.old.is_none() && (bracketed || profile) {
        return Some(vec![item(field.path.clone(), field.new.clone())]);
    }
    if field.path == "muted_integrations" {
        let (old, new) = (names(&field.old), names(&field.new));
        if old.iter().all(|o| new.contains(o)) && new.len() > old.len() {
            let added = new.into_iter().filter(|n| !old.contains(n));
            return Some(
                added
                    .map(|n| item(format!("muted_integrations[{n}]"), None))
                    .collect(),
            );
        }
    }
    None
}

/// Deleting a user or a role outside git also takes it out of the groups
/// and users that referred to it (the database cascades); those changes
/// are the deletion itself, reported once, as a deletion.
fn drop_consequences(report: &mut DriftReport) {
    let deleted = |kind: ObjectKind| -> BTreeSet<String> {
        report
            .deleted
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| k.name.clone())
            .collect()
    };
    let (users, roles) = (deleted(ObjectKind::User), deleted(ObjectKind::Role));
    if users.is_empty() && roles.is_empty() {
        return;
    }
    let explained =
        |object: &ObjectKey, field: &FieldChange| match (object.kind, field.path.as_str()) {
            (ObjectKind::Group, path) => path
                .strip_prefix("members[")
                .and_then(|rest| rest.strip_suffix(']'))
                .is_some_and(|user| field.new.is_none() && users.contains(user)),
            (ObjectKind::User, "roles") => {
                let (old, new) = (names(&field.old), names(&field.new));
                let kept: Vec<&str> = old
                    .iter()
                    .copied()
                    .filter(|r| !roles.contains(*r))
                    .collect();
                kept.len() < old.len() && kept == new
            }
            (ObjectKind::Account, "owner") => {
                field.new.is_none()
                    && field
                        .old
                        .as_ref()
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|owner| users.contains(owner))
            }
            _ => false,
        };
    for drift in &mut report.changed {
        let object = drift.object.clone();
        drift.fields.retain(|f| !explained(&object, f));
    }
    report.changed.retain(|drift| !drift.fields.is_empty());
}

/// The names in a field's list value (a user's roles).
fn names(value: &Option<serde_json::Value>) -> Vec<&str> {
    value
        .as_ref()
        .and_then(serde_json::Value::as_array)
        .map(|items| items.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default()
}

fn owner_fields(old: Option<&String>, new: Option<&String>) -> Vec<FieldChange> {
    if old == new {
        return Vec::new();
    }
    vec![FieldChange {
        path: "owner".into(),
        old: old.map(|o| serde_json::json!(o)),
        new: new.map(|o| serde_json::json!(o)),
        reverts: false,
    }]
}

/// Differences between the config and what roster applied last.
fn pending(live: &LiveSnapshot, desired: &DesiredState, now: DateTime<Utc>) -> Vec<Pending> {
    let managed = &live.managed.objects;
    let current = &live.directory;
    let mut out = Vec::new();
    let mut push = |object: ObjectKey, fields: Option<Vec<FieldChange>>| match fields {
        None => out.push(Pending {
            kind: PendingKind::Create,
            object,
            fields: Vec::new(),
        }),
        Some(fields) if !fields.is_empty() => out.push(Pending {
            kind: PendingKind::Update,
            object,
            fields,
        }),
        Some(_) => {}
    };
    let dir = &desired.directory;
    for (name, role) in &dir.roles {
        let key = ObjectKey::new(ObjectKind::Role, name);
        let fields = managed
            .get(&key)
            .map(|record| diff::role(applied(record, current.roles.get(name)).as_deref(), role));
        push(key, fields);
    }
    // A rename is pending under the new name, compared with the old one.
    let renamed_from = |name: &str| {
        desired
            .renames
            .iter()
            .find(|(old, new)| {
                *new == name && managed.contains_key(&ObjectKey::new(ObjectKind::User, *old))
            })
            .map(|(old, _)| ObjectKey::new(ObjectKind::User, old))
    };
    for (name, user) in &dir.users {
        let key = ObjectKey::new(ObjectKind::User, name);
        let applied_key = if managed.contains_key(&key) {
            Some(key.clone())
        } else {
            renamed_from(name)
        };
        let fields = applied_key.map(|applied_key| {
            let record = &managed[&applied_key];
            match applied(record, current.users.get(&applied_key.name)) {
                // Declared as applied: nothing pending.
                Some(applied) if *applied == *user => Vec::new(),
                Some(applied) => diff::user(
                    Some(&applied),
                    &crate::plan::written_form(user, &applied, now),
                ),
                None => diff::user(None, user),
            }
        });
        push(key, fields);
    }
    for (name, group) in &dir.groups {
        let key = ObjectKey::new(ObjectKind::Group, name);
        let fields = managed
            .get(&key)
            .map(|record| diff::group(applied(record, current.groups.get(name)).as_deref(), group));
        push(key, fields);
    }
    let key = ObjectKey::new(ObjectKind::Account, ACCOUNT);
    let fields = managed.get(&key).map(|record| {
        let applied: Option<Cow<Option<String>>> = applied(record, Some(&current.owner));
        owner_fields(
            applied.as_deref().and_then(Option::as_ref),
            dir.owner.as_ref(),
        )
    });
    push(key, fields);
    for key in managed.keys() {
        let declared = match key.kind {
            ObjectKind::User => {
                dir.users.contains_key(&key.name) || desired.renames.contains_key(&key.name)
            }
            ObjectKind::Group => dir.groups.contains_key(&key.name),
            ObjectKind::Role => dir.roles.contains_key(&key.name),
            ObjectKind::Account => true,
        };
        if !declared {
            out.push(Pending {
                kind: PendingKind::Delete,
                object: key.clone(),
                fields: Vec::new(),
            });
        }
    }
    out.sort_by(|a, b| a.object.cmp(&b.object));
    out
}
