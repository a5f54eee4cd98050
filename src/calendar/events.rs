//! From a [`CalendarSource`] and a [`Period`] to events, from the point of
//! view of whose calendar it is. No I/O; the same source gives the same
//! events, in the same order.
//!
//! UIDs are made of row ids (stable across renames) and the point of view,
//! so that a re-import updates an event instead of adding a second one;
//! SEQUENCE and DTSTAMP are the revision the database keeps for the shift
//! or window.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Period;
use super::source::{AbsenceCover, AbsenceRecord, CalendarSource, Revision, ShiftRecord, Subject};
use crate::model::timezone;

/// How an event shows in free/busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// Does not make anyone look busy (shifts, covers, others' absences).
    Free,
    /// The person is away (their own absence).
    OutOfOffice,
}

/// One event of a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Globally unique and stable.
    pub uid: String,
    /// Revision of what the event shows.
    pub sequence: i64,
    /// When what it shows was last revised.
    pub stamp: DateTime<Utc>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// One line.
    pub summary: String,
    /// Details, several lines.
    pub description: String,
    /// What kind of event: "On call", "Out of office" or "Covering".
    pub category: &'static str,
    /// Free/busy.
    pub busy: Busy,
}

/// A whole calendar: its name, zone and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDocument {
    /// Shown as the calendar's name.
    pub name: String,
    /// The zone times are written in; UTC when none.
    pub zone: Option<Tz>,
    /// The period asked for.
    pub period: Period,
    /// Events, by start then UID.
    pub events: Vec<CalendarEvent>,
}

/// The domain part of every UID.
const UID_DOMAIN: &str = "roster";

/// What a revision-less row gets: the row was written while the triggers
/// that count revisions were missing.
fn revision(revision: Option<Revision>) -> (i64, DateTime<Utc>) {
    revision.map_or((0, DateTime::UNIX_EPOCH), |r| (r.sequence, r.revised_at))
}

/// A UID's instant part: `20270201T000000Z`.
fn compact(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The events of `source` that overlap `period`.
pub fn events(source: &CalendarSource, period: Period) -> CalendarDocument {
    let (name, zone, mut events) = match &source.subject {
        Subject::User(person) => (
            format!("On call: {}", person.display_name()),
            person.time_zone.as_deref().and_then(timezone::canonical),
            user_events(source, person.id, period),
        ),
        Subject::Group(group) => (
            format!("On call: {}", group.name),
            group_zone(source),
            group_events(source, &group.name, group.id, period),
        ),
    };
    events.sort_by(|a, b| (a.starts_at, &a.uid).cmp(&(b.starts_at, &b.uid)));
    CalendarDocument {
        name,
        zone,
        period,
        events,
    }
}

/// A group's zone: the one most of its members live in (the first name
/// of those tied), or none.
fn group_zone(source: &CalendarSource) -> Option<Tz> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for id in &source.members {
        let zone = source
            .people
            .get(id)
            .and_then(|p| p.time_zone.as_deref())
            .and_then(timezone::canonical);
        if let Some(zone) = zone {
            *counts.entry(zone.name()).or_default() += 1;
        }
    }
    let best = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, count)| *count == best)
        .and_then(|(name, _)| name.parse().ok())
}

fn user_events(source: &CalendarSource, me: i64, period: Period) -> Vec<CalendarEvent> {
    let mut events = Vec::new();
    for shift in source.shifts.iter().filter(|s| s.user_id == me) {
        if period.overlaps(shift.starts_at, shift.ends_at) {
            events.push(shift_event(
                shift,
                &format!("On call: {}", shift.group),
                format!("You are on call for {}.", shift.group),
                &format!("u{me}"),
            ));
        }
    }
    for absence in &source.absences {
        if !period.overlaps(absence.from, absence.until) {
            continue;
        }
        if absence.user_id == me {
            events.push(own_absence(source, absence, me));
        } else if let Some(event) = covering(source, absence, me) {
            events.push(event);
        }
    }
    events
}

fn shift_event(
    shift: &ShiftRecord,
    summary: &str,
    description: String,
    view: &str,
) -> CalendarEvent {
    let (sequence, stamp) = revision(shift.revision);
    CalendarEvent {
        uid: format!("shift-{}-{view}@{UID_DOMAIN}", shift.id),
        sequence,
        stamp,
        starts_at: shift.starts_at,
        ends_at: shift.ends_at,
        summary: summary.to_string(),
        description,
        category: "On call",
        busy: Busy::Free,
    }
}

fn absence_uid(absence: &AbsenceRecord, view: &str) -> String {
    format!(
        "oof-{}-{}-{view}@{UID_DOMAIN}",
        absence.user_id,
        compact(absence.from)
    )
}

/// The note, as a sentence to append.
fn note(absence: &AbsenceRecord) -> String {
    absence
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| format!("\nNote: {n}"))
        .unwrap_or_default()
}

fn own_absence(source: &CalendarSource, absence: &AbsenceRecord, me: i64) -> CalendarEvent {
    let (sequence, stamp) = revision(absence.revision);
    let covers = match &absence.cover {
        AbsenceCover::AllGroups(id) => {
            format!("Covered in every group by {}.", source.person(*id).full())
        }
        AbsenceCover::PerGroup(map) if map.is_empty() => "Nobody covers you.".to_string(),
        AbsenceCover::PerGroup(map) => {
            let each: Vec<String> = map
                .iter()
                .map(|(group, id)| format!("in {group} by {}", source.person(*id).full()))
                .collect();
            format!("Covered {}.", each.join(", "))
        }
    };
    let summary = match absence.note.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => format!("Out of office: {n}"),
        _ => "Out of office".to_string(),
    };
    CalendarEvent {
        uid: absence_uid(absence, &format!("u{me}")),
        sequence,
        stamp,
        starts_at: absence.from,
        ends_at: absence.until,
        summary,
        description: covers,
        category: "Out of office",
        busy: Busy::OutOfOffice,
    }
}

/// The window in which `me` covers someone else's absence, if they do.
fn covering(source: &CalendarSource, absence: &AbsenceRecord, me: i64) -> Option<CalendarEvent> {
    let away = source.person(absence.user_id);
    let (summary, scope) = match &absence.cover {
        AbsenceCover::AllGroups(id) if *id == me => (
            format!("Covering for {}", away.display_name()),
            "every group".to_string(),
        ),
        AbsenceCover::PerGroup(map) => {
            let groups: Vec<&str> = map
                .iter()
                .filter(|(_, id)| **id == me)
                .map(|(group, _)| group.as_str())
                .collect();
            if groups.is_empty() {
                return None;
            }
            let groups = groups.join(", ");
            (
                format!("Covering for {} in {groups}", away.display_name()),
                groups,
            )
        }
        AbsenceCover::AllGroups(_) => return None,
    };
    let (sequence, stamp) = revision(absence.revision);
    Some(CalendarEvent {
        uid: absence_uid(absence, &format!("u{me}")),
        sequence,
        stamp,
        starts_at: absence.from,
        ends_at: absence.until,
        summary,
        description: format!(
            "{} is out of office; you cover {scope}.{}",
            away.full(),
            note(absence)
        ),
        category: "Covering",
        busy: Busy::Free,
    })
}

fn group_events(
    source: &CalendarSource,
    group: &str,
    group_id: i64,
    period: Period,
) -> Vec<CalendarEvent> {
    let view = format!("g{group_id}");
    let mut events = Vec::new();
    for shift in source.shifts.iter().filter(|s| s.group == group) {
        if period.overlaps(shift.starts_at, shift.ends_at) {
            let person = source.person(shift.user_id);
            events.push(shift_event(
                shift,
                &format!("{} on call", person.display_name()),
                format!("{} is on call for {group}.", person.full()),
                &view,
            ));
        }
    }
    for absence in &source.absences {
        if !period.overlaps(absence.from, absence.until) {
            continue;
        }
        let away = source.person(absence.user_id);
        let covers = match absence.cover.for_group(group) {
            Some(id) => format!("{} covers {group}.", source.person(id).full()),
            None => format!("Nobody covers {group} for them."),
        };
        let (sequence, stamp) = revision(absence.revision);
        events.push(CalendarEvent {
            uid: absence_uid(absence, &view),
            sequence,
            stamp,
            starts_at: absence.from,
            ends_at: absence.until,
            summary: format!("{} out of office", away.display_name()),
            description: format!(
                "{} is out of office. {covers}{}",
                away.full(),
                note(absence)
            ),
            category: "Out of office",
            busy: Busy::Free,
        });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::source::{GroupInfo, Person};

    fn person(id: i64, name: &str, zone: Option<&str>) -> Person {
        Person {
            id,
            username: name.to_lowercase(),
            first_name: name.into(),
            last_name: "Doe".into(),
            time_zone: zone.map(str::to_string),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn source(subject: Subject) -> CalendarSource {
        let people = [
            person(1, "Ann", Some("Europe/Berlin")),
            person(2, "Ben", Some("europe/berlin")),
            person(3, "Cem", Some("Asia/Tokyo")),
            person(4, "Dee", None),
        ];
        CalendarSource {
            subject,
            people: people.into_iter().map(|p| (p.id, p)).collect(),
            members: vec![1, 2, 3, 4],
            shifts: vec![ShiftRecord {
                id: 7,
                group: "db".into(),
                user_id: 1,
                starts_at: at("2027-01-04T08:00:00Z"),
                ends_at: at("2027-01-11T08:00:00Z"),
                revision: Some(Revision {
                    sequence: 3,
                    revised_at: at("2026-12-01T10:00:00Z"),
                }),
            }],
            absences: vec![
                AbsenceRecord {
                    user_id: 2,
                    from: at("2027-01-05T00:00:00Z"),
                    until: at("2027-01-06T00:00:00Z"),
                    note: Some("dentist".into()),
                    cover: AbsenceCover::PerGroup(
                        [("db".to_string(), 1), ("web".to_string(), 3)].into(),
                    ),
                    revision: None,
                },
                AbsenceRecord {
                    user_id: 3,
                    from: at("2027-03-01T00:00:00Z"),
                    until: at("2027-03-02T00:00:00Z"),
                    note: None,
                    cover: AbsenceCover::AllGroups(1),
                    revision: None,
                },
            ],
        }
    }

    const JANUARY: fn() -> Period = || Period {
        from: at("2027-01-01T00:00:00Z"),
        until: at("2027-01-31T00:00:00Z"),
    };

    #[test]
    fn a_persons_calendar_shows_shifts_absences_and_covers_in_the_period() {
        let document = events(
            &source(Subject::User(person(1, "Ann", Some("Europe/Berlin")))),
            JANUARY(),
        );
        assert_eq!(document.name, "On call: Ann Doe");
        assert_eq!(document.zone, Some(chrono_tz::Europe::Berlin));
        let shown: Vec<(&str, &str, i64)> = document
            .events
            .iter()
            .map(|e| (e.category, e.summary.as_str(), e.sequence))
            .collect();
        // Cem's absence in March is outside the period; Ben's covered
        // groups other than Ann's are not hers.
        assert_eq!(
            shown,
            [
                ("On call", "On call: db", 3),
                ("Covering", "Covering for Ben Doe in db", 0)
            ]
        );
        assert_eq!(document.events[0].uid, "shift-7-u1@roster");
        assert_eq!(document.events[1].uid, "oof-2-20270105T000000Z-u1@roster");
        assert_eq!(
            document.events[1].description,
            "Ben Doe (ben) is out of office; you cover db.\nNote: dentist"
        );
        assert_eq!(document.events[1].stamp, DateTime::UNIX_EPOCH);
    }

    #[test]
    fn a_groups_calendar_is_in_its_members_most_common_zone() {
        let group = GroupInfo {
            id: 9,
            name: "db".into(),
            description: None,
        };
        let document = events(&source(Subject::Group(group)), JANUARY());
        assert_eq!(document.zone, Some(chrono_tz::Europe::Berlin));
        let shown: Vec<(&str, &str)> = document
            .events
            .iter()
            .map(|e| (e.summary.as_str(), e.description.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Ann Doe on call", "Ann Doe (ann) is on call for db."),
                (
                    "Ben Doe out of office",
                    "Ben Doe (ben) is out of office. Ann Doe (ann) covers db.\nNote: dentist"
                ),
            ]
        );
    }
}
