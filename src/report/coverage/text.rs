//! The coverage report for terminals and CI logs.

use std::fmt::Write;

use super::{
    ReportOptions, answered, between, duration, gap_headline, gap_length, reason, subject, summary,
};
use crate::coverage::Coverage;

/// Renders the report as plain text.
pub fn text(coverage: &Coverage, options: &ReportOptions) -> String {
    let mut out = String::new();
    let period = coverage.period;
    let _ = writeln!(out, "roster coverage for {}", subject(options));
    let _ = writeln!(
        out,
        "Period: {} ({})",
        between(period.from, period.until),
        duration((period.until - period.from).num_seconds())
    );
    for group in &coverage.groups {
        let _ = writeln!(out);
        if group.gaps.is_empty() {
            let _ = writeln!(out, "✓ {}: reachable throughout", group.group);
        } else {
            let n = group.gaps.len();
            let _ = writeln!(
                out,
                "✗ {}: {n} gap{}",
                group.group,
                if n == 1 { "" } else { "s" }
            );
            for gap in &group.gaps {
                let _ = writeln!(
                    out,
                    "    {} ({}): {}",
                    between(gap.from, gap.until),
                    gap_length(gap),
                    gap_headline(gap)
                );
                for r in &gap.reasons {
                    let _ = writeln!(out, "      - {}", reason(r));
                }
            }
        }
        let answered = answered(group);
        if !answered.is_empty() {
            let each: Vec<String> = answered
                .iter()
                .map(|(who, seconds)| format!("{who} {}", duration(*seconds)))
                .collect();
            let _ = writeln!(out, "    answered by: {}", each.join(", "));
        }
        for absence in &group.absences {
            let cover = match &absence.cover {
                Some(cover) => format!("covered by `{cover}`"),
                None => "no cover for this group".to_string(),
            };
            let note = absence
                .note
                .as_ref()
                .map_or(String::new(), |n| format!(" ({n})"));
            let _ = writeln!(
                out,
                "    out: `{}` {}{note}, {cover}",
                absence.user,
                between(absence.from, absence.until)
            );
        }
        for shift in &group.shifts {
            let _ = writeln!(
                out,
                "    shift: `{}` {}",
                shift.user,
                between(shift.from, shift.until)
            );
        }
    }
    let _ = writeln!(out, "\nCoverage: {}", summary(coverage));
    // Every line is roster's own; what is in them is shown, never sent.
    crate::report::escape::text_lines(&out)
}
