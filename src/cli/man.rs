//! `roster man`: manual pages in roff, the main page on stdout or one page
//! per subcommand in a folder.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::settings::Settings;
use super::{Cli, ExitStatus, Failure};

/// Arguments of `roster man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `roster.1` and a page per subcommand (`roster-plan.1`, …) to
    /// this folder instead of the main page to stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Runs `roster man`: exit 0, 1 when the folder cannot be written.
pub fn run(args: ManArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let command = Cli::command();
    match &args.out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .expect("rendering to memory cannot fail");
            output.data(&String::from_utf8_lossy(&page));
            ExitStatus::Success
        }
        Some(dir) => {
            let count = pages(&command);
            let written = std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(command, dir))
                .map(|()| count);
            match written {
                Ok(count) => {
                    output.message(&format!(
                        "wrote {count} manual pages to `{}`\n",
                        dir.display()
                    ));
                    ExitStatus::Success
                }
                Err(error) => Failure {
                    document: None,
                    message: format!(
                        "cannot write the manual pages to `{}`: {error}",
                        dir.display()
                    ),
                    hint: Some("give `--out` a folder you can write to".into()),
                }
                .report(output),
            }
        }
    }
}

/// How many pages a command and its visible subcommands make.
fn pages(command: &clap::Command) -> usize {
    1 + command
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(pages)
        .sum::<usize>()
}
