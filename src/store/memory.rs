//! The store's write semantics on an in-memory snapshot: what
//! [`super::write`] does to the tables, done to a [`LiveSnapshot`]. Property
//! tests use it to apply thousands of random plans; a test checks it
//! against the real databases.

use crate::model::Directory;
use crate::model::directory::{Cover, User};
use crate::model::live::{Invitation, LiveSnapshot, ManagedRecord, PlatformState};
use crate::model::vocab::UserStatus;

use super::write::{ChangeSet, INVITATION_VALIDITY};

/// Applies a change set to a snapshot as the store would to its database.
pub fn apply(live: &mut LiveSnapshot, changes: &ChangeSet) {
    let now = changes.now;
    let dir = &mut live.directory;
    let platform = &mut live.platform;
    for role in &changes.put_roles {
        dir.roles.insert(role.name.clone(), role.clone());
    }
    for user in &changes.create_users {
        dir.users.insert(user.username.clone(), user.clone());
    }
    for update in &changes.update_users {
        let old = update.live_username.clone();
        let new = update.user.username.clone();
        let previous = dir.users.remove(&old);
        let mut user = update.user.clone();
        // Windows already over are never rewritten.
        let mut windows: Vec<_> = previous
            .map(|p| {
                p.out_of_office
                    .into_iter()
                    .filter(|w| w.is_past(now))
                    .collect()
            })
            .unwrap_or_default();
        windows.extend(
            user.out_of_office
                .iter()
                .filter(|w| !w.is_past(now))
                .cloned(),
        );
        windows.sort_by_key(|w| (w.from, w.until));
        windows.dedup();
        user.out_of_office = windows;
        dir.users.insert(new.clone(), user);
        if old != new {
            rename_references(dir, platform, &old, &new);
        }
        if update.replace {
            platform.push_methods.remove(&new);
            platform.api_tokens.remove(&new);
            platform.verifications.retain(|(u, _, _), _| *u != new);
            platform.invitations.remove(&new);
            platform.last_login.remove(&new);
        }
    }
    let invited = changes
        .create_users
        .iter()
        .chain(
            changes
                .update_users
                .iter()
                .filter(|u| u.replace)
                .map(|u| &u.user),
        )
        .filter(|u| u.status == UserStatus::Invited);
    for user in invited {
        let invitation = Invitation {
            sent_at: now,
            expires_at: now + INVITATION_VALIDITY,
            accepted_at: None,
        };
        platform
            .invitations
            .insert(user.username.clone(), invitation);
    }
    for group in &changes.put_groups {
        dir.groups.insert(group.name.clone(), group.clone());
    }
    if let Some(owner) = &changes.owner {
        dir.owner = owner.clone();
    }
    for name in &changes.delete_users {
        dir.users.remove(name);
        for group in dir.groups.values_mut() {
            group.members.remove(name);
        }
        platform.push_methods.remove(name);
        platform.api_tokens.remove(name);
        platform.verifications.retain(|(u, _, _), _| u != name);
        platform.invitations.remove(name);
        platform.last_login.remove(name);
        platform.shifts.retain(|s| s.user != *name);
    }
    for name in &changes.delete_groups {
        dir.groups.remove(name);
        for user in dir.users.values_mut() {
            user.reminders.groups.remove(name);
        }
        platform.shifts.retain(|s| s.group != *name);
    }
    for name in &changes.delete_roles {
        dir.roles.remove(name);
        for user in dir.users.values_mut() {
            user.roles.remove(name);
        }
    }
    for key in &changes.forget {
        live.managed.objects.remove(key);
    }
    for (key, fingerprint, body) in &changes.record {
        let record = ManagedRecord {
            fingerprint: fingerprint.clone(),
            body: Some(body.clone()),
        };
        live.managed.objects.insert(key.clone(), record);
    }
}

/// A renamed user keeps their row, so everything that points at the row
/// now shows the new name.
fn rename_references(dir: &mut Directory, platform: &mut PlatformState, old: &str, new: &str) {
    let rename = |name: &mut String| {
        if name == old {
            *name = new.to_string();
        }
    };
    if let Some(owner) = dir.owner.as_mut() {
        rename(owner);
    }
    for group in dir.groups.values_mut() {
        if let Some(roles) = group.members.remove(old) {
            group.members.insert(new.to_string(), roles);
        }
    }
    for user in dir.users.values_mut() {
        rename_covers(user, old, new);
    }
    for shift in &mut platform.shifts {
        rename(&mut shift.user);
    }
    platform.shifts.sort();
    if let Some(v) = platform.push_methods.remove(old) {
        platform.push_methods.insert(new.to_string(), v);
    }
    if let Some(v) = platform.api_tokens.remove(old) {
        platform.api_tokens.insert(new.to_string(), v);
    }
    if let Some(v) = platform.invitations.remove(old) {
        platform.invitations.insert(new.to_string(), v);
    }
    if let Some(v) = platform.last_login.remove(old) {
        platform.last_login.insert(new.to_string(), v);
    }
    let moved: Vec<_> = platform
        .verifications
        .keys()
        .filter(|(u, _, _)| u == old)
        .cloned()
        .collect();
    for key in moved {
        if let Some(v) = platform.verifications.remove(&key) {
            platform
                .verifications
                .insert((new.to_string(), key.1, key.2), v);
        }
    }
}

fn rename_covers(user: &mut User, old: &str, new: &str) {
    for window in &mut user.out_of_office {
        match &mut window.cover {
            Cover::AllGroups(cover) if cover == old => *cover = new.to_string(),
            Cover::PerGroup(map) => {
                for cover in map.values_mut().filter(|c| *c == old) {
                    *cover = new.to_string();
                }
            }
            Cover::AllGroups(_) => {}
        }
    }
}
