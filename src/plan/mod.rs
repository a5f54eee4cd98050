//! The planner: (desired, last-applied, live) → [`Plan`], pure and
//! deterministic. It decides everything an apply will do — every object
//! written, every status, every deletion — so applying only executes and
//! verifies. Rendering lives in `report`.

pub mod check;
pub mod diff;
pub mod file;
mod guards;
mod merge;
mod notes;
mod ownership;
mod paging;
mod reconcile;
mod references;
mod shift_guard;
mod written;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::DesiredState;
use crate::model::directory::{Group, Role, User};
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, fingerprint};

pub use guards::recheck;
pub use ownership::{as_settled, bodies_needed, self_service_field};
pub use paging::CoverageCheck;

/// A declared user as an apply writes it over `current` (pending
/// invitations kept, past windows as history).
pub fn written_form(user: &User, current: &User, now: DateTime<Utc>) -> User {
    written::as_updated(user, current, now, &std::collections::BTreeMap::new()).0
}

/// How long an invitation an apply sends stays valid, in days (the
/// platforms' "Add User" sends one valid for a week).
pub const INVITATION_VALIDITY_DAYS: u32 = 7;

/// What a plan does to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The object is new.
    Create,
    /// Some fields change.
    Update,
    /// The object is recreated: the platform's state for it is lost.
    Replace,
    /// The object goes.
    Delete,
}

impl Action {
    /// What the action does, in one word.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }
}

/// An object as written to the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "object", rename_all = "snake_case")]
pub enum Object {
    /// The account: its owner.
    Account { owner: Option<String> },
    /// A custom role.
    Role(Role),
    /// A user (boxed: by far the largest).
    User(Box<User>),
    /// A group.
    Group(Group),
}

impl Object {
    /// The content fingerprint, as bookkeeping and stale checks use it.
    pub fn fingerprint(&self) -> String {
        match self {
            Object::Account { owner } => fingerprint(owner),
            Object::Role(role) => fingerprint(role),
            Object::User(user) => fingerprint(user),
            Object::Group(group) => fingerprint(group),
        }
    }

    /// The canonical JSON of the object, as bookkeeping stores it.
    pub fn canonical_json(&self) -> String {
        match self {
            Object::Account { owner } => crate::model::live::canonical_json(owner),
            Object::Role(role) => crate::model::live::canonical_json(role),
            Object::User(user) => crate::model::live::canonical_json(user),
            Object::Group(group) => crate::model::live::canonical_json(group),
        }
    }
}

/// One field that changes: its path, old and new value (absent when the
/// field or element is added or removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `last_name`, `preferences.theme`, `contact_methods[sms-personal].value`, …
    pub path: String,
    /// Before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<serde_json::Value>,
    /// After.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<serde_json::Value>,
    /// The field was changed outside git since the last apply, and this
    /// change undoes that.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reverts: bool,
}

/// One change to one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// What and which, by the name it will have.
    pub key: ObjectKey,
    /// Create, update, replace or delete.
    pub action: Action,
    /// The name it has now, when it is renamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// Field by field, for review.
    pub fields: Vec<FieldChange>,
    /// The object as it will be written (not for deletions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Object>,
    /// What the apply does to the platform's records of the object.
    #[serde(default, skip_serializing_if = "PlatformEffects::is_empty")]
    pub platform: PlatformEffects,
    /// What roster records as applied, when it differs from `after`: git's
    /// side of an object whose live form keeps what people changed and what
    /// was made outside git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<Object>,
}

/// What an apply does to the platform-owned records of one object: decided
/// by the planner, carried out by the writer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformEffects {
    /// An invitation is sent with the apply, valid this many days from the
    /// moment the apply runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_days: Option<u32>,
    /// The account is recreated (a replace): what the platform recorded of
    /// the old one — push devices, API tokens, contact verification, the
    /// invitation, the last sign-in — is dropped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub discard: bool,
}

impl PlatformEffects {
    /// Whether the apply leaves the platform's records alone.
    pub fn is_empty(&self) -> bool {
        self.invitation_days.is_none() && !self.discard
    }
}

impl Change {
    /// The key the object has in the live directory now.
    pub fn live_key(&self) -> ObjectKey {
        match &self.renamed_from {
            Some(old) => ObjectKey::new(self.key.kind, old.clone()),
            None => self.key.clone(),
        }
    }
}

/// A reason the plan must not be applied, and what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Refusal {
    /// The object, or none for plan-wide limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectKey>,
    /// What is wrong.
    pub message: String,
    /// Everything involved: each shift, each covered window, ….
    pub reasons: Vec<String>,
    /// How to proceed.
    pub hint: String,
}

/// Something a reviewer should know that does not stop the plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Note {
    /// The object concerned.
    pub object: ObjectKey,
    /// What.
    pub message: String,
}

/// Something live that git does not say and the plan keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The object.
    pub object: ObjectKey,
    /// The field or item, as a change would name it.
    pub path: String,
    /// What git says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<serde_json::Value>,
    /// What is live, and stays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<serde_json::Value>,
    /// Why it stays.
    pub reason: KeptReason,
}

/// Why a plan keeps a live value git does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptReason {
    /// A person changed a field they maintain themselves.
    ChangedByUser,
    /// An item was added outside git, and the policy keeps such items.
    MadeOutsideGit,
}

/// Totals per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Objects created.
    pub create: usize,
    /// Objects updated.
    pub update: usize,
    /// Objects replaced.
    pub replace: usize,
    /// Objects deleted.
    pub delete: usize,
}

impl Summary {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.create + self.update + self.replace + self.delete == 0
    }
}

/// Everything a plan says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The present the plan was made at.
    pub now: DateTime<Utc>,
    /// Changes in the order they are applied.
    pub changes: Vec<Change>,
    /// Totals.
    pub summary: Summary,
    /// Reasons the plan must not be applied.
    pub refusals: Vec<Refusal>,
    /// Changes a reviewer must look at twice: `app_admin` grants, owner changes.
    pub sensitive: Vec<Note>,
    /// What the live directory says that deserves attention.
    pub warnings: Vec<Note>,
    /// Differences the platform will settle (invitations not yet accepted).
    pub pending: Vec<Note>,
    /// Live objects the config does not declare and roster does not manage.
    pub unmanaged: Vec<ObjectKey>,
    /// Live values git does not say that the plan keeps: people's own
    /// changes and items made outside git.
    #[serde(default)]
    pub kept: Vec<Kept>,
    /// Objects that already match and that roster records as managed when applied.
    pub adopt: Vec<(ObjectKey, Object)>,
    /// The fingerprint of every live object the changes touch, sorted by
    /// object; `None` when the object must not exist yet.
    pub fingerprints: Vec<LiveFingerprint>,
    /// The self-service fields to record as in force, when the config's
    /// differ from those of the last apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_service: Option<std::collections::BTreeSet<crate::model::vocab::SelfServiceField>>,
    /// Live objects the changes refer to without changing them (a member,
    /// a cover, a granted role, a reminder group), sorted: each must still
    /// exist when the plan is applied.
    #[serde(default)]
    pub references: Vec<ObjectKey>,
}

/// What a plan read of one live object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LiveFingerprint {
    /// The object, by its live name.
    pub object: ObjectKey,
    /// Its content fingerprint, or `None` when it did not exist.
    pub fingerprint: Option<String>,
}

impl Plan {
    /// Whether applying it would change the directory.
    pub fn has_changes(&self) -> bool {
        !self.summary.is_empty()
    }

    /// Whether an apply has anything to do: changes, or only bookkeeping
    /// (objects to record as managed, the self-service fields in force).
    pub fn has_work(&self) -> bool {
        self.has_changes() || !self.adopt.is_empty() || self.self_service.is_some()
    }
}

/// Flags that let a plan through its guards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Allow more deletions than the policy's mass-delete guard.
    pub allow_mass_delete: bool,
    /// Allow replacing users (a `type` change), losing platform state.
    pub allow_replace: bool,
    /// Whose value wins where git and a person changed a field differently.
    pub prefer: Option<crate::model::vocab::Prefer>,
    /// Allow changing the account owner (a plain `--yes` is not enough).
    pub allow_owner_change: bool,
    /// Compare coverage before and after the change; none: do not.
    pub coverage: Option<CoverageCheck>,
}

/// Plans the changes that make `live` what `desired` declares.
pub fn plan(
    desired: &DesiredState,
    live: &LiveSnapshot,
    now: DateTime<Utc>,
    options: PlanOptions,
) -> Plan {
    let mut plan = Plan {
        now,
        ..Plan::default()
    };
    let stage = crate::timing::Stage::start("plan: reconcile");
    reconcile::reconcile(desired, live, now, options, &mut plan);
    plan.summary = summarize(&plan.changes);
    drop(stage);
    let stage = crate::timing::Stage::start("plan: guards");
    // Conflicts the merge found stop the plan like the guards do.
    let conflicts = std::mem::take(&mut plan.refusals);
    guards::check(desired, live, now, options, &mut plan);
    plan.refusals.extend(conflicts);
    plan.refusals.sort();
    drop(stage);
    if let Some(check) = options.coverage {
        paging::check(live, now, check, &mut plan);
    }
    let stage = crate::timing::Stage::start("plan: notes");
    notes::annotate(desired, live, now, &mut plan);
    drop(stage);
    let _stage = crate::timing::Stage::start("plan: fingerprints");
    let mut fingerprints: Vec<LiveFingerprint> = plan
        .changes
        .iter()
        .map(|c| {
            let object = c.live_key();
            let fingerprint = live_fingerprint(live, &object);
            LiveFingerprint {
                object,
                fingerprint,
            }
        })
        .collect();
    fingerprints.sort();
    fingerprints.dedup();
    plan.fingerprints = fingerprints;
    plan.references = references::referenced(&plan.changes);
    plan.self_service = (desired.policy.self_service != live.managed.self_service)
        .then(|| desired.policy.self_service.clone());
    plan
}

/// A plan that changes nothing and records every object of `live` as
/// managed, as it is: how a directory made by hand is adopted. It holds
/// the fingerprint of every object, so that an apply refuses it when the
/// directory changed since `live` was read.
pub fn adoption(live: &LiveSnapshot, now: DateTime<Utc>) -> Plan {
    let dir = &live.directory;
    let account = Object::Account {
        owner: dir.owner.clone(),
    };
    let adopt: Vec<(ObjectKey, Object)> = std::iter::once((
        ObjectKey::new(ObjectKind::Account, crate::model::live::ACCOUNT),
        account,
    ))
    .chain(dir.roles.values().map(|r| {
        (
            ObjectKey::new(ObjectKind::Role, &r.name),
            Object::Role(r.clone()),
        )
    }))
    .chain(dir.users.values().map(|u| {
        (
            ObjectKey::new(ObjectKind::User, &u.username),
            Object::User(Box::new(u.clone())),
        )
    }))
    .chain(dir.groups.values().map(|g| {
        (
            ObjectKey::new(ObjectKind::Group, &g.name),
            Object::Group(g.clone()),
        )
    }))
    .collect();
    let fingerprints = crate::parallel::map(&adopt, |(key, object)| LiveFingerprint {
        object: key.clone(),
        fingerprint: Some(object.fingerprint()),
    });
    Plan {
        now,
        adopt,
        fingerprints,
        ..Plan::default()
    }
}

fn summarize(changes: &[Change]) -> Summary {
    let mut summary = Summary::default();
    for change in changes {
        match change.action {
            Action::Create => summary.create += 1,
            Action::Update => summary.update += 1,
            Action::Replace => summary.replace += 1,
            Action::Delete => summary.delete += 1,
        }
    }
    summary
}

/// Whether a live object exists.
pub fn live_exists(live: &LiveSnapshot, key: &ObjectKey) -> bool {
    let dir = &live.directory;
    match key.kind {
        ObjectKind::Account => true,
        ObjectKind::Role => dir.roles.contains_key(&key.name),
        ObjectKind::User => dir.users.contains_key(&key.name),
        ObjectKind::Group => dir.groups.contains_key(&key.name),
    }
}

/// The fingerprint of a live object, or `None` when it does not exist.
pub fn live_fingerprint(live: &LiveSnapshot, key: &ObjectKey) -> Option<String> {
    let dir = &live.directory;
    match key.kind {
        ObjectKind::Account => Some(fingerprint(&dir.owner)),
        ObjectKind::Role => dir.roles.get(&key.name).map(fingerprint),
        ObjectKind::User => dir.users.get(&key.name).map(fingerprint),
        ObjectKind::Group => dir.groups.get(&key.name).map(fingerprint),
    }
}
