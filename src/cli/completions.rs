//! `roster completions SHELL`: a completion script for a shell, on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::settings::Settings;
use super::{Cli, ExitStatus};

/// Arguments of `roster completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `roster completions`: always exit 0.
pub fn run(args: CompletionsArgs, settings: &Settings) -> ExitStatus {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "roster", &mut script);
    settings.output.data(&String::from_utf8_lossy(&script));
    ExitStatus::Success
}
