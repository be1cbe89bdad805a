//! Publisher domain verification: challenges, results, and lapses.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
    VerificationLapsedAt,
}

#[derive(DeriveIden)]
enum DomainVerification {
    Table,
    OrgId,
    Domain,
    Method,
    Token,
    Status,
    CreatedAt,
    CheckedAt,
    VerifiedAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Organization::Table)
                .add_column(big_integer_null(Organization::VerificationLapsedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DomainVerification::Table)
                .col(string_len(DomainVerification::OrgId, 36))
                .col(string_len(DomainVerification::Domain, 253))
                .col(string_len(DomainVerification::Method, 16))
                .col(string_len(DomainVerification::Token, 80))
                .col(string_len(DomainVerification::Status, 16))
                .col(big_integer(DomainVerification::CreatedAt))
                .col(big_integer_null(DomainVerification::CheckedAt))
                .col(big_integer_null(DomainVerification::VerifiedAt))
                .col(string_len_null(DomainVerification::LastError, 300))
                .primary_key(
                    Index::create()
                        .col(DomainVerification::OrgId)
                        .col(DomainVerification::Domain),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DomainVerification::Table, DomainVerification::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DomainVerification::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Organization::Table)
                .drop_column(Organization::VerificationLapsedAt)
                .to_owned(),
        )
        .await
    }
}
