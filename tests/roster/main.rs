//! Integration tests: the `roster` binary run as a user runs it.

mod support;

mod cache;
mod calendar;
mod coverage;
mod db;
mod e2e;
mod examples;
mod export;
mod hostile;
mod offboard;
mod onboard;
mod ownership;
mod planner;
mod properties;
mod pull;
mod readers;
mod scale;
mod schema;
mod stale;
mod store;
mod validate;
