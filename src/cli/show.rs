//! `roster show user NAME`, `roster show group NAME`: one person or group
//! as the live directory knows them.

use clap::{Args, Subcommand, ValueEnum};

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::lookup;
use crate::report::lookup as render;

/// Arguments of `roster show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(subcommand)]
    what: ShowWhat,
}

#[derive(Debug, Subcommand)]
enum ShowWhat {
    /// A person: profile, roles, groups, contact methods (masked), out of
    /// office and covers both ways, shifts, invitation, verification, sign-in.
    #[command(after_long_help = super::help::SHOW)]
    User(ShowUserArgs),
    /// A group: members by role, shifts, who is out and who covers.
    #[command(after_long_help = super::help::SHOW)]
    Group(ShowGroupArgs),
}

/// Arguments of `roster show user`.
#[derive(Debug, Args)]
pub struct ShowUserArgs {
    /// Username or email address (case does not matter).
    name: String,
    /// Show contact values and the email address instead of masking them.
    #[arg(long)]
    unmask: bool,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = LookupFormat::Text)]
    format: LookupFormat,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of `roster show group`.
#[derive(Debug, Args)]
pub struct ShowGroupArgs {
    /// Group name.
    name: String,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = LookupFormat::Text)]
    format: LookupFormat,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Output formats of the directory's queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LookupFormat {
    /// For people.
    Text,
    /// A versioned JSON document (`docs/formats.md`).
    Json,
}

/// Runs `roster show`: exit 0, or 1 when there is no such user or group.
pub fn run(args: ShowArgs, settings: &Settings) -> ExitStatus {
    let result = super::runtime().block_on(async {
        match args.what {
            ShowWhat::User(args) => show_user(args, settings).await,
            ShowWhat::Group(args) => show_group(args, settings).await,
        }
    });
    match result {
        Ok(status) => status,
        Err(failure) => failure.report(&settings.output),
    }
}

/// The live directory, as a whole load reads it.
pub(super) async fn live(
    database: &DatabaseArgs,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(crate::model::live::LiveSnapshot, String), Failure> {
    let url = database.url()?;
    let store = super::open_store(&url, now).await?;
    let live = store
        .load(false)
        .await
        .map_err(|e| Failure::store(e, &url))?;
    let location = store.location().to_string();
    store.close().await;
    Ok((live, location))
}

async fn show_user(args: ShowUserArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let now = settings.now()?;
    let (live, location) = live(&args.database, now).await?;
    let user = lookup::find_user(&live, &args.name).ok_or_else(|| Failure { document: None,
        message: format!(
            "there is no user `{}` in the live directory at {location}",
            crate::report::review::plain(&args.name)
        ),
        hint: Some("give a username or an email address; `roster who-is-out` and `roster export` list people".into()),
    })?;
    let card = lookup::user_card(&live, user, now, args.unmask);
    settings.output.data(&match args.format {
        LookupFormat::Text => render::user_text(&card),
        LookupFormat::Json => render::json("user", &card),
    });
    Ok(ExitStatus::Success)
}

async fn show_group(args: ShowGroupArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let now = settings.now()?;
    let (live, location) = live(&args.database, now).await?;
    let card = lookup::find_group(&live, &args.name)
        .and_then(|name| lookup::group_card(&live, name, now))
        .ok_or_else(|| {
            let names: Vec<&str> = live.directory.groups.keys().map(String::as_str).collect();
            let close = crate::config::suggest::closest(&args.name, names.iter().copied());
            Failure {
                document: None,
                message: format!(
                    "there is no group `{}` in the live directory at {location}",
                    crate::report::review::plain(&args.name)
                ),
                hint: Some(match close {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("groups: {}", names.join(", ")),
                }),
            }
        })?;
    settings.output.data(&match args.format {
        LookupFormat::Text => render::group_text(&card),
        LookupFormat::Json => render::json("group", &card),
    });
    Ok(ExitStatus::Success)
}
