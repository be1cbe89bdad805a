use std::path::PathBuf;
use std::time::Duration;

use sea_orm::{ConnectOptions, Database};

use crate::{Result, Store, StoreError};

/// Which engine a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A checked DATABASE_URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    engine: Engine,
    sqlite_path: Option<PathBuf>,
}

impl DatabaseUrl {
    /// Accepts `sqlite://PATH` (relative or absolute; `sqlite::memory:` too) and
    /// `postgres://` / `postgresql://` URLs. Anything else is refused with a reason.
    pub fn parse(raw: &str) -> Result<DatabaseUrl> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            if rest == ":memory:" {
                return Ok(DatabaseUrl {
                    url: raw.to_owned(),
                    engine: Engine::Sqlite,
                    sqlite_path: None,
                });
            }
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(StoreError::BadUrl(
                    "a sqlite URL needs a file path, e.g. sqlite://data/steward.db".into(),
                ));
            }
            let url = if raw.contains('?') {
                raw.to_owned()
            } else {
                format!("sqlite://{path}?mode=rwc")
            };
            return Ok(DatabaseUrl {
                url,
                engine: Engine::Sqlite,
                sqlite_path: Some(PathBuf::from(path)),
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw)
                .map_err(|e| StoreError::BadUrl(format!("not a valid PostgreSQL URL ({e})")))?;
            if parsed.host_str().unwrap_or_default().is_empty() {
                return Err(StoreError::BadUrl("the PostgreSQL URL has no host".into()));
            }
            return Ok(DatabaseUrl {
                url: raw.to_owned(),
                engine: Engine::Postgres,
                sqlite_path: None,
            });
        }
        Err(StoreError::BadUrl(
            "expected sqlite://PATH or postgres://USER@HOST:PORT/DB".into(),
        ))
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.url.clone(),
        }
    }
}

/// How much of an SQLite database file is read through `mmap` (address
/// space, not memory: the operating system's page cache holds the pages).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

pub(crate) async fn open(url: &DatabaseUrl) -> Result<Store> {
    if let Some(path) = &url.sqlite_path
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Connect(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut opts = ConnectOptions::new(url.url.clone());
    opts.connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    match url.engine {
        Engine::Sqlite => {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            opts.max_connections(8).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
                    // Reads through memory-mapped pages, shared by every
                    // connection, instead of a copy into each connection's
                    // 2 MB page cache: searches that join thousands of
                    // catalog rows took half the time (BENCHMARKS.md).
                    .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
            });
        }
        Engine::Postgres => {
            opts.max_connections(16).min_connections(1);
        }
    }
    let db = Database::connect(opts)
        .await
        .map_err(|e| StoreError::Connect(e.to_string()))?;
    Ok(Store {
        db,
        engine: url.engine,
        sync: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = DatabaseUrl::parse("sqlite://data/steward.db").unwrap();
        assert_eq!(u.engine(), Engine::Sqlite);
        assert_eq!(u.url, "sqlite://data/steward.db?mode=rwc");
        assert_eq!(u.sqlite_path, Some(PathBuf::from("data/steward.db")));
        let u = DatabaseUrl::parse("sqlite:///tmp/x.db?mode=rwc").unwrap();
        assert_eq!(u.sqlite_path, Some(PathBuf::from("/tmp/x.db")));
        let u = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert_eq!(u.engine(), Engine::Postgres);
        for bad in [
            "",
            "mysql://x",
            "sqlite://",
            "postgres://",
            "data/steward.db",
            "http://x",
        ] {
            assert!(
                DatabaseUrl::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn passwords_never_reach_logs() {
        let u = DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/steward").unwrap();
        assert!(!u.redacted().contains("s3cret"));
        assert!(u.redacted().contains("db.internal"));
    }
}
