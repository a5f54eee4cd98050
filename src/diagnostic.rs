//! Findings about a config or a plan: what is wrong, where, and what to do.
//!
//! Every stage (YAML, schema, rules, plan guards) produces [`Diagnostic`]s;
//! `report::diagnostics` renders them for people (miette), for tools (JSON)
//! and for GitHub Actions (workflow annotations).
//!
//! The places a finding points at ([`FileId`], [`Pos`], [`Span`]) are
//! defined here, below the config layer that fills them in, so that this
//! module depends on no stage that uses it.

use serde::Serialize;

/// Index of a file among the files of a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A position in a source file: 1-based line, 0-based column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 0.
    pub col: u32,
}

/// A range of source text; `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First character.
    pub start: Pos,
    /// One past the last character.
    pub end: Pos,
}

impl Span {
    /// The one character at `at`.
    pub fn point(at: Pos) -> Span {
        Span {
            start: at,
            end: Pos {
                line: at.line,
                col: at.col + 1,
            },
        }
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Stops the run.
    Error,
    /// Reported; fails only under `--strict`.
    Warning,
}

/// A place in a config file with a note about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// The text the note is about.
    pub at: At,
    /// The note.
    pub text: String,
}

/// Where a label points: a span, or a JSON pointer into the file's document
/// that the config layer turns into a span before rendering. Rules name
/// places by pointer so that positions are only looked up for findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// Resolved.
    Span(Span),
    /// A value, or with `key` its mapping key, named by JSON pointer.
    Pointer { pointer: String, key: bool },
    /// The item of the list at `list` whose `field` is `value` (compared as
    /// usernames are: trimmed, without regard to case), then `rest` inside
    /// it: a group member by username. An empty `field` compares the item
    /// itself, for lists of names.
    Item {
        list: String,
        field: &'static str,
        value: String,
        rest: String,
    },
}

impl Label {
    /// The span; unresolved pointers have none yet and give the file start.
    pub fn span(&self) -> Span {
        match &self.at {
            At::Span(span) => *span,
            At::Pointer { .. } | At::Item { .. } => Span::default(),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier such as `roster::oof::overlap`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where: the first label is the primary place; others are related
    /// places (such as the first declaration of a duplicate).
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// Adds a labelled place.
    pub fn with_label(mut self, file: FileId, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            file,
            at: At::Span(span),
            text: text.into(),
        });
        self
    }

    /// Adds a labelled value, named by JSON pointer.
    pub fn at_value(
        mut self,
        file: FileId,
        pointer: impl Into<String>,
        text: impl Into<String>,
    ) -> Diagnostic {
        self.labels.push(Label {
            file,
            at: At::Pointer {
                pointer: pointer.into(),
                key: false,
            },
            text: text.into(),
        });
        self
    }

    /// Adds a labelled list item found by one of its fields.
    pub fn at_item(mut self, file: FileId, item: At, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            file,
            at: item,
            text: text.into(),
        });
        self
    }

    /// Adds a labelled mapping key, named by the JSON pointer of its value.
    pub fn at_key(
        mut self,
        file: FileId,
        pointer: impl Into<String>,
        text: impl Into<String>,
    ) -> Diagnostic {
        self.labels.push(Label {
            file,
            at: At::Pointer {
                pointer: pointer.into(),
                key: true,
            },
            text: text.into(),
        });
        self
    }

    /// Adds the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Moves every label to file `file` (for findings made before the file
    /// had its id).
    pub fn in_file(mut self, file: FileId) -> Diagnostic {
        for label in &mut self.labels {
            label.file = file;
        }
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The key diagnostics sort by: file, position, then severity and text.
    fn sort_key(&self) -> (Option<(FileId, u32, u32)>, Severity, &'static str, &str) {
        let place = self
            .labels
            .first()
            .map(|l| (l.file, l.span().start.line, l.span().start.col));
        (place, self.severity, self.code, &self.message)
    }
}

/// Sorts findings by file and position so output is stable; findings without
/// a place come last.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let (ka, kb) = (a.sort_key(), b.sort_key());
        match (ka.0, kb.0) {
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => ka.cmp(&kb),
        }
    });
}

/// Drops findings that are exactly alike: a mistake inside a YAML anchor is
/// found again at every alias that repeats it, at the same place. Expects
/// [`sort`]ed findings, so that alike ones sit in one run of equal keys.
pub fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    let mut run_start = 0;
    for diagnostic in diagnostics.drain(..) {
        if kept
            .get(run_start)
            .is_some_and(|first| first.sort_key() != diagnostic.sort_key())
        {
            run_start = kept.len();
        }
        if !kept[run_start..].contains(&diagnostic) {
            kept.push(diagnostic);
        }
    }
    *diagnostics = kept;
}

/// Counts errors and warnings.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// Longest value a finding quotes whole, in characters.
const QUOTED_MAX: usize = 80;
/// Characters of a longer value that are kept.
const QUOTED_KEPT: usize = 48;
/// Keeps every finding's words short whatever the config holds: a value
/// quoted in backticks longer than 80 characters is cut to its start with
/// its length said (`` `xxxx…` (2000000 characters) ``). A finding is read
/// by a person; a 2 MB username must not make megabytes of output. (A
/// message that lists many short names, such as a circle of covers, stays
/// whole: its length is the config's, not a multiple of it.)
pub fn bound(diagnostics: &mut [Diagnostic]) {
    for diagnostic in diagnostics {
        shorten_in_place(&mut diagnostic.message);
        if let Some(help) = &mut diagnostic.help {
            shorten_in_place(help);
        }
        for label in &mut diagnostic.labels {
            shorten_in_place(&mut label.text);
        }
    }
}

fn shorten_in_place(text: &mut String) {
    if text.chars().count() > QUOTED_MAX {
        *text = shorten(text);
    }
}

/// `text` with long backticked values cut.
pub fn shorten(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1 << 16));
    let mut parts = text.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut quoted = true;
    let mut pending_note = None;
    for part in parts {
        out.push('`');
        if quoted {
            let length = part.chars().count();
            if length > QUOTED_MAX {
                out.extend(part.chars().take(QUOTED_KEPT));
                out.push('…');
                pending_note = Some(length);
            } else {
                out.push_str(part);
            }
        } else {
            if let Some(length) = pending_note.take() {
                out.push_str(&format!(" ({length} characters)"));
            }
            out.push_str(part);
        }
        quoted = !quoted;
    }
    if let Some(length) = pending_note {
        out.push_str(&format!(" ({length} characters)"));
    }
    out
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_their_length_said() {
        let long = "x".repeat(2_000_000);
        let text = format!("user `{long}` has no `first_name`");
        let short = shorten(&text);
        assert_eq!(
            short,
            format!(
                "user `{}…` (2000000 characters) has no `first_name`",
                "x".repeat(QUOTED_KEPT)
            )
        );
        assert_eq!(shorten("user `bob` is unknown"), "user `bob` is unknown");
        let names = "u1 → u2 → ".repeat(1_000);
        assert_eq!(shorten(&names), names, "short names are never cut");
        let odd = format!("a `{long}");
        assert_eq!(
            shorten(&odd),
            format!("a `{}… (2000000 characters)", "x".repeat(QUOTED_KEPT))
        );
        let many = format!("`{long}` ").repeat(100);
        assert!(shorten(&many).chars().count() < 100 * 80);
    }
}
