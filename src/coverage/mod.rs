//! Paging safety over time (SPEC section 9): for every group and every
//! moment of a period, who would be paged — the person on shift, or else
//! the members by role (primaries, then secondaries), each replaced by
//! their cover while out of office — and whether anyone can be reached.
//!
//! Pure, synchronous and deterministic: a function of the directory, the
//! platform state (shifts, verifications, push devices) and the period.
//! Time is handled as sorted spans between change points, never sampled,
//! so the cost follows the number of windows, shifts and active-hour days.
//!
//! Two kinds of gap: a time in which a group has nobody reachable, and a
//! time in which someone who would be paged (on shift, or a primary or
//! secondary) is out of office and nobody reachable covers them for that
//! group. `plan` compares two analyses with [`new_gaps`].

mod covers;
mod explain;
mod reach;
mod spans;
#[cfg(test)]
mod tests;
pub mod words;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::Directory;
use crate::model::live::PlatformState;
use crate::model::vocab::{MemberRole, UserStatus};
use covers::{Person, Resolver};
use spans::{Span, SpanSet};

/// The period analysed: `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Start.
    pub from: DateTime<Utc>,
    /// End, after the start.
    pub until: DateTime<Utc>,
}

/// Coverage of every group over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The period.
    pub period: Period,
    /// Per group, by name.
    pub groups: Vec<GroupCoverage>,
}

/// One group's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCoverage {
    /// The group.
    pub group: String,
    /// Who is paged when, in time order; the gaps are the times between.
    pub paged: Vec<Paged>,
    /// Gaps in time order.
    pub gaps: Vec<Gap>,
    /// Absences of people who would be paged, by start.
    pub absences: Vec<Absence>,
    /// The platform's shifts in the period, by start.
    pub shifts: Vec<ShiftSpan>,
}

/// Why someone would be paged for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// On a platform shift.
    Shift,
    /// A primary member (no shift at that time).
    Primary,
    /// A secondary member, when no primary answers.
    Secondary,
}

/// A time in which one person answers a group's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paged {
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub until: DateTime<Utc>,
    /// Who would be paged first.
    pub user: String,
    /// Why they are paged.
    pub duty: Duty,
    /// Who answers: `user`, or the cover at the end of their chain.
    pub answered_by: String,
}

/// A time in which a group is not safely covered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Gap {
    /// The group.
    pub group: String,
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub until: DateTime<Utc>,
    /// What kind of gap.
    #[serde(flatten)]
    pub kind: GapKind,
    /// Why, per person who would be paged.
    pub reasons: Vec<Reason>,
}

/// What kind of gap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum GapKind {
    /// Nobody can be reached.
    NobodyReachable,
    /// Someone who would be paged is out of office and nobody reachable
    /// covers them for this group (others may still answer).
    UncoveredAbsence {
        /// Who is out.
        user: String,
    },
}

/// Why one person who would be paged does not answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// No shift, and no member is a primary or secondary.
    NobodyOnDuty,
    /// A person who would be paged, and the chain that leads to nobody.
    Person {
        /// Why they would be paged.
        duty: Duty,
        /// Who would be paged.
        user: String,
        /// Each step: away (and to whom it passes), a circle, unreachable.
        chain: Vec<Step>,
    },
}

/// One link in a chain of reasons.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// Out of office; `cover` is who covers this group, if anyone.
    Away {
        /// Who is out.
        user: String,
        /// Window start.
        from: DateTime<Utc>,
        /// Window end.
        until: DateTime<Utc>,
        /// The cover for this group.
        cover: Option<String>,
        /// The window's note.
        note: Option<String>,
    },
    /// The chain comes back to someone already in it.
    Circle {
        /// Who it comes back to.
        back_to: String,
    },
    /// A cover the directory does not have.
    Unknown {
        /// The name.
        user: String,
    },
    /// In, but cannot be reached.
    Unreachable {
        /// Who.
        user: String,
        /// Why.
        why: Unreachable,
    },
}

/// Why a person who is in cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "cause")]
pub enum Unreachable {
    /// Not active.
    Status {
        /// Their status.
        status: UserStatus,
    },
    /// No contact method at all, and no push device.
    NoContactMethod,
    /// Every contact method is unusable then.
    Methods {
        /// Each method and why.
        methods: Vec<MethodIssue>,
    },
}

/// One contact method that does not reach its person, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MethodIssue {
    /// `channel-label[-variant]`.
    pub method: String,
    /// Why.
    #[serde(flatten)]
    pub problem: MethodProblem,
}

/// Why a contact method does not reach its person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum MethodProblem {
    /// `enabled: false`.
    Disabled,
    /// The platform has not verified the value.
    Unverified,
    /// Messages to the value bounce.
    Bounced,
    /// Its active hours exclude the time.
    OutsideActiveHours {
        /// Days.
        days: Vec<String>,
        /// From, `HH:MM`.
        from: String,
        /// To, `HH:MM`.
        to: String,
        /// In this zone.
        time_zone: String,
    },
}

/// An absence of someone who would be paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Absence {
    /// Who is out.
    pub user: String,
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub until: DateTime<Utc>,
    /// Who covers this group, if anyone.
    pub cover: Option<String>,
    /// Why.
    pub note: Option<String>,
}

/// A platform shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftSpan {
    /// Who.
    pub user: String,
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub until: DateTime<Utc>,
}

impl Coverage {
    /// Every gap of every group, by group then time.
    pub fn gaps(&self) -> impl Iterator<Item = &Gap> {
        self.groups.iter().flat_map(|g| g.gaps.iter())
    }

    /// Whether every group is reachable throughout.
    pub fn is_covered(&self) -> bool {
        self.gaps().next().is_none()
    }

    /// One group's coverage.
    pub fn group(&self, name: &str) -> Option<&GroupCoverage> {
        self.groups
            .binary_search_by(|g| g.group.as_str().cmp(name))
            .ok()
            .map(|i| &self.groups[i])
    }
}

/// The gaps of `after` that `before` did not have: for each group and
/// kind, the parts of `after`'s gaps outside `before`'s, with `after`'s
/// reasons. A change that creates these should be stopped.
pub fn new_gaps(before: &Coverage, after: &Coverage) -> Vec<Gap> {
    let mut out = Vec::new();
    for group in &after.groups {
        let old = before.group(&group.group);
        for gap in &group.gaps {
            let had = old.map_or_else(SpanSet::empty, |g| {
                SpanSet::from_spans(
                    g.gaps
                        .iter()
                        .filter(|o| o.kind == gap.kind)
                        .map(|o| Span::new(o.from.timestamp(), o.until.timestamp()))
                        .collect(),
                )
            });
            let fresh =
                SpanSet::of(Span::new(gap.from.timestamp(), gap.until.timestamp())).subtract(&had);
            for span in fresh.spans() {
                out.push(Gap {
                    from: from_seconds(span.from),
                    until: from_seconds(span.until),
                    ..gap.clone()
                });
            }
        }
    }
    out
}

/// The parts of `after`'s gaps that `before` had too (same group and
/// kind), with `after`'s reasons: gaps a change leaves as they were.
pub fn kept_gaps(before: &Coverage, after: &Coverage) -> Vec<Gap> {
    let mut out = Vec::new();
    for group in &after.groups {
        let Some(old) = before.group(&group.group) else {
            continue;
        };
        for gap in &group.gaps {
            let had = SpanSet::from_spans(
                old.gaps
                    .iter()
                    .filter(|o| o.kind == gap.kind)
                    .map(|o| Span::new(o.from.timestamp(), o.until.timestamp()))
                    .collect(),
            );
            let kept =
                SpanSet::of(Span::new(gap.from.timestamp(), gap.until.timestamp())).intersect(&had);
            for span in kept.spans() {
                out.push(Gap {
                    from: from_seconds(span.from),
                    until: from_seconds(span.until),
                    ..gap.clone()
                });
            }
        }
    }
    out
}

/// Analyses every group of `directory` over `period`.
pub fn analyse(directory: &Directory, platform: &PlatformState, period: Period) -> Coverage {
    let range = Span::new(period.from.timestamp(), period.until.timestamp());
    let verifications = reach::Verifications::new(platform);
    let mut resolver = Resolver::new(directory, verifications, range);
    let mut shifts: BTreeMap<&str, Vec<(Span, &str)>> = BTreeMap::new();
    for shift in &platform.shifts {
        let span = Span::new(shift.starts_at.timestamp(), shift.ends_at.timestamp()).meet(range);
        if !span.is_empty() {
            shifts
                .entry(shift.group.as_str())
                .or_default()
                .push((span, shift.user.as_str()));
        }
    }
    let groups = directory
        .groups
        .values()
        .map(|group| {
            let mut group_shifts = shifts.remove(group.name.as_str()).unwrap_or_default();
            group_shifts.sort();
            analyse_group(&mut resolver, group, &group_shifts)
        })
        .collect();
    Coverage { period, groups }
}

/// Someone who would be paged, when.
struct Candidate<'a> {
    user: &'a str,
    person: Option<Person>,
    duty: Duty,
    when: SpanSet,
}

fn analyse_group<'a>(
    resolver: &mut Resolver<'a>,
    group: &'a crate::model::directory::Group,
    shifts: &[(Span, &'a str)],
) -> GroupCoverage {
    let name = group.name.as_str();
    let range = resolver.range;
    let on_shift = SpanSet::from_spans(shifts.iter().map(|(s, _)| *s).collect());
    let free = SpanSet::of(range).subtract(&on_shift);
    let mut candidates: Vec<Candidate<'a>> = shifts
        .iter()
        .map(|(span, user)| Candidate {
            user,
            person: resolver.person(user),
            duty: Duty::Shift,
            when: SpanSet::of(*span),
        })
        .collect();
    if !free.is_empty() {
        for duty in [Duty::Primary, Duty::Secondary] {
            for (user, roles) in &group.members {
                let primary = roles.contains(&MemberRole::Primary);
                let wanted = match duty {
                    Duty::Primary => primary,
                    _ => !primary && roles.contains(&MemberRole::Secondary),
                };
                if wanted {
                    candidates.push(Candidate {
                        user,
                        person: resolver.person(user),
                        duty,
                        when: free.clone(),
                    });
                }
            }
        }
    }

    // Paint the period: each moment goes to the first candidate who answers.
    let mut open = SpanSet::of(range);
    let mut pieces: Vec<(Span, (usize, Person))> = Vec::new();
    let mut answered: Vec<SpanSet> = Vec::with_capacity(candidates.len());
    for (i, candidate) in candidates.iter().enumerate() {
        let Some(person) = candidate.person else {
            answered.push(SpanSet::empty());
            continue;
        };
        let answers = resolver.answers(person, name);
        let support = answers.support();
        if !open.is_empty() {
            let free_here = open.intersect(&candidate.when);
            let taken = answers.restrict(&free_here);
            if !taken.is_empty() {
                open = open.subtract(&SpanSet::from_spans(
                    taken.iter().map(|(s, _)| *s).collect(),
                ));
                pieces.extend(taken.into_iter().map(|(s, by)| (s, (i, by))));
            }
        }
        answered.push(support);
    }
    pieces.sort_by_key(|(s, _)| s.from);
    let mut paged: Vec<Paged> = Vec::new();
    for (span, (i, by)) in pieces {
        let candidate = &candidates[i];
        let answered_by = resolver.name(by);
        if let Some(last) = paged.last_mut()
            && last.until.timestamp() == span.from
            && last.user == candidate.user
            && last.duty == candidate.duty
            && last.answered_by == answered_by
        {
            last.until = from_seconds(span.until);
            continue;
        }
        paged.push(Paged {
            from: from_seconds(span.from),
            until: from_seconds(span.until),
            user: candidate.user.to_string(),
            duty: candidate.duty,
            answered_by: answered_by.to_string(),
        });
    }

    let mut gaps = Vec::new();
    for span in open.spans() {
        let reasons = reasons(resolver, name, &candidates, *span, None);
        gaps.push(Gap {
            group: name.to_string(),
            from: from_seconds(span.from),
            until: from_seconds(span.until),
            kind: GapKind::NobodyReachable,
            reasons,
        });
    }
    // Absences nobody answers for, where the group is not already unreachable.
    let mut uncovered: BTreeMap<&str, SpanSet> = BTreeMap::new();
    for (candidate, answered) in candidates.iter().zip(&answered) {
        let Some(person) = candidate.person else {
            continue;
        };
        let away = resolver.away_set(person);
        if away.is_empty() {
            continue;
        }
        let lost = away
            .intersect(&candidate.when)
            .subtract(answered)
            .subtract(&open);
        if !lost.is_empty() {
            let entry = uncovered.entry(candidate.user).or_default();
            *entry = entry.union(&lost);
        }
    }
    for (user, lost) in uncovered {
        for span in lost.spans() {
            let reasons = reasons(resolver, name, &candidates, *span, Some(user));
            gaps.push(Gap {
                group: name.to_string(),
                from: from_seconds(span.from),
                until: from_seconds(span.until),
                kind: GapKind::UncoveredAbsence {
                    user: user.to_string(),
                },
                reasons,
            });
        }
    }
    gaps.sort_by(|a, b| (a.from, a.until, &a.kind).cmp(&(b.from, b.until, &b.kind)));

    let mut absences = Vec::new();
    let mut seen = BTreeSet::new();
    for candidate in &candidates {
        let Some(person) = candidate.person else {
            continue;
        };
        for &(span, window) in &resolver.away[person as usize] {
            if candidate.when.touches(span) && seen.insert((candidate.user, window.from)) {
                absences.push(Absence {
                    user: candidate.user.to_string(),
                    from: window.from,
                    until: window.until,
                    cover: window.cover.for_group(name).map(str::to_string),
                    note: window.note.clone(),
                });
            }
        }
    }
    absences.sort_by(|a, b| (a.from, &a.user).cmp(&(b.from, &b.user)));
    let shifts = shifts
        .iter()
        .map(|(span, user)| ShiftSpan {
            user: user.to_string(),
            from: from_seconds(span.from),
            until: from_seconds(span.until),
        })
        .collect();
    GroupCoverage {
        group: name.to_string(),
        paged,
        gaps,
        absences,
        shifts,
    }
}

/// The reasons of the candidates on duty during `span` (only `only`'s
/// when given), each a chain that leads to nobody.
fn reasons(
    resolver: &mut Resolver<'_>,
    group: &str,
    candidates: &[Candidate<'_>],
    span: Span,
    only: Option<&str>,
) -> Vec<Reason> {
    let mut out = BTreeSet::new();
    let mut on_duty = false;
    for candidate in candidates {
        if only.is_some_and(|u| u != candidate.user) {
            continue;
        }
        for part in candidate.when.clip(span).spans() {
            on_duty = true;
            let chains = match candidate.person {
                Some(person) => resolver.explain(person, group, *part),
                None => vec![vec![Step::Unknown {
                    user: candidate.user.to_string(),
                }]],
            };
            for chain in chains {
                out.insert(Reason::Person {
                    user: candidate.user.to_string(),
                    duty: candidate.duty,
                    chain,
                });
            }
        }
    }
    if !on_duty {
        out.insert(Reason::NobodyOnDuty);
    }
    out.into_iter().collect()
}

/// A time from seconds since the epoch.
fn from_seconds(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}
