//! Property tests of the config pipeline: generated valid configs validate,
//! their canonical form is a fixed point of normalisation, and no input,
//! however mangled, makes the loader panic.

use std::collections::BTreeSet;

use proptest::prelude::*;
use roster::config;
use roster::export;
use roster::model::document::*;
use roster::model::vocab::{
    HomePage, Label, Language, MemberRole, Permission, Theme, UserType, Weekday,
};

use crate::db::{TestDb, block_on};
use crate::support::{NOW, root};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// Valid phone numbers, each in a few spellings.
const PHONES: &[&str] = &[
    "+49 151 2345 6789",
    "+4915123456789",
    "+49 (30) 1234567",
    "+1 415-555-0132",
    "+44 20 7946 0958",
    "+81 90-1234-5678",
    "+31 6 12345678",
    "+34 612 345 678",
];
const ZONES: &[&str] = &[
    "Europe/Berlin",
    "europe/berlin",
    "US/Pacific",
    "Asia/Calcutta",
    "UTC",
    "America/New_York",
];
const NAMES: &[&str] = &[
    "Alice",
    "Bob",
    "Zoë",
    "José",
    "O'Brien",
    "van der Berg",
    "Ng",
    "Ünal",
];

fn case_variant(text: &str, upper: bool) -> String {
    if upper {
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
            .unwrap_or_default()
    } else {
        text.to_string()
    }
}

fn method(
    channel: usize,
    label: Label,
    phone: usize,
    n: usize,
    enabled: bool,
) -> ContactMethodSpec {
    let phone = || PhoneValue(PHONES[phone % PHONES.len()].to_string());
    match channel % 5 {
        0 => ContactMethodSpec::Email {
            variant: None,
            fields: fields(
                label,
                EmailValue(format!("Person{n}@Mail.Example")),
                n,
                enabled,
            ),
        },
        1 => ContactMethodSpec::Sms {
            fields: fields(label, phone(), n, enabled),
        },
        2 => ContactMethodSpec::Phone {
            variant: Some(PhoneVariant::Mobile),
            fields: fields(label, phone(), n, enabled),
        },
        3 => ContactMethodSpec::Whatsapp {
            fields: fields(label, phone(), n, enabled),
        },
        _ => ContactMethodSpec::Slack {
            fields: fields(label, SlackValue(format!("U{n:08}")), n, enabled),
        },
    }
}

fn fields<V>(label: Label, value: V, n: usize, enabled: bool) -> MethodFields<V> {
    MethodFields {
        label,
        value,
        wait_minutes: (n as u32 * 7) % 30,
        retry: n.is_multiple_of(2).then_some(RetrySpec {
            count: 2,
            interval_minutes: 5,
        }),
        active_hours: n.is_multiple_of(3).then(|| ActiveHoursSpec {
            days: vec![Weekday::Mon, Weekday::Fri],
            from: "08:00".into(),
            to: "20:00".into(),
        }),
        enabled,
    }
}

#[derive(Debug, Clone)]
struct UserSeed {
    upper: bool,
    zone: Option<usize>,
    language: Option<usize>,
    light: bool,
    channels: BTreeSet<(usize, bool)>,
    phone: usize,
    names: (usize, usize),
    windows: usize,
    offset_times: bool,
    groups: BTreeSet<usize>,
    member_roles: usize,
    profile: bool,
    theme: bool,
}

fn user_seed() -> impl Strategy<Value = UserSeed> {
    (
        (
            any::<bool>(),
            proptest::option::of(0..ZONES.len()),
            proptest::option::of(0..5usize),
            any::<bool>(),
        ),
        proptest::collection::btree_set((0..5usize, any::<bool>()), 1..4),
        (0..PHONES.len(), (0..NAMES.len(), 0..NAMES.len())),
        (
            0..3usize,
            any::<bool>(),
            proptest::collection::btree_set(0..3usize, 0..3),
            0..4usize,
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (upper, zone, language, light),
                channels,
                (phone, names),
                (windows, offset_times, groups, member_roles, profile, theme),
            )| {
                UserSeed {
                    upper,
                    zone,
                    language,
                    light,
                    channels,
                    phone,
                    names,
                    windows,
                    offset_times,
                    groups,
                    member_roles,
                    profile,
                    theme,
                }
            },
        )
}

/// Builds a valid document: user 0 owns the account, holds app_admin,
/// manages every group and never goes away, so any window can fall back on
/// them as the cover.
fn document(seeds: &[UserSeed]) -> Document {
    let languages = [
        Language::En,
        Language::Es,
        Language::Fr,
        Language::De,
        Language::Nl,
    ];
    let mut users = Vec::new();
    for (i, seed) in seeds.iter().enumerate() {
        let username = format!("user{i}");
        // Only one method per channel and label; the first is always enabled.
        let mut seen = BTreeSet::new();
        let mut methods = Vec::new();
        for (n, (channel, personal)) in seed.channels.iter().enumerate() {
            let label = if *personal {
                Label::Personal
            } else {
                Label::Official
            };
            if seen.insert((*channel, *personal)) {
                methods.push(method(*channel, label, seed.phone + n, i * 10 + n, n == 0));
            }
        }
        let zone = seed.zone.map(|z| ZONES[z].to_string());
        let mut out_of_office = Vec::new();
        if i > 0 {
            for w in 0..seed.windows {
                let (from, until) = (
                    format!("2027-0{}-0{}T09:00", w + 1, i % 9 + 1),
                    format!("2027-0{}-1{}T18:30", w + 1, i % 9),
                );
                let (from, until) = if seed.offset_times || zone.is_none() {
                    (format!("{from}+02:00"), format!("{until}Z"))
                } else {
                    (from, until)
                };
                out_of_office.push(OutOfOfficeSpec {
                    from,
                    until,
                    covered_by: CoverSpec::AllGroups(case_variant("user0", seed.upper)),
                    note: (w == 1).then(|| "conference: day #2".to_string()),
                });
            }
        }
        // Active hours are read in the user's zone: none without one.
        if zone.is_none() {
            for method in &mut methods {
                match method {
                    ContactMethodSpec::Email { fields, .. } => fields.active_hours = None,
                    ContactMethodSpec::Sms { fields }
                    | ContactMethodSpec::Phone { fields, .. }
                    | ContactMethodSpec::Whatsapp { fields } => fields.active_hours = None,
                    ContactMethodSpec::Slack { fields } => fields.active_hours = None,
                }
            }
        }
        users.push(UserSpec {
            email: format!("{}@Acme.Example", case_variant(&username, seed.upper)),
            username: (i % 2 == 0).then(|| case_variant(&username, !seed.upper)),
            previous_usernames: if i == 1 {
                vec![format!("old{i}")]
            } else {
                Vec::new()
            },
            first_name: NAMES[seed.names.0].to_string(),
            last_name: NAMES[seed.names.1].to_string(),
            user_type: (seed.light && i > 0).then_some(UserType::Light),
            status: None,
            roles: if i == 0 {
                Some(vec!["app_admin".into(), "responder".into()])
            } else {
                (seed.member_roles % 2 == 1).then(|| vec!["basic".into(), "send_message".into()])
            },
            time_zone: zone,
            locale: seed.language.map(|_| "de-de".into()),
            language: seed.language.map(|l| languages[l]),
            external_id: (i % 3 == 0).then(|| format!("HR-{i:04}")),
            handles: None,
            protected: i == 0,
            preferences: seed.theme.then_some(PreferencesSpec {
                home_page: Some(HomePage::Alerts),
                theme: Some(Theme::Dark),
                digest: None,
            }),
            on_call_reminders: (seed.member_roles == 2).then(|| RemindersSpec {
                email: Some(true),
                push: None,
                lead_minutes: Some(30),
                groups: vec![],
            }),
            muted_integrations: if seed.profile {
                vec!["datadog".into()]
            } else {
                vec![]
            },
            notification_profiles: seed.profile.then(|| {
                let first = match &methods[0] {
                    ContactMethodSpec::Email { fields, .. } => format!("email-{}", fields.label),
                    ContactMethodSpec::Sms { fields } => format!("sms-{}", fields.label),
                    ContactMethodSpec::Phone { fields, .. } => {
                        format!("phone-{}-mobile", fields.label)
                    }
                    ContactMethodSpec::Whatsapp { fields } => format!("whatsapp-{}", fields.label),
                    ContactMethodSpec::Slack { fields } => format!("slack-{}", fields.label),
                };
                NotificationProfilesSpec {
                    p1: Some(vec![ProfileStepSpec {
                        method: first,
                        wait_minutes: 0,
                        repeat: 1,
                    }]),
                    ..Default::default()
                }
            }),
            contact_methods: methods,
            out_of_office,
        });
    }
    let member_roles = [
        vec![],
        vec![MemberRole::Primary],
        vec![MemberRole::Secondary, MemberRole::Primary],
        vec![MemberRole::Secondary],
    ];
    let groups = (0..3)
        .map(|g| GroupSpec {
            name: format!("team-{g}"),
            description: (g == 1).then(|| "Team: one".to_string()),
            members: std::iter::once(MemberSpec {
                user: "user0".into(),
                roles: vec![MemberRole::Manager, MemberRole::Primary],
            })
            .chain(
                seeds
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, s)| s.groups.contains(&g))
                    .map(|(i, s)| MemberSpec {
                        // Odd users have no username: they go by their email.
                        user: if i % 2 == 0 {
                            format!("USER{i}")
                        } else {
                            format!("User{i}@acme.EXAMPLE")
                        },
                        roles: member_roles[s.member_roles].clone(),
                    }),
            )
            .collect(),
        })
        .collect();
    Document {
        version: 1,
        account: Some(AccountSpec {
            owner: "User0".into(),
            policy: None,
        }),
        roles: vec![RoleSpec {
            name: "responder".into(),
            description: None,
            permissions: vec![
                Permission::AcknowledgeIncidents,
                Permission::ViewDashboard,
                Permission::AcknowledgeIncidents,
            ],
        }],
        users,
        groups,
    }
}

fn load_text(text: &str) -> config::Validated {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.yaml");
    std::fs::write(&path, text).unwrap();
    config::load(&path, now()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_configs_validate_and_normalise_to_a_fixed_point(seeds in proptest::collection::vec(user_seed(), 2..7)) {
        let text = export::document_text(&document(&seeds));
        let first = load_text(&text);
        prop_assert!(first.diagnostics.is_empty(), "findings: {:#?}\n{}", first.diagnostics, text);
        let first = first.desired.unwrap();

        let canonical_text = export::document_text(&export::single_document(&first.directory, &first.policy));
        let second = load_text(&canonical_text);
        prop_assert!(second.diagnostics.is_empty(), "findings: {:#?}\n{}", second.diagnostics, canonical_text);
        let second = second.desired.unwrap();
        prop_assert_eq!(&first.directory, &second.directory);

        let again = export::document_text(&export::single_document(&second.directory, &second.policy));
        prop_assert_eq!(canonical_text, again);
    }

    #[test]
    fn exported_live_directories_plan_empty(
        seeds in proptest::collection::vec(user_seed(), 2..7),
        invited in any::<u8>(),
        layout in 0..3usize,
    ) {
        let desired = load_text(&export::document_text(&document(&seeds))).desired.unwrap();
        // A live directory as the platform holds it: some invitations not
        // accepted yet, and history (a window long over).
        let mut live = roster::model::live::LiveSnapshot { directory: desired.directory.clone(), ..Default::default() };
        for (i, user) in live.directory.users.values_mut().enumerate() {
            if invited & (1 << (i % 8)) != 0 && user.status == roster::model::vocab::UserStatus::Active {
                user.status = roster::model::vocab::UserStatus::Invited;
            }
        }
        if let Some(user) = live.directory.users.values_mut().nth(1) {
            user.out_of_office.insert(0, roster::model::directory::OofWindow {
                from: now() - chrono::Duration::days(60),
                until: now() - chrono::Duration::days(50),
                cover: roster::model::directory::Cover::AllGroups("user0".into()),
                note: Some("long over".into()),
            });
        }
        let layout = [export::Layout::Single, export::Layout::PerGroup, export::Layout::PerUser][layout];
        let files = export::files(&export::declarable(&live.directory, now()), layout, &Default::default());
        let texts = files.iter().map(|f| (f.path.display().to_string(), f.text.clone())).collect();
        let exported = config::load_texts(texts, now());
        prop_assert!(!exported.has_errors(), "{:#?}", exported.diagnostics);
        let options = roster::plan::PlanOptions { allow_mass_delete: true, allow_replace: true, prefer: None, allow_owner_change: true, coverage: None };
        let plan = roster::plan::plan(&exported.desired.unwrap(), &live, now(), options);
        prop_assert!(!plan.has_changes(), "{:#?}", plan.changes);
    }

    #[test]
    fn directories_written_to_either_database_export_and_plan_empty(
        seeds in proptest::collection::vec(user_seed(), 2..7),
        layout in 0..3usize,
        postgres in any::<bool>(),
    ) {
        // Through a real database: written as an apply writes, read back,
        // exported, checked as a config, planned against what was read.
        let desired = load_text(&export::document_text(&document(&seeds))).desired.unwrap();
        let db = if postgres { TestDb::postgres() } else { TestDb::sqlite() };
        let options = roster::plan::PlanOptions { allow_mass_delete: true, allow_replace: true, prefer: None, allow_owner_change: true, coverage: None };
        let first = roster::plan::plan(&desired, &Default::default(), now(), options);
        let live = block_on(async {
            let store = roster::store::Store::open_ready(&db.database_url()).await.unwrap();
            store.write(&roster::apply::change_set(&first, now())).await.unwrap();
            let live = store.load(true).await.unwrap();
            store.close().await;
            live
        });
        let layout = [export::Layout::Single, export::Layout::PerGroup, export::Layout::PerUser][layout];
        let files = export::files(&export::declarable(&live.directory, now()), layout, &Default::default());
        let texts = files.iter().map(|f| (f.path.display().to_string(), f.text.clone())).collect();
        let exported = config::load_texts(texts, now());
        prop_assert!(!exported.has_errors(), "{:#?}", exported.diagnostics);
        let plan = roster::plan::plan(&exported.desired.unwrap(), &live, now(), options);
        prop_assert!(!plan.has_changes(), "{}: {:#?}", db.engine(), plan.changes);
    }

    #[test]
    fn mangled_input_never_panics(file in 0..6usize, edits in proptest::collection::vec((0..10_000usize, 0..4u8, any::<char>()), 1..6)) {
        let mut files: Vec<_> = walk(&root().join("examples/acme"));
        files.sort();
        let mut text: Vec<char> = std::fs::read_to_string(&files[file % files.len()]).unwrap().chars().collect();
        for (at, kind, c) in edits {
            let at = at % (text.len() + 1);
            match kind {
                0 => text.insert(at, c),
                1 if at < text.len() => { text.remove(at); }
                2 if at < text.len() => text[at] = c,
                _ => text.insert(at, ['\n', ' ', ':', '-', '"', '['][at % 6]),
            }
        }
        let text: String = text.into_iter().collect();
        let validated = load_text(&text);
        for diagnostic in &validated.diagnostics {
            for label in &diagnostic.labels {
                // Within the text as shown (a lone `\r` ends a line in YAML,
                // and is shown as the line end it is).
                let shown = validated.sources.get(label.file).text();
                prop_assert!(label.span().start.line as usize <= shown.lines().count() + 1);
                prop_assert!(shown.lines().count() >= text.lines().count());
            }
        }
        let _ = roster::report::diagnostics::human(&validated.diagnostics, &validated.sources, false);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}
