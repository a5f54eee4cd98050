//! Where every declared object comes from, for rules to point at.

use std::collections::HashMap;

use crate::diagnostic::FileId;

/// Where a top-level object was declared: a file and its index in the
/// document's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The file.
    pub file: FileId,
    /// Index in the `users`, `groups` or `roles` list.
    pub index: usize,
}

/// Where every declared object comes from, for rules to point at.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Users by username.
    pub users: HashMap<String, Item>,
    /// Groups by name.
    pub groups: HashMap<String, Item>,
    /// Custom roles by name.
    pub roles: HashMap<String, Item>,
    /// The document that sets `account`.
    pub account: Option<FileId>,
    /// For users with an unreadable out-of-office window: the declared index
    /// of each window kept.
    pub oof_declared: HashMap<String, Vec<usize>>,
}

impl Provenance {
    /// The JSON pointer of a user's declaration.
    pub fn user_pointer(&self, username: &str) -> Option<(FileId, String)> {
        self.users
            .get(username)
            .map(|i| (i.file, format!("/users/{}", i.index)))
    }

    /// The JSON pointer of a group's declaration.
    pub fn group_pointer(&self, name: &str) -> Option<(FileId, String)> {
        self.groups
            .get(name)
            .map(|i| (i.file, format!("/groups/{}", i.index)))
    }
}
