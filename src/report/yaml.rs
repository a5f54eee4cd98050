//! A YAML writer for canonical output (export, examples): block style,
//! two-space indents, lists of names and short mappings of plain values in
//! flow style below the top two levels, and strings quoted only
//! where a YAML 1.2 reader would take them for something else, or where a
//! YAML 1.1 reader would (`08:00`, `yes`), so other tools read the same
//! values. Object keys keep the order of the value.

use serde_json::{Map, Value};

/// Renders a JSON value as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

/// Mappings nested at least this deep may be written on one line.
const FLOW_DEPTH: usize = 2;

/// The widest line a flow mapping may make.
const FLOW_WIDTH: usize = 80;

fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize) {
    for (key, value) in map {
        pad(out, indent);
        out.push_str(&key_text(key));
        out.push(':');
        write_value_after_key(out, value, indent);
    }
}

fn write_value_after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() && !is_flow_map(map, indent + 2) => {
            out.push('\n');
            write_map(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() && !is_flow_list(items) => {
            out.push('\n');
            write_list(out, items, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() && !is_flow_map(map, indent + 2) => {
                // The first entry shares the dash's line; the rest align under it.
                let mut entries = map.iter();
                if let Some((key, value)) = entries.next() {
                    out.push_str(&key_text(key));
                    out.push(':');
                    write_value_after_key(out, value, indent + 2);
                }
                for (key, value) in entries {
                    pad(out, indent + 2);
                    out.push_str(&key_text(key));
                    out.push(':');
                    write_value_after_key(out, value, indent + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() && !is_flow_list(inner) => {
                out.push('\n');
                write_list(out, inner, indent + 2);
            }
            other => {
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

/// Short mappings of plain values, deep enough not to be a top-level
/// object, read best on one line: `- { user: bob, roles: [primary] }`.
fn is_flow_map(map: &Map<String, Value>, indent: usize) -> bool {
    indent / 2 >= FLOW_DEPTH
        && map.values().all(|v| match v {
            Value::Array(items) => is_flow_list(items),
            Value::Object(_) => false,
            _ => true,
        })
        && indent + inline(&Value::Object(map.clone())).len() + 2 <= FLOW_WIDTH
}

/// Short lists of scalars read best on one line: `roles: [app_admin, basic]`.
fn is_flow_list(items: &[Value]) -> bool {
    items
        .iter()
        .all(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
        && items.iter().map(|v| inline(v).len() + 2).sum::<usize>() <= 80
}

/// A value on one line, in flow style.
pub fn inline(value: &Value) -> String {
    match value {
        Value::Null => "~".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s, false),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(flow_item).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", key_text(k), flow_item(v)))
                .collect();
            if inner.is_empty() {
                "{}".to_string()
            } else {
                format!("{{ {} }}", inner.join(", "))
            }
        }
    }
}

fn flow_item(value: &Value) -> String {
    match value {
        Value::String(s) => scalar_text(s, true),
        other => inline(other),
    }
}

fn key_text(key: &str) -> String {
    scalar_text(key, true)
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A string as a plain scalar when that reads back as the same string,
/// double-quoted otherwise.
pub fn scalar_text(text: &str, in_flow: bool) -> String {
    if needs_quotes(text, in_flow) {
        quote(text)
    } else {
        text.to_string()
    }
}

fn needs_quotes(text: &str, in_flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return true;
    };
    if text.trim() != text || text.chars().any(|c| c.is_control()) {
        return true;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return true;
    }
    if in_flow && text.contains([',', '[', ']', '{', '}']) {
        return true;
    }
    // In a flow, the reader takes a `-` after a space and before the `,`,
    // `]` or `}` that ends the scalar for the start of another scalar.
    if in_flow && text.ends_with(" -") {
        return true;
    }
    // Anything a YAML 1.2 reader resolves to null, a boolean or a number.
    if !matches!(
        saphyr::Scalar::parse_from_cow(text.into()),
        saphyr::Scalar::String(_)
    ) {
        return true;
    }
    // What YAML 1.1 readers take for booleans, numbers or times.
    let lower = text.to_ascii_lowercase();
    if matches!(lower.as_str(), "y" | "n" | "yes" | "no" | "on" | "off") {
        return true;
    }
    text.chars()
        .all(|c| c.is_ascii_digit() || "+-.:_ ".contains(c))
}

/// A string double-quoted, with YAML escapes.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml;
    use serde_json::json;

    fn round_trip(value: Value) {
        let text = to_yaml(&value);
        let parsed = yaml::parse(&text).unwrap_or_else(|e| panic!("{e:?} in\n{text}"));
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.value, value, "round trip of\n{text}");
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(scalar_text("alice", false), "alice");
        assert_eq!(scalar_text("Europe/Berlin", false), "Europe/Berlin");
        assert_eq!(
            scalar_text("2026-12-21T00:00:00+01:00", false),
            "2026-12-21T00:00:00+01:00"
        );
        assert_eq!(scalar_text("+4915123456789", false), "\"+4915123456789\"");
        assert_eq!(scalar_text("08:00", false), "\"08:00\"");
        assert_eq!(scalar_text("true", false), "\"true\"");
        assert_eq!(scalar_text("no", false), "\"no\"");
        assert_eq!(scalar_text("", false), "\"\"");
        assert_eq!(scalar_text("a: b", false), "\"a: b\"");
        assert_eq!(scalar_text("a,b", true), "\"a,b\"");
        assert_eq!(scalar_text("A -", false), "A -");
        assert_eq!(scalar_text("A -", true), "\"A -\"");
        assert_eq!(scalar_text("A -b", true), "A -b");
    }

    #[test]
    fn block_style_with_flow_lists_of_names() {
        let value = json!({
            "version": 1,
            "users": [{
                "email": "alice@acme.example",
                "roles": ["app_admin", "basic"],
                "contact_methods": [{ "channel": "sms", "value": "+4915123456789" }],
                "preferences": { "theme": "dark" }
            }],
            "groups": []
        });
        let text = to_yaml(&value);
        assert_eq!(
            text,
            "version: 1\nusers:\n  - email: alice@acme.example\n    roles: [app_admin, basic]\n    contact_methods:\n      - { channel: sms, value: \"+4915123456789\" }\n    preferences: { theme: dark }\ngroups: []\n"
        );
        round_trip(value);
    }

    #[test]
    fn awkward_strings_survive() {
        round_trip(
            json!({ "notes": ["", " lead", "tab\there", "line\nbreak", "quote\"d", "back\\slash", "# not a comment", "- dash", "ünïcödé", "null", "1e3", "0x1F", "~", "A -"] }),
        );
        round_trip(json!({ "nested": [[1, 2], { "a": { "b": [] } }], "empty": {} }));
    }
}
