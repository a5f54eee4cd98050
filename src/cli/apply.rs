//! `roster apply [PATH] | --plan PLAN`: make the live directory what the
//! config declares, in one transaction, under a lock, on the record. This
//! file parses arguments, asks, shows progress and renders; the apply
//! itself is [`crate::apply::apply`].

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use super::origin;
use super::output::{self, Output};
use super::plan::GuardArgs;
use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::apply::{self, ApplyError, Mismatch, Outcome, PendingConfig, Request, Source};
use crate::config::cache::Trust;
use crate::plan::Plan;
use crate::plan::file::PlanFile;
use crate::report::plan::{self as render, RenderOptions};
use crate::report::redact::Redactor;
use crate::store::{DatabaseUrl, LockOptions, Store};

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
pub fn run(args: ApplyArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    match super::runtime().block_on(apply(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn apply(args: ApplyArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    let options = RenderOptions {
        location: url.masked().to_string(),
        redactor: Redactor {
            show_values: args.show_values,
        },
        color: output.data_color,
        revision: settings.ci_revision.clone(),
    };

    // A plan is shown before the lock is taken when one is reviewed (a
    // saved one, or one confirmed at a terminal), and otherwise after the
    // apply has committed or stopped: never while the directory is locked.
    let (source, config_dir) = match (&args.plan, &args.path) {
        (Some(file), _) => (
            Source::Reviewed(saved_plan(file, &url, settings.plan_key.as_deref())?),
            std::env::current_dir().ok(),
        ),
        (None, path) => {
            let path = path.clone().unwrap_or_else(|| PathBuf::from("."));
            let dir = origin::config_dir(&path);
            // An apply uses only a cache nobody else could have written:
            // what the cache says becomes what the apply writes.
            let config = PendingConfig::read(
                path.clone(),
                now,
                settings.cache_dir.clone(),
                Trust::Private,
            );
            let source = if args.yes {
                Source::Config {
                    config,
                    options: args.guards.options(),
                }
            } else {
                let config = super::checked_config(config, &path, output)?;
                let store = super::open_store(&url, now).await?;
                let live = store
                    .load(false)
                    .await
                    .map_err(|e| Failure::store(e, &url))?;
                store.close().await;
                let plan = crate::plan::plan(&config.desired, &live, now, args.guards.options());
                super::release_at_exit((config, live));
                Source::Reviewed(plan)
            };
            (source, dir)
        }
    };
    let path = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    // The store opened to see whether the database is ready, kept for the
    // apply: each connection to PostgreSQL is a TLS handshake.
    let mut ready_store = None;
    let source = match source {
        Source::Reviewed(plan) => {
            if let Err(status) = show(&plan, &options, output) {
                return Ok(status);
            }
            if !args.yes && !confirm(output, url.masked())? {
                output.message("Apply cancelled; nothing was changed.\n");
                return Ok(ExitStatus::Failure);
            }
            Source::Reviewed(plan)
        }
        Source::Config {
            mut config,
            options,
        } => {
            // A database to create or migrate waits for a good config, so
            // that a bad one changes nothing.
            ready_store = ready(&url).await;
            if ready_store.is_none() {
                super::config_errors(config.wait(), &path, output)?;
            }
            Source::Config { config, options }
        }
    };

    let store = match ready_store {
        Some(store) => store,
        None => super::open_store(&url, now).await?,
    };
    let actor = origin::actor(args.actor.as_deref(), settings);
    let request = Request {
        now,
        lock: LockOptions {
            timeout: Duration::from_secs(args.lock_timeout),
            holder: format!(
                "roster apply by {actor} on {} (pid {})",
                settings.host,
                std::process::id()
            ),
        },
        revision: origin::revision(args.revision.as_deref(), settings, config_dir.as_deref()),
        actor,
        note: None,
    };
    let progress = output.interactive.then(|| Progress::start(&store));
    let set_total = |rows: u64| {
        if let Some(progress) = &progress {
            progress.set_total(rows);
        }
    };
    let result = apply::apply(&store, source, &request, &set_total).await;
    if let Some(progress) = progress {
        progress.finish();
    }
    let (id, plan) = match result {
        Ok(Outcome::Applied { id, plan, findings }) => {
            super::print_findings(findings.as_ref(), output);
            if !plan_was_shown(&args) {
                let _ = show(&plan, &options, output);
            }
            (id, plan)
        }
        Ok(Outcome::Nothing { plan, findings } | Outcome::Refused { plan, findings }) => {
            super::print_findings(findings.as_ref(), output);
            let status = show(&plan, &options, output)
                .err()
                .unwrap_or(ExitStatus::Success);
            return Ok(status);
        }
        Err(error) => return Err(apply_failure(error, &store, &args, &path, output)),
    };
    let s = plan.summary;
    let revision = request
        .revision
        .map(|r| format!(", revision {r}"))
        .unwrap_or_default();
    output.message(&crate::report::escape::text_lines(&format!(
        "Applied to {}: {} created, {} updated, {} replaced, {} deleted (apply #{id}{revision}).\n",
        store.location(),
        s.create,
        s.update,
        s.replace,
        s.delete
    )));
    super::release_at_exit(plan);
    Ok(ExitStatus::Success)
}

/// Whether the plan was shown before the lock was taken.
fn plan_was_shown(args: &ApplyArgs) -> bool {
    args.plan.is_some() || !args.yes
}

/// Shows a plan; `Err` with the exit status when it must not or need not
/// be applied.
fn show(plan: &Plan, options: &RenderOptions, output: &Output) -> Result<(), ExitStatus> {
    output.data(&options.redactor.names(&render::text::render(plan, options)));
    if !plan.refusals.is_empty() {
        output.error(&options.redactor.names(&render::text::refusals(plan)), None);
        return Err(ExitStatus::Failure);
    }
    if !plan.has_work() {
        output.message("Nothing to apply.\n");
        return Err(ExitStatus::Success);
    }
    Ok(())
}

/// A saved plan, made against this database by this roster, and
/// consistent.
fn saved_plan(file: &Path, url: &DatabaseUrl, key: Option<&[u8]>) -> Result<Plan, Failure> {
    let refused = |e: crate::plan::file::PlanFileError| Failure {
        message: format!(
            "`{}`: {}; nothing was changed",
            file.display(),
            output::error_chain(&e)
        ),
        hint: Some("plan again with `roster plan --out`".into()),
        document: None,
    };
    let saved = PlanFile::read(file).map_err(refused)?;
    if let Some(key) = key {
        saved.verify(key).map_err(refused)?;
    }
    if saved.database != url.masked() {
        return Err(Failure {
            message: format!(
                "the plan was made for the directory at {}, not {}",
                saved.database,
                url.masked()
            ),
            hint: Some(
                "apply it with the `--database-url` it was planned against, or plan again".into(),
            ),
            document: None,
        });
    }
    let problems = crate::plan::check::problems(&saved.plan);
    if !problems.is_empty() {
        return Err(inconsistent(file, &problems));
    }
    Ok(saved.plan)
}

fn inconsistent(file: &Path, problems: &[String]) -> Failure {
    let mut message = format!(
        "`{}` is not a plan roster made: it was edited or damaged; nothing was changed",
        file.display()
    );
    for problem in problems {
        message.push_str(&format!("\n  - {problem}"));
    }
    Failure {
        message,
        hint: Some("plan again with `roster plan --out`".into()),
        document: None,
    }
}

/// The database, open, when it exists and its schema is current, so that
/// it can be locked and read while the config is still being read.
async fn ready(url: &DatabaseUrl) -> Option<Store> {
    if url.engine() == crate::store::EngineKind::Sqlite && !Path::new(url.sqlite_path()).exists() {
        return None;
    }
    let store = Store::open(url).await.ok()?;
    match store.is_current().await {
        true => Some(store),
        false => {
            store.close().await;
            None
        }
    }
}

fn apply_failure(
    error: ApplyError,
    store: &Store,
    args: &ApplyArgs,
    path: &Path,
    output: &Output,
) -> Failure {
    match error {
        ApplyError::Config(outcome) => match super::config_errors(&outcome, path, output) {
            Err(failure) => failure,
            Ok(()) => Failure::message("the config cannot be applied"),
        },
        ApplyError::Inconsistent(problems) => inconsistent(
            args.plan.as_deref().unwrap_or(Path::new("the plan")),
            &problems,
        ),
        ApplyError::Locked { holder } => {
            let holder = holder.map(|h| format!(" ({h})")).unwrap_or_default();
            Failure {
                message: format!(
                    "another apply holds the lock on {}{holder}; waited {} s and changed nothing",
                    store.location(),
                    args.lock_timeout
                ),
                hint: Some(
                    "try again when it has finished, or wait longer with `--lock-timeout`".into(),
                ),
                document: None,
            }
        }
        ApplyError::Stale(mismatch) => stale(
            &mismatch,
            Redactor {
                show_values: args.show_values,
            },
        ),
        ApplyError::Store(error) => {
            let mut failure = Failure::store(error, store.url());
            failure
                .message
                .push_str("; the apply was rolled back and nothing was changed");
            failure
        }
    }
}

/// Asks at a terminal; refuses elsewhere.
fn confirm(output: &Output, location: &str) -> Result<bool, Failure> {
    if !output.interactive || !std::io::stdin().is_terminal() {
        return Err(Failure {
            message: "not at a terminal, so there is nobody to confirm the apply".into(),
            hint: Some("review the plan above and pass `--yes` to apply it".into()),
            document: None,
        });
    }
    output.message(&format!(
        "\nApply these changes to {}? Only `yes` is accepted: ",
        crate::report::escape::text(location)
    ));
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::message(format!("cannot read the answer: {e}")))?;
    Ok(answer.trim() == "yes")
}

fn stale(mismatch: &Mismatch, redactor: Redactor) -> Failure {
    let mut message =
        String::from("the live directory is no longer what the plan assumed; nothing was changed");
    for object in &mismatch.changed {
        message.push_str(&format!("\n  - {object} changed since the plan was made"));
    }
    for object in &mismatch.missing {
        message.push_str(&format!(
            "\n  - {object}, which the plan refers to, no longer exists"
        ));
    }
    for refusal in &mismatch.refusals {
        message.push_str(&format!(
            "\n  - {}: {}",
            refusal.message,
            refusal.reasons.join("; ")
        ));
    }
    Failure {
        message: redactor.names(&message).into_owned(),
        hint: Some("plan again against the directory as it is now".into()),
        document: None,
    }
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
