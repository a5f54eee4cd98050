//! A VTIMEZONE for a zone over a period, made from the tz database that
//! chrono-tz embeds: one observance per change of offset, found by
//! looking a day at a time and narrowing to the second, so no rule of any
//! zone needs to be known (date-line moves such as Samoa's in 2011
//! included). The `icalendar` crate writes events but has no time zones;
//! each line here is still written by its `Property`, so escaping and
//! folding are the crate's.

use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use icalendar::Property;

/// The offset in force at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offsets {
    /// Seconds east of UTC.
    total: i32,
    /// Whether it is daylight-saving time.
    daylight: bool,
    /// The abbreviation (`CET`, `+14`).
    name: Option<String>,
}

fn offsets(tz: Tz, at: DateTime<Utc>) -> Offsets {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    Offsets {
        total: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().map(str::to_string),
    }
}

/// One observance: from its onset on, the zone is `offset_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// DAYLIGHT rather than STANDARD.
    pub daylight: bool,
    /// The onset, in local time before it (RFC 5545 3.6.5).
    pub onset: NaiveDateTime,
    /// Seconds east of UTC before the onset.
    pub offset_from: i32,
    /// Seconds east of UTC from the onset on.
    pub offset_to: i32,
    /// The abbreviation from the onset on.
    pub name: Option<String>,
}

/// The observances of `tz` that cover `[from, until]`: the one in force a
/// day before `from`, then one per change up to `until`.
pub fn observances(tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Observance> {
    let day = Duration::days(1);
    let start = from.duration_trunc(day).unwrap_or(from) - day;
    let first = offsets(tz, start);
    let mut list = vec![Observance {
        daylight: first.daylight,
        onset: start.naive_utc() + Duration::seconds(i64::from(first.total)),
        offset_from: first.total,
        offset_to: first.total,
        name: first.name.clone(),
    }];
    let mut at = start;
    let mut current = first;
    while at < until {
        let next_day = at + day;
        let next = offsets(tz, next_day);
        let mut before = at;
        // Usually no change in a day, at most one; a loop all the same.
        while next != current {
            // The first second at which `current` is no longer in force.
            let mut after = next_day;
            while after - before > Duration::seconds(1) {
                let middle = before + Duration::seconds((after - before).num_seconds() / 2);
                if offsets(tz, middle) == current {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            let now = offsets(tz, after);
            list.push(Observance {
                daylight: now.daylight,
                onset: after.naive_utc() + Duration::seconds(i64::from(current.total)),
                offset_from: current.total,
                offset_to: now.total,
                name: now.name.clone(),
            });
            current = now;
            before = after;
        }
        at = next_day;
    }
    list
}

/// `+0100`, `-0930`, `+051736` (seconds only when there are any).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

fn line(key: &str, value: &str) -> String {
    Property::new(key, value).try_into().unwrap_or_default()
}

/// The VTIMEZONE component of `tz` over `[from, until]`, CRLF lines.
pub fn component(tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let mut text = String::from("BEGIN:VTIMEZONE\r\n");
    text.push_str(&line("TZID", tz.name()));
    for observance in observances(tz, from, until) {
        let kind = if observance.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        text.push_str(&format!("BEGIN:{kind}\r\n"));
        text.push_str(&line(
            "DTSTART",
            &observance.onset.format("%Y%m%dT%H%M%S").to_string(),
        ));
        text.push_str(&line("TZOFFSETFROM", &utc_offset(observance.offset_from)));
        text.push_str(&line("TZOFFSETTO", &utc_offset(observance.offset_to)));
        if let Some(name) = &observance.name {
            text.push_str(&line("TZNAME", name));
        }
        text.push_str(&format!("END:{kind}\r\n"));
    }
    text.push_str("END:VTIMEZONE\r\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn berlin_in_2027_changes_twice() {
        let list = observances(
            chrono_tz::Europe::Berlin,
            at("2027-01-01T00:00:00Z"),
            at("2027-12-31T00:00:00Z"),
        );
        let shown: Vec<String> = list
            .iter()
            .map(|o| {
                format!(
                    "{} {} {}→{} {:?}",
                    o.daylight, o.onset, o.offset_from, o.offset_to, o.name
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "false 2026-12-31 01:00:00 3600→3600 Some(\"CET\")",
                "true 2027-03-28 02:00:00 3600→7200 Some(\"CEST\")",
                "false 2027-10-31 03:00:00 7200→3600 Some(\"CET\")",
            ]
        );
    }

    #[test]
    fn samoa_skips_a_day_across_the_date_line() {
        let list = observances(
            chrono_tz::Pacific::Apia,
            at("2011-12-01T00:00:00Z"),
            at("2012-01-15T00:00:00Z"),
        );
        // 29 December 2011 24:00 local (-10:00) became 31 December 00:00 (+14:00).
        let jump = list
            .iter()
            .find(|o| o.offset_to - o.offset_from == 86_400)
            .unwrap();
        assert_eq!(jump.onset.to_string(), "2011-12-30 00:00:00");
        assert_eq!((jump.offset_from, jump.offset_to), (-36_000, 50_400));
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let list = observances(
            chrono_tz::Pacific::Kiritimati,
            at("2027-01-01T00:00:00Z"),
            at("2028-01-01T00:00:00Z"),
        );
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].offset_from, list[0].offset_to), (50_400, 50_400));
        assert_eq!(utc_offset(50_400), "+1400");
        assert_eq!(utc_offset(-34_200), "-0930");
        assert_eq!(utc_offset(-(3600 + 17 * 60 + 36)), "-011736");
    }
}
