//! Integration tests: the `roster` binary run as a user runs it.

mod support;

mod cache;
mod calendar;
mod ci;
mod completions;
mod coverage;
mod db;
mod dropin;
mod e2e;
mod escaping;
mod examples;
mod export;
mod help;
mod hostile;
mod lookup;
mod offboard;
mod onboard;
mod ownership;
mod paging;
mod planner;
mod properties;
mod pull;
mod readers;
mod review;
mod scale;
mod schema;
mod stale;
mod store;
mod validate;
