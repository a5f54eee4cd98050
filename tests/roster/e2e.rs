//! The whole loop through the binary, on SQLite and on PostgreSQL:
//! plan, apply, drift, history; stale plans, locks, crashes, failures,
//! webhooks.

use crate::db::sql;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roster::store::Store;

use crate::db::{TestDb, block_on, on_both_engines};
use crate::support::{NOW, Roster, Run, root};

/// `roster …` against `db`.
fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

/// A transcript with the database's location (which differs per run) replaced.
fn transcript(db: &TestDb, run: &Run) -> String {
    run.transcript().replace(db.url(), "[db]")
}

/// Runs a SQL file with `roster db exec`, as the README shows.
fn exec(db: &TestDb, file: &str) {
    let run = roster(db, &["db", "exec", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn apply_acme(db: &TestDb) {
    let run = roster(db, &["apply", "examples/acme", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A valid config of `users` users in groups of 25, written to `dir`.
pub fn big_config(dir: &std::path::Path, users: usize) {
    let mut text = String::from("version: 1\naccount: { owner: user0 }\nusers:\n");
    for i in 0..users {
        let roles = if i == 0 { "[app_admin]" } else { "[basic]" };
        text.push_str(&format!(
            "  - email: user{i}@example.com\n    username: user{i}\n    first_name: User\n    last_name: Number {i}\n    roles: {roles}\n    contact_methods:\n      - {{ channel: email, label: official, value: user{i}@example.com }}\n      - {{ channel: sms, label: personal, value: \"+4915{:09}\" }}\n      - {{ channel: slack, label: official, value: U{i:08} }}\n",
            100_000_000 + i
        ));
    }
    text.push_str("groups:\n");
    for g in 0..users.div_ceil(25) {
        text.push_str(&format!("  - name: team-{g}\n    members:\n"));
        for i in (g * 25)..((g + 1) * 25).min(users) {
            let role = if i % 25 == 0 { "manager" } else { "primary" };
            text.push_str(&format!("      - {{ user: user{i}, roles: [{role}] }}\n"));
        }
    }
    std::fs::write(dir.join("roster.yaml"), text).unwrap();
}

on_both_engines! {
    fn a_bad_config_fails_before_the_database_is_touched(db) {
        // The config and the database are read at the same time; a bad
        // config must still fail as itself and leave a database that was
        // never set up exactly as it was.
        for command in ["plan", "drift", "apply"] {
            let run = roster(&db, &[command, "examples/invalid/typos.yaml", "--yes"][..if command == "apply" { 3 } else { 2 }]);
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(
                run.stderr.contains("has 4 errors and cannot be planned"),
                "{}",
                run.stderr
            );
            assert_eq!(db.tables(), Vec::<String>::new(), "{command}");
        }
        // Once set up, the database is read while the config is checked;
        // the failure is the config's all the same.
        apply_acme(&db);
        let tables = db.tables();
        let run = roster(&db, &["plan", "examples/invalid/typos.yaml"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        insta::assert_snapshot!("plan_bad_config", transcript(&db, &run));
        assert_eq!(db.tables(), tables);
        // An apply reads the config while it locks and reads the database;
        // a bad config rolls it back with the same report.
        let before = roster(&db, &["export"]).stdout;
        let run = roster(&db, &["apply", "examples/invalid/typos.yaml", "--yes"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        insta::assert_snapshot!("apply_bad_config", transcript(&db, &run));
        assert_eq!(roster(&db, &["export"]).stdout, before);
        assert_eq!(db.count("SELECT COUNT(*) FROM roster_applies"), 1);
        assert!(!std::path::Path::new(&format!("{}.apply-lock", db.url())).exists());
    }

    fn an_empty_directory_plans_creates_with_exit_code_2(db) {
        let run = roster(&db, &["plan", "examples/acme", "--detailed-exitcode"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        insta::assert_snapshot!("plan_text_empty", transcript(&db, &run));
        let json = roster(&db, &["plan", "examples/acme", "--format", "json"]);
        assert_eq!(json.code, 0);
        insta::assert_snapshot!("plan_json_empty", transcript(&db, &json));
        let markdown = roster(&db, &["plan", "examples/acme", "--format", "markdown"]);
        insta::assert_snapshot!("plan_markdown_empty", transcript(&db, &markdown));
    }

    fn edits_of_every_kind_in_every_format(db) {
        apply_acme(&db);
        exec(&db, "tests/fixtures/platform/accepted.sql");
        for (format, name) in [("text", "plan_text_edits"), ("json", "plan_json_edits"), ("markdown", "plan_markdown_edits")] {
            let run = roster(&db, &["plan", "tests/fixtures/plan/edited", "--allow-replace", "--allow-owner-change", "--detailed-exitcode", "--format", format]);
            assert_eq!(run.code, 2, "{}", run.stderr);
            insta::assert_snapshot!(name, transcript(&db, &run));
        }
        let shown = roster(&db, &["plan", "tests/fixtures/plan/edited", "--allow-replace", "--allow-owner-change", "--show-values"]);
        assert!(shown.stdout.contains("\"+491601234567\" → \"+491607654321\""), "{}", shown.stdout);
        let masked = roster(&db, &["plan", "tests/fixtures/plan/edited", "--allow-replace", "--allow-owner-change"]);
        assert!(!masked.stdout.contains("+491601234567"), "{}", masked.stdout);
    }

    fn guards_stop_the_plan_with_every_reason(db) {
        apply_acme(&db);
        exec(&db, "tests/fixtures/platform/acme.sql");
        // Dave changes type (a replace) and Judy, who has no shift, goes;
        // Bob, on call next week, goes too.
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("tests/fixtures/plan/edited"), dir.path());
        let path = dir.path().join("users/database.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text.find("  - email: bob@acme.example").unwrap();
        let end = text.find("  - email: frank@acme.example").unwrap();
        std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
        let groups = dir.path().join("groups.yaml");
        let text = std::fs::read_to_string(&groups).unwrap().replace("      - { user: bob, roles: [primary] }\n", "").replace("      - { user: bob, roles: [secondary] }\n", "");
        std::fs::write(&groups, text.replace("      - { user: ivan, roles: [secondary] }", "      - { user: ivan, roles: [primary] }")).unwrap();
        let frank = dir.path().join("users/database.yaml");
        let text = std::fs::read_to_string(&frank).unwrap().replace("        covered_by: bob\n", "        covered_by: ivan\n");
        std::fs::write(&frank, text).unwrap();
        let dir_arg = dir.path().display().to_string();
        let run = roster(&db, &["plan", &dir_arg, "--detailed-exitcode"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let stderr = run.stderr.replace(&dir_arg, "[config]");
        insta::assert_snapshot!("plan_guards", stderr);
        // What stops the plan comes first in the pull-request comment and
        // is listed in the JSON for CI tools.
        let markdown = roster(&db, &["plan", &dir_arg, "--format", "markdown"]);
        assert_eq!(markdown.code, 1);
        insta::assert_snapshot!("plan_guards_markdown", transcript(&db, &markdown).replace(&dir_arg, "[config]"));
        let json = roster(&db, &["plan", &dir_arg, "--format", "json"]);
        assert_eq!(json.code, 1);
        let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        insta::assert_snapshot!("plan_guards_json_refusals", serde_json::to_string_pretty(&plan["refusals"]).unwrap());
        let applied = roster(&db, &["apply", &dir_arg, "--yes", "--allow-replace"]);
        assert_eq!(applied.code, 1);
        assert!(applied.stderr.contains("cannot delete user `bob`"), "{}", applied.stderr);
    }

    fn apply_then_plan_is_empty_and_drift_is_clean(db) {
        let run = roster(&db, &["apply", "examples/acme", "--yes", "--revision", "abc123", "--actor", "ci-bot"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("Applied to [db]: 19 created, 1 updated, 0 replaced, 0 deleted (apply #1, revision abc123).".replace("[db]", db.url()).as_str()), "{}", run.stderr);
        assert!(!run.stderr.contains("rows ("), "no progress bar in logs: {}", run.stderr);
        let plan = roster(&db, &["plan", "examples/acme", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        assert!(plan.stdout.contains("No changes"));
        let drift = roster(&db, &["drift", "examples/acme"]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
        let again = roster(&db, &["apply", "examples/acme", "--yes"]);
        assert_eq!(again.code, 0);
        assert!(again.stderr.contains("Nothing to apply."), "{}", again.stderr);
        let history = roster(&db, &["history", "--format", "json"]);
        let document: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
        let entries = &document["applies"];
        assert_eq!(entries.as_array().unwrap().len(), 1);
        assert_eq!(entries[0]["revision"], "abc123");
        assert_eq!(entries[0]["actor"], "ci-bot");
        assert_eq!(entries[0]["creates"], 19);
        assert_eq!(entries[0]["changes"][0], "+ role incident_commander");
        let text = roster(&db, &["history"]);
        let first_line = text.stdout.lines().next().unwrap();
        assert!(first_line.starts_with("apply #1 at 2026-11-22 ") && first_line.ends_with(" UTC by ci-bot (revision abc123)"), "{first_line}");
    }

    fn apply_needs_yes_away_from_a_terminal(db) {
        let run = roster(&db, &["apply", "examples/acme"]);
        assert_eq!(run.code, 1);
        assert!(run.stderr.contains("error: not at a terminal, so there is nobody to confirm the apply\nhint: review the plan above and pass `--yes` to apply it"), "{}", run.stderr);
        let plan = roster(&db, &["plan", "examples/acme", "--detailed-exitcode"]);
        assert_eq!(plan.code, 2, "nothing was applied");
    }

    fn a_stale_plan_is_refused_naming_what_changed(db) {
        apply_acme(&db);
        let dir = tempfile::tempdir().unwrap();
        let plan_path = dir.path().join("plan.json").display().to_string();
        let run = roster(&db, &["plan", "tests/fixtures/plan/edited", "--allow-replace", "--allow-owner-change", "--out", &plan_path]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
        assert_eq!(saved["format_version"], 1);
        assert_eq!(saved["roster_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(saved["config_digest"].as_str().unwrap().len(), 64);
        assert!(saved["plan"]["fingerprints"].as_array().unwrap().len() >= 10);
        // Olivia is not in the plan: a change to her does not block it.
        sql(&db, "UPDATE users SET last_name = 'Brown-Smith' WHERE username = 'olivia'");
        // Bob is: a change to him does.
        sql(&db, "UPDATE users SET first_name = 'Robert' WHERE username = 'bob'");
        let refused = roster(&db, &["apply", "--plan", &plan_path, "--yes"]);
        assert_eq!(refused.code, 1, "{}", refused.stderr);
        assert!(refused.stderr.contains("the live directory is no longer what the plan assumed; nothing was changed\n  - user `bob` changed since the plan was made\nhint: plan again"), "{}", refused.stderr);
        sql(&db, "UPDATE users SET first_name = 'Bob' WHERE username = 'bob'");
        let applied = roster(&db, &["apply", "--plan", &plan_path, "--yes"]);
        assert_eq!(applied.code, 0, "{}", applied.stderr);
        // What is left is the config putting Olivia's name back.
        let plan = roster(&db, &["plan", "tests/fixtures/plan/edited", "--detailed-exitcode"]);
        assert_eq!(plan.code, 2, "{}", plan.stdout);
        assert!(plan.stdout.contains("  ~ user olivia\n      ~ last_name: \"Brown-Smith\" → \"Brown\" (reverts a change made outside git)\n"), "{}", plan.stdout);
        assert!(plan.stdout.contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete."), "{}", plan.stdout);
    }

    fn a_rejected_change_rolls_the_whole_apply_back(db) {
        roster(&db, &["db", "migrate"]);
        let trigger = if db.engine() == "sqlite" {
            "CREATE TRIGGER reject_members BEFORE INSERT ON group_members \
             WHEN NEW.is_manager AND NEW.is_primary BEGIN SELECT RAISE(ABORT, 'rejected by test trigger'); END;"
        } else {
            "CREATE FUNCTION reject_members() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.is_manager AND NEW.is_primary THEN RAISE EXCEPTION 'rejected by test trigger'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER reject_members BEFORE INSERT ON group_members FOR EACH ROW EXECUTE FUNCTION reject_members();"
        };
        sql(&db, trigger);
        let run = roster(&db, &["apply", "examples/acme", "--yes"]);
        assert_eq!(run.code, 1);
        assert!(run.stderr.contains("rejected by test trigger") && run.stderr.contains("the apply was rolled back and nothing was changed"), "{}", run.stderr);
        block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            let live = store.load(true).await.unwrap();
            assert!(live.directory.users.is_empty() && live.directory.groups.is_empty() && live.directory.roles.is_empty());
            assert!(live.managed.objects.is_empty());
            assert!(store.history().await.unwrap().is_empty());
        });
    }

    fn a_held_lock_is_waited_for_then_named(db) {
        roster(&db, &["db", "migrate"]);
        let url = db.database_url();
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let engine = db.engine();
        let holder = std::thread::spawn(move || {
            block_on(async move {
                use sqlx::Connection;
                if engine == "sqlite" {
                    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", url.sqlite_path())).await.unwrap();
                    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
                    std::fs::write(format!("{}.apply-lock", url.sqlite_path()), format!("{}\nroster apply by release-bot on ci-7\n", std::process::id())).unwrap();
                    held_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.unwrap();
                } else {
                    let mut conn = sqlx::PgConnection::connect(url.expose()).await.unwrap();
                    sqlx::raw_sql("BEGIN; SET application_name = 'roster apply by release-bot on ci-7'; SELECT pg_advisory_xact_lock(125823003944306);").execute(&mut conn).await.unwrap();
                    held_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.unwrap();
                }
            })
        });
        held_rx.recv().unwrap();
        // `--lock-timeout 0` does not wait at all, on either engine.
        let started = Instant::now();
        let at_once = roster(&db, &["apply", "examples/acme", "--yes", "--lock-timeout", "0"]);
        assert!(started.elapsed() < Duration::from_secs(5), "it did not wait: {:?}", started.elapsed());
        assert_eq!(at_once.code, 1, "{}", at_once.stderr);
        assert!(at_once.stderr.contains("another apply holds the lock"), "{}", at_once.stderr);
        let started = Instant::now();
        let run = roster(&db, &["apply", "examples/acme", "--yes", "--lock-timeout", "1"]);
        assert!(started.elapsed() >= Duration::from_millis(900), "it waited for the lock");
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        assert_eq!(run.code, 1);
        let expected = format!(
            "error: another apply holds the lock on {} (roster apply by release-bot on ci-7); waited 1 s and changed nothing\nhint: try again when it has finished, or wait longer with `--lock-timeout`",
            db.url()
        );
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
        let after = roster(&db, &["apply", "examples/acme", "--yes"]);
        assert_eq!(after.code, 0, "the lock is free again: {}", after.stderr);
    }

    fn two_applies_at_once_do_not_interleave(db) {
        roster(&db, &["db", "migrate"]);
        let dir = tempfile::tempdir().unwrap();
        big_config(dir.path(), 1_500);
        let config = dir.path().display().to_string();
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_roster"))
                .args(["apply", &config, "--yes", "--lock-timeout", "60"])
                .env("ROSTER_DATABASE_URL", db.url())
                .env("ROSTER_NOW", NOW)
                .env("NO_COLOR", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        // With `--yes` each apply plans inside its transaction: the first
        // writes, the second waits for the lock and then finds nothing to do.
        let mut applied = 0;
        for output in &outputs {
            let stderr = String::from_utf8_lossy(&output.stderr);
            match output.status.code() {
                Some(0) if stderr.contains("Applied to") => applied += 1,
                Some(0) => assert!(stderr.contains("Nothing to apply."), "{stderr}"),
                Some(1) => assert!(stderr.contains("another apply holds the lock"), "{stderr}"),
                other => panic!("unexpected exit {other:?}: {stderr}"),
            }
        }
        assert_eq!(applied, 1, "one apply writes, the other has nothing left to do");
        let history = roster(&db, &["history", "--format", "json"]);
        let document: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
        let entries = &document["applies"];
        assert_eq!(entries.as_array().unwrap().len(), applied, "one history entry per apply that went through");
        assert_eq!(entries[0]["creates"], 1_500 + 60);
        let plan = roster(&db, &["plan", &config, "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "the directory is whole: {}", plan.stdout);
    }

    fn drift_reports_each_out_of_band_edit_once(db) {
        let cases: [(&str, &str, &str, &str); 6] = [
            (
                "a changed phone",
                "UPDATE contact_methods SET value = '+14155550199' WHERE channel = 'sms' AND user_id = (SELECT id FROM users WHERE username = 'carol')",
                "changed",
                "user carol contact_methods[sms-personal].value",
            ),
            (
                "a removed membership",
                "DELETE FROM group_members WHERE user_id = (SELECT id FROM users WHERE username = 'olivia')",
                "changed",
                "group web-oncall members[olivia]",
            ),
            (
                "a new unmanaged user",
                "INSERT INTO users (username, email, first_name, last_name, user_type, status, language, home_page, theme, digest, created_at) \
                 VALUES ('zed', 'zed@acme.example', 'Zed', 'Zimmermann', 'standard', 'active', 'en', 'dashboard', 'light', 'high', '2026-11-24T10:00:00Z')",
                "unmanaged",
                "user zed",
            ),
            (
                "a deleted out-of-office window",
                "DELETE FROM oof_windows WHERE user_id = (SELECT id FROM users WHERE username = 'dave')",
                "changed",
                "user dave out_of_office[2027-07-05T00:00+01:00]",
            ),
            (
                // Her membership goes with her: one deletion, not also a group change.
                "a deleted user",
                "DELETE FROM users WHERE username = 'olivia'",
                "deleted",
                "user olivia",
            ),
            (
                // Alice and Frank lose it with it: one deletion, not also two user changes.
                "a deleted role",
                "DELETE FROM roles WHERE name = 'incident_commander'",
                "deleted",
                "role incident_commander",
            ),
        ];
        for (what, statement, section, expected) in cases {
            let fresh = if db.engine() == "sqlite" { TestDb::sqlite() } else { TestDb::postgres() };
            apply_acme(&fresh);
            sql(&fresh, statement);
            let run = roster(&fresh, &["drift", "examples/acme", "--format", "json"]);
            assert_eq!(run.code, 2, "{what}: {}", run.stdout);
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let found: Vec<String> = match section {
                "changed" => report["changed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|o| {
                        let name = format!("{} {}", o["kind"].as_str().unwrap(), o["name"].as_str().unwrap());
                        o["fields"].as_array().unwrap().iter().map(move |f| format!("{name} {}", f["path"].as_str().unwrap())).collect::<Vec<_>>()
                    })
                    .collect(),
                _ => report[section].as_array().unwrap().iter().map(|k| format!("{} {}", k["kind"].as_str().unwrap(), k["name"].as_str().unwrap())).collect(),
            };
            assert_eq!(found, [expected], "{what}");
            let others: usize = ["changed", "deleted", "unmanaged"].iter().filter(|s| **s != section).map(|s| report[*s].as_array().unwrap().len()).sum();
            assert_eq!(others, 0, "{what}: reported once, nowhere else: {}", run.stdout);
        }
        // Deletions as a reviewer reads them, in text and markdown.
        apply_acme(&db);
        sql(&db, "DELETE FROM users WHERE username = 'olivia'");
        sql(&db, "DELETE FROM roles WHERE name = 'incident_commander'");
        let text = roster(&db, &["drift", "examples/acme"]);
        insta::assert_snapshot!("drift_text_deleted", transcript(&db, &text));
        let markdown = roster(&db, &["drift", "examples/acme", "--format", "markdown"]);
        insta::assert_snapshot!("drift_markdown_deleted", transcript(&db, &markdown));
    }

    fn drift_reads_only_the_bodies_it_suspects_and_finds_the_same(db) {
        apply_acme(&db);
        exec(&db, "tests/fixtures/platform/accepted.sql");
        sql(&db, "UPDATE users SET time_zone = 'Europe/Paris' WHERE username = 'bob'");
        sql(&db, "DELETE FROM group_members WHERE user_id = (SELECT id FROM users WHERE username = 'olivia')");
        sql(&db, "DELETE FROM user_roles WHERE user_id = (SELECT id FROM users WHERE username = 'mallory')");
        let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
        let desired = roster::config::load(&root().join("tests/fixtures/plan/edited"), now)
            .unwrap()
            .desired
            .expect("the edited fixture is valid");
        block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            let full = store.load(true).await.unwrap();
            let mut partial = store.load(false).await.unwrap();
            let suspects = roster::drift::suspects(&partial);
            let managed = partial.managed.objects.len();
            // Edited out of band (or invitations accepted) are suspects;
            // Grace, untouched, is not.
            use roster::model::live::{ObjectKey, ObjectKind};
            for (kind, name, suspect) in [
                (ObjectKind::User, "bob", true),
                (ObjectKind::User, "mallory", true),
                (ObjectKind::Group, "web-oncall", true),
                (ObjectKind::User, "grace", false),
                (ObjectKind::Group, "db-oncall", false),
            ] {
                assert_eq!(suspects.contains(&ObjectKey::new(kind, name)), suspect, "{name}: {suspects:?}");
            }
            assert!(suspects.len() < managed, "{} suspects of {managed}", suspects.len());
            store.load_bodies(&mut partial, &suspects).await.unwrap();
            let loaded = partial.managed.objects.values().filter(|r| r.body.is_some()).count();
            assert_eq!(loaded, suspects.len());
            let expected = roster::drift::drift(&full, Some(&desired), now);
            assert!(expected.has_drift() && !expected.pending.is_empty());
            assert_eq!(roster::drift::drift(&partial, Some(&desired), now), expected);
            assert_eq!(
                roster::drift::drift(&partial, None, now),
                roster::drift::drift(&full, None, now)
            );
            store.close().await;
        });
    }

    fn drift_separates_pending_config_changes(db) {
        apply_acme(&db);
        exec(&db, "tests/fixtures/platform/accepted.sql");
        sql(&db, "UPDATE users SET time_zone = 'Europe/Paris' WHERE username = 'bob'");
        let run = roster(&db, &["drift", "tests/fixtures/plan/edited"]);
        assert_eq!(run.code, 2);
        insta::assert_snapshot!("drift_text_pending", transcript(&db, &run));
        let markdown = roster(&db, &["drift", "tests/fixtures/plan/edited", "--format", "markdown"]);
        insta::assert_snapshot!("drift_markdown_pending", transcript(&db, &markdown));
    }

    fn drift_posts_to_a_webhook_and_retries_after_a_500(db) {
        apply_acme(&db);
        sql(&db, "DELETE FROM group_members WHERE user_id = (SELECT id FROM users WHERE username = 'olivia')");
        let server = Receiver::start(vec![500, 200]);
        let run = roster(&db, &["drift", "--notify", &server.url()]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("posted the drift report to the webhook (HTTP 200)"), "{}", run.stderr);
        let requests = server.finish();
        assert_eq!(requests.len(), 2, "one failure, one retry");
        for request in &requests {
            assert!(request.head.starts_with("POST /hook HTTP/1.1"), "{}", request.head);
            assert!(request.head.to_lowercase().contains("content-type: application/json"));
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
            assert!(body["text"].as_str().unwrap().contains(": 1 changed, 0 deleted, 0 unmanaged\n• ~ group web-oncall (1 field)"), "{}", body["text"]);
            assert_eq!(body["roster"]["has_drift"], true);
            assert_eq!(body["roster"]["changed"][0]["fields"][0]["path"], "members[olivia]");
        }
    }
}

on_both_engines! {
    fn new_users_are_invited_for_seven_days(db) {
        apply_acme(&db);
        let live = block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            let live = store.load(false).await.unwrap();
            store.close().await;
            live
        });
        let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
        let invited: Vec<&String> = live
            .directory
            .users
            .values()
            .filter(|u| u.status == roster::model::vocab::UserStatus::Invited)
            .map(|u| &u.username)
            .collect();
        assert_eq!(invited.len(), 13, "every active user of acme is invited: {invited:?}");
        let invitations: Vec<&String> = live.platform.invitations.keys().collect();
        assert_eq!(invitations, invited, "one invitation each, and none for the disabled user");
        for (user, invitation) in &live.platform.invitations {
            assert_eq!(invitation.sent_at, now, "{user}");
            assert_eq!(invitation.expires_at, now + chrono::Duration::days(7), "{user}");
            assert_eq!(invitation.accepted_at, None, "{user}");
        }
        assert!(!live.platform.invitations.contains_key("mallory"));
    }
}

/// A copy of examples/acme in a folder of its own, with one user's last
/// name set, so that each apply has something to do.
fn acme_copy(last_name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/acme"), dir.path());
    let path = dir.path().join("users/web.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.find("last_name: ").unwrap() + "last_name: ".len();
    let end = first + text[first..].find('\n').unwrap();
    std::fs::write(
        &path,
        format!("{}{last_name}{}", &text[..first], &text[end..]),
    )
    .unwrap();
    dir
}

#[test]
fn the_revision_and_actor_come_from_the_ci_or_git_or_the_os() {
    let db = TestDb::sqlite();
    let apply = |dir: &std::path::Path, vars: &[(&str, &str)]| {
        let mut run = Roster::new(["apply", &dir.display().to_string(), "--yes"])
            .env("ROSTER_DATABASE_URL", db.url());
        for name in [
            "GITHUB_SHA",
            "GITHUB_ACTOR",
            "CI_COMMIT_SHA",
            "GITLAB_USER_LOGIN",
            "USER",
            "USERNAME",
            "LOGNAME",
        ] {
            run = run.env_remove(name);
        }
        for (name, value) in vars {
            run = run.env(name, value);
        }
        let run = run.run();
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    let github = acme_copy("Smith-GitHub");
    apply(
        github.path(),
        &[("GITHUB_SHA", "1111111"), ("GITHUB_ACTOR", "octocat")],
    );
    let gitlab = acme_copy("Smith-GitLab");
    apply(
        gitlab.path(),
        &[
            ("CI_COMMIT_SHA", "2222222"),
            ("GITLAB_USER_LOGIN", "tanuki"),
        ],
    );
    // Outside CI: the config's git HEAD, and the OS user.
    let local = acme_copy("Smith-Local");
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(local.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        String::from_utf8(status.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "acme"]);
    let head = git(&["rev-parse", "HEAD"]);
    apply(local.path(), &[("USER", "ops-admin")]);
    // With no name in the environment at all, the account's own name.
    let unnamed = acme_copy("Smith-Unnamed");
    apply(unnamed.path(), &[]);
    let id = Command::new("id").arg("-un").output().unwrap();
    let account = String::from_utf8(id.stdout).unwrap().trim().to_string();
    let history = Roster::new(["history", "--format", "json"])
        .env("ROSTER_DATABASE_URL", db.url())
        .run();
    let document: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let entries = &document["applies"];
    let pairs: Vec<(String, String)> = entries
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|e| {
            (
                e["revision"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("1111111".to_string(), "octocat".to_string()),
            ("2222222".to_string(), "tanuki".to_string()),
            (head, "ops-admin".to_string()),
        ]
    );
    assert_eq!(entries[3]["actor"], account.as_str());
    assert!(entries[3]["revision"].is_null(), "{}", entries[3]);
}

/// Runs `roster args…` at a terminal (a pseudo-terminal made by `script`),
/// typing `input`; returns the exit code and everything the terminal showed.
fn at_a_terminal(db: &TestDb, args: &[&str], input: &str) -> (i32, String) {
    let command = std::iter::once(env!("CARGO_BIN_EXE_roster"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let output = crate::support::pipe(
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(root())
            .env("ROSTER_DATABASE_URL", db.url())
            .env("ROSTER_NOW", NOW)
            .env("NO_COLOR", "1"),
        input,
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
    )
}

#[test]
fn at_a_terminal_apply_asks_first_and_shows_its_progress() {
    let db = TestDb::sqlite();
    let (code, shown) = at_a_terminal(&db, &["apply", "examples/acme"], "no\n");
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("Apply these changes to "), "{shown}");
    assert!(
        shown.contains("Apply cancelled; nothing was changed."),
        "{shown}"
    );
    assert!(
        !shown.contains("applying ["),
        "nothing applied, no progress: {shown}"
    );
    let plan = roster(&db, &["plan", "examples/acme", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "nothing was applied");
    // A directory of 5,000 people takes long enough to show its progress.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config").display().to_string();
    let generated = Roster::new(["generate", "--users", "5000", "--out", &config]).run();
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let (code, shown) = at_a_terminal(&db, &["apply", &config], "yes\n");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("applying ["), "a progress bar: {shown}");
    assert!(shown.contains(" rows ("), "{shown}");
    assert!(shown.contains("Applied to "), "{shown}");
}

#[test]
fn a_bulk_onboarding_comment_fits_and_shows_the_change() {
    // After onboarding 1,500 people, every one of them is pending until they
    // accept; the pull-request comment must still fit and show what changed.
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    big_config(dir.path(), 1_500);
    let config = dir.path().display().to_string();
    // A comment that fits, whatever else it shows.
    let comment = || {
        let run = roster(&db, &["plan", &config, "--format", "markdown"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.chars().count() <= 65_000, "{}", run.stdout.len());
        run
    };
    let created = comment();
    assert!(
        created
            .stdout
            .contains("more changes not shown: a comment is limited to 65000 characters")
    );
    // Summarised by kind, the names cut off counted.
    assert!(
        created
            .stdout
            .contains("- **1500 users to create** (+): `user0`, `user1`,"),
        "{}",
        &created.stdout[..2_000]
    );
    assert!(created.stdout.contains(", …and 1490 more\n"));
    let run = roster(&db, &["apply", &config, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = dir.path().join("roster.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("last_name: Number 7\n", "last_name: Seven\n"),
    )
    .unwrap();
    let plan = comment();
    // One change: shown open, and the 1,500 pending invitations as one line.
    assert!(
        plan.stdout.contains(
            "**`~ user user7`** (update)\n\n```diff\n! last_name: \"Number 7\" → \"Seven\"\n```\n"
        ),
        "{}",
        &plan.stdout[..2_000.min(plan.stdout.len())]
    );
    assert!(
        plan.stdout.contains(
            "**Pending on the platform:** 1500 people have not accepted their invitation yet"
        ),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("- …and"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("not shown"), "{}", plan.stdout);
}

#[test]
fn a_webhook_that_keeps_failing_is_a_clear_error() {
    let db = TestDb::sqlite();
    apply_acme(&db);
    sql(
        &db,
        "DELETE FROM group_members WHERE user_id = (SELECT id FROM users WHERE username = 'olivia')",
    );
    let server = Receiver::start(vec![503, 503, 503, 503]);
    let run = roster(&db, &["drift", "--notify", &server.url()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error: could not deliver the report to the webhook after 4 attempts: the webhook answered HTTP 503"),
        "{}",
        run.stderr
    );
    assert_eq!(server.finish().len(), 4);
    let refused = Receiver::start(vec![404]);
    let run = roster(&db, &["drift", "--notify", &refused.url()]);
    assert!(
        run.stderr
            .contains("after 1 attempt: the webhook answered HTTP 404"),
        "a 4xx is not retried: {}",
        run.stderr
    );
    assert_eq!(refused.finish().len(), 1);
    // A receiver that never answers: each attempt times out, then roster
    // gives up and says so in words.
    let silent = Receiver::start(vec![0, 0, 0, 0]);
    let started = Instant::now();
    let run = roster(
        &db,
        &[
            "drift",
            "--notify",
            &silent.url(),
            "--notify-timeout",
            "0.5",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error: could not deliver the report to the webhook after 4 attempts: the webhook did not answer within 0.5 s"),
        "{}",
        run.stderr
    );
    assert_eq!(silent.finish().len(), 4);
    assert!(
        started.elapsed() >= Duration::from_millis(4 * 500 + 3_500),
        "backoff between tries: {:?}",
        started.elapsed()
    );
    // Nobody listening at all.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = roster(
        &db,
        &[
            "drift",
            "--notify",
            &format!("http://127.0.0.1:{port}/hook"),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("after 4 attempts: the webhook refused the connection"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_killed_apply_leaves_the_directory_before_or_after_never_between() {
    for engine in ["sqlite", "postgres"] {
        let fresh = || {
            if engine == "sqlite" {
                TestDb::sqlite()
            } else {
                TestDb::postgres()
            }
        };
        let dir = tempfile::tempdir().unwrap();
        big_config(dir.path(), 2_000);
        let config = dir.path().display().to_string();
        let apply = |db: &TestDb| {
            Command::new(env!("CARGO_BIN_EXE_roster"))
                .args(["apply", &config, "--yes"])
                .env("ROSTER_DATABASE_URL", db.url())
                .env("ROSTER_NOW", NOW)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        // How long a whole apply takes here, and how long it holds the lock
        // (its load, plan and write), to kill at moments across them.
        let probe = fresh();
        roster(&probe, &["db", "migrate"]);
        let started = Instant::now();
        let mut child = apply(&probe);
        let locked_at = wait_for_the_lock(&probe, &mut child).expect("the apply takes the lock");
        assert!(child.wait().unwrap().success());
        let full = started.elapsed();
        let locked = full - locked_at;
        let expected = block_on(async {
            let store = Store::open(&probe.database_url()).await.unwrap();
            store.load(true).await.unwrap()
        });
        let mut seed: u64 = 0x5eed_1234;
        let mut random = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        // (killed before the commit, after it) for kills at any moment, and
        // for kills while the apply holds the lock and writes.
        let mut anywhere = (0, 0);
        let mut locked_outcomes = (0, 0);
        for round in 0..16 {
            let under_the_lock = round % 2 == 1;
            let db = fresh();
            roster(&db, &["db", "migrate"]);
            let started = Instant::now();
            let mut child = apply(&db);
            if under_the_lock {
                if wait_for_the_lock(&db, &mut child).is_some() {
                    std::thread::sleep(locked.mul_f64(random() * 0.9));
                }
            } else {
                std::thread::sleep(
                    full.mul_f64(random() * 1.1)
                        .saturating_sub(started.elapsed()),
                );
            }
            let _ = child.kill();
            let _ = child.wait();
            let (live, applies) = block_on(async {
                let store = Store::open(&db.database_url()).await.unwrap();
                let live = store.load(true).await.unwrap();
                (live, store.history().await.unwrap().len())
            });
            let outcomes = if under_the_lock {
                &mut locked_outcomes
            } else {
                &mut anywhere
            };
            if live.directory.users.is_empty() {
                assert!(
                    live.directory.groups.is_empty()
                        && live.managed.objects.is_empty()
                        && applies == 0,
                    "{engine}: half an apply"
                );
                outcomes.0 += 1;
            } else {
                assert_eq!(
                    live.directory, expected.directory,
                    "{engine}: half an apply"
                );
                assert_eq!(live.managed, expected.managed);
                assert_eq!(applies, 1);
                outcomes.1 += 1;
            }
        }
        assert!(
            anywhere.0 > 0,
            "{engine}: no kill landed before the commit: {anywhere:?}"
        );
        assert!(
            locked_outcomes.0 > 0,
            "{engine}: no kill landed while the apply held the lock: {locked_outcomes:?}"
        );
    }
}

/// Waits until the apply `child` holds the lock on `db`; how long after
/// the call it took, or none when the apply ended first.
fn wait_for_the_lock(db: &TestDb, child: &mut std::process::Child) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if db.apply_holds_the_lock() {
            return Some(started.elapsed());
        }
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A webhook receiver on loopback that answers with the given statuses in
/// turn and records each request.
pub(crate) struct Receiver {
    port: u16,
    thread: std::thread::JoinHandle<Vec<Request>>,
}

pub(crate) struct Request {
    pub(crate) head: String,
    pub(crate) body: String,
}

impl Receiver {
    pub(crate) fn start(statuses: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let thread = std::thread::spawn(move || {
            let mut requests = Vec::new();
            for status in statuses {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream);
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(value) = line.to_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let mut stream = reader.into_inner();
                requests.push(Request {
                    head,
                    body: String::from_utf8(body).unwrap(),
                });
                if status == 0 {
                    // Never answer: hold the connection until the client gives up.
                    let _ = stream.read(&mut [0; 1]);
                    continue;
                }
                write!(
                    stream,
                    "HTTP/1.1 {status} Status\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                )
                .unwrap();
            }
            requests
        });
        Receiver { port, thread }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub(crate) fn finish(self) -> Vec<Request> {
        self.thread.join().unwrap()
    }
}
