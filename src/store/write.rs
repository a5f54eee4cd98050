//! Writes a typed change set inside one transaction, in dependency order,
//! with multi-row statements: roles → groups → users → what users own →
//! memberships → owner → deletions → bookkeeping.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::StoreError;
use super::engine::{Bind, Conn, Engine};
use crate::model::directory::{Cover, Group, Role, User};
use crate::model::live::ObjectKey;
use crate::model::vocab::{MemberRole, UserStatus};

/// How long an invitation stays valid.
pub const INVITATION_VALIDITY: Duration = Duration::days(7);

/// Everything one apply writes. Names identify objects; the store finds
/// their rows. The planner decides every value here; writing makes no
/// choices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// The present: new rows' timestamps, and the line between past
    /// out-of-office windows (kept) and the rest (rewritten).
    pub now: DateTime<Utc>,
    /// Custom roles to create or update.
    pub put_roles: Vec<Role>,
    /// Groups to create or update, with their full membership.
    pub put_groups: Vec<Group>,
    /// Users to create, with the status to create them in (`invited` gets
    /// an invitation, as the platform's "Add User" does).
    pub create_users: Vec<User>,
    /// Users to update.
    pub update_users: Vec<UserUpdate>,
    /// The account owner, when it changes.
    pub owner: Option<Option<String>>,
    /// Usernames to delete.
    pub delete_users: Vec<String>,
    /// Groups to delete.
    pub delete_groups: Vec<String>,
    /// Custom roles to delete.
    pub delete_roles: Vec<String>,
    /// Last-applied forms to record: key, fingerprint, canonical JSON.
    pub record: Vec<(ObjectKey, String, String)>,
    /// Objects roster no longer manages.
    pub forget: Vec<ObjectKey>,
}

/// One user to update.
#[derive(Debug, Clone, PartialEq)]
pub struct UserUpdate {
    /// The username the row has now (differs from `user.username` on a rename).
    pub live_username: String,
    /// Every field as it is to be.
    pub user: User,
    /// A replace: the row keeps its id, everything the platform recorded for
    /// the old user (push devices, tokens, verification, sign-ins) is
    /// dropped, and a new invitation is sent.
    pub replace: bool,
}

impl ChangeSet {
    /// How many rows writing this inserts: the length of an apply's
    /// progress bar.
    pub fn rows(&self) -> u64 {
        let now = self.now;
        let user_rows = |u: &User| {
            let windows: Vec<_> = current(u, now).collect();
            let covers: usize = windows
                .iter()
                .map(|w| match &w.cover {
                    Cover::PerGroup(map) => map.len(),
                    Cover::AllGroups(_) => 0,
                })
                .sum();
            1 + u.roles.len()
                + u.reminders.groups.len()
                + u.muted_integrations.len()
                + u.contact_methods.len()
                + u.notification_profiles.len()
                + u.notification_profiles
                    .values()
                    .map(Vec::len)
                    .sum::<usize>()
                + windows.len()
                + covers
        };
        let users: usize = self
            .create_users
            .iter()
            .chain(self.update_users.iter().map(|u| &u.user))
            .map(user_rows)
            .sum();
        let invited = self
            .create_users
            .iter()
            .chain(
                self.update_users
                    .iter()
                    .filter(|u| u.replace)
                    .map(|u| &u.user),
            )
            .filter(|u| u.status == UserStatus::Invited)
            .count();
        let roles: usize = self.put_roles.iter().map(|r| 1 + r.permissions.len()).sum();
        let groups: usize = self.put_groups.iter().map(|g| 2 + g.members.len()).sum();
        (users + invited + roles + groups + self.record.len()) as u64
    }

    /// Whether nothing is to be written (bookkeeping aside).
    pub fn is_empty(&self) -> bool {
        self.put_roles.is_empty()
            && self.put_groups.is_empty()
            && self.create_users.is_empty()
            && self.update_users.is_empty()
            && self.owner.is_none()
            && self.delete_users.is_empty()
            && self.delete_groups.is_empty()
            && self.delete_roles.is_empty()
    }
}

pub(super) async fn write<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    changes: &ChangeSet,
) -> Result<(), StoreError> {
    let failed = StoreError::query("writing changes");
    let now = changes.now;

    // Custom roles and their permissions.
    if !changes.put_roles.is_empty() {
        let rows = changes
            .put_roles
            .iter()
            .map(|r| {
                vec![
                    Bind::Text(r.name.clone()),
                    Bind::OptText(r.description.clone()),
                    Bind::Flag(false),
                ]
            })
            .collect();
        conn.insert_rows(
            "roles",
            &["name", "description", "builtin"],
            rows,
            " ON CONFLICT (name) DO UPDATE SET description = excluded.description",
        )
        .await
        .map_err(&failed)?;
    }
    let role_ids = ids(conn, "SELECT id, name FROM roles")
        .await
        .map_err(&failed)?;
    if !changes.put_roles.is_empty() {
        let targets: Vec<i64> = changes
            .put_roles
            .iter()
            .map(|r| role_ids[&r.name])
            .collect();
        delete_where_in(conn, "role_permissions", "role_id", &targets)
            .await
            .map_err(&failed)?;
        let rows = changes
            .put_roles
            .iter()
            .flat_map(|r| {
                r.permissions
                    .iter()
                    .map(|p| vec![Bind::Int(role_ids[&r.name]), Bind::Text(p.as_str().into())])
            })
            .collect();
        conn.insert_rows("role_permissions", &["role_id", "permission"], rows, "")
            .await
            .map_err(&failed)?;
    }

    // Group rows (memberships come once the users exist).
    if !changes.put_groups.is_empty() {
        let rows = changes
            .put_groups
            .iter()
            .map(|g| {
                vec![
                    Bind::Text(g.name.clone()),
                    Bind::OptText(g.description.clone()),
                ]
            })
            .collect();
        conn.insert_rows(
            "groups",
            &["name", "description"],
            rows,
            " ON CONFLICT (name) DO UPDATE SET description = excluded.description",
        )
        .await
        .map_err(&failed)?;
    }
    let group_ids = ids(conn, "SELECT id, name FROM groups")
        .await
        .map_err(&failed)?;

    // User rows: new ones, then updates (renames included) by id.
    if !changes.create_users.is_empty() {
        let rows = changes
            .create_users
            .iter()
            .map(|u| user_row(None, u, now))
            .collect();
        conn.insert_rows("users", USER_COLUMNS, rows, "")
            .await
            .map_err(&failed)?;
    }
    let mut user_ids = ids(conn, "SELECT id, username FROM users")
        .await
        .map_err(&failed)?;
    if !changes.update_users.is_empty() {
        let mut columns = vec!["id"];
        columns.extend_from_slice(USER_COLUMNS);
        let rows = changes
            .update_users
            .iter()
            .map(|u| user_row(Some(user_ids[&u.live_username]), &u.user, now))
            .collect();
        let assignments: Vec<String> = USER_COLUMNS
            .iter()
            .filter(|c| **c != "created_at")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let suffix = format!(" ON CONFLICT (id) DO UPDATE SET {}", assignments.join(", "));
        conn.insert_rows("users", &columns, rows, &suffix)
            .await
            .map_err(&failed)?;
        for update in &changes.update_users {
            if update.live_username != update.user.username {
                let id = user_ids.remove(&update.live_username).unwrap_or_default();
                user_ids.insert(update.user.username.clone(), id);
            }
        }
    }

    // A replace keeps the row but not what the platform knew of the old user.
    let replaced: Vec<i64> = changes
        .update_users
        .iter()
        .filter(|u| u.replace)
        .map(|u| user_ids[&u.user.username])
        .collect();
    if !replaced.is_empty() {
        for table in [
            "push_methods",
            "api_tokens",
            "contact_verifications",
            "invitations",
        ] {
            delete_where_in(conn, table, "user_id", &replaced)
                .await
                .map_err(&failed)?;
        }
        let mut sql = format!(
            "UPDATE users SET last_login_at = NULL, created_at = {} WHERE ",
            DB::placeholder(1)
        );
        sql.push_str(&Conn::<DB>::in_list("id", replaced.len(), 1));
        let mut binds = vec![Bind::Time(now)];
        binds.extend(replaced.iter().map(|id| Bind::Int(*id)));
        conn.run(sql, binds).await.map_err(&failed)?;
    }

    // Invitations for users who are now `invited` without a pending one.
    let invite: Vec<i64> = changes
        .create_users
        .iter()
        .chain(
            changes
                .update_users
                .iter()
                .filter(|u| u.replace)
                .map(|u| &u.user),
        )
        .filter(|u| u.status == UserStatus::Invited)
        .map(|u| user_ids[&u.username])
        .collect();
    let rows = invite
        .iter()
        .map(|id| {
            vec![
                Bind::Int(*id),
                Bind::Time(now),
                Bind::Time(now + INVITATION_VALIDITY),
                Bind::OptTime(None),
            ]
        })
        .collect();
    conn.insert_rows(
        "invitations",
        &["user_id", "sent_at", "expires_at", "accepted_at"],
        rows,
        "",
    )
    .await
    .map_err(&failed)?;

    // What users own: rewritten whole for every created or updated user.
    let touched: Vec<&User> = changes
        .create_users
        .iter()
        .chain(changes.update_users.iter().map(|u| &u.user))
        .collect();
    if !touched.is_empty() {
        let targets: Vec<i64> = touched.iter().map(|u| user_ids[&u.username]).collect();
        write_user_children(
            conn, &touched, &targets, &user_ids, &role_ids, &group_ids, now,
        )
        .await
        .map_err(&failed)?;
    }

    // Memberships of the groups written.
    if !changes.put_groups.is_empty() {
        let targets: Vec<i64> = changes
            .put_groups
            .iter()
            .map(|g| group_ids[&g.name])
            .collect();
        delete_where_in(conn, "group_members", "group_id", &targets)
            .await
            .map_err(&failed)?;
        let rows = changes
            .put_groups
            .iter()
            .flat_map(|g| {
                g.members.iter().map(|(user, roles)| {
                    vec![
                        Bind::Int(group_ids[&g.name]),
                        Bind::Int(user_ids[user]),
                        Bind::Flag(roles.contains(&MemberRole::Primary)),
                        Bind::Flag(roles.contains(&MemberRole::Secondary)),
                        Bind::Flag(roles.contains(&MemberRole::Manager)),
                    ]
                })
            })
            .collect();
        conn.insert_rows(
            "group_members",
            &[
                "group_id",
                "user_id",
                "is_primary",
                "is_secondary",
                "is_manager",
            ],
            rows,
            "",
        )
        .await
        .map_err(&failed)?;
    }

    if let Some(owner) = &changes.owner {
        let sql = format!(
            "UPDATE account SET owner_user_id = {} WHERE id = 1",
            DB::placeholder(1)
        );
        conn.run(sql, vec![Bind::OptInt(owner.as_ref().map(|o| user_ids[o]))])
            .await
            .map_err(&failed)?;
    }

    // Deletions last, once nothing written above points at them.
    let doomed: Vec<i64> = changes.delete_users.iter().map(|u| user_ids[u]).collect();
    delete_where_in(conn, "users", "id", &doomed)
        .await
        .map_err(&failed)?;
    let doomed: Vec<i64> = changes.delete_groups.iter().map(|g| group_ids[g]).collect();
    delete_where_in(conn, "groups", "id", &doomed)
        .await
        .map_err(&failed)?;
    let doomed: Vec<i64> = changes.delete_roles.iter().map(|r| role_ids[r]).collect();
    delete_where_in(conn, "roles", "id", &doomed)
        .await
        .map_err(&failed)?;

    // Bookkeeping.
    let rows = changes
        .record
        .iter()
        .map(|(key, fingerprint, body)| {
            vec![
                Bind::Text(key.kind.as_str().into()),
                Bind::Text(key.name.clone()),
                Bind::Text(fingerprint.clone()),
                Bind::Text(body.clone()),
            ]
        })
        .collect();
    conn.insert_rows(
        "roster_managed",
        &["kind", "name", "fingerprint", "body"],
        rows,
        " ON CONFLICT (kind, name) DO UPDATE SET fingerprint = excluded.fingerprint, body = excluded.body",
    )
    .await
    .map_err(&failed)?;
    for chunk in changes.forget.chunks(DB::MAX_PARAMS / 2) {
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
            "DELETE FROM roster_managed WHERE {}",
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
        conn.run(sql, binds).await.map_err(&failed)?;
    }
    Ok(())
}

const USER_COLUMNS: &[&str] = &[
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
    "created_at",
];

fn user_row(id: Option<i64>, user: &User, now: DateTime<Utc>) -> Vec<Bind> {
    let mut row = Vec::with_capacity(USER_COLUMNS.len() + 1);
    if let Some(id) = id {
        row.push(Bind::Int(id));
    }
    row.extend([
        Bind::Text(user.username.clone()),
        Bind::Text(user.email.clone()),
        Bind::Text(user.first_name.clone()),
        Bind::Text(user.last_name.clone()),
        Bind::Text(user.user_type.as_str().into()),
        Bind::Text(user.status.as_str().into()),
        Bind::OptText(user.time_zone.clone()),
        Bind::OptText(user.locale.clone()),
        Bind::Text(user.language.as_str().into()),
        Bind::OptText(user.external_id.clone()),
        Bind::Flag(user.protected),
        Bind::Text(user.preferences.home_page.as_str().into()),
        Bind::Text(user.preferences.theme.as_str().into()),
        Bind::Text(user.preferences.digest.as_str().into()),
        Bind::Flag(user.reminders.email),
        Bind::Flag(user.reminders.push),
        Bind::Int(i64::from(user.reminders.lead_minutes)),
        // Only used when the row is new.
        Bind::Time(now),
    ]);
    row
}

/// Rewrites grants, reminder groups, mutes, contact methods, notification
/// profiles and current out-of-office windows of `users` (whose row ids are
/// `targets`). Windows already over are history and stay as they are.
async fn write_user_children<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    users: &[&User],
    targets: &[i64],
    user_ids: &HashMap<String, i64>,
    role_ids: &HashMap<String, i64>,
    group_ids: &HashMap<String, i64>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for table in [
        "user_roles",
        "user_reminder_groups",
        "user_muted_integrations",
        "contact_methods",
        "notification_profiles",
    ] {
        delete_where_in(conn, table, "user_id", targets).await?;
    }
    for chunk in targets.chunks(DB::MAX_PARAMS - 1) {
        let sql = format!(
            "DELETE FROM oof_windows WHERE ends_at > {} AND {}",
            DB::placeholder(1),
            Conn::<DB>::in_list("user_id", chunk.len(), 1)
        );
        let mut binds = vec![Bind::Time(now)];
        binds.extend(chunk.iter().map(|id| Bind::Int(*id)));
        conn.run(sql, binds).await?;
    }

    let id = |u: &User| user_ids[&u.username];
    let rows = users
        .iter()
        .flat_map(|u| {
            u.roles
                .iter()
                .map(move |r| vec![Bind::Int(id(u)), Bind::Int(role_ids[r])])
        })
        .collect();
    conn.insert_rows("user_roles", &["user_id", "role_id"], rows, "")
        .await?;

    let rows = users
        .iter()
        .flat_map(|u| {
            u.reminders
                .groups
                .iter()
                .map(move |g| vec![Bind::Int(id(u)), Bind::Int(group_ids[g])])
        })
        .collect();
    conn.insert_rows("user_reminder_groups", &["user_id", "group_id"], rows, "")
        .await?;

    let rows = users
        .iter()
        .flat_map(|u| {
            u.muted_integrations
                .iter()
                .map(move |i| vec![Bind::Int(id(u)), Bind::Text(i.clone())])
        })
        .collect();
    conn.insert_rows(
        "user_muted_integrations",
        &["user_id", "integration"],
        rows,
        "",
    )
    .await?;

    let rows = users
        .iter()
        .flat_map(|u| {
            u.contact_methods
                .iter()
                .enumerate()
                .map(move |(position, m)| {
                    let hours = m.active_hours.as_ref();
                    vec![
                        Bind::Int(id(u)),
                        Bind::Int(position as i64),
                        Bind::Text(m.channel.as_str().into()),
                        Bind::Text(m.label.as_str().into()),
                        Bind::Text(m.variant.map_or("", |v| v.as_str()).into()),
                        Bind::Text(m.value.clone()),
                        Bind::Int(i64::from(m.wait_minutes)),
                        Bind::OptInt(m.retry.map(|r| i64::from(r.count))),
                        Bind::OptInt(m.retry.map(|r| i64::from(r.interval_minutes))),
                        Bind::OptText(hours.map(|h| {
                            h.days
                                .iter()
                                .map(|d| d.as_str())
                                .collect::<Vec<_>>()
                                .join(",")
                        })),
                        Bind::OptText(hours.map(|h| h.from.clone())),
                        Bind::OptText(hours.map(|h| h.to.clone())),
                        Bind::Flag(m.enabled),
                    ]
                })
        })
        .collect();
    conn.insert_rows(
        "contact_methods",
        &[
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
        ],
        rows,
        "",
    )
    .await?;

    let rows = users
        .iter()
        .flat_map(|u| {
            u.notification_profiles
                .keys()
                .map(move |p| vec![Bind::Int(id(u)), Bind::Text(p.as_str().into())])
        })
        .collect();
    conn.insert_rows("notification_profiles", &["user_id", "priority"], rows, "")
        .await?;
    let rows = users
        .iter()
        .flat_map(|u| {
            u.notification_profiles
                .iter()
                .flat_map(move |(priority, steps)| {
                    steps.iter().enumerate().map(move |(position, step)| {
                        vec![
                            Bind::Int(id(u)),
                            Bind::Text(priority.as_str().into()),
                            Bind::Int(position as i64),
                            Bind::Text(step.method.channel.as_str().into()),
                            Bind::Text(step.method.label.as_str().into()),
                            Bind::Text(step.method.variant.map_or("", |v| v.as_str()).into()),
                            Bind::Int(i64::from(step.wait_minutes)),
                            Bind::Int(i64::from(step.repeat)),
                        ]
                    })
                })
        })
        .collect();
    conn.insert_rows(
        "notification_steps",
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
        rows,
        "",
    )
    .await?;

    let rows = users
        .iter()
        .flat_map(|u| {
            current(u, now).map(move |w| {
                let cover = match &w.cover {
                    Cover::AllGroups(c) => Some(user_ids[c]),
                    Cover::PerGroup(_) => None,
                };
                vec![
                    Bind::Int(id(u)),
                    Bind::Time(w.from),
                    Bind::Time(w.until),
                    Bind::OptInt(cover),
                    Bind::OptText(w.note.clone()),
                ]
            })
        })
        .collect();
    conn.insert_rows(
        "oof_windows",
        &["user_id", "starts_at", "ends_at", "cover_user_id", "note"],
        rows,
        "",
    )
    .await?;
    let rows = users
        .iter()
        .flat_map(|u| {
            current(u, now).flat_map(move |w| {
                let covers = match &w.cover {
                    Cover::PerGroup(map) => map.iter().collect(),
                    Cover::AllGroups(_) => Vec::new(),
                };
                covers.into_iter().map(move |(group, cover)| {
                    vec![
                        Bind::Int(id(u)),
                        Bind::Time(w.from),
                        Bind::Int(group_ids[group]),
                        Bind::Int(user_ids[cover]),
                    ]
                })
            })
        })
        .collect();
    conn.insert_rows(
        "oof_group_covers",
        &["user_id", "starts_at", "group_id", "cover_user_id"],
        rows,
        "",
    )
    .await?;
    Ok(())
}

/// `DELETE FROM table WHERE column IN (…)`, chunked.
async fn delete_where_in<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    table: &str,
    column: &str,
    values: &[i64],
) -> Result<(), sqlx::Error> {
    for chunk in values.chunks(DB::MAX_PARAMS) {
        let sql = format!(
            "DELETE FROM {table} WHERE {}",
            Conn::<DB>::in_list(column, chunk.len(), 0)
        );
        conn.run(sql, chunk.iter().map(|v| Bind::Int(*v)).collect())
            .await?;
    }
    Ok(())
}

/// Name → id of every row of a two-column `SELECT id, name` query.
async fn ids<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    sql: &'static str,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut map = HashMap::new();
    conn.each_row(sql, Vec::new(), |row| {
        map.insert(DB::text(row, 1)?, DB::int(row, 0)?);
        Ok(())
    })
    .await?;
    Ok(map)
}

/// A user's out-of-office windows that are not over yet.
fn current(
    user: &User,
    now: DateTime<Utc>,
) -> impl Iterator<Item = &crate::model::directory::OofWindow> {
    user.out_of_office.iter().filter(move |w| !w.is_past(now))
}
