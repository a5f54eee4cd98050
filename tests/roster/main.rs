//! Integration tests: the `roster` binary run as a user runs it.

mod support;

mod examples;
mod properties;
mod schema;
mod validate;
