//! The merge across files: one directory from every file's model, each
//! name declared twice reported with both places, renames collected.

use std::collections::BTreeMap;

use crate::fast::{FastMap as HashMap, FastSet as HashSet};

use super::{FileModel, Item, Provenance, UserEntry};
use crate::diagnostic::{Diagnostic, FileId};
use crate::model::directory::{Group, Role, User};
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
///
/// When no two users clash (no username, email, previous username or
/// handle given twice: every config that passes), the users are merged in
/// bulk: the directory's map is built from them in sorted order, instead
/// of one insertion each into a tree of 100,000. Any clash takes the
/// user-by-user way, which names the first declaration of each; the two
/// ways give the same result whenever there is no clash (a test holds them
/// together).
pub fn merge(files: Vec<(FileId, FileModel)>) -> Normalized {
    let distinct = users_distinct(&files);
    merge_with(files, distinct)
}

fn merge_with(files: Vec<(FileId, FileModel)>, bulk: bool) -> Normalized {
    let mut merge = Merge::default();
    let mut users = Vec::new();
    if bulk {
        let count = user_count(&files);
        users.reserve_exact(count);
        merge.out.provenance.users.reserve(count);
    }
    for (file, model) in files {
        if let Some((owner, policy)) = model.account {
            merge.account(file, owner, policy);
        }
        for (index, role) in model.roles {
            merge.role(Item { file, index }, role);
        }
        for (index, entry) in model.users {
            if bulk {
                users.push(merge.distinct_user(Item { file, index }, entry));
            } else {
                merge.user(Item { file, index }, entry);
            }
        }
        for (index, group) in model.groups {
            merge.group(Item { file, index }, group);
        }
    }
    if bulk {
        merge.out.directory.users = sorted_map(users);
    }
    merge.finish()
}

/// The map of `pairs`, whose keys are distinct. The pairs are put in
/// order where they are (a user is a few hundred bytes: copying them all
/// into fresh memory, as sorting into a new vector would, costs more than
/// the sort), and the map is built from the sorted run in one pass.
fn sorted_map<V>(mut pairs: Vec<(String, V)>) -> BTreeMap<String, V> {
    sort_by_key_in_place(&mut pairs);
    pairs.into_iter().collect()
}

/// Sorts `pairs` by key, moving each pair at most once per cycle of the
/// permutation instead of O(n log n) times.
fn sort_by_key_in_place<V>(pairs: &mut [(String, V)]) {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_unstable_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0));
    // Position k takes the pair at order[k], one cycle of the permutation
    // at a time; a done position is marked usize::MAX.
    for start in 0..pairs.len() {
        let mut at = start;
        while order[at] != usize::MAX {
            let next = order[at];
            order[at] = usize::MAX;
            if next != start {
                pairs.swap(at, next);
            }
            at = next;
        }
    }
}

/// Whether no two users of `files` share a username, an email, a previous
/// username or a handle, and none lists its own username as a previous
/// one: then merging them reports nothing and their order does not matter.
fn users_distinct(files: &[(FileId, FileModel)]) -> bool {
    let count = user_count(files);
    let mut usernames = HashSet::default();
    let mut emails = HashSet::default();
    usernames.reserve(count);
    emails.reserve(count);
    let mut previous = HashSet::default();
    let mut handles = HashSet::default();
    for (_, entry) in files.iter().flat_map(|(_, m)| &m.users) {
        let user = &entry.user;
        if !usernames.insert(user.username.as_str()) || !emails.insert(user.email.as_str()) {
            return false;
        }
        for old in &entry.previous {
            if *old == user.username || !previous.insert(old.as_str()) {
                return false;
            }
        }
        for handle in &entry.handles {
            if !handles.insert(handle) {
                return false;
            }
        }
    }
    true
}

/// How many users `files` declare.
fn user_count(files: &[(FileId, FileModel)]) -> usize {
    files.iter().map(|(_, m)| m.users.len()).sum()
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
        self.handles(item, &username, entry.handles);
        self.emails.insert(user.email.clone(), item);
        self.provenance(item, &username, entry.oof_declared);
        self.out.directory.users.insert(username, user);
    }

    /// Records where a user was declared, and which out-of-office windows
    /// of the declaration were kept.
    fn provenance(&mut self, item: Item, username: &str, oof_declared: Option<Vec<usize>>) {
        let provenance = &mut self.out.provenance;
        if let Some(declared) = oof_declared {
            provenance
                .oof_declared
                .insert(username.to_string(), declared);
        }
        provenance.users.insert(username.to_string(), item);
    }

    /// Records a user known to be distinct from every other
    /// ([`users_distinct`]): what [`Merge::user`] does, with nothing to
    /// report and the user itself handed back for the directory's map.
    fn distinct_user(&mut self, item: Item, entry: UserEntry) -> (String, User) {
        let username = entry.user.username.clone();
        for (i, old) in entry.previous.into_iter().enumerate() {
            self.out.renames.insert(old.clone(), username.clone());
            self.previous.insert(old, (item, i));
        }
        if !entry.handles.is_empty() {
            self.out.handles.insert(username.clone(), entry.handles);
        }
        self.provenance(item, &username, entry.oof_declared);
        (username, entry.user)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::generate::{Rng, Shape, directory};

    type Files = [(FileId, FileModel)];

    #[test]
    fn a_sorted_map_holds_every_pair() {
        let mut rng = Rng::new(3);
        for n in [0, 1, 2, 7, 100, 1000] {
            let mut keys: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                keys.swap(i, rng.below(i + 1));
            }
            let pairs: Vec<(String, usize)> =
                keys.iter().map(|&k| (format!("{k:05}"), k)).collect();
            let expected: BTreeMap<String, usize> = pairs.iter().cloned().collect();
            let mut sorted = pairs.clone();
            sort_by_key_in_place(&mut sorted);
            assert_eq!(sorted, expected.clone().into_iter().collect::<Vec<_>>());
            assert_eq!(sorted_map(pairs), expected);
        }
    }
    /// Files of a generated directory, a few users to a file, with
    /// previous usernames (one of them someone's current username) and
    /// handles, and the groups in a file of their own.
    fn files(users: usize) -> Vec<(FileId, FileModel)> {
        let (dir, _) = directory(Shape { users, seed: 7 });
        let names: Vec<String> = dir.users.keys().cloned().collect();
        let mut files: Vec<(FileId, FileModel)> = Vec::new();
        for (i, user) in dir.users.into_values().enumerate() {
            if i % 3 == 0 {
                files.push((FileId(files.len()), FileModel::default()));
            }
            let mut previous = Vec::new();
            if i % 7 == 0 {
                previous.push(format!("former-{i}"));
            }
            if i == 10 {
                // Renamed from a name still declared: reported either way.
                previous.push(names[11].clone());
            }
            let mut handles = BTreeMap::new();
            if i % 5 == 0 {
                handles.insert("github".to_string(), format!("login-{i}"));
            }
            let entry = UserEntry {
                has_username: i % 2 == 0,
                previous,
                oof_declared: (i % 11 == 0).then(|| vec![0]),
                handles,
                user,
            };
            let model = &mut files.last_mut().expect("a file was pushed").1;
            model.users.push((model.users.len(), entry));
        }
        let mut last = FileModel {
            account: Some((names[0].clone(), Policy::from_spec(None))),
            ..FileModel::default()
        };
        last.roles = dir.roles.into_values().enumerate().collect();
        last.groups = dir.groups.into_values().enumerate().collect();
        files.push((FileId(files.len()), last));
        files
    }

    fn same(a: &Normalized, b: &Normalized) {
        assert_eq!(a.directory, b.directory);
        assert_eq!(a.policy, b.policy);
        assert_eq!(a.renames, b.renames);
        assert_eq!(a.handles, b.handles);
        assert_eq!(a.provenance.users, b.provenance.users);
        assert_eq!(a.provenance.groups, b.provenance.groups);
        assert_eq!(a.provenance.roles, b.provenance.roles);
        assert_eq!(a.provenance.account, b.provenance.account);
        assert_eq!(a.provenance.oof_declared, b.provenance.oof_declared);
        let text = |n: &Normalized| format!("{:?}", n.diagnostics);
        assert_eq!(text(a), text(b));
    }

    #[test]
    fn users_in_bulk_merge_as_one_by_one() {
        let files = files(300);
        assert!(users_distinct(&files));
        let bulk = merge_with(files.clone(), true);
        let one_by_one = merge_with(files, false);
        assert_eq!(bulk.directory.users.len(), 300);
        assert!(!bulk.renames.is_empty() && !bulk.handles.is_empty());
        // The rename from a name still declared is reported both ways.
        assert_eq!(bulk.diagnostics.len(), 1, "{:?}", bulk.diagnostics);
        same(&bulk, &one_by_one);
    }

    #[test]
    fn any_clash_takes_the_one_by_one_way() {
        let clash = |edit: &dyn Fn(&mut Files)| {
            let mut files = files(30);
            edit(&mut files);
            assert!(!users_distinct(&files));
            let merged = merge(files);
            assert!(
                merged
                    .diagnostics
                    .iter()
                    .any(|d| d.code.starts_with("roster::duplicate")
                        || d.code.starts_with("roster::rename")),
                "{:?}",
                merged.diagnostics
            );
        };
        fn user(files: &mut Files, f: usize) -> &mut UserEntry {
            &mut files[f].1.users[0].1
        }
        clash(&|files| {
            let name = user(files, 0).user.username.clone();
            user(files, 2).user.username = name;
        });
        clash(&|files| {
            let email = user(files, 0).user.email.clone();
            user(files, 2).user.email = email;
        });
        clash(&|files| {
            let name = user(files, 1).user.username.clone();
            user(files, 1).previous.push(name);
        });
        clash(&|files| {
            user(files, 1).previous.push("gone".into());
            user(files, 3).previous.push("gone".into());
        });
        clash(&|files| {
            for f in [2, 4] {
                let entry = user(files, f);
                entry.handles.insert("github".into(), "same".into());
            }
        });
    }
}
