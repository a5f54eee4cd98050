//! Out-of-office times: a local time in the user's zone (refused in a
//! daylight-saving gap, asked for an offset when it happens twice), or
//! RFC 3339 with an offset.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::diagnostic::{Diagnostic, FileId};
use crate::model::timezone::{self, LocalInstant};

/// Why a date-time could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TimeProblem {
    Malformed,
    NeedsZone,
    Gap(NaiveDateTime),
    Ambiguous(NaiveDateTime, DateTime<Utc>, DateTime<Utc>),
    /// An instant whose UTC year is outside 1 to 9999, which not every
    /// database can store.
    OutOfRange(DateTime<Utc>),
}

impl TimeProblem {
    pub(super) fn diagnostic(
        &self,
        file: FileId,
        pointer: String,
        text: &str,
        zone: Option<Tz>,
    ) -> Diagnostic {
        let zone_name = zone.map_or("", |z| z.name());
        match self {
            TimeProblem::OutOfRange(instant) => Diagnostic::error(
                "roster::oof::time-range",
                format!("`{text}` is {} in UTC, outside the years 1 to 9999 that the databases store", instant.format("%+")),
            )
            .at_value(file, pointer, "out of range")
            .with_help("write a time between 0001-01-01 and 9999-12-31 (UTC)"),
            TimeProblem::Malformed => Diagnostic::error("roster::oof::time", format!("`{text}` is not a date and time"))
                .at_value(file, pointer, "not a date-time")
                .with_help("write `2026-12-21T09:00` (the user's local time) or `2026-12-21T09:00+01:00`"),
            TimeProblem::NeedsZone => Diagnostic::error(
                "roster::oof::time-zone",
                format!("local time `{text}` needs the user's `time_zone`"),
            )
            .at_value(file, pointer, "no offset, and the user has no time zone")
            .with_help("set the user's `time_zone`, or write the time with an offset such as `+01:00`"),
            TimeProblem::Gap(local) => Diagnostic::error(
                "roster::oof::dst-gap",
                format!("`{text}` does not exist in {zone_name}: the clocks skip it"),
            )
            .at_value(file, pointer, "falls in the daylight-saving gap")
            .with_help(format!(
                "on {} the clocks in {zone_name} jump forward over this time; pick a time outside the gap",
                local.date()
            )),
            TimeProblem::Ambiguous(local, earlier, later) => {
                let tz = zone.unwrap_or(chrono_tz::UTC);
                let offset = |t: &DateTime<Utc>| t.with_timezone(&tz).format("%:z").to_string();
                let plain = local.format("%Y-%m-%dT%H:%M");
                Diagnostic::error(
                    "roster::oof::dst-ambiguous",
                    format!("`{text}` happens twice in {zone_name}: the clocks fall back"),
                )
                .at_value(file, pointer, "ambiguous local time")
                .with_help(format!(
                    "write it with an explicit offset: `{plain}{}` for the first or `{plain}{}` for the second",
                    offset(earlier),
                    offset(later)
                ))
            }
        }
    }
}

/// Reads `2026-12-21T09:00[:ss]` in `zone`, or the same with `Z`/`±hh:mm`;
/// the instant must fall in the years 1 to 9999 in UTC.
pub(super) fn parse_instant(text: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, TimeProblem> {
    let instant = parse_any_instant(text, zone)?;
    if (1..=9999).contains(&instant.year()) {
        Ok(instant)
    } else {
        Err(TimeProblem::OutOfRange(instant))
    }
}

fn parse_any_instant(text: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, TimeProblem> {
    let text = text.trim().replacen(' ', "T", 1);
    let has_offset =
        text.ends_with('Z') || text.get(16..).is_some_and(|tail| tail.contains(['+', '-']));
    if has_offset {
        let text = text.replace('Z', "+00:00");
        for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M:%S%:z"] {
            if let Ok(t) = DateTime::parse_from_str(&text, format) {
                return Ok(t.with_timezone(&Utc));
            }
        }
        return Err(TimeProblem::Malformed);
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
        .ok_or(TimeProblem::Malformed)?;
    let zone = zone.ok_or(TimeProblem::NeedsZone)?;
    match timezone::local_to_utc(zone, local) {
        LocalInstant::Single(t) => Ok(t),
        LocalInstant::Gap => Err(TimeProblem::Gap(local)),
        LocalInstant::Ambiguous(a, b) => Err(TimeProblem::Ambiguous(local, a, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Option<Tz> {
        timezone::canonical("Europe/Berlin")
    }

    #[test]
    fn instants_from_local_and_offset_times() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            parse_instant("2026-12-21T00:00", berlin()),
            Ok(utc("2026-12-20T23:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21 00:00:30", berlin()),
            Ok(utc("2026-12-20T23:00:30Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21T00:00+05:30", None),
            Ok(utc("2026-12-20T18:30:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21T00:00:00Z", None),
            Ok(utc("2026-12-21T00:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21T00:00", None),
            Err(TimeProblem::NeedsZone)
        );
        assert_eq!(
            parse_instant("2026-13-21T00:00", berlin()),
            Err(TimeProblem::Malformed)
        );
        assert!(matches!(
            parse_instant("2027-03-28T02:30", berlin()),
            Err(TimeProblem::Gap(_))
        ));
        assert!(matches!(
            parse_instant("2026-10-25T02:30", berlin()),
            Err(TimeProblem::Ambiguous(..))
        ));
    }
}
