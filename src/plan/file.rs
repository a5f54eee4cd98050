//! Saved plans (`plan --out`): the changes with every object as it will be
//! written, the fingerprint of every live object they touch, the digest of
//! the config they came from and the roster that made them.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Plan;

/// The version of the plan file structure.
pub const FORMAT_VERSION: u32 = 1;

/// A plan saved for a later `apply --plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    /// Version of this structure.
    pub format_version: u32,
    /// The roster that made it; only the same version applies it.
    pub roster_version: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The database it was made against (password masked).
    pub database: String,
    /// SHA-256 of the config's files.
    pub config_digest: String,
    /// The plan.
    pub plan: Plan,
    /// HMAC-SHA256 of the rest of the file, hex, when the plan was made
    /// with a key (`ROSTER_PLAN_KEY`): an apply with the same key refuses a
    /// file that was changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A plan file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// Not readable.
    #[error("cannot read the plan file")]
    Read(#[source] std::io::Error),
    /// Not a plan file.
    #[error("not a roster plan file")]
    Parse(#[source] serde_json::Error),
    /// Unsigned where a signature is required.
    #[error("the plan file is not signed, and `ROSTER_PLAN_KEY` is set")]
    Unsigned,
    /// Changed since it was signed, or signed with another key.
    #[error(
        "the plan file's signature does not match its content: it was changed after it was made, or made with another key"
    )]
    BadSignature,
    /// Made by another version.
    #[error(
        "the plan was made by roster {made_by} (plan format {format}); this is roster {running}"
    )]
    Version {
        made_by: String,
        format: u32,
        running: String,
    },
}

impl PlanFile {
    /// Wraps a plan for saving.
    pub fn new(plan: Plan, database: &str, config_digest: String) -> PlanFile {
        PlanFile {
            format_version: FORMAT_VERSION,
            roster_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: plan.now,
            database: database.to_string(),
            config_digest,
            plan,
            signature: None,
        }
    }

    /// Signs the file with `key`.
    pub fn sign(&mut self, key: &[u8]) {
        self.signature = None;
        let tag = mac(key, &self.unsigned_text()).finalize().into_bytes();
        self.signature = Some(tag.iter().map(|b| format!("{b:02x}")).collect());
    }

    /// Checks the signature against `key`, in constant time.
    pub fn verify(&self, key: &[u8]) -> Result<(), PlanFileError> {
        let signature = self.signature.as_deref().ok_or(PlanFileError::Unsigned)?;
        let bytes = hex(signature).ok_or(PlanFileError::BadSignature)?;
        let unsigned = PlanFile {
            signature: None,
            ..self.clone()
        };
        mac(key, &unsigned.unsigned_text())
            .verify_slice(&bytes)
            .map_err(|_| PlanFileError::BadSignature)
    }

    /// The file's canonical text without its signature: what is signed.
    fn unsigned_text(&self) -> String {
        debug_assert!(self.signature.is_none());
        serde_json::to_string(self).expect("plans serialize")
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("plans serialize");
        text.push('\n');
        text
    }

    /// Reads a plan file made by this roster.
    pub fn read(path: &std::path::Path) -> Result<PlanFile, PlanFileError> {
        let text = std::fs::read_to_string(path).map_err(PlanFileError::Read)?;
        PlanFile::from_text(&text)
    }

    /// Reads the text of a plan file made by this roster.
    pub fn from_text(text: &str) -> Result<PlanFile, PlanFileError> {
        let file: PlanFile = serde_json::from_str(text).map_err(PlanFileError::Parse)?;
        if file.format_version != FORMAT_VERSION || file.roster_version != env!("CARGO_PKG_VERSION")
        {
            return Err(PlanFileError::Version {
                made_by: file.roster_version,
                format: file.format_version,
                running: env!("CARGO_PKG_VERSION").to_string(),
            });
        }
        Ok(file)
    }

    /// SHA-256 of the plan's canonical JSON: what the apply history records.
    pub fn digest(&self) -> String {
        plan_digest(&self.plan)
    }
}

fn mac(key: &[u8], text: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(text.as_bytes());
    mac
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// SHA-256 of a plan's canonical JSON, hex.
pub fn plan_digest(plan: &Plan) -> String {
    /// Hashes what is written to it: the JSON is never held whole.
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = std::io::BufWriter::with_capacity(64 * 1024, Hashing(Sha256::new()));
    serde_json::to_writer(&mut hashing, plan).expect("plans serialize");
    let Ok(Hashing(digest)) = hashing.into_inner().map_err(|_| ()) else {
        unreachable!("hashing cannot fail")
    };
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
