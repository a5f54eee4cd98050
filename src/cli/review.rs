//! `roster review --base REF [PATH]`: who may approve each change of the
//! config since a git revision.

use std::path::PathBuf;

use clap::Args;

use super::plan::PlanFormat;
use super::settings::Settings;
use super::{ExitStatus, Failure};
use crate::config;
use crate::report::review as render;
use crate::review::{self, AuthorClaim, git};

/// Arguments of `roster review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// A roster document, or a directory of them, in a git working tree.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The revision to compare with: the pull request's target, such as
    /// `origin/main`.
    #[arg(long, value_name = "REF")]
    base: String,
    /// Who wrote the change: a login (`anguyen`, or `github:anguyen`) or an
    /// email address. Default: `GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, else
    /// the last commit's author email.
    #[arg(long, value_name = "HANDLE")]
    author: Option<String>,
    /// How to print the review.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
}

/// Runs `roster review`: exit 0 when the author may merge alone, 2 when
/// another approval is needed, 1 on error.
pub fn run(args: ReviewArgs, settings: &Settings) -> ExitStatus {
    match review(&args, settings) {
        Ok(status) => status,
        Err(failure) => failure.report(&settings.output),
    }
}

fn review(args: &ReviewArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let base = git::config_at(&args.path, &args.base).map_err(|e| {
        let hint = match &e {
            git::GitError::UnknownRevision { .. } => Some(format!(
                "fetch it first (`git fetch origin {0}`); a shallow CI checkout has only the latest commit (actions/checkout: `fetch-depth: 0`)",
                args.base.trim_start_matches("origin/")
            )),
            git::GitError::NotARepository { .. } => {
                Some("`roster review` compares a config in a git working tree with a revision of it".into())
            }
            git::GitError::Spawn(_) => Some("install git, or put it on `PATH`".into()),
            git::GitError::Failed { .. } => None,
        };
        Failure { document: None,
            message: super::output::error_chain(&e),
            hint,
        }
    })?;
    let base_state = if base.files.is_empty() {
        crate::model::DesiredState::default()
    } else {
        let validated = config::load_texts(base.files, now);
        match validated.desired {
            Some(desired) => desired,
            None => {
                super::print_findings(Some(&validated), output);
                let (errors, _) = crate::diagnostic::counts(&validated.diagnostics);
                return Err(Failure { document: None,
                    message: format!(
                        "the config at `{}` has {} and cannot be compared",
                        args.base,
                        super::validate::plural(errors, "error")
                    ),
                    hint: Some(
                        "review compares valid configs; compare with a revision whose config is valid"
                            .into(),
                    ),
                });
            }
        }
    };
    let head = config::load(&args.path, now).map_err(|e| Failure {
        document: None,
        message: super::output::error_chain(&e),
        hint: Some("pass a roster YAML file or a directory of them".into()),
    })?;
    let Some(head_state) = head.desired.as_ref() else {
        super::print_findings(Some(&head), output);
        let (errors, _) = crate::diagnostic::counts(&head.diagnostics);
        return Err(Failure {
            document: None,
            message: format!(
                "the config at `{}` has {} and cannot be reviewed",
                args.path.display(),
                super::validate::plural(errors, "error")
            ),
            hint: Some(format!(
                "`roster validate {}` checks it offline",
                args.path.display()
            )),
        });
    };
    let claim = match (&args.author, &settings.forge_actor) {
        (Some(author), _) => Some((AuthorClaim::parse(author), "--author".to_string())),
        (None, Some(actor)) => Some((
            AuthorClaim::Handle {
                host: actor.host.to_string(),
                login: actor.login.to_lowercase(),
            },
            actor.variable.to_string(),
        )),
        (None, None) => git::last_author_email(&args.path).map(|email| {
            (
                AuthorClaim::Email(email.to_lowercase()),
                "the last commit".to_string(),
            )
        }),
    };
    let review = review::review(&base_state, head_state, claim);
    let path = args.path.display().to_string();
    let compared = render::Compared {
        path: &path,
        base: &args.base,
        commit: &base.commit,
    };
    match args.format {
        PlanFormat::Text => output.data(&render::text(&review, &compared)),
        PlanFormat::Json => output.data(&render::json(&review, &compared)),
        PlanFormat::Markdown => output.data(&render::markdown(&review, &compared)),
    }
    Ok(if review.author_may_merge_alone() {
        ExitStatus::Success
    } else {
        ExitStatus::Changes
    })
}
