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
    /// The buyer's label of the live version, when it was screened.
    pub screening: Option<ScreeningView>,
    /// What the live version adds over the previous one a buyer may have
    /// installed: (that version, new or riskier label lines).
    pub new_since: Option<(String, Vec<LabelItem>)>,
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

// ---- Publisher portal ----

/// One of a publisher's listings, in the portal's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalListingRow {
    pub slug: String,
    pub name: String,
    pub category_label: String,
    pub versions: usize,
    pub latest: Option<String>,
    pub latest_state: Option<String>,
    pub latest_state_label: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalHome {
    pub org_slug: String,
    pub org_name: String,
    pub can_edit: bool,
    pub listings: Vec<PortalListingRow>,
    /// (slug, label) of every category, for the new-listing form.
    pub categories: Vec<(String, String)>,
}

/// A listing's editable fields, as the form shows them. Fields a form leaves
/// out read as empty (and the service says which are required).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListingFields {
    pub slug: String,
    pub name: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    pub homepage: String,
    pub support_contact: String,
    pub privacy_url: String,
    pub data_use: String,
    /// One per line.
    pub capabilities: String,
    /// One per line.
    pub egress: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalVersionRow {
    pub version: String,
    pub state: String,
    pub state_label: String,
    pub created: String,
    pub tools: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalListingView {
    pub org_slug: String,
    pub org_name: String,
    pub fields: ListingFields,
    pub can_edit: bool,
    pub versions: Vec<PortalVersionRow>,
    pub categories: Vec<(String, String)>,
    /// Whether the listing has a published version (a public page exists).
    pub public: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub format_label: String,
    pub digest: String,
    pub size: String,
    pub source_url: Option<String>,
    pub added: String,
}

/// One line of a buyer's label ("Can send email as you").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelItem {
    pub text: String,
    /// "declared" or "inferred".
    pub source: String,
    pub risk: String,
    pub tools: Vec<String>,
}

/// What automated screening says about a version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningView {
    pub risk: String,
    pub ruleset: String,
    pub summary: String,
    pub items: Vec<LabelItem>,
    /// (severity, kind, tool, message, evidence)
    pub findings: Vec<(String, String, Option<String>, String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestToolRow {
    pub name: String,
    /// Steward's reading: effect and risk tier ("" before screening).
    pub effect: String,
    pub risk: String,
    pub title: Option<String>,
    pub description: String,
    pub hints: Vec<String>,
    pub scopes: Vec<String>,
    pub operation: Option<String>,
    /// Names of the input's properties, required ones marked with `*`.
    pub inputs: Vec<String>,
}

/// A price plan as the form sends it (amount as typed, e.g. "0.02").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanFields {
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub amount: String,
    pub period: String,
    pub meter: String,
    pub trial_days: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub name: String,
    pub kind_label: String,
    pub price: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalVersionView {
    pub org_slug: String,
    pub listing_slug: String,
    pub listing_name: String,
    pub version: String,
    pub state: String,
    pub state_label: String,
    pub created: String,
    pub submitted: Option<String>,
    pub manifest_digest: Option<String>,
    pub format_label: String,
    pub server_name: Option<String>,
    pub documents: Vec<DocumentRow>,
    pub tools: Vec<ManifestToolRow>,
    /// (scope, description)
    pub scopes: Vec<(String, Option<String>)>,
    pub egress: Vec<String>,
    pub secrets: Vec<String>,
    pub packages: Vec<String>,
    pub remotes: Vec<String>,
    pub plans: Vec<PlanRow>,
    pub screening: Option<ScreeningView>,
    pub can_edit: bool,
    pub can_price: bool,
    pub can_submit: bool,
    /// Other versions of the listing, newest first, for the diff picker.
    pub other_versions: Vec<String>,
    pub currencies: Vec<String>,
}

/// One run of a text diff: kind is "same", "added" or "removed".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextRun {
    pub kind: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffToolRow {
    pub name: String,
    pub hints: Vec<String>,
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffToolChangeRow {
    pub name: String,
    pub description: Vec<TextRun>,
    pub description_changed: bool,
    /// (before, after)
    pub title: Option<(String, String)>,
    pub operation: Option<(String, String)>,
    /// (pointer, what happened, before, after)
    pub schema: Vec<(String, String, String, String)>,
    /// (hint, before, after)
    pub annotations: Vec<(String, String, String)>,
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    pub became_destructive: bool,
    pub lost_read_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChangeRow {
    pub plan: String,
    pub kind: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub fields: Vec<String>,
    pub increase: Option<bool>,
}

/// (label, added, removed) for one kind of access.
pub type AccessChange = (String, Vec<String>, Vec<String>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffView {
    pub org_slug: String,
    pub listing_slug: String,
    pub listing_name: String,
    pub from: String,
    pub to: String,
    pub from_state_label: String,
    pub to_state_label: String,
    pub versions: Vec<String>,
    pub empty: bool,
    pub widens_access: bool,
    pub tools_added: Vec<DiffToolRow>,
    pub tools_removed: Vec<DiffToolRow>,
    pub tools_changed: Vec<DiffToolChangeRow>,
    pub access: Vec<AccessChange>,
    pub price_changes: Vec<PriceChangeRow>,
}

// ---- Review dashboard (operator console) ----

/// The review dashboard over a window of whole days (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub days: u32,
    /// The window's first and last day (`2026-11-26`, UTC).
    pub from: String,
    pub to: String,
    /// Nothing waited, closed or was decided in the window.
    pub empty: bool,
    /// Cases that waited at some time in the window or closed in it.
    pub cases: u64,
    /// (code, label) of every team: the order of every per-team list.
    pub teams: Vec<(String, String)>,
    /// One day each, oldest first.
    pub depth: Vec<DashboardDay>,
    /// All teams (team `all`).
    pub sla: DashboardSla,
    pub sla_by_team: Vec<DashboardSla>,
    /// (code, label) of every decision outcome: the order of every `counts`.
    pub outcomes: Vec<(String, String)>,
    /// All teams (team `all`).
    pub decisions: DashboardDecisions,
    /// Every team, then the routing policy (team `policy`) if it decided.
    pub decisions_by_team: Vec<DashboardDecisions>,
    /// All teams (team `all`).
    pub time: DashboardTiming,
    pub time_by_team: Vec<DashboardTiming>,
    /// Cases the routing policy approved by itself (never queued, not timed).
    pub closed_by_policy: u64,
}

/// Open reviews at the end of one day (today: now).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardDay {
    pub date: String,
    pub total: u64,
    /// In the order of [`DashboardView::teams`].
    pub by_team: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardSla {
    pub team: String,
    pub label: String,
    pub open_past_due: u64,
    pub closed_late: u64,
    pub closed_on_time: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardDecisions {
    pub team: String,
    pub label: String,
    /// In the order of [`DashboardView::outcomes`].
    pub counts: Vec<u64>,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardTiming {
    pub team: String,
    pub label: String,
    /// Cases closed in the window that were timed.
    pub decided: u64,
    /// Opened to closed, in milliseconds.
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
}
