//! Installs with consent: what a tenant installed (which version), exactly
//! what it granted, by whom and under which policy version; and each tenant's
//! policy (maximum risk, blocked capabilities and categories, approval mode).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Install {
    Table,
    Id,
    OrgId,
    ListingId,
    VersionId,
    Status,
    GrantedTools,
    GrantedScopes,
    RequestedBy,
    ApprovedBy,
    PolicyVersion,
    CreatedAt,
    UpdatedAt,
    RemovedAt,
}

#[derive(DeriveIden)]
enum TenantPolicy {
    Table,
    OrgId,
    Version,
    MaxRisk,
    BlockedCapabilities,
    BlockedCategories,
    MembersRequest,
    UpdatedAt,
    UpdatedBy,
}

/// Org-owned tables this migration adds (the tenant's organization owns them).
pub const INSTALL_TABLES: &[(&str, &str)] = &[("install", "org_id"), ("tenant_policy", "org_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Install::Table)
                .col(string_len(Install::Id, 36).primary_key())
                .col(string_len(Install::OrgId, 36))
                .col(string_len(Install::ListingId, 36))
                .col(string_len(Install::VersionId, 36))
                .col(string_len(Install::Status, 16))
                .col(text(Install::GrantedTools))
                .col(text(Install::GrantedScopes))
                .col(string_len(Install::RequestedBy, 120))
                .col(string_len_null(Install::ApprovedBy, 120))
                .col(string_len(Install::PolicyVersion, 200))
                .col(big_integer(Install::CreatedAt))
                .col(big_integer(Install::UpdatedAt))
                .col(big_integer_null(Install::RemovedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_install_org_listing")
                .table(Install::Table)
                .col(Install::OrgId)
                .col(Install::ListingId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TenantPolicy::Table)
                .col(string_len(TenantPolicy::OrgId, 36).primary_key())
                .col(string_len(TenantPolicy::Version, 100))
                .col(string_len(TenantPolicy::MaxRisk, 16))
                .col(text(TenantPolicy::BlockedCapabilities))
                .col(text(TenantPolicy::BlockedCategories))
                .col(boolean(TenantPolicy::MembersRequest))
                .col(big_integer(TenantPolicy::UpdatedAt))
                .col(string_len(TenantPolicy::UpdatedBy, 120))
                .to_owned(),
        )
        .await?;
        crate::org_owned_rls(m, INSTALL_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TenantPolicy::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Install::Table).to_owned())
            .await?;
        Ok(())
    }
}
