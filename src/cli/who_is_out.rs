//! `roster who-is-out [--from --until]`: absences and covers over a period
//! (default: this week, Monday to Monday, UTC).

use chrono::{DateTime, Utc};
use clap::Args;

use super::calendar::instant;
use super::settings::Settings;
use super::show::LookupFormat;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::lookup;
use crate::report::lookup as render;

/// Arguments of `roster who-is-out`.
#[derive(Debug, Args)]
pub struct WhoIsOutArgs {
    /// From (a date, midnight UTC, or an RFC 3339 time); default Monday of this week.
    #[arg(long, value_name = "WHEN", value_parser = instant)]
    from: Option<DateTime<Utc>>,
    /// Until (a date, midnight UTC, or an RFC 3339 time); default a week after `--from`.
    #[arg(long, value_name = "WHEN", value_parser = instant)]
    until: Option<DateTime<Utc>>,
    /// Only the members of this group.
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = LookupFormat::Text)]
    format: LookupFormat,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Runs `roster who-is-out`: exit 0, 1 on error.
pub fn run(args: WhoIsOutArgs, settings: &Settings) -> ExitStatus {
    match super::runtime().block_on(who_is_out(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(&settings.output),
    }
}

async fn who_is_out(args: WhoIsOutArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let now = settings.now()?;
    let (week_from, _) = lookup::this_week(now);
    let from = args.from.unwrap_or(week_from);
    let until = args
        .until
        .unwrap_or_else(|| from + chrono::Duration::days(7));
    if until <= from {
        return Err(Failure {
            document: None,
            message: format!(
                "`--until` ({}) is not after `--from` ({})",
                until.to_rfc3339(),
                from.to_rfc3339()
            ),
            hint: None,
        });
    }
    let (live, location) = super::show::live(&args.database, now).await?;
    let group = match &args.group {
        None => None,
        Some(name) => Some(lookup::find_group(&live, name).ok_or_else(|| Failure {
            document: None,
            message: format!(
                "there is no group `{}` in the live directory at {location}",
                crate::report::review::plain(name)
            ),
            hint: Some(
                "`roster show group NAME` shows one; group names are as in the config".into(),
            ),
        })?),
    };
    let report = lookup::who_is_out(&live, from, until, group);
    settings.output.data(&match args.format {
        LookupFormat::Text => render::who_is_out_text(&report),
        LookupFormat::Json => render::json("who_is_out", &report),
    });
    Ok(ExitStatus::Success)
}
