//! Integration tests: the `roster` binary run as a user runs it.

mod support;

mod cache;
mod calendar;
mod db;
mod e2e;
mod examples;
mod export;
mod planner;
mod properties;
mod scale;
mod schema;
mod store;
mod validate;
