//! `roster offboard USER [--handover USER] [--remove] [PATH]`: edits the
//! config so a person can leave, then plans the result against the live
//! directory and says what still blocks it.

use std::path::PathBuf;

use clap::Args;

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure, edited};
use crate::offboard::{self, OffboardError, Offboarded};
use crate::plan::PlanOptions;
use crate::report::plan::{self as render, RenderOptions};
use crate::report::redact::Redactor;

/// Arguments of `roster offboard`.
#[derive(Debug, Args)]
pub struct OffboardArgs {
    /// The person leaving: username or email.
    user: String,
    /// The config: a roster document, or a directory of them.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Who takes over their memberships (with their member roles) and the
    /// covers they give; without it both are removed.
    #[arg(long, value_name = "USER")]
    handover: Option<String>,
    /// Remove the person from the config instead of disabling them.
    #[arg(long)]
    remove: bool,
    /// Print the diff and the plan, write nothing; exit 2 when the config
    /// would change.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Runs `roster offboard`.
pub fn run(args: OffboardArgs, settings: &Settings) -> ExitStatus {
    match super::runtime().block_on(offboard(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(&settings.output),
    }
}

async fn offboard(args: OffboardArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    let mut files = edited::open(&args.path)?;
    let done = offboard::offboard(
        &mut files,
        &args.user,
        args.handover.as_deref(),
        args.remove,
    )
    .map_err(|e| {
        let hint = match &e {
            OffboardError::UnknownUser { .. } => Some(format!(
                "users are named by username or email, as in `{}`",
                args.path.display()
            )),
            OffboardError::SelfHandover { .. } => Some(
                "name someone else with `--handover`, or leave it out to remove their memberships"
                    .into(),
            ),
            OffboardError::CoversNeedHandover { .. } => Some(
                "name who takes over with `--handover USER`, or give those windows another cover first".into(),
            ),
            OffboardError::Edit(_) => None,
        };
        Failure { document: None,
            message: format!("cannot offboard `{}`: {e}", args.user),
            hint,
        }
    })?;
    output.message(&summary(&done, args.handover.is_some()));
    let what = format!("offboard {}", done.user);
    let Some(validated) = edited::show_and_validate(&files, now, output, &what)? else {
        return Ok(ExitStatus::Success);
    };
    let desired = validated
        .desired
        .as_ref()
        .expect("a config without errors has a desired state");
    let refused = if url.engine() == crate::store::EngineKind::Sqlite
        && !std::path::Path::new(url.sqlite_path()).exists()
    {
        output.message(&format!(
            "note: no live directory at `{}`; the change was not planned\n",
            url.sqlite_path()
        ));
        false
    } else {
        let store = super::open_store(&url, now).await?;
        let mut live = store
            .load(false)
            .await
            .map_err(|e| Failure::store(e, &url))?;
        super::load_bodies(&store, desired, &mut live).await?;
        // The plan an apply would make, with its coverage check over the
        // default 30 days: a gap the leaving creates is what still blocks.
        let options = PlanOptions {
            coverage: Some(crate::plan::CoverageCheck {
                horizon_seconds: 30 * 24 * 3600,
                allow_gap: false,
            }),
            ..PlanOptions::default()
        };
        let plan = crate::plan::plan(desired, &live, now, options);
        let options = RenderOptions {
            location: store.location().to_string(),
            redactor: Redactor { show_values: false },
            color: output.color,
            revision: settings.ci_revision.clone(),
        };
        output.message(
            &options
                .redactor
                .names(&render::text::render(&plan, &options)),
        );
        if plan.refusals.is_empty() {
            false
        } else {
            output.message(&format!(
                "What still blocks it:\n{}",
                render::text::refusals(&plan)
            ));
            true
        }
    };
    let status = edited::write_or_check(&files, args.check, output, &what)?;
    if refused && !args.check {
        return Err(Failure {
            document: None,
            message: format!(
                "the config now offboards `{}`, but an apply would be refused until what is listed above is resolved",
                done.user
            ),
            hint: Some(
                "each refusal says what to do; then `roster plan` shows the change again".into(),
            ),
        });
    }
    Ok(status)
}

fn summary(done: &Offboarded, handover: bool) -> String {
    let mut out = String::new();
    if handover {
        if !done.handed_over.is_empty() {
            out.push_str(&format!(
                "offboard: memberships handed over in {}\n",
                done.handed_over.join(", ")
            ));
        }
    } else if !done.left.is_empty() {
        out.push_str(&format!(
            "offboard: removed from {}\n",
            done.left.join(", ")
        ));
    }
    if !done.covers.is_empty() {
        out.push_str(&format!(
            "offboard: covers {} in the out-of-office of {}\n",
            if handover { "handed over" } else { "removed" },
            done.covers.join(", ")
        ));
    }
    out.push_str(&format!(
        "offboard: `{}` {}\n",
        done.user,
        if done.removed { "removed" } else { "disabled" }
    ));
    out
}
