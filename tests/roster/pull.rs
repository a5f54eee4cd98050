//! `roster pull`: people's own changes made in the live directory are
//! written into the config, only the lines concerned; afterwards drift has
//! nothing under "Changed by users" and the plan is empty — on both
//! engines.

use crate::db::sql;
use std::path::Path;

use crate::db::{TestDb, on_both_engines};
use crate::e2e::copy_dir;
use crate::support::Run;

fn roster(db: &TestDb, dir: &Path, args: &[&str]) -> Run {
    db.roster_in(dir, args)
}

/// examples/acme with every self-service field the people's.
fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("acme");
    std::fs::create_dir(&config).unwrap();
    copy_dir(&crate::support::root().join("examples/acme"), &config);
    let account = config.join("account.yaml");
    let text = std::fs::read_to_string(&account).unwrap();
    let text = text.replacen(
        "    max_deletes: { count: 10, percent: 20 }\n",
        "    max_deletes: { count: 10, percent: 20 }\n    self_service: [name, locale, preferences, contact_methods, out_of_office]\n",
        1,
    );
    std::fs::write(&account, text).unwrap();
    dir
}

const PEOPLES_CHANGES: &str = "\
UPDATE users SET last_name = 'Mustermann' WHERE username = 'ivan';
UPDATE contact_methods SET value = '+491701111111' WHERE channel = 'whatsapp' AND user_id = (SELECT id FROM users WHERE username = 'frank');
UPDATE contact_methods SET wait_minutes = 7 WHERE channel = 'email' AND user_id = (SELECT id FROM users WHERE username = 'bob');
INSERT INTO oof_windows (user_id, starts_at, ends_at, cover_user_id, note)
  SELECT u.id, '2027-05-03T00:00:00Z', '2027-05-10T00:00:00Z', c.id, 'vacation'
  FROM users u, users c WHERE u.username = 'grace' AND c.username = 'olivia';
";

on_both_engines! {
    fn pull_catches_git_up_with_what_people_changed(db) {
        let dir = acme();
        let applied = roster(&db, dir.path(), &["apply", "acme", "--yes"]);
        assert_eq!(applied.code, 0, "{}", applied.stderr);
        let nothing = roster(&db, dir.path(), &["pull", "acme", "--check"]);
        assert_eq!(nothing.code, 0, "{}", nothing.stderr);
        assert_eq!(nothing.stdout, "");

        sql(&db, PEOPLES_CHANGES);
        let drift = roster(&db, dir.path(), &["drift", "acme"]);
        assert!(drift.stdout.contains("Changed by users"), "{}", drift.stdout);
        let before = std::fs::read_to_string(dir.path().join("acme/users/database.yaml")).unwrap();

        let check = roster(&db, dir.path(), &["pull", "acme", "--check"]);
        assert_eq!(check.code, 2, "{}", check.stderr);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("acme/users/database.yaml")).unwrap(),
            before,
            "--check writes nothing"
        );

        let pull = roster(&db, dir.path(), &["pull", "acme"]);
        insta::assert_snapshot!("pull_peoples_changes", pull.transcript());
        assert_eq!(pull.code, 0);
        assert_eq!(pull.stdout, check.stdout, "--check shows the same diff");

        let drift = roster(&db, dir.path(), &["drift", "acme"]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
        assert!(!drift.stdout.contains("Changed by users"), "{}", drift.stdout);
        let plan = roster(&db, dir.path(), &["plan", "acme", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
        assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
        let again = roster(&db, dir.path(), &["pull", "acme", "--check"]);
        assert_eq!(again.code, 0, "{}", again.stderr);

        // The apply that follows records it; the directory is unchanged.
        let applied = roster(&db, dir.path(), &["apply", "acme", "--yes"]);
        assert_eq!(applied.code, 0, "{}", applied.stderr);
        let drift = roster(&db, dir.path(), &["drift", "acme"]);
        assert_eq!(drift.code, 0, "{}", drift.stdout);
        assert!(drift.stdout.contains("No drift"), "{}", drift.stdout);
        assert!(!drift.stdout.contains("Pending"), "{}", drift.stdout);
    }
}
