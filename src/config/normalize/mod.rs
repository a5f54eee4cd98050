//! Documents → the canonical [`Directory`](crate::model::Directory): values
//! put in canonical form (emails, phones, zones, instants), defaults filled
//! in, documents merged, and every name declared twice reported with both
//! places.
//!
//! One file at a time ([`normalize_file`], on every core, cached by the
//! file's content), then across files ([`merge`]). Out-of-office windows
//! stay in declared order here so rules can point at them;
//! [`Normalized::into_desired`] sorts them once the rules have run.

mod contact;
mod merge;
mod provenance;
mod time;
mod user;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

pub use merge::{Normalized, merge};
pub use provenance::{Item, Provenance};

use super::source::FileId;
use crate::diagnostic::Diagnostic;
use crate::model::canonical;
use crate::model::directory::{Group, Role, User};
use crate::model::document::{Document, GroupSpec};
use crate::model::policy::Policy;
use crate::model::vocab;

/// What one document declares, normalised: the part of normalisation that
/// depends on the file alone. It runs where the file is read (on every
/// core) and is cached by the file's content; [`merge`] does the rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileModel {
    /// The account's owner and policy, when the document sets `account`.
    pub account: Option<(String, Policy)>,
    /// Custom roles, with their index in the document.
    pub roles: Vec<(usize, Role)>,
    /// Users, with their index in the document.
    pub users: Vec<(usize, UserEntry)>,
    /// Groups, with their index in the document.
    pub groups: Vec<(usize, Group)>,
}

/// A normalised user and what merging needs to know of its declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserEntry {
    /// The user, out-of-office windows in declared order.
    pub user: User,
    /// Whether `username` was written (else the email is the username).
    pub has_username: bool,
    /// `previous_usernames`, canonical.
    pub previous: Vec<String>,
    /// When a window was unreadable: the declared index of each one kept.
    pub oof_declared: Option<Vec<usize>>,
    /// Logins on git hosting by host, lowercase (hosts compare logins
    /// without regard to case).
    pub handles: BTreeMap<String, String>,
}

/// Normalises one document; findings that concern it alone go to
/// `diagnostics`.
pub fn normalize_file(
    file: FileId,
    document: &Document,
    diagnostics: &mut Vec<Diagnostic>,
) -> FileModel {
    let mut model = FileModel {
        account: document.account.as_ref().map(|a| {
            (
                canonical::username(&a.owner),
                Policy::from_spec(a.policy.as_ref()),
            )
        }),
        roles: Vec::with_capacity(document.roles.len()),
        users: Vec::with_capacity(document.users.len()),
        groups: Vec::with_capacity(document.groups.len()),
    };
    for (index, spec) in document.roles.iter().enumerate() {
        if vocab::is_builtin_role(&spec.name) {
            diagnostics.push(
                Diagnostic::error(
                    "roster::role::builtin",
                    format!("`{}` is a built-in role", spec.name),
                )
                .at_value(
                    file,
                    format!("/roles/{index}/name"),
                    "built-in roles cannot be declared",
                )
                .with_help(format!(
                    "built-in roles need no declaring: {}; give a custom role another name",
                    vocab::BUILTIN_ROLES.join(", ")
                )),
            );
            continue;
        }
        let role = Role {
            name: spec.name.clone(),
            description: spec.description.clone(),
            permissions: spec.permissions.iter().copied().collect(),
        };
        model.roles.push((index, role));
    }
    for (index, spec) in document.users.iter().enumerate() {
        let (user, oof_declared) = user::normalize_user(Item { file, index }, spec, diagnostics);
        let entry = UserEntry {
            user,
            has_username: spec.username.is_some(),
            previous: spec
                .previous_usernames
                .iter()
                .map(|p| canonical::username(p))
                .collect(),
            oof_declared,
            handles: spec
                .handles
                .iter()
                .flat_map(|h| h.iter())
                .map(|(host, login)| (host.to_string(), login.to_lowercase()))
                .collect(),
        };
        model.users.push((index, entry));
    }
    for (index, spec) in document.groups.iter().enumerate() {
        model.groups.push((
            index,
            normalize_group(Item { file, index }, spec, diagnostics),
        ));
    }
    model
}

fn normalize_group(item: Item, spec: &GroupSpec, diagnostics: &mut Vec<Diagnostic>) -> Group {
    let mut members: BTreeMap<String, BTreeSet<vocab::MemberRole>> = BTreeMap::new();
    let mut member_at: HashMap<String, usize> = HashMap::new();
    for (i, member) in spec.members.iter().enumerate() {
        let username = canonical::username(&member.user);
        if let Some(first) = member_at.get(&username) {
            let base = format!("/groups/{}/members", item.index);
            diagnostics.push(
                Diagnostic::error(
                    "roster::duplicate::member",
                    format!("`{username}` is listed twice in group `{}`", spec.name),
                )
                .at_value(item.file, format!("{base}/{i}/user"), "listed again here")
                .at_value(
                    item.file,
                    format!("{base}/{first}/user"),
                    "first listed here",
                )
                .with_help("list each member once, with all of their member roles"),
            );
            continue;
        }
        member_at.insert(username.clone(), i);
        members.insert(username, member.roles.iter().copied().collect());
    }
    Group {
        name: spec.name.clone(),
        description: spec.description.clone(),
        members,
    }
}
