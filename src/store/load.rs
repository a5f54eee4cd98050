//! Reads the whole live snapshot: one query per table, whatever the size
//! of the directory. Each query has the database build the table as one
//! text (see [`Engine::table_text`]), which roster reads in one go:
//! per-row driver overhead would otherwise dominate a 100,000-user load.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};

use super::StoreError;
use super::engine::{Bind, Conn, Engine, TableText};
use crate::model::canonical;
use crate::model::directory::{
    ActiveHours, ContactMethod, Cover, Group, MethodKey, OofWindow, Preferences, ProfileStep,
    Reminders, Retry, Role, User,
};
use crate::model::live::{
    ApiToken, Invitation, LiveSnapshot, ManagedRecord, ObjectKey, ObjectKind, PushMethod, Shift,
    Verification, VerificationState,
};
use crate::model::timezone;
use crate::model::vocab::{
    Channel, Digest, HomePage, Label, Language, MemberRole, Permission, Priority, Theme,
    UserStatus, UserType, Variant, Weekday,
};

/// A value the database holds that roster cannot read.
fn corrupt(message: String) -> StoreError {
    StoreError::Query {
        doing: "loading the live directory",
        source: sqlx::Error::Decode(message.into()),
    }
}

/// Reads a vocabulary value, or says which value is wrong.
fn parse<T>(value: &str, what: &str, parser: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parser(value).ok_or_else(|| corrupt(format!("{what} `{value}`")))
}

/// A boolean column: SQLite's JSON has 0 and 1, PostgreSQL's COPY `t` and `f`.
#[derive(Debug, Clone, Copy)]
struct Flag(bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Flag;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean, 0 or 1")
            }
            fn visit_bool<E>(self, value: bool) -> Result<Flag, E> {
                Ok(Flag(value))
            }
            fn visit_i64<E>(self, value: i64) -> Result<Flag, E> {
                Ok(Flag(value != 0))
            }
            fn visit_u64<E>(self, value: u64) -> Result<Flag, E> {
                Ok(Flag(value != 0))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Flag, E> {
                match value {
                    "t" => Ok(Flag(true)),
                    "f" => Ok(Flag(false)),
                    other => Err(E::custom(format!("`{other}` is not a boolean"))),
                }
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// A timestamp column: RFC 3339 text either way (or SQLite's
/// `YYYY-MM-DD HH:MM:SS`, taken as UTC, for rows written by hand).
#[derive(Debug, Clone, Copy)]
struct Stamp(DateTime<Utc>);

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
            return Ok(Stamp(t.with_timezone(&Utc)));
        }
        for format in [
            "%Y-%m-%d %H:%M:%S%.f%:z",
            "%Y-%m-%d %H:%M:%S%.f%#z",
            "%Y-%m-%dT%H:%M:%S%.f%#z",
        ] {
            if let Ok(t) = DateTime::parse_from_str(&text, format) {
                return Ok(Stamp(t.with_timezone(&Utc)));
            }
        }
        NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
            .map(|t| Stamp(t.and_utc()))
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a timestamp")))
    }
}

/// A table being parsed on a blocking thread while the next is queried.
struct Parsing<T> {
    from: &'static str,
    task: tokio::task::JoinHandle<Result<Vec<T>, String>>,
}

/// Reads `SELECT columns FROM from` as one text and starts parsing it on
/// a blocking thread, so the database can answer the next query meanwhile.
async fn start<DB: Engine, T: DeserializeOwned + Send + 'static>(
    conn: &mut Conn<'_, DB>,
    columns: &[&str],
    from: &'static str,
) -> Result<Parsing<T>, StoreError> {
    let text = conn
        .table_text(columns, from)
        .await
        .map_err(StoreError::query("loading the live directory"))?;
    let task = tokio::task::spawn_blocking(move || match text {
        TableText::Json(text) => serde_json::from_str(&text).map_err(|e| e.to_string()),
        TableText::Copy(text) => super::copy_text::rows(&text).map_err(|e| e.to_string()),
    });
    Ok(Parsing { from, task })
}

impl<T> Parsing<T> {
    /// The parsed rows.
    async fn rows(self) -> Result<Vec<T>, StoreError> {
        match self.task.await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(error)) => Err(corrupt(format!("{}: {error}", self.from))),
            Err(error) => Err(corrupt(format!("{}: {error}", self.from))),
        }
    }
}

/// Every row of `SELECT columns FROM from`, deserialized as tuples.
async fn table<DB: Engine, T: DeserializeOwned + Send + 'static>(
    conn: &mut Conn<'_, DB>,
    columns: &[&str],
    from: &'static str,
) -> Result<Vec<T>, StoreError> {
    start(conn, columns, from).await?.rows().await
}

/// A `users` row, column by column.
#[derive(Deserialize)]
struct UserRow(
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Flag,
    String,
    String,
    String,
    Flag,
    Flag,
    i64,
    Option<Stamp>,
);

/// A `notification_steps` row: user, priority, position, channel, label,
/// variant, wait and repeat.
type StepRow = (i64, String, i64, String, String, String, i64, i64);

/// An `oof_windows` row: user, start, end, all-groups cover and note.
type WindowRow = (i64, Stamp, Stamp, Option<i64>, Option<String>);

/// A `contact_methods` row, column by column.
#[derive(Deserialize)]
struct MethodRow(
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Flag,
);

const USER_COLUMNS: &[&str] = &[
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "user_type",
    "status",
    "time_zone",
    "locale",
    "language",
    "external_id",
    "protected",
    "home_page",
    "theme",
    "digest",
    "remind_email",
    "remind_push",
    "remind_lead_minutes",
    "last_login_at",
];

const METHOD_COLUMNS: &[&str] = &[
    "user_id",
    "position",
    "channel",
    "label",
    "variant",
    "value",
    "wait_minutes",
    "retry_count",
    "retry_interval_minutes",
    "active_days",
    "active_from",
    "active_to",
    "enabled",
];

pub(super) async fn load<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    bodies: bool,
) -> Result<LiveSnapshot, StoreError> {
    if let Some(settings) = DB::LOAD_SETTINGS {
        conn.run(settings, Vec::new())
            .await
            .map_err(StoreError::query("loading the live directory"))?;
    }
    let mut snapshot = LiveSnapshot::default();
    // The large tables are queried first and parsed in the background while
    // the rest is read.
    let users_rows: Parsing<UserRow> = start(conn, USER_COLUMNS, "users").await?;
    let method_rows: Parsing<MethodRow> = start(conn, METHOD_COLUMNS, "contact_methods").await?;
    let member_rows: Parsing<(i64, i64, Flag, Flag, Flag)> = start(
        conn,
        &[
            "group_id",
            "user_id",
            "is_primary",
            "is_secondary",
            "is_manager",
        ],
        "group_members",
    )
    .await?;
    let grant_rows: Parsing<(i64, i64)> =
        start(conn, &["user_id", "role_id"], "user_roles").await?;

    // Roles: custom ones become directory roles; built-ins are names only.
    let roles: Vec<(i64, String, Option<String>, Flag)> =
        table(conn, &["id", "name", "description", "builtin"], "roles").await?;
    let mut role_names: HashMap<i64, String> = HashMap::with_capacity(roles.len());
    let mut custom: BTreeMap<String, Role> = BTreeMap::new();
    for (id, name, description, builtin) in roles {
        if !builtin.0 {
            custom.insert(
                name.clone(),
                Role {
                    name: name.clone(),
                    description,
                    permissions: BTreeSet::new(),
                },
            );
        }
        role_names.insert(id, name);
    }
    let grants: Vec<(i64, String)> =
        table(conn, &["role_id", "permission"], "role_permissions").await?;
    for (role, permission) in grants {
        let permission = parse(&permission, "permission", Permission::parse)?;
        if let Some(role) = role_names.get(&role).and_then(|name| custom.get_mut(name)) {
            role.permissions.insert(permission);
        }
    }

    // Users.
    let rows = users_rows.rows().await?;
    let mut users: HashMap<i64, User> = HashMap::with_capacity(rows.len());
    let mut names: HashMap<i64, String> = HashMap::with_capacity(rows.len());
    let mut zones: HashMap<String, String> = HashMap::new();
    for row in rows {
        let (
            id,
            username,
            email,
            first_name,
            last_name,
            user_type,
            status,
            zone,
            locale,
            language,
            external_id,
        ) = (
            row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10,
        );
        let username = canonical::username(&username);
        let time_zone = zone.map(|z| {
            zones
                .entry(z)
                .or_insert_with_key(|z| {
                    timezone::canonical(z).map_or_else(|| z.clone(), |tz| tz.name().to_string())
                })
                .clone()
        });
        let user = User {
            username: username.clone(),
            email: canonical::email(&email),
            first_name,
            last_name,
            user_type: parse(&user_type, "user type", UserType::parse)?,
            status: parse(&status, "user status", UserStatus::parse)?,
            roles: BTreeSet::new(),
            time_zone,
            locale: locale.map(|l| canonical::locale(&l)),
            language: parse(&language, "language", Language::parse)?,
            external_id,
            protected: row.11.0,
            preferences: Preferences {
                home_page: parse(&row.12, "home page", HomePage::parse)?,
                theme: parse(&row.13, "theme", Theme::parse)?,
                digest: parse(&row.14, "digest", Digest::parse)?,
            },
            reminders: Reminders {
                email: row.15.0,
                push: row.16.0,
                lead_minutes: to_u32(row.17)?,
                groups: BTreeSet::new(),
            },
            muted_integrations: BTreeSet::new(),
            contact_methods: Vec::new(),
            notification_profiles: BTreeMap::new(),
            out_of_office: Vec::new(),
        };
        if let Some(at) = row.18 {
            snapshot.platform.last_login.insert(username.clone(), at.0);
        }
        names.insert(id, username);
        users.insert(id, user);
    }
    let name_of = |id: i64| {
        names
            .get(&id)
            .cloned()
            .ok_or_else(|| StoreError::Inconsistent {
                message: format!("a row refers to user id {id}, which does not exist"),
            })
    };

    for (user, role) in grant_rows.rows().await? {
        if let (Some(user), Some(role)) = (users.get_mut(&user), role_names.get(&role)) {
            user.roles.insert(role.clone());
        }
    }

    // Groups and members.
    let rows: Vec<(i64, String, Option<String>)> =
        table(conn, &["id", "name", "description"], "groups").await?;
    let mut groups: HashMap<i64, Group> = HashMap::with_capacity(rows.len());
    for (id, name, description) in rows {
        groups.insert(
            id,
            Group {
                name,
                description,
                members: BTreeMap::new(),
            },
        );
    }
    let group_names: HashMap<i64, String> =
        groups.iter().map(|(id, g)| (*id, g.name.clone())).collect();
    let group_of = |id: i64| {
        group_names
            .get(&id)
            .cloned()
            .ok_or_else(|| StoreError::Inconsistent {
                message: format!("a row refers to group id {id}, which does not exist"),
            })
    };
    for (group, user, primary, secondary, manager) in member_rows.rows().await? {
        let mut roles = BTreeSet::new();
        for (on, role) in [
            (primary, MemberRole::Primary),
            (secondary, MemberRole::Secondary),
            (manager, MemberRole::Manager),
        ] {
            if on.0 {
                roles.insert(role);
            }
        }
        let member = name_of(user)?;
        if let Some(group) = groups.get_mut(&group) {
            group.members.insert(member, roles);
        }
    }

    let reminders: Vec<(i64, i64)> =
        table(conn, &["user_id", "group_id"], "user_reminder_groups").await?;
    for (user, group) in reminders {
        let group = group_of(group)?;
        if let Some(user) = users.get_mut(&user) {
            user.reminders.groups.insert(group);
        }
    }
    let mutes: Vec<(i64, String)> =
        table(conn, &["user_id", "integration"], "user_muted_integrations").await?;
    for (user, integration) in mutes {
        if let Some(user) = users.get_mut(&user) {
            user.muted_integrations.insert(integration);
        }
    }

    // Contact methods, in notification order.
    let mut methods = method_rows.rows().await?;
    methods.sort_unstable_by_key(|m| (m.0, m.1));
    for row in methods {
        let channel = parse(&row.2, "channel", Channel::parse)?;
        let value = match channel {
            Channel::Email => canonical::email(&row.5),
            c if c.takes_phone_number() => canonical::stored_phone(&row.5),
            _ => row.5,
        };
        let retry = match (row.7, row.8) {
            (Some(count), Some(interval)) => Some(Retry {
                count: to_u32(count)?,
                interval_minutes: to_u32(interval)?,
            }),
            _ => None,
        };
        let active_hours = match (row.9, row.10, row.11) {
            (Some(days), Some(from), Some(to)) => Some(ActiveHours {
                days: days
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(|d| parse(d, "weekday", Weekday::parse))
                    .collect::<Result<_, _>>()?,
                from,
                to,
            }),
            _ => None,
        };
        let method = ContactMethod {
            channel,
            label: parse(&row.3, "label", Label::parse)?,
            variant: variant(&row.4)?,
            value,
            wait_minutes: to_u32(row.6)?,
            retry,
            active_hours,
            enabled: row.12.0,
        };
        if let Some(user) = users.get_mut(&row.0) {
            user.contact_methods.push(method);
        }
    }

    // Notification profiles, then their steps in order.
    let profiles: Vec<(i64, String)> =
        table(conn, &["user_id", "priority"], "notification_profiles").await?;
    for (user, priority) in profiles {
        let priority = parse(&priority, "priority", Priority::parse)?;
        if let Some(user) = users.get_mut(&user) {
            user.notification_profiles.insert(priority, Vec::new());
        }
    }
    let mut steps: Vec<StepRow> = table(
        conn,
        &[
            "user_id",
            "priority",
            "position",
            "channel",
            "label",
            "variant",
            "wait_minutes",
            "repeat_count",
        ],
        "notification_steps",
    )
    .await?;
    steps.sort_unstable_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    for (user, priority, _, channel, label, variant_text, wait, repeat) in steps {
        let priority = parse(&priority, "priority", Priority::parse)?;
        let step = ProfileStep {
            method: MethodKey {
                channel: parse(&channel, "channel", Channel::parse)?,
                label: parse(&label, "label", Label::parse)?,
                variant: variant(&variant_text)?,
            },
            wait_minutes: to_u32(wait)?,
            repeat: to_u32(repeat)?,
        };
        if let Some(user) = users.get_mut(&user) {
            user.notification_profiles
                .entry(priority)
                .or_default()
                .push(step);
        }
    }

    // Out-of-office windows and their per-group covers.
    let rows: Vec<WindowRow> = table(
        conn,
        &["user_id", "starts_at", "ends_at", "cover_user_id", "note"],
        "oof_windows",
    )
    .await?;
    let mut windows: BTreeMap<(i64, DateTime<Utc>), OofWindow> = BTreeMap::new();
    for (user, from, until, cover, note) in rows {
        let cover = match cover {
            Some(id) => Cover::AllGroups(name_of(id)?),
            None => Cover::PerGroup(BTreeMap::new()),
        };
        windows.insert(
            (user, from.0),
            OofWindow {
                from: from.0,
                until: until.0,
                cover,
                note,
            },
        );
    }
    let covers: Vec<(i64, Stamp, i64, i64)> = table(
        conn,
        &["user_id", "starts_at", "group_id", "cover_user_id"],
        "oof_group_covers",
    )
    .await?;
    for (user, from, group, cover) in covers {
        let (group, cover) = (group_of(group)?, name_of(cover)?);
        if let Some(OofWindow {
            cover: Cover::PerGroup(map),
            ..
        }) = windows.get_mut(&(user, from.0))
        {
            map.insert(group, cover);
        }
    }
    for ((user, _), window) in windows {
        if let Some(user) = users.get_mut(&user) {
            user.out_of_office.push(window);
        }
    }

    let account: Vec<(Option<i64>,)> =
        table(conn, &["owner_user_id"], "account WHERE id = 1").await?;
    let owner = account
        .into_iter()
        .next()
        .and_then(|(o,)| o)
        .map(&name_of)
        .transpose()?;

    // Platform-owned state.
    let platform = &mut snapshot.platform;
    let mut devices: Vec<(i64, i64, String, Stamp)> = table(
        conn,
        &["id", "user_id", "device", "registered_at"],
        "push_methods",
    )
    .await?;
    devices.sort_unstable_by_key(|d| d.0);
    for (_, user, device, registered_at) in devices {
        let method = PushMethod {
            device,
            registered_at: registered_at.0,
        };
        platform
            .push_methods
            .entry(name_of(user)?)
            .or_default()
            .push(method);
    }
    let checks: Vec<(i64, String, String, String, Stamp)> = table(
        conn,
        &["user_id", "channel", "value", "state", "checked_at"],
        "contact_verifications",
    )
    .await?;
    for (user, channel, value, state, checked_at) in checks {
        let channel = parse(&channel, "channel", Channel::parse)?;
        let value = match channel {
            Channel::Email => canonical::email(&value),
            c if c.takes_phone_number() => canonical::stored_phone(&value),
            _ => value,
        };
        let verification = Verification {
            state: parse(&state, "verification state", VerificationState::parse)?,
            checked_at: checked_at.0,
        };
        platform
            .verifications
            .insert((name_of(user)?, channel, value), verification);
    }
    let invitations: Vec<(i64, Stamp, Stamp, Option<Stamp>)> = table(
        conn,
        &["user_id", "sent_at", "expires_at", "accepted_at"],
        "invitations",
    )
    .await?;
    for (user, sent_at, expires_at, accepted_at) in invitations {
        let invitation = Invitation {
            sent_at: sent_at.0,
            expires_at: expires_at.0,
            accepted_at: accepted_at.map(|a| a.0),
        };
        platform.invitations.insert(name_of(user)?, invitation);
    }
    let mut tokens: Vec<(i64, i64, String, Stamp)> =
        table(conn, &["id", "user_id", "name", "created_at"], "api_tokens").await?;
    tokens.sort_unstable_by_key(|t| t.0);
    for (_, user, name, created_at) in tokens {
        platform
            .api_tokens
            .entry(name_of(user)?)
            .or_default()
            .push(ApiToken {
                name,
                created_at: created_at.0,
            });
    }
    let integrations: Vec<(String, String)> =
        table(conn, &["name", "kind"], "integrations").await?;
    platform.integrations = integrations.into_iter().collect();
    let shifts: Vec<(i64, i64, Stamp, Stamp)> = table(
        conn,
        &["group_id", "user_id", "starts_at", "ends_at"],
        "oncall_shifts",
    )
    .await?;
    for (group, user, starts_at, ends_at) in shifts {
        platform.shifts.push(Shift {
            starts_at: starts_at.0,
            ends_at: ends_at.0,
            group: group_of(group)?,
            user: name_of(user)?,
        });
    }
    platform.shifts.sort();

    // Roster's bookkeeping.
    if bodies {
        let records: Vec<(String, String, String, String)> = table(
            conn,
            &["kind", "name", "fingerprint", "body"],
            "roster_managed",
        )
        .await?;
        for (kind, name, fingerprint, body) in records {
            let key = ObjectKey::new(parse(&kind, "managed kind", ObjectKind::parse)?, name);
            snapshot.managed.objects.insert(
                key,
                ManagedRecord {
                    fingerprint,
                    body: Some(body),
                },
            );
        }
    } else {
        let records: Vec<(String, String, String)> =
            table(conn, &["kind", "name", "fingerprint"], "roster_managed").await?;
        for (kind, name, fingerprint) in records {
            let key = ObjectKey::new(parse(&kind, "managed kind", ObjectKind::parse)?, name);
            snapshot.managed.objects.insert(
                key,
                ManagedRecord {
                    fingerprint,
                    body: None,
                },
            );
        }
    }

    let directory = &mut snapshot.directory;
    directory.owner = owner;
    directory.roles = custom;
    // Users are large: order their names, then take them in that order,
    // so that building the map sorts small pairs and moves each user once.
    let mut order: Vec<(String, i64)> = users
        .iter()
        .map(|(id, user)| (user.username.clone(), *id))
        .collect();
    order.sort_unstable();
    directory.users = order
        .into_iter()
        .filter_map(|(name, id)| {
            let mut user = users.remove(&id)?;
            user.out_of_office.sort_by_key(|w| (w.from, w.until));
            Some((name, user))
        })
        .collect();
    directory.groups = groups.into_values().map(|g| (g.name.clone(), g)).collect();
    Ok(snapshot)
}

fn variant(text: &str) -> Result<Option<Variant>, StoreError> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text, "variant", Variant::parse).map(Some)
    }
}

fn to_u32(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt(format!("number {n} out of range")))
}

/// How many names one query of [`bodies`] asks for.
const BODIES_PER_QUERY: usize = 500;

/// The recorded bodies of `keys` (what drift compares with), a few hundred
/// per query.
pub(super) async fn bodies<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    keys: &[ObjectKey],
) -> Result<Vec<(ObjectKey, String)>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for kind in [
        ObjectKind::Account,
        ObjectKind::Role,
        ObjectKind::User,
        ObjectKind::Group,
    ] {
        let names: Vec<&str> = keys
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| k.name.as_str())
            .collect();
        for chunk in names.chunks(BODIES_PER_QUERY) {
            let list: Vec<String> = (2..chunk.len() + 2).map(DB::placeholder).collect();
            let sql = format!(
                "SELECT name, body FROM roster_managed WHERE kind = {} AND name IN ({})",
                DB::placeholder(1),
                list.join(", ")
            );
            let binds = std::iter::once(Bind::Text(kind.as_str().to_string()))
                .chain(chunk.iter().map(|n| Bind::Text((*n).to_string())))
                .collect();
            conn.each_row(sql, binds, |row| {
                out.push((ObjectKey::new(kind, DB::text(row, 0)?), DB::text(row, 1)?));
                Ok(())
            })
            .await
            .map_err(StoreError::query("loading recorded bodies"))?;
        }
    }
    Ok(out)
}
