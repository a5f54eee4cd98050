//! Contact values that stopped working since the last apply (SPEC
//! section 9): the platform sends nothing to an unverified value and
//! blocks one that bounces, so a number changed to a new, unverified one
//! or an address that started bouncing leaves its person harder to reach.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::live::{LiveSnapshot, ObjectKey, ObjectKind, VerificationState};
use crate::model::vocab::Channel;

/// One enabled contact value of a managed user the platform cannot use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ContactProblem {
    /// The user.
    pub object: ObjectKey,
    /// `channel-label[-variant]`.
    pub method: String,
    /// Its channel.
    pub channel: Channel,
    /// The value (masked when rendered).
    pub value: String,
    /// Unverified or bounced.
    pub state: VerificationState,
    /// When the platform recorded it.
    pub checked_at: DateTime<Utc>,
}

/// The enabled contact values of managed users that the platform found
/// unverified or bouncing after `since` (the last apply; every one when
/// nothing was applied yet).
pub fn problems(live: &LiveSnapshot, since: Option<DateTime<Utc>>) -> Vec<ContactProblem> {
    let platform = &live.platform;
    let mut out = Vec::new();
    for ((username, channel, value), verification) in &platform.verifications {
        if !matches!(
            verification.state,
            VerificationState::Unverified | VerificationState::Bounced
        ) || since.is_some_and(|t| verification.checked_at <= t)
        {
            continue;
        }
        let object = ObjectKey::new(ObjectKind::User, username);
        if !live.managed.contains(&object) {
            continue;
        }
        let Some(user) = live.directory.users.get(username) else {
            continue;
        };
        for method in user
            .contact_methods
            .iter()
            .filter(|m| m.enabled && m.channel == *channel && m.value == *value)
        {
            out.push(ContactProblem {
                object: object.clone(),
                method: method.key().to_string(),
                channel: *channel,
                value: value.clone(),
                state: verification.state,
                checked_at: verification.checked_at,
            });
        }
    }
    out.sort();
    out
}
