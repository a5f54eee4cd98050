//! `roster schema` and the committed schema file.

use crate::support::{Roster, root};

#[test]
fn committed_schema_matches_the_types() {
    let committed = std::fs::read_to_string(root().join(roster::model::schema::SCHEMA_PATH))
        .expect("schemas/roster.schema.json is committed");
    let generated = roster::model::schema::document_schema_text();
    assert!(
        committed == generated,
        "schemas/roster.schema.json is stale; regenerate it with `cargo run -- schema > schemas/roster.schema.json`"
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let run = Roster::new(["schema"]).run();
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    let committed =
        std::fs::read_to_string(root().join(roster::model::schema::SCHEMA_PATH)).unwrap();
    assert_eq!(run.stdout, committed);
}

#[test]
fn schema_documents_every_field() {
    let schema: serde_json::Value =
        serde_json::from_str(&roster::model::schema::document_schema_text()).unwrap();
    let mut undocumented = Vec::new();
    walk(&schema, "", &mut undocumented);
    assert!(
        undocumented.is_empty(),
        "properties without a description: {undocumented:#?}"
    );
}

/// Collects properties without a description, except the tags of tagged
/// unions (`channel`), which a `const` documents.
fn walk(node: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    if let Some(properties) = node.get("properties").and_then(|p| p.as_object()) {
        for (name, property) in properties {
            let has_description = property.get("description").is_some();
            let is_tag = property.get("const").is_some();
            if !has_description && !is_tag {
                out.push(format!("{path}/properties/{name}"));
            }
        }
    }
    match node {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                walk(child, &format!("{path}/{key}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}
