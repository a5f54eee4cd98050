//! Loading a config: each file's YAML read into a typed document (straight
//! from YAML events when the file is clean, else with positions → schema
//! check → deserialization, which place every finding) → normalisation,
//! per file and merged → semantic rules.
pub mod cache;
pub mod documents;
pub mod locate;
pub mod normalize;
pub mod rules;
pub mod schema_check;
pub mod source;
pub mod suggest;
pub mod typed;
pub mod values;
pub mod yaml;

use std::path::PathBuf;

/// A config that could not be read at all (as opposed to one with findings).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The path or a file below it could not be opened.
    #[error("cannot read `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `*.yaml` that is a FIFO, a device or a socket: reading it could
    /// wait forever or never end.
    #[error("`{}` is not a regular file (a FIFO, a device or a socket); roster reads only files", path.display())]
    NotAFile { path: PathBuf },
    /// A document larger than any roster config file is.
    #[error("`{}` is {size} bytes, more than the {limit} bytes a roster document may have", path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// A directory without any roster documents.
    #[error("no roster documents (`*.yaml`, `*.yml`) under `{}`", path.display())]
    NoDocuments { path: PathBuf },
}

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::diagnostic::{self, Diagnostic};
use crate::model::DesiredState;
use source::Sources;

/// A config after every offline check.
#[derive(Debug)]
pub struct Validated {
    /// The files read.
    pub sources: Sources,
    /// The desired state, when there are no errors.
    pub desired: Option<DesiredState>,
    /// Every finding, located and sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the semantic rules ran (they wait for a clean schema stage).
    pub rules_ran: bool,
    /// How much the cache saved.
    pub cache: CacheUse,
}

/// How much of a config the cache answered for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Files whose results came from the cache.
    pub cached: usize,
    /// Of those, files not even read: their stamps were unchanged.
    pub unread: usize,
}

impl Validated {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads and checks the config at `path`: YAML, schema, normalisation and
/// the semantic rules, reporting every finding at once. `now` decides which
/// out-of-office windows are past.
pub fn load(path: &Path, now: DateTime<Utc>) -> Result<Validated, ConfigError> {
    load_cached(path, now, None)
}

/// Like [`load`], taking unchanged files from the cache in `cache_dir`
/// and leaving this run's results there.
pub fn load_cached(
    path: &Path,
    now: DateTime<Utc>,
    cache_dir: Option<&Path>,
) -> Result<Validated, ConfigError> {
    load_trusting(path, now, cache_dir, cache::Trust::Any)
}

/// Like [`load_cached`], using a cache file only when `trust` allows it.
pub fn load_trusting(
    path: &Path,
    now: DateTime<Utc>,
    cache_dir: Option<&Path>,
    trust: cache::Trust,
) -> Result<Validated, ConfigError> {
    let stage = crate::timing::Stage::start("config: open the cache");
    let mut cache = cache_dir
        .map(|dir| cache::Cache::open(dir, path, trust))
        .unwrap_or_default();
    drop(stage);
    let read = {
        let _stage = crate::timing::Stage::start("config: read and check files");
        documents::read(path, &mut cache)?
    };
    documents::report_timings();
    let cache_use = CacheUse {
        cached: read.cached,
        unread: read.unread,
    };
    tracing::info!(
        target: crate::timing::TARGET,
        "{} of {} files from the cache, {} of them not read (stamp unchanged)",
        read.cached,
        read.sources.len(),
        read.unread
    );
    {
        let _stage = crate::timing::Stage::start("config: save the cache");
        cache.save(
            read.clean
                .iter()
                .map(|f| cache::Remembered {
                    path: f.path.clone(),
                    stamp: f.stamp,
                    hash: f.hash,
                    model: &read.files[f.index].1,
                })
                .collect(),
            read.fresh,
        );
    }
    let mut validated = check(read, now);
    validated.cache = cache_use;
    Ok(validated)
}

/// Checks a config held in memory as `(file name, text)` pairs.
pub fn load_texts(files: Vec<(String, String)>, now: DateTime<Utc>) -> Validated {
    check(documents::read_texts(files), now)
}

/// The stages after reading: normalisation and the semantic rules, once
/// every file passed YAML and the schema.
fn check(read: documents::ReadConfig, now: DateTime<Utc>) -> Validated {
    let mut diagnostics = read.diagnostics;
    let clean = !read.unreadable;
    let mut desired = None;
    if clean {
        let _stage = crate::timing::Stage::start("config: normalise");
        let mut normalized = normalize::merge(read.files);
        drop(_stage);
        diagnostics.append(&mut normalized.diagnostics);
        let context = rules::Context {
            directory: &normalized.directory,
            provenance: &normalized.provenance,
            now,
        };
        let _stage = crate::timing::Stage::start("config: rules");
        diagnostics.extend(rules::check(&context));
        drop(_stage);
        if !diagnostics.iter().any(Diagnostic::is_error) {
            desired = Some(normalized.into_desired());
        }
    }
    locate::resolve(&mut diagnostics, &read.sources);
    diagnostic::sort(&mut diagnostics);
    diagnostic::dedup(&mut diagnostics);
    diagnostic::bound(&mut diagnostics);
    Validated {
        sources: read.sources,
        desired,
        diagnostics,
        rules_ran: clean,
        cache: CacheUse::default(),
    }
}
