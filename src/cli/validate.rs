//! `roster validate [PATH]`: every offline check, every finding at once.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::ExitStatus;
use super::output;
use super::settings::Settings;
use crate::config;
use crate::diagnostic;
use crate::report::diagnostics as render;

/// Arguments of `roster validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A roster document, or a directory of them.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Text)]
    format: DiagnosticFormat,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
}

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Source snippets with the place underlined, on stderr.
    #[value(alias = "human")]
    Text,
    /// One JSON document on stdout.
    Json,
    /// GitHub Actions workflow annotations on stdout.
    Github,
}

/// Runs `roster validate`.
pub fn run(args: ValidateArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let now = match settings.now() {
        Ok(now) => now,
        Err(failure) => return failure.report(output),
    };
    let cache = settings.cache_dir.clone();
    let validated = match config::load_cached(&args.path, now, cache.as_deref()) {
        Ok(validated) => validated,
        Err(error) => {
            output.error(
                &output::error_chain(&error),
                Some("pass a roster YAML file or a directory of them"),
            );
            return ExitStatus::Failure;
        }
    };
    // Never dropped: the process ends right after, and freeing 100,000
    // users piece by piece costs a tenth of a second.
    let validated = std::mem::ManuallyDrop::new(validated);
    let diagnostics = &validated.diagnostics;
    let (errors, warnings) = diagnostic::counts(diagnostics);
    match args.format {
        DiagnosticFormat::Text => output.message(&render::human(
            diagnostics,
            &validated.sources,
            output.color,
        )),
        DiagnosticFormat::Json => output.data(&render::json(diagnostics, &validated.sources)),
        DiagnosticFormat::Github => output.data(&render::github(
            diagnostics,
            &validated.sources,
            &repository_root(),
        )),
    }
    let failed = errors > 0 || (args.strict && warnings > 0);
    let place = crate::report::escape::text(&args.path.display().to_string()).into_owned();
    let findings = counted(errors, "error", warnings);
    if failed {
        let mut summary = format!(
            "{}: `{place}` is invalid: {findings}\n",
            output.paint("error", "1;31")
        );
        if !validated.rules_ran {
            summary.push_str(
                "note: semantic checks run once the YAML and schema errors above are fixed\n",
            );
        }
        if errors == 0 {
            summary.push_str("note: `--strict` makes warnings fail\n");
        }
        output.message(&summary);
        ExitStatus::Failure
    } else {
        let what = validated.desired.as_ref().map(|d| {
            let dir = &d.directory;
            format!(
                "{}, {}, {}",
                plural(dir.users.len(), "user"),
                plural(dir.groups.len(), "group"),
                plural(dir.roles.len(), "custom role")
            )
        });
        let files = plural(validated.sources.len(), "file");
        let tail = if warnings > 0 {
            format!(" ({findings})")
        } else {
            String::new()
        };
        output.message(&format!(
            "{} `{place}` is valid: {} in {files}{tail}\n",
            output.paint("ok:", "1;32"),
            what.unwrap_or_default()
        ));
        ExitStatus::Success
    }
}

/// The root of the git repository roster runs in (the nearest folder up
/// from the current one that holds `.git`), else the current folder:
/// annotations name files relative to it, as GitHub shows them.
pub fn repository_root() -> PathBuf {
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    here.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or_else(|| here.clone(), std::path::Path::to_path_buf)
}

fn counted(errors: usize, _: &str, warnings: usize) -> String {
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// `1 user`, `2 users`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
