//! Loading a config: YAML with positions → schema check → normalisation →
//! semantic rules.
pub mod schema_check;
pub mod source;
pub mod suggest;
pub mod yaml;
