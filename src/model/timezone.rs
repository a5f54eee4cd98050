//! Time zones by IANA name: lookup without regard to case, links resolved
//! to their primary zone for computing, the name kept as written (spelled
//! as IANA spells it) for storing, and local times read with DST gaps and
//! overlaps made explicit.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::tz_links::LINKS;

fn by_lowercase_name() -> &'static HashMap<String, Tz> {
    static ZONES: OnceLock<HashMap<String, Tz>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones: HashMap<String, Tz> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| (tz.name().to_lowercase(), *tz))
            .collect();
        for (link, primary) in LINKS {
            if let Some(tz) = zones.get(&primary.to_lowercase()).copied() {
                zones.insert(link.to_lowercase(), tz);
            }
        }
        zones
    })
}

/// Every zone and link name as IANA spells it, by its lowercase form.
fn spellings() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .chain(LINKS.iter().map(|(link, _)| *link))
            .map(|name| (name.to_lowercase(), name))
            .collect()
    })
}

/// A zone's name as written, spelled as IANA spells it: `europe/amsterdam`
/// → `Europe/Amsterdam`, which stays Amsterdam although it is a link to
/// Brussels (SPEC: compared canonically, kept as written). `None` for a
/// name that designates no zone.
pub fn spelled(name: &str) -> Option<&'static str> {
    spellings().get(&name.trim().to_lowercase()).copied()
}

fn primary_of(tz: Tz) -> Tz {
    match LINKS.binary_search_by(|(link, _)| (*link).cmp(tz.name())) {
        Ok(i) => LINKS[i].1.parse().unwrap_or(tz),
        Err(_) => tz,
    }
}

/// The zone a name designates, in its canonical (primary) form:
/// `europe/berlin` → `Europe/Berlin`, `US/Pacific` → `America/Los_Angeles`.
pub fn canonical(name: &str) -> Option<Tz> {
    by_lowercase_name()
        .get(&name.trim().to_lowercase())
        .map(|tz| primary_of(*tz))
}

/// Every primary zone name, for suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// How a local time maps to an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalInstant {
    /// Exactly one instant.
    Single(DateTime<Utc>),
    /// The clocks skip this time (spring forward).
    Gap,
    /// The clocks show this time twice (fall back): the earlier and the later instant.
    Ambiguous(DateTime<Utc>, DateTime<Utc>),
}

/// Reads a wall-clock time in a zone.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> LocalInstant {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => LocalInstant::Single(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            LocalInstant::Ambiguous(a.with_timezone(&Utc), b.with_timezone(&Utc))
        }
        LocalResult::None => LocalInstant::Gap,
    }
}

/// An instant as the user's local time with its offset, so it reads as
/// the user would say it and is exact whatever the zone's rules.
pub fn instant_text(instant: DateTime<Utc>, zone: Option<Tz>) -> String {
    let format = if instant.second() == 0 {
        "%Y-%m-%dT%H:%M%:z"
    } else {
        "%Y-%m-%dT%H:%M:%S%:z"
    };
    match zone {
        Some(tz) => instant.with_timezone(&tz).format(format).to_string(),
        None => instant.format(format).to_string().replace("+00:00", "Z"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(
            canonical("europe/berlin").map(|t| t.name()),
            Some("Europe/Berlin")
        );
        assert_eq!(
            canonical("US/Pacific").map(|t| t.name()),
            Some("America/Los_Angeles")
        );
        assert_eq!(
            canonical("Asia/Calcutta").map(|t| t.name()),
            Some("Asia/Kolkata")
        );
        assert_eq!(canonical("Mars/Olympus"), None);
    }

    #[test]
    fn every_link_names_a_known_zone() {
        for (link, primary) in LINKS {
            assert!(
                primary.parse::<Tz>().is_ok(),
                "{link} → {primary} is not a zone chrono-tz knows"
            );
        }
    }

    #[test]
    fn dst_gap_and_overlap_in_berlin() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(local_to_utc(tz, at("2027-03-28T02:30")), LocalInstant::Gap);
        assert!(matches!(
            local_to_utc(tz, at("2026-10-25T02:30")),
            LocalInstant::Ambiguous(_, _)
        ));
        assert!(matches!(
            local_to_utc(tz, at("2026-12-21T00:00")),
            LocalInstant::Single(_)
        ));
    }
}
