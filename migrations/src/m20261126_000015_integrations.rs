//! Integrations (issue #8): webhook endpoints an organization registers, and
//! one delivery row per (outbox event, endpoint) that the dispatcher leases,
//! retries and finally marks delivered or dead.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoint {
    Table,
    Id,
    OrgId,
    Url,
    Description,
    EventTypes,
    AllEvents,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    State,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    EventId,
    EventSeq,
    EndpointId,
    OrgId,
    Subject,
    EventType,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    LastStatus,
    LastError,
    DeliveredAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    OrgId,
    Seq,
}

/// Org-owned tables this migration adds (the endpoint's organization owns
/// both the endpoint and its deliveries).
pub const INTEGRATION_TABLES: &[(&str, &str)] = &[
    ("webhook_endpoint", "org_id"),
    ("webhook_delivery", "org_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookEndpoint::Table)
                .col(string_len(WebhookEndpoint::Id, 36).primary_key())
                .col(string_len(WebhookEndpoint::OrgId, 36))
                .col(text(WebhookEndpoint::Url))
                .col(string_len(WebhookEndpoint::Description, 200))
                // JSON array of event types or `prefix.*` patterns; empty: all.
                .col(text(WebhookEndpoint::EventTypes))
                // The operator's endpoints receive every organization's events.
                .col(boolean(WebhookEndpoint::AllEvents))
                // `whsec_…`: a secret, shown once to the owner, never logged.
                .col(text(WebhookEndpoint::Secret))
                .col(text_null(WebhookEndpoint::PreviousSecret))
                .col(big_integer_null(WebhookEndpoint::PreviousSecretUntil))
                .col(string_len(WebhookEndpoint::State, 16))
                .col(text_null(WebhookEndpoint::DisabledReason))
                .col(big_integer(WebhookEndpoint::CreatedAt))
                .col(big_integer(WebhookEndpoint::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_webhook_endpoint_org")
                .table(WebhookEndpoint::Table)
                .col(WebhookEndpoint::OrgId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDelivery::Table)
                // The `webhook-id`: the same on every attempt.
                .col(string_len(WebhookDelivery::Id, 36).primary_key())
                .col(string_len(WebhookDelivery::EventId, 36))
                .col(big_integer(WebhookDelivery::EventSeq))
                .col(string_len(WebhookDelivery::EndpointId, 36))
                .col(string_len(WebhookDelivery::OrgId, 36))
                // `subject_type:subject_id`: deliveries of one subject to one
                // endpoint go in `event_seq` order.
                .col(string_len(WebhookDelivery::Subject, 270))
                .col(string_len(WebhookDelivery::EventType, 100))
                .col(string_len(WebhookDelivery::Status, 16))
                .col(integer(WebhookDelivery::Attempts))
                .col(big_integer(WebhookDelivery::NextAttemptAt))
                .col(string_len_null(WebhookDelivery::LeaseOwner, 64))
                .col(big_integer_null(WebhookDelivery::LeaseUntil))
                .col(integer_null(WebhookDelivery::LastStatus))
                .col(text_null(WebhookDelivery::LastError))
                .col(big_integer_null(WebhookDelivery::DeliveredAt))
                .col(big_integer(WebhookDelivery::CreatedAt))
                .col(big_integer(WebhookDelivery::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_webhook_delivery_event_endpoint")
                .table(WebhookDelivery::Table)
                .col(WebhookDelivery::EventId)
                .col(WebhookDelivery::EndpointId)
                .unique()
                .to_owned(),
        )
        .await?;
        // "Is an earlier delivery of this subject to this endpoint undone?":
        // one probe per undone status, whatever the backlog.
        m.create_index(
            Index::create()
                .name("ix_webhook_delivery_order")
                .table(WebhookDelivery::Table)
                .col(WebhookDelivery::EndpointId)
                .col(WebhookDelivery::Subject)
                .col(WebhookDelivery::Status)
                .col(WebhookDelivery::EventSeq)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_webhook_delivery_due")
                .table(WebhookDelivery::Table)
                .col(WebhookDelivery::Status)
                .col(WebhookDelivery::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        // The event feed reads one organization's events in order.
        m.create_index(
            Index::create()
                .name("ix_outbox_event_org_seq")
                .table(OutboxEvent::Table)
                .col(OutboxEvent::OrgId)
                .col(OutboxEvent::Seq)
                .to_owned(),
        )
        .await?;
        crate::org_owned_rls(m, INTEGRATION_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_outbox_event_org_seq")
                .table(OutboxEvent::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(WebhookDelivery::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookEndpoint::Table).to_owned())
            .await?;
        Ok(())
    }
}
