//! Who owns what: items added outside git survive an apply under `prune:
//! managed` and go under `authoritative`; fields people maintain
//! themselves (`account.policy.self_service`) keep their changes, show in
//! drift as theirs, conflict when git changed them too, and take git's
//! changes otherwise — on both engines.

use crate::db::sql;
use std::path::Path;

use roster::store::Store;

use crate::db::{TestDb, block_on, on_both_engines};
use crate::e2e::copy_dir;
use crate::support::{Roster, Run};

fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

fn transcript(db: &TestDb, dir: &Path, run: &Run) -> String {
    run.transcript()
        .replace(db.url(), "[db]")
        .replace(&dir.display().to_string(), "[config]")
}

fn live(db: &TestDb) -> roster::model::live::LiveSnapshot {
    block_on(async {
        let store = Store::open(&db.database_url()).await.unwrap();
        let live = store.load(true).await.unwrap();
        store.close().await;
        live
    })
}

/// A copy of examples/acme with `edits` (file, text, replacement) made.
fn config(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("examples/acme"), dir.path());
    edit(dir.path(), edits);
    dir
}

fn edit(dir: &Path, edits: &[(&str, &str, &str)]) {
    for (file, from, to) in edits {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "`{from}` is not in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}

fn apply(db: &TestDb, dir: &Path, extra: &[&str]) -> Run {
    let path = dir.display().to_string();
    let mut args = vec!["apply", path.as_str(), "--yes"];
    args.extend_from_slice(extra);
    let run = roster(db, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

const AUTHORITATIVE: (&str, &str, &str) =
    ("account.yaml", "prune: managed", "prune: authoritative");

/// One kind of keyed list: SQL that adds an item outside git, and a count
/// of that item.
struct ListKind {
    add: &'static str,
    count: &'static str,
}

const CONTACT_METHOD: ListKind = ListKind {
    add: "INSERT INTO contact_methods (user_id, position, channel, label, variant, value, wait_minutes, enabled) \
          SELECT id, 9, 'whatsapp', 'personal', '', '+4915112345678', 0, TRUE FROM users WHERE username = 'bob'",
    count: "SELECT count(*) FROM contact_methods c JOIN users u ON u.id = c.user_id \
            WHERE u.username = 'bob' AND c.channel = 'whatsapp'",
};

const WINDOW: ListKind = ListKind {
    add: "INSERT INTO oof_windows (user_id, starts_at, ends_at, cover_user_id, note) \
          SELECT u.id, '2027-05-03T00:00:00Z', '2027-05-10T00:00:00Z', c.id, 'vacation' \
          FROM users u, users c WHERE u.username = 'grace' AND c.username = 'olivia'",
    count: "SELECT count(*) FROM oof_windows w JOIN users u ON u.id = w.user_id \
            WHERE u.username = 'grace' AND w.note = 'vacation'",
};

const PROFILE: ListKind = ListKind {
    add: "INSERT INTO notification_profiles (user_id, priority) SELECT id, 'p4' FROM users WHERE username = 'carol'; \
          INSERT INTO notification_steps (user_id, priority, position, channel, label, variant, wait_minutes, repeat_count) \
          SELECT id, 'p4', 0, 'sms', 'personal', '', 0, 0 FROM users WHERE username = 'carol'",
    count: "SELECT count(*) FROM notification_profiles p JOIN users u ON u.id = p.user_id \
            WHERE u.username = 'carol' AND p.priority = 'p4'",
};

const MUTE: ListKind = ListKind {
    add: "INSERT INTO user_muted_integrations (user_id, integration) SELECT id, 'prometheus' FROM users WHERE username = 'dave'",
    count: "SELECT count(*) FROM user_muted_integrations m JOIN users u ON u.id = m.user_id \
            WHERE u.username = 'dave' AND m.integration = 'prometheus'",
};

const MEMBER: ListKind = ListKind {
    add: "INSERT INTO group_members (group_id, user_id, is_primary, is_secondary, is_manager) \
          SELECT g.id, u.id, FALSE, TRUE, FALSE FROM groups g, users u WHERE g.name = 'support' AND u.username = 'olivia'",
    count: "SELECT count(*) FROM group_members m JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id \
            WHERE g.name = 'support' AND u.username = 'olivia'",
};

/// An item added outside git stays through an apply under `managed`,
/// shows in drift as made outside git, and goes under `authoritative`.
fn item_kept_then_pruned(db: &TestDb, kind: &ListKind) {
    let managed = config(&[]);
    apply(db, managed.path(), &[]);
    sql(db, kind.add);
    assert_eq!(db.count(kind.count), 1);
    let path = managed.path().display().to_string();
    let plan = roster(db, &["plan", &path]);
    assert!(
        plan.stdout.contains("(made outside git)"),
        "{}",
        plan.stdout
    );
    apply(db, managed.path(), &[]);
    assert_eq!(db.count(kind.count), 1, "kept under prune: managed");
    let drift = roster(db, &["drift", &path]);
    assert_eq!(drift.code, 2, "{}", drift.stdout);
    assert!(
        drift.stdout.contains("Made outside git"),
        "{}",
        drift.stdout
    );
    let strict = config(&[AUTHORITATIVE]);
    let path = strict.path().display().to_string();
    let plan = roster(db, &["plan", &path]);
    assert!(
        !plan.stdout.contains("Kept as it is live"),
        "{}",
        plan.stdout
    );
    apply(db, strict.path(), &[]);
    assert_eq!(
        db.count(kind.count),
        0,
        "removed under prune: authoritative"
    );
}

on_both_engines! {
    fn a_contact_method_added_outside_git_is_kept_unless_authoritative(db) {
        item_kept_then_pruned(&db, &CONTACT_METHOD);
    }

    fn a_window_added_outside_git_is_kept_unless_authoritative(db) {
        item_kept_then_pruned(&db, &WINDOW);
    }

    fn a_profile_added_outside_git_is_kept_unless_authoritative(db) {
        item_kept_then_pruned(&db, &PROFILE);
    }

    fn a_muted_integration_added_outside_git_is_kept_unless_authoritative(db) {
        item_kept_then_pruned(&db, &MUTE);
    }

    fn a_member_added_outside_git_is_kept_unless_authoritative(db) {
        item_kept_then_pruned(&db, &MEMBER);
    }

    fn items_made_outside_git_in_plan_drift_and_authoritative_plan(db) {
        let managed = config(&[]);
        apply(&db, managed.path(), &[]);
        for kind in [&CONTACT_METHOD, &WINDOW, &PROFILE, &MUTE, &MEMBER] {
            sql(&db, kind.add);
        }
        let path = managed.path().display().to_string();
        for (name, args) in [
            ("ownership_plan_kept_items", vec!["plan", path.as_str()]),
            ("ownership_plan_kept_items_json", vec!["plan", path.as_str(), "--format", "json"]),
            ("ownership_plan_kept_items_markdown", vec!["plan", path.as_str(), "--format", "markdown"]),
            ("ownership_drift_items", vec!["drift", path.as_str()]),
            ("ownership_drift_items_json", vec!["drift", path.as_str(), "--format", "json"]),
            ("ownership_drift_items_markdown", vec!["drift", path.as_str(), "--format", "markdown"]),
        ] {
            let run = roster(&db, &args);
            insta::assert_snapshot!(name, transcript(&db, managed.path(), &run));
        }
        let strict = config(&[AUTHORITATIVE]);
        let run = roster(&db, &["plan", &strict.path().display().to_string()]);
        insta::assert_snapshot!("ownership_plan_authoritative", transcript(&db, strict.path(), &run));
    }
}

/// Every self-service field.
const SELF_SERVICE: (&str, &str, &str) = (
    "account.yaml",
    "    max_deletes: { count: 10, percent: 20 }\n",
    "    max_deletes: { count: 10, percent: 20 }\n    self_service: [name, time_zone, locale, language, preferences, on_call_reminders, muted_integrations, contact_methods, notification_profiles, out_of_office]\n",
);

const FRANK: &str = "users/database.yaml";

/// One self-service field of Frank's: git's first change, the person's own
/// change (SQL), git's second change (which conflicts with the person's,
/// when the field can conflict), and what each leaves live.
struct Field {
    name: &'static str,
    git: (&'static str, &'static str),
    person: &'static str,
    conflict: Option<(&'static str, &'static str)>,
    /// The field's value for Frank, as a string, live.
    value: fn(&roster::model::directory::User) -> String,
    after_git: &'static str,
    after_person: &'static str,
    after_conflict: &'static str,
}

fn frank(db: &TestDb) -> roster::model::directory::User {
    live(db).directory.users["frank"].clone()
}

const FIELDS: &[Field] = &[
    Field {
        name: "name",
        git: ("    last_name: Müller\n", "    last_name: Müller-Lang\n"),
        person: "UPDATE users SET last_name = 'Mueller' WHERE username = 'frank'",
        conflict: Some(("    last_name: Müller-Lang\n", "    last_name: Lang\n")),
        value: |u| u.last_name.clone(),
        after_git: "Müller-Lang",
        after_person: "Mueller",
        after_conflict: "Lang",
    },
    Field {
        name: "time_zone",
        git: (
            "    roles: [basic, incident_commander]\n    time_zone: Europe/Berlin\n",
            "    roles: [basic, incident_commander]\n    time_zone: Europe/Paris\n",
        ),
        person: "UPDATE users SET time_zone = 'Europe/Lisbon' WHERE username = 'frank'",
        conflict: Some((
            "    time_zone: Europe/Paris\n    language",
            "    time_zone: Europe/Rome\n    language",
        )),
        value: |u| u.time_zone.clone().unwrap_or_default(),
        after_git: "Europe/Paris",
        after_person: "Europe/Lisbon",
        after_conflict: "Europe/Rome",
    },
    Field {
        name: "locale",
        git: (
            "    time_zone: Europe/Berlin\n    language: de\n    contact_methods:\n      - channel: whatsapp",
            "    time_zone: Europe/Berlin\n    locale: de-CH\n    language: de\n    contact_methods:\n      - channel: whatsapp",
        ),
        person: "UPDATE users SET locale = 'de-AT' WHERE username = 'frank'",
        conflict: Some(("    locale: de-CH\n", "    locale: de-LI\n")),
        value: |u| u.locale.clone().unwrap_or_default(),
        after_git: "de-CH",
        after_person: "de-AT",
        after_conflict: "de-LI",
    },
    Field {
        name: "language",
        git: (
            "    language: de\n    contact_methods:\n      - channel: whatsapp",
            "    language: nl\n    contact_methods:\n      - channel: whatsapp",
        ),
        person: "UPDATE users SET language = 'en' WHERE username = 'frank'",
        conflict: Some(("    language: nl\n", "    language: fr\n")),
        value: |u| u.language.to_string(),
        after_git: "nl",
        after_person: "en",
        after_conflict: "fr",
    },
    Field {
        name: "preferences",
        git: (
            "    last_name: Müller\n",
            "    last_name: Müller\n    preferences: { digest: all }\n",
        ),
        person: "UPDATE users SET home_page = 'incidents' WHERE username = 'frank'",
        conflict: Some((
            "    preferences: { digest: all }\n",
            "    preferences: { digest: all, home_page: schedules }\n",
        )),
        value: |u| format!("{}/{}", u.preferences.home_page, u.preferences.digest),
        after_git: "dashboard/all",
        after_person: "incidents/all",
        after_conflict: "schedules/all",
    },
    Field {
        name: "on_call_reminders",
        git: (
            "    last_name: Müller\n",
            "    last_name: Müller\n    on_call_reminders: { email: true }\n",
        ),
        person: "UPDATE users SET remind_lead_minutes = 30 WHERE username = 'frank'",
        conflict: Some((
            "    on_call_reminders: { email: true }\n",
            "    on_call_reminders: { email: true, lead_minutes: 15 }\n",
        )),
        value: |u| format!("{}/{}", u.reminders.email, u.reminders.lead_minutes),
        after_git: "true/60",
        after_person: "true/30",
        after_conflict: "true/15",
    },
    Field {
        // Integrations have no value of their own: both sides adding the
        // same one agree, and nothing can conflict.
        name: "muted_integrations",
        git: (
            "    last_name: Müller\n",
            "    last_name: Müller\n    muted_integrations: [datadog]\n",
        ),
        person: "INSERT INTO user_muted_integrations (user_id, integration) SELECT id, 'prometheus' FROM users WHERE username = 'frank'",
        conflict: None,
        value: |u| {
            u.muted_integrations
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(",")
        },
        after_git: "datadog",
        after_person: "datadog,prometheus",
        after_conflict: "",
    },
    Field {
        name: "contact_methods",
        git: (
            "        value: frank.mueller@example.net\n",
            "        value: frank.m@example.net\n",
        ),
        person: "UPDATE contact_methods SET value = '+491701111111' WHERE channel = 'whatsapp' AND user_id = (SELECT id FROM users WHERE username = 'frank')",
        conflict: Some((
            "        value: \"+49 170 9876543\"\n",
            "        value: \"+49 170 2222222\"\n",
        )),
        value: |u| {
            u.contact_methods
                .iter()
                .map(|m| m.value.clone())
                .collect::<Vec<_>>()
                .join(",")
        },
        after_git: "+491709876543,frank.m@example.net",
        after_person: "+491701111111,frank.m@example.net",
        after_conflict: "+491702222222,frank.m@example.net",
    },
    Field {
        name: "notification_profiles",
        git: (
            "    last_name: Müller\n",
            "    last_name: Müller\n    notification_profiles: { p1: [{ method: email-personal }] }\n",
        ),
        person: "INSERT INTO notification_profiles (user_id, priority) SELECT id, 'p2' FROM users WHERE username = 'frank'; \
                 INSERT INTO notification_steps (user_id, priority, position, channel, label, variant, wait_minutes, repeat_count) \
                 SELECT id, 'p2', 0, 'whatsapp', 'personal', '', 0, 0 FROM users WHERE username = 'frank'",
        conflict: Some((
            "    notification_profiles: { p1: [{ method: email-personal }] }\n",
            "    notification_profiles: { p1: [{ method: email-personal }], p2: [{ method: email-personal, repeat: 1 }] }\n",
        )),
        value: |u| {
            u.notification_profiles
                .iter()
                .map(|(p, steps)| {
                    format!(
                        "{p}:{}",
                        steps
                            .iter()
                            .map(|s| s.method.to_string())
                            .collect::<Vec<_>>()
                            .join("+")
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        },
        after_git: "p1:email-personal",
        after_person: "p1:email-personal,p2:whatsapp-personal",
        after_conflict: "p1:email-personal,p2:email-personal",
    },
    Field {
        name: "out_of_office",
        git: (
            "        note: parental leave\n",
            "        note: parental leave\n      - { from: 2027-06-01T00:00, until: 2027-06-08T00:00, covered_by: bob }\n",
        ),
        person: "UPDATE oof_windows SET note = 'parental leave, extended' WHERE note = 'parental leave'",
        conflict: Some((
            "        note: parental leave\n",
            "        note: family time\n",
        )),
        value: |u| {
            u.out_of_office
                .iter()
                .map(|w| w.note.clone().unwrap_or_else(|| "-".into()))
                .collect::<Vec<_>>()
                .join(",")
        },
        after_git: "parental leave,-",
        after_person: "parental leave, extended,-",
        after_conflict: "family time,-",
    },
];

/// One field through its life: git's change applied; the person's own
/// change kept, shown as kept in the plan and as theirs in drift; a
/// conflicting git change refused unless `--prefer`.
fn self_service_field(db: &TestDb, field: &Field) {
    let dir = config(&[SELF_SERVICE]);
    let path = dir.path().display().to_string();
    apply(db, dir.path(), &[]);
    edit(dir.path(), &[(FRANK, field.git.0, field.git.1)]);
    apply(db, dir.path(), &[]);
    assert_eq!(
        (field.value)(&frank(db)),
        field.after_git,
        "{}: git's change is live",
        field.name
    );

    sql(db, field.person);
    let plan = roster(db, &["plan", &path]);
    assert_eq!(plan.code, 0, "{}: {}", field.name, plan.stderr);
    assert!(
        plan.stdout.contains("(changed by the user;"),
        "{}: {}",
        field.name,
        plan.stdout
    );
    apply(db, dir.path(), &[]);
    assert_eq!(
        (field.value)(&frank(db)),
        field.after_person,
        "{}: the person's change is kept",
        field.name
    );
    let drift = roster(db, &["drift", &path]);
    assert_eq!(drift.code, 0, "{}: {}", field.name, drift.stdout);
    assert!(
        drift.stdout.contains("Changed by users"),
        "{}: {}",
        field.name,
        drift.stdout
    );
    let strict = roster(db, &["drift", &path, "--fail-on-self-service"]);
    assert_eq!(strict.code, 2, "{}: {}", field.name, strict.stdout);

    let Some((from, to)) = field.conflict else {
        return;
    };
    edit(dir.path(), &[(FRANK, from, to)]);
    let refused = roster(db, &["plan", &path]);
    assert_eq!(refused.code, 1, "{}: {}", field.name, refused.stdout);
    assert!(
        refused.stderr.contains("git and the person both changed"),
        "{}: {}",
        field.name,
        refused.stderr
    );
    let live_wins = roster(db, &["plan", &path, "--prefer", "live"]);
    assert_eq!(live_wins.code, 0, "{}: {}", field.name, live_wins.stderr);
    apply(db, dir.path(), &["--prefer", "git"]);
    assert_eq!(
        (field.value)(&frank(db)),
        field.after_conflict,
        "{}: git preferred",
        field.name
    );
    let after = roster(db, &["plan", &path, "--detailed-exitcode"]);
    assert_eq!(
        after.code, 0,
        "{}: nothing left to do: {}",
        field.name, after.stdout
    );
}

on_both_engines! {
    fn every_self_service_field_is_kept_shown_refused_and_applied(db) {
        for field in FIELDS {
            // A fresh directory per field, so one field's edits are alone.
            let db = if matches!(db, TestDb::Sqlite { .. }) { TestDb::sqlite() } else { TestDb::postgres() };
            self_service_field(&db, field);
        }
    }

    fn a_persons_change_in_plan_drift_and_conflict_outputs(db) {
        let dir = config(&[SELF_SERVICE]);
        let path = dir.path().display().to_string();
        apply(&db, dir.path(), &[]);
        sql(&db, "UPDATE users SET time_zone = 'Europe/Lisbon' WHERE username = 'frank'; \
                  UPDATE contact_methods SET value = '+491701111111' WHERE channel = 'whatsapp' AND user_id = (SELECT id FROM users WHERE username = 'frank'); \
                  UPDATE users SET last_name = 'Mustermann' WHERE username = 'ivan'");
        for (name, args) in [
            ("ownership_plan_self_service", vec!["plan", path.as_str()]),
            ("ownership_plan_self_service_json", vec!["plan", path.as_str(), "--format", "json"]),
            ("ownership_drift_self_service", vec!["drift", path.as_str()]),
            ("ownership_drift_self_service_json", vec!["drift", path.as_str(), "--format", "json"]),
            ("ownership_drift_self_service_markdown", vec!["drift", path.as_str(), "--format", "markdown"]),
            ("ownership_drift_self_service_strict", vec!["drift", path.as_str(), "--fail-on-self-service"]),
        ] {
            let run = roster(&db, &args);
            insta::assert_snapshot!(name, transcript(&db, dir.path(), &run));
        }
        edit(dir.path(), &[(FRANK, "    time_zone: Europe/Berlin\n    language: de\n    contact_methods:\n      - channel: whatsapp", "    time_zone: Europe/Rome\n    language: de\n    contact_methods:\n      - channel: whatsapp")]);
        let run = roster(&db, &["plan", &path]);
        insta::assert_snapshot!("ownership_plan_conflict", transcript(&db, dir.path(), &run));
        // A change to a field git owns is reverted, and the plan says so.
        sql(&db, "UPDATE users SET external_id = 'HR-9' WHERE username = 'bob'");
        let run = roster(&db, &["plan", &path, "--prefer", "live"]);
        insta::assert_snapshot!("ownership_plan_reverts", transcript(&db, dir.path(), &run));
    }

    fn an_export_plans_empty_whatever_people_changed(db) {
        let dir = config(&[SELF_SERVICE]);
        apply(&db, dir.path(), &[]);
        sql(&db, "UPDATE users SET time_zone = 'Europe/Lisbon' WHERE username = 'frank'");
        for kind in [&CONTACT_METHOD, &WINDOW, &PROFILE, &MUTE, &MEMBER] {
            sql(&db, kind.add);
        }
        let out = tempfile::tempdir().unwrap();
        let exported = out.path().join("roster");
        let run = roster(&db, &["export", "--out", &exported.display().to_string(), "--layout", "per-user"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let account = std::fs::read_to_string(exported.join("account.yaml")).unwrap();
        assert!(account.contains("self_service:"), "the fields people maintain are exported:\n{account}");
        let plan = roster(&db, &["plan", &exported.display().to_string(), "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        let drift = roster(&db, &["drift", &exported.display().to_string()]);
        assert_eq!(drift.code, 2, "items made outside git are still drift until adopted: {}", drift.stdout);
        let adopt = roster(&db, &["export", "--out", &exported.display().to_string(), "--layout", "per-user", "--force", "--adopt"]);
        assert_eq!(adopt.code, 0, "{}", adopt.stderr);
        let drift = roster(&db, &["drift", &exported.display().to_string()]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
    }

    fn a_directory_applied_before_the_ownership_release_upgrades_without_a_step(db) {
        // A database at migration 4 holding a directory roster applied
        // there: the next command migrates it, plans nothing, and from then
        // on keeps what is made outside git.
        let dir = config(&[]);
        block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            store.run_script("CREATE TABLE roster_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)").await.unwrap();
            for migration in roster::store::migrate::migrations(store.engine()).iter().filter(|m| m.version < 5) {
                store.run_script(migration.sql).await.unwrap();
                store
                    .run_script(&format!(
                        "INSERT INTO roster_migrations VALUES ({}, '{}', '{}', '2026-11-01T00:00:00Z')",
                        migration.version, migration.description, migration.checksum()
                    ))
                    .await
                    .unwrap();
            }
            let now = chrono::DateTime::parse_from_rfc3339(crate::support::NOW).unwrap().to_utc();
            let desired = roster::config::load(dir.path(), now).unwrap().desired.unwrap();
            let plan = roster::plan::plan(&desired, &Default::default(), now, Default::default());
            store.write(&roster::apply::change_set(&plan, now)).await.unwrap();
            store.close().await;
        });
        let before = roster(&db, &["db", "status"]);
        assert!(before.stdout.contains("pending"), "{}", before.stdout);
        let plan = roster(&db, &["plan", &dir.path().display().to_string(), "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        let after = roster(&db, &["db", "status"]);
        assert!(!after.stdout.contains("pending"), "{}", after.stdout);
        sql(&db, MEMBER.add);
        apply(&db, dir.path(), &[]);
        assert_eq!(db.count(MEMBER.count), 1);
    }
}

mod properties {
    //! Random sequences of git edits, people's own edits, items added
    //! outside git and applies, on the planner and the writer's model: after
    //! every apply no person's change to a field of theirs and no item made
    //! outside git is lost, and every git change is live.

    use std::collections::BTreeSet;

    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use roster::model::DesiredState;
    use roster::model::directory::{ContactMethod, User};
    use roster::model::live::LiveSnapshot;
    use roster::model::vocab::{
        Channel, Label, Language, MemberRole, Prefer, SelfServiceField, Theme,
    };
    use roster::plan::{PlanOptions, plan};
    use roster::testkit::memory;

    const USERS: [&str; 3] = ["bob", "carol", "frank"];
    /// Four fields people maintain, and one git owns.
    const FIELDS: usize = 5;
    const EXTERNAL_ID: usize = 4;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(crate::support::NOW)
            .unwrap()
            .to_utc()
    }

    /// A field's value as text, and a way to set it from a choice of three.
    fn get(user: &User, field: usize) -> String {
        match field {
            0 => user.time_zone.clone().unwrap_or_default(),
            1 => user.language.to_string(),
            2 => user.last_name.clone(),
            3 => user.preferences.theme.to_string(),
            _ => user.external_id.clone().unwrap_or_default(),
        }
    }

    fn set(user: &mut User, field: usize, choice: usize) {
        match field {
            0 => {
                user.time_zone =
                    Some(["Europe/Berlin", "Europe/Paris", "Asia/Tokyo"][choice].into())
            }
            1 => user.language = [Language::En, Language::De, Language::Fr][choice],
            2 => user.last_name = ["Adler", "Berg", "Cruz"][choice].into(),
            3 => user.preferences.theme = [Theme::Light, Theme::Dark, Theme::Dark][choice],
            _ => user.external_id = Some(["X1", "X2", "X3"][choice].into()),
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Git {
            user: usize,
            field: usize,
            choice: usize,
        },
        Person {
            user: usize,
            field: usize,
            choice: usize,
        },
        /// An item made outside git: 0 a contact method, 1 a membership,
        /// 2 a muted integration.
        Item {
            kind: usize,
            user: usize,
        },
        Apply,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3usize, 0..FIELDS, 0..3usize).prop_map(|(user, field, choice)| Op::Git {
                user,
                field,
                choice
            }),
            (0..3usize, 0..FIELDS, 0..3usize).prop_map(|(user, field, choice)| Op::Person {
                user,
                field,
                choice
            }),
            (0..3usize, 0..3usize).prop_map(|(kind, user)| Op::Item { kind, user }),
            Just(Op::Apply),
        ]
    }

    fn add_item(live: &mut LiveSnapshot, kind: usize, user: &str) {
        let dir = &mut live.directory;
        match kind {
            0 => {
                let methods = &mut dir.users.get_mut(user).unwrap().contact_methods;
                if !methods
                    .iter()
                    .any(|m| m.channel == Channel::Whatsapp && m.label == Label::Official)
                {
                    methods.push(ContactMethod {
                        channel: Channel::Whatsapp,
                        label: Label::Official,
                        variant: None,
                        value: "+4915199999999".into(),
                        wait_minutes: 0,
                        retry: None,
                        active_hours: None,
                        enabled: true,
                    });
                }
            }
            1 => {
                dir.groups
                    .get_mut("support")
                    .unwrap()
                    .members
                    .entry(user.to_string())
                    .or_insert_with(|| BTreeSet::from([MemberRole::Secondary]));
            }
            _ => {
                dir.users
                    .get_mut(user)
                    .unwrap()
                    .muted_integrations
                    .insert("prometheus".into());
            }
        }
    }

    fn has_item(live: &LiveSnapshot, kind: usize, user: &str) -> bool {
        let dir = &live.directory;
        match kind {
            0 => dir.users[user]
                .contact_methods
                .iter()
                .any(|m| m.channel == Channel::Whatsapp && m.label == Label::Official),
            1 => dir.groups["support"].members.contains_key(user),
            _ => dir.users[user].muted_integrations.contains("prometheus"),
        }
    }

    fn apply(desired: &DesiredState, live: &mut LiveSnapshot) {
        let options = PlanOptions {
            allow_mass_delete: true,
            allow_replace: true,
            prefer: None,
            allow_owner_change: true,
            coverage: None,
        };
        let mut planned = plan(desired, live, now(), options);
        if !planned.refusals.is_empty() {
            assert!(
                planned
                    .refusals
                    .iter()
                    .all(|r| r.message.contains("both changed")),
                "only conflicts stop these plans: {:#?}",
                planned.refusals
            );
            planned = plan(
                desired,
                live,
                now(),
                PlanOptions {
                    prefer: Some(Prefer::Live),
                    ..options
                },
            );
        }
        assert!(planned.refusals.is_empty(), "{:#?}", planned.refusals);
        let changes = roster::apply::change_set(&planned, now());
        memory::apply(live, &changes);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn nothing_people_did_is_lost_and_every_git_change_is_live(ops in proptest::collection::vec(op(), 1..24)) {
            let mut desired = roster::config::load(std::path::Path::new("examples/acme"), now()).unwrap().desired.unwrap();
            desired.policy.self_service = BTreeSet::from([
                SelfServiceField::TimeZone,
                SelfServiceField::Language,
                SelfServiceField::Name,
                SelfServiceField::Preferences,
            ]);
            let mut live = LiveSnapshot::default();
            apply(&desired, &mut live);
            let mut baseline = desired.clone();
            let mut items: BTreeSet<(usize, usize)> = BTreeSet::new();
            for op in ops.into_iter().chain([Op::Apply]) {
                match op {
                    Op::Git { user, field, choice } => {
                        set(desired.directory.users.get_mut(USERS[user]).unwrap(), field, choice);
                    }
                    Op::Person { user, field, choice } => {
                        set(live.directory.users.get_mut(USERS[user]).unwrap(), field, choice);
                    }
                    Op::Item { kind, user } => {
                        add_item(&mut live, kind, USERS[user]);
                        items.insert((kind, user));
                    }
                    Op::Apply => {
                        let before = live.clone();
                        apply(&desired, &mut live);
                        for name in USERS {
                            for field in 0..FIELDS {
                                let (git, person, base) = (
                                    get(&desired.directory.users[name], field),
                                    get(&before.directory.users[name], field),
                                    get(&baseline.directory.users[name], field),
                                );
                                let now_live = get(&live.directory.users[name], field);
                                let expected = if field == EXTERNAL_ID || person == base {
                                    // Git's field, or one the person left alone.
                                    &git
                                } else {
                                    // Theirs, changed: kept, even over a change git made
                                    // meanwhile (settled `--prefer live`).
                                    &person
                                };
                                prop_assert_eq!(&now_live, expected, "{} field {}: git {}, person {}, applied {}", name, field, git, person, base);
                            }
                        }
                        for (kind, user) in &items {
                            prop_assert!(has_item(&live, *kind, USERS[*user]), "item {} of {} was lost", kind, USERS[*user]);
                        }
                        baseline = desired.clone();
                    }
                }
            }
        }
    }
}
