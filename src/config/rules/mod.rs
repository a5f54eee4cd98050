//! Semantic rules: what the schema cannot say. Each module checks one
//! concern over the whole merged directory and reports every finding.

mod advice;
mod chains;
mod coverage;
mod owner;
mod people;
mod references;

use chrono::{DateTime, Utc};

use super::normalize::Provenance;
use super::source::FileId;
use crate::diagnostic::{At, Diagnostic};
use crate::model::Directory;
use crate::model::directory::User;

/// What the rules look at.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The merged directory, out-of-office windows in declared order.
    pub directory: &'a Directory,
    /// Where things were declared.
    pub provenance: &'a Provenance,
    /// The present, for windows wholly in the past.
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// The file and pointer of a user's declaration.
    fn user_at(&self, username: &str) -> (FileId, String) {
        self.provenance
            .user_pointer(username)
            .unwrap_or((FileId(0), String::new()))
    }

    /// The file and pointer of a group's declaration.
    fn group_at(&self, name: &str) -> (FileId, String) {
        self.provenance
            .group_pointer(name)
            .unwrap_or((FileId(0), String::new()))
    }

    /// The pointer of a user's `i`-th out-of-office window as normalised,
    /// which differs from its declared index when an earlier one was unreadable.
    fn oof_pointer(&self, username: &str, user_pointer: &str, i: usize) -> String {
        let declared = self
            .provenance
            .oof_declared
            .get(username)
            .and_then(|d| d.get(i))
            .copied()
            .unwrap_or(i);
        format!("{user_pointer}/out_of_office/{declared}")
    }

    /// Where a member entry of a group is.
    fn member_at(&self, group: &str, username: &str, rest: &str) -> (FileId, At) {
        let (file, pointer) = self.group_at(group);
        let at = At::Item {
            list: format!("{pointer}/members"),
            field: "user",
            value: username.to_string(),
            rest: rest.to_string(),
        };
        (file, at)
    }
}

/// A map keyed by names: the rules look names up hundreds of thousands of
/// times in a large directory.
pub(super) type NameMap<'a, V> = crate::fast::FastMap<&'a str, V>;

/// Lookups several rules need, built once.
pub(super) struct Index<'a> {
    /// Users by username.
    pub(super) users: NameMap<'a, &'a User>,
    /// Each member's groups, in group-name order.
    pub(super) groups_of: NameMap<'a, Vec<&'a str>>,
}

impl<'a> Index<'a> {
    fn new(directory: &'a Directory) -> Index<'a> {
        let mut users =
            NameMap::with_capacity_and_hasher(directory.users.len(), Default::default());
        users.extend(
            directory
                .users
                .iter()
                .map(|(name, user)| (name.as_str(), user)),
        );
        let mut groups_of: NameMap<'a, Vec<&'a str>> =
            NameMap::with_capacity_and_hasher(directory.users.len(), Default::default());
        for (name, group) in &directory.groups {
            for member in group.members.keys() {
                groups_of
                    .entry(member.as_str())
                    .or_default()
                    .push(name.as_str());
            }
        }
        Index { users, groups_of }
    }

    /// Whether `user` is a member of `group`.
    fn is_member(&self, user: &str, group: &str) -> bool {
        self.groups_of
            .get(user)
            .is_some_and(|groups| groups.contains(&group))
    }
}

/// Runs every rule.
pub fn check(context: &Context<'_>) -> Vec<Diagnostic> {
    let index = Index::new(context.directory);
    let index = &index;
    // The rules only read, so half of them run on another core.
    let (mut out, more) = std::thread::scope(|scope| {
        let other = scope.spawn(move || {
            let mut out = Vec::new();
            coverage::check(context, index, &mut out);
            advice::check(context, index, &mut out);
            out
        });
        let mut out = Vec::new();
        owner::check(context, &mut out);
        people::check(context, index, &mut out);
        references::check(context, index, &mut out);
        (out, other.join().expect("rules do not panic"))
    });
    out.extend(more);
    out
}
