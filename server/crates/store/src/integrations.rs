//! Webhook endpoints, their deliveries, and the event feed (issue #8).
//!
//! - **Fan-out in the event's transaction.** [`insert_events`] (called by
//!   `WriteTx::commit_all`) writes each outbox event and, in the same
//!   transaction, one `webhook_delivery` row per endpoint that wants it, so
//!   an event is never lost between the outbox and its subscribers.
//! - **Commit-ordered positions.** Events are inserted after the audit append,
//!   while the chain's lock is held (PostgreSQL: a transaction-scoped advisory
//!   lock, released after the commit is visible; SQLite: the one write lock),
//!   so `outbox_event.seq` grows in commit order: a reader that has seen
//!   position N can never later find a committed event below N. That is what
//!   makes the feed's cursor and the per-subject delivery order sound.
//! - **Leased claims.** [`Store::claim_deliveries`] takes due deliveries for
//!   one dispatcher until a lease runs out (PostgreSQL: `FOR UPDATE SKIP
//!   LOCKED`, so several processes never take the same row; SQLite: inside the
//!   one write transaction). Only the oldest undone delivery of a subject to an
//!   endpoint is due, so a subject's events arrive in order.
//! - **Compare-and-set results.** [`Store::record_attempts`] writes an
//!   attempt's result only while the recorder still holds the lease.
//! - **A tenant's feed carries its fan-outs.** A listing's suspension,
//!   delisting or reinstatement is the publisher's event, but it concerns
//!   every tenant with an install of the listing: [`insert_events`] writes
//!   one `event_fanout` row per such install (migration 20), in the event's
//!   transaction and whether or not the tenant has a webhook endpoint, with
//!   the same install context its deliveries carry. [`Store::events_after`]
//!   reads a tenant's own events and its fan-outs as one sequence ordered by
//!   the event's position, so the feed's cursor (an event position) keeps
//!   its meaning: a fan-out commits with its event, under the same lock, so
//!   it is as commit-ordered as the event. Fan-outs are rows of their own,
//!   not deliveries: the feed must not depend on which endpoints a tenant
//!   has, nor change when a delivery is replayed or an endpoint deleted.
//!   They are the tenant's (row-level security), so a tenant's feed is read
//!   in its scope and shows only its own installs. Several items can share a
//!   position (two installs of one listing); a page never ends inside one
//!   position, so resuming after it skips nothing.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, Statement,
};

use domain::OrgId;
use domain::integrations::{INSTALLER_EVENTS, IntegrationKind};

use crate::catalog::parse_id;
use crate::entities::{event_fanout, install, outbox_event, webhook_delivery, webhook_endpoint};
use crate::records::{
    AttemptResult, ClaimedDelivery, DeliveryCounts, DeliveryStatus, EndpointState, FeedEvent,
    WebhookDelivery, WebhookEndpoint,
};
use crate::review::from_json;
use crate::write::{NewEvent, json};
use crate::{Engine, OrgReader, OrgWriter, Result, RowScope, Store, StoreError};

/// The event type of a test ping: delivered to one endpoint, not in the feed.
pub const PING_EVENT: &str = "webhook.ping";

fn endpoint_from(m: webhook_endpoint::Model) -> Result<WebhookEndpoint> {
    Ok(WebhookEndpoint {
        id: m.id,
        org_id: parse_id(&m.org_id)?,
        url: m.url,
        description: m.description,
        event_types: from_json("event types", &m.event_types)?,
        all_events: m.all_events,
        kind: IntegrationKind::parse(&m.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("bad endpoint kind {:?}", m.kind)))?,
        secret: m.secret,
        previous_secret: m.previous_secret,
        previous_secret_until: m.previous_secret_until,
        state: EndpointState::parse(&m.state)
            .ok_or_else(|| StoreError::Corrupt(format!("bad endpoint state {:?}", m.state)))?,
        disabled_reason: m.disabled_reason,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn delivery_from(m: webhook_delivery::Model) -> Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        status: DeliveryStatus::parse(&m.status)
            .ok_or_else(|| StoreError::Corrupt(format!("bad delivery status {:?}", m.status)))?,
        id: m.id,
        event_id: m.event_id,
        event_seq: m.event_seq,
        event_type: m.event_type,
        endpoint_id: m.endpoint_id,
        subject: m.subject,
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        last_status: m.last_status,
        last_error: m.last_error,
        delivered_at: m.delivered_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A statement in PostgreSQL's `$n` style, rewritten to `?n` for SQLite.
fn stmt(engine: Engine, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    match engine {
        Engine::Postgres => Statement::from_sql_and_values(DbBackend::Postgres, sql, values),
        Engine::Sqlite => {
            Statement::from_sql_and_values(DbBackend::Sqlite, sql.replace('$', "?"), values)
        }
    }
}

/// `$from, $from+1, …` for an `IN (…)` list of `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn delivery_row(
    event_id: &str,
    seq: i64,
    endpoint: &WebhookEndpoint,
    subject: &str,
    event_type: &str,
    context: Option<String>,
    now: i64,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(new_id()),
        event_id: Set(event_id.to_owned()),
        event_seq: Set(seq),
        endpoint_id: Set(endpoint.id.clone()),
        org_id: Set(endpoint.org_id.to_string()),
        subject: Set(subject.to_owned()),
        event_type: Set(event_type.to_owned()),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_owner: Set(None),
        lease_until: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        context: Set(context),
    }
}

/// A tenant's install as a listing event fanned out to it carries it.
fn install_context(m: &install::Model) -> Result<serde_json::Value> {
    let tools: Vec<String> = from_json("granted tools", &m.granted_tools)?;
    let scopes: Vec<String> = from_json("granted scopes", &m.granted_scopes)?;
    Ok(serde_json::json!({
        "install": {
            "id": m.id,
            "tenant": m.org_id,
            "listing_id": m.listing_id,
            "version_id": m.version_id,
            "granted_tools": tools,
            "granted_scopes": scopes,
            "status": m.status,
        }
    }))
}

/// Writes `events` to the outbox and fans each out to the endpoints that want
/// it, in `tx`. Called by `WriteTx::commit_all` after the audit append (see
/// the module's note on commit order). Operator endpoints (`all_events`) get
/// every event; an organization's own endpoints get the events whose
/// `org_id` is theirs; and a listing's suspension, delisting or
/// reinstatement ([`INSTALLER_EVENTS`]) also goes to the endpoints of every
/// tenant with an install of it that is not removed, one delivery per
/// install (subject `install:<id>`, so it is ordered with that install's own
/// events), each carrying that tenant's install and nothing of another's,
/// and into that tenant's feed (one `event_fanout` row per install).
/// Endpoints take only what their kind and filter want ([`WebhookEndpoint::wants`]).
/// Disabled endpoints get nothing new; paused ones queue.
pub(crate) async fn insert_events(
    tx: &sea_orm::DatabaseTransaction,
    engine: Engine,
    events: Vec<NewEvent>,
    now: i64,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    crate::set_row_scope(tx, engine, RowScope::System).await?;
    let mut orgs: Vec<String> = events
        .iter()
        .filter_map(|e| e.org_id.map(|o| o.to_string()))
        .collect();
    // The tenants with an install of a listing one of these events is about,
    // read in this transaction: an install committed before it is included;
    // one not committed yet either holds the version (`hold_published`), so
    // this transaction's move of it waited and the install is included, or
    // finds the version moved and is refused.
    let listings: Vec<String> = events
        .iter()
        .filter(|e| {
            e.subject_type == "listing" && INSTALLER_EVENTS.contains(&e.event_type.as_str())
        })
        .map(|e| e.subject_id.clone())
        .collect();
    let installs: Vec<install::Model> = if listings.is_empty() {
        Vec::new()
    } else {
        install::Entity::find()
            .filter(install::Column::ListingId.is_in(listings))
            .filter(install::Column::Status.ne(crate::records::InstallStatus::Removed.as_str()))
            .order_by_asc(install::Column::CreatedAt)
            .all(tx)
            .await?
    };
    orgs.extend(installs.iter().map(|i| i.org_id.clone()));
    orgs.sort();
    orgs.dedup();
    let endpoints: Vec<WebhookEndpoint> = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::State.ne(EndpointState::Disabled.as_str()))
        .filter(
            sea_orm::Condition::any()
                .add(webhook_endpoint::Column::AllEvents.eq(true))
                .add(webhook_endpoint::Column::OrgId.is_in(orgs)),
        )
        .all(tx)
        .await?
        .into_iter()
        .map(endpoint_from)
        .collect::<Result<_>>()?;
    let mut deliveries = Vec::new();
    let mut fanouts = Vec::new();
    for e in events {
        let id = domain::EventId::new().to_string();
        let seq = outbox_event::Entity::insert(outbox_event::ActiveModel {
            id: Set(id.clone()),
            org_id: Set(e.org_id.map(|o| o.to_string())),
            event_type: Set(e.event_type.clone()),
            subject_type: Set(e.subject_type.clone()),
            subject_id: Set(e.subject_id.clone()),
            payload: Set(e.payload.to_string()),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(tx)
        .await
        .map_err(StoreError::from_db)?
        .last_insert_id;
        let subject = format!("{}:{}", e.subject_type, e.subject_id);
        for ep in &endpoints {
            let mine = ep.all_events || e.org_id == Some(ep.org_id);
            if mine && ep.wants(&e.event_type) {
                deliveries.push(delivery_row(
                    &id,
                    seq,
                    ep,
                    &subject,
                    &e.event_type,
                    None,
                    now,
                ));
            }
        }
        if e.subject_type == "listing" && INSTALLER_EVENTS.contains(&e.event_type.as_str()) {
            for i in installs.iter().filter(|i| i.listing_id == e.subject_id) {
                let context = install_context(i)?.to_string();
                fanouts.push(event_fanout::ActiveModel {
                    id: Set(new_id()),
                    org_id: Set(i.org_id.clone()),
                    install_id: Set(i.id.clone()),
                    event_id: Set(id.clone()),
                    event_seq: Set(seq),
                    context: Set(context.clone()),
                    created_at: Set(now),
                });
                let subject = format!("install:{}", i.id);
                // Operator endpoints already have the event itself.
                for ep in endpoints.iter().filter(|ep| {
                    !ep.all_events && ep.org_id.to_string() == i.org_id && ep.wants(&e.event_type)
                }) {
                    deliveries.push(delivery_row(
                        &id,
                        seq,
                        ep,
                        &subject,
                        &e.event_type,
                        Some(context.clone()),
                        now,
                    ));
                }
            }
        }
    }
    for chunk in deliveries.chunks(100) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await
            .map_err(StoreError::from_db)?;
    }
    for chunk in fanouts.chunks(100) {
        event_fanout::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await
            .map_err(StoreError::from_db)?;
    }
    Ok(())
}

/// An organization's feed items at positions `op $2` (`op` is `>` or `=`):
/// its own events (not pings, `$3`) and the listing events fanned out to its
/// installs, by position then install, at most `$4` when `limited`. Each
/// branch is ordered and limited on its own index before they are merged.
fn feed_sql(op: &str, limited: bool) -> String {
    const COLUMNS: &str = "o.seq, o.org_id, o.event_type, o.subject_type, o.subject_id, \
                           o.payload, o.created_at";
    let limit = if limited { " LIMIT $4" } else { "" };
    format!(
        "SELECT * FROM (SELECT {COLUMNS}, o.id AS item_id, NULL AS context, '' AS install_id \
           FROM outbox_event o \
           WHERE o.org_id = $1 AND o.seq {op} $2 AND o.event_type <> $3 \
           ORDER BY o.seq{limit}) mine \
         UNION ALL \
         SELECT * FROM (SELECT {COLUMNS}, f.id AS item_id, f.context, f.install_id \
           FROM event_fanout f JOIN outbox_event o ON o.id = f.event_id \
           WHERE f.org_id = $1 AND f.event_seq {op} $2 \
           ORDER BY f.event_seq, f.install_id{limit}) fanned \
         ORDER BY seq, install_id{limit}"
    )
}

fn feed_item(r: &sea_orm::QueryResult) -> Result<FeedEvent> {
    Ok(FeedEvent {
        seq: r.try_get("", "seq")?,
        id: r.try_get("", "item_id")?,
        org_id: r
            .try_get::<Option<String>>("", "org_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?,
        event_type: r.try_get("", "event_type")?,
        subject_type: r.try_get("", "subject_type")?,
        subject_id: r.try_get("", "subject_id")?,
        payload: from_json("event payload", &r.try_get::<String>("", "payload")?)?,
        created_at: r.try_get("", "created_at")?,
        context: r
            .try_get::<Option<String>>("", "context")?
            .map(|c| from_json("fan-out context", &c))
            .transpose()?,
    })
}

impl OrgReader<'_> {
    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let rows = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::OrgId.eq(self.org.to_string()))
            .order_by_asc(webhook_endpoint::Column::CreatedAt)
            .all(&tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(endpoint_from).collect()
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let row = webhook_endpoint::Entity::find_by_id(id.to_owned())
            .filter(webhook_endpoint::Column::OrgId.eq(self.org.to_string()))
            .one(&tx)
            .await?;
        tx.commit().await?;
        row.map(endpoint_from).transpose()
    }

    /// Deliveries per status of one endpoint (`delivering` counts as pending).
    pub async fn delivery_counts(&self, endpoint: &str) -> Result<DeliveryCounts> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let rows: Vec<(String, i64)> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Status)
            .column_as(webhook_delivery::Column::Id.count(), "n")
            .filter(webhook_delivery::Column::OrgId.eq(self.org.to_string()))
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint))
            .group_by(webhook_delivery::Column::Status)
            .into_tuple()
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut c = DeliveryCounts::default();
        for (status, n) in rows {
            let n = n as u64;
            match DeliveryStatus::parse(&status) {
                Some(DeliveryStatus::Pending | DeliveryStatus::Delivering) => c.pending += n,
                Some(DeliveryStatus::Delivered) => c.delivered += n,
                Some(DeliveryStatus::Failed) => c.failed += n,
                Some(DeliveryStatus::Dead) => c.dead += n,
                None => {
                    return Err(StoreError::Corrupt(format!(
                        "bad delivery status {status:?}"
                    )));
                }
            }
        }
        Ok(c)
    }

    /// An endpoint's delivery log, newest event first.
    pub async fn deliveries(&self, endpoint: &str, limit: u64) -> Result<Vec<WebhookDelivery>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let rows = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::OrgId.eq(self.org.to_string()))
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint))
            .order_by_desc(webhook_delivery::Column::EventSeq)
            .limit(limit)
            .all(&tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(delivery_from).collect()
    }

    /// One delivery of this organization's endpoints.
    pub async fn delivery(&self, id: &str) -> Result<Option<WebhookDelivery>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let row = webhook_delivery::Entity::find_by_id(id.to_owned())
            .filter(webhook_delivery::Column::OrgId.eq(self.org.to_string()))
            .one(&tx)
            .await?;
        tx.commit().await?;
        row.map(delivery_from).transpose()
    }
}

impl OrgWriter<'_> {
    pub async fn insert_webhook_endpoint(&self, e: &WebhookEndpoint) -> Result<()> {
        self.scoped().await?;
        webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel {
            id: Set(e.id.clone()),
            org_id: Set(self.org.to_string()),
            url: Set(e.url.clone()),
            description: Set(e.description.clone()),
            event_types: Set(json(&e.event_types)),
            all_events: Set(e.all_events),
            kind: Set(e.kind.as_str().to_owned()),
            secret: Set(e.secret.clone()),
            previous_secret: Set(e.previous_secret.clone()),
            previous_secret_until: Set(e.previous_secret_until),
            state: Set(e.state.as_str().to_owned()),
            disabled_reason: Set(e.disabled_reason.clone()),
            created_at: Set(e.created_at),
            updated_at: Set(e.updated_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Moves an endpoint to `to` if it is in one of `from` (compare-and-set).
    pub async fn set_webhook_endpoint_state(
        &self,
        id: &str,
        from: &[EndpointState],
        to: EndpointState,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        self.scoped().await?;
        let n = webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::State, Expr::value(to.as_str()))
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(reason.map(str::to_owned)),
            )
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::OrgId.eq(self.org.to_string()))
            .filter(webhook_endpoint::Column::State.is_in(from.iter().map(|s| s.as_str())))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    /// Makes `secret` current; the current one stays valid (both signatures
    /// are sent) until `previous_until`.
    pub async fn rotate_webhook_secret(
        &self,
        id: &str,
        secret: &str,
        previous_until: i64,
        now: i64,
    ) -> Result<bool> {
        self.scoped().await?;
        let n = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::PreviousSecret,
                Expr::col(webhook_endpoint::Column::Secret),
            )
            .col_expr(
                webhook_endpoint::Column::PreviousSecretUntil,
                Expr::value(Some(previous_until)),
            )
            .col_expr(webhook_endpoint::Column::Secret, Expr::value(secret))
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::OrgId.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    /// Queues a `webhook.ping` event for one endpoint only (not fanned out,
    /// not in the feed). Returns the delivery's id (its `webhook-id`).
    pub async fn queue_ping(&self, endpoint: &WebhookEndpoint, now: i64) -> Result<String> {
        self.scoped().await?;
        let id = domain::EventId::new().to_string();
        let payload = serde_json::json!({ "endpoint_id": endpoint.id });
        let seq = outbox_event::Entity::insert(outbox_event::ActiveModel {
            id: Set(id.clone()),
            org_id: Set(Some(self.org.to_string())),
            event_type: Set(PING_EVENT.to_owned()),
            subject_type: Set("webhook_endpoint".to_owned()),
            subject_id: Set(endpoint.id.clone()),
            payload: Set(payload.to_string()),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?
        .last_insert_id;
        let row = delivery_row(
            &id,
            seq,
            endpoint,
            &format!("webhook_endpoint:{}", endpoint.id),
            PING_EVENT,
            None,
            now,
        );
        let delivery = row.id.clone().unwrap();
        webhook_delivery::Entity::insert(row)
            .exec_without_returning(&self.tx.tx)
            .await
            .map_err(StoreError::from_db)?;
        Ok(delivery)
    }

    /// Puts a dead delivery back in the queue, due now, with a fresh attempt
    /// count. Same `webhook-id`, so a receiver that saw it can tell.
    pub async fn replay_delivery(&self, id: &str, now: i64) -> Result<bool> {
        self.scoped().await?;
        let n = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Pending.as_str()),
            )
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
            .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_delivery::Column::Id.eq(id))
            .filter(webhook_delivery::Column::OrgId.eq(self.org.to_string()))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Dead.as_str()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }
}

const DUE: &str = "SELECT d.id FROM webhook_delivery d \
     JOIN webhook_endpoint e ON e.id = d.endpoint_id \
     WHERE e.state = 'active' \
       AND ((d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1) \
            OR (d.status = 'delivering' AND d.lease_until < $1)) \
       AND NOT EXISTS (SELECT 1 FROM webhook_delivery p \
            WHERE p.endpoint_id = d.endpoint_id AND p.subject = d.subject \
              AND p.event_seq < d.event_seq \
              AND p.status IN ('pending', 'delivering', 'failed')) \
     ORDER BY d.event_seq LIMIT $2";

impl Store {
    /// Leases up to `limit` due deliveries to `owner` until `now + lease_ms`,
    /// counting the attempt. Due: pending or failed with its time come, or
    /// delivering under an expired lease (its dispatcher died), of an active
    /// endpoint, and the oldest undone one of its subject for that endpoint.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let w = self.begin_write().await?;
        let tx = &w.tx;
        crate::set_row_scope(tx, self.engine, RowScope::System).await?;
        let due = match self.engine {
            // Rows another process is claiming are skipped, not waited for;
            // rows it claimed and committed are re-checked and drop out.
            Engine::Postgres => format!("{DUE} FOR UPDATE OF d SKIP LOCKED"),
            // One writer at a time: this transaction holds the write lock.
            Engine::Sqlite => DUE.to_owned(),
        };
        let ids: Vec<String> = tx
            .query_all_raw(stmt(
                self.engine,
                &due,
                vec![now.into(), (limit as i64).into()],
            ))
            .await?
            .iter()
            .map(|r| r.try_get::<String>("", "id"))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<sea_orm::Value> =
            vec![owner.into(), (now + lease_ms).into(), now.into()];
        values.extend(ids.iter().map(|i| i.clone().into()));
        tx.execute_raw(stmt(
            self.engine,
            &format!(
                "UPDATE webhook_delivery SET status = 'delivering', lease_owner = $1, \
                 lease_until = $2, attempts = attempts + 1, updated_at = $3 WHERE id IN ({})",
                placeholders(4, ids.len())
            ),
            values,
        ))
        .await?;
        let mut values: Vec<sea_orm::Value> = vec![owner.into(), now.into()];
        values.extend(ids.iter().map(|i| i.clone().into()));
        let rows = tx
            .query_all_raw(stmt(
                self.engine,
                &format!(
                    "SELECT d.id, d.endpoint_id, d.org_id, d.attempts, d.event_type, d.context, \
                     e.url, e.kind, e.secret, e.previous_secret, e.previous_secret_until, \
                     o.payload, o.org_id AS event_org_id, o.created_at FROM webhook_delivery d \
                     JOIN webhook_endpoint e ON e.id = d.endpoint_id \
                     JOIN outbox_event o ON o.id = d.event_id \
                     WHERE d.lease_owner = $1 AND d.updated_at = $2 AND d.id IN ({}) \
                     ORDER BY d.event_seq",
                    placeholders(3, ids.len())
                ),
                values,
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut secrets = vec![r.try_get::<String>("", "secret")?];
            let previous: Option<String> = r.try_get("", "previous_secret")?;
            let until: Option<i64> = r.try_get("", "previous_secret_until")?;
            if let (Some(p), Some(u)) = (previous, until)
                && u > now
            {
                secrets.push(p);
            }
            out.push(ClaimedDelivery {
                id: r.try_get("", "id")?,
                endpoint_id: r.try_get("", "endpoint_id")?,
                org_id: parse_id(&r.try_get::<String>("", "org_id")?)?,
                url: r.try_get("", "url")?,
                secrets,
                event_type: r.try_get("", "event_type")?,
                event_org_id: r.try_get("", "event_org_id")?,
                occurred_at: r.try_get("", "created_at")?,
                payload: r.try_get("", "payload")?,
                kind: {
                    let k: String = r.try_get("", "kind")?;
                    IntegrationKind::parse(&k)
                        .ok_or_else(|| StoreError::Corrupt(format!("bad endpoint kind {k:?}")))?
                },
                context: r.try_get("", "context")?,
                attempt: r.try_get("", "attempts")?,
            });
        }
        w.tx.commit().await?;
        Ok(out)
    }

    /// Records attempts' results, each only if `owner` still holds that
    /// delivery's lease (a dispatcher whose lease ran out and was taken over
    /// records nothing). One transaction for the batch. Returns the ids whose
    /// result was recorded.
    pub async fn record_attempts(
        &self,
        owner: &str,
        results: &[(String, AttemptResult)],
        now: i64,
    ) -> Result<Vec<String>> {
        let w = self.begin_write().await?;
        crate::set_row_scope(&w.tx, self.engine, RowScope::System).await?;
        let mut recorded = Vec::new();
        for (id, result) in results {
            let q = webhook_delivery::Entity::update_many()
                .col_expr(
                    webhook_delivery::Column::LeaseOwner,
                    Expr::value(None::<String>),
                )
                .col_expr(
                    webhook_delivery::Column::LeaseUntil,
                    Expr::value(None::<i64>),
                )
                .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now));
            let (status, last_status, error, next, delivered_at) = match result {
                AttemptResult::Delivered { status } => (
                    DeliveryStatus::Delivered,
                    Some(*status),
                    None,
                    None,
                    Some(now),
                ),
                AttemptResult::Retry { at, status, error } => (
                    DeliveryStatus::Failed,
                    *status,
                    Some(error.clone()),
                    Some(*at),
                    None,
                ),
                AttemptResult::Dead { status, error } => (
                    DeliveryStatus::Dead,
                    *status,
                    Some(error.clone()),
                    None,
                    None,
                ),
                AttemptResult::Gone => (
                    DeliveryStatus::Dead,
                    Some(410),
                    Some(
                        "the endpoint answered 410 Gone; it was disabled until resumed".to_owned(),
                    ),
                    None,
                    None,
                ),
            };
            let mut q = q
                .col_expr(
                    webhook_delivery::Column::Status,
                    Expr::value(status.as_str()),
                )
                .col_expr(
                    webhook_delivery::Column::LastStatus,
                    Expr::value(last_status),
                )
                .col_expr(
                    webhook_delivery::Column::DeliveredAt,
                    Expr::value(delivered_at),
                );
            if let Some(e) = error {
                q = q.col_expr(webhook_delivery::Column::LastError, Expr::value(e));
            }
            if let Some(next) = next {
                q = q.col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next));
            }
            let n = q
                .filter(webhook_delivery::Column::Id.eq(id.as_str()))
                .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Delivering.as_str()))
                .filter(webhook_delivery::Column::LeaseOwner.eq(owner))
                .exec(&w.tx)
                .await?
                .rows_affected;
            if n == 1 {
                recorded.push(id.clone());
            }
        }
        w.tx.commit().await?;
        Ok(recorded)
    }

    /// The event feed: items after position `after`, oldest first, at most
    /// `limit` (more only to finish the last position's items, see below).
    /// `org` `None` reads every organization's events (the operator's feed;
    /// an operator has every event itself, so no fan-outs); an
    /// organization's feed is its own events and the listing events fanned
    /// out to its installs, read in its scope. Positions are commit-ordered
    /// (see the module documentation), so a reader that resumes after the
    /// last position it saw misses nothing; the items of one position (one
    /// event fanned out to two installs of a tenant) never straddle pages.
    pub async fn events_after(
        &self,
        org: Option<OrgId>,
        after: i64,
        limit: u64,
    ) -> Result<Vec<FeedEvent>> {
        let Some(org) = org else {
            return outbox_event::Entity::find()
                .filter(outbox_event::Column::Seq.gt(after))
                .filter(outbox_event::Column::EventType.ne(PING_EVENT))
                .order_by_asc(outbox_event::Column::Seq)
                .limit(limit)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|m| {
                    Ok(FeedEvent {
                        seq: m.seq,
                        org_id: m.org_id.as_deref().map(parse_id).transpose()?,
                        payload: from_json("event payload", &m.payload)?,
                        id: m.id,
                        event_type: m.event_type,
                        subject_type: m.subject_type,
                        subject_id: m.subject_id,
                        created_at: m.created_at,
                        context: None,
                    })
                })
                .collect();
        };
        let tx = self.read_tx(RowScope::Org(org)).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.engine,
                &feed_sql(">", true),
                vec![
                    org.to_string().into(),
                    after.into(),
                    PING_EVENT.into(),
                    (limit as i64).into(),
                ],
            ))
            .await?;
        let mut items = rows.iter().map(feed_item).collect::<Result<Vec<_>>>()?;
        // A full page may have cut its last position's items short: end the
        // page with all of them, so resuming after that position skips none.
        if items.len() as u64 >= limit
            && let Some(last) = items.last().map(|i| i.seq)
        {
            let rest = tx
                .query_all_raw(stmt(
                    self.engine,
                    &feed_sql("=", false),
                    vec![org.to_string().into(), last.into(), PING_EVENT.into()],
                ))
                .await?;
            items.retain(|i| i.seq != last);
            for r in &rest {
                items.push(feed_item(r)?);
            }
        }
        tx.commit().await?;
        Ok(items)
    }
}

/// One install's decisions in one period, whose `usage.summarized` event has
/// not been emitted yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageRow {
    pub org_id: OrgId,
    pub install_id: String,
    pub listing_id: String,
    pub listing_slug: String,
    pub version: String,
    pub period_start: i64,
    pub period_end: i64,
    /// Calls allowed (what usage plans count).
    pub allowed: i64,
    pub denied: i64,
}

impl Store {
    /// Decisions per install and period of `period_ms` (aligned to the unix
    /// epoch) for periods starting in `[from, until)`, except the periods
    /// already emitted (`usage_period`). Counts of ids that are no install
    /// are left out. Read in the system scope: the usage job spans tenants.
    pub async fn unsummarized_usage(
        &self,
        from: i64,
        until: i64,
        period_ms: i64,
    ) -> Result<Vec<UsageRow>> {
        let tx = self.read_tx(RowScope::System).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.engine,
                "SELECT x.org_id, x.install_id, i.listing_id, l.slug, v.version, x.period_start, \
                   CAST(sum(CASE WHEN x.outcome = 'allow' THEN x.n ELSE 0 END) AS BIGINT) AS allowed, \
                   CAST(sum(CASE WHEN x.outcome = 'allow' THEN 0 ELSE x.n END) AS BIGINT) AS denied \
                 FROM (SELECT c.org_id, c.install_id, c.outcome, c.n, \
                         c.window_start - (c.window_start % $3) AS period_start \
                       FROM decision_count c \
                       WHERE c.window_start >= $1 AND c.window_start < $2) x \
                 JOIN install i ON i.id = x.install_id AND i.org_id = x.org_id \
                 JOIN listing l ON l.id = i.listing_id \
                 JOIN listing_version v ON v.id = i.version_id \
                 WHERE NOT EXISTS (SELECT 1 FROM usage_period u \
                   WHERE u.install_id = x.install_id AND u.period_start = x.period_start) \
                 GROUP BY x.org_id, x.install_id, i.listing_id, l.slug, v.version, x.period_start \
                 ORDER BY x.period_start, x.install_id",
                vec![from.into(), until.into(), period_ms.into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let start: i64 = r.try_get("", "period_start")?;
            out.push(UsageRow {
                org_id: parse_id(&r.try_get::<String>("", "org_id")?)?,
                install_id: r.try_get("", "install_id")?,
                listing_id: r.try_get("", "listing_id")?,
                listing_slug: r.try_get("", "slug")?,
                version: r.try_get("", "version")?,
                period_start: start,
                period_end: start + period_ms,
                allowed: r.try_get("", "allowed")?,
                denied: r.try_get("", "denied")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }
}

impl crate::WriteTx {
    /// Marks one install's period as emitted, in the transaction that writes
    /// its event. `false` if it already was (another process got there
    /// first): the caller then leaves that event out, so a period is emitted
    /// once however many processes summarize or restart.
    pub async fn claim_usage_period(&self, row: &UsageRow, now: i64) -> Result<bool> {
        crate::set_row_scope(&self.tx, self.engine, RowScope::Org(row.org_id)).await?;
        let n = self
            .tx
            .execute_raw(stmt(
                self.engine,
                "INSERT INTO usage_period (org_id, install_id, period_start, period_end, \
                 allowed, denied, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (install_id, period_start) DO NOTHING",
                vec![
                    row.org_id.to_string().into(),
                    row.install_id.clone().into(),
                    row.period_start.into(),
                    row.period_end.into(),
                    row.allowed.into(),
                    row.denied.into(),
                    now.into(),
                ],
            ))
            .await?
            .rows_affected();
        Ok(n == 1)
    }
}
