//! Field-by-field differences between a live object and what it will be,
//! for people to review. Sets compare as sets, contact methods by their
//! `channel-label[-variant]` name (and their order separately), windows by
//! their start.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::FieldChange;
use crate::model::directory::{ContactMethod, Cover, Group, OofWindow, ProfileStep, Role, User};
use crate::model::timezone::instant_text;

struct Fields(Vec<FieldChange>);

impl Fields {
    /// Records `path` when old and new differ; `old` is absent for new objects.
    fn compare<T: Serialize + PartialEq>(&mut self, path: &str, old: Option<&T>, new: Option<&T>) {
        if old != new {
            self.0.push(FieldChange {
                path: path.to_string(),
                old: old.map(to_json),
                new: new.map(to_json),
                reverts: false,
            });
        }
    }

    /// Like `compare`, but a new object's field is listed only when it is not
    /// the default.
    fn compare_or_default<T: Serialize + PartialEq>(
        &mut self,
        path: &str,
        old: Option<&T>,
        new: &T,
        default: &T,
    ) {
        match old {
            Some(old) => self.compare(path, Some(old), Some(new)),
            None if new != default => self.compare(path, None, Some(new)),
            None => {}
        }
    }

    fn push(&mut self, path: String, old: Option<Value>, new: Option<Value>) {
        self.0.push(FieldChange {
            path,
            old,
            new,
            reverts: false,
        });
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("model values serialize")
}

/// Differences of a custom role (`old` is `None` for a new one).
pub fn role(old: Option<&Role>, new: &Role) -> Vec<FieldChange> {
    let mut f = Fields(Vec::new());
    f.compare_or_default(
        "description",
        old.map(|o| &o.description),
        &new.description,
        &None,
    );
    f.compare(
        "permissions",
        old.map(|o| &o.permissions),
        Some(&new.permissions),
    );
    f.0
}

/// Differences of a group.
pub fn group(old: Option<&Group>, new: &Group) -> Vec<FieldChange> {
    let mut f = Fields(Vec::new());
    f.compare_or_default(
        "description",
        old.map(|o| &o.description),
        &new.description,
        &None,
    );
    let empty = BTreeMap::new();
    let old_members = old.map_or(&empty, |o| &o.members);
    for (user, roles) in old_members {
        match new.members.get(user) {
            None => f.push(format!("members[{user}]"), Some(to_json(roles)), None),
            Some(new_roles) if new_roles != roles => {
                f.push(
                    format!("members[{user}]"),
                    Some(to_json(roles)),
                    Some(to_json(new_roles)),
                );
            }
            Some(_) => {}
        }
    }
    for (user, roles) in &new.members {
        if !old_members.contains_key(user) {
            f.push(format!("members[{user}]"), None, Some(to_json(roles)));
        }
    }
    f.0
}

/// Differences of a user.
pub fn user(old: Option<&User>, new: &User) -> Vec<FieldChange> {
    let mut f = Fields(Vec::new());
    if let Some(old) = old
        && old.username != new.username
    {
        f.compare("username", Some(&old.username), Some(&new.username));
    }
    // Identity fields are listed for new users even when they equal nothing.
    f.compare("email", old.map(|o| &o.email), Some(&new.email));
    f.compare(
        "first_name",
        old.map(|o| &o.first_name),
        Some(&new.first_name),
    );
    f.compare("last_name", old.map(|o| &o.last_name), Some(&new.last_name));
    f.compare("type", old.map(|o| &o.user_type), Some(&new.user_type));
    f.compare("status", old.map(|o| &o.status), Some(&new.status));
    f.compare("roles", old.map(|o| &o.roles), Some(&new.roles));
    let d = User::defaults();
    f.compare_or_default(
        "time_zone",
        old.map(|o| &o.time_zone),
        &new.time_zone,
        &d.time_zone,
    );
    f.compare_or_default("locale", old.map(|o| &o.locale), &new.locale, &d.locale);
    f.compare_or_default(
        "language",
        old.map(|o| &o.language),
        &new.language,
        &d.language,
    );
    f.compare_or_default(
        "external_id",
        old.map(|o| &o.external_id),
        &new.external_id,
        &d.external_id,
    );
    f.compare_or_default(
        "protected",
        old.map(|o| &o.protected),
        &new.protected,
        &d.protected,
    );
    let (p, dp) = (&new.preferences, &d.preferences);
    let op = old.map(|o| &o.preferences);
    f.compare_or_default(
        "preferences.home_page",
        op.map(|o| &o.home_page),
        &p.home_page,
        &dp.home_page,
    );
    f.compare_or_default(
        "preferences.theme",
        op.map(|o| &o.theme),
        &p.theme,
        &dp.theme,
    );
    f.compare_or_default(
        "preferences.digest",
        op.map(|o| &o.digest),
        &p.digest,
        &dp.digest,
    );
    let (r, dr) = (&new.reminders, &d.reminders);
    let or = old.map(|o| &o.reminders);
    f.compare_or_default(
        "on_call_reminders.email",
        or.map(|o| &o.email),
        &r.email,
        &dr.email,
    );
    f.compare_or_default(
        "on_call_reminders.push",
        or.map(|o| &o.push),
        &r.push,
        &dr.push,
    );
    f.compare_or_default(
        "on_call_reminders.lead_minutes",
        or.map(|o| &o.lead_minutes),
        &r.lead_minutes,
        &dr.lead_minutes,
    );
    f.compare_or_default(
        "on_call_reminders.groups",
        or.map(|o| &o.groups),
        &r.groups,
        &dr.groups,
    );
    f.compare_or_default(
        "muted_integrations",
        old.map(|o| &o.muted_integrations),
        &new.muted_integrations,
        &d.muted_integrations,
    );
    contact_methods(
        &mut f,
        old.map_or(&[][..], |o| &o.contact_methods),
        &new.contact_methods,
    );
    profiles(
        &mut f,
        old.map_or(&BTreeMap::new(), |o| &o.notification_profiles)
            .clone(),
        &new.notification_profiles,
    );
    let zone: Option<Tz> = new
        .time_zone
        .as_deref()
        .and_then(crate::model::timezone::canonical);
    windows(
        &mut f,
        old.map_or(&[][..], |o| &o.out_of_office),
        &new.out_of_office,
        zone,
    );
    f.0
}

/// A contact method without its name (which the path carries), defaults left out.
fn method_json(method: &ContactMethod) -> Value {
    let mut map = Map::new();
    map.insert("value".into(), json!(method.value));
    if method.wait_minutes > 0 {
        map.insert("wait_minutes".into(), json!(method.wait_minutes));
    }
    if let Some(retry) = &method.retry {
        map.insert("retry".into(), to_json(retry));
    }
    if let Some(hours) = &method.active_hours {
        map.insert("active_hours".into(), to_json(hours));
    }
    if !method.enabled {
        map.insert("enabled".into(), json!(false));
    }
    Value::Object(map)
}

fn contact_methods(f: &mut Fields, old: &[ContactMethod], new: &[ContactMethod]) {
    for method in old {
        let name = method.key().to_string();
        match new.iter().find(|m| m.key() == method.key()) {
            None => f.push(
                format!("contact_methods[{name}]"),
                Some(method_json(method)),
                None,
            ),
            Some(changed) => {
                let base = format!("contact_methods[{name}]");
                f.compare(
                    &format!("{base}.value"),
                    Some(&method.value),
                    Some(&changed.value),
                );
                f.compare(
                    &format!("{base}.wait_minutes"),
                    Some(&method.wait_minutes),
                    Some(&changed.wait_minutes),
                );
                f.compare(
                    &format!("{base}.retry"),
                    Some(&method.retry),
                    Some(&changed.retry),
                );
                f.compare(
                    &format!("{base}.active_hours"),
                    Some(&method.active_hours),
                    Some(&changed.active_hours),
                );
                f.compare(
                    &format!("{base}.enabled"),
                    Some(&method.enabled),
                    Some(&changed.enabled),
                );
            }
        }
    }
    for method in new {
        if !old.iter().any(|m| m.key() == method.key()) {
            f.push(
                format!("contact_methods[{}]", method.key()),
                None,
                Some(method_json(method)),
            );
        }
    }
    // The sequence matters: report when the methods both sides share come
    // in another order.
    let shared = |list: &[ContactMethod], other: &[ContactMethod]| -> Vec<String> {
        list.iter()
            .filter(|m| other.iter().any(|o| o.key() == m.key()))
            .map(|m| m.key().to_string())
            .collect()
    };
    let (before, after) = (shared(old, new), shared(new, old));
    if before != after {
        let names = |list: &[ContactMethod]| {
            json!(list.iter().map(|m| m.key().to_string()).collect::<Vec<_>>())
        };
        f.push(
            "contact_methods.order".into(),
            Some(names(old)),
            Some(names(new)),
        );
    }
}

fn steps_json(steps: &[ProfileStep]) -> Value {
    json!(
        steps
            .iter()
            .map(|s| {
                let mut text = s.method.to_string();
                let mut extras = Vec::new();
                if s.wait_minutes > 0 {
                    extras.push(format!("wait {}m", s.wait_minutes));
                }
                if s.repeat > 0 {
                    extras.push(format!("repeat {}", s.repeat));
                }
                if !extras.is_empty() {
                    text.push_str(&format!(" ({})", extras.join(", ")));
                }
                text
            })
            .collect::<Vec<_>>()
    )
}

fn profiles(
    f: &mut Fields,
    old: BTreeMap<crate::model::vocab::Priority, Vec<ProfileStep>>,
    new: &BTreeMap<crate::model::vocab::Priority, Vec<ProfileStep>>,
) {
    let priorities: std::collections::BTreeSet<_> = old.keys().chain(new.keys()).copied().collect();
    for priority in priorities {
        let (before, after) = (old.get(&priority), new.get(&priority));
        if before != after {
            f.push(
                format!("notification_profiles.{priority}"),
                before.map(|s| steps_json(s)),
                after.map(|s| steps_json(s)),
            );
        }
    }
}

fn cover_json(cover: &Cover) -> Value {
    match cover {
        Cover::AllGroups(user) => json!(user),
        Cover::PerGroup(map) => to_json(map),
    }
}

fn window_json(window: &OofWindow, zone: Option<Tz>) -> Value {
    let mut map = Map::new();
    map.insert("until".into(), json!(instant_text(window.until, zone)));
    map.insert("covered_by".into(), cover_json(&window.cover));
    if let Some(note) = &window.note {
        map.insert("note".into(), json!(note));
    }
    Value::Object(map)
}

fn windows(f: &mut Fields, old: &[OofWindow], new: &[OofWindow], zone: Option<Tz>) {
    let path = |w: &OofWindow| format!("out_of_office[{}]", instant_text(w.from, zone));
    for window in old {
        match new.iter().find(|w| w.from == window.from) {
            None => f.push(path(window), Some(window_json(window, zone)), None),
            Some(changed) => {
                let base = path(window);
                if changed.until != window.until {
                    f.push(
                        format!("{base}.until"),
                        Some(json!(instant_text(window.until, zone))),
                        Some(json!(instant_text(changed.until, zone))),
                    );
                }
                if changed.cover != window.cover {
                    f.push(
                        format!("{base}.covered_by"),
                        Some(cover_json(&window.cover)),
                        Some(cover_json(&changed.cover)),
                    );
                }
                f.compare(
                    &format!("{base}.note"),
                    Some(&window.note),
                    Some(&changed.note),
                );
            }
        }
    }
    for window in new {
        if !old.iter().any(|w| w.from == window.from) {
            f.push(path(window), None, Some(window_json(window, zone)));
        }
    }
}
