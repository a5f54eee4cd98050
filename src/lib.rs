//! roster keeps the people of an on-call platform in git.
//!
//! The pipeline: [`config`] reads YAML with positions, checks it against the
//! schema generated from [`model::document`], normalises it into a
//! [`model::Directory`] and runs the semantic rules; [`report`] renders what
//! it found. The [`cli`] module wires each subcommand to these stages.
pub mod apply;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod drift;
pub mod export;
pub mod generate;
pub mod model;
pub mod notify;
pub mod parallel;
pub mod plan;
pub mod report;
pub mod serve;
pub mod store;
pub mod timing;
