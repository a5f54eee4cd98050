//! The plan as a terminal diff, in the spirit of a good terraform plan.

use std::fmt::Write;

use super::{RenderOptions, field_line, headline, summary_line, symbol};
use crate::plan::{Action, Plan};
use crate::report::escape;

fn paint(options: &RenderOptions, text: &str, style: &str) -> String {
    if options.color {
        format!("\x1b[{style}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn style(action: Action) -> &'static str {
    match action {
        Action::Create => "32",
        Action::Update => "33",
        Action::Replace => "35",
        Action::Delete => "31",
    }
}

/// Renders a plan for a terminal or a CI log.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "roster plan for the directory at {}",
        escape::text(&options.location)
    );
    if !plan.has_changes() {
        let _ = writeln!(out, "\nNo changes: the directory matches the config.");
    }
    for change in &plan.changes {
        let sign = symbol(change.action);
        let _ = writeln!(
            out,
            "\n  {} {}",
            paint(options, sign, style(change.action)),
            escape::text(&headline(change))
        );
        for field in &change.fields {
            let (mark, line) = field_line(field, &options.redactor);
            let mark_style = match mark {
                '+' => "32",
                '-' => "31",
                _ => "33",
            };
            let _ = writeln!(
                out,
                "      {} {}",
                paint(options, &mark.to_string(), mark_style),
                escape::text(&line)
            );
        }
        if let Some(line) = super::invitation_line(change) {
            let _ = writeln!(out, "      {} {line}", paint(options, "+", "32"));
        }
    }
    section(
        &mut out,
        options,
        "Kept as it is live",
        "=",
        plan.kept
            .iter()
            .map(|k| super::kept_line(k, &options.redactor)),
    );
    section(
        &mut out,
        options,
        "Sensitive changes",
        "!",
        plan.sensitive.iter().map(|n| n.message.clone()),
    );
    section(
        &mut out,
        options,
        "Warnings",
        "warning:",
        plan.warnings.iter().map(|n| n.message.clone()),
    );
    section(
        &mut out,
        options,
        "Pending on the platform",
        "…",
        plan.pending.iter().map(|n| n.message.clone()),
    );
    if !plan.unmanaged.is_empty() {
        let names: Vec<String> = plan
            .unmanaged
            .iter()
            .map(|k| escape::text(&k.to_string()).into_owned())
            .collect();
        let _ = writeln!(
            out,
            "\nNot managed by roster, left as they are: {}",
            names.join(", ")
        );
    }
    if let Some(line) = super::adopt_line(plan) {
        let _ = writeln!(out, "\n{line}");
    }
    if let Some(line) = super::self_service_line(plan) {
        let _ = writeln!(out, "\n{line}");
    }
    let _ = writeln!(out, "\nPlan: {}.", summary_line(plan));
    out
}

fn section(
    out: &mut String,
    options: &RenderOptions,
    title: &str,
    mark: &str,
    lines: impl Iterator<Item = String>,
) {
    let lines: Vec<String> = lines.collect();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}:", paint(options, title, "1"));
    for line in lines {
        let _ = writeln!(
            out,
            "  {} {}",
            paint(options, mark, "1;33"),
            escape::text(&line)
        );
    }
}

/// The refusals of a plan, as the error text that stops it.
pub fn refusals(plan: &Plan) -> String {
    let mut out = String::new();
    let count = plan.refusals.len();
    let _ = writeln!(
        out,
        "this plan cannot be applied: {count} guard{} stopped it",
        if count == 1 { "" } else { "s" }
    );
    for refusal in &plan.refusals {
        let _ = writeln!(out, "\n  × {}", escape::text(&refusal.message));
        for reason in refusal.reasons.iter().take(super::SHOWN_REASONS) {
            let _ = writeln!(out, "      - {}", escape::text(reason));
        }
        if refusal.reasons.len() > super::SHOWN_REASONS {
            let _ = writeln!(
                out,
                "      - …and {} more (`--format json` lists them all)",
                refusal.reasons.len() - super::SHOWN_REASONS
            );
        }
        let _ = writeln!(out, "    hint: {}", escape::text(&refusal.hint));
    }
    out
}
