//! Drift reports: text for logs, JSON for tools and webhooks, Markdown for
//! issues and chat. Contact values are masked as in plans.

use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use super::escape;
use super::plan::{RenderOptions, field_line, inline_top};
use super::redact::mask;
use crate::drift::contacts::ContactProblem;
use crate::drift::{DriftReport, ObjectDrift, PendingKind, SecurityFinding, UnmanagedItem};
use crate::model::live::{ObjectKey, ObjectKind, VerificationState};
use crate::plan::FieldChange;

/// The version of the JSON drift structure.
pub const FORMAT_VERSION: u32 = 1;

fn name(key: &ObjectKey) -> String {
    match key.kind {
        ObjectKind::Account => "account".into(),
        kind => format!("{kind} {}", key.name),
    }
}

/// `1 changed, 1 deleted, 2 unmanaged`, then items made outside git and
/// people's own changes when there are any.
pub fn summary_line(report: &DriftReport) -> String {
    let mut line = String::new();
    let findings = report.security.len();
    if findings > 0 {
        line.push_str(&format!(
            "{findings} security finding{}; ",
            if findings == 1 { "" } else { "s" }
        ));
    }
    line.push_str(&format!(
        "{} changed, {} deleted, {} unmanaged",
        report.changed.len(),
        report.deleted.len(),
        report.unmanaged.len()
    ));
    let problems = report.contact_problems.len();
    if problems > 0 {
        line.push_str(&format!(
            ", {problems} contact value{} unusable",
            if problems == 1 { "" } else { "s" }
        ));
    }
    let items = report.unmanaged_items.len();
    if items > 0 {
        line.push_str(&format!(
            ", {items} item{} made outside git",
            if items == 1 { "" } else { "s" }
        ));
    }
    let theirs = report.changed_by_users.len();
    if theirs > 0 {
        line.push_str(&format!(
            "; {theirs} user{} changed their own fields (not drift)",
            if theirs == 1 { "" } else { "s" }
        ));
    }
    line
}

/// `user alice`, `group db-oncall`: an item's object and its path.
fn item_line(item: &UnmanagedItem, options: &RenderOptions) -> String {
    let value = item
        .value
        .as_ref()
        .map(|v| format!(": {}", inline_top(&options.redactor.field(&item.path, v))))
        .unwrap_or_default();
    format!("{} {}{value}", name(&item.object), item.path)
}

/// `user carol: sms-personal +1 ••• ••• ••32 is unverified (since 2026-11-25)`.
fn problem_line(problem: &ContactProblem, options: &RenderOptions) -> String {
    let value = if options.redactor.show_values {
        problem.value.clone()
    } else {
        mask(problem.channel, &problem.value)
    };
    let state = match problem.state {
        VerificationState::Bounced => "bounces: the platform has blocked it",
        _ => "is unverified: the platform does not use it until its owner confirms it",
    };
    format!(
        "{}: {} {value} {state} (since {})",
        name(&problem.object),
        problem.method,
        problem.checked_at.format("%Y-%m-%d %H:%M UTC")
    )
}

fn pending_sign(kind: PendingKind) -> &'static str {
    match kind {
        PendingKind::Create => "+",
        PendingKind::Update => "~",
        PendingKind::Delete => "-",
    }
}

/// Renders a drift report for a terminal or a CI log.
pub fn text(report: &DriftReport, options: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "roster drift for the directory at {}",
        options.location
    );
    if !report.has_drift() {
        let _ = writeln!(out, "\nNo drift: the directory is as roster left it.");
    }
    if !report.security.is_empty() {
        let _ = writeln!(out, "\nSecurity findings (privileges changed outside git):");
        for finding in &report.security {
            let _ = writeln!(out, "  ! {}", finding.message);
        }
    }
    if !report.contact_problems.is_empty() {
        let _ = writeln!(out, "\nContact values unusable since the last apply:");
        for problem in &report.contact_problems {
            let _ = writeln!(out, "  ! {}", problem_line(problem, options));
        }
    }
    if !report.changed.is_empty() {
        let _ = writeln!(out, "\nChanged outside roster:");
        for object in &report.changed {
            let _ = writeln!(out, "\n  ~ {}", name(&object.object));
            for field in &object.fields {
                let (mark, line) = field_line(field, &options.redactor);
                let _ = writeln!(out, "      {mark} {line}");
            }
        }
    }
    if !report.unmanaged_items.is_empty() {
        let _ = writeln!(
            out,
            "\nMade outside git, kept by `prune: managed` (not roster's):"
        );
        for item in &report.unmanaged_items {
            let _ = writeln!(out, "  ? {}", item_line(item, options));
        }
    }
    if !report.deleted.is_empty() {
        let _ = writeln!(out, "\nDeleted outside roster:");
        for key in &report.deleted {
            let _ = writeln!(out, "  - {}", name(key));
        }
    }
    if !report.unmanaged.is_empty() {
        let _ = writeln!(out, "\nNot managed by roster:");
        for key in &report.unmanaged {
            let _ = writeln!(out, "  ? {}", name(key));
        }
    }
    if !report.changed_by_users.is_empty() {
        let _ = writeln!(
            out,
            "\nChanged by users, their own fields (not drift; applies keep these):"
        );
        for object in &report.changed_by_users {
            let _ = writeln!(out, "\n  = {}", name(&object.object));
            for field in &object.fields {
                let (mark, line) = field_line(field, &options.redactor);
                let _ = writeln!(out, "      {mark} {line}");
            }
        }
    }
    if !report.pending.is_empty() {
        let _ = writeln!(
            out,
            "\nPending in the config, not drift (the next apply makes these):"
        );
        for pending in &report.pending {
            let detail = match pending.fields.len() {
                0 => String::new(),
                1 => ": 1 field".into(),
                n => format!(": {n} fields"),
            };
            let _ = writeln!(
                out,
                "  {} {}{detail}",
                pending_sign(pending.kind),
                name(&pending.object)
            );
        }
    }
    let _ = writeln!(out, "\nDrift: {}.", summary_line(report));
    // Every line is roster's own; what is in them is shown, never sent.
    escape::text_lines(&out)
}

#[derive(Serialize)]
struct JsonDrift<'a> {
    format_version: u32,
    roster_version: &'static str,
    database: &'a str,
    has_drift: bool,
    summary: JsonSummary,
    security: &'a [SecurityFinding],
    contact_problems: Vec<JsonProblem<'a>>,
    changed: Vec<JsonObject<'a>>,
    deleted: &'a [ObjectKey],
    unmanaged: &'a [ObjectKey],
    unmanaged_items: Vec<JsonItem<'a>>,
    changed_by_users: Vec<JsonObject<'a>>,
    pending: Vec<JsonPending<'a>>,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    kind: ObjectKind,
    name: &'a str,
    method: &'a str,
    value: String,
    state: VerificationState,
    checked_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize)]
struct JsonSummary {
    security: usize,
    contact_problems: usize,
    changed: usize,
    deleted: usize,
    unmanaged: usize,
    unmanaged_items: usize,
    changed_by_users: usize,
    pending: usize,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    kind: ObjectKind,
    name: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    kind: ObjectKind,
    name: &'a str,
    fields: Vec<JsonField<'a>>,
}

#[derive(Serialize)]
struct JsonPending<'a> {
    action: PendingKind,
    kind: ObjectKind,
    name: &'a str,
    fields: Vec<JsonField<'a>>,
}

#[derive(Serialize)]
struct JsonField<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<Value>,
}

fn json_fields<'a>(fields: &'a [FieldChange], options: &RenderOptions) -> Vec<JsonField<'a>> {
    fields
        .iter()
        .map(|f| JsonField {
            path: &f.path,
            old: f.old.as_ref().map(|v| options.redactor.field(&f.path, v)),
            new: f.new.as_ref().map(|v| options.redactor.field(&f.path, v)),
        })
        .collect()
}

fn json_objects<'a>(objects: &'a [ObjectDrift], options: &RenderOptions) -> Vec<JsonObject<'a>> {
    objects
        .iter()
        .map(|o| JsonObject {
            kind: o.object.kind,
            name: &o.object.name,
            fields: json_fields(&o.fields, options),
        })
        .collect()
}

/// The report as a JSON value.
pub fn json_value(report: &DriftReport, options: &RenderOptions) -> Value {
    let document = JsonDrift {
        format_version: FORMAT_VERSION,
        roster_version: env!("CARGO_PKG_VERSION"),
        database: &options.location,
        has_drift: report.has_drift(),
        summary: JsonSummary {
            security: report.security.len(),
            contact_problems: report.contact_problems.len(),
            changed: report.changed.len(),
            deleted: report.deleted.len(),
            unmanaged: report.unmanaged.len(),
            unmanaged_items: report.unmanaged_items.len(),
            changed_by_users: report.changed_by_users.len(),
            pending: report.pending.len(),
        },
        security: &report.security,
        contact_problems: report
            .contact_problems
            .iter()
            .map(|p| JsonProblem {
                kind: p.object.kind,
                name: &p.object.name,
                method: &p.method,
                value: if options.redactor.show_values {
                    p.value.clone()
                } else {
                    mask(p.channel, &p.value)
                },
                state: p.state,
                checked_at: p.checked_at,
            })
            .collect(),
        changed: json_objects(&report.changed, options),
        deleted: &report.deleted,
        unmanaged: &report.unmanaged,
        unmanaged_items: report
            .unmanaged_items
            .iter()
            .map(|i| JsonItem {
                kind: i.object.kind,
                name: &i.object.name,
                path: &i.path,
                value: i.value.as_ref().map(|v| options.redactor.field(&i.path, v)),
            })
            .collect(),
        changed_by_users: json_objects(&report.changed_by_users, options),
        pending: report
            .pending
            .iter()
            .map(|p| JsonPending {
                action: p.kind,
                kind: p.object.kind,
                name: &p.object.name,
                fields: json_fields(&p.fields, options),
            })
            .collect(),
    };
    serde_json::to_value(document).expect("reports serialize")
}

/// Renders a drift report as one JSON document.
pub fn json(report: &DriftReport, options: &RenderOptions) -> String {
    let mut text =
        serde_json::to_string_pretty(&json_value(report, options)).expect("reports serialize");
    text.push('\n');
    text
}

/// Renders a drift report as Markdown; every name and value is escaped.
pub fn markdown(report: &DriftReport, options: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### roster drift: {}\n", summary_line(report));
    let _ = writeln!(
        out,
        "Directory: {}\n",
        escape::markdown_code(&options.location)
    );
    if !report.has_drift() {
        let _ = writeln!(out, "No drift: the directory is as roster left it.\n");
    }
    if !report.security.is_empty() {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **Security findings** (privileges changed outside git):\n>"
        );
        for finding in &report.security {
            let _ = writeln!(out, "> - {}", inline_markdown(&finding.message));
        }
        out.push('\n');
    }
    if !report.contact_problems.is_empty() {
        let _ = writeln!(out, "**Contact values unusable since the last apply:**\n");
        for problem in &report.contact_problems {
            let _ = writeln!(
                out,
                "- `{}`",
                problem_line(problem, options).replace('`', "'")
            );
        }
        out.push('\n');
    }
    for object in &report.changed {
        let _ = writeln!(
            out,
            "<details><summary><code>~ {}</code> (changed outside roster)</summary>\n",
            escape::html(&name(&object.object))
        );
        out.push_str("```diff\n");
        for field in &object.fields {
            let (mark, line) = field_line(field, &options.redactor);
            let mark = if mark == '~' { '!' } else { mark };
            let _ = writeln!(
                out,
                "{}",
                escape::markdown_fenced(&format!("{mark} {line}"))
            );
        }
        out.push_str("```\n</details>\n");
    }
    if !report.changed.is_empty() {
        out.push('\n');
    }
    if !report.unmanaged_items.is_empty() {
        let _ = writeln!(out, "**Made outside git** (kept by `prune: managed`):\n");
        for item in &report.unmanaged_items {
            let _ = writeln!(
                out,
                "- {}",
                escape::markdown_code(&item_line(item, options))
            );
        }
        out.push('\n');
    }
    if !report.changed_by_users.is_empty() {
        let _ = writeln!(
            out,
            "**Changed by users**, their own fields (not drift; applies keep these):\n"
        );
        for object in &report.changed_by_users {
            let paths: Vec<String> = object
                .fields
                .iter()
                .map(|f| escape::markdown_code(&f.path))
                .collect();
            let _ = writeln!(
                out,
                "- {}: {}",
                escape::markdown_code(&name(&object.object)),
                paths.join(", ")
            );
        }
        out.push('\n');
    }
    for (title, keys) in [
        ("Deleted outside roster", &report.deleted),
        ("Not managed by roster", &report.unmanaged),
    ] {
        if !keys.is_empty() {
            let _ = writeln!(
                out,
                "**{title}:** {}\n",
                keys.iter()
                    .map(|k| escape::markdown_code(&name(k)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if !report.pending.is_empty() {
        let _ = writeln!(
            out,
            "**Pending in the config** (not drift; the next apply makes these):\n"
        );
        for pending in &report.pending {
            let _ = writeln!(
                out,
                "- {}",
                escape::markdown_code(&format!(
                    "{} {}",
                    pending_sign(pending.kind),
                    name(&pending.object)
                ))
            );
        }
        out.push('\n');
    }
    out
}

/// A chat message: the summary and the first objects, Slack-compatible.
pub fn chat_text(report: &DriftReport, options: &RenderOptions) -> String {
    let mut text = format!(
        "roster drift on {}: {}",
        escape::slack(&options.location),
        summary_line(report)
    );
    let lines: Vec<String> = report
        .security
        .iter()
        .map(|f| format!("• :warning: {}", f.message))
        .chain(
            report
                .contact_problems
                .iter()
                .map(|p| format!("• ! {}", problem_line(p, options))),
        )
        .chain(report.changed.iter().map(|o| {
            format!(
                "• ~ {} ({} field{})",
                name(&o.object),
                o.fields.len(),
                if o.fields.len() == 1 { "" } else { "s" }
            )
        }))
        .chain(
            report
                .deleted
                .iter()
                .map(|k| format!("• - {} (deleted)", name(k))),
        )
        .chain(
            report
                .unmanaged
                .iter()
                .map(|k| format!("• ? {} (not managed)", name(k))),
        )
        .chain(
            report
                .unmanaged_items
                .iter()
                .map(|i| format!("• ? {} {} (made outside git)", name(&i.object), i.path)),
        )
        .collect();
    const SHOWN: usize = 20;
    for line in lines.iter().take(SHOWN) {
        text.push('\n');
        text.push_str(&escape::slack(line));
    }
    if lines.len() > SHOWN {
        text.push_str(&format!("\n…and {} more", lines.len() - SHOWN));
    }
    text
}

/// Keeps a sentence from turning into Markdown markup by accident (names
/// inside it are in code spans).
fn inline_markdown(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
