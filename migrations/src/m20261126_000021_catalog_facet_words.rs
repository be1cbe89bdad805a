//! Filters in the full-text index (issue #7): a common word with a rare
//! filter (`data` and "can move money", `data` in one category from verified
//! publishers) walked the word's tens of thousands of matches to find a page.
//! Each listing's facets (capabilities, pricing models, category, verified
//! publisher) become words of the index, so the index intersects them with
//! the text:
//!
//! - SQLite: `catalog_fts` gains a `facets` column (an FTS5 table cannot add
//!   one: it is made again). User text is matched against the other columns
//!   only.
//! - PostgreSQL: no change to the schema; `catalog_entry.search` gains the
//!   facet words as lexemes starting with `~`, which no search word can be.
//!
//! The store writes the words (`facet_word` in `store/src/search.rs`) and
//! rebuilds the catalog rows when this migration runs (`Store::migrate`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The FTS5 table of migration 13 (and, with `facets`, of this one).
fn fts_table(columns: &str) -> String {
    format!(
        "DROP TABLE IF EXISTS catalog_fts;
         CREATE VIRTUAL TABLE catalog_fts USING fts5(
            {columns},
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '2 3 4 5 6'
         );"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(&fts_table("name, publisher, tools, body, facets"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(&fts_table("name, publisher, tools, body"))
                .await?;
        }
        Ok(())
    }
}
