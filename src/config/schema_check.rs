//! The schema stage: a document's JSON against the generated JSON Schema,
//! each failure turned into a diagnostic at the exact leaf: an unknown key
//! at the key, a bad value at the value, a tagged union (such as a contact
//! method's `channel`) at the failing field of the branch the tag selects.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError, Validator};
use serde_json::Value;

use super::source::{FileId, SourceFile};
use super::suggest;
use super::yaml::{self, Node};
use crate::diagnostic::Diagnostic;
use crate::model::schema::document_schema;

struct Compiled {
    schema: Value,
    validator: Validator,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let schema = document_schema();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the generated schema compiles");
        Compiled { schema, validator }
    })
}

/// Checks one document against the schema.
pub fn check(
    file: FileId,
    source: &SourceFile,
    value: &Value,
    positions: &Node,
) -> Vec<Diagnostic> {
    let compiled = compiled();
    if compiled.validator.is_valid(value) {
        return Vec::new();
    }
    let mapper = Mapper {
        schema: &compiled.schema,
        file,
        source,
        value,
        positions,
    };
    let mut out = Vec::new();
    for error in compiled.validator.iter_errors(value) {
        mapper.report(&error, &mut out);
    }
    out.dedup();
    out
}

struct Mapper<'a> {
    schema: &'a Value,
    file: FileId,
    source: &'a SourceFile,
    value: &'a Value,
    positions: &'a Node,
}

impl Mapper<'_> {
    fn report(&self, error: &ValidationError, out: &mut Vec<Diagnostic>) {
        let here = error.instance_path().as_str();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = self.allowed_keys(error.schema_path().as_str());
                for key in unexpected {
                    out.push(self.unknown_key(here, key, &allowed));
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let what = self.noun(error.schema_path().as_str());
                let whose = describe(self.value, here);
                out.push(
                    self.at(
                        Diagnostic::error(
                            "roster::schema::required",
                            format!("{whose} has no `{name}`"),
                        ),
                        here,
                        Place::Value,
                        format!("this {what} has no `{name}`"),
                    )
                    .with_help(self.description_of_property(error.schema_path().as_str(), name)),
                );
            }
            ValidationErrorKind::Type { kind } => out.push(self.type_mismatch(here, kind)),
            ValidationErrorKind::Enum { options } => {
                let options: Vec<String> = options
                    .as_array()
                    .map(|a| a.iter().map(render_scalar).collect())
                    .unwrap_or_default();
                out.push(self.not_one_of(here, &options));
            }
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => {
                self.report_alternatives(error, context, out);
            }
            ValidationErrorKind::Pattern { .. } => {
                let schema_path = error.schema_path().as_str();
                let what = value_noun(schema_path)
                    .map_or_else(|| format!("`{}`", field_name(here)), str::to_string);
                let shown = render_scalar(error.instance());
                let help = self.description_at(parent_pointer(schema_path));
                out.push(
                    self.at(
                        Diagnostic::error(
                            "roster::schema::pattern",
                            format!("{shown} is not a valid {what}"),
                        ),
                        here,
                        Place::Value,
                        "not in the expected form",
                    )
                    .with_help(help),
                );
            }
            ValidationErrorKind::Format { format } => {
                let shown = render_scalar(error.instance());
                let what = match format.as_str() {
                    "email" => "email address".to_string(),
                    other => format!("`{other}`"),
                };
                out.push(self.at(
                    Diagnostic::error(
                        "roster::schema::format",
                        format!("{shown} is not a valid {what}"),
                    ),
                    here,
                    Place::Value,
                    format!("not a valid {what}"),
                ));
            }
            ValidationErrorKind::Minimum { limit }
            | ValidationErrorKind::ExclusiveMinimum { limit } => {
                out.push(self.out_of_range(here, error.instance(), "at least", limit));
            }
            ValidationErrorKind::Maximum { limit }
            | ValidationErrorKind::ExclusiveMaximum { limit } => {
                out.push(self.out_of_range(here, error.instance(), "at most", limit));
            }
            ValidationErrorKind::MinLength { limit } => {
                let field = field_name(here);
                let message = if *limit == 1 {
                    format!("`{field}` must not be empty")
                } else {
                    format!("`{field}` must be at least {limit} characters long")
                };
                out.push(self.at(
                    Diagnostic::error("roster::schema::length", message),
                    here,
                    Place::Value,
                    "too short",
                ));
            }
            ValidationErrorKind::MaxLength { limit } => {
                let field = field_name(here);
                out.push(self.at(
                    Diagnostic::error(
                        "roster::schema::length",
                        format!("`{field}` must be at most {limit} characters long"),
                    ),
                    here,
                    Place::Value,
                    "too long",
                ));
            }
            ValidationErrorKind::MinItems { limit } => {
                let field = field_name(here);
                let noun = if *limit == 1 { "item" } else { "items" };
                out.push(self.at(
                    Diagnostic::error(
                        "roster::schema::length",
                        format!("`{field}` needs at least {limit} {noun}"),
                    ),
                    here,
                    Place::Value,
                    "empty",
                ));
            }
            _ => out.push(self.at(
                Diagnostic::error("roster::schema::invalid", error.to_string()),
                here,
                Place::Value,
                "here",
            )),
        }
    }

    /// `oneOf`/`anyOf`: a tagged union reports the branch its tag selects; a
    /// union of shapes reports the branch of the right shape; a documented
    /// enumeration reports the allowed values.
    fn report_alternatives(
        &self,
        error: &ValidationError,
        branches: &[Vec<ValidationError>],
        out: &mut Vec<Diagnostic>,
    ) {
        let here = error.instance_path().as_str();
        let constant_at = |e: &ValidationError, path: &str| {
            matches!(e.kind(), ValidationErrorKind::Constant { .. })
                && e.instance_path().as_str() == path
        };

        // A documented enumeration: every branch is one constant.
        if branches
            .iter()
            .all(|b| b.len() == 1 && constant_at(&b[0], here))
        {
            let options: Vec<String> = branches
                .iter()
                .filter_map(|b| expected_constant(&b[0]))
                .collect();
            out.push(self.not_one_of(here, &options));
            return;
        }

        // A tagged union: branches whose tag does not match fail a constant
        // on a direct child (the tag field).
        let tag_miss = |b: &[ValidationError]| {
            b.iter().any(|e| {
                matches!(e.kind(), ValidationErrorKind::Constant { .. })
                    && parent_pointer(e.instance_path().as_str()) == here
            })
        };
        let selected: Vec<&Vec<ValidationError>> =
            branches.iter().filter(|b| !tag_miss(b)).collect();
        if selected.len() < branches.len() {
            match selected.first() {
                Some(branch) => branch.iter().for_each(|e| self.report(e, out)),
                None => out.push(self.unknown_tag(branches)),
            }
            return;
        }

        // A union of shapes: keep the branches of the right JSON type.
        let wrong_shape = |b: &[ValidationError]| {
            b.iter().any(|e| {
                matches!(e.kind(), ValidationErrorKind::Type { .. })
                    && e.instance_path().as_str() == here
            })
        };
        let shaped: Vec<&Vec<ValidationError>> =
            branches.iter().filter(|b| !wrong_shape(b)).collect();
        if shaped.len() == 1 {
            shaped[0].iter().for_each(|e| self.report(e, out));
            return;
        }
        let alternatives = self.alternatives(error.schema_path().as_str());
        let found = json_type_name(error.instance());
        out.push(self.at(
            Diagnostic::error(
                "roster::schema::type",
                format!(
                    "`{}` must be {}, found {found}",
                    field_name(here),
                    alternatives.join(" or ")
                ),
            ),
            here,
            Place::Value,
            format!("{found} here"),
        ));
    }

    fn unknown_tag(&self, branches: &[Vec<ValidationError>]) -> Diagnostic {
        let mut tag_path = String::new();
        let mut options = Vec::new();
        for branch in branches {
            for e in branch {
                if let Some(expected) = expected_constant(e) {
                    tag_path = e.instance_path().as_str().to_string();
                    options.push(expected);
                }
            }
        }
        let field = field_name(&tag_path);
        let actual = self
            .value
            .pointer(&tag_path)
            .map(render_scalar)
            .unwrap_or_default();
        let mut diagnostic = self.at(
            Diagnostic::error("roster::schema::enum", format!("unknown {field} {actual}")),
            &tag_path,
            Place::Value,
            format!("not a known {field}"),
        );
        let raw = self
            .value
            .pointer(&tag_path)
            .and_then(Value::as_str)
            .unwrap_or_default();
        diagnostic.help = Some(if raw == "push" && field == "channel" {
            "`push` cannot be declared: the mobile app registers it the first time the user signs in".to_string()
        } else {
            expected_help(raw, &options)
        });
        diagnostic
    }

    fn not_one_of(&self, here: &str, options: &[String]) -> Diagnostic {
        let actual = self.value.pointer(here);
        let shown = actual.map(render_scalar).unwrap_or_default();
        let raw = actual.and_then(Value::as_str).unwrap_or_default();
        let message = match item_noun(here) {
            Some(noun) => format!("{shown} is not a known {noun}"),
            None => format!("{shown} is not a valid `{}`", field_name(here)),
        };
        self.at(
            Diagnostic::error("roster::schema::enum", message),
            here,
            Place::Value,
            "not an allowed value",
        )
        .with_help(expected_help(raw, options))
    }

    fn unknown_key(&self, here: &str, key: &str, allowed: &[String]) -> Diagnostic {
        let pointer = format!("{here}/{}", key.replace('~', "~0").replace('/', "~1"));
        let what = describe(self.value, here);
        let help = match suggest::closest(key, allowed.iter().map(String::as_str)) {
            Some(close) => format!(
                "did you mean `{close}`? Keys allowed here: {}",
                suggest::list(allowed, "and")
            ),
            None => format!("keys allowed here: {}", suggest::list(allowed, "and")),
        };
        self.at(
            Diagnostic::error(
                "roster::schema::unknown-key",
                format!("unknown key `{key}` in {what}"),
            ),
            &pointer,
            Place::Key,
            "unknown key",
        )
        .with_help(help)
    }

    fn type_mismatch(&self, here: &str, kind: &TypeKind) -> Diagnostic {
        let expected: Vec<&str> = match kind {
            TypeKind::Single(t) => vec![type_word(*t)],
            TypeKind::Multiple(set) => set.iter().map(type_word).collect(),
        };
        let actual = self.value.pointer(here).unwrap_or(&Value::Null);
        let found = json_type_name(actual);
        let field = field_name(here);
        let mut diagnostic = self.at(
            Diagnostic::error(
                "roster::schema::type",
                format!("`{field}` must be {}, found {found}", expected.join(" or ")),
            ),
            here,
            Place::Value,
            format!("{found} here"),
        );
        let located = yaml::locate(self.value, self.positions, here);
        if located.coerced && expected.contains(&"a string") {
            let written = &self.source.text()[self.source.byte_range(located.value)];
            diagnostic.help = Some(format!(
                "YAML reads unquoted `{written}` as {found}; quote it to keep it text: \"{written}\""
            ));
        }
        diagnostic
    }

    fn out_of_range(&self, here: &str, instance: &Value, bound: &str, limit: &Value) -> Diagnostic {
        let field = field_name(here);
        self.at(
            Diagnostic::error(
                "roster::schema::range",
                format!("`{field}` must be {bound} {limit}, found {instance}"),
            ),
            here,
            Place::Value,
            "out of range",
        )
    }

    fn at(
        &self,
        diagnostic: Diagnostic,
        pointer: &str,
        place: Place,
        label: impl Into<String>,
    ) -> Diagnostic {
        let located = yaml::locate(self.value, self.positions, pointer);
        let span = match place {
            Place::Key => located.key.unwrap_or(located.value),
            Place::Value => located.value,
        };
        diagnostic.with_label(self.file, span, label)
    }

    /// The keys the object schema around an `additionalProperties` failure allows.
    fn allowed_keys(&self, schema_path: &str) -> Vec<String> {
        self.schema
            .pointer(&format!("{}/properties", parent_pointer(schema_path)))
            .and_then(Value::as_object)
            .map(|props| props.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// What the schema around `schema_path` describes, in a word: `user`,
    /// `contact method`, ….
    fn noun(&self, schema_path: &str) -> String {
        let definition = schema_path
            .strip_prefix("/$defs/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("Document");
        let mut words = String::new();
        for (i, c) in definition.trim_end_matches("Spec").chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                words.push(' ');
            }
            words.extend(c.to_lowercase());
        }
        words
    }

    fn description_at(&self, schema_pointer: &str) -> String {
        let node = self.schema.pointer(schema_pointer);
        let described = node
            .and_then(|n| n.get("description"))
            .and_then(Value::as_str);
        let referenced = || {
            let target = node?.get("$ref")?.as_str()?.strip_prefix('#')?;
            self.schema.pointer(target)?.get("description")?.as_str()
        };
        described
            .or_else(referenced)
            .map(one_line)
            .unwrap_or_default()
    }

    fn description_of_property(&self, schema_path: &str, property: &str) -> String {
        let object = parent_pointer(schema_path);
        let described = self.description_at(&format!("{object}/properties/{property}"));
        if described.is_empty() {
            format!("add `{property}`")
        } else {
            format!("`{property}`: {described}")
        }
    }

    fn alternatives(&self, schema_path: &str) -> Vec<String> {
        self.schema
            .pointer(schema_path)
            .and_then(Value::as_array)
            .map(|branches| {
                branches
                    .iter()
                    .map(|b| {
                        let described = b.get("description").and_then(Value::as_str).map(one_line);
                        let typed = b.get("type").and_then(Value::as_str).map(|t| match t {
                            "string" => "a string".to_string(),
                            "integer" => "a whole number".to_string(),
                            "object" => "a mapping".to_string(),
                            other => format!("a {other}"),
                        });
                        match (typed, described) {
                            (Some(t), Some(d)) => {
                                format!("{t} ({})", d.trim_end_matches('.').to_lowercase())
                            }
                            (Some(t), None) => t,
                            (None, Some(d)) => d.trim_end_matches('.').to_lowercase(),
                            (None, None) => "something else".to_string(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Clone, Copy)]
enum Place {
    Key,
    Value,
}

fn expected_constant(error: &ValidationError) -> Option<String> {
    match error.kind() {
        ValidationErrorKind::Constant { expected_value } => Some(render_plain(expected_value)),
        _ => None,
    }
}

fn expected_help(actual: &str, options: &[String]) -> String {
    match suggest::closest(actual, options.iter().map(String::as_str)) {
        Some(close) => format!(
            "did you mean `{close}`? Expected one of {}",
            suggest::list(options, "or")
        ),
        None => format!("expected one of {}", suggest::list(options, "or")),
    }
}

/// What a value type defined in the schema is called in prose.
fn value_noun(schema_path: &str) -> Option<&'static str> {
    let definition = schema_path.strip_prefix("/$defs/")?.split('/').next()?;
    match definition {
        "PhoneValue" => Some("phone number"),
        "EmailValue" => Some("email address"),
        "SlackValue" => Some("Slack member id"),
        _ => None,
    }
}

/// Names the object a pointer designates, for messages: `user `alice``,
/// `contact method 2 of user `alice``, `group `db-oncall``, ….
fn describe(document: &Value, pointer: &str) -> String {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let name_of = |list: &str, index: &str, keys: &[&str]| {
        let item = document.pointer(&format!("/{list}/{index}"))?;
        keys.iter()
            .find_map(|k| item.get(*k).and_then(Value::as_str))
            .map(str::to_string)
    };
    let ordinal = |index: &str| index.parse::<usize>().map_or(0, |i| i + 1);
    match tokens.as_slice() {
        [] => "the document".to_string(),
        ["users", i, rest @ ..] => {
            let who = name_of("users", i, &["username", "email"])
                .map_or_else(|| format!("user {}", ordinal(i)), |n| format!("user `{n}`"));
            match rest {
                [] => who,
                ["contact_methods", m] => format!("contact method {} of {who}", ordinal(m)),
                ["out_of_office", m] => format!("out-of-office window {} of {who}", ordinal(m)),
                [.., last] if last.parse::<usize>().is_ok() => {
                    format!("`{}` of {who}", field_name(pointer))
                }
                [.., last] => format!("`{last}` of {who}"),
            }
        }
        ["groups", i, rest @ ..] => {
            let group = name_of("groups", i, &["name"]).map_or_else(
                || format!("group {}", ordinal(i)),
                |n| format!("group `{n}`"),
            );
            match rest {
                [] => group,
                ["members", m] => format!("member {} of {group}", ordinal(m)),
                [.., last] => format!("`{last}` of {group}"),
            }
        }
        ["roles", i, ..] => name_of("roles", i, &["name"])
            .map_or_else(|| format!("role {}", ordinal(i)), |n| format!("role `{n}`")),
        _ => format!("`{}`", field_name(pointer)),
    }
}

/// The JSON pointer of the parent.
fn parent_pointer(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |i| &pointer[..i])
}

/// The name of the field a pointer ends at: `email`, or `contact_methods[2]`.
/// What one item of a list of fixed words is called, for the lists whose
/// items have a name of their own (`permissions[1]` is a permission).
fn item_noun(pointer: &str) -> Option<&'static str> {
    let mut tokens = pointer.rsplit('/');
    tokens.next()?.parse::<usize>().ok()?;
    let list = tokens.next()?;
    let owner = tokens.nth(1);
    match (owner, list) {
        (_, "permissions") => Some("permission"),
        (_, "days") => Some("day"),
        (Some("members"), "roles") => Some("member role"),
        _ => None,
    }
}

fn field_name(pointer: &str) -> String {
    let mut tokens = pointer.rsplit('/');
    match tokens.next() {
        Some(last) if last.parse::<usize>().is_ok() => {
            let list = tokens.next().unwrap_or("item");
            format!("{list}[{last}]")
        }
        Some(last) if !last.is_empty() => last.replace("~1", "/").replace("~0", "~"),
        _ => "document".to_string(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn type_word(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "nothing",
        JsonType::Boolean => "true or false",
        JsonType::Integer => "a whole number",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "a list",
        JsonType::Object => "a mapping",
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A scalar in backticks for messages; containers by their kind.
fn render_scalar(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => json_type_name(value).to_string(),
        other => format!("`{}`", render_plain(other)),
    }
}

fn render_plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
