//! Offboarding: the config edits that let a person leave. Their group
//! memberships go to the person taking over (member roles merged into
//! theirs) or are removed; every out-of-office cover they give in someone
//! else's window goes to the same person or is dropped; and the person is
//! disabled, or removed. What still blocks the change in the live
//! directory (shifts, protection, the owner, coverage) is the plan's to
//! say; this module only edits.

use serde_json::{Value, json};

use crate::edit::files::{ConfigFiles, Place, at, user_name};
use crate::edit::{EditError, Step};

/// Why a person cannot be offboarded in the config.
#[derive(Debug, thiserror::Error)]
pub enum OffboardError {
    /// Nobody in the config has that name.
    #[error("no user `{name}` in the config")]
    UnknownUser { name: String },
    /// The person taking over is the one leaving.
    #[error("`{name}` cannot take over from themselves")]
    SelfHandover { name: String },
    /// Without a handover, windows the person alone covers would have no
    /// cover.
    #[error("`{name}` is the only cover of {}; someone must take over", windows.join(", "))]
    CoversNeedHandover { name: String, windows: Vec<String> },
    /// The config could not be edited.
    #[error(transparent)]
    Edit(#[from] EditError),
}

/// What offboarding changed, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offboarded {
    /// The person's name as the config refers to them.
    pub user: String,
    /// Groups whose membership was handed over.
    pub handed_over: Vec<String>,
    /// Groups the person was removed from without a handover.
    pub left: Vec<String>,
    /// Users whose out-of-office cover changed.
    pub covers: Vec<String>,
    /// Whether the person was removed rather than disabled.
    pub removed: bool,
}

/// Edits `files` so `user` can leave, handing everything to `handover`.
pub fn offboard(
    files: &mut ConfigFiles,
    user: &str,
    handover: Option<&str>,
    remove: bool,
) -> Result<Offboarded, OffboardError> {
    let (place, value) = files.user(user).ok_or_else(|| OffboardError::UnknownUser {
        name: user.to_string(),
    })?;
    let name = user_name(&value).unwrap_or_default();
    let handover = match handover {
        None => None,
        Some(other) => {
            let (_, taker) = files
                .user(other)
                .ok_or_else(|| OffboardError::UnknownUser {
                    name: other.to_string(),
                })?;
            let taker = user_name(&taker).unwrap_or_default();
            if taker == name {
                return Err(OffboardError::SelfHandover { name });
            }
            Some(taker)
        }
    };
    let mut done = Offboarded {
        user: name.clone(),
        removed: remove,
        ..Offboarded::default()
    };
    if handover.is_none() {
        let windows = sole_covers(files, &name);
        if !windows.is_empty() {
            return Err(OffboardError::CoversNeedHandover { name, windows });
        }
    }
    memberships(files, &name, handover.as_deref(), &mut done)?;
    covers(files, &name, handover.as_deref(), &mut done)?;
    leave(files, place, &value, remove)?;
    Ok(done)
}

fn is(value: &Value, name: &str) -> bool {
    value
        .as_str()
        .is_some_and(|v| v.trim().to_lowercase() == name)
}

/// Hands over or drops the person's memberships.
fn memberships(
    files: &mut ConfigFiles,
    name: &str,
    handover: Option<&str>,
    done: &mut Offboarded,
) -> Result<(), EditError> {
    for (place, group) in files.entries("groups") {
        let members = group["members"].as_array().cloned().unwrap_or_default();
        let Some(index) = members.iter().position(|m| is(&m["user"], name)) else {
            continue;
        };
        let group_name = group["name"].as_str().unwrap_or_default().to_string();
        let members_path = at("groups", place.index, &["members"]);
        let mut member = members_path.clone();
        member.push(Step::Index(index));
        let document = files.document(place.file);
        match handover {
            None => {
                document.remove(&member)?;
                done.left.push(group_name);
            }
            Some(taker) => {
                match members.iter().position(|m| is(&m["user"], taker)) {
                    Some(theirs) => {
                        // Already a member: their roles gain the leaver's.
                        let mut roles: Vec<Value> = members[theirs]["roles"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        for role in members[index]["roles"].as_array().into_iter().flatten() {
                            if !roles.contains(role) {
                                roles.push(role.clone());
                            }
                        }
                        let mut their_roles = members_path.clone();
                        their_roles.push(Step::Index(theirs));
                        their_roles.push(Step::Key("roles".into()));
                        document.set(&their_roles, &Value::Array(roles))?;
                        document.remove(&member)?;
                    }
                    None => {
                        let mut user = member.clone();
                        user.push(Step::Key("user".into()));
                        document.set(&user, &json!(taker))?;
                    }
                }
                done.handed_over.push(group_name);
            }
        }
    }
    Ok(())
}

/// The windows of others that `name` alone covers (for all their groups,
/// or for every group named): without a handover they would have none.
fn sole_covers(files: &ConfigFiles, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, user) in files.entries("users") {
        for window in user["out_of_office"].as_array().into_iter().flatten() {
            let sole = match &window["covered_by"] {
                cover @ Value::String(_) => is(cover, name),
                Value::Object(per_group) => {
                    !per_group.is_empty() && per_group.values().all(|c| is(c, name))
                }
                _ => false,
            };
            if sole {
                out.push(format!(
                    "`{}`'s out-of-office from {}",
                    user_name(&user).unwrap_or_default(),
                    window["from"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    out
}

/// Hands over or drops every cover the person gives in others' windows.
fn covers(
    files: &mut ConfigFiles,
    name: &str,
    handover: Option<&str>,
    done: &mut Offboarded,
) -> Result<(), EditError> {
    for (place, user) in files.entries("users") {
        if user_name(&user).as_deref() == Some(name) {
            continue;
        }
        let windows = user["out_of_office"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut changed = false;
        // From the last window back, so removals keep earlier indices.
        for (index, window) in windows.iter().enumerate().rev() {
            let mut path = at("users", place.index, &["out_of_office"]);
            path.push(Step::Index(index));
            path.push(Step::Key("covered_by".into()));
            let document = files.document(place.file);
            match &window["covered_by"] {
                cover if is(cover, name) => {
                    match handover {
                        Some(taker) => document.set(&path, &json!(taker))?,
                        None => document.remove(&path)?,
                    }
                    changed = true;
                }
                Value::Object(per_group) => {
                    let groups: Vec<&String> = per_group
                        .iter()
                        .filter(|(_, c)| is(c, name))
                        .map(|(g, _)| g)
                        .collect();
                    if groups.is_empty() {
                        continue;
                    }
                    changed = true;
                    if handover.is_none() && groups.len() == per_group.len() {
                        document.remove(&path)?;
                        continue;
                    }
                    for group in groups {
                        let mut entry = path.clone();
                        entry.push(Step::Key(group.clone()));
                        match handover {
                            Some(taker) => document.set(&entry, &json!(taker))?,
                            None => document.remove(&entry)?,
                        }
                    }
                }
                _ => {}
            }
        }
        if changed {
            done.covers.push(user_name(&user).unwrap_or_default());
        }
    }
    done.covers.sort();
    Ok(())
}

/// Disables or removes the person. A disabled person's own absences and
/// reminder groups go too: they name groups the person has left.
fn leave(
    files: &mut ConfigFiles,
    place: Place,
    user: &Value,
    remove: bool,
) -> Result<(), EditError> {
    let document = files.document(place.file);
    if remove {
        return document.remove(&[Step::Key("users".into()), Step::Index(place.index)]);
    }
    if user.get("out_of_office").is_some() {
        document.remove(&at("users", place.index, &["out_of_office"]))?;
    }
    if user["on_call_reminders"]["groups"]
        .as_array()
        .is_some_and(|g| !g.is_empty())
    {
        document.set(
            &at("users", place.index, &["on_call_reminders", "groups"]),
            &json!([]),
        )?;
    }
    document.set(&at("users", place.index, &["status"]), &json!("disabled"))
}
