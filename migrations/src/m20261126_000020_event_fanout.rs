//! The tenant's side of the event feed (issue #8): `event_fanout`, one row per
//! listing event fanned out to a tenant's install (a listing's suspension,
//! delisting or reinstatement, for every install of it that is not removed),
//! written by the outbox's fan-out in the event's transaction, whether or not
//! the tenant has a webhook endpoint. `GET /api/v1/events` reads a tenant's
//! rows beside its own events, ordered by the event's position (`event_seq`),
//! so the feed carries what the tenant's generic webhooks get. Owned by the
//! tenant (row-level security on `org_id`). Not backfilled: before this
//! migration only tenants with an endpoint had a fan-out (as deliveries), and
//! a feed that showed old suspensions to some tenants and not to others would
//! be wrong in a new way; fan-outs start with it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventFanout {
    Table,
    Id,
    OrgId,
    InstallId,
    EventId,
    EventSeq,
    Context,
    CreatedAt,
}

/// Org-owned tables this migration adds (the tenant owns its fan-outs).
pub const FANOUT_TABLES: &[(&str, &str)] = &[("event_fanout", "org_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EventFanout::Table)
                // The feed item's id (one per install, so a tenant with two
                // installs of a listing can tell the two apart).
                .col(string_len(EventFanout::Id, 36).primary_key())
                .col(string_len(EventFanout::OrgId, 36))
                .col(string_len(EventFanout::InstallId, 36))
                .col(string_len(EventFanout::EventId, 36))
                // The event's `outbox_event.seq`: the feed position.
                .col(big_integer(EventFanout::EventSeq))
                // JSON `{"install": {...}}`, as the event's deliveries carry it.
                .col(text(EventFanout::Context))
                .col(big_integer(EventFanout::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_event_fanout_event_install")
                .table(EventFanout::Table)
                .col(EventFanout::EventId)
                .col(EventFanout::InstallId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_event_fanout_org_seq")
                .table(EventFanout::Table)
                .col(EventFanout::OrgId)
                .col(EventFanout::EventSeq)
                .to_owned(),
        )
        .await?;
        crate::org_owned_rls(m, FANOUT_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EventFanout::Table).to_owned())
            .await?;
        Ok(())
    }
}
