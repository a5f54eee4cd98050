//! Finding a config's documents: the file itself, or every `*.yaml` /
//! `*.yml` below a folder.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::ConfigError;
use crate::config::yaml;

/// Finds the roster documents at `path`: the file itself, or every
/// `*.yaml`/`*.yml` below a directory, hidden entries skipped, in path order.
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    Ok(discover_files(path)?.into_iter().map(|f| f.path).collect())
}

/// A document found, with what the file system said of it when found.
#[derive(Debug)]
pub struct Found {
    /// Its path.
    pub path: PathBuf,
    /// Its metadata, links followed.
    pub metadata: std::fs::Metadata,
}

/// Like [`discover`], with each file's metadata: the files are looked at
/// on every core, once (a reader of 100,000 unchanged files needs nothing
/// else of the file system).
pub fn discover_files(path: &Path) -> Result<Vec<Found>, ConfigError> {
    let metadata = std::fs::metadata(path).map_err(|source| ConfigError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if !metadata.is_dir() {
        regular(path, &metadata)?;
        return Ok(vec![Found {
            path: path.to_path_buf(),
            metadata,
        }]);
    }
    let mut paths = Vec::new();
    let mut visited = std::collections::HashSet::new();
    walk(path, &mut paths, &mut visited)?;
    debug_assert!(paths.is_sorted());
    if paths.is_empty() {
        return Err(ConfigError::NoDocuments {
            path: path.to_path_buf(),
        });
    }
    let looked = crate::parallel::map(&paths, |path| std::fs::metadata(path));
    // The first problem in path order, as a walk one file at a time finds it.
    paths
        .into_iter()
        .zip(looked)
        .map(|(path, metadata)| {
            let metadata = metadata.map_err(|source| ConfigError::Open {
                path: path.clone(),
                source,
            })?;
            regular(&path, &metadata)?;
            Ok(Found { path, metadata })
        })
        .collect()
}

/// Whether `text` is a roster document: a YAML mapping with a `version`
/// and no keys but a roster document's. Other YAML (a Kubernetes manifest,
/// a CI workflow) that happens to live beside the config is not.
pub fn is_roster_document(text: &str) -> bool {
    let Ok(parsed) = yaml::parse(text) else {
        return false;
    };
    let Value::Object(map) = &parsed.value else {
        return false;
    };
    map.contains_key("version")
        && map.keys().all(|k| {
            matches!(
                k.as_str(),
                "version" | "account" | "roles" | "users" | "groups"
            )
        })
}

/// Collects the documents below `dir`. Symbolic links are followed, to
/// folders too (a config may link a team's folder in from elsewhere); a
/// folder reached a second time, as through a link back up, is read once.
fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), ConfigError> {
    if let Ok(real) = std::fs::canonicalize(dir)
        && !visited.insert(real)
    {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(dir)
        .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
        .map_err(|source| ConfigError::Open {
            path: dir.to_path_buf(),
            source,
        })?;
    // Each folder's entries in name order, depth first: the files come out
    // in path order without sorting 100,000 paths component by component.
    entries.sort_by_cached_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let mut kind = entry.file_type().map_err(|source| ConfigError::Open {
            path: path.clone(),
            source,
        })?;
        if kind.is_symlink() {
            kind = std::fs::metadata(&path)
                .map_err(|source| ConfigError::Open {
                    path: path.clone(),
                    source,
                })?
                .file_type();
        }
        if kind.is_dir() {
            walk(&path, files, visited)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            // Looked at, and refused unless a regular file, by the caller.
            files.push(path);
        }
    }
    Ok(())
}

/// The most bytes a document may have: a 100,000-user config spread over
/// one file is about 80 MB.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Refuses what is not a regular file of a sane size: a FIFO would make a
/// read wait forever, a link to `/dev/zero` never end.
fn regular(path: &Path, metadata: &std::fs::Metadata) -> Result<(), ConfigError> {
    if !metadata.is_file() {
        return Err(ConfigError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if metadata.len() > MAX_DOCUMENT_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(())
}
