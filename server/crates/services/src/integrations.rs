//! Integrations (issue #8): an organization's webhook endpoints, the
//! dispatcher that delivers the outbox to them, and the event feed.
//!
//! Who gets what: an operator organization's endpoints receive every event;
//! a publisher's or a tenant's receive the events whose organization is
//! theirs (their listings' and their installs' events), and a tenant's also a
//! listing's suspension, delisting or reinstatement for each of its installs
//! of it. Deliveries are created with the event, in its transaction
//! (`store::WriteTx::commit_all`). The feed ([`Services::event_feed`]) has
//! the same items with the body a generic endpoint gets.
//!
//! The dispatcher ([`Dispatcher`], started by `steward serve`) leases due
//! deliveries, makes each attempt outside any transaction with
//! [`webhooks::Delivery::deliver`], and records the result only while it
//! still holds the lease. A dispatcher that dies leaves leases that run out;
//! another then makes the attempt again with the same `webhook-id`, so a
//! receiver that already had it can tell. Several dispatchers (several
//! server processes on one PostgreSQL) never hold the same delivery at once.

use std::time::Duration;

use domain::audit::AuditRecord;
use domain::identity::Scope;
use domain::integrations::{EventRef, IntegrationKind, pattern_matches};
use domain::org::OrgKind;
use store::records::{
    AttemptResult, ClaimedDelivery, DeliveryCounts, EndpointState, FeedEvent, Org, WebhookDelivery,
    WebhookEndpoint,
};
use webhooks::{Decision, Delivery, DeliveryConfig, Message, Outcome, RetryPolicy, Secret};

use crate::{Actor, Result, ServiceError, Services, TokenPrincipal};

/// How webhooks are delivered (`STEWARD_WEBHOOK_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Deliver to private and loopback addresses, and over plain `http`
    /// (tests and closed deployments only).
    pub allow_private: bool,
    /// Attempts in all before a delivery is dead.
    pub max_attempts: u32,
    /// The first retry's delay ceiling (doubles each attempt, full jitter).
    pub backoff_base: Duration,
    /// How long a dispatcher holds a delivery; longer than `timeout`.
    pub lease: Duration,
    /// One attempt's time limit.
    pub timeout: Duration,
    /// Deliveries leased (and attempted concurrently) at once.
    pub batch: u64,
    /// How often an idle dispatcher looks for due deliveries.
    pub poll: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allow_private: false,
            max_attempts: 12,
            backoff_base: Duration::from_secs(5),
            lease: Duration::from_secs(60),
            timeout: Duration::from_secs(20),
            batch: 64,
            poll: Duration::from_millis(200),
        }
    }
}

/// Usage is summarized per install and hour.
pub const USAGE_PERIOD: Duration = Duration::from_secs(3600);
/// A period is summarized once it ended this long ago: decision counts reach
/// the database within seconds (`decisions.rs` flushes every 2 s).
pub const USAGE_GRACE: Duration = Duration::from_secs(5 * 60);
/// How far back the summarizer looks for periods not emitted yet (a server
/// that was down catches up on restart).
pub const USAGE_LOOKBACK: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long the previous secret stays valid after a rotation.
pub const ROTATION_GRACE: Duration = Duration::from_secs(24 * 60 * 60);
/// Rows of the delivery log shown per endpoint.
const LOG_ROWS: u64 = 50;

/// An endpoint as its organization's console shows it (no secret).
#[derive(Clone, Debug)]
pub struct EndpointView {
    pub endpoint: WebhookEndpoint,
    pub counts: DeliveryCounts,
    /// The most recent deliveries that failed or died, with their errors.
    pub last_errors: Vec<WebhookDelivery>,
}

/// One page of the event feed.
#[derive(Clone, Debug)]
pub struct FeedPage {
    /// Each event with its feed position and its webhook body.
    pub events: Vec<(FeedEvent, String, serde_json::Value)>,
    /// Where to resume: the last event's position, or the one asked for.
    pub next: String,
}

fn field(name: &str, msg: impl Into<String>) -> ServiceError {
    ServiceError::InvalidFields(vec![(name.to_owned(), msg.into())])
}

/// Feed positions are opaque to clients: `c` + the position.
fn cursor(seq: i64) -> String {
    format!("c{seq}")
}

fn parse_cursor(raw: &str) -> Result<i64> {
    if raw.is_empty() {
        return Ok(0);
    }
    raw.strip_prefix('c')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| field("after", "This is not a cursor this feed gave out."))
}

fn rfc3339(ms: i64) -> Result<String> {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .ok_or_else(|| ServiceError::Internal(format!("bad time {ms}").into()))
}

/// The `usage.summarized` event of one install's period (the tenant's).
fn usage_event(r: &store::UsageRow) -> Result<store::NewEvent> {
    Ok(store::NewEvent {
        event_type: domain::integrations::USAGE_SUMMARIZED.into(),
        org_id: Some(r.org_id),
        subject_type: "install".into(),
        subject_id: r.install_id.clone(),
        payload: serde_json::json!({
            "install_id": r.install_id,
            "listing_id": r.listing_id,
            "listing": r.listing_slug,
            "version": r.version,
            "period_start": rfc3339(r.period_start)?,
            "period_end": rfc3339(r.period_end)?,
            "allowed": r.allowed,
            "denied": r.denied,
        }),
    })
}

/// The webhook body of an event (and the feed's `payload`).
pub fn event_body(
    event_type: &str,
    occurred_at_ms: i64,
    data: &serde_json::Value,
) -> Result<Vec<u8>> {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(occurred_at_ms as i128 * 1_000_000)
        .map_err(|e| ServiceError::Internal(Box::new(e)))?;
    webhooks::envelope(event_type, at, data).map_err(|e| ServiceError::Internal(Box::new(e)))
}

/// The body's `data` of one delivery: the event mapped for the endpoint's
/// kind ([`domain::integrations::payload`]). A ping is the same for every kind.
pub fn delivery_data(
    kind: IntegrationKind,
    event_type: &str,
    event_org_id: Option<&str>,
    data: &serde_json::Value,
    context: Option<&serde_json::Value>,
) -> Option<serde_json::Value> {
    if event_type == store::PING_EVENT {
        return Some(data.clone());
    }
    domain::integrations::payload(
        kind,
        &EventRef {
            event_type,
            org_id: event_org_id,
            data,
            install: context.and_then(|c| c.get("install")),
        },
    )
}

impl Services {
    pub fn with_webhooks(mut self, config: WebhookConfig) -> Self {
        self.parts_mut().webhooks = std::sync::Arc::new(config);
        self
    }

    pub fn webhook_config(&self) -> &WebhookConfig {
        &self.webhooks
    }

    fn check_endpoint_url(&self, raw: &str) -> Result<String> {
        let raw = raw.trim();
        let url = url::Url::parse(raw).map_err(|_| {
            field(
                "url",
                "Enter the endpoint's full URL, starting with https://.",
            )
        })?;
        let http_ok = self.webhooks.allow_private && url.scheme() == "http";
        if url.scheme() != "https" && !http_ok {
            return Err(field("url", "The endpoint URL must use https."));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(field(
                "url",
                "The URL must not contain a user name or password.",
            ));
        }
        if url.host().is_none() || raw.len() > 2000 {
            return Err(field(
                "url",
                "Enter the endpoint's full URL, starting with https://.",
            ));
        }
        Ok(url.to_string())
    }

    /// The endpoints of an organization the actor manages, with their counts
    /// and recent errors.
    pub async fn webhook_endpoints(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> Result<(Org, Vec<EndpointView>)> {
        let org = self.managed_org(actor, slug).await?;
        let reader = self.store.in_org(org.id);
        let mut out = Vec::new();
        for endpoint in reader.webhook_endpoints().await? {
            let counts = reader.delivery_counts(&endpoint.id).await?;
            let last_errors = reader
                .deliveries(&endpoint.id, LOG_ROWS)
                .await?
                .into_iter()
                .filter(|d| d.last_error.is_some())
                .take(5)
                .collect();
            out.push(EndpointView {
                endpoint,
                counts,
                last_errors,
            });
        }
        Ok((org, out))
    }

    /// Registers an endpoint. The returned secret (`whsec_…`) is shown once.
    /// `kind` names what sits behind it (`generic` when empty; see
    /// [`IntegrationKind`]): a named kind receives only its own event types,
    /// mapped to its documented payload. `event_types` is a comma- or
    /// space-separated list of event types or `prefix.*` patterns; empty
    /// means every event the kind takes, and for a named kind each entry must
    /// name at least one of them (it narrows, never widens).
    pub async fn create_webhook_endpoint(
        &self,
        actor: &Actor,
        slug: &str,
        url: &str,
        description: &str,
        event_types: &str,
        kind: &str,
    ) -> Result<(WebhookEndpoint, String)> {
        let org = self.managed_org(actor, slug).await?;
        let mut errors = Vec::new();
        let kind = match kind.trim() {
            "" => Some(IntegrationKind::Generic),
            k => match IntegrationKind::parse(k) {
                Some(k) if k.available_to(org.kind) => Some(k),
                Some(k) => {
                    errors.push((
                        "kind".into(),
                        format!(
                            "{} endpoints are not available to a {} organization.",
                            k.label(),
                            org.kind.as_str()
                        ),
                    ));
                    None
                }
                None => {
                    errors.push((
                        "kind".into(),
                        "Choose one of the listed integration kinds.".into(),
                    ));
                    None
                }
            },
        };
        let url = match self.check_endpoint_url(url) {
            Ok(u) => Some(u),
            Err(ServiceError::InvalidFields(mut f)) => {
                errors.append(&mut f);
                None
            }
            Err(e) => return Err(e),
        };
        let description = description.trim();
        if description.chars().count() > 200 {
            errors.push((
                "description".into(),
                "Keep the description under 200 characters.".into(),
            ));
        }
        let mut types: Vec<String> = Vec::new();
        for t in event_types
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let name = t.strip_suffix(".*").unwrap_or(t);
            let valid = name.len() <= 100
                && name.split('.').all(|p| {
                    !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                });
            if !valid {
                errors.push((
                    "event_types".into(),
                    format!("{t:?} is not an event type or a pattern like listing.*"),
                ));
            } else if let Some(k) = kind
                && k != IntegrationKind::Generic
                && !k.events().iter().any(|e| pattern_matches(t, e))
            {
                errors.push((
                    "event_types".into(),
                    format!(
                        "{} endpoints do not receive {t:?}; they take {}.",
                        k.label(),
                        k.events().join(", ")
                    ),
                ));
            } else if !types.iter().any(|x| x == t) {
                types.push(t.to_owned());
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::InvalidFields(errors));
        }
        let secret = Secret::generate().expose();
        let now = store::now_ms();
        let endpoint = WebhookEndpoint {
            id: uuid::Uuid::now_v7().to_string(),
            org_id: org.id,
            url: url.expect("checked"),
            description: description.to_owned(),
            event_types: types,
            all_events: org.kind == OrgKind::Operator,
            kind: kind.expect("checked"),
            secret: secret.clone(),
            previous_secret: None,
            previous_secret_until: None,
            state: EndpointState::Active,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        let tx = self.store.begin_write().await?;
        tx.in_org(org.id).insert_webhook_endpoint(&endpoint).await?;
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "webhook_endpoint.created",
                "webhook_endpoint",
                &endpoint.id,
            )
            .org(org.id)
            .detail(serde_json::json!({
                // The host only: a URL's path or query may carry a credential.
                "host": url::Url::parse(&endpoint.url).ok().and_then(|u| u.host_str().map(str::to_owned)),
                "kind": endpoint.kind.as_str(),
                "event_types": endpoint.event_types,
            })),
            vec![],
        )
        .await?;
        Ok((endpoint, secret))
    }

    async fn managed_endpoint(
        &self,
        actor: &Actor,
        slug: &str,
        id: &str,
    ) -> Result<(Org, WebhookEndpoint)> {
        let org = self.managed_org(actor, slug).await?;
        let endpoint = self
            .store
            .in_org(org.id)
            .webhook_endpoint(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((org, endpoint))
    }

    /// Pauses an endpoint (deliveries queue and wait) or resumes it (also
    /// after a 410 disabled it).
    pub async fn set_webhook_endpoint_paused(
        &self,
        actor: &Actor,
        slug: &str,
        id: &str,
        paused: bool,
    ) -> Result<()> {
        let (org, endpoint) = self.managed_endpoint(actor, slug, id).await?;
        let (from, to, action): (&[EndpointState], _, _) = if paused {
            (
                &[EndpointState::Active],
                EndpointState::Paused,
                "webhook_endpoint.paused",
            )
        } else {
            (
                &[EndpointState::Paused, EndpointState::Disabled],
                EndpointState::Active,
                "webhook_endpoint.resumed",
            )
        };
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(org.id)
            .set_webhook_endpoint_state(&endpoint.id, from, to, None, store::now_ms())
            .await?
        {
            return Err(ServiceError::Conflict(format!(
                "The endpoint is already {}.",
                endpoint.state.as_str()
            )));
        }
        tx.commit(
            AuditRecord::new(actor.audit(), action, "webhook_endpoint", &endpoint.id).org(org.id),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// A new secret, returned once; deliveries carry signatures with both the
    /// new and the old secret for [`ROTATION_GRACE`].
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        slug: &str,
        id: &str,
    ) -> Result<String> {
        let (org, endpoint) = self.managed_endpoint(actor, slug, id).await?;
        let secret = Secret::generate().expose();
        let now = store::now_ms();
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(org.id)
            .rotate_webhook_secret(
                &endpoint.id,
                &secret,
                now + ROTATION_GRACE.as_millis() as i64,
                now,
            )
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "webhook_endpoint.secret_rotated",
                "webhook_endpoint",
                &endpoint.id,
            )
            .org(org.id),
            vec![],
        )
        .await?;
        Ok(secret)
    }

    /// Queues a `webhook.ping` for this endpoint only; returns its webhook-id.
    pub async fn ping_webhook_endpoint(
        &self,
        actor: &Actor,
        slug: &str,
        id: &str,
    ) -> Result<String> {
        let (org, endpoint) = self.managed_endpoint(actor, slug, id).await?;
        let tx = self.store.begin_write().await?;
        let delivery = tx
            .in_org(org.id)
            .queue_ping(&endpoint, store::now_ms())
            .await?;
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "webhook_endpoint.pinged",
                "webhook_endpoint",
                &endpoint.id,
            )
            .org(org.id),
            vec![],
        )
        .await?;
        Ok(delivery)
    }

    /// An endpoint's delivery log, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        slug: &str,
        id: &str,
    ) -> Result<(Org, WebhookEndpoint, Vec<WebhookDelivery>)> {
        let (org, endpoint) = self.managed_endpoint(actor, slug, id).await?;
        let log = self
            .store
            .in_org(org.id)
            .deliveries(&endpoint.id, LOG_ROWS)
            .await?;
        Ok((org, endpoint, log))
    }

    /// Puts a dead delivery back in the queue (same webhook-id).
    pub async fn replay_webhook_delivery(
        &self,
        actor: &Actor,
        slug: &str,
        delivery: &str,
    ) -> Result<()> {
        let org = self.managed_org(actor, slug).await?;
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(org.id)
            .replay_delivery(delivery, store::now_ms())
            .await?
        {
            // Unknown here, or not dead: nothing to replay.
            return Err(ServiceError::NotFound);
        }
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "webhook_delivery.replayed",
                "webhook_delivery",
                delivery,
            )
            .org(org.id),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// `GET /api/v1/events`: the token's organization's events after
    /// `after` (a cursor from an earlier page; empty for the start), oldest
    /// first, each with the body a generic webhook endpoint gets. A tenant's
    /// feed also has the suspension, delisting or reinstatement of each
    /// listing it has an install of, carrying that install (see
    /// `store::integrations`). An operator's token reads every
    /// organization's events.
    pub async fn event_feed(
        &self,
        token: &TokenPrincipal,
        after: &str,
        limit: u64,
    ) -> Result<FeedPage> {
        token.require(Scope::EventsRead)?;
        let after = parse_cursor(after)?;
        let org = self
            .store
            .org_by_id(token.org)
            .await?
            .ok_or(ServiceError::Unauthorized)?;
        let scope = (org.kind != OrgKind::Operator).then_some(org.id);
        let events = self
            .store
            .events_after(scope, after, limit.clamp(1, 500))
            .await?;
        let next = cursor(events.last().map_or(after, |e| e.seq));
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            // What a generic webhook endpoint of the reader gets: the event's
            // payload, or for a listing event fanned out to one of its
            // installs, the listing and that install.
            let event_org = e.org_id.map(|o| o.to_string());
            let data = delivery_data(
                IntegrationKind::Generic,
                &e.event_type,
                event_org.as_deref(),
                &e.payload,
                e.context.as_ref(),
            )
            .ok_or_else(|| {
                ServiceError::Internal(format!("no generic payload for {}", e.event_type).into())
            })?;
            let body = event_body(&e.event_type, e.created_at, &data)?;
            let body: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| ServiceError::Internal(Box::new(e)))?;
            let c = cursor(e.seq);
            out.push((e, c, body));
        }
        Ok(FeedPage { events: out, next })
    }

    /// Emits one `usage.summarized` event per install and hour that ended at
    /// least [`USAGE_GRACE`] before `now` (looking back [`USAGE_LOOKBACK`]),
    /// from the decision counts the permission check writes. Each (install,
    /// period) is claimed in `usage_period` in its event's transaction, so a
    /// restart, a second run or a second process never emits it twice.
    /// Returns how many events were emitted.
    pub async fn summarize_usage(&self, now: i64) -> Result<usize> {
        let period = USAGE_PERIOD.as_millis() as i64;
        let over = now - USAGE_GRACE.as_millis() as i64;
        let until = over - over.rem_euclid(period);
        let from = until - USAGE_LOOKBACK.as_millis() as i64;
        let rows = self.store.unsummarized_usage(from, until, period).await?;
        let mut emitted = 0;
        for chunk in rows.chunks(500) {
            let tx = self.store.begin_write().await?;
            let mut events = Vec::with_capacity(chunk.len());
            for r in chunk {
                if tx.claim_usage_period(r, now).await? {
                    events.push(usage_event(r)?);
                }
            }
            if events.is_empty() {
                // Another process emitted these meanwhile; roll back.
                continue;
            }
            let first = chunk.iter().map(|r| r.period_start).min().unwrap_or(from);
            let last = chunk.iter().map(|r| r.period_end).max().unwrap_or(until);
            let n = events.len();
            tx.commit(
                AuditRecord::new(
                    domain::audit::Actor::System,
                    domain::integrations::USAGE_SUMMARIZED,
                    "usage",
                    format!("{}/{}", rfc3339(first)?, rfc3339(last)?),
                )
                .detail(serde_json::json!({ "installs_periods": n })),
                events,
            )
            .await?;
            emitted += n;
        }
        Ok(emitted)
    }

    /// Starts the usage summarizer (`steward serve`): every `every`.
    pub fn spawn_usage_summarizer(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match services.summarize_usage(store::now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(events = n, "usage summarized"),
                    Err(e) => tracing::warn!(error = ?e, "usage summary failed; retrying"),
                }
            }
        })
    }

    /// The dispatcher for this server's configuration.
    pub fn webhook_dispatcher(&self) -> Dispatcher {
        Dispatcher::new(self.clone())
    }

    /// Starts the dispatcher (`steward serve`).
    pub fn spawn_webhook_dispatcher(&self) -> tokio::task::JoinHandle<()> {
        let dispatcher = self.webhook_dispatcher();
        tokio::spawn(async move {
            loop {
                let worked = match dispatcher.run_once().await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = ?e, "webhook dispatcher: a pass failed; retrying");
                        0
                    }
                };
                if worked == 0 {
                    tokio::time::sleep(dispatcher.services.webhooks.poll).await;
                }
            }
        })
    }
}

/// Delivers the outbox to webhook endpoints; see the module documentation.
pub struct Dispatcher {
    services: Services,
    delivery: Delivery,
    policy: RetryPolicy,
    /// This dispatcher's lease owner name.
    owner: String,
}

impl Dispatcher {
    fn new(services: Services) -> Self {
        let c = services.webhooks.clone();
        Dispatcher {
            delivery: Delivery::new(DeliveryConfig {
                allow_private: c.allow_private,
                allow_http: c.allow_private,
                timeout: c.timeout,
                connect_timeout: c.timeout.min(Duration::from_secs(10)),
                ..DeliveryConfig::default()
            }),
            policy: RetryPolicy {
                max_attempts: c.max_attempts,
                base: c.backoff_base,
                cap: RetryPolicy::default().cap,
            },
            owner: uuid::Uuid::new_v4().to_string(),
            services,
        }
    }

    /// One pass: lease a batch of due deliveries, attempt them concurrently
    /// (outside any transaction), record the results. Returns how many were
    /// attempted.
    pub async fn run_once(&self) -> Result<usize> {
        let c = &self.services.webhooks;
        let store = &self.services.store;
        let started = std::time::Instant::now();
        let claimed = store
            .claim_deliveries(
                &self.owner,
                store::now_ms(),
                c.lease.as_millis() as i64,
                c.batch,
            )
            .await?;
        let claim_ms = started.elapsed().as_millis();
        if claimed.is_empty() {
            return Ok(0);
        }
        let attempts = claimed.iter().map(|d| self.attempt(d));
        let results: Vec<(String, AttemptResult)> = futures::future::join_all(attempts).await;
        let attempt_ms = started.elapsed().as_millis() - claim_ms;
        let recorded = store
            .record_attempts(&self.owner, &results, store::now_ms())
            .await?;
        tracing::debug!(
            claimed = claimed.len(),
            claim_ms,
            attempt_ms,
            record_ms = started.elapsed().as_millis() - claim_ms - attempt_ms,
            "webhook dispatcher pass"
        );
        for (id, result) in &results {
            if *result == AttemptResult::Gone && recorded.contains(id) {
                let d = claimed.iter().find(|d| &d.id == id).expect("claimed");
                self.disable_gone(d).await?;
            }
        }
        Ok(claimed.len())
    }

    async fn attempt(&self, d: &ClaimedDelivery) -> (String, AttemptResult) {
        let result = self.attempt_inner(d).await;
        (d.id.clone(), result)
    }

    async fn attempt_inner(&self, d: &ClaimedDelivery) -> AttemptResult {
        let dead = |error: String| AttemptResult::Dead {
            status: None,
            error,
        };
        let data: serde_json::Value = match serde_json::from_str(&d.payload) {
            Ok(v) => v,
            Err(_) => return dead("the event could not be read".into()),
        };
        let context: Option<serde_json::Value> =
            match d.context.as_deref().map(serde_json::from_str) {
                None => None,
                Some(Ok(v)) => Some(v),
                Some(Err(_)) => return dead("the event could not be read".into()),
            };
        let Some(data) = delivery_data(
            d.kind,
            &d.event_type,
            d.event_org_id.as_deref(),
            &data,
            context.as_ref(),
        ) else {
            return dead(format!(
                "a {} endpoint does not take {} events",
                d.kind.as_str(),
                d.event_type
            ));
        };
        let Ok(body) = event_body(&d.event_type, d.occurred_at, &data) else {
            return dead("the event could not be written as a webhook".into());
        };
        let secrets: Vec<Secret> = d
            .secrets
            .iter()
            .filter_map(|s| Secret::parse(s).ok())
            .collect();
        let message = Message {
            id: &d.id,
            timestamp: store::now_ms() / 1000,
            payload: &body,
        };
        let outcome = self.delivery.deliver(&d.url, &message, &secrets).await;
        let attempt = d.attempt.max(1) as u32;
        let decision = self.policy.decide(attempt, &outcome, &mut rand::rng());
        let (status, error) = match &outcome {
            Outcome::Delivered { status } => (Some(*status as i32), None),
            Outcome::Retry { failure, .. } => (
                match failure {
                    webhooks::Failure::Status(s) => Some(*s as i32),
                    _ => None,
                },
                Some(failure.to_string()),
            ),
            Outcome::Gone => (Some(410), None),
            Outcome::Refused(r) => (None, Some(r.to_string())),
        };
        match decision {
            Decision::Delivered => AttemptResult::Delivered {
                status: status.unwrap_or(200),
            },
            Decision::DisableEndpoint => AttemptResult::Gone,
            Decision::RetryIn(after) => AttemptResult::Retry {
                at: store::now_ms() + after.as_millis() as i64,
                status,
                error: error.unwrap_or_default(),
            },
            Decision::Dead => AttemptResult::Dead {
                status,
                error: match (error, &outcome) {
                    (Some(e), Outcome::Retry { .. }) => {
                        format!("{e} (gave up after {attempt} attempts)")
                    }
                    (Some(e), _) => e,
                    (None, _) => "gave up".into(),
                },
            },
        }
    }

    /// The receiver said 410 Gone: disable the endpoint, audited.
    async fn disable_gone(&self, d: &ClaimedDelivery) -> Result<()> {
        let tx = self.services.store.begin_write().await?;
        let changed = tx
            .in_org(d.org_id)
            .set_webhook_endpoint_state(
                &d.endpoint_id,
                &[EndpointState::Active, EndpointState::Paused],
                EndpointState::Disabled,
                Some("the endpoint answered 410 Gone"),
                store::now_ms(),
            )
            .await?;
        if changed {
            tx.commit(
                AuditRecord::new(
                    domain::audit::Actor::System,
                    "webhook_endpoint.disabled",
                    "webhook_endpoint",
                    &d.endpoint_id,
                )
                .org(d.org_id)
                .detail(serde_json::json!({ "reason": "410 Gone" })),
                vec![],
            )
            .await?;
        }
        Ok(())
    }
}
