//! One screening of one manifest: classification, findings and the buyer's
//! label together. This is `steward classify`'s JSON and what a version keeps.

use domain::manifest::Manifest;
use serde::{Deserialize, Serialize};

use crate::{
    Capability, CatalogEntry, Disclosure, Finding, ListingInfo, ReviewInput, Risk, Ruleset,
    ScopeClass, ToolClass, classify, disclosure_with, review,
};

/// The screening report. Field names are the CLI's JSON contract.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub ruleset: String,
    pub risk: Risk,
    pub tools: Vec<ToolClass>,
    pub scopes: Vec<ScopeClass>,
    pub findings: Vec<Finding>,
    pub disclosure: Disclosure,
}

/// Classifies `manifest`, reviews it (against the listing, the previous
/// version and the catalog, when given) and writes the label.
pub fn report(
    manifest: &Manifest,
    listing: Option<&ListingInfo>,
    previous: Option<&Manifest>,
    catalog: &[CatalogEntry],
    allowed_capabilities: Option<&[Capability]>,
    rules: &Ruleset,
) -> Report {
    let c = classify(manifest, rules);
    let prev = previous.map(|m| (m, classify(m, rules)));
    let declared: &[String] = listing.map_or(&[], |l| l.declared_capabilities.as_slice());
    let findings = review(&ReviewInput {
        manifest,
        classification: &c,
        listing,
        previous: prev.as_ref().map(|(m, c)| (*m, c)),
        catalog,
        allowed_capabilities,
    });
    let disclosure = disclosure_with(&c, manifest, declared, rules);
    Report {
        ruleset: c.ruleset,
        risk: c.risk,
        tools: c.tools,
        scopes: c.scopes,
        findings,
        disclosure,
    }
}
