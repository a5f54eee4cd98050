//! Calendars and WebCal feeds (SPEC section 10), on SQLite and on
//! PostgreSQL: every calendar is read back by an independent RFC 5545
//! implementation (the Python `icalendar` package) and its events are
//! checked against the directory as a whole load reads it; the server is
//! exercised over real HTTP on loopback.

use crate::db::sql;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use roster::model::live::LiveSnapshot;
use roster::store::Store;
use sha2::Digest;

use crate::db::{TestDb, block_on, on_both_engines};
use crate::support::{NOW, Roster, Run, root};

fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

/// A transcript with what changes from run to run replaced: the
/// database's location, the instants the database stamped revisions with,
/// feed tokens.
fn transcript(db: &TestDb, run: &Run) -> String {
    filtered(&run.transcript().replace(db.url(), "[db]"))
}

fn filtered(text: &str) -> String {
    let stamp = regex::Regex::new(r"DTSTAMP:\d{8}T\d{6}Z").unwrap();
    let token = regex::Regex::new(r"/feeds/[0-9a-f]{56}\.ics").unwrap();
    let text = stamp.replace_all(text, "DTSTAMP:[revised]");
    token.replace_all(&text, "/feeds/[token].ics").into_owned()
}

fn load(db: &TestDb) -> LiveSnapshot {
    block_on(async {
        let store = Store::open(&db.database_url()).await.unwrap();
        let live = store.load(false).await.unwrap();
        store.close().await;
        live
    })
}

/// acme applied, with the platform's shifts and state.
fn acme(db: &TestDb) {
    let run = roster(db, &["apply", "examples/acme", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = roster(db, &["db", "exec", "tests/fixtures/platform/acme.sql"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A Python with `icalendar`, in a virtual environment of this build's own;
/// `None` (and a message saying why) only when pip cannot reach its index.
fn python() -> Option<&'static Path> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("py-icalendar");
            let python = venv.join("bin/python");
            let ready = || {
                Command::new(&python)
                    .args(["-c", "import icalendar"])
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if ready() {
                return Some(python);
            }
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success());
            assert!(made, "python3 -m venv failed: the calendar tests need Python 3 with venv");
            let pip = Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "icalendar"])
                .output()
                .expect("pip runs");
            if !pip.status.success() {
                eprintln!(
                    "SKIPPED: the independent RFC 5545 check needs the Python `icalendar` package, and pip could not install it:\n{}",
                    String::from_utf8_lossy(&pip.stderr)
                );
                return None;
            }
            assert!(ready(), "icalendar was installed but does not import");
            Some(python)
        })
        .as_deref()
}

/// One event as the independent parser read it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Parsed {
    category: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    all_day: bool,
    uid: String,
    sequence: i64,
    summary: String,
    description: String,
}

/// Parses `ics` with the Python `icalendar` package; `None` when it is
/// not available. All-day dates become the instants of their midnights in
/// the calendar's zone.
fn parse(ics: &str) -> Option<(String, Vec<Parsed>)> {
    let python = python()?;
    let out = crate::support::pipe(
        Command::new(python).arg(root().join("tests/fixtures/calendar/parse_ics.py")),
        ics,
    );
    assert!(
        out.status.success(),
        "the independent parser refused the calendar:\n{}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let zone: Option<chrono_tz::Tz> = json["zone"].as_str().and_then(|z| z.parse().ok());
    let at = |value: &serde_json::Value| -> (DateTime<Utc>, bool) {
        if let Some(utc) = value["utc"].as_str() {
            return (utc.parse().unwrap(), false);
        }
        let date = NaiveDate::parse_from_str(value["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let midnight = date.and_hms_opt(0, 0, 0).unwrap();
        let instant = match zone {
            Some(tz) => tz
                .from_local_datetime(&midnight)
                .earliest()
                .unwrap()
                .with_timezone(&Utc),
            None => midnight.and_utc(),
        };
        (instant, true)
    };
    let events = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (start, all_day) = at(&e["start"]);
            let (end, _) = at(&e["end"]);
            Parsed {
                category: e["category"].as_str().unwrap().to_string(),
                start,
                end,
                all_day,
                uid: e["uid"].as_str().unwrap().to_string(),
                sequence: e["sequence"].as_i64().unwrap(),
                summary: e["summary"].as_str().unwrap().to_string(),
                description: e["description"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    Some((json["name"].as_str().unwrap().to_string(), events))
}

/// What a calendar must show, worked out from the whole directory:
/// (category, start, end), sorted.
fn expected(
    live: &LiveSnapshot,
    user: Option<&str>,
    group: Option<&str>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    let overlaps = |a: DateTime<Utc>, b: DateTime<Utc>| a < until && from < b;
    let mut list = Vec::new();
    for shift in &live.platform.shifts {
        let mine = user.is_some_and(|u| shift.user == u) || group.is_some_and(|g| shift.group == g);
        if mine && overlaps(shift.starts_at, shift.ends_at) {
            list.push(("On call".to_string(), shift.starts_at, shift.ends_at));
        }
    }
    for person in live.directory.users.values() {
        for window in &person.out_of_office {
            if !overlaps(window.from, window.until) {
                continue;
            }
            let category = match (user, group) {
                (Some(u), _) if person.username == u => "Out of office",
                (Some(u), _) if window.cover.users().contains(u) => "Covering",
                (None, Some(g))
                    if live.directory.groups[g]
                        .members
                        .contains_key(&person.username) =>
                {
                    "Out of office"
                }
                _ => continue,
            };
            list.push((category.to_string(), window.from, window.until));
        }
    }
    list.sort();
    list
}

fn instant(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Checks a calendar with the independent parser against the directory.
fn check(
    db: &TestDb,
    ics: &str,
    user: Option<&str>,
    group: Option<&str>,
    from: &str,
    until: &str,
) -> Option<Vec<Parsed>> {
    let (_, events) = parse(ics)?;
    let mut shown: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = events
        .iter()
        .map(|e| (e.category.clone(), e.start, e.end))
        .collect();
    shown.sort();
    let live = load(db);
    assert_eq!(
        shown,
        expected(&live, user, group, instant(from), instant(until)),
        "{ics}"
    );
    let mut uids: Vec<&str> = events.iter().map(|e| e.uid.as_str()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), events.len(), "UIDs are unique");
    Some(events)
}

on_both_engines! {
    fn acme_calendars_read_back_as_the_directory_says(db) {
        acme(&db);
        let (from, until) = ("2026-11-01T00:00:00Z", "2027-12-31T00:00:00Z");
        let cases = [
            ("bob", &["bob"][..], Some("bob"), None),
            ("frank", &["frank"][..], Some("frank"), None),
            ("erin", &["erin"][..], Some("erin"), None),
            ("carol", &["carol"][..], Some("carol"), None),
            ("db_oncall", &["--group", "db-oncall"][..], None, Some("db-oncall")),
            ("web_oncall", &["--group", "web-oncall"][..], None, Some("web-oncall")),
        ];
        for (name, subject, user, group) in cases {
            let mut args = vec!["calendar"];
            args.extend_from_slice(subject);
            args.extend(["--from", from, "--until", until]);
            let run = roster(&db, &args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            insta::assert_snapshot!(format!("acme_{name}"), transcript(&db, &run));
            check(&db, &run.stdout, user, group, from, until);
        }
        // The default period: 7 days back, 90 ahead of the present.
        let run = roster(&db, &["calendar", "alice"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        check(&db, &run.stdout, Some("alice"), None, "2026-11-15T00:00:00Z", "2027-02-21T00:00:00Z");
        assert!(run.stdout.contains("SUMMARY:On call: platform"), "{}", run.stdout);
    }

    fn a_calendar_file_and_the_errors_of_the_command(db) {
        acme(&db);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bob.ics");
        let run = roster(&db, &["calendar", "bob", "--from", "2026-11-01", "--until", "2027-03-01", "-o", file.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("wrote 2 events of user `bob` from 2026-11-01 00:00 UTC to 2027-03-01 00:00 UTC"), "{}", run.stderr);
        let written = std::fs::read_to_string(&file).unwrap();
        let again = roster(&db, &["calendar", "BOB", "--from", "2026-11-01", "--until", "2027-03-01"]);
        assert_eq!(written, again.stdout, "the same directory gives the same bytes");
        for (name, args) in [
            ("unknown_user", &["calendar", "zed"][..]),
            ("unknown_group", &["calendar", "--group", "DB-oncall"][..]),
            ("until_before_from", &["calendar", "bob", "--from", "2027-01-02", "--until", "2027-01-01"][..]),
            ("not_a_date", &["calendar", "bob", "--from", "next tuesday"][..]),
            ("no_subject", &["calendar"][..]),
        ] {
            let run = roster(&db, args);
            assert_eq!(run.code, 1, "{name}: {}", run.stderr);
            insta::assert_snapshot!(format!("error_{name}"), transcript(&db, &run));
        }
    }

    fn sequence_and_uid_follow_the_directory(db) {
        acme(&db);
        let args = ["calendar", "bob", "--from", "2026-11-01", "--until", "2027-03-01"];
        let Some(before) = parse(&roster(&db, &args).stdout).map(|(_, e)| e) else { return };
        // Nothing changed: the same events, the same revisions.
        let run = roster(&db, &["apply", "examples/acme", "--yes"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (_, same) = parse(&roster(&db, &args).stdout).unwrap();
        assert_eq!(same, before);
        // The platform moves the end of Bob's shift and renames him: the
        // event keeps its UID and its SEQUENCE goes up.
        sql(&db, "UPDATE oncall_shifts SET ends_at = '2026-12-09T08:00:00Z' WHERE user_id = (SELECT id FROM users WHERE username = 'bob')");
        sql(&db, "UPDATE users SET first_name = 'Robert' WHERE username = 'bob'");
        let (name, after) = parse(&roster(&db, &args).stdout).unwrap();
        assert_eq!(name, "On call: Robert Schmidt");
        let shift = |events: &[Parsed]| events.iter().find(|e| e.category == "On call").cloned().unwrap();
        let (old, new) = (shift(&before), shift(&after));
        assert_eq!(new.uid, old.uid);
        assert!(new.sequence > old.sequence, "{} then {}", old.sequence, new.sequence);
        assert_eq!(new.end, instant("2026-12-09T08:00:00Z"));
        // A window written anew by the person in the app is revised too.
        let window = |events: &[Parsed]| events.iter().find(|e| e.category == "Out of office").cloned().unwrap();
        sql(&db, "UPDATE oof_windows SET note = 'a conference, again' WHERE user_id = (SELECT id FROM users WHERE username = 'bob')");
        let (_, later) = parse(&roster(&db, &args).stdout).unwrap();
        assert_eq!(window(&later).uid, window(&before).uid);
        assert!(window(&later).sequence > window(&before).sequence);
        assert_eq!(window(&later).summary, "Out of office: a conference, again");
    }
}

/// A directory on both sides of the date line and through the changes of
/// daylight-saving time.
const ZONES: &str = r#"version: 1
account: { owner: berta }
users:
  - email: berta@example.com
    username: berta
    first_name: Berta
    last_name: "Weiß, Jr.; the second"
    roles: [app_admin]
    time_zone: Europe/Berlin
    contact_methods: [{ channel: email, label: official, value: berta@example.com }]
    out_of_office:
      - { from: 2027-03-26T00:00, until: 2027-03-30T00:00, covered_by: nora, note: "spring, with a comma; and a semicolon" }
  - email: nora@example.com
    username: nora
    first_name: Nora
    last_name: York
    time_zone: America/New_York
    contact_methods: [{ channel: email, label: official, value: nora@example.com }]
    out_of_office:
      - { from: 2027-11-05T18:00, until: 2027-11-08T09:00, covered_by: berta, note: "a long weekend\nover the change back" }
  - email: aroha@example.com
    username: aroha
    first_name: Aroha
    last_name: Ngata
    time_zone: Pacific/Auckland
    contact_methods: [{ channel: email, label: official, value: aroha@example.com }]
    out_of_office:
      - { from: 2027-04-03T00:00, until: 2027-04-05T00:00, covered_by: kiri }
  - email: kiri@example.com
    username: kiri
    first_name: Kiri
    last_name: Teuea
    time_zone: Pacific/Kiritimati
    contact_methods: [{ channel: email, label: official, value: kiri@example.com }]
    out_of_office:
      - { from: 2027-01-01T00:00, until: 2027-01-02T00:00, covered_by: aroha, note: New Year }
groups:
  - name: atlantic
    members:
      - { user: berta, roles: [primary, manager] }
      - { user: nora, roles: [secondary] }
  - name: pacific
    members:
      - { user: aroha, roles: [primary, manager] }
      - { user: kiri, roles: [secondary] }
"#;

/// Shifts across the changes: Berlin springs forward on 2027-03-28 and
/// falls back on 2027-10-31 (02:30 happens twice); New York on 2027-03-14
/// and 2027-11-07 (01:30 twice); Auckland falls back on 2027-04-04 and
/// springs forward on 2027-09-26; Kiritimati (+14) never changes.
const ZONE_SHIFTS: &str = "
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2027-03-25T07:00:00Z', '2027-04-01T06:00:00Z' FROM groups g, users u WHERE g.name = 'atlantic' AND u.username = 'berta';
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2027-10-31T00:30:00Z', '2027-10-31T01:30:00Z' FROM groups g, users u WHERE g.name = 'atlantic' AND u.username = 'berta';
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2027-03-11T14:00:00Z', '2027-03-18T13:00:00Z' FROM groups g, users u WHERE g.name = 'atlantic' AND u.username = 'nora';
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2027-11-07T06:30:00Z', '2027-11-07T14:00:00Z' FROM groups g, users u WHERE g.name = 'atlantic' AND u.username = 'nora';
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2027-04-01T19:00:00Z', '2027-04-08T20:00:00Z' FROM groups g, users u WHERE g.name = 'pacific' AND u.username = 'aroha';
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2027-09-23T20:00:00Z', '2027-09-30T19:00:00Z' FROM groups g, users u WHERE g.name = 'pacific' AND u.username = 'aroha';
INSERT INTO oncall_shifts (group_id, user_id, starts_at, ends_at)
    SELECT g.id, u.id, '2026-12-30T10:00:00Z', '2027-01-06T10:00:00Z' FROM groups g, users u WHERE g.name = 'pacific' AND u.username = 'kiri';
";

fn zones(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zones.yaml"), ZONES).unwrap();
    let run = roster(db, &["apply", dir.path().to_str().unwrap(), "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    sql(db, ZONE_SHIFTS);
}

on_both_engines! {
    fn daylight_saving_weeks_and_the_date_line(db) {
        zones(&db);
        let (from, until) = ("2026-12-01T00:00:00Z", "2027-12-31T00:00:00Z");
        for (name, subject, user, group) in [
            ("berlin", &["berta"][..], Some("berta"), None),
            ("new_york", &["nora"][..], Some("nora"), None),
            ("auckland", &["aroha"][..], Some("aroha"), None),
            ("kiritimati", &["kiri"][..], Some("kiri"), None),
            ("pacific", &["--group", "pacific"][..], None, Some("pacific")),
        ] {
            let mut args = vec!["calendar"];
            args.extend_from_slice(subject);
            args.extend(["--from", from, "--until", until]);
            let run = roster(&db, &args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            insta::assert_snapshot!(format!("zones_{name}"), transcript(&db, &run));
            let Some(events) = check(&db, &run.stdout, user, group, from, until) else { continue };
            match name {
                "berlin" => {
                    // Local midnight to midnight: whole days.
                    let away = events.iter().find(|e| e.category == "Out of office").unwrap();
                    assert!(away.all_day);
                    assert_eq!(away.summary, "Out of office: spring, with a comma; and a semicolon");
                    // 02:30 the second time is written in UTC; the first
                    // time, with the zone.
                    assert!(run.stdout.contains("DTSTART;TZID=Europe/Berlin:20271031T023000\r\n"), "{}", run.stdout);
                    assert!(run.stdout.contains("DTEND:20271031T013000Z\r\n"), "{}", run.stdout);
                    assert!(run.stdout.contains("DTSTART;TZID=Europe/Berlin:20270325T080000\r\n"));
                    assert!(run.stdout.contains("DTEND;TZID=Europe/Berlin:20270401T080000\r\n"));
                    let covering = events.iter().find(|e| e.category == "Covering").unwrap();
                    assert_eq!(covering.description, "Nora York (nora) is out of office; you cover every group.\nNote: a long weekend\nover the change back");
                }
                "new_york" => {
                    assert!(run.stdout.contains("DTSTART;TZID=America/New_York:20270311T090000\r\n"));
                    assert!(run.stdout.contains("DTEND;TZID=America/New_York:20270318T090000\r\n"));
                    assert!(run.stdout.contains("DTSTART:20271107T063000Z\r\n"), "{}", run.stdout);
                    let covering = events.iter().find(|e| e.category == "Covering").unwrap();
                    assert!(!covering.all_day, "Berlin's midnights are not New York's: {covering:?}");
                }
                "kiritimati" => {
                    let away = events.iter().find(|e| e.category == "Out of office").unwrap();
                    assert!(away.all_day);
                    assert!(run.stdout.contains("DTSTART;VALUE=DATE:20270101\r\n"));
                    assert!(run.stdout.contains("TZOFFSETTO:+1400\r\n"));
                }
                "auckland" => {
                    assert!(run.stdout.contains("DTSTART;TZID=Pacific/Auckland:20270402T080000\r\n"));
                    assert!(run.stdout.contains("DTEND;TZID=Pacific/Auckland:20270409T080000\r\n"));
                    assert!(run.stdout.contains("DTSTART;TZID=Pacific/Auckland:20270924T080000\r\n"));
                    assert!(run.stdout.contains("DTEND;TZID=Pacific/Auckland:20271001T080000\r\n"));
                }
                _ => {}
            }
        }
    }
}

/// A running `roster serve`, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    address: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    fn start(db: &TestDb) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(root())
            .env("ROSTER_DATABASE_URL", db.url())
            .env("ROSTER_NOW", NOW)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let address = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no address in `{first}`"))
            .to_string();
        let log = std::sync::Arc::new(std::sync::Mutex::new(format!("{first}\n")));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Server {
            child,
            address,
            log,
        }
    }

    /// Sends SIGTERM and waits for the process to end; its exit code.
    fn stop(&mut self) -> i32 {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let began = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the log reader take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status.code().unwrap_or(-1);
            }
            assert!(
                began.elapsed() < Duration::from_secs(10),
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response, read off the socket as sent.
#[derive(Debug, Clone)]
struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// One HTTP/1.1 request on a fresh connection.
fn request(address: &str, method: &str, path: &str, extra: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in extra {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_lowercase(), v.to_string()))
        .filter(|(k, _)| k != "date")
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The path of a feed URL `roster calendar --feed-url` printed.
fn feed_path(run: &Run) -> String {
    let url = run.stdout.lines().next().unwrap();
    let path = url
        .strip_prefix("http://127.0.0.1:8080")
        .unwrap_or_else(|| panic!("{url}"));
    assert!(
        run.stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("webcal://127.0.0.1:8080/feeds/")
    );
    path.to_string()
}

on_both_engines! {
    fn feeds_over_http(db) {
        acme(&db);
        let issued = roster(&db, &["calendar", "--feed-url", "bob"]);
        assert_eq!(issued.code, 0, "{}", issued.stderr);
        insta::assert_snapshot!("feed_url_issued", transcript(&db, &issued));
        let bob = feed_path(&issued);
        let group = feed_path(&roster(&db, &["calendar", "--feed-url", "--group", "db-oncall"]));
        // The database keeps the secret's SHA-256 only.
        let token = bob.trim_start_matches("/feeds/").trim_end_matches(".ics");
        let (selector, secret) = token.split_at(16);
        let hash: String = sha2::Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        let stored: &'static str = Box::leak(
            format!("SELECT COUNT(*) FROM calendar_feeds WHERE selector = '{selector}' AND secret_hash = '{hash}' AND user_id IS NOT NULL").into_boxed_str(),
        );
        assert_eq!(db.count(stored), 1);
        let leaked: &'static str = Box::leak(
            format!("SELECT COUNT(*) FROM calendar_feeds WHERE secret_hash LIKE '%{secret}%' OR selector LIKE '%{secret}%'").into_boxed_str(),
        );
        assert_eq!(db.count(leaked), 0);

        let mut server = Server::start(&db);
        let address = server.address.clone();
        assert_eq!(request(&address, "GET", "/healthz", &[]).body, "ok\n");

        // The feed is the calendar the command writes for the same present.
        let feed = request(&address, "GET", &bob, &[]);
        assert_eq!(feed.status, 200, "{feed:?}");
        assert_eq!(feed.headers["content-type"], "text/calendar; charset=utf-8");
        assert_eq!(feed.headers["cache-control"], "private, max-age=300");
        assert_eq!(feed.body, roster(&db, &["calendar", "bob"]).stdout);
        let etag = feed.headers["etag"].clone();
        let group_feed = request(&address, "GET", &group, &[]);
        assert_eq!(group_feed.status, 200);
        assert_eq!(group_feed.body, roster(&db, &["calendar", "--group", "db-oncall"]).stdout);
        if parse(&feed.body).is_some() {
            check(&db, &feed.body, Some("bob"), None, "2026-11-15T00:00:00Z", "2027-02-21T00:00:00Z");
            check(&db, &group_feed.body, None, Some("db-oncall"), "2026-11-15T00:00:00Z", "2027-02-21T00:00:00Z");
        }

        // A client that has it gets 304, with the same ETag; HEAD has no body.
        let again = request(&address, "GET", &bob, &[("If-None-Match", &etag)]);
        assert_eq!((again.status, again.body.as_str()), (304, ""));
        assert_eq!(again.headers["etag"], etag);
        let other = request(&address, "GET", &bob, &[("If-None-Match", "\"something-else\"")]);
        assert_eq!(other.status, 200);
        let head = request(&address, "HEAD", &bob, &[]);
        assert_eq!((head.status, head.body.as_str()), (200, ""));

        // An unknown token, a wrong secret and a missing route look alike.
        let missing = request(&address, "GET", "/nothing/here", &[]);
        assert_eq!(missing.status, 404);
        let wrong_secret = format!("/feeds/{selector}{}.ics", "0".repeat(40));
        for path in [wrong_secret.as_str(), "/feeds/00000000000000000000000000000000000000000000000000000000.ics", "/feeds/short.ics", "/feeds/"] {
            let answer = request(&address, "GET", path, &[]);
            assert_eq!((answer.status, &answer.headers, &answer.body), (missing.status, &missing.headers, &missing.body), "{path}");
        }

        // Many clients at once all get the feed.
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (address, path) = (address.clone(), if i % 2 == 0 { bob.clone() } else { group.clone() });
                std::thread::spawn(move || (0..10).map(|_| request(&address, "GET", &path, &[])).collect::<Vec<_>>())
            })
            .collect();
        for (i, thread) in threads.into_iter().enumerate() {
            for answer in thread.join().unwrap() {
                assert_eq!(answer.status, 200);
                assert_eq!(&answer.body, if i % 2 == 0 { &feed.body } else { &group_feed.body });
            }
        }

        // Revoked: gone, like any unknown URL; the group's feed still works.
        let revoked = roster(&db, &["calendar", "--revoke", "bob"]);
        assert_eq!(revoked.code, 0);
        insta::assert_snapshot!("feed_revoked", transcript(&db, &revoked));
        let gone = request(&address, "GET", &bob, &[]);
        assert_eq!((gone.status, &gone.headers, &gone.body), (missing.status, &missing.headers, &missing.body));
        assert_eq!(request(&address, "GET", &group, &[]).status, 200);
        let nothing = roster(&db, &["calendar", "--revoke", "bob"]);
        assert_eq!(nothing.stderr, "user `bob` has no working calendar feed\n");

        // SIGTERM: the server finishes and says so; its log never shows a token.
        assert_eq!(server.stop(), 0);
        let log = server.log.lock().unwrap().clone();
        assert!(log.contains("stopped: every request under way was answered"), "{log}");
        assert!(log.contains("GET /feeds/[token] 200"), "{log}");
        assert!(log.contains("GET /feeds/[token] 304"), "{log}");
        assert!(log.contains("GET /nothing/here 404"), "{log}");
        assert!(!log.contains(token) && !log.contains(selector), "{log}");
    }

    fn the_server_only_reads_a_current_database(db) {
        // No database: refused, and none is created.
        if let TestDb::Sqlite { .. } = db {
            let run = roster(&db, &["serve", "--listen", "127.0.0.1:0"]);
            assert_eq!(run.code, 1);
            insta::assert_snapshot!("serve_no_database", transcript(&db, &run));
            assert!(db.tables().is_empty());
        }
        acme(&db);
        let run = roster(&db, &["serve", "--listen", "not-an-address"]);
        assert_eq!(run.code, 1);
        insta::assert_snapshot!("serve_bad_listen", transcript(&db, &run));
        // A database behind this roster's schema is not migrated by the server.
        sql(&db, "DELETE FROM roster_migrations WHERE version = 4");
        let run = roster(&db, &["serve", "--listen", "127.0.0.1:0"]);
        assert_eq!(run.code, 1);
        insta::assert_snapshot!("serve_not_current", transcript(&db, &run));
    }
}
