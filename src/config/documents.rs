//! Reading a config's files: discovery, YAML, the version line, the schema
//! check, and deserialization into [`Document`]s. Files are independent
//! here, so they are read on every core.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::ConfigError;
use super::cache::{Cache, ContentHash, Stamp};
use super::normalize::{self, FileModel};
use super::schema_check;
use super::source::{FileId, SourceFile, Sources};
use super::yaml::{self, Pos, Span, YamlProblem};
use crate::diagnostic::Diagnostic;
use crate::model::document::{Document, FORMAT_VERSION};

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

/// Finds the roster documents at `path`: the file itself, or every
/// `*.yaml`/`*.yml` below a directory, hidden entries skipped, in path order.
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let metadata = std::fs::metadata(path).map_err(|source| ConfigError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if metadata.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut visited = std::collections::HashSet::new();
    walk(path, &mut files, &mut visited)?;
    debug_assert!(files.is_sorted());
    if files.is_empty() {
        return Err(ConfigError::NoDocuments {
            path: path.to_path_buf(),
        });
    }
    Ok(files)
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
            files.push(path);
        }
    }
    Ok(())
}

/// Reads, parses, schema-checks and normalises every file at `path`, on
/// every core, taking unchanged files from `cache`.
pub fn read(path: &Path, cache: &mut Cache) -> Result<ReadConfig, ConfigError> {
    let files = discover(path)?;
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
    if let Some(error) = failure.into_inner().expect("no worker panics") {
        return Err(error);
    }
    let mut config = ReadConfig::default();
    // Files of the same content share one cache entry: the first takes it,
    // the others copy it.
    let mut taken: std::collections::HashMap<ContentHash, usize> = Default::default();
    for mut outcome in results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flatten()
    {
        if outcome.cached {
            outcome.model = match cache.take(&outcome.hash) {
                Some(model) => {
                    taken.insert(outcome.hash, config.files.len());
                    Some(model)
                }
                None => taken.get(&outcome.hash).map(|&i| config.files[i].1.clone()),
            };
        }
        config.add(outcome);
    }
    Ok(config)
}

impl ReadConfig {
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
            self.files.push((id, model));
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
        process(
            SourceFile::in_memory(name.clone(), text),
            name,
            None,
            &cache,
        )
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
    model: Option<FileModel>,
    cached: bool,
    /// Cached by its stamp, without reading it.
    unread: bool,
    diagnostics: Vec<Diagnostic>,
}

const PLACEHOLDER: FileId = FileId(usize::MAX);

fn read_file(root: &Path, path: &Path, cache: &Cache) -> Result<FileOutcome, ConfigError> {
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
    let stamp = Stamp::of(&std::fs::metadata(path).map_err(open)?);
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
    let bytes = READING.time(|| std::fs::read(path)).map_err(open)?;
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
        SourceFile::new(path.to_path_buf(), name, text),
        relative,
        stamp,
        cache,
    ))
}

/// The cached result of a file, or all of its per-file stages.
fn process(
    mut file: SourceFile,
    relative: String,
    stamp: Option<Stamp>,
    cache: &Cache,
) -> FileOutcome {
    let hash = file.hash();
    if cache.contains(&hash) {
        file.release();
        // The model is taken from the cache once the workers are done.
        return FileOutcome {
            file,
            relative,
            stamp,
            hash,
            model: None,
            cached: true,
            unread: false,
            diagnostics: Vec::new(),
        };
    }
    let (document, mut diagnostics) = check_text(PLACEHOLDER, &file);
    let model = document
        .map(|d| NORMALISING.time(|| normalize::normalize_file(PLACEHOLDER, &d, &mut diagnostics)));
    if diagnostics.is_empty() {
        // Read again from disk in the rare case something points here later.
        file.release();
    }
    FileOutcome {
        file,
        relative,
        stamp,
        hash,
        model,
        cached: false,
        unread: false,
        diagnostics,
    }
}

static READING: crate::timing::Total = crate::timing::Total::new("read files");
static PARSING: crate::timing::Total = crate::timing::Total::new("parse YAML");
static CHECKING: crate::timing::Total = crate::timing::Total::new("schema check");
static DESERIALIZING: crate::timing::Total = crate::timing::Total::new("deserialize");
static NORMALISING: crate::timing::Total = crate::timing::Total::new("normalise");

/// Prints the per-phase totals of reading a config (with `ROSTER_TIMINGS=1`).
pub fn report_timings() {
    for total in [&READING, &PARSING, &CHECKING, &DESERIALIZING, &NORMALISING] {
        total.report();
    }
}

/// Runs the YAML, version and schema stages on one file's text.
pub fn check_text(id: FileId, file: &SourceFile) -> (Option<Document>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let parsed = match PARSING.time(|| yaml::parse(file.text())) {
        Ok(parsed) => parsed,
        Err(problem) => {
            diagnostics.push(yaml_diagnostic(id, problem));
            return (None, diagnostics);
        }
    };
    diagnostics.extend(
        parsed
            .problems
            .iter()
            .cloned()
            .map(|p| yaml_diagnostic(id, p)),
    );
    if let Some(diagnostic) = check_version(id, &parsed) {
        diagnostics.push(diagnostic);
        return (None, diagnostics);
    }
    diagnostics
        .extend(CHECKING.time(|| schema_check::check(id, file, &parsed.value, &parsed.positions)));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, diagnostics);
    }
    match DESERIALIZING.time(|| serde_json::from_value::<Document>(parsed.value)) {
        Ok(document) => (Some(document), diagnostics),
        Err(error) => {
            diagnostics.push(
                Diagnostic::error(
                    "roster::schema::invalid",
                    format!("the document cannot be read: {error}"),
                )
                .with_label(id, first_line(), "in this document"),
            );
            (None, diagnostics)
        }
    }
}

fn first_line() -> Span {
    Span {
        start: Pos { line: 1, col: 0 },
        end: Pos { line: 1, col: 1 },
    }
}

/// Refuses documents of another format version before the schema reports
/// every key of a newer format as unknown.
fn check_version(id: FileId, parsed: &yaml::Parsed) -> Option<Diagnostic> {
    match &parsed.value {
        Value::Object(map) => {
            let version = map.get("version")?;
            if version.as_u64() == Some(FORMAT_VERSION) || !version.is_number() {
                // Right, or of the wrong type: the schema says so.
                return None;
            }
            let at = yaml::locate(&parsed.value, &parsed.positions, "/version").value;
            Some(
                Diagnostic::error("roster::version", format!("unsupported document version `{version}`"))
                    .with_label(id, at, "this roster reads version 1 only")
                    .with_help(format!(
                        "version {version} documents need a newer roster; this one understands `version: {FORMAT_VERSION}`"
                    )),
            )
        }
        Value::Null => Some(
            Diagnostic::error("roster::schema::empty", "the document is empty")
                .with_label(id, first_line(), "nothing here")
                .with_help("a roster document starts with `version: 1`"),
        ),
        other => {
            let found = match other {
                Value::Array(_) => "a list",
                _ => "a single value",
            };
            Some(
                Diagnostic::error(
                    "roster::schema::type",
                    format!("a roster document must be a mapping, found {found}"),
                )
                .with_label(id, parsed.positions.span(), "not a mapping")
                .with_help("a roster document is a mapping that starts with `version: 1`"),
            )
        }
    }
}

fn yaml_diagnostic(id: FileId, problem: YamlProblem) -> Diagnostic {
    let point = Span::point;
    match problem {
        YamlProblem::Syntax { at, message } => {
            Diagnostic::error("roster::yaml::syntax", format!("invalid YAML: {message}"))
                .with_label(id, point(at), "here")
                .with_help("check the indentation and the `:` and `-` around this place")
        }
        YamlProblem::DuplicateKey { key, first, second } => Diagnostic::error(
            "roster::yaml::duplicate-key",
            format!("key `{key}` appears twice in one mapping"),
        )
        .with_label(id, second, "written again here")
        .with_label(id, first, "first written here")
        .with_help(format!("keep one `{key}`")),
        YamlProblem::ExtraDocument { at } => Diagnostic::error(
            "roster::yaml::documents",
            "a roster file holds one YAML document",
        )
        .with_label(id, at, "a second document starts here")
        .with_help("move the second document into a file of its own"),
        YamlProblem::UnsupportedTag { tag, at } => {
            Diagnostic::error("roster::yaml::tag", format!("unsupported YAML tag `{tag}`"))
                .with_label(id, at, "tagged here")
                .with_help("remove the tag; roster documents use plain YAML values")
        }
        YamlProblem::ComplexKey { at } => {
            Diagnostic::error("roster::yaml::key", "a mapping key must be a plain value")
                .with_label(id, at, "a list or mapping used as a key")
        }
        YamlProblem::NotANumber { at } => {
            Diagnostic::error("roster::yaml::number", "this number cannot be represented")
                .with_label(id, at, "not a finite number")
        }
        YamlProblem::BadAlias { at, message } => Diagnostic::error(
            "roster::yaml::alias",
            format!("bad alias: {message}"),
        )
        .with_label(id, at, "this alias"),
    }
}
