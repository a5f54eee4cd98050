//! `roster history`: the applies recorded in the live directory.

use clap::{Args, ValueEnum};

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::report::redact::Redactor;

/// The version of the JSON history structure.
pub const HISTORY_FORMAT_VERSION: u32 = 1;

/// Arguments of `roster history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// How to print the history.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    format: HistoryFormat,
    /// Show people named by their email address in clear (masked by default).
    #[arg(long)]
    show_values: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// History output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// One block per apply.
    Text,
    /// A versioned JSON document, the applies oldest first (`docs/formats.md`).
    Json,
}

/// Runs `roster history`.
pub fn run(args: HistoryArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    let result = super::runtime().block_on(async {
        let url = args.database.url()?;
        let store = super::open_store(&url, settings.now()?).await?;
        store.history().await.map_err(|e| Failure::store(e, &url))
    });
    let mut entries = match result {
        Ok(entries) => entries,
        Err(failure) => return failure.report(output),
    };
    // The recorded lines name people as the config did; one named by their
    // email is shown masked, as a plan shows them.
    let redactor = Redactor {
        show_values: args.show_values,
    };
    for entry in &mut entries {
        for change in &mut entry.changes {
            *change = redactor.names(change).into_owned();
        }
    }
    match args.format {
        HistoryFormat::Json => {
            let document = serde_json::json!({
                "format_version": HISTORY_FORMAT_VERSION,
                "roster_version": env!("CARGO_PKG_VERSION"),
                "applies": entries,
            });
            let mut text = serde_json::to_string_pretty(&document).expect("history serializes");
            text.push('\n');
            output.data(&text);
        }
        HistoryFormat::Text => {
            if entries.is_empty() {
                output.message("No applies recorded yet.\n");
            }
            let mut text = String::new();
            for entry in entries.iter().rev() {
                text.push_str(&format!(
                    "apply #{} at {} by {}{}\n  {} created, {} updated, {} replaced, {} deleted; plan {}\n",
                    entry.id,
                    entry.finished_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    entry.actor,
                    entry.revision.as_ref().map(|r| format!(" (revision {r})")).unwrap_or_default(),
                    entry.creates,
                    entry.updates,
                    entry.replaces,
                    entry.deletes,
                    &entry.plan_digest[..12.min(entry.plan_digest.len())],
                ));
                for change in &entry.changes {
                    text.push_str(&format!("    {change}\n"));
                }
            }
            // An actor, a revision or a name in a change line is shown,
            // never sent to the terminal.
            output.data(&crate::report::escape::text_lines(&text));
        }
    }
    ExitStatus::Success
}
