use std::process::ExitCode;

/// Loading a directory allocates and frees millions of small values, many
/// across threads (SQLite's worker hands rows over); mimalloc does that
/// without the lock contention of the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match roster::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are successes; a usage error is an error (exit
            // 1), never 2, which means "changes present" to CI.
            let _ = error.print();
            return match error.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            };
        }
    };
    roster::cli::run(cli).into()
}
