//! Hostile names in every format: a group named
//! `x<img src=x onerror=alert(1)>` is never live HTML in Markdown or HTML,
//! and one named `g\e]0;pwned\a` never reaches a terminal raw. Markdown is
//! read back with pulldown-cmark, HTML with roxmltree, JSON with
//! serde_json: each finds the names as text, not markup.

use crate::db::sql;
use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::db::TestDb;
use crate::support::{Roster, Run};

const CONFIG: &str = "tests/fixtures/hostile";
const CONTROLS: &str = "tests/fixtures/hostile-controls";
const IMG: &str = "x<img src=x onerror=alert(1)>";
const TITLE: &str = "g\x1b]0;pwned\x07";

fn roster(db: &TestDb, args: &[&str]) -> Run {
    Roster::new(args).env("ROSTER_DATABASE_URL", db.url()).run()
}

fn transcript(db: &TestDb, run: &Run) -> String {
    run.transcript().replace(db.url(), "[db]")
}

/// No control character but a line break anywhere in what was printed,
/// and no bidirectional override outside JSON (which keeps values exact).
fn assert_no_controls(what: &str, run: &Run) {
    let json = run.stdout.starts_with('{') || run.stdout.starts_with('[');
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bidi = !(json && stream == "stdout");
        let raw: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n' || bidi && *c == '\u{202e}')
            .collect();
        assert!(raw.is_empty(), "{what}: {stream} holds {raw:?}:\n{text}");
    }
}

/// Reads Markdown as GitHub does and checks that the hostile names are
/// text: no HTML but roster's own tags, no link, no image, no emphasis
/// made of a name; and that the names are there to read.
fn assert_markdown_is_inert(what: &str, markdown: &str) {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_GFM);
    let mut shown = String::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                let tag = html.trim();
                let allowed = [
                    "<details>",
                    "</details>",
                    "<summary>",
                    "</summary>",
                    "<code>",
                    "</code>",
                    "<!-- roster-plan -->",
                ];
                // A tag line like `<details><summary><code>+ group ` keeps
                // its text in the same HTML event; what matters is that no
                // other element starts.
                let stripped = allowed
                    .iter()
                    .fold(tag.to_string(), |t, a| t.replace(a, ""));
                assert!(
                    !stripped.contains('<'),
                    "{what}: live HTML {html:?} in:\n{markdown}"
                );
                // HTML blocks are shown by the browser with entities decoded.
                shown.push_str(
                    &stripped
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&"),
                );
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                panic!("{what}: a link or an image in:\n{markdown}")
            }
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough) => {}
            Event::Text(text) | Event::Code(text) => shown.push_str(&text),
            _ => {}
        }
    }
    assert!(shown.contains(IMG), "{what}: the name is shown: {shown}");
    // Coverage shows the config's groups, which cannot hold an escape.
    assert!(
        what == "coverage" || shown.contains("g\\e]0;pwned\\a"),
        "{what}: the escaped name is shown: {shown}"
    );
}

/// Every hostile name and value, read back from HTML as text.
fn assert_html_is_inert(html: &str) {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let document =
        roxmltree::Document::parse_with_options(html, options).expect("the page is well-formed");
    let elements: Vec<&str> = document
        .descendants()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert!(!elements.contains(&"img"), "{elements:?}");
    assert!(
        document
            .descendants()
            .all(|n| n.attributes().all(|a| !a.name().starts_with("on"))),
        "no event handler attribute"
    );
    let text: String = document
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    assert!(text.contains(IMG), "{text}");
}

#[test]
fn validate_shows_hostile_names_escaped_in_every_format() {
    for format in ["human", "json", "github"] {
        let run = Roster::new(["validate", CONFIG, "--format", format]).run();
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert_no_controls(format, &run);
        insta::assert_snapshot!(format!("hostile_validate_{format}"), run.transcript());
        // A config may not hold a control character: it is refused at its
        // place, and the refusal prints none.
        let run = Roster::new(["validate", CONTROLS, "--format", format]).run();
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert_no_controls(format, &run);
        insta::assert_snapshot!(
            format!("hostile_validate_controls_{format}"),
            run.transcript()
        );
        if format == "json" {
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let codes: Vec<&str> = report["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["code"].as_str().unwrap())
                .collect();
            assert_eq!(codes, ["roster::yaml::control-character"; 2]);
        }
    }
}

/// The hostile config applied, then changed out of band as the platform
/// may: a user's name and a group's given terminal escapes, a new group
/// named with one, the markup group's description edited.
fn hostile_live(db: &TestDb) {
    let run = roster(db, &["apply", CONFIG, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    sql(
        db,
        &format!(
            "UPDATE users SET last_name = 'Adams\x1b[31m' WHERE username = 'alice';
             INSERT INTO groups (name, description) VALUES ('{TITLE}', NULL);
             UPDATE groups SET description = 'changed' WHERE name = '{IMG}';"
        ),
    );
}

#[test]
fn plan_shows_hostile_names_escaped_in_every_format() {
    let db = TestDb::sqlite();
    hostile_live(&db);
    for format in ["text", "markdown", "json"] {
        let run = roster(&db, &["plan", CONFIG, "--format", format]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert_no_controls(format, &run);
        insta::assert_snapshot!(format!("hostile_plan_{format}"), transcript(&db, &run));
        match format {
            "markdown" => assert_markdown_is_inert("plan", &run.stdout),
            "json" => {
                let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                let names: Vec<&str> = plan["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|c| c["name"].as_str())
                    .collect();
                assert!(names.contains(&IMG) && names.contains(&TITLE), "{names:?}");
            }
            _ => {}
        }
    }
}

#[test]
fn drift_history_and_coverage_show_hostile_names_escaped() {
    let db = TestDb::sqlite();
    let run = Roster::new(["apply", CONFIG, "--yes", "--revision", "r\x1b[2J"])
        .env("ROSTER_DATABASE_URL", db.url())
        .env("GITHUB_ACTOR", "ops\x1b]0;owned\x07")
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_controls("apply", &run);
    // Out of band: a new group with a hostile name and an edited one.
    sql(
        &db,
        &format!(
            "INSERT INTO groups (name, description) VALUES ('{TITLE} 2', NULL), ('<script>alert(2)</script>', NULL);
             UPDATE groups SET description = '<b>bold</b>\x1b[31m' WHERE name = '{IMG}';"
        ),
    );
    for format in ["text", "markdown", "json"] {
        let run = roster(&db, &["drift", CONFIG, "--format", format]);
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        assert_no_controls(format, &run);
        insta::assert_snapshot!(format!("hostile_drift_{format}"), transcript(&db, &run));
        if format == "markdown" {
            assert_markdown_is_inert("drift", &run.stdout);
            // Shown as code, which the parse above found to be no HTML.
            assert!(
                run.stdout.contains("`group <script>alert(2)</script>`"),
                "{}",
                run.stdout
            );
        }
        if format == "json" {
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(report["unmanaged"][1]["name"], format!("{TITLE} 2"));
        }
    }
    for format in ["text", "json"] {
        let run = roster(&db, &["history", "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_no_controls("history", &run);
        if format == "text" {
            let text = &run.stdout;
            assert!(
                text.contains("by ops\\e]0;owned\\a (revision r\\e[2J)"),
                "{text}"
            );
        }
    }
    for format in ["text", "markdown", "html"] {
        let run = roster(&db, &["coverage", CONFIG, "--format", format]);
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        assert_no_controls(format, &run);
        match format {
            "markdown" => assert_markdown_is_inert("coverage", &run.stdout),
            "html" => assert_html_is_inert(&run.stdout),
            _ => insta::assert_snapshot!("hostile_coverage_text", transcript(&db, &run)),
        }
    }
}
