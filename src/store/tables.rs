//! The rows roster reads and writes, one named struct per table, each with
//! the one list of columns that loading and writing share.
//!
//! A row struct holds exactly the columns of its table that roster reads
//! or writes, in order; `table!` derives the column list and the
//! parameters of an `INSERT` from the same declaration, so a column can be
//! neither read under one name and written under another nor forgotten on
//! one side. Surrogate ids (`users.id`, `groups.id`, `roles.id`) are read
//! alongside through [`WithId`] and never written.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

use super::engine::Bind;

/// Declares a row struct, its table and its columns (the field names).
macro_rules! table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $table:literal {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl $name {
            /// The row as statement parameters, in column order.
            pub fn binds(self) -> Vec<Bind> {
                vec![$(Bind::from(self.$field)),*]
            }
        }

        impl Row for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn from_seq<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error> {
                let mut index = 0;
                $(
                    let $field: $ty = seq
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(index, &$table))?;
                    index += 1;
                )*
                let _ = index;
                Ok($name { $($field),* })
            }
        }
    };
}

/// A row struct declared with `table!`.
pub trait Row: Sized {
    /// The table.
    const TABLE: &'static str;
    /// The columns.
    const COLUMNS: &'static [&'static str];
    /// Reads the row's columns from a sequence of column values.
    fn from_seq<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error>;
}

/// A row read with its table's surrogate id in front.
#[derive(Debug, Clone, PartialEq)]
pub struct WithId<R> {
    /// The id.
    pub id: i64,
    /// The row.
    pub row: R,
}

impl<R: Row> WithId<R> {
    /// `id` and the row's columns.
    pub fn columns() -> Vec<&'static str> {
        std::iter::once("id")
            .chain(R::COLUMNS.iter().copied())
            .collect()
    }
}

impl<'de, R: Row> Deserialize<'de> for WithId<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<R>(PhantomData<R>);
        impl<'de, R: Row> Visitor<'de> for Visit<R> {
            type Value = WithId<R>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a row of `{}` with its id", R::TABLE)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WithId<R>, A::Error> {
                let id = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let row = R::from_seq(&mut seq)?;
                Ok(WithId { id, row })
            }
        }
        deserializer.deserialize_seq(Visit(PhantomData))
    }
}

/// A boolean column: SQLite's JSON has 0 and 1, PostgreSQL's COPY `t` and `f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl Visitor<'_> for Visit {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Flag, E> {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub DateTime<Utc>);

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
            .map_err(|_| de::Error::custom(format!("`{text}` is not a timestamp")))
    }
}

impl From<i64> for Bind {
    fn from(value: i64) -> Bind {
        Bind::Int(value)
    }
}

impl From<Option<i64>> for Bind {
    fn from(value: Option<i64>) -> Bind {
        Bind::OptInt(value)
    }
}

impl From<String> for Bind {
    fn from(value: String) -> Bind {
        Bind::Text(value)
    }
}

impl From<Option<String>> for Bind {
    fn from(value: Option<String>) -> Bind {
        Bind::OptText(value)
    }
}

impl From<Flag> for Bind {
    fn from(value: Flag) -> Bind {
        Bind::Flag(value.0)
    }
}

impl From<Stamp> for Bind {
    fn from(value: Stamp) -> Bind {
        Bind::Time(value.0)
    }
}

impl From<Option<Stamp>> for Bind {
    fn from(value: Option<Stamp>) -> Bind {
        Bind::OptTime(value.map(|s| s.0))
    }
}

// Roster-managed tables.

table! {
    /// A platform role; built-in ones are names only.
    pub struct RoleRow in "roles" {
        name: String,
        description: Option<String>,
        builtin: Flag,
    }
}

table! {
    /// A permission a custom role grants.
    pub struct RolePermissionRow in "role_permissions" {
        role_id: i64,
        permission: String,
    }
}

table! {
    /// A user's own columns (`created_at` and `last_login_at` are the
    /// platform's: see [`SignInRow`]).
    pub struct UserRow in "users" {
        username: String,
        email: String,
        first_name: String,
        last_name: String,
        user_type: String,
        status: String,
        time_zone: Option<String>,
        locale: Option<String>,
        language: String,
        external_id: Option<String>,
        protected: Flag,
        home_page: String,
        theme: String,
        digest: String,
        remind_email: Flag,
        remind_push: Flag,
        remind_lead_minutes: i64,
    }
}

table! {
    /// When a user last signed in (the platform's column of `users`).
    pub struct SignInRow in "users" {
        last_login_at: Stamp,
    }
}

table! {
    /// A platform role granted to a user.
    pub struct UserRoleRow in "user_roles" {
        user_id: i64,
        role_id: i64,
    }
}

table! {
    /// A group.
    pub struct GroupRow in "groups" {
        name: String,
        description: Option<String>,
    }
}

table! {
    /// A member of a group, with their member roles.
    pub struct MemberRow in "group_members" {
        group_id: i64,
        user_id: i64,
        is_primary: Flag,
        is_secondary: Flag,
        is_manager: Flag,
    }
}

table! {
    /// A group a user is reminded about.
    pub struct ReminderGroupRow in "user_reminder_groups" {
        user_id: i64,
        group_id: i64,
    }
}

table! {
    /// An integration that does not notify a user.
    pub struct MutedIntegrationRow in "user_muted_integrations" {
        user_id: i64,
        integration: String,
    }
}

table! {
    /// A contact method; `position` is its place in the sequence and
    /// `variant` is `''` when there is none.
    pub struct ContactMethodRow in "contact_methods" {
        user_id: i64,
        position: i64,
        channel: String,
        label: String,
        variant: String,
        value: String,
        wait_minutes: i64,
        retry_count: Option<i64>,
        retry_interval_minutes: Option<i64>,
        active_days: Option<String>,
        active_from: Option<String>,
        active_to: Option<String>,
        enabled: Flag,
    }
}

table! {
    /// A notification profile (its steps are [`NotificationStepRow`]s).
    pub struct NotificationProfileRow in "notification_profiles" {
        user_id: i64,
        priority: String,
    }
}

table! {
    /// One step of a notification profile.
    pub struct NotificationStepRow in "notification_steps" {
        user_id: i64,
        priority: String,
        position: i64,
        channel: String,
        label: String,
        variant: String,
        wait_minutes: i64,
        repeat_count: i64,
    }
}

table! {
    /// An out-of-office window; `cover_user_id` is set for one cover of all
    /// groups, [`GroupCoverRow`]s hold one cover per group otherwise.
    pub struct OofWindowRow in "oof_windows" {
        user_id: i64,
        starts_at: Stamp,
        ends_at: Stamp,
        cover_user_id: Option<i64>,
        note: Option<String>,
    }
}

table! {
    /// Who covers one group during an out-of-office window.
    pub struct GroupCoverRow in "oof_group_covers" {
        user_id: i64,
        starts_at: Stamp,
        group_id: i64,
        cover_user_id: i64,
    }
}

table! {
    /// The account: its owner.
    pub struct AccountRow in "account" {
        owner_user_id: Option<i64>,
    }
}

// Platform-owned tables: read, never written, but for the invitation an
// apply sends with a new account, as the platform's "Add User" does.

table! {
    /// A device the mobile app registered for push notifications.
    pub struct PushMethodRow in "push_methods" {
        user_id: i64,
        device: String,
        registered_at: Stamp,
    }
}

table! {
    /// Whether a contact value was verified or bounced.
    pub struct VerificationRow in "contact_verifications" {
        user_id: i64,
        channel: String,
        value: String,
        state: String,
        checked_at: Stamp,
    }
}

table! {
    /// An invitation to join the account.
    pub struct InvitationRow in "invitations" {
        user_id: i64,
        sent_at: Stamp,
        expires_at: Stamp,
        accepted_at: Option<Stamp>,
    }
}

table! {
    /// An API token (its secret is never read).
    pub struct ApiTokenRow in "api_tokens" {
        user_id: i64,
        name: String,
        created_at: Stamp,
    }
}

table! {
    /// An integration configured on the account.
    pub struct IntegrationRow in "integrations" {
        name: String,
        kind: String,
    }
}

table! {
    /// An on-call shift.
    pub struct ShiftRow in "oncall_shifts" {
        group_id: i64,
        user_id: i64,
        starts_at: Stamp,
        ends_at: Stamp,
    }
}

// Roster's bookkeeping.

table! {
    /// The last-applied form of one managed object.
    pub struct ManagedRow in "roster_managed" {
        kind: String,
        name: String,
        fingerprint: String,
        body: String,
    }
}

table! {
    /// The fingerprint of one managed object, without its body.
    pub struct ManagedFingerprintRow in "roster_managed" {
        kind: String,
        name: String,
        fingerprint: String,
    }
}

table! {
    /// One of roster's settings, as the last apply left it.
    pub struct SettingRow in "roster_settings" {
        name: String,
        value: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_fields() {
        assert_eq!(
            ShiftRow::COLUMNS,
            &["group_id", "user_id", "starts_at", "ends_at"]
        );
        assert_eq!(WithId::<GroupRow>::columns(), ["id", "name", "description"]);
    }

    #[test]
    fn rows_read_from_json_arrays_and_copy_text() {
        let json: Vec<WithId<GroupRow>> =
            serde_json::from_str(r#"[[7, "db-oncall", null], [9, "web", "Web"]]"#).unwrap();
        let copy: Vec<WithId<GroupRow>> =
            crate::store::copy_text::rows("7\tdb-oncall\t\\N\n9\tweb\tWeb\n").unwrap();
        assert_eq!(json, copy);
        assert_eq!(json[1].id, 9);
        assert_eq!(json[1].row.description.as_deref(), Some("Web"));
    }

    #[test]
    fn a_short_row_is_an_error_naming_the_table() {
        let error = serde_json::from_str::<Vec<WithId<GroupRow>>>(r#"[[7]]"#).unwrap_err();
        assert!(error.to_string().contains("groups"), "{error}");
    }

    #[test]
    fn binds_follow_the_columns() {
        let row = ShiftRow {
            group_id: 1,
            user_id: 2,
            starts_at: Stamp(DateTime::UNIX_EPOCH),
            ends_at: Stamp(DateTime::UNIX_EPOCH),
        };
        assert_eq!(
            row.binds(),
            vec![
                Bind::Int(1),
                Bind::Int(2),
                Bind::Time(DateTime::UNIX_EPOCH),
                Bind::Time(DateTime::UNIX_EPOCH)
            ]
        );
    }
}
