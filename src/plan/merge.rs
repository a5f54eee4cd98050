//! The three-way merge of one object: what git says now (the config, as an
//! apply would write it), what roster applied last, and what is live —
//! field by field and item by item, by who owns each (SPEC section 3).
//!
//! - A field git owns is written as git says.
//! - A self-service field is written only when git changed it since the
//!   last apply; a person's own change is kept; when both changed it
//!   differently, that is a conflict (`--prefer` settles it).
//! - In a keyed list (contact methods, out-of-office windows, notification
//!   profiles, muted integrations, group members) an item roster applied
//!   and git dropped goes; an item made outside git stays under `prune:
//!   managed` and goes under `authoritative`.
//!
//! Without a last-applied record (a new object, or one roster takes over)
//! the config is the starting point: git's values are written, and items
//! made outside git are kept under `managed`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::model::directory::{ContactMethod, Group, MethodKey, OofWindow, User};
use crate::model::policy::Policy;
use crate::model::timezone::{self, instant_text};
use crate::model::vocab::{Prefer, PruneMode, SelfServiceField};

/// A field git and a person both changed, differently.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Conflict {
    /// The field, as the plan names it.
    pub path: String,
    /// What git says now.
    pub git: Option<Value>,
    /// What the person made it.
    pub live: Option<Value>,
}

/// How the merge treats a list or field.
#[derive(Clone, Copy)]
struct Rules {
    /// People maintain it themselves.
    self_service: bool,
    /// Whether items made outside git go.
    prune: PruneMode,
}

/// Merges accumulate conflicts here.
struct Merge {
    prefer: Option<Prefer>,
    conflicts: Vec<Conflict>,
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("model values serialize")
}

impl Merge {
    /// One field: git's value, or the person's when the field is theirs
    /// and git did not change it.
    fn field<T: Clone + PartialEq + Serialize>(
        &mut self,
        path: &str,
        self_service: bool,
        git: &T,
        applied: Option<&T>,
        live: &T,
    ) -> T {
        let Some(applied) = applied.filter(|_| self_service) else {
            return git.clone();
        };
        if git == applied {
            live.clone()
        } else if live == applied || live == git {
            git.clone()
        } else {
            self.settle(path, Some(git), Some(live))
                .cloned()
                .unwrap_or_else(|| git.clone())
        }
    }

    /// A conflict settled by `--prefer`, or recorded (git's value stands
    /// in until the plan is refused).
    fn settle<'v, T: Serialize>(
        &mut self,
        path: &str,
        git: Option<&'v T>,
        live: Option<&'v T>,
    ) -> Option<&'v T> {
        match self.prefer {
            Some(Prefer::Git) => git,
            Some(Prefer::Live) => live,
            None => {
                self.conflicts.push(Conflict {
                    path: path.to_string(),
                    git: git.map(json),
                    live: live.map(json),
                });
                git
            }
        }
    }

    /// A keyed list, item by item; the result in git's key order, then
    /// the items git does not have in live's order.
    fn items<K: Ord + Clone, V: Clone + PartialEq + Serialize>(
        &mut self,
        rules: Rules,
        git: &[(K, V)],
        applied: Option<&[(K, V)]>,
        live: &[(K, V)],
        path: impl Fn(&K) -> String,
    ) -> Vec<(K, V)> {
        let find = |list: &[(K, V)], key: &K| -> Option<V> {
            list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        };
        let mut keys: Vec<K> = git.iter().map(|(k, _)| k.clone()).collect();
        for (key, _) in live {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let (g, l) = (find(git, &key), find(live, &key));
            let a = applied.map(|list| find(list, &key));
            let path = || path(&key);
            let kept = match (g, a, l) {
                (Some(g), _, Some(l)) if g == l => Some(g),
                (Some(g), Some(Some(a)), Some(l)) if rules.self_service => {
                    if a == g {
                        Some(l)
                    } else if a == l {
                        Some(g)
                    } else {
                        self.settle(&path(), Some(&g), Some(&l)).cloned()
                    }
                }
                (Some(g), Some(None), Some(l)) if rules.self_service => {
                    self.settle(&path(), Some(&g), Some(&l)).cloned()
                }
                (Some(g), _, Some(_)) => Some(g),
                (Some(g), Some(Some(a)), None) if rules.self_service => {
                    // The person removed it: kept removed unless git
                    // changed it meanwhile.
                    if a == g {
                        None
                    } else {
                        self.settle(&path(), Some(&g), None).cloned()
                    }
                }
                (Some(g), _, None) => Some(g),
                (None, Some(Some(a)), Some(l)) => {
                    if rules.self_service && a != l {
                        self.settle(&path(), None, Some(&l)).cloned()
                    } else {
                        None
                    }
                }
                (None, _, Some(l)) => (rules.prune == PruneMode::Managed).then_some(l),
                (None, _, None) => None,
            };
            if let Some(value) = kept {
                out.push((key, value));
            }
        }
        out
    }
}

/// Reorders merged items: by `first`'s order, then the rest by `second`'s.
fn ordered<K: PartialEq + Clone, V>(
    mut items: Vec<(K, V)>,
    first: &[K],
    second: &[K],
) -> Vec<(K, V)> {
    let rank = |key: &K| {
        first
            .iter()
            .position(|k| k == key)
            .map(|i| (0, i))
            .or_else(|| second.iter().position(|k| k == key).map(|i| (1, i)))
            .unwrap_or((2, 0))
    };
    items.sort_by_key(|(k, _)| rank(k));
    items
}

/// The merge of one user: what an apply writes, and the conflicts that
/// stop it unless `prefer` settles them. `git` is the config's user as an
/// apply would write it over `live` (pending invitation kept, past windows
/// as history); `applied` is what roster applied last, if anything.
pub(super) fn user(
    git: &User,
    applied: Option<&User>,
    live: &User,
    policy: &Policy,
    prefer: Option<Prefer>,
    now: DateTime<Utc>,
) -> (User, Vec<Conflict>) {
    let mine = |field: SelfServiceField| policy.is_self_service(field);
    let rules = |field: SelfServiceField| Rules {
        self_service: mine(field),
        prune: policy.prune_users,
    };
    let mut m = Merge {
        prefer,
        conflicts: Vec::new(),
    };
    let a = applied;
    let mut out = git.clone();
    let name = mine(SelfServiceField::Name);
    out.first_name = m.field(
        "first_name",
        name,
        &git.first_name,
        a.map(|a| &a.first_name),
        &live.first_name,
    );
    out.last_name = m.field(
        "last_name",
        name,
        &git.last_name,
        a.map(|a| &a.last_name),
        &live.last_name,
    );
    out.time_zone = m.field(
        "time_zone",
        mine(SelfServiceField::TimeZone),
        &git.time_zone,
        a.map(|a| &a.time_zone),
        &live.time_zone,
    );
    out.locale = m.field(
        "locale",
        mine(SelfServiceField::Locale),
        &git.locale,
        a.map(|a| &a.locale),
        &live.locale,
    );
    out.language = m.field(
        "language",
        mine(SelfServiceField::Language),
        &git.language,
        a.map(|a| &a.language),
        &live.language,
    );
    let prefs = mine(SelfServiceField::Preferences);
    let (gp, ap, lp) = (
        &git.preferences,
        a.map(|a| &a.preferences),
        &live.preferences,
    );
    out.preferences.home_page = m.field(
        "preferences.home_page",
        prefs,
        &gp.home_page,
        ap.map(|p| &p.home_page),
        &lp.home_page,
    );
    out.preferences.theme = m.field(
        "preferences.theme",
        prefs,
        &gp.theme,
        ap.map(|p| &p.theme),
        &lp.theme,
    );
    out.preferences.digest = m.field(
        "preferences.digest",
        prefs,
        &gp.digest,
        ap.map(|p| &p.digest),
        &lp.digest,
    );
    let remind = mine(SelfServiceField::OnCallReminders);
    let (gr, ar, lr) = (&git.reminders, a.map(|a| &a.reminders), &live.reminders);
    out.reminders.email = m.field(
        "on_call_reminders.email",
        remind,
        &gr.email,
        ar.map(|r| &r.email),
        &lr.email,
    );
    out.reminders.push = m.field(
        "on_call_reminders.push",
        remind,
        &gr.push,
        ar.map(|r| &r.push),
        &lr.push,
    );
    out.reminders.lead_minutes = m.field(
        "on_call_reminders.lead_minutes",
        remind,
        &gr.lead_minutes,
        ar.map(|r| &r.lead_minutes),
        &lr.lead_minutes,
    );
    out.reminders.groups = m.field(
        "on_call_reminders.groups",
        remind,
        &gr.groups,
        ar.map(|r| &r.groups),
        &lr.groups,
    );

    let set =
        |s: &BTreeSet<String>| -> Vec<(String, ())> { s.iter().map(|v| (v.clone(), ())).collect() };
    let muted = m.items(
        rules(SelfServiceField::MutedIntegrations),
        &set(&git.muted_integrations),
        a.map(|a| set(&a.muted_integrations)).as_deref(),
        &set(&live.muted_integrations),
        |k| format!("muted_integrations[{k}]"),
    );
    out.muted_integrations = muted.into_iter().map(|(k, ())| k).collect();

    out.contact_methods = contact_methods(
        &mut m,
        rules(SelfServiceField::ContactMethods),
        git,
        a,
        live,
    );

    let profiles = |u: &User| -> Vec<_> {
        u.notification_profiles
            .iter()
            .map(|(p, steps)| (*p, steps.clone()))
            .collect()
    };
    out.notification_profiles = m
        .items(
            rules(SelfServiceField::NotificationProfiles),
            &profiles(git),
            a.map(profiles).as_deref(),
            &profiles(live),
            |p| format!("notification_profiles.{p}"),
        )
        .into_iter()
        .collect();

    out.out_of_office = windows(
        &mut m,
        rules(SelfServiceField::OutOfOffice),
        git,
        a,
        live,
        now,
    );

    // A step may not name a method the merge leaves out.
    let methods: BTreeSet<MethodKey> = out.contact_methods.iter().map(ContactMethod::key).collect();
    for (priority, steps) in &out.notification_profiles {
        if let Some(step) = steps.iter().find(|s| !methods.contains(&s.method)) {
            m.conflicts.push(Conflict {
                path: format!("notification_profiles.{priority}"),
                git: Some(json(&format!(
                    "no contact method {} once merged",
                    step.method
                ))),
                live: Some(json(&step.method.to_string())),
            });
        }
    }
    (out, m.conflicts)
}

fn contact_methods(
    m: &mut Merge,
    rules: Rules,
    git: &User,
    applied: Option<&User>,
    live: &User,
) -> Vec<ContactMethod> {
    let keyed = |u: &User| -> Vec<(MethodKey, ContactMethod)> {
        u.contact_methods
            .iter()
            .map(|c| (c.key(), c.clone()))
            .collect()
    };
    let keys =
        |u: &User| -> Vec<MethodKey> { u.contact_methods.iter().map(ContactMethod::key).collect() };
    let merged = m.items(
        rules,
        &keyed(git),
        applied.map(keyed).as_deref(),
        &keyed(live),
        |k| format!("contact_methods[{k}]"),
    );
    // The sequence: the person's when it is theirs and git did not change
    // it, else git's; what one side lacks follows in the other's order.
    let git_changed_order = applied.is_none_or(|a| keys(a) != keys(git));
    let merged = if rules.self_service && !git_changed_order {
        ordered(merged, &keys(live), &keys(git))
    } else {
        ordered(merged, &keys(git), &keys(live))
    };
    merged.into_iter().map(|(_, c)| c).collect()
}

/// Out-of-office windows by start. Windows already over are history: the
/// ones `git` carries (live's, as an apply keeps them) stay as they are.
fn windows(
    m: &mut Merge,
    rules: Rules,
    git: &User,
    applied: Option<&User>,
    live: &User,
    now: DateTime<Utc>,
) -> Vec<OofWindow> {
    let zone = git.time_zone.as_deref().and_then(timezone::canonical);
    let current = |u: &User| -> Vec<(DateTime<Utc>, OofWindow)> {
        u.out_of_office
            .iter()
            .filter(|w| !w.is_past(now))
            .map(|w| (w.from, w.clone()))
            .collect()
    };
    let merged = m.items(
        rules,
        &current(git),
        applied.map(current).as_deref(),
        &current(live),
        |from| format!("out_of_office[{}]", instant_text(*from, zone)),
    );
    let mut out: Vec<OofWindow> = git
        .out_of_office
        .iter()
        .filter(|w| w.is_past(now))
        .cloned()
        .chain(merged.into_iter().map(|(_, w)| w))
        .collect();
    out.sort_by_key(|w| (w.from, w.until));
    out
}

/// The merge of one group: git's description; members as git says, with
/// members added outside git kept under `prune: managed`.
pub(super) fn group(git: &Group, applied: Option<&Group>, live: &Group, prune: PruneMode) -> Group {
    let mut m = Merge {
        prefer: None,
        conflicts: Vec::new(),
    };
    let rules = Rules {
        self_service: false,
        prune,
    };
    let members = |g: &Group| -> Vec<_> {
        g.members
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let merged = m.items(
        rules,
        &members(git),
        applied.map(members).as_deref(),
        &members(live),
        |user| format!("members[{user}]"),
    );
    debug_assert!(
        m.conflicts.is_empty(),
        "memberships are git's: no conflicts"
    );
    Group {
        members: merged.into_iter().collect::<BTreeMap<_, _>>(),
        ..git.clone()
    }
}
