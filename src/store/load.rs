//! Reads the whole live snapshot: one query per table, whatever the size
//! of the directory, rows streamed into the canonical model.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::StoreError;
use super::engine::{Conn, Engine};
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

/// Reads a vocabulary value, or says which table and column hold a bad one.
fn parse<T>(value: &str, what: &str, parser: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parser(value).ok_or_else(|| corrupt(format!("{what} `{value}`")))
}

fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

/// The row of an out-of-office window before its covers are attached.
struct WindowRow {
    user_id: i64,
    window: OofWindow,
}

pub(super) async fn load<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    bodies: bool,
) -> Result<LiveSnapshot, StoreError> {
    let failed = StoreError::query("loading the live directory");
    let mut snapshot = LiveSnapshot::default();

    // Roles: custom ones become directory roles; built-ins are names only.
    let mut role_names: HashMap<i64, String> = HashMap::new();
    let mut custom: BTreeMap<String, Role> = BTreeMap::new();
    conn.each_row(
        "SELECT id, name, description, builtin FROM roles",
        Vec::new(),
        |row| {
            let name = DB::text(row, 1)?;
            role_names.insert(DB::int(row, 0)?, name.clone());
            if !DB::flag(row, 3)? {
                let role = Role {
                    name: name.clone(),
                    description: DB::opt_text(row, 2)?,
                    permissions: BTreeSet::new(),
                };
                custom.insert(name, role);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT role_id, permission FROM role_permissions",
        Vec::new(),
        |row| {
            let name = role_names
                .get(&DB::int(row, 0)?)
                .cloned()
                .unwrap_or_default();
            let permission = parse(&DB::text(row, 1)?, "permission", Permission::parse)?;
            if let Some(role) = custom.get_mut(&name) {
                role.permissions.insert(permission);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    // Users.
    let mut users: HashMap<i64, User> = HashMap::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    let last_login = &mut snapshot.platform.last_login;
    conn.each_row(
        "SELECT id, username, email, first_name, last_name, user_type, status, time_zone, locale, language, \
         external_id, protected, home_page, theme, digest, remind_email, remind_push, remind_lead_minutes, last_login_at \
         FROM users",
        Vec::new(),
        |row| {
            let id = DB::int(row, 0)?;
            let username = canonical::username(&DB::text(row, 1)?);
            let time_zone = DB::opt_text(row, 7)?
                .map(|z| timezone::canonical(&z).map_or(z, |tz| tz.name().to_string()));
            let user = User {
                username: username.clone(),
                email: canonical::email(&DB::text(row, 2)?),
                first_name: DB::text(row, 3)?,
                last_name: DB::text(row, 4)?,
                user_type: parse(&DB::text(row, 5)?, "user type", UserType::parse)?,
                status: parse(&DB::text(row, 6)?, "user status", UserStatus::parse)?,
                roles: BTreeSet::new(),
                time_zone,
                locale: DB::opt_text(row, 8)?.map(|l| canonical::locale(&l)),
                language: parse(&DB::text(row, 9)?, "language", Language::parse)?,
                external_id: DB::opt_text(row, 10)?,
                protected: DB::flag(row, 11)?,
                preferences: Preferences {
                    home_page: parse(&DB::text(row, 12)?, "home page", HomePage::parse)?,
                    theme: parse(&DB::text(row, 13)?, "theme", Theme::parse)?,
                    digest: parse(&DB::text(row, 14)?, "digest", Digest::parse)?,
                },
                reminders: Reminders {
                    email: DB::flag(row, 15)?,
                    push: DB::flag(row, 16)?,
                    lead_minutes: to_u32(DB::int(row, 17)?)?,
                    groups: BTreeSet::new(),
                },
                muted_integrations: BTreeSet::new(),
                contact_methods: Vec::new(),
                notification_profiles: BTreeMap::new(),
                out_of_office: Vec::new(),
            };
            if let Some(at) = DB::opt_time(row, 18)? {
                last_login.insert(username.clone(), at);
            }
            names.insert(id, username);
            users.insert(id, user);
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    let name_of = |id: i64| {
        names
            .get(&id)
            .cloned()
            .ok_or_else(|| corrupt(format!("user id {id} does not exist")))
    };

    conn.each_row(
        "SELECT user_id, role_id FROM user_roles",
        Vec::new(),
        |row| {
            let role = role_names
                .get(&DB::int(row, 1)?)
                .cloned()
                .unwrap_or_default();
            if let Some(user) = users.get_mut(&DB::int(row, 0)?) {
                user.roles.insert(role);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    // Groups and members.
    let mut groups: HashMap<i64, Group> = HashMap::new();
    conn.each_row(
        "SELECT id, name, description FROM groups",
        Vec::new(),
        |row| {
            let group = Group {
                name: DB::text(row, 1)?,
                description: DB::opt_text(row, 2)?,
                members: BTreeMap::new(),
            };
            groups.insert(DB::int(row, 0)?, group);
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    let group_names: HashMap<i64, String> =
        groups.iter().map(|(id, g)| (*id, g.name.clone())).collect();
    let group_of = |id: i64| {
        group_names
            .get(&id)
            .cloned()
            .ok_or_else(|| corrupt(format!("group id {id} does not exist")))
    };
    conn.each_row(
        "SELECT group_id, user_id, is_primary, is_secondary, is_manager FROM group_members",
        Vec::new(),
        |row| {
            let mut roles = BTreeSet::new();
            for (i, role) in [
                (2, MemberRole::Primary),
                (3, MemberRole::Secondary),
                (4, MemberRole::Manager),
            ] {
                if DB::flag(row, i)? {
                    roles.insert(role);
                }
            }
            let member = name_of(DB::int(row, 1)?)?;
            if let Some(group) = groups.get_mut(&DB::int(row, 0)?) {
                group.members.insert(member, roles);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    conn.each_row(
        "SELECT user_id, group_id FROM user_reminder_groups",
        Vec::new(),
        |row| {
            let group = group_of(DB::int(row, 1)?)?;
            if let Some(user) = users.get_mut(&DB::int(row, 0)?) {
                user.reminders.groups.insert(group);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT user_id, integration FROM user_muted_integrations",
        Vec::new(),
        |row| {
            let integration = DB::text(row, 1)?;
            if let Some(user) = users.get_mut(&DB::int(row, 0)?) {
                user.muted_integrations.insert(integration);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    // Contact methods in notification order.
    conn.each_row(
        "SELECT user_id, channel, label, variant, value, wait_minutes, retry_count, retry_interval_minutes, \
         active_days, active_from, active_to, enabled FROM contact_methods ORDER BY user_id, position",
        Vec::new(),
        |row| {
            let channel = parse(&DB::text(row, 1)?, "channel", Channel::parse)?;
            let value = DB::text(row, 4)?;
            let value = match channel {
                Channel::Email => canonical::email(&value),
                c if c.takes_phone_number() => canonical::phone(&value).unwrap_or(value),
                _ => value,
            };
            let retry = match (DB::opt_int(row, 6)?, DB::opt_int(row, 7)?) {
                (Some(count), Some(interval)) => Some(Retry { count: to_u32(count)?, interval_minutes: to_u32(interval)? }),
                _ => None,
            };
            let active_hours = match (DB::opt_text(row, 8)?, DB::opt_text(row, 9)?, DB::opt_text(row, 10)?) {
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
                label: parse(&DB::text(row, 2)?, "label", Label::parse)?,
                variant: variant(&DB::text(row, 3)?)?,
                value,
                wait_minutes: to_u32(DB::int(row, 5)?)?,
                retry,
                active_hours,
                enabled: DB::flag(row, 11)?,
            };
            if let Some(user) = users.get_mut(&DB::int(row, 0)?) {
                user.contact_methods.push(method);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    // Notification profiles, then their steps in order.
    conn.each_row(
        "SELECT user_id, priority FROM notification_profiles",
        Vec::new(),
        |row| {
            let priority = parse(&DB::text(row, 1)?, "priority", Priority::parse)?;
            if let Some(user) = users.get_mut(&DB::int(row, 0)?) {
                user.notification_profiles.insert(priority, Vec::new());
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT user_id, priority, channel, label, variant, wait_minutes, repeat_count \
         FROM notification_steps ORDER BY user_id, priority, position",
        Vec::new(),
        |row| {
            let priority = parse(&DB::text(row, 1)?, "priority", Priority::parse)?;
            let step = ProfileStep {
                method: MethodKey {
                    channel: parse(&DB::text(row, 2)?, "channel", Channel::parse)?,
                    label: parse(&DB::text(row, 3)?, "label", Label::parse)?,
                    variant: variant(&DB::text(row, 4)?)?,
                },
                wait_minutes: to_u32(DB::int(row, 5)?)?,
                repeat: to_u32(DB::int(row, 6)?)?,
            };
            if let Some(user) = users.get_mut(&DB::int(row, 0)?) {
                user.notification_profiles
                    .entry(priority)
                    .or_default()
                    .push(step);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    // Out-of-office windows and their per-group covers.
    let mut windows: BTreeMap<(i64, chrono::DateTime<chrono::Utc>), WindowRow> = BTreeMap::new();
    conn.each_row(
        "SELECT user_id, starts_at, ends_at, cover_user_id, note FROM oof_windows",
        Vec::new(),
        |row| {
            let user_id = DB::int(row, 0)?;
            let from = DB::time(row, 1)?;
            let cover = match DB::opt_int(row, 3)? {
                Some(id) => Cover::AllGroups(name_of(id)?),
                None => Cover::PerGroup(BTreeMap::new()),
            };
            let window = OofWindow {
                from,
                until: DB::time(row, 2)?,
                cover,
                note: DB::opt_text(row, 4)?,
            };
            windows.insert((user_id, from), WindowRow { user_id, window });
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT user_id, starts_at, group_id, cover_user_id FROM oof_group_covers",
        Vec::new(),
        |row| {
            let key = (DB::int(row, 0)?, DB::time(row, 1)?);
            let group = group_of(DB::int(row, 2)?)?;
            let cover = name_of(DB::int(row, 3)?)?;
            if let Some(WindowRow {
                window:
                    OofWindow {
                        cover: Cover::PerGroup(map),
                        ..
                    },
                ..
            }) = windows.get_mut(&key)
            {
                map.insert(group, cover);
            }
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    for WindowRow { user_id, window } in windows.into_values() {
        if let Some(user) = users.get_mut(&user_id) {
            user.out_of_office.push(window);
        }
    }

    let mut owner = None;
    conn.each_row(
        "SELECT owner_user_id FROM account WHERE id = 1",
        Vec::new(),
        |row| {
            owner = DB::opt_int(row, 0)?.map(&name_of).transpose()?;
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;

    // Platform-owned state.
    let platform = &mut snapshot.platform;
    conn.each_row(
        "SELECT user_id, device, registered_at FROM push_methods ORDER BY id",
        Vec::new(),
        |row| {
            let method = PushMethod {
                device: DB::text(row, 1)?,
                registered_at: DB::time(row, 2)?,
            };
            platform
                .push_methods
                .entry(name_of(DB::int(row, 0)?)?)
                .or_default()
                .push(method);
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT user_id, channel, value, state, checked_at FROM contact_verifications",
        Vec::new(),
        |row| {
            let channel = parse(&DB::text(row, 1)?, "channel", Channel::parse)?;
            let value = DB::text(row, 2)?;
            let value = match channel {
                Channel::Email => canonical::email(&value),
                c if c.takes_phone_number() => canonical::phone(&value).unwrap_or(value),
                _ => value,
            };
            let verification = Verification {
                state: parse(
                    &DB::text(row, 3)?,
                    "verification state",
                    VerificationState::parse,
                )?,
                checked_at: DB::time(row, 4)?,
            };
            platform
                .verifications
                .insert((name_of(DB::int(row, 0)?)?, channel, value), verification);
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT user_id, sent_at, expires_at, accepted_at FROM invitations",
        Vec::new(),
        |row| {
            let invitation = Invitation {
                sent_at: DB::time(row, 1)?,
                expires_at: DB::time(row, 2)?,
                accepted_at: DB::opt_time(row, 3)?,
            };
            platform
                .invitations
                .insert(name_of(DB::int(row, 0)?)?, invitation);
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT user_id, name, created_at FROM api_tokens ORDER BY id",
        Vec::new(),
        |row| {
            let token = ApiToken {
                name: DB::text(row, 1)?,
                created_at: DB::time(row, 2)?,
            };
            platform
                .api_tokens
                .entry(name_of(DB::int(row, 0)?)?)
                .or_default()
                .push(token);
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    conn.each_row("SELECT name, kind FROM integrations", Vec::new(), |row| {
        platform
            .integrations
            .insert(DB::text(row, 0)?, DB::text(row, 1)?);
        Ok(())
    })
    .await
    .map_err(&failed)?;
    conn.each_row(
        "SELECT group_id, user_id, starts_at, ends_at FROM oncall_shifts",
        Vec::new(),
        |row| {
            platform.shifts.push(Shift {
                starts_at: DB::time(row, 2)?,
                ends_at: DB::time(row, 3)?,
                group: group_of(DB::int(row, 0)?)?,
                user: name_of(DB::int(row, 1)?)?,
            });
            Ok(())
        },
    )
    .await
    .map_err(&failed)?;
    platform.shifts.sort();

    // Roster's bookkeeping.
    let sql = if bodies {
        "SELECT kind, name, fingerprint, body FROM roster_managed"
    } else {
        "SELECT kind, name, fingerprint FROM roster_managed"
    };
    let managed = &mut snapshot.managed.objects;
    conn.each_row(sql, Vec::new(), |row| {
        let kind = parse(&DB::text(row, 0)?, "managed kind", ObjectKind::parse)?;
        let record = ManagedRecord {
            fingerprint: DB::text(row, 2)?,
            body: if bodies {
                Some(DB::text(row, 3)?)
            } else {
                None
            },
        };
        managed.insert(ObjectKey::new(kind, DB::text(row, 1)?), record);
        Ok(())
    })
    .await
    .map_err(&failed)?;

    let directory = &mut snapshot.directory;
    directory.owner = owner;
    directory.roles = custom;
    directory.users = users
        .into_values()
        .map(|mut user| {
            user.out_of_office.sort_by_key(|w| (w.from, w.until));
            (user.username.clone(), user)
        })
        .collect();
    directory.groups = groups.into_values().map(|g| (g.name.clone(), g)).collect();
    Ok(snapshot)
}

fn variant(text: &str) -> Result<Option<Variant>, sqlx::Error> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text, "variant", Variant::parse).map(Some)
    }
}

fn to_u32(n: i64) -> Result<u32, sqlx::Error> {
    u32::try_from(n).map_err(|_| corrupt(format!("number {n} out of range")))
}
