//! Tools for benchmarks and tests, not stages of the pipeline: a generator
//! of realistic directories of any size (the hidden `roster generate`),
//! and an in-memory model of the store's writer for property tests.

pub mod generate;
pub mod memory;
