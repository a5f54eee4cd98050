//! The live objects a plan's changes refer to without changing them: the
//! members of a group, the covers of a window, the roles granted and the
//! groups reminded about. An apply of a saved plan checks that each still
//! exists, so that one deleted in between makes the plan stale instead of
//! failing half-way through the write.

use std::collections::BTreeSet;

use super::{Change, Object};
use crate::model::directory::Cover;
use crate::model::live::{ObjectKey, ObjectKind};
use crate::model::vocab::is_builtin_role;

/// Every object `changes` refer to that they do not change themselves,
/// sorted. Built-in roles always exist and are left out.
pub(super) fn referenced(changes: &[Change]) -> Vec<ObjectKey> {
    let mut referenced = BTreeSet::new();
    let mut add = |kind: ObjectKind, name: &str| {
        referenced.insert(ObjectKey::new(kind, name));
    };
    for change in changes {
        match &change.after {
            Some(Object::User(user)) => {
                for role in user.roles.iter().filter(|r| !is_builtin_role(r)) {
                    add(ObjectKind::Role, role);
                }
                for group in &user.reminders.groups {
                    add(ObjectKind::Group, group);
                }
                for window in &user.out_of_office {
                    match &window.cover {
                        Cover::AllGroups(cover) => add(ObjectKind::User, cover),
                        Cover::PerGroup(map) => {
                            for (group, cover) in map {
                                add(ObjectKind::Group, group);
                                add(ObjectKind::User, cover);
                            }
                        }
                    }
                }
            }
            Some(Object::Group(group)) => {
                for member in group.members.keys() {
                    add(ObjectKind::User, member);
                }
            }
            Some(Object::Account { owner: Some(owner) }) => add(ObjectKind::User, owner),
            Some(Object::Account { owner: None } | Object::Role(_)) | None => {}
        }
    }
    // What the plan itself writes is checked by its fingerprint.
    for change in changes {
        referenced.remove(&change.key);
    }
    referenced.into_iter().collect()
}
