//! Golden edits of hand-written documents, byte for byte, and the
//! property that an edit followed by its inverse gives the bytes back.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{Document, EditError, Step};

/// Comments everywhere, blank lines, both quotings, flow and block
/// collections, a key order no writer would choose, no final newline.
const ODD: &str = "\
# yaml-language-server: $schema=../schemas/roster.schema.json
version: 1   # the only version

users:
  # the database team
  - email: bob@acme.example     # work address
    username: 'bob'
    first_name: \"Bob\"
    roles: [basic,  incident_commander]   # two spaces, kept
    contact_methods:
    - channel: phone
      label: official
      value: \"+49 160 1234567\"

    # Ivan, on loan from Sofia
  - {email: ivan@acme.example, username: ivan, first_name: Ivan}
groups:
  - name: db-oncall
    members:
      - { user: bob, roles: [primary] }
      - { user: ivan, roles: [secondary] }  # until March
    description: >
      Database
      on-call";

fn path(steps: &[&str]) -> Vec<Step> {
    steps
        .iter()
        .map(|s| match s.parse::<usize>() {
            Ok(i) => Step::Index(i),
            Err(_) => Step::Key((*s).to_string()),
        })
        .collect()
}

fn edited(text: &str, edit: impl FnOnce(&mut Document) -> Result<(), EditError>) -> String {
    let mut document = Document::new(text).unwrap();
    edit(&mut document).unwrap();
    let out = document.into_text();
    crate::config::yaml::parse(&out).unwrap_or_else(|e| panic!("{e:?} in\n{out}"));
    out
}

/// `ODD` with `from` replaced by `to`, once.
fn odd_with(from: &str, to: &str) -> String {
    assert_eq!(ODD.matches(from).count(), 1, "{from:?} appears once");
    ODD.replacen(from, to, 1)
}

#[test]
fn set_keeps_each_scalars_quoting() {
    let out = edited(ODD, |d| {
        d.set(&path(&["users", "0", "username"]), &json!("robert"))?;
        d.set(&path(&["users", "0", "first_name"]), &json!("Robert"))?;
        d.set(
            &path(&["users", "0", "email"]),
            &json!("robert@acme.example"),
        )
    });
    let expected = odd_with("username: 'bob'", "username: 'robert'")
        .replacen("first_name: \"Bob\"", "first_name: \"Robert\"", 1)
        .replacen(
            "email: bob@acme.example     # work",
            "email: robert@acme.example     # work",
            1,
        );
    assert_eq!(out, expected);
}

#[test]
fn a_plain_scalar_is_quoted_only_when_it_must_be() {
    let out = edited(ODD, |d| {
        d.set(&path(&["users", "1", "first_name"]), &json!("yes"))
    });
    assert_eq!(out, odd_with("first_name: Ivan}", "first_name: \"yes\"}"));
    let out = edited(ODD, |d| {
        d.set(&path(&["users", "1", "first_name"]), &json!("Iv,an"))
    });
    assert_eq!(out, odd_with("first_name: Ivan}", "first_name: \"Iv,an\"}"));
}

#[test]
fn set_adds_a_missing_key_after_the_last_entry() {
    let out = edited(ODD, |d| {
        d.set(&path(&["users", "0", "time_zone"]), &json!("Europe/Berlin"))
    });
    assert_eq!(
        out,
        odd_with(
            "      value: \"+49 160 1234567\"\n",
            "      value: \"+49 160 1234567\"\n    time_zone: Europe/Berlin\n"
        )
    );
    let out = edited(ODD, |d| {
        d.set(&path(&["users", "1", "time_zone"]), &json!("Europe/Sofia"))
    });
    assert_eq!(
        out,
        odd_with(
            "first_name: Ivan}",
            "first_name: Ivan, time_zone: Europe/Sofia}"
        )
    );
}

#[test]
fn push_follows_the_style_of_the_neighbours() {
    let out = edited(ODD, |d| {
        d.push(
            &path(&["groups", "0", "members"]),
            &json!({ "user": "frank", "roles": ["secondary"] }),
        )?;
        d.push(&path(&["users", "0", "roles"]), &json!("app_admin"))
    });
    let expected = odd_with(
        "[secondary] }  # until March\n",
        "[secondary] }  # until March\n      - { user: frank, roles: [secondary] }\n",
    )
    .replacen(
        "[basic,  incident_commander]",
        "[basic,  incident_commander, app_admin]",
        1,
    );
    assert_eq!(out, expected);
    let out = edited(ODD, |d| {
        d.push(
            &path(&["users", "0", "contact_methods"]),
            &json!({ "channel": "email", "label": "personal", "value": "bob@example.net" }),
        )
    });
    assert_eq!(
        out,
        odd_with(
            "      value: \"+49 160 1234567\"\n",
            "      value: \"+49 160 1234567\"\n    - channel: email\n      label: personal\n      value: bob@example.net\n"
        )
    );
}

#[test]
fn push_to_the_end_of_a_file_without_a_final_newline() {
    let out = edited("items:\n  - a\n  - b", |d| {
        d.push(&path(&["items"]), &json!("c"))
    });
    assert_eq!(out, "items:\n  - a\n  - b\n  - c");
}

#[test]
fn remove_takes_only_the_lines_of_the_item() {
    let out = edited(ODD, |d| d.remove(&path(&["groups", "0", "members", "1"])));
    assert_eq!(
        out,
        odd_with(
            "      - { user: ivan, roles: [secondary] }  # until March\n",
            ""
        )
    );
    let out = edited(ODD, |d| d.remove(&path(&["users", "1"])));
    assert_eq!(
        out,
        odd_with(
            "  - {email: ivan@acme.example, username: ivan, first_name: Ivan}\n",
            ""
        )
    );
    let out = edited(ODD, |d| d.remove(&path(&["users", "0", "contact_methods"])));
    assert_eq!(
        out,
        odd_with(
            "    contact_methods:\n    - channel: phone\n      label: official\n      value: \"+49 160 1234567\"\n",
            ""
        )
    );
}

#[test]
fn remove_the_first_key_of_a_sequence_item_moves_the_next_up() {
    let out = edited(ODD, |d| d.remove(&path(&["users", "0", "email"])));
    assert_eq!(
        out,
        odd_with(
            "  - email: bob@acme.example     # work address\n    username:",
            "  - username:"
        )
    );
}

#[test]
fn remove_from_flow_collections() {
    let out = edited(ODD, |d| d.remove(&path(&["users", "0", "roles", "0"])));
    assert_eq!(
        out,
        odd_with("[basic,  incident_commander]", "[incident_commander]")
    );
    let out = edited(ODD, |d| d.remove(&path(&["users", "0", "roles", "1"])));
    assert_eq!(out, odd_with("[basic,  incident_commander]", "[basic]"));
    let out = edited(ODD, |d| {
        d.remove(&path(&["groups", "0", "members", "0", "roles", "0"]))
    });
    assert_eq!(out, odd_with("roles: [primary]", "roles: []"));
}

#[test]
fn removing_the_last_block_item_leaves_an_empty_list() {
    let out = edited(ODD, |d| {
        d.remove(&path(&["users", "0", "contact_methods", "0"]))
    });
    assert_eq!(
        out,
        odd_with(
            "    contact_methods:\n    - channel: phone\n      label: official\n      value: \"+49 160 1234567\"\n",
            "    contact_methods: []\n"
        )
    );
}

#[test]
fn block_values_are_rewritten_where_they_were() {
    let out = edited(ODD, |d| {
        d.set(&path(&["groups", "0", "description"]), &json!("Databases"))
    });
    assert_eq!(
        out,
        odd_with(
            "description: >\n      Database\n      on-call",
            "description: Databases"
        )
    );
    let out = edited(ODD, |d| {
        d.set(
            &path(&["users", "0", "contact_methods"]),
            &json!([{ "channel": "sms", "label": "official", "value": "+49 160 7654321" }]),
        )
    });
    assert_eq!(
        out,
        odd_with(
            "    contact_methods:\n    - channel: phone\n      label: official\n      value: \"+49 160 1234567\"\n",
            "    contact_methods:\n      - { channel: sms, label: official, value: \"+49 160 7654321\" }\n"
        )
    );
}

#[test]
fn a_key_without_a_value_gets_one() {
    let out = edited("a:\nb: 2\n", |d| d.set(&path(&["a"]), &json!(1)));
    assert_eq!(out, "a: 1\nb: 2\n");
    let out = edited("a:\nb: 2\n", |d| d.push(&path(&["a"]), &json!("x")));
    assert_eq!(out, "a: [x]\nb: 2\n");
}

#[test]
fn errors_name_the_path() {
    let mut document = Document::new(ODD).unwrap();
    assert_eq!(
        document.set(&path(&["users", "7", "email"]), &json!("x")),
        Err(EditError::Missing {
            path: "users[7]".into()
        })
    );
    assert_eq!(
        document.push(&path(&["version"]), &json!("x")),
        Err(EditError::Kind {
            path: "version".into(),
            expected: "sequence"
        })
    );
    assert_eq!(document.text(), ODD);
}

#[test]
fn unicode_before_the_edit() {
    let text = "# Müller, Łukasz, 日本\nname: Jürgen # ü\nteam: [ä, ö]\n";
    let out = edited(text, |d| {
        d.set(&path(&["name"]), &json!("Jörg"))?;
        d.push(&path(&["team"]), &json!("ü"))
    });
    assert_eq!(
        out,
        "# Müller, Łukasz, 日本\nname: Jörg # ü\nteam: [ä, ö, ü]\n"
    );
}

/// Every place an edit can go in `ODD`, with an edit and its inverse.
fn edits() -> Vec<(Vec<Step>, &'static str)> {
    [
        (path(&["users", "0", "username"]), "scalar"),
        (path(&["users", "0", "first_name"]), "scalar"),
        (path(&["users", "1", "first_name"]), "scalar"),
        (path(&["groups", "0", "members", "1", "user"]), "scalar"),
        (path(&["version"]), "scalar"),
        (path(&["users", "0", "roles"]), "seq"),
        (path(&["users", "0", "contact_methods"]), "seq"),
        (path(&["users"]), "seq"),
        (path(&["groups", "0", "members"]), "seq"),
        (path(&["groups", "0", "members", "0", "roles"]), "seq"),
        (path(&["users", "0"]), "map"),
        (path(&["users", "1"]), "map"),
        (path(&["groups", "0"]), "map"),
        (path(&["groups", "0", "members", "1"]), "map"),
        (path(&[]), "map"),
    ]
    .into_iter()
    .collect()
}

fn value_strategy() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        "[a-zA-Z0-9 ,:#'\"éß-]{0,12}".prop_map(Value::String),
        any::<u16>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
    ];
    prop_oneof![
        3 => scalar.clone(),
        1 => prop::collection::vec(scalar.clone(), 0..3).prop_map(Value::Array),
        1 => prop::collection::btree_map("[a-z_]{1,8}", scalar, 1..3)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
}

fn current(text: &str, path: &[Step]) -> Value {
    let mut value = crate::config::yaml::parse(text).unwrap().value;
    for step in path {
        value = match step {
            Step::Key(k) => value[k.as_str()].clone(),
            Step::Index(i) => value[*i].clone(),
        };
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Set a scalar to anything then back; add an item or a key then
    /// remove it: the document is its old self, byte for byte, and in
    /// between it reads as the edit says.
    #[test]
    fn an_edit_then_its_inverse_restores_the_bytes(
        which in 0usize..15,
        value in value_strategy(),
        key in "[a-z]{1,6}",
        text in "[a-zA-Z0-9 ,:#'\"éß-]{0,12}",
        number in any::<u16>(),
    ) {
        let (target, kind) = edits().swap_remove(which);
        let mut document = Document::new(ODD).unwrap();
        match kind {
            "scalar" => {
                let old = current(ODD, &target);
                prop_assert!(matches!(old, Value::String(_) | Value::Number(_)));
                // A scalar keeps its type: a string in quotes set to a
                // number and back would come back plain.
                let value = match old { Value::String(_) => Value::String(text), _ => json!(number) };
                // A value that must be quoted where the old one was plain
                // changes the quoting, which its inverse keeps.
                if let Value::String(s) = &value {
                    prop_assume!(crate::report::yaml::scalar_text(s, true) == *s);
                }
                document.set(&target, &value).unwrap();
                prop_assert_eq!(current(document.text(), &target), value);
                document.set(&target, &old).unwrap();
            }
            "seq" => {
                let Value::Array(items) = current(ODD, &target) else { unreachable!() };
                document.push(&target, &value).unwrap();
                let mut item = target.clone();
                item.push(Step::Index(items.len()));
                prop_assert_eq!(current(document.text(), &item), value);
                document.remove(&item).unwrap();
            }
            _ => {
                let key = format!("zz_{key}");
                let mut entry = target.clone();
                entry.push(Step::Key(key));
                document.set(&entry, &value).unwrap();
                prop_assert_eq!(current(document.text(), &entry), value);
                document.remove(&entry).unwrap();
            }
        }
        prop_assert_eq!(document.text(), ODD);
    }
}
