//! Renders diagnostics: for people (miette, with the source line
//! underlined), as JSON for tools, and as GitHub workflow annotations.

use std::fmt;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use serde::Serialize;

use super::escape;
use crate::config::source::Sources;
use crate::diagnostic::{Diagnostic, Severity};

/// The version of the JSON diagnostics format.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Renders findings for a terminal or a log, one after another.
pub fn human(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Help lines quote dates and times (`2027-10-31T02:30+01:00`) that
    // must stay whole to be copied; lines break at spaces only.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report::new(diagnostic, sources);
        // Rendering into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
    }
    out
}

/// A diagnostic in the form miette renders.
#[derive(Debug)]
struct Report {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> Report {
        let severity = match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let primary = diagnostic
            .labels
            .first()
            .map(|l| (l.file, l.span().start.line));
        let primary_file = primary.map(|(file, _)| file);
        // Labels far from the primary one get a snippet of their own rather
        // than dragging every line in between into one.
        let nearby = |label: &crate::diagnostic::Label| {
            primary.is_some_and(|(file, line)| {
                label.file == file && label.span().start.line.abs_diff(line) <= 4
            })
        };
        let mut labels = Vec::new();
        let mut related = Vec::new();
        // A file with very long lines near a finding is shown through an
        // excerpt that keeps line numbers and cuts those lines.
        let mut excerpts: Vec<(crate::diagnostic::FileId, Excerpt)> = Vec::new();
        for label in &diagnostic.labels {
            if !excerpts.iter().any(|(id, _)| *id == label.file) {
                let file = sources.get(label.file);
                let ranges: Vec<_> = diagnostic
                    .labels
                    .iter()
                    .filter(|l| l.file == label.file)
                    .map(|l| file.byte_range(l.span()))
                    .collect();
                excerpts.push((label.file, Excerpt::new(file.text(), &ranges)));
            }
        }
        let excerpt = |id| {
            &excerpts
                .iter()
                .find(|(file, _)| *file == id)
                .expect("every label's file has an excerpt")
                .1
        };
        for (i, label) in diagnostic.labels.iter().enumerate() {
            let file = sources.get(label.file);
            let range = excerpt(label.file).map(file.byte_range(label.span()));
            let text = escape::text(&label.text).into_owned();
            let span = LabeledSpan::new(Some(text.clone()), range.start, range.len());
            if i == 0 || nearby(label) {
                labels.push(if i == 0 {
                    LabeledSpan::new_primary_with_span(Some(text), range)
                } else {
                    span
                });
            } else {
                related.push(Report {
                    message: escape::text(&label.text).into_owned(),
                    code: diagnostic.code,
                    severity: miette::Severity::Advice,
                    help: None,
                    source: Some(NamedSource::new(
                        escape::text(&file.name),
                        excerpt(label.file).text.clone(),
                    )),
                    labels: vec![span],
                    related: Vec::new(),
                });
            }
        }
        Report {
            message: escape::text(&diagnostic.message).into_owned(),
            code: diagnostic.code,
            severity,
            help: diagnostic.help.as_deref().map(escape::text_lines),
            source: primary_file.map(|id| {
                let file = sources.get(id);
                NamedSource::new(escape::text(&file.name), excerpt(id).text.clone())
            }),
            labels,
            related,
        }
    }
}

/// Longest source line shown whole under a finding, in bytes.
const LINE_MAX: usize = 160;

/// The text a finding's snippet is drawn from: the file itself, or, when a
/// line near the finding is longer than [`LINE_MAX`], the lines around the
/// finding with long ones cut (`…`) and blank lines before them, so that
/// line numbers stay true and the output stays small.
#[derive(Debug)]
struct Excerpt {
    text: Arc<str>,
    /// Start of the excerpted lines in the file, their start in `text`,
    /// and each kept line as (file start, file end kept, excerpt start).
    lines: Option<Vec<(usize, usize, usize)>>,
}

impl Excerpt {
    fn new(text: &Arc<str>, ranges: &[std::ops::Range<usize>]) -> Excerpt {
        let whole = Excerpt {
            text: text.clone(),
            lines: None,
        };
        let (Some(first), Some(last)) = (
            ranges.iter().map(|r| r.start).min(),
            ranges.iter().map(|r| r.end).max(),
        ) else {
            return whole;
        };
        let bytes = text.as_bytes();
        // Two lines of context either side of the labels.
        let mut start = first.min(bytes.len());
        for _ in 0..3 {
            start = bytes[..start]
                .iter()
                .rposition(|&b| b == b'\n')
                .unwrap_or(0);
        }
        if start > 0 {
            start += 1;
        }
        let mut end = last.min(bytes.len());
        for _ in 0..3 {
            end = bytes[end..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| (end + p + 1).min(bytes.len()));
        }
        let window = &text[start..end];
        if window.split('\n').all(|line| line.len() <= LINE_MAX) {
            return whole;
        }
        let before = bytes[..start].iter().filter(|&&b| b == b'\n').count();
        let mut out = "\n".repeat(before);
        let mut lines = Vec::new();
        let mut at = start;
        for line in window.split_inclusive('\n') {
            let body = line.trim_end_matches('\n');
            let mut kept = body.len().min(LINE_MAX);
            while !body.is_char_boundary(kept) {
                kept -= 1;
            }
            lines.push((at, at + kept, out.len()));
            out.push_str(&body[..kept]);
            if kept < body.len() {
                out.push('…');
            }
            if line.ends_with('\n') {
                out.push('\n');
            }
            at += line.len();
        }
        Excerpt {
            text: Arc::from(out),
            lines: Some(lines),
        }
    }

    /// Where the file's `range` is in the excerpt, cut to what was kept.
    fn map(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let Some(lines) = &self.lines else {
            return range;
        };
        let place = |offset: usize| {
            let line = lines
                .iter()
                .rev()
                .find(|(file_start, ..)| *file_start <= offset)
                .unwrap_or(&lines[0]);
            let (file_start, kept_end, excerpt_start) = *line;
            excerpt_start + offset.clamp(file_start, kept_end) - file_start
        };
        let start = place(range.start);
        let end = place(range.end).max(start + usize::from(!range.is_empty()));
        start..end.min(self.text.len()).max(start)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// The JSON form of a set of findings.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// Version of this structure.
    pub format_version: u32,
    /// Whether there are no errors.
    pub valid: bool,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Every finding.
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// One finding in JSON.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable identifier.
    pub code: &'a str,
    /// What is wrong.
    pub message: &'a str,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    /// Where, primary place first.
    pub locations: Vec<JsonLocation<'a>>,
}

/// A place in JSON: 1-based line and column.
#[derive(Debug, Serialize)]
pub struct JsonLocation<'a> {
    /// File path as shown.
    pub file: &'a str,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column after the last character, from 1.
    pub end_column: u32,
    /// Note about the place.
    pub label: &'a str,
}

/// Renders findings as one JSON document.
pub fn json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let (errors, warnings) = crate::diagnostic::counts(diagnostics);
    let report = JsonReport {
        format_version: JSON_FORMAT_VERSION,
        valid: errors == 0,
        errors,
        warnings,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                severity: d.severity,
                code: d.code,
                message: &d.message,
                help: d.help.as_deref(),
                locations: d
                    .labels
                    .iter()
                    .map(|l| {
                        let span = l.span();
                        JsonLocation {
                            file: &sources.get(l.file).name,
                            line: span.start.line,
                            column: span.start.col + 1,
                            end_line: span.end.line,
                            end_column: span.end.col + 1,
                            label: &l.text,
                        }
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).expect("diagnostics serialize");
    text.push('\n');
    text
}

/// Renders findings as GitHub Actions workflow commands: one annotation
/// per location of each finding (a name declared twice is marked at both
/// places), each file named relative to `root`, the repository the
/// workflow checked out, as GitHub needs to show it on the pull request.
pub fn github(diagnostics: &[Diagnostic], sources: &Sources, root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let title = format!("title={}", escape::workflow_property(d.code));
        if d.labels.is_empty() {
            let _ = writeln!(
                out,
                "::{command} {title}::{}",
                escape::workflow_data(&message(d, None))
            );
        }
        for (i, label) in d.labels.iter().enumerate() {
            let file = sources.get(label.file);
            let span = label.span();
            let mut properties = vec![
                format!(
                    "file={}",
                    escape::workflow_property(&relative(&file.path, &file.name, &root))
                ),
                format!("line={}", span.start.line),
                format!("col={}", span.start.col + 1),
            ];
            if span.end.line == span.start.line {
                properties.push(format!("endColumn={}", span.end.col + 1));
            } else {
                properties.push(format!("endLine={}", span.end.line));
            }
            properties.push(title.clone());
            let place = (d.labels.len() > 1).then_some((i, label.text.as_str()));
            let _ = writeln!(
                out,
                "::{command} {}::{}",
                properties.join(","),
                escape::workflow_data(&message(d, place))
            );
        }
    }
    out
}

/// An annotation's text: the finding, what this place is (`1 of 2: first
/// declared here`) when there are several, and the help.
fn message(d: &Diagnostic, place: Option<(usize, &str)>) -> String {
    let mut message = d.message.clone();
    if let Some((i, label)) = place {
        let _ = write!(message, "\n({} of {}) {label}", i + 1, d.labels.len());
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    message
}

/// `path` relative to `root`, with `/` between folders; `shown` when the
/// file is outside it (or does not exist, as a file read from stdin).
fn relative(path: &Path, shown: &str, root: &Path) -> String {
    let Ok(full) = path.canonicalize() else {
        return shown.to_string();
    };
    match full.strip_prefix(root) {
        Ok(inside) => inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => shown.to_string(),
    }
}
