//! Exactly one owner: declared, active, holding `app_admin`.

use super::Context;
use crate::config::source::FileId;
use crate::config::suggest;
use crate::diagnostic::Diagnostic;
use crate::model::vocab::{APP_ADMIN, UserStatus};

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(owner) = &cx.directory.owner else {
        out.push(
            Diagnostic::error("roster::owner::missing", "no account owner is declared").with_help(
                "set `account.owner` in one document to the username of the account owner",
            ),
        );
        return;
    };
    // An owner is only ever set by the document that sets `account`.
    let account = cx.provenance.account.unwrap_or(FileId(0));
    let Some(user) = cx.directory.users.get(owner) else {
        let mut diagnostic = Diagnostic::error(
            "roster::owner::unknown",
            format!("owner `{owner}` is not a declared user"),
        )
        .at_value(account, "/account/owner", "no user has this username");
        diagnostic.help = Some(
            match suggest::closest(owner, cx.directory.users.keys().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "the owner must be one of the users of the config".to_string(),
            },
        );
        out.push(diagnostic);
        return;
    };
    let (file, pointer) = cx.user_at(owner);
    if user.status != UserStatus::Active {
        out.push(
            Diagnostic::error(
                "roster::owner::inactive",
                format!("owner `{owner}` is {}", user.status),
            )
            .at_value(account, "/account/owner", "the owner")
            .at_value(file, format!("{pointer}/status"), "must be active")
            .with_help("the account owner must be active; make another user the owner first"),
        );
    }
    if !user.roles.contains(APP_ADMIN) {
        out.push(
            Diagnostic::error(
                "roster::owner::admin",
                format!("owner `{owner}` does not hold `{APP_ADMIN}`"),
            )
            .at_value(account, "/account/owner", "the owner")
            .at_key(
                file,
                format!("{pointer}/email"),
                "this user's roles lack `app_admin`",
            )
            .with_help(format!("add `{APP_ADMIN}` to the owner's `roles`")),
        );
    }
}
