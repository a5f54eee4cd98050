//! When one person can be reached by themselves: active, with a usable
//! contact method (enabled, neither unverified nor bouncing) whose active
//! hours include the moment in the person's own time zone. A push device
//! the mobile app registered reaches them at any hour.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::spans::{Span, SpanSet};
use crate::model::directory::{ActiveHours, ContactMethod, User};
use crate::model::live::{PlatformState, VerificationState};
use crate::model::timezone;
use crate::model::vocab::{Channel, UserStatus, Weekday};

/// Verification states by user, then (channel, value): built once from the
/// platform state so a lookup needs no allocation.
pub(super) struct Verifications<'a> {
    by_user: HashMap<&'a str, Vec<(Channel, &'a str, VerificationState)>>,
    push: HashMap<&'a str, usize>,
}

impl<'a> Verifications<'a> {
    pub(super) fn new(platform: &'a PlatformState) -> Verifications<'a> {
        let mut by_user: HashMap<&str, Vec<_>> = HashMap::new();
        for ((user, channel, value), verification) in &platform.verifications {
            by_user.entry(user.as_str()).or_default().push((
                *channel,
                value.as_str(),
                verification.state,
            ));
        }
        let push = platform
            .push_methods
            .iter()
            .filter(|(_, devices)| !devices.is_empty())
            .map(|(user, devices)| (user.as_str(), devices.len()))
            .collect();
        Verifications { by_user, push }
    }

    /// The recorded state of a user's contact value, if any.
    pub(super) fn state(&self, user: &str, method: &ContactMethod) -> Option<VerificationState> {
        self.by_user.get(user).and_then(|values| {
            values
                .iter()
                .find(|(c, v, _)| *c == method.channel && *v == method.value)
                .map(|(_, _, s)| *s)
        })
    }

    /// Whether the user has a push device.
    pub(super) fn has_push(&self, user: &str) -> bool {
        self.push.contains_key(user)
    }
}

/// Why a contact method does not reach its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Unusable {
    Disabled,
    Unverified,
    Bounced,
}

/// Whether a method can be used at all, whatever the hour.
pub(super) fn unusable(
    verifications: &Verifications<'_>,
    user: &str,
    method: &ContactMethod,
) -> Option<Unusable> {
    if !method.enabled {
        return Some(Unusable::Disabled);
    }
    match verifications.state(user, method) {
        Some(VerificationState::Unverified) => Some(Unusable::Unverified),
        Some(VerificationState::Bounced) => Some(Unusable::Bounced),
        _ => None,
    }
}

/// The seconds of `range` at which `user` can be reached by themselves.
pub(super) fn reachable(user: &User, verifications: &Verifications<'_>, range: Span) -> SpanSet {
    if user.status != UserStatus::Active {
        return SpanSet::empty();
    }
    if verifications.has_push(&user.username) {
        return SpanSet::of(range);
    }
    let zone = zone_of(user);
    let mut spans = Vec::new();
    for method in &user.contact_methods {
        if unusable(verifications, &user.username, method).is_some() {
            continue;
        }
        match &method.active_hours {
            None => return SpanSet::of(range),
            Some(hours) => spans.extend(active_spans(hours, zone, range)),
        }
    }
    SpanSet::from_spans(spans)
}

/// The user's time zone; UTC when none is set (the rules require one for
/// active hours, so only a hand-edited live directory lacks it).
pub(super) fn zone_of(user: &User) -> Tz {
    user.time_zone
        .as_deref()
        .and_then(timezone::canonical)
        .unwrap_or(chrono_tz::UTC)
}

/// The spans within `range` in which `hours` allow a method, each day's
/// window starting on a listed day in `zone` (running past midnight when
/// `to` is earlier than `from`).
pub(super) fn active_spans(hours: &ActiveHours, zone: Tz, range: Span) -> Vec<Span> {
    let (Some(from), Some(to)) = (clock(&hours.from), clock(&hours.to)) else {
        return Vec::new();
    };
    let overnight = to <= from;
    let first = local_date(range.from, zone) - Duration::days(1);
    let last = local_date(range.until, zone);
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        if hours.days.contains(&weekday(day)) {
            let start = instant(day.and_time(from), zone);
            let end_day = if overnight {
                day + Duration::days(1)
            } else {
                day
            };
            let end = instant(end_day.and_time(to), zone);
            let span = Span::new(start, end).meet(range);
            if !span.is_empty() {
                out.push(span);
            }
        }
        day += Duration::days(1);
    }
    out
}

fn clock(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

fn local_date(seconds: i64, zone: Tz) -> NaiveDate {
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
        .date_naive()
}

fn weekday(date: NaiveDate) -> Weekday {
    match date.weekday() {
        chrono::Weekday::Mon => Weekday::Mon,
        chrono::Weekday::Tue => Weekday::Tue,
        chrono::Weekday::Wed => Weekday::Wed,
        chrono::Weekday::Thu => Weekday::Thu,
        chrono::Weekday::Fri => Weekday::Fri,
        chrono::Weekday::Sat => Weekday::Sat,
        chrono::Weekday::Sun => Weekday::Sun,
    }
}

/// A wall-clock time in `zone` as seconds since the epoch. A time the
/// clocks show twice is its first occurrence; a time they skip is read
/// with the offset in force before the jump, so it lands as far after the
/// jump as it was meant after the last valid minute (as RFC 5545 does).
pub(super) fn instant(local: NaiveDateTime, zone: Tz) -> i64 {
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.timestamp(),
        chrono::LocalResult::Ambiguous(earlier, _) => earlier.timestamp(),
        chrono::LocalResult::None => {
            let before = zone
                .from_utc_datetime(&(local - Duration::days(1)))
                .offset()
                .fix()
                .local_minus_utc();
            local.and_utc().timestamp() - i64::from(before)
        }
    }
}

/// Seconds since the epoch of a UTC time.
pub(super) fn seconds(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

use chrono::Offset;
