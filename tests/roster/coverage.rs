//! Paging safety: the database keeps platform-owned rows (no cascade takes
//! a shift, push device or API token), and `roster coverage` reports who
//! can be reached per group over time, in every format.

use roster::store::Store;

use crate::db::{TestDb, block_on, on_both_engines};
use crate::support::{Roster, Run};

/// `roster …` against `db`.
pub(crate) fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

/// The acme example applied, with the platform state of
/// `tests/fixtures/platform/acme.sql` (shifts, push devices, tokens).
pub(crate) fn acme_with_platform(db: &TestDb) {
    let run = roster(db, &["apply", "examples/acme", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = roster(db, &["db", "exec", "tests/fixtures/platform/acme.sql"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Runs one statement; the database's error text when it refuses.
pub(crate) fn try_sql(db: &TestDb, statement: &str) -> Result<(), String> {
    block_on(async {
        let store = Store::open(&db.database_url()).await.unwrap();
        let result = store
            .run_script(statement)
            .await
            .map_err(|e| format!("{e:?}"));
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
        // carol's shift along; the plan is refused and nothing changes.
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
        // The planner refuses it first, naming the shift.
        assert!(
            run.stderr.contains("cannot delete group `web-oncall`: it has on-call shifts"),
            "{}",
            run.stderr
        );
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

/// The acme directory a week on: shifts, an unverified phone, absences
/// entered in the app (`tests/fixtures/platform/coverage.sql`).
pub(crate) fn acme_a_week_on(db: &TestDb) {
    acme_with_platform(db);
    let run = roster(db, &["db", "exec", "tests/fixtures/platform/coverage.sql"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A transcript with the database's location (which differs per run) replaced.
pub(crate) fn transcript(db: &TestDb, run: &Run) -> String {
    run.transcript().replace(db.url(), "[db]")
}

on_both_engines! {
    fn coverage_reports_gaps_in_every_format(db) {
        acme_a_week_on(&db);
        for format in ["text", "json", "markdown", "html"] {
            let run = roster(&db, &["coverage", "--format", format]);
            assert_eq!(run.code, 2, "{format}: {}", run.stderr);
            insta::assert_snapshot!(format!("coverage_{format}"), transcript(&db, &run));
        }
    }

    fn coverage_of_a_config_uses_its_directory_and_the_live_platform_state(db) {
        acme_a_week_on(&db);
        // The config says nothing of Heidi's and Dave's absences (entered
        // in the app) and has Grace active; the shifts and verifications
        // come from the database.
        let run = roster(&db, &["coverage", "examples/acme"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        insta::assert_snapshot!("coverage_config", transcript(&db, &run));
    }

    fn coverage_exits_0_when_every_group_is_reachable(db) {
        acme_a_week_on(&db);
        let run = roster(&db, &["coverage", "--from", "2026-11-22", "--horizon", "36h"]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        insta::assert_snapshot!("coverage_reachable", transcript(&db, &run));
    }
}

#[test]
fn coverage_json_is_the_documented_structure() {
    let db = TestDb::sqlite();
    acme_a_week_on(&db);
    let run = roster(&db, &["coverage", "--format", "json"]);
    assert_eq!(run.code, 2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["period"]["from"], "2026-11-22T00:00:00Z");
    assert_eq!(report["period"]["until"], "2026-12-22T00:00:00Z");
    assert_eq!(report["summary"]["gaps"], 2);
    assert_eq!(report["summary"]["reachable_throughout"], false);
    let groups = report["groups"].as_array().unwrap();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db-oncall", "platform", "support", "web-oncall"]);
    let web = &groups[3];
    let gap = &web["gaps"][0];
    assert_eq!(gap["kind"], "nobody_reachable");
    assert_eq!(gap["from"], "2026-12-15T08:00:00Z");
    assert_eq!(gap["until"], "2026-12-22T00:00:00Z");
    let reason = &gap["reasons"][0];
    assert_eq!(reason["kind"], "person");
    assert_eq!(reason["duty"], "shift");
    assert_eq!(reason["chain"][0]["step"], "unreachable");
    assert_eq!(reason["chain"][0]["why"]["cause"], "methods");
    assert_eq!(
        reason["chain"][0]["why"]["methods"][0]["problem"],
        "unverified"
    );
    let support = &groups[2]["gaps"][0];
    assert_eq!(support["kind"], "uncovered_absence");
    assert_eq!(support["user"], "heidi");
    assert_eq!(support["reasons"][0]["chain"][0]["step"], "away");
    assert_eq!(
        support["reasons"][0]["chain"][0]["cover"],
        serde_json::Value::Null
    );
    let platform = &groups[1];
    assert!(
        platform["paged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["user"] == "dave" && p["answered_by"] == "erin" && p["duty"] == "primary")
    );
    assert_eq!(platform["absences"][0]["cover"], "erin");
    assert_eq!(platform["shifts"][0]["user"], "alice");
}

/// Seconds since the epoch of an RFC 3339 time.
fn epoch(text: &str) -> f64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp() as f64
}

#[test]
fn coverage_html_is_well_formed_with_one_timeline_per_group() {
    let db = TestDb::sqlite();
    acme_a_week_on(&db);
    let json: serde_json::Value =
        serde_json::from_str(&roster(&db, &["coverage", "--format", "json"]).stdout).unwrap();
    let run = roster(&db, &["coverage", "--format", "html"]);
    assert_eq!(run.code, 2);
    let page = roxmltree::Document::parse_with_options(
        &run.stdout,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the page is not well-formed: {e}"));
    let class = |n: &roxmltree::Node, c: &str| {
        n.attribute("class")
            .is_some_and(|v| v.split(' ').any(|x| x == c))
    };
    // Self-contained: no script, no external reference.
    for node in page.descendants() {
        assert_ne!(node.tag_name().name(), "script");
        for attribute in ["src", "href"] {
            if let Some(value) = node.attribute(attribute) {
                assert!(value.starts_with('#'), "external reference {value}");
            }
        }
    }
    let sections: Vec<roxmltree::Node> = page
        .descendants()
        .filter(|n| n.tag_name().name() == "section")
        .collect();
    let order: Vec<&str> = sections
        .iter()
        .map(|s| {
            s.descendants()
                .find(|n| n.tag_name().name() == "h2")
                .unwrap()
                .first_child()
                .unwrap()
                .text()
                .unwrap()
                .trim()
        })
        .collect();
    // Groups with gaps first.
    assert_eq!(order, ["support", "web-oncall", "db-oncall", "platform"]);
    let from = epoch(json["period"]["from"].as_str().unwrap());
    let until = epoch(json["period"]["until"].as_str().unwrap());
    for (section, name) in sections.iter().zip(&order) {
        let group = json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == *name)
            .unwrap();
        let svgs: Vec<_> = section
            .descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .collect();
        assert_eq!(svgs.len(), 1, "{name}: one timeline");
        let svg = svgs[0];
        assert_eq!(
            svg.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let view: Vec<f64> = svg
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        // Every paged time is drawn with its tooltip, in time order, where
        // its times fall on the axis.
        let paged: Vec<_> = svg
            .descendants()
            .filter(|n| n.tag_name().name() == "g" && class(n, "paged"))
            .collect();
        let expected = group["paged"].as_array().unwrap();
        assert_eq!(paged.len(), expected.len(), "{name}");
        let axis = |rect: roxmltree::Node| {
            let x: f64 = rect.attribute("x").unwrap().parse().unwrap();
            let w: f64 = rect.attribute("width").unwrap().parse().unwrap();
            assert!(
                x >= 0.0 && x + w <= view[2] + 0.1,
                "{name}: drawn outside the picture"
            );
            (x, w)
        };
        let scale =
            |x: f64, t: f64| (x - 130.0) / (view[2] - 130.0 - 16.0) * (until - from) + from - t;
        for (g, p) in paged.iter().zip(expected) {
            let title = g
                .children()
                .find(|n| n.tag_name().name() == "title")
                .unwrap()
                .text()
                .unwrap();
            assert!(
                title.contains(p["answered_by"].as_str().unwrap()),
                "{title}"
            );
            let rect = g
                .children()
                .find(|n| n.tag_name().name() == "rect")
                .unwrap();
            let (x, w) = axis(rect);
            // Within a pixel's worth of time (30 days over ~950 px).
            let pixel = (until - from) / (view[2] - 146.0);
            assert!(
                scale(x, epoch(p["from"].as_str().unwrap())).abs() <= pixel,
                "{name}: {title}"
            );
            assert!(
                scale(x + w, epoch(p["until"].as_str().unwrap())).abs() <= pixel,
                "{name}: {title}"
            );
        }
        // Every gap is a red rectangle on the gaps lane; nobody-reachable
        // ones are also drawn on the paged lane with the word "nobody".
        let gap_rects: Vec<_> = svg
            .descendants()
            .filter(|n| n.tag_name().name() == "rect" && class(n, "gap"))
            .collect();
        let gaps = group["gaps"].as_array().unwrap();
        assert_eq!(gap_rects.len(), gaps.len(), "{name}");
        for rect in &gap_rects {
            axis(*rect);
        }
        let nobody = gaps
            .iter()
            .filter(|g| g["kind"] == "nobody_reachable")
            .count();
        let nobody_drawn = svg
            .descendants()
            .filter(|n| n.tag_name().name() == "g" && class(n, "gap"))
            .count();
        assert_eq!(nobody_drawn, nobody, "{name}");
        // One row per absent person and per shift holder.
        let rows: Vec<&str> = svg
            .descendants()
            .filter(|n| class(n, "row"))
            .map(|n| n.text().unwrap())
            .collect();
        let mut want = vec!["paged", "gaps"];
        let absent: Vec<String> = group["absences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("{} out", a["user"].as_str().unwrap()))
            .collect();
        let shifts: Vec<String> = group["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{} shift", s["user"].as_str().unwrap()))
            .collect();
        want.extend(absent.iter().map(String::as_str));
        want.extend(shifts.iter().map(String::as_str));
        assert_eq!(rows, want, "{name}");
        // The gap list under the picture names every gap.
        let items = section
            .descendants()
            .filter(|n| n.tag_name().name() == "ol")
            .flat_map(|ol| ol.children().filter(|n| n.tag_name().name() == "li"))
            .count();
        assert_eq!(items, gaps.len(), "{name}");
    }
}

#[test]
fn coverage_html_renders_in_a_browser() {
    let db = TestDb::sqlite();
    acme_a_week_on(&db);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("coverage.html");
    let run = roster(
        &db,
        &["coverage", "--format", "html", "-o", page.to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "the page goes to the file only");
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("a Chromium browser is needed for this test (Debian: apt-get install -y chromium)");
    let browse = |extra: &[&str]| {
        let profile = tempfile::tempdir().unwrap();
        let output = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    // The browser's own parse of the page: four inline SVG timelines, the
    // gaps drawn and named.
    let dom = browse(&["--dump-dom"]);
    assert_eq!(dom.matches("<svg").count(), 4, "{dom}");
    assert!(dom.contains("class=\"gap\""), "{dom}");
    assert!(dom.contains(">nobody</text>"), "{dom}");
    assert!(dom.contains("erin answers for dave"), "{dom}");
    // And a picture of it, as a person would see it.
    let shot = dir.path().join("coverage.png");
    browse(&[
        "--window-size=1200,1400",
        &format!("--screenshot={}", shot.display()),
    ]);
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(
        png.len() > 20_000,
        "an empty page compresses far smaller: {} bytes",
        png.len()
    );
}

#[test]
fn coverage_refuses_a_bad_horizon_or_start() {
    for (args, snapshot) in [
        (vec!["coverage", "--horizon", "0d"], "coverage_bad_horizon"),
        (vec!["coverage", "--horizon", "30x"], "coverage_bad_unit"),
        (
            vec!["coverage", "--from", "next tuesday"],
            "coverage_bad_from",
        ),
    ] {
        let db = TestDb::sqlite();
        let run = roster(&db, &args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        insta::assert_snapshot!(snapshot, run.transcript());
        assert!(db.tables().is_empty(), "nothing was created");
    }
}

#[test]
fn coverage_of_an_empty_directory_has_nothing_to_miss() {
    let db = TestDb::sqlite();
    let run = roster(&db, &["coverage", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("coverage_empty", transcript(&db, &run));
}

/// A config of `n` people, each out the same week and covered by the next;
/// the last is in (a chain), or covered by the first (a circle).
fn chain_config(dir: &std::path::Path, n: usize, circle: bool) -> String {
    let mut text = String::from("version: 1\naccount: { owner: u0 }\nusers:\n");
    for i in 0..n {
        let roles = if i == 0 { "[app_admin]" } else { "[basic]" };
        text.push_str(&format!(
            "  - {{ email: u{i}@acme.example, username: u{i}, first_name: U, last_name: N{i}, roles: {roles}, time_zone: Europe/Berlin, contact_methods: [{{ channel: email, label: official, value: u{i}@acme.example }}]"
        ));
        if i + 1 < n || circle {
            text.push_str(&format!(
                ", out_of_office: [{{ from: 2027-02-01T00:00, until: 2027-02-08T00:00, covered_by: u{} }}]",
                (i + 1) % n
            ));
        }
        text.push_str(" }\n");
    }
    text.push_str(
        "groups:\n  - name: ops\n    members:\n      - { user: u0, roles: [primary, manager] }\n",
    );
    let path = dir.join(if circle { "circle.yaml" } else { "chain.yaml" });
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn cover_chains_and_circles_of_5000_are_checked_whole() {
    let dir = tempfile::tempdir().unwrap();
    // A chain ending at someone who is in: valid.
    let chain = chain_config(dir.path(), 5_000, false);
    let run = Roster::new(["validate", "--format", "json", &chain])
        .env("ROSTER_CACHE", "off")
        .run();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["errors"],
        0,
        "{}",
        run.stdout.chars().take(2000).collect::<String>()
    );
    assert_eq!(run.code, 0);
    // A circle of all of them: one finding, naming everyone in order.
    let circle = chain_config(dir.path(), 5_000, true);
    let run = Roster::new(["validate", "--format", "json", &circle])
        .env("ROSTER_CACHE", "off")
        .run();
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["diagnostics"].as_array().unwrap();
    let cycles: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|d| d["code"] == "roster::oof::cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "one circle, reported once");
    assert_eq!(findings.len(), 1, "{findings:?}");
    let message = cycles[0]["message"].as_str().unwrap();
    let people: Vec<&str> = message.rsplit(": ").next().unwrap().split(" → ").collect();
    let expected: Vec<String> = (0..5_000)
        .map(|i| format!("u{i}"))
        .chain(["u0".to_string()])
        .collect();
    assert_eq!(people, expected);
}
