//! Automated screening of each version: the classifier's result (per-tool
//! effect, capabilities, risk and reasons), the review findings and the
//! buyer's disclosure label, with the ruleset that produced them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ListingVersion {
    Table,
    Screening,
    Risk,
    Ruleset,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            text(ListingVersion::Screening).default("{}").take(),
            string_len_null(ListingVersion::Risk, 16),
            string_len_null(ListingVersion::Ruleset, 64),
        ] {
            m.alter_table(
                Table::alter()
                    .table(ListingVersion::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            ListingVersion::Screening,
            ListingVersion::Risk,
            ListingVersion::Ruleset,
        ] {
            m.alter_table(
                Table::alter()
                    .table(ListingVersion::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
