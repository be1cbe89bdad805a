//! The publisher portal: listing disclosures (support, privacy, data use,
//! capabilities, egress), each version's normalized manifest and the source
//! documents it was read from, and price plans. Row-level security on the two
//! new org-owned tables; published versions' plans are public, their source
//! documents are not.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Listing {
    Table,
    SupportContact,
    PrivacyUrl,
    DataUse,
    Capabilities,
    Egress,
}

#[derive(DeriveIden)]
enum ListingVersion {
    Table,
    Id,
    Manifest,
    Declared,
}

#[derive(DeriveIden)]
enum VersionDocument {
    Table,
    Id,
    VersionId,
    OrgId,
    Format,
    Digest,
    MediaType,
    SizeBytes,
    SourceUrl,
    Normalized,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PricePlan {
    Table,
    Id,
    VersionId,
    OrgId,
    Position,
    Name,
    Kind,
    Currency,
    AmountMinor,
    Period,
    Meter,
    TrialDays,
}

/// Org-owned tables this migration adds, with the column naming the owner.
pub const PORTAL_TABLES: &[(&str, &str)] =
    &[("version_document", "org_id"), ("price_plan", "org_id")];

const ORG: &str = "current_setting('steward.org_id', true)";
const SYSTEM: &str = "current_setting('steward.scope', true) = 'system'";
const PUBLIC: &str = "current_setting('steward.scope', true) = 'public'";

fn id(col: impl IntoIden) -> ColumnDef {
    string_len(col, 36).primary_key().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            string_len_null(Listing::SupportContact, 254),
            string_len_null(Listing::PrivacyUrl, 2048),
            text(Listing::DataUse).default("").take(),
            text(Listing::Capabilities).default("[]").take(),
            text(Listing::Egress).default("[]").take(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Listing::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        for col in [
            text(ListingVersion::Manifest).default("{}").take(),
            text(ListingVersion::Declared).default("{}").take(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(ListingVersion::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(VersionDocument::Table)
                .col(id(VersionDocument::Id))
                .col(string_len(VersionDocument::VersionId, 36))
                .col(string_len(VersionDocument::OrgId, 36))
                .col(string_len(VersionDocument::Format, 32))
                .col(string_len(VersionDocument::Digest, 64))
                .col(string_len(VersionDocument::MediaType, 100))
                .col(big_integer(VersionDocument::SizeBytes))
                .col(string_len_null(VersionDocument::SourceUrl, 2048))
                .col(text(VersionDocument::Normalized))
                .col(big_integer(VersionDocument::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(VersionDocument::Table, VersionDocument::VersionId)
                        .to(ListingVersion::Table, ListingVersion::Id),
                )
                .to_owned(),
        )
        .await?;
        // One document per format per version: a new upload replaces the old one.
        m.create_index(
            Index::create()
                .name("ux_version_document_format")
                .table(VersionDocument::Table)
                .col(VersionDocument::VersionId)
                .col(VersionDocument::Format)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PricePlan::Table)
                .col(id(PricePlan::Id))
                .col(string_len(PricePlan::VersionId, 36))
                .col(string_len(PricePlan::OrgId, 36))
                .col(integer(PricePlan::Position))
                .col(string_len(PricePlan::Name, 100))
                .col(string_len(PricePlan::Kind, 16))
                .col(string_len_null(PricePlan::Currency, 3))
                .col(big_integer(PricePlan::AmountMinor))
                .col(string_len_null(PricePlan::Period, 8))
                .col(string_len_null(PricePlan::Meter, 40))
                .col(integer(PricePlan::TrialDays))
                .foreign_key(
                    ForeignKey::create()
                        .from(PricePlan::Table, PricePlan::VersionId)
                        .to(ListingVersion::Table, ListingVersion::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_price_plan_version")
                .table(PricePlan::Table)
                .col(PricePlan::VersionId)
                .to_owned(),
        )
        .await?;

        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for (t, col) in PORTAL_TABLES {
                let read = if *t == "price_plan" {
                    format!(
                        " OR ({PUBLIC} AND EXISTS (SELECT 1 FROM listing_version v WHERE v.id = price_plan.version_id AND v.state IN ('published', 'suspended', 'delisted')))"
                    )
                } else {
                    String::new()
                };
                db.execute_unprepared(&format!(
                    "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
                     ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
                     CREATE POLICY steward_scope ON {t}
                       USING ({col} = {ORG} OR {SYSTEM}{read})
                       WITH CHECK ({col} = {ORG} OR {SYSTEM});"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PricePlan::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(VersionDocument::Table).to_owned())
            .await?;
        for col in [ListingVersion::Manifest, ListingVersion::Declared] {
            m.alter_table(
                Table::alter()
                    .table(ListingVersion::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        for col in [
            Listing::SupportContact,
            Listing::PrivacyUrl,
            Listing::DataUse,
            Listing::Capabilities,
            Listing::Egress,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Listing::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
