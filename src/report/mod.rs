//! Renderers: everything roster prints for people and tools.
pub mod coverage;
pub mod diagnostics;
pub mod drift;
pub mod escape;
pub mod lookup;
pub mod plan;
pub mod redact;
pub mod review;
pub mod yaml;
