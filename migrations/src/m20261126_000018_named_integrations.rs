//! Named integrations (issue #8): an endpoint's `kind` (generic, billing,
//! identity, trust_safety, developer_portal, policy); on a delivery, the
//! tenant's install a listing event was fanned out for (`context`), with the
//! uniqueness of a delivery widened from (event, endpoint) to (event,
//! endpoint, subject) so each of a tenant's installs gets its own; and
//! `usage_period`, one row per install and hour whose `usage.summarized`
//! event was emitted, written in that event's transaction so a period is
//! never emitted twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoint {
    Table,
    Kind,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    EventId,
    EndpointId,
    Subject,
    Context,
}

#[derive(DeriveIden)]
enum UsagePeriod {
    Table,
    OrgId,
    InstallId,
    PeriodStart,
    PeriodEnd,
    Allowed,
    Denied,
    CreatedAt,
}

/// Org-owned tables this migration adds (the tenant owns its usage).
pub const NAMED_INTEGRATION_TABLES: &[(&str, &str)] = &[("usage_period", "org_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(WebhookEndpoint::Table)
                .add_column(string_len(WebhookEndpoint::Kind, 32).default("generic"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(WebhookDelivery::Table)
                // JSON: `{"install": {...}}` for a listing event fanned out to
                // a tenant; NULL otherwise.
                .add_column(text_null(WebhookDelivery::Context))
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ux_webhook_delivery_event_endpoint")
                .table(WebhookDelivery::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_webhook_delivery_event_endpoint_subject")
                .table(WebhookDelivery::Table)
                .col(WebhookDelivery::EventId)
                .col(WebhookDelivery::EndpointId)
                .col(WebhookDelivery::Subject)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UsagePeriod::Table)
                .col(string_len(UsagePeriod::OrgId, 36))
                .col(string_len(UsagePeriod::InstallId, 36))
                .col(big_integer(UsagePeriod::PeriodStart))
                .col(big_integer(UsagePeriod::PeriodEnd))
                .col(big_integer(UsagePeriod::Allowed))
                .col(big_integer(UsagePeriod::Denied))
                .col(big_integer(UsagePeriod::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(UsagePeriod::InstallId)
                        .col(UsagePeriod::PeriodStart),
                )
                .to_owned(),
        )
        .await?;
        crate::org_owned_rls(m, NAMED_INTEGRATION_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UsagePeriod::Table).to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("ux_webhook_delivery_event_endpoint_subject")
                .table(WebhookDelivery::Table)
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
        m.alter_table(
            Table::alter()
                .table(WebhookDelivery::Table)
                .drop_column(WebhookDelivery::Context)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(WebhookEndpoint::Table)
                .drop_column(WebhookEndpoint::Kind)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
