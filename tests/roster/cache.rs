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

/// The size of the one cache file in `cache`.
fn cache_size(cache: &Path) -> u64 {
    let files = walk(cache);
    assert_eq!(files.len(), 1, "one cache file: {files:?}");
    std::fs::metadata(&files[0]).unwrap().len()
}

#[test]
fn a_run_that_changed_a_few_files_adds_their_results_to_the_cache_file() {
    // Forty people, a file each: one edit leaves 39 results as they were.
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("account.yaml"),
        "version: 1\naccount:\n  owner: p00\n",
    )
    .unwrap();
    std::fs::create_dir(config.path().join("users")).unwrap();
    let person = |n: usize, last: &str| {
        format!(
            "version: 1\nusers:\n  - email: p{n:02}@acme.example\n    username: p{n:02}\n    \
             first_name: P{n}\n    last_name: {last}\n    roles: [app_admin]\n    contact_methods:\n      \
             - {{ channel: email, label: official, value: p{n:02}@acme.example }}\n"
        )
    };
    for n in 0..40 {
        std::fs::write(
            config.path().join(format!("users/p{n:02}.yaml")),
            person(n, "Smith"),
        )
        .unwrap();
    }
    let total = files(config.path());
    let cache = tempfile::tempdir().unwrap();
    let (first, _, _) = validate(config.path(), cache.path());
    assert_eq!(first.code, 0, "{}", first.stderr);
    let whole = cache_size(cache.path());

    // One edit: its result is written after the others, which stay.
    let edited = config.path().join("users/p07.yaml");
    std::fs::write(&edited, person(7, "Jones")).unwrap();
    let (second, cached, _) = validate(config.path(), cache.path());
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("Jones"));
    assert_eq!(cached, total - 1);
    let appended = cache_size(cache.path());
    assert!(
        appended > whole,
        "the old result is kept: {whole} -> {appended} bytes"
    );
    assert!(
        appended < whole + whole / 4,
        "not written twice: {whole} -> {appended} bytes"
    );

    // Put back: the old content's result is still there.
    std::fs::write(&edited, person(7, "Smith")).unwrap();
    let (third, cached, _) = validate(config.path(), cache.path());
    assert_eq!(third.stdout, first.stdout);
    assert_eq!(cached, total);

    // Then every result, old parts and new, is read back as it was written.
    let (fourth, cached, _) = validate(config.path(), cache.path());
    assert_eq!(fourth.stdout, first.stdout);
    assert_eq!(fourth.stderr, first.stderr);
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
    // Overwrite the results after the header (its length, its SHA-256 and
    // itself) with noise, keeping the size: the header still promises them.
    let file = walk(cache.path()).into_iter().next().expect("a cache file");
    let mut bytes = std::fs::read(&file).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for (i, byte) in bytes[40 + header..].iter_mut().enumerate() {
        *byte = (i * 131 % 251) as u8;
    }
    std::fs::write(&file, &bytes).unwrap();
    let (second, _, _) = validate(config.path(), cache.path());
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    let (third, _, _) = validate(config.path(), cache.path());
    assert_eq!(third.stdout, first.stdout);
}

/// How many files a run took from the cache, as `ROSTER_TIMINGS=1` says.
fn taken_from_cache(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.contains("files from the cache"))
        .unwrap_or_else(|| panic!("no cache line in:\n{stderr}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let of = words
        .iter()
        .position(|w| *w == "of")
        .expect("`N of M files`");
    words[of - 1].parse().expect("a count")
}

#[cfg(target_os = "linux")]
#[test]
fn what_an_apply_writes_comes_from_a_cache_only_nobody_else_could_write() {
    // `apply` and `plan --out` write what the cache says, so they use a
    // cache file only when it is the user's own and writable by nobody
    // else; the commands whose output is only read use any cache.
    use std::os::unix::fs::PermissionsExt;
    let config = acme();
    let db = tempfile::tempdir().unwrap();
    let url = db.path().join("roster.db");
    let plan = db.path().join("plan.json");
    let cache = tempfile::tempdir().unwrap();
    // A folder roster makes itself, to see the modes it makes.
    let folder = cache.path().join("made/by/roster");
    let run = |args: &[&std::ffi::OsStr]| {
        crate::support::Roster::new(args)
            .env("ROSTER_DATABASE_URL", &url)
            .env("ROSTER_CACHE_DIR", &folder)
            .env("ROSTER_TIMINGS", "1")
            .run()
    };
    let path = config.path().as_os_str();
    let first = run(&["validate".as_ref(), path]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(taken_from_cache(&first.stderr), 0);
    let file = walk(&folder).into_iter().next().expect("a cache file");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600, "the cache file is its owner's only");
    assert_eq!(mode(&folder), 0o700, "the cache folder is its owner's only");
    let every = files(config.path());

    let writers: [Vec<&std::ffi::OsStr>; 2] = [
        vec!["plan".as_ref(), path, "--out".as_ref(), plan.as_os_str()],
        vec!["apply".as_ref(), path, "--yes".as_ref()],
    ];
    // The user's own cache: used by everyone.
    for args in &writers {
        let done = run(args);
        assert_eq!(done.code, 0, "{args:?}: {}", done.stderr);
        assert_eq!(taken_from_cache(&done.stderr), every, "{args:?}");
    }
    // A cache file others may write: only used by what people read (a
    // writer that refuses it leaves its own results in its place).
    let open_to = |mode| std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode));
    for others in [0o620, 0o602, 0o666] {
        for args in &writers {
            open_to(others).unwrap();
            let done = run(args);
            assert_eq!(done.code, 0, "{args:?}: {}", done.stderr);
            assert_eq!(
                taken_from_cache(&done.stderr),
                0,
                "{args:?} with mode {others:o}"
            );
            assert_eq!(mode(&file), 0o600, "{args:?} left its own cache");
        }
        open_to(others).unwrap();
        let read = run(&["plan".as_ref(), path]);
        assert_eq!(read.code, 0, "{}", read.stderr);
        assert_eq!(
            taken_from_cache(&read.stderr),
            every,
            "plan with mode {others:o}"
        );
    }
}

mod damage {
    //! Random byte damage to cache entries and config files never panics
    //! and never changes an answer: what a damaged cache gives is what no
    //! cache gives.

    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::{acme, validate, walk};

    /// The acme example and a cache of it, made once.
    fn fixture() -> &'static (tempfile::TempDir, tempfile::TempDir) {
        static FIXTURE: OnceLock<(tempfile::TempDir, tempfile::TempDir)> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            let config = acme();
            let cache = tempfile::tempdir().unwrap();
            let (first, _, _) = validate(config.path(), cache.path());
            assert_eq!(first.code, 0, "{}", first.stderr);
            (config, cache)
        })
    }

    fn uncached(config: &Path) -> (i32, String, String) {
        let now = chrono::DateTime::parse_from_rfc3339(crate::support::NOW)
            .unwrap()
            .to_utc();
        let validated = roster::config::load_cached(config, now, None).unwrap();
        (
            i32::from(validated.has_errors()),
            format!("{:?}", validated.desired),
            roster::report::diagnostics::human(&validated.diagnostics, &validated.sources, false),
        )
    }

    #[derive(Debug, Clone)]
    enum Damage {
        Set(usize, u8),
        Cut(usize),
        Grow(usize, Vec<u8>),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Set(at, b)),
            any::<usize>().prop_map(Damage::Cut),
            (
                any::<usize>(),
                proptest::collection::vec(any::<u8>(), 1..16)
            )
                .prop_map(|(at, bytes)| Damage::Grow(at, bytes)),
        ]
    }

    fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
        if bytes.is_empty() {
            return;
        }
        match damage {
            Damage::Set(at, b) => {
                let at = at % bytes.len();
                bytes[at] = *b;
            }
            Damage::Cut(at) => bytes.truncate(at % bytes.len()),
            Damage::Grow(at, more) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, more.iter().copied());
            }
        }
    }

    fn copy(from: &Path) -> tempfile::TempDir {
        let to = tempfile::tempdir().unwrap();
        crate::e2e::copy_dir(from, to.path());
        to
    }

    fn pick(dir: &Path, which: usize) -> PathBuf {
        let mut files = walk(dir);
        files.sort();
        files.swap_remove(which % files.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn a_damaged_cache_entry_gives_the_answer_no_cache_gives(which in any::<usize>(), damages in proptest::collection::vec(damage(), 1..4)) {
            let (config, cache) = fixture();
            let cache = copy(cache.path());
            let file = pick(cache.path(), which);
            let mut bytes = std::fs::read(&file).unwrap();
            for d in &damages {
                apply(&mut bytes, d);
            }
            std::fs::write(&file, &bytes).unwrap();
            let (damaged, _, _) = validate(config.path(), cache.path());
            let (code, desired, findings) = uncached(config.path());
            prop_assert_eq!(damaged.code, code, "{}", damaged.stderr);
            prop_assert_eq!(damaged.stdout, desired);
            prop_assert_eq!(damaged.stderr, findings);
        }

        #[test]
        fn a_damaged_config_file_is_read_the_same_with_and_without_the_cache(which in any::<usize>(), damages in proptest::collection::vec(damage(), 1..4)) {
            let (config, cache) = fixture();
            let config = copy(config.path());
            let cache = copy(cache.path());
            let file = pick(config.path(), which);
            let mut bytes = std::fs::read(&file).unwrap();
            for d in &damages {
                apply(&mut bytes, d);
            }
            std::fs::write(&file, &bytes).unwrap();
            let (code, desired, findings) = uncached(config.path());
            for _ in 0..2 {
                let (cached, _, _) = validate(config.path(), cache.path());
                prop_assert_eq!(cached.code, code);
                prop_assert_eq!(&cached.stdout, &desired);
                prop_assert_eq!(&cached.stderr, &findings);
            }
        }
    }
}
