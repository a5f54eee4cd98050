//! The plan as JSON for CI tools. The structure is versioned by
//! `format_version` and documented in `docs/formats.md`; values are
//! masked like the text output.

use serde::Serialize;
use serde_json::Value;

use super::RenderOptions;
use crate::model::live::{ObjectKey, ObjectKind};
use crate::plan::{Action, KeptReason, Note, Plan, Refusal, Summary};

/// The version of the JSON plan structure.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonPlan<'a> {
    format_version: u32,
    roster_version: &'static str,
    database: &'a str,
    has_changes: bool,
    summary: &'a Summary,
    changes: Vec<JsonChange<'a>>,
    refusals: &'a [Refusal],
    sensitive: &'a [Note],
    warnings: &'a [Note],
    pending: &'a [Note],
    unmanaged: &'a [ObjectKey],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kept: Vec<JsonKept<'a>>,
    adopt: Vec<&'a ObjectKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    self_service: Option<Vec<&'static str>>,
}

#[derive(Serialize)]
struct JsonKept<'a> {
    kind: ObjectKind,
    name: &'a str,
    path: &'a str,
    reason: KeptReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<Value>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    action: Action,
    kind: ObjectKind,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<&'a str>,
    fields: Vec<JsonField<'a>>,
}

#[derive(Serialize)]
struct JsonField<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    reverts: bool,
}

/// Renders a plan as one JSON document.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let redact =
        |path: &str, value: &Option<Value>| value.as_ref().map(|v| options.redactor.field(path, v));
    let document = JsonPlan {
        format_version: FORMAT_VERSION,
        roster_version: env!("CARGO_PKG_VERSION"),
        database: &options.location,
        has_changes: plan.has_changes(),
        summary: &plan.summary,
        changes: plan
            .changes
            .iter()
            .map(|c| JsonChange {
                action: c.action,
                kind: c.key.kind,
                name: &c.key.name,
                renamed_from: c.renamed_from.as_deref(),
                fields: c
                    .fields
                    .iter()
                    .map(|f| JsonField {
                        path: &f.path,
                        old: redact(&f.path, &f.old),
                        new: redact(&f.path, &f.new),
                        reverts: f.reverts,
                    })
                    .collect(),
            })
            .collect(),
        refusals: &plan.refusals,
        sensitive: &plan.sensitive,
        warnings: &plan.warnings,
        pending: &plan.pending,
        unmanaged: &plan.unmanaged,
        kept: plan
            .kept
            .iter()
            .map(|k| JsonKept {
                kind: k.object.kind,
                name: &k.object.name,
                path: &k.path,
                reason: k.reason,
                git: redact(&k.path, &k.git),
                live: redact(&k.path, &k.live),
            })
            .collect(),
        adopt: plan.adopt.iter().map(|(k, _)| k).collect(),
        self_service: plan
            .self_service
            .as_ref()
            .map(|fields| fields.iter().map(|f| f.as_str()).collect()),
    };
    let mut text = serde_json::to_string_pretty(&document).expect("plans serialize");
    text.push('\n');
    text
}
