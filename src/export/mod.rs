//! Writing a directory as roster YAML: canonical, stable, readable.

pub mod spec;

use serde_json::{Map, Value};

use crate::model::Directory;
use crate::model::document::{Document, FORMAT_VERSION};
use crate::model::policy::Policy;
use crate::report::yaml::to_yaml;

/// The `$schema` header line for documents written at `depth` folders below
/// a config root that sits beside `schemas/`.
pub fn schema_header(depth: usize) -> String {
    format!(
        "# yaml-language-server: $schema={}schemas/roster.schema.json\n",
        "../".repeat(depth + 1)
    )
}

/// The whole directory as one document.
pub fn single_document(directory: &Directory, policy: &Policy) -> Document {
    Document {
        version: FORMAT_VERSION,
        account: directory
            .owner
            .as_deref()
            .map(|owner| spec::account_spec(owner, policy)),
        roles: directory.roles.values().map(spec::role_spec).collect(),
        users: directory.users.values().map(spec::user_spec).collect(),
        groups: directory.groups.values().map(spec::group_spec).collect(),
    }
}

/// A document as YAML text.
pub fn document_text(document: &Document) -> String {
    let mut value = serde_json::to_value(document).expect("documents serialize");
    if let Some(users) = value.get_mut("users").and_then(Value::as_array_mut) {
        for methods in users
            .iter_mut()
            .filter_map(|u| u.get_mut("contact_methods"))
            .filter_map(Value::as_array_mut)
        {
            for method in methods.iter_mut().filter_map(Value::as_object_mut) {
                order_keys(method, &["channel", "label", "variant", "value"]);
            }
        }
    }
    to_yaml(&value)
}

/// Moves `first` keys, in that order, before the others.
fn order_keys(map: &mut Map<String, Value>, first: &[&str]) {
    let mut ordered = Map::new();
    for key in first {
        if let Some(value) = map.shift_remove(*key) {
            ordered.insert((*key).to_string(), value);
        }
    }
    ordered.append(map);
    *map = ordered;
}
