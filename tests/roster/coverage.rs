//! Paging safety: the database keeps platform-owned rows (no cascade takes
//! a shift, push device or API token), and `roster coverage` reports who
//! can be reached per group over time, in every format.

use roster::store::Store;

use crate::db::{TestDb, block_on, on_both_engines};
use crate::support::{Roster, Run};

/// `roster …` against `db`.
fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

/// The acme example applied, with the platform state of
/// `tests/fixtures/platform/acme.sql` (shifts, push devices, tokens).
fn acme_with_platform(db: &TestDb) {
    let run = roster(db, &["apply", "examples/acme", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = roster(db, &["db", "exec", "tests/fixtures/platform/acme.sql"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Runs one statement; the database's error text when it refuses.
fn try_sql(db: &TestDb, statement: &str) -> Result<(), String> {
    block_on(async {
        let store = Store::open(&db.database_url()).await.unwrap();
        let result = store.run_script(statement).await.map_err(|e| format!("{e:?}"));
        store.close().await;
        result
    })
}

on_both_engines! {
    fn no_cascade_deletes_a_shift_a_push_device_or_a_token(db) {
        acme_with_platform(&db);
        let shifts = "SELECT COUNT(*) FROM oncall_shifts";
        let platform_rows = "SELECT (SELECT COUNT(*) FROM oncall_shifts) + (SELECT COUNT(*) FROM push_methods) + (SELECT COUNT(*) FROM api_tokens)";
        assert_eq!(db.count(shifts), 3);
        let before = db.count(platform_rows);
        assert_eq!(before, 5);
        let refused = [
            // db-oncall has bob's shift of 2026-12-01.
            ("a group with a shift", "DELETE FROM groups WHERE name = 'db-oncall'"),
            // bob holds that shift.
            ("a user on a shift", "DELETE FROM users WHERE username = 'bob'"),
            // Judy and Mallory are referred to by nothing else once given
            // a device or a token (the same statement adds it).
            ("a user with a push device", "INSERT INTO push_methods (user_id, device, registered_at) SELECT id, 'iPhone', '2026-11-01T00:00:00Z' FROM users WHERE username = 'judy'; DELETE FROM users WHERE username = 'judy'"),
            ("a user with an API token", "INSERT INTO api_tokens (user_id, name, token_hash, created_at) SELECT id, 'ci', 'sha256:00', '2026-11-01T00:00:00Z' FROM users WHERE username = 'mallory'; DELETE FROM users WHERE username = 'mallory'"),
        ];
        for (what, statement) in refused {
            let error = try_sql(&db, statement).expect_err(what);
            assert!(
                error.contains("FOREIGN KEY") || error.contains("foreign key"),
                "{what}: {error}"
            );
        }
        assert_eq!(db.count(platform_rows), before, "nothing was taken");
        // Rows that are roster's go with their user as before: a user with
        // no shift, device or token is deleted with memberships, methods,
        // verification and invitation.
        try_sql(&db, "DELETE FROM users WHERE username = 'judy'").unwrap();
        assert_eq!(db.count("SELECT COUNT(*) FROM contact_verifications WHERE value = 'judy@acme.example'"), 0);
        // Once the platform has removed the shift, the group can go.
        try_sql(&db, "DELETE FROM oncall_shifts WHERE group_id = (SELECT id FROM groups WHERE name = 'support')").unwrap();
        try_sql(&db, "DELETE FROM groups WHERE name = 'support'").unwrap();
        assert_eq!(db.count(shifts), 3);
    }

    fn an_apply_that_would_take_a_shift_with_it_changes_nothing(db) {
        acme_with_platform(&db);
        // The config without web-oncall: deleting the group would take
        // carol's shift along; the database refuses and the apply rolls
        // back whole.
        let dir = tempfile::tempdir().unwrap();
        let root = crate::support::root();
        for entry in ["account.yaml", "users"] {
            let from = root.join("examples/acme").join(entry);
            let to = dir.path().join(entry);
            if from.is_dir() {
                std::fs::create_dir(&to).unwrap();
                for file in std::fs::read_dir(&from).unwrap() {
                    let file = file.unwrap().path();
                    std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
                }
            } else {
                std::fs::copy(&from, &to).unwrap();
            }
        }
        let groups = std::fs::read_to_string(root.join("examples/acme/groups.yaml")).unwrap();
        let start = groups.find("  - name: web-oncall").unwrap();
        let cut = groups.find("  - name: platform").unwrap();
        std::fs::write(dir.path().join("groups.yaml"), format!("{}{}", &groups[..start], &groups[cut..])).unwrap();
        let run = roster(&db, &["apply", dir.path().to_str().unwrap(), "--yes"]);
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        // Until the planner refuses it first (naming the shift), the
        // database does.
        assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM groups WHERE name = 'web-oncall'"), 1);
        assert_eq!(db.count("SELECT COUNT(*) FROM oncall_shifts"), 3);
    }

    fn upgrading_to_migration_3_keeps_every_platform_row(db) {
        // A database at migration 2 holding the directory and its platform
        // state is migrated with every row kept.
        block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            let shipped = roster::store::migrate::migrations(store.engine());
            let mut record = String::from("CREATE TABLE roster_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);");
            for migration in &shipped[..2] {
                store.run_script(migration.sql).await.unwrap();
                record.push_str(&format!(
                    " INSERT INTO roster_migrations VALUES ({}, '{}', '{}', '2026-11-01T00:00:00Z');",
                    migration.version, migration.description, migration.checksum()
                ));
            }
            store.run_script(&record).await.unwrap();
            store.close().await;
        });
        // `apply` writes through the schema of migration 2 only after
        // migrating; so seed the rows first with plain SQL.
        try_sql(&db, "INSERT INTO users (username, email, first_name, last_name, user_type, status, language, home_page, theme, digest, created_at) VALUES ('bob', 'bob@acme.example', 'Bob', 'S', 'standard', 'active', 'en', 'alerts', 'dark', 'high', '2026-11-01T00:00:00Z'); \
                        INSERT INTO groups (name) VALUES ('db-oncall'); \
                        INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at) SELECT g.id, u.id, '2026-12-01T08:00:00Z', '2026-12-08T08:00:00Z' FROM groups g, users u; \
                        INSERT INTO push_methods (user_id, device, registered_at) SELECT id, 'Pixel 9', '2026-03-01T12:00:00Z' FROM users; \
                        INSERT INTO api_tokens (user_id, name, token_hash, created_at) SELECT id, 'ci', 'sha256:00', '2026-04-02T16:20:00Z' FROM users; \
                        INSERT INTO invitations (user_id, sent_at, expires_at) SELECT id, '2026-11-01T09:00:00Z', '2026-11-08T09:00:00Z' FROM users; \
                        INSERT INTO contact_verifications (user_id, channel, value, state, checked_at) SELECT id, 'email', 'bob@acme.example', 'verified', '2026-11-02T00:00:00Z' FROM users").unwrap();
        let run = roster(&db, &["db", "migrate"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("applied migration 3"), "{}", run.stderr);
        for table in ["oncall_shifts", "push_methods", "api_tokens", "invitations", "contact_verifications"] {
            let count = match table {
                "oncall_shifts" => db.count("SELECT COUNT(*) FROM oncall_shifts WHERE starts_at IS NOT NULL"),
                "push_methods" => db.count("SELECT COUNT(*) FROM push_methods WHERE device = 'Pixel 9'"),
                "api_tokens" => db.count("SELECT COUNT(*) FROM api_tokens WHERE name = 'ci'"),
                "invitations" => db.count("SELECT COUNT(*) FROM invitations"),
                _ => db.count("SELECT COUNT(*) FROM contact_verifications"),
            };
            assert_eq!(count, 1, "{table}");
        }
        let error = try_sql(&db, "DELETE FROM groups WHERE name = 'db-oncall'").unwrap_err();
        assert!(error.contains("FOREIGN KEY") || error.contains("foreign key"), "{error}");
    }
}
