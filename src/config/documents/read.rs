//! Reading files on every core, taking unchanged ones from the cache, and
//! running each new one through the per-file stages.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::check::{check_in_full, read_typed};
use super::discover::{Found, discover_files};
use super::{CleanFile, NORMALISING, READING, ReadConfig, TYPED};
use crate::config::ConfigError;
use crate::config::cache::{Cache, ContentHash, Stamp};
use crate::config::normalize::{self, FileModel};
use crate::config::source::{FileId, FileText, SourceFile, Sources};
use crate::config::yaml::{self, Pos, Span};
use crate::diagnostic::Diagnostic;

/// Reads, parses, schema-checks and normalises every file at `path`, on
/// every core, taking unchanged files from `cache`.
pub fn read(path: &Path, cache: &mut Cache) -> Result<ReadConfig, ConfigError> {
    // Finding the files takes each one's stamp; the workers then read
    // only those whose stamp the cache does not vouch for.
    let files = {
        let _stage = crate::timing::Stage::start("config: find files");
        discover_files(path)?
    };
    let workers_stage = crate::timing::Stage::start("config: read changed files");
    let shared: &Cache = cache;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileOutcome>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    let failure: Mutex<Option<ConfigError>> = Mutex::new(None);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(index) else { break };
                    match read_file(path, file, shared) {
                        Ok(outcome) => {
                            results.lock().expect("no worker panics")[index] = Some(outcome)
                        }
                        Err(error) => {
                            failure
                                .lock()
                                .expect("no worker panics")
                                .get_or_insert(error);
                            break;
                        }
                    }
                }
            });
        }
    });
    drop(workers_stage);
    if let Some(error) = failure.into_inner().expect("no worker panics") {
        return Err(error);
    }
    let _stage = crate::timing::Stage::start("config: take results");
    let mut config = ReadConfig::with_capacity(files.len());
    // Files of the same content share one cache entry: the first takes it,
    // the others copy it.
    let mut taken: std::collections::HashMap<ContentHash, usize> = Default::default();
    for (index, outcome) in results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .enumerate()
    {
        let Some(mut outcome) = outcome else { continue };
        if outcome.cached {
            outcome.model = match cache.take(&outcome.hash) {
                Some(model) => {
                    taken.insert(outcome.hash, config.files.len());
                    Some(Box::new(model))
                }
                None => taken
                    .get(&outcome.hash)
                    .map(|&i| Box::new(config.files[i].1.clone())),
            };
            if outcome.model.is_none() {
                // A cache that promised a result it could not read back
                // (a damaged file): the file is read as if never cached.
                outcome = read_file(path, &files[index], &Cache::default())?;
            }
        }
        config.add(outcome);
    }
    Ok(config)
}

impl ReadConfig {
    fn with_capacity(files: usize) -> ReadConfig {
        ReadConfig {
            sources: Sources::with_capacity(files),
            files: Vec::with_capacity(files),
            clean: Vec::with_capacity(files),
            ..ReadConfig::default()
        }
    }

    fn add(&mut self, outcome: FileOutcome) {
        let id = self.sources.add(outcome.file);
        self.unreadable |= outcome.model.is_none();
        self.fresh += usize::from(!outcome.cached && outcome.diagnostics.is_empty());
        self.cached += usize::from(outcome.cached);
        self.unread += usize::from(outcome.unread);
        if let Some(model) = outcome.model {
            if outcome.diagnostics.is_empty() {
                self.clean.push(CleanFile {
                    index: self.files.len(),
                    path: outcome.relative,
                    stamp: outcome.stamp,
                    hash: outcome.hash,
                });
            }
            self.files.push((id, *model));
        }
        self.diagnostics
            .extend(outcome.diagnostics.into_iter().map(|d| d.in_file(id)));
    }
}

/// Checks config files given as `(name, text)`, as if read from disk:
/// for configs that exist only in memory (an export checking itself).
pub fn read_texts(files: Vec<(String, String)>) -> ReadConfig {
    let cache = Cache::default();
    let outcomes = crate::parallel::map_owned(files, |(name, text)| {
        process(FileText::in_memory(name.clone(), text), name, None, &cache)
    });
    let mut config = ReadConfig::default();
    for outcome in outcomes {
        config.add(outcome);
    }
    config
}

/// One file, processed on a worker before it has a [`FileId`]: its
/// findings are recorded against a placeholder id and moved to the real
/// one afterwards.
struct FileOutcome {
    file: SourceFile,
    /// The path below the config.
    relative: String,
    stamp: Option<Stamp>,
    hash: ContentHash,
    /// Boxed: a cached file has none until the workers are done, and
    /// 100,000 outcomes are held at once.
    model: Option<Box<FileModel>>,
    cached: bool,
    /// Cached by its stamp, without reading it.
    unread: bool,
    diagnostics: Vec<Diagnostic>,
}

const PLACEHOLDER: FileId = FileId(usize::MAX);

fn read_file(root: &Path, found: &Found, cache: &Cache) -> Result<FileOutcome, ConfigError> {
    let path = found.path.as_path();
    let open = |source| ConfigError::Open {
        path: path.to_path_buf(),
        source,
    };
    let relative = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let name = path.display().to_string();
    // The stamp is taken before the text is read: a change made meanwhile
    // gives the file a newer stamp than the one recorded with this text.
    // For a file the cache knows, the stamp is the one taken when the file
    // was found, so that an unchanged one is not even opened; any other is
    // opened and looked at through its handle.
    let mut stamp = None;
    if cache.knows(&relative) {
        stamp = found.stamp;
        if let Some(hash) = stamp.and_then(|s| cache.unchanged(&relative, &s)) {
            return Ok(FileOutcome {
                file: SourceFile::unread(path.to_path_buf(), name, hash),
                relative,
                stamp,
                hash,
                model: None,
                cached: true,
                unread: true,
                diagnostics: Vec::new(),
            });
        }
    }
    let bytes = READING
        .time(|| -> std::io::Result<Vec<u8>> {
            use std::io::Read;
            let mut handle = std::fs::File::open(path)?;
            let metadata = handle.metadata()?;
            if stamp.is_none() {
                stamp = Stamp::of(&metadata);
            }
            // Read into a buffer of the size the handle gave (one byte more,
            // to see the end), sparing `read_to_end` its second look.
            let mut bytes = vec![0; usize::try_from(metadata.len()).unwrap_or(0) + 1];
            let mut filled = 0;
            loop {
                match handle.read(&mut bytes[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
                if filled == bytes.len() {
                    bytes.resize(bytes.len() * 2, 0);
                }
            }
            bytes.truncate(filled);
            Ok(bytes)
        })
        .map_err(open)?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            // Shown up to the first byte that is not UTF-8, which is marked.
            let valid = error.utf8_error().valid_up_to();
            let shown = String::from_utf8_lossy(&error.as_bytes()[..valid]).into_owned();
            let line = shown.matches('\n').count() + 1;
            let col = shown.rsplit('\n').next().map_or(0, |l| l.chars().count());
            let at = Span::point(Pos {
                line: yaml::to_u32(line),
                col: yaml::to_u32(col),
            });
            let file = SourceFile::new(path.to_path_buf(), name, format!("{shown}\u{FFFD}"));
            let diagnostic = Diagnostic::error(
                "roster::yaml::encoding",
                format!("`{}` is not UTF-8 text", file.name),
            )
            .with_label(PLACEHOLDER, at, "the first byte that is not UTF-8")
            .with_help("save the file as UTF-8");
            return Ok(FileOutcome {
                file,
                relative,
                stamp,
                hash: [0; 32],
                model: None,
                cached: false,
                unread: false,
                diagnostics: vec![diagnostic],
            });
        }
    };
    Ok(process(
        FileText::new(path.to_path_buf(), name, text),
        relative,
        stamp,
        cache,
    ))
}

/// The cached result of a file, or all of its per-file stages. A file
/// without findings gives its text up (it is read again from disk in the
/// rare case something points at it later); one with findings keeps it.
fn process(text: FileText, relative: String, stamp: Option<Stamp>, cache: &Cache) -> FileOutcome {
    let hash = text.hash;
    let outcome = |file, model, cached, diagnostics| FileOutcome {
        file,
        relative,
        stamp,
        hash,
        model,
        cached,
        unread: false,
        diagnostics,
    };
    if cache.contains(&hash) {
        // The model is taken from the cache once the workers are done.
        return outcome(text.release(), None, true, Vec::new());
    }
    let mut diagnostics = Vec::new();
    if let Some(document) = TYPED.time(|| read_typed(&text.text)) {
        let model = NORMALISING
            .time(|| normalize::normalize_file(PLACEHOLDER, &document, &mut diagnostics));
        let file = if diagnostics.is_empty() {
            text.release()
        } else {
            text.keep()
        };
        return outcome(file, Some(Box::new(model)), false, diagnostics);
    }
    let on_disk = text.on_disk();
    let file = text.keep();
    let (document, mut diagnostics) = check_in_full(PLACEHOLDER, &file);
    let model = document
        .map(|d| NORMALISING.time(|| normalize::normalize_file(PLACEHOLDER, &d, &mut diagnostics)));
    let file = if diagnostics.is_empty() && on_disk {
        SourceFile::unread(file.path.clone(), file.name.clone(), hash)
    } else {
        file
    };
    outcome(file, model.map(Box::new), false, diagnostics)
}
