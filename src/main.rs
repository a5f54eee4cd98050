use std::process::ExitCode;

/// Loading a directory allocates and frees millions of small values, many
/// across threads (SQLite's worker hands rows over); mimalloc does that
/// without the lock contention of the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use clap::error::ErrorKind;

/// A run of roster fills a few hundred MiB once and exits; on Linux,
/// transparent huge pages make the kernel zero 2 MiB at every first touch,
/// which costs more system time than the fewer page faults save.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes
    // no memory; a kernel without it returns an error, which is ignored.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    no_huge_pages();
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
    exit_now(roster::cli::run(cli, &roster::cli::Settings::from_env()))
}

/// Ends the process once everything roster made is dropped and its output
/// flushed, without the C library's exit handlers: mimalloc's hands every
/// page of a few hundred MiB back to the kernel one `madvise` at a time
/// (2 % of a run's CPU), which ending the process does at once anyway.
#[cfg(all(target_os = "linux", feature = "mimalloc"))]
fn exit_now(status: roster::cli::ExitStatus) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit takes an integer and does not return; nothing roster
    // owns is left to drop (the run above returned), and stdout and stderr
    // were flushed.
    unsafe { libc::_exit(i32::from(status.code())) }
}

/// Elsewhere the process ends the usual way.
#[cfg(not(all(target_os = "linux", feature = "mimalloc")))]
fn exit_now(status: roster::cli::ExitStatus) -> ExitCode {
    status.into()
}
