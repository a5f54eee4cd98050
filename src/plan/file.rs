//! Saved plans (`plan --out`): the changes with every object as it will be
//! written, the fingerprint of every live object they touch, the digest of
//! the config they came from and the roster that made them.

use chrono::{DateTime, Utc};
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
        }
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
        let file: PlanFile = serde_json::from_str(&text).map_err(PlanFileError::Parse)?;
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

/// SHA-256 of a plan's canonical JSON, hex.
pub fn plan_digest(plan: &Plan) -> String {
    let json = serde_json::to_string(plan).expect("plans serialize");
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
