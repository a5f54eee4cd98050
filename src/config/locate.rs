//! Turns the JSON pointers that rules name places by into spans, parsing a
//! file's positions again only when one of its findings needs them.

use std::collections::HashMap;

use serde_json::Value;

use super::source::{FileId, Sources};
use super::yaml;
use crate::diagnostic::{At, Diagnostic};
use crate::model::canonical;

/// Resolves every pointer label of `diagnostics` to a span.
pub fn resolve(diagnostics: &mut [Diagnostic], sources: &Sources) {
    let mut parsed: HashMap<FileId, Option<yaml::Parsed>> = HashMap::new();
    for label in diagnostics.iter_mut().flat_map(|d| d.labels.iter_mut()) {
        if matches!(label.at, At::Span(_)) {
            continue;
        }
        let document = parsed
            .entry(label.file)
            .or_insert_with(|| yaml::parse(sources.get(label.file).text()).ok());
        let span = match document {
            Some(doc) => locate(doc, &label.at),
            None => yaml::Span::default(),
        };
        label.at = At::Span(span);
    }
}

fn locate(doc: &yaml::Parsed, at: &At) -> yaml::Span {
    let (pointer, key) = match at {
        At::Span(span) => return *span,
        At::Pointer { pointer, key } => (pointer.clone(), *key),
        At::Item {
            list,
            field,
            value,
            rest,
        } => {
            let index = doc
                .value
                .pointer(list)
                .and_then(Value::as_array)
                .and_then(|items| {
                    items.iter().position(|item| {
                        let named = if field.is_empty() {
                            Some(item)
                        } else {
                            item.get(*field)
                        };
                        named
                            .and_then(Value::as_str)
                            .is_some_and(|v| canonical::username(v) == *value)
                    })
                });
            match index {
                Some(i) => (format!("{list}/{i}{rest}"), false),
                None => (list.clone(), false),
            }
        }
    };
    let located = yaml::locate(&doc.value, &doc.positions, &pointer);
    if key {
        located.key.unwrap_or(located.value)
    } else {
        located.value
    }
}
