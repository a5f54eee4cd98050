//! A cache of per-file results, keyed by the file's content: the YAML,
//! schema and normalisation stages of a file that has not changed are not
//! run again, so a pull request touching one file of 100,000 re-reads one.
//! Only files without findings are cached; the rules across files always
//! run. The cache is one file per config under the user's cache folder
//! (`ROSTER_CACHE_DIR`, else `$XDG_CACHE_HOME/roster`, else
//! `~/.cache/roster`); `ROSTER_CACHE=off` turns it off.
//!
//! Like git's index, the cache also records each file's stamp (size,
//! modification and change times, inode): a file whose stamp is unchanged
//! is not even read, its content hash is taken from the cache. A stamp
//! taken within two seconds of the cache being written is not trusted (the
//! file may have changed again within the clock's resolution), and the
//! change time, which no tool can set back, catches a content swapped in
//! with an old modification time.
//!
//! What a cache says is only ever read by `validate`, `plan` and the like;
//! `apply` and `plan --out`, whose results are written to the directory,
//! use a cache file only when it is [`Trust::Private`]: owned by the user
//! running roster and writable by nobody else (as ssh treats its keys), so
//! that only someone who could edit the config itself could have put
//! anything in it. roster writes its cache files so (mode 0600, in a
//! folder of mode 0700).
//!
//! The file is a small header (stamps and content hashes) and the results
//! in a few parts, read on other threads while the files are looked at.
//! The header and each part carry their SHA-256: a damaged byte anywhere
//! makes that piece a miss (time lost, never a different answer). A run
//! that changed a few files writes their results as a new part after the
//! parts already there, copied as they are, instead of encoding 100,000
//! results again; the file is written whole again once it holds more
//! than a tenth of results no file uses, or 16 parts. It is written on
//! another thread while the run merges and checks, and the run waits for
//! it before it ends.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::normalize::FileModel;

use crate::fast::FastSet as HashSet;

/// The version of the cache's own format.
const FORMAT: u32 = 5;

/// The roster that wrote a cache: its version and the identity of its
/// sources, so results computed by other code are never used.
const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("ROSTER_BUILD_ID"));

/// A file's content hash.
pub type ContentHash = [u8; 32];

/// What the file system says of a file, enough to tell it was not touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    modified_ns: i64,
    changed_ns: i64,
    inode: u64,
    device: u64,
}

impl Stamp {
    /// A stamp of a file's length, modification and change times (seconds
    /// and nanoseconds since 1970), inode and device.
    pub fn new(
        len: u64,
        modified: (i64, i64),
        changed: (i64, i64),
        inode: u64,
        device: u64,
    ) -> Stamp {
        // Nanoseconds since 1970 fit an i64 until 2262; a time beyond
        // that saturates, and the stamp is then only less telling.
        let ns = |(s, n): (i64, i64)| s.saturating_mul(1_000_000_000).saturating_add(n);
        Stamp {
            len,
            modified_ns: ns(modified),
            changed_ns: ns(changed),
            inode,
            device,
        }
    }

    /// The stamp of a file's metadata; none where the platform lacks one.
    pub fn of(metadata: &std::fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Stamp::new(
                metadata.len(),
                (metadata.mtime(), metadata.mtime_nsec()),
                (metadata.ctime(), metadata.ctime_nsec()),
                metadata.ino(),
                metadata.dev(),
            ))
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            None
        }
    }
}

/// Which cache files a run may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Any: what the run makes of the cache is only read by people.
    Any,
    /// Only a file owned by the user running roster and writable by nobody
    /// else: what the run makes of the cache is written to the directory.
    Private,
}

/// Whether the cache file opened as `file` may be used under `trust`.
fn trusted(file: &std::fs::File, trust: Trust) -> bool {
    match trust {
        Trust::Any => true,
        Trust::Private => private(file),
    }
}

/// Whether the open `file` is owned by the user running roster and
/// writable by nobody else (its group and others have no write bit).
#[cfg(target_os = "linux")]
fn private(file: &std::fs::File) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    file.metadata()
        .is_ok_and(|m| m.is_file() && m.uid() == me && m.mode() & 0o022 == 0)
}

/// Elsewhere ownership is not checked: no cache is private.
#[cfg(not(target_os = "linux"))]
fn private(_file: &std::fs::File) -> bool {
    false
}

/// How close to the cache's writing a stamp may be and still be trusted.
const RACY_NS: i64 = 2_000_000_000;

/// What the cache file starts with; the parts of results follow.
#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    roster_version: String,
    /// When the cache was written, in nanoseconds since 1970.
    written_ns: i64,
    /// Each file's path below the config, stamp and content hash.
    files: Vec<(String, Stamp, ContentHash)>,
    /// The content hashes of the results held.
    hashes: Vec<ContentHash>,
    /// The length and SHA-256 of each part: postcard of
    /// `Vec<(ContentHash, FileModel)>`.
    parts: Vec<(u64, ContentHash)>,
}

/// The results of one part, sorted by content hash as written, so that a
/// result is found by a binary search instead of a table of 100,000
/// entries built first.
#[derive(Debug, Default)]
struct Part {
    /// The first eight bytes of each content hash, in order: the search
    /// runs over these 8 bytes per result rather than over the results,
    /// a few hundred bytes each and a cache miss per step.
    keys: Vec<u64>,
    results: Vec<(ContentHash, FileModel)>,
}

impl Part {
    /// A part of results sorted by content hash; none when they are not.
    fn new(results: Vec<(ContentHash, FileModel)>) -> Option<Part> {
        if !results.is_sorted_by(|a, b| a.0 < b.0) {
            return None;
        }
        let keys = results.iter().map(|(hash, _)| key(hash)).collect();
        Some(Part { keys, results })
    }

    /// Takes the result for `hash` out, leaving an empty one.
    fn take(&mut self, hash: &ContentHash) -> Option<FileModel> {
        let wanted = key(hash);
        let from = self.keys.partition_point(|k| *k < wanted);
        let at = (from..self.keys.len())
            .take_while(|&i| self.keys[i] == wanted)
            .find(|&i| self.results[i].0 == *hash)?;
        Some(std::mem::take(&mut self.results[at].1))
    }
}

/// The first eight bytes of a content hash, ordered as the hashes are.
fn key(hash: &ContentHash) -> u64 {
    let mut first = [0; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first)
}

/// The results, read on other threads until someone needs them.
#[derive(Debug)]
enum Entries {
    Ready(Vec<Part>),
    Reading(JoinHandle<(Vec<Part>, bool)>),
}

/// The cache file as read: its bytes, where its parts are, and the
/// content hashes they hold, so that a run which changed a few files
/// writes their results after the parts already there instead of
/// encoding every result again.
#[derive(Debug)]
struct Previous {
    bytes: std::sync::Arc<Vec<u8>>,
    /// The parts, one after another: their bytes, length and digest.
    body: std::ops::Range<usize>,
    parts: Vec<(u64, ContentHash)>,
    hashes: Vec<ContentHash>,
    /// Whether every part passed its digest (known once read).
    sound: bool,
}

/// At most this many parts before the cache is written whole again.
const MAX_PARTS: usize = 16;

impl Default for Entries {
    fn default() -> Entries {
        Entries::Ready(Vec::new())
    }
}

/// Cached per-file results of one config.
#[derive(Debug, Default)]
pub struct Cache {
    path: Option<PathBuf>,
    /// The content hashes of the results held (known before they are read).
    hashes: HashSet<ContentHash>,
    entries: Entries,
    /// Trusted stamps: path below the config, stamp and content hash,
    /// sorted by path.
    stamps: Vec<(String, Stamp, ContentHash)>,
    /// The file as read, when it was sound so far.
    previous: Option<Previous>,
    /// The new cache file, being written.
    writing: Writing,
}

/// A cache file being written on another thread; dropping it waits for
/// the writing to end.
#[derive(Debug, Default)]
struct Writing(Option<JoinHandle<()>>);

impl Writing {
    fn finish(&mut self) {
        if let Some(writing) = self.0.take() {
            // A writer that panicked only wrote no cache.
            let _ = writing.join();
        }
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A file as the cache will remember it.
#[derive(Debug, Clone)]
pub struct Remembered<'a> {
    /// The path below the config.
    pub path: String,
    /// The stamp taken before the file was read.
    pub stamp: Option<Stamp>,
    /// The content hash.
    pub hash: ContentHash,
    /// The file's results.
    pub model: &'a FileModel,
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl Cache {
    /// The cache of the config at `config`, in `dir`; empty when there is
    /// none yet, it was written by another roster, or `trust` refuses it.
    pub fn open(dir: &Path, config: &Path, trust: Trust) -> Cache {
        let root = std::fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf());
        let key: String = Sha256::digest(root.display().to_string().as_bytes())[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = dir.join(format!("{key}.bin"));
        let empty = |path| Cache {
            path: Some(path),
            ..Cache::default()
        };
        let Some(bytes) = read_trusted(&path, trust) else {
            return empty(path);
        };
        let Some((header, body)) = read_header(&bytes) else {
            return empty(path);
        };
        let mut parts = Vec::with_capacity(header.parts.len());
        let mut at = body;
        for &(len, digest) in &header.parts {
            let Some(end) = usize::try_from(len).ok().and_then(|l| at.checked_add(l)) else {
                return empty(path);
            };
            if end > bytes.len() {
                return empty(path);
            }
            parts.push((at..end, digest));
            at = end;
        }
        let trusted = header.written_ns.saturating_sub(RACY_NS);
        let bytes = std::sync::Arc::new(bytes);
        let previous = Previous {
            bytes: bytes.clone(),
            body: body..at,
            parts: header.parts,
            hashes: header.hashes.clone(),
            sound: false,
        };
        let mut stamps = header.files;
        stamps.retain(|(_, stamp, _)| stamp.changed_ns.max(stamp.modified_ns) < trusted);
        // Written in the order files were found, which is path order but
        // for a `-` or `.` that sorts before `/`.
        if !stamps.is_sorted_by(|a, b| a.0 <= b.0) {
            stamps.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        Cache {
            path: Some(path),
            stamps,
            hashes: header.hashes.into_iter().collect(),
            entries: Entries::Reading(std::thread::spawn(move || read_parts(&bytes, parts))),
            previous: Some(previous),
            writing: Writing::default(),
        }
    }

    /// The content hash of the file at `path` (below the config), when its
    /// stamp is the one recorded and its results are cached: the file need
    /// not be read.
    pub fn unchanged(&self, path: &str, stamp: &Stamp) -> Option<ContentHash> {
        let (recorded, hash) = self.stamp(path)?;
        (recorded == stamp && self.hashes.contains(hash)).then_some(*hash)
    }

    /// Whether the cache recorded a stamp for the file at `path`.
    pub fn knows(&self, path: &str) -> bool {
        self.stamp(path).is_some()
    }

    /// The stamp and content hash recorded for the file at `path`.
    fn stamp(&self, path: &str) -> Option<(&Stamp, &ContentHash)> {
        let at = self
            .stamps
            .binary_search_by(|(p, _, _)| p.as_str().cmp(path))
            .ok()?;
        let (_, stamp, hash) = &self.stamps[at];
        Some((stamp, hash))
    }

    /// Whether a result for this content is cached.
    pub fn contains(&self, hash: &ContentHash) -> bool {
        self.hashes.contains(hash)
    }

    /// The results, once they are read.
    fn entries(&mut self) -> &mut Vec<Part> {
        if let Entries::Reading(_) = self.entries {
            let Entries::Reading(reading) = std::mem::take(&mut self.entries) else {
                unreachable!("matched above");
            };
            // A cache that cannot be read only costs time.
            let (entries, sound) = reading.join().unwrap_or_default();
            if let Some(previous) = &mut self.previous {
                previous.sound = sound;
            }
            self.entries = Entries::Ready(entries);
        }
        match &mut self.entries {
            Entries::Ready(entries) => entries,
            Entries::Reading(_) => unreachable!("read above"),
        }
    }

    /// Takes the cached result for this content out of the cache; none
    /// when it is not there or was taken already.
    pub fn take(&mut self, hash: &ContentHash) -> Option<FileModel> {
        if !self.hashes.remove(hash) {
            return None;
        }
        self.entries().iter_mut().find_map(|part| part.take(hash))
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Replaces the cache with `files` (the clean files of this run) when
    /// something changed: some were not cached (`fresh`), some cached ones
    /// are gone (left in the cache after this run took its own), or some
    /// stamp is new. A cache that cannot be written is skipped: it only
    /// saves time.
    pub fn save(&mut self, files: Vec<Remembered<'_>>, fresh: usize) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let restamped = files.iter().any(|f| {
            f.stamp
                .is_some_and(|stamp| self.stamp(&f.path) != Some((&stamp, &f.hash)))
        });
        if fresh == 0 && self.hashes.is_empty() && !restamped {
            return;
        }
        let mut entries: Vec<(ContentHash, &FileModel)> =
            files.iter().map(|f| (f.hash, f.model)).collect();
        entries.sort_unstable_by_key(|(hash, _)| *hash);
        entries.dedup_by_key(|(hash, _)| *hash);
        if self.append(&files, &entries) {
            return;
        }
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Each part written on a thread of its own.
        let parts: Option<Vec<Vec<u8>>> = std::thread::scope(|scope| {
            let writers: Vec<_> = entries
                .chunks(entries.len().div_ceil(workers).max(1))
                .map(|part| scope.spawn(move || postcard::to_stdvec(part)))
                .collect();
            writers
                .into_iter()
                .map(|writer| writer.join().ok()?.ok())
                .collect()
        });
        let Some(parts) = parts else { return };
        let header = Header {
            format: FORMAT,
            roster_version: BUILD.to_string(),
            written_ns: now_ns(),
            files: files
                .into_iter()
                .filter_map(|f| Some((f.path, f.stamp?, f.hash)))
                .collect(),
            hashes: entries.iter().map(|(hash, _)| *hash).collect(),
            parts: parts
                .iter()
                .map(|p| (p.len() as u64, Sha256::digest(p).into()))
                .collect(),
        };
        let parts = parts.into_iter().map(Piece::Owned).collect();
        self.write_later(path, header, parts);
    }

    /// Writes the results of this run's new content after the parts the
    /// cache file already has, when those parts are sound and hold few
    /// results no file uses any more; whether it did. A content's result
    /// does not change, so an old one kept is right, only unused.
    fn append(&mut self, files: &[Remembered<'_>], entries: &[(ContentHash, &FileModel)]) -> bool {
        // Known sound only once read.
        self.entries();
        let (Some(path), Some(previous)) = (&self.path, &self.previous) else {
            return false;
        };
        if !previous.sound || previous.parts.len() >= MAX_PARTS {
            return false;
        }
        let held: HashSet<ContentHash> = previous.hashes.iter().copied().collect();
        let new: Vec<(ContentHash, &FileModel)> = entries
            .iter()
            .filter(|(hash, _)| !held.contains(hash))
            .copied()
            .collect();
        let unused = (held.len() + new.len()).saturating_sub(entries.len());
        if unused * 10 > entries.len() {
            return false;
        }
        let mut parts = previous.parts.clone();
        let mut part = Vec::new();
        if !new.is_empty() {
            let Ok(encoded) = postcard::to_stdvec(&new) else {
                return false;
            };
            parts.push((encoded.len() as u64, Sha256::digest(&encoded).into()));
            part = encoded;
        }
        let header = Header {
            format: FORMAT,
            roster_version: BUILD.to_string(),
            written_ns: now_ns(),
            files: files
                .iter()
                .filter_map(|f| Some((f.path.clone(), f.stamp?, f.hash)))
                .collect(),
            hashes: previous
                .hashes
                .iter()
                .copied()
                .chain(new.iter().map(|(hash, _)| *hash))
                .collect(),
            parts,
        };
        let old = Piece::Kept(previous.bytes.clone(), previous.body.clone());
        self.write_later(path.clone(), header, vec![old, Piece::Owned(part)]);
        true
    }

    /// Writes the cache file on another thread, while the run goes on to
    /// merge and check; dropping the cache waits for it.
    fn write_later(&mut self, path: PathBuf, header: Header, parts: Vec<Piece>) {
        self.writing.finish();
        self.writing = Writing(Some(std::thread::spawn(move || {
            write_file(&path, &header, &parts)
        })));
    }
}

/// A piece of the cache file to write: bytes of its own, or a range of
/// the cache file as read (parts kept as they were).
enum Piece {
    Owned(Vec<u8>),
    Kept(std::sync::Arc<Vec<u8>>, std::ops::Range<usize>),
}

impl Piece {
    fn bytes(&self) -> &[u8] {
        match self {
            Piece::Owned(bytes) => bytes,
            Piece::Kept(bytes, range) => &bytes[range.clone()],
        }
    }
}

/// Writes the cache file: the header's length and digest, the header,
/// then the parts' bytes, each piece as it is (40 MB of parts kept are
/// not copied first); through a temporary file renamed into place, so a
/// reader never sees half a cache. A cache that cannot be written is
/// skipped: it only saves time.
fn write_file(path: &Path, header: &Header, parts: &[Piece]) {
    let Ok(head) = postcard::to_stdvec(header) else {
        return;
    };
    let mut start = Vec::with_capacity(40);
    start.extend((head.len() as u64).to_le_bytes());
    start.extend(Sha256::digest(&head));
    if let Some(dir) = path.parent()
        && create_private_dir(dir).is_ok()
    {
        use std::io::Write;
        let partial = path.with_extension(format!("{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&partial);
        let written = create_private(&partial).and_then(|mut file| {
            file.write_all(&start)?;
            file.write_all(&head)?;
            parts
                .iter()
                .try_for_each(|part| file.write_all(part.bytes()))
        });
        if written.is_ok() {
            let _ = std::fs::rename(&partial, path);
        } else {
            let _ = std::fs::remove_file(&partial);
        }
    }
}

/// The bytes of the cache file at `path`, when `trust` allows it; its
/// owner and mode are those of the file read, not of a path looked at
/// before.
fn read_trusted(path: &Path, trust: Trust) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    if !trusted(&file, trust) {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Creates `path`, which must not exist yet, for writing, readable and
/// writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates the folder `dir` and its parents, the new ones open to their
/// owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The header of a cache file of this format and roster, and where the
/// parts start.
fn read_header(bytes: &[u8]) -> Option<(Header, usize)> {
    let len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let digest = bytes.get(8..40)?;
    let head = bytes.get(40..40usize.checked_add(len)?)?;
    if Sha256::digest(head).as_slice() != digest {
        return None;
    }
    let header: Header = postcard::from_bytes(head).ok()?;
    (header.format == FORMAT && header.roster_version == BUILD).then_some((header, 40 + len))
}

/// The results in `parts` of `bytes`, each part read on a thread of its
/// own, and whether every part was sound.
fn read_parts(
    bytes: &[u8],
    parts: Vec<(std::ops::Range<usize>, ContentHash)>,
) -> (Vec<Part>, bool) {
    std::thread::scope(|scope| {
        let readers: Vec<_> = parts
            .into_iter()
            .map(|(range, digest)| {
                scope.spawn(move || {
                    let part = &bytes[range];
                    if Sha256::digest(part).as_slice() != digest {
                        return None;
                    }
                    // Sorted as written; a part that is not is a miss.
                    Part::new(postcard::from_bytes(part).ok()?)
                })
            })
            .collect();
        let mut sound = true;
        let mut entries = Vec::with_capacity(readers.len());
        for reader in readers {
            match reader.join().ok().flatten() {
                Some(part) => entries.push(part),
                None => sound = false,
            }
        }
        (entries, sound)
    })
}

#[cfg(test)]
mod tests {
    use super::{ContentHash, FileModel, Part};

    fn hash(first: u8, last: u8) -> ContentHash {
        let mut hash = [0; 32];
        hash[0] = first;
        hash[31] = last;
        hash
    }

    fn model(owner: &str) -> FileModel {
        FileModel {
            account: Some((owner.to_string(), Default::default())),
            ..FileModel::default()
        }
    }

    #[test]
    fn a_part_finds_each_result_among_hashes_that_share_their_first_bytes() {
        let results = vec![
            (hash(1, 1), model("a")),
            (hash(1, 2), model("b")),
            (hash(1, 3), model("c")),
            (hash(9, 0), model("d")),
        ];
        let mut part = Part::new(results).expect("sorted");
        assert_eq!(part.take(&hash(1, 2)), Some(model("b")));
        assert_eq!(part.take(&hash(1, 3)), Some(model("c")));
        assert_eq!(part.take(&hash(9, 0)), Some(model("d")));
        assert_eq!(part.take(&hash(1, 1)), Some(model("a")));
        assert_eq!(part.take(&hash(1, 4)), None);
        assert_eq!(part.take(&hash(0, 0)), None);
        assert_eq!(part.take(&hash(255, 0)), None);
    }

    #[test]
    fn a_part_out_of_order_is_refused() {
        let results = vec![(hash(2, 0), model("a")), (hash(1, 0), model("b"))];
        assert!(Part::new(results).is_none());
        let repeated = vec![(hash(1, 0), model("a")), (hash(1, 0), model("b"))];
        assert!(Part::new(repeated).is_none());
    }
}
