//! roster keeps the people of an on-call platform in git.
pub mod config;
pub mod diagnostic;
pub mod model;
pub mod report;
