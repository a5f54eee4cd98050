//! Coverage in words, once for every report and for plans: intervals,
//! lengths, what a gap is and each chain of reasons as a sentence.

use chrono::{DateTime, Utc};

use super::{Duty, Gap, GapKind, MethodIssue, MethodProblem, Reason, Step, Unreachable};
use crate::model::vocab::UserStatus;

/// `2027-02-01 08:00 → 2027-02-03 00:00 UTC`.
pub fn between(from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    format!(
        "{} → {}",
        from.format("%Y-%m-%d %H:%M"),
        until.format("%Y-%m-%d %H:%M UTC")
    )
}

/// `2 days 3 hours`, `45 minutes`.
pub fn duration(seconds: i64) -> String {
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
pub fn gap_length(gap: &Gap) -> String {
    duration((gap.until - gap.from).num_seconds())
}

/// What a gap is, in words.
pub fn gap_headline(gap: &Gap) -> String {
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
pub fn reason(reason: &Reason) -> String {
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
