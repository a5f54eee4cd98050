//! Renderers: everything roster prints for people and tools.
pub mod diagnostics;
pub mod drift;
pub mod plan;
pub mod redact;
pub mod yaml;
