//! The analysis scenario by scenario, with exact gap intervals.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::*;
use crate::model::directory::{ActiveHours, ContactMethod, Cover, Group, OofWindow, User};
use crate::model::live::{PushMethod, Shift, Verification, VerificationState};
use crate::model::vocab::{Channel, Label, Weekday};

fn t(text: &str) -> DateTime<Utc> {
    let text = if text.len() == 16 {
        format!("{text}:00Z")
    } else {
        text.to_string()
    };
    DateTime::parse_from_rfc3339(&text).unwrap().to_utc()
}

fn sms(value: &str) -> ContactMethod {
    ContactMethod {
        channel: Channel::Sms,
        label: Label::Personal,
        variant: None,
        value: value.to_string(),
        wait_minutes: 0,
        retry: None,
        active_hours: None,
        enabled: true,
    }
}

fn user(name: &str) -> User {
    User {
        username: name.to_string(),
        email: format!("{name}@acme.example"),
        time_zone: Some("Europe/Berlin".to_string()),
        contact_methods: vec![sms(&format!("+4915100000{:03}", name.len()))],
        ..User::defaults()
    }
}

fn hours(days: &[Weekday], from: &str, to: &str) -> ActiveHours {
    ActiveHours {
        days: days.iter().copied().collect(),
        from: from.to_string(),
        to: to.to_string(),
    }
}

const EVERY_DAY: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn away(from: &str, until: &str, cover: &str) -> OofWindow {
    OofWindow {
        from: t(from),
        until: t(until),
        cover: Cover::AllGroups(cover.to_string()),
        note: None,
    }
}

fn away_per_group(from: &str, until: &str, covers: &[(&str, &str)]) -> OofWindow {
    OofWindow {
        from: t(from),
        until: t(until),
        cover: Cover::PerGroup(
            covers
                .iter()
                .map(|(g, u)| (g.to_string(), u.to_string()))
                .collect(),
        ),
        note: None,
    }
}

fn group(name: &str, members: &[(&str, &[MemberRole])]) -> Group {
    Group {
        name: name.to_string(),
        description: None,
        members: members
            .iter()
            .map(|(u, roles)| {
                (
                    u.to_string(),
                    roles.iter().copied().collect::<BTreeSet<_>>(),
                )
            })
            .collect(),
    }
}

fn directory(users: Vec<User>, groups: Vec<Group>) -> Directory {
    Directory {
        owner: None,
        roles: BTreeMap::new(),
        users: users.into_iter().map(|u| (u.username.clone(), u)).collect(),
        groups: groups.into_iter().map(|g| (g.name.clone(), g)).collect(),
    }
}

const P: &[MemberRole] = &[MemberRole::Primary];
const S: &[MemberRole] = &[MemberRole::Secondary];
const M: &[MemberRole] = &[MemberRole::Manager];

/// One scenario: a directory, platform state, a period, and the exact
/// gaps expected per group as (from, until, kind).
struct Case {
    name: &'static str,
    directory: Directory,
    platform: PlatformState,
    period: (&'static str, &'static str),
    gaps: Vec<(&'static str, &'static str, &'static str, &'static str)>,
}

fn kind_name(kind: &GapKind) -> String {
    match kind {
        GapKind::NobodyReachable => "nobody".to_string(),
        GapKind::UncoveredAbsence { user } => format!("absent:{user}"),
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    out.push(Case {
        name: "no primary and no secondary: nobody on duty throughout",
        directory: directory(vec![user("alice")], vec![group("db", &[("alice", M)])]),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-08T00:00"),
        gaps: vec![("db", "2027-02-01T00:00", "2027-02-08T00:00", "nobody")],
    });

    out.push(Case {
        name: "no primary, a secondary answers",
        directory: directory(
            vec![user("alice"), user("bob")],
            vec![group("db", &[("alice", M), ("bob", S)])],
        ),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-08T00:00"),
        gaps: vec![],
    });

    let mut alice = user("alice");
    alice.out_of_office = vec![away_per_group(
        "2027-02-02T00:00",
        "2027-02-04T12:00",
        &[("web", "bob")],
    )];
    out.push(Case {
        name: "the only primary is out with no cover for the group",
        directory: directory(
            vec![alice, user("bob")],
            vec![
                group("db", &[("alice", P)]),
                group("web", &[("alice", P), ("bob", M)]),
            ],
        ),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-08T00:00"),
        gaps: vec![("db", "2027-02-02T00:00", "2027-02-04T12:00", "nobody")],
    });

    let chain = |dave_status: UserStatus| {
        let mut alice = user("alice");
        alice.out_of_office = vec![away("2027-02-01T00:00", "2027-02-10T00:00", "bob")];
        let mut bob = user("bob");
        bob.out_of_office = vec![away("2027-02-03T00:00", "2027-02-08T00:00", "carol")];
        let mut carol = user("carol");
        carol.out_of_office = vec![away("2027-02-05T00:00", "2027-02-06T00:00", "dave")];
        let mut dave = user("dave");
        dave.status = dave_status;
        directory(
            vec![alice, bob, carol, dave],
            vec![group("db", &[("alice", P)])],
        )
    };
    out.push(Case {
        name: "a chain of three covers answers",
        directory: chain(UserStatus::Active),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-15T00:00"),
        gaps: vec![],
    });
    out.push(Case {
        name: "a chain of three covers ending at a disabled person",
        directory: chain(UserStatus::Disabled),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-15T00:00"),
        gaps: vec![("db", "2027-02-05T00:00", "2027-02-06T00:00", "nobody")],
    });

    let mut alice = user("alice");
    alice.out_of_office = vec![away("2027-02-01T00:00", "2027-02-10T00:00", "bob")];
    let mut bob = user("bob");
    bob.out_of_office = vec![away_per_group(
        "2027-02-04T06:00",
        "2027-02-05T18:00",
        &[("web", "carol")],
    )];
    out.push(Case {
        name: "the cover is out too, with no cover for the group",
        directory: directory(
            vec![alice, bob, user("carol")],
            vec![
                group("db", &[("alice", P)]),
                group("web", &[("bob", P), ("carol", S)]),
            ],
        ),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-15T00:00"),
        gaps: vec![("db", "2027-02-04T06:00", "2027-02-05T18:00", "nobody")],
    });

    let mut alice = user("alice");
    alice.out_of_office = vec![away("2027-02-01T00:00", "2027-02-10T00:00", "bob")];
    let mut bob = user("bob");
    bob.out_of_office = vec![away("2027-02-03T00:00", "2027-02-12T00:00", "alice")];
    out.push(Case {
        name: "covers in a circle answer for nobody while both are out",
        directory: directory(vec![alice, bob], vec![group("db", &[("alice", P)])]),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-15T00:00"),
        gaps: vec![("db", "2027-02-03T00:00", "2027-02-10T00:00", "nobody")],
    });

    // Berlin is UTC+1 in February: 08:00–20:00 local is 07:00–19:00 UTC.
    let mut alice = user("alice");
    alice.contact_methods[0].active_hours = Some(hours(&EVERY_DAY, "08:00", "20:00"));
    out.push(Case {
        name: "active hours that exclude the night",
        directory: directory(vec![alice], vec![group("db", &[("alice", P)])]),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-03T00:00"),
        gaps: vec![
            ("db", "2027-02-01T00:00", "2027-02-01T07:00", "nobody"),
            ("db", "2027-02-01T19:00", "2027-02-02T07:00", "nobody"),
            ("db", "2027-02-02T19:00", "2027-02-03T00:00", "nobody"),
        ],
    });

    // Berlin moves to UTC+2 on Sunday 2027-03-28 at 02:00.
    let mut alice = user("alice");
    alice.contact_methods[0].active_hours = Some(hours(&EVERY_DAY, "08:00", "20:00"));
    out.push(Case {
        name: "the DST week in Europe/Berlin",
        directory: directory(vec![alice], vec![group("db", &[("alice", P)])]),
        platform: PlatformState::default(),
        period: ("2027-03-26T00:00", "2027-03-30T00:00"),
        gaps: vec![
            ("db", "2027-03-26T00:00", "2027-03-26T07:00", "nobody"),
            ("db", "2027-03-26T19:00", "2027-03-27T07:00", "nobody"),
            ("db", "2027-03-27T19:00", "2027-03-28T06:00", "nobody"),
            ("db", "2027-03-28T18:00", "2027-03-29T06:00", "nobody"),
            ("db", "2027-03-29T18:00", "2027-03-30T00:00", "nobody"),
        ],
    });

    // New York moves to UTC−4 on Sunday 2027-03-14 at 02:00; back to UTC−5
    // on Sunday 2027-11-07. A night window 22:00–06:00 that spans the jump.
    let mut carol = user("carol");
    carol.time_zone = Some("America/New_York".to_string());
    carol.contact_methods[0].active_hours = Some(hours(&EVERY_DAY, "08:00", "20:00"));
    let mut night = user("nate");
    night.time_zone = Some("America/New_York".to_string());
    night.contact_methods[0].active_hours = Some(hours(&[Weekday::Sat], "22:00", "06:00"));
    out.push(Case {
        name: "the DST week in America/New_York, with a night window across the jump",
        directory: directory(
            vec![carol, night],
            vec![
                group("web", &[("carol", P)]),
                group("night", &[("nate", P)]),
            ],
        ),
        platform: PlatformState::default(),
        period: ("2027-03-13T00:00", "2027-03-15T12:00"),
        gaps: vec![
            // Saturday 22:00 EST = Sunday 03:00Z; Sunday 06:00 EDT = 10:00Z.
            ("night", "2027-03-13T00:00", "2027-03-14T03:00", "nobody"),
            ("night", "2027-03-14T10:00", "2027-03-15T12:00", "nobody"),
            ("web", "2027-03-13T01:00", "2027-03-13T13:00", "nobody"),
            ("web", "2027-03-14T01:00", "2027-03-14T12:00", "nobody"),
            ("web", "2027-03-15T00:00", "2027-03-15T12:00", "nobody"),
        ],
    });

    // Both sides of the date line: Monday 09:00–17:00 in Auckland (UTC+13
    // in March) is Sunday 20:00Z to Monday 04:00Z; in Pago Pago (UTC−11)
    // Monday 20:00Z to Tuesday 04:00Z.
    let mut kiri = user("aroha");
    kiri.time_zone = Some("Pacific/Auckland".to_string());
    kiri.contact_methods[0].active_hours = Some(hours(&[Weekday::Mon], "09:00", "17:00"));
    let mut pago = user("sina");
    pago.time_zone = Some("Pacific/Pago_Pago".to_string());
    pago.contact_methods[0].active_hours = Some(hours(&[Weekday::Mon], "09:00", "17:00"));
    out.push(Case {
        name: "zones on both sides of the date line",
        directory: directory(
            vec![kiri, pago],
            vec![
                group("east", &[("aroha", P)]),
                group("west", &[("sina", P)]),
            ],
        ),
        platform: PlatformState::default(),
        period: ("2027-03-21T00:00", "2027-03-24T00:00"),
        gaps: vec![
            ("east", "2027-03-21T00:00", "2027-03-21T20:00", "nobody"),
            ("east", "2027-03-22T04:00", "2027-03-24T00:00", "nobody"),
            ("west", "2027-03-21T00:00", "2027-03-22T20:00", "nobody"),
            ("west", "2027-03-23T04:00", "2027-03-24T00:00", "nobody"),
        ],
    });

    // During a shift only its holder is paged: a primary who is in does
    // not stand in for a shift holder who is away.
    let mut bob = user("bob");
    bob.out_of_office = vec![away_per_group(
        "2027-02-03T00:00",
        "2027-02-05T00:00",
        &[("web", "alice")],
    )];
    let shift = |from: &str, until: &str, who: &str| Shift {
        starts_at: t(from),
        ends_at: t(until),
        group: "db".to_string(),
        user: who.to_string(),
    };
    out.push(Case {
        name: "the shift holder is out with no cover for the group",
        directory: directory(
            vec![user("alice"), bob],
            vec![
                group("db", &[("alice", P), ("bob", S)]),
                group("web", &[("alice", P), ("bob", S)]),
            ],
        ),
        platform: PlatformState {
            shifts: vec![shift("2027-02-01T08:00", "2027-02-08T08:00", "bob")],
            ..PlatformState::default()
        },
        period: ("2027-02-01T00:00", "2027-02-10T00:00"),
        gaps: vec![("db", "2027-02-03T00:00", "2027-02-05T00:00", "nobody")],
    });

    // A per-group window that names only some of the person's groups: the
    // other group still has a secondary, but its primary's pages go to
    // someone who is away.
    let mut alice = user("alice");
    alice.out_of_office = vec![away_per_group(
        "2027-02-02T00:00",
        "2027-02-06T00:00",
        &[("db", "bob")],
    )];
    out.push(Case {
        name: "a partial per-group cover",
        directory: directory(
            vec![alice, user("bob"), user("carol")],
            vec![
                group("db", &[("alice", P), ("bob", S)]),
                group("web", &[("alice", P), ("carol", S)]),
            ],
        ),
        platform: PlatformState::default(),
        period: ("2027-02-01T00:00", "2027-02-08T00:00"),
        gaps: vec![(
            "web",
            "2027-02-02T00:00",
            "2027-02-06T00:00",
            "absent:alice",
        )],
    });

    // Verification: an unverified phone and a bounced email reach nobody;
    // a push device does, at any hour.
    let mut erin = user("erin");
    erin.contact_methods.push(ContactMethod {
        channel: Channel::Email,
        label: Label::Official,
        value: "erin@acme.example".to_string(),
        ..sms("")
    });
    let erin_sms = erin.contact_methods[0].value.clone();
    let mut verifications = BTreeMap::new();
    let checked = |state| Verification {
        state,
        checked_at: t("2027-01-01T00:00"),
    };
    verifications.insert(
        ("erin".to_string(), Channel::Sms, erin_sms),
        checked(VerificationState::Unverified),
    );
    verifications.insert(
        (
            "erin".to_string(),
            Channel::Email,
            "erin@acme.example".to_string(),
        ),
        checked(VerificationState::Bounced),
    );
    let mut pushy = user("pushy");
    pushy.contact_methods[0].enabled = false;
    out.push(Case {
        name: "unverified and bouncing values reach nobody; a push device does",
        directory: directory(
            vec![erin, pushy],
            vec![
                group("ops", &[("erin", P)]),
                group("mobile", &[("pushy", P)]),
            ],
        ),
        platform: PlatformState {
            verifications,
            push_methods: BTreeMap::from([(
                "pushy".to_string(),
                vec![PushMethod {
                    device: "Pixel 9".to_string(),
                    registered_at: t("2027-01-01T00:00"),
                }],
            )]),
            ..PlatformState::default()
        },
        period: ("2027-02-01T00:00", "2027-02-02T00:00"),
        gaps: vec![("ops", "2027-02-01T00:00", "2027-02-02T00:00", "nobody")],
    });
    out
}

#[test]
fn scenarios_have_exactly_the_expected_gaps() {
    for case in cases() {
        let period = Period {
            from: t(case.period.0),
            until: t(case.period.1),
        };
        let coverage = analyse(&case.directory, &case.platform, period);
        let got: Vec<(String, DateTime<Utc>, DateTime<Utc>, String)> = coverage
            .gaps()
            .map(|g| (g.group.clone(), g.from, g.until, kind_name(&g.kind)))
            .collect();
        let want: Vec<(String, DateTime<Utc>, DateTime<Utc>, String)> = case
            .gaps
            .iter()
            .map(|(g, a, b, k)| (g.to_string(), t(a), t(b), k.to_string()))
            .collect();
        assert_eq!(got, want, "{}", case.name);
        assert_eq!(coverage.is_covered(), want.is_empty(), "{}", case.name);
        for gap in coverage.gaps() {
            assert!(
                !gap.reasons.is_empty(),
                "{}: a gap without reasons",
                case.name
            );
        }
        // The paged times and the gaps of kind `nobody` tile the period.
        for group in &coverage.groups {
            let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = group
                .paged
                .iter()
                .map(|p| (p.from, p.until))
                .chain(
                    group
                        .gaps
                        .iter()
                        .filter(|g| g.kind == GapKind::NobodyReachable)
                        .map(|g| (g.from, g.until)),
                )
                .collect();
            spans.sort();
            let mut at = period.from;
            for (from, until) in spans {
                assert_eq!(from, at, "{}: {} is not tiled", case.name, group.group);
                at = until;
            }
            assert_eq!(
                at, period.until,
                "{}: {} is not tiled",
                case.name, group.group
            );
        }
    }
}

#[test]
fn a_chain_of_covers_is_answered_by_its_end_and_explained() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "a chain of three covers answers")
        .unwrap();
    let period = Period {
        from: t("2027-02-01T00:00"),
        until: t("2027-02-15T00:00"),
    };
    let coverage = analyse(&case.directory, &case.platform, period);
    let answered: Vec<(DateTime<Utc>, &str)> = coverage.groups[0]
        .paged
        .iter()
        .map(|p| (p.from, p.answered_by.as_str()))
        .collect();
    assert_eq!(
        answered,
        vec![
            (t("2027-02-01T00:00"), "bob"),
            (t("2027-02-03T00:00"), "carol"),
            (t("2027-02-05T00:00"), "dave"),
            (t("2027-02-06T00:00"), "carol"),
            (t("2027-02-08T00:00"), "bob"),
            (t("2027-02-10T00:00"), "alice"),
        ]
    );
    let broken = cases()
        .into_iter()
        .find(|c| c.name == "a chain of three covers ending at a disabled person")
        .unwrap();
    let coverage = analyse(&broken.directory, &broken.platform, period);
    let gap = coverage.gaps().next().unwrap();
    let Reason::Person { user, duty, chain } = &gap.reasons[0] else {
        panic!("{:?}", gap.reasons)
    };
    assert_eq!((user.as_str(), *duty), ("alice", Duty::Primary));
    let people: Vec<&str> = chain
        .iter()
        .map(|s| match s {
            Step::Away { user, .. } | Step::Unreachable { user, .. } => user.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(people, ["alice", "bob", "carol", "dave"]);
    assert!(matches!(
        chain.last(),
        Some(Step::Unreachable {
            why: Unreachable::Status {
                status: UserStatus::Disabled
            },
            ..
        })
    ));
}

#[test]
fn a_circle_of_covers_is_named() {
    let case = cases()
        .into_iter()
        .find(|c| c.name.starts_with("covers in a circle"))
        .unwrap();
    let period = Period {
        from: t("2027-02-01T00:00"),
        until: t("2027-02-15T00:00"),
    };
    let coverage = analyse(&case.directory, &case.platform, period);
    let gap = coverage.gaps().next().unwrap();
    let Reason::Person { chain, .. } = &gap.reasons[0] else {
        panic!()
    };
    assert!(
        matches!(chain.last(), Some(Step::Circle { back_to }) if back_to == "alice"),
        "{chain:?}"
    );
}

#[test]
fn new_gaps_are_those_a_change_creates() {
    let mut before = directory(
        vec![user("alice"), user("bob")],
        vec![
            group("db", &[("alice", P), ("bob", S)]),
            group("web", &[("bob", M)]),
        ],
    );
    before.users.get_mut("bob").unwrap().contact_methods[0].active_hours =
        Some(hours(&EVERY_DAY, "08:00", "20:00"));
    let period = Period {
        from: t("2027-02-01T00:00"),
        until: t("2027-02-02T00:00"),
    };
    let old = analyse(&before, &PlatformState::default(), period);
    // web never had anyone: an existing gap, not a new one.
    assert_eq!(old.gaps().count(), 1);
    let mut after = before.clone();
    after.users.get_mut("alice").unwrap().status = UserStatus::Disabled;
    let new = analyse(&after, &PlatformState::default(), period);
    let fresh: Vec<(&str, DateTime<Utc>, DateTime<Utc>)> = new_gaps(&old, &new)
        .iter()
        .map(|g| (g.group.as_str(), g.from, g.until))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(g, a, b)| (if g == "db" { "db" } else { "web" }, a, b))
        .collect();
    assert_eq!(
        fresh,
        vec![
            ("db", t("2027-02-01T00:00"), t("2027-02-01T07:00")),
            ("db", t("2027-02-01T19:00"), t("2027-02-02T00:00")),
        ]
    );
}

#[test]
fn a_long_chain_and_a_long_circle_resolve() {
    // 5,000 people each out for the same week, each covered by the next;
    // the last is in (a chain) or covered by the first (a circle).
    for circle in [false, true] {
        let n = 5_000;
        let mut users = Vec::with_capacity(n);
        for i in 0..n {
            let mut u = user(&format!("u{i:04}"));
            if i + 1 < n || circle {
                u.out_of_office = vec![away(
                    "2027-02-02T00:00",
                    "2027-02-09T00:00",
                    &format!("u{:04}", (i + 1) % n),
                )];
            }
            users.push(u);
        }
        let dir = directory(users, vec![group("db", &[("u0000", P)])]);
        let period = Period {
            from: t("2027-02-01T00:00"),
            until: t("2027-02-15T00:00"),
        };
        let coverage = analyse(&dir, &PlatformState::default(), period);
        let gaps: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            coverage.gaps().map(|g| (g.from, g.until)).collect();
        if circle {
            assert_eq!(gaps, vec![(t("2027-02-02T00:00"), t("2027-02-09T00:00"))]);
        } else {
            assert!(gaps.is_empty(), "{gaps:?}");
            assert_eq!(coverage.groups[0].paged[1].answered_by, "u4999");
        }
    }
}
