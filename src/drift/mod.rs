//! Drift: what changed in the live directory outside git. For every object
//! roster manages, live is compared with what roster applied last; objects
//! nobody manages are listed; and, separately, what the config changes but
//! nobody has applied yet — pending, not drift.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::DesiredState;
use crate::model::directory::{Group, Role, User};
use crate::model::live::{ACCOUNT, LiveSnapshot, ObjectKey, ObjectKind};
use crate::model::vocab::UserStatus;
use crate::plan::{FieldChange, diff};

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

/// A drift report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DriftReport {
    /// Managed objects changed outside git.
    pub changed: Vec<ObjectDrift>,
    /// Managed objects deleted outside git.
    pub deleted: Vec<ObjectKey>,
    /// Live objects roster does not manage (and the config does not declare).
    pub unmanaged: Vec<ObjectKey>,
    /// Config changes not applied yet (not drift).
    pub pending: Vec<Pending>,
}

impl DriftReport {
    /// Whether anything changed outside git.
    pub fn has_drift(&self) -> bool {
        !self.changed.is_empty() || !self.deleted.is_empty() || !self.unmanaged.is_empty()
    }
}

/// Reads a recorded body; one roster cannot read back compares as absent.
fn parse<T: serde::de::DeserializeOwned>(body: Option<&str>) -> Option<T> {
    body.and_then(|b| serde_json::from_str(b).ok())
}

/// Compares live with last-applied (the snapshot must carry the bodies)
/// and, given the config, the config with last-applied.
pub fn drift(
    live: &LiveSnapshot,
    desired: Option<&DesiredState>,
    now: DateTime<Utc>,
) -> DriftReport {
    let mut report = DriftReport::default();
    let dir = &live.directory;
    for (key, record) in &live.managed.objects {
        let body = record.body.as_deref();
        let fields = match key.kind {
            ObjectKind::User => dir
                .users
                .get(&key.name)
                .map(|current| match parse::<User>(body) {
                    Some(mut applied) => {
                        // Accepting an invitation is the platform's to do.
                        if applied.status == UserStatus::Invited
                            && current.status == UserStatus::Active
                        {
                            applied.status = UserStatus::Active;
                        }
                        diff::user(Some(&applied), current)
                    }
                    None => diff::user(None, current),
                }),
            ObjectKind::Group => dir
                .groups
                .get(&key.name)
                .map(|current| diff::group(parse::<Group>(body).as_ref(), current)),
            ObjectKind::Role => dir
                .roles
                .get(&key.name)
                .map(|current| diff::role(parse::<Role>(body).as_ref(), current)),
            ObjectKind::Account => {
                let applied: Option<Option<String>> = parse(body);
                Some(owner_fields(applied.flatten().as_ref(), dir.owner.as_ref()))
            }
        };
        match fields {
            None => report.deleted.push(key.clone()),
            Some(fields) if !fields.is_empty() => report.changed.push(ObjectDrift {
                object: key.clone(),
                fields,
            }),
            Some(_) => {}
        }
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
    if let Some(desired) = desired {
        report.pending = pending(live, desired, now);
    }
    report
}

fn owner_fields(old: Option<&String>, new: Option<&String>) -> Vec<FieldChange> {
    if old == new {
        return Vec::new();
    }
    vec![FieldChange {
        path: "owner".into(),
        old: old.map(|o| serde_json::json!(o)),
        new: new.map(|o| serde_json::json!(o)),
    }]
}

/// Differences between the config and what roster applied last.
fn pending(live: &LiveSnapshot, desired: &DesiredState, now: DateTime<Utc>) -> Vec<Pending> {
    let managed = &live.managed.objects;
    let body = |key: &ObjectKey| managed.get(key).and_then(|r| r.body.as_deref());
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
            .contains_key(&key)
            .then(|| diff::role(parse::<Role>(body(&key)).as_ref(), role));
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
        let fields = applied_key.map(|applied_key| match parse::<User>(body(&applied_key)) {
            Some(applied) => diff::user(
                Some(&applied),
                &crate::plan::written_form(user, &applied, now),
            ),
            None => diff::user(None, user),
        });
        push(key, fields);
    }
    for (name, group) in &dir.groups {
        let key = ObjectKey::new(ObjectKind::Group, name);
        let fields = managed
            .contains_key(&key)
            .then(|| diff::group(parse::<Group>(body(&key)).as_ref(), group));
        push(key, fields);
    }
    let key = ObjectKey::new(ObjectKind::Account, ACCOUNT);
    let fields = managed.contains_key(&key).then(|| {
        let applied: Option<Option<String>> = parse(body(&key));
        owner_fields(applied.flatten().as_ref(), dir.owner.as_ref())
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
