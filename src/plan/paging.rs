//! Coverage before and after the change (SPEC section 9): a gap the plan
//! creates in a group that exists stops it (unless allowed); a gap that
//! was there already, or in a group the plan creates (which pages nobody
//! yet, so loses nothing), is a warning. Only the groups the change can affect are analysed: the groups
//! it changes, and the groups of every person whose answering depends on a
//! changed user (members, shift holders and, through chains of covers,
//! everyone a changed user covers).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::{Action, Change, Note, Object, Plan, Refusal};
use crate::coverage::words::{between, gap_headline, gap_length, reason};
use crate::coverage::{self, Gap, Period};
use crate::model::Directory;
use crate::model::directory::{Cover, Group, User};
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, PlatformState};

/// How the plan looks at coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageCheck {
    /// How far ahead from the plan's present, in seconds.
    pub horizon_seconds: i64,
    /// Let a plan through that creates gaps (they become warnings).
    pub allow_gap: bool,
}

/// One side of the change: the directory's users and groups by name.
struct Side<'a> {
    users: BTreeMap<&'a str, &'a User>,
    groups: BTreeMap<&'a str, &'a Group>,
}

impl<'a> Side<'a> {
    fn live(directory: &'a Directory) -> Side<'a> {
        Side {
            users: directory
                .users
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
            groups: directory
                .groups
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
        }
    }

    /// The directory once `changes` are applied over `live`.
    fn after(live: &Side<'a>, changes: &'a [Change]) -> Side<'a> {
        let mut side = Side {
            users: live.users.clone(),
            groups: live.groups.clone(),
        };
        for change in changes {
            let live_name = change.renamed_from.as_deref().unwrap_or(&change.key.name);
            match change.key.kind {
                ObjectKind::User => {
                    side.users.remove(live_name);
                    if let (
                        Action::Create | Action::Update | Action::Replace,
                        Some(Object::User(u)),
                    ) = (change.action, &change.after)
                    {
                        side.users.insert(&change.key.name, u);
                    }
                }
                ObjectKind::Group => {
                    side.groups.remove(live_name);
                    if let (
                        Action::Create | Action::Update | Action::Replace,
                        Some(Object::Group(g)),
                    ) = (change.action, &change.after)
                    {
                        side.groups.insert(&change.key.name, g);
                    }
                }
                _ => {}
            }
        }
        side
    }

    /// The directory of `groups` and of everyone who may answer for them:
    /// members, shift holders, and their covers, transitively.
    fn restricted(&self, groups: &BTreeSet<&str>, platform: &PlatformState) -> Directory {
        let mut directory = Directory::default();
        let mut todo: Vec<&str> = Vec::new();
        for name in groups {
            if let Some(group) = self.groups.get(name) {
                directory.groups.insert(name.to_string(), (*group).clone());
                todo.extend(group.members.keys().map(String::as_str));
            }
        }
        todo.extend(
            platform
                .shifts
                .iter()
                .filter(|s| groups.contains(s.group.as_str()))
                .map(|s| s.user.as_str()),
        );
        while let Some(name) = todo.pop() {
            if directory.users.contains_key(name) {
                continue;
            }
            let Some(user) = self.users.get(name) else {
                continue;
            };
            directory.users.insert(name.to_string(), (*user).clone());
            for window in &user.out_of_office {
                match &window.cover {
                    Cover::AllGroups(cover) => todo.push(cover),
                    Cover::PerGroup(map) => todo.extend(map.values().map(String::as_str)),
                }
            }
        }
        directory
    }
}

/// Compares coverage before and after `plan`'s changes, adding refusals
/// for new gaps (warnings when allowed) and warnings for gaps kept.
pub(super) fn check(
    live: &LiveSnapshot,
    now: DateTime<Utc>,
    check: CoverageCheck,
    plan: &mut Plan,
) {
    if plan.changes.is_empty() {
        return;
    }
    let _stage = crate::timing::Stage::start("plan: coverage");
    let before = Side::live(&live.directory);
    let after = Side::after(&before, &plan.changes);
    let groups = affected_groups(&before, &after, &plan.changes, &live.platform);
    if groups.is_empty() {
        return;
    }
    let period = Period {
        from: now,
        until: now + Duration::seconds(check.horizon_seconds.max(1)),
    };
    let platform = &live.platform;
    let (old, new) = std::thread::scope(|scope| {
        let old = scope
            .spawn(|| coverage::analyse(&before.restricted(&groups, platform), platform, period));
        let new = coverage::analyse(&after.restricted(&groups, platform), platform, period);
        (old.join().expect("the analysis does not panic"), new)
    });
    for gap in coverage::new_gaps(&old, &new) {
        if old.group(&gap.group).is_none() {
            // A new group pages nobody yet: it loses nothing.
            plan.warnings.push(Note {
                object: ObjectKey::new(ObjectKind::Group, &gap.group),
                message: format!("new group with a coverage gap: {}", sentence(&gap)),
            });
        } else if check.allow_gap {
            plan.warnings.push(Note {
                object: ObjectKey::new(ObjectKind::Group, &gap.group),
                message: format!(
                    "this plan creates a coverage gap (allowed by `--allow-coverage-gap`): {}",
                    sentence(&gap)
                ),
            });
        } else {
            plan.refusals.push(Refusal {
                object: Some(ObjectKey::new(ObjectKind::Group, &gap.group)),
                message: format!("this plan creates a coverage gap: {}", sentence(&gap)),
                reasons: gap.reasons.iter().map(reason).collect(),
                hint: "give the group a reachable primary, secondary or cover for that time, or rerun with `--allow-coverage-gap` if the gap is meant".into(),
            });
        }
    }
    for gap in coverage::kept_gaps(&old, &new) {
        let why: Vec<String> = gap.reasons.iter().map(reason).collect();
        plan.warnings.push(Note {
            object: ObjectKey::new(ObjectKind::Group, &gap.group),
            message: format!(
                "coverage gap already there: {} ({})",
                sentence(&gap),
                why.join("; ")
            ),
        });
    }
    plan.refusals.sort();
    plan.warnings.sort();
}

/// `group `web-oncall` 2026-12-15 08:00 → 2026-12-22 00:00 UTC (6 days
/// 16 hours): nobody can be reached`.
fn sentence(gap: &Gap) -> String {
    format!(
        "group `{}` {} ({}): {}",
        gap.group,
        between(gap.from, gap.until),
        gap_length(gap),
        gap_headline(gap)
    )
}

/// The groups whose coverage the change can alter, on either side.
fn affected_groups<'a>(
    before: &Side<'a>,
    after: &Side<'a>,
    changes: &'a [Change],
    platform: &'a PlatformState,
) -> BTreeSet<&'a str> {
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for change in changes {
        let names = [
            Some(change.key.name.as_str()),
            change.renamed_from.as_deref(),
        ];
        match change.key.kind {
            ObjectKind::Group => groups.extend(names.into_iter().flatten()),
            ObjectKind::User => changed.extend(names.into_iter().flatten()),
            _ => {}
        }
    }
    // Who each person covers, on either side: a change to a cover changes
    // what the people they cover answer.
    let mut covered_by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for side in [before, after] {
        for (name, user) in &side.users {
            for window in &user.out_of_office {
                let covers: Vec<&str> = match &window.cover {
                    Cover::AllGroups(cover) => vec![cover.as_str()],
                    Cover::PerGroup(map) => map.values().map(String::as_str).collect(),
                };
                for cover in covers {
                    covered_by.entry(cover).or_default().insert(name);
                }
            }
        }
    }
    let mut depends: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = changed.into_iter().collect();
    while let Some(name) = todo.pop() {
        if depends.insert(name)
            && let Some(covered) = covered_by.get(name)
        {
            todo.extend(covered.iter().copied());
        }
    }
    if !depends.is_empty() {
        for side in [before, after] {
            for (name, group) in &side.groups {
                if group.members.keys().any(|m| depends.contains(m.as_str())) {
                    groups.insert(name);
                }
            }
        }
        groups.extend(
            platform
                .shifts
                .iter()
                .filter(|s| depends.contains(s.user.as_str()))
                .map(|s| s.group.as_str()),
        );
    }
    groups
}
