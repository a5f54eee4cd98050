//! Renderers: everything roster prints for people and tools.
pub mod diagnostics;
