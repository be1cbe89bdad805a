//! Test databases, for this crate's tests and every other crate's.
//!
//! [`engines`] gives a fresh, migrated database per engine: always a SQLite file
//! in a temporary directory, and a PostgreSQL database of its own (created on the
//! server named by `TEST_DATABASE_URL`, dropped when the handle is dropped) when
//! that variable is set. With `STEWARD_REQUIRE_PG=1` (CI) a missing
//! `TEST_DATABASE_URL` fails the test instead of skipping PostgreSQL.

use sea_orm::{ConnectionTrait, Database};

use crate::{DatabaseUrl, Engine, Store};

/// A migrated test database; dropping it removes it.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub fn engine(&self) -> Engine {
        self.store.engine()
    }

    /// Runs `sql` with the power of whoever owns the database, to tamper with
    /// what the app itself cannot change (the append-only audit trail) and
    /// prove that verification notices. On SQLite that is the store's own
    /// connection; on PostgreSQL the server's superuser, in this database,
    /// with ordinary triggers off (`session_replication_role = replica`).
    /// Returns the rows affected.
    pub async fn tamper(&self, sql: &str) -> u64 {
        let Some((admin_url, name)) = &self.pg_drop else {
            return self.store.execute_raw(sql).await.expect("tamper (SQLite)");
        };
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let admin = Database::connect(url.as_str())
            .await
            .expect("connect as the superuser");
        // One round trip, so the setting and the SQL share a connection.
        let n = admin
            .execute_unprepared(&format!("SET session_replication_role = replica; {sql}"))
            .await
            .expect("tamper (PostgreSQL)")
            .rows_affected();
        admin.close().await.ok();
        n
    }
}

impl TestDb {
    /// Runs one statement as the database's owner (the superuser on
    /// PostgreSQL; the store's own connection on SQLite), outside any
    /// transaction: maintenance such as `VACUUM ANALYZE` after a bulk load.
    pub async fn as_owner(&self, sql: &str) {
        let Some((admin_url, name)) = &self.pg_drop else {
            self.store
                .execute_raw(sql)
                .await
                .expect("as owner (SQLite)");
            return;
        };
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let admin = Database::connect(url.as_str())
            .await
            .expect("connect as the superuser");
        admin
            .execute_unprepared(sql)
            .await
            .expect("as owner (PostgreSQL)");
        admin.close().await.ok();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take() {
            // Async drop is not a thing: a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = Database::connect(&admin_url).await.ok()?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// A fresh SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/steward.db", dir.path().display());
    let store = Store::connect(&DatabaseUrl::parse(&url).unwrap())
        .await
        .expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    TestDb {
        store,
        url,
        _dir: Some(dir),
        pg_drop: None,
    }
}

/// The role tests connect as on PostgreSQL: neither superuser, nor owner, nor
/// BYPASSRLS, so row-level security is in force in every PostgreSQL test.
pub const APP_ROLE: &str = "steward_test_app";

/// Counts rows with raw SQL, bypassing the store's scopes (for RLS tests).
pub async fn raw_count(store: &Store, sql: &str) -> Result<i64, sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = store
        .db
        .query_one_raw(Statement::from_string(
            store.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await?
        .ok_or_else(|| sea_orm::DbErr::Custom("no row".into()))?;
    row.try_get_by_index::<i64>(0)
}

/// Counts rows with raw SQL in the system scope (sees every organization's rows).
pub async fn system_count(store: &Store, sql: &str) -> i64 {
    scoped_count(store, crate::RowScope::System, sql).await
}

/// Counts rows with raw SQL in `org`'s scope, as the store reads for it: on
/// PostgreSQL row-level security shows only that organization's rows,
/// whatever the SQL asks.
pub async fn org_count(store: &Store, org: domain::OrgId, sql: &str) -> i64 {
    scoped_count(store, crate::RowScope::Org(org), sql).await
}

async fn scoped_count(store: &Store, scope: crate::RowScope, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = store.read_tx(scope).await.expect("a read transaction");
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("the count runs")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// A fresh PostgreSQL database, migrated by the server's superuser and then
/// opened as [`APP_ROLE`], if `TEST_DATABASE_URL` names a server.
pub async fn postgres() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        if std::env::var("STEWARD_REQUIRE_PG").as_deref() == Ok("1") {
            panic!("STEWARD_REQUIRE_PG=1 but TEST_DATABASE_URL is not set");
        }
        eprintln!("TEST_DATABASE_URL not set: skipping PostgreSQL");
        return None;
    };
    let name = format!("steward_t_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    let owner_url = url.to_string();
    let owner = Store::connect(&DatabaseUrl::parse(&owner_url).unwrap())
        .await
        .expect("open postgres test database");
    owner.migrate().await.expect("migrate postgres");
    // The app role: created once per cluster (tests race; a duplicate is fine),
    // granted what the app needs in this database and nothing more.
    let _ = owner
        .db
        .execute_unprepared(&format!(
            "CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
        ))
        .await;
    owner
        .db
        .execute_unprepared(&format!(
            "GRANT USAGE ON SCHEMA public TO {APP_ROLE};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};"
        ))
        .await
        .expect("grant the app role");
    owner.close().await.ok();
    url.set_username(APP_ROLE)
        .expect("a user name fits the URL");
    url.set_password(None).ok();
    let url = url.to_string();
    let store = Store::connect(&DatabaseUrl::parse(&url).unwrap())
        .await
        .expect("open postgres test database as the app role");
    Some(TestDb {
        store,
        url,
        _dir: None,
        pg_drop: Some((admin_url, name)),
    })
}

/// SQLite always, PostgreSQL when configured.
pub async fn engines() -> Vec<TestDb> {
    let mut out = vec![sqlite().await];
    out.extend(postgres().await);
    out
}

pub use crate::bulk::bulk_catalog;
