//! `roster plan [PATH]`: what an apply would change, for review.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::config::cache::Trust;
use crate::plan::file::PlanFile;
use crate::plan::{self, PlanOptions};
use crate::report::plan::{self as render, RenderOptions};
use crate::report::redact::Redactor;

/// Arguments of `roster plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A roster document, or a directory of them.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Save the plan for `roster apply --plan`.
    #[arg(long, value_name = "PLAN")]
    out: Option<PathBuf>,
    /// Exit 2 when there are changes, 0 when there are none (1 on error).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Show contact values (phone numbers, emails) instead of masking them.
    #[arg(long)]
    show_values: bool,
    #[command(flatten)]
    guards: GuardArgs,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Flags that let a plan through its guards.
#[derive(Debug, Clone, Args)]
pub struct GuardArgs {
    /// Allow more deletions than `account.policy.max_deletes`.
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Allow replacing users whose `type` changes (the platform's state for them is lost).
    #[arg(long)]
    pub allow_replace: bool,
    /// Where git and a person both changed a self-service field differently,
    /// take git's value or the live one (the plan stops otherwise).
    #[arg(long, value_name = "SIDE", value_parser = ["git", "live"])]
    pub prefer: Option<String>,
    /// Allow changing the account owner (the platforms do it only through
    /// their support; a plain `--yes` is not enough).
    #[arg(long)]
    pub allow_owner_change: bool,
    /// Let a change through that leaves a group with nobody reachable for
    /// a while (the gap is shown as a warning).
    #[arg(long)]
    pub allow_coverage_gap: bool,
    /// How far ahead coverage is compared before and after the change:
    /// days, hours or weeks, such as `30d`, `36h`, `2w`.
    #[arg(long, default_value = "30d", value_parser = super::coverage::horizon)]
    pub horizon: chrono::Duration,
}

impl GuardArgs {
    /// The planner's options.
    pub fn options(&self) -> PlanOptions {
        PlanOptions {
            allow_mass_delete: self.allow_mass_delete,
            allow_replace: self.allow_replace,
            prefer: self
                .prefer
                .as_deref()
                .and_then(crate::model::vocab::Prefer::parse),
            allow_owner_change: self.allow_owner_change,
            coverage: Some(plan::CoverageCheck {
                horizon_seconds: self.horizon.num_seconds(),
                allow_gap: self.allow_coverage_gap,
            }),
        }
    }
}

/// Plan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// A diff for terminals and CI logs.
    Text,
    /// A versioned JSON document (`docs/formats.md`).
    Json,
    /// A pull-request comment.
    Markdown,
}

/// Writes `text` to `path`, readable and writable by its owner only (a
/// plan file holds contact values), replacing the file whole.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Runs `roster plan`.
pub fn run(args: PlanArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let json = args.format == PlanFormat::Json;
    match super::runtime().block_on(plan(args, settings)) {
        Ok(status) => status,
        Err(failure) if json => failure.report_json(output),
        Err(failure) => failure.report(output),
    }
}

async fn plan(args: PlanArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    // A plan saved for an apply uses only a cache nobody else could have
    // written: what the cache says becomes what an apply writes.
    let trust = match args.out {
        Some(_) => Trust::Private,
        None => Trust::Any,
    };
    let (config, store, mut live) = super::config_and_live(
        &args.path,
        now,
        settings,
        &url,
        false,
        settings.cache(trust),
    )
    .await?;
    super::load_bodies(&store, &config.desired, &mut live).await?;
    let stage = crate::timing::Stage::start("plan");
    let plan = plan::plan(&config.desired, &live, now, args.guards.options());
    drop(stage);
    let _stage = crate::timing::Stage::start("render");
    let options = RenderOptions {
        location: store.location().to_string(),
        redactor: Redactor {
            show_values: args.show_values,
        },
        color: output.data_color,
        revision: settings.ci_revision.clone(),
    };
    let shown = match args.format {
        PlanFormat::Text => render::text::render(&plan, &options),
        PlanFormat::Json => render::json::render(&plan, &options),
        PlanFormat::Markdown => render::markdown::render(&plan, &options),
    };
    output.data(&options.redactor.names(&shown));
    super::append_step_summary(
        settings,
        &options
            .redactor
            .names(&render::markdown::render(&plan, &options)),
    )?;
    if !plan.refusals.is_empty() {
        output.error(
            &options.redactor.names(&render::text::refusals(&plan)),
            None,
        );
        return Ok(ExitStatus::Failure);
    }
    if let Some(path) = &args.out {
        let mut file = PlanFile::new(plan.clone(), store.location(), config.sources.digest());
        if let Some(key) = &settings.plan_key {
            file.sign(key);
        }
        write_private(path, &file.to_text()).map_err(|e| {
            Failure::message(format!(
                "cannot write the plan to `{}`: {e}",
                path.display()
            ))
        })?;
        output.message(&format!(
            "saved the plan to `{}`; apply it with `roster apply --plan {}`\n",
            path.display(),
            path.display()
        ));
    }
    let changes = plan.has_changes();
    super::release_at_exit((config, live, plan));
    Ok(if args.detailed_exitcode && changes {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
