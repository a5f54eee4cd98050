//! Reading a config's files: discovery, then each file on its own (YAML,
//! the version line, the schema check, normalisation), on every core.

mod check;
mod discover;
mod read;

pub use check::{check_in_full, check_text, read_typed};
pub use discover::{discover, is_roster_document};
pub use read::{read, read_texts};

use super::cache::{ContentHash, Stamp};
use super::normalize::FileModel;
use super::source::{FileId, Sources};
use crate::diagnostic::Diagnostic;

/// The files of a config, each read and normalised as far as it could be.
#[derive(Debug, Default)]
pub struct ReadConfig {
    /// Every file, in path order.
    pub sources: Sources,
    /// What each file that passed the YAML and schema stages declares.
    pub files: Vec<(FileId, FileModel)>,
    /// Each file of `files` that had no findings (what may be cached).
    pub clean: Vec<CleanFile>,
    /// What reading found.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether some file failed the YAML or schema stage (the rules across
    /// files wait until every file can be read).
    pub unreadable: bool,
    /// How many files came from the cache.
    pub cached: usize,
    /// How many of those were not even read (their stamps were unchanged).
    pub unread: usize,
    /// How many files without findings did not.
    pub fresh: usize,
}

/// A file without findings, as the cache remembers it.
#[derive(Debug)]
pub struct CleanFile {
    /// Its position in [`ReadConfig::files`].
    pub index: usize,
    /// Its path below the config.
    pub path: String,
    /// Its stamp, taken before it was read.
    pub stamp: Option<Stamp>,
    /// Its content hash.
    pub hash: ContentHash,
}

pub(crate) static READING: crate::timing::Total = crate::timing::Total::new("read files");
pub(crate) static TYPED: crate::timing::Total = crate::timing::Total::new("read typed");
pub(crate) static PARSING: crate::timing::Total = crate::timing::Total::new("parse YAML");
pub(crate) static CHECKING: crate::timing::Total = crate::timing::Total::new("schema check");
pub(crate) static DESERIALIZING: crate::timing::Total = crate::timing::Total::new("deserialize");
pub(crate) static NORMALISING: crate::timing::Total = crate::timing::Total::new("normalise");

/// Prints the per-phase totals of reading a config (with `ROSTER_TIMINGS=1`).
pub fn report_timings() {
    for total in [
        &READING,
        &TYPED,
        &PARSING,
        &CHECKING,
        &DESERIALIZING,
        &NORMALISING,
    ] {
        total.report();
    }
}
