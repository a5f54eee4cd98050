//! Coverage reports: text for terminals and CI logs, versioned JSON for
//! tools, Markdown for pull requests and issues, and one self-contained
//! HTML page with a timeline picture per group. Sentences are built here
//! once and shared by every format.

mod html;
mod json;
mod markdown;
mod text;

pub use html::html;
pub use json::{FORMAT_VERSION, json};
pub use markdown::markdown;
pub use text::text;

pub(crate) use crate::coverage::words::{between, duration, gap_headline, gap_length, reason};
use crate::coverage::{Coverage, GroupCoverage};

/// What a report says besides the analysis.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Where the live directory is (`roster.db`, a masked URL).
    pub location: String,
    /// The config analysed instead of the live directory, if any.
    pub config: Option<String>,
}

/// Who answered the group's pages, and for how long in total, by time.
pub(crate) fn answered(group: &GroupCoverage) -> Vec<(String, i64)> {
    let mut totals: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for paged in &group.paged {
        let who = if paged.answered_by == paged.user {
            format!("`{}`", paged.user)
        } else {
            format!("`{}` for `{}`", paged.answered_by, paged.user)
        };
        *totals.entry(who).or_default() += (paged.until - paged.from).num_seconds();
    }
    let mut out: Vec<(String, i64)> = totals.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Counts for the summary line.
pub(crate) struct Counts {
    pub groups: usize,
    pub with_gaps: usize,
    pub gaps: usize,
}

pub(crate) fn counts(coverage: &Coverage) -> Counts {
    Counts {
        groups: coverage.groups.len(),
        with_gaps: coverage
            .groups
            .iter()
            .filter(|g| !g.gaps.is_empty())
            .count(),
        gaps: coverage.gaps().count(),
    }
}

/// `4 groups: 3 reachable throughout, 1 with gaps (2 gaps).`
pub(crate) fn summary(coverage: &Coverage) -> String {
    let c = counts(coverage);
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    if c.with_gaps == 0 {
        format!("{}, all reachable throughout.", plural(c.groups, "group"))
    } else {
        format!(
            "{}: {} reachable throughout, {} with gaps ({}).",
            plural(c.groups, "group"),
            c.groups - c.with_gaps,
            c.with_gaps,
            plural(c.gaps, "gap")
        )
    }
}

/// What was analysed, for headings.
pub(crate) fn subject(options: &ReportOptions) -> String {
    match &options.config {
        Some(config) => format!(
            "the config at `{config}` with the platform state at `{}`",
            options.location
        ),
        None => format!("the directory at `{}`", options.location),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(60), "1 minute");
        assert_eq!(duration(3 * 3600 + 120), "3 hours 2 minutes");
        assert_eq!(duration(86400 * 2 + 3600), "2 days 1 hour");
        assert_eq!(duration(86400 + 60), "1 day");
        assert_eq!(duration(5), "less than a minute");
    }
}
