//! The history entry of an apply: totals, the plan's digest, and one line
//! per change. The lines are a record, worded here once and stored as
//! written: a change to how plans are shown never rewrites history.

use chrono::{DateTime, Utc};

use crate::model::live::ObjectKind;
use crate::plan::file::plan_digest;
use crate::plan::{Action, Change, Object, Plan};
use crate::store::HistoryEntry;

/// The history entry of applying `plan`, started at `started_at` (the
/// store sets when it finished).
pub fn entry(
    plan: &Plan,
    revision: Option<String>,
    actor: String,
    started_at: DateTime<Utc>,
) -> HistoryEntry {
    let changes: Vec<String> = plan.changes.iter().map(line).collect();
    HistoryEntry {
        id: 0,
        revision,
        actor,
        started_at,
        finished_at: started_at,
        plan_digest: plan_digest(plan),
        creates: plan.summary.create as i64,
        updates: plan.summary.update as i64,
        replaces: plan.summary.replace as i64,
        deletes: plan.summary.delete as i64,
        changes,
    }
}

/// `+ user bob (invited)`, `~ user anguyen (renamed from alice)`,
/// `-/+ user dave (type standard → light: recreated, …)`, `- group web`.
fn line(change: &Change) -> String {
    let symbol = match change.action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
    };
    let mut text = match change.key.kind {
        ObjectKind::Account => format!("{symbol} account"),
        kind => format!("{symbol} {kind} {}", change.key.name),
    };
    if let Some(old) = &change.renamed_from {
        text.push_str(&format!(" (renamed from {old})"));
    }
    if change.action == Action::Replace
        && let Some(field) = change.fields.iter().find(|f| f.path == "type")
    {
        let word = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str()).unwrap_or("nothing").to_string()
        };
        text.push_str(&format!(
            " (type {} → {}: recreated, the platform's state for the user is lost)",
            word(field.old.as_ref()),
            word(field.new.as_ref())
        ));
    }
    if change.action == Action::Create
        && let Some(Object::User(user)) = &change.after
        && user.status == crate::model::vocab::UserStatus::Invited
    {
        text.push_str(" (invited)");
    }
    text
}
