//! `roster db migrate|status|exec`: the database's schema, and a way to run
//! SQL against it (to stand in for the platform in demos and tests).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::Output;
use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus};
use crate::store::Store;

/// Arguments of `roster db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply pending schema migrations (every command does this on first use).
    #[command(after_long_help = super::help::DB)]
    Migrate(DatabaseArgs),
    /// Show the engine, the location and which migrations are applied.
    #[command(after_long_help = super::help::DB)]
    Status(DatabaseArgs),
    /// Run a SQL file in one transaction, e.g. to record what the platform
    /// would (on-call shifts, push devices, contact verification).
    #[command(after_long_help = super::help::DB)]
    Exec {
        /// The SQL file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Runs `roster db …`.
pub fn run(args: DbArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let runtime = super::runtime();
    let result = runtime.block_on(async {
        match args.command {
            DbCommand::Migrate(database) => migrate(&database, settings).await,
            DbCommand::Status(database) => status(&database, output).await,
            DbCommand::Exec { file, database } => exec(&file, &database, settings).await,
        }
    });
    match result {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn migrate(
    database: &DatabaseArgs,
    settings: &Settings,
) -> Result<ExitStatus, super::Failure> {
    let output = &settings.output;
    let url = database.url()?;
    let now = settings.now()?;
    let store = Store::open(&url)
        .await
        .map_err(|e| super::Failure::store(e, &url))?;
    let applied = store
        .migrate(now)
        .await
        .map_err(|e| super::Failure::store(e, &url))?;
    if applied.is_empty() {
        output.message(&format!("{} is up to date\n", store.location()));
    } else {
        for migration in &applied {
            output.message(&format!(
                "applied migration {} ({})\n",
                migration.version, migration.description
            ));
        }
    }
    Ok(ExitStatus::Success)
}

async fn status(database: &DatabaseArgs, output: &Output) -> Result<ExitStatus, super::Failure> {
    let url = database.url()?;
    let store = Store::open(&url)
        .await
        .map_err(|e| super::Failure::store(e, &url))?;
    let status = store
        .status()
        .await
        .map_err(|e| super::Failure::store(e, &url))?;
    let total = status.applied.len() + status.pending.len();
    let state = if status.pending.is_empty() {
        format!(
            "up to date ({} of {total} migrations applied)",
            status.applied.len()
        )
    } else {
        format!("{} of {total} migrations pending", status.pending.len())
    };
    let mut text = format!(
        "engine:    {}\nlocation:  {}\nschema:    {state}\n",
        store.engine().name(),
        store.location()
    );
    for applied in &status.applied {
        text.push_str(&format!(
            "  {:>4}  applied  {}  {}\n",
            applied.version,
            applied.applied_at.format("%Y-%m-%dT%H:%M:%SZ"),
            applied.description
        ));
    }
    for pending in &status.pending {
        text.push_str(&format!(
            "  {:>4}  pending  {:20}  {}\n",
            pending.version, "", pending.description
        ));
    }
    output.data(&text);
    Ok(ExitStatus::Success)
}

async fn exec(
    file: &std::path::Path,
    database: &DatabaseArgs,
    settings: &Settings,
) -> Result<ExitStatus, super::Failure> {
    let output = &settings.output;
    let sql = std::fs::read_to_string(file)
        .map_err(|e| super::Failure::message(format!("cannot read `{}`: {e}", file.display())))?;
    let url = database.url()?;
    let store = super::open_store(&url, settings.now()?).await?;
    store
        .run_script(&sql)
        .await
        .map_err(|e| super::Failure::store(e, &url))?;
    output.message(&format!(
        "ran `{}` against {}\n",
        file.display(),
        store.location()
    ));
    Ok(ExitStatus::Success)
}
