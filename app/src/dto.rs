//! What the server sends the browser. Built from service results on the server;
//! never a database model.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCard {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub category: String,
    pub category_label: String,
    pub publisher: String,
    pub publisher_verified: bool,
    pub version: String,
    pub tool_count: u64,
    pub published: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogResults {
    pub cards: Vec<CatalogCard>,
    /// (slug, label) of every category, for the filter.
    pub categories: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingView {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub category_label: String,
    pub publisher: String,
    pub publisher_verified_domain: Option<String>,
    pub version: String,
    pub published: String,
    pub manifest_digest: Option<String>,
    pub tools: Vec<ToolItem>,
    pub history: Vec<VersionItem>,
    /// (code, label) of every report reason.
    pub report_reasons: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolItem {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub declared: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionItem {
    pub version: String,
    pub state: String,
    pub state_label: String,
    pub published: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportReceipt {
    pub reference: String,
}
