//! roster keeps the people of an on-call platform in git.
//!
//! The pipeline, each stage a module that imports only the stages before it:
//!
//! 1. [`config`] reads YAML with positions, checks it against the JSON
//!    Schema generated from [`model::document`], normalises it into the
//!    canonical [`model::Directory`] and runs the semantic rules, each
//!    finding a [`diagnostic::Diagnostic`] with its place;
//! 2. [`model`] holds the domain in one canonical form — the directory a
//!    config declares, the live state (platform-owned records, roster's
//!    bookkeeping) — with no I/O;
//! 3. [`store`] reads the live directory from SQLite or PostgreSQL in a
//!    fixed number of queries and writes change sets, under a lock;
//! 4. [`plan`] is pure: desired × last-applied × live → a [`plan::Plan`]
//!    that decides everything an apply does, with its guards and notes;
//! 5. [`apply`] executes a plan in one transaction — re-check, change set,
//!    write, history — deciding nothing; [`drift`] compares live with
//!    last-applied; [`export`] turns the live directory back into config
//!    documents;
//! 6. [`report`] renders plans, drift, findings and YAML as text, JSON and
//!    markdown, masking personal data.
//!
//! Beside the pipeline: [`review`] compares the config at a git revision
//! with the working tree and says who may approve each change; [`lookup`]
//! answers questions about the live directory (one person, one group, who
//! is out).
//!
//! [`cli`] wires each subcommand to these stages: arguments and settings
//! in, a rendered result and an exit status out. [`parallel`] and
//! [`timing`] serve every stage; [`testkit`] holds tools for benchmarks and
//! tests.
pub mod apply;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod diagnostic;
pub mod drift;
pub mod edit;
pub mod export;
pub mod fast;
pub mod lookup;
pub mod model;
pub mod offboard;
pub mod onboard;
pub mod parallel;
pub mod plan;
pub mod pull;
pub mod report;
pub mod review;
pub mod serve;
pub mod store;
pub mod testkit;
pub mod timing;

/// Leaves a large value for the process's exit to reclaim: freeing a
/// 100,000-user directory object by object takes a noticeable part of a
/// second, and every command ends soon after it is done with one.
pub fn release_at_exit<T>(value: T) {
    std::mem::forget(value);
}
