//! The files a config was read from, and the arithmetic from YAML positions
//! (line, character column) to byte offsets for rendering.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use super::yaml::{Pos, Span};

pub use crate::diagnostic::FileId;

/// One config file and its text.
///
/// A file without findings gives its text up once it has been read
/// ([`SourceFile::release`]): a config of 100,000 files need not stay in
/// memory for the few a later finding points at, which read it again.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as found on disk.
    pub path: PathBuf,
    /// The path as shown to people: relative to where roster was asked to look.
    pub name: String,
    text: OnceLock<Arc<str>>,
    line_starts: OnceLock<Vec<usize>>,
    /// SHA-256 of the text.
    hash: [u8; 32],
}

/// A file's text just read, line ends made YAML's, with its hash: what the
/// per-file stages read before it is known whether the text must be kept.
#[derive(Debug)]
pub struct FileText {
    /// The path as found on disk.
    pub path: PathBuf,
    /// The path as shown to people.
    pub name: String,
    /// The text.
    pub text: String,
    /// SHA-256 of the text.
    pub hash: [u8; 32],
    on_disk: bool,
}

impl FileText {
    /// The text of a file read from `path`.
    pub fn new(path: PathBuf, name: String, text: String) -> FileText {
        use sha2::{Digest, Sha256};
        let text = with_newlines(text);
        FileText {
            path,
            name,
            hash: Sha256::digest(text.as_bytes()).into(),
            text,
            on_disk: true,
        }
    }

    /// A text that exists only in memory, under `name`.
    pub fn in_memory(name: String, text: String) -> FileText {
        FileText {
            on_disk: false,
            ..FileText::new(PathBuf::from(&name), name, text)
        }
    }

    /// Whether the text can be read again from `path`.
    pub fn on_disk(&self) -> bool {
        self.on_disk
    }

    /// The file, keeping its text.
    pub fn keep(self) -> SourceFile {
        SourceFile {
            path: self.path,
            name: self.name,
            hash: self.hash,
            text: OnceLock::from(Arc::from(self.text)),
            line_starts: OnceLock::new(),
        }
    }

    /// The file, giving up its text when it can be read again from disk.
    pub fn release(self) -> SourceFile {
        if self.on_disk {
            SourceFile::unread(self.path, self.name, self.hash)
        } else {
            self.keep()
        }
    }
}

impl SourceFile {
    /// Wraps the text of a file read from `path`.
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        FileText::new(path, name, text).keep()
    }

    /// A file read earlier whose text is not needed now (its results come
    /// from the cache); it is read if something asks for it.
    pub fn unread(path: PathBuf, name: String, hash: [u8; 32]) -> SourceFile {
        SourceFile {
            path,
            name,
            hash,
            text: OnceLock::new(),
            line_starts: OnceLock::new(),
        }
    }

    /// Wraps a text that exists only in memory, under `name`.
    pub fn in_memory(name: String, text: String) -> SourceFile {
        FileText::in_memory(name, text).keep()
    }

    /// The SHA-256 of the text.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The file's text, shared with rendered diagnostics; read again from
    /// disk if it was released.
    pub fn text(&self) -> &Arc<str> {
        self.text.get_or_init(|| {
            with_newlines(std::fs::read_to_string(&self.path).unwrap_or_default()).into()
        })
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text().match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The byte offset of a position, clamped to the text.
    pub fn offset(&self, pos: Pos) -> usize {
        let line = (pos.line.max(1) - 1) as usize;
        let Some(&start) = self.line_starts().get(line) else {
            return self.text().len();
        };
        let end = self
            .line_starts()
            .get(line + 1)
            .copied()
            .unwrap_or(self.text().len());
        let line_text = &self.text()[start..end];
        let within = line_text
            .char_indices()
            .nth(pos.col as usize)
            .map(|(i, _)| i)
            .unwrap_or(line_text.trim_end_matches(['\n', '\r']).len());
        start + within
    }

    /// The byte range of a span; a span that ends on a later line is cut at
    /// the end of its first line, so labels underline one line.
    pub fn byte_range(&self, span: Span) -> Range<usize> {
        let start = self.offset(span.start);
        let end = if span.end.line == span.start.line {
            self.offset(span.end)
        } else {
            self.offset(Pos {
                line: span.start.line,
                col: u32::MAX,
            })
        };
        let end = end.max(start);
        if start >= self.text().trim_end().len() && !self.text().trim_end().is_empty() {
            // Past the last character (an error at the end of the file):
            // point at the last character written.
            let last = self.text().trim_end();
            let at = last.char_indices().next_back().map_or(0, |(i, _)| i);
            return at..last.len();
        }
        // A value that is empty in the text (an omitted value) still gets one character.
        if end == start && start < self.text().len() {
            start
                ..start
                    + self.text()[start..]
                        .chars()
                        .next()
                        .map_or(0, char::len_utf8)
        } else {
            start..end
        }
    }
}

/// Every file of a config, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Room for `files` files.
    pub fn with_capacity(files: usize) -> Sources {
        Sources {
            files: Vec::with_capacity(files),
        }
    }

    /// Adds a file.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    /// A file by id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// SHA-256 over every file's name and the SHA-256 of its text, in
    /// order: what a saved plan records of the config it came from.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for file in &self.files {
            hasher.update(file.name.as_bytes());
            hasher.update([0]);
            hasher.update(file.hash());
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Every file with its id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }
}

/// YAML ends a line at `\r\n`, `\n` or a lone `\r`; the parser counts
/// lines so, and the snippets shown count `\n` only. A lone `\r` (an old
/// Mac line end, or a stray one) becomes `\n`, so both count the same.
fn with_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_yaml_says() {
        assert_eq!(with_newlines("a\rb\r\nc\nd\r".into()), "a\nb\r\nc\nd\n");
        let file = SourceFile::new(
            "x.yaml".into(),
            "x.yaml".into(),
            "version: 1\rusers: 3\r".into(),
        );
        let parsed = crate::config::yaml::parse(file.text()).unwrap();
        let at = crate::config::yaml::locate(&parsed.value, &parsed.positions, "/users").value;
        assert_eq!(at.start.line, 2);
        assert_eq!(file.text().lines().nth(1), Some("users: 3"));
    }
}
