//! `roster generate` (hidden): a realistic directory of any size, written
//! as a per-user config and/or seeded into a live database as if applied —
//! for benchmarks (`bench/run.py`) and scale tests.

use std::path::PathBuf;

use clap::Args;

use super::settings::Settings;
use super::{ExitStatus, Failure};
use crate::export::{self, Layout, SCHEMA_FILE};
use crate::model::document::{Document, FORMAT_VERSION};
use crate::store::url::DatabaseUrl;
use crate::testkit::generate::{self, Shape};

/// Arguments of `roster generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many users.
    #[arg(long)]
    users: usize,
    /// The seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the directory as a per-user config into this (empty) directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seed this live database (migrated, empty) as if the config had been applied.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Also write this many new users to one file, for onboarding benchmarks.
    #[arg(long, value_name = "FILE", requires = "onboarding_users")]
    onboarding: Option<PathBuf>,
    /// How many new users the onboarding file holds.
    #[arg(long)]
    onboarding_users: Option<usize>,
}

/// Runs `roster generate`.
pub fn run(args: GenerateArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    match super::runtime().block_on(generate(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn generate(args: GenerateArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let (directory, platform) = generate::directory(Shape {
        users: args.users,
        seed: args.seed,
    });
    let write = |path: &std::path::Path, text: &str| {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Failure::message(format!("cannot create `{}`: {e}", parent.display()))
            })?;
        }
        std::fs::write(path, text)
            .map_err(|e| Failure::message(format!("cannot write `{}`: {e}", path.display())))
    };
    if let Some(dir) = &args.out {
        if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
            return Err(Failure::message(format!(
                "`{}` is not empty",
                dir.display()
            )));
        }
        let files = export::files(&directory, Layout::PerUser, &Default::default());
        for file in &files {
            write(&dir.join(&file.path), &file.text)?;
        }
        write(
            &dir.join(SCHEMA_FILE),
            &crate::model::schema::document_schema_text(),
        )?;
        output.message(&format!(
            "wrote {} users in {} files to `{}`\n",
            directory.users.len(),
            files.len(),
            dir.display()
        ));
    }
    if let (Some(file), Some(count)) = (&args.onboarding, args.onboarding_users) {
        let users = generate::new_users(count, directory.users.len(), args.seed ^ 0x6f6e_626f);
        let document = Document {
            version: FORMAT_VERSION,
            users: users.iter().map(export::spec::user_spec).collect(),
            ..Document::default()
        };
        write(
            file,
            &format!(
                "{}{}",
                export::schema_header(0),
                export::document_text(&document)
            ),
        )?;
        output.message(&format!(
            "wrote {count} new users to `{}`\n",
            file.display()
        ));
    }
    if let Some(url) = &args.database_url {
        let url = DatabaseUrl::parse(url).map_err(|e| Failure::message(e.to_string()))?;
        let store = super::open_store(&url, now).await?;
        let request = crate::apply::Request {
            now,
            lock: crate::store::LockOptions {
                timeout: std::time::Duration::from_secs(30),
                holder: format!("roster generate (pid {})", std::process::id()),
            },
            revision: None,
            actor: "roster generate".into(),
            note: None,
        };
        let plan = generate::seed_plan(&directory, now);
        let source = crate::apply::Source::Reviewed(plan);
        crate::apply::apply(&store, source, &request, &|_| {})
            .await
            .map_err(|e| match e {
                crate::apply::ApplyError::Store(error) => Failure::store(error, &url),
                other => Failure::message(format!("seeding {} failed: {other}", url.masked())),
            })?;
        store
            .run_script(&generate::platform_sql(&platform))
            .await
            .map_err(|e| Failure::store(e, &url))?;
        output.message(&format!(
            "seeded {} with {} users as applied\n",
            store.location(),
            directory.users.len()
        ));
    }
    Ok(ExitStatus::Success)
}
