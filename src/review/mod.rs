//! Who may approve a config change: the config at a base revision and the
//! config of the working tree, both normalised, compared object by object;
//! each change gets the approval it needs under the base's rules (SPEC 12).
//!
//! The base decides: its admins, its owner, its self-service fields and
//! its handles. A change cannot approve itself — adding your own handle,
//! or making a field self-service, counts only once it is merged.
//!
//! Pure: the configs and the author come in, a [`Review`] goes out; reading
//! git is [`git`]'s job.

pub mod git;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::DesiredState;
use crate::model::directory::{Role, User};
use crate::model::vocab::{APP_ADMIN, Permission, SelfServiceField, UserStatus};

/// The version of `roster review --format json`.
pub const FORMAT_VERSION: u32 = 1;

/// Permissions that make a custom role an admin for approvals: its
/// holders manage who holds which role.
const APPROVER_PERMISSIONS: [Permission; 1] = [Permission::ManageUserRoles];

/// Permissions whose grant is an admin grant (SPEC 5's sensitive changes):
/// only the owner approves one.
const ADMIN_GRANT_PERMISSIONS: [Permission; 3] = [
    Permission::ManageUserRoles,
    Permission::SystemSettings,
    Permission::InviteUsers,
];

/// Who the author of a change says they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorClaim {
    /// A login on one git host (`$GITHUB_ACTOR`, `$GITLAB_USER_LOGIN`, or
    /// `--author host:login`).
    Handle { host: String, login: String },
    /// A login on any host (`--author login`).
    AnyHandle(String),
    /// An email address (`--author` with an `@`, or the last commit's
    /// author).
    Email(String),
}

impl AuthorClaim {
    /// Reads `--author`: `host:login`, an email address, or a login.
    pub fn parse(text: &str) -> AuthorClaim {
        let text = text.trim().trim_start_matches('@');
        if text.contains('@') {
            return AuthorClaim::Email(text.to_lowercase());
        }
        match text.split_once(':') {
            Some((host, login)) => AuthorClaim::Handle {
                host: host.to_lowercase(),
                login: login.to_lowercase(),
            },
            None => AuthorClaim::AnyHandle(text.to_lowercase()),
        }
    }

    /// How the claim reads in a report.
    pub fn describe(&self) -> String {
        match self {
            AuthorClaim::Handle { host, login } => format!("{host} login `{login}`"),
            AuthorClaim::AnyHandle(login) => format!("login `{login}`"),
            AuthorClaim::Email(email) => format!("email `{email}`"),
        }
    }
}

/// The approval a change needs, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// The person the change is about (their own self-service fields), or
    /// an admin.
    Person,
    /// An admin: `app_admin`, or a custom role with `manage_user_roles`.
    Admin,
    /// The account owner: admin grants and owner changes.
    Owner,
}

/// What kind of object changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// The account: owner and policy.
    Account,
    /// A custom role.
    Role,
    /// A user.
    User,
    /// A group.
    Group,
}

/// What happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Declared now, not at the base.
    Create,
    /// Declared in both, different.
    Update,
    /// Declared at the base, not now.
    Delete,
}

/// One change and who may approve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The kind of object.
    pub object: ObjectKind,
    /// Its name (a user's current username).
    pub name: String,
    /// Create, update or delete.
    pub action: Action,
    /// The fields that changed (updates), in config spelling.
    pub fields: Vec<String>,
    /// Platform roles granted to a user, or permissions to a role.
    pub granted: Vec<String>,
    /// Platform roles or permissions taken away.
    pub revoked: Vec<String>,
    /// The approval needed.
    pub approval: Approval,
    /// Why that approval.
    pub reason: String,
    /// Who may give it, other than the author: usernames from the base.
    pub approvers: Vec<String>,
    /// Whether the author's own word is enough: their own self-service
    /// fields.
    pub author_may_approve: bool,
}

/// Who wrote the change, as matched against the base config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// What identified them.
    pub claim: AuthorClaim,
    /// Where the claim came from (`--author`, `GITHUB_ACTOR`, …).
    pub source: String,
    /// The base config's user it matched, if any.
    pub user: Option<String>,
}

/// The outcome of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Every change, accounts first, then roles, users and groups by name.
    pub changes: Vec<Change>,
    /// The author, when known.
    pub author: Option<Author>,
    /// The base's owner.
    pub owner: Option<String>,
    /// The base's active admins.
    pub admins: Vec<String>,
}

impl Review {
    /// Whether the author may merge without anyone else's approval.
    pub fn author_may_merge_alone(&self) -> bool {
        self.changes.iter().all(|c| c.author_may_approve)
    }

    /// The approvals still needed, strongest per kind, each once.
    pub fn approvals_needed(&self) -> BTreeSet<Approval> {
        self.changes
            .iter()
            .filter(|c| !c.author_may_approve)
            .map(|c| c.approval)
            .collect()
    }
}

/// Compares `base` with `head` and says who may approve each change.
pub fn review(
    base: &DesiredState,
    head: &DesiredState,
    claim: Option<(AuthorClaim, String)>,
) -> Review {
    let admins = admins(base);
    let owner = base.directory.owner.clone();
    let author = claim.map(|(claim, source)| Author {
        user: match_author(base, &claim),
        claim,
        source,
    });
    let author_user = author.as_ref().and_then(|a| a.user.clone());
    let mut found = Vec::new();
    account_changes(base, head, &mut found);
    role_changes(base, head, &mut found);
    user_changes(base, head, &mut found);
    group_changes(base, head, &mut found);
    Review {
        changes: found
            .into_iter()
            .map(|c| change(c, &admins, owner.as_deref(), author_user.as_deref()))
            .collect(),
        author,
        owner,
        admins,
    }
}

/// The owner and the policy.
fn account_changes(base: &DesiredState, head: &DesiredState, out: &mut Vec<Changed>) {
    if base.directory.owner != head.directory.owner {
        let say = |o: &Option<String>| o.as_deref().map_or("nobody".into(), |o| format!("`{o}`"));
        out.push(changed(
            ObjectKind::Account,
            "account",
            Action::Update,
            Fields::named(["owner"]),
            Approval::Owner,
            format!(
                "the owner changes from {} to {}",
                say(&base.directory.owner),
                say(&head.directory.owner)
            ),
        ));
    }
    if base.policy != head.policy {
        let mut fields = Vec::new();
        let (b, h) = (&base.policy, &head.policy);
        if (b.prune_users, b.prune_groups, b.prune_roles)
            != (h.prune_users, h.prune_groups, h.prune_roles)
        {
            fields.push("policy.prune");
        }
        if (b.max_deletes, b.max_delete_percent) != (h.max_deletes, h.max_delete_percent) {
            fields.push("policy.max_deletes");
        }
        if b.self_service != h.self_service {
            fields.push("policy.self_service");
        }
        out.push(changed(
            ObjectKind::Account,
            "account",
            Action::Update,
            Fields::named(fields),
            Approval::Admin,
            "the account policy is an admin's".into(),
        ));
    }
}

/// Custom roles: an admin's, the owner's when they gain an admin's power.
fn role_changes(base: &DesiredState, head: &DesiredState, out: &mut Vec<Changed>) {
    for name in union(&base.directory.roles, &head.directory.roles) {
        let (before, after) = (
            base.directory.roles.get(name),
            head.directory.roles.get(name),
        );
        let perms = |r: Option<&Role>| -> BTreeSet<Permission> {
            r.map(|r| r.permissions.clone()).unwrap_or_default()
        };
        let (was, now) = (perms(before), perms(after));
        let granted: Vec<Permission> = now.difference(&was).copied().collect();
        let revoked: Vec<Permission> = was.difference(&now).copied().collect();
        let (action, mut fields) = match (before, after) {
            (None, Some(_)) => (Action::Create, Fields::default()),
            (Some(_), None) => (Action::Delete, Fields::default()),
            (Some(b), Some(a)) if b != a => {
                let mut names = Vec::new();
                if b.description != a.description {
                    names.push("description");
                }
                if b.permissions != a.permissions {
                    names.push("permissions");
                }
                (Action::Update, Fields::named(names))
            }
            _ => continue,
        };
        fields.granted = granted.iter().map(|p| p.to_string()).collect();
        fields.revoked = revoked.iter().map(|p| p.to_string()).collect();
        let admin_grant: Vec<String> = granted
            .iter()
            .filter(|p| ADMIN_GRANT_PERMISSIONS.contains(p))
            .map(|p| format!("`{p}`"))
            .collect();
        let (approval, reason) = if admin_grant.is_empty() {
            (Approval::Admin, "custom roles are an admin's".to_string())
        } else {
            (
                Approval::Owner,
                format!(
                    "the role gains {}, an admin's power",
                    admin_grant.join(", ")
                ),
            )
        };
        out.push(changed(
            ObjectKind::Role,
            name,
            action,
            fields,
            approval,
            reason,
        ));
    }
}

/// Users, renames followed: self-service fields apart from git's.
fn user_changes(base: &DesiredState, head: &DesiredState, out: &mut Vec<Changed>) {
    let admin_roles = admin_grant_roles(head);
    let renamed_from: BTreeMap<&str, &str> = head
        .renames
        .iter()
        .filter(|(old, new)| {
            base.directory.users.contains_key(*old) && !base.directory.users.contains_key(*new)
        })
        .map(|(old, new)| (new.as_str(), old.as_str()))
        .collect();
    let renamed: BTreeSet<&str> = renamed_from.values().copied().collect();
    let mut names: BTreeSet<&str> = head.directory.users.keys().map(String::as_str).collect();
    names.extend(
        base.directory
            .users
            .keys()
            .map(String::as_str)
            .filter(|n| !renamed.contains(n)),
    );
    for name in names {
        let base_name = renamed_from.get(name).copied().unwrap_or(name);
        let before = base.directory.users.get(base_name);
        let after = head.directory.users.get(name);
        let handles = |d: &'_ DesiredState, n: &str| d.handles.get(n).cloned().unwrap_or_default();
        match (before, after) {
            (None, Some(user)) => {
                let grants: Vec<String> = user
                    .roles
                    .iter()
                    .filter(|r| admin_roles.contains(r.as_str()))
                    .cloned()
                    .collect();
                let fields = Fields {
                    granted: user.roles.iter().cloned().collect(),
                    ..Fields::default()
                };
                let (approval, reason) = if grants.is_empty() {
                    (Approval::Admin, "adding a person is an admin's".into())
                } else {
                    (Approval::Owner, admin_grant_reason(&grants))
                };
                out.push(changed(
                    ObjectKind::User,
                    name,
                    Action::Create,
                    fields,
                    approval,
                    reason,
                ));
            }
            (Some(_), None) => out.push(changed(
                ObjectKind::User,
                name,
                Action::Delete,
                Fields::default(),
                Approval::Admin,
                "removing a person is an admin's".into(),
            )),
            (Some(b), Some(a)) => {
                let hb = handles(base, base_name);
                let ha = handles(head, name);
                let fields_changed = user_fields(b, a, base_name != name, hb != ha);
                let (own, git): (Vec<_>, Vec<_>) = fields_changed.into_iter().partition(|f| {
                    self_service(f).is_some_and(|s| base.policy.self_service.contains(&s))
                });
                if !git.is_empty() {
                    let granted: Vec<String> = a.roles.difference(&b.roles).cloned().collect();
                    let revoked: Vec<String> = b.roles.difference(&a.roles).cloned().collect();
                    let grants: Vec<String> = granted
                        .iter()
                        .filter(|r| admin_roles.contains(r.as_str()))
                        .cloned()
                        .collect();
                    let (approval, reason) = if grants.is_empty() {
                        (
                            Approval::Admin,
                            "fields the config owns, not the person".to_string(),
                        )
                    } else {
                        (Approval::Owner, admin_grant_reason(&grants))
                    };
                    let fields = Fields {
                        names: git,
                        granted,
                        revoked,
                    };
                    out.push(changed(
                        ObjectKind::User,
                        name,
                        Action::Update,
                        fields,
                        approval,
                        reason,
                    ));
                }
                if !own.is_empty() {
                    out.push(Changed {
                        person: Some(base_name.to_string()),
                        ..changed(
                            ObjectKind::User,
                            name,
                            Action::Update,
                            Fields {
                                names: own,
                                ..Fields::default()
                            },
                            Approval::Person,
                            format!("`{base_name}`'s own self-service fields"),
                        )
                    });
                }
            }
            (None, None) => {}
        }
    }
}

/// Groups and memberships: an admin's.
fn group_changes(base: &DesiredState, head: &DesiredState, out: &mut Vec<Changed>) {
    for name in union(&base.directory.groups, &head.directory.groups) {
        let (before, after) = (
            base.directory.groups.get(name),
            head.directory.groups.get(name),
        );
        let (action, fields) = match (before, after) {
            (None, Some(_)) => (Action::Create, Fields::default()),
            (Some(_), None) => (Action::Delete, Fields::default()),
            (Some(b), Some(a)) if b != a => {
                let mut fields = Fields::default();
                if b.description != a.description {
                    fields.names.push("description".into());
                }
                if b.members != a.members {
                    fields.names.push("members".into());
                }
                (Action::Update, fields)
            }
            _ => continue,
        };
        out.push(changed(
            ObjectKind::Group,
            name,
            action,
            fields,
            Approval::Admin,
            "groups and memberships are an admin's".into(),
        ));
    }
}

/// A change before its approvers are known.
struct Changed {
    object: ObjectKind,
    name: String,
    action: Action,
    fields: Fields,
    approval: Approval,
    reason: String,
    /// For a self-service change: the person it is about, by their name
    /// at the base (who they are in its eyes).
    person: Option<String>,
}

#[derive(Default)]
struct Fields {
    names: Vec<String>,
    granted: Vec<String>,
    revoked: Vec<String>,
}

impl Fields {
    fn named<'a>(names: impl IntoIterator<Item = &'a str>) -> Fields {
        Fields {
            names: names.into_iter().map(str::to_string).collect(),
            ..Fields::default()
        }
    }
}

fn changed(
    object: ObjectKind,
    name: &str,
    action: Action,
    fields: Fields,
    approval: Approval,
    reason: String,
) -> Changed {
    Changed {
        object,
        name: name.to_string(),
        action,
        fields,
        approval,
        reason,
        person: None,
    }
}

fn change(c: Changed, admins: &[String], owner: Option<&str>, author: Option<&str>) -> Change {
    let person = c.person;
    let mut approvers: Vec<String> = match c.approval {
        Approval::Person => person
            .iter()
            .cloned()
            .chain(admins.iter().cloned())
            .collect(),
        Approval::Admin => admins.to_vec(),
        // The owner's own change still takes a second pair of eyes: an
        // admin's, since there is one owner.
        Approval::Owner if owner.is_some() && owner == author => admins.to_vec(),
        Approval::Owner => owner.map(str::to_string).into_iter().collect(),
    };
    let author_may_approve = c.approval == Approval::Person && person.as_deref() == author;
    // Nobody approves their own change, except their own self-service
    // fields: the author is left out of the approvers.
    approvers.retain(|a| Some(a.as_str()) != author);
    approvers.dedup();
    Change {
        object: c.object,
        name: c.name,
        action: c.action,
        fields: c.fields.names,
        granted: c.fields.granted,
        revoked: c.fields.revoked,
        approval: c.approval,
        reason: c.reason,
        approvers,
        author_may_approve,
    }
}

fn admin_grant_reason(grants: &[String]) -> String {
    let names: Vec<String> = grants.iter().map(|g| format!("`{g}`")).collect();
    format!("grants {}: an admin grant", names.join(", "))
}

/// Active users who may approve admin changes: `app_admin`, or a custom
/// role with `manage_user_roles`.
fn admins(state: &DesiredState) -> Vec<String> {
    let approver_roles: BTreeSet<&str> = state
        .directory
        .roles
        .values()
        .filter(|r| {
            APPROVER_PERMISSIONS
                .iter()
                .any(|p| r.permissions.contains(p))
        })
        .map(|r| r.name.as_str())
        .chain([APP_ADMIN])
        .collect();
    state
        .directory
        .users
        .values()
        .filter(|u| u.status == UserStatus::Active)
        .filter(|u| u.roles.iter().any(|r| approver_roles.contains(r.as_str())))
        .map(|u| u.username.clone())
        .collect()
}

/// Roles whose grant is an admin grant in `state`: `app_admin` and custom
/// roles with an admin's permissions.
fn admin_grant_roles(state: &DesiredState) -> BTreeSet<&str> {
    state
        .directory
        .roles
        .values()
        .filter(|r| {
            ADMIN_GRANT_PERMISSIONS
                .iter()
                .any(|p| r.permissions.contains(p))
        })
        .map(|r| r.name.as_str())
        .chain([APP_ADMIN])
        .collect()
}

/// The base's user the claim names: by handle, else by email.
fn match_author(base: &DesiredState, claim: &AuthorClaim) -> Option<String> {
    match claim {
        AuthorClaim::Handle { host, login } => base
            .handles
            .iter()
            .find(|(_, h)| h.get(host) == Some(login))
            .map(|(u, _)| u.clone()),
        AuthorClaim::AnyHandle(login) => base
            .handles
            .iter()
            .find(|(_, h)| h.values().any(|l| l == login))
            .map(|(u, _)| u.clone())
            .or_else(|| {
                base.directory
                    .users
                    .contains_key(login)
                    .then(|| login.clone())
            }),
        AuthorClaim::Email(email) => base
            .directory
            .users
            .values()
            .find(|u| u.email == *email)
            .map(|u| u.username.clone()),
    }
}

fn union<'a, V>(a: &'a BTreeMap<String, V>, b: &'a BTreeMap<String, V>) -> BTreeSet<&'a str> {
    a.keys().chain(b.keys()).map(String::as_str).collect()
}

/// The fields of a user that differ, in config spelling.
fn user_fields(before: &User, after: &User, renamed: bool, handles: bool) -> Vec<String> {
    let as_map = |u: &User| match serde_json::to_value(u) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("a user serialises to an object"),
    };
    let (b, a) = (as_map(before), as_map(after));
    let mut fields: Vec<String> = b
        .iter()
        .filter(|(key, value)| a.get(*key) != Some(value))
        .map(|(key, _)| config_name(key).to_string())
        .filter(|key| key != "username" || !renamed)
        .collect();
    if renamed {
        fields.insert(0, "username".into());
    }
    if handles {
        fields.push("handles".into());
    }
    fields
}

/// The config's name of a field of the normalised user.
fn config_name(field: &str) -> &str {
    match field {
        "user_type" => "type",
        "reminders" => "on_call_reminders",
        other => other,
    }
}

/// The self-service field a config field belongs to.
fn self_service(field: &str) -> Option<SelfServiceField> {
    crate::plan::self_service_field(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(users: &str) -> DesiredState {
        let text = format!(
            "version: 1
account: {{ owner: alice }}
roles:
  - {{ name: people_ops, permissions: [manage_user_roles] }}
  - {{ name: inviter, permissions: [invite_users] }}
users:
  - {{ email: alice@acme.example, username: alice, first_name: A, last_name: N, roles: [app_admin],
      contact_methods: [{{ channel: email, label: official, value: alice@acme.example }}] }}
{users}"
        );
        let validated = crate::config::load_texts(
            vec![("roster.yaml".into(), text)],
            "2026-11-22T00:00:00Z".parse().unwrap(),
        );
        validated
            .desired
            .unwrap_or_else(|| panic!("{:?}", validated.diagnostics))
    }

    #[test]
    fn admins_are_active_holders_of_app_admin_or_manage_user_roles() {
        let base = state(
            "  - { email: bob@acme.example, username: bob, first_name: B, last_name: S, roles: [people_ops],
      contact_methods: [{ channel: email, label: official, value: bob@acme.example }] }
  - { email: dan@acme.example, username: dan, first_name: D, last_name: K, roles: [app_admin], status: disabled }
  - { email: eve@acme.example, username: eve, first_name: E, last_name: V, roles: [inviter],
      contact_methods: [{ channel: email, label: official, value: eve@acme.example }] }
",
        );
        assert_eq!(admins(&base), ["alice", "bob"]);
        // Granting a role that may invite users is an admin grant.
        let head = state(
            "  - { email: bob@acme.example, username: bob, first_name: B, last_name: S, roles: [people_ops, inviter],
      contact_methods: [{ channel: email, label: official, value: bob@acme.example }] }
  - { email: dan@acme.example, username: dan, first_name: D, last_name: K, roles: [app_admin], status: disabled }
  - { email: eve@acme.example, username: eve, first_name: E, last_name: V, roles: [inviter],
      contact_methods: [{ channel: email, label: official, value: eve@acme.example }] }
",
        );
        let claim = (AuthorClaim::parse("alice@acme.example"), "--author".into());
        let review = review(&base, &head, Some(claim));
        assert_eq!(review.changes.len(), 1);
        let change = &review.changes[0];
        assert_eq!(change.approval, Approval::Owner);
        assert_eq!(change.granted, ["inviter"]);
        // The owner wrote it: another admin approves, never the author.
        assert_eq!(change.approvers, ["bob"]);
        assert!(!review.author_may_merge_alone());
    }

    #[test]
    fn author_claims_are_read_from_their_form() {
        assert_eq!(
            AuthorClaim::parse("github:ANguyen"),
            AuthorClaim::Handle {
                host: "github".into(),
                login: "anguyen".into()
            }
        );
        assert_eq!(
            AuthorClaim::parse("@bob"),
            AuthorClaim::AnyHandle("bob".into())
        );
        assert_eq!(
            AuthorClaim::parse("Bob@Acme.Example"),
            AuthorClaim::Email("bob@acme.example".into())
        );
    }
}
