//! `roster offboard`: bob leaves examples/acme, handing over to ivan, on
//! both engines — the diff, the plan with what still blocks it (his
//! shift), then the shift ended, apply, and an empty plan.

use crate::db::sql;
use std::path::Path;

use crate::db::{TestDb, on_both_engines};
use crate::e2e::copy_dir;
use crate::support::{Roster, Run};

fn roster(db: &TestDb, dir: &Path, args: &[&str]) -> Run {
    db.roster_in(dir, args)
}

fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    copy_dir(
        &crate::support::root().join("examples/acme"),
        &dir.path().join("acme"),
    );
    dir
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join("acme").join(file)).unwrap()
}

const BOBS_SHIFT: &str = "INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at) \
     SELECT g.id, u.id, '2026-12-01T08:00:00Z', '2026-12-08T08:00:00Z' \
     FROM groups g, users u WHERE g.name = 'db-oncall' AND u.username = 'bob'";

on_both_engines! {
    fn bob_leaves_acme_with_a_handover_to_ivan(db) {
        let dir = acme();
        let apply = roster(&db, dir.path(), &["apply", "acme", "--yes"]);
        assert_eq!(apply.code, 0, "{}", apply.stderr);
        sql(&db, BOBS_SHIFT);

        let check = roster(&db, dir.path(), &["offboard", "bob", "acme", "--handover", "ivan", "--check"]);
        assert_eq!(check.code, 2, "{}", check.stderr);
        assert!(check.stdout.contains("-      - { user: bob, roles: [primary] }"), "{}", check.stdout);
        assert!(!read(dir.path(), "groups.yaml").contains("user: ivan, roles: [secondary, primary]"));

        let run = roster(&db, dir.path(), &["offboard", "bob", "acme", "--handover", "ivan"]);
        let transcript = run.transcript().replace(db.url(), "[db]");
        insta::assert_snapshot!("offboard_bob_handover_blocked_by_a_shift", transcript);
        assert_eq!(run.code, 1, "the shift still blocks: {}", run.stderr);
        // The config is written: the block is the live directory's.
        let groups = read(dir.path(), "groups.yaml");
        assert!(groups.contains("{ user: ivan, roles: [secondary, primary] }"), "{groups}");
        assert!(!groups.contains("user: bob"), "{groups}");
        let users = read(dir.path(), "users/database.yaml");
        assert!(users.contains("    status: disabled\n"), "{users}");
        assert!(users.contains("covered_by: ivan\n        note: parental leave"), "{users}");
        // Only the lines concerned changed: the comments are all there.
        for comment in ["# The database team.", "# Crosses the switch to summer time"] {
            assert!(users.contains(comment), "{comment}");
        }

        // The plan refuses until the shift is dealt with, as offboard said.
        let refused = roster(&db, dir.path(), &["plan", "acme"]);
        assert_eq!(refused.code, 1, "{}", refused.stderr);
        sql(&db, "DELETE FROM oncall_shifts");
        let applied = roster(&db, dir.path(), &["apply", "acme", "--yes"]);
        assert_eq!(applied.code, 0, "{}", applied.stderr);
        let empty = roster(&db, dir.path(), &["plan", "acme", "--detailed-exitcode"]);
        assert_eq!(empty.code, 0, "{}\n{}", empty.stdout, empty.stderr);
        let again = roster(&db, dir.path(), &["offboard", "bob", "acme", "--handover", "ivan"]);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert_eq!(again.stdout, "", "offboarding twice changes nothing");
    }

    fn bob_removed_with_a_handover(db) {
        let dir = acme();
        let apply = roster(&db, dir.path(), &["apply", "acme", "--yes"]);
        assert_eq!(apply.code, 0, "{}", apply.stderr);
        let run = roster(&db, dir.path(), &["offboard", "bob", "acme", "--remove", "--handover", "ivan"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let users = read(dir.path(), "users/database.yaml");
        assert!(!users.contains("bob@acme.example"), "{users}");
        assert!(run.stderr.contains("- user bob"), "the plan deletes bob: {}", run.stderr);
        let applied = roster(&db, dir.path(), &["apply", "acme", "--yes"]);
        assert_eq!(applied.code, 0, "{}", applied.stderr);
        let empty = roster(&db, dir.path(), &["plan", "acme", "--detailed-exitcode"]);
        assert_eq!(empty.code, 0, "{}", empty.stdout);
    }
}

#[test]
fn without_a_handover_the_windows_bob_alone_covers_stop_it() {
    let dir = acme();
    let before = read(dir.path(), "users/database.yaml");
    let run = Roster::new(["offboard", "bob", "acme"])
        .current_dir(dir.path())
        .run();
    insta::assert_snapshot!("offboard_bob_sole_cover", run.transcript());
    assert_eq!(run.code, 1);
    assert_eq!(read(dir.path(), "users/database.yaml"), before);
}

#[test]
fn offboarding_someone_unknown_names_them() {
    let dir = acme();
    let run = Roster::new(["offboard", "zed", "acme", "--handover", "ivan"])
        .current_dir(dir.path())
        .run();
    insta::assert_snapshot!("offboard_unknown_user", run.transcript());
    assert_eq!(run.code, 1);
    let run = Roster::new(["offboard", "bob", "acme", "--handover", "bob@acme.example"])
        .current_dir(dir.path())
        .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot take over from themselves"),
        "{}",
        run.stderr
    );
}
