//! `roster onboard FILE.csv --into PATH`: people from an HR export into
//! the config.

use std::path::PathBuf;

use clap::Args;

use super::settings::Settings;
use super::{ExitStatus, Failure, edited};
use crate::onboard::{self, OnboardOptions};

/// Arguments of `roster onboard`.
#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The HR export: CSV with a header row, UTF-8.
    csv: PathBuf,
    /// The config: a folder gets a `users/<username>.yaml` per new person,
    /// a file gets them appended to its `users`.
    #[arg(long, value_name = "PATH")]
    into: PathBuf,
    /// Which field a column fills: `--map "Work Email=email"` (or `=ignore`).
    #[arg(long = "map", value_name = "COLUMN=FIELD", value_parser = parse_map)]
    maps: Vec<(String, String)>,
    /// A column to skip.
    #[arg(long, value_name = "COLUMN")]
    ignore: Vec<String>,
    /// Print the diff and write nothing; exit 2 when something would change.
    #[arg(long)]
    check: bool,
}

fn parse_map(text: &str) -> Result<(String, String), String> {
    match text.rsplit_once('=') {
        Some((column, field)) if !column.trim().is_empty() => {
            Ok((column.trim().to_string(), field.trim().to_string()))
        }
        _ => Err(format!("`{text}` is not `COLUMN=FIELD`")),
    }
}

/// Runs `roster onboard`.
pub fn run(args: OnboardArgs, settings: &Settings) -> ExitStatus {
    match onboard(args, settings) {
        Ok(status) => status,
        Err(failure) => failure.report(&settings.output),
    }
}

fn onboard(args: OnboardArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let now = settings.now()?;
    let bytes = std::fs::read(&args.csv)
        .map_err(|e| Failure::message(format!("cannot read `{}`: {e}", args.csv.display())))?;
    let mut files = edited::open(&args.into)?;
    let options = OnboardOptions {
        maps: args.maps,
        ignore: args.ignore,
    };
    let name = args.csv.display().to_string();
    let summary = match onboard::onboard(&bytes, &options, &mut files) {
        Ok(summary) => summary,
        Err(problems) => {
            let mut text = String::new();
            for problem in &problems {
                text.push_str(&problem.render(&name));
            }
            output.message(&text);
            return Err(Failure {
                document: None,
                message: format!(
                    "`{name}` has {}; nothing was written",
                    super::validate::plural(problems.len(), "problem")
                ),
                hint: None,
            });
        }
    };
    output.message(&format!(
        "onboard: {} added, {} updated, {} unchanged\n",
        summary.added, summary.updated, summary.unchanged
    ));
    edited::finish(&files, args.check, now, output, "onboard")
}
