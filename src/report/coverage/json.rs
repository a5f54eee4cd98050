//! The coverage report as versioned JSON (`docs/formats.md`).

use serde_json::{Value, json as value};

use super::{ReportOptions, counts};
use crate::coverage::Coverage;

/// The version of the JSON coverage structure.
pub const FORMAT_VERSION: u32 = 1;

/// Renders the report as pretty JSON with a trailing newline.
pub fn json(coverage: &Coverage, options: &ReportOptions) -> String {
    let c = counts(coverage);
    let document: Value = value!({
        "format_version": FORMAT_VERSION,
        "location": options.location,
        "config": options.config,
        "period": coverage.period,
        "summary": {
            "groups": c.groups,
            "groups_with_gaps": c.with_gaps,
            "gaps": c.gaps,
            "reachable_throughout": c.with_gaps == 0,
        },
        "groups": coverage.groups,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("JSON values serialize");
    text.push('\n');
    text
}
