//! Warnings: things that are allowed but probably not meant.

use super::{Context, Index};
use crate::diagnostic::Diagnostic;
use crate::model::directory::Cover;
use crate::model::vocab::{MemberRole, UserStatus};

pub(super) fn check(cx: &Context<'_>, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (name, group) in &cx.directory.groups {
        if !group
            .members
            .values()
            .any(|roles| roles.contains(&MemberRole::Primary))
        {
            let (file, pointer) = cx.group_at(name);
            out.push(
                Diagnostic::warning(
                    "roster::group::no-primary",
                    format!("group `{name}` has no primary"),
                )
                .at_value(
                    file,
                    format!("{pointer}/name"),
                    "no member has the `primary` role",
                )
                .with_help(
                    "give one member `roles: [primary]`: primaries are paged first; `roster coverage` shows who is reached",
                ),
            );
        }
    }
    for (name, group) in &cx.directory.groups {
        if !group
            .members
            .values()
            .any(|roles| roles.contains(&MemberRole::Manager))
        {
            let (file, pointer) = cx.group_at(name);
            out.push(
                Diagnostic::warning(
                    "roster::group::no-manager",
                    format!("group `{name}` has no manager"),
                )
                .at_value(
                    file,
                    format!("{pointer}/name"),
                    "no member has the `manager` role",
                )
                .with_help(
                    "give one member `roles: [manager]` so someone owns the group's schedule",
                ),
            );
        }
    }
    for (username, user) in &cx.directory.users {
        // Where the user is declared, found only for a finding.
        let at = || cx.user_at(username);
        if user.status == UserStatus::Active && !user.has_enabled_contact() {
            let (file, pointer) = at();
            out.push(
                Diagnostic::warning(
                    "roster::user::unreachable",
                    format!("user `{username}` has no enabled contact method"),
                )
                .at_value(
                    file,
                    format!("{pointer}/email"),
                    "cannot be notified except by push",
                )
                .with_help(
                    "add a contact method, or enable one that is kept with `enabled: false`",
                ),
            );
        }
        for (priority, steps) in &user.notification_profiles {
            if steps.is_empty() {
                let (file, pointer) = at();
                out.push(
                    Diagnostic::warning(
                        "roster::profile::empty",
                        format!("user `{username}` is never notified of {priority} alerts"),
                    )
                    .at_key(file, format!("{pointer}/notification_profiles/{priority}"), "a profile with no methods")
                    .with_help(format!("add a step to `{priority}`, or remove it to follow the contact method order")),
                );
            }
        }
        for (i, window) in user.out_of_office.iter().enumerate() {
            if let Cover::PerGroup(covers) = &window.cover
                && !window.is_past(cx.now)
            {
                let mine = index.groups_of.get(username.as_str());
                let left: Vec<String> = mine
                    .into_iter()
                    .flatten()
                    .filter(|g| !covers.contains_key(**g))
                    .map(|g| format!("`{g}`"))
                    .collect();
                // A cover for a group the user is not in is an error of its
                // own; the warning waits until the groups named are right.
                let named_right = covers
                    .keys()
                    .all(|g| mine.is_some_and(|m| m.contains(&g.as_str())));
                if !left.is_empty() && named_right {
                    let (file, pointer) = at();
                    out.push(
                        Diagnostic::warning(
                            "roster::oof::partial-cover",
                            format!(
                                "while `{username}` is out, nobody covers {}",
                                left.join(", ")
                            ),
                        )
                        .at_key(
                            file,
                            format!("{}/covered_by", cx.oof_pointer(username, &pointer, i)),
                            "covers some of the user's groups only",
                        )
                        .with_help(format!(
                            "name a cover for {} too, or use one cover for all groups",
                            left.join(", ")
                        )),
                    );
                }
            }
            if window.is_past(cx.now) {
                let (file, pointer) = at();
                out.push(
                    Diagnostic::warning(
                        "roster::oof::past",
                        format!("an out-of-office window of `{username}` is wholly in the past"),
                    )
                    .at_value(file, format!("{}/until", cx.oof_pointer(username, &pointer, i)), "already over")
                    .with_help("past windows are history: roster neither creates nor deletes them; remove it"),
                );
            }
        }
    }
}
