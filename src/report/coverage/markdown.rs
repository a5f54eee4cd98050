//! The coverage report as Markdown, for pull requests and issues. Names
//! are escaped: a name is never markup.

use std::fmt::Write;

use super::{
    ReportOptions, between, counts, duration, gap_headline, gap_length, reason, subject, summary,
};
use crate::coverage::Coverage;

/// Renders the report as Markdown.
pub fn markdown(coverage: &Coverage, options: &ReportOptions) -> String {
    let mut out = String::new();
    let c = counts(coverage);
    let headline = if c.with_gaps == 0 {
        "every group is reachable throughout".to_string()
    } else {
        format!("{} of {} groups have gaps", c.with_gaps, c.groups)
    };
    let _ = writeln!(out, "### roster coverage: {headline}\n");
    let period = coverage.period;
    let _ = writeln!(
        out,
        "For {}, {} ({}).\n",
        escape(&subject(options)),
        between(period.from, period.until),
        duration((period.until - period.from).num_seconds())
    );
    let _ = writeln!(out, "| group | reachable | gaps | longest gap |");
    let _ = writeln!(out, "|---|---|---:|---|");
    for group in &coverage.groups {
        let longest = group.gaps.iter().max_by_key(|g| g.until - g.from);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&group.group),
            if group.gaps.is_empty() {
                "✅ throughout"
            } else {
                "❌ not always"
            },
            group.gaps.len(),
            longest.map_or("—".to_string(), gap_length)
        );
    }
    for group in coverage.groups.iter().filter(|g| !g.gaps.is_empty()) {
        let _ = writeln!(out, "\n#### {}\n", escape(&group.group));
        for gap in &group.gaps {
            let _ = writeln!(
                out,
                "- **{}** ({}): {}",
                between(gap.from, gap.until),
                gap_length(gap),
                escape(&gap_headline(gap))
            );
            for r in &gap.reasons {
                let _ = writeln!(out, "  - {}", escape(&reason(r)));
            }
        }
    }
    let _ = writeln!(out, "\n{}", summary(coverage));
    out
}

/// Keeps text from turning into Markdown or HTML markup by accident:
/// names stay code spans, everything else is escaped.
fn escape(text: &str) -> String {
    crate::report::escape::markdown_prose(text)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn names_are_never_markup() {
        assert_eq!(
            escape("a <b> | *c* `x_<y>`"),
            "a &lt;b&gt; \\| \\*c\\* `x_<y>`"
        );
    }
}
