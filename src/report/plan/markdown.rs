//! The plan as a pull-request comment (and a CI step summary): a hidden
//! marker to update one comment in place, the revision, what stops it and
//! what is sensitive first; a small plan shows each change open, a large
//! one is summarised by kind with the details in one fold, within the size
//! a comment may have. Pending invitations are one count.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{RenderOptions, field_line, headline, summary_line, symbol, verb};
use crate::model::live::ObjectKind;
use crate::plan::{Action, Plan};
use crate::report::escape;

/// GitHub refuses comments longer than 65,536 characters; stay below.
pub const LIMIT: usize = 65_000;

/// At most this many notes of one kind (sensitive changes, warnings,
/// pending invitations, unmanaged objects) are listed; a bulk onboarding
/// has thousands, and they must leave room for the changes themselves.
const SHOWN_NOTES: usize = 50;

/// The first line of every plan comment: a bot finds its own comment by it
/// and updates it in place instead of adding one per push.
pub const MARKER: &str = "<!-- roster-plan -->";

/// Plans with at most this many changes show each change open; larger
/// ones are summarised by kind first, with the details in one fold.
pub const OPEN_CHANGES: usize = 20;

/// How many names of one kind and action a large plan's summary lists.
const SHOWN_NAMES: usize = 10;

/// Renders a plan as Markdown, never longer than [`LIMIT`] characters.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "{MARKER}");
    let _ = writeln!(head, "### roster plan: {}\n", summary_line(plan));
    let mut place = format!("Directory: {}", escape::markdown_code(&options.location));
    if let Some(revision) = &options.revision {
        let _ = write!(place, " · revision {}", escape::markdown_code(revision));
    }
    let _ = writeln!(head, "{place}\n");
    if !plan.refusals.is_empty() {
        let _ = writeln!(head, "> [!CAUTION]\n> **This plan cannot be applied.**\n>");
        for refusal in &plan.refusals {
            let _ = writeln!(head, "> - **{}**", escape::markdown_prose(&refusal.message));
            let reasons = refusal.reasons.iter().map(|r| escape::markdown_prose(r));
            list(&mut head, ">   - ", reasons, super::SHOWN_REASONS);
            let _ = writeln!(
                head,
                ">   - _hint:_ {}",
                escape::markdown_prose(&refusal.hint)
            );
        }
        head.push('\n');
    }
    if !plan.sensitive.is_empty() {
        let _ = writeln!(head, "> [!WARNING]\n> **Sensitive changes**\n>");
        let notes = plan
            .sensitive
            .iter()
            .map(|n| escape::markdown_prose(&n.message));
        list(&mut head, "> - ", notes, SHOWN_NOTES);
        head.push('\n');
    }
    let open = plan.changes.len() <= OPEN_CHANGES;
    if !plan.has_changes() {
        let _ = writeln!(head, "No changes: the directory matches the config.\n");
    } else {
        head.push_str(&table(plan));
        if !open {
            head.push_str(&by_kind(plan));
        }
    }

    let tail = tail(plan, options);

    // What stops the plan and what is sensitive come first and are never
    // dropped; if even they do not fit, the comment is cut at a line.
    let note_room = 300;
    if head.len() + tail.len() + note_room > LIMIT {
        return cut(format!("{head}{tail}"));
    }
    let room = LIMIT - head.len() - tail.len() - note_room;
    let body = if open {
        open_changes(plan, options, room)
    } else {
        folded_changes(plan, options, room)
    };
    format!("{head}{body}{tail}")
}

/// Each change under its own line, open: a heading in code and its fields
/// as a diff; a delete says what goes with the object.
fn open_changes(plan: &Plan, options: &RenderOptions, room: usize) -> String {
    let mut body = String::new();
    for (shown, change) in plan.changes.iter().enumerate() {
        let mut section = String::new();
        let _ = writeln!(
            section,
            "**{}** ({})\n",
            escape::markdown_code(&format!("{} {}", symbol(change.action), headline(change))),
            verb(change.action)
        );
        if change.action == Action::Delete {
            let _ = writeln!(section, "{}\n", deleted_with(change.key.kind));
        }
        if !change.fields.is_empty() {
            section.push_str(&diff(change, options));
            section.push('\n');
        }
        if let Some(line) = super::invitation_line(change) {
            let _ = writeln!(section, "_{line}_\n");
        }
        if body.len() + section.len() > room {
            return body + &not_shown(plan.changes.len() - shown);
        }
        body.push_str(&section);
    }
    body
}

/// A large plan's changes in one fold, one diff, as many as fit.
fn folded_changes(plan: &Plan, options: &RenderOptions, room: usize) -> String {
    let open = format!(
        "<details><summary>All {} changes, field by field</summary>\n\n```diff\n",
        plan.changes.len()
    );
    let close = "```\n</details>\n\n";
    let mut lines = String::new();
    let mut shown = 0;
    for change in &plan.changes {
        let mut section = escape::markdown_fenced(&format!(
            "{} {} ({})",
            symbol(change.action),
            headline(change),
            verb(change.action)
        ));
        section.push('\n');
        for field in &change.fields {
            let (mark, line) = field_line(field, &options.redactor);
            let mark = if mark == '~' { '!' } else { mark };
            section.push_str(&escape::markdown_fenced(&format!("  {mark} {line}")));
            section.push('\n');
        }
        if open.len() + lines.len() + section.len() + close.len() > room {
            break;
        }
        lines.push_str(&section);
        shown += 1;
    }
    let mut body = format!("{open}{lines}{close}");
    let hidden = plan.changes.len() - shown;
    if hidden > 0 {
        body.push_str(&not_shown(hidden));
    }
    body
}

fn not_shown(hidden: usize) -> String {
    format!(
        "_…and {hidden} more change{} not shown: {}_\n\n",
        if hidden == 1 { "" } else { "s" },
        truncated()
    )
}

/// A change's fields as a `diff` block (`!` marks an update, which GitHub
/// colours).
fn diff(change: &crate::plan::Change, options: &RenderOptions) -> String {
    let mut out = String::from("```diff\n");
    for field in &change.fields {
        let (mark, line) = field_line(field, &options.redactor);
        let mark = if mark == '~' { '!' } else { mark };
        out.push_str(&escape::markdown_fenced(&format!("{mark} {line}")));
        out.push('\n');
    }
    out.push_str("```\n");
    out
}

/// What a delete takes with the object, in words.
fn deleted_with(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::User => {
            "Deleted from the directory with everything the platform holds for the user: contact methods, notification profiles, group memberships, out-of-office windows, push devices and API tokens."
        }
        ObjectKind::Group => "Deleted with its memberships; its members stay in the directory.",
        ObjectKind::Role => "Deleted; users who hold the role lose the permissions it grants.",
        ObjectKind::Account => "Deleted.",
    }
}

/// A large plan summarised by kind and action: the first names, and how
/// many more.
fn by_kind(plan: &Plan) -> String {
    let mut groups: BTreeMap<(ObjectKind, u8), Vec<String>> = BTreeMap::new();
    for change in &plan.changes {
        let order = match change.action {
            Action::Create => 0,
            Action::Update => 1,
            Action::Replace => 2,
            Action::Delete => 3,
        };
        let name = match change.key.kind {
            ObjectKind::Account => "account".to_string(),
            _ => change.key.name.clone(),
        };
        groups
            .entry((change.key.kind, order))
            .or_default()
            .push(name);
    }
    let mut out = String::new();
    for ((kind, order), names) in groups {
        let action = [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
        ][usize::from(order)];
        let noun = if names.len() == 1 {
            kind.to_string()
        } else {
            format!("{kind}s")
        };
        let mut shown: Vec<String> = names
            .iter()
            .take(SHOWN_NAMES)
            .map(|n| escape::markdown_code(n))
            .collect();
        if names.len() > SHOWN_NAMES {
            shown.push(format!("…and {} more", names.len() - SHOWN_NAMES));
        }
        let _ = writeln!(
            out,
            "- **{} {noun} to {}** ({}): {}",
            names.len(),
            action_word(action),
            symbol(action),
            shown.join(", ")
        );
    }
    out.push('\n');
    out
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

/// What follows the changes: what the plan keeps, warnings, pending
/// invitations as one count, unmanaged objects, adoptions.
fn tail(plan: &Plan, options: &RenderOptions) -> String {
    let mut tail = String::new();
    if !plan.kept.is_empty() {
        let _ = writeln!(tail, "**Kept as it is live**\n");
        let lines = plan
            .kept
            .iter()
            .map(|k| escape::markdown_code(&super::kept_line(k, &options.redactor)));
        list(&mut tail, "- ", lines, SHOWN_NOTES);
        tail.push('\n');
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(tail, "**Warnings**\n");
        list(
            &mut tail,
            "- ",
            plan.warnings
                .iter()
                .map(|n| escape::markdown_prose(&n.message)),
            SHOWN_NOTES,
        );
        tail.push('\n');
    }
    let pending = plan.pending.len();
    if pending > 0 {
        let _ = writeln!(
            tail,
            "**Pending on the platform:** {pending} {} not accepted their invitation yet; the platform makes them active when they do.\n",
            if pending == 1 {
                "person has"
            } else {
                "people have"
            },
        );
    }
    if !plan.unmanaged.is_empty() {
        let mut names: Vec<String> = plan
            .unmanaged
            .iter()
            .take(SHOWN_NOTES)
            .map(|k| format!("{} {}", k.kind, escape::markdown_code(&k.name)))
            .collect();
        if plan.unmanaged.len() > SHOWN_NOTES {
            names.push(format!("…and {} more", plan.unmanaged.len() - SHOWN_NOTES));
        }
        let _ = writeln!(
            tail,
            "Not managed by roster, left as they are: {}\n",
            names.join(", ")
        );
    }
    if let Some(line) = super::adopt_line(plan) {
        let _ = writeln!(tail, "{line}\n");
    }
    if let Some(line) = super::self_service_line(plan) {
        let _ = writeln!(tail, "{}\n", escape::markdown_prose(&line));
    }
    tail
}

/// Why part of the plan is missing from the comment.
fn truncated() -> String {
    format!("a comment is limited to {LIMIT} characters. Run `roster plan` for the whole plan.")
}

/// Writes up to `max` items, one per line after `prefix`, then how many
/// more there are.
fn list(out: &mut String, prefix: &str, items: impl ExactSizeIterator<Item = String>, max: usize) {
    let total = items.len();
    for item in items.take(max) {
        let _ = writeln!(out, "{prefix}{item}");
    }
    if total > max {
        let _ = writeln!(out, "{prefix}…and {} more", total - max);
    }
}

/// Cuts a comment that is too long at the last whole line that fits, and
/// says so.
fn cut(mut text: String) -> String {
    let note = format!("\n_…cut here: {}_\n", truncated());
    let room = LIMIT - note.len();
    if text.len() > room {
        let mut end = room;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let end = text[..end].rfind('\n').map_or(end, |i| i + 1);
        text.truncate(end);
        text.push_str(&note);
    }
    text
}

/// Changes counted by kind and action.
fn table(plan: &Plan) -> String {
    let mut counts: BTreeMap<ObjectKind, [usize; 4]> = BTreeMap::new();
    for change in &plan.changes {
        let column = match change.action {
            Action::Create => 0,
            Action::Update => 1,
            Action::Replace => 2,
            Action::Delete => 3,
        };
        counts.entry(change.key.kind).or_default()[column] += 1;
    }
    let mut out =
        String::from("| | create | update | replace | delete |\n|---|---:|---:|---:|---:|\n");
    for (kind, [c, u, r, d]) in counts {
        let label = match kind {
            ObjectKind::Account => "account".to_string(),
            other => format!("{other}s"),
        };
        let _ = writeln!(out, "| {label} | {c} | {u} | {r} | {d} |");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Note, Refusal};
    use crate::report::redact::Redactor;

    fn options() -> RenderOptions {
        RenderOptions {
            location: "roster.db".into(),
            redactor: Redactor { show_values: false },
            color: false,
            revision: Some("abc123".into()),
        }
    }

    #[test]
    fn long_note_lists_are_capped() {
        let note = |i: usize| Note {
            object: crate::model::live::ObjectKey::new(ObjectKind::User, format!("user{i}")),
            message: format!("`user{i}` has not accepted the invitation yet"),
        };
        let plan = Plan {
            pending: (0..5_000).map(note).collect(),
            sensitive: (0..5_000).map(note).collect(),
            ..Plan::default()
        };
        let text = render(&plan, &options());
        assert!(text.chars().count() <= LIMIT, "{}", text.len());
        assert_eq!(text.matches("…and 4950 more").count(), 1, "{text}");
        assert!(text.contains("`user49` has not"));
        assert!(!text.contains("`user50` has not"));
        // Pending invitations are one count, not a line per person.
        assert!(
            text.contains("**Pending on the platform:** 5000 people have not accepted"),
            "{text}"
        );
        assert!(text.starts_with("<!-- roster-plan -->\n"));
        assert!(text.contains(" · revision `abc123`"));
    }

    #[test]
    fn a_plan_whose_refusals_alone_are_too_long_is_cut_at_a_line() {
        let plan = Plan {
            refusals: (0..5_000)
                .map(|i| Refusal {
                    object: None,
                    message: format!("cannot delete user `user{i}`: it is protected"),
                    reasons: vec![],
                    hint: "remove `protected` first".into(),
                })
                .collect(),
            ..Plan::default()
        };
        let text = render(&plan, &options());
        assert!(text.chars().count() <= LIMIT, "{}", text.len());
        assert!(
            text.ends_with(&format!("\n_…cut here: {}_\n", truncated())),
            "{}",
            &text[text.len() - 300..]
        );
        assert!(text.starts_with("<!-- roster-plan -->\n### roster plan:"));
    }

    fn change(action: Action, kind: ObjectKind, name: &str) -> crate::plan::Change {
        crate::plan::Change {
            key: crate::model::live::ObjectKey::new(kind, name),
            action,
            renamed_from: None,
            fields: vec![],
            after: None,
            platform: Default::default(),
            applied: None,
        }
    }

    #[test]
    fn a_small_plan_is_open_and_a_delete_says_what_goes() {
        let plan = Plan {
            changes: vec![change(Action::Delete, ObjectKind::User, "judy")],
            summary: crate::plan::Summary {
                delete: 1,
                ..Default::default()
            },
            ..Plan::default()
        };
        let text = render(&plan, &options());
        assert!(!text.contains("<details>"), "{text}");
        assert!(
            text.contains(
                "**`- user judy`** (delete)\n\nDeleted from the directory with everything"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_large_plan_is_summarised_by_kind_with_a_count_of_the_rest() {
        let mut changes: Vec<_> = (0..25)
            .map(|i| change(Action::Create, ObjectKind::User, &format!("u{i:02}")))
            .collect();
        changes.push(change(Action::Delete, ObjectKind::Group, "old"));
        let plan = Plan {
            changes,
            summary: crate::plan::Summary {
                create: 25,
                delete: 1,
                ..Default::default()
            },
            ..Plan::default()
        };
        let text = render(&plan, &options());
        assert!(
            text.contains("- **25 users to create** (+): `u00`, `u01`, `u02`, `u03`, `u04`, `u05`, `u06`, `u07`, `u08`, `u09`, …and 15 more\n"),
            "{text}"
        );
        assert!(
            text.contains("- **1 group to delete** (-): `old`\n"),
            "{text}"
        );
        assert_eq!(text.matches("<details>").count(), 1, "one fold: {text}");
        assert!(text.contains("+ user u24 (create)\n"), "{text}");
    }
}
