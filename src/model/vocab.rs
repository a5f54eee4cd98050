//! The closed vocabularies of the domain: channels, labels, roles, permissions
//! and the other enumerations shared by the config documents and the
//! normalised directory.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Declares a string enumeration with its wire names, doc comments for the
/// schema, `as_str`, `ALL` and `Display`, so every vocabulary reads the same.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in config files and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// Parses the config/database name.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// A notification channel a user can be reached on.
    pub enum Channel {
        /// An email address.
        Email => "email",
        /// Text messages to a phone number.
        Sms => "sms",
        /// Voice calls to a phone number.
        Phone => "phone",
        /// WhatsApp messages to a phone number.
        Whatsapp => "whatsapp",
        /// Direct messages to a Slack member id.
        Slack => "slack",
        /// The mobile app; registered by the app on first sign-in, never declared.
        Push => "push",
    }
}

impl Channel {
    /// Whether the value of this channel is a phone number.
    pub fn takes_phone_number(self) -> bool {
        matches!(self, Channel::Sms | Channel::Phone | Channel::Whatsapp)
    }
}

vocabulary! {
    /// What a contact method is: the company's or the person's own.
    pub enum Label {
        /// Provided by the company.
        Official => "official",
        /// The person's own.
        Personal => "personal",
    }
}

vocabulary! {
    /// A refinement of a channel: `mobile` for phones, `sms_gateway` for email.
    pub enum Variant {
        /// A mobile phone (phone channel only).
        Mobile => "mobile",
        /// An email-to-SMS gateway address (email channel only).
        SmsGateway => "sms_gateway",
    }
}

vocabulary! {
    /// The kind of seat a user has. It cannot change after creation: a change
    /// replaces the user.
    pub enum UserType {
        /// A full user who can be on call.
        Standard => "standard",
        /// A light user with limited features.
        Light => "light",
        /// A stakeholder who receives status updates only.
        Stakeholder => "stakeholder",
    }
}

vocabulary! {
    /// The state of a user account as the platform sees it.
    pub enum UserStatus {
        /// Invited by an admin, invitation not yet accepted (set by the platform).
        Invited => "invited",
        /// Can sign in and be notified.
        Active => "active",
        /// Deactivated: cannot sign in, is never notified.
        Disabled => "disabled",
    }
}

vocabulary! {
    /// The interface language of a user.
    pub enum Language {
        /// English.
        En => "en",
        /// Spanish.
        Es => "es",
        /// French.
        Fr => "fr",
        /// German.
        De => "de",
        /// Dutch.
        Nl => "nl",
    }
}

vocabulary! {
    /// The page a user lands on after signing in.
    pub enum HomePage {
        /// The dashboard.
        Dashboard => "dashboard",
        /// The alert list.
        Alerts => "alerts",
        /// The incident list.
        Incidents => "incidents",
        /// The on-call schedules.
        Schedules => "schedules",
        /// The groups.
        Groups => "groups",
        /// The reports.
        Reports => "reports",
    }
}

vocabulary! {
    /// The colour theme of the web app.
    pub enum Theme {
        /// Light theme.
        Light => "light",
        /// Dark theme.
        Dark => "dark",
    }
}

vocabulary! {
    /// How many incidents the periodic digest includes.
    pub enum Digest {
        /// High-urgency incidents only.
        High => "high",
        /// Every incident.
        All => "all",
        /// No digest.
        None => "none",
    }
}

vocabulary! {
    /// A day of the week.
    pub enum Weekday {
        /// Monday.
        Mon => "mon",
        /// Tuesday.
        Tue => "tue",
        /// Wednesday.
        Wed => "wed",
        /// Thursday.
        Thu => "thu",
        /// Friday.
        Fri => "fri",
        /// Saturday.
        Sat => "sat",
        /// Sunday.
        Sun => "sun",
    }
}

vocabulary! {
    /// An alert priority with its own notification sequence.
    pub enum Priority {
        /// Priority 1, the most urgent.
        P1 => "p1",
        /// Priority 2.
        P2 => "p2",
        /// Priority 3.
        P3 => "p3",
        /// Priority 4.
        P4 => "p4",
        /// Priority 5, the least urgent.
        P5 => "p5",
    }
}

vocabulary! {
    /// Where a member sits in a group's escalation.
    pub enum MemberRole {
        /// Paged first.
        Primary => "primary",
        /// Paged when the primary does not answer.
        Secondary => "secondary",
        /// Manages the group and its schedule.
        Manager => "manager",
    }
}

vocabulary! {
    /// Who may delete objects that are not declared in the config.
    pub enum PruneMode {
        /// Delete only objects roster applied before and that left the config.
        Managed => "managed",
        /// Delete every object the config does not declare.
        Authoritative => "authoritative",
    }
}

vocabulary! {
    /// A user field people maintain themselves in the platform's app
    /// (`account.policy.self_service`): the config is its starting point,
    /// and a person's own change to it is kept.
    pub enum SelfServiceField {
        /// First and last name.
        Name => "name",
        /// Time zone.
        TimeZone => "time_zone",
        /// Locale.
        Locale => "locale",
        /// Interface language.
        Language => "language",
        /// Web app preferences.
        Preferences => "preferences",
        /// On-call reminders.
        OnCallReminders => "on_call_reminders",
        /// Integrations that do not notify the user.
        MutedIntegrations => "muted_integrations",
        /// Contact methods: values, settings and order.
        ContactMethods => "contact_methods",
        /// Notification profiles.
        NotificationProfiles => "notification_profiles",
        /// Out-of-office windows.
        OutOfOffice => "out_of_office",
    }
}

vocabulary! {
    /// Whose value wins when git and a person both changed a self-service
    /// field differently (`--prefer`).
    pub enum Prefer {
        /// The config's value.
        Git => "git",
        /// The person's value, as it is live.
        Live => "live",
    }
}

vocabulary! {
    /// A permission a custom platform role can grant.
    pub enum Permission {
        /// See the dashboard.
        ViewDashboard => "view_dashboard",
        /// See incidents.
        ViewIncidents => "view_incidents",
        /// See services.
        ViewServices => "view_services",
        /// Acknowledge incidents.
        AcknowledgeIncidents => "acknowledge_incidents",
        /// Resolve incidents.
        ResolveIncidents => "resolve_incidents",
        /// Reassign incidents to someone else.
        ReassignIncidents => "reassign_incidents",
        /// Add notes to incidents.
        AddIncidentNotes => "add_incident_notes",
        /// Open incidents by hand.
        CreateIncidents => "create_incidents",
        /// Edit on-call schedules.
        ManageSchedules => "manage_schedules",
        /// Create schedule overrides.
        CreateOverrides => "create_overrides",
        /// Create services.
        CreateServices => "create_services",
        /// Edit services.
        EditServices => "edit_services",
        /// Delete services.
        DeleteServices => "delete_services",
        /// Manage teams and groups.
        ManageTeams => "manage_teams",
        /// Manage escalation policies.
        ManageEscalationPolicies => "manage_escalation_policies",
        /// Manage integrations.
        ManageIntegrations => "manage_integrations",
        /// Invite users.
        InviteUsers => "invite_users",
        /// Grant and revoke platform roles.
        ManageUserRoles => "manage_user_roles",
        /// Change account settings.
        SystemSettings => "system_settings",
        /// See analytics.
        ViewAnalytics => "view_analytics",
        /// Export data.
        ExportData => "export_data",
    }
}

/// The platform roles every account has; they need no declaring.
pub const BUILTIN_ROLES: &[&str] = &[
    "app_admin",
    "basic",
    "billing_admin",
    "integrations_admin",
    "send_message",
    "system_viewer",
];

/// The role that administers the whole account; granting it is a sensitive change.
pub const APP_ADMIN: &str = "app_admin";

/// The role a user holds when the config names none.
pub const DEFAULT_ROLE: &str = "basic";

/// Whether `name` is one of the built-in platform roles.
pub fn is_builtin_role(name: &str) -> bool {
    BUILTIN_ROLES.contains(&name)
}
