//! The plan as a pull-request comment: what stops it and what is sensitive
//! first, a summary table, then each change in a collapsible section,
//! within the size a comment may have.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{RenderOptions, field_line, headline, summary_line, symbol, verb};
use crate::model::live::ObjectKind;
use crate::plan::{Action, Plan};

/// GitHub refuses comments longer than 65,536 characters; stay below.
pub const LIMIT: usize = 65_000;

/// At most this many notes of one kind (sensitive changes, warnings,
/// pending invitations, unmanaged objects) are listed; a bulk onboarding
/// has thousands, and they must leave room for the changes themselves.
const SHOWN_NOTES: usize = 50;

/// Renders a plan as Markdown, never longer than [`LIMIT`] characters.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "### roster plan: {}\n", summary_line(plan));
    let _ = writeln!(head, "Directory: `{}`\n", options.location);
    if !plan.refusals.is_empty() {
        let _ = writeln!(head, "> [!CAUTION]\n> **This plan cannot be applied.**\n>");
        for refusal in &plan.refusals {
            let _ = writeln!(head, "> - **{}**", escape(&refusal.message));
            let reasons = refusal.reasons.iter().map(|r| escape(r));
            list(&mut head, ">   - ", reasons, super::SHOWN_REASONS);
            let _ = writeln!(head, ">   - _hint:_ {}", escape(&refusal.hint));
        }
        head.push('\n');
    }
    if !plan.sensitive.is_empty() {
        let _ = writeln!(head, "> [!WARNING]\n> **Sensitive changes**\n>");
        let notes = plan.sensitive.iter().map(|n| escape(&n.message));
        list(&mut head, "> - ", notes, SHOWN_NOTES);
        head.push('\n');
    }
    if !plan.has_changes() {
        let _ = writeln!(head, "No changes: the directory matches the config.\n");
    } else {
        head.push_str(&table(plan));
    }

    let mut tail = String::new();
    if !plan.kept.is_empty() {
        let _ = writeln!(tail, "**Kept as it is live**\n");
        let lines = plan
            .kept
            .iter()
            .map(|k| escape(&super::kept_line(k, &options.redactor)));
        list(&mut tail, "- ", lines, SHOWN_NOTES);
        tail.push('\n');
    }
    for (title, notes) in [
        ("Warnings", &plan.warnings),
        ("Pending on the platform", &plan.pending),
    ] {
        if !notes.is_empty() {
            let _ = writeln!(tail, "**{title}**\n");
            list(
                &mut tail,
                "- ",
                notes.iter().map(|n| escape(&n.message)),
                SHOWN_NOTES,
            );
            tail.push('\n');
        }
    }
    if !plan.unmanaged.is_empty() {
        let mut names: Vec<String> = plan
            .unmanaged
            .iter()
            .take(SHOWN_NOTES)
            .map(|k| format!("{} `{}`", k.kind, k.name))
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
        let _ = writeln!(tail, "{}\n", escape(&line));
    }

    // What stops the plan and what is sensitive come first and are never
    // dropped; if even they do not fit, the comment is cut at a line.
    let note_room = 300;
    if head.len() + tail.len() + note_room > LIMIT {
        return cut(format!("{head}{tail}"));
    }
    let mut body = String::new();
    let mut shown = 0;
    for change in &plan.changes {
        let mut section = String::new();
        let _ = writeln!(
            section,
            "<details><summary><code>{} {}</code> ({})</summary>\n",
            symbol(change.action),
            html(&headline(change)),
            verb(change.action)
        );
        if !change.fields.is_empty() {
            section.push_str("```diff\n");
            for field in &change.fields {
                let (mark, line) = field_line(field, &options.redactor);
                let mark = if mark == '~' { '!' } else { mark };
                let _ = writeln!(section, "{mark} {line}");
            }
            section.push_str("```\n");
        }
        if let Some(line) = super::invitation_line(change) {
            let _ = writeln!(section, "_{line}_\n");
        }
        section.push_str("</details>\n");
        if head.len() + body.len() + section.len() + tail.len() + note_room > LIMIT {
            break;
        }
        body.push_str(&section);
        shown += 1;
    }
    let hidden = plan.changes.len() - shown;
    if hidden > 0 {
        let _ = writeln!(
            body,
            "\n_…and {hidden} more change{} not shown: {}_",
            if hidden == 1 { "" } else { "s" },
            truncated()
        );
    }
    if !body.is_empty() {
        body.push('\n');
    }
    format!("{head}{body}{tail}")
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

/// Keeps text from turning into Markdown markup by accident.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
        assert_eq!(text.matches("…and 4950 more").count(), 2, "{text}");
        assert!(text.contains("`user49` has not"));
        assert!(!text.contains("`user50` has not"));
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
        assert!(text.starts_with("### roster plan:"));
    }
}
