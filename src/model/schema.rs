//! The JSON Schema of a roster document, generated from [`Document`].
//!
//! The committed `schemas/roster.schema.json` is this output; a test keeps
//! the two equal.

use serde_json::{Map, Value};

use super::document::Document;

/// Where the committed copy of the schema lives, relative to the crate root.
pub const SCHEMA_PATH: &str = "schemas/roster.schema.json";

/// The schema's `$id`.
pub const SCHEMA_ID: &str = "https://roster.dev/schemas/roster.schema.json";

/// Generates the JSON Schema (draft 2020-12) of a roster document.
pub fn document_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<Document>().to_value();
    tidy(&mut schema);
    if let Value::Object(root) = &mut schema {
        // `$id` goes right after `$schema` for readers of the file.
        let mut ordered = Map::new();
        if let Some(meta) = root.shift_remove("$schema") {
            ordered.insert("$schema".into(), meta);
        }
        ordered.insert("$id".into(), Value::String(SCHEMA_ID.into()));
        for key in ["title", "description"] {
            if let Some(value) = root.shift_remove(key) {
                ordered.insert(key.into(), value);
            }
        }
        ordered.append(root);
        *root = ordered;
    }
    schema
}

/// The schema as the committed file holds it: pretty JSON and a final newline.
pub fn document_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&document_schema()).expect("a schema serializes");
    text.push('\n');
    text
}

/// Makes the generated schema say what the loader accepts: optional fields
/// are omitted, never `null`, and integer widths are not formats.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            drop_null_alternative(map);
            if matches!(map.get("format"), Some(Value::String(f)) if is_integer_width(f)) {
                map.shift_remove("format");
            }
            for child in map.values_mut() {
                tidy(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

fn drop_null_alternative(map: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    let Some(Value::Array(branches)) = map.get("anyOf") else {
        return;
    };
    let is_null = |b: &Value| {
        b.get("type").is_some_and(|t| t == "null") && b.as_object().is_some_and(|o| o.len() == 1)
    };
    if branches.len() != 2 || !branches.iter().any(is_null) {
        return;
    }
    let Some(Value::Array(branches)) = map.shift_remove("anyOf") else {
        unreachable!("checked above");
    };
    if let Some(Value::Object(kept)) = branches.into_iter().find(|b| !is_null(b)) {
        for (key, value) in kept {
            map.entry(key).or_insert(value);
        }
    }
}

fn is_integer_width(format: &str) -> bool {
    matches!(
        format,
        "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "uint"
    )
}
