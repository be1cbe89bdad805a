//! Row-level security for the marketplace tables: listings, versions, tools,
//! evidence references and abuse reports. The public (`steward.scope =
//! 'public'`) may read what the catalog shows: versions that were published
//! (published, suspended, delisted), their listings and their tools. Nothing
//! else is readable without the owning organization or the system scope.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ORG: &str = "current_setting('steward.org_id', true)";
const SYSTEM: &str = "current_setting('steward.scope', true) = 'system'";
const PUBLIC: &str = "current_setting('steward.scope', true) = 'public'";
const SHOWN: &str = "('published', 'suspended', 'delisted')";

/// (table, column naming the owning organization, extra public read condition)
pub const MARKETPLACE_TABLES: &[(&str, &str)] = &[
    ("listing", "org_id"),
    ("listing_version", "org_id"),
    ("tool", "org_id"),
    ("evidence", "org_id"),
    ("abuse_report", "subject_org_id"),
];

fn public_read(table: &str) -> Option<String> {
    match table {
        "listing" => Some(format!(
            "{PUBLIC} AND EXISTS (SELECT 1 FROM listing_version v WHERE v.listing_id = listing.id AND v.state IN {SHOWN})"
        )),
        "listing_version" => Some(format!("{PUBLIC} AND state IN {SHOWN}")),
        "tool" => Some(format!(
            "{PUBLIC} AND EXISTS (SELECT 1 FROM listing_version v WHERE v.id = tool.version_id AND v.state IN {SHOWN})"
        )),
        _ => None,
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for (t, col) in MARKETPLACE_TABLES {
            let read = match public_read(t) {
                Some(p) => format!(" OR ({p})"),
                None => String::new(),
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
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for (t, _) in MARKETPLACE_TABLES {
            db.execute_unprepared(&format!(
                "DROP POLICY IF EXISTS steward_scope ON {t};
                 ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY;
                 ALTER TABLE {t} DISABLE ROW LEVEL SECURITY;"
            ))
            .await?;
        }
        Ok(())
    }
}
