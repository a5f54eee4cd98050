//! A small builder for running the `roster` binary and recording what it did.

use std::path::PathBuf;
use std::process::Command;

/// The fixed present of every test run, so past/future decisions are stable.
pub const NOW: &str = "2026-11-22T00:00:00Z";

/// The crate root: tests run from here so paths in output are relative.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config cache for this test run only, so no test sees results from
/// another build or another run.
pub fn cache_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// A `roster` invocation being built.
pub struct Roster {
    command: Command,
}

/// What a run did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Roster {
    /// `roster` with the given arguments, run from the crate root with a
    /// clean environment: no colour, fixed clock.
    pub fn new<I, S>(args: I) -> Roster
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
        command
            .args(args)
            .current_dir(root())
            .env_remove("ROSTER_DATABASE_URL")
            .env_remove("GITHUB_SHA")
            .env_remove("CI_COMMIT_SHA")
            .env("NO_COLOR", "1")
            .env("ROSTER_NOW", NOW)
            .env("ROSTER_CACHE_DIR", cache_dir());
        Roster { command }
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Roster {
        self.command.env(key, value);
        self
    }

    /// Runs from `dir` instead of the crate root.
    pub fn current_dir(mut self, dir: impl AsRef<std::path::Path>) -> Roster {
        self.command.current_dir(dir);
        self
    }

    /// Sends stdout to `target` instead of capturing it.
    pub fn stdout(mut self, target: impl Into<std::process::Stdio>) -> Roster {
        self.command.stdout(target);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Roster {
        self.command.env_remove(key);
        self
    }

    /// Runs to completion.
    pub fn run(mut self) -> Run {
        let output = self.command.output().expect("the roster binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `command` with `input` on its stdin; what it printed and its status.
pub fn pipe(command: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
