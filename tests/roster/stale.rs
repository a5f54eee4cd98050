//! Saved plans meet a directory that moved on, and plan files edited by
//! hand: a stale or inconsistent plan is refused with what is wrong, and
//! the directory is left as it was — never a crash, never half an apply.

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
        .replace(&dir.display().to_string(), "[dir]")
}

/// The live directory, for comparing before and after a refused apply.
fn live(db: &TestDb) -> roster::model::live::LiveSnapshot {
    block_on(async {
        let store = Store::open(&db.database_url()).await.unwrap();
        let live = store.load(true).await.unwrap();
        store.close().await;
        live
    })
}

/// examples/acme applied, and a copy of it in a temporary folder edited by
/// `edit` (file under the config, text replaced, replacement).
fn acme_with(db: &TestDb, edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let run = roster(db, &["apply", "examples/acme", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("examples/acme"), dir.path());
    for (file, from, to) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "`{from}` is not in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

/// Plans the config in `dir` into `dir/plan.json`.
fn save_plan(db: &TestDb, dir: &Path) -> String {
    let plan = dir.join("plan.json").display().to_string();
    let config = dir.display().to_string();
    let run = roster(db, &["plan", &config, "--out", &plan]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    plan
}

/// A plan that refers to `what` without changing it, saved; then `what`
/// deleted outside git; the apply of the saved plan is refused, naming it.
fn referenced_object_deleted(db: &TestDb, edits: &[(&str, &str, &str)], delete: &str, name: &str) {
    let dir = acme_with(db, edits);
    let plan = save_plan(db, dir.path());
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert!(!saved["plan"]["references"].as_array().unwrap().is_empty());
    sql(db, delete);
    let before = live(db);
    let run = roster(db, &["apply", "--plan", &plan, "--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(live(db), before, "a refused apply changes nothing");
    insta::assert_snapshot!(name, transcript(db, dir.path(), &run));
}

on_both_engines! {
    fn a_member_deleted_before_the_apply_makes_the_plan_stale(db) {
        referenced_object_deleted(
            &db,
            &[("groups.yaml", "      - { user: niaj, roles: [secondary] }", "      - { user: niaj, roles: [secondary] }\n      - { user: olivia, roles: [secondary] }")],
            "DELETE FROM users WHERE username = 'olivia'",
            "stale_member_deleted",
        );
    }

    fn a_granted_role_deleted_before_the_apply_makes_the_plan_stale(db) {
        referenced_object_deleted(
            &db,
            &[("users/web.yaml", "    last_name: Brown\n", "    last_name: Brown\n    roles: [basic, incident_commander]\n")],
            "DELETE FROM roles WHERE name = 'incident_commander'",
            "stale_role_deleted",
        );
    }

    fn a_reminder_group_deleted_before_the_apply_makes_the_plan_stale(db) {
        referenced_object_deleted(
            &db,
            &[("users/support.yaml", "    preferences: { theme: dark }\n", "    preferences: { theme: dark }\n    on_call_reminders: { email: true, groups: [support] }\n")],
            "DELETE FROM groups WHERE name = 'support'",
            "stale_reminder_group_deleted",
        );
    }

    fn a_cover_deleted_before_the_apply_makes_the_plan_stale(db) {
        referenced_object_deleted(
            &db,
            &[("users/web.yaml", "    locale: en-AU\n", "    locale: en-AU\n    out_of_office:\n      - { from: 2027-03-01T00:00, until: 2027-03-08T00:00, covered_by: niaj }\n")],
            "DELETE FROM users WHERE username = 'niaj'",
            "stale_cover_deleted",
        );
    }

    fn an_invitation_runs_from_the_apply_not_from_the_plan(db) {
        // A pull request open for eight days: the plan was made then, the
        // apply happens now, and the invitation is valid for a week from now.
        let dir = acme_with(&db, &[("users/web.yaml", "users:\n", "users:\n  - { email: zoe@acme.example, username: zoe, first_name: Zoe, last_name: Park, contact_methods: [{ channel: email, label: official, value: zoe@acme.example }] }\n")]);
        let plan = save_plan(&db, dir.path());
        let run = Roster::new(["apply", "--plan", &plan, "--yes"])
            .env("ROSTER_DATABASE_URL", db.url())
            .env("ROSTER_NOW", "2026-11-30T09:00:00Z")
            .run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let invitation = &live(&db).platform.invitations["zoe"];
        assert_eq!(invitation.sent_at.to_rfc3339(), "2026-11-30T09:00:00+00:00");
        assert_eq!(invitation.expires_at.to_rfc3339(), "2026-12-07T09:00:00+00:00");
    }
}

/// A saved plan for the member case, its JSON, and the database it is for.
fn saved_plan(db: &TestDb) -> (tempfile::TempDir, String, serde_json::Value) {
    let dir = acme_with(
        db,
        &[
            (
                "groups.yaml",
                "      - { user: niaj, roles: [secondary] }",
                "      - { user: niaj, roles: [secondary] }\n      - { user: olivia, roles: [secondary] }",
            ),
            (
                "users/web.yaml",
                "    last_name: Brown\n",
                "    last_name: Browning\n",
            ),
        ],
    );
    let plan = save_plan(db, dir.path());
    let json = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    (dir, plan, json)
}

#[test]
fn a_plan_file_edited_by_hand_is_refused_with_what_is_wrong() {
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 9] = [
        ("plan_edited_time_zone_unknown", |p| {
            p["plan"]["changes"][0]["after"]["object"]["time_zone"] = "Mars/Olympus_Mons".into();
        }),
        ("plan_edited_phone_invalid", |p| {
            p["plan"]["changes"][0]["after"]["object"]["contact_methods"][0]["value"] =
                "+1555".into();
        }),
        ("plan_edited_unknown_kind", |p| {
            p["plan"]["changes"][0]["key"]["kind"] = "team".into();
        }),
        ("plan_edited_update_without_object", |p| {
            p["plan"]["changes"][0]
                .as_object_mut()
                .unwrap()
                .remove("after");
        }),
        ("plan_edited_object_renamed", |p| {
            p["plan"]["changes"][0]["after"]["object"]["username"] = "mallory".into();
        }),
        ("plan_edited_summary_zeroed", |p| {
            p["plan"]["summary"] =
                serde_json::json!({"create": 0, "update": 0, "replace": 0, "delete": 0});
        }),
        ("plan_edited_fingerprints_dropped", |p| {
            p["plan"]["fingerprints"] = serde_json::json!([]);
        }),
        ("plan_edited_control_character", |p| {
            p["plan"]["changes"][0]["after"]["object"]["first_name"] = "Ann\u{0}".into();
        }),
        ("plan_edited_unknown_action", |p| {
            p["plan"]["changes"][0]["action"] = "truncate".into();
        }),
    ];
    let db = TestDb::sqlite();
    let (dir, path, original) = saved_plan(&db);
    let before = live(&db);
    for (name, edit) in edits {
        let mut plan = original.clone();
        edit(&mut plan);
        std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
        let run = roster(&db, &["apply", "--plan", &path, "--yes"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert_eq!(live(&db), before, "{name}: a refused apply changes nothing");
        insta::assert_snapshot!(name, transcript(&db, dir.path(), &run));
    }
    // The plan as saved still applies.
    std::fs::write(&path, serde_json::to_string_pretty(&original).unwrap()).unwrap();
    let run = roster(&db, &["apply", "--plan", &path, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_signed_plan_file_is_refused_once_changed_and_is_private() {
    let db = TestDb::sqlite();
    let dir = acme_with(
        &db,
        &[(
            "users/web.yaml",
            "    last_name: Brown\n",
            "    last_name: Browning\n",
        )],
    );
    let plan = dir.path().join("plan.json").display().to_string();
    let config = dir.path().display().to_string();
    let with_key = |args: &[&str], key: &str| {
        Roster::new(args)
            .env("ROSTER_DATABASE_URL", db.url())
            .env("ROSTER_PLAN_KEY", key)
            .run()
    };
    let run = with_key(&["plan", &config, "--out", &plan], "ci-secret");
    assert_eq!(run.code, 0, "{}", run.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&plan).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a plan file holds contact values");
    }
    let original = std::fs::read_to_string(&plan).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&original).unwrap();
    assert_eq!(saved["signature"].as_str().unwrap().len(), 64);
    let before = live(&db);

    // Another key, a changed value, no signature: each refused, nothing changed.
    let other_key = with_key(&["apply", "--plan", &plan, "--yes"], "another-secret");
    assert_eq!(other_key.code, 1, "{}", other_key.stderr);
    let mut edited: serde_json::Value = saved.clone();
    edited["plan"]["changes"][0]["after"]["object"]["last_name"] = "Mallory".into();
    std::fs::write(&plan, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let changed = with_key(&["apply", "--plan", &plan, "--yes"], "ci-secret");
    assert_eq!(changed.code, 1, "{}", changed.stderr);
    let mut unsigned = saved.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    std::fs::write(&plan, serde_json::to_string_pretty(&unsigned).unwrap()).unwrap();
    let bare = with_key(&["apply", "--plan", &plan, "--yes"], "ci-secret");
    assert_eq!(bare.code, 1, "{}", bare.stderr);
    assert_eq!(live(&db), before);
    let transcripts = [&other_key, &changed, &bare]
        .iter()
        .map(|r| transcript(&db, dir.path(), r))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("plan_signature_refusals", transcripts);

    // The file as made applies with its key.
    std::fs::write(&plan, &original).unwrap();
    let applied = with_key(&["apply", "--plan", &plan, "--yes"], "ci-secret");
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(live(&db).directory.users["olivia"].last_name, "Browning");
}

mod damage {
    //! Random byte-level damage to a signed plan file: reading it never
    //! panics, and a damaged file that still reads is accepted only when it
    //! says exactly what the signed one says.

    use proptest::prelude::*;
    use roster::plan::file::PlanFile;

    fn signed() -> (String, PlanFile) {
        let now = chrono::DateTime::parse_from_rfc3339(crate::support::NOW)
            .unwrap()
            .to_utc();
        let desired = roster::config::load(std::path::Path::new("examples/acme"), now)
            .unwrap()
            .desired
            .unwrap();
        let plan = roster::plan::plan(&desired, &Default::default(), now, Default::default());
        let mut file = PlanFile::new(plan, "roster.db", "0".repeat(64));
        file.sign(b"ci-secret");
        (file.to_text(), file)
    }

    #[derive(Debug, Clone)]
    enum Damage {
        Flip(usize, u8),
        Delete(usize),
        Insert(usize, u8),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Damage::Flip(at, bits)),
            any::<usize>().prop_map(Damage::Delete),
            (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Insert(at, byte)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn a_damaged_signed_plan_is_never_taken_for_another(damages in proptest::collection::vec(damage(), 1..4)) {
            let (text, original) = signed();
            let mut bytes = text.into_bytes();
            for d in damages {
                match d {
                    Damage::Flip(at, bits) => { let i = at % bytes.len(); bytes[i] ^= bits; }
                    Damage::Delete(at) => { if bytes.len() > 1 { let i = at % bytes.len(); bytes.remove(i); } }
                    Damage::Insert(at, byte) => { let i = at % (bytes.len() + 1); bytes.insert(i, byte); }
                }
            }
            let Ok(text) = String::from_utf8(bytes) else { return Ok(()); };
            let Ok(read) = PlanFile::from_text(&text) else { return Ok(()); };
            let problems = roster::plan::check::problems(&read.plan);
            if read.verify(b"ci-secret").is_ok() {
                prop_assert_eq!(&read, &original, "a changed plan passed the signature check");
            }
            if problems.is_empty() {
                let _ = roster::apply::change_set(&read.plan, read.created_at);
            }
        }
    }
}
