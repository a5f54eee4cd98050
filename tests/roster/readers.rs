//! The fast ways of reading a document hold to the full ones:
//! - the typed reader accepts a document exactly when the full stages (YAML
//!   with positions, the JSON Schema, deserialization) find nothing, and
//!   reads the same [`Document`];
//! - the fast YAML reader, whenever it reads a text, reads the same events
//!   as saphyr's parser.
//!
//! Documents are generated from the JSON Schema itself (every property,
//! branch and bound, values on both sides of each bound, wrong types,
//! unknown and missing keys) and written out in varied YAML styles.

use proptest::prelude::*;
use roster::config::documents::{check_in_full, read_typed};
use roster::config::source::{FileId, SourceFile};
use roster::config::yaml::{events, fast};
use roster::model::schema::document_schema;
use serde_json::{Map, Value, json};

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True once in `n` times.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Texts that match, and nearly match, each pattern of the schema: the
/// number of matching ones (which come first) and the texts.
fn pattern_samples(pattern: &str) -> (usize, Vec<&'static str>) {
    let by_start = [
        (
            "^[a-z][a-z0-9_]",
            2,
            vec!["responder", "on_call_2", "Responder", "2fast", ""],
        ),
        (
            "^[A-Za-z0-9][A-Za-z0-9._@+-]",
            2,
            vec!["alice", "a.b-c@d+e", "-alice", "al ice", "Bob"],
        ),
        (
            "^[A-Za-z0-9][A-Za-z0-9_.-]",
            3,
            vec![
                "anguyen", "a.b_c-d", "ANguyen", "-anguyen", "a b", "a@b", "",
            ],
        ),
        (
            "^[A-Za-z]{2,3}",
            3,
            vec!["de-DE", "en", "zh-Hant-TW", "e", "de_DE"],
        ),
        (
            "^\\+[0-9 ()./-]",
            3,
            vec![
                "+49 151 2345 6789",
                "+14155550132",
                "+1 (415) 555-0132",
                "0151 2345",
                "+49",
                "+49 151 x",
            ],
        ),
        (
            "^[UW][A-Z0-9]",
            2,
            vec!["U024BE7LH", "W12345678", "u024be7lh", "U1"],
        ),
        (
            "^([01][0-9]|2[0-3])",
            2,
            vec!["08:00", "23:59", "24:00", "8:00", "08:60"],
        ),
        (
            "^(email|sms|phone",
            2,
            vec![
                "sms-personal",
                "phone-official-mobile",
                "sms",
                "push-personal",
            ],
        ),
        (
            "^[0-9]{4}-",
            4,
            vec![
                "2026-12-21T00:00",
                "2026-12-21 09:30:15",
                "2026-12-21T00:00+01:00",
                "2026-12-21T00:00Z",
                "2026-12-21",
                "21.12.2026",
            ],
        ),
    ];
    by_start
        .into_iter()
        .find(|(start, _, _)| pattern.starts_with(start))
        .map(|(_, valid, samples)| (valid, samples))
        .unwrap_or_else(|| panic!("no samples for pattern {pattern}"))
}

/// Email addresses; the first two are valid.
const EMAILS: &[&str] = &[
    "alice@acme.example",
    "Bob.Smith+oncall@corp.example",
    "not-an-email",
    "a@b",
    "a b@c.example",
    "@acme.example",
    "é@acme.example",
];

const STRINGS: &[&str] = &[
    "alice",
    "Alice Nguyen",
    "",
    "123",
    "true",
    "null",
    "~",
    "1.5",
    "é ü ß",
    "a: b",
    "x # y",
    "- a",
    "'q'",
    "\"q\"",
    "Europe/Berlin",
    "0x1F",
    ".inf",
    "yes",
    "2026-12-21",
];

struct Generator<'s> {
    schema: &'s Value,
    rng: Rng,
    /// One decision in this many goes wrong; none when zero.
    noise: usize,
}

impl Generator<'_> {
    /// Whether this decision goes wrong.
    fn wrong(&mut self) -> bool {
        self.noise > 0 && self.rng.one_in(self.noise)
    }

    /// One of `items`, of which the first `valid` are right.
    fn choose<'a>(&mut self, valid: usize, items: &[&'a str]) -> &'a str {
        if self.wrong() {
            items[self.rng.below(items.len())]
        } else {
            items[self.rng.below(valid)]
        }
    }

    fn resolve(&self, node: &Value) -> Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => self
                .schema
                .pointer(reference.trim_start_matches('#'))
                .expect("references resolve")
                .clone(),
            None => node.clone(),
        }
    }

    /// A value of the wrong kind, or a near miss.
    fn anything(&mut self) -> Value {
        match self.rng.below(8) {
            0 => Value::Null,
            1 => json!(true),
            2 => json!(-1),
            3 => json!(2.5),
            4 => json!([]),
            5 => json!({}),
            6 => json!(4_294_967_296u64),
            _ => json!(*self.rng.pick(STRINGS)),
        }
    }

    fn value(&mut self, node: &Value, depth: usize) -> Value {
        let node = &self.resolve(node);
        if depth > 8 || (self.wrong() && self.rng.one_in(3)) {
            return self.anything();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = node.get(key).and_then(Value::as_array) {
                let branch = self.rng.pick(branches).clone();
                return self.value(&branch, depth + 1);
            }
        }
        if let Some(constant) = node.get("const") {
            return if self.wrong() {
                json!(format!("{}x", constant.as_str().unwrap_or("")))
            } else {
                constant.clone()
            };
        }
        match node.get("type").and_then(Value::as_str) {
            Some("object") => self.object(node, depth),
            Some("array") => {
                let items = node.get("items").cloned().unwrap_or(json!({}));
                let n = self.rng.below(4);
                Value::Array((0..n).map(|_| self.value(&items, depth + 1)).collect())
            }
            Some("string") => self.string(node),
            Some("integer") => self.integer(node),
            Some("boolean") => json!(self.rng.one_in(2)),
            _ => self.anything(),
        }
    }

    fn string(&mut self, node: &Value) -> Value {
        if let Some(pattern) = node.get("pattern").and_then(Value::as_str) {
            let (valid, samples) = pattern_samples(pattern);
            return json!(self.choose(valid, &samples));
        }
        if node.get("format").is_some() {
            return json!(self.choose(2, EMAILS));
        }
        let min = node.get("minLength").and_then(Value::as_u64);
        let max = node.get("maxLength").and_then(Value::as_u64);
        let wrong = self.wrong();
        match (self.rng.below(6), min, max) {
            (0, _, Some(max)) => json!("x".repeat(max as usize)),
            (1, _, Some(max)) if wrong => json!("é".repeat(max as usize + 1)),
            (2, Some(_), _) if wrong => json!(""),
            _ => json!(
                *self
                    .rng
                    .pick(&STRINGS[..STRINGS.len() - usize::from(!wrong)])
            ),
        }
    }

    fn integer(&mut self, node: &Value) -> Value {
        let min = node.get("minimum").and_then(Value::as_i64).unwrap_or(0);
        let max = node.get("maximum").and_then(Value::as_i64);
        if !self.wrong() {
            return match self.rng.below(3) {
                0 => json!(min),
                1 => max.map_or(json!(4_294_967_295u64), |m| json!(m)),
                _ => json!(min + max.map_or(1, |m| (m - min).min(1))),
            };
        }
        match self.rng.below(5) {
            0 => json!(min - 1),
            1 => max.map_or(json!(4_294_967_296u64), |m| json!(m + 1)),
            2 => json!("5"),
            3 => json!(1.0),
            _ => json!(true),
        }
    }

    fn object(&mut self, node: &Value, depth: usize) -> Value {
        let mut map = Map::new();
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let wanted = if required.contains(&name.as_str()) {
                    !self.wrong()
                } else {
                    self.rng.one_in(2)
                };
                if wanted {
                    let value = self.value(property, depth + 1);
                    map.insert(name.clone(), value);
                }
            }
        } else if let Some(values) = node.get("additionalProperties") {
            for _ in 0..self.rng.below(3) {
                let key = format!("group-{}", self.rng.below(5));
                let value = self.value(values, depth + 1);
                map.insert(key, value);
            }
        }
        if self.wrong() {
            map.insert("colour".into(), json!("blue"));
        }
        Value::Object(map)
    }
}

/// Writes a value as YAML in a random mix of styles.
struct Writer<'r> {
    rng: &'r mut Rng,
    out: String,
}

/// Whether a plain scalar with this text is read as text.
fn stays_text(s: &str) -> bool {
    s.starts_with(|c: char| c.is_alphabetic())
        && !matches!(
            s,
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL"
        )
}

impl Writer<'_> {
    fn scalar(&mut self, value: &Value) -> String {
        match value {
            Value::String(s) => match self.rng.below(4) {
                0 => serde_json::to_string(s).unwrap(),
                1 => format!("'{}'", s.replace('\'', "''")),
                _ => {
                    let plain_safe = (stays_text(s) || self.rng.one_in(8))
                        && !s.is_empty()
                        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
                        && !s.contains(": ")
                        && !s.contains(" #")
                        && !s.ends_with([' ', ':']);
                    if plain_safe {
                        s.clone()
                    } else {
                        serde_json::to_string(s).unwrap()
                    }
                }
            },
            Value::Null => self.rng.pick(&["~", "null", ""]).to_string(),
            other => other.to_string(),
        }
    }

    fn flow(&mut self, value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let entries: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", self.flow(v)))
                    .collect();
                if entries.is_empty() {
                    "{}".into()
                } else {
                    format!("{{ {} }}", entries.join(", "))
                }
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(|v| self.flow(v)).collect();
                format!("[{}]", items.join(", "))
            }
            scalar => {
                let text = self.scalar(scalar);
                if text.is_empty()
                    || (!text.starts_with(['"', '\''])
                        && text.contains([',', '[', ']', '{', '}', ':', '#']))
                {
                    serde_json::to_string(&text).unwrap()
                } else {
                    text
                }
            }
        }
    }

    fn comment(&mut self, indent: usize) {
        if self.rng.one_in(30) {
            self.out.push_str(&" ".repeat(self.rng.below(indent + 3)));
            self.out.push_str("# a comment\n");
        }
        if self.rng.one_in(30) {
            self.out.push('\n');
        }
    }

    /// A mapping in block style; the first key goes at the current place.
    fn mapping(&mut self, map: &Map<String, Value>, indent: usize, first_inline: bool) {
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 || !first_inline {
                self.comment(indent);
                self.out.push_str(&" ".repeat(indent));
            }
            self.out.push_str(key);
            self.out.push(':');
            self.value_after_key(value, indent);
        }
    }

    fn value_after_key(&mut self, value: &Value, indent: usize) {
        match value {
            Value::Object(map) if !map.is_empty() && !self.rng.one_in(4) => {
                self.out.push('\n');
                let inner = indent + 1 + self.rng.below(3);
                self.mapping(map, inner, false);
            }
            Value::Array(items) if !items.is_empty() && !self.rng.one_in(4) => {
                self.out.push('\n');
                let inner = indent + self.rng.below(3);
                self.sequence(items, inner);
            }
            other => {
                let text = self.flow(other);
                if !text.is_empty() {
                    self.out.push(' ');
                    self.out.push_str(&text);
                }
                if self.rng.one_in(20) {
                    self.out.push_str(" # note");
                }
                self.out.push('\n');
            }
        }
    }

    fn sequence(&mut self, items: &[Value], indent: usize) {
        for item in items {
            self.comment(indent);
            self.out.push_str(&" ".repeat(indent));
            self.out.push('-');
            match item {
                Value::Object(map) if !map.is_empty() && !self.rng.one_in(4) => {
                    let gap = 1 + self.rng.below(2);
                    self.out.push_str(&" ".repeat(gap));
                    self.mapping(map, indent + 1 + gap, true);
                }
                other => {
                    let text = self.flow(other);
                    self.out.push(' ');
                    self.out.push_str(&text);
                    self.out.push('\n');
                }
            }
        }
    }
}

fn generate(seed: u64) -> String {
    let schema = document_schema();
    let mut rng = Rng(seed | 1);
    let noise = *rng.pick(&[0, 0, 20, 40, 80]);
    let mut generator = Generator {
        schema: &schema,
        rng,
        noise,
    };
    let document = generator.value(&schema, 0);
    let mut rng = Rng(generator.rng.next() | 1);
    let mut writer = Writer {
        rng: &mut rng,
        out: String::new(),
    };
    if writer.rng.one_in(5) {
        writer.out.push_str("---\n");
    }
    writer
        .out
        .push_str("# yaml-language-server: $schema=roster.schema.json\n");
    match &document {
        Value::Object(map) => writer.mapping(map, 0, false),
        other => {
            let text = writer.flow(other);
            writer.out.push_str(&text);
            writer.out.push('\n');
        }
    }
    writer.out
}

fn full(text: &str) -> (Option<roster::model::document::Document>, usize) {
    let file = SourceFile::in_memory("doc.yaml".into(), text.to_string());
    let (document, diagnostics) = check_in_full(FileId(0), &file);
    (document, diagnostics.len())
}

/// Edits that make YAML interesting: indentation, indicators, quotes.
const EDIT_CHARS: &[char] = &[
    ' ', ' ', '\n', ':', '-', '#', '"', '\'', '{', '}', '[', ']', ',', 'a', '1', '\t', '&', '*',
    '!', '|', '>', '?', '\\', 'é', '\u{a0}', '\r', '.', '~',
];

fn mangle(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.insert(at, *rng.pick(EDIT_CHARS)),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn generated_documents_are_mostly_valid_and_mostly_not() {
    // The generator must exercise both answers, or the properties below
    // prove little.
    let (mut accepted, mut refused) = (0, 0);
    for seed in 0..400u64 {
        let text = generate(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if read_typed(&text).is_some() {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    eprintln!("typed reader: {accepted} accepted, {refused} refused");
    assert!(accepted >= 120, "{accepted} accepted, {refused} refused");
    assert!(refused >= 80, "{accepted} accepted, {refused} refused");
}

#[test]
fn the_fast_reader_reads_most_generated_texts() {
    // Its property below must not hold by refusing everything.
    let mut rng = Rng(7);
    let (mut read, mut mangled_read) = (0, 0);
    for seed in 0..400u64 {
        let text = generate(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        read += usize::from(fast::parse(&text).is_ok());
        mangled_read += usize::from(fast::parse(&mangle(&text, &mut rng)).is_ok());
    }
    eprintln!("fast reader: {read} of 400 texts, {mangled_read} of 400 mangled ones");
    assert!(read >= 300, "{read} of 400 read");
    assert!(
        mangled_read >= 100,
        "{mangled_read} of 400 mangled texts read"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn the_typed_reader_accepts_exactly_what_the_schema_accepts(seed in any::<u64>()) {
        let text = generate(seed);
        let typed = read_typed(&text);
        let (document, findings) = full(&text);
        let schema_accepts = findings == 0 && document.is_some();
        prop_assert_eq!(typed.is_some(), schema_accepts, "typed reader and schema disagree on:\n{}", text);
        if let Some(typed) = typed {
            prop_assert_eq!(Some(typed), document, "different documents from:\n{}", text);
        }
    }

    #[test]
    fn the_fast_reader_reads_what_saphyr_reads(seed in any::<u64>(), edits in 0..3usize) {
        let mut text = generate(seed);
        let mut rng = Rng(seed.rotate_left(17) | 1);
        for _ in 0..edits {
            text = mangle(&text, &mut rng);
        }
        if let Ok(fast) = fast::parse(&text) {
            prop_assert_eq!(Ok(fast), events::parse(&text), "the readers differ on:\n{:?}", text);
        }
    }
}
