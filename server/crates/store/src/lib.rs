//! Steward's persistence.
//!
//! Invariants:
//! - This is the only crate that names SeaORM (the `migrations` crate aside).
//!   Nothing it returns is a SeaORM model: reads come back as the plain records in
//!   [`records`], writes go in as domain values.
//! - A governance change commits only through [`WriteTx::commit`], which appends
//!   its audit entry and outbox events in the same transaction.
//! - SQLite write transactions take the write lock up front (`BEGIN IMMEDIATE`);
//!   on PostgreSQL the audit chain has one writer at a time (a transaction-scoped
//!   advisory lock taken just before the append).

mod audit;
mod authz_sync;
#[cfg(feature = "bulk")]
pub mod bulk;
mod catalog;
mod connect;
mod entities;
mod idempotency;
mod identity;
mod installs;
mod integrations;
mod portal;
mod ratings;
pub mod records;
mod reports;
mod review;
mod search;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
mod write;

use std::time::{SystemTime, UNIX_EPOCH};

pub use authz_sync::{AuthzChange, AuthzChangeRow, DecisionCountRow, DenialRow};

/// How long a writer waits for every live process to apply a permission change.
pub fn authz_sync_ack_timeout() -> std::time::Duration {
    authz_sync::ACK_TIMEOUT
}
pub use connect::{DatabaseUrl, Engine};
pub use idempotency::{IDEMPOTENCY_STALE_MS, IDEMPOTENCY_TTL_MS, IdempotencyStart, KeptResponse};
pub use identity::{OrgReader, OrgWriter};
pub use integrations::{PING_EVENT, UsageRow};
pub use review::{CaseChange, CaseScope};
pub use search::{CATALOG_CAPABILITIES, RISK_TIERS, SearchTuning, search_words};
pub use sessions::SessionStore;
pub use write::{NewEvent, WriteTx};

use sea_orm::DatabaseConnection;

/// A handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    engine: Engine,
    /// Wakes this process's decision cache after a permission change commits.
    sync: authz_sync::SharedSync,
}

/// What went wrong in the store. Messages are for logs, not for users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid DATABASE_URL: {0}")]
    BadUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl StoreError {
    pub(crate) fn from_db(e: sea_orm::DbErr) -> StoreError {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) => StoreError::Conflict(m),
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What [`Store::read_tx`] hands out.
pub(crate) enum ReadConn {
    Tx(sea_orm::DatabaseTransaction),
    Pool(DatabaseConnection),
}

impl ReadConn {
    pub(crate) async fn commit(self) -> Result<()> {
        if let ReadConn::Tx(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl sea_orm::ConnectionTrait for ReadConn {
    fn get_database_backend(&self) -> sea_orm::DbBackend {
        match self {
            ReadConn::Tx(c) => c.get_database_backend(),
            ReadConn::Pool(c) => c.get_database_backend(),
        }
    }
    async fn execute_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        match self {
            ReadConn::Tx(c) => c.execute_raw(stmt).await,
            ReadConn::Pool(c) => c.execute_raw(stmt).await,
        }
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        match self {
            ReadConn::Tx(c) => c.execute_unprepared(sql).await,
            ReadConn::Pool(c) => c.execute_unprepared(sql).await,
        }
    }
    async fn query_one_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        match self {
            ReadConn::Tx(c) => c.query_one_raw(stmt).await,
            ReadConn::Pool(c) => c.query_one_raw(stmt).await,
        }
    }
    async fn query_all_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        match self {
            ReadConn::Tx(c) => c.query_all_raw(stmt).await,
            ReadConn::Pool(c) => c.query_all_raw(stmt).await,
        }
    }
}

/// Whom a transaction acts for, under PostgreSQL row-level security.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowScope {
    /// One organization's rows.
    Org(domain::OrgId),
    /// One person's own memberships.
    User(domain::UserId),
    /// Steward itself: authentication by secret hash, scheduled jobs.
    System,
    /// Anyone: only what the public catalog shows.
    Public,
}

/// Names the scope for the rest of the transaction (`set_config(…, true)`);
/// a no-op on SQLite, which has no row-level security.
pub(crate) async fn set_row_scope(
    conn: &impl sea_orm::ConnectionTrait,
    engine: Engine,
    scope: RowScope,
) -> Result<()> {
    if engine != Engine::Postgres {
        return Ok(());
    }
    let (org, user, system) = match scope {
        RowScope::Org(o) => (o.to_string(), String::new(), ""),
        RowScope::User(u) => (String::new(), u.to_string(), ""),
        RowScope::System => (String::new(), String::new(), "system"),
        RowScope::Public => (String::new(), String::new(), "public"),
    };
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT set_config('steward.org_id', $1, true), set_config('steward.user_id', $2, true), \
         set_config('steward.scope', $3, true)",
        [org.into(), user.into(), system.into()],
    ))
    .await?;
    Ok(())
}

/// Milliseconds since the Unix epoch: how every time is stored.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Opens (and for SQLite, creates) the database named by `url`.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store> {
        connect::open(url).await
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies every pending migration. When none is pending it only reads,
    /// so an app role without DDL rights (PostgreSQL, row-level security) can
    /// start against a database its owner migrated.
    pub async fn migrate(&self) -> Result<()> {
        use migrations::MigratorTrait;
        let pending = migrations::Migrator::get_pending_migrations_read_only(&self.db).await;
        if let Ok(pending) = &pending
            && pending.is_empty()
        {
            return Ok(());
        }
        // The catalog's search rows are derived: a database that gains them
        // fills them from the listings it already has.
        let fill_catalog = pending.is_ok_and(|p| {
            p.iter().any(|m| {
                m.name() == "m20261126_000013_catalog_search"
                    || m.name() == "m20261126_000017_catalog_speed"
                    || m.name() == "m20261126_000021_catalog_facet_words"
            })
        });
        migrations::Migrator::up(&self.db, None).await?;
        if fill_catalog {
            self.rebuild_catalog().await?;
        }
        Ok(())
    }

    /// The database answers and has no pending migration.
    pub async fn ready(&self) -> Result<bool> {
        use migrations::MigratorTrait;
        self.db.ping().await?;
        Ok(
            migrations::Migrator::get_pending_migrations_read_only(&self.db)
                .await
                .map(|p| p.is_empty())
                .unwrap_or(false),
        )
    }

    /// A connection for reads under PostgreSQL row-level security, acting for
    /// `scope`: a transaction that names the scope on PostgreSQL; the plain pool
    /// on SQLite, which has no row-level security (and where an abandoned read
    /// transaction would pin an old snapshot on a pooled connection).
    pub(crate) async fn read_tx(&self, scope: RowScope) -> Result<ReadConn> {
        use sea_orm::TransactionTrait;
        match self.engine {
            Engine::Sqlite => Ok(ReadConn::Pool(self.db.clone())),
            Engine::Postgres => {
                let tx = self.db.begin().await?;
                set_row_scope(&tx, self.engine, scope).await?;
                Ok(ReadConn::Tx(tx))
            }
        }
    }

    /// Starts a write transaction (see the crate's invariants).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        WriteTx::begin(&self.db, self.engine, self.sync.clone()).await
    }

    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }
}
