//! Whether a plan is one the planner could have made: every change names
//! its object the same way twice, says what it writes, carries the
//! fingerprint of what it read, and the summary counts what is listed. A
//! plan file is data from outside; an apply refuses one that is not
//! consistent before it takes the lock.

use std::collections::BTreeMap;

use super::{Action, Change, Object, Plan, Summary};
use crate::model::live::{ACCOUNT, ObjectKey, ObjectKind};

/// Every way `plan` is inconsistent, in words; empty when it is not.
pub fn problems(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let read: BTreeMap<&ObjectKey, Option<&str>> = plan
        .fingerprints
        .iter()
        .map(|f| (&f.object, f.fingerprint.as_deref()))
        .collect();
    for (index, change) in plan.changes.iter().enumerate() {
        let at = format!(
            "change {} ({} {})",
            index + 1,
            change.key.kind,
            change.key.name
        );
        if let Some(problem) = written(change) {
            problems.push(format!("{at}: {problem}"));
        }
        let live = change.live_key();
        match (change.action, read.get(&live)) {
            (_, None) => problems.push(format!(
                "{at}: the plan holds no fingerprint of {live}, so it cannot be checked against the directory"
            )),
            (Action::Create, Some(Some(_))) => problems.push(format!(
                "{at}: a create of an object the plan read as existing"
            )),
            (Action::Update | Action::Replace | Action::Delete, Some(None)) => problems.push(
                format!("{at}: a change to an object the plan read as missing"),
            ),
            _ => {}
        }
        if let Some(applied) = &change.applied
            && !names(&change.key, applied)
        {
            problems.push(format!(
                "{at}: it records a {} named otherwise",
                kind(applied)
            ));
        }
        if change.renamed_from.is_some() && change.key.kind != ObjectKind::User {
            problems.push(format!("{at}: only users are renamed"));
        }
        if change.platform.discard && change.action != Action::Replace {
            problems.push(format!(
                "{at}: only a replace drops what the platform recorded"
            ));
        }
        if change.platform.invitation_days.is_some()
            && !matches!(change.after, Some(Object::User(_)))
        {
            problems.push(format!("{at}: only users are invited"));
        }
    }
    for change in &plan.changes {
        for object in change.after.iter().chain(&change.applied) {
            let at = format!("change to {} {}", change.key.kind, change.key.name);
            problems.extend(values(object).into_iter().map(|p| format!("{at}: {p}")));
        }
    }
    for (key, object) in &plan.adopt {
        if !names(key, object) {
            problems.push(format!(
                "the object adopted as {key} is a {} named otherwise",
                kind(object)
            ));
        }
    }
    let counted = summarize(&plan.changes);
    if counted != plan.summary {
        problems.push(format!(
            "the summary says {} but the plan lists {}",
            totals(&plan.summary),
            totals(&counted)
        ));
    }
    problems
}

/// What is wrong with an object's values, by the rules a config's values
/// pass.
fn values(object: &Object) -> Vec<String> {
    match object {
        Object::User(user) => crate::config::values::user_problems(user),
        Object::Role(role) => crate::config::values::role_problems(role),
        Object::Group(group) => crate::config::values::group_problems(group),
        Object::Account { .. } => Vec::new(),
    }
}

/// What is wrong with what a change writes, if anything.
fn written(change: &Change) -> Option<String> {
    match (change.action, &change.after) {
        (Action::Delete, Some(_)) => Some("a delete that also writes the object".into()),
        (Action::Delete, None) => None,
        (Action::Update, None) => Some("an update without the object it writes".into()),
        (_, None) => Some(format!(
            "a {} without the object it writes",
            change.action.verb()
        )),
        (_, Some(object)) if !names(&change.key, object) => {
            Some(format!("it writes a {} named otherwise", kind(object)))
        }
        (Action::Replace, Some(object)) if kind(object) != ObjectKind::User => {
            Some("only users are replaced".into())
        }
        _ => None,
    }
}

/// Whether `object` is the object `key` names.
fn names(key: &ObjectKey, object: &Object) -> bool {
    let name = match object {
        Object::Account { .. } => ACCOUNT,
        Object::Role(role) => &role.name,
        Object::User(user) => &user.username,
        Object::Group(group) => &group.name,
    };
    kind(object) == key.kind && name == key.name
}

fn kind(object: &Object) -> ObjectKind {
    match object {
        Object::Account { .. } => ObjectKind::Account,
        Object::Role(_) => ObjectKind::Role,
        Object::User(_) => ObjectKind::User,
        Object::Group(_) => ObjectKind::Group,
    }
}

fn summarize(changes: &[Change]) -> Summary {
    super::summarize(changes)
}

fn totals(summary: &Summary) -> String {
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        summary.create, summary.update, summary.replace, summary.delete
    )
}
