//! Identities at external OpenID Connect providers, linked to accounts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuthIdentity {
    Table,
    Provider,
    Subject,
    UserId,
    Email,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuthIdentity::Table)
                .col(string_len(AuthIdentity::Provider, 64))
                .col(string_len(AuthIdentity::Subject, 255))
                .col(string_len(AuthIdentity::UserId, 36))
                .col(string_len_null(AuthIdentity::Email, 254))
                .col(big_integer(AuthIdentity::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(AuthIdentity::Provider)
                        .col(AuthIdentity::Subject),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(AuthIdentity::Table, AuthIdentity::UserId)
                        .to(UserAccount::Table, UserAccount::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_auth_identity_user")
                .table(AuthIdentity::Table)
                .col(AuthIdentity::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuthIdentity::Table).to_owned())
            .await
    }
}
