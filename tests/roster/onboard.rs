//! `roster onboard`: an HR export into a copy of examples/acme — the
//! diff, idempotence, both layouts, and every kind of bad CSV refused
//! with its place and nothing written.

use std::path::Path;

use crate::e2e::copy_dir;
use crate::support::{Roster, Run};

/// A folder holding a copy of examples/acme (`acme/`) to edit.
fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    copy_dir(
        &crate::support::root().join("examples/acme"),
        &dir.path().join("acme"),
    );
    dir
}

fn onboard(dir: &Path, csv: &[u8], extra: &[&str]) -> Run {
    let file = dir.join("new-starters.csv");
    std::fs::write(&file, csv).unwrap();
    let config = dir.join("acme");
    if !config.exists() {
        std::fs::create_dir(&config).unwrap();
        copy_dir(&crate::support::root().join("examples/acme"), &config);
    }
    let mut args = vec!["onboard", "new-starters.csv", "--into", "acme"];
    args.extend_from_slice(extra);
    Roster::new(&args).current_dir(dir).run()
}

/// Every file below `dir`, with its text, for "nothing changed" checks.
fn snapshot_of(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap_or_default(),
                ));
            }
        }
    }
    out.sort();
    out
}

const STARTERS: &str = "\
Work Email,First Name,Last Name,Employee ID,Mobile,Time Zone,Team,Department
zoe@acme.example,Zoe,Adams,HR-9001,+49 151 1111 2222,Europe/Berlin,db-oncall,Operations
yuki@acme.example,Yuki,Tanaka,HR-9002,+81 90 1234 5678,Asia/Tokyo,web-oncall; platform,Engineering
bob@acme.example,Bob,Schmidt,HR-0002,+49 160 1234567,Europe/Berlin,web-oncall,Operations
";

#[test]
fn onboarding_adds_and_updates_then_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = onboard(dir.path(), STARTERS.as_bytes(), &["--ignore", "Department"]);
    insta::assert_snapshot!("onboard_per_user_layout", first.transcript());
    assert_eq!(first.code, 0);
    let config = dir.path().join("acme");
    assert!(config.join("users/zoe.yaml").exists());
    let valid = Roster::new(["validate", config.to_str().unwrap()]).run();
    assert_eq!(valid.code, 0, "{}", valid.stderr);
    let after_first = snapshot_of(&config);
    let second = onboard(dir.path(), STARTERS.as_bytes(), &["--ignore", "Department"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.stdout, "", "a second run prints no diff");
    assert!(
        second.stderr.contains("0 added, 0 updated, 3 unchanged"),
        "{}",
        second.stderr
    );
    assert_eq!(
        snapshot_of(&config),
        after_first,
        "a second run changes nothing"
    );
    let check = onboard(
        dir.path(),
        STARTERS.as_bytes(),
        &["--ignore", "Department", "--check"],
    );
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn check_prints_the_diff_writes_nothing_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("acme");
    std::fs::create_dir(&config).unwrap();
    copy_dir(&crate::support::root().join("examples/acme"), &config);
    let before = snapshot_of(&config);
    let run = onboard(
        dir.path(),
        STARTERS.as_bytes(),
        &["--ignore", "Department", "--check"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.contains("+++ b/acme/users/zoe.yaml"),
        "{}",
        run.stdout
    );
    assert_eq!(snapshot_of(&config), before);
}

#[test]
fn a_single_file_config_gets_the_people_appended() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("roster.yaml");
    let original = "\
# Our directory.
version: 1
account: { owner: alice }
users:
  - email: alice@acme.example   # the owner
    username: alice
    first_name: Alice
    last_name: Nguyen
    roles: [app_admin]
    contact_methods:
      - { channel: email, label: official, value: alice@acme.example }

groups:
  - name: ops
    members: [{ user: alice, roles: [primary, manager] }]
";
    std::fs::write(&config, original).unwrap();
    std::fs::write(
        dir.path().join("hr.csv"),
        "Email,First Name,Last Name,Mobile,Group,Role\nzoe@acme.example,Zoe,Adams,+49 151 1111 2222,ops,basic\n",
    )
    .unwrap();
    let run = Roster::new(["onboard", "hr.csv", "--into", "roster.yaml"])
        .current_dir(dir.path())
        .run();
    insta::assert_snapshot!("onboard_single_file", run.transcript());
    assert_eq!(run.code, 0);
    let again = Roster::new(["onboard", "hr.csv", "--into", "roster.yaml"])
        .current_dir(dir.path())
        .run();
    assert_eq!(again.stdout, "");
    assert_eq!(again.code, 0);
}

#[test]
fn every_row_problem_is_reported_at_once_and_nothing_is_written() {
    let dir = acme();
    let csv = "\
Work Email,First Name,Mobile,Time Zone,Team,Role,Badge
bob@,Bob,+49 160 1234567,Europe/Berlin,db-oncall,basic,7
zoe@acme.example,Zoe,12345,Mars/Olympus,night-shift,superuser,8
zoe@acme.example,Zoe,,,,,9
,Nobody,,,,,10
";
    let run = onboard(dir.path(), csv.as_bytes(), &["--map", "Badge=badge"]);
    insta::assert_snapshot!("onboard_row_problems", run.transcript());
    assert_eq!(run.code, 1);
    let config = dir.path().join("acme");
    assert!(!config.join("users/zoe.yaml").exists());
}

#[test]
fn an_unmapped_column_is_an_error_naming_the_ways_out() {
    let dir = acme();
    let run = onboard(dir.path(), STARTERS.as_bytes(), &[]);
    insta::assert_snapshot!("onboard_unmapped_column", run.transcript());
    assert_eq!(run.code, 1);
}

#[test]
fn bad_files_are_refused_with_their_place() {
    let cases: &[(&str, &[u8])] = &[
        ("not_utf8", b"Email,First Name\nzoe@acme.example,Zo\xe9\n"),
        ("duplicated_header", b"Email,First Name,email\nzoe@acme.example,Zoe,zoe@acme.example\n"),
        ("missing_header", b""),
        ("empty_header_cell", b"Email,,Last Name\nzoe@acme.example,x,Adams\n"),
        ("ragged_rows", b"Email,First Name\nzoe@acme.example,Zoe,Adams\nyuki@acme.example\n"),
        ("formula", b"Email,First Name,Last Name\nzoe@acme.example,\"=HYPERLINK(\"\"http://x.example\"\",\"\"Zoe\"\")\",@SUM(A1)\n"),
    ];
    for (name, csv) in cases {
        let dir = acme();
        let run = onboard(dir.path(), csv, &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        insta::assert_snapshot!(format!("onboard_bad_{name}"), run.transcript());
        assert!(!dir.path().join("acme/users/zoe.yaml").exists(), "{name}");
    }
}

#[test]
fn a_bom_and_quoted_line_breaks_are_read() {
    let dir = acme();
    let csv = "\u{feff}Email,First Name,Last Name\n\"zoe@acme.example\",Zoe,\"Adams\nSmith\"\n";
    let run = onboard(dir.path(), csv.as_bytes(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("acme/users/zoe.yaml")).unwrap();
    assert!(text.contains("last_name: \"Adams\\nSmith\""), "{text}");
    let valid = Roster::new(["validate", dir.path().join("acme").to_str().unwrap()]).run();
    assert_eq!(valid.code, 0, "{}", valid.stderr);
}

#[test]
fn a_config_the_rows_would_break_is_not_written() {
    // Valid rows, but the owner's email is taken by a new username: the
    // config's own rules refuse it, and nothing is written.
    let dir = acme();
    let csv = "Email,Username\nnew@acme.example,alice\n";
    let run = onboard(dir.path(), csv.as_bytes(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(!dir.path().join("acme/users/alice.yaml").exists());
}

#[test]
fn a_new_persons_file_name_taken_by_another_file_is_appended_to() {
    let dir = acme();
    let config = dir.path().join("acme");
    // `users/zoe.yaml` already declares someone else.
    std::fs::write(
        config.join("users/zoe.yaml"),
        "version: 1\nusers:\n  - email: zoe.old@acme.example  # the first Zoe\n    username: zoe-old\n    first_name: Zoe\n    last_name: Older\n",
    )
    .unwrap();
    let csv =
        "Email,Username,First Name,Last Name,Employee ID\nzoe@acme.example,zoe,Zoe,Adams,HR-9001\n";
    let run = onboard(dir.path(), csv.as_bytes(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(config.join("users/zoe.yaml")).unwrap();
    assert!(
        text.starts_with("version: 1\nusers:\n  - email: zoe.old@acme.example  # the first Zoe\n"),
        "{text}"
    );
    assert!(
        text.contains("  - email: zoe@acme.example\n    username: zoe\n"),
        "{text}"
    );
    // Matched by external_id the second time, though the email changed.
    let csv = "Email,Username,First Name,Last Name,Employee ID\nzoe.adams@acme.example,zoe,Zoe,Adams,HR-9001\n";
    let run = onboard(dir.path(), csv.as_bytes(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("0 added, 1 updated"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("-  - email: zoe@acme.example\n+  - email: zoe.adams@acme.example\n"),
        "{}",
        run.stdout
    );
}
