//! Realistic directories of any size, for benchmarks and scale tests:
//! deterministic (the same seed gives the same directory, byte for byte),
//! valid (it passes every rule), and shaped like a large company's —
//! users with one to four contact methods, groups of 5 to 200 members,
//! out-of-office windows with either form of cover, custom roles, and the
//! platform's on-call shifts and push devices.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::Directory;
use crate::model::directory::{
    ActiveHours, ContactMethod, Cover, Group, OofWindow, Preferences, ProfileStep, Reminders,
    Retry, Role, User,
};
use crate::model::live::{ACCOUNT, ObjectKey, ObjectKind};
use crate::model::vocab::{
    Channel, Digest, HomePage, Label, Language, MemberRole, Permission, Priority, Theme,
    UserStatus, UserType, Variant, Weekday,
};
use crate::plan::{Action, Change, LiveFingerprint, Object, Plan, PlatformEffects, Summary};

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ines", "Jonas", "Kwame",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamar", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoë",
];
const LAST: &[&str] = &[
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hoang", "Ivanova",
    "Jensen", "Kim", "López", "Müller", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Singh",
    "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhou",
];
const ZONES: &[&str] = &[
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Africa/Lagos",
    "Europe/Madrid",
    "Asia/Singapore",
    "America/Chicago",
];
const LOCALES: &[&str] = &[
    "de-DE", "en-GB", "en-US", "pt-BR", "ja-JP", "en-IN", "en-AU", "en-NG", "es-ES", "en-SG",
    "en-US",
];
/// German mobile prefixes: with eight more digits, a valid number each.
const MOBILE_PREFIXES: &[&str] = &["151", "160", "170", "171", "176"];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Users.
    pub users: usize,
    /// The seed.
    pub seed: u64,
}

/// Platform-owned state to seed beside a generated directory.
#[derive(Debug, Clone, Default)]
pub struct PlatformSeed {
    /// Users with a registered mobile device.
    pub push_devices: Vec<String>,
    /// (group, user, start) of future one-week shifts.
    pub shifts: Vec<(String, String, DateTime<Utc>)>,
}

fn username(i: usize, rng: &mut Rng) -> (String, String, String) {
    let first = rng.pick(FIRST).to_string();
    let last = rng.pick(LAST).to_string();
    let ascii = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .map(|c| match c {
                'é' => 'e',
                'ë' => 'e',
                'í' => 'i',
                'ó' => 'o',
                'ü' => 'u',
                c => c,
            })
            .collect()
    };
    (
        format!("{}.{}.{i}", ascii(&first), ascii(&last)),
        first,
        last,
    )
}

/// A directory of `shape.users` users (at least 10), with its platform state.
pub fn directory(shape: Shape) -> (Directory, PlatformSeed) {
    let n = shape.users.max(10);
    let mut rng = Rng::new(shape.seed);
    let start = Utc
        .with_ymd_and_hms(2027, 1, 4, 9, 0, 0)
        .single()
        .expect("a valid date");
    let mut dir = Directory::default();

    let permissions = Permission::ALL;
    let role_names = [
        "responder",
        "incident_commander",
        "auditor",
        "schedule_manager",
        "support_lead",
    ];
    for (i, name) in role_names.iter().enumerate() {
        let granted: BTreeSet<Permission> = permissions
            .iter()
            .copied()
            .filter(|_| rng.chance(30 + 10 * i as u64))
            .collect();
        let granted = if granted.is_empty() {
            BTreeSet::from([Permission::ViewDashboard])
        } else {
            granted
        };
        dir.roles.insert(
            name.to_string(),
            Role {
                name: name.to_string(),
                description: Some(format!("The {} role", name.replace('_', " "))),
                permissions: granted,
            },
        );
    }

    // Users. About a fifth go out of office; those never cover anyone, so
    // covers are always in and no chain of covers needs checking.
    let mut names = Vec::with_capacity(n);
    let mut away = vec![false; n];
    let mut disabled = vec![false; n];
    for i in 0..n {
        let (name, first, last) = username(i, &mut rng);
        disabled[i] = i > 0 && rng.chance(1);
        away[i] = i > 0 && !disabled[i] && rng.chance(20);
        let mut roles = BTreeSet::from(["basic".to_string()]);
        if i == 0 || rng.chance(1) {
            roles.insert("app_admin".into());
        }
        if rng.chance(10) {
            roles.insert(rng.pick(&role_names).to_string());
        }
        let zone = rng.below(ZONES.len());
        let mobile = format!(
            "+49{}{:08}",
            MOBILE_PREFIXES[i % MOBILE_PREFIXES.len()],
            (i / MOBILE_PREFIXES.len()) % 100_000_000
        );
        let mut methods = vec![ContactMethod {
            channel: Channel::Email,
            label: Label::Official,
            variant: None,
            value: format!("{name}@corp.example"),
            wait_minutes: 0,
            retry: None,
            active_hours: None,
            enabled: true,
        }];
        let extra = rng.below(4);
        let candidates = [
            (Channel::Sms, Label::Personal, None),
            (Channel::Phone, Label::Official, Some(Variant::Mobile)),
            (Channel::Slack, Label::Official, None),
            (Channel::Whatsapp, Label::Personal, None),
        ];
        let first_extra = rng.below(candidates.len());
        let chosen = (0..extra).map(|k| &candidates[(first_extra + k) % candidates.len()]);
        for (channel, label, variant) in chosen {
            let value = match channel {
                Channel::Slack => format!("U{:08X}", i),
                _ => mobile.clone(),
            };
            methods.push(ContactMethod {
                channel: *channel,
                label: *label,
                variant: *variant,
                value,
                wait_minutes: if rng.chance(30) { 5 } else { 0 },
                retry: rng.chance(20).then_some(Retry {
                    count: 3,
                    interval_minutes: 10,
                }),
                active_hours: rng.chance(10).then(|| ActiveHours {
                    days: [
                        Weekday::Mon,
                        Weekday::Tue,
                        Weekday::Wed,
                        Weekday::Thu,
                        Weekday::Fri,
                    ]
                    .into(),
                    from: "08:00".into(),
                    to: "20:00".into(),
                }),
                enabled: true,
            });
        }
        let profiles = if rng.chance(5) {
            BTreeMap::from([(
                Priority::P1,
                methods
                    .iter()
                    .take(2)
                    .map(|m| ProfileStep {
                        method: m.key(),
                        wait_minutes: 0,
                        repeat: 1,
                    })
                    .collect(),
            )])
        } else {
            BTreeMap::new()
        };
        let user = User {
            username: name.clone(),
            email: format!("{name}@corp.example"),
            first_name: first,
            last_name: last,
            user_type: if rng.chance(5) {
                UserType::Light
            } else if rng.chance(2) {
                UserType::Stakeholder
            } else {
                UserType::Standard
            },
            status: if disabled[i] {
                UserStatus::Disabled
            } else {
                UserStatus::Active
            },
            roles,
            time_zone: Some(ZONES[zone].to_string()),
            locale: Some(LOCALES[zone % LOCALES.len()].to_string()),
            language: *rng.pick(&[
                Language::En,
                Language::En,
                Language::En,
                Language::De,
                Language::Es,
                Language::Fr,
                Language::Nl,
            ]),
            external_id: Some(format!("E{i:07}")),
            protected: i == 0,
            preferences: Preferences {
                home_page: *rng.pick(&[
                    HomePage::Dashboard,
                    HomePage::Dashboard,
                    HomePage::Alerts,
                    HomePage::Incidents,
                ]),
                theme: if rng.chance(40) {
                    Theme::Dark
                } else {
                    Theme::Light
                },
                digest: *rng.pick(&[Digest::High, Digest::High, Digest::All, Digest::None]),
            },
            reminders: Reminders {
                email: rng.chance(50),
                push: rng.chance(50),
                lead_minutes: 60,
                groups: BTreeSet::new(),
            },
            muted_integrations: if rng.chance(5) {
                BTreeSet::from(["datadog".to_string()])
            } else {
                BTreeSet::new()
            },
            contact_methods: methods,
            notification_profiles: profiles,
            out_of_office: Vec::new(),
        };
        names.push(name.clone());
        dir.users.insert(name, user);
    }
    dir.owner = Some(names[0].clone());

    // Groups of 5 to 200, about two memberships per user; disabled users
    // are in none. Each group has a manager who is never away.
    let present: Vec<usize> = (0..n).filter(|i| !disabled[*i]).collect();
    let groups = (n / 50).max(2);
    let mut member_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut group_members: Vec<Vec<usize>> = Vec::with_capacity(groups);
    for g in 0..groups {
        let size = 5 + rng.below(196);
        let size = size.min(present.len());
        let mut members = BTreeSet::new();
        while members.len() < size {
            members.insert(present[rng.below(present.len())]);
        }
        let name = format!("team-{g:05}");
        let mut group = Group {
            name: name.clone(),
            description: rng.chance(50).then(|| format!("On-call team {g}")),
            members: BTreeMap::new(),
        };
        let manager = members.iter().copied().find(|m| !away[*m]);
        for &m in &members {
            let mut roles = BTreeSet::new();
            if Some(m) == manager {
                roles.insert(MemberRole::Manager);
            }
            match rng.below(3) {
                0 => {
                    roles.insert(MemberRole::Primary);
                }
                1 => {
                    roles.insert(MemberRole::Secondary);
                }
                _ => {}
            }
            group.members.insert(names[m].clone(), roles);
            member_of[m].push(g);
        }
        if manager.is_none() {
            // Everyone here is away at some point: make the first member the
            // manager anyway (a warning-free group), and keep them in.
            let first = *members.iter().next().expect("groups are not empty");
            away[first] = false;
            group
                .members
                .get_mut(&names[first])
                .expect("a member")
                .insert(MemberRole::Manager);
        }
        group_members.push(members.into_iter().collect());
        dir.groups.insert(name, group);
    }

    // Out-of-office windows: covers are users who are never away.
    let in_office: Vec<usize> = present.iter().copied().filter(|i| !away[*i]).collect();
    for i in 0..n {
        if !away[i] {
            continue;
        }
        let from =
            start + Duration::days(rng.below(300) as i64) + Duration::hours(rng.below(10) as i64);
        let until = from + Duration::days(1 + rng.below(14) as i64);
        let per_group: Option<BTreeMap<String, String>> = (!member_of[i].is_empty()
            && rng.chance(30))
        .then(|| {
            member_of[i]
                .iter()
                .map(|g| {
                    let cover = group_members[*g]
                        .iter()
                        .copied()
                        .find(|m| *m != i && !away[*m]);
                    cover.map(|c| (format!("team-{g:05}"), names[c].clone()))
                })
                .collect::<Option<BTreeMap<_, _>>>()
        })
        .flatten();
        let cover = match per_group {
            Some(map) => Cover::PerGroup(map),
            None => Cover::AllGroups(names[in_office[rng.below(in_office.len())]].clone()),
        };
        let note = rng.chance(50).then(|| {
            (*rng.pick(&["vacation", "conference", "parental leave", "training"])).to_string()
        });
        let window = OofWindow {
            from,
            until,
            cover,
            note,
        };
        dir.users
            .get_mut(&names[i])
            .expect("a user")
            .out_of_office
            .push(window);
    }

    let mut platform = PlatformSeed::default();
    for (i, name) in names.iter().enumerate() {
        if !disabled[i] && rng.chance(35) {
            platform.push_devices.push(name.clone());
        }
    }
    for (g, members) in group_members.iter().enumerate() {
        let shift_start = start + Duration::weeks((g % 8) as i64);
        for (k, m) in members.iter().take(2).enumerate() {
            platform.shifts.push((
                format!("team-{g:05}"),
                names[*m].clone(),
                shift_start + Duration::weeks(k as i64),
            ));
        }
    }
    (dir, platform)
}

/// `count` new users, numbered after `existing`, for onboarding benchmarks.
pub fn new_users(count: usize, existing: usize, seed: u64) -> Vec<User> {
    let (dir, _) = directory(Shape {
        users: count.max(10),
        seed,
    });
    dir.users
        .into_values()
        .take(count)
        .enumerate()
        .map(|(k, mut user)| {
            let name = format!("new.hire.{}", existing + k);
            user.email = format!("{name}@corp.example");
            user.contact_methods[0].value = user.email.clone();
            user.username = name;
            // The HR ids of new hires follow on from the existing staff's.
            user.external_id = Some(format!("E{:07}", existing + k));
            user.roles.remove("app_admin");
            user.out_of_office.clear();
            user.protected = false;
            user
        })
        .collect()
}

/// A plan that creates a generated directory as if roster had applied it
/// long ago and every invitation had been accepted: statuses as declared,
/// no invitations sent. The benchmarks seed their databases through the
/// apply pipeline with it.
pub fn seed_plan(directory: &Directory, now: DateTime<Utc>) -> Plan {
    let create = |key: ObjectKey, object: Object| Change {
        key,
        action: Action::Create,
        renamed_from: None,
        fields: Vec::new(),
        after: Some(object),
        platform: PlatformEffects::default(),
        applied: None,
    };
    let mut changes: Vec<Change> = Vec::new();
    changes.extend(directory.roles.values().map(|r| {
        create(
            ObjectKey::new(ObjectKind::Role, &r.name),
            Object::Role(r.clone()),
        )
    }));
    changes.extend(directory.users.values().map(|u| {
        create(
            ObjectKey::new(ObjectKind::User, &u.username),
            Object::User(Box::new(u.clone())),
        )
    }));
    changes.extend(directory.groups.values().map(|g| {
        create(
            ObjectKey::new(ObjectKind::Group, &g.name),
            Object::Group(g.clone()),
        )
    }));
    let fingerprints = changes
        .iter()
        .map(|c| LiveFingerprint {
            object: c.key.clone(),
            fingerprint: None,
        })
        .collect();
    // The account exists in every directory: its owner is an update.
    changes.push(Change {
        action: Action::Update,
        ..create(
            ObjectKey::new(ObjectKind::Account, ACCOUNT),
            Object::Account {
                owner: directory.owner.clone(),
            },
        )
    });
    let mut plan = Plan {
        now,
        summary: Summary {
            create: changes.len() - 1,
            update: 1,
            ..Summary::default()
        },
        changes,
        fingerprints,
        ..Plan::default()
    };
    plan.fingerprints.push(LiveFingerprint {
        object: ObjectKey::new(ObjectKind::Account, ACCOUNT),
        fingerprint: Some(crate::model::live::fingerprint(&None::<String>)),
    });
    plan.fingerprints.sort();
    plan
}

/// SQL recording the platform's state for a generated directory (push
/// devices and shifts), portable between the engines.
pub fn platform_sql(platform: &PlatformSeed) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut sql = String::new();
    for chunk in platform.push_devices.chunks(1000) {
        let names: Vec<String> = chunk.iter().map(|n| quote(n)).collect();
        sql.push_str(&format!(
            "INSERT INTO push_methods (user_id, device, registered_at) SELECT id, 'Pixel 9', '2026-10-01T00:00:00Z' FROM users WHERE username IN ({});\n",
            names.join(", ")
        ));
    }
    for chunk in platform.shifts.chunks(500) {
        // Literals straight into the VALUES of an INSERT take the column's
        // type on both engines.
        let rows: Vec<String> = chunk
            .iter()
            .map(|(group, user, start)| {
                format!(
                    "((SELECT id FROM groups WHERE name = {}), (SELECT id FROM users WHERE username = {}), {}, {})",
                    quote(group),
                    quote(user),
                    quote(&start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    quote(&(*start + Duration::weeks(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                )
            })
            .collect();
        sql.push_str(&format!(
            "INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at) VALUES {};\n",
            rows.join(", ")
        ));
    }
    sql.push_str("INSERT INTO integrations (name, kind, created_at) VALUES ('datadog', 'monitoring', '2026-01-05T10:00:00Z');\n");
    sql
}
