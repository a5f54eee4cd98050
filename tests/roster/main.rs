//! Integration tests: the `roster` binary run as a user runs it.

mod support;

mod cache;
mod calendar;
mod completions;
mod coverage;
mod db;
mod e2e;
mod examples;
mod export;
mod help;
mod hostile;
mod lookup;
mod ownership;
mod planner;
mod properties;
mod readers;
mod review;
mod scale;
mod schema;
mod stale;
mod store;
mod validate;
