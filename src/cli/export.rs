//! `roster export`: the live directory as roster YAML — to adopt a
//! directory made by hand, with a round-trip guarantee.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::apply::{self, ApplyError, Request, Source};
use crate::config::source::SourceFile;
use crate::export::{self, Layout, SCHEMA_FILE};
use crate::model::live::LiveSnapshot;
use crate::store::LockOptions;

/// Arguments of `roster export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the files into this directory instead of one document to stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// How to spread the directory over files (with `--out`).
    #[arg(long, value_enum, default_value_t = LayoutArg::Single, requires = "out")]
    layout: LayoutArg,
    /// Replace the roster files of a non-empty `--out` directory.
    #[arg(long, requires = "out")]
    force: bool,
    /// Record every exported object as managed by roster (last-applied =
    /// live), so the next plan is empty and drift starts from here.
    #[arg(long)]
    adopt: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Export layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// One file, `roster.yaml`.
    Single,
    /// A file per group (with the users whose first group it is).
    PerGroup,
    /// A file per user and per group.
    PerUser,
}

/// Runs `roster export`.
pub fn run(args: ExportArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    match super::runtime().block_on(export(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn export(args: ExportArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    let store = super::open_store(&url, now).await?;
    let stage = crate::timing::Stage::start("store: load");
    let live = store
        .load(false)
        .await
        .map_err(|e| Failure::store(e, &url))?;
    drop(stage);
    let stage = crate::timing::Stage::start("export: YAML");
    let directory = export::declarable(&live.directory, now);
    let layout = match args.layout {
        LayoutArg::Single => Layout::Single,
        LayoutArg::PerGroup => Layout::PerGroup,
        LayoutArg::PerUser => Layout::PerUser,
    };
    // The policy is not in the directory, but the fields people maintain
    // themselves are recorded by the last apply.
    let policy = crate::model::policy::Policy {
        self_service: live.managed.self_service.clone(),
        ..Default::default()
    };
    let files = export::files(&directory, layout, &policy);
    let counts = (
        directory.users.len(),
        directory.groups.len(),
        directory.roles.len(),
    );
    drop(directory);
    drop(stage);

    // The export checks itself: what the live directory holds that a
    // config may not say is better known now than at the first plan.
    let texts = files
        .into_iter()
        .map(|f| (f.path.display().to_string(), f.text))
        .collect();
    let stage = crate::timing::Stage::start("export: check");
    let checked = crate::config::load_texts(texts, now);
    drop(stage);
    if !checked.diagnostics.is_empty() {
        output.message(&crate::report::diagnostics::human(
            &checked.diagnostics,
            &checked.sources,
            output.color,
        ));
        output.message("note: the findings above are in the live directory as exported; fix them in the config\n");
    }
    let written: Vec<&SourceFile> = checked.sources.iter().map(|(_, f)| f).collect();

    match &args.out {
        None => output.data(written.first().map_or("", |f| f.text())),
        Some(dir) => {
            let _stage = crate::timing::Stage::start("export: write files");
            for kept in prepare(dir, args.force)? {
                output.message(&format!(
                    "warning: kept `{}`, which is not a roster document; move it out of the config, which reads every YAML file below it\n",
                    kept.display()
                ));
            }
            let parents: BTreeSet<PathBuf> = written
                .iter()
                .filter_map(|f| dir.join(&f.name).parent().map(Path::to_path_buf))
                .collect();
            for parent in &parents {
                std::fs::create_dir_all(parent).map_err(|e| write_failure(parent, e))?;
            }
            // One file after the other: creating files in one folder from
            // several threads only makes them wait on the folder's lock.
            for file in &written {
                let path = dir.join(&file.name);
                std::fs::write(&path, file.text().as_bytes())
                    .map_err(|e| write_failure(&path, e))?;
            }
            let schema = dir.join(SCHEMA_FILE);
            std::fs::write(&schema, crate::model::schema::document_schema_text())
                .map_err(|e| write_failure(&schema, e))?;
            let plural = super::validate::plural;
            output.message(&format!(
                "exported {}, {} and {} into {} under `{}`\n",
                plural(counts.0, "user"),
                plural(counts.1, "group"),
                plural(counts.2, "custom role"),
                plural(written.len() + 1, "file"),
                dir.display()
            ));
        }
    }
    super::release_at_exit(checked);

    if args.adopt {
        let adopted = adopt(&store, &live, now, settings)
            .await
            .map_err(|e| match e {
                ApplyError::Locked { holder } => Failure::message(format!(
                    "another apply holds the lock{}; nothing was adopted",
                    holder.map(|h| format!(" ({h})")).unwrap_or_default()
                )),
                ApplyError::Stale(mismatch) => Failure {
                    message: format!(
                        "the directory changed while it was exported ({}); nothing was adopted",
                        mismatch
                            .changed
                            .iter()
                            .chain(&mismatch.missing)
                            .map(|k| k.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    hint: Some("export again".into()),
                    document: None,
                },
                ApplyError::Store(error) => Failure::store(error, &url),
                other => Failure::message(format!("{other}; nothing was adopted")),
            })?;
        output.message(&format!(
            "roster now manages {adopted} objects of {}\n",
            store.location()
        ));
    }
    Ok(ExitStatus::Success)
}

/// Refuses a non-empty directory, or with `--force` clears its roster
/// files; returns the other YAML files it kept.
fn prepare(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Failure> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        std::fs::create_dir_all(dir).map_err(|e| write_failure(dir, e))?;
        return Ok(Vec::new());
    };
    let occupied = entries.count() > 0;
    if occupied && !force {
        return Err(Failure {
            message: format!(
                "`{}` is not empty; exporting there could mix old files with new ones",
                dir.display()
            ),
            hint: Some(
                "choose an empty directory, or pass `--force` to replace its roster files".into(),
            ),
            document: None,
        });
    }
    let mut kept = Vec::new();
    if occupied {
        // Only roster documents go: anything else kept beside them stays.
        let found = match crate::config::documents::discover(dir) {
            Ok(files) => files,
            Err(crate::config::ConfigError::NoDocuments { .. }) => Vec::new(),
            Err(error) => {
                return Err(Failure {
                    message: format!(
                        "cannot replace the roster files of `{}`: {}",
                        dir.display(),
                        super::output::error_chain(&error)
                    ),
                    hint: Some("remove it from the folder, or export to another one".into()),
                    document: None,
                });
            }
        };
        for file in found {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if crate::config::documents::is_roster_document(&text) {
                std::fs::remove_file(&file).map_err(|e| write_failure(&file, e))?;
            } else {
                kept.push(file);
            }
        }
        let _ = std::fs::remove_file(dir.join(SCHEMA_FILE));
    }
    Ok(kept)
}

fn write_failure(path: &Path, error: std::io::Error) -> Failure {
    Failure::message(format!("cannot write `{}`: {error}", path.display()))
}

/// Records every live object as managed, in one apply that first checks
/// nothing changed since the export read it.
async fn adopt(
    store: &crate::store::Store,
    live: &LiveSnapshot,
    now: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
) -> Result<usize, ApplyError> {
    let plan = crate::plan::adoption(live, now);
    let count = plan.adopt.len();
    let request = Request {
        now,
        lock: LockOptions {
            timeout: std::time::Duration::from_secs(30),
            holder: format!("roster export --adopt (pid {})", std::process::id()),
        },
        revision: None,
        actor: super::origin::actor(None, settings),
        note: Some(format!(
            "adopted {count} objects exported by `roster export --adopt`"
        )),
    };
    apply::apply(store, Source::Reviewed(plan), &request, &|_| {}).await?;
    Ok(count)
}
