//! The generated directories the benchmarks run on: deterministic, valid,
//! and planned empty once applied or seeded, on both engines. Not timed:
//! the benchmarks (`bench/run.py`) measure speed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use crate::db::{TestDb, on_both_engines};
use crate::support::{Roster, Run};

const USERS: usize = 10_000;

fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn generate(out: &Path, users: usize, seed: u64) {
    let run = Roster::new([
        "generate",
        "--users",
        &users.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        &out.join("config").display().to_string(),
        "--onboarding",
        &out.join("onboarding.yaml").display().to_string(),
        "--onboarding-users",
        "50",
    ])
    .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The 10,000-user config, generated once for every test that reads it.
fn ten_thousand() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), USERS, 42);
        dir
    })
    .path()
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    generate(dirs[0].path(), 400, 7);
    generate(dirs[1].path(), 400, 7);
    generate(dirs[2].path(), 400, 8);
    let [a, b, c] = [0, 1, 2].map(|i| tree(dirs[i].path()));
    // 400 users, their groups, the account and the schema, plus onboarding.
    assert!(a.len() > 400, "{} files", a.len());
    assert!(a.keys().any(|k| k.starts_with("config/groups/")));
    assert_eq!(a, b, "the same seed wrote different bytes");
    assert_ne!(a, c, "another seed wrote the same directory");
}

#[test]
fn the_generated_directory_has_the_variety_of_a_real_one() {
    let config = ten_thousand().join("config");
    let users = tree(&config.join("users"));
    assert_eq!(users.len(), USERS);
    let all: String = users
        .values()
        .map(|b| std::str::from_utf8(b).unwrap())
        .collect();
    for channel in ["email", "sms", "phone", "slack", "whatsapp"] {
        assert!(
            all.contains(&format!("channel: {channel}")),
            "no {channel} methods"
        );
    }
    // All-group covers (a username) and per-group covers (a mapping).
    for needle in [
        "out_of_office:",
        "covered_by: ",
        "covered_by:\n",
        "active_hours:",
        "retry:",
    ] {
        assert!(all.contains(needle), "no user has {needle:?}");
    }
    let groups = tree(&config.join("groups"));
    let sizes: Vec<usize> = groups
        .values()
        .map(|b| {
            std::str::from_utf8(b)
                .unwrap()
                .matches("- { user: ")
                .count()
        })
        .collect();
    assert!(sizes.iter().all(|&n| (5..=200).contains(&n)), "{sizes:?}");
    assert!(sizes.iter().any(|&n| n > 50), "{sizes:?}");
}

on_both_engines! {
    fn the_10k_directory_validates_applies_and_plans_empty(db) {
        let config = ten_thousand().join("config").display().to_string();
        let validate = Roster::new(["validate", &config]).run();
        assert_eq!(validate.code, 0, "{}", validate.stderr);
        let apply = roster(&db, &["apply", &config, "--yes"]);
        assert_eq!(apply.code, 0, "{}", apply.stderr);
        assert!(apply.stderr.contains(" created, "), "{}", apply.stderr);
        let plan = roster(&db, &["plan", &config, "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
        let drift = roster(&db, &["drift", &config]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
    }

    fn a_seeded_live_directory_is_what_its_config_says(db) {
        let dir = ten_thousand();
        let seed = Roster::new(["generate", "--users", &USERS.to_string(), "--seed", "42", "--database-url", db.url()]).run();
        assert_eq!(seed.code, 0, "{}", seed.stderr);
        let config = dir.join("config").display().to_string();
        let plan = roster(&db, &["plan", &config, "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        let drift = roster(&db, &["drift", &config]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
        // The platform-owned state came too: shifts and push methods.
        let shifts = db.count("SELECT COUNT(*) FROM oncall_shifts");
        let pushes = db.count("SELECT COUNT(*) FROM push_methods");
        assert!(shifts > 0 && pushes > 0, "{shifts} shifts, {pushes} push methods");
        // Onboarding 50 new hires onto it plans exactly 50 new users.
        let onboard = tempfile::tempdir().unwrap();
        crate::e2e::copy_dir(&dir.join("config"), onboard.path());
        std::fs::copy(dir.join("onboarding.yaml"), onboard.path().join("onboarding.yaml")).unwrap();
        let plan = roster(&db, &["plan", &onboard.path().display().to_string(), "--format", "json"]);
        assert_eq!(plan.code, 0, "{}", plan.stderr);
        let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
        assert_eq!(plan["summary"], serde_json::json!({"create": 50, "update": 0, "replace": 0, "delete": 0}));
    }
}
