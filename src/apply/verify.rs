//! Whether a reviewed plan still fits the live directory, checked inside
//! the apply's transaction on what the apply writes over: every object the
//! plan read is as it was, every object it refers to still exists, and the
//! guards that depend on live state still let it through.

use chrono::{DateTime, Utc};

use crate::model::live::{LiveSnapshot, ObjectKey};
use crate::plan::{Plan, Refusal, live_exists, live_fingerprint};

/// Why a plan no longer fits the live directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mismatch {
    /// Objects that changed since the plan read them.
    pub changed: Vec<ObjectKey>,
    /// Objects the plan refers to that no longer exist.
    pub missing: Vec<ObjectKey>,
    /// Guards that now stop the plan.
    pub refusals: Vec<Refusal>,
}

impl Mismatch {
    /// Whether everything still fits.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.refusals.is_empty()
    }
}

/// Checks `plan` against `live` as it is at `now`.
pub fn verify(plan: &Plan, live: &LiveSnapshot, now: DateTime<Utc>) -> Result<(), Mismatch> {
    let changed = plan
        .fingerprints
        .iter()
        .filter(|f| live_fingerprint(live, &f.object) != f.fingerprint)
        .map(|f| f.object.clone())
        .collect();
    let missing = plan
        .references
        .iter()
        .filter(|key| !live_exists(live, key))
        .cloned()
        .collect();
    let mismatch = Mismatch {
        changed,
        missing,
        refusals: crate::plan::recheck(plan, live, now),
    };
    if mismatch.is_empty() {
        Ok(())
    } else {
        Err(mismatch)
    }
}
