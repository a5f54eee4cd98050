//! The normalised directory: what a config declares and what the live
//! database holds, in one canonical form so that they compare field by field.
//!
//! Canonical means: usernames and emails lowercase, phone numbers in E.164,
//! time zones by their IANA primary name, instants in UTC, sets sorted,
//! defaults filled in. Only ordered lists (contact methods, notification
//! steps) keep their order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::vocab::{
    Channel, Digest, HomePage, Label, Language, MemberRole, Permission, Priority, Theme,
    UserStatus, UserType, Variant, Weekday,
};

/// Everything roster manages, keyed by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// The account owner's username.
    pub owner: Option<String>,
    /// Custom roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Users by username.
    pub users: BTreeMap<String, User>,
    /// Groups by name.
    pub groups: BTreeMap<String, Group>,
}

/// A custom platform role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// What it grants.
    pub permissions: BTreeSet<Permission>,
}

/// A user with every field filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Sign-in name, lowercase.
    pub username: String,
    /// Email address, lowercase.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Kind of seat.
    pub user_type: UserType,
    /// Account state.
    pub status: UserStatus,
    /// Platform roles.
    pub roles: BTreeSet<String>,
    /// IANA time zone, primary name.
    pub time_zone: Option<String>,
    /// BCP 47 locale, canonical case.
    pub locale: Option<String>,
    /// Interface language.
    pub language: Language,
    /// Identifier in an external system.
    pub external_id: Option<String>,
    /// Deletion protection.
    pub protected: bool,
    /// Web app preferences.
    pub preferences: Preferences,
    /// On-call reminders.
    pub reminders: Reminders,
    /// Integrations that do not notify this user.
    pub muted_integrations: BTreeSet<String>,
    /// Contact methods in notification order.
    pub contact_methods: Vec<ContactMethod>,
    /// Per-priority notification sequences.
    pub notification_profiles: BTreeMap<Priority, Vec<ProfileStep>>,
    /// Out-of-office windows, sorted by start.
    pub out_of_office: Vec<OofWindow>,
}

/// Web app preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Landing page.
    pub home_page: HomePage,
    /// Colour theme.
    pub theme: Theme,
    /// Digest level.
    pub digest: Digest,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            home_page: HomePage::Dashboard,
            theme: Theme::Light,
            digest: Digest::High,
        }
    }
}

/// On-call reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminders {
    /// By email.
    pub email: bool,
    /// By push notification.
    pub push: bool,
    /// Minutes before the shift.
    pub lead_minutes: u32,
    /// Groups to be reminded about; empty means all.
    pub groups: BTreeSet<String>,
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders {
            email: false,
            push: false,
            lead_minutes: 60,
            groups: BTreeSet::new(),
        }
    }
}

/// One way to reach a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethod {
    /// Channel.
    pub channel: Channel,
    /// Official or personal.
    pub label: Label,
    /// Mobile phone or SMS gateway.
    pub variant: Option<Variant>,
    /// Canonical value: lowercase email, E.164 number or Slack member id.
    pub value: String,
    /// Minutes before this method is tried.
    pub wait_minutes: u32,
    /// Retries.
    pub retry: Option<Retry>,
    /// When it may be used.
    pub active_hours: Option<ActiveHours>,
    /// Kept on record but unused when false.
    pub enabled: bool,
}

impl ContactMethod {
    /// The method's name within its user: `channel-label[-variant]`.
    pub fn key(&self) -> MethodKey {
        MethodKey {
            channel: self.channel,
            label: self.label,
            variant: self.variant,
        }
    }
}

/// What identifies a contact method within a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MethodKey {
    /// Channel.
    pub channel: Channel,
    /// Label.
    pub label: Label,
    /// Variant.
    pub variant: Option<Variant>,
}

impl MethodKey {
    /// Parses `channel-label[-variant]`.
    pub fn parse(text: &str) -> Option<MethodKey> {
        let mut parts = text.splitn(3, '-');
        let channel = Channel::parse(parts.next()?)?;
        let label = Label::parse(parts.next()?)?;
        let variant = match parts.next() {
            Some(v) => Some(Variant::parse(v)?),
            None => None,
        };
        Some(MethodKey {
            channel,
            label,
            variant,
        })
    }
}

impl std::fmt::Display for MethodKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.channel, self.label)?;
        if let Some(variant) = self.variant {
            write!(f, "-{variant}")?;
        }
        Ok(())
    }
}

/// Retries of an unanswered method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    /// How many.
    pub count: u32,
    /// Minutes apart.
    pub interval_minutes: u32,
}

/// Days and hours a method may be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveHours {
    /// Days of the week.
    pub days: BTreeSet<Weekday>,
    /// Start, `HH:MM`.
    pub from: String,
    /// End, `HH:MM`.
    pub to: String,
}

/// One step of a notification sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileStep {
    /// The contact method.
    pub method: MethodKey,
    /// Minutes before this step.
    pub wait_minutes: u32,
    /// Repeats.
    pub repeat: u32,
}

/// An out-of-office window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OofWindow {
    /// Start.
    pub from: DateTime<Utc>,
    /// End, after the start.
    pub until: DateTime<Utc>,
    /// Who covers.
    pub cover: Cover,
    /// Why.
    pub note: Option<String>,
}

impl OofWindow {
    /// Whether the window is over at `now`.
    pub fn is_past(&self, now: DateTime<Utc>) -> bool {
        self.until <= now
    }

    /// Whether two windows share any instant.
    pub fn overlaps(&self, other: &OofWindow) -> bool {
        self.from < other.until && other.from < self.until
    }
}

/// Who covers an out-of-office window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cover {
    /// One user for every group.
    AllGroups(String),
    /// One user per group.
    PerGroup(BTreeMap<String, String>),
}

impl Cover {
    /// Every covering username, sorted, without repeats.
    pub fn users(&self) -> BTreeSet<&str> {
        match self {
            Cover::AllGroups(user) => BTreeSet::from([user.as_str()]),
            Cover::PerGroup(map) => map.values().map(String::as_str).collect(),
        }
    }

    /// Who covers `group`, if anyone.
    pub fn for_group(&self, group: &str) -> Option<&str> {
        match self {
            Cover::AllGroups(user) => Some(user),
            Cover::PerGroup(map) => map.get(group).map(String::as_str),
        }
    }
}

/// A group and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Members by username, with their member roles.
    pub members: BTreeMap<String, BTreeSet<MemberRole>>,
}

/// The permissions that make a custom role admin-equivalent (SPEC
/// section 5): whoever holds one can grant themselves anything, invite
/// anyone or change the account.
pub const ADMIN_PERMISSIONS: [Permission; 3] = [
    Permission::ManageUserRoles,
    Permission::SystemSettings,
    Permission::InviteUsers,
];

impl Role {
    /// The permissions of [`ADMIN_PERMISSIONS`] it grants. (A role with
    /// every permission an `app_admin` has grants all three.)
    pub fn admin_permissions(&self) -> Vec<Permission> {
        ADMIN_PERMISSIONS
            .into_iter()
            .filter(|p| self.permissions.contains(p))
            .collect()
    }

    /// Whether holding it amounts to administering the account.
    pub fn is_admin_equivalent(&self) -> bool {
        !self.admin_permissions().is_empty()
    }
}

/// Whether the role `name` gives admin rights: `app_admin`, or a custom
/// role of `roles` that is admin-equivalent.
pub fn grants_admin(name: &str, roles: &BTreeMap<String, Role>) -> bool {
    name == super::vocab::APP_ADMIN || roles.get(name).is_some_and(Role::is_admin_equivalent)
}

impl User {
    /// A user with every optional field at its default: what a new user is
    /// compared against, so it shows only what it sets.
    pub fn defaults() -> User {
        User {
            username: String::new(),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            user_type: UserType::Standard,
            status: UserStatus::Active,
            roles: BTreeSet::new(),
            time_zone: None,
            locale: None,
            language: Language::En,
            external_id: None,
            protected: false,
            preferences: Preferences::default(),
            reminders: Reminders::default(),
            muted_integrations: BTreeSet::new(),
            contact_methods: Vec::new(),
            notification_profiles: BTreeMap::new(),
            out_of_office: Vec::new(),
        }
    }

    /// Whether the user has at least one enabled contact method.
    pub fn has_enabled_contact(&self) -> bool {
        self.contact_methods.iter().any(|m| m.enabled)
    }
}
