//! `roster export`: layouts, the round trip to an empty plan, adoption of a
//! directory made by hand, and nothing platform-owned in the output.

use crate::db::{TestDb, on_both_engines};
use crate::support::{Roster, Run};

fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run
}

/// Every file under `dir` (but the schema) as `=== path` and its text.
fn tree(dir: &std::path::Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = String::new();
    for path in files {
        let relative = path.strip_prefix(dir).unwrap().display().to_string();
        if relative == "roster.schema.json" {
            let schema = std::fs::read_to_string(&path).unwrap();
            assert_eq!(schema, roster::model::schema::document_schema_text());
            continue;
        }
        out.push_str(&format!(
            "=== {relative}\n{}",
            std::fs::read_to_string(&path).unwrap()
        ));
    }
    out
}

on_both_engines! {
    fn acme_round_trips_in_every_layout(db) {
        ok(roster(&db, &["apply", "examples/acme", "--yes"]));
        // Some accepted their invitation, some did not: both export as active.
        let sql = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(sql.path(), "UPDATE users SET status = 'active' WHERE username IN ('alice', 'bob', 'carol');").unwrap();
        ok(roster(&db, &["db", "exec", &sql.path().display().to_string()]));
        let stdout = ok(roster(&db, &["export"]));
        insta::assert_snapshot!("export_stdout", stdout.stdout);
        for (layout, name) in [("single", "export_single"), ("per-group", "export_per_group"), ("per-user", "export_per_user")] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("exported");
            let path = out.display().to_string();
            let run = ok(roster(&db, &["export", "--out", &path, "--layout", layout]));
            assert!(run.stdout.is_empty(), "files, not stdout");
            ok(roster(&db, &["validate", "--strict", &path]));
            let plan = roster(&db, &["plan", &path, "--detailed-exitcode"]);
            assert_eq!(plan.code, 0, "{layout}: {}", plan.stdout);
            insta::assert_snapshot!(name, tree(&out));
            // The same directory twice gives the same bytes.
            let again = dir.path().join("again");
            ok(roster(&db, &["export", "--out", &again.display().to_string(), "--layout", layout]));
            assert_eq!(tree(&out), tree(&again));
        }
    }

    fn a_directory_made_by_hand_is_adopted(db) {
        ok(roster(&db, &["db", "exec", "tests/fixtures/platform/handmade.sql"]));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config").display().to_string();
        // Without `--adopt` an export only reads.
        ok(roster(&db, &["export", "--out", &path]));
        let drift = roster(&db, &["drift"]);
        assert_eq!(drift.code, 2, "nothing is managed yet: {}", drift.stdout);
        let run = ok(roster(&db, &["export", "--out", &path, "--force", "--layout", "per-user", "--adopt"]));
        assert!(run.stderr.contains("roster now manages 9 objects of"), "{}", run.stderr);
        ok(roster(&db, &["validate", &path]));
        let plan = roster(&db, &["plan", &path, "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        let drift = roster(&db, &["drift", &path]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
        let history = roster(&db, &["history", "--format", "json"]);
        let document: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
        let entries = &document["applies"];
        assert_eq!(entries[0]["changes"][0], "adopted 9 objects exported by `roster export --adopt`");
        // Values were written the canonical way; the past window is history.
        let tom = std::fs::read_to_string(dir.path().join("config/users/tom.yaml")).unwrap();
        assert!(tom.contains("value: \"+491709876543\""), "{tom}");
        assert!(!tom.contains("2026-08-01"), "{tom}");
        let maria = std::fs::read_to_string(dir.path().join("config/users/maria.yaml")).unwrap();
        assert!(maria.contains("value: maria@globex.example"), "{maria}");
    }

    fn nothing_platform_owned_is_exported(db) {
        ok(roster(&db, &["db", "exec", "tests/fixtures/platform/handmade.sql"]));
        ok(roster(&db, &["db", "exec", "tests/fixtures/platform/past-window.sql"]));
        let run = ok(roster(&db, &["export"]));
        for secret in [
            "iPhone 15 of Maria", "grafana-sync", "sha256:", "9b74c9897bac770ffc029102a200c5de", "2026-11-30", "2026-12-07",
            "verified", "2026-11-27", "invited", "last_login", "2026-11-20T07:00", "summer, long over", "2026-08-01",
            "winter 2025",
        ] {
            assert!(!run.stdout.contains(secret), "`{secret}` was exported:\n{}", run.stdout);
        }
    }

    fn a_non_empty_directory_needs_force(db) {
        ok(roster(&db, &["apply", "examples/acme", "--yes"]));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.yaml"), "version: 1\n").unwrap();
        let path = dir.path().display().to_string();
        let refused = roster(&db, &["export", "--out", &path]);
        assert_eq!(refused.code, 1);
        assert!(refused.stderr.contains("is not empty; exporting there could mix old files with new ones\nhint: choose an empty directory, or pass `--force` to replace its roster files"), "{}", refused.stderr);
        assert_eq!(std::fs::read_to_string(dir.path().join("notes.yaml")).unwrap(), "version: 1\n");
        let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: roster }\n";
        std::fs::create_dir(dir.path().join("k8s")).unwrap();
        std::fs::write(dir.path().join("k8s/deploy.yaml"), manifest).unwrap();
        std::fs::write(dir.path().join("README.md"), "# people\n").unwrap();
        let forced = ok(roster(&db, &["export", "--out", &path, "--force", "--layout", "per-user"]));
        assert!(forced.stderr.contains(&format!("warning: kept `{path}/k8s/deploy.yaml`, which is not a roster document")), "{}", forced.stderr);
        assert!(!dir.path().join("notes.yaml").exists(), "old roster files are replaced");
        assert_eq!(std::fs::read_to_string(dir.path().join("k8s/deploy.yaml")).unwrap(), manifest, "other YAML stays");
        assert!(dir.path().join("README.md").exists());
        assert!(dir.path().join("users/alice.yaml").exists());
    }
}
