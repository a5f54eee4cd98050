//! A plan as the store's change set: a translation, not a decision. Every
//! value was decided by the planner — what each object becomes, which
//! invitations are sent and for how long, which accounts lose the
//! platform's records — and `now` only says when the apply happens.

use chrono::{DateTime, Duration, Utc};

use crate::model::live::{ObjectKey, ObjectKind};
use crate::plan::{Action, Object, Plan};
use crate::store::ChangeSet;
use crate::store::change_set::{InvitationGrant, Record, UserUpdate};

/// The change set that carries out `plan` when applied at `now`,
/// bookkeeping included. The plan must be consistent
/// ([`crate::plan::check::problems`]): a change without the object it
/// writes is skipped here, never guessed at.
pub fn change_set(plan: &Plan, now: DateTime<Utc>) -> ChangeSet {
    let mut set = ChangeSet {
        now,
        ..ChangeSet::default()
    };
    for change in &plan.changes {
        if change.action == Action::Delete {
            let name = change.key.name.clone();
            match change.key.kind {
                ObjectKind::User => set.delete_users.push(name),
                ObjectKind::Group => set.delete_groups.push(name),
                ObjectKind::Role => set.delete_roles.push(name),
                ObjectKind::Account => {}
            }
            set.forget.push(change.key.clone());
            continue;
        }
        let Some(after) = &change.after else {
            continue;
        };
        match after {
            Object::Role(role) => set.put_roles.push(role.clone()),
            Object::Group(group) => set.put_groups.push(group.clone()),
            Object::Account { owner } => set.owner = Some(owner.clone()),
            Object::User(user) if change.action == Action::Create => {
                set.create_users.push(user.as_ref().clone())
            }
            Object::User(user) => set.update_users.push(UserUpdate {
                live_username: change.live_key().name,
                user: user.as_ref().clone(),
            }),
        }
        if change.platform.discard {
            set.discard_platform.push(change.key.name.clone());
        }
        if let Some(days) = change.platform.invitation_days {
            set.invitations.push(InvitationGrant {
                username: change.key.name.clone(),
                expires_at: now + Duration::days(i64::from(days)),
            });
        }
        if let Some(old) = &change.renamed_from {
            set.forget
                .push(ObjectKey::new(change.key.kind, old.clone()));
        }
        // People's own changes stay live; git's side is what is recorded.
        set.record.push(record(
            &change.key,
            change.applied.as_ref().unwrap_or(after),
        ));
    }
    set.record
        .extend(plan.adopt.iter().map(|(key, object)| record(key, object)));
    set.self_service = plan.self_service.clone();
    set
}

fn record(key: &ObjectKey, object: &Object) -> Record {
    Record {
        key: key.clone(),
        fingerprint: object.fingerprint(),
        body: object.canonical_json(),
    }
}
