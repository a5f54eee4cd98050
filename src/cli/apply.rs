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
use crate::plan::file::PlanFile;
use crate::plan::{self, Plan};
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

/// Why an apply stopped inside its transaction, having written nothing.
enum Stop {
    /// The directory changed since the plan was reviewed.
    Stale(Mismatch),
    /// A guard refused the plan.
    Refused,
    /// There was nothing to do.
    Nothing,
    /// The config, read while the lock was taken, has errors.
    Config(Failure),
}

/// The config being read on its own thread while the database is opened,
/// locked and read: the two take about as long at scale.
struct Reading {
    path: PathBuf,
    thread: Option<std::thread::JoinHandle<ReadResult>>,
    checked: Option<crate::model::DesiredState>,
}

type ReadResult = Result<crate::config::Validated, crate::config::ConfigError>;

impl Reading {
    fn start(path: PathBuf, now: chrono::DateTime<chrono::Utc>) -> Reading {
        let thread = std::thread::spawn({
            let path = path.clone();
            move || super::read_config(&path, now)
        });
        Reading {
            path,
            thread: Some(thread),
            checked: None,
        }
    }

    /// The config once read; its findings are printed the first time.
    fn finish(&mut self, output: &Output) -> Result<&crate::model::DesiredState, Failure> {
        if let Some(thread) = self.thread.take() {
            let validated = thread
                .join()
                .map_err(|_| Failure::message("reading the config failed"))?;
            let config = super::checked_config(validated, &self.path, output)?;
            super::release_at_exit(config.sources);
            self.checked = Some(config.desired);
        }
        Ok(self
            .checked
            .as_ref()
            .expect("a config once the reading thread has finished"))
    }
}

async fn apply(args: ApplyArgs, output: &Output) -> Result<ExitStatus, Failure> {
    let now = output::now().map_err(Failure::message)?;
    let url = args.database.url()?;
    let options = RenderOptions {
        location: url.masked().to_string(),
        redactor: Redactor {
            show_values: args.show_values,
        },
        color: output.data_color,
    };
    // Shows a plan; false when it must not or need not be applied.
    let show = |plan: &Plan| {
        output.data(&render::text::render(plan, &options));
        if !plan.refusals.is_empty() {
            output.error(&render::text::refusals(plan), None);
            return Err(ExitStatus::Failure);
        }
        if !plan.has_changes() && plan.adopt.is_empty() {
            output.message("Nothing to apply.\n");
            return Err(ExitStatus::Success);
        }
        Ok(())
    };

    // A plan reviewed before the lock is taken (a saved one, or one shown
    // at a terminal for confirmation) is verified inside the transaction;
    // with `--yes` and a config, planning happens inside it, on the data
    // the apply writes over.
    let (reviewed, desired, config_dir) = match (&args.plan, &args.path) {
        (Some(file), _) => {
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
            (Some(saved.plan), None, std::env::current_dir().ok())
        }
        (None, path) => {
            let path = path.clone().unwrap_or_else(|| PathBuf::from("."));
            let dir = config_dir(&path);
            if args.yes {
                (None, Some(Reading::start(path, now)), dir)
            } else {
                let config = super::load_config(&path, now, output)?;
                let store = super::open_store(&url).await?;
                let live = store
                    .load(false)
                    .await
                    .map_err(|e| Failure::store(e, &url))?;
                store.close().await;
                (
                    Some(plan::plan(
                        &config.desired,
                        &live,
                        now,
                        args.guards.options(),
                    )),
                    None,
                    dir,
                )
            }
        }
    };
    if let Some(plan) = &reviewed {
        if let Err(status) = show(plan) {
            return Ok(status);
        }
        if !args.yes && !confirm(output, url.masked())? {
            output.message("Apply cancelled; nothing was changed.\n");
            return Ok(ExitStatus::Failure);
        }
    }

    // The config is read while the database is locked and read, when the
    // database is ready; a database to create or migrate waits for a good
    // config, so that a bad one changes nothing.
    let mut desired = desired;
    let store = match (&mut desired, ready_store(&url).await) {
        (_, Some(store)) => store,
        (Some(reading), None) => {
            reading.finish(output)?;
            super::open_store(&url).await?
        }
        (None, None) => super::open_store(&url).await?,
    };
    let revision = args
        .revision
        .clone()
        .or_else(|| revision(config_dir.as_deref()));
    let actor = args.actor.clone().unwrap_or_else(actor);
    let lock = LockOptions {
        timeout: Duration::from_secs(args.lock_timeout),
        holder: format!(
            "roster apply by {actor} on {} (pid {})",
            host(),
            std::process::id()
        ),
    };
    let progress = output.interactive.then(|| Progress::start(&store));
    let mut summary = None;
    let result = store
        .apply(&lock, |live| {
            let planned = match &reviewed {
                Some(plan) => {
                    apply::verify(plan, live, now).map_err(Stop::Stale)?;
                    None
                }
                None => {
                    let desired = desired
                        .as_mut()
                        .expect("a config when no plan was reviewed")
                        .finish(output)
                        .map_err(Stop::Config)?;
                    let _stage = crate::timing::Stage::start("apply: plan");
                    Some(plan::plan(desired, live, now, args.guards.options()))
                }
            };
            let plan = planned
                .as_ref()
                .or(reviewed.as_ref())
                .expect("a plan, reviewed or made here");
            // The record of the apply is made on the other core while the
            // plan is shown and turned into rows.
            let decided = std::thread::scope(|scope| {
                let entry = scope
                    .spawn(|| apply::history_entry(plan, revision.clone(), actor.clone(), now));
                if planned.is_some() {
                    let _stage = crate::timing::Stage::start("apply: show the plan");
                    show(plan).map_err(|status| {
                        if status == ExitStatus::Success {
                            Stop::Nothing
                        } else {
                            Stop::Refused
                        }
                    })?;
                }
                let stage = crate::timing::Stage::start("apply: change set");
                let changes = apply::change_set(plan);
                drop(stage);
                if let Some(progress) = &progress {
                    progress.set_total(changes.rows());
                }
                summary = Some(plan.summary);
                let entry = entry
                    .join()
                    .expect("making the history entry does not panic");
                Ok((changes, entry))
            });
            super::release_at_exit(planned);
            decided
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
        Err(ApplyFailure::Verify(Stop::Stale(mismatch))) => return Err(stale(&mismatch)),
        Err(ApplyFailure::Verify(Stop::Refused)) => return Ok(ExitStatus::Failure),
        Err(ApplyFailure::Verify(Stop::Nothing)) => return Ok(ExitStatus::Success),
        Err(ApplyFailure::Verify(Stop::Config(failure))) => return Err(failure),
        Err(ApplyFailure::Store(error)) => {
            let mut failure = Failure::store(error, &url);
            failure
                .message
                .push_str("; the apply was rolled back and nothing was changed");
            return Err(failure);
        }
    };
    let s = summary.unwrap_or_default();
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

/// The store when the database exists and its schema is current, so that
/// it can be locked and read while the config is still being read.
async fn ready_store(url: &crate::store::DatabaseUrl) -> Option<Store> {
    if url.engine() == crate::store::EngineKind::Sqlite && !Path::new(url.sqlite_path()).exists() {
        return None;
    }
    let store = Store::open(url).await.ok()?;
    if store.is_current().await {
        Some(store)
    } else {
        store.close().await;
        None
    }
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
    .or_else(account_name)
    .unwrap_or_else(|| "unknown".into())
}

/// The name of the account the process runs as, from the user database:
/// containers and service managers often set no `USER`.
#[cfg(target_os = "linux")]
fn account_name() -> Option<String> {
    let mut entry = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes the entry into `entry`, its strings into
    // `buffer` (whose length it is given), and sets `found` to `entry` on
    // success or to null; the name is read only on success, while `buffer`
    // is alive.
    unsafe {
        let code = libc::getpwuid_r(
            libc::getuid(),
            entry.as_mut_ptr(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        );
        if code != 0 || found.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr((*found).pw_name);
        name.to_str().ok().map(str::to_string)
    }
}

#[cfg(not(target_os = "linux"))]
fn account_name() -> Option<String> {
    None
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown host".into())
}

/// How long an apply runs before its progress is shown.
const SHOW_PROGRESS_AFTER: Duration = Duration::from_millis(500);

/// A progress bar on stderr, following the rows the store writes.
struct Progress {
    done: Arc<AtomicBool>,
    total: Arc<std::sync::atomic::AtomicU64>,
    ticker: std::thread::JoinHandle<()>,
}

impl Progress {
    fn start(store: &Store) -> Progress {
        // Drawn only once the rows to write are known and the apply has
        // taken a while: a small apply finishes without a flash of a bar.
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::hidden(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} applying [{bar:30}] {pos}/{len} rows ({elapsed})",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        let done = Arc::new(AtomicBool::new(false));
        let total = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let start = store.rows_written();
        let counters = store.counters();
        let ticker = {
            let (done, total) = (done.clone(), total.clone());
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let mut shown = false;
                while !done.load(Ordering::Relaxed) {
                    let length = total.load(Ordering::Relaxed);
                    if !shown && length > 0 && started.elapsed() >= SHOW_PROGRESS_AFTER {
                        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                        shown = true;
                    }
                    bar.set_length(length);
                    bar.set_position(
                        counters
                            .rows
                            .load(Ordering::Relaxed)
                            .saturating_sub(start)
                            .min(length),
                    );
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        };
        Progress {
            done,
            total,
            ticker,
        }
    }

    /// How many rows the apply writes, once known.
    fn set_total(&self, rows: u64) {
        self.total.store(rows, Ordering::Relaxed);
    }

    fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.ticker.join();
    }
}
