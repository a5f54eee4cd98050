//! `roster review` as text, JSON and markdown (a pull-request comment).

use std::fmt::Write;

use serde_json::json;

use crate::review::{Action, Approval, Change, ObjectKind, Review};

/// What was compared, for the report's heading.
#[derive(Debug, Clone)]
pub struct Compared<'a> {
    /// The config's path as given.
    pub path: &'a str,
    /// The base revision as given.
    pub base: &'a str,
    /// The commit it names, abbreviated.
    pub commit: &'a str,
}

/// The report for people, at a terminal or in a CI log.
pub fn text(review: &Review, compared: &Compared<'_>) -> String {
    let mut out = format!(
        "roster review of {}: {} ({}) → working tree\n",
        plain(compared.path),
        plain(compared.base),
        compared.commit
    );
    let _ = writeln!(out, "{}", author_line(review, plain));
    if review.changes.is_empty() {
        let _ = writeln!(
            out,
            "\nNo changes to the config since {}.",
            plain(compared.base)
        );
        return out;
    }
    out.push('\n');
    for change in &review.changes {
        let _ = writeln!(
            out,
            "  {} {} {}{}",
            sign(change.action),
            object(change.object),
            plain(&change.name),
            detail(change, plain)
        );
        let _ = writeln!(out, "      {}", approval_line(change, plain));
    }
    let _ = writeln!(out, "\n{}", summary(review));
    out
}

/// The report for tools.
pub fn json(review: &Review, compared: &Compared<'_>) -> String {
    let author = review.author.as_ref().map(|a| {
        json!({
            "claim": a.claim.describe(),
            "source": a.source,
            "user": a.user,
        })
    });
    let value = json!({
        "format_version": crate::review::FORMAT_VERSION,
        "path": compared.path,
        "base": { "ref": compared.base, "commit": compared.commit },
        "author": author,
        "owner": review.owner,
        "admins": review.admins,
        "changes": review.changes,
        "author_may_merge_alone": review.author_may_merge_alone(),
        "approvals_needed": review.approvals_needed(),
    });
    let mut text = serde_json::to_string_pretty(&value).expect("a review serialises");
    text.push('\n');
    text
}

/// The report as a pull-request comment.
pub fn markdown(review: &Review, compared: &Compared<'_>) -> String {
    let mut out = String::from("### roster review\n\n");
    let _ = writeln!(
        out,
        "Config {} compared with {} ({}).\n{}\n",
        code(compared.path),
        code(compared.base),
        code(compared.commit),
        author_line(review, md_spans)
    );
    if review.changes.is_empty() {
        let _ = writeln!(out, "No changes to the config.");
        return out;
    }
    out.push_str("| change | approval | who may approve |\n|---|---|---|\n");
    for change in &review.changes {
        let who = if change.author_may_approve {
            "the author, alone".to_string()
        } else if change.approvers.is_empty() {
            "nobody in the base config".to_string()
        } else {
            change
                .approvers
                .iter()
                .map(|a| md(a))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| {} {} {}{} | {}: {} | {} |",
            sign(change.action),
            object(change.object),
            md(&change.name),
            detail(change, md),
            approval_name(change.approval),
            md_spans(&change.reason),
            who
        );
    }
    let _ = writeln!(out, "\n**{}**", summary(review));
    out
}

fn sign(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Delete => "-",
    }
}

fn object(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Account => "account",
        ObjectKind::Role => "role",
        ObjectKind::User => "user",
        ObjectKind::Group => "group",
    }
}

fn approval_name(approval: Approval) -> &'static str {
    match approval {
        Approval::Person => "the person or an admin",
        Approval::Admin => "an admin",
        Approval::Owner => "the owner",
    }
}

/// The fields, grants and revocations of a change, after its name.
fn detail(change: &Change, escape: fn(&str) -> String) -> String {
    if change.object == ObjectKind::Account {
        return format!(": {}", change.fields.join(", "));
    }
    let list = |names: &[String]| {
        names
            .iter()
            .map(|n| escape(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let what = if change.object == ObjectKind::Role {
        "permissions"
    } else {
        "roles"
    };
    let (granted, revoked) = (&change.granted, &change.revoked);
    // A role change is shown by what it grants and revokes.
    let shown_apart = !granted.is_empty() || !revoked.is_empty();
    let fields: Vec<String> = change
        .fields
        .iter()
        .filter(|f| !(shown_apart && f.as_str() == what))
        .map(|f| escape(f))
        .collect();
    let mut parts = Vec::new();
    if !fields.is_empty() {
        parts.push(fields.join(", "));
    }
    if change.action == Action::Create {
        if !granted.is_empty() {
            parts.push(format!("{what}: {}", list(granted)));
        }
    } else {
        if !granted.is_empty() {
            parts.push(format!("{what} + {}", list(granted)));
        }
        if !revoked.is_empty() {
            parts.push(format!("{what} − {}", list(revoked)));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join("; "))
    }
}

fn approval_line(change: &Change, escape: fn(&str) -> String) -> String {
    if change.author_may_approve {
        return "the author's own self-service fields: no other approval needed".to_string();
    }
    let who = if change.approvers.is_empty() {
        "nobody in the base config can".to_string()
    } else {
        change
            .approvers
            .iter()
            .map(|a| escape(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "needs {} ({}): {who}",
        approval_name(change.approval),
        escape(&change.reason)
    )
}

fn author_line(review: &Review, escape: fn(&str) -> String) -> String {
    match &review.author {
        None => "Author: unknown (give `--author`); every change needs an approval".to_string(),
        Some(author) => match &author.user {
            Some(user) => format!(
                "Author: {} ({}, from {})",
                escape(user),
                escape(&author.claim.describe()),
                escape(&author.source)
            ),
            None => format!(
                "Author: {} (from {}) is nobody in the base config",
                escape(&author.claim.describe()),
                escape(&author.source)
            ),
        },
    }
}

fn summary(review: &Review) -> String {
    let total = review.changes.len();
    let alone = review
        .changes
        .iter()
        .filter(|c| c.author_may_approve)
        .count();
    let changes = if total == 1 { "change" } else { "changes" };
    if review.author_may_merge_alone() {
        return format!("{total} {changes}, all the author's own: the author may merge alone.");
    }
    let needed: Vec<&str> = review
        .approvals_needed()
        .into_iter()
        .rev()
        .map(approval_name)
        .collect();
    format!(
        "{total} {changes}, {alone} the author may make alone: another approval is needed ({}).",
        needed.join(", ")
    )
}

/// Text for a terminal: control characters shown, never obeyed.
pub(crate) fn plain(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Text for markdown: never markup, never HTML, one table cell.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span that shows `text` as it is: backticks cannot close it
/// early, and a `|` cannot end a table cell.
fn code(text: &str) -> String {
    let text = plain(text).replace('|', "\\|");
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Markdown of a message whose `quoted` names become code spans.
fn md_spans(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { md(part) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_never_carries_markup() {
        assert_eq!(
            md("x<img src=x onerror=alert(1)>|`a`"),
            "x&lt;img src=x onerror=alert\\(1\\)&gt;\\|\\`a\\`"
        );
        assert_eq!(plain("g\u{1b}]0;pwned\u{7}"), "g\\u{1b}]0;pwned\\u{7}");
        assert_eq!(code("a`b|c"), "``a`b\\|c``");
        assert_eq!(
            md_spans("grants `app_admin`: x_y"),
            "grants `app_admin`: x\\_y"
        );
    }
}
