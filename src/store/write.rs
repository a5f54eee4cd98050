//! Writes a [`ChangeSet`] inside the caller's transaction, table by table,
//! in dependency order, with multi-row statements: roles → groups → users
//! → the platform records a replace drops → invitations → what users own
//! → memberships → owner → deletions → bookkeeping.
//!
//! Writing makes no choices: every value comes from the change set, and a
//! name that does not resolve to a row is an error naming the object.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::StoreError;
use super::change_set::{ChangeSet, InvitationGrant, Record};
use super::engine::{Bind, Conn, Engine};
use super::tables::{
    ContactMethodRow, Flag, GroupCoverRow, GroupRow, InvitationRow, ManagedRow, MemberRow,
    MutedIntegrationRow, NotificationProfileRow, NotificationStepRow, OofWindowRow,
    ReminderGroupRow, RolePermissionRow, RoleRow, Row, SettingRow, Stamp, UserRoleRow, UserRow,
};
use crate::model::directory::{Cover, Group, Role, User};
use crate::model::live::{ObjectKey, ObjectKind};
use crate::model::vocab::MemberRole;

const WRITING: &str = "writing changes";

/// Row ids by name, as the database has them during the write.
#[derive(Debug, Default)]
struct Ids {
    roles: HashMap<String, i64>,
    groups: HashMap<String, i64>,
    users: HashMap<String, i64>,
}

impl Ids {
    fn find(map: &HashMap<String, i64>, kind: ObjectKind, name: &str) -> Result<i64, StoreError> {
        map.get(name).copied().ok_or_else(|| StoreError::Missing {
            object: ObjectKey::new(kind, name),
        })
    }

    fn role(&self, name: &str) -> Result<i64, StoreError> {
        Ids::find(&self.roles, ObjectKind::Role, name)
    }

    fn group(&self, name: &str) -> Result<i64, StoreError> {
        Ids::find(&self.groups, ObjectKind::Group, name)
    }

    fn user(&self, name: &str) -> Result<i64, StoreError> {
        Ids::find(&self.users, ObjectKind::User, name)
    }
}

pub(super) async fn write<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    changes: &ChangeSet,
) -> Result<(), StoreError> {
    let stage = |name| crate::timing::Stage::start(name);
    let mut ids = Ids::default();
    let s = stage("write: roles and groups");
    write_roles(conn, &changes.put_roles, &mut ids).await?;
    write_group_rows(conn, &changes.put_groups, &mut ids).await?;
    drop(s);
    let s = stage("write: users");
    write_user_rows(conn, changes, &mut ids).await?;
    discard_platform_records(conn, &changes.discard_platform, &ids, changes.now).await?;
    send_invitations(conn, &changes.invitations, &ids, changes.now).await?;
    drop(s);
    let touched: Vec<&User> = changes
        .create_users
        .iter()
        .chain(changes.update_users.iter().map(|u| &u.user))
        .collect();
    let s = stage("write: contact methods and grants");
    write_user_lists(conn, &touched, &ids).await?;
    drop(s);
    let s = stage("write: memberships");
    write_memberships(conn, &changes.put_groups, &ids).await?;
    if let Some(owner) = &changes.owner {
        write_owner(conn, owner.as_deref(), &ids).await?;
    }
    drop(s);
    let s = stage("write: deletes");
    delete_objects(conn, changes, &ids).await?;
    drop(s);
    let s = stage("write: last applied");
    record(conn, &changes.record).await?;
    forget(conn, &changes.forget).await?;
    drop(s);
    if let Some(fields) = &changes.self_service {
        write_self_service(conn, fields).await?;
    }
    Ok(())
}

async fn write_self_service<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    fields: &std::collections::BTreeSet<crate::model::vocab::SelfServiceField>,
) -> Result<(), StoreError> {
    let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
    let row = SettingRow {
        name: super::load::SELF_SERVICE.into(),
        value: serde_json::to_string(&names).expect("names serialize"),
    };
    insert(
        conn,
        SettingRow::TABLE,
        SettingRow::COLUMNS,
        vec![row.binds()],
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .await
}

/// Custom roles and their permissions; reads every role's id.
async fn write_roles<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    roles: &[Role],
    ids: &mut Ids,
) -> Result<(), StoreError> {
    let rows = roles
        .iter()
        .map(|r| {
            RoleRow {
                name: r.name.clone(),
                description: r.description.clone(),
                builtin: Flag(false),
            }
            .binds()
        })
        .collect();
    insert(
        conn,
        RoleRow::TABLE,
        RoleRow::COLUMNS,
        rows,
        " ON CONFLICT (name) DO UPDATE SET description = excluded.description",
    )
    .await?;
    ids.roles = names_to_ids(conn, "roles", "name").await?;
    let targets = roles
        .iter()
        .map(|r| ids.role(&r.name))
        .collect::<Result<Vec<_>, _>>()?;
    delete_where_in(conn, RolePermissionRow::TABLE, "role_id", &targets).await?;
    let mut rows = Vec::new();
    for (role, id) in roles.iter().zip(&targets) {
        rows.extend(role.permissions.iter().map(|p| {
            RolePermissionRow {
                role_id: *id,
                permission: p.as_str().into(),
            }
            .binds()
        }));
    }
    insert(
        conn,
        RolePermissionRow::TABLE,
        RolePermissionRow::COLUMNS,
        rows,
        "",
    )
    .await
}

/// Group rows (memberships come once the users exist); reads every
/// group's id.
async fn write_group_rows<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    groups: &[Group],
    ids: &mut Ids,
) -> Result<(), StoreError> {
    let rows = groups
        .iter()
        .map(|g| {
            GroupRow {
                name: g.name.clone(),
                description: g.description.clone(),
            }
            .binds()
        })
        .collect();
    insert(
        conn,
        GroupRow::TABLE,
        GroupRow::COLUMNS,
        rows,
        " ON CONFLICT (name) DO UPDATE SET description = excluded.description",
    )
    .await?;
    ids.groups = names_to_ids(conn, "groups", "name").await?;
    Ok(())
}

/// A user's own columns.
fn user_row(user: &User) -> UserRow {
    UserRow {
        username: user.username.clone(),
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        user_type: user.user_type.as_str().into(),
        status: user.status.as_str().into(),
        time_zone: user.time_zone.clone(),
        locale: user.locale.clone(),
        language: user.language.as_str().into(),
        external_id: user.external_id.clone(),
        protected: Flag(user.protected),
        home_page: user.preferences.home_page.as_str().into(),
        theme: user.preferences.theme.as_str().into(),
        digest: user.preferences.digest.as_str().into(),
        remind_email: Flag(user.reminders.email),
        remind_push: Flag(user.reminders.push),
        remind_lead_minutes: i64::from(user.reminders.lead_minutes),
    }
}

/// New user rows (created now), then updated ones by id, renames
/// included; reads every user's id.
async fn write_user_rows<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    changes: &ChangeSet,
    ids: &mut Ids,
) -> Result<(), StoreError> {
    let mut columns = UserRow::COLUMNS.to_vec();
    columns.push("created_at");
    let rows = changes
        .create_users
        .iter()
        .map(|u| {
            let mut row = user_row(u).binds();
            row.push(Bind::Time(changes.now));
            row
        })
        .collect();
    insert(conn, UserRow::TABLE, &columns, rows, "").await?;
    ids.users = names_to_ids(conn, "users", "username").await?;
    if changes.update_users.is_empty() {
        return Ok(());
    }
    // Users may trade emails or names within one apply (a swap): each
    // updated row first takes a placeholder unique to it, so that no
    // intermediate state holds one value twice.
    let updated = changes
        .update_users
        .iter()
        .map(|u| ids.user(&u.live_username))
        .collect::<Result<Vec<_>, _>>()?;
    for chunk in updated.chunks(DB::MAX_PARAMS) {
        let sql = format!(
            "UPDATE users SET email = 'roster-swap-' || id, username = 'roster-swap-' || id WHERE {}",
            Conn::<DB>::in_list("id", chunk.len(), 0)
        );
        conn.run(sql, chunk.iter().map(|id| Bind::Int(*id)).collect())
            .await
            .map_err(StoreError::query(WRITING))?;
    }
    let mut columns = vec!["id"];
    columns.extend_from_slice(UserRow::COLUMNS);
    columns.push("created_at");
    let mut rows = Vec::with_capacity(changes.update_users.len());
    for update in &changes.update_users {
        let mut row = vec![Bind::Int(ids.user(&update.live_username)?)];
        row.extend(user_row(&update.user).binds());
        // Never written: `id` names an existing row, so only the update
        // half applies; the databases check NOT NULL before they look.
        row.push(Bind::Time(changes.now));
        rows.push(row);
    }
    let assignments: Vec<String> = UserRow::COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let suffix = format!(" ON CONFLICT (id) DO UPDATE SET {}", assignments.join(", "));
    insert(conn, UserRow::TABLE, &columns, rows, &suffix).await?;
    for update in &changes.update_users {
        if update.live_username != update.user.username {
            let id = ids.user(&update.live_username)?;
            ids.users.remove(&update.live_username);
            ids.users.insert(update.user.username.clone(), id);
        }
    }
    Ok(())
}

/// Drops what the platform recorded of recreated accounts.
async fn discard_platform_records<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    usernames: &[String],
    ids: &Ids,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if usernames.is_empty() {
        return Ok(());
    }
    let targets = usernames
        .iter()
        .map(|u| ids.user(u))
        .collect::<Result<Vec<_>, _>>()?;
    for table in [
        "push_methods",
        "api_tokens",
        "contact_verifications",
        "invitations",
    ] {
        delete_where_in(conn, table, "user_id", &targets).await?;
    }
    for chunk in targets.chunks(DB::MAX_PARAMS - 1) {
        let sql = format!(
            "UPDATE users SET last_login_at = NULL, created_at = {} WHERE {}",
            DB::placeholder(1),
            Conn::<DB>::in_list("id", chunk.len(), 1)
        );
        let mut binds = vec![Bind::Time(now)];
        binds.extend(chunk.iter().map(|id| Bind::Int(*id)));
        conn.run(sql, binds)
            .await
            .map_err(StoreError::query(WRITING))?;
    }
    Ok(())
}

async fn send_invitations<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    invitations: &[InvitationGrant],
    ids: &Ids,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(invitations.len());
    for invitation in invitations {
        rows.push(
            InvitationRow {
                user_id: ids.user(&invitation.username)?,
                sent_at: Stamp(now),
                expires_at: Stamp(invitation.expires_at),
                accepted_at: None,
            }
            .binds(),
        );
    }
    insert(
        conn,
        InvitationRow::TABLE,
        InvitationRow::COLUMNS,
        rows,
        // A pending invitation is replaced by the new one.
        " ON CONFLICT (user_id) DO UPDATE SET sent_at = excluded.sent_at, \
         expires_at = excluded.expires_at, accepted_at = excluded.accepted_at",
    )
    .await
}

/// Rewrites grants, reminder groups, mutes, contact methods, notification
/// profiles and out-of-office windows of `users`, each list whole.
async fn write_user_lists<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    users: &[&User],
    ids: &Ids,
) -> Result<(), StoreError> {
    if users.is_empty() {
        return Ok(());
    }
    let targets = users
        .iter()
        .map(|u| ids.user(&u.username))
        .collect::<Result<Vec<_>, _>>()?;
    for table in [
        UserRoleRow::TABLE,
        ReminderGroupRow::TABLE,
        MutedIntegrationRow::TABLE,
        ContactMethodRow::TABLE,
        NotificationProfileRow::TABLE,
        OofWindowRow::TABLE,
    ] {
        delete_where_in(conn, table, "user_id", &targets).await?;
    }
    let mut lists = UserLists::default();
    for (user, &id) in users.iter().zip(&targets) {
        lists.add(user, id, ids)?;
    }
    lists.insert(conn).await
}

/// The rows of the lists users own, gathered for multi-row inserts.
#[derive(Default)]
struct UserLists {
    roles: Vec<Vec<Bind>>,
    reminder_groups: Vec<Vec<Bind>>,
    mutes: Vec<Vec<Bind>>,
    methods: Vec<Vec<Bind>>,
    profiles: Vec<Vec<Bind>>,
    steps: Vec<Vec<Bind>>,
    windows: Vec<Vec<Bind>>,
    covers: Vec<Vec<Bind>>,
}

impl UserLists {
    fn add(&mut self, user: &User, user_id: i64, ids: &Ids) -> Result<(), StoreError> {
        for role in &user.roles {
            let role_id = ids.role(role)?;
            self.roles.push(UserRoleRow { user_id, role_id }.binds());
        }
        for group in &user.reminders.groups {
            let group_id = ids.group(group)?;
            self.reminder_groups
                .push(ReminderGroupRow { user_id, group_id }.binds());
        }
        for integration in &user.muted_integrations {
            let integration = integration.clone();
            self.mutes.push(
                MutedIntegrationRow {
                    user_id,
                    integration,
                }
                .binds(),
            );
        }
        for (position, m) in user.contact_methods.iter().enumerate() {
            let hours = m.active_hours.as_ref();
            let days = hours.map(|h| {
                let days: Vec<&str> = h.days.iter().map(|d| d.as_str()).collect();
                days.join(",")
            });
            let row = ContactMethodRow {
                user_id,
                position: position as i64,
                channel: m.channel.as_str().into(),
                label: m.label.as_str().into(),
                variant: m.variant.map_or("", |v| v.as_str()).into(),
                value: m.value.clone(),
                wait_minutes: i64::from(m.wait_minutes),
                retry_count: m.retry.map(|r| i64::from(r.count)),
                retry_interval_minutes: m.retry.map(|r| i64::from(r.interval_minutes)),
                active_days: days,
                active_from: hours.map(|h| h.from.clone()),
                active_to: hours.map(|h| h.to.clone()),
                enabled: Flag(m.enabled),
            };
            self.methods.push(row.binds());
        }
        for (priority, steps) in &user.notification_profiles {
            let priority_name = priority.as_str().to_string();
            self.profiles.push(
                NotificationProfileRow {
                    user_id,
                    priority: priority_name.clone(),
                }
                .binds(),
            );
            for (position, step) in steps.iter().enumerate() {
                let row = NotificationStepRow {
                    user_id,
                    priority: priority_name.clone(),
                    position: position as i64,
                    channel: step.method.channel.as_str().into(),
                    label: step.method.label.as_str().into(),
                    variant: step.method.variant.map_or("", |v| v.as_str()).into(),
                    wait_minutes: i64::from(step.wait_minutes),
                    repeat_count: i64::from(step.repeat),
                };
                self.steps.push(row.binds());
            }
        }
        for window in &user.out_of_office {
            let cover_user_id = match &window.cover {
                Cover::AllGroups(cover) => Some(ids.user(cover)?),
                Cover::PerGroup(map) => {
                    for (group, cover) in map {
                        let row = GroupCoverRow {
                            user_id,
                            starts_at: Stamp(window.from),
                            group_id: ids.group(group)?,
                            cover_user_id: ids.user(cover)?,
                        };
                        self.covers.push(row.binds());
                    }
                    None
                }
            };
            let row = OofWindowRow {
                user_id,
                starts_at: Stamp(window.from),
                ends_at: Stamp(window.until),
                cover_user_id,
                note: window.note.clone(),
            };
            self.windows.push(row.binds());
        }
        Ok(())
    }

    async fn insert<DB: Engine>(self, conn: &mut Conn<'_, DB>) -> Result<(), StoreError> {
        insert(
            conn,
            UserRoleRow::TABLE,
            UserRoleRow::COLUMNS,
            self.roles,
            "",
        )
        .await?;
        let (table, columns) = (ReminderGroupRow::TABLE, ReminderGroupRow::COLUMNS);
        insert(conn, table, columns, self.reminder_groups, "").await?;
        let (table, columns) = (MutedIntegrationRow::TABLE, MutedIntegrationRow::COLUMNS);
        insert(conn, table, columns, self.mutes, "").await?;
        let (table, columns) = (ContactMethodRow::TABLE, ContactMethodRow::COLUMNS);
        insert(conn, table, columns, self.methods, "").await?;
        let (table, columns) = (
            NotificationProfileRow::TABLE,
            NotificationProfileRow::COLUMNS,
        );
        insert(conn, table, columns, self.profiles, "").await?;
        let (table, columns) = (NotificationStepRow::TABLE, NotificationStepRow::COLUMNS);
        insert(conn, table, columns, self.steps, "").await?;
        let (table, columns) = (OofWindowRow::TABLE, OofWindowRow::COLUMNS);
        insert(conn, table, columns, self.windows, "").await?;
        let (table, columns) = (GroupCoverRow::TABLE, GroupCoverRow::COLUMNS);
        insert(conn, table, columns, self.covers, "").await?;
        Ok(())
    }
}

/// Rewrites the membership of the groups written.
async fn write_memberships<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    groups: &[Group],
    ids: &Ids,
) -> Result<(), StoreError> {
    let targets = groups
        .iter()
        .map(|g| ids.group(&g.name))
        .collect::<Result<Vec<_>, _>>()?;
    delete_where_in(conn, MemberRow::TABLE, "group_id", &targets).await?;
    let mut rows = Vec::new();
    for (group, &group_id) in groups.iter().zip(&targets) {
        for (user, roles) in &group.members {
            let row = MemberRow {
                group_id,
                user_id: ids.user(user)?,
                is_primary: Flag(roles.contains(&MemberRole::Primary)),
                is_secondary: Flag(roles.contains(&MemberRole::Secondary)),
                is_manager: Flag(roles.contains(&MemberRole::Manager)),
            };
            rows.push(row.binds());
        }
    }
    insert(conn, MemberRow::TABLE, MemberRow::COLUMNS, rows, "").await
}

async fn write_owner<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    owner: Option<&str>,
    ids: &Ids,
) -> Result<(), StoreError> {
    let owner_id = owner.map(|o| ids.user(o)).transpose()?;
    let sql = format!(
        "UPDATE account SET owner_user_id = {} WHERE id = 1",
        DB::placeholder(1)
    );
    conn.run(sql, vec![Bind::OptInt(owner_id)])
        .await
        .map_err(StoreError::query(WRITING))?;
    Ok(())
}

/// Deletions last, once nothing written above points at them.
async fn delete_objects<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    changes: &ChangeSet,
    ids: &Ids,
) -> Result<(), StoreError> {
    let users = changes
        .delete_users
        .iter()
        .map(|u| ids.user(u))
        .collect::<Result<Vec<_>, _>>()?;
    delete_where_in(conn, "users", "id", &users).await?;
    let groups = changes
        .delete_groups
        .iter()
        .map(|g| ids.group(g))
        .collect::<Result<Vec<_>, _>>()?;
    delete_where_in(conn, "groups", "id", &groups).await?;
    let roles = changes
        .delete_roles
        .iter()
        .map(|r| ids.role(r))
        .collect::<Result<Vec<_>, _>>()?;
    delete_where_in(conn, "roles", "id", &roles).await
}

async fn record<DB: Engine>(conn: &mut Conn<'_, DB>, records: &[Record]) -> Result<(), StoreError> {
    let rows = records
        .iter()
        .map(|r| {
            ManagedRow {
                kind: r.key.kind.as_str().into(),
                name: r.key.name.clone(),
                fingerprint: r.fingerprint.clone(),
                body: r.body.clone(),
            }
            .binds()
        })
        .collect();
    insert(
        conn,
        ManagedRow::TABLE,
        ManagedRow::COLUMNS,
        rows,
        " ON CONFLICT (kind, name) DO UPDATE SET fingerprint = excluded.fingerprint, body = excluded.body",
    )
    .await
}

async fn forget<DB: Engine>(conn: &mut Conn<'_, DB>, keys: &[ObjectKey]) -> Result<(), StoreError> {
    for chunk in keys.chunks(DB::MAX_PARAMS / 2) {
        let conditions: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(kind = {} AND name = {})",
                    DB::placeholder(2 * i + 1),
                    DB::placeholder(2 * i + 2)
                )
            })
            .collect();
        let sql = format!(
            "DELETE FROM {} WHERE {}",
            ManagedRow::TABLE,
            conditions.join(" OR ")
        );
        let binds = chunk
            .iter()
            .flat_map(|k| {
                [
                    Bind::Text(k.kind.as_str().into()),
                    Bind::Text(k.name.clone()),
                ]
            })
            .collect();
        conn.run(sql, binds)
            .await
            .map_err(StoreError::query(WRITING))?;
    }
    Ok(())
}

/// A multi-row insert, nothing when there are no rows.
async fn insert<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Bind>>,
    suffix: &str,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    conn.insert_rows(table, columns, rows, suffix)
        .await
        .map_err(StoreError::query(WRITING))?;
    Ok(())
}

/// `DELETE FROM table WHERE column IN (…)`, chunked.
async fn delete_where_in<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    table: &str,
    column: &str,
    values: &[i64],
) -> Result<(), StoreError> {
    for chunk in values.chunks(DB::MAX_PARAMS) {
        let sql = format!(
            "DELETE FROM {table} WHERE {}",
            Conn::<DB>::in_list(column, chunk.len(), 0)
        );
        conn.run(sql, chunk.iter().map(|v| Bind::Int(*v)).collect())
            .await
            .map_err(StoreError::query(WRITING))?;
    }
    Ok(())
}

/// Name → id of every row of `table`, read the way the load reads tables
/// (through the driver one row at a time costs several times as much).
async fn names_to_ids<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    table: &str,
    name: &str,
) -> Result<HashMap<String, i64>, StoreError> {
    let table_rows = conn
        .table_rows(&["id", name], table)
        .await
        .map_err(StoreError::query(WRITING))?;
    let rows: Vec<(i64, String)> = table_rows
        .rows()
        .map_err(|error| StoreError::Inconsistent {
            message: format!("{table}: {error}"),
        })?;
    Ok(rows.into_iter().map(|(id, name)| (name, id)).collect())
}
