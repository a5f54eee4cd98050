//! `roster calendar`: a person's or a group's shifts and out-of-office
//! windows as an iCalendar file, and the WebCal feed URLs `roster serve`
//! answers (issued with `--feed-url`, withdrawn with `--revoke`).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::calendar::{self, Period, ics};
use crate::serve::FeedUrl;
use crate::store::SubjectKey;

/// Arguments of `roster calendar`.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// The person whose calendar it is (username).
    #[arg(required_unless_present = "group")]
    user: Option<String>,
    /// A group's calendar instead: its shifts and its members' absences.
    #[arg(long, value_name = "GROUP", conflicts_with = "user")]
    group: Option<String>,
    /// Events from (a date, midnight UTC, or an RFC 3339 time); default 7 days ago.
    #[arg(long, value_name = "WHEN", value_parser = instant)]
    from: Option<DateTime<Utc>>,
    /// Events until (a date, midnight UTC, or an RFC 3339 time); default 90 days ahead.
    #[arg(long, value_name = "WHEN", value_parser = instant)]
    until: Option<DateTime<Utc>>,
    /// Write the calendar to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Issue a WebCal feed URL for `roster serve` instead (shown once; earlier ones keep working).
    #[arg(long, conflicts_with_all = ["from", "until", "output", "revoke"])]
    feed_url: bool,
    /// Withdraw every feed URL of the person or group.
    #[arg(long, conflicts_with_all = ["from", "until", "output"])]
    revoke: bool,
    /// The address people reach `roster serve` at (behind a proxy: its https:// address).
    #[arg(long, env = "ROSTER_PUBLIC_URL", value_name = "URL", default_value = crate::serve::DEFAULT_PUBLIC_URL)]
    public_url: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// A date (midnight UTC) or an RFC 3339 instant.
pub(super) fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| format!("`{text}` is neither a date (2027-02-01) nor an RFC 3339 time"))
}

/// Runs `roster calendar`.
pub fn run(args: CalendarArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    match super::runtime().block_on(calendar(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn calendar(args: CalendarArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let key = match (&args.user, &args.group) {
        (Some(user), _) => SubjectKey::UserName(user.clone()),
        (None, Some(group)) => SubjectKey::GroupName(group.clone()),
        (None, None) => unreachable!("clap requires a user or a group"),
    };
    let url = args.database.url()?;
    let store = super::open_store(&url, now).await?;
    let missing = || Failure {
        message: format!(
            "there is no {key} in the live directory at {}",
            store.location()
        ),
        hint: Some(match key {
            SubjectKey::GroupName(_) => "group names are as in the config, case included".into(),
            _ => "give the username (`roster export` lists every user)".into(),
        }),
        document: None,
    };
    if args.feed_url {
        let public = FeedUrl::base(&args.public_url).map_err(|e| Failure {
            message: e,
            hint: Some("give `--public-url` as `https://host[:port][/path]`".into()),
            document: None,
        })?;
        let issued = store
            .issue_feed(&key, now)
            .await
            .map_err(|e| Failure::store(e, &url))?
            .ok_or_else(missing)?;
        let feed = public.feed(&issued.token);
        output.data(&format!("{}\n{}\n", feed.http(), feed.webcal()));
        output.message(&format!(
            "issued a calendar feed of {key}; the URL is shown only now ({} working for {key})\n",
            plural(issued.active, "feed")
        ));
        return Ok(ExitStatus::Success);
    }
    if args.revoke {
        let revoked = store
            .revoke_feeds(&key, now)
            .await
            .map_err(|e| Failure::store(e, &url))?
            .ok_or_else(missing)?;
        output.message(&match revoked {
            0 => format!("{key} has no working calendar feed\n"),
            n => format!("revoked {} of {key}\n", plural(n, "calendar feed")),
        });
        return Ok(ExitStatus::Success);
    }
    let default = Period::around(now);
    let period = Period {
        from: args.from.unwrap_or(default.from),
        until: args.until.unwrap_or(default.until),
    };
    if period.until <= period.from {
        return Err(Failure {
            message: format!(
                "`--until` ({}) is not after `--from` ({})",
                period.until.to_rfc3339(),
                period.from.to_rfc3339()
            ),
            hint: None,
            document: None,
        });
    }
    let source = store
        .calendar_source(&key)
        .await
        .map_err(|e| Failure::store(e, &url))?
        .ok_or_else(missing)?;
    let document = calendar::events(&source, period);
    let text = ics::render(&document);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text)
                .map_err(|e| Failure::message(format!("cannot write `{}`: {e}", path.display())))?;
            output.message(&format!(
                "wrote {} of {key} from {} to {} to `{}`\n",
                plural(document.events.len() as u64, "event"),
                period.from.format("%Y-%m-%d %H:%M UTC"),
                period.until.format("%Y-%m-%d %H:%M UTC"),
                path.display()
            ));
        }
        None => output.data(&text),
    }
    Ok(ExitStatus::Success)
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
