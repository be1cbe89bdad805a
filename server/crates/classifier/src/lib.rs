//! Steward's automated judgement: what each tool and permission scope of a
//! normalized manifest can really do (effect, capabilities, risk, with the
//! reasons), the disclosure label a buyer reads, and review findings.
//!
//! Invariants: pure functions of their inputs (no IO, no clock); the rules are
//! data (a [`Ruleset`] with a version id) and every result names the ruleset
//! that produced it; declared annotations are evidence, never trusted over
//! contrary evidence. Builds for the server and for WASM (the portal's editor
//! runs it in the browser).
//!
//! - Rules: [`default_ruleset`] (`rules/ruleset.json`, embedded, parsed once),
//!   [`Ruleset::from_json`], [`Ruleset::id`].
//! - Classification: [`classify`] (a manifest), [`classify_tool`],
//!   [`classify_scope`], [`classify_scope_name`]; [`ClassifyOptions`] and
//!   [`classify_tool_without_annotations`] to judge by the rules alone.
//! - The buyer's label: [`disclosure`], [`disclosure_changes`] (what a buyer
//!   of an older version has not agreed to).
//! - Everything at once, as `steward classify` prints it and as a version's
//!   screening is stored: [`report`].
//! - Quality against publishers' annotations: [`agreement`],
//!   [`quality_report`] (the figures are in the `quality` module's docs).

mod classify;
mod disclosure;
mod findings;
mod model;
mod quality;
mod report;
mod ruleset;
mod scope;
mod text;

pub use classify::{
    ClassifyOptions, classify, classify_tool, classify_tool_with,
    classify_tool_without_annotations, classify_with,
};
pub use disclosure::{disclosure, disclosure_changes, disclosure_with};
pub use findings::*;
pub use model::*;
pub use quality::{
    Agreement, AnnotatedTool, DeclaredEffect, Disagreement, agreement, annotated_tools,
    quality_report,
};
pub use report::{Report, report};
pub use ruleset::{Ruleset, default_ruleset};
pub use scope::{classify_scope, classify_scope_name};
