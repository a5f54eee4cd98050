//! Plans for people and tools: a terminal diff (`text`), a versioned JSON
//! document (`json`) and a pull-request comment (`markdown`).

pub mod json;
pub mod markdown;
pub mod text;

use serde_json::Value;

use super::redact::Redactor;
use crate::model::live::ObjectKind;
use crate::plan::{Action, Change, FieldChange, Kept, KeptReason, Plan};

/// How many reasons of one refusal text and Markdown show (a mass delete
/// can have thousands); JSON has them all.
pub const SHOWN_REASONS: usize = 20;

/// The sentence about objects that already match the config and that the
/// next apply takes over, if there are any.
pub fn adopt_line(plan: &Plan) -> Option<String> {
    let n = plan.adopt.len();
    (n > 0).then(|| {
        let (s, es, them) = if n == 1 {
            ("", "es", "it")
        } else {
            ("s", "", "them")
        };
        format!(
            "{n} object{s} already match{es} the config; the next apply records {them} as roster's without changing {them}."
        )
    })
}

/// The sentence about the self-service fields the next apply records, if
/// they change.
pub fn self_service_line(plan: &Plan) -> Option<String> {
    let fields = plan.self_service.as_ref()?;
    let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
    Some(if names.is_empty() {
        "The next apply records that people maintain no field themselves.".to_string()
    } else {
        format!(
            "The next apply records the fields people maintain themselves: {}.",
            names.join(", ")
        )
    })
}

/// What every renderer needs besides the plan.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Where the live directory is (password masked).
    pub location: String,
    /// Masking of contact values.
    pub redactor: Redactor,
    /// ANSI colour (text only).
    pub color: bool,
    /// The revision being planned (`GITHUB_SHA`, `CI_COMMIT_SHA`), shown in
    /// a pull-request comment.
    pub revision: Option<String>,
}

/// The sign of an action, as in a diff.
pub fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
    }
}

/// What happens, in words.
pub fn verb(action: Action) -> &'static str {
    action.verb()
}

/// `user bob`, `user anguyen (renamed from alice)`, `account`.
pub fn headline(change: &Change) -> String {
    let mut text = match change.key.kind {
        ObjectKind::Account => "account".to_string(),
        kind => format!("{kind} {}", change.key.name),
    };
    if let Some(old) = &change.renamed_from {
        text.push_str(&format!(" (renamed from {old})"));
    }
    if change.action == Action::Replace
        && let Some(field) = change.fields.iter().find(|f| f.path == "type")
    {
        text.push_str(&format!(
            " (type {} → {}: recreated, the platform's state for the user is lost)",
            plain(field.old.as_ref()),
            plain(field.new.as_ref())
        ));
    }
    if change.action == Action::Create
        && change.key.kind == ObjectKind::User
        && change
            .fields
            .iter()
            .any(|f| f.path == "status" && f.new.as_ref().is_some_and(|v| v == "invited"))
    {
        text.push_str(" (invited)");
    }
    text
}

fn plain(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => inline(other),
        None => "nothing".into(),
    }
}

/// Fields whose value is a set: a change lists what is added and removed.
fn is_set(path: &str) -> bool {
    matches!(
        path,
        "roles" | "permissions" | "muted_integrations" | "on_call_reminders.groups"
    ) || path.starts_with("members[")
}

/// `added [a], removed [b]` between two lists read as sets.
fn set_change(old: &[Value], new: &[Value]) -> String {
    let added: Vec<Value> = new.iter().filter(|v| !old.contains(v)).cloned().collect();
    let removed: Vec<Value> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", inline(&Value::Array(added))));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", inline(&Value::Array(removed))));
    }
    parts.join(", ")
}

/// One field change as a line: `~ path: old → new`, `+ path: new`, `- path: old`,
/// marked when it undoes a change made outside git.
pub fn field_line(field: &FieldChange, redactor: &Redactor) -> (char, String) {
    let (mark, mut line) = field_text(field, redactor);
    if field.reverts {
        line.push_str(" (reverts a change made outside git)");
    }
    (mark, line)
}

/// What the plan keeps of one live object, as a line:
/// `user alice: time_zone "Europe/Lisbon" (changed by the user; the config says "Europe/Berlin")`.
pub fn kept_line(kept: &Kept, redactor: &Redactor) -> String {
    let show = |v: &Option<Value>| {
        v.as_ref().map_or_else(
            || "nothing".to_string(),
            |v| inline_top(&redactor.field(&kept.path, v)),
        )
    };
    let object = match kept.object.kind {
        ObjectKind::Account => "account".to_string(),
        kind => format!("{kind} {}", kept.object.name),
    };
    match kept.reason {
        KeptReason::ChangedByUser => format!(
            "{object}: {} {} (changed by the user; the config says {})",
            kept.path,
            show(&kept.live),
            show(&kept.git)
        ),
        KeptReason::MadeOutsideGit => format!(
            "{object}: {} {} (made outside git)",
            kept.path,
            show(&kept.live)
        ),
    }
}

fn field_text(field: &FieldChange, redactor: &Redactor) -> (char, String) {
    let show = |v: &Value| inline_top(&redactor.field(&field.path, v));
    if let (Some(Value::Array(old)), Some(Value::Array(new))) = (&field.old, &field.new)
        && is_set(&field.path)
    {
        return ('~', format!("{}: {}", field.path, set_change(old, new)));
    }
    match (&field.old, &field.new) {
        (Some(old), Some(new)) => (
            '~',
            format!("{}: {} → {}", field.path, show(old), show(new)),
        ),
        (None, Some(new)) => ('+', format!("{}: {}", field.path, show(new))),
        (Some(old), None) => ('-', format!("{}: {}", field.path, show(old))),
        (None, None) => ('~', field.path.clone()),
    }
}

/// A value on one line; top-level strings in quotes.
pub fn inline_top(value: &Value) -> String {
    match value {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => inline(other),
    }
}

/// A value on one line in flow style: `[a, b]`, `{ key: value }`.
pub fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::String(s) if is_bare(s) => s.clone(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", inline(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "_-./@:+".contains(c))
}

/// `3 to create, 2 to update, 1 to replace, 1 to delete`.
pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        s.create, s.update, s.replace, s.delete
    )
}

/// What an update sends the person besides its fields: a fresh invitation
/// (a reactivated person who never accepted, or an expired invitation).
pub(crate) fn invitation_line(change: &crate::plan::Change) -> Option<String> {
    let days = change.platform.invitation_days?;
    (change.action == crate::plan::Action::Update)
        .then(|| format!("a fresh invitation is sent, valid {days} days"))
}
