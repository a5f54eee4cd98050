//! `roster schema`: print the JSON Schema of a roster document.

use clap::Args;

use super::{ExitStatus, Output};
use crate::model::schema::document_schema_text;

/// Arguments of `roster schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// Prints the schema to stdout.
pub fn run(_args: SchemaArgs, output: &Output) -> ExitStatus {
    output.data(&document_schema_text());
    ExitStatus::Success
}
