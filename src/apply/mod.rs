//! Executing a plan: the plan's changes as the store's change set, written
//! in one transaction after re-checking that the world is what the plan
//! assumed.

use chrono::{DateTime, Utc};

use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind};
use crate::plan::file::plan_digest;
use crate::plan::{Action, Object, Plan, live_fingerprint};
use crate::store::HistoryEntry;
use crate::store::write::{ChangeSet, UserUpdate};

/// The change set that carries out `plan`, bookkeeping included. It is a
/// translation: every value was decided by the planner.
pub fn change_set(plan: &Plan) -> ChangeSet {
    let mut set = ChangeSet {
        now: plan.now,
        ..ChangeSet::default()
    };
    for change in &plan.changes {
        match (&change.action, &change.after) {
            (Action::Delete, _) => {
                let name = change.key.name.clone();
                match change.key.kind {
                    ObjectKind::User => set.delete_users.push(name),
                    ObjectKind::Group => set.delete_groups.push(name),
                    ObjectKind::Role => set.delete_roles.push(name),
                    ObjectKind::Account => {}
                }
                set.forget.push(change.key.clone());
            }
            (action, Some(after)) => {
                match after {
                    Object::Role(role) => set.put_roles.push(role.clone()),
                    Object::Group(group) => set.put_groups.push(group.clone()),
                    Object::Account { owner } => set.owner = Some(owner.clone()),
                    Object::User(user) if *action == Action::Create => {
                        set.create_users.push(user.as_ref().clone())
                    }
                    Object::User(user) => set.update_users.push(UserUpdate {
                        live_username: change
                            .renamed_from
                            .clone()
                            .unwrap_or_else(|| user.username.clone()),
                        user: user.as_ref().clone(),
                        replace: *action == Action::Replace,
                    }),
                }
                if let Some(old) = &change.renamed_from {
                    set.forget
                        .push(ObjectKey::new(change.key.kind, old.clone()));
                }
                set.record.push((
                    change.key.clone(),
                    after.fingerprint(),
                    after.canonical_json(),
                ));
            }
            (_, None) => {}
        }
    }
    for (key, object) in &plan.adopt {
        set.record
            .push((key.clone(), object.fingerprint(), object.canonical_json()));
    }
    set
}

/// Why a plan no longer fits the live directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mismatch {
    /// Objects that changed since the plan read them.
    pub changed: Vec<ObjectKey>,
    /// Guards that now stop the plan.
    pub refusals: Vec<crate::plan::Refusal>,
}

impl Mismatch {
    /// Whether everything still fits.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.refusals.is_empty()
    }
}

/// Checks, inside the apply transaction, that every object the plan read
/// is as it was, and that the state-dependent guards still let it through.
pub fn verify(plan: &Plan, live: &LiveSnapshot, now: DateTime<Utc>) -> Result<(), Mismatch> {
    let changed: Vec<ObjectKey> = plan
        .fingerprints
        .iter()
        .filter(|f| live_fingerprint(live, &f.object) != f.fingerprint)
        .map(|f| f.object.clone())
        .collect();
    let refusals = crate::plan::recheck(plan, live, now);
    let mismatch = Mismatch { changed, refusals };
    if mismatch.is_empty() {
        Ok(())
    } else {
        Err(mismatch)
    }
}

/// The history entry of applying `plan`.
pub fn history_entry(
    plan: &Plan,
    revision: Option<String>,
    actor: String,
    started_at: DateTime<Utc>,
) -> HistoryEntry {
    HistoryEntry {
        id: 0,
        revision,
        actor,
        started_at,
        finished_at: started_at,
        plan_digest: plan_digest(plan),
        creates: plan.summary.create as i64,
        updates: plan.summary.update as i64,
        replaces: plan.summary.replace as i64,
        deletes: plan.summary.delete as i64,
        changes: plan
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    crate::report::plan::symbol(c.action),
                    crate::report::plan::headline(c)
                )
            })
            .collect(),
    }
}
