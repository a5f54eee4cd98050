//! A config's files held as editable documents: where each user and group
//! is declared, the edits made so far, their diff, the whole config
//! checked in memory before a byte is written, and the writing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Document, EditError, Step};
use crate::config::{self, ConfigError, Validated};

/// Why a config could not be opened for editing.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// The config could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file is not YAML the editor can read.
    #[error("`{}` cannot be edited: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: EditError,
    },
    /// A file could not be written.
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One file of the config.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Where it is (or will be).
    pub path: PathBuf,
    /// Its text before any edit; `None` for a file to be created.
    pub original: Option<String>,
    /// The document as edited.
    pub document: Document,
}

impl ConfigFile {
    /// The document as JSON (what the config loader reads).
    pub fn value(&self) -> Value {
        config::yaml::parse(self.document.text())
            .map(|parsed| parsed.value)
            .unwrap_or(Value::Null)
    }

    /// Whether the file differs from what is on disk.
    pub fn changed(&self) -> bool {
        self.original.as_deref() != Some(self.document.text())
    }
}

/// Where an object is declared: the file, and its index in that file's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Index of the file in [`ConfigFiles::files`].
    pub file: usize,
    /// Index in the file's `users` or `groups`.
    pub index: usize,
}

/// The files of a config at a path (a file or a directory).
#[derive(Debug, Clone)]
pub struct ConfigFiles {
    /// The config's path.
    pub root: PathBuf,
    /// Whether the config is a directory.
    pub is_dir: bool,
    /// The files, in the loader's order.
    pub files: Vec<ConfigFile>,
}

impl ConfigFiles {
    /// Reads every document of the config at `root`.
    pub fn open(root: &Path) -> Result<ConfigFiles, FilesError> {
        let paths = config::documents::discover(root)?;
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Open {
                path: path.clone(),
                source,
            })?;
            let document =
                Document::new(text.clone()).map_err(|source| FilesError::Unreadable {
                    path: path.clone(),
                    source,
                })?;
            files.push(ConfigFile {
                path,
                original: Some(text),
                document,
            });
        }
        Ok(ConfigFiles {
            root: root.to_path_buf(),
            is_dir: root.is_dir(),
            files,
        })
    }

    /// Adds a file to be created.
    pub fn create(&mut self, path: PathBuf, text: String) -> Result<usize, EditError> {
        let document = Document::new(text)?;
        self.files.push(ConfigFile {
            path,
            original: None,
            document,
        });
        Ok(self.files.len() - 1)
    }

    /// The file at `path`, if the config has it.
    pub fn position(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.path == path)
    }

    /// Every entry of every file's `list` (`users` or `groups`), with its
    /// place.
    pub fn entries(&self, list: &str) -> Vec<(Place, Value)> {
        let mut out = Vec::new();
        for (file, config_file) in self.files.iter().enumerate() {
            if let Value::Array(items) = &config_file.value()[list] {
                for (index, item) in items.iter().enumerate() {
                    out.push((Place { file, index }, item.clone()));
                }
            }
        }
        out
    }

    /// Where the user called `name` (username, or email) is declared.
    pub fn user(&self, name: &str) -> Option<(Place, Value)> {
        let name = name.trim().to_lowercase();
        self.entries("users").into_iter().find(|(_, user)| {
            user_name(user).is_some_and(|n| n == name)
                || user["email"]
                    .as_str()
                    .is_some_and(|e| e.trim().to_lowercase() == name)
        })
    }

    /// Where the group called `name` is declared.
    pub fn group(&self, name: &str) -> Option<(Place, Value)> {
        self.entries("groups")
            .into_iter()
            .find(|(_, group)| group["name"].as_str() == Some(name))
    }

    /// Edits file `file`.
    pub fn document(&mut self, file: usize) -> &mut Document {
        &mut self.files[file].document
    }

    /// Whether any file changed.
    pub fn changed(&self) -> bool {
        self.files.iter().any(ConfigFile::changed)
    }

    /// The unified diff of every changed file, paths as given on the
    /// command line.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for file in self.files.iter().filter(|f| f.changed()) {
            out.push_str(&super::diff::unified(
                &file.path.display().to_string(),
                file.original.as_deref(),
                file.document.text(),
            ));
        }
        out
    }

    /// The config as edited, checked with every rule, in memory.
    pub fn validate(&self, now: DateTime<Utc>) -> Validated {
        config::load_texts(
            self.files
                .iter()
                .map(|f| (f.path.display().to_string(), f.document.text().to_string()))
                .collect(),
            now,
        )
    }

    /// Writes every changed file, each through a temporary file renamed
    /// into place.
    pub fn write(&self) -> Result<usize, FilesError> {
        let mut written = 0;
        for file in self.files.iter().filter(|f| f.changed()) {
            super::write::replace(&file.path, file.document.text()).map_err(|source| {
                FilesError::Write {
                    path: file.path.clone(),
                    source,
                }
            })?;
            written += 1;
        }
        Ok(written)
    }
}

/// A user's name as the config spells references to them: the username,
/// else the email.
pub fn user_name(user: &Value) -> Option<String> {
    user["username"]
        .as_str()
        .or(user["email"].as_str())
        .map(|n| n.trim().to_lowercase())
}

/// The path of entry `index` of a file's `list`, then `rest`.
pub fn at(list: &str, index: usize, rest: &[&str]) -> Vec<Step> {
    let mut path = vec![Step::Key(list.to_string()), Step::Index(index)];
    path.extend(rest.iter().map(|k| Step::Key((*k).to_string())));
    path
}
