//! Steward's use cases.
//!
//! Every function here is one thing a person or system does: it authorizes the
//! actor, applies the domain's rules, and writes state together with its audit
//! entry and outbound events in one transaction (through `store::WriteTx`). No
//! external call happens inside a transaction. Callers (server functions, HTTP
//! handlers, the CLI) stay thin: they name the actor, call one function here and
//! map the result to what they show.

pub mod audit;
pub mod authorize;
pub mod buyer;
mod catalog;
pub mod dashboard;
pub mod decisions;
pub mod demo;
mod format;
mod identity;
pub mod installs;
pub mod integrations;
mod limits;
pub mod mail;
pub mod portal;
mod reports;
pub mod review;
pub mod secrets;
pub mod verification;

pub use audit::{AuditForm, AuditPage, AuditVerification, CheckpointFailure};
pub use catalog::{
    CATALOG_MAX_PAGE, CATALOG_PAGE_SIZE, CatalogParams, ListingPage, PRICING_FILTERS, ToolView,
    VersionSummary, catalog_query,
};
pub use classifier;
pub use domain;
pub use format::{format_date, format_datetime, parse_time};
pub use identity::{ExternalIdentity, OrgAdmin, Principal, TokenOrgKind, TokenPrincipal};
pub use reports::FiledReport;
pub use store::records;

use evidence::EvidenceStore;
use store::{Store, StoreError};

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Someone not signed in.
    Anonymous,
    /// Steward itself: the CLI and background jobs.
    System,
    /// A signed-in person (their account was checked live this request).
    User(domain::UserId),
    /// A service identity: an organization's API token.
    Token(TokenPrincipal),
}

impl Actor {
    fn audit(&self) -> domain::audit::Actor {
        match self {
            Actor::Anonymous => domain::audit::Actor::Anonymous,
            Actor::System => domain::audit::Actor::System,
            Actor::User(id) => domain::audit::Actor::User(id.to_string()),
            Actor::Token(t) => domain::audit::Actor::Service(t.id.to_string()),
        }
    }
}

/// The services, with the stores they use. Cheap to clone: one reference
/// count (the HTTP stack clones it a few times per request, and the runtime
/// permission check is on every agent's tool call).
#[derive(Clone, Debug)]
pub struct Services(std::sync::Arc<Parts>);

/// What [`Services`] holds (reached through `Deref`: `services.store`).
#[derive(Clone, Debug)]
pub struct Parts {
    pub store: Store,
    pub evidence: EvidenceStore,
    limits: std::sync::Arc<limits::Limits>,
    prober: std::sync::Arc<dyn verification::DomainProber>,
    mailer: std::sync::Arc<dyn mail::Mailer>,
    /// Whether remote MCP servers on private addresses may be read (tests and
    /// self-hosted set-ups only).
    remote_allow_private: bool,
    /// The optional model-backed reviewer (off unless configured).
    model: Option<std::sync::Arc<model_review::ModelConfig>>,
    /// Wakes the screening worker when a version is submitted.
    screening_wake: std::sync::Arc<tokio::sync::Notify>,
    /// How long a screening worker holds a job before another may take it.
    screening_lease_ms: i64,
    /// The runtime permission check's memory (see `decisions`).
    decisions: std::sync::Arc<decisions::DecisionCache>,
    /// Webhook delivery settings (the dispatcher's and the endpoint checks').
    webhooks: std::sync::Arc<integrations::WebhookConfig>,
}

/// What a use case can fail with. `Display` is safe to show a user; the
/// `Internal` cause is for logs only.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("some fields need attention")]
    InvalidFields(Vec<(String, String)>),
    #[error("{0}")]
    Conflict(String),
    #[error("you are not allowed to do that")]
    Forbidden,
    #[error("that is too large: the limit is {limit} bytes")]
    TooLarge { limit: usize },
    #[error("sign in first")]
    Unauthorized,
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("something went wrong on our side")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            e => ServiceError::Internal(Box::new(e)),
        }
    }
}

impl From<evidence::EvidenceError> for ServiceError {
    fn from(e: evidence::EvidenceError) -> Self {
        match e {
            evidence::EvidenceError::NotFound => ServiceError::NotFound,
            e => ServiceError::Internal(Box::new(e)),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The time now, as stored (unix milliseconds).
pub fn records_now() -> i64 {
    store::now_ms()
}

impl std::ops::Deref for Services {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl Services {
    pub fn new(store: Store, evidence: EvidenceStore) -> Self {
        Services(std::sync::Arc::new(Parts {
            store,
            evidence,
            limits: Default::default(),
            prober: verification::default_prober(),
            mailer: mail::default_mailer(),
            remote_allow_private: false,
            model: None,
            screening_wake: Default::default(),
            screening_lease_ms: review::SCREENING_LEASE_MS,
            decisions: Default::default(),
            webhooks: Default::default(),
        }))
    }

    /// For the `with_*` builders (used while setting up, before any clone).
    fn parts_mut(&mut self) -> &mut Parts {
        std::sync::Arc::make_mut(&mut self.0)
    }

    /// Sets how many calls a second one API token may make (0: the default,
    /// 6,000). A gateway in front of many agents may need more.
    pub fn with_token_rate(mut self, per_second: u32) -> Self {
        self.parts_mut().limits = std::sync::Arc::new(limits::Limits::with_token_rate(per_second));
        self
    }

    /// How long a screening job is held before a crashed worker's job is
    /// taken over (tests shorten it).
    pub fn with_screening_lease(mut self, lease: std::time::Duration) -> Self {
        self.parts_mut().screening_lease_ms = lease.as_millis() as i64;
        self
    }

    /// Turns on the model-backed reviewer: after each screening, a background
    /// task asks this OpenAI-compatible endpoint for more findings.
    pub fn with_model(mut self, model: Option<model_review::ModelConfig>) -> Self {
        self.parts_mut().model = model.map(std::sync::Arc::new);
        self
    }

    /// Lets the portal read remote MCP servers on private addresses.
    pub fn with_remote_allow_private(mut self, allow: bool) -> Self {
        self.parts_mut().remote_allow_private = allow;
        self
    }

    /// Ready to serve: the database answers and is migrated, the evidence store answers.
    pub async fn ready(&self) -> Result<bool> {
        if !self.store.ready().await? {
            return Ok(false);
        }
        Ok(self.evidence.ping().await.is_ok())
    }
}
