//! Paging safety in plans: shifts and the platform's devices and tokens
//! are never lost, refused by the planner naming each one, on both engines.

use std::path::Path;

use crate::coverage::{acme_with_platform, roster, transcript, try_sql};
use crate::db::{TestDb, on_both_engines};

/// A copy of `examples/acme` in a temporary folder, for editing.
pub(crate) fn acme_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = crate::support::root().join("examples/acme");
    copy_tree(&from, dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Replaces `old` (which must occur) with `new` in `file` below `dir`.
pub(crate) fn edit(dir: &Path, file: &str, old: &str, new: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(old), "{file} has no {old:?}");
    std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
}

/// The acme config without web-oncall (Carol's shift of 2026-12-15),
/// without Bob in db-oncall (his shift of 2026-12-01) and without Mallory
/// (given an API token on the platform).
fn losing_shifts_and_a_token(db: &TestDb) -> tempfile::TempDir {
    acme_with_platform(db);
    try_sql(db, "INSERT INTO api_tokens (user_id, name, token_hash, created_at) SELECT id, 'ci', 'sha256:00', '2026-11-01T00:00:00Z' FROM users WHERE username = 'mallory'").unwrap();
    let dir = acme_copy();
    let groups = std::fs::read_to_string(dir.path().join("groups.yaml")).unwrap();
    let start = groups.find("  - name: web-oncall").unwrap();
    let cut = groups.find("  - name: platform").unwrap();
    std::fs::write(
        dir.path().join("groups.yaml"),
        format!("{}{}", &groups[..start], &groups[cut..]),
    )
    .unwrap();
    edit(
        dir.path(),
        "groups.yaml",
        "      - { user: bob, roles: [primary] }\n      - { user: ivan, roles: [secondary] }\n",
        "      - { user: ivan, roles: [primary] }\n",
    );
    edit(
        dir.path(),
        "users/database.yaml",
        "covered_by: { db-oncall: ivan, platform: dave }",
        "covered_by: { platform: dave }",
    );
    let users = std::fs::read_to_string(dir.path().join("users/support.yaml")).unwrap();
    let start = users.find("  - email: mallory@acme.example").unwrap();
    std::fs::write(dir.path().join("users/support.yaml"), &users[..start]).unwrap();
    dir
}

on_both_engines! {
    fn plan_refuses_to_lose_a_shift_or_a_token_naming_each(db) {
        let dir = losing_shifts_and_a_token(&db);
        let path = dir.path().to_str().unwrap();
        for format in ["text", "json", "markdown"] {
            let run = roster(&db, &["plan", path, "--format", format]);
            assert_eq!(run.code, 1, "{format}: {}", run.stderr);
            let shown = transcript(&db, &run).replace(path, "[config]");
            insta::assert_snapshot!(format!("shifts_kept_{format}"), shown);
        }
    }

    fn an_apply_that_would_lose_a_shift_is_refused_and_changes_nothing(db) {
        let dir = losing_shifts_and_a_token(&db);
        let rows = "SELECT (SELECT COUNT(*) FROM oncall_shifts) + (SELECT COUNT(*) FROM api_tokens) + (SELECT COUNT(*) FROM groups) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM group_members)";
        let before = db.count(rows);
        let run = roster(&db, &["apply", dir.path().to_str().unwrap(), "--yes"]);
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        for named in [
            "cannot delete group `web-oncall`: it has on-call shifts",
            "`carol` is on call 2026-12-15 08:00 → 2026-12-22 08:00 UTC",
            "cannot remove `bob` from group `db-oncall`",
            "`bob` is on call 2026-12-01 08:00 → 2026-12-08 08:00 UTC",
            "has API token `ci`, created 2026-11-01",
        ] {
            assert!(run.stderr.contains(named), "{named}: {}", run.stderr);
        }
        assert_eq!(db.count(rows), before, "nothing changed");
        assert_eq!(db.count("SELECT COUNT(*) FROM roster_applies"), 1);
    }

    fn once_the_shift_is_over_the_member_can_go(db) {
        let dir = losing_shifts_and_a_token(&db);
        // The platform removes Carol's and Bob's shifts and Mallory's token.
        try_sql(&db, "DELETE FROM oncall_shifts WHERE user_id IN (SELECT id FROM users WHERE username IN ('bob', 'carol'))").unwrap();
        try_sql(&db, "DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE username = 'mallory')").unwrap();
        let run = roster(&db, &["apply", dir.path().to_str().unwrap(), "--yes"]);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM groups WHERE name = 'web-oncall'"), 0);
        // Alice's shift in platform is untouched.
        assert_eq!(db.count("SELECT COUNT(*) FROM oncall_shifts"), 1);
    }
}

/// The acme config with Bob out during his db-oncall shift
/// (covered by Grace, who never accepted her invitation: a gap the change
/// creates) and Olivia renamed (web-oncall's gap from
/// Carol's unverified phone is there already).
fn bob_out_on_shift() -> tempfile::TempDir {
    let dir = acme_copy();
    edit(
        dir.path(),
        "users/database.yaml",
        "    out_of_office:\n      # One cover per group",
        "    out_of_office:\n      - from: 2026-12-03T00:00\n        until: 2026-12-05T00:00\n        covered_by: grace\n        note: moving house\n      # One cover per group",
    );
    edit(
        dir.path(),
        "users/web.yaml",
        "last_name: Brown",
        "last_name: Browne",
    );
    dir
}

on_both_engines! {
    fn plan_refuses_a_gap_the_change_creates_and_warns_of_gaps_already_there(db) {
        crate::coverage::acme_a_week_on(&db);
        let dir = bob_out_on_shift();
        let path = dir.path().to_str().unwrap();
        for format in ["text", "json", "markdown"] {
            let run = roster(&db, &["plan", path, "--format", format]);
            assert_eq!(run.code, 1, "{format}: {}", run.stderr);
            let shown = transcript(&db, &run).replace(path, "[config]");
            insta::assert_snapshot!(format!("coverage_gap_{format}"), shown);
        }
        // Allowed, the new gap is a warning and the plan goes through.
        let run = roster(&db, &["apply", path, "--yes", "--allow-coverage-gap"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM oof_windows WHERE note = 'moving house'"), 1);
    }
}

#[test]
fn a_gap_outside_the_horizon_does_not_stop_the_plan() {
    let db = TestDb::sqlite();
    crate::coverage::acme_a_week_on(&db);
    let dir = bob_out_on_shift();
    // From 2026-11-22, 10 days end before Bob leaves on 2026-12-03.
    let run = roster(
        &db,
        &["plan", dir.path().to_str().unwrap(), "--horizon", "10d"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("coverage gap"), "{}", run.stdout);
    let run = roster(
        &db,
        &["plan", dir.path().to_str().unwrap(), "--horizon", "12d"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("this plan creates a coverage gap: group `db-oncall` 2026-12-02 23:00 → 2026-12-04 00:00 UTC"),
        "{}",
        run.stderr
    );
}

/// Privileges changed in the platform's UI a few days after the apply, and
/// contact values the platform stopped using.
fn privileges_and_contacts_changed_outside_git(db: &TestDb) {
    acme_with_platform(db);
    for statement in [
        // Judy is made an admin, Grace a billing admin; Dave becomes owner.
        "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.username = 'judy' AND r.name = 'app_admin'",
        "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.username = 'grace' AND r.name = 'billing_admin'",
        "UPDATE account SET owner_user_id = (SELECT id FROM users WHERE username = 'dave')",
        // incident_commander may now grant roles; a new role may change settings.
        "INSERT INTO role_permissions (role_id, permission) SELECT id, 'manage_user_roles' FROM roles WHERE name = 'incident_commander'",
        "INSERT INTO roles (name, builtin) VALUES ('shadow_ops', FALSE)",
        "INSERT INTO role_permissions (role_id, permission) SELECT id, 'system_settings' FROM roles WHERE name = 'shadow_ops'",
        // Erin's address bounces since 2026-11-25, Bob's new phone is
        // unverified since 2026-11-24; Carol's was unverified before the apply.
        "UPDATE contact_verifications SET checked_at = '2026-11-25T06:00:00Z' WHERE value = 'erin@acme.example'",
        "INSERT INTO contact_verifications (user_id, channel, value, state, checked_at) SELECT id, 'phone', '+491601234567', 'unverified', '2026-11-24T10:00:00Z' FROM users WHERE username = 'bob'",
    ] {
        try_sql(db, statement).unwrap();
    }
}

/// `roster …` against `db` a few days after the apply.
fn later(db: &TestDb, args: &[&str]) -> crate::support::Run {
    crate::support::Roster::new(args)
        .env("ROSTER_DATABASE_URL", db.url())
        .env("ROSTER_NOW", "2026-11-26T00:00:00Z")
        .run()
}

on_both_engines! {
    fn drift_lists_privilege_changes_first_and_contacts_that_stopped_working(db) {
        privileges_and_contacts_changed_outside_git(&db);
        for format in ["text", "json", "markdown"] {
            let run = later(&db, &["drift", "--format", format]);
            assert_eq!(run.code, 2, "{format}: {}", run.stderr);
            insta::assert_snapshot!(format!("drift_security_{format}"), transcript(&db, &run));
        }
        let server = crate::e2e::Receiver::start(vec![200]);
        let run = later(&db, &["drift", "--notify", &server.url()]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        let requests = server.finish();
        let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
        let text = body["text"].as_str().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains(": 5 security findings; "), "{text}");
        // Admin rights first, then other grants, then contact values.
        assert_eq!(lines[1], "• :warning: the account owner was changed outside git from `alice` to `dave`");
        assert!(lines[2..5].iter().all(|l| l.starts_with("• :warning: ") && l.contains("admin rights")), "{text}");
        assert_eq!(lines[5], "• :warning: `grace` was granted `billing_admin` outside git");
        assert!(lines[6].starts_with("• ! user bob: phone-official-mobile +49"), "{text}");
        assert_eq!(body["roster"]["summary"]["security"], 5);
        assert_eq!(body["roster"]["security"][0]["admin"], true);
        assert_eq!(body["roster"]["contact_problems"][1]["state"], "bounced");
    }
}

#[test]
fn a_custom_role_with_admin_rights_is_sensitive_in_plan() {
    let db = TestDb::sqlite();
    acme_with_platform(&db);
    let dir = acme_copy();
    edit(
        dir.path(),
        "account.yaml",
        "      - create_overrides\n",
        "      - create_overrides\n      - invite_users\n",
    );
    edit(
        dir.path(),
        "users/support.yaml",
        "    roles: [system_viewer]",
        "    roles: [system_viewer, incident_commander]",
    );
    let run = roster(&db, &["plan", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown = transcript(&db, &run).replace(dir.path().to_str().unwrap(), "[config]");
    insta::assert_snapshot!("sensitive_admin_role", shown);
}

on_both_engines! {
    fn reactivating_someone_who_never_accepted_invites_them_and_expired_invitations_are_renewed(db) {
        // Grace's invitation expired on 2026-11-08; Mallory, disabled from
        // the start, never had one and comes back.
        acme_with_platform(&db);
        let dir = acme_copy();
        edit(dir.path(), "users/support.yaml", "    status: disabled\n", "");
        let path = dir.path().to_str().unwrap();
        let run = roster(&db, &["plan", path]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!("reinvited", transcript(&db, &run).replace(path, "[config]"));
        let run = roster(&db, &["apply", path, "--yes"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM users WHERE username = 'mallory' AND status = 'invited'"), 1);
        // Both hold a fresh invitation of seven days from the apply.
        let live = crate::db::block_on(async {
            let store = roster::store::Store::open(&db.database_url()).await.unwrap();
            let live = store.load(false).await.unwrap();
            store.close().await;
            live
        });
        let week = chrono::DateTime::parse_from_rfc3339("2026-11-29T00:00:00Z").unwrap();
        for name in ["grace", "mallory"] {
            let invitation = &live.platform.invitations[name];
            assert_eq!(invitation.expires_at, week, "{name}");
            assert_eq!(invitation.accepted_at, None, "{name}");
        }
        let again = roster(&db, &["plan", path, "--detailed-exitcode"]);
        assert_eq!(again.code, 0, "{}", again.stdout);
    }

    fn reactivating_someone_who_accepted_makes_them_active(db) {
        crate::coverage::acme_a_week_on(&db);
        // Ivan accepted on 2026-11-23 and was disabled since.
        try_sql(&db, "UPDATE users SET status = 'disabled' WHERE username = 'ivan'").unwrap();
        let run = roster(&db, &["apply", "examples/acme", "--yes"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM users WHERE username = 'ivan' AND status = 'active'"), 1);
    }
}
