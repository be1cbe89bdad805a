//! The buyer's side: ratings and reviews (one per tenant per listing, edits
//! replace it) and abuse reports filed from an installed agent (which tenant
//! reported it, about which install, and the evidence blob of the install's
//! facts at that moment).

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ListingRating {
    Table,
    Id,
    OrgId,
    ListingId,
    InstallId,
    VersionId,
    Rating,
    Review,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AbuseReport {
    Table,
    ReporterOrgId,
    InstallId,
    EvidenceDigest,
}

/// Org-owned tables this migration adds (the rating tenant owns its rating).
/// The public reads ratings (the listing page shows them, without the tenant).
pub const BUYER_TABLES: &[(&str, &str)] = &[("listing_rating", "org_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ListingRating::Table)
                .col(string_len(ListingRating::Id, 36).primary_key())
                .col(string_len(ListingRating::OrgId, 36))
                .col(string_len(ListingRating::ListingId, 36))
                .col(string_len(ListingRating::InstallId, 36))
                .col(string_len(ListingRating::VersionId, 36))
                .col(integer(ListingRating::Rating))
                .col(text(ListingRating::Review))
                .col(string_len(ListingRating::CreatedBy, 120))
                .col(big_integer(ListingRating::CreatedAt))
                .col(big_integer(ListingRating::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_listing_rating_org_listing")
                .table(ListingRating::Table)
                .col(ListingRating::OrgId)
                .col(ListingRating::ListingId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_listing_rating_listing")
                .table(ListingRating::Table)
                .col(ListingRating::ListingId)
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per statement.
        for col in [
            ColumnDef::new(AbuseReport::ReporterOrgId)
                .string_len(36)
                .null()
                .to_owned(),
            ColumnDef::new(AbuseReport::InstallId)
                .string_len(36)
                .null()
                .to_owned(),
            ColumnDef::new(AbuseReport::EvidenceDigest)
                .string_len(71)
                .null()
                .to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(AbuseReport::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for (t, col) in BUYER_TABLES {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
                     ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
                     CREATE POLICY steward_scope ON {t}
                       USING ({col} = current_setting('steward.org_id', true)
                              OR current_setting('steward.scope', true) IN ('system', 'public'))
                       WITH CHECK ({col} = current_setting('steward.org_id', true)
                              OR current_setting('steward.scope', true) = 'system');"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            AbuseReport::EvidenceDigest,
            AbuseReport::InstallId,
            AbuseReport::ReporterOrgId,
        ] {
            m.alter_table(
                Table::alter()
                    .table(AbuseReport::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(ListingRating::Table).to_owned())
            .await?;
        Ok(())
    }
}
