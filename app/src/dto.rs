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
    pub publisher_lapsed: bool,
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
    pub publisher_lapsed: bool,
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

/// The signed-in person, for the header and the account pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeView {
    pub name: String,
    pub email: String,
    pub orgs: Vec<OrgRef>,
    /// Names of the external providers linked to this account.
    pub linked_providers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRef {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationItem {
    pub id: String,
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub expires: String,
    pub expired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberItem {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub role_labels: Vec<String>,
    pub disabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgView {
    pub slug: String,
    pub name: String,
    pub kind_label: String,
    pub can_manage: bool,
    pub is_publisher: bool,
    pub my_roles: Vec<String>,
    pub members: Vec<MemberItem>,
    pub invitations: Vec<InvitationItem>,
    /// (role, label) pairs this organization can grant.
    pub roles: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteResult {
    pub email: String,
    /// The link to hand to the invitee; shown once.
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenItem {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensView {
    pub org_slug: String,
    pub org_name: String,
    pub tokens: Vec<TokenItem>,
    /// (scope, description) pairs.
    pub scopes: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub name: String,
    /// The secret, shown once.
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheckItem {
    pub domain: String,
    pub method: String,
    pub status: String,
    /// The exact text to publish.
    pub token: String,
    /// Where to publish it.
    pub location: String,
    pub checked: String,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleOrgView {
    pub name: String,
    pub slug: String,
    pub kind_label: String,
    pub members: Vec<MemberItem>,
}
