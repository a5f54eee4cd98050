//! The command line: clap types, one file per subcommand. Each subcommand
//! parses its arguments, calls the core, renders, and returns an
//! [`ExitStatus`].

mod apply;
mod calendar;
mod db;
mod drift;
mod export;
mod generate;
mod history;
mod output;
mod plan;
mod schema;
mod serve;
mod validate;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use output::Output;

use crate::store::url::{DEFAULT_DATABASE, DatabaseUrl};
use crate::store::{Store, StoreError};

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success, nothing to do.
    Success,
    /// An error: bad input, a refused plan, a failure.
    Failure,
    /// Success, and there are changes or drift.
    Changes,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
        })
    }
}

/// The on-call user directory as code.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a config offline: YAML, schema and every semantic rule.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of a roster document.
    Schema(schema::SchemaArgs),
    /// Show what an apply would change in the live directory.
    Plan(plan::PlanArgs),
    /// Make the live directory what the config declares.
    Apply(apply::ApplyArgs),
    /// Report what changed in the live directory outside git (exit 2 when something did).
    Drift(drift::DriftArgs),
    /// Write the live directory as roster YAML (optionally adopting it).
    Export(export::ExportArgs),
    /// Generate a realistic directory of any size (benchmarks).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
    /// List past applies.
    History(history::HistoryArgs),
    /// The live directory database: migrations and status.
    Db(db::DbArgs),
    /// A person's or group's shifts and absences as an iCalendar file; feed URLs.
    Calendar(calendar::CalendarArgs),
    /// Serve WebCal feeds of the live directory over HTTP.
    Serve(serve::ServeArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    let output = Output::from_env();
    match cli.command {
        Command::Validate(args) => validate::run(args, &output),
        Command::Schema(args) => schema::run(args, &output),
        Command::Plan(args) => plan::run(args, &output),
        Command::Apply(args) => apply::run(args, &output),
        Command::Drift(args) => drift::run(args, &output),
        Command::Export(args) => export::run(args, &output),
        Command::Generate(args) => generate::run(args, &output),
        Command::History(args) => history::run(args, &output),
        Command::Db(args) => db::run(args, &output),
        Command::Calendar(args) => calendar::run(args, &output),
        Command::Serve(args) => serve::run(args, &output),
    }
}

/// Where the live directory is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The live directory database: a SQLite file path (`sqlite:` URLs too)
    /// or a `postgres://` URL.
    #[arg(long, env = "ROSTER_DATABASE_URL", default_value = DEFAULT_DATABASE, hide_env_values = true)]
    database_url: String,
}

impl DatabaseArgs {
    fn url(&self) -> Result<DatabaseUrl, Failure> {
        DatabaseUrl::parse(&self.database_url).map_err(|e| Failure {
            message: e.to_string(),
            hint: Some("use a SQLite file path or a `postgres://user@host/database` URL".into()),
        })
    }
}

/// A command that could not finish: a message and a hint for the user.
#[derive(Debug)]
pub struct Failure {
    pub(crate) message: String,
    hint: Option<String>,
}

impl Failure {
    fn message(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
        }
    }

    /// A store error, with any password in the URL removed from the text.
    fn store(error: StoreError, url: &DatabaseUrl) -> Failure {
        let hint = match &error {
            StoreError::Connect { .. } => {
                Some("check `--database-url` / `ROSTER_DATABASE_URL`".to_string())
            }
            StoreError::NewerDatabase { .. } => {
                Some("upgrade roster to use this database".to_string())
            }
            StoreError::Inconsistent { .. } => Some(
                "a user or group was deleted with foreign keys off (the `sqlite3` shell's default); `PRAGMA foreign_key_check;` lists the rows left behind, and `PRAGMA foreign_keys = ON;` before a DELETE removes them with it".to_string(),
            ),
            _ => None,
        };
        Failure {
            message: url.redact(&output::error_chain(&error)),
            hint,
        }
    }

    fn report(self, output: &Output) -> ExitStatus {
        output.error(&self.message, self.hint.as_deref());
        ExitStatus::Failure
    }
}

/// Opens the live directory, migrating it on first use.
async fn open_store(url: &DatabaseUrl) -> Result<Store, Failure> {
    let now = output::now().map_err(Failure::message)?;
    let store = Store::open(url).await.map_err(|e| Failure::store(e, url))?;
    store
        .migrate(now)
        .await
        .map_err(|e| Failure::store(e, url))?;
    Ok(store)
}

/// A config that passed every offline check.
struct LoadedConfig {
    desired: crate::model::DesiredState,
    sources: crate::config::source::Sources,
}

/// Loads and checks the config at `path`; findings go to stderr, and any
/// error stops the command.
fn load_config(
    path: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
    output: &Output,
) -> Result<LoadedConfig, Failure> {
    checked_config(read_config(path, now), path, output)
}

/// Reads and checks the config at `path`, with the cache, printing nothing.
fn read_config(
    path: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::config::Validated, crate::config::ConfigError> {
    let cache = crate::config::cache::default_dir();
    crate::config::load_cached(path, now, cache.as_deref())
}

/// Prints what checking the config found; any error stops the command.
fn checked_config(
    validated: Result<crate::config::Validated, crate::config::ConfigError>,
    path: &std::path::Path,
    output: &Output,
) -> Result<LoadedConfig, Failure> {
    let validated = validated.map_err(|e| Failure {
        message: output::error_chain(&e),
        hint: Some("pass a roster YAML file or a directory of them".into()),
    })?;
    if !validated.diagnostics.is_empty() {
        output.message(&crate::report::diagnostics::human(
            &validated.diagnostics,
            &validated.sources,
            output.color,
        ));
    }
    match validated.desired {
        Some(desired) => Ok(LoadedConfig {
            desired,
            sources: validated.sources,
        }),
        None => {
            let (errors, _) = crate::diagnostic::counts(&validated.diagnostics);
            Err(Failure {
                message: format!(
                    "the config at `{}` has {} and cannot be planned",
                    path.display(),
                    validate::plural(errors, "error")
                ),
                hint: Some(format!(
                    "`roster validate {}` checks it offline",
                    path.display()
                )),
            })
        }
    }
}

/// What reading the database found while the config was being read: the
/// store once opened (none when the SQLite file does not exist yet), and
/// the snapshot when the schema was current (else the database is
/// migrated once the config is known to be good).
struct Early {
    store: Result<Option<Store>, StoreError>,
    live: Option<Result<crate::model::live::LiveSnapshot, StoreError>>,
}

/// The config at `path` and the live snapshot, read at the same time (the
/// config on its own threads, the database meanwhile). The config is
/// judged first, so a bad config fails the same way whatever the database
/// does; and until it is judged good the database is only read: a database
/// that needs migrating or does not exist yet waits for it.
async fn config_and_live(
    path: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
    output: &Output,
    url: &DatabaseUrl,
    bodies: bool,
) -> Result<(LoadedConfig, Store, crate::model::live::LiveSnapshot), Failure> {
    let _stage = crate::timing::Stage::start("config and store: load");
    let reading = tokio::task::spawn_blocking({
        let path = path.to_path_buf();
        move || read_config(&path, now)
    });
    let early = async {
        if url.engine() == crate::store::EngineKind::Sqlite
            && !std::path::Path::new(url.sqlite_path()).exists()
        {
            return Early {
                store: Ok(None),
                live: None,
            };
        }
        match Store::open(url).await {
            Ok(store) => Early {
                live: match store.is_current().await {
                    true => Some(store.load(bodies).await),
                    false => None,
                },
                store: Ok(Some(store)),
            },
            Err(error) => Early {
                store: Err(error),
                live: None,
            },
        }
    };
    let (validated, early) = futures_util::future::join(reading, early).await;
    let validated =
        validated.map_err(|e| Failure::message(format!("reading the config failed: {e}")))?;
    let config = checked_config(validated, path, output)?;
    let (store, live) = match early.store.map_err(|e| Failure::store(e, url))? {
        Some(store) => match early.live {
            Some(live) => (store, live),
            None => {
                store
                    .migrate(now)
                    .await
                    .map_err(|e| Failure::store(e, url))?;
                let live = store.load(bodies).await;
                (store, live)
            }
        },
        None => {
            let store = open_store(url).await?;
            let live = store.load(bodies).await;
            (store, live)
        }
    };
    let live = live.map_err(|e| Failure::store(e, url))?;
    Ok((config, store, live))
}

/// Leaves large values for the process's exit to reclaim: freeing a
/// 100,000-user directory object by object takes a noticeable part of a
/// second, and the process ends right after the command.
fn release_at_exit<T>(value: T) {
    std::mem::forget(value);
}

/// The async runtime commands that use the database run on.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the async runtime starts")
}
