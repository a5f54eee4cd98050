//! `roster pull [PATH]`: people's own changes to self-service fields,
//! from the live directory into the config files.

use std::path::PathBuf;

use clap::Args;

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure, edited};

/// Arguments of `roster pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// A roster document, or a directory of them.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print the diff and write nothing; exit 2 when the config is behind
    /// (for CI).
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Runs `roster pull`.
pub fn run(args: PullArgs, settings: &Settings) -> ExitStatus {
    match super::runtime().block_on(pull(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(&settings.output),
    }
}

async fn pull(args: PullArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    if url.engine() == crate::store::EngineKind::Sqlite
        && !std::path::Path::new(url.sqlite_path()).exists()
    {
        return Err(Failure {
            document: None,
            message: format!("no live directory at `{}` to pull from", url.sqlite_path()),
            hint: Some("point `--database-url` / `ROSTER_DATABASE_URL` at the directory".into()),
        });
    }
    let (config, store, mut live) =
        super::config_and_live(&args.path, now, settings, &url, false, None).await?;
    let suspects = crate::drift::suspects(&live);
    store
        .load_bodies(&mut live, &suspects)
        .await
        .map_err(|e| Failure::store(e, &url))?;
    let report = crate::drift::drift(&live, Some(&config.desired), now);
    let mut files = edited::open(&args.path)?;
    let pulled = crate::pull::pull(&mut files, &report, &config.desired, &live)
        .map_err(|e| Failure::message(format!("cannot edit the config: {e}")))?;
    for person in &pulled {
        output.message(&format!(
            "pull: `{}` changed {}\n",
            person.user,
            person.fields.join(", ")
        ));
    }
    edited::finish(&files, args.check, now, output, "pull")
}
