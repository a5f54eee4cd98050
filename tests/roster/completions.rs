//! `roster completions` and `roster man`: each output read by the program
//! that uses it — the shell, groff and man — when installed; checked by
//! its structure otherwise.

use std::process::{Command, Stdio};

use crate::support::Roster;

/// Whether `program` can be run at all.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs `program args` with `input` on stdin; its exit status and stderr.
fn feed(program: &str, args: &[&str], input: &str) -> (bool, String) {
    let out = crate::support::pipe(Command::new(program).args(args), input);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn script(shell: &str) -> String {
    let run = Roster::new(["completions", shell]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty());
    // Every visible subcommand is offered, the new ones among them.
    for sub in ["validate", "plan", "review", "show", "who-is-out", "man"] {
        assert!(run.stdout.contains(sub), "{shell}: no `{sub}`");
    }
    run.stdout
}

#[test]
fn the_bash_script_parses() {
    let text = script("bash");
    let (ok, stderr) = feed("bash", &["-n"], &text);
    assert!(ok, "bash -n: {stderr}");
    // Loaded into a shell, it registers a completion for `roster`.
    let (ok, stderr) = feed(
        "bash",
        &[],
        &format!("{text}\ncomplete -p roster | grep -q _roster || exit 1\n"),
    );
    assert!(ok, "bash: {stderr}");
}

#[test]
fn the_fish_zsh_and_powershell_scripts_parse_where_installed() {
    let fish = script("fish");
    if installed("fish") {
        let (ok, stderr) = feed("fish", &["--no-execute"], &fish);
        assert!(ok, "fish --no-execute: {stderr}");
    } else {
        eprintln!("fish is not installed: its script is checked by structure only");
        assert!(fish.contains("complete -c roster"));
    }
    let zsh = script("zsh");
    if installed("zsh") {
        let (ok, stderr) = feed("zsh", &["-n"], &zsh);
        assert!(ok, "zsh -n: {stderr}");
    } else {
        eprintln!("zsh is not installed: its script is checked by structure only");
        assert!(zsh.starts_with("#compdef roster"));
    }
    let powershell = script("powershell");
    assert!(powershell.contains("Register-ArgumentCompleter -Native -CommandName 'roster'"));
    let run = Roster::new(["completions", "tcsh"]).run();
    assert_eq!(run.code, 1, "an unknown shell is refused: {}", run.stderr);
    assert!(run.stderr.contains("possible values"), "{}", run.stderr);
}

/// Checks a roff page: with groff, no warning at all; else its sections.
fn check_page(name: &str, page: &str) {
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH "),
        "{name}: no title"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION"] {
        assert!(page.contains(section), "{name}: no `{section}`");
    }
    if installed("groff") {
        let (ok, stderr) = feed("groff", &["-k", "-man", "-Tutf8", "-ww", "-z"], page);
        assert!(ok && stderr.is_empty(), "{name}: groff says {stderr}");
    }
}

#[test]
fn man_pages_render_one_per_subcommand() {
    let run = Roster::new(["man"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    check_page("roster.1", &run.stdout);
    assert!(
        run.stdout.contains("who\\-is\\-out"),
        "the main page lists the subcommands"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let run = Roster::new(["man", "--out", out.to_str().unwrap()]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(
        run.stderr
            .contains(&format!("wrote {} manual pages", pages.len())),
        "{}",
        run.stderr
    );
    for expected in [
        "roster.1",
        "roster-review.1",
        "roster-show-user.1",
        "roster-show-group.1",
        "roster-who-is-out.1",
        "roster-db-migrate.1",
    ] {
        assert!(
            pages.iter().any(|p| p == expected),
            "no {expected} in {pages:?}"
        );
    }
    assert!(
        !pages.iter().any(|p| p.contains("generate")),
        "a hidden command has no page"
    );
    for page in &pages {
        check_page(page, &std::fs::read_to_string(out.join(page)).unwrap());
    }
    // man itself reads a page when it is installed.
    if installed("man") {
        let output = Command::new("man")
            .args(["-l", out.join("roster-review.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(text.contains("--base"), "{text}");
    } else {
        eprintln!("man is not installed: pages are checked by groff or by structure");
    }

    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let run = Roster::new(["man", "--out", file.to_str().unwrap()]).run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot write the manual pages"),
        "{}",
        run.stderr
    );
}
