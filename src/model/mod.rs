//! The domain model: the config documents as written ([`document`]), the
//! closed vocabularies ([`vocab`]) and the normalised directory that configs
//! and the live database both become ([`directory`]).

pub mod directory;
pub mod document;
pub mod schema;
pub mod timezone;
mod tz_links;
pub mod vocab;

pub use directory::Directory;
