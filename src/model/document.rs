//! The config document: what one roster YAML file declares, as written.
//!
//! These types generate the JSON Schema (`roster schema`) and are what the
//! loader deserializes after the schema check. Values here are raw text;
//! `config::normalize` turns them into the canonical [`crate::model::Directory`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::vocab::{
    Digest, HomePage, Label, Language, MemberRole, Permission, PruneMode, SelfServiceField, Theme,
    UserType, Weekday,
};

/// The only document format version this roster reads.
pub const FORMAT_VERSION: u64 = 1;

/// A roster document: one YAML file of a config. A config directory merges
/// every document below it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "roster document")]
pub struct Document {
    /// Format version of this document; `1` is the only one.
    #[schemars(range(min = 1, max = 1))]
    pub version: u64,
    /// Account settings: the owner and the reconciliation policy. At most one
    /// document of a config sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountSpec>,
    /// Custom platform roles. The built-in roles (`app_admin`, `basic`,
    /// `billing_admin`, `integrations_admin`, `send_message`,
    /// `system_viewer`) need no declaring.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleSpec>,
    /// The people of the account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserSpec>,
    /// Groups (teams) and who sits in them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupSpec>,
}

/// Account-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// Username of the account owner: exactly one, active, holding `app_admin`.
    #[schemars(length(min = 1))]
    pub owner: String,
    /// How plans treat objects the config does not declare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySpec>,
}

/// Reconciliation policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// `managed` (default) deletes only what roster applied before and the
    /// config dropped; `authoritative` deletes everything undeclared. Either
    /// one mode, or one per collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<PruneSpec>,
    /// The mass-delete guard: a plan deleting more users, groups and roles
    /// than this stops unless `--allow-mass-delete` is given. Default: 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<MaxDeletesSpec>,
    /// User fields people maintain themselves in the platform's app: the
    /// config sets them when the user is created and whenever git changes
    /// them; a person's own change is kept. Default: none (git owns every
    /// field). Roles, type, status, username, email, memberships,
    /// protection and the owner are always git's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub self_service: Vec<SelfServiceField>,
}

/// One prune mode for every collection, or one per collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PruneSpec {
    /// The same mode for users, groups and roles.
    All(PruneMode),
    /// A mode per collection; collections left out are `managed`.
    PerCollection(PruneByCollection),
}

/// Prune modes per collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PruneByCollection {
    /// Prune mode for users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<PruneMode>,
    /// Prune mode for groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<PruneMode>,
    /// Prune mode for custom roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<PruneMode>,
}

/// The mass-delete guard: a count, or a count and/or a percentage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MaxDeletesSpec {
    /// At most this many deletions per plan.
    Count(u32),
    /// Limits by count and/or by percentage of the live objects.
    Limits(MaxDeletesLimits),
}

/// Mass-delete limits; a plan must stay within every limit given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaxDeletesLimits {
    /// At most this many deletions per plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// At most this percentage of the live users, groups and roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub percent: Option<u32>,
}

/// A custom platform role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    /// Role name: lowercase letters, digits and underscores.
    #[schemars(regex(pattern = ROLE_NAME_PATTERN))]
    pub name: String,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The permissions the role grants.
    #[schemars(length(min = 1))]
    pub permissions: Vec<Permission>,
}

/// A person on the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// Email address; also the username unless `username` is given.
    #[schemars(email)]
    pub email: String,
    /// Sign-in name, unique across the account (case-insensitive). Defaults
    /// to the email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = USERNAME_PATTERN))]
    pub username: Option<String>,
    /// Former usernames of this user: a rename, not a delete and a create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_usernames: Vec<String>,
    /// Given name.
    #[schemars(length(min = 1, max = 100))]
    pub first_name: String,
    /// Family name.
    #[schemars(length(min = 1, max = 100))]
    pub last_name: String,
    /// Kind of seat: `standard` (default), `light` or `stakeholder`. It
    /// cannot change after creation; a change replaces the user.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
    /// `active` (default) or `disabled`. `invited` is set by the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSpec>,
    /// Platform roles (built-in or custom). Default: `[basic]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// IANA time zone name such as `Europe/Berlin`; local out-of-office times
    /// are read in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Locale for dates and numbers, as a BCP 47 tag such as `de-DE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LOCALE_PATTERN))]
    pub locale: Option<String>,
    /// Interface language. Default: `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Identifier in an external system such as the HR database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub external_id: Option<String>,
    /// Who this person is on git hosting, for `roster review`: their login
    /// per host, such as `{ github: anguyen }`. Kept in the config only; the
    /// live directory does not hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handles: Option<HandlesSpec>,
    /// Deletion protection: plans refuse to delete a protected user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
    /// Web app preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<PreferencesSpec>,
    /// Reminders before an on-call shift starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_call_reminders: Option<RemindersSpec>,
    /// Integrations this user is not notified by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted_integrations: Vec<String>,
    /// Ways to reach this user; the order is the notification sequence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_methods: Vec<ContactMethodSpec>,
    /// Per-priority notification sequences that replace the default order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_profiles: Option<NotificationProfilesSpec>,
    /// Out-of-office windows: who covers this user, and when.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_office: Vec<OutOfOfficeSpec>,
}

/// The account states a config may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusSpec {
    /// Can sign in and be notified.
    Active,
    /// Deactivated: cannot sign in, is never notified.
    Disabled,
}

/// A person's logins on git hosting, one per host. Logins compare without
/// regard to case, as the hosts do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandlesSpec {
    /// GitHub login without the `@`: letters, digits, `.`, `_` and `-`
    /// (`$GITHUB_ACTOR` in GitHub Actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HANDLE_PATTERN))]
    pub github: Option<String>,
    /// GitLab username without the `@`: letters, digits, `.`, `_` and `-`
    /// (`$GITLAB_USER_LOGIN` in GitLab CI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HANDLE_PATTERN))]
    pub gitlab: Option<String>,
    /// Bitbucket username without the `@`: letters, digits, `.`, `_` and `-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HANDLE_PATTERN))]
    pub bitbucket: Option<String>,
    /// Gitea or Forgejo username without the `@`: letters, digits, `.`, `_`
    /// and `-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HANDLE_PATTERN))]
    pub gitea: Option<String>,
}

impl HandlesSpec {
    /// The hosts a handle may be given for, as written in a config.
    pub const HOSTS: [&'static str; 4] = ["github", "gitlab", "bitbucket", "gitea"];

    /// The handles given, by host.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [&self.github, &self.gitlab, &self.bitbucket, &self.gitea]
            .into_iter()
            .zip(Self::HOSTS)
            .filter_map(|(login, host)| login.as_deref().map(|l| (host, l)))
    }
}

/// Web app preferences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesSpec {
    /// Landing page after sign-in. Default: `dashboard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_page: Option<HomePage>,
    /// Colour theme. Default: `light`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    /// Incident digest level. Default: `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

/// Reminders before an on-call shift starts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemindersSpec {
    /// Remind by email. Default: false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<bool>,
    /// Remind by push notification. Default: false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<bool>,
    /// How many minutes before the shift. Default: 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 10080))]
    pub lead_minutes: Option<u32>,
    /// Groups to be reminded about; empty means every group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// A way to reach a user. `channel` selects the kind; one method per
/// channel, label and variant. `push` is registered by the mobile app and
/// cannot be declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "channel", rename_all = "snake_case")]
#[schemars(deny_unknown_fields)]
pub enum ContactMethodSpec {
    /// An email address.
    Email {
        /// `sms_gateway` for an email-to-SMS gateway address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<EmailVariant>,
        #[serde(flatten)]
        fields: MethodFields<EmailValue>,
    },
    /// Text messages to a phone number.
    Sms {
        #[serde(flatten)]
        fields: MethodFields<PhoneValue>,
    },
    /// Voice calls to a phone number.
    Phone {
        /// `mobile` for a mobile phone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<PhoneVariant>,
        #[serde(flatten)]
        fields: MethodFields<PhoneValue>,
    },
    /// WhatsApp messages to a phone number.
    Whatsapp {
        #[serde(flatten)]
        fields: MethodFields<PhoneValue>,
    },
    /// Direct messages in Slack.
    Slack {
        #[serde(flatten)]
        fields: MethodFields<SlackValue>,
    },
}

/// The only variant of the email channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailVariant {
    /// An email-to-SMS gateway address.
    SmsGateway,
}

/// The only variant of the phone channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhoneVariant {
    /// A mobile phone.
    Mobile,
}

/// What every contact method has, whatever its channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MethodFields<V> {
    /// `official` (the company's) or `personal`.
    pub label: Label,
    /// Where to send: an email address, a phone number with its country code,
    /// or a Slack member id.
    pub value: V,
    /// Minutes to wait before this method is tried. Default: 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 1440))]
    pub wait_minutes: u32,
    /// Retries when the method is not answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySpec>,
    /// When the method may be used; always if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_hours: Option<ActiveHoursSpec>,
    /// `false` keeps the method on record without using it. Default: true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

/// An email address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct EmailValue(#[schemars(email)] pub String);

/// A phone number with its country code, such as `+49 151 2345 6789`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct PhoneValue(#[schemars(regex(pattern = PHONE_PATTERN))] pub String);

/// A Slack member id such as `U024BE7LH`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct SlackValue(#[schemars(regex(pattern = SLACK_PATTERN))] pub String);

/// Retries of an unanswered contact method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// How many times to retry.
    #[schemars(range(min = 1, max = 10))]
    pub count: u32,
    /// Minutes between retries.
    #[schemars(range(min = 1, max = 1440))]
    pub interval_minutes: u32,
}

/// The days and hours a contact method may be used, in the user's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveHoursSpec {
    /// Days of the week.
    #[schemars(length(min = 1))]
    pub days: Vec<Weekday>,
    /// Start time, `HH:MM`.
    #[schemars(regex(pattern = CLOCK_PATTERN))]
    pub from: String,
    /// End time, `HH:MM`; earlier than `from` means it runs past midnight.
    #[schemars(regex(pattern = CLOCK_PATTERN))]
    pub to: String,
}

/// Per-priority notification sequences. A priority left out follows the
/// contact method order; a priority with an empty list is never notified.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationProfilesSpec {
    /// Priority 1, the most urgent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p1: Option<Vec<ProfileStepSpec>>,
    /// Priority 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p2: Option<Vec<ProfileStepSpec>>,
    /// Priority 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p3: Option<Vec<ProfileStepSpec>>,
    /// Priority 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p4: Option<Vec<ProfileStepSpec>>,
    /// Priority 5, the least urgent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p5: Option<Vec<ProfileStepSpec>>,
}

/// One step of a notification sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileStepSpec {
    /// The contact method, as `channel-label` or `channel-label-variant`,
    /// such as `sms-personal` or `phone-official-mobile`.
    #[schemars(regex(pattern = PROFILE_METHOD_PATTERN))]
    pub method: String,
    /// Minutes to wait before this step. Default: 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 1440))]
    pub wait_minutes: u32,
    /// How many times to repeat this step. Default: 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 10))]
    pub repeat: u32,
}

/// An out-of-office window: alerts for the user go to the cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutOfOfficeSpec {
    /// Start: local time in the user's time zone (`2026-12-21T00:00`) or
    /// RFC 3339 with an offset (`2026-12-21T00:00:00+01:00`).
    #[schemars(regex(pattern = DATE_TIME_PATTERN))]
    pub from: String,
    /// End, after `from`; same forms as `from`.
    #[schemars(regex(pattern = DATE_TIME_PATTERN))]
    pub until: String,
    /// Who covers: one username for all groups, or one per group.
    pub covered_by: CoverSpec,
    /// Why the user is out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A custom role's name.
pub const ROLE_NAME_PATTERN: &str = r"^[a-z][a-z0-9_]{0,62}$";

/// A username.
pub const USERNAME_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$";

/// A login on git hosting: letters, digits, `.`, `_` and `-`, starting
/// with a letter or digit (GitHub, GitLab, Bitbucket and Gitea logins).
pub const HANDLE_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$";

/// A BCP 47 locale tag.
pub const LOCALE_PATTERN: &str = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$";

/// A phone number as written: `+` and digits, spaces and punctuation.
pub const PHONE_PATTERN: &str = r"^\+[0-9 ()./-]{4,30}$";

/// A Slack member id.
pub const SLACK_PATTERN: &str = r"^[UW][A-Z0-9]{8,}$";

/// A time of day, `HH:MM`.
pub const CLOCK_PATTERN: &str = r"^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// A contact method named in a notification profile.
pub const PROFILE_METHOD_PATTERN: &str =
    r"^(email|sms|phone|whatsapp|slack)-(official|personal)(-(mobile|sms_gateway))?$";

/// A local date-time, optionally with seconds and an offset.
pub const DATE_TIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$";

/// The cover of an out-of-office window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CoverSpec {
    /// One username covers every group.
    AllGroups(String),
    /// A username per group name.
    PerGroup(BTreeMap<String, String>),
}

/// A group (team) of users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Group name, unique across the account (case-insensitive).
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// What the group does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who is in the group, and as what.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberSpec>,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// Username of the member.
    #[schemars(length(min = 1))]
    pub user: String,
    /// Member roles: `primary`, `secondary`, `manager`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<MemberRole>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}
