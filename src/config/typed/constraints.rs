//! The schema's checks on single text values: its patterns (the same
//! constants the schema is generated from) and its `email` format (the
//! schema validator's own check, on the one value).

use std::sync::OnceLock;

use jsonschema::Validator;
use regex::Regex;
use serde_json::Value;

use crate::model::document::{
    CLOCK_PATTERN, DATE_TIME_PATTERN, HANDLE_PATTERN, LOCALE_PATTERN, PHONE_PATTERN,
    PROFILE_METHOD_PATTERN, ROLE_NAME_PATTERN, SLACK_PATTERN, USERNAME_PATTERN,
};

/// A pattern of the schema, compiled on first use.
pub(crate) struct Pattern {
    source: &'static str,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` matches, as the schema's `pattern` asks.
    pub(crate) fn matches(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(self.source).expect("the schema's patterns compile"))
            .is_match(text)
    }
}

pub(crate) static ROLE_NAME: Pattern = Pattern::new(ROLE_NAME_PATTERN);
pub(crate) static USERNAME: Pattern = Pattern::new(USERNAME_PATTERN);
pub(crate) static HANDLE: Pattern = Pattern::new(HANDLE_PATTERN);
pub(crate) static LOCALE: Pattern = Pattern::new(LOCALE_PATTERN);
pub(crate) static PHONE: Pattern = Pattern::new(PHONE_PATTERN);
pub(crate) static SLACK: Pattern = Pattern::new(SLACK_PATTERN);
pub(crate) static CLOCK: Pattern = Pattern::new(CLOCK_PATTERN);
pub(crate) static PROFILE_METHOD: Pattern = Pattern::new(PROFILE_METHOD_PATTERN);
pub(crate) static DATE_TIME: Pattern = Pattern::new(DATE_TIME_PATTERN);

/// Whether `text` is an email address by the schema's `email` format.
pub(crate) fn is_email(text: &str) -> bool {
    static EMAIL: OnceLock<Validator> = OnceLock::new();
    EMAIL
        .get_or_init(|| {
            jsonschema::options()
                .should_validate_formats(true)
                .build(&serde_json::json!({ "type": "string", "format": "email" }))
                .expect("the email format compiles")
        })
        .is_valid(&Value::String(text.to_string()))
}
