//! The domain model: the config documents as written ([`document`]), the
//! closed vocabularies ([`vocab`]) and the normalised directory that configs
//! and the live database both become ([`directory`]).

pub mod canonical;
pub mod directory;
pub mod document;
mod e164;
pub mod live;
pub mod policy;
pub mod schema;
pub mod timezone;
mod tz_links;
pub mod vocab;

pub use directory::Directory;

use std::collections::BTreeMap;

/// What a config asks for: the directory it declares, its policy, and the
/// renames it announces (`previous_usernames`, old name → new name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredState {
    /// The declared directory.
    pub directory: Directory,
    /// How undeclared objects are treated.
    pub policy: policy::Policy,
    /// Old username → current username.
    pub renames: BTreeMap<String, String>,
    /// Who each user is on git hosting: username → host → login
    /// (lowercase). The config's alone: plans and the live directory
    /// ignore it; `roster review` reads it.
    pub handles: BTreeMap<String, BTreeMap<String, String>>,
}
