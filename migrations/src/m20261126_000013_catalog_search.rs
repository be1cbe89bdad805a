//! Catalog search (issue #7): one denormalized row per listing that has a
//! published version (`catalog_entry`, the live version's facts), its filter
//! facets (`catalog_facet`: capabilities and pricing models, one row each) and
//! full text: an FTS5 table on SQLite (rowid = `catalog_entry.doc`), a
//! `tsvector` column with a GIN index on PostgreSQL. The store keeps them in
//! step with every write that changes what a card shows, in that write's
//! transaction; a fresh migration is filled by the store (`Store::migrate`).
//!
//! Both tables are owned by the listing's publisher (row-level security like
//! the marketplace tables); everything in them is public by construction (only
//! listings with a published version have a row), so the public scope reads all.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Org-owned tables this migration adds, with the column naming the owner.
pub const CATALOG_TABLES: &[(&str, &str)] =
    &[("catalog_entry", "org_id"), ("catalog_facet", "org_id")];

/// The columns both engines share; `{doc}` is the engine's auto-increment key.
fn entry_table(doc: &str, boolean: &str) -> String {
    format!(
        "CREATE TABLE catalog_entry (
            doc {doc},
            listing_id VARCHAR(36) NOT NULL UNIQUE,
            org_id VARCHAR(36) NOT NULL,
            slug VARCHAR(100) NOT NULL,
            name VARCHAR(200) NOT NULL,
            name_key TEXT NOT NULL,
            category VARCHAR(64) NOT NULL,
            summary TEXT NOT NULL,
            description TEXT NOT NULL,
            publisher_slug VARCHAR(100) NOT NULL,
            publisher_name VARCHAR(200) NOT NULL,
            verified {boolean} NOT NULL,
            verification_lapsed {boolean} NOT NULL,
            version_id VARCHAR(36) NOT NULL,
            version VARCHAR(100) NOT NULL,
            risk VARCHAR(16) NOT NULL,
            risk_rank INTEGER NOT NULL,
            pricing VARCHAR(200) NOT NULL,
            tool_count INTEGER NOT NULL,
            tool_names TEXT NOT NULL,
            published_at BIGINT NOT NULL
        )"
    )
}

const INDEXES: &str = "
    CREATE INDEX ix_catalog_entry_newest ON catalog_entry (published_at, listing_id);
    CREATE INDEX ix_catalog_entry_name ON catalog_entry (name_key, listing_id);
    CREATE INDEX ix_catalog_entry_category ON catalog_entry (category, published_at);
    CREATE INDEX ix_catalog_entry_risk ON catalog_entry (risk_rank, published_at);
    CREATE INDEX ix_catalog_entry_org ON catalog_entry (org_id);
    CREATE TABLE catalog_facet (
        facet VARCHAR(64) NOT NULL,
        listing_id VARCHAR(36) NOT NULL,
        org_id VARCHAR(36) NOT NULL,
        PRIMARY KEY (facet, listing_id)
    );
    CREATE INDEX ix_catalog_facet_listing ON catalog_facet (listing_id);
";

const ORG: &str = "current_setting('steward.org_id', true)";
const SYSTEM: &str = "current_setting('steward.scope', true) = 'system'";
const PUBLIC: &str = "current_setting('steward.scope', true) = 'public'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "{};{INDEXES}",
                    entry_table("BIGSERIAL PRIMARY KEY", "BOOLEAN")
                ))
                .await?;
                // Written by the store with the row (accent-folded text; weights:
                // name A, publisher B, tool names C, summary and description D).
                db.execute_unprepared(
                    "ALTER TABLE catalog_entry ADD COLUMN search tsvector NOT NULL;
                     CREATE INDEX ix_catalog_entry_search ON catalog_entry USING GIN (search);",
                )
                .await?;
                for (t, col) in CATALOG_TABLES {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
                         ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
                         CREATE POLICY steward_scope ON {t}
                           USING ({col} = {ORG} OR {SYSTEM} OR {PUBLIC})
                           WITH CHECK ({col} = {ORG} OR {SYSTEM});"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(&format!(
                    "{};{INDEXES}",
                    entry_table("INTEGER PRIMARY KEY AUTOINCREMENT", "BOOLEAN")
                ))
                .await?;
                // rowid = catalog_entry.doc. Columns in bm25 weight order. Prefix
                // indexes up to 6 characters: the store cuts a prefix query's
                // word to 6, so it reads one doclist instead of merging every
                // term that starts with the word.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE catalog_fts USING fts5(
                        name, publisher, tools, body,
                        tokenize = 'unicode61 remove_diacritics 2',
                        prefix = '2 3 4 5 6'
                     );",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() != DbBackend::Postgres {
            db.execute_unprepared("DROP TABLE IF EXISTS catalog_fts;")
                .await?;
        }
        db.execute_unprepared(
            "DROP TABLE IF EXISTS catalog_facet; DROP TABLE IF EXISTS catalog_entry;",
        )
        .await?;
        Ok(())
    }
}
