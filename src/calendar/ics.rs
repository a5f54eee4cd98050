//! Writes a [`CalendarDocument`] as an RFC 5545 calendar with the
//! `icalendar` crate: times in the calendar's zone with its VTIMEZONE,
//! whole days as DATE values, text escaped and lines folded at 75 octets
//! by the crate.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike};

use super::events::{Busy, CalendarDocument, CalendarEvent};
use super::vtimezone;

/// The PRODID of every calendar roster writes.
pub const PRODID: &str = "-//roster//on-call calendar//EN";

/// How often subscribers are asked to refresh a feed.
pub const REFRESH: chrono::Duration = chrono::Duration::hours(1);

/// The calendar as text (CRLF line ends, as RFC 5545 requires).
pub fn render(document: &CalendarDocument) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name(&one_line(&document.name))
        .ttl(&REFRESH);
    if let Some(zone) = document.zone {
        calendar.timezone(zone.name());
    }
    let header = calendar.done().to_string();
    let mut text = header
        .strip_suffix("END:VCALENDAR\r\n")
        .unwrap_or(&header)
        .to_string();
    if let Some(zone) = document.zone {
        let from = document
            .events
            .iter()
            .map(|e| e.starts_at)
            .chain([document.period.from])
            .min()
            .unwrap_or(document.period.from);
        let until = document
            .events
            .iter()
            .map(|e| e.ends_at)
            .chain([document.period.until])
            .max()
            .unwrap_or(document.period.until);
        text.push_str(&vtimezone::component(zone, from, until));
    }
    for event in &document.events {
        text.push_str(&vevent(event, document.zone).to_string());
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

fn vevent(event: &CalendarEvent, zone: Option<Tz>) -> Event {
    let mut vevent = Event::new();
    vevent
        .uid(&event.uid)
        .sequence(u32::try_from(event.sequence).unwrap_or(u32::MAX))
        .timestamp(event.stamp)
        .summary(&one_line(&event.summary))
        .description(&text(&event.description))
        .categories([event.category]);
    match whole_days(event, zone) {
        Some((first, after_last)) => vevent.starts(first).ends(after_last),
        None => vevent
            .starts(instant(event.starts_at, zone))
            .ends(instant(event.ends_at, zone)),
    };
    match event.busy {
        Busy::Free => vevent.add_property("TRANSP", "TRANSPARENT"),
        Busy::OutOfOffice => vevent
            .add_property("TRANSP", "OPAQUE")
            // Outlook shows the time as "Away" rather than "Busy".
            .add_property("X-MICROSOFT-CDO-BUSYSTATUS", "OOF"),
    };
    vevent.done()
}

/// The first day and the day after the last, when the event runs from a
/// midnight to a midnight in the calendar's zone: an all-day event.
fn whole_days(event: &CalendarEvent, zone: Option<Tz>) -> Option<(NaiveDate, NaiveDate)> {
    let local = |t: DateTime<Utc>| match zone {
        Some(tz) => t.with_timezone(&tz).naive_local(),
        None => t.naive_utc(),
    };
    let (start, end) = (local(event.starts_at), local(event.ends_at));
    (start.time() == NaiveTime::MIN && end.time() == NaiveTime::MIN && end.date() > start.date())
        .then(|| (start.date(), end.date()))
}

/// An instant as local time in the zone; in UTC where the local time is
/// the second of two (a fall-back hour), which RFC 5545 reads as the first.
fn instant(at: DateTime<Utc>, zone: Option<Tz>) -> DatePerhapsTime {
    let Some(tz) = zone else {
        return CalendarDateTime::Utc(at).into();
    };
    let local = at.with_timezone(&tz).naive_local();
    match tz.from_local_datetime(&local) {
        LocalResult::Ambiguous(first, _) if first.with_timezone(&Utc) != at => {
            CalendarDateTime::Utc(at).into()
        }
        _ => CalendarDateTime::WithTimezone {
            date_time: local,
            tzid: tz.name().to_string(),
        }
        .into(),
    }
}

/// Text for a TEXT value: line ends as `\n` (escaped by the crate), no
/// other control characters.
fn text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// Text on one line (a summary, a name).
fn one_line(value: &str) -> String {
    text(value).replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Period;

    fn event(from: &str, until: &str) -> CalendarEvent {
        CalendarEvent {
            uid: "x@roster".into(),
            sequence: 2,
            stamp: "2026-11-01T10:00:00Z".parse().unwrap(),
            starts_at: from.parse().unwrap(),
            ends_at: until.parse().unwrap(),
            summary: "Out of office: a, b; c\nd".into(),
            description: "line one\r\nline two, with \\ and ; and a long tail that goes on and on past seventy-five octets: äöü".into(),
            category: "Out of office",
            busy: Busy::OutOfOffice,
        }
    }

    fn render_one(event: CalendarEvent, zone: Option<Tz>) -> String {
        render(&CalendarDocument {
            name: "On call: Zoë".into(),
            zone,
            period: Period {
                from: "2026-10-20T00:00:00Z".parse().unwrap(),
                until: "2026-11-30T00:00:00Z".parse().unwrap(),
            },
            events: vec![event],
        })
    }

    #[test]
    fn midnight_to_midnight_is_all_day_and_text_is_escaped_and_folded() {
        let ics = render_one(
            event("2026-10-31T23:00:00Z", "2026-11-02T23:00:00Z"),
            Some(chrono_tz::Europe::Berlin),
        );
        assert!(ics.contains("DTSTART;VALUE=DATE:20261101\r\n"), "{ics}");
        assert!(ics.contains("DTEND;VALUE=DATE:20261103\r\n"), "{ics}");
        assert!(
            ics.contains("SUMMARY:Out of office: a\\, b\\; c d\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains("DESCRIPTION:line one\\nline two\\, with \\\\ and \\; and"),
            "{ics}"
        );
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(!ics.contains("\n\n") && !ics.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn the_second_of_two_equal_local_times_is_written_in_utc() {
        // Berlin's clocks went back at 01:00 UTC on 2026-10-25: 02:30 local
        // was 00:30 UTC and again 01:30 UTC.
        let ics = render_one(
            event("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"),
            Some(chrono_tz::Europe::Berlin),
        );
        assert!(
            ics.contains("DTSTART;TZID=Europe/Berlin:20261025T023000\r\n"),
            "{ics}"
        );
        assert!(ics.contains("DTEND:20261025T013000Z\r\n"), "{ics}");
    }

    #[test]
    fn without_a_zone_times_are_utc_and_there_is_no_vtimezone() {
        let ics = render_one(event("2026-11-01T08:00:00Z", "2026-11-01T09:00:00Z"), None);
        assert!(ics.contains("DTSTART:20261101T080000Z\r\n"), "{ics}");
        assert!(!ics.contains("VTIMEZONE"), "{ics}");
    }
}
