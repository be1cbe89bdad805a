//! PostgreSQL row-level security: the backstop under the store's org scopes.
//!
//! Organization-owned identity tables (memberships, invitations, API tokens,
//! domain checks) are readable and writable only by a transaction that names
//! the organization (`steward.org_id`), or, for memberships, the person
//! (`steward.user_id`), or that runs as the system (`steward.scope`). The
//! store sets these with `set_config(…, true)` (transaction-local). FORCE
//! applies the policies to the tables' owner too; only superusers and
//! BYPASSRLS roles escape them, so the app must connect as neither.
//! SQLite has no row-level security; there the store's scoped API is the line.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The org-owned tables under row-level security.
pub const RLS_TABLES: &[&str] = &[
    "membership",
    "invitation",
    "api_token",
    "domain_verification",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for t in RLS_TABLES {
            let extra = if *t == "membership" {
                " OR user_id = current_setting('steward.user_id', true)"
            } else {
                ""
            };
            db.execute_unprepared(&format!(
                "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
                 ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
                 CREATE POLICY steward_scope ON {t}
                   USING (org_id = current_setting('steward.org_id', true)
                          OR current_setting('steward.scope', true) = 'system'{extra})
                   WITH CHECK (org_id = current_setting('steward.org_id', true)
                          OR current_setting('steward.scope', true) = 'system');"
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
        for t in RLS_TABLES {
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
