//! `roster drift [PATH]`: what changed in the live directory outside git.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::plan::PlanFormat;
use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::config::cache::Trust;
use crate::drift;
use crate::drift::notify;
use crate::report::drift as render;
use crate::report::plan::RenderOptions;
use crate::report::redact::Redactor;

/// Arguments of `roster drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The config, to tell drift from changes merely pending in it; without
    /// it, live is compared with what roster applied last only.
    path: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// POST the report to this webhook when there is drift (Slack-compatible
    /// `text` plus the JSON report under `roster`).
    #[arg(long, value_name = "URL")]
    notify: Option<String>,
    /// How long each attempt to post to the webhook may take, in seconds;
    /// a failed attempt is tried again up to three times, with backoff.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    notify_timeout: Duration,
    /// Show contact values (phone numbers, emails) instead of masking them.
    #[arg(long)]
    show_values: bool,
    /// Exit 2 also when people changed fields they maintain themselves
    /// (`account.policy.self_service`), which is not drift.
    #[arg(long)]
    fail_on_self_service: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// A number of seconds above zero, such as `10` or `2.5`.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{text}` is not a number of seconds above 0"))
}

/// Runs `roster drift`: exit 0 without drift, 2 with, 1 on error.
pub fn run(args: DriftArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let json = args.format == PlanFormat::Json;
    match super::runtime().block_on(drift(args, settings)) {
        Ok(status) => status,
        Err(failure) if json => failure.report_json(output),
        Err(failure) => failure.report(output),
    }
}

async fn drift(args: DriftArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    let (desired, store, mut live) = match &args.path {
        Some(path) => {
            let (config, store, live) = super::config_and_live(
                path,
                now,
                settings,
                &url,
                false,
                settings.cache(Trust::Any),
            )
            .await?;
            (Some(config.desired), store, live)
        }
        None => {
            let store = super::open_store(&url, now).await?;
            let live = store
                .load(false)
                .await
                .map_err(|e| Failure::store(e, &url))?;
            (None, store, live)
        }
    };
    // Only objects that no longer look as applied need their bodies.
    let suspects = drift::suspects(&live);
    store
        .load_bodies(&mut live, &suspects)
        .await
        .map_err(|e| Failure::store(e, &url))?;
    let mut report = drift::drift(&live, desired.as_ref(), now);
    let last_apply = store
        .history()
        .await
        .map_err(|e| Failure::store(e, &url))?
        .iter()
        .map(|entry| entry.finished_at)
        .max();
    report.contact_problems = drift::contacts::problems(&live, last_apply);
    let options = RenderOptions {
        location: store.location().to_string(),
        redactor: Redactor {
            show_values: args.show_values,
        },
        color: output.data_color,
        revision: settings.ci_revision.clone(),
    };
    let shown = match args.format {
        PlanFormat::Text => render::text(&report, &options),
        PlanFormat::Json => render::json(&report, &options),
        PlanFormat::Markdown => render::markdown(&report, &options),
    };
    output.data(&options.redactor.names(&shown));
    super::append_step_summary(
        settings,
        &options.redactor.names(&render::markdown(&report, &options)),
    )?;
    let found =
        report.has_drift() || (args.fail_on_self_service && !report.changed_by_users.is_empty());
    if let Some(webhook) = &args.notify
        && found
    {
        let body = notify::payload(
            &options
                .redactor
                .names(&render::chat_text(&report, &options)),
            options
                .redactor
                .names_in(render::json_value(&report, &options)),
        );
        let webhook = webhook.clone();
        let delivery = notify::Delivery {
            timeout: args.notify_timeout,
            ..notify::Delivery::default()
        };
        let delivered =
            tokio::task::spawn_blocking(move || notify::post(&webhook, &body, &delivery))
                .await
                .map_err(|e| Failure::message(format!("the webhook delivery stopped: {e}")))?;
        match delivered {
            Ok(status) => output.message(&format!(
                "posted the drift report to the webhook (HTTP {status})\n"
            )),
            Err(error) => {
                return Err(Failure {
                    message: error.to_string(),
                    hint: Some("check the `--notify` URL and that the receiver is up".into()),
                    document: None,
                });
            }
        }
    }
    super::release_at_exit((desired, live, report));
    Ok(if found {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
