//! The live side: what the directory database holds besides the managed
//! directory — platform-owned state roster reads but never writes, and
//! roster's record of what it applied.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Directory;
use super::vocab::{Channel, SelfServiceField};

/// Everything read from the live database in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveSnapshot {
    /// The directory as it is, in canonical form.
    pub directory: Directory,
    /// Platform-owned state.
    pub platform: PlatformState,
    /// What roster applied last, per managed object.
    pub managed: Managed,
}

/// State the platform owns: roster reads it to plan safely and never writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformState {
    /// Push methods the mobile app registered, per username.
    pub push_methods: BTreeMap<String, Vec<PushMethod>>,
    /// Verification of contact values, per (username, channel, value).
    pub verifications: BTreeMap<(String, Channel, String), Verification>,
    /// Invitations, per username.
    pub invitations: BTreeMap<String, Invitation>,
    /// Last sign-in, per username.
    pub last_login: BTreeMap<String, DateTime<Utc>>,
    /// API tokens (never their secrets), per username.
    pub api_tokens: BTreeMap<String, Vec<ApiToken>>,
    /// Integrations configured on the account, by name.
    pub integrations: BTreeMap<String, String>,
    /// On-call shifts, by start.
    pub shifts: Vec<Shift>,
}

/// A mobile device registered for push notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMethod {
    /// Device name.
    pub device: String,
    /// When the app registered it.
    pub registered_at: DateTime<Utc>,
}

/// Whether a contact value has been verified or has bounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    /// Not yet confirmed by its owner.
    Unverified,
    /// Confirmed.
    Verified,
    /// Messages to it bounce.
    Bounced,
}

impl VerificationState {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationState::Unverified => "unverified",
            VerificationState::Verified => "verified",
            VerificationState::Bounced => "bounced",
        }
    }

    /// Parses the database name.
    pub fn parse(text: &str) -> Option<VerificationState> {
        match text {
            "unverified" => Some(VerificationState::Unverified),
            "verified" => Some(VerificationState::Verified),
            "bounced" => Some(VerificationState::Bounced),
            _ => None,
        }
    }
}

/// The verification record of one contact value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The state.
    pub state: VerificationState,
    /// When it was last checked.
    pub checked_at: DateTime<Utc>,
}

/// An invitation to join the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When it stops working (7 days after sending).
    pub expires_at: DateTime<Utc>,
    /// When it was accepted, if it was.
    pub accepted_at: Option<DateTime<Utc>>,
}

impl Invitation {
    /// Whether it expired without being accepted.
    pub fn expired_unaccepted(&self, now: DateTime<Utc>) -> bool {
        self.accepted_at.is_none() && self.expires_at <= now
    }
}

/// An API token of a user; the secret is never read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Token name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// An on-call shift.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shift {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Group.
    pub group: String,
    /// Username.
    pub user: String,
}

/// The kinds of objects roster manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// The account (its owner).
    Account,
    /// A custom role.
    Role,
    /// A user.
    User,
    /// A group.
    Group,
}

impl ObjectKind {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Account => "account",
            ObjectKind::Role => "role",
            ObjectKind::User => "user",
            ObjectKind::Group => "group",
        }
    }

    /// Parses the database name.
    pub fn parse(text: &str) -> Option<ObjectKind> {
        match text {
            "account" => Some(ObjectKind::Account),
            "role" => Some(ObjectKind::Role),
            "user" => Some(ObjectKind::User),
            "group" => Some(ObjectKind::Group),
            _ => None,
        }
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of the account object in bookkeeping.
pub const ACCOUNT: &str = "account";

/// An object roster manages: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectKey {
    /// Kind.
    pub kind: ObjectKind,
    /// Name (username, group name, role name, or `account`).
    pub name: String,
}

impl ObjectKey {
    /// A key.
    pub fn new(kind: ObjectKind, name: impl Into<String>) -> ObjectKey {
        ObjectKey {
            kind,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.kind, self.name)
    }
}

/// The last-applied form of every managed object, and the policy that
/// applied it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Managed {
    /// Per object: fingerprint, and the canonical JSON body when loaded.
    pub objects: BTreeMap<ObjectKey, ManagedRecord>,
    /// The self-service fields in force at the last apply (none recorded:
    /// none).
    pub self_service: BTreeSet<SelfServiceField>,
}

/// What roster applied last for one object.
#[derive(Debug, Clone)]
pub struct ManagedRecord {
    /// Fingerprint of the body.
    pub fingerprint: String,
    /// Canonical JSON of the object; loaded only when asked for.
    pub body: Option<String>,
    /// Whether the live object under this record's key has the recorded
    /// fingerprint: worked out once, by the first step that asks (a plan
    /// asks twice of most objects, and fingerprinting 100,000 users is
    /// the planner's heaviest work).
    live_matches: std::sync::OnceLock<bool>,
}

impl ManagedRecord {
    /// A record of `fingerprint`, with its body when loaded.
    pub fn new(fingerprint: String, body: Option<String>) -> ManagedRecord {
        ManagedRecord {
            fingerprint,
            body,
            live_matches: std::sync::OnceLock::new(),
        }
    }

    /// Whether the live object under this record's key has the recorded
    /// fingerprint; `live` fingerprints that object, and only that one,
    /// the first time this is asked.
    pub fn live_matches(&self, live: impl FnOnce() -> String) -> bool {
        *self.live_matches.get_or_init(|| self.fingerprint == live())
    }
}

/// Records are the same when they record the same thing; what was worked
/// out about the live object does not count.
impl PartialEq for ManagedRecord {
    fn eq(&self, other: &ManagedRecord) -> bool {
        self.fingerprint == other.fingerprint && self.body == other.body
    }
}

impl Eq for ManagedRecord {}

impl Managed {
    /// Whether roster manages `key`.
    pub fn contains(&self, key: &ObjectKey) -> bool {
        self.objects.contains_key(key)
    }

    /// Forgets what was worked out about the live objects, once they
    /// changed.
    pub fn forget_live_matches(&mut self) {
        for record in self.objects.values_mut() {
            record.live_matches = std::sync::OnceLock::new();
        }
    }

    /// Fills in recorded bodies read afterwards.
    pub fn add_bodies(&mut self, bodies: Vec<(ObjectKey, String)>) {
        for (key, body) in bodies {
            if let Some(record) = self.objects.get_mut(&key) {
                record.body = Some(body);
            }
        }
    }
}

/// A content fingerprint: SHA-256 of the canonical JSON, hex, 32 characters.
/// The JSON is written into a buffer kept per thread: a plan fingerprints
/// every object of the directory.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        serde_json::to_writer(&mut *buffer, value).expect("model values serialize");
        hex_prefix(&Sha256::digest(buffer.as_slice()))
    })
}

/// The canonical JSON of a model value (field order is the declaration
/// order, collections are sorted), as stored in bookkeeping.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("model values serialize")
}

/// The fingerprint of canonical JSON text.
pub fn fingerprint_text(json: &str) -> String {
    hex_prefix(&Sha256::digest(json.as_bytes()))
}

/// The first 16 bytes of a digest in lowercase hex.
fn hex_prefix(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(32);
    for byte in &digest[..16] {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 15)]));
    }
    text
}

#[cfg(test)]
mod fingerprint_tests {
    #[test]
    fn a_fingerprint_is_the_digest_of_the_canonical_json_in_hex() {
        let value =
            serde_json::json!({ "username": "alice", "roles": ["basic", "app_admin"], "n": 3 });
        let json = super::canonical_json(&value);
        let expected: String = sha2::Digest::finalize(sha2::Digest::chain_update(
            <sha2::Sha256 as sha2::Digest>::new(),
            json.as_bytes(),
        ))[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(super::fingerprint(&value), expected);
        assert_eq!(super::fingerprint_text(&json), expected);
        // The buffer kept between calls holds nothing of the last value.
        assert_eq!(super::fingerprint(&"x"), super::fingerprint_text("\"x\""));
        assert_eq!(super::fingerprint(&value), expected);
    }
}

#[cfg(test)]
mod tests {
    use super::{Managed, ManagedRecord, ObjectKey, ObjectKind};

    #[test]
    fn a_record_fingerprints_the_live_object_once_until_told_it_changed() {
        let key = ObjectKey::new(ObjectKind::User, "alice");
        let mut managed = Managed::default();
        managed
            .objects
            .insert(key.clone(), ManagedRecord::new("aaa".into(), None));
        let asked = std::cell::Cell::new(0);
        let print = |fingerprint: &'static str| {
            asked.set(asked.get() + 1);
            fingerprint.to_string()
        };
        let record = &managed.objects[&key];
        assert!(record.live_matches(|| print("aaa")));
        assert!(record.live_matches(|| print("bbb")), "worked out once");
        assert_eq!(asked.get(), 1);
        assert_eq!(
            *record,
            ManagedRecord::new("aaa".into(), None),
            "what was worked out is not part of the record"
        );
        managed.forget_live_matches();
        assert!(!managed.objects[&key].live_matches(|| print("bbb")));
        assert_eq!(asked.get(), 2);
    }
}
