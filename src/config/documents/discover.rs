//! Finding a config's documents: the file itself, or every `*.yaml` /
//! `*.yml` below a folder.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::ConfigError;
use crate::config::cache::Stamp;
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
    /// Its stamp, links followed (only the stamp is kept of the metadata:
    /// 100,000 of these are held at once).
    pub stamp: Option<Stamp>,
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
        regular(path, &Looked::of(&metadata))?;
        return Ok(vec![Found {
            path: path.to_path_buf(),
            stamp: Stamp::of(&metadata),
        }]);
    }
    let mut walked = Walked::default();
    let mut visited = std::collections::HashSet::new();
    walk(path, &mut walked, &mut visited)?;
    debug_assert!(walked.files.iter().map(|(p, _)| p).is_sorted());
    if walked.files.is_empty() {
        return Err(ConfigError::NoDocuments {
            path: path.to_path_buf(),
        });
    }
    let looked = look_at_all(&walked);
    // The first problem in path order, as a walk one file at a time finds it.
    walked
        .files
        .into_iter()
        .map(|(path, _)| path)
        .zip(looked)
        .map(|(path, looked)| {
            let looked = looked.map_err(|source| ConfigError::Open {
                path: path.clone(),
                source,
            })?;
            regular(&path, &looked)?;
            Ok(Found {
                path,
                stamp: looked.stamp,
            })
        })
        .collect()
}

/// What a walk found: the folders, and each file with its folder.
#[derive(Default)]
struct Walked {
    folders: Vec<PathBuf>,
    files: Vec<(PathBuf, usize)>,
}

/// What the file system says of every file walked, links followed, on
/// every core. Each worker takes a run of files and looks at each through
/// its folder's handle: the kernel then resolves the file's own name
/// only, not every folder of its path again (a quarter of the system time
/// of 100,000 looks). One folder handle is open per worker at a time.
fn look_at_all(walked: &Walked) -> Vec<std::io::Result<Looked>> {
    let files = &walked.files;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(workers).max(1024);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut folder = FolderHandle::default();
                    part.iter()
                        .map(|(path, at)| folder.look(&walked.folders[*at], *at, path))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("workers do not panic"))
            .collect()
    })
}

/// The folder a worker looks into, kept open while its files come.
#[derive(Default)]
struct FolderHandle {
    open: Option<(usize, std::fs::File)>,
}

impl FolderHandle {
    /// What the file system says of `path`, the file in folder number
    /// `at`, `folder`.
    #[cfg(target_os = "linux")]
    fn look(&mut self, folder: &Path, at: usize, path: &Path) -> std::io::Result<Looked> {
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        if self.open.as_ref().is_none_or(|(open, _)| *open != at) {
            self.open = None;
            match std::fs::File::open(folder) {
                Ok(handle) => self.open = Some((at, handle)),
                // A folder that cannot be opened is looked into by path.
                Err(_) => return std::fs::metadata(path).map(|m| Looked::of(&m)),
            }
        }
        let Some((_, handle)) = &self.open else {
            unreachable!("opened above");
        };
        let Some(name) = path
            .file_name()
            .and_then(|n| std::ffi::CString::new(n.as_bytes()).ok())
        else {
            return std::fs::metadata(path).map(|m| Looked::of(&m));
        };
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: the handle is an open folder, the name a NUL-terminated
        // string and `stat` room for the answer; flags 0 follows links,
        // as `std::fs::metadata` does.
        let done =
            unsafe { libc::fstatat(handle.as_raw_fd(), name.as_ptr(), stat.as_mut_ptr(), 0) };
        if done != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fstatat filled it in when it returned 0.
        let stat = unsafe { stat.assume_init() };
        Ok(Looked {
            file: stat.st_mode & libc::S_IFMT == libc::S_IFREG,
            len: u64::try_from(stat.st_size).unwrap_or(0),
            stamp: Some(Stamp::new(
                u64::try_from(stat.st_size).unwrap_or(0),
                (stat.st_mtime, stat.st_mtime_nsec),
                (stat.st_ctime, stat.st_ctime_nsec),
                stat.st_ino,
                stat.st_dev,
            )),
        })
    }

    /// Elsewhere each file is looked at by its path.
    #[cfg(not(target_os = "linux"))]
    fn look(&mut self, _folder: &Path, _at: usize, path: &Path) -> std::io::Result<Looked> {
        std::fs::metadata(path).map(|m| Looked::of(&m))
    }
}

/// What is kept of a file's metadata.
struct Looked {
    file: bool,
    len: u64,
    stamp: Option<Stamp>,
}

impl Looked {
    fn of(metadata: &std::fs::Metadata) -> Looked {
        Looked {
            file: metadata.is_file(),
            len: metadata.len(),
            stamp: Stamp::of(metadata),
        }
    }
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
    walked: &mut Walked,
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
    let at = walked.folders.len();
    walked.folders.push(dir.to_path_buf());
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
            walk(&path, walked, visited)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            // Looked at, and refused unless a regular file, by the caller.
            walked.files.push((path, at));
        }
    }
    Ok(())
}

/// The most bytes a document may have: a 100,000-user config spread over
/// one file is about 80 MB.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Refuses what is not a regular file of a sane size: a FIFO would make a
/// read wait forever, a link to `/dev/zero` never end.
fn regular(path: &Path, metadata: &Looked) -> Result<(), ConfigError> {
    if !metadata.file {
        return Err(ConfigError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if metadata.len > MAX_DOCUMENT_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len,
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(())
}
