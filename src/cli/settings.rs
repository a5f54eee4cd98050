//! Everything a run takes from its environment, read once at the start and
//! passed down: where output goes and whether it is coloured, the present,
//! the config cache, profiling, and what CI says about the revision, who
//! is applying and where a step's summary goes. Flags override these where a command has one; no other
//! module reads the environment.

use std::ffi::OsString;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::Failure;
use super::output::Output;
use crate::config::cache::Trust;

/// The settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Output streams and colour (`NO_COLOR`, whether they are terminals).
    pub output: Output,
    /// The present: `ROSTER_NOW` (RFC 3339) when set, else the clock; or
    /// why `ROSTER_NOW` could not be read.
    now: Result<DateTime<Utc>, String>,
    /// Whether `ROSTER_NOW` fixes the present (a server then keeps that
    /// time instead of following the clock).
    pub now_fixed: bool,
    /// The config cache's folder; none when `ROSTER_CACHE=off`.
    pub cache_dir: Option<PathBuf>,
    /// Whether stage timings go to stderr (`ROSTER_TIMINGS=1`).
    pub timings: bool,
    /// The revision CI is building (`GITHUB_SHA`, `CI_COMMIT_SHA`).
    pub ci_revision: Option<String>,
    /// Who is running roster: CI's user (`GITHUB_ACTOR`,
    /// `GITLAB_USER_LOGIN`), else the OS user (`USER`, `USERNAME`,
    /// `LOGNAME`).
    pub actor: Option<String>,
    /// Who is running roster on git hosting, for `roster review`: the host
    /// and login CI names (`GITHUB_ACTOR`, `GITLAB_USER_LOGIN`) and the
    /// variable it came from.
    pub forge_actor: Option<ForgeActor>,
    /// The machine's name, to say who holds a lock.
    pub host: String,
    /// The file a CI step's summary is appended to (`GITHUB_STEP_SUMMARY`):
    /// plan and drift add their Markdown report to it.
    pub step_summary: Option<PathBuf>,
    /// The key plan files are signed with and checked against
    /// (`ROSTER_PLAN_KEY`), when set.
    pub plan_key: Option<Vec<u8>>,
}

/// A login on git hosting that CI says is running roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeActor {
    /// The variable it came from.
    pub variable: &'static str,
    /// The host: `github` or `gitlab`.
    pub host: &'static str,
    /// The login.
    pub login: String,
}

impl Settings {
    /// The cache folder with how far its files are trusted; none when
    /// caching is off.
    pub fn cache(&self, trust: Trust) -> Option<(PathBuf, Trust)> {
        self.cache_dir.clone().map(|dir| (dir, trust))
    }

    /// Reads the process's environment.
    pub fn from_env() -> Settings {
        Settings::from_vars(|name| std::env::var_os(name))
    }

    /// Reads the settings from `var`, a lookup of environment variables.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Settings {
        let text = |name: &str| {
            var(name)
                .and_then(|v| v.into_string().ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let no_color = var("NO_COLOR").is_some_and(|v| !v.is_empty());
        let now = match var("ROSTER_NOW") {
            Some(value) => {
                let value = value.to_string_lossy().into_owned();
                DateTime::parse_from_rfc3339(&value)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| format!("`ROSTER_NOW` is not an RFC 3339 time (`{value}`): {e}"))
            }
            None => Ok(Utc::now()),
        };
        Settings {
            output: Output::new(no_color),
            now_fixed: var("ROSTER_NOW").is_some(),
            now,
            cache_dir: cache_dir(&var),
            timings: var("ROSTER_TIMINGS").is_some_and(|v| v == "1"),
            ci_revision: ["GITHUB_SHA", "CI_COMMIT_SHA"].into_iter().find_map(text),
            actor: [
                "GITHUB_ACTOR",
                "GITLAB_USER_LOGIN",
                "USER",
                "USERNAME",
                "LOGNAME",
            ]
            .into_iter()
            .find_map(text),
            forge_actor: [("GITHUB_ACTOR", "github"), ("GITLAB_USER_LOGIN", "gitlab")]
                .into_iter()
                .find_map(|(variable, host)| {
                    text(variable).map(|login| ForgeActor {
                        variable,
                        host,
                        login,
                    })
                }),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .or_else(|| text("HOSTNAME"))
                .unwrap_or_else(|| "an unknown host".into()),
            step_summary: var("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            plan_key: var("ROSTER_PLAN_KEY")
                .filter(|k| !k.is_empty())
                .map(|k| k.into_encoded_bytes()),
        }
    }

    /// The present.
    pub fn now(&self) -> Result<DateTime<Utc>, Failure> {
        self.now.clone().map_err(Failure::message)
    }
}

/// The folder caches live in, unless caching is off: `ROSTER_CACHE_DIR`,
/// `$XDG_CACHE_HOME/roster`, or `~/.cache/roster`.
fn cache_dir(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if var("ROSTER_CACHE").is_some_and(|v| v == "off" || v == "0") {
        return None;
    }
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    set("ROSTER_CACHE_DIR")
        .or_else(|| set("XDG_CACHE_HOME").map(|d| d.join("roster")))
        .or_else(|| set("HOME").map(|home| home.join(".cache/roster")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Settings::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn ci_variables_come_before_the_os_user() {
        let s = settings(&[
            ("USER", "root"),
            ("GITLAB_USER_LOGIN", "ops"),
            ("CI_COMMIT_SHA", "abc"),
        ]);
        assert_eq!(s.actor.as_deref(), Some("ops"));
        assert_eq!(s.ci_revision.as_deref(), Some("abc"));
        assert_eq!(s.step_summary, None);
        let s = settings(&[("GITHUB_STEP_SUMMARY", "/run/summary.md")]);
        assert_eq!(s.step_summary, Some(PathBuf::from("/run/summary.md")));
        let s = settings(&[("GITHUB_ACTOR", " "), ("LOGNAME", "ann")]);
        assert_eq!(
            s.actor.as_deref(),
            Some("ann"),
            "a blank variable counts as unset"
        );
    }

    #[test]
    fn the_cache_folder_follows_the_variables() {
        let s = settings(&[("HOME", "/home/ann")]);
        assert_eq!(s.cache_dir, Some(PathBuf::from("/home/ann/.cache/roster")));
        let s = settings(&[("HOME", "/home/ann"), ("XDG_CACHE_HOME", "/c")]);
        assert_eq!(s.cache_dir, Some(PathBuf::from("/c/roster")));
        let s = settings(&[("ROSTER_CACHE_DIR", "/r"), ("XDG_CACHE_HOME", "/c")]);
        assert_eq!(s.cache_dir, Some(PathBuf::from("/r")));
        let s = settings(&[("ROSTER_CACHE", "off"), ("ROSTER_CACHE_DIR", "/r")]);
        assert_eq!(s.cache_dir, None);
    }

    #[test]
    fn a_bad_present_is_an_error_when_used() {
        let s = settings(&[("ROSTER_NOW", "tomorrow")]);
        let failure = s.now().unwrap_err();
        assert!(
            failure
                .message
                .contains("`ROSTER_NOW` is not an RFC 3339 time (`tomorrow`)")
        );
        let s = settings(&[("ROSTER_NOW", "2026-11-22T00:00:00Z")]);
        assert_eq!(s.now().unwrap().to_rfc3339(), "2026-11-22T00:00:00+00:00");
    }
}
