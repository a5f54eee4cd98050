//! Writing a directory as roster YAML — canonical, stable, readable — in
//! one of three layouts, with nothing platform-owned in it.

pub mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::model::Directory;
use crate::model::document::{Document, FORMAT_VERSION};
use crate::model::policy::Policy;
use crate::report::yaml::to_yaml;

/// The name of the schema file an export writes beside its documents.
pub const SCHEMA_FILE: &str = "roster.schema.json";

/// How an export spreads the directory over files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One document: `roster.yaml`.
    Single,
    /// `account.yaml`, a file per group under `groups/` holding the group
    /// and the users whose first group it is, and `users.yaml` for users in
    /// no group.
    PerGroup,
    /// `account.yaml`, a file per user under `users/`, a file per group
    /// under `groups/`.
    PerUser,
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Path relative to the export's root.
    pub path: PathBuf,
    /// The document, `$schema` line first.
    pub text: String,
}

/// The part of a live directory a config declares: out-of-office windows
/// wholly in the past are history and left out.
pub fn declarable(directory: &Directory, now: DateTime<Utc>) -> Directory {
    let mut directory = directory.clone();
    for user in directory.users.values_mut() {
        user.out_of_office.retain(|w| !w.is_past(now));
    }
    directory
}

/// The `$schema` header line of a document `depth` folders below the root.
pub fn schema_header(depth: usize) -> String {
    format!(
        "# yaml-language-server: $schema={}{SCHEMA_FILE}\n",
        "../".repeat(depth)
    )
}

/// The whole directory as one document.
pub fn single_document(directory: &Directory, policy: &Policy) -> Document {
    Document {
        version: FORMAT_VERSION,
        account: directory
            .owner
            .as_deref()
            .map(|owner| spec::account_spec(owner, policy)),
        roles: directory.roles.values().map(spec::role_spec).collect(),
        users: directory.users.values().map(spec::user_spec).collect(),
        groups: directory.groups.values().map(spec::group_spec).collect(),
    }
}

/// The files of an export of `directory` (already [`declarable`]), with
/// the account's `policy` (only what differs from the default is written).
pub fn files(directory: &Directory, layout: Layout, policy: &Policy) -> Vec<ExportFile> {
    let file = |path: PathBuf, document: &Document| {
        let depth = path.components().count() - 1;
        ExportFile {
            text: format!("{}{}", schema_header(depth), document_text(document)),
            path,
        }
    };
    let empty = || Document {
        version: FORMAT_VERSION,
        ..Document::default()
    };
    let account = || Document {
        account: directory
            .owner
            .as_deref()
            .map(|owner| spec::account_spec(owner, policy)),
        roles: directory.roles.values().map(spec::role_spec).collect(),
        ..empty()
    };
    let mut out = Vec::new();
    match layout {
        Layout::Single => out.push(file(
            "roster.yaml".into(),
            &single_document(directory, policy),
        )),
        Layout::PerUser => {
            out.push(file("account.yaml".into(), &account()));
            for (name, user) in slugged(directory.users.iter()) {
                out.push(file(
                    format!("users/{name}.yaml").into(),
                    &Document {
                        users: vec![spec::user_spec(user)],
                        ..empty()
                    },
                ));
            }
            for (name, group) in slugged(directory.groups.iter()) {
                out.push(file(
                    format!("groups/{name}.yaml").into(),
                    &Document {
                        groups: vec![spec::group_spec(group)],
                        ..empty()
                    },
                ));
            }
        }
        Layout::PerGroup => {
            out.push(file("account.yaml".into(), &account()));
            // A user lives in the file of the first group they belong to.
            let mut home: BTreeMap<&str, &str> = BTreeMap::new();
            for (group, g) in &directory.groups {
                for member in g.members.keys() {
                    home.entry(member.as_str()).or_insert(group.as_str());
                }
            }
            for (name, group) in slugged(directory.groups.iter()) {
                let users = directory
                    .users
                    .values()
                    .filter(|u| home.get(u.username.as_str()) == Some(&group.name.as_str()))
                    .map(spec::user_spec)
                    .collect();
                out.push(file(
                    format!("groups/{name}.yaml").into(),
                    &Document {
                        users,
                        groups: vec![spec::group_spec(group)],
                        ..empty()
                    },
                ));
            }
            let homeless: Vec<_> = directory
                .users
                .values()
                .filter(|u| !home.contains_key(u.username.as_str()))
                .map(spec::user_spec)
                .collect();
            if !homeless.is_empty() {
                out.push(file(
                    "users.yaml".into(),
                    &Document {
                        users: homeless,
                        ..empty()
                    },
                ));
            }
        }
    }
    out
}

/// Names turned into file names (lowercase letters, digits, `.`, `_`, `-`),
/// made unique in order.
fn slugged<'a, T>(items: impl Iterator<Item = (&'a String, &'a T)>) -> Vec<(String, &'a T)>
where
    T: 'a,
{
    let mut used = BTreeSet::new();
    items
        .map(|(name, item)| {
            let mut slug: String = name
                .to_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            if slug.is_empty() || slug.starts_with('.') {
                slug.insert(0, '_');
            }
            let base = slug.clone();
            let mut n = 2;
            while !used.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            (slug, item)
        })
        .collect()
}

/// A document as YAML text.
pub fn document_text(document: &Document) -> String {
    let mut value = serde_json::to_value(document).expect("documents serialize");
    if let Some(users) = value.get_mut("users").and_then(Value::as_array_mut) {
        for methods in users
            .iter_mut()
            .filter_map(|u| u.get_mut("contact_methods"))
            .filter_map(Value::as_array_mut)
        {
            for method in methods.iter_mut().filter_map(Value::as_object_mut) {
                order_keys(method, &["channel", "label", "variant", "value"]);
            }
        }
    }
    to_yaml(&value)
}

/// Moves `first` keys, in that order, before the others.
fn order_keys(map: &mut Map<String, Value>, first: &[&str]) {
    let mut ordered = Map::new();
    for key in first {
        if let Some(value) = map.shift_remove(*key) {
            ordered.insert((*key).to_string(), value);
        }
    }
    ordered.append(map);
    *map = ordered;
}
