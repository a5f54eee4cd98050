//! Executing a plan: the plan's changes as the store's change set, written
//! in one transaction after re-checking that the world is what the plan
//! assumed.

use crate::model::live::{ObjectKey, ObjectKind};
use crate::plan::{Action, Object, Plan};
use crate::store::write::{ChangeSet, UserUpdate};

/// The change set that carries out `plan`, bookkeeping included. It is a
/// translation: every value was decided by the planner.
pub fn change_set(plan: &Plan) -> ChangeSet {
    let mut set = ChangeSet { now: plan.now, ..ChangeSet::default() };
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
                    Object::User(user) if *action == Action::Create => set.create_users.push(user.clone()),
                    Object::User(user) => set.update_users.push(UserUpdate {
                        live_username: change.renamed_from.clone().unwrap_or_else(|| user.username.clone()),
                        user: user.clone(),
                        replace: *action == Action::Replace,
                    }),
                }
                if let Some(old) = &change.renamed_from {
                    set.forget.push(ObjectKey::new(change.key.kind, old.clone()));
                }
                set.record.push((change.key.clone(), after.fingerprint(), after.canonical_json()));
            }
            (_, None) => {}
        }
    }
    for (key, object) in &plan.adopt {
        set.record.push((key.clone(), object.fingerprint(), object.canonical_json()));
    }
    set
}
