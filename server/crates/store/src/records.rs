//! What the store reads and writes: plain values, never SeaORM models.

use domain::listing::VersionState;
use domain::manifest::ToolAnnotations;
use domain::org::OrgKind;
use domain::{ListingId, OrgId, ReportId, VersionId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub kind: OrgKind,
    pub verified_domain: Option<String>,
    pub created_at: i64,
    /// When a verified domain stopped checking out (flagged on its listings).
    pub verification_lapsed_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub id: ListingId,
    pub org_id: OrgId,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    pub homepage: Option<String>,
    pub support_contact: Option<String>,
    pub privacy_url: Option<String>,
    /// What data the agent uses and why, in the publisher's words.
    pub data_use: String,
    /// Capabilities the publisher declares (free text, one per entry).
    pub capabilities: Vec<String>,
    /// Network hosts the agent reaches, as declared.
    pub egress: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the publisher declared on the listing when a version was created or
/// submitted; frozen with the version so a diff shows what a review saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Declared {
    #[serde(default)]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub egress: Vec<String>,
    #[serde(default)]
    pub data_use: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub id: VersionId,
    pub listing_id: ListingId,
    pub org_id: OrgId,
    pub version: String,
    pub state: VersionState,
    pub manifest_digest: Option<String>,
    pub manifest_format: String,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    /// The normalized manifest, merged from the version's source documents.
    pub manifest: domain::manifest::Manifest,
    pub declared: Declared,
    /// What automated screening found, as the classifier wrote it (JSON);
    /// `None` until the version was screened.
    pub screening: Option<Screening>,
}

/// The result of screening a version, kept with the version.
#[derive(Clone, Debug, PartialEq)]
pub struct Screening {
    /// The ruleset that produced it.
    pub ruleset: String,
    /// The overall risk tier (`low`…`critical`).
    pub risk: String,
    /// Classification, findings and disclosure label.
    pub report: serde_json::Value,
}

/// A source document of a version: an uploaded or fetched manifest, stored as
/// evidence under `digest`, and what it was read as.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionDocument {
    pub id: domain::DocumentId,
    pub version_id: VersionId,
    pub org_id: OrgId,
    pub format: domain::manifest::ManifestFormat,
    pub digest: String,
    pub media_type: String,
    pub size_bytes: u64,
    /// Where Steward fetched it from (remote MCP servers).
    pub source_url: Option<String>,
    pub normalized: domain::manifest::Manifest,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolRow {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub annotations: ToolAnnotations,
}

/// One card of the public catalog: a listing with its live (latest published) version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogEntry {
    pub listing_id: ListingId,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub summary: String,
    pub publisher_slug: String,
    pub publisher_name: String,
    pub publisher_verified: bool,
    pub publisher_verification_lapsed: bool,
    pub version_id: VersionId,
    pub version: String,
    pub published_at: i64,
    pub tool_count: u64,
}

/// A search of the public catalog (`Store::search_catalog`). Values are
/// validated by the caller (`services`); the store binds them as parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogQuery {
    /// Full text over name, publisher, summary and description, and tool names:
    /// every word must match; the last one also as a prefix.
    pub text: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    /// The highest risk tier shown (`low`, `medium`, `high`, `critical`).
    pub max_risk: Option<String>,
    /// Only listings whose live version has this capability (classifier name).
    pub capability: Option<String>,
    /// Only listings whose live version does not have this capability.
    pub without_capability: Option<String>,
    /// Only publishers with a verified domain.
    pub verified_only: bool,
    /// A pricing model: a plan kind (`free`, `flat`, `per_seat`, `usage`) or
    /// `paid` (any plan that is not free). No plans counts as free.
    pub pricing: Option<String>,
    pub sort: CatalogSort,
    /// 1-based.
    pub page: u32,
    /// Results per page.
    pub page_size: u32,
}

/// The order of catalog results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CatalogSort {
    /// Best match first (bm25 / ts_rank); newest when there is no text.
    #[default]
    Relevance,
    /// Latest publication first.
    Newest,
    /// By name, A to Z.
    Name,
}

/// One result of a catalog search: the live version's card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogHit {
    pub listing_id: ListingId,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub summary: String,
    pub publisher_slug: String,
    pub publisher_name: String,
    pub publisher_verified: bool,
    pub publisher_verification_lapsed: bool,
    pub version_id: VersionId,
    pub version: String,
    /// Overall risk tier of the live version (the highest of its tools).
    pub risk: String,
    /// Pricing models of the live version, e.g. `["free", "usage"]`.
    pub pricing: Vec<String>,
    pub tool_count: u64,
    pub published_at: i64,
}

/// One page of catalog results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogPage {
    pub hits: Vec<CatalogHit>,
    /// Matches counted, up to [`CatalogPage::COUNT_CAP`].
    pub total: u64,
    /// More matches than `total` (the count stops at the cap).
    pub total_capped: bool,
    pub page: u32,
    pub page_size: u32,
    pub has_next: bool,
    /// Matches go on past the last page a search may ask for (services'
    /// `CATALOG_MAX_PAGE`; `has_next` is then false).
    pub more_past_last_page: bool,
    /// Ordered by relevance. A best-match search whose text matches more than
    /// [`CatalogPage::COUNT_CAP`] listings is ordered newest first instead
    /// (ranking every match would not stay fast); more words or a filter rank it.
    pub ranked: bool,
}

impl CatalogPage {
    /// Counting stops here: "1,000+ results" keeps the count cheap on a big catalog.
    pub const COUNT_CAP: u64 = 1000;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: ReportId,
    pub listing_id: ListingId,
    pub subject_org_id: OrgId,
    pub reason: String,
    pub details: String,
    pub contact: Option<String>,
    pub status: String,
    pub created_at: i64,
    /// The tenant that reported it from an install (`None`: the public form).
    pub reporter_org_id: Option<OrgId>,
    pub install_id: Option<domain::InstallId>,
    /// The evidence blob (JSON: the tenant's statement and the install's
    /// facts), filed under the reporting tenant's organization.
    pub evidence_digest: Option<String>,
}

/// Row counts for the operator's overview and for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub organizations: u64,
    pub listings: u64,
    pub versions: u64,
    pub reports: u64,
    pub audit_entries: u64,
    pub outbox_events: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: domain::UserId,
    pub email: String,
    pub display_name: String,
    /// PHC string (argon2id); `None` for accounts that only sign in with a provider.
    pub password_hash: Option<String>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

/// One person in one organization, with every role they hold there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user_id: domain::UserId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<domain::identity::Role>,
    pub disabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: domain::InvitationId,
    pub org_id: OrgId,
    pub email: String,
    pub role: domain::identity::Role,
    pub token_hash: String,
    pub invited_by: domain::UserId,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: domain::TokenId,
    pub org_id: OrgId,
    pub name: String,
    /// The first characters of the token, shown so people can tell tokens apart.
    pub prefix: String,
    pub token_hash: String,
    pub scopes: Vec<domain::identity::Scope>,
    pub created_by: domain::UserId,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// One domain a publisher is proving, or has proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainCheck {
    pub org_id: OrgId,
    pub domain: String,
    pub method: domain::verification::Method,
    /// The exact text to publish.
    pub token: String,
    pub status: domain::verification::Status,
    pub created_at: i64,
    pub checked_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub last_error: Option<String>,
}

/// A routing policy document as loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPolicy {
    pub version: String,
    pub policy: domain::routing::RoutingPolicy,
    /// sha256 of the document as loaded (also kept as evidence).
    pub digest: String,
    pub loaded_at: i64,
    pub loaded_by: String,
    /// When it was last made the active policy; the active one is the latest.
    pub activated_at: Option<i64>,
}

/// The state of a screening job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Running,
    Done,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        [JobState::Pending, JobState::Running, JobState::Done]
            .into_iter()
            .find(|j| j.as_str() == s)
    }
}

/// Screening a submitted version: durable, leased, resumable.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreeningJob {
    pub version_id: domain::VersionId,
    pub org_id: domain::OrgId,
    pub state: JobState,
    pub attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub submitted_by: String,
    pub created_at: i64,
}

/// One review of one submitted version.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewCase {
    pub id: domain::CaseId,
    pub version_id: domain::VersionId,
    pub listing_id: domain::ListingId,
    pub org_id: domain::OrgId,
    pub open: bool,
    pub outcome: Option<domain::review::Outcome>,
    pub policy_version: String,
    pub teams: Vec<domain::routing::Team>,
    pub approvals_needed: u8,
    pub matched_rules: Vec<String>,
    pub risk: String,
    pub finding_kinds: Vec<String>,
    pub category: String,
    pub submitted_by: String,
    pub excluded: Vec<String>,
    pub appeal: bool,
    pub assignee: Option<domain::UserId>,
    pub assigned_at: Option<i64>,
    pub opened_at: i64,
    pub sla_due_at: i64,
    pub closed_at: Option<i64>,
    /// Bumped by every change; a change names the one it read.
    pub row_version: i32,
}

/// A decision recorded on a case.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewDecision {
    pub id: domain::DecisionId,
    pub case_id: domain::CaseId,
    pub version_id: domain::VersionId,
    pub org_id: domain::OrgId,
    /// Encoded actor (`user:…`, or `system` for the policy).
    pub reviewer: String,
    pub team: Option<domain::routing::Team>,
    pub kind: domain::review::DecisionKind,
    pub justification: String,
    pub overrides: Vec<domain::review::Override>,
    pub policy_version: String,
    pub created_at: i64,
}

/// Who wrote a review message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Reviewer,
    Publisher,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Reviewer => "reviewer",
            Side::Publisher => "publisher",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReviewMessage {
    pub id: domain::MessageId,
    pub version_id: domain::VersionId,
    pub org_id: domain::OrgId,
    pub author: String,
    pub side: Side,
    pub body: String,
    pub created_at: i64,
}

/// What an operator did to a published listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforcement {
    Suspend,
    Reinstate,
    Delist,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Suspend => "suspend",
            Enforcement::Reinstate => "reinstate",
            Enforcement::Delist => "delist",
        }
    }
    pub fn parse(s: &str) -> Option<Enforcement> {
        [
            Enforcement::Suspend,
            Enforcement::Reinstate,
            Enforcement::Delist,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnforcementAction {
    pub id: domain::ActionId,
    pub listing_id: domain::ListingId,
    pub org_id: domain::OrgId,
    pub action: Enforcement,
    pub justification: String,
    pub actor: String,
    pub policy_version: String,
    pub created_at: i64,
}

/// A signed checkpoint of the audit chain's head, as recorded: the checkpoint
/// and the digest of the evidence blob it was also written to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCheckpoint {
    pub checkpoint: domain::audit::Checkpoint,
    /// sha256 of the checkpoint's JSON in the evidence store.
    pub evidence_digest: String,
}

/// Where an install stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallStatus {
    /// Granted and in force.
    Active,
    /// A member's request, waiting for a tenant admin.
    Pending,
    /// Uninstalled (or a request declined): every grant revoked.
    Removed,
}

impl InstallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstallStatus::Active => "active",
            InstallStatus::Pending => "pending",
            InstallStatus::Removed => "removed",
        }
    }
    pub fn parse(s: &str) -> Option<InstallStatus> {
        [
            InstallStatus::Active,
            InstallStatus::Pending,
            InstallStatus::Removed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A tenant's install of one version of a listing, with exactly what it grants.
#[derive(Clone, Debug, PartialEq)]
pub struct Install {
    pub id: domain::InstallId,
    pub org_id: domain::OrgId,
    pub listing_id: domain::ListingId,
    pub version_id: domain::VersionId,
    pub status: InstallStatus,
    pub granted_tools: Vec<String>,
    pub granted_scopes: Vec<String>,
    /// Encoded actors.
    pub requested_by: String,
    pub approved_by: Option<String>,
    /// The policy versions the install was consented under.
    pub policy_version: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

/// A tenant's policy for what its people may install and agents may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantPolicy {
    pub org_id: domain::OrgId,
    pub version: String,
    /// `low`…`critical`: nothing riskier may be granted or called.
    pub max_risk: String,
    pub blocked_capabilities: Vec<String>,
    pub blocked_categories: Vec<String>,
    /// Members may only request installs; a tenant admin approves.
    pub members_request: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

/// A tenant's rating and review of a listing (one per tenant per listing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    pub id: domain::RatingId,
    pub org_id: OrgId,
    pub listing_id: ListingId,
    /// The install it was written from, and its version then.
    pub install_id: domain::InstallId,
    pub version_id: VersionId,
    /// 1 to 5.
    pub rating: u8,
    pub review: String,
    /// Encoded actor.
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Whether an endpoint receives deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointState {
    Active,
    /// Paused by its owner: deliveries are queued and held.
    Paused,
    /// The receiver answered 410 Gone: held until its owner resumes it.
    Disabled,
}

impl EndpointState {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointState::Active => "active",
            EndpointState::Paused => "paused",
            EndpointState::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Paused, Self::Disabled]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// An organization's webhook endpoint. `secret` (and `previous_secret`) are
/// `whsec_` secrets: never log them; show them only on creation/rotation.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: String,
    pub org_id: OrgId,
    pub url: String,
    pub description: String,
    /// Event types or `prefix.*` patterns; empty means every event.
    pub event_types: Vec<String>,
    /// The operator's endpoints receive every organization's events.
    pub all_events: bool,
    /// What sits behind it: which events it can take and the payload it gets.
    pub kind: domain::integrations::IntegrationKind,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    pub state: EndpointState,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl WebhookEndpoint {
    /// Whether an event of this type goes to this endpoint: one its kind
    /// takes, and one its own list (if any) names.
    pub fn wants(&self, event_type: &str) -> bool {
        self.kind.receives(event_type)
            && (self.event_types.is_empty()
                || self
                    .event_types
                    .iter()
                    .any(|p| domain::integrations::pattern_matches(p, event_type)))
    }
}

/// Where one event stands with one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    /// Leased by a dispatcher, being attempted.
    Delivering,
    Delivered,
    /// An attempt failed; another is due at `next_attempt_at`.
    Failed,
    /// Given up (attempt limit, refused address, 410): replayable.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivering => "delivering",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Delivering,
            Self::Delivered,
            Self::Failed,
            Self::Dead,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// One row of an endpoint's delivery log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The `webhook-id`, the same on every attempt.
    pub id: String,
    pub event_id: String,
    pub event_seq: i64,
    pub event_type: String,
    pub endpoint_id: String,
    pub subject: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_status: Option<i32>,
    /// Safe to show the endpoint's owner (no addresses, no secrets).
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How an endpoint's deliveries stand (delivering counts as pending).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
}

/// A delivery a dispatcher leased: what it needs to make the attempt.
#[derive(Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub org_id: OrgId,
    pub url: String,
    /// The current secret, then the previous one while its grace lasts.
    pub secrets: Vec<String>,
    pub event_type: String,
    /// The event's organization (whose event it is).
    pub event_org_id: Option<String>,
    pub occurred_at: i64,
    pub payload: String,
    /// The endpoint's kind: which payload the body carries.
    pub kind: domain::integrations::IntegrationKind,
    /// For a listing event fanned out to a tenant: `{"install": {...}}`.
    pub context: Option<String>,
    /// This attempt's number (1 for the first).
    pub attempt: i32,
}

impl std::fmt::Debug for ClaimedDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedDelivery")
            .field("id", &self.id)
            .field("endpoint_id", &self.endpoint_id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// What the dispatcher records after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    Delivered {
        status: i32,
    },
    Retry {
        at: i64,
        status: Option<i32>,
        error: String,
    },
    Dead {
        status: Option<i32>,
        error: String,
    },
    /// 410: the delivery is dead and its endpoint disabled.
    Gone,
}

/// One item of the feed (`GET /api/v1/events`): an event, or a listing
/// event as fanned out to one of the reader's installs.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEvent {
    /// The feed position: the event's, commit-ordered (see
    /// `Store::events_after`). A fan-out shares its event's position.
    pub seq: i64,
    /// The item's id: the event's, or for a fan-out its own (one per
    /// install), so every item of a feed has a distinct id.
    pub id: String,
    pub org_id: Option<OrgId>,
    pub event_type: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: serde_json::Value,
    pub created_at: i64,
    /// For a fan-out: `{"install": {...}}`, the reader's install as the
    /// event's transaction saw it (what its webhook deliveries carry).
    pub context: Option<serde_json::Value>,
}
