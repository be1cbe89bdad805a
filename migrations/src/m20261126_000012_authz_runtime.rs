//! The runtime permission check's shared state.
//!
//! - `authz_epoch` (one row) and `authz_change`: every transaction that changes
//!   what a decision depends on (an install, its grants, a tenant policy, a
//!   version's listing state, a token) bumps the epoch and records what changed
//!   under it. The bump takes the row's lock until commit, so epochs are
//!   assigned in commit order: a process that has read epoch N has seen every
//!   change up to N.
//! - `authz_node`: each serving process's last applied epoch and heartbeat, so
//!   a change returns to its caller only once every live process applied it.
//! - `decision_count` (decisions per install, tool and outcome per minute) and
//!   `denial_event` (each denied call, for abuse monitoring), owned by the
//!   tenant's organization.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthzEpoch {
    Table,
    Id,
    N,
}

#[derive(DeriveIden)]
enum AuthzChange {
    Table,
    Id,
    Epoch,
    Kind,
    Subject,
    At,
}

#[derive(DeriveIden)]
enum AuthzNode {
    Table,
    NodeId,
    SeenEpoch,
    HeartbeatAt,
    StartedAt,
}

#[derive(DeriveIden)]
enum DecisionCount {
    Table,
    OrgId,
    InstallId,
    Tool,
    Outcome,
    WindowStart,
    N,
}

#[derive(DeriveIden)]
enum DenialEvent {
    Table,
    Id,
    OrgId,
    InstallId,
    AgentId,
    Tool,
    Reason,
    At,
}

/// Org-owned tables this migration adds (the tenant's organization owns them).
pub const AUTHZ_TABLES: &[(&str, &str)] =
    &[("decision_count", "org_id"), ("denial_event", "org_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuthzEpoch::Table)
                .col(integer(AuthzEpoch::Id).primary_key())
                .col(big_integer(AuthzEpoch::N))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuthzEpoch::Table)
                .columns([AuthzEpoch::Id, AuthzEpoch::N])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuthzChange::Table)
                .col(big_integer(AuthzChange::Id).primary_key().auto_increment())
                .col(big_integer(AuthzChange::Epoch))
                .col(string_len(AuthzChange::Kind, 16))
                .col(string_len(AuthzChange::Subject, 64))
                .col(big_integer(AuthzChange::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_authz_change_epoch")
                .table(AuthzChange::Table)
                .col(AuthzChange::Epoch)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuthzNode::Table)
                .col(string_len(AuthzNode::NodeId, 36).primary_key())
                .col(big_integer(AuthzNode::SeenEpoch))
                .col(big_integer(AuthzNode::HeartbeatAt))
                .col(big_integer(AuthzNode::StartedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DecisionCount::Table)
                .col(string_len(DecisionCount::OrgId, 36))
                .col(string_len(DecisionCount::InstallId, 64))
                .col(string_len(DecisionCount::Tool, 200))
                .col(string_len(DecisionCount::Outcome, 32))
                .col(big_integer(DecisionCount::WindowStart))
                .col(big_integer(DecisionCount::N))
                .primary_key(
                    Index::create()
                        .col(DecisionCount::OrgId)
                        .col(DecisionCount::InstallId)
                        .col(DecisionCount::Tool)
                        .col(DecisionCount::Outcome)
                        .col(DecisionCount::WindowStart),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DenialEvent::Table)
                .col(string_len(DenialEvent::Id, 36).primary_key())
                .col(string_len(DenialEvent::OrgId, 36))
                .col(string_len(DenialEvent::InstallId, 64))
                .col(string_len(DenialEvent::AgentId, 64))
                .col(string_len(DenialEvent::Tool, 200))
                .col(string_len(DenialEvent::Reason, 32))
                .col(big_integer(DenialEvent::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_denial_event_org_at")
                .table(DenialEvent::Table)
                .col(DenialEvent::OrgId)
                .col(DenialEvent::At)
                .to_owned(),
        )
        .await?;
        crate::org_owned_rls(m, AUTHZ_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "denial_event",
            "decision_count",
            "authz_node",
            "authz_change",
            "authz_epoch",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
