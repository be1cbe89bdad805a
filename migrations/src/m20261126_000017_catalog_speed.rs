//! Catalog search at 100,000 listings (issue #7): what lets every query shape
//! stop early instead of walking the catalog.
//!
//! - `catalog_entry.doc` becomes the listing's place in "newest first": the
//!   store writes it as `published_at << 20 | rank` (rank: the listing id's
//!   place among listings published in the same millisecond), so `doc DESC` is
//!   `published_at DESC, listing_id DESC`. On SQLite `doc` is also the FTS5
//!   rowid, so a text's matches come out of FTS5 already newest first.
//! - `caps` and `prices`: the live version's capabilities and pricing models as
//!   bit masks (the store's `CATALOG_CAPABILITIES` and `PRICE_BITS`), so a
//!   filter is a column test instead of a `catalog_facet` lookup per listing.
//! - `catalog_facet.doc` with an index on `(facet, doc)`: a rare capability or
//!   pricing model drives the search, newest first.
//! - The category index carries every filter column, so a category is walked
//!   newest first without reading the (wide) rows it skips.
//! - PostgreSQL: the catalog rows (`catalog_entry`, `catalog_facet`) are
//!   readable in every scope. They are public by construction (only listings
//!   with a published version have them), and the scope-dependent read
//!   qualification kept the planner off the indexes: under row-level security
//!   a condition that is not leakproof (`@@`) cannot be an index condition, so
//!   every text search scanned the table, and a facet walk had to visit the
//!   heap for the policy's `org_id`. Writes still need the owner's or the
//!   system scope (the `steward_scope` policy).
//!
//! The store fills the new columns (`Store::migrate` rebuilds the catalog rows
//! when this migration runs).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
    ALTER TABLE catalog_entry ADD COLUMN caps BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE catalog_entry ADD COLUMN prices BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE catalog_facet ADD COLUMN doc BIGINT NOT NULL DEFAULT 0;
    DROP INDEX ix_catalog_entry_category;
    DROP INDEX ix_catalog_entry_risk;
    CREATE INDEX ix_catalog_entry_category
        ON catalog_entry (category, doc, risk_rank, verified, prices, caps);
    CREATE INDEX ix_catalog_facet_doc ON catalog_facet (facet, doc);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(UP).await?;
        if m.get_database_backend() == DbBackend::Postgres {
            for t in ["catalog_entry", "catalog_facet"] {
                db.execute_unprepared(&format!(
                    "CREATE POLICY catalog_public_read ON {t} FOR SELECT USING (true);"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP POLICY IF EXISTS catalog_public_read ON catalog_entry;
                 DROP POLICY IF EXISTS catalog_public_read ON catalog_facet;",
            )
            .await?;
        }
        db.execute_unprepared(
            "DROP INDEX IF EXISTS ix_catalog_facet_doc;
             DROP INDEX IF EXISTS ix_catalog_entry_category;
             ALTER TABLE catalog_facet DROP COLUMN doc;
             ALTER TABLE catalog_entry DROP COLUMN prices;
             ALTER TABLE catalog_entry DROP COLUMN caps;
             CREATE INDEX ix_catalog_entry_category ON catalog_entry (category, published_at);
             CREATE INDEX ix_catalog_entry_risk ON catalog_entry (risk_rank, published_at);",
        )
        .await?;
        Ok(())
    }
}
