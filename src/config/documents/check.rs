//! The stages of one file's text: YAML, the version line, the schema check
//! and deserialization into a [`Document`], every problem a diagnostic.
//!
//! A file is first read the fast way: its YAML events (by the fast reader,
//! else saphyr's) straight into a [`Document`] by the typed reader, which
//! vouches only for a document without findings. Any other file goes
//! through the full stages, which find and place every problem.

use serde_json::Value;

use super::{CHECKING, DESERIALIZING, PARSING, TYPED};
use crate::config::source::{FileId, SourceFile};
use crate::config::yaml::{self, Pos, Span, YamlProblem};
use crate::config::yaml::{events, fast};
use crate::config::{schema_check, typed};
use crate::diagnostic::Diagnostic;
use crate::model::document::{Document, FORMAT_VERSION};

/// Runs the YAML, version and schema stages on one file's text.
pub fn check_text(id: FileId, file: &SourceFile) -> (Option<Document>, Vec<Diagnostic>) {
    if let Some(document) = TYPED.time(|| read_typed(file.text())) {
        return (Some(document), Vec::new());
    }
    check_in_full(id, file)
}

/// The document of a text without findings, read the fast way; `None`
/// when the text needs the full stages.
pub fn read_typed(text: &str) -> Option<Document> {
    let events = fast::parse(text).or_else(|_| events::parse(text)).ok()?;
    typed::read(&events).ok()
}

/// The full stages: YAML with positions, the version, the schema check and
/// deserialization, each problem placed in the file.
pub fn check_in_full(id: FileId, file: &SourceFile) -> (Option<Document>, Vec<Diagnostic>) {
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
        YamlProblem::ControlCharacter { character, at } => Diagnostic::error(
            "roster::yaml::control-character",
            format!(
                "a value holds the control character U+{:04X}",
                u32::from(character)
            ),
        )
        .with_label(id, at, "written here")
        .with_help(
            "remove it: no name or value may hold a control character other than a tab or a line break (and the databases cannot store U+0000)",
        ),
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
