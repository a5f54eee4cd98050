//! The writer's semantics on an in-memory snapshot: what
//! `store::write` does to the tables, done to a [`LiveSnapshot`], with the
//! same lack of choices — every value comes from the change set. Property
//! tests use it to apply thousands of random plans; a test checks it
//! against the real databases.

use crate::model::Directory;
use crate::model::directory::{Cover, User};
use crate::model::live::{Invitation, LiveSnapshot, ManagedRecord, PlatformState};
use crate::store::ChangeSet;

/// Applies a change set to a snapshot as the store would to its database.
pub fn apply(live: &mut LiveSnapshot, changes: &ChangeSet) {
    live.managed.forget_live_matches();
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
        let (old, new) = (&update.live_username, &update.user.username);
        dir.users.remove(old);
        dir.users.insert(new.clone(), update.user.clone());
        if old != new {
            rename_references(dir, platform, old, new);
        }
    }
    for name in &changes.discard_platform {
        platform.push_methods.remove(name);
        platform.api_tokens.remove(name);
        platform.verifications.retain(|(u, _, _), _| u != name);
        platform.invitations.remove(name);
        platform.last_login.remove(name);
    }
    for grant in &changes.invitations {
        let invitation = Invitation {
            sent_at: now,
            expires_at: grant.expires_at,
            accepted_at: None,
        };
        platform
            .invitations
            .insert(grant.username.clone(), invitation);
    }
    for group in &changes.put_groups {
        dir.groups.insert(group.name.clone(), group.clone());
    }
    if let Some(owner) = &changes.owner {
        dir.owner = owner.clone();
    }
    // What the database's cascades take along with a deleted row.
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
    if let Some(fields) = &changes.self_service {
        live.managed.self_service = fields.clone();
    }
    for record in &changes.record {
        let managed = ManagedRecord::new(record.fingerprint.clone(), Some(record.body.clone()));
        live.managed.objects.insert(record.key.clone(), managed);
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
