//! How a plan treats what the config does not declare: prune modes per
//! collection and the mass-delete guard.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::document::{MaxDeletesSpec, PolicySpec, PruneSpec};
use super::vocab::{PruneMode, SelfServiceField};

/// The reconciliation policy of a config, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Prune mode for users.
    pub prune_users: PruneMode,
    /// Prune mode for groups.
    pub prune_groups: PruneMode,
    /// Prune mode for custom roles.
    pub prune_roles: PruneMode,
    /// At most this many deletions per plan.
    pub max_deletes: Option<u32>,
    /// At most this percentage of the live users, groups and roles.
    pub max_delete_percent: Option<u32>,
    /// The user fields people maintain themselves.
    pub self_service: BTreeSet<SelfServiceField>,
}

/// The mass-delete guard when a config sets none.
pub const DEFAULT_MAX_DELETES: u32 = 10;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            prune_users: PruneMode::Managed,
            prune_groups: PruneMode::Managed,
            prune_roles: PruneMode::Managed,
            max_deletes: Some(DEFAULT_MAX_DELETES),
            max_delete_percent: None,
            self_service: BTreeSet::new(),
        }
    }
}

impl Policy {
    /// Reads the policy section of a config.
    pub fn from_spec(spec: Option<&PolicySpec>) -> Policy {
        let mut policy = Policy::default();
        let Some(spec) = spec else {
            return policy;
        };
        match &spec.prune {
            Some(PruneSpec::All(mode)) => {
                policy.prune_users = *mode;
                policy.prune_groups = *mode;
                policy.prune_roles = *mode;
            }
            Some(PruneSpec::PerCollection(per)) => {
                policy.prune_users = per.users.unwrap_or(PruneMode::Managed);
                policy.prune_groups = per.groups.unwrap_or(PruneMode::Managed);
                policy.prune_roles = per.roles.unwrap_or(PruneMode::Managed);
            }
            None => {}
        }
        match &spec.max_deletes {
            Some(MaxDeletesSpec::Count(count)) => policy.max_deletes = Some(*count),
            Some(MaxDeletesSpec::Limits(limits)) => {
                policy.max_deletes = limits.count;
                policy.max_delete_percent = limits.percent;
            }
            None => {}
        }
        policy.self_service = spec.self_service.iter().copied().collect();
        policy
    }

    /// Whether people maintain `field` themselves.
    pub fn is_self_service(&self, field: SelfServiceField) -> bool {
        self.self_service.contains(&field)
    }
}
