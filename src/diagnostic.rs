//! Findings about a config or a plan: what is wrong, where, and what to do.
//!
//! Every stage (YAML, schema, rules, plan guards) produces [`Diagnostic`]s;
//! `report::diagnostics` renders them for people (miette), for tools (JSON)
//! and for GitHub Actions (workflow annotations).

use serde::Serialize;

use crate::config::source::FileId;
use crate::config::yaml::Span;

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
    pub span: Span,
    /// The note.
    pub text: String,
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
        Diagnostic { severity: Severity::Error, code, message: message.into(), labels: Vec::new(), help: None }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, code, message: message.into(), labels: Vec::new(), help: None }
    }

    /// Adds a labelled place.
    pub fn with_label(mut self, file: FileId, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { file, span, text: text.into() });
        self
    }

    /// Adds the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The key diagnostics sort by: file, position, then severity and text.
    fn sort_key(&self) -> (Option<(FileId, u32, u32)>, Severity, &'static str, &str) {
        let place = self.labels.first().map(|l| (l.file, l.span.start.line, l.span.start.col));
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

/// Counts errors and warnings.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}
