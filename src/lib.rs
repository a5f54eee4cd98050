//! roster keeps the people of an on-call platform in git.
//!
//! The pipeline: [`config`] reads YAML with positions, checks it against the
//! schema generated from [`model::document`], normalises it into a
//! [`model::Directory`] and runs the semantic rules; [`report`] renders what
//! it found. The [`cli`] module wires each subcommand to these stages.
pub mod apply;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod drift;
pub mod export;
pub mod model;
pub mod parallel;
pub mod plan;
pub mod report;
pub mod store;
pub mod testkit;
pub mod timing;

/// Leaves a large value for the process's exit to reclaim: freeing a
/// 100,000-user directory object by object takes a noticeable part of a
/// second, and every command ends soon after it is done with one.
pub fn release_at_exit<T>(value: T) {
    std::mem::forget(value);
}
