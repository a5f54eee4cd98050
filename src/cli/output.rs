//! Where output goes: data on stdout, messages on stderr, colour only at a
//! terminal and never with `NO_COLOR`.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// The process's output streams and their settings.
#[derive(Debug, Clone)]
pub struct Output {
    /// Whether stderr gets colour.
    pub color: bool,
    /// Whether stdout gets colour.
    pub data_color: bool,
    /// Whether stderr is a terminal (progress and prompts).
    pub interactive: bool,
    /// The first failure to write data, which fails the command: a plan or
    /// an export cut short by a full disk must not exit 0.
    write_error: Arc<Mutex<Option<std::io::Error>>>,
    /// Whether any data went to stdout: a command asked for JSON that fails
    /// afterwards must not print a second document.
    wrote_data: Arc<std::sync::atomic::AtomicBool>,
}

impl Output {
    /// The process's streams, coloured at a terminal unless `no_color`.
    pub fn new(no_color: bool) -> Output {
        let interactive = std::io::stderr().is_terminal();
        Output {
            color: interactive && !no_color,
            data_color: std::io::stdout().is_terminal() && !no_color,
            interactive,
            write_error: Arc::default(),
            wrote_data: Arc::default(),
        }
    }

    /// Writes data to stdout; a failure is kept for [`Output::write_error`].
    pub fn data(&self, text: &str) {
        self.wrote_data
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let mut stdout = std::io::stdout().lock();
        let written = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
        match written {
            // A reader that stops early (`roster plan | head`) chose to.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                let mut slot = self.write_error.lock().unwrap_or_else(|e| e.into_inner());
                slot.get_or_insert(e);
            }
            Ok(()) => {}
        }
    }

    /// Whether any data was written to stdout.
    pub fn wrote_data(&self) -> bool {
        self.wrote_data.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Why data could not be written, if it could not.
    pub fn write_error(&self) -> Option<String> {
        let slot = self.write_error.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|e| e.to_string())
    }

    /// Writes a message to stderr.
    pub fn message(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }

    /// An error in the house style: `error: …` then an optional `hint: …`.
    /// Names and values in it are shown, never sent to the terminal.
    pub fn error(&self, message: &str, hint: Option<&str>) {
        use crate::report::escape::text_lines;
        let mut text = format!("{}: {}\n", self.paint("error", "1;31"), text_lines(message));
        if let Some(hint) = hint {
            text.push_str(&format!(
                "{}: {}\n",
                self.paint("hint", "1;36"),
                text_lines(hint)
            ));
        }
        self.message(&text);
    }

    /// Wraps text in an ANSI style when colour is on.
    pub fn paint(&self, text: &str, style: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// One error's own text. A database server's error is given as its
/// message alone: PostgreSQL's adds the line of the server's C source that
/// raised it, which means nothing to a user.
/// Returns the text and whether the error's own causes add nothing to it.
fn describe(error: &(dyn std::error::Error + 'static)) -> (String, bool) {
    match error.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Database(db)) => (db.message().to_string(), true),
        Some(sqlx::Error::Configuration(reason)) => (reason.to_string(), true),
        _ => (error.to_string(), false),
    }
}

/// Renders an error and its chain of causes on one line each.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let (mut text, whole) = describe(error);
    let mut source = if whole { None } else { error.source() };
    while let Some(cause) = source {
        // Drivers often repeat their cause in their own message.
        let (cause_text, whole) = describe(cause);
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = if whole { None } else { cause.source() };
    }
    text
}
