//! Documents → the canonical [`Directory`]: values put in canonical form
//! (emails, phones, zones, instants), defaults filled in, documents merged,
//! and every name declared twice reported with both places.
//!
//! Out-of-office windows stay in declared order here so rules can point at
//! them; [`Normalized::into_desired`] sorts them once the rules have run.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::source::FileId;
use super::suggest;
use crate::diagnostic::Diagnostic;
use crate::model::canonical::{self, PhoneProblem};
use crate::model::directory::{
    ActiveHours, ContactMethod, Cover, Group, OofWindow, Preferences, ProfileStep, Reminders,
    Retry, Role, User,
};
use crate::model::document::{
    ContactMethodSpec, CoverSpec, Document, GroupSpec, MethodFields, OutOfOfficeSpec, StatusSpec,
    UserSpec,
};
use crate::model::policy::Policy;
use crate::model::timezone::{self, LocalInstant};
use crate::model::vocab::{self, Channel, Language, Priority, UserStatus, UserType, Variant};
use crate::model::{DesiredState, Directory};

/// Where a top-level object was declared: a file and its index in the
/// document's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The file.
    pub file: FileId,
    /// Index in the `users`, `groups` or `roles` list.
    pub index: usize,
}

/// Where every declared object comes from, for rules to point at.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Users by username.
    pub users: HashMap<String, Item>,
    /// Groups by name.
    pub groups: HashMap<String, Item>,
    /// Custom roles by name.
    pub roles: HashMap<String, Item>,
    /// The document that sets `account`.
    pub account: Option<FileId>,
    /// For users with an unreadable out-of-office window: the declared index
    /// of each window kept.
    pub oof_declared: HashMap<String, Vec<usize>>,
}

impl Provenance {
    /// The JSON pointer of a user's declaration.
    pub fn user_pointer(&self, username: &str) -> Option<(FileId, String)> {
        self.users
            .get(username)
            .map(|i| (i.file, format!("/users/{}", i.index)))
    }

    /// The JSON pointer of a group's declaration.
    pub fn group_pointer(&self, name: &str) -> Option<(FileId, String)> {
        self.groups
            .get(name)
            .map(|i| (i.file, format!("/groups/{}", i.index)))
    }
}

/// The merged, canonical config and what normalising it found.
#[derive(Debug, Default)]
pub struct Normalized {
    /// The directory, out-of-office windows in declared order.
    pub directory: Directory,
    /// Where things were declared.
    pub provenance: Provenance,
    /// The policy.
    pub policy: Policy,
    /// Old username → new username.
    pub renames: BTreeMap<String, String>,
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Normalized {
    /// The desired state in canonical order.
    pub fn into_desired(mut self) -> DesiredState {
        for user in self.directory.users.values_mut() {
            user.out_of_office.sort_by_key(|w| (w.from, w.until));
        }
        DesiredState {
            directory: self.directory,
            policy: self.policy,
            renames: self.renames,
        }
    }
}

/// What one document declares, normalised: the part of normalisation that
/// depends on the file alone. It runs where the file is read (on every
/// core) and is cached by the file's content; [`merge`] does the rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileModel {
    /// The account's owner and policy, when the document sets `account`.
    pub account: Option<(String, Policy)>,
    /// Custom roles, with their index in the document.
    pub roles: Vec<(usize, Role)>,
    /// Users, with their index in the document.
    pub users: Vec<(usize, UserEntry)>,
    /// Groups, with their index in the document.
    pub groups: Vec<(usize, Group)>,
}

/// A normalised user and what merging needs to know of its declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserEntry {
    /// The user, out-of-office windows in declared order.
    pub user: User,
    /// Whether `username` was written (else the email is the username).
    pub has_username: bool,
    /// `previous_usernames`, canonical.
    pub previous: Vec<String>,
    /// When a window was unreadable: the declared index of each one kept.
    pub oof_declared: Option<Vec<usize>>,
}

/// Normalises one document; findings that concern it alone go to
/// `diagnostics`.
pub fn normalize_file(
    file: FileId,
    document: &Document,
    diagnostics: &mut Vec<Diagnostic>,
) -> FileModel {
    let mut model = FileModel {
        account: document.account.as_ref().map(|a| {
            (
                canonical::username(&a.owner),
                Policy::from_spec(a.policy.as_ref()),
            )
        }),
        roles: Vec::with_capacity(document.roles.len()),
        users: Vec::with_capacity(document.users.len()),
        groups: Vec::with_capacity(document.groups.len()),
    };
    for (index, spec) in document.roles.iter().enumerate() {
        if vocab::is_builtin_role(&spec.name) {
            diagnostics.push(
                Diagnostic::error(
                    "roster::role::builtin",
                    format!("`{}` is a built-in role", spec.name),
                )
                .at_value(
                    file,
                    format!("/roles/{index}/name"),
                    "built-in roles cannot be declared",
                )
                .with_help(format!(
                    "built-in roles need no declaring: {}; give a custom role another name",
                    vocab::BUILTIN_ROLES.join(", ")
                )),
            );
            continue;
        }
        let role = Role {
            name: spec.name.clone(),
            description: spec.description.clone(),
            permissions: spec.permissions.iter().copied().collect(),
        };
        model.roles.push((index, role));
    }
    for (index, spec) in document.users.iter().enumerate() {
        let (user, oof_declared) = normalize_user(Item { file, index }, spec, diagnostics);
        let entry = UserEntry {
            user,
            has_username: spec.username.is_some(),
            previous: spec
                .previous_usernames
                .iter()
                .map(|p| canonical::username(p))
                .collect(),
            oof_declared,
        };
        model.users.push((index, entry));
    }
    for (index, spec) in document.groups.iter().enumerate() {
        model.groups.push((
            index,
            normalize_group(Item { file, index }, spec, diagnostics),
        ));
    }
    model
}

fn normalize_group(item: Item, spec: &GroupSpec, diagnostics: &mut Vec<Diagnostic>) -> Group {
    let mut members: BTreeMap<String, BTreeSet<vocab::MemberRole>> = BTreeMap::new();
    let mut member_at: HashMap<String, usize> = HashMap::new();
    for (i, member) in spec.members.iter().enumerate() {
        let username = canonical::username(&member.user);
        if let Some(first) = member_at.get(&username) {
            let base = format!("/groups/{}/members", item.index);
            diagnostics.push(
                Diagnostic::error(
                    "roster::duplicate::member",
                    format!("`{username}` is listed twice in group `{}`", spec.name),
                )
                .at_value(item.file, format!("{base}/{i}/user"), "listed again here")
                .at_value(
                    item.file,
                    format!("{base}/{first}/user"),
                    "first listed here",
                )
                .with_help("list each member once, with all of their member roles"),
            );
            continue;
        }
        member_at.insert(username.clone(), i);
        members.insert(username, member.roles.iter().copied().collect());
    }
    Group {
        name: spec.name.clone(),
        description: spec.description.clone(),
        members,
    }
}

/// Merges normalised files, in the order given, reporting every name
/// declared twice with both places.
pub fn merge(files: Vec<(FileId, FileModel)>) -> Normalized {
    let mut merge = Merge::default();
    for (file, model) in files {
        if let Some((owner, policy)) = model.account {
            merge.account(file, owner, policy);
        }
        for (index, role) in model.roles {
            merge.role(Item { file, index }, role);
        }
        for (index, entry) in model.users {
            merge.user(Item { file, index }, entry);
        }
        for (index, group) in model.groups {
            merge.group(Item { file, index }, group);
        }
    }
    merge.finish()
}

#[derive(Default)]
struct Merge {
    out: Normalized,
    emails: HashMap<String, Item>,
    group_names: HashMap<String, String>,
    previous: HashMap<String, (Item, usize)>,
}

impl Merge {
    fn account(&mut self, file: FileId, owner: String, policy: Policy) {
        if let Some(first) = self.out.provenance.account {
            self.out.diagnostics.push(
                Diagnostic::error(
                    "roster::duplicate::account",
                    "`account` is set in more than one document",
                )
                .at_key(file, "/account", "set again here")
                .at_key(first, "/account", "first set here")
                .with_help("keep the account settings in one document"),
            );
            return;
        }
        self.out.provenance.account = Some(file);
        self.out.directory.owner = Some(owner);
        self.out.policy = policy;
    }

    fn role(&mut self, item: Item, role: Role) {
        if let Some(first) = self.out.provenance.roles.get(&role.name) {
            self.out.diagnostics.push(duplicate(
                "role", &role.name, item, *first, "roles", "/name",
            ));
            return;
        }
        self.out.provenance.roles.insert(role.name.clone(), item);
        self.out.directory.roles.insert(role.name.clone(), role);
    }

    fn user(&mut self, item: Item, entry: UserEntry) {
        let user = entry.user;
        let username = user.username.clone();
        let username_field = if entry.has_username {
            "/username"
        } else {
            "/email"
        };
        if let Some(first) = self.out.provenance.users.get(&username) {
            self.out.diagnostics.push(duplicate(
                "username",
                &username,
                item,
                *first,
                "users",
                username_field,
            ));
            return;
        }
        if let Some(first) = self.emails.get(&user.email) {
            self.out.diagnostics.push(duplicate(
                "email",
                &user.email,
                item,
                *first,
                "users",
                "/email",
            ));
            return;
        }
        for (i, old) in entry.previous.iter().enumerate() {
            let pointer = format!("/users/{}/previous_usernames/{i}", item.index);
            if *old == username {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::rename::self",
                        format!("`{old}` is this user's current username"),
                    )
                    .at_value(item.file, pointer, "not a previous username")
                    .with_help("list only former usernames in `previous_usernames`"),
                );
            } else if let Some((first, j)) = self.previous.get(old) {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::rename::duplicate",
                        format!("previous username `{old}` is claimed by two users"),
                    )
                    .at_value(item.file, pointer, "claimed again here")
                    .at_value(
                        first.file,
                        format!("/users/{}/previous_usernames/{j}", first.index),
                        "first claimed here",
                    )
                    .with_help("a former username can be renamed into one user only"),
                );
            } else {
                self.previous.insert(old.clone(), (item, i));
                self.out.renames.insert(old.clone(), username.clone());
            }
        }
        if let Some(declared) = entry.oof_declared {
            self.out
                .provenance
                .oof_declared
                .insert(username.clone(), declared);
        }
        self.emails.insert(user.email.clone(), item);
        self.out.provenance.users.insert(username.clone(), item);
        self.out.directory.users.insert(username, user);
    }

    fn group(&mut self, item: Item, group: Group) {
        let folded = group.name.to_lowercase();
        if let Some(existing) = self.group_names.get(&folded) {
            let first = self.out.provenance.groups[existing];
            self.out.diagnostics.push(duplicate(
                "group",
                &group.name,
                item,
                first,
                "groups",
                "/name",
            ));
            return;
        }
        self.group_names.insert(folded, group.name.clone());
        self.out.provenance.groups.insert(group.name.clone(), item);
        self.out.directory.groups.insert(group.name.clone(), group);
    }

    fn finish(mut self) -> Normalized {
        // A previous username that is also someone's current one is a
        // contradiction, whichever document came first.
        let mut previous: Vec<_> = self.previous.iter().collect();
        previous.sort_by_key(|(old, _)| old.as_str());
        for (old, (item, i)) in previous {
            if let Some(holder) = self.out.provenance.users.get(old) {
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "roster::rename::taken",
                        format!("previous username `{old}` is the current username of another user"),
                    )
                    .at_value(item.file, format!("/users/{}/previous_usernames/{i}", item.index), "renamed from here")
                    .at_value(holder.file, format!("/users/{}", holder.index), "still declared here")
                    .with_help("remove one of the two: a user cannot be renamed while the old name still exists"),
                );
                self.out.renames.remove(old);
            }
        }
        self.out
    }
}

fn duplicate(
    what: &str,
    name: &str,
    item: Item,
    first: Item,
    list: &str,
    field: &str,
) -> Diagnostic {
    Diagnostic::error(
        format_code(what),
        format!("{what} `{name}` is declared twice"),
    )
    .at_value(
        item.file,
        format!("/{list}/{}{field}", item.index),
        "declared again here",
    )
    .at_value(
        first.file,
        format!("/{list}/{}{field}", first.index),
        "first declared here",
    )
    .with_help(format!(
        "{what}s are unique without regard to case; keep one declaration"
    ))
}

fn format_code(what: &str) -> &'static str {
    match what {
        "role" => "roster::duplicate::role",
        "username" => "roster::duplicate::username",
        "email" => "roster::duplicate::email",
        _ => "roster::duplicate::group",
    }
}

/// One user, canonical; problems with single values are reported here.
/// When an out-of-office window is unreadable, also the declared index of
/// each window kept.
fn normalize_user(
    item: Item,
    spec: &UserSpec,
    diagnostics: &mut Vec<Diagnostic>,
) -> (User, Option<Vec<usize>>) {
    let base = format!("/users/{}", item.index);
    let email = canonical::email(&spec.email);
    let username = canonical::username(spec.username.as_deref().unwrap_or(&spec.email));
    let zone = spec.time_zone.as_ref().and_then(|name| {
        let zone = timezone::canonical(name);
        if zone.is_none() {
            let help = match suggest::closest(name, timezone::names()) {
                Some(close) => format!(
                    "did you mean `{close}`? Time zones are IANA names such as `Europe/Berlin`"
                ),
                None => "time zones are IANA names such as `Europe/Berlin` or `America/New_York`"
                    .to_string(),
            };
            diagnostics.push(
                Diagnostic::error("roster::time-zone", format!("unknown time zone `{name}`"))
                    .at_value(
                        item.file,
                        format!("{base}/time_zone"),
                        "not an IANA time zone",
                    )
                    .with_help(help),
            );
        }
        zone
    });
    let roles: BTreeSet<String> = match &spec.roles {
        Some(roles) => roles.iter().map(|r| r.trim().to_string()).collect(),
        None => BTreeSet::from([vocab::DEFAULT_ROLE.to_string()]),
    };
    let preferences = spec
        .preferences
        .as_ref()
        .map_or_else(Preferences::default, |p| {
            let d = Preferences::default();
            Preferences {
                home_page: p.home_page.unwrap_or(d.home_page),
                theme: p.theme.unwrap_or(d.theme),
                digest: p.digest.unwrap_or(d.digest),
            }
        });
    let reminders = spec
        .on_call_reminders
        .as_ref()
        .map_or_else(Reminders::default, |r| {
            let d = Reminders::default();
            Reminders {
                email: r.email.unwrap_or(d.email),
                push: r.push.unwrap_or(d.push),
                lead_minutes: r.lead_minutes.unwrap_or(d.lead_minutes),
                groups: r.groups.iter().cloned().collect(),
            }
        });
    let contact_methods = contact_methods(item, spec, diagnostics);
    let notification_profiles = spec
        .notification_profiles
        .as_ref()
        .map(|profiles| {
            [
                (Priority::P1, &profiles.p1),
                (Priority::P2, &profiles.p2),
                (Priority::P3, &profiles.p3),
                (Priority::P4, &profiles.p4),
                (Priority::P5, &profiles.p5),
            ]
            .into_iter()
            .filter_map(|(priority, steps)| {
                let steps = steps.as_ref()?;
                let steps = steps
                    .iter()
                    .filter_map(|step| {
                        Some(ProfileStep {
                            method: crate::model::directory::MethodKey::parse(&step.method)?,
                            wait_minutes: step.wait_minutes,
                            repeat: step.repeat,
                        })
                    })
                    .collect();
                Some((priority, steps))
            })
            .collect()
        })
        .unwrap_or_default();
    let mut declared = Vec::with_capacity(spec.out_of_office.len());
    let mut out_of_office = Vec::with_capacity(spec.out_of_office.len());
    for (i, window) in spec.out_of_office.iter().enumerate() {
        if let Some(window) = oof_window(item, i, window, zone, diagnostics) {
            declared.push(i);
            out_of_office.push(window);
        }
    }
    let oof_declared = (declared.len() < spec.out_of_office.len()).then_some(declared);
    let user = User {
        username,
        email,
        first_name: spec.first_name.trim().to_string(),
        last_name: spec.last_name.trim().to_string(),
        user_type: spec.user_type.unwrap_or(UserType::Standard),
        status: match spec.status {
            Some(StatusSpec::Disabled) => UserStatus::Disabled,
            Some(StatusSpec::Active) | None => UserStatus::Active,
        },
        roles,
        time_zone: zone.map(|z| z.name().to_string()),
        locale: spec.locale.as_deref().map(canonical::locale),
        language: spec.language.unwrap_or(Language::En),
        external_id: spec.external_id.clone(),
        protected: spec.protected,
        preferences,
        reminders,
        muted_integrations: spec.muted_integrations.iter().cloned().collect(),
        contact_methods,
        notification_profiles,
        out_of_office,
    };
    (user, oof_declared)
}

fn contact_methods(
    item: Item,
    spec: &UserSpec,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ContactMethod> {
    let mut seen: HashMap<crate::model::directory::MethodKey, usize> = HashMap::new();
    let mut methods = Vec::with_capacity(spec.contact_methods.len());
    for (i, method) in spec.contact_methods.iter().enumerate() {
        let pointer = format!("/users/{}/contact_methods/{i}", item.index);
        let (channel, variant, fields) = match method {
            ContactMethodSpec::Email { variant, fields } => (
                Channel::Email,
                variant.map(|_| Variant::SmsGateway),
                fields.map_value(|v| v.0.clone()),
            ),
            ContactMethodSpec::Sms { fields } => {
                (Channel::Sms, None, fields.map_value(|v| v.0.clone()))
            }
            ContactMethodSpec::Phone { variant, fields } => (
                Channel::Phone,
                variant.map(|_| Variant::Mobile),
                fields.map_value(|v| v.0.clone()),
            ),
            ContactMethodSpec::Whatsapp { fields } => {
                (Channel::Whatsapp, None, fields.map_value(|v| v.0.clone()))
            }
            ContactMethodSpec::Slack { fields } => {
                (Channel::Slack, None, fields.map_value(|v| v.0.clone()))
            }
        };
        let value = match channel {
            Channel::Email => canonical::email(&fields.value),
            c if c.takes_phone_number() => match canonical::phone(&fields.value) {
                Ok(e164) => e164,
                Err(problem) => {
                    let (message, help) = match problem {
                        PhoneProblem::NoCountryCode => (
                            "phone number has no country code",
                            "write it in international form, starting with `+` and the country code, such as `+49 151 2345 6789`",
                        ),
                        PhoneProblem::Unreadable => (
                            "not a phone number",
                            "write it in international form, such as `+49 151 2345 6789`",
                        ),
                        PhoneProblem::Invalid => (
                            "phone number does not exist in its country's numbering plan",
                            "check the digits after the country code",
                        ),
                    };
                    diagnostics.push(
                        Diagnostic::error(
                            "roster::contact::phone",
                            format!("{message}: `{}`", fields.value),
                        )
                        .at_value(
                            item.file,
                            format!("{pointer}/value"),
                            "not a valid E.164 number",
                        )
                        .with_help(help),
                    );
                    fields.value.trim().to_string()
                }
            },
            _ => fields.value.trim().to_string(),
        };
        let method = ContactMethod {
            channel,
            label: fields.label,
            variant,
            value,
            wait_minutes: fields.wait_minutes,
            retry: fields.retry.as_ref().map(|r| Retry {
                count: r.count,
                interval_minutes: r.interval_minutes,
            }),
            active_hours: fields.active_hours.as_ref().map(|h| ActiveHours {
                days: h.days.iter().copied().collect(),
                from: h.from.clone(),
                to: h.to.clone(),
            }),
            enabled: fields.enabled,
        };
        if let Some(hours) = &method.active_hours
            && hours.from == hours.to
        {
            diagnostics.push(
                Diagnostic::error(
                    "roster::contact::active-hours",
                    "active hours start and end at the same time",
                )
                .at_value(
                    item.file,
                    format!("{pointer}/active_hours/to"),
                    "same as `from`",
                )
                .with_help("leave `active_hours` out for a method that may be used at any time"),
            );
        }
        let key = method.key();
        if let Some(first) = seen.get(&key) {
            diagnostics.push(
                Diagnostic::error(
                    "roster::contact::duplicate",
                    format!("user `{}` has two `{key}` contact methods", spec.username.as_deref().unwrap_or(&spec.email)),
                )
                .at_value(item.file, format!("{pointer}/channel"), "declared again here")
                .at_value(item.file, format!("/users/{}/contact_methods/{first}/channel", item.index), "first declared here")
                .with_help("a user has one contact method per channel, label and variant; change the label or remove one"),
            );
            continue;
        }
        seen.insert(key, i);
        methods.push(method);
    }
    methods
}

impl<V> MethodFields<V> {
    fn map_value(&self, f: impl Fn(&V) -> String) -> MethodFields<String> {
        MethodFields {
            label: self.label,
            value: f(&self.value),
            wait_minutes: self.wait_minutes,
            retry: self.retry.clone(),
            active_hours: self.active_hours.clone(),
            enabled: self.enabled,
        }
    }
}

fn oof_window(
    item: Item,
    index: usize,
    spec: &OutOfOfficeSpec,
    zone: Option<Tz>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<OofWindow> {
    let pointer = format!("/users/{}/out_of_office/{index}", item.index);
    let mut read = |field: &str, text: &str| match parse_instant(text, zone) {
        Ok(instant) => Some(instant),
        Err(problem) => {
            diagnostics.push(problem.diagnostic(
                item.file,
                format!("{pointer}/{field}"),
                text,
                zone,
            ));
            None
        }
    };
    let from = read("from", &spec.from);
    let until = read("until", &spec.until);
    let (from, until) = (from?, until?);
    if until <= from {
        diagnostics.push(
            Diagnostic::error(
                "roster::oof::order",
                if until == from {
                    "out-of-office window ends the moment it starts"
                } else {
                    "out-of-office window ends before it starts"
                },
            )
            .at_value(item.file, format!("{pointer}/until"), "not after `from`")
            .at_value(item.file, format!("{pointer}/from"), "starts here")
            .with_help("`until` must be later than `from`"),
        );
        return None;
    }
    let cover = match &spec.covered_by {
        CoverSpec::AllGroups(user) => Cover::AllGroups(canonical::username(user)),
        CoverSpec::PerGroup(map) => Cover::PerGroup(
            map.iter()
                .map(|(g, u)| (g.clone(), canonical::username(u)))
                .collect(),
        ),
    };
    Some(OofWindow {
        from,
        until,
        cover,
        note: spec.note.clone(),
    })
}

/// Why a date-time could not be read.
#[derive(Debug, Clone, PartialEq)]
enum TimeProblem {
    Malformed,
    NeedsZone,
    Gap(NaiveDateTime),
    Ambiguous(NaiveDateTime, DateTime<Utc>, DateTime<Utc>),
}

impl TimeProblem {
    fn diagnostic(
        &self,
        file: FileId,
        pointer: String,
        text: &str,
        zone: Option<Tz>,
    ) -> Diagnostic {
        let zone_name = zone.map_or("", |z| z.name());
        match self {
            TimeProblem::Malformed => Diagnostic::error("roster::oof::time", format!("`{text}` is not a date and time"))
                .at_value(file, pointer, "not a date-time")
                .with_help("write `2026-12-21T09:00` (the user's local time) or `2026-12-21T09:00+01:00`"),
            TimeProblem::NeedsZone => Diagnostic::error(
                "roster::oof::time-zone",
                format!("local time `{text}` needs the user's `time_zone`"),
            )
            .at_value(file, pointer, "no offset, and the user has no time zone")
            .with_help("set the user's `time_zone`, or write the time with an offset such as `+01:00`"),
            TimeProblem::Gap(local) => Diagnostic::error(
                "roster::oof::dst-gap",
                format!("`{text}` does not exist in {zone_name}: the clocks skip it"),
            )
            .at_value(file, pointer, "falls in the daylight-saving gap")
            .with_help(format!(
                "on {} the clocks in {zone_name} jump forward over this time; pick a time outside the gap",
                local.date()
            )),
            TimeProblem::Ambiguous(local, earlier, later) => {
                let tz = zone.unwrap_or(chrono_tz::UTC);
                let offset = |t: &DateTime<Utc>| t.with_timezone(&tz).format("%:z").to_string();
                let plain = local.format("%Y-%m-%dT%H:%M");
                Diagnostic::error(
                    "roster::oof::dst-ambiguous",
                    format!("`{text}` happens twice in {zone_name}: the clocks fall back"),
                )
                .at_value(file, pointer, "ambiguous local time")
                .with_help(format!(
                    "write it with an explicit offset: `{plain}{}` for the first or `{plain}{}` for the second",
                    offset(earlier),
                    offset(later)
                ))
            }
        }
    }
}

/// Reads `2026-12-21T09:00[:ss]` in `zone`, or the same with `Z`/`±hh:mm`.
fn parse_instant(text: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, TimeProblem> {
    let text = text.trim().replacen(' ', "T", 1);
    let has_offset =
        text.ends_with('Z') || text.get(16..).is_some_and(|tail| tail.contains(['+', '-']));
    if has_offset {
        let text = text.replace('Z', "+00:00");
        for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M:%S%:z"] {
            if let Ok(t) = DateTime::parse_from_str(&text, format) {
                return Ok(t.with_timezone(&Utc));
            }
        }
        return Err(TimeProblem::Malformed);
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
        .ok_or(TimeProblem::Malformed)?;
    let zone = zone.ok_or(TimeProblem::NeedsZone)?;
    match timezone::local_to_utc(zone, local) {
        LocalInstant::Single(t) => Ok(t),
        LocalInstant::Gap => Err(TimeProblem::Gap(local)),
        LocalInstant::Ambiguous(a, b) => Err(TimeProblem::Ambiguous(local, a, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Option<Tz> {
        timezone::canonical("Europe/Berlin")
    }

    #[test]
    fn instants_from_local_and_offset_times() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            parse_instant("2026-12-21T00:00", berlin()),
            Ok(utc("2026-12-20T23:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21 00:00:30", berlin()),
            Ok(utc("2026-12-20T23:00:30Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21T00:00+05:30", None),
            Ok(utc("2026-12-20T18:30:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21T00:00:00Z", None),
            Ok(utc("2026-12-21T00:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-21T00:00", None),
            Err(TimeProblem::NeedsZone)
        );
        assert_eq!(
            parse_instant("2026-13-21T00:00", berlin()),
            Err(TimeProblem::Malformed)
        );
        assert!(matches!(
            parse_instant("2027-03-28T02:30", berlin()),
            Err(TimeProblem::Gap(_))
        ));
        assert!(matches!(
            parse_instant("2026-10-25T02:30", berlin()),
            Err(TimeProblem::Ambiguous(..))
        ));
    }
}
