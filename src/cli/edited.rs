//! What `onboard`, `offboard` and `pull` do once they have edited a
//! config in memory: print the diff, check the edited config with every
//! rule, and write it only when it passes — or, with `--check`, write
//! nothing and exit 2 when something would change.

use chrono::{DateTime, Utc};

use super::output::{self, Output};
use super::{ExitStatus, Failure};
use crate::config::Validated;
use crate::edit::files::{ConfigFiles, FilesError};

/// Opens the config at `path` for editing.
pub fn open(path: &std::path::Path) -> Result<ConfigFiles, Failure> {
    ConfigFiles::open(path).map_err(|e| files_failure(&e))
}

/// A [`FilesError`] for the user.
pub fn files_failure(error: &FilesError) -> Failure {
    let hint = match error {
        FilesError::Write { .. } => Some(
            "files listed before it were written; check the folder's permissions and run the command again".into(),
        ),
        FilesError::Unreadable { .. } => Some("`roster validate` shows where".into()),
        FilesError::Config(_) => Some("pass a roster YAML file or a directory of them".into()),
    };
    Failure {
        document: None,
        message: output::error_chain(error),
        hint,
    }
}

/// Prints the diff of `files` on stdout and checks the edited config;
/// `None` when nothing changed. An invalid result stops the command.
pub fn show_and_validate(
    files: &ConfigFiles,
    now: DateTime<Utc>,
    output: &Output,
    what: &str,
) -> Result<Option<Validated>, Failure> {
    if !files.changed() {
        output.message(&format!(
            "{what}: the config already says so; nothing to change\n"
        ));
        return Ok(None);
    }
    output.data(&files.diff());
    let validated = files.validate(now);
    if validated.has_errors() {
        output.message(&crate::report::diagnostics::human(
            &validated.diagnostics,
            &validated.sources,
            output.color,
        ));
        return Err(Failure {
            document: None,
            message: format!("{what}: the edited config would not be valid; nothing was written"),
            hint: Some(
                "fix what is shown above (in the config or the input) and run the command again"
                    .into(),
            ),
        });
    }
    Ok(Some(validated))
}

/// With `check`, says what would change and exits 2; else writes every
/// changed file.
pub fn write_or_check(
    files: &ConfigFiles,
    check: bool,
    output: &Output,
    what: &str,
) -> Result<ExitStatus, Failure> {
    let changed = files.files.iter().filter(|f| f.changed()).count();
    if check {
        output.message(&format!(
            "{what}: {} would change (`--check`: nothing written)\n",
            super::validate::plural(changed, "file")
        ));
        return Ok(ExitStatus::Changes);
    }
    let written = files.write().map_err(|e| files_failure(&e))?;
    output.message(&format!(
        "{what}: wrote {}\n",
        super::validate::plural(written, "file")
    ));
    Ok(ExitStatus::Success)
}

/// [`show_and_validate`] then [`write_or_check`].
pub fn finish(
    files: &ConfigFiles,
    check: bool,
    now: DateTime<Utc>,
    output: &Output,
    what: &str,
) -> Result<ExitStatus, Failure> {
    match show_and_validate(files, now, output, what)? {
        None => Ok(ExitStatus::Success),
        Some(_) => write_or_check(files, check, output, what),
    }
}
