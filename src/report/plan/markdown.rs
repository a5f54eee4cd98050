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

/// Renders a plan as Markdown, never longer than [`LIMIT`] characters.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "### roster plan: {}\n", summary_line(plan));
    let _ = writeln!(head, "Directory: `{}`\n", options.location);
    if !plan.refusals.is_empty() {
        let _ = writeln!(head, "> [!CAUTION]\n> **This plan cannot be applied.**\n>");
        for refusal in &plan.refusals {
            let _ = writeln!(head, "> - **{}**", escape(&refusal.message));
            for reason in refusal.reasons.iter().take(super::SHOWN_REASONS) {
                let _ = writeln!(head, ">   - {}", escape(reason));
            }
            if refusal.reasons.len() > super::SHOWN_REASONS {
                let _ = writeln!(
                    head,
                    ">   - …and {} more",
                    refusal.reasons.len() - super::SHOWN_REASONS
                );
            }
            let _ = writeln!(head, ">   - _hint:_ {}", escape(&refusal.hint));
        }
        head.push('\n');
    }
    if !plan.sensitive.is_empty() {
        let _ = writeln!(head, "> [!WARNING]\n> **Sensitive changes**\n>");
        for note in &plan.sensitive {
            let _ = writeln!(head, "> - {}", escape(&note.message));
        }
        head.push('\n');
    }
    if !plan.has_changes() {
        let _ = writeln!(head, "No changes: the directory matches the config.\n");
    } else {
        head.push_str(&table(plan));
    }

    let mut tail = String::new();
    for (title, notes) in [
        ("Warnings", &plan.warnings),
        ("Pending on the platform", &plan.pending),
    ] {
        if !notes.is_empty() {
            let _ = writeln!(tail, "**{title}**\n");
            for note in notes.iter() {
                let _ = writeln!(tail, "- {}", escape(&note.message));
            }
            tail.push('\n');
        }
    }
    if !plan.unmanaged.is_empty() {
        let names: Vec<String> = plan
            .unmanaged
            .iter()
            .map(|k| format!("{} `{}`", k.kind, k.name))
            .collect();
        let _ = writeln!(
            tail,
            "Not managed by roster, left as they are: {}\n",
            names.join(", ")
        );
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
        section.push_str("</details>\n");
        let note_room = 200;
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
            "\n_…and {hidden} more change{} not shown: a comment is limited to {LIMIT} characters. Run `roster plan` for the whole plan._",
            if hidden == 1 { "" } else { "s" }
        );
    }
    if !body.is_empty() {
        body.push('\n');
    }
    format!("{head}{body}{tail}")
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
