//! Steward's schema. Every migration runs identically on SQLite and PostgreSQL:
//! ids are UUID text, times are unix milliseconds (BIGINT), JSON is stored as text
//! exactly as written (the audit chain hashes those bytes).

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_foundation;
mod m20261126_000002_identity;
mod m20261126_000003_auth_identity;
mod m20261126_000004_domain_verification;
mod m20261126_000005_row_level_security;
mod m20261126_000006_rls_marketplace;
mod m20261126_000007_publisher_portal;
mod m20261126_000008_screening;
mod m20261126_000009_review;
mod m20261126_000010_audit_append_only;
mod m20261126_000011_installs;
mod m20261126_000012_authz_runtime;
mod m20261126_000013_catalog_search;
mod m20261126_000014_buyer;
mod m20261126_000015_integrations;
mod m20261126_000016_idempotency;
mod m20261126_000017_catalog_speed;
mod m20261126_000018_named_integrations;
mod m20261126_000019_idempotency_headers;
mod m20261126_000020_event_fanout;
mod m20261126_000021_catalog_facet_words;

pub use m20261126_000005_row_level_security::RLS_TABLES;
pub use m20261126_000006_rls_marketplace::MARKETPLACE_TABLES;
pub use m20261126_000007_publisher_portal::PORTAL_TABLES;
pub use m20261126_000009_review::REVIEW_TABLES;
pub use m20261126_000011_installs::INSTALL_TABLES;
pub use m20261126_000012_authz_runtime::AUTHZ_TABLES;
pub use m20261126_000013_catalog_search::CATALOG_TABLES;
pub use m20261126_000014_buyer::BUYER_TABLES;
pub use m20261126_000015_integrations::INTEGRATION_TABLES;
pub use m20261126_000016_idempotency::IDEMPOTENCY_TABLES;
pub use m20261126_000018_named_integrations::NAMED_INTEGRATION_TABLES;
pub use m20261126_000020_event_fanout::FANOUT_TABLES;

/// Row-level security for org-owned tables on PostgreSQL (a no-op on
/// SQLite): each `(table, column)` is visible and writable only in the scope
/// of the organization its column names, or in the system scope.
pub(crate) async fn org_owned_rls(
    m: &SchemaManager<'_>,
    tables: &[(&str, &str)],
) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let db = m.get_connection();
    for (t, col) in tables {
        db.execute_unprepared(&format!(
            "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
             ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
             CREATE POLICY steward_scope ON {t}
               USING ({col} = current_setting('steward.org_id', true)
                      OR current_setting('steward.scope', true) = 'system')
               WITH CHECK ({col} = current_setting('steward.org_id', true)
                      OR current_setting('steward.scope', true) = 'system');"
        ))
        .await?;
    }
    Ok(())
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_foundation::Migration),
            Box::new(m20261126_000002_identity::Migration),
            Box::new(m20261126_000003_auth_identity::Migration),
            Box::new(m20261126_000004_domain_verification::Migration),
            Box::new(m20261126_000005_row_level_security::Migration),
            Box::new(m20261126_000006_rls_marketplace::Migration),
            Box::new(m20261126_000007_publisher_portal::Migration),
            Box::new(m20261126_000008_screening::Migration),
            Box::new(m20261126_000009_review::Migration),
            Box::new(m20261126_000010_audit_append_only::Migration),
            Box::new(m20261126_000011_installs::Migration),
            Box::new(m20261126_000012_authz_runtime::Migration),
            Box::new(m20261126_000013_catalog_search::Migration),
            Box::new(m20261126_000014_buyer::Migration),
            Box::new(m20261126_000015_integrations::Migration),
            Box::new(m20261126_000016_idempotency::Migration),
            Box::new(m20261126_000017_catalog_speed::Migration),
            Box::new(m20261126_000018_named_integrations::Migration),
            Box::new(m20261126_000019_idempotency_headers::Migration),
            Box::new(m20261126_000020_event_fanout::Migration),
            Box::new(m20261126_000021_catalog_facet_words::Migration),
        ]
    }
}
