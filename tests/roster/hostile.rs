//! Hostile and faulty surroundings: a database URL that keeps nothing, a
//! database file copied without its write-ahead log, an output that cannot
//! be written. Each is a clear error, or works; never exit 0 after a
//! failure, never data only half kept.

use std::path::Path;

use roster::store::Store;

use crate::db::block_on;
use crate::support::{Roster, Run};

fn transcript(run: &Run) -> String {
    run.transcript()
}

#[test]
fn a_database_url_that_keeps_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, url) in [
        ("url_empty", ""),
        ("url_memory", ":memory:"),
        ("url_sqlite_memory", "sqlite::memory:"),
        ("url_sqlite_slashes_memory", "sqlite://:memory:"),
        ("url_memory_mode", "file:roster?mode=memory"),
    ] {
        let config = crate::support::root().join("examples/acme");
        let run = Roster::new(["apply".as_ref(), config.as_os_str(), "--yes".as_ref()])
            .env("ROSTER_DATABASE_URL", url)
            .current_dir(dir.path())
            .run();
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{name}: nothing was planned: {}",
            run.stdout
        );
        insta::assert_snapshot!(name, transcript(&run));
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "no database file was made: {left:?}");
}

#[test]
fn the_database_file_alone_holds_every_committed_change() {
    for command in [
        &["apply", "examples/acme", "--yes"][..],
        &["db", "migrate"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("roster.db");
        let run = Roster::new(command).env("ROSTER_DATABASE_URL", &db).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        // Copy the file alone, as an artifact upload would, and read it.
        let copy = tempfile::tempdir().unwrap();
        let copied = copy.path().join("roster.db");
        std::fs::copy(&db, &copied).unwrap();
        assert!(!copy.path().join("roster.db-wal").exists());
        let url = roster::store::DatabaseUrl::parse(&copied.display().to_string()).unwrap();
        let (users, pending) = block_on(async {
            let store = Store::open(&url).await.unwrap();
            let users = store.load(false).await.map(|l| l.directory.users.len());
            let pending = store.status().await.unwrap().pending.len();
            (users, pending)
        });
        assert_eq!(pending, 0, "{command:?}: every migration is in the file");
        if command[0] == "apply" {
            assert_eq!(users.unwrap(), 14, "every user is in the file");
        }
    }
}

#[test]
fn output_that_cannot_be_written_fails_the_command() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: this system has no /dev/full to fill");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db").display().to_string();
    for args in [
        vec!["schema"],
        vec!["validate", "examples/acme", "--format", "json"],
        vec!["plan", "examples/acme"],
        vec!["export"],
    ] {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let run = Roster::new(&args)
            .env("ROSTER_DATABASE_URL", &db)
            .stdout(full)
            .run();
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("error: cannot write the output to stdout: No space left on device"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

crate::db::on_both_engines! {
    fn a_live_value_roster_cannot_read_is_named_with_its_table_and_object(db) {
        let run = Roster::new(["apply", "examples/acme", "--yes"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let sql = |statement: &str| {
            block_on(async {
                let store = Store::open(&db.database_url()).await.unwrap();
                store.run_script(statement).await.unwrap();
                store.close().await;
            })
        };
        for (name, break_it, repair) in [
            (
                "live_home_page_unknown",
                "UPDATE users SET home_page = 'timeline' WHERE username = 'carol'",
                "UPDATE users SET home_page = 'dashboard' WHERE username = 'carol'",
            ),
            (
                "live_wait_negative",
                "UPDATE contact_methods SET wait_minutes = -5 WHERE user_id = (SELECT id FROM users WHERE username = 'bob') AND channel = 'phone'",
                "UPDATE contact_methods SET wait_minutes = 0 WHERE user_id = (SELECT id FROM users WHERE username = 'bob') AND channel = 'phone'",
            ),
        ] {
            sql(break_it);
            for command in [&["plan", "examples/acme"][..], &["drift"][..], &["export"][..]] {
                let run = Roster::new(command).env("ROSTER_DATABASE_URL", db.url()).run();
                assert_eq!(run.code, 1, "{name} {command:?}: {}", run.stderr);
                insta::assert_snapshot!(name, run.transcript().replace(db.url(), "[db]"));
            }
            sql(repair);
        }
    }
}

crate::db::on_both_engines! {
    fn a_time_zone_is_kept_as_written(db) {
        // Amsterdam, Oslo and Reykjavik are links to other countries' zones
        // in the tz data: compared canonically, kept as written.
        let dir = tempfile::tempdir().unwrap();
        crate::e2e::copy_dir(Path::new("examples/acme"), dir.path());
        let users = dir.path().join("users/web.yaml");
        let text = std::fs::read_to_string(&users).unwrap()
            .replace("time_zone: America/Los_Angeles", "time_zone: europe/oslo")
            .replace("time_zone: Australia/Sydney", "time_zone: Atlantic/Reykjavik");
        std::fs::write(&users, text).unwrap();
        let path = dir.path().display().to_string();
        let run = Roster::new(["apply", &path, "--yes"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let live = block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            store.load(false).await.unwrap()
        });
        let zone = |name: &str| live.directory.users[name].time_zone.clone().unwrap();
        assert_eq!(zone("heidi"), "Europe/Amsterdam");
        assert_eq!(zone("grace"), "Europe/Oslo");
        assert_eq!(zone("olivia"), "Atlantic/Reykjavik");
        let export = Roster::new(["export"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(export.code, 0, "{}", export.stderr);
        for name in ["Europe/Amsterdam", "Europe/Oslo", "Atlantic/Reykjavik"] {
            assert!(export.stdout.contains(&format!("time_zone: {name}")), "{name} in:\n{}", export.stdout);
        }
        for wrong in ["Europe/Brussels", "Europe/Berlin\n    locale: en", "Africa/Abidjan"] {
            assert!(!export.stdout.contains(wrong), "{wrong} in:\n{}", export.stdout);
        }
        let plan = Roster::new(["plan", &path, "--detailed-exitcode"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(plan.code, 0, "{}", plan.stdout);
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_named_yaml_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    crate::e2e::copy_dir(Path::new("examples/acme"), dir.path());
    let fifo = dir.path().join("users/pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.yaml")).unwrap();
    let config = dir.path().display().to_string();
    for args in [
        vec!["validate", config.as_str()],
        vec!["plan", config.as_str()],
    ] {
        let started = std::time::Instant::now();
        let run = Roster::new(&args)
            .env("ROSTER_DATABASE_URL", dir.path().join("r.db"))
            .run();
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("is not a regular file (a FIFO, a device or a socket)"),
            "{}",
            run.stderr
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "it did not wait on the FIFO"
        );
    }
    // An export that would replace the folder's roster files says so too.
    let db = tempfile::tempdir().unwrap();
    let url = db.path().join("r.db");
    let run = Roster::new(["export", "--out", &config, "--force"])
        .env("ROSTER_DATABASE_URL", &url)
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let shown = run.stderr.replace(&config, "[dir]");
    insta::assert_snapshot!("export_over_a_fifo", shown);
}

crate::db::on_both_engines! {
    fn two_users_trade_emails_in_one_apply(db) {
        let run = Roster::new(["apply", "examples/acme", "--yes"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let dir = tempfile::tempdir().unwrap();
        crate::e2e::copy_dir(Path::new("examples/acme"), dir.path());
        let users = dir.path().join("users/web.yaml");
        let text = std::fs::read_to_string(&users).unwrap()
            .replace("email: grace@acme.example", "email: SWAP")
            .replace("email: olivia@acme.example", "email: grace@acme.example")
            .replace("email: SWAP", "email: olivia@acme.example");
        std::fs::write(&users, text).unwrap();
        let path = dir.path().display().to_string();
        let run = Roster::new(["apply", &path, "--yes"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let live = block_on(async {
            let store = Store::open(&db.database_url()).await.unwrap();
            store.load(false).await.unwrap()
        });
        assert_eq!(live.directory.users["grace"].email, "olivia@acme.example");
        assert_eq!(live.directory.users["olivia"].email, "grace@acme.example");
        let plan = Roster::new(["plan", &path, "--detailed-exitcode"]).env("ROSTER_DATABASE_URL", db.url()).run();
        assert_eq!(plan.code, 0, "{}", plan.stdout);
    }
}

#[test]
fn a_person_named_by_their_email_is_masked_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "version: 1\naccount:\n  owner: alice\nusers:\n  - username: alice\n    email: alice@acme.example\n    first_name: Al\n    last_name: Ice\n    roles: [app_admin]\n    contact_methods: [{ channel: email, label: official, value: alice@acme.example }]\n  - email: secret.person@acme.example\n    first_name: Sec\n    last_name: Ret\n    contact_methods: [{ channel: email, label: official, value: secret.person@acme.example }]\n  - username: dana@acme.example\n    email: dana.k@acme.example\n    first_name: Dana\n    last_name: K\n    contact_methods: [{ channel: email, label: official, value: dana.k@acme.example }]\ngroups:\n  - name: ops\n    members:\n      - user: secret.person@acme.example\n        roles: [primary]\n      - user: dana@acme.example\n        roles: [primary]\n      - user: alice\n        roles: [manager]\n",
    )
    .unwrap();
    let url = dir.path().join("roster.db");
    let config = dir.path().display().to_string();
    let run = |args: &[&str]| {
        let run = Roster::new(args).env("ROSTER_DATABASE_URL", &url).run();
        assert!(run.code == 0 || run.code == 2, "{args:?}: {}", run.stderr);
        run
    };
    let secrets = ["secret.person@", "dana@", "dana.k@"];
    let clear = |name: &str, run: &Run| {
        for secret in secrets {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{name}: {secret} shown in clear:\n{}",
                run.transcript()
            );
        }
    };
    let plan = run(&["plan", &config]);
    clear("plan", &plan);
    insta::assert_snapshot!(
        "email_names_masked_plan",
        plan.stdout.replace(&url.display().to_string(), "[db]")
    );
    for format in ["json", "markdown"] {
        clear(format, &run(&["plan", &config, "--format", format]));
    }
    clear("apply", &run(&["apply", &config, "--yes"]));
    let history = run(&["history"]);
    clear("history", &history);
    assert!(
        history.stdout.contains("+ user s•••@acme.example#"),
        "{}",
        history.stdout
    );
    clear("history json", &run(&["history", "--format", "json"]));
    let shown = run(&["history", "--show-values"]);
    assert!(
        shown.stdout.contains("+ user secret.person@acme.example"),
        "{}",
        shown.stdout
    );
    let shown = run(&["plan", &config, "--show-values"]);
    assert!(shown.stdout.contains("No changes"), "{}", shown.stdout);
    // Drift: the group gains a member outside git; the report names people masked.
    block_on(async {
        let store =
            Store::open(&roster::store::DatabaseUrl::parse(&url.display().to_string()).unwrap())
                .await
                .unwrap();
        store.run_script("DELETE FROM group_members WHERE user_id = (SELECT id FROM users WHERE email = 'secret.person@acme.example')").await.unwrap();
        store.close().await;
    });
    for format in ["text", "json", "markdown"] {
        let drift = run(&["drift", &config, "--format", format]);
        assert_eq!(drift.code, 2, "{}", drift.transcript());
        clear(format, &drift);
    }
}

#[test]
fn a_huge_value_makes_a_short_finding() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(2_000_000);
    std::fs::write(
        dir.path().join("roster.yaml"),
        format!("version: 1\nusers:\n  - username: {huge}\n    email: a@b.example\n    first_name: {huge}\n    last_name: L\n"),
    )
    .unwrap();
    let config = dir.path().display().to_string();
    for format in ["human", "json", "github"] {
        let run = Roster::new(["validate", &config, "--format", format]).run();
        assert_eq!(run.code, 1, "{format}");
        let size = run.stdout.len() + run.stderr.len();
        assert!(size < 8_000, "{format}: {size} bytes of output");
        assert!(
            run.transcript().contains("(2000000 characters)"),
            "{format}: the length is said"
        );
        if format == "human" {
            insta::assert_snapshot!("huge_value", run.transcript().replace(&config, "[dir]"));
        }
    }
}
