//! The command line: clap types, one file per subcommand. Each subcommand
//! parses its arguments, calls the core, renders, and returns an
//! [`ExitStatus`].

mod output;
mod schema;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use output::Output;

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success, nothing to do.
    Success,
    /// An error: bad input, a refused plan, a failure.
    Failure,
    /// Success, and there are changes or drift.
    Changes,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
        })
    }
}

/// The on-call user directory as code.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a config offline: YAML, schema and every semantic rule.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of a roster document.
    Schema(schema::SchemaArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    let output = Output::from_env();
    match cli.command {
        Command::Validate(args) => validate::run(args, &output),
        Command::Schema(args) => schema::run(args, &output),
    }
}
