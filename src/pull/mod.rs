//! Pulling people's own changes into git: every self-service field a
//! person changed in the live directory (what drift lists under "Changed
//! by users") is written into the config where the user is declared,
//! through [`crate::edit`] and only down to the values that differ, so a
//! changed phone number changes one line and the rest of the file keeps
//! its spelling, comments and layout.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::drift::DriftReport;
use crate::edit::files::{ConfigFiles, at};
use crate::edit::{Document, EditError, Step};
use crate::export::spec::user_spec;
use crate::model::DesiredState;
use crate::model::live::LiveSnapshot;

/// One person's changes taken into the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The username.
    pub user: String,
    /// The fields written (`last_name`, `contact_methods`, …).
    pub fields: Vec<String>,
}

/// Writes into `files` the people's changes `report` lists.
pub fn pull(
    files: &mut ConfigFiles,
    report: &DriftReport,
    desired: &DesiredState,
    live: &LiveSnapshot,
) -> Result<Vec<Pulled>, EditError> {
    let mut pulled = Vec::new();
    for object in &report.changed_by_users {
        let name = &object.object.name;
        let (Some(wanted), Some(current), Some((place, written))) = (
            desired.directory.users.get(name),
            live.directory.users.get(name),
            files.user(name),
        ) else {
            continue;
        };
        let fields: BTreeSet<String> = object
            .fields
            .iter()
            .map(|f| {
                f.path
                    .split(['.', '['])
                    .next()
                    .unwrap_or(&f.path)
                    .to_string()
            })
            .collect();
        let git = serde_json::to_value(user_spec(wanted)).expect("a user spec serializes");
        let theirs = serde_json::to_value(user_spec(current)).expect("a user spec serializes");
        let document = files.document(place.file);
        let mut changed = Vec::new();
        for field in fields {
            let path = at("users", place.index, &[field.as_str()]);
            let edited = reconcile(
                document,
                &path,
                &written[field.as_str()],
                &git[field.as_str()],
                &theirs[field.as_str()],
            )?;
            if edited {
                changed.push(field);
            }
        }
        if !changed.is_empty() {
            pulled.push(Pulled {
                user: name.clone(),
                fields: changed,
            });
        }
    }
    Ok(pulled)
}

/// Brings the value `written` at `path` from what git says (`git`, in
/// canonical form) to what is live (`live`), editing only where the two
/// differ. Whether anything was edited.
fn reconcile(
    document: &mut Document,
    path: &[Step],
    written: &Value,
    git: &Value,
    live: &Value,
) -> Result<bool, EditError> {
    if git == live {
        return Ok(false);
    }
    let child = |step: Step| {
        let mut path = path.to_vec();
        path.push(step);
        path
    };
    match (written, git, live) {
        (_, _, Value::Null) => {
            if !written.is_null() {
                document.remove(path)?;
            }
        }
        (Value::Object(w), Value::Object(g), Value::Object(l)) => {
            let keys: BTreeSet<&String> = g.keys().chain(l.keys()).collect();
            for key in keys {
                let sub = child(Step::Key(key.clone()));
                match (w.get(key), l.get(key)) {
                    (Some(_), None) => document.remove(&sub)?,
                    (None, Some(value)) => document.set(&sub, value)?,
                    (Some(w), Some(value)) => {
                        let g = g.get(key).unwrap_or(&Value::Null);
                        reconcile(document, &sub, w, g, value)?;
                    }
                    (None, None) => {}
                }
            }
        }
        (Value::Array(w), Value::Array(g), Value::Array(l)) if w.len() == g.len() => {
            if g.len() == l.len() {
                for (index, ((w, g), l)) in w.iter().zip(g).zip(l).enumerate() {
                    reconcile(document, &child(Step::Index(index)), w, g, l)?;
                }
            } else {
                // Items gone and items new: keep the rest as written.
                for index in (0..g.len()).rev() {
                    if !l.contains(&g[index]) {
                        document.remove(&child(Step::Index(index)))?;
                    }
                }
                let added: Vec<Value> = l.iter().filter(|i| !g.contains(i)).cloned().collect();
                document.push_all(path, &added)?;
            }
        }
        _ => document.set(path, live)?,
    }
    Ok(true)
}
