//! The per-file cache: unchanged files are not parsed again, and files
//! whose stamps are unchanged are not even read; any edit is seen, however
//! it is made.

use std::path::Path;
use std::time::Duration;

use crate::e2e::copy_dir;

/// What checking a config with a cache gave: an exit code as `validate`
/// would give it, what the config came to (for comparing runs), its
/// findings as people read them, and how much the cache answered for.
struct Checked {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Checks the config with its own cache folder, as `roster validate` does
/// (same library call, same cache), and returns the outcome with the
/// `(cached, unread)` counts.
fn validate(config: &Path, cache: &Path) -> (Checked, usize, usize) {
    let now = chrono::DateTime::parse_from_rfc3339(crate::support::NOW)
        .unwrap()
        .to_utc();
    let validated = roster::config::load_cached(config, now, Some(cache)).unwrap();
    let checked = Checked {
        code: i32::from(validated.has_errors()),
        stdout: format!("{:?}", validated.desired),
        stderr: roster::report::diagnostics::human(
            &validated.diagnostics,
            &validated.sources,
            false,
        ),
    };
    (checked, validated.cache.cached, validated.cache.unread)
}

/// The acme example in a temporary folder, its files' stamps old enough
/// to be trusted once cached.
fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("examples/acme"), dir.path());
    // A stamp is trusted only when taken two seconds before the cache was
    // written; these files' change times must be older than that.
    std::thread::sleep(Duration::from_millis(2100));
    dir
}

fn files(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn unchanged_files_are_neither_parsed_nor_read_again_and_every_edit_is_seen() {
    let config = acme();
    let cache = tempfile::tempdir().unwrap();
    let total = files(config.path());

    let (first, cached, unread) = validate(config.path(), cache.path());
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!((cached, unread), (0, 0));

    // Nothing changed: every file from the cache, none read.
    let (second, cached, unread) = validate(config.path(), cache.path());
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!((cached, unread), (total, total));

    // An edit that keeps the size and puts the modification time back:
    // the change time still gives it away, and the edit is checked.
    let users = config.path().join("users/platform.yaml");
    let text = std::fs::read_to_string(&users).unwrap();
    let modified = std::fs::metadata(&users).unwrap().modified().unwrap();
    let edited = text.replacen("time_zone: Europe/Berlin", "time_zone: Europe/Berlim", 1);
    assert_ne!(edited, text, "the fixture has a Berlin time zone to break");
    assert_eq!(edited.len(), text.len());
    std::fs::write(&users, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&users)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let (third, cached, unread) = validate(config.path(), cache.path());
    assert_eq!(third.code, 1, "{}", third.stderr);
    assert!(third.stderr.contains("Europe/Berlim"), "{}", third.stderr);
    assert_eq!(cached, total - 1);
    assert_eq!(unread, total - 1);

    // Put back: checked again (the cache keeps the files of the last run
    // only, and the broken file was not cached), then cached again.
    std::fs::write(&users, &text).unwrap();
    let (fourth, cached, _) = validate(config.path(), cache.path());
    assert_eq!(fourth.code, 0, "{}", fourth.stderr);
    assert_eq!(fourth.stdout, first.stdout);
    assert_eq!(cached, total - 1);
    let (fifth, cached, _) = validate(config.path(), cache.path());
    assert_eq!(fifth.stdout, first.stdout);
    assert_eq!(cached, total);
}

#[test]
fn files_of_the_same_content_are_each_taken_from_the_cache() {
    let config = acme();
    let cache = tempfile::tempdir().unwrap();
    std::fs::copy(
        config.path().join("users/platform.yaml"),
        config.path().join("users/platform-copy.yaml"),
    )
    .unwrap();
    let (first, _, _) = validate(config.path(), cache.path());
    assert_eq!(first.code, 1);
    assert!(first.stderr.contains("declared twice"), "{}", first.stderr);
    let (second, cached, _) = validate(config.path(), cache.path());
    assert_eq!(second.stderr, first.stderr);
    assert_eq!(cached, files(config.path()));
}

#[test]
fn a_damaged_cache_costs_time_not_correctness() {
    let config = acme();
    let cache = tempfile::tempdir().unwrap();
    let (first, _, _) = validate(config.path(), cache.path());
    assert_eq!(first.code, 0, "{}", first.stderr);
    // Overwrite the results after the header with noise, keeping the size:
    // the header still promises them.
    let file = walk(cache.path()).into_iter().next().expect("a cache file");
    let mut bytes = std::fs::read(&file).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for (i, byte) in bytes[8 + header..].iter_mut().enumerate() {
        *byte = (i * 131 % 251) as u8;
    }
    std::fs::write(&file, &bytes).unwrap();
    let (second, _, _) = validate(config.path(), cache.path());
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    let (third, _, _) = validate(config.path(), cache.path());
    assert_eq!(third.stdout, first.stdout);
}

#[test]
fn what_an_apply_writes_is_never_taken_from_the_cache() {
    // `apply` and `plan --out` read every file themselves; only the
    // commands whose output is for reading (`validate`, `plan`) use the
    // cache, so a cache folder shared or tampered with cannot change what
    // is written.
    let config = acme();
    let db = tempfile::tempdir().unwrap();
    let url = db.path().join("roster.db");
    let plan = db.path().join("plan.json");
    let run = |args: &[&std::ffi::OsStr], cache: &Path| {
        crate::support::Roster::new(args)
            .env("ROSTER_DATABASE_URL", &url)
            .env("ROSTER_CACHE_DIR", cache)
            .run()
    };
    let path = config.path().as_os_str();
    for args in [
        vec!["apply".as_ref(), path, "--yes".as_ref()],
        vec!["plan".as_ref(), path, "--out".as_ref(), plan.as_os_str()],
    ] {
        let cache = tempfile::tempdir().unwrap();
        let done = run(&args, cache.path());
        assert_eq!(done.code, 0, "{}", done.stderr);
        assert_eq!(files(cache.path()), 0, "{args:?} used the cache");
    }
    let cache = tempfile::tempdir().unwrap();
    let done = run(&["plan".as_ref(), path], cache.path());
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        files(cache.path()) > 0,
        "a plan for reading keeps the cache"
    );
}
