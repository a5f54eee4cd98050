//! The command line: clap types, one file per subcommand. Each subcommand
//! parses its arguments, calls the core, renders, and returns an
//! [`ExitStatus`].

mod apply;
mod calendar;
mod completions;
mod coverage;
mod db;
mod drift;
mod edited;
mod export;
mod generate;
mod help;
mod history;
mod man;
mod offboard;
mod onboard;
mod origin;
mod output;
mod plan;
mod pull;
mod review;
mod schema;
mod serve;
mod settings;
mod show;
mod validate;
mod who_is_out;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use output::Output;
pub use settings::Settings;

use crate::apply::PendingConfig;
use crate::config::cache::Trust;
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

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// The on-call user directory as code.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about, long_about = None, max_term_width = 100, after_long_help = help::ROSTER)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a config offline: YAML, schema and every semantic rule.
    #[command(after_long_help = help::VALIDATE)]
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of a roster document.
    #[command(after_long_help = help::SCHEMA)]
    Schema(schema::SchemaArgs),
    /// Show what an apply would change in the live directory.
    #[command(after_long_help = help::PLAN)]
    Plan(plan::PlanArgs),
    /// Make the live directory what the config declares.
    #[command(after_long_help = help::APPLY)]
    Apply(apply::ApplyArgs),
    /// Report what changed in the live directory outside git (exit 2 when something did).
    #[command(after_long_help = help::DRIFT)]
    Drift(drift::DriftArgs),
    /// Who can be reached, per group, over time (exit 2 when there is a gap).
    #[command(after_long_help = help::COVERAGE)]
    Coverage(coverage::CoverageArgs),
    /// Write the live directory as roster YAML (optionally adopting it).
    #[command(after_long_help = help::EXPORT)]
    Export(export::ExportArgs),
    /// Generate a realistic directory of any size (benchmarks).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
    /// List past applies.
    #[command(after_long_help = help::HISTORY)]
    History(history::HistoryArgs),
    /// The live directory database: migrations and status.
    #[command(after_long_help = help::DB)]
    Db(db::DbArgs),
    /// A person's or group's shifts and absences as an iCalendar file; feed URLs.
    #[command(after_long_help = help::CALENDAR)]
    Calendar(calendar::CalendarArgs),
    /// Serve WebCal feeds of the live directory over HTTP.
    #[command(after_long_help = help::SERVE)]
    Serve(serve::ServeArgs),
    /// Who may approve each change of the config since a git revision (exit 2 when another approval is needed).
    #[command(after_long_help = help::REVIEW)]
    Review(review::ReviewArgs),
    /// Add or update people in the config from an HR export (CSV).
    #[command(after_long_help = help::ONBOARD)]
    Onboard(onboard::OnboardArgs),
    /// Edit the config so a person can leave: hand over, disable or remove.
    #[command(after_long_help = help::OFFBOARD)]
    Offboard(offboard::OffboardArgs),
    /// One person or group as the live directory knows them.
    #[command(after_long_help = help::SHOW)]
    Show(show::ShowArgs),
    /// Who is out of office over a period, and who covers them (default: this week).
    #[command(after_long_help = help::WHO_IS_OUT)]
    WhoIsOut(who_is_out::WhoIsOutArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_long_help = help::COMPLETIONS)]
    Completions(completions::CompletionsArgs),
    /// Print the manual page in roff, or write one per subcommand with `--out`.
    #[command(after_long_help = help::MAN)]
    Man(man::ManArgs),
    /// Write people's own changes to self-service fields into the config.
    #[command(after_long_help = help::PULL)]
    Pull(pull::PullArgs),
}

/// Runs a parsed command line with the settings of its environment.
pub fn run(cli: Cli, settings: &Settings) -> ExitStatus {
    crate::timing::init(settings.timings);
    let status = match cli.command {
        Command::Validate(args) => validate::run(args, settings),
        Command::Schema(args) => schema::run(args, settings),
        Command::Plan(args) => plan::run(args, settings),
        Command::Apply(args) => apply::run(args, settings),
        Command::Drift(args) => drift::run(args, settings),
        Command::Coverage(args) => coverage::run(args, settings),
        Command::Export(args) => export::run(args, settings),
        Command::Generate(args) => generate::run(args, settings),
        Command::History(args) => history::run(args, settings),
        Command::Db(args) => db::run(args, settings),
        Command::Calendar(args) => calendar::run(args, settings),
        Command::Serve(args) => serve::run(args, settings),
        Command::Review(args) => review::run(args, settings),
        Command::Onboard(args) => onboard::run(args, settings),
        Command::Offboard(args) => offboard::run(args, settings),
        Command::Show(args) => show::run(args, settings),
        Command::WhoIsOut(args) => who_is_out::run(args, settings),
        Command::Completions(args) => completions::run(args, settings),
        Command::Man(args) => man::run(args, settings),
        Command::Pull(args) => pull::run(args, settings),
    };
    match settings.output.write_error() {
        Some(error) => Failure {
            message: format!("cannot write the output to stdout: {error}"),
            hint: Some(
                "check the disk or the pipe stdout goes to; what was written is incomplete".into(),
            ),
            document: None,
        }
        .report(&settings.output),
        None => status,
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
        use crate::store::url::UrlError;
        DatabaseUrl::parse(&self.database_url).map_err(|e| {
            let hint = match &e {
                UrlError::Empty => "`--database-url` or `ROSTER_DATABASE_URL` is set to nothing (a CI secret that is not defined?); unset it to use `roster.db`, or give a SQLite file path or a `postgres://user@host/database` URL",
                UrlError::InMemory { .. } => "give a SQLite file path, such as `roster.db`, or a `postgres://user@host/database` URL",
                UrlError::Scheme { .. } => "use a SQLite file path or a `postgres://user@host/database` URL",
            };
            Failure {
                message: e.to_string(),
                hint: Some(hint.into()),
            document: None,
}
        })
    }
}

/// The version of the JSON document a command asked for JSON prints when
/// it fails.
pub const ERROR_FORMAT_VERSION: u32 = 1;

/// A command that could not finish: a message and a hint for the user.
#[derive(Debug)]
pub struct Failure {
    pub(crate) message: String,
    hint: Option<String>,
    /// What `--format json` prints on stdout for this failure, when it is
    /// more than the message: the findings of an invalid config.
    document: Option<String>,
}

impl Failure {
    fn message(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
            document: None,
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
            StoreError::Unreadable { .. } => Some(
                "roster reads only what a config could say; set the row to such a value on the platform, or with `roster db exec`".to_string(),
            ),
            StoreError::Inconsistent { .. } => Some(
                "a user or group was deleted with foreign keys off (the `sqlite3` shell's default); `PRAGMA foreign_key_check;` lists the rows left behind, and `PRAGMA foreign_keys = ON;` before a DELETE removes them with it".to_string(),
            ),
            _ => None,
        };
        Failure {
            message: url.redact(&output::error_chain(&error)),
            hint,
            document: None,
        }
    }

    fn report(self, output: &Output) -> ExitStatus {
        output.error(&self.message, self.hint.as_deref());
        ExitStatus::Failure
    }

    /// Reports the failure of a command asked for JSON: a JSON document on
    /// stdout too (a tool reading stdout gets a document, never nothing):
    /// an invalid config's findings as `roster validate --format json`
    /// prints them, else `{ format_version, error: { message, hint } }`.
    fn report_json(self, output: &Output) -> ExitStatus {
        if output.wrote_data() {
            // The command's own document is out; the error goes to stderr.
            return self.report(output);
        }
        let document = self.document.clone().unwrap_or_else(|| {
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "format_version": ERROR_FORMAT_VERSION,
                "roster_version": env!("CARGO_PKG_VERSION"),
                "error": { "message": self.message, "hint": self.hint },
            }))
            .expect("errors serialize");
            text.push('\n');
            text
        });
        output.data(&document);
        self.report(output)
    }
}

/// Opens the live directory, migrating it on first use.
async fn open_store(
    url: &DatabaseUrl,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Store, Failure> {
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

/// Waits for the config being read, prints what checking it found, and
/// stops the command on any error.
fn checked_config(
    pending: PendingConfig,
    path: &std::path::Path,
    output: &Output,
) -> Result<LoadedConfig, Failure> {
    let outcome = pending.into_outcome();
    config_errors(&outcome, path, output)?;
    let Ok(mut validated) = outcome else {
        unreachable!("a config that could be read");
    };
    print_findings(Some(&validated), output);
    Ok(LoadedConfig {
        desired: validated
            .desired
            .take()
            .expect("a config without errors has a desired state"),
        sources: validated.sources,
    })
}

/// Prints what checking a config found, if anything.
fn print_findings(validated: Option<&crate::config::Validated>, output: &Output) {
    if let Some(validated) = validated
        && !validated.diagnostics.is_empty()
    {
        output.message(&crate::report::diagnostics::human(
            &validated.diagnostics,
            &validated.sources,
            output.color,
        ));
    }
}

/// Stops the command, printing every finding, when the config could not
/// be read or has errors; prints nothing otherwise.
fn config_errors(
    outcome: &crate::apply::ConfigOutcome,
    path: &std::path::Path,
    output: &Output,
) -> Result<(), Failure> {
    let validated = outcome.as_ref().map_err(|e| Failure {
        message: output::error_chain(e),
        hint: Some("pass a roster YAML file or a directory of them".into()),
        document: None,
    })?;
    if validated.desired.is_some() {
        return Ok(());
    }
    print_findings(Some(validated), output);
    let (errors, _) = crate::diagnostic::counts(&validated.diagnostics);
    let document = crate::report::diagnostics::json(&validated.diagnostics, &validated.sources);
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
        document: Some(document),
    })
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
    settings: &Settings,
    url: &DatabaseUrl,
    bodies: bool,
    cache: Option<(std::path::PathBuf, Trust)>,
) -> Result<(LoadedConfig, Store, crate::model::live::LiveSnapshot), Failure> {
    let _stage = crate::timing::Stage::start("config and store: load");
    let (cache, trust) = cache.map_or((None, Trust::Private), |(dir, trust)| (Some(dir), trust));
    let reading = PendingConfig::read(path.to_path_buf(), now, cache, trust);
    let early = async {
        if url.engine() == crate::store::EngineKind::Sqlite
            && !std::path::Path::new(url.sqlite_path()).exists()
        {
            return Early {
                store: Ok(None),
                live: None,
            };
        }
        let stage = crate::timing::Stage::start("store: connect");
        let opened = Store::open(url).await;
        drop(stage);
        match opened {
            Ok(store) => Early {
                live: {
                    let _stage = crate::timing::Stage::start("store: load");
                    store.load_if_current(bodies).await
                },
                store: Ok(Some(store)),
            },
            Err(error) => Early {
                store: Err(error),
                live: None,
            },
        }
    };
    let early = early.await;
    let config = checked_config(reading, path, &settings.output)?;
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
            let store = open_store(url, now).await?;
            let live = store.load(bodies).await;
            (store, live)
        }
    };
    let live = live.map_err(|e| Failure::store(e, url))?;
    Ok((config, store, live))
}

/// Reads the recorded bodies a plan of `desired` needs into `live`.
async fn load_bodies(
    store: &Store,
    desired: &crate::model::DesiredState,
    live: &mut crate::model::live::LiveSnapshot,
) -> Result<(), Failure> {
    let needed = crate::plan::bodies_needed(desired, live);
    store
        .load_bodies(live, &needed)
        .await
        .map_err(|e| Failure::store(e, store.url()))
}

/// Leaves large values for the process's exit to reclaim.
fn release_at_exit<T>(value: T) {
    crate::release_at_exit(value);
}

/// The async runtime commands that use the database run on.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the async runtime starts")
}

/// Appends a Markdown report to the CI step summary (`GITHUB_STEP_SUMMARY`),
/// when there is one; a summary that cannot be written fails the command
/// rather than going missing without a word.
pub fn append_step_summary(settings: &settings::Settings, markdown: &str) -> Result<(), Failure> {
    use std::io::Write;
    let Some(path) = &settings.step_summary else {
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(format!("{markdown}\n").as_bytes()))
        .map_err(|e| Failure {
            message: format!(
                "cannot append the step summary to `{}` (`GITHUB_STEP_SUMMARY`): {e}",
                path.display()
            ),
            hint: Some("unset `GITHUB_STEP_SUMMARY` outside GitHub Actions".into()),
            document: None,
        })
}
