//! Idempotency keys for `POST /api/v1/*`: the first response to a key, kept
//! (per organization) for at least 24 hours so a retry gets it again byte for
//! byte instead of doing the work twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    OrgId,
    Key,
    RequestHash,
    State,
    Status,
    ContentType,
    Body,
    CreatedAt,
    ExpiresAt,
}

/// Org-owned tables this migration adds.
pub const IDEMPOTENCY_TABLES: &[(&str, &str)] = &[("idempotency_key", "org_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IdempotencyKey::Table)
                .col(string_len(IdempotencyKey::OrgId, 36))
                .col(string_len(IdempotencyKey::Key, 255))
                .col(string_len(IdempotencyKey::RequestHash, 64))
                .col(string_len(IdempotencyKey::State, 16))
                .col(integer_null(IdempotencyKey::Status))
                .col(string_len_null(IdempotencyKey::ContentType, 200))
                .col(text_null(IdempotencyKey::Body))
                .col(big_integer(IdempotencyKey::CreatedAt))
                .col(big_integer(IdempotencyKey::ExpiresAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKey::OrgId)
                        .col(IdempotencyKey::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_idempotency_key_expires")
                .table(IdempotencyKey::Table)
                .col(IdempotencyKey::ExpiresAt)
                .to_owned(),
        )
        .await?;
        crate::org_owned_rls(m, IDEMPOTENCY_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IdempotencyKey::Table).to_owned())
            .await?;
        Ok(())
    }
}
