//! New YAML text for edited values: the house writer's style
//! ([`crate::report::yaml`]), indented to where the value goes, and a
//! scalar's new text in the quoting its old text used.

use saphyr_parser::ScalarStyle;
use serde_json::{Map, Value};

use crate::report::yaml;

/// A whole document.
pub fn document(value: &Value) -> String {
    yaml::to_yaml(value)
}

/// A value on one line.
pub fn inline(value: &Value) -> String {
    yaml::inline(value)
}

/// A value inside a flow collection.
pub fn flow_item(value: &Value) -> String {
    match value {
        Value::String(s) => yaml::scalar_text(s, true),
        other => yaml::inline(other),
    }
}

/// A mapping key.
pub fn key(key: &str) -> String {
    yaml::scalar_text(key, true)
}

/// A scalar's new text, quoted the way the old one was when the new
/// value can be: a plain scalar stays plain unless it would read as
/// something else; a single-quoted one stays single-quoted unless it
/// holds a line break.
pub fn scalar(value: &Value, old: ScalarStyle, in_flow: bool) -> String {
    let Value::String(text) = value else {
        return yaml::inline(value);
    };
    match old {
        ScalarStyle::SingleQuoted if !text.chars().any(char::is_control) => {
            format!("'{}'", text.replace('\'', "''"))
        }
        // A block scalar's new value fits on its key's line.
        ScalarStyle::Plain | ScalarStyle::Literal | ScalarStyle::Folded => {
            yaml::scalar_text(text, in_flow)
        }
        _ => yaml::quote(text),
    }
}

/// `key: value` as lines indented by `indent`, the key written as
/// `key_text`.
pub fn entry(key_text: &str, value: &Value, indent: usize) -> String {
    let mut single = Map::new();
    single.insert("k".to_string(), value.clone());
    let rendered = yaml::to_yaml(&Value::Object(single));
    let rest = rendered.strip_prefix("k:").unwrap_or(&rendered);
    indented(&format!("{key_text}:{rest}"), indent, indent)
}

/// A sequence item (`- …`) as lines indented by `indent`; on one line
/// when `flow` (its neighbours are written so) and it fits.
pub fn item(value: &Value, indent: usize, flow: bool) -> String {
    let one_line = flow_item(value);
    // Lists in lists (roster has none) stay on one line.
    let block = match value {
        Value::Object(map) if !map.is_empty() => !(flow && indent + one_line.len() <= 100),
        _ => false,
    };
    if !block {
        return format!("{}- {one_line}\n", " ".repeat(indent));
    }
    let rendered = yaml::to_yaml(value);
    indented(&format!("- {}", rendered.trim_start()), indent, indent + 2)
}

/// `text`'s first line indented by `first`, the others by `rest` more
/// than they have.
fn indented(text: &str, first: usize, rest: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (n, line) in text.lines().enumerate() {
        if !line.is_empty() {
            out.push_str(&" ".repeat(if n == 0 { first } else { rest }));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
