//! Outputs for CI: GitHub annotations named from the repository root at
//! every location of a finding, and plan and drift reports appended to
//! `GITHUB_STEP_SUMMARY`.

use crate::db::TestDb;
use crate::support::{Roster, Run, root};

fn transcript(db: &TestDb, run: &Run) -> String {
    run.transcript().replace(db.url(), "[db]")
}

/// The `file=` of every annotation line.
fn files(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.split("file=").nth(1))
        .filter_map(|rest| rest.split(',').next())
        .collect()
}

#[test]
fn annotations_name_files_from_the_repository_root_at_every_location() {
    // Run from a folder below the repository root: paths are still the
    // repository's, and a name declared twice is marked at both places.
    let run = Roster::new([
        "validate",
        "--format",
        "github",
        "fixtures/validate/duplicate-group.yaml",
    ])
    .current_dir(root().join("tests"))
    .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("github_duplicate_group", run.transcript());
    assert_eq!(
        files(&run.stdout),
        [
            "tests/fixtures/validate/duplicate-group.yaml",
            "tests/fixtures/validate/duplicate-group.yaml"
        ]
    );
    assert!(run.stdout.contains("line=22,") && run.stdout.contains("line=20,"));

    // A repository of the user's own: the config in a folder of it.
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    std::fs::create_dir_all(repo.path().join("ops/roster")).unwrap();
    let bad = root().join("tests/fixtures/validate/duplicate-group.yaml");
    std::fs::copy(&bad, repo.path().join("ops/roster/groups.yaml")).unwrap();
    let run = Roster::new(["validate", "--format", "github", "roster"])
        .current_dir(repo.path().join("ops"))
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        files(&run.stdout),
        ["ops/roster/groups.yaml", "ops/roster/groups.yaml"],
        "{}",
        run.stdout
    );

    // Outside any repository: relative to the current folder.
    let plain = tempfile::tempdir().unwrap();
    assert!(
        !plain.path().ancestors().any(|d| d.join(".git").exists()),
        "the temporary folder is in no repository"
    );
    std::fs::create_dir_all(plain.path().join("cfg")).unwrap();
    std::fs::copy(&bad, plain.path().join("cfg/groups.yaml")).unwrap();
    let run = Roster::new(["validate", "--format", "github", "cfg/groups.yaml"])
        .current_dir(plain.path())
        .run();
    assert_eq!(files(&run.stdout), ["cfg/groups.yaml", "cfg/groups.yaml"]);
}

#[test]
fn plan_and_drift_append_their_report_to_the_step_summary() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "## an earlier step\n\n").unwrap();
    let run = |args: &[&str]| {
        Roster::new(args)
            .env("ROSTER_DATABASE_URL", db.url())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_SHA", "0123456789abcdef")
            .run()
    };
    // The log keeps its text format; the summary gets the Markdown.
    let plan = run(&["plan", "examples/acme"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.starts_with("roster plan for the directory at"));
    let apply = run(&["apply", "examples/acme", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let before = std::fs::read_to_string(&summary).unwrap();
    assert!(before.starts_with("## an earlier step\n\n<!-- roster-plan -->\n"));
    assert!(
        before.contains(" · revision `0123456789abcdef`"),
        "{before}"
    );
    assert_eq!(
        before.matches("<!-- roster-plan -->").count(),
        1,
        "an apply writes no summary of its own"
    );
    crate::db::block_on(async {
        let store = roster::store::Store::open(&db.database_url())
            .await
            .unwrap();
        store
            .run_script("DELETE FROM users WHERE username = 'olivia'")
            .await
            .unwrap();
        store.close().await;
    });
    let drift = run(&["drift", "examples/acme"]);
    assert_eq!(drift.code, 2, "{}", drift.stderr);
    let after = std::fs::read_to_string(&summary).unwrap();
    let added = after.strip_prefix(&before).expect("appended, not replaced");
    insta::assert_snapshot!("step_summary_drift", added.replace(db.url(), "[db]"));

    // A summary that cannot be written fails the command, by name.
    let run = Roster::new(["drift", "examples/acme"])
        .env("ROSTER_DATABASE_URL", db.url())
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .run();
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(
        "step_summary_unwritable",
        transcript(&db, &run).replace(&dir.path().display().to_string(), "[dir]")
    );
}

#[test]
fn json_is_printed_on_stdout_even_when_the_command_fails() {
    let db = TestDb::sqlite();
    for command in ["plan", "drift"] {
        let run = Roster::new([command, "examples/invalid/typos.yaml", "--format", "json"])
            .env("ROSTER_DATABASE_URL", db.url())
            .run();
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        let document: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{command}: not JSON ({e}): {}", run.stdout));
        assert_eq!(document["format_version"], 1);
        assert_eq!(document["valid"], false);
        assert_eq!(document["errors"], 4, "{command}");
        insta::assert_snapshot!(
            format!("json_invalid_config_{command}"),
            transcript(&db, &run)
        );
    }
    // Any other failure: an error document naming it.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/roster.db");
    let run = Roster::new(["drift", "--format", "json"])
        .env("ROSTER_DATABASE_URL", &missing)
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format_version"], 1);
    assert!(
        document["error"]["message"]
            .as_str()
            .unwrap()
            .contains("roster.db"),
        "{document}"
    );
    // A failure after the report is out adds no second document.
    let run = Roster::new(["drift", "--format", "json"])
        .env("ROSTER_DATABASE_URL", db.url())
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["has_drift"], false);
}

#[test]
fn history_json_is_versioned() {
    let db = TestDb::sqlite();
    let run = Roster::new(["apply", "examples/acme", "--yes", "--revision", "abc"])
        .env("ROSTER_DATABASE_URL", db.url())
        .env("GITHUB_ACTOR", "ci-bot")
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = Roster::new(["history", "--format", "json"])
        .env("ROSTER_DATABASE_URL", db.url())
        .run();
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["roster_version"], env!("CARGO_PKG_VERSION"));
    let applies = document["applies"].as_array().unwrap();
    assert_eq!(applies.len(), 1);
    assert_eq!(applies[0]["revision"], "abc");
    assert_eq!(applies[0]["actor"], "ci-bot");
}
