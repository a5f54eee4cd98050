//! Calendars of shifts and out-of-office windows (SPEC section 10).
//!
//! Pure, like the planner: [`source::CalendarSource`] is what the store
//! reads for one person or group (never the whole directory);
//! [`events::events`] turns it and a [`Period`] into events, from that
//! person's or group's point of view; [`ics::render`] writes them as an
//! RFC 5545 calendar with the zone's VTIMEZONE ([`vtimezone`]).
//! [`token`] makes and checks the secrets in WebCal feed URLs.

pub mod events;
pub mod ics;
pub mod source;
pub mod token;
pub mod vtimezone;

use chrono::{DateTime, Duration, DurationRound, Utc};

pub use events::{Busy, CalendarEvent, events};
pub use source::{CalendarSource, Subject};

/// The instants a calendar covers: events that overlap it are included
/// whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start.
    pub from: DateTime<Utc>,
    /// End, after the start.
    pub until: DateTime<Utc>,
}

/// Days before the present a calendar shows by default.
pub const DAYS_BEFORE: i64 = 7;
/// Days after the present a calendar shows by default.
pub const DAYS_AFTER: i64 = 90;

impl Period {
    /// The default period around `now`: from 7 days ago to 90 days ahead,
    /// in whole UTC days so that a feed read twice the same day is the same.
    pub fn around(now: DateTime<Utc>) -> Period {
        let today = now.duration_trunc(Duration::days(1)).unwrap_or(now);
        Period {
            from: today - Duration::days(DAYS_BEFORE),
            until: today + Duration::days(DAYS_AFTER + 1),
        }
    }

    /// Whether `[from, until)` shares an instant with this period.
    pub fn overlaps(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
        from < self.until && self.from < until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_period_is_whole_days() {
        let now = "2026-11-22T15:30:00Z".parse().unwrap();
        let period = Period::around(now);
        assert_eq!(period.from.to_rfc3339(), "2026-11-15T00:00:00+00:00");
        assert_eq!(period.until.to_rfc3339(), "2027-02-21T00:00:00+00:00");
        assert!(period.overlaps(
            period.from - Duration::hours(1),
            period.from + Duration::seconds(1)
        ));
        assert!(!period.overlaps(period.from - Duration::hours(1), period.from));
    }
}
