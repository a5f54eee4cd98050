//! What an apply writes of a declared user, the rules of time and the
//! platform applied: a new account starts `invited`; an invitation not yet
//! accepted stays pending; out-of-office windows wholly in the past are
//! history — never created, never deleted, never rewritten. This is the
//! one home of these rules; the writer and its model only execute them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::INVITATION_VALIDITY_DAYS;
use crate::model::directory::{Cover, User};
use crate::model::live::Invitation;
use crate::model::vocab::UserStatus;

/// A user as a create writes it: `active` users start `invited`, as the
/// platform's "Add User" does; windows already over are never created.
pub(super) fn as_created(user: &User, now: DateTime<Utc>) -> User {
    let mut user = user.clone();
    if user.status == UserStatus::Active {
        user.status = UserStatus::Invited;
    }
    user.out_of_office.retain(|w| !w.is_past(now));
    user
}

/// The invitation an apply sends with a new account: one for a user who
/// is to be `invited`.
pub(super) fn invitation(user: &User) -> Option<u32> {
    (user.status == UserStatus::Invited).then_some(INVITATION_VALIDITY_DAYS)
}

/// A user as an update writes it over `current`: an invitation not yet
/// accepted stays pending; windows already over are history on both sides
/// (kept as they are, though a cover renamed in this plan shows its new
/// name, as the database will).
pub(super) fn as_updated(
    user: &User,
    current: &User,
    now: DateTime<Utc>,
    renames: &BTreeMap<&str, &str>,
) -> (User, bool) {
    let mut user = user.clone();
    let pending = current.status == UserStatus::Invited && user.status == UserStatus::Active;
    if pending {
        user.status = UserStatus::Invited;
    }
    let rename = |name: &mut String| {
        if let Some(new) = renames.get(name.as_str()) {
            *name = (*new).to_string();
        }
    };
    let mut windows: Vec<_> = current
        .out_of_office
        .iter()
        .filter(|w| w.is_past(now))
        .cloned()
        .map(|mut w| {
            match &mut w.cover {
                Cover::AllGroups(cover) => rename(cover),
                Cover::PerGroup(map) => map.values_mut().for_each(rename),
            }
            w
        })
        .collect();
    windows.extend(
        user.out_of_office
            .iter()
            .filter(|w| !w.is_past(now))
            .cloned(),
    );
    windows.sort_by_key(|w| (w.from, w.until));
    user.out_of_office = windows;
    (user, pending)
}

/// The invitation an update sends, adjusting `written` (and git's side,
/// `git`) to match: a person reactivated (`disabled` → `active`) who never
/// accepted their invitation (and never signed in) stays invited and gets
/// a fresh invitation — never active without accepting; an invitation that
/// expired unaccepted is renewed.
pub(super) fn reinvitation(
    written: &mut User,
    git: &mut User,
    current: &User,
    invitation: Option<&Invitation>,
    signed_in: bool,
    now: DateTime<Utc>,
) -> Option<u32> {
    let never_accepted = !signed_in && invitation.is_none_or(|i| i.accepted_at.is_none());
    if current.status == UserStatus::Disabled
        && written.status == UserStatus::Active
        && never_accepted
    {
        written.status = UserStatus::Invited;
        git.status = UserStatus::Invited;
        return Some(INVITATION_VALIDITY_DAYS);
    }
    let expired = invitation.is_some_and(|i| i.expired_unaccepted(now));
    (current.status == UserStatus::Invited && written.status == UserStatus::Invited && expired)
        .then_some(INVITATION_VALIDITY_DAYS)
}
