//! What roster applied last, as the planner needs it: the last-applied
//! form of an object (from its recorded body, or the live object itself
//! when that still has the recorded fingerprint), which bodies a plan must
//! have loaded, and the notes that come of comparing the three sides — what
//! a plan keeps and which of its changes revert a change made outside git.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use super::{FieldChange, Kept, KeptReason};
use crate::model::DesiredState;
use crate::model::directory::User;
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, fingerprint};
use crate::model::policy::Policy;
use crate::model::vocab::{SelfServiceField, UserStatus};

/// What roster applied last to one object.
pub(super) enum Applied<'a, T: Clone> {
    /// Never applied (or no longer recorded).
    Never,
    /// The recorded form.
    Known(Cow<'a, T>),
    /// Recorded, but the body was not loaded and the live object moved on:
    /// the plan cannot tell what changed outside git.
    Unknown,
}

impl<'a, T: Clone> Applied<'a, T> {
    /// The recorded form, if known.
    pub(super) fn known(&self) -> Option<&T> {
        match self {
            Applied::Known(value) => Some(value),
            Applied::Never | Applied::Unknown => None,
        }
    }
}

/// What roster applied last to `key`, whose live form is `live_object`.
pub(super) fn applied<'a, T: Clone + DeserializeOwned + serde::Serialize>(
    live: &LiveSnapshot,
    key: &ObjectKey,
    live_object: Option<&'a T>,
) -> Applied<'a, T> {
    let Some(record) = live.managed.objects.get(key) else {
        return Applied::Never;
    };
    match (&record.body, live_object) {
        (Some(body), _) => match serde_json::from_str(body) {
            Ok(value) => Applied::Known(Cow::Owned(value)),
            Err(_) => Applied::Unknown,
        },
        (None, Some(object)) if fingerprint(object) == record.fingerprint => {
            Applied::Known(Cow::Borrowed(object))
        }
        (None, _) => Applied::Unknown,
    }
}

/// What roster applied to a user, as the platform has since settled it:
/// an invitation roster sent and the person accepted makes them `active`,
/// which is the platform's to do, not a change made outside git.
pub fn as_settled(applied: &User, live: &User) -> User {
    let mut settled = applied.clone();
    if applied.status == UserStatus::Invited && live.status == UserStatus::Active {
        settled.status = UserStatus::Active;
    }
    settled
}

/// The managed objects whose recorded bodies a plan of `desired` must
/// have: those the config declares differently from what is live and
/// whose live form no longer has the recorded fingerprint. For the rest,
/// either nothing changes or the live form is what roster applied.
pub fn bodies_needed(desired: &DesiredState, live: &LiveSnapshot) -> Vec<ObjectKey> {
    let dir = &live.directory;
    // `print` fingerprints the live object under `key`, which the record
    // remembers for the planner's own look at it.
    let moved = |key: &ObjectKey, print: &dyn Fn() -> String| {
        live.managed
            .objects
            .get(key)
            .is_some_and(|r| r.body.is_none() && !r.live_matches(print))
    };
    let mut keys = Vec::new();
    let renamed: std::collections::BTreeMap<&str, &str> = desired
        .renames
        .iter()
        .map(|(old, new)| (new.as_str(), old.as_str()))
        .collect();
    let users: Vec<(&String, &User)> = desired.directory.users.iter().collect();
    let needed = crate::parallel::map(&users, |&(name, user)| {
        let live_name = if dir.users.contains_key(name) {
            name.as_str()
        } else {
            renamed.get(name.as_str()).copied()?
        };
        let current = dir.users.get(live_name)?;
        let key = ObjectKey::new(ObjectKind::User, live_name);
        (user != current && moved(&key, &|| fingerprint(current))).then_some(key)
    });
    keys.extend(needed.into_iter().flatten());
    for (name, group) in &desired.directory.groups {
        let key = ObjectKey::new(ObjectKind::Group, name);
        if let Some(current) = dir.groups.get(name)
            && current != group
            && moved(&key, &|| fingerprint(current))
        {
            keys.push(key);
        }
    }
    for (name, role) in &desired.directory.roles {
        let key = ObjectKey::new(ObjectKind::Role, name);
        if let Some(current) = dir.roles.get(name)
            && current != role
            && moved(&key, &|| fingerprint(current))
        {
            keys.push(key);
        }
    }
    let key = ObjectKey::new(ObjectKind::Account, crate::model::live::ACCOUNT);
    if desired.directory.owner != dir.owner && moved(&key, &|| fingerprint(&dir.owner)) {
        keys.push(key);
    }
    keys
}

/// The self-service field a change's path belongs to, if any.
pub fn self_service_field(path: &str) -> Option<SelfServiceField> {
    let head = path.split(['.', '[']).next().unwrap_or(path);
    Some(match head {
        "first_name" | "last_name" => SelfServiceField::Name,
        "time_zone" => SelfServiceField::TimeZone,
        "locale" => SelfServiceField::Locale,
        "language" => SelfServiceField::Language,
        "preferences" => SelfServiceField::Preferences,
        "on_call_reminders" => SelfServiceField::OnCallReminders,
        "muted_integrations" => SelfServiceField::MutedIntegrations,
        "contact_methods" => SelfServiceField::ContactMethods,
        "notification_profiles" => SelfServiceField::NotificationProfiles,
        "out_of_office" => SelfServiceField::OutOfOffice,
        _ => return None,
    })
}

/// What the plan keeps of `object`: every difference between git's side
/// (`git_fields` compares git's form with what is written) — the live
/// values that stay although git says otherwise.
pub(super) fn kept(object: &ObjectKey, git_fields: Vec<FieldChange>, policy: &Policy) -> Vec<Kept> {
    git_fields
        .into_iter()
        .map(|field| {
            let theirs = object.kind == ObjectKind::User
                && self_service_field(&field.path).is_some_and(|f| policy.is_self_service(f));
            Kept {
                object: object.clone(),
                reason: if theirs {
                    KeptReason::ChangedByUser
                } else {
                    KeptReason::MadeOutsideGit
                },
                path: field.path,
                git: field.old,
                live: field.new,
            }
        })
        .collect()
}

/// Marks the changes in `fields` that undo a change made outside git
/// since the last apply (`outside`: last-applied compared with live).
pub(super) fn mark_reverts(fields: &mut [FieldChange], outside: &[FieldChange]) {
    let related = |a: &str, b: &str| {
        a == b
            || [a, b].iter().zip([b, a]).any(|(long, short)| {
                long.strip_prefix(short)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
    };
    for field in fields {
        field.reverts = outside.iter().any(|o| related(&field.path, &o.path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(path: &str) -> FieldChange {
        FieldChange {
            path: path.into(),
            old: None,
            new: None,
            reverts: false,
        }
    }

    #[test]
    fn a_change_reverts_what_changed_outside_git_at_or_below_it() {
        let mut fields = vec![
            field("contact_methods[sms-personal].value"),
            field("last_name"),
            field("contact_methods.order"),
            field("roles"),
        ];
        let outside = [field("contact_methods[sms-personal]"), field("roles")];
        mark_reverts(&mut fields, &outside);
        let marked: Vec<bool> = fields.iter().map(|f| f.reverts).collect();
        assert_eq!(marked, [true, false, false, true]);
    }

    #[test]
    fn paths_belong_to_their_self_service_field() {
        assert_eq!(
            self_service_field("preferences.theme"),
            Some(SelfServiceField::Preferences)
        );
        assert_eq!(
            self_service_field("contact_methods[sms-personal].value"),
            Some(SelfServiceField::ContactMethods)
        );
        assert_eq!(
            self_service_field("last_name"),
            Some(SelfServiceField::Name)
        );
        assert_eq!(self_service_field("roles"), None);
        assert_eq!(self_service_field("members[bob]"), None);
    }
}
