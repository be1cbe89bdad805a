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
    /// The live version's overall risk tier (`low` … `critical`).
    pub risk: String,
    /// Its pricing models, as labels ("Free", "Usage-based").
    pub pricing: Vec<String>,
}

/// One page of catalog results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogResults {
    pub cards: Vec<CatalogCard>,
    /// Matches, counted up to a cap (`total_capped`: there are more).
    pub total: u64,
    pub total_capped: bool,
    pub page: u32,
    pub page_size: u32,
    pub has_next: bool,
    /// This is the last page served and more matches follow (narrow the
    /// search to see them).
    pub more_past_last_page: bool,
    /// Ordered by relevance (a best-match search whose words match more than
    /// 1,000 listings comes newest first).
    pub ranked: bool,
}

/// A catalog search as the page's query string carries it; blank fields are
/// not filters. The same names as `GET /api/v1/listings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogFilter {
    pub q: String,
    pub category: String,
    pub risk: String,
    pub capability: String,
    pub without: String,
    pub verified: String,
    pub pricing: String,
    pub sort: String,
    pub page: String,
}

impl CatalogFilter {
    /// (name, value) of every filter that is set, in form order; no `page`.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("category", &self.category),
            ("risk", &self.risk),
            ("capability", &self.capability),
            ("without", &self.without),
            ("verified", &self.verified),
            ("pricing", &self.pricing),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// The catalog's address for this filter at `page` (page 1 is left out).
    pub fn href(&self, page: u32) -> String {
        let mut parts: Vec<String> = self
            .pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", crate::pages::urlencode(v)))
            .collect();
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            "/catalog".to_owned()
        } else {
            format!("/catalog?{}", parts.join("&"))
        }
    }

    /// This filter without one of its fields (the empty state's "remove" links).
    pub fn without_field(&self, name: &str) -> CatalogFilter {
        let mut f = self.clone();
        match name {
            "q" => f.q.clear(),
            "category" => f.category.clear(),
            "risk" => f.risk.clear(),
            "capability" => f.capability.clear(),
            "without" => f.without.clear(),
            "verified" => f.verified.clear(),
            "pricing" => f.pricing.clear(),
            "sort" => f.sort.clear(),
            _ => {}
        }
        f.page.clear();
        f
    }
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
    /// The average rating ("4.5") and how many tenants rated it.
    pub rating_average: Option<String>,
    pub rating_count: usize,
    pub reviews: Vec<ReviewItem>,
}

/// One tenant's rating, as the public listing page shows it (no tenant named).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub stars: u8,
    pub review: String,
    pub date: String,
}

/// What changed in a version since the one before it, in short.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChanges {
    pub since: String,
    /// Tool names, with declared hints: `delete_file (destructive)`.
    pub tools_added: Vec<String>,
    pub tools_removed: Vec<String>,
    pub tools_changed: Vec<String>,
    pub capabilities_added: Vec<String>,
    pub capabilities_removed: Vec<String>,
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    /// It can do more than the version before.
    pub widens: bool,
    /// Nothing in tools or access changed.
    pub empty: bool,
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
    /// `None` for the first version published.
    pub changes: Option<VersionChanges>,
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

// ---- Audit explorer ----

/// The audit explorer's filter, as the form (and the page's query string)
/// carries it. Blank fields are not filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub subject_type: String,
    pub subject_id: String,
    /// `user:<id>`, `service:<id>`, `system`, `anonymous`, or a person's email.
    pub actor: String,
    /// An action, or a prefix ending in `.` (`version.`).
    pub action: String,
    /// An organization's id or short name.
    pub org: String,
    /// A date (`2026-11-26`), a UTC date and time, or unix milliseconds.
    pub from: String,
    pub to: String,
}

impl AuditQuery {
    /// The query string of this filter (for links: export, next page).
    pub fn to_query_string(&self) -> String {
        [
            ("subject_type", &self.subject_type),
            ("subject_id", &self.subject_id),
            ("actor", &self.actor),
            ("action", &self.action),
            ("org", &self.org),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", crate::pages::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One audit entry as the explorer shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// The first 12 hex digits of the entry's hash.
    pub hash_prefix: String,
    /// `2026-11-26 14:03:07 UTC`.
    pub at: String,
    /// The person's name where known, else the encoded actor.
    pub actor: String,
    /// The encoded actor (`user:<id>`, `system`, …).
    pub actor_id: String,
    /// The organization's name where known, else its id.
    pub org: Option<String>,
    pub org_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub policy_version: Option<String>,
    /// Evidence digests, shortened (first 12 hex digits).
    pub evidence: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSearchView {
    /// Newest first.
    pub rows: Vec<AuditRow>,
    /// The `before` of the next (older) page, if there is one.
    pub next_before: Option<i64>,
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
    /// The listing's last change as the form read it (optimistic concurrency).
    pub seen: String,
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

/// One team's queue at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCountRow {
    pub team: String,
    pub team_label: String,
    pub open: usize,
    pub unassigned: usize,
    pub breached: usize,
    pub oldest: Option<String>,
}

/// A case in a queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub case_id: String,
    pub row_version: i32,
    pub listing_name: String,
    pub version: String,
    pub publisher: String,
    pub risk: String,
    pub finding_kinds: Vec<String>,
    pub category: String,
    pub teams: Vec<String>,
    pub approvals: usize,
    pub approvals_needed: u8,
    pub opened: String,
    pub due: String,
    pub breached: bool,
    pub assignee: Option<String>,
    pub assigned_to_me: bool,
    pub appeal: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub team: String,
    pub team_label: String,
    pub rows: Vec<QueueRow>,
    /// (value, label) of the filter pickers.
    pub categories: Vec<(String, String)>,
    pub finding_kinds: Vec<String>,
}

/// A decision as a workspace or timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRow {
    pub kind: String,
    pub kind_label: String,
    pub by: String,
    pub team: String,
    pub justification: String,
    /// (finding kind, reason)
    pub overrides: Vec<(String, String)>,
    pub policy_version: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub side: String,
    pub author: String,
    pub body: String,
    pub at: String,
}

/// An audit entry as a history list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub actor: String,
    pub policy_version: Option<String>,
    pub detail: String,
}

/// A finding a reviewer may override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRow {
    pub index: usize,
    pub severity: String,
    pub kind: String,
    pub tool: Option<String>,
    pub message: String,
    pub evidence: String,
    pub source: String,
    /// Approval needs a reason to set it aside.
    pub blocks: bool,
}

/// The review workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceView {
    pub case_id: String,
    pub row_version: i32,
    pub open: bool,
    pub outcome: Option<String>,
    pub appeal: bool,
    pub teams: Vec<(String, String)>,
    pub approvals: usize,
    pub approvals_needed: u8,
    pub teams_waiting: Vec<String>,
    pub policy_version: String,
    pub matched_rules: Vec<String>,
    pub opened: String,
    pub due: String,
    pub breached: bool,
    pub assignee: Option<String>,
    pub assigned_to_me: bool,
    pub publisher: String,
    pub listing_name: String,
    pub listing_slug: String,
    pub category: String,
    pub version: String,
    pub state: String,
    pub state_label: String,
    pub manifest_digest: Option<String>,
    pub screening: Option<ScreeningView>,
    pub findings: Vec<FindingRow>,
    pub tools: Vec<ManifestToolRow>,
    pub manifest_json: String,
    pub compared_with: Option<String>,
    pub diff: Option<DiffView>,
    pub decisions: Vec<DecisionRow>,
    pub messages: Vec<MessageRow>,
    pub history: Vec<HistoryRow>,
    /// (user id, name) of people who may be assigned.
    pub members: Vec<(String, String)>,
    /// (value, label) of teams an escalation may add.
    pub escalate_to: Vec<(String, String)>,
    pub can_decide: bool,
    pub can_enforce: bool,
}

/// A version's review as its publisher sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherReviewView {
    pub state: String,
    pub state_label: String,
    pub submitted: bool,
    pub screening_pending: bool,
    /// The current (or last) review: teams, approvals.
    pub teams: Vec<String>,
    pub approvals: usize,
    pub approvals_needed: u8,
    pub appeal: bool,
    pub decisions: Vec<DecisionRow>,
    pub messages: Vec<MessageRow>,
    /// (action, justification, at)
    pub enforcement: Vec<(String, String, String)>,
    pub timeline: Vec<HistoryRow>,
    pub can_write: bool,
    pub can_appeal: bool,
    pub can_resubmit: bool,
}

/// A listing in the console (enforcement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleListingView {
    pub slug: String,
    pub name: String,
    pub publisher: String,
    /// (version, state, state label)
    pub versions: Vec<(String, String, String)>,
    /// (action, justification, by, at)
    pub actions: Vec<(String, String, String, String)>,
    pub can_enforce: bool,
    pub can_suspend: bool,
    pub can_reinstate: bool,
    pub can_delist: bool,
    pub reports: Vec<ConsoleReport>,
}

/// An abuse report as the console lists it (no reporter contact details).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleReport {
    pub id: String,
    pub reason: String,
    pub details: String,
    /// "public form", or "installed by <tenant>".
    pub source: String,
    pub install_id: Option<String>,
    pub evidence: Option<String>,
    pub status: String,
    pub date: String,
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

// ---- Tenant admin: installs with consent, tenant policy ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRow {
    pub id: String,
    pub listing_name: String,
    pub listing_slug: String,
    pub version: String,
    pub status: String,
    pub tools: Vec<String>,
    pub scopes: Vec<String>,
    pub policy_version: String,
    pub created: String,
    /// A newer live version the install is not on yet.
    pub available: Option<String>,
}

/// One leg of the combined risk and who supplies it (`Agent: tool`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskLeg {
    pub key: String,
    pub label: String,
    pub suppliers: Vec<String>,
}

/// The combined risk across a tenant's agents (the "lethal trifecta").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombinedRiskView {
    pub complete: bool,
    pub legs: Vec<RiskLeg>,
}

/// An installed agent's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallPageView {
    pub org_slug: String,
    pub org_name: String,
    pub is_admin: bool,
    pub install: InstallRow,
    /// The tenant's rating: (stars, review, date).
    pub rating: Option<(u8, String, String)>,
    /// (code, label) of every report reason.
    pub report_reasons: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeTool {
    pub name: String,
    pub description: String,
    pub risk: String,
    pub capabilities: Vec<String>,
    /// Only in the new version.
    pub new: bool,
    /// Granted now and kept without asking again.
    pub kept: bool,
    /// Granted now but riskier in the new version: (was, now).
    pub riskier: Option<(String, String)>,
    /// Needs an explicit tick (high or critical, and not kept).
    pub needs_tick: bool,
    /// Ticked when the form opens.
    pub checked: bool,
    pub blocked: Option<String>,
}

/// The "accept new version" screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeView {
    pub org_slug: String,
    pub org_name: String,
    pub is_admin: bool,
    pub install_id: String,
    pub listing_name: String,
    pub listing_slug: String,
    pub from_version: String,
    pub to_version: String,
    pub tools: Vec<UpgradeTool>,
    /// Granted tools the new version no longer has.
    pub dropped: Vec<String>,
    /// (scope, granted now, new in this version).
    pub scopes: Vec<(String, bool, bool)>,
    pub changes: VersionChanges,
    pub completes: Option<CombinedRiskView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPolicyView {
    pub version: String,
    pub max_risk: String,
    pub blocked_capabilities: Vec<String>,
    pub blocked_categories: Vec<String>,
    pub members_request: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantHomeView {
    pub org_slug: String,
    pub org_name: String,
    pub is_admin: bool,
    pub installs: Vec<InstallRow>,
    pub policy: Option<TenantPolicyView>,
    pub combined: CombinedRiskView,
    /// (value, label) for the policy form.
    pub capabilities: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentTool {
    pub name: String,
    pub description: String,
    pub risk: String,
    pub capabilities: Vec<String>,
    /// High or critical: granted only when ticked explicitly.
    pub needs_tick: bool,
    /// Why the tenant's policy forbids granting it, if it does.
    pub blocked: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub org_slug: String,
    pub org_name: String,
    pub is_admin: bool,
    pub listing_slug: String,
    pub listing_name: String,
    pub publisher: String,
    pub version: String,
    pub tools: Vec<ConsentTool>,
    pub scopes: Vec<String>,
    pub installed: bool,
    pub category_blocked: bool,
    pub policy_version: Option<String>,
    /// Set when this install (with the tools ticked for you) would complete
    /// the dangerous combination across the tenant's agents.
    pub completes: Option<CombinedRiskView>,
}

// ---- Integrations (webhooks) ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationsView {
    pub org_slug: String,
    pub org_name: String,
    /// An operator's endpoints receive every organization's events.
    pub all_events: bool,
    /// The integration kinds this organization may add.
    pub kinds: Vec<KindOption>,
    pub endpoints: Vec<EndpointItem>,
}

/// One integration kind to choose when adding an endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindOption {
    /// `generic`, `billing`, `identity`, …
    pub value: String,
    pub label: String,
    /// The events it takes (empty: every event) and its payload schema.
    pub events: Vec<String>,
    pub schema: Option<String>,
}

/// A webhook endpoint as its console shows it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointItem {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The integration kind's label (generic, billing, identity, …).
    pub kind: String,
    /// The payload schema a named kind sends, e.g. `steward.identity.v1`.
    pub schema: Option<String>,
    /// "all events" or the filter, comma-separated.
    pub event_types: String,
    /// active, paused or disabled.
    pub state: String,
    pub disabled_reason: Option<String>,
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_until: Option<String>,
    pub last_errors: Vec<DeliveryItem>,
    pub log: Vec<DeliveryItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryItem {
    /// The webhook-id.
    pub id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub updated: String,
    pub replayable: bool,
}

/// A webhook secret, shown once (on creation and rotation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhookSecret {
    pub endpoint_id: String,
    pub secret: String,
}
