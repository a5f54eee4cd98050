//! Every name that points at something points at something that exists:
//! roles, group members, reminder groups, notification-profile methods.
//! A disabled user still in a group is a warning: never paged, but an
//! export of a real directory (where the platform keeps them) validates.

use super::{Context, Index};
use crate::config::suggest;
use crate::diagnostic::{At, Diagnostic};
use crate::model::vocab::{self, UserStatus};

pub(super) fn check(cx: &Context<'_>, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let dir = cx.directory;
    for (username, user) in &dir.users {
        // Where the user is declared, found only for a finding.
        let at = || cx.user_at(username);
        for role in &user.roles {
            if vocab::is_builtin_role(role) || dir.roles.contains_key(role) {
                continue;
            }
            let known = vocab::BUILTIN_ROLES
                .iter()
                .copied()
                .chain(dir.roles.keys().map(String::as_str));
            let help = match suggest::closest(role, known) {
                Some(close) => {
                    format!("did you mean `{close}`? Custom roles are declared under `roles`")
                }
                None => format!(
                    "use a built-in role ({}) or declare `{role}` under `roles`",
                    vocab::BUILTIN_ROLES.join(", ")
                ),
            };
            let (file, pointer) = at();
            out.push(
                Diagnostic::error("roster::reference::role", format!("unknown role `{role}`"))
                    .at_item(
                        file,
                        item(&format!("{pointer}/roles"), role),
                        "no such role",
                    )
                    .with_help(help),
            );
        }
        for group in &user.reminders.groups {
            if !dir.groups.contains_key(group) {
                let (file, pointer) = at();
                out.push(unknown_group(cx, group).at_item(
                    file,
                    item(&format!("{pointer}/on_call_reminders/groups"), group),
                    "no such group",
                ));
            }
        }
        for (priority, steps) in &user.notification_profiles {
            for (i, step) in steps.iter().enumerate() {
                if user.contact_methods.iter().any(|m| m.key() == step.method) {
                    continue;
                }
                let declared: Vec<String> = user
                    .contact_methods
                    .iter()
                    .map(|m| m.key().to_string())
                    .collect();
                let help = if declared.is_empty() {
                    "this user declares no contact methods".to_string()
                } else {
                    format!(
                        "this user's contact methods are {}",
                        suggest::list(&declared, "and")
                    )
                };
                let (file, pointer) = at();
                out.push(
                    Diagnostic::error(
                        "roster::reference::method",
                        format!("notification profile {priority} uses `{}`, which user `{username}` does not have", step.method),
                    )
                    .at_value(file, format!("{pointer}/notification_profiles/{priority}/{i}/method"), "no such contact method")
                    .with_help(help),
                );
            }
        }
    }
    for (name, group) in &dir.groups {
        for member in group.members.keys() {
            match index.users.get(member.as_str()) {
                None => {
                    let (file, at) = cx.member_at(name, member, "/user");
                    out.push(unknown_user(cx, member).at_item(file, at, "no such user"));
                }
                Some(user) if user.status == UserStatus::Disabled => {
                    let (file, at) = cx.member_at(name, member, "/user");
                    let (user_file, user_pointer) = cx.user_at(member);
                    out.push(
                        Diagnostic::warning(
                            "roster::membership::disabled",
                            format!("disabled user `{member}` is still a member of group `{name}` and is never paged"),
                        )
                        .at_item(file, at, "disabled user")
                        .at_value(user_file, format!("{user_pointer}/status"), "disabled here")
                        .with_help("remove the user from the group, or keep the user active"),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

/// A list item named by its text.
fn item(list: &str, value: &str) -> At {
    At::Item {
        list: list.to_string(),
        field: "",
        value: value.to_lowercase(),
        rest: String::new(),
    }
}

/// "unknown user" with a suggestion.
pub(super) fn unknown_user(cx: &Context<'_>, username: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(
        "roster::reference::user",
        format!("unknown user `{username}`"),
    );
    diagnostic.help = Some(
        match suggest::closest(username, cx.directory.users.keys().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => {
                "users are referred to by username (the email address unless `username` is set)"
                    .to_string()
            }
        },
    );
    diagnostic
}

/// "unknown group" with a suggestion.
pub(super) fn unknown_group(cx: &Context<'_>, group: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(
        "roster::reference::group",
        format!("unknown group `{group}`"),
    );
    diagnostic.help = Some(
        match suggest::closest(group, cx.directory.groups.keys().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "groups are declared under `groups`".to_string(),
        },
    );
    diagnostic
}
