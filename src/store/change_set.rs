//! What one apply writes, as data: every row to put, every record to drop,
//! every invitation to send. The planner decided all of it; the apply
//! translates a plan into a change set and the writer (`store::write`)
//! and its in-memory model (`testkit::memory`) execute it without choices
//! of their own.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::model::directory::{Cover, Group, Role, User};
use crate::model::live::ObjectKey;
use crate::model::vocab::SelfServiceField;

/// Everything one apply writes. Names identify objects; the writer finds
/// their rows and fails, naming the object, when one is missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// When the apply writes: the creation time of new accounts and the
    /// time invitations are sent.
    pub now: DateTime<Utc>,
    /// Custom roles to create or update, with all their permissions.
    pub put_roles: Vec<Role>,
    /// Groups to create or update, with their whole membership.
    pub put_groups: Vec<Group>,
    /// Users to create, every list included.
    pub create_users: Vec<User>,
    /// Users to update: the row and every list are written as given.
    pub update_users: Vec<UserUpdate>,
    /// Invitations to send, at `now`.
    pub invitations: Vec<InvitationGrant>,
    /// Users whose account is recreated (a replace): what the platform
    /// recorded of the old account — push devices, API tokens, contact
    /// verifications, the invitation and the last sign-in — is dropped,
    /// and the account's creation time becomes `now`.
    pub discard_platform: Vec<String>,
    /// The account owner, when it changes.
    pub owner: Option<Option<String>>,
    /// Usernames to delete.
    pub delete_users: Vec<String>,
    /// Groups to delete.
    pub delete_groups: Vec<String>,
    /// Custom roles to delete.
    pub delete_roles: Vec<String>,
    /// Last-applied forms to record.
    pub record: Vec<Record>,
    /// Objects roster no longer manages.
    pub forget: Vec<ObjectKey>,
    /// The self-service fields now in force, when they change.
    pub self_service: Option<BTreeSet<SelfServiceField>>,
}

/// One user to update.
#[derive(Debug, Clone, PartialEq)]
pub struct UserUpdate {
    /// The username the row has now (differs from `user.username` on a rename).
    pub live_username: String,
    /// The user as it is to be, every list whole (windows already over
    /// included, as the planner kept them).
    pub user: User,
}

/// An invitation an apply sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationGrant {
    /// Who is invited (by the name the user has after the apply).
    pub username: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The last-applied form of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The object.
    pub key: ObjectKey,
    /// The fingerprint of `body`.
    pub fingerprint: String,
    /// The canonical JSON of the object.
    pub body: String,
}

impl ChangeSet {
    /// How many rows writing this inserts: the length of an apply's
    /// progress bar.
    pub fn rows(&self) -> u64 {
        let user_rows = |u: &User| {
            let covers: usize = u
                .out_of_office
                .iter()
                .map(|w| match &w.cover {
                    Cover::PerGroup(map) => map.len(),
                    Cover::AllGroups(_) => 0,
                })
                .sum();
            1 + u.roles.len()
                + u.reminders.groups.len()
                + u.muted_integrations.len()
                + u.contact_methods.len()
                + u.notification_profiles.len()
                + u.notification_profiles
                    .values()
                    .map(Vec::len)
                    .sum::<usize>()
                + u.out_of_office.len()
                + covers
        };
        let users: usize = self
            .create_users
            .iter()
            .chain(self.update_users.iter().map(|u| &u.user))
            .map(user_rows)
            .sum();
        let roles: usize = self.put_roles.iter().map(|r| 1 + r.permissions.len()).sum();
        let groups: usize = self.put_groups.iter().map(|g| 2 + g.members.len()).sum();
        (users + self.invitations.len() + roles + groups + self.record.len()) as u64
    }

    /// Whether nothing is to be written (bookkeeping aside).
    pub fn is_empty(&self) -> bool {
        self.put_roles.is_empty()
            && self.put_groups.is_empty()
            && self.create_users.is_empty()
            && self.update_users.is_empty()
            && self.invitations.is_empty()
            && self.discard_platform.is_empty()
            && self.owner.is_none()
            && self.delete_users.is_empty()
            && self.delete_groups.is_empty()
            && self.delete_roles.is_empty()
    }
}
