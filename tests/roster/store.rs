//! The live directory store, on SQLite and on PostgreSQL: migrations,
//! round trips of every field, constant query counts, platform state,
//! and URLs that never leak a password.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use roster::model::directory::{ContactMethod, Group, User};
use roster::model::live::{ObjectKey, ObjectKind, VerificationState, fingerprint};
use roster::model::vocab::{Channel, Label, MemberRole, UserStatus};
use roster::model::{DesiredState, Directory};
use roster::store::change_set::{InvitationGrant, Record, UserUpdate};
use roster::store::{ChangeSet, Store};

use crate::db::{TestDb, block_on, on_both_engines};
use crate::support::{NOW, Roster, root};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()
}

fn acme() -> DesiredState {
    roster::config::load(&root().join("examples/acme"), now())
        .unwrap()
        .desired
        .unwrap()
}

/// Creates every object of `directory` as it is (statuses included).
fn create_all(directory: &Directory) -> ChangeSet {
    ChangeSet {
        now: now(),
        put_roles: directory.roles.values().cloned().collect(),
        put_groups: directory.groups.values().cloned().collect(),
        create_users: directory.users.values().cloned().collect(),
        owner: Some(directory.owner.clone()),
        record: directory
            .users
            .values()
            .map(|u| Record {
                key: ObjectKey::new(ObjectKind::User, &u.username),
                fingerprint: fingerprint(u),
                body: serde_json::to_string(u).unwrap(),
            })
            .collect(),
        ..ChangeSet::default()
    }
}

async fn open(db: &TestDb) -> Store {
    Store::open_ready(&db.database_url()).await.unwrap()
}

on_both_engines! {
    fn migrations_twice_are_a_no_op(db) {
        block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            let shipped = roster::store::migrate::migrations(store.engine()).len();
            assert_eq!(store.status().await.unwrap().pending.len(), shipped);
            assert_eq!(store.migrate(now()).await.unwrap().len(), shipped);
            assert_eq!(store.migrate(now()).await.unwrap().len(), 0);
            let status = store.status().await.unwrap();
            assert_eq!(status.applied.len(), shipped);
            assert!(status.pending.is_empty());
            assert_eq!(status.applied[0].applied_at, now());
        });
    }

    fn every_acme_field_round_trips(db) {
        let desired = acme();
        block_on(async {
            let store = open(&db).await;
            store.write(&create_all(&desired.directory)).await.unwrap();
            let live = store.load(true).await.unwrap();
            assert_eq!(live.directory, desired.directory);
            let alice = &desired.directory.users["alice"];
            let record = &live.managed.objects[&ObjectKey::new(ObjectKind::User, "alice")];
            assert_eq!(record.fingerprint, fingerprint(alice));
            assert_eq!(record.body.as_deref(), Some(serde_json::to_string(alice).unwrap().as_str()));
            assert!(store.load(false).await.unwrap().managed.objects.values().all(|r| r.body.is_none()));
        });
    }

    fn text_with_tabs_newlines_and_backslashes_round_trips(db) {
        // PostgreSQL's tables are read in COPY's text format, which escapes
        // exactly these; SQLite's as JSON, which escapes others.
        let mut directory = acme().directory;
        let awkward = ["tab\there", "two\nlines\r\n", "back\\slash \\N", "\\N", "quote \"'\" ü 🙂", ""];
        let user = directory.users.get_mut("alice").unwrap();
        user.first_name = awkward[0].into();
        user.last_name = awkward[1].into();
        user.external_id = Some(awkward[2].into());
        let group = directory.groups.values_mut().next().unwrap();
        group.description = Some(awkward[3].into());
        let window = directory.users.values_mut().find_map(|u| u.out_of_office.first_mut()).unwrap();
        window.note = Some(awkward[4].into());
        directory.users.get_mut("bob").unwrap().last_name = awkward[5].into();
        block_on(async {
            let store = open(&db).await;
            store.write(&create_all(&directory)).await.unwrap();
            let live = store.load(false).await.unwrap();
            assert_eq!(live.directory, directory);
            assert_eq!(live.directory.users["alice"].first_name, "tab\there");
        });
    }

    fn loading_takes_the_same_number_of_queries_at_any_size(db) {
        let large_db = if db.engine() == "sqlite" { TestDb::sqlite() } else { TestDb::postgres() };
        block_on(async {
            let small = open(&db).await;
            small.write(&create_all(&synthetic(10))).await.unwrap();
            let before = small.statements();
            assert_eq!(small.load(false).await.unwrap().directory.users.len(), 10);
            let small_count = small.statements() - before;
            small.close().await;

            let large = open(&large_db).await;
            let directory = synthetic(10_000);
            large.write(&create_all(&directory)).await.unwrap();
            let before = large.statements();
            let live = large.load(false).await.unwrap();
            let large_count = large.statements() - before;
            assert_eq!(live.directory, directory);
            assert_eq!(small_count, large_count, "loading 10 and 10,000 users takes the same number of queries");
            assert!(large_count <= 25, "{large_count} queries");
        });
    }

    fn writes_are_batched(db) {
        block_on(async {
            let store = open(&db).await;
            let before = store.statements();
            store.write(&create_all(&synthetic(2_000))).await.unwrap();
            let statements = store.statements() - before;
            assert!(statements < 60, "creating 2,000 users took {statements} statements");
        });
    }

    fn platform_state_is_read_and_survives_updates(db) {
        let desired = acme();
        block_on(async {
            let store = open(&db).await;
            store.write(&create_all(&desired.directory)).await.unwrap();
            let sql = std::fs::read_to_string(root().join("tests/fixtures/platform/acme.sql")).unwrap();
            store.run_script(&sql).await.unwrap();
            let live = store.load(false).await.unwrap();
            let platform = &live.platform;
            assert_eq!(platform.push_methods["alice"].len(), 1);
            assert_eq!(platform.push_methods["alice"][0].device, "Pixel 9");
            assert_eq!(platform.api_tokens["dave"][0].name, "terraform");
            assert_eq!(platform.last_login["alice"], DateTime::parse_from_rfc3339("2026-11-20T08:15:00Z").unwrap().to_utc());
            assert_eq!(platform.integrations.keys().collect::<Vec<_>>(), ["datadog", "prometheus"]);
            assert_eq!(platform.shifts.len(), 3);
            assert_eq!(platform.shifts[0].user, "bob");
            assert_eq!(platform.shifts[0].group, "db-oncall");
            let key = ("carol".to_string(), Channel::Sms, "+14155550132".to_string());
            assert_eq!(platform.verifications[&key].state, VerificationState::Unverified);
            let key = ("erin".to_string(), Channel::Email, "erin@acme.example".to_string());
            assert_eq!(platform.verifications[&key].state, VerificationState::Bounced);
            assert!(platform.invitations["grace"].accepted_at.is_none());

            // A rename keeps the row and what the platform knows of the user.
            let mut alice = desired.directory.users["alice"].clone();
            alice.username = "anguyen".into();
            alice.last_name = "Nguyen-Schmidt".into();
            let mut platform_group = desired.directory.groups["platform"].clone();
            let roles = platform_group.members.remove("alice").unwrap();
            platform_group.members.insert("anguyen".into(), roles);
            let rename = ChangeSet {
                now: now(),
                update_users: vec![UserUpdate { live_username: "alice".into(), user: alice.clone() }],
                put_groups: vec![platform_group],
                owner: Some(Some("anguyen".into())),
                ..ChangeSet::default()
            };
            store.write(&rename).await.unwrap();
            let live = store.load(false).await.unwrap();
            assert_eq!(live.directory.users["anguyen"], alice);
            assert!(!live.directory.users.contains_key("alice"));
            assert_eq!(live.directory.owner.as_deref(), Some("anguyen"));
            assert_eq!(live.platform.push_methods["anguyen"][0].device, "Pixel 9");
            assert_eq!(live.platform.shifts.iter().filter(|s| s.user == "anguyen").count(), 1);

            // A replace keeps the row but drops what the platform knew.
            let mut dave = desired.directory.users["dave"].clone();
            dave.user_type = roster::model::vocab::UserType::Light;
            dave.status = UserStatus::Invited;
            let replace = ChangeSet {
                now: now(),
                update_users: vec![UserUpdate { live_username: "dave".into(), user: dave.clone() }],
                discard_platform: vec!["dave".into()],
                invitations: vec![InvitationGrant { username: "dave".into(), expires_at: now() + chrono::Duration::days(7) }],
                ..ChangeSet::default()
            };
            store.write(&replace).await.unwrap();
            let live = store.load(false).await.unwrap();
            assert_eq!(live.directory.users["dave"], dave);
            assert!(!live.platform.api_tokens.contains_key("dave"));
            assert_eq!(live.platform.invitations["dave"].sent_at, now());
            assert_eq!(live.directory.groups["platform"].members["dave"], BTreeSet::from([MemberRole::Primary]));

            // A delete takes the user's memberships and platform state along.
            let delete = ChangeSet { now: now(), delete_users: vec!["judy".into()], ..ChangeSet::default() };
            store.write(&delete).await.unwrap();
            let live = store.load(false).await.unwrap();
            assert!(!live.directory.users.contains_key("judy"));
            assert!(!live.platform.verifications.keys().any(|(u, _, _)| u == "judy"));
        });
    }

    fn past_windows_are_history(db) {
        let desired = acme();
        block_on(async {
            let store = open(&db).await;
            store.write(&create_all(&desired.directory)).await.unwrap();
            // Much later, Bob's February window is over; the plan that
            // rewrites Bob keeps it, and the writer writes what it says.
            let later = DateTime::parse_from_rfc3339("2027-06-01T00:00:00Z").unwrap().to_utc();
            let mut edited = desired.clone();
            let bob = edited.directory.users.get_mut("bob").unwrap();
            bob.out_of_office.clear();
            bob.first_name = "Robert".into();
            let live = store.load(false).await.unwrap();
            let options = roster::plan::PlanOptions { allow_mass_delete: true, allow_replace: true, prefer: None, allow_owner_change: true, coverage: None };
            let plan = roster::plan::plan(&edited, &live, later, options);
            assert_eq!(plan.summary.update, 1, "{:#?}", plan.changes);
            store.write(&roster::apply::change_set(&plan, later)).await.unwrap();
            let live = store.load(false).await.unwrap();
            assert_eq!(live.directory.users["bob"].first_name, "Robert");
            assert!(!desired.directory.users["bob"].out_of_office.is_empty());
            assert_eq!(live.directory.users["bob"].out_of_office, desired.directory.users["bob"].out_of_office);
        });
    }

    fn the_in_memory_model_writes_what_the_database_writes(db) {
        // Plans applied to a real database and to the in-memory model used
        // by the property tests end in the same state.
        let acme = acme();
        let edited = roster::config::load(&root().join("tests/fixtures/plan/edited"), now()).unwrap().desired.unwrap();
        let options = roster::plan::PlanOptions { allow_mass_delete: true, allow_replace: true, prefer: None, allow_owner_change: true, coverage: None };
        block_on(async {
            let store = open(&db).await;
            let mut memory = roster::model::live::LiveSnapshot::default();
            for desired in [&acme, &edited] {
                let live = store.load(true).await.unwrap();
                let plan = roster::plan::plan(desired, &live, now(), options);
                assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
                let changes = roster::apply::change_set(&plan, now());
                store.write(&changes).await.unwrap();
                roster::testkit::memory::apply(&mut memory, &changes);
                let written = store.load(true).await.unwrap();
                assert_eq!(written.directory, memory.directory);
                assert_eq!(written.managed, memory.managed);
                assert_eq!(written.platform.invitations.keys().collect::<Vec<_>>(), memory.platform.invitations.keys().collect::<Vec<_>>());
            }
        });
    }

    fn a_newer_database_is_refused(db) {
        block_on(async {
            let store = open(&db).await;
            store
                .run_script("INSERT INTO roster_migrations (version, description, checksum, applied_at) VALUES (99, 'from the future', 'x', '2030-01-01T00:00:00Z')")
                .await
                .unwrap();
            store.close().await;
        });
        let run = Roster::new(["db", "migrate", "--database-url", db.url()]).run();
        assert_eq!(run.code, 1);
        assert!(run.stderr.contains("was migrated by a newer roster (migration 99, from the future); this roster knows migrations up to 5"), "{}", run.stderr);
        assert!(run.stderr.contains("hint: upgrade roster"), "{}", run.stderr);
    }

    fn a_directory_written_before_a_migration_keeps_every_field_after_it(db) {
        // A database set up by the first release, holding a directory, is
        // migrated to the current schema with its data intact.
        let desired = acme();
        block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            let first = roster::store::migrate::migrations(store.engine())[0];
            store.run_script(first.sql).await.unwrap();
            store
                .run_script(&format!(
                    "CREATE TABLE roster_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL); \
                     INSERT INTO roster_migrations VALUES (1, '{}', '{}', '2026-11-01T00:00:00Z')",
                    first.description,
                    first.checksum()
                ))
                .await
                .unwrap();
            let status = store.status().await.unwrap();
            assert_eq!((status.applied.len(), !status.pending.is_empty()), (1, true));
            store.write(&create_all(&desired.directory)).await.unwrap();
            let applied = store.migrate(now()).await.unwrap();
            assert_eq!(applied.first().map(|m| m.version), Some(2));
            assert_eq!(store.load(true).await.unwrap().directory, desired.directory);
            store.close().await;
        });
    }

    fn a_changed_migration_is_refused(db) {
        block_on(async {
            let store = open(&db).await;
            store.run_script("UPDATE roster_migrations SET checksum = 'edited' WHERE version = 1").await.unwrap();
            let error = store.migrate(now()).await.unwrap_err();
            assert!(error.to_string().contains("migration 1 (directory, platform state and bookkeeping) applied to"), "{error}");
        });
    }

    fn the_database_enforces_uniqueness(db) {
        let desired = acme();
        block_on(async {
            let store = open(&db).await;
            store.write(&create_all(&desired.directory)).await.unwrap();
            let mut twin = desired.directory.users["alice"].clone();
            twin.username = "alice2".into();
            let error = store
                .write(&ChangeSet { now: now(), create_users: vec![twin], ..ChangeSet::default() })
                .await
                .unwrap_err();
            assert!(error.to_string().contains("writing changes"), "{error}");
            // The failed write left nothing behind.
            assert_eq!(store.load(false).await.unwrap().directory, desired.directory);
            let duplicate_method = store
                .run_script(
                    "INSERT INTO contact_methods (user_id, position, channel, label, variant, value) \
                     SELECT id, 9, 'sms', 'personal', '', '+4915100000000' FROM users WHERE username = 'alice'",
                )
                .await;
            assert!(duplicate_method.is_err(), "one method per channel, label and variant");
            let refused = [
                ("a second `alice` with another email",
                 "INSERT INTO users (username, email, first_name, last_name, user_type, status, language, home_page, theme, digest, created_at) \
                  VALUES ('alice', 'alice.two@acme.example', 'A', 'N', 'standard', 'active', 'en', 'alerts', 'dark', 'high', '2026-11-01T00:00:00Z')"),
                ("a username in capitals",
                 "UPDATE users SET username = 'ALICE' WHERE username = 'alice'"),
                ("an email in capitals",
                 "UPDATE users SET email = 'ALICE@acme.example' WHERE username = 'alice'"),
                ("a member who is nobody",
                 "INSERT INTO group_members (group_id, user_id, is_primary) SELECT id, 999999, TRUE FROM groups WHERE name = 'web-oncall'"),
                ("a grant of a role that does not exist",
                 "INSERT INTO user_roles (user_id, role_id) SELECT id, 999999 FROM users WHERE username = 'alice'"),
                ("a cover who is nobody",
                 "UPDATE oof_windows SET cover_user_id = 999999 WHERE user_id = (SELECT id FROM users WHERE username = 'frank')"),
                ("a notification step through a method the user does not have",
                 "INSERT INTO notification_steps (user_id, priority, position, channel, label, variant) \
                  SELECT user_id, priority, 99, 'slack', 'personal', '' FROM notification_profiles LIMIT 1"),
            ];
            for (what, statement) in refused {
                assert!(store.run_script(statement).await.is_err(), "the database accepted {what}");
            }
            assert_eq!(store.load(false).await.unwrap().directory, desired.directory, "nothing changed");
        });
    }
}

/// A directory of `n` users with three contact methods each, in groups of 50.
pub fn synthetic(n: usize) -> Directory {
    let mut directory = Directory::default();
    for i in 0..n {
        let username = format!("user{i:05}");
        let method = |channel, label, value: String| ContactMethod {
            channel,
            label,
            variant: None,
            value,
            wait_minutes: 0,
            retry: None,
            active_hours: None,
            enabled: true,
        };
        let user = User {
            username: username.clone(),
            email: format!("{username}@example.com"),
            first_name: "First".into(),
            last_name: format!("Last {i}"),
            user_type: roster::model::vocab::UserType::Standard,
            status: UserStatus::Active,
            roles: BTreeSet::from(["basic".to_string()]),
            time_zone: Some("Europe/Berlin".into()),
            locale: None,
            language: roster::model::vocab::Language::En,
            external_id: Some(format!("HR-{i}")),
            protected: false,
            preferences: Default::default(),
            reminders: Default::default(),
            muted_integrations: BTreeSet::new(),
            contact_methods: vec![
                method(
                    Channel::Email,
                    Label::Official,
                    format!("{username}@example.com"),
                ),
                method(
                    Channel::Sms,
                    Label::Personal,
                    format!("+4915{:09}", 100_000_000 + i),
                ),
                method(Channel::Slack, Label::Official, format!("U{i:08}")),
            ],
            notification_profiles: BTreeMap::new(),
            out_of_office: Vec::new(),
        };
        directory.users.insert(username.clone(), user);
        let group = directory
            .groups
            .entry(format!("group-{:04}", i / 50))
            .or_insert_with(|| Group {
                name: format!("group-{:04}", i / 50),
                description: None,
                members: BTreeMap::new(),
            });
        let role = if i % 50 == 0 {
            MemberRole::Manager
        } else {
            MemberRole::Primary
        };
        group.members.insert(username, BTreeSet::from([role]));
    }
    directory.owner = Some("user00000".into());
    directory
}

#[test]
fn db_status_is_reported() {
    let db = TestDb::sqlite();
    let run = Roster::new(["db", "status", "--database-url", db.url()]).run();
    assert_eq!(run.code, 0);
    let pending = run.stdout.replace(db.url(), "[db]");
    let run = Roster::new(["db", "migrate", "--database-url", db.url()]).run();
    assert_eq!(run.code, 0);
    let migrated = run.stderr.replace(db.url(), "[db]");
    let run = Roster::new(["db", "status", "--database-url", db.url()]).run();
    let applied = run.stdout.replace(db.url(), "[db]");
    insta::assert_snapshot!(format!(
        "--- before\n{pending}--- migrate\n{migrated}--- after\n{applied}"
    ));
}

#[test]
fn postgres_status_masks_the_password() {
    let db = TestDb::postgres();
    let url = db.url().replacen(
        "postgres://postgres@",
        "postgres://postgres:Hunter2Secret@",
        1,
    );
    let run = Roster::new(["db", "status", "--database-url", &url]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("Hunter2Secret") && !run.stderr.contains("Hunter2Secret"));
    let name = db.url().rsplit('/').next().unwrap();
    let masked = run.stdout.replace(name, "[db]");
    insta::assert_snapshot!(masked);
}

#[test]
fn a_password_never_appears_in_errors() {
    for url in [
        "postgres://postgres:Hunter2Secret@127.0.0.1:1/roster",
        "postgres://postgres:Hunter2Secret@127.0.0.1:5432/no_such_database_here",
        "postgres://127.0.0.1:1/roster?user=postgres&password=Hunter2Secret",
    ] {
        for args in [vec!["db", "status"], vec!["db", "migrate"]] {
            let mut args: Vec<&str> = args;
            args.extend(["--database-url", url]);
            let run = Roster::new(args).run();
            assert_eq!(run.code, 1);
            assert!(run.stderr.contains("••••"), "{}", run.stderr);
            assert!(
                !run.stdout.contains("Hunter2Secret") && !run.stderr.contains("Hunter2Secret"),
                "{}",
                run.stderr
            );
        }
    }
    let run = Roster::new(["db", "status"])
        .env(
            "ROSTER_DATABASE_URL",
            "postgres://postgres:Hunter2Secret@127.0.0.1:1/roster",
        )
        .run();
    assert_eq!(run.code, 1);
    assert!(!run.stderr.contains("Hunter2Secret"), "{}", run.stderr);
}

#[test]
fn a_password_appears_in_no_command_output_nor_plan_file() {
    let db = TestDb::postgres();
    let url = db.url().replacen(
        "postgres://postgres@",
        "postgres://postgres:Hunter2Secret@",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.json").display().to_string();
    let export_dir = dir.path().join("export").display().to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["db", "migrate"],
        vec!["plan", "examples/acme", "--out", &plan_file],
        vec!["plan", "examples/acme", "--format", "json"],
        vec!["plan", "examples/acme", "--format", "markdown"],
        vec!["apply", "--plan", &plan_file, "--yes"],
        vec!["apply", "examples/acme", "--yes"],
        vec!["drift", "examples/acme", "--format", "markdown"],
        vec!["history", "--format", "json"],
        vec!["export", "--out", &export_dir],
        vec!["db", "exec", "tests/fixtures/platform/acme.sql"],
        vec!["db", "status"],
    ];
    for args in runs {
        let label = args.join(" ");
        let mut args = args;
        args.extend(["--database-url", &url]);
        let run = Roster::new(args).run();
        assert_eq!(run.code, 0, "{label}: {}", run.stderr);
        assert!(
            !run.stdout.contains("Hunter2Secret") && !run.stderr.contains("Hunter2Secret"),
            "{label} shows the password:\n{}",
            run.transcript()
        );
    }
    let saved = std::fs::read_to_string(&plan_file).unwrap();
    assert!(!saved.contains("Hunter2Secret"), "{saved}");
    // A password with characters that end a URL's parts when unencoded.
    for secret in ["Hunter2/Secret", "Hunter2?Secret", "Hunter2@Secret"] {
        let url = format!("postgres://postgres:{secret}@127.0.0.1:1/roster");
        let run = Roster::new(["db", "status", "--database-url", &url]).run();
        assert_eq!(run.code, 1);
        assert!(
            run.stderr
                .contains("postgres://postgres:••••@127.0.0.1:1/roster"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("Secret"), "{}", run.stderr);
    }
}

#[test]
fn connection_errors_say_what_is_wrong() {
    let admin = crate::db::postgres_admin_url();
    let server = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    let mut transcript = String::new();
    for url in [
        "no/such/folder/roster.db".to_string(),
        format!("{server}/roster_no_such_database"),
        "postgres://roster_no_such_role@127.0.0.1:5432/postgres".to_string(),
    ] {
        let run = Roster::new(["db", "status", "--database-url", &url]).run();
        transcript.push_str(&run.transcript().replace(server, "[server]"));
    }
    assert!(!std::path::Path::new("no").exists());
    insta::assert_snapshot!(transcript);
}

#[test]
fn rows_left_by_a_delete_without_foreign_keys_are_named() {
    // The `sqlite3` shell does not enforce foreign keys unless told to.
    let db = TestDb::sqlite();
    let apply = || {
        Roster::new([
            "apply",
            "examples/acme",
            "--yes",
            "--database-url",
            db.url(),
        ])
        .run()
    };
    let run = apply();
    assert_eq!(run.code, 0, "{}", run.stderr);
    block_on(async {
        use sqlx::ConnectOptions;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(db.url())
            .foreign_keys(false);
        let mut conn = options.connect().await.unwrap();
        sqlx::raw_sql("DELETE FROM users WHERE username = 'olivia'")
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let before = db.count("SELECT COUNT(*) FROM contact_methods");
    let run = Roster::new(["drift", "examples/acme", "--database-url", db.url()]).run();
    insta::assert_snapshot!(run.transcript());
    let run = apply();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM contact_methods"),
        before,
        "nothing written"
    );
}

#[test]
fn a_value_of_the_wrong_type_in_a_live_table_is_named() {
    // SQLite keeps what it cannot convert to a column's type as it is; the
    // load reads each cell as SQLite holds it, says which table, row and
    // value it could not read, and the plan stops there.
    let db = TestDb::sqlite();
    let run = Roster::new([
        "apply",
        "examples/acme",
        "--yes",
        "--database-url",
        db.url(),
    ])
    .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sql = |statement: String| {
        block_on(async {
            use sqlx::ConnectOptions;
            let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db.url())
                .connect()
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&mut conn)
                .await
                .unwrap();
        })
    };
    let users = db.count("SELECT COUNT(*) FROM users");
    let mut transcripts = Vec::new();
    for (column, value) in [("remind_lead_minutes", "'soon'"), ("protected", "'maybe'")] {
        sql(format!(
            "UPDATE users SET {column} = {value} WHERE username = 'olivia'"
        ));
        let run = Roster::new(["plan", "examples/acme", "--database-url", db.url()]).run();
        assert_eq!(run.code, 1, "{}", run.stderr);
        transcripts.push(run.transcript());
        sql(format!(
            "UPDATE users SET {column} = 0 WHERE username = 'olivia'"
        ));
    }
    let run = Roster::new(["plan", "examples/acme", "--database-url", db.url()]).run();
    assert_eq!(
        run.code, 0,
        "the values put back read again: {}",
        run.stderr
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM users"), users);
    insta::assert_snapshot!(transcripts.join("\n---\n"));
}
