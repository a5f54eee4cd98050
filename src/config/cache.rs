//! A cache of per-file results, keyed by the file's content: the YAML,
//! schema and normalisation stages of a file that has not changed are not
//! run again, so a pull request touching one file of 100,000 re-reads one.
//! Only files without findings are cached; the rules across files always
//! run. The cache is one file per config under the user's cache folder
//! (`ROSTER_CACHE_DIR`, else `$XDG_CACHE_HOME/roster`, else
//! `~/.cache/roster`); `ROSTER_CACHE=off` turns it off.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::normalize::FileModel;

/// The version of the cache's own format.
const FORMAT: u32 = 1;

/// The roster that wrote a cache: its version and the identity of its
/// sources, so results computed by other code are never used.
const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("ROSTER_BUILD_ID"));

/// A file's content hash.
pub type ContentHash = [u8; 32];

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    roster_version: String,
    entries: Vec<(ContentHash, FileModel)>,
}

/// Cached per-file results of one config.
#[derive(Debug, Default)]
pub struct Cache {
    path: Option<PathBuf>,
    entries: HashMap<ContentHash, FileModel>,
}

/// The folder caches live in, unless caching is off.
pub fn default_dir() -> Option<PathBuf> {
    if std::env::var("ROSTER_CACHE").is_ok_and(|v| v == "off" || v == "0") {
        return None;
    }
    if let Some(dir) = std::env::var_os("ROSTER_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("roster"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|home| PathBuf::from(home).join(".cache/roster"))
}

impl Cache {
    /// The cache of the config at `config`, in `dir`; empty when there is
    /// none yet or it was written by another roster.
    pub fn open(dir: &Path, config: &Path) -> Cache {
        let root = std::fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf());
        let key: String = Sha256::digest(root.display().to_string().as_bytes())[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = dir.join(format!("{key}.bin"));
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<Stored>(&bytes).ok())
            .filter(|s| s.format == FORMAT && s.roster_version == BUILD)
            .map(|s| s.entries.into_iter().collect())
            .unwrap_or_default();
        Cache {
            path: Some(path),
            entries,
        }
    }

    /// Whether a result for this content is cached.
    pub fn contains(&self, hash: &ContentHash) -> bool {
        self.entries.contains_key(hash)
    }

    /// Takes the cached result for this content out of the cache.
    pub fn take(&mut self, hash: &ContentHash) -> Option<FileModel> {
        self.entries.remove(hash)
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces the cache with `entries` (the files of this run) when some
    /// were not cached (`fresh`) or some cached ones are gone (`stale`). A
    /// cache that cannot be written is skipped: it only saves time.
    pub fn save(&self, entries: Vec<(ContentHash, &FileModel)>, fresh: usize) {
        let Some(path) = &self.path else { return };
        // What is left in the map after taking this run's files is stale.
        if fresh == 0 && self.entries.is_empty() {
            return;
        }
        #[derive(Serialize)]
        struct Writing<'a> {
            format: u32,
            roster_version: &'static str,
            entries: Vec<(ContentHash, &'a FileModel)>,
        }
        let stored = Writing {
            format: FORMAT,
            roster_version: BUILD,
            entries,
        };
        let Ok(bytes) = postcard::to_stdvec(&stored) else {
            return;
        };
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            // Write then rename, so a reader never sees half a cache.
            let partial = path.with_extension(format!("{}.tmp", std::process::id()));
            if std::fs::write(&partial, bytes).is_ok() {
                let _ = std::fs::rename(&partial, path);
            }
        }
    }
}
