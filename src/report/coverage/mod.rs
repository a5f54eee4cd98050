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

use chrono::{DateTime, Utc};

use crate::coverage::{
    Coverage, Duty, Gap, GapKind, GroupCoverage, MethodIssue, MethodProblem, Reason, Step,
    Unreachable,
};
use crate::model::vocab::UserStatus;

/// What a report says besides the analysis.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Where the live directory is (`roster.db`, a masked URL).
    pub location: String,
    /// The config analysed instead of the live directory, if any.
    pub config: Option<String>,
}

/// `2027-02-01 08:00 → 2027-02-03 00:00 UTC`.
pub(crate) fn between(from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    format!(
        "{} → {}",
        from.format("%Y-%m-%d %H:%M"),
        until.format("%Y-%m-%d %H:%M UTC")
    )
}

/// `2 days 3 hours`, `45 minutes`.
pub(crate) fn duration(seconds: i64) -> String {
    let minutes = seconds / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let unit = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(unit(days, "day"));
    }
    if hours > 0 {
        parts.push(unit(hours, "hour"));
    }
    if minutes > 0 && days == 0 {
        parts.push(unit(minutes, "minute"));
    }
    if parts.is_empty() {
        parts.push("less than a minute".to_string());
    }
    parts.join(" ")
}

/// The length of a gap.
pub(crate) fn gap_length(gap: &Gap) -> String {
    duration((gap.until - gap.from).num_seconds())
}

/// What a gap is, in words.
pub(crate) fn gap_headline(gap: &Gap) -> String {
    match &gap.kind {
        GapKind::NobodyReachable => "nobody can be reached".to_string(),
        GapKind::UncoveredAbsence { user } => {
            format!("`{user}` is out and nobody reachable covers them here")
        }
    }
}

fn duty(duty: Duty) -> &'static str {
    match duty {
        Duty::Shift => "on shift",
        Duty::Primary => "primary",
        Duty::Secondary => "secondary",
    }
}

/// One reason as a sentence: who would be paged, then each link of the
/// chain that leads to nobody.
pub(crate) fn reason(reason: &Reason) -> String {
    match reason {
        Reason::NobodyOnDuty => "no shift, and no member is a primary or secondary".to_string(),
        Reason::Person {
            user,
            duty: d,
            chain,
        } => {
            // "primary `bob` is out …": the first step names the person
            // once, with their duty.
            let mut steps: Vec<String> = chain.iter().map(|s| step(s, true)).collect();
            match chain.first() {
                Some(Step::Away { user: u, .. } | Step::Unreachable { user: u, .. })
                    if u == user =>
                {
                    steps[0] = step(&chain[0], false);
                    format!("{} `{user}` {}", duty(*d), steps.join("; "))
                }
                _ => format!("{} `{user}`: {}", duty(*d), steps.join("; ")),
            }
        }
    }
}

/// One link, with or without the person's name in front.
fn step(step: &Step, named: bool) -> String {
    let who = |user: &str| {
        if named {
            format!("`{user}` ")
        } else {
            String::new()
        }
    };
    match step {
        Step::Away {
            user,
            from,
            until,
            cover,
            note,
        } => {
            let note = note.as_ref().map_or(String::new(), |n| format!(" ({n})"));
            match cover {
                Some(cover) => format!(
                    "{}is out {}{note}, covered by `{cover}`",
                    who(user),
                    between(*from, *until)
                ),
                None => format!(
                    "{}is out {}{note} with no cover for this group",
                    who(user),
                    between(*from, *until)
                ),
            }
        }
        Step::Circle { back_to } => format!("the covers come back to `{back_to}`"),
        Step::Unknown { user } => format!("`{user}` is not in the directory"),
        Step::Unreachable { user, why } => format!("{}{}", who(user), unreachable(why)),
    }
}

fn unreachable(why: &Unreachable) -> String {
    match why {
        Unreachable::Status {
            status: UserStatus::Invited,
        } => "has not accepted their invitation".to_string(),
        Unreachable::Status { status } => format!("is {status}"),
        Unreachable::NoContactMethod => "has no contact method".to_string(),
        Unreachable::Methods { methods } if methods.is_empty() => {
            "has no usable contact method".to_string()
        }
        Unreachable::Methods { methods } => {
            let each: Vec<String> = methods.iter().map(method).collect();
            format!("cannot be reached then: {}", each.join(", "))
        }
    }
}

fn method(issue: &MethodIssue) -> String {
    let why = match &issue.problem {
        MethodProblem::Disabled => "disabled".to_string(),
        MethodProblem::Unverified => "not verified".to_string(),
        MethodProblem::Bounced => "bounces".to_string(),
        MethodProblem::OutsideActiveHours {
            days,
            from,
            to,
            time_zone,
        } => format!("only {} {from}–{to} {time_zone}", days_text(days)),
    };
    format!("{} {why}", issue.method)
}

fn days_text(days: &[String]) -> String {
    const WEEK: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    if days.len() == 7 {
        return "daily".to_string();
    }
    let weekdays: Vec<&str> = WEEK[..5].to_vec();
    if days.iter().map(String::as_str).eq(weekdays.iter().copied()) {
        return "mon–fri".to_string();
    }
    days.join(",")
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
