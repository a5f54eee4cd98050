//! What a reviewer should know beyond the changes: sensitive changes
//! (`app_admin` grants, grants of custom roles with admin rights, roles
//! that gain them, owner changes) and warnings from the live state
//! (unverified or bouncing contact values, expired invitations, muted
//! integrations the account does not have).

use chrono::{DateTime, Utc};

use super::{Action, Note, Object, Plan};
use crate::model::DesiredState;
use crate::model::directory::Role;
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, VerificationState};
use crate::model::vocab::{APP_ADMIN, UserStatus};

pub(super) fn annotate(
    desired: &DesiredState,
    live: &LiveSnapshot,
    now: DateTime<Utc>,
    plan: &mut Plan,
) {
    for change in &plan.changes {
        match (&change.after, change.action) {
            (Some(Object::User(after)), Action::Create | Action::Update | Action::Replace) => {
                let live_name = change.renamed_from.as_deref().unwrap_or(&change.key.name);
                let had = live
                    .directory
                    .users
                    .get(live_name)
                    .is_some_and(|u| u.roles.contains(APP_ADMIN));
                if after.roles.contains(APP_ADMIN) && (!had || change.action != Action::Update) {
                    plan.sensitive.push(Note {
                        object: change.key.clone(),
                        message: format!(
                            "`{}` is granted `{APP_ADMIN}`: full control of the account",
                            after.username
                        ),
                    });
                }
                let before = live.directory.users.get(live_name);
                for role in &after.roles {
                    let Some(custom) = desired.directory.roles.get(role) else {
                        continue;
                    };
                    let held = change.action == Action::Update
                        && before.is_some_and(|u| u.roles.contains(role));
                    if custom.is_admin_equivalent() && !held {
                        plan.sensitive.push(Note {
                            object: change.key.clone(),
                            message: format!(
                                "`{}` is granted `{role}`, a custom role with admin rights ({})",
                                after.username,
                                permission_list(custom)
                            ),
                        });
                    }
                }
            }
            (Some(Object::Role(after)), _) if after.is_admin_equivalent() => {
                let before = live
                    .directory
                    .roles
                    .get(&after.name)
                    .map(Role::admin_permissions)
                    .unwrap_or_default();
                let gained: Vec<String> = after
                    .admin_permissions()
                    .into_iter()
                    .filter(|p| !before.contains(p))
                    .map(|p| format!("`{p}`"))
                    .collect();
                if !gained.is_empty() {
                    let holders = desired
                        .directory
                        .users
                        .values()
                        .filter(|u| u.roles.contains(&after.name))
                        .count();
                    plan.sensitive.push(Note {
                        object: change.key.clone(),
                        message: format!(
                            "role `{}` gains admin rights ({}); {holders} user{} hold{} it",
                            after.name,
                            gained.join(", "),
                            if holders == 1 { "" } else { "s" },
                            if holders == 1 { "s" } else { "" },
                        ),
                    });
                }
            }
            (Some(Object::Account { owner }), _) => {
                let from = live
                    .directory
                    .owner
                    .as_deref()
                    .map_or("nobody".to_string(), |o| format!("`{o}`"));
                let to = owner
                    .as_deref()
                    .map_or("nobody".to_string(), |o| format!("`{o}`"));
                plan.sensitive.push(Note {
                    object: change.key.clone(),
                    message: format!("the account owner changes from {from} to {to}"),
                });
            }
            _ => {}
        }
    }

    let platform = &live.platform;
    // Most values are verified; without a bad one there is nothing to
    // look up for each of a large directory's methods.
    let any_bad = platform.verifications.values().any(|v| {
        matches!(
            v.state,
            VerificationState::Unverified | VerificationState::Bounced
        )
    });
    for (name, user) in &desired.directory.users {
        let key = || ObjectKey::new(ObjectKind::User, name);
        let live_name = desired
            .renames
            .iter()
            .find(|(old, new)| *new == name && live.directory.users.contains_key(*old))
            .map_or(name.as_str(), |(old, _)| old.as_str());
        for method in user.contact_methods.iter().filter(|m| any_bad && m.enabled) {
            let state = platform
                .verifications
                .get(&(live_name.to_string(), method.channel, method.value.clone()))
                .map(|v| v.state);
            let message = match state {
                Some(VerificationState::Unverified) => format!(
                    "contact method `{}` of `{name}` is unverified: the platform does not use it until its owner confirms it",
                    method.key()
                ),
                Some(VerificationState::Bounced) => {
                    format!(
                        "messages to contact method `{}` of `{name}` bounce: the platform has blocked it",
                        method.key()
                    )
                }
                _ => continue,
            };
            plan.warnings.push(Note {
                object: key(),
                message,
            });
        }
        if let Some(current) = live.directory.users.get(live_name)
            && current.status == UserStatus::Invited
            && let Some(invitation) = platform.invitations.get(live_name)
            && invitation.expired_unaccepted(now)
        {
            plan.warnings.push(Note {
                object: key(),
                message: format!(
                    "the invitation of `{name}` expired on {} without being accepted; the apply sends a fresh one",
                    invitation.expires_at.format("%Y-%m-%d")
                ),
            });
        }
        for integration in &user.muted_integrations {
            if !platform.integrations.contains_key(integration) {
                plan.warnings.push(Note {
                    object: key(),
                    message: format!("`{name}` mutes integration `{integration}`, which the account does not have"),
                });
            }
        }
    }
    for (old, new) in &desired.renames {
        if live.directory.users.contains_key(old) && live.directory.users.contains_key(new) {
            plan.warnings.push(Note {
                object: ObjectKey::new(ObjectKind::User, new),
                message: format!("`{new}` lists `{old}` as a previous username, but both exist; `{old}` is not renamed"),
            });
        }
    }
    plan.sensitive.sort();
    plan.sensitive.dedup();
    plan.warnings.sort();
    plan.pending.sort();
}

/// `` `manage_user_roles`, `invite_users` ``: what makes a role admin-equivalent.
fn permission_list(role: &Role) -> String {
    role.admin_permissions()
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
