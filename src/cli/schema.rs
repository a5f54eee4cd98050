//! `roster schema`: print the JSON Schema of a roster document.

use clap::Args;

use super::{ExitStatus, Settings};
use crate::model::schema::document_schema_text;

/// Arguments of `roster schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// Prints the schema to stdout.
pub fn run(_args: SchemaArgs, settings: &Settings) -> ExitStatus {
    settings.output.data(&document_schema_text());
    ExitStatus::Success
}
