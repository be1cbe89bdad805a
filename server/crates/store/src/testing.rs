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

/// A fresh PostgreSQL database, if `TEST_DATABASE_URL` names a server.
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
    let url = url.to_string();
    let store = Store::connect(&DatabaseUrl::parse(&url).unwrap())
        .await
        .expect("open postgres test database");
    store.migrate().await.expect("migrate postgres");
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
