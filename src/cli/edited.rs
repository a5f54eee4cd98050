//! What `onboard`, `offboard` and `pull` do once they have edited a
//! config in memory: print the diff, stop there with `--check`, else check
//! the edited config with every rule and write it only when it passes.

use super::output::{self, Output};
use super::{ExitStatus, Failure};
use crate::edit::files::{ConfigFiles, FilesError};

/// Opens the config at `path` for editing.
pub fn open(path: &std::path::Path) -> Result<ConfigFiles, Failure> {
    ConfigFiles::open(path).map_err(|e| files_failure(&e))
}

/// A [`FilesError`] for the user.
pub fn files_failure(error: &FilesError) -> Failure {
    let hint = match error {
        FilesError::Write { .. } => {
            Some("the files not named here were written; check the folder's permissions and run the command again".into())
        }
        FilesError::Unreadable { .. } => Some("`roster validate` shows where".into()),
        FilesError::Config(_) => Some("pass a roster YAML file or a directory of them".into()),
    };
    Failure {
        message: output::error_chain(error),
        hint,
    }
}

/// Prints the diff of `files` on stdout; with `check`, reports whether
/// anything would change (exit 2) and writes nothing; else validates the
/// edited config and writes it. `what` names the command's work.
pub fn finish(
    files: &ConfigFiles,
    check: bool,
    now: chrono::DateTime<chrono::Utc>,
    output: &Output,
    what: &str,
) -> Result<ExitStatus, Failure> {
    if !files.changed() {
        output.message(&format!(
            "{what}: the config already says so; nothing to change\n"
        ));
        return Ok(ExitStatus::Success);
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
            message: format!("{what}: the edited config would not be valid; nothing was written"),
            hint: Some(
                "fix what is shown above (in the config or the input) and run the command again"
                    .into(),
            ),
        });
    }
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
