//! Questions admins ask the live directory every day (SPEC 8): one person
//! ([`user_card`]), one group ([`group_card`]), and who is out over a
//! period ([`who_is_out`]). Pure: a [`LiveSnapshot`] and the present in,
//! serialisable answers out; contact values masked unless asked not to.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::model::directory::{OofWindow, User};
use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, VerificationState};
use crate::report::redact;

/// The version of the JSON of `show user`, `show group` and `who-is-out`.
pub const FORMAT_VERSION: u32 = 1;

/// An instant as RFC 3339 in UTC, whole seconds (`2026-12-01T08:00:00Z`),
/// the form `jq`'s `fromdate` reads.
fn instant<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn maybe_instant<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => instant(t, s),
        None => s.serialize_none(),
    }
}

/// The week `now` falls in: Monday 00:00 UTC to the next Monday.
pub fn this_week(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let monday = now.date_naive() - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let from = monday.and_time(chrono::NaiveTime::MIN).and_utc();
    (from, from + Duration::days(7))
}

/// A person, as the live directory knows them.
#[derive(Debug, Clone, Serialize)]
pub struct UserCard {
    /// Sign-in name.
    pub username: String,
    /// Sign-in email, masked unless unmasked.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Seat type.
    #[serde(rename = "type")]
    pub user_type: String,
    /// `active`, `disabled` or `invited`.
    pub status: String,
    /// Whether they own the account.
    pub owner: bool,
    /// Whether roster manages them (else they were created elsewhere).
    pub managed: bool,
    /// Platform roles.
    pub roles: Vec<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Interface language.
    pub language: String,
    /// External id.
    pub external_id: Option<String>,
    /// Deletion protection.
    pub protected: bool,
    /// Groups and the member roles held in each.
    pub groups: Vec<Membership>,
    /// Contact methods in notification order.
    pub contact_methods: Vec<MethodLine>,
    /// Devices the mobile app registered for push.
    pub push_devices: Vec<Device>,
    /// Their current and future out-of-office windows.
    pub out_of_office: Vec<Absence>,
    /// Current and future windows in which they cover someone.
    pub covering: Vec<Absence>,
    /// Current and future on-call shifts.
    pub shifts: Vec<ShiftLine>,
    /// The invitation, if the platform sent one.
    pub invitation: Option<InvitationLine>,
    /// Last sign-in.
    #[serde(serialize_with = "maybe_instant")]
    pub last_sign_in: Option<DateTime<Utc>>,
    /// API token names (never their secrets).
    pub api_tokens: Vec<Token>,
}

/// A group a person is in.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    /// Group name.
    pub group: String,
    /// Member roles.
    pub roles: Vec<String>,
}

/// One contact method.
#[derive(Debug, Clone, Serialize)]
pub struct MethodLine {
    /// `channel-label[-variant]`.
    pub method: String,
    /// The value, masked unless unmasked.
    pub value: String,
    /// Whether it is used.
    pub enabled: bool,
    /// `verified`, `unverified`, `bounced`, or none recorded.
    pub verification: Option<String>,
}

/// A push device.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// Its name.
    pub device: String,
    /// When it was registered.
    #[serde(serialize_with = "instant")]
    pub registered_at: DateTime<Utc>,
}

/// An out-of-office window and who covers it.
#[derive(Debug, Clone, Serialize)]
pub struct Absence {
    /// Who is out.
    pub user: String,
    /// Their full name.
    pub name: String,
    /// Start.
    #[serde(serialize_with = "instant")]
    pub from: DateTime<Utc>,
    /// End.
    #[serde(serialize_with = "instant")]
    pub until: DateTime<Utc>,
    /// Who covers: for every group (`group` null) or per group.
    pub covered_by: Vec<CoverLine>,
    /// Why.
    pub note: Option<String>,
}

/// One cover of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverLine {
    /// The group, or none for every group.
    pub group: Option<String>,
    /// Who covers.
    pub user: String,
}

/// An on-call shift.
#[derive(Debug, Clone, Serialize)]
pub struct ShiftLine {
    /// Group.
    pub group: String,
    /// Who is on call.
    pub user: String,
    /// Start.
    #[serde(serialize_with = "instant")]
    pub starts_at: DateTime<Utc>,
    /// End.
    #[serde(serialize_with = "instant")]
    pub ends_at: DateTime<Utc>,
}

/// The state of an invitation.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationLine {
    /// `accepted`, `pending` or `expired`.
    pub state: &'static str,
    /// Sent.
    #[serde(serialize_with = "instant")]
    pub sent_at: DateTime<Utc>,
    /// Stops working.
    #[serde(serialize_with = "instant")]
    pub expires_at: DateTime<Utc>,
    /// Accepted.
    #[serde(serialize_with = "maybe_instant")]
    pub accepted_at: Option<DateTime<Utc>>,
}

/// An API token.
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    /// Its name.
    pub name: String,
    /// Created.
    #[serde(serialize_with = "instant")]
    pub created_at: DateTime<Utc>,
}

/// A group, as the live directory knows it.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCard {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Whether roster manages it.
    pub managed: bool,
    /// Members by member role: `primary`, `secondary`, `manager`, and
    /// `member` for those without one.
    pub members: BTreeMap<String, Vec<String>>,
    /// Current and future shifts.
    pub shifts: Vec<ShiftLine>,
    /// Members' current and future absences, with who covers this group.
    pub absences: Vec<Absence>,
}

/// Who is out over a period.
#[derive(Debug, Clone, Serialize)]
pub struct WhoIsOut {
    /// Start of the period.
    #[serde(serialize_with = "instant")]
    pub from: DateTime<Utc>,
    /// End of the period.
    #[serde(serialize_with = "instant")]
    pub until: DateTime<Utc>,
    /// Only this group's members, when asked.
    pub group: Option<String>,
    /// Every window that overlaps the period, by start.
    pub absences: Vec<Absence>,
}

/// Finds a user by username or email, without regard to case.
pub fn find_user<'a>(live: &'a LiveSnapshot, name: &str) -> Option<&'a User> {
    let name = name.trim().to_lowercase();
    live.directory
        .users
        .get(&name)
        .or_else(|| live.directory.users.values().find(|u| u.email == name))
}

/// Finds a group by name: exactly, else without regard to case.
pub fn find_group<'a>(live: &'a LiveSnapshot, name: &str) -> Option<&'a str> {
    let groups = &live.directory.groups;
    if let Some((key, _)) = groups.get_key_value(name) {
        return Some(key);
    }
    groups
        .keys()
        .find(|g| g.to_lowercase() == name.to_lowercase())
        .map(String::as_str)
}

/// What is known of `user`, windows and shifts from `now` on.
pub fn user_card(live: &LiveSnapshot, user: &User, now: DateTime<Utc>, unmask: bool) -> UserCard {
    let name = &user.username;
    let platform = &live.platform;
    let show = |channel, value: &str| {
        if unmask {
            value.to_string()
        } else {
            redact::mask(channel, value)
        }
    };
    let groups = live
        .directory
        .groups
        .values()
        .filter_map(|g| {
            g.members.get(name).map(|roles| Membership {
                group: g.name.clone(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
            })
        })
        .collect();
    let contact_methods = user
        .contact_methods
        .iter()
        .map(|m| MethodLine {
            method: m.key().to_string(),
            value: show(m.channel, &m.value),
            enabled: m.enabled,
            verification: platform
                .verifications
                .get(&(name.clone(), m.channel, m.value.clone()))
                .map(|v| v.state.as_str().to_string()),
        })
        .collect();
    let covering = live
        .directory
        .users
        .values()
        .flat_map(|other| {
            other
                .out_of_office
                .iter()
                .filter(|w| !w.is_past(now) && w.cover.users().contains(name.as_str()))
                .map(move |w| absence(other, w))
        })
        .map(|mut a| {
            a.covered_by.retain(|c| c.user == *name);
            a
        })
        .collect::<Vec<_>>();
    let mut covering = covering;
    covering.sort_by(|a, b| (a.from, &a.user).cmp(&(b.from, &b.user)));
    UserCard {
        username: name.clone(),
        email: show(crate::model::vocab::Channel::Email, &user.email),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        user_type: user.user_type.to_string(),
        status: user.status.to_string(),
        owner: live.directory.owner.as_deref() == Some(name),
        managed: live
            .managed
            .contains(&ObjectKey::new(ObjectKind::User, name)),
        roles: user.roles.iter().cloned().collect(),
        time_zone: user.time_zone.clone(),
        locale: user.locale.clone(),
        language: user.language.to_string(),
        external_id: user.external_id.clone(),
        protected: user.protected,
        groups,
        contact_methods,
        push_devices: platform
            .push_methods
            .get(name)
            .into_iter()
            .flatten()
            .map(|p| Device {
                device: p.device.clone(),
                registered_at: p.registered_at,
            })
            .collect(),
        out_of_office: user
            .out_of_office
            .iter()
            .filter(|w| !w.is_past(now))
            .map(|w| absence(user, w))
            .collect(),
        covering,
        shifts: platform
            .shifts
            .iter()
            .filter(|s| s.user == *name && s.ends_at > now)
            .map(shift_line)
            .collect(),
        invitation: platform.invitations.get(name).map(|i| InvitationLine {
            state: if i.accepted_at.is_some() {
                "accepted"
            } else if i.expired_unaccepted(now) {
                "expired"
            } else {
                "pending"
            },
            sent_at: i.sent_at,
            expires_at: i.expires_at,
            accepted_at: i.accepted_at,
        }),
        last_sign_in: platform.last_login.get(name).copied(),
        api_tokens: platform
            .api_tokens
            .get(name)
            .into_iter()
            .flatten()
            .map(|t| Token {
                name: t.name.clone(),
                created_at: t.created_at,
            })
            .collect(),
    }
}

/// What is known of the group `name`, shifts and absences from `now` on.
pub fn group_card(live: &LiveSnapshot, name: &str, now: DateTime<Utc>) -> Option<GroupCard> {
    let group = live.directory.groups.get(name)?;
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (user, roles) in &group.members {
        if roles.is_empty() {
            members
                .entry("member".into())
                .or_default()
                .push(user.clone());
        }
        for role in roles {
            members
                .entry(role.to_string())
                .or_default()
                .push(user.clone());
        }
    }
    let mut absences: Vec<Absence> = group
        .members
        .keys()
        .filter_map(|u| live.directory.users.get(u))
        .flat_map(|u| {
            u.out_of_office
                .iter()
                .filter(|w| !w.is_past(now))
                .map(move |w| {
                    let mut a = absence(u, w);
                    a.covered_by = w
                        .cover
                        .for_group(name)
                        .map(|c| CoverLine {
                            group: Some(name.to_string()),
                            user: c.to_string(),
                        })
                        .into_iter()
                        .collect();
                    a
                })
        })
        .collect();
    absences.sort_by(|a, b| (a.from, &a.user).cmp(&(b.from, &b.user)));
    Some(GroupCard {
        name: group.name.clone(),
        description: group.description.clone(),
        managed: live
            .managed
            .contains(&ObjectKey::new(ObjectKind::Group, name)),
        members,
        shifts: live
            .platform
            .shifts
            .iter()
            .filter(|s| s.group == name && s.ends_at > now)
            .map(shift_line)
            .collect(),
        absences,
    })
}

/// Every out-of-office window overlapping `[from, until)`, of `group`'s
/// members when one is given, by start.
pub fn who_is_out(
    live: &LiveSnapshot,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    group: Option<&str>,
) -> WhoIsOut {
    let members: Option<BTreeSet<&str>> = group.map(|g| {
        live.directory
            .groups
            .get(g)
            .map(|g| g.members.keys().map(String::as_str).collect())
            .unwrap_or_default()
    });
    let mut absences: Vec<Absence> = live
        .directory
        .users
        .values()
        .filter(|u| {
            members
                .as_ref()
                .is_none_or(|m| m.contains(u.username.as_str()))
        })
        .flat_map(|u| {
            u.out_of_office
                .iter()
                .filter(|w| w.from < until && from < w.until)
                .map(move |w| absence(u, w))
        })
        .collect();
    absences.sort_by(|a, b| (a.from, &a.user).cmp(&(b.from, &b.user)));
    WhoIsOut {
        from,
        until,
        group: group.map(str::to_string),
        absences,
    }
}

fn absence(user: &User, window: &OofWindow) -> Absence {
    use crate::model::directory::Cover;
    Absence {
        user: user.username.clone(),
        name: format!("{} {}", user.first_name, user.last_name),
        from: window.from,
        until: window.until,
        covered_by: match &window.cover {
            Cover::AllGroups(u) => vec![CoverLine {
                group: None,
                user: u.clone(),
            }],
            Cover::PerGroup(map) => map
                .iter()
                .map(|(g, u)| CoverLine {
                    group: Some(g.clone()),
                    user: u.clone(),
                })
                .collect(),
        },
        note: window.note.clone(),
    }
}

fn shift_line(shift: &crate::model::live::Shift) -> ShiftLine {
    ShiftLine {
        group: shift.group.clone(),
        user: shift.user.clone(),
        starts_at: shift.starts_at,
        ends_at: shift.ends_at,
    }
}

/// Whether a verification state keeps a method from being used.
pub fn is_blocking(state: &str) -> bool {
    matches!(
        VerificationState::parse(state),
        Some(VerificationState::Unverified | VerificationState::Bounced)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_week_runs_monday_to_monday() {
        let sunday = "2026-11-22T18:00:00Z".parse().unwrap();
        let (from, until) = this_week(sunday);
        assert_eq!(from.to_rfc3339(), "2026-11-16T00:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-11-23T00:00:00+00:00");
        let monday = "2026-11-23T00:00:00Z".parse().unwrap();
        assert_eq!(this_week(monday).0, monday);
    }
}
