//! The config as it was at a git revision, read with the `git` binary
//! (`rev-parse`, `ls-tree`, `cat-file --batch`): no working tree is
//! touched and nothing is checked out.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the config at a revision could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be run at all.
    #[error("cannot run `git`")]
    Spawn(#[source] std::io::Error),
    /// A git command failed.
    #[error("`git {command}` failed: {stderr}")]
    Failed {
        /// The command, without `git`.
        command: String,
        /// What git said.
        stderr: String,
    },
    /// The path is not inside a git repository.
    #[error("`{path}` is not inside a git repository")]
    NotARepository {
        /// The config's path.
        path: PathBuf,
    },
    /// The revision does not name a commit.
    #[error("`{reference}` is not a commit of this repository")]
    UnknownRevision {
        /// The revision as given.
        reference: String,
    },
}

/// The config files at a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseConfig {
    /// The commit the revision names, abbreviated.
    pub commit: String,
    /// The config's path in the repository (empty for the whole repository).
    pub path_in_repo: String,
    /// Each roster document: `REF:path` and its text.
    pub files: Vec<(String, String)>,
}

/// Reads the roster documents at `path` (a file or directory in a
/// working tree) as they were at `reference`. A config that did not exist
/// then has no files.
pub fn config_at(path: &Path, reference: &str) -> Result<BaseConfig, GitError> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let prefix = git(&dir, &["rev-parse", "--show-prefix"]).map_err(|e| match e {
        GitError::Failed { .. } => GitError::NotARepository {
            path: path.to_path_buf(),
        },
        other => other,
    })?;
    let top = git(&dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let mut target = prefix.trim().trim_end_matches('/').to_string();
    if !path.is_dir()
        && let Some(name) = path.file_name()
    {
        if !target.is_empty() {
            target.push('/');
        }
        target.push_str(&name.to_string_lossy());
    }
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|e| match e {
        GitError::Failed { .. } => GitError::UnknownRevision {
            reference: reference.to_string(),
        },
        other => other,
    })?;
    let commit = commit.trim().to_string();
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str()];
    if !target.is_empty() {
        args.extend(["--", target.as_str()]);
    }
    let listing = git(&top, &args)?;
    let mut wanted = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, file)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (mode, kind, object) = (meta.next(), meta.next(), meta.next());
        if kind != Some("blob") || !matches!(mode, Some("100644" | "100755")) {
            continue;
        }
        let below = file
            .strip_prefix(target.as_str())
            .unwrap_or(file)
            .trim_start_matches('/');
        let hidden = below
            .split('/')
            .rev()
            .skip(1)
            .any(|part| part.starts_with('.'));
        let yaml = file.ends_with(".yaml") || file.ends_with(".yml");
        // A file named as the config is read whatever it is called.
        let is_target = file == target;
        if (yaml && !hidden) || is_target {
            wanted.push((file.to_string(), object.unwrap_or_default().to_string()));
        }
    }
    let texts = blobs(&top, wanted.iter().map(|(_, object)| object.as_str()))?;
    let files = wanted
        .into_iter()
        .zip(texts)
        .map(|((file, _), text)| (format!("{reference}:{file}"), text))
        .collect();
    Ok(BaseConfig {
        commit: commit.chars().take(12).collect(),
        path_in_repo: target,
        files,
    })
}

/// The email of the last commit's author in the repository at `path`.
pub fn last_author_email(path: &Path) -> Option<String> {
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().filter(|p| !p.as_os_str().is_empty())?
    };
    git(dir, &["log", "-1", "--format=%ae"])
        .ok()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
}

fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::Spawn)?;
    if !output.status.success() {
        return Err(GitError::Failed {
            command: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The texts of `objects`, in order, from one `git cat-file --batch`.
fn blobs<'a>(dir: &Path, objects: impl Iterator<Item = &'a str>) -> Result<Vec<String>, GitError> {
    let objects: Vec<&str> = objects.collect();
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let failed = |what: &str| GitError::Failed {
        command: "cat-file --batch".into(),
        stderr: what.to_string(),
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::Spawn)?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let request: String = objects.iter().map(|o| format!("{o}\n")).collect();
    // Written on its own thread: git answers while it reads, and a large
    // config would fill both pipes.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut texts = Vec::with_capacity(objects.len());
    for _ in &objects {
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .map_err(|e| failed(&e.to_string()))?;
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| failed(header.trim()))?;
        let mut body = vec![0; size + 1];
        reader
            .read_exact(&mut body)
            .map_err(|e| failed(&e.to_string()))?;
        body.pop();
        texts.push(String::from_utf8_lossy(&body).into_owned());
    }
    drop(reader);
    let _ = writer.join();
    let _ = child.wait();
    Ok(texts)
}
