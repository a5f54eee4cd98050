//! `roster coverage [PATH]`: who can be reached, per group, over time.

use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::{Args, ValueEnum};

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::config::cache::Trust;
use crate::coverage::{self, Period};
use crate::report::coverage as render;

/// Arguments of `roster coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// A config: analyse the directory it declares, with the platform's
    /// shifts, verifications and push devices from the live database
    /// (what the directory will be once applied). Without it, the live
    /// directory as it is.
    path: Option<PathBuf>,
    /// How far ahead to look: days, hours or weeks, such as `30d`, `36h`, `2w`.
    #[arg(long, default_value = "30d", value_parser = horizon)]
    horizon: Duration,
    /// Where to start: an RFC 3339 time or a date (midnight UTC); default now.
    #[arg(long, value_parser = start)]
    from: Option<DateTime<Utc>>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Text)]
    format: CoverageFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Output formats of `roster coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    /// Gaps and their reasons for terminals and CI logs.
    Text,
    /// A versioned JSON document (`docs/formats.md`).
    Json,
    /// A pull-request or issue comment.
    Markdown,
    /// One self-contained page with a timeline picture per group.
    Html,
}

/// `30d`, `36h`, `2w`: a positive length of time.
pub(super) fn horizon(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a horizon such as `30d`, `36h` or `2w`");
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    if n <= 0 || n > 3660 {
        return Err(bad());
    }
    match unit {
        "h" => Ok(Duration::hours(n)),
        "d" => Ok(Duration::days(n)),
        "w" if n <= 520 => Ok(Duration::weeks(n)),
        _ => Err(bad()),
    }
}

/// An RFC 3339 time, or a date meaning its midnight in UTC.
fn start(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            format!("`{text}` is neither an RFC 3339 time (`2026-12-01T08:00:00Z`) nor a date (`2026-12-01`)")
        })
}

/// Runs `roster coverage`: exit 0 when every group is reachable
/// throughout, 2 when there is a gap, 1 on error.
pub fn run(args: CoverageArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let json = args.format == CoverageFormat::Json;
    match super::runtime().block_on(coverage(args, settings)) {
        Ok(status) => status,
        Err(failure) if json => failure.report_json(output),
        Err(failure) => failure.report(output),
    }
}

async fn coverage(args: CoverageArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let url = args.database.url()?;
    let from = args.from.unwrap_or(now);
    let until = from
        .checked_add_signed(args.horizon)
        .ok_or_else(|| Failure::message("the period ends after the last representable time"))?;
    let (directory, live, location) = match &args.path {
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
            let location = store.location().to_string();
            (config.desired.directory, live, location)
        }
        None => {
            let store = super::open_store(&url, now).await?;
            let mut live = {
                let _stage = crate::timing::Stage::start("coverage: load");
                store
                    .load(false)
                    .await
                    .map_err(|e| Failure::store(e, &url))?
            };
            let location = store.location().to_string();
            (std::mem::take(&mut live.directory), live, location)
        }
    };
    let analysis = {
        let _stage = crate::timing::Stage::start("coverage: analyse");
        coverage::analyse(&directory, &live.platform, Period { from, until })
    };
    let options = render::ReportOptions {
        location,
        config: args.path.as_ref().map(|p| p.display().to_string()),
    };
    let text = {
        let _stage = crate::timing::Stage::start("coverage: render");
        match args.format {
            CoverageFormat::Text => render::text(&analysis, &options),
            CoverageFormat::Json => render::json(&analysis, &options),
            CoverageFormat::Markdown => render::markdown(&analysis, &options),
            CoverageFormat::Html => render::html(&analysis, &options),
        }
    };
    match &args.out {
        Some(file) => std::fs::write(file, &text)
            .map_err(|e| Failure::message(format!("writing `{}` failed: {e}", file.display())))?,
        None => output.data(&text),
    }
    let covered = analysis.is_covered();
    super::release_at_exit((directory, live, analysis, text));
    Ok(if covered {
        ExitStatus::Success
    } else {
        ExitStatus::Changes
    })
}
