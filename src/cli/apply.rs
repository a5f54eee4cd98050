//! `roster apply [PATH] | --plan PLAN`: make the live directory what the
//! config declares, in one transaction, under a lock, on the record.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use super::output::{self, Output};
use super::plan::GuardArgs;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::apply::{self, Mismatch};
use crate::plan;
use crate::plan::file::PlanFile;
use crate::report::plan::{self as render, RenderOptions};
use crate::report::redact::Redactor;
use crate::store::{ApplyFailure, LockOptions, Store};

/// Arguments of `roster apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A roster document, or a directory of them.
    #[arg(conflicts_with = "plan")]
    path: Option<PathBuf>,
    /// Apply a plan saved by `roster plan --out`, if the directory has not
    /// changed since.
    #[arg(long, value_name = "PLAN")]
    plan: Option<PathBuf>,
    /// Apply without asking (required when not at a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Seconds to wait for another apply to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    lock_timeout: u64,
    /// The config revision to record; default: `GITHUB_SHA`, `CI_COMMIT_SHA`,
    /// or the git HEAD of the config.
    #[arg(long)]
    revision: Option<String>,
    /// Who applies; default: `GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, or the OS user.
    #[arg(long)]
    actor: Option<String>,
    /// Show contact values (phone numbers, emails) instead of masking them.
    #[arg(long)]
    show_values: bool,
    #[command(flatten)]
    guards: GuardArgs,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Runs `roster apply`.
pub fn run(args: ApplyArgs, output: &Output) -> ExitStatus {
    match super::runtime().block_on(apply(args, output)) {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn apply(args: ApplyArgs, output: &Output) -> Result<ExitStatus, Failure> {
    let now = output::now().map_err(Failure::message)?;
    let url = args.database.url()?;
    let (plan, config_dir) = match &args.plan {
        Some(file) => {
            let saved = PlanFile::read(file).map_err(|e| {
                Failure::message(format!("`{}`: {}", file.display(), output::error_chain(&e)))
            })?;
            if saved.database != url.masked() {
                return Err(Failure {
                    message: format!(
                        "the plan was made for the directory at {}, not {}",
                        saved.database,
                        url.masked()
                    ),
                    hint: Some(
                        "apply it with the `--database-url` it was planned against, or plan again"
                            .into(),
                    ),
                });
            }
            (saved.plan, std::env::current_dir().ok())
        }
        None => {
            let path = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
            let config = super::load_config(&path, now, output)?;
            let store = super::open_store(&url).await?;
            let live = store
                .load(false)
                .await
                .map_err(|e| Failure::store(e, &url))?;
            store.close().await;
            (
                plan::plan(&config.desired, &live, now, args.guards.options()),
                config_dir(&path),
            )
        }
    };
    let options = RenderOptions {
        location: url.masked().to_string(),
        redactor: Redactor {
            show_values: args.show_values,
        },
        color: output.data_color,
    };
    output.data(&render::text::render(&plan, &options));
    if !plan.refusals.is_empty() {
        output.error(&render::text::refusals(&plan), None);
        return Ok(ExitStatus::Failure);
    }
    if !plan.has_changes() && plan.adopt.is_empty() {
        output.message("Nothing to apply.\n");
        return Ok(ExitStatus::Success);
    }
    if !args.yes && !confirm(output, url.masked())? {
        output.message("Apply cancelled; nothing was changed.\n");
        return Ok(ExitStatus::Failure);
    }

    let store = super::open_store(&url).await?;
    let changes = apply::change_set(&plan);
    let revision = args
        .revision
        .clone()
        .or_else(|| revision(config_dir.as_deref()));
    let actor = args.actor.clone().unwrap_or_else(actor);
    let entry = apply::history_entry(&plan, revision.clone(), actor.clone(), now);
    let lock = LockOptions {
        timeout: Duration::from_secs(args.lock_timeout),
        holder: format!(
            "roster apply by {actor} on {} (pid {})",
            host(),
            std::process::id()
        ),
    };
    let progress = output
        .interactive
        .then(|| Progress::start(&store, changes.rows()));
    let result = store
        .apply(&changes, &entry, &lock, |live| {
            apply::verify(&plan, live, now)
        })
        .await;
    if let Some(progress) = progress {
        progress.finish();
    }
    let id = match result {
        Ok(id) => id,
        Err(ApplyFailure::Locked { holder }) => {
            let holder = holder.map(|h| format!(" ({h})")).unwrap_or_default();
            return Err(Failure {
                message: format!(
                    "another apply holds the lock on {}{holder}; waited {} s and changed nothing",
                    store.location(),
                    args.lock_timeout
                ),
                hint: Some(
                    "try again when it has finished, or wait longer with `--lock-timeout`".into(),
                ),
            });
        }
        Err(ApplyFailure::Verify(mismatch)) => return Err(stale(&mismatch)),
        Err(ApplyFailure::Store(error)) => {
            let mut failure = Failure::store(error, &url);
            failure
                .message
                .push_str("; the apply was rolled back and nothing was changed");
            return Err(failure);
        }
    };
    let s = &plan.summary;
    let revision = revision
        .map(|r| format!(", revision {r}"))
        .unwrap_or_default();
    output.message(&format!(
        "Applied to {}: {} created, {} updated, {} replaced, {} deleted (apply #{id}{revision}).\n",
        store.location(),
        s.create,
        s.update,
        s.replace,
        s.delete
    ));
    Ok(ExitStatus::Success)
}

/// Asks at a terminal; refuses elsewhere.
fn confirm(output: &Output, location: &str) -> Result<bool, Failure> {
    if !output.interactive || !std::io::stdin().is_terminal() {
        return Err(Failure {
            message: "not at a terminal, so there is nobody to confirm the apply".into(),
            hint: Some("review the plan above and pass `--yes` to apply it".into()),
        });
    }
    output.message(&format!(
        "\nApply these changes to {location}? Only `yes` is accepted: "
    ));
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::message(format!("cannot read the answer: {e}")))?;
    Ok(answer.trim() == "yes")
}

fn stale(mismatch: &Mismatch) -> Failure {
    let mut message =
        String::from("the live directory is no longer what the plan assumed; nothing was changed");
    for object in &mismatch.changed {
        message.push_str(&format!("\n  - {object} changed since the plan was made"));
    }
    for refusal in &mismatch.refusals {
        message.push_str(&format!(
            "\n  - {}: {}",
            refusal.message,
            refusal.reasons.join("; ")
        ));
    }
    Failure {
        message,
        hint: Some("plan again against the directory as it is now".into()),
    }
}

/// The folder whose git HEAD names the config's revision.
fn config_dir(path: &Path) -> Option<PathBuf> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()?.to_path_buf()
    };
    Some(if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    })
}

/// `GITHUB_SHA`, `CI_COMMIT_SHA`, or the git HEAD of the config's folder.
fn revision(dir: Option<&Path>) -> Option<String> {
    for variable in ["GITHUB_SHA", "CI_COMMIT_SHA"] {
        if let Ok(value) = std::env::var(variable)
            && !value.trim().is_empty()
        {
            return Some(value.trim().to_string());
        }
    }
    let output = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir?)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let head = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !head.trim().is_empty()).then(|| head.trim().to_string())
}

/// `GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, or the OS user.
pub(super) fn actor() -> String {
    [
        "GITHUB_ACTOR",
        "GITLAB_USER_LOGIN",
        "USER",
        "USERNAME",
        "LOGNAME",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
    .unwrap_or_else(|| "unknown".into())
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown host".into())
}

/// A progress bar on stderr, following the rows the store writes.
struct Progress {
    done: Arc<AtomicBool>,
    ticker: std::thread::JoinHandle<()>,
}

impl Progress {
    fn start(store: &Store, total: u64) -> Progress {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} applying [{bar:30}] {pos}/{len} rows ({elapsed})",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        let done = Arc::new(AtomicBool::new(false));
        let start = store.rows_written();
        let counters = store.counters();
        let ticker = {
            let done = done.clone();
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(
                        counters
                            .rows
                            .load(Ordering::Relaxed)
                            .saturating_sub(start)
                            .min(total),
                    );
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        };
        Progress { done, ticker }
    }

    fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.ticker.join();
    }
}
