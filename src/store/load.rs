//! Reads the whole live snapshot: one query per table, whatever the size
//! of the directory, without the driver's cost per cell (see
//! [`Engine::table_rows`]): SQLite's rows are read straight from its
//! statement; PostgreSQL builds each table as one COPY text, which roster
//! parses on a blocking thread while the next table is queried. Per-row
//! driver overhead would otherwise dominate a 100,000-user load.
//!
//! Rows come in as the named structs of [`super::tables`]; each table is
//! then turned into model values by a function of its own, and a value
//! roster cannot read is an error naming the table, the value and the
//! object it belongs to.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::StoreError;
use super::engine::{Bind, Conn, Engine, TableRows};
use super::tables::{
    ApiTokenRow, ContactMethodRow, GroupCoverRow, GroupRow, IntegrationRow, InvitationRow,
    ManagedFingerprintRow, ManagedRow, MemberRow, MutedIntegrationRow, NotificationProfileRow,
    NotificationStepRow, OofWindowRow, PushMethodRow, ReminderGroupRow, RolePermissionRow, RoleRow,
    Row, SettingRow, ShiftRow, SignInRow, UserRoleRow, UserRow, VerificationRow, WithId,
};
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
    Channel, Digest, HomePage, Label, Language, MemberRole, Permission, Priority, SelfServiceField,
    Theme, UserStatus, UserType, Variant, Weekday,
};

const LOADING: &str = "loading the live directory";

/// A value the database holds that roster cannot read.
fn corrupt(message: String) -> StoreError {
    StoreError::Unreadable { message }
}

/// Where a value was read: its table and the object it belongs to.
#[derive(Clone, Copy)]
struct At<'a> {
    table: &'static str,
    kind: ObjectKind,
    name: &'a str,
}

impl At<'_> {
    /// Reads a vocabulary value, or says which value is wrong and where.
    fn parse<T>(
        self,
        value: &str,
        what: &str,
        parser: fn(&str) -> Option<T>,
    ) -> Result<T, StoreError> {
        parser(value).ok_or_else(|| self.corrupt(format!("{what} `{value}`")))
    }

    /// A count that must fit roster's range (not negative).
    fn count(self, value: i64, what: &str) -> Result<u32, StoreError> {
        u32::try_from(value).map_err(|_| self.corrupt(format!("{what} {value}")))
    }

    fn variant(self, text: &str) -> Result<Option<Variant>, StoreError> {
        if text.is_empty() {
            Ok(None)
        } else {
            self.parse(text, "variant", Variant::parse).map(Some)
        }
    }

    fn corrupt(self, what: String) -> StoreError {
        corrupt(format!(
            "`{}` holds {what} for {} `{}`",
            self.table, self.kind, self.name
        ))
    }
}

/// A table read, or being parsed on a blocking thread while the next is
/// queried.
struct Parsing<T> {
    from: &'static str,
    rows: Pending<T>,
}

enum Pending<T> {
    Read(Result<Vec<T>, String>),
    Parsing(tokio::task::JoinHandle<Result<Vec<T>, String>>),
}

/// Reads `SELECT columns FROM from`; a table that comes as text is parsed
/// on a blocking thread, so the database can answer the next query
/// meanwhile.
async fn start<DB: Engine, T: DeserializeOwned + Send + 'static>(
    conn: &mut Conn<'_, DB>,
    columns: &[&str],
    from: &'static str,
) -> Result<Parsing<T>, StoreError> {
    let rows = match conn
        .table_rows(columns, from)
        .await
        .map_err(StoreError::query(LOADING))?
    {
        TableRows::Read(rows) => Pending::Read(rows),
        text => Pending::Parsing(tokio::task::spawn_blocking(move || text.rows())),
    };
    Ok(Parsing { from, rows })
}

/// Starts reading every row of a row struct's table.
async fn start_rows<DB: Engine, R: Row + DeserializeOwned + Send + 'static>(
    conn: &mut Conn<'_, DB>,
) -> Result<Parsing<R>, StoreError> {
    start(conn, R::COLUMNS, R::TABLE).await
}

/// Starts reading every row of a table with a surrogate id.
async fn start_with_ids<DB: Engine, R: Row + Send + 'static>(
    conn: &mut Conn<'_, DB>,
) -> Result<Parsing<WithId<R>>, StoreError> {
    start(conn, &WithId::<R>::columns(), R::TABLE).await
}

impl<T> Parsing<T> {
    /// The parsed rows.
    async fn rows(self) -> Result<Vec<T>, StoreError> {
        let rows = match self.rows {
            Pending::Read(rows) => rows,
            Pending::Parsing(task) => task.await.map_err(|error| error.to_string()).flatten(),
        };
        rows.map_err(|error| corrupt(format!("{}: {error}", self.from)))
    }
}

/// Every row of a row struct's table.
async fn rows<DB: Engine, R: Row + DeserializeOwned + Send + 'static>(
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<R>, StoreError> {
    start_rows(conn).await?.rows().await
}

/// Names by row id, and the error for a row that points at nothing.
struct Names {
    users: HashMap<i64, String>,
    groups: HashMap<i64, String>,
}

impl Names {
    fn user(&self, id: i64) -> Result<&str, StoreError> {
        self.users
            .get(&id)
            .map(String::as_str)
            .ok_or_else(|| StoreError::Inconsistent {
                message: format!("a row refers to user id {id}, which does not exist"),
            })
    }

    fn group(&self, id: i64) -> Result<&str, StoreError> {
        self.groups
            .get(&id)
            .map(String::as_str)
            .ok_or_else(|| StoreError::Inconsistent {
                message: format!("a row refers to group id {id}, which does not exist"),
            })
    }
}

pub(super) async fn load<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    bodies: bool,
) -> Result<LiveSnapshot, StoreError> {
    if let Some(settings) = DB::LOAD_SETTINGS {
        conn.run(settings, Vec::new())
            .await
            .map_err(StoreError::query(LOADING))?;
    }
    let mut snapshot = LiveSnapshot::default();
    // The large tables are queried first and parsed in the background while
    // the rest is read.
    let user_rows = start_with_ids::<DB, UserRow>(conn).await?;
    let method_rows = start_rows::<DB, ContactMethodRow>(conn).await?;
    let member_rows = start_rows::<DB, MemberRow>(conn).await?;
    let grant_rows = start_rows::<DB, UserRoleRow>(conn).await?;

    let role_rows = start_with_ids::<DB, RoleRow>(conn).await?.rows().await?;
    let (role_names, mut custom) = roles(role_rows);
    for grant in rows::<DB, RolePermissionRow>(conn).await? {
        let Some(role) = role_names.get(&grant.role_id) else {
            continue;
        };
        let at = At {
            table: RolePermissionRow::TABLE,
            kind: ObjectKind::Role,
            name: role,
        };
        let permission = at.parse(&grant.permission, "permission", Permission::parse)?;
        if let Some(role) = custom.get_mut(role) {
            role.permissions.insert(permission);
        }
    }

    let mut users = users(user_rows.rows().await?)?;
    let names = Names {
        users: users
            .iter()
            .map(|(id, u)| (*id, u.username.clone()))
            .collect(),
        groups: HashMap::new(),
    };
    for grant in grant_rows.rows().await? {
        if let (Some(user), Some(role)) = (
            users.get_mut(&grant.user_id),
            role_names.get(&grant.role_id),
        ) {
            user.roles.insert(role.clone());
        }
    }

    let group_rows = start_with_ids::<DB, GroupRow>(conn).await?.rows().await?;
    let mut groups: HashMap<i64, Group> = group_rows
        .into_iter()
        .map(|g| {
            let group = Group {
                name: g.row.name,
                description: g.row.description,
                members: BTreeMap::new(),
            };
            (g.id, group)
        })
        .collect();
    let names = Names {
        groups: groups.iter().map(|(id, g)| (*id, g.name.clone())).collect(),
        ..names
    };
    for member in member_rows.rows().await? {
        members(&mut groups, member, &names)?;
    }
    for row in rows::<DB, ReminderGroupRow>(conn).await? {
        let group = names.group(row.group_id)?;
        if let Some(user) = users.get_mut(&row.user_id) {
            user.reminders.groups.insert(group.to_string());
        }
    }
    for row in rows::<DB, MutedIntegrationRow>(conn).await? {
        if let Some(user) = users.get_mut(&row.user_id) {
            user.muted_integrations.insert(row.integration);
        }
    }
    contact_methods(&mut users, method_rows.rows().await?, &names)?;
    let profiles = rows::<DB, NotificationProfileRow>(conn).await?;
    let steps = rows::<DB, NotificationStepRow>(conn).await?;
    notification_profiles(&mut users, profiles, steps, &names)?;
    let windows = rows::<DB, OofWindowRow>(conn).await?;
    let covers = rows::<DB, GroupCoverRow>(conn).await?;
    out_of_office(&mut users, windows, covers, &names)?;

    let account = start(conn, &["owner_user_id"], "account WHERE id = 1")
        .await?
        .rows()
        .await?;
    let owner: Option<i64> = account
        .into_iter()
        .next()
        .and_then(|(o,): (Option<i64>,)| o);
    let owner = owner
        .map(|id| names.user(id).map(str::to_string))
        .transpose()?;

    platform(conn, &mut snapshot, &names).await?;
    snapshot.managed.objects = managed(conn, bodies).await?;
    snapshot.managed.self_service = self_service(rows::<DB, SettingRow>(conn).await?)?;

    let directory = &mut snapshot.directory;
    directory.owner = owner;
    directory.roles = custom;
    directory.users = by_name(users);
    directory.groups = groups.into_values().map(|g| (g.name.clone(), g)).collect();
    Ok(snapshot)
}

/// Role names by id, and the custom roles (built-ins are names only).
fn roles(rows: Vec<WithId<RoleRow>>) -> (HashMap<i64, String>, BTreeMap<String, Role>) {
    let mut names = HashMap::with_capacity(rows.len());
    let mut custom = BTreeMap::new();
    for WithId { id, row } in rows {
        if !row.builtin.0 {
            let role = Role {
                name: row.name.clone(),
                description: row.description,
                permissions: BTreeSet::new(),
            };
            custom.insert(row.name.clone(), role);
        }
        names.insert(id, row.name);
    }
    (names, custom)
}

/// Users by id, lists still empty.
fn users(rows: Vec<WithId<UserRow>>) -> Result<HashMap<i64, User>, StoreError> {
    let mut users = HashMap::with_capacity(rows.len());
    // Zones repeat: each is made canonical once.
    let mut zones: HashMap<String, String> = HashMap::new();
    for WithId { id, row } in rows {
        let username = canonical::username(&row.username);
        let at = At {
            table: UserRow::TABLE,
            kind: ObjectKind::User,
            name: &username,
        };
        let time_zone = row.time_zone.map(|z| {
            zones
                .entry(z)
                .or_insert_with_key(|z| {
                    timezone::spelled(z).map_or_else(|| z.clone(), str::to_string)
                })
                .clone()
        });
        let user = User {
            email: canonical::email(&row.email),
            first_name: row.first_name,
            last_name: row.last_name,
            user_type: at.parse(&row.user_type, "user type", UserType::parse)?,
            status: at.parse(&row.status, "user status", UserStatus::parse)?,
            roles: BTreeSet::new(),
            time_zone,
            locale: row.locale.map(|l| canonical::locale(&l)),
            language: at.parse(&row.language, "language", Language::parse)?,
            external_id: row.external_id,
            protected: row.protected.0,
            preferences: Preferences {
                home_page: at.parse(&row.home_page, "home page", HomePage::parse)?,
                theme: at.parse(&row.theme, "theme", Theme::parse)?,
                digest: at.parse(&row.digest, "digest", Digest::parse)?,
            },
            reminders: Reminders {
                email: row.remind_email.0,
                push: row.remind_push.0,
                lead_minutes: at.count(row.remind_lead_minutes, "a reminder lead time of")?,
                groups: BTreeSet::new(),
            },
            muted_integrations: BTreeSet::new(),
            contact_methods: Vec::new(),
            notification_profiles: BTreeMap::new(),
            out_of_office: Vec::new(),
            username,
        };
        users.insert(id, user);
    }
    Ok(users)
}

fn members(
    groups: &mut HashMap<i64, Group>,
    row: MemberRow,
    names: &Names,
) -> Result<(), StoreError> {
    let mut roles = BTreeSet::new();
    for (on, role) in [
        (row.is_primary, MemberRole::Primary),
        (row.is_secondary, MemberRole::Secondary),
        (row.is_manager, MemberRole::Manager),
    ] {
        if on.0 {
            roles.insert(role);
        }
    }
    let member = names.user(row.user_id)?.to_string();
    if let Some(group) = groups.get_mut(&row.group_id) {
        group.members.insert(member, roles);
    }
    Ok(())
}

/// A contact value in canonical form, as the config would write it.
fn canonical_value(channel: Channel, value: String) -> String {
    match channel {
        Channel::Email => canonical::email(&value),
        c if c.takes_phone_number() => canonical::stored_phone(&value),
        _ => value,
    }
}

/// Contact methods, in notification order.
fn contact_methods(
    users: &mut HashMap<i64, User>,
    mut rows: Vec<ContactMethodRow>,
    names: &Names,
) -> Result<(), StoreError> {
    rows.sort_unstable_by_key(|m| (m.user_id, m.position));
    for row in rows {
        let at = At {
            table: ContactMethodRow::TABLE,
            kind: ObjectKind::User,
            name: names.user(row.user_id)?,
        };
        let channel = at.parse(&row.channel, "channel", Channel::parse)?;
        let retry = match (row.retry_count, row.retry_interval_minutes) {
            (Some(count), Some(interval)) => Some(Retry {
                count: at.count(count, "a retry count of")?,
                interval_minutes: at.count(interval, "a retry interval of")?,
            }),
            _ => None,
        };
        let active_hours = match (row.active_days, row.active_from, row.active_to) {
            (Some(days), Some(from), Some(to)) => Some(ActiveHours {
                days: days
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(|d| at.parse(d, "weekday", Weekday::parse))
                    .collect::<Result<_, _>>()?,
                from,
                to,
            }),
            _ => None,
        };
        let method = ContactMethod {
            channel,
            label: at.parse(&row.label, "label", Label::parse)?,
            variant: at.variant(&row.variant)?,
            value: canonical_value(channel, row.value),
            wait_minutes: at.count(row.wait_minutes, "a wait of")?,
            retry,
            active_hours,
            enabled: row.enabled.0,
        };
        if let Some(user) = users.get_mut(&row.user_id) {
            user.contact_methods.push(method);
        }
    }
    Ok(())
}

/// Notification profiles, then their steps in order.
fn notification_profiles(
    users: &mut HashMap<i64, User>,
    profiles: Vec<NotificationProfileRow>,
    mut steps: Vec<NotificationStepRow>,
    names: &Names,
) -> Result<(), StoreError> {
    for row in profiles {
        let at = At {
            table: NotificationProfileRow::TABLE,
            kind: ObjectKind::User,
            name: names.user(row.user_id)?,
        };
        let priority = at.parse(&row.priority, "priority", Priority::parse)?;
        if let Some(user) = users.get_mut(&row.user_id) {
            user.notification_profiles.insert(priority, Vec::new());
        }
    }
    steps.sort_unstable_by(|a, b| {
        (a.user_id, &a.priority, a.position).cmp(&(b.user_id, &b.priority, b.position))
    });
    for row in steps {
        let at = At {
            table: NotificationStepRow::TABLE,
            kind: ObjectKind::User,
            name: names.user(row.user_id)?,
        };
        let priority = at.parse(&row.priority, "priority", Priority::parse)?;
        let step = ProfileStep {
            method: MethodKey {
                channel: at.parse(&row.channel, "channel", Channel::parse)?,
                label: at.parse(&row.label, "label", Label::parse)?,
                variant: at.variant(&row.variant)?,
            },
            wait_minutes: at.count(row.wait_minutes, "a wait of")?,
            repeat: at.count(row.repeat_count, "a repeat count of")?,
        };
        if let Some(user) = users.get_mut(&row.user_id) {
            user.notification_profiles
                .entry(priority)
                .or_default()
                .push(step);
        }
    }
    Ok(())
}

/// Out-of-office windows and their per-group covers, sorted by start.
fn out_of_office(
    users: &mut HashMap<i64, User>,
    rows: Vec<OofWindowRow>,
    covers: Vec<GroupCoverRow>,
    names: &Names,
) -> Result<(), StoreError> {
    let mut windows: BTreeMap<(i64, DateTime<Utc>), OofWindow> = BTreeMap::new();
    for row in rows {
        let cover = match row.cover_user_id {
            Some(id) => Cover::AllGroups(names.user(id)?.to_string()),
            None => Cover::PerGroup(BTreeMap::new()),
        };
        let window = OofWindow {
            from: row.starts_at.0,
            until: row.ends_at.0,
            cover,
            note: row.note,
        };
        windows.insert((row.user_id, row.starts_at.0), window);
    }
    for row in covers {
        let group = names.group(row.group_id)?.to_string();
        let cover = names.user(row.cover_user_id)?.to_string();
        if let Some(OofWindow {
            cover: Cover::PerGroup(map),
            ..
        }) = windows.get_mut(&(row.user_id, row.starts_at.0))
        {
            map.insert(group, cover);
        }
    }
    // In (user, start) order: each user's windows arrive sorted.
    for ((user, _), window) in windows {
        if let Some(user) = users.get_mut(&user) {
            user.out_of_office.push(window);
        }
    }
    Ok(())
}

/// What the platform owns: devices, verification, invitations, sign-ins,
/// tokens, integrations and shifts.
async fn platform<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    snapshot: &mut LiveSnapshot,
    names: &Names,
) -> Result<(), StoreError> {
    let platform = &mut snapshot.platform;
    let sign_ins: Vec<WithId<SignInRow>> = start(
        conn,
        &WithId::<SignInRow>::columns(),
        "users WHERE last_login_at IS NOT NULL",
    )
    .await?
    .rows()
    .await?;
    for WithId { id, row } in sign_ins {
        let user = names.user(id)?.to_string();
        platform.last_login.insert(user, row.last_login_at.0);
    }
    let mut devices = start_with_ids::<DB, PushMethodRow>(conn)
        .await?
        .rows()
        .await?;
    devices.sort_unstable_by_key(|d| d.id);
    for WithId { row, .. } in devices {
        let method = PushMethod {
            device: row.device,
            registered_at: row.registered_at.0,
        };
        let user = names.user(row.user_id)?.to_string();
        platform.push_methods.entry(user).or_default().push(method);
    }
    for row in rows::<DB, VerificationRow>(conn).await? {
        let user = names.user(row.user_id)?.to_string();
        let at = At {
            table: VerificationRow::TABLE,
            kind: ObjectKind::User,
            name: &user,
        };
        let channel = at.parse(&row.channel, "channel", Channel::parse)?;
        let verification = Verification {
            state: at.parse(&row.state, "verification state", VerificationState::parse)?,
            checked_at: row.checked_at.0,
        };
        let value = canonical_value(channel, row.value);
        platform
            .verifications
            .insert((user, channel, value), verification);
    }
    for row in rows::<DB, InvitationRow>(conn).await? {
        let invitation = Invitation {
            sent_at: row.sent_at.0,
            expires_at: row.expires_at.0,
            accepted_at: row.accepted_at.map(|a| a.0),
        };
        let user = names.user(row.user_id)?.to_string();
        platform.invitations.insert(user, invitation);
    }
    let mut tokens = start_with_ids::<DB, ApiTokenRow>(conn)
        .await?
        .rows()
        .await?;
    tokens.sort_unstable_by_key(|t| t.id);
    for WithId { row, .. } in tokens {
        let token = ApiToken {
            name: row.name,
            created_at: row.created_at.0,
        };
        let user = names.user(row.user_id)?.to_string();
        platform.api_tokens.entry(user).or_default().push(token);
    }
    platform.integrations = rows::<DB, IntegrationRow>(conn)
        .await?
        .into_iter()
        .map(|i| (i.name, i.kind))
        .collect();
    for row in rows::<DB, ShiftRow>(conn).await? {
        platform.shifts.push(Shift {
            starts_at: row.starts_at.0,
            ends_at: row.ends_at.0,
            group: names.group(row.group_id)?.to_string(),
            user: names.user(row.user_id)?.to_string(),
        });
    }
    platform.shifts.sort();
    Ok(())
}

/// Roster's bookkeeping: fingerprints, and the bodies when asked for.
async fn managed<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    bodies: bool,
) -> Result<BTreeMap<ObjectKey, ManagedRecord>, StoreError> {
    let kind = |text: &str, name: &str| {
        ObjectKind::parse(text).ok_or_else(|| {
            corrupt(format!(
                "`{}` records `{name}` as a `{text}`, a kind of object roster does not know",
                ManagedRow::TABLE
            ))
        })
    };
    let mut objects = BTreeMap::new();
    if bodies {
        for row in rows::<DB, ManagedRow>(conn).await? {
            let key = ObjectKey::new(kind(&row.kind, &row.name)?, row.name);
            let record = ManagedRecord::new(row.fingerprint, Some(row.body));
            objects.insert(key, record);
        }
    } else {
        for row in rows::<DB, ManagedFingerprintRow>(conn).await? {
            let key = ObjectKey::new(kind(&row.kind, &row.name)?, row.name);
            let record = ManagedRecord::new(row.fingerprint, None);
            objects.insert(key, record);
        }
    }
    Ok(objects)
}

/// The self-service fields the last apply recorded.
fn self_service(rows: Vec<SettingRow>) -> Result<BTreeSet<SelfServiceField>, StoreError> {
    let Some(row) = rows.into_iter().find(|r| r.name == SELF_SERVICE) else {
        return Ok(BTreeSet::new());
    };
    let names: Vec<String> = serde_json::from_str(&row.value).map_err(|e| {
        corrupt(format!(
            "`{}` holds self-service fields roster cannot read: {e}",
            SettingRow::TABLE
        ))
    })?;
    names
        .iter()
        .map(|n| {
            SelfServiceField::parse(n).ok_or_else(|| {
                corrupt(format!(
                    "`{}` names an unknown self-service field `{n}`",
                    SettingRow::TABLE
                ))
            })
        })
        .collect()
}

/// The setting that holds the self-service fields.
pub(super) const SELF_SERVICE: &str = "self_service";

/// Users keyed by name. Users are large: their names are ordered first,
/// then each user is moved once into the map.
fn by_name(mut users: HashMap<i64, User>) -> BTreeMap<String, User> {
    let mut order: Vec<(String, i64)> = users
        .iter()
        .map(|(id, user)| (user.username.clone(), *id))
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .filter_map(|(name, id)| Some((name, users.remove(&id)?)))
        .collect()
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
                "SELECT name, body FROM {} WHERE kind = {} AND name IN ({})",
                ManagedRow::TABLE,
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
