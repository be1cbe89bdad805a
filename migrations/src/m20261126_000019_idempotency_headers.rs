//! The response headers an idempotent replay must repeat (issue #8: "replays
//! the first response byte for byte"): `idempotency_key.headers`, JSON
//! `[[name, value], …]` of the allow-listed headers of the first response
//! (`server/src/idempotency.rs` says which). Nullable: a key kept before this
//! migration replays as it did, with its status, content type and body.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Headers,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(IdempotencyKey::Table)
                .add_column(text_null(IdempotencyKey::Headers))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(IdempotencyKey::Table)
                .drop_column(IdempotencyKey::Headers)
                .to_owned(),
        )
        .await
    }
}
