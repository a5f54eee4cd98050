//! Renderers: everything roster prints for people and tools.
pub mod diagnostics;
pub mod yaml;
