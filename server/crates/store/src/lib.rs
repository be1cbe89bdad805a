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
mod catalog;
mod connect;
mod entities;
mod identity;
pub mod records;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
mod write;

use std::time::{SystemTime, UNIX_EPOCH};

pub use connect::{DatabaseUrl, Engine};
pub use identity::{OrgReader, OrgWriter};
pub use sessions::SessionStore;
pub use write::{NewEvent, WriteTx};

use sea_orm::DatabaseConnection;

/// A handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    engine: Engine,
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
        if let Ok(pending) = migrations::Migrator::get_pending_migrations_read_only(&self.db).await
            && pending.is_empty()
        {
            return Ok(());
        }
        migrations::Migrator::up(&self.db, None).await?;
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

    /// A transaction for reads under PostgreSQL row-level security, acting for
    /// `scope`. Dropping it ends it.
    pub(crate) async fn read_tx(&self, scope: RowScope) -> Result<sea_orm::DatabaseTransaction> {
        use sea_orm::TransactionTrait;
        let tx = self.db.begin().await?;
        set_row_scope(&tx, self.engine, scope).await?;
        Ok(tx)
    }

    /// Starts a write transaction (see the crate's invariants).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        WriteTx::begin(&self.db, self.engine).await
    }

    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }
}
