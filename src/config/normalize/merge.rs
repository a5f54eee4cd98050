//! The merge across files: one directory from every file's model, each
//! name declared twice reported with both places, renames collected.

use std::collections::BTreeMap;

use crate::fast::FastMap as HashMap;

use super::{FileModel, Item, Provenance, UserEntry};
use crate::diagnostic::{Diagnostic, FileId};
use crate::model::directory::{Group, Role};
use crate::model::policy::Policy;
use crate::model::{DesiredState, Directory};

/// The merged, canonical config and what normalising it found.
#[derive(Debug, Default)]
pub struct Normalized {
    /// The directory, out-of-office windows in declared order.
    pub directory: Directory,
    /// Where things were declared.
    pub provenance: Provenance,
    /// The policy.
    pub policy: Policy,
    /// Old username → new username.
    pub renames: BTreeMap<String, String>,
    /// Username → host → login on git hosting.
    pub handles: BTreeMap<String, BTreeMap<String, String>>,
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Normalized {
    /// The desired state in canonical order.
    pub fn into_desired(mut self) -> DesiredState {
        for user in self.directory.users.values_mut() {
            user.out_of_office.sort_by_key(|w| (w.from, w.until));
        }
        DesiredState {
            directory: self.directory,
            policy: self.policy,
            renames: self.renames,
            handles: self.handles,
        }
    }
}

/// Merges normalised files, in the order given, reporting every name
/// declared twice with both places.
pub fn merge(files: Vec<(FileId, FileModel)>) -> Normalized {
    let mut merge = Merge::default();
    for (file, model) in files {
        if let Some((owner, policy)) = model.account {
            merge.account(file, owner, policy);
        }
        for (index, role) in model.roles {
            merge.role(Item { file, index }, role);
        }
        for (index, entry) in model.users {
            merge.user(Item { file, index }, entry);
        }
        for (index, group) in model.groups {
            merge.group(Item { file, index }, group);
        }
    }
    merge.finish()
}

#[derive(Default)]
struct Merge {
    out: Normalized,
    emails: HashMap<String, Item>,
    group_names: HashMap<String, String>,
    previous: HashMap<String, (Item, usize)>,
    /// (host, login) → who declared it first.
    handles: HashMap<(String, String), Item>,
}

impl Merge {
    fn account(&mut self, file: FileId, owner: String, policy: Policy) {
        if let Some(first) = self.out.provenance.account {
            self.out.diagnostics.push(
                Diagnostic::error(
                    "roster::duplicate::account",
                    "`account` is set in more than one document",
                )
                .at_key(file, "/account", "set again here")
                .at_key(first, "/account", "first set here")
                .with_help("keep the account settings in one document"),
            );
            return;
        }
        self.out.provenance.account = Some(file);
        self.out.directory.owner = Some(owner);
        self.out.policy = policy;
    }

    fn role(&mut self, item: Item, role: Role) {
        if let Some(first) = self.out.provenance.roles.get(&role.name) {
            self.out.diagnostics.push(duplicate(
                "role", &role.name, item, *first, "roles", "/name",
            ));
            return;
        }
        self.out.provenance.roles.insert(role.name.clone(), item);
        self.out.directory.roles.insert(role.name.clone(), role);
    }

    fn user(&mut self, item: Item, entry: UserEntry) {
        let user = entry.user;
        let username = user.username.clone();
        let username_field = if entry.has_username {
            "/username"
        } else {
            "/email"
        };
        if let Some(first) = self.out.provenance.users.get(&username) {
            self.out.diagnostics.push(duplicate(
                "username",
                &username,
                item,
                *first,
                "users",
                username_field,
            ));
            return;
        }
        if let Some(first) = self.emails.get(&user.email) {
            self.out.diagnostics.push(duplicate(
                "email",
                &user.email,
                item,
                *first,
                "users",
                "/email",
            ));
            return;
        }
        for (i, old) in entry.previous.iter().enumerate() {
            let pointer = format!("/users/{}/previous_usernames/{i}", item.index);
            if *old == username {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::rename::self",
                        format!("`{old}` is this user's current username"),
                    )
                    .at_value(item.file, pointer, "not a previous username")
                    .with_help("list only former usernames in `previous_usernames`"),
                );
            } else if let Some((first, j)) = self.previous.get(old) {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::rename::duplicate",
                        format!("previous username `{old}` is claimed by two users"),
                    )
                    .at_value(item.file, pointer, "claimed again here")
                    .at_value(
                        first.file,
                        format!("/users/{}/previous_usernames/{j}", first.index),
                        "first claimed here",
                    )
                    .with_help("a former username can be renamed into one user only"),
                );
            } else {
                self.previous.insert(old.clone(), (item, i));
                self.out.renames.insert(old.clone(), username.clone());
            }
        }
        if let Some(declared) = entry.oof_declared {
            self.out
                .provenance
                .oof_declared
                .insert(username.clone(), declared);
        }
        self.handles(item, &username, entry.handles);
        self.emails.insert(user.email.clone(), item);
        self.out.provenance.users.insert(username.clone(), item);
        self.out.directory.users.insert(username, user);
    }

    /// Records a user's handles; one login on one host belongs to one
    /// person, or `roster review` could not tell who wrote a change.
    fn handles(&mut self, item: Item, username: &str, handles: BTreeMap<String, String>) {
        let mut kept = BTreeMap::new();
        for (host, login) in handles {
            let pointer = |at: Item| format!("/users/{}/handles/{host}", at.index);
            let key = (host.clone(), login.clone());
            if let Some(first) = self.handles.get(&key) {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::duplicate::handle",
                        format!("{host} handle `{login}` is given to two users"),
                    )
                    .at_value(item.file, pointer(item), "given again here")
                    .at_value(first.file, pointer(*first), "first given here")
                    .with_help(
                        "a login on git hosting is one person's; `roster review` matches the author of a change by it",
                    ),
                );
                continue;
            }
            self.handles.insert(key, item);
            kept.insert(host, login);
        }
        if !kept.is_empty() {
            self.out.handles.insert(username.to_string(), kept);
        }
    }

    fn group(&mut self, item: Item, group: Group) {
        let folded = group.name.to_lowercase();
        if let Some(existing) = self.group_names.get(&folded) {
            let first = self.out.provenance.groups[existing];
            self.out.diagnostics.push(duplicate(
                "group",
                &group.name,
                item,
                first,
                "groups",
                "/name",
            ));
            return;
        }
        self.group_names.insert(folded, group.name.clone());
        self.out.provenance.groups.insert(group.name.clone(), item);
        self.out.directory.groups.insert(group.name.clone(), group);
    }

    fn finish(mut self) -> Normalized {
        // A previous username that is also someone's current one is a
        // contradiction, whichever document came first.
        let mut previous: Vec<_> = self.previous.iter().collect();
        previous.sort_by_key(|(old, _)| old.as_str());
        for (old, (item, i)) in previous {
            if let Some(holder) = self.out.provenance.users.get(old) {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::rename::taken",
                        format!("previous username `{old}` is the current username of another user"),
                    )
                    .at_value(item.file, format!("/users/{}/previous_usernames/{i}", item.index), "renamed from here")
                    .at_value(holder.file, format!("/users/{}", holder.index), "still declared here")
                    .with_help("remove one of the two: a user cannot be renamed while the old name still exists"),
                );
                self.out.renames.remove(old);
            }
        }
        self.out
    }
}

fn duplicate(
    what: &str,
    name: &str,
    item: Item,
    first: Item,
    list: &str,
    field: &str,
) -> Diagnostic {
    Diagnostic::error(
        format_code(what),
        format!("{what} `{name}` is declared twice"),
    )
    .at_value(
        item.file,
        format!("/{list}/{}{field}", item.index),
        "declared again here",
    )
    .at_value(
        first.file,
        format!("/{list}/{}{field}", first.index),
        "first declared here",
    )
    .with_help(format!(
        "{what}s are unique without regard to case; keep one declaration"
    ))
}

fn format_code(what: &str) -> &'static str {
    match what {
        "role" => "roster::duplicate::role",
        "username" => "roster::duplicate::username",
        "email" => "roster::duplicate::email",
        _ => "roster::duplicate::group",
    }
}
