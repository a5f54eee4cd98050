//! `roster show user|group` and `roster who-is-out` (SPEC 8) on the acme
//! directory applied, with the platform's shifts, devices, tokens,
//! verification and invitations.

use crate::db::{TestDb, on_both_engines};
use crate::support::{Roster, Run};

fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

fn transcript(db: &TestDb, run: &Run) -> String {
    run.transcript().replace(db.url(), "[db]")
}

/// acme applied, with the platform's state.
fn acme(db: &TestDb) {
    let run = roster(db, &["apply", "examples/acme", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = roster(db, &["db", "exec", "tests/fixtures/platform/acme.sql"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout))
}

/// Every time in a JSON document, by the keys that hold one.
fn times(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let is_time = ["from", "until", "_at", "last_sign_in"]
                    .iter()
                    .any(|k| key == k || key.ends_with(k));
                match v {
                    serde_json::Value::String(s) if is_time => out.push(s.clone()),
                    _ => times(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| times(v, out)),
        _ => {}
    }
}

on_both_engines! {
    fn a_person_and_a_group_read_the_same_on_both_engines(db) {
        acme(&db);
        let run = roster(&db, &["show", "user", "Bob@Acme.Example"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!("show_user_bob", transcript(&db, &run));
        let run = roster(&db, &["show", "group", "db-oncall"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!("show_group_db_oncall", transcript(&db, &run));
        let run = roster(&db, &["who-is-out", "--from", "2027-01-01", "--until", "2027-04-01"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!("who_is_out_q1", transcript(&db, &run));
    }
}

#[test]
fn contact_values_are_masked_unless_unmasked() {
    let db = TestDb::sqlite();
    acme(&db);
    let masked = json(&roster(&db, &["show", "user", "carol", "--format", "json"]));
    assert_eq!(masked["format_version"], 1);
    let user = &masked["user"];
    assert_eq!(user["email"], "c•••@acme.example");
    assert_eq!(user["contact_methods"][0]["value"], "+1 ••• •••• 32");
    assert_eq!(user["contact_methods"][0]["verification"], "unverified");
    let text = roster(&db, &["show", "user", "carol"]);
    assert!(
        !text.stdout.contains("carol@acme.example"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("4155550132"), "{}", text.stdout);

    let clear = json(&roster(
        &db,
        &["show", "user", "carol", "--format", "json", "--unmask"],
    ));
    assert_eq!(clear["user"]["email"], "carol@acme.example");
    assert_eq!(clear["user"]["contact_methods"][0]["value"], "+14155550132");
}

#[test]
fn json_times_are_rfc_3339_that_jq_reads() {
    let db = TestDb::sqlite();
    acme(&db);
    let outputs = [
        roster(&db, &["show", "user", "alice", "--format", "json"]),
        roster(&db, &["show", "group", "db-oncall", "--format", "json"]),
        roster(
            &db,
            &[
                "who-is-out",
                "--from",
                "2027-01-01",
                "--until",
                "2028-01-01",
                "--format",
                "json",
            ],
        ),
    ];
    let mut all = Vec::new();
    for run in &outputs {
        times(&json(run), &mut all);
    }
    assert!(all.len() >= 10, "{all:?}");
    for t in &all {
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%SZ")
            .unwrap_or_else(|e| panic!("`{t}` is not RFC 3339 in UTC: {e}"));
    }
    // jq's own date parser, when jq is installed.
    let Ok(jq) = std::process::Command::new("jq").arg("--version").output() else {
        eprintln!("jq is not installed: its date parsing is not checked");
        return;
    };
    assert!(jq.status.success());
    let out = crate::support::pipe(
        std::process::Command::new("jq").args([
            "-e",
            "[.who_is_out.absences[] | (.from, .until) | fromdate] | length",
        ]),
        &outputs[2].stdout,
    );
    assert!(out.status.success(), "jq could not read the times");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "8");
}

#[test]
fn who_is_out_defaults_to_this_week() {
    let db = TestDb::sqlite();
    acme(&db);
    // A Wednesday in bob's conference week: the week runs Monday to Monday.
    let run = Roster::new(["who-is-out"])
        .env("ROSTER_DATABASE_URL", db.url())
        .env("ROSTER_NOW", "2027-02-03T12:00:00Z")
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("who_is_out_this_week", transcript(&db, &run));
    let report = json(
        &Roster::new(["who-is-out", "--group", "web-oncall", "--format", "json"])
            .env("ROSTER_DATABASE_URL", db.url())
            .env("ROSTER_NOW", "2027-02-03T12:00:00Z")
            .run(),
    );
    assert_eq!(report["who_is_out"]["from"], "2027-02-01T00:00:00Z");
    assert_eq!(report["who_is_out"]["until"], "2027-02-08T00:00:00Z");
    assert_eq!(report["who_is_out"]["absences"], serde_json::json!([]));
}

#[test]
fn unknown_names_and_periods_are_errors() {
    let db = TestDb::sqlite();
    acme(&db);
    let run = roster(&db, &["show", "user", "nobody-here"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!("show_user_unknown", transcript(&db, &run));
    let run = roster(&db, &["show", "group", "db-oncal"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("show_group_unknown", transcript(&db, &run));
    let run = roster(
        &db,
        &[
            "who-is-out",
            "--from",
            "2027-02-01",
            "--until",
            "2027-01-01",
        ],
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("who_is_out_backwards", transcript(&db, &run));
}

#[test]
fn names_with_terminal_control_characters_are_shown_not_obeyed() {
    let db = TestDb::sqlite();
    acme(&db);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hostile.sql");
    std::fs::write(
        &script,
        "INSERT INTO groups (name, description) VALUES ('g' || char(27) || ']0;pwned' || char(7), 'x' || char(27) || '[31mred');
INSERT INTO group_members (group_id, user_id, is_primary)
    SELECT g.id, u.id, TRUE FROM groups g, users u WHERE g.name LIKE 'g%pwned%' AND u.username = 'alice';
",
    )
    .unwrap();
    let run = roster(&db, &["db", "exec", script.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let user = roster(&db, &["show", "user", "alice"]);
    let group = roster(&db, &["show", "group", "g\u{1b}]0;pwned\u{7}"]);
    assert_eq!(
        (user.code, group.code),
        (0, 0),
        "{}{}",
        user.stderr,
        group.stderr
    );
    for text in [&user.stdout, &group.stdout] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    assert!(
        user.stdout.contains("g\\u{1b}]0;pwned\\u{7}: primary"),
        "{}",
        user.stdout
    );
    assert!(
        group
            .stdout
            .starts_with("g\\u{1b}]0;pwned\\u{7} — x\\u{1b}[31mred\n"),
        "{}",
        group.stdout
    );
    // JSON carries the name as it is, escaped by JSON itself.
    let json = json(&roster(
        &db,
        &["show", "group", "g\u{1b}]0;pwned\u{7}", "--format", "json"],
    ));
    assert_eq!(json["group"]["name"], "g\u{1b}]0;pwned\u{7}");
}
