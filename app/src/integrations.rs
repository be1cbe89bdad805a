//! Server functions of an organization's integrations console: webhook
//! endpoints (create, pause/resume, rotate the secret, ping), their delivery
//! log and replay of dead deliveries. Page in `pages/integrations.rs`.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::session;
use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn delivery_item(d: services::records::WebhookDelivery) -> DeliveryItem {
    use services::records::DeliveryStatus;
    DeliveryItem {
        replayable: d.status == DeliveryStatus::Dead,
        id: d.id,
        event_type: d.event_type,
        status: d.status.as_str().to_owned(),
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        updated: services::format_datetime(d.updated_at),
    }
}

#[server(endpoint = "integrations")]
pub async fn integrations_page(slug: String) -> Result<IntegrationsView, AppError> {
    let actor = session::actor().await?;
    let s = session::services()?;
    let (org, views) = s.webhook_endpoints(&actor, &slug).await?;
    let mut endpoints = Vec::with_capacity(views.len());
    for v in views {
        let (_, _, log) = s.webhook_deliveries(&actor, &slug, &v.endpoint.id).await?;
        let e = v.endpoint;
        let now = services::records_now();
        endpoints.push(EndpointItem {
            event_types: if !e.event_types.is_empty() {
                e.event_types.join(", ")
            } else if e.kind.events().is_empty() {
                "all events".to_owned()
            } else {
                e.kind.events().join(", ")
            },
            kind: e.kind.label().to_owned(),
            schema: e.kind.schema().map(str::to_owned),
            state: e.state.as_str().to_owned(),
            disabled_reason: e.disabled_reason,
            pending: v.counts.pending,
            delivered: v.counts.delivered,
            failed: v.counts.failed,
            dead: v.counts.dead,
            previous_secret_until: e
                .previous_secret_until
                .filter(|u| *u > now)
                .map(services::format_datetime),
            last_errors: v.last_errors.into_iter().map(delivery_item).collect(),
            log: log.into_iter().take(20).map(delivery_item).collect(),
            id: e.id,
            url: e.url,
            description: e.description,
        });
    }
    use services::domain::integrations::IntegrationKind;
    Ok(IntegrationsView {
        all_events: org.kind == services::domain::org::OrgKind::Operator,
        kinds: IntegrationKind::ALL
            .into_iter()
            .filter(|k| k.available_to(org.kind))
            .map(|k| KindOption {
                value: k.as_str().to_owned(),
                label: k.label().to_owned(),
                events: k.events().iter().map(|e| e.to_string()).collect(),
                schema: k.schema().map(str::to_owned),
            })
            .collect(),
        org_slug: org.slug,
        org_name: org.name,
        endpoints,
    })
}

#[server(endpoint = "create_webhook_endpoint")]
pub async fn create_webhook_endpoint(
    slug: String,
    url: String,
    #[server(default)] description: String,
    #[server(default)] event_types: String,
    #[server(default)] kind: String,
) -> Result<NewWebhookSecret, AppError> {
    let actor = session::actor().await?;
    let (endpoint, secret) = session::services()?
        .create_webhook_endpoint(&actor, &slug, &url, &description, &event_types, &kind)
        .await?;
    Ok(NewWebhookSecret {
        endpoint_id: endpoint.id,
        secret,
    })
}

#[server(endpoint = "pause_webhook_endpoint")]
pub async fn pause_webhook_endpoint(slug: String, endpoint_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .set_webhook_endpoint_paused(&actor, &slug, &endpoint_id, true)
        .await?;
    Ok(())
}

#[server(endpoint = "resume_webhook_endpoint")]
pub async fn resume_webhook_endpoint(slug: String, endpoint_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .set_webhook_endpoint_paused(&actor, &slug, &endpoint_id, false)
        .await?;
    Ok(())
}

#[server(endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(
    slug: String,
    endpoint_id: String,
) -> Result<NewWebhookSecret, AppError> {
    let actor = session::actor().await?;
    let secret = session::services()?
        .rotate_webhook_secret(&actor, &slug, &endpoint_id)
        .await?;
    Ok(NewWebhookSecret {
        endpoint_id,
        secret,
    })
}

#[server(endpoint = "ping_webhook_endpoint")]
pub async fn ping_webhook_endpoint(slug: String, endpoint_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .ping_webhook_endpoint(&actor, &slug, &endpoint_id)
        .await?;
    Ok(())
}

#[server(endpoint = "replay_webhook_delivery")]
pub async fn replay_webhook_delivery(slug: String, delivery_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .replay_webhook_delivery(&actor, &slug, &delivery_id)
        .await?;
    Ok(())
}
