//! Idempotency keys (`POST /api/v1/*` with an `Idempotency-Key` header), per
//! organization: the first request with a key does the work and its response
//! is kept; a retry with the same body gets that response again.

use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::authz_sync::stmt;
use crate::{OrgReader, Result, RowScope, Store, now_ms};

/// How long a key's response is kept.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3_600_000;
/// A request still "in progress" after this long is taken to have died; the
/// next request with its key does the work again.
pub const IDEMPOTENCY_STALE_MS: i64 = 5 * 60_000;

/// A kept response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptResponse {
    pub status: u16,
    pub content_type: Option<String>,
    /// Other headers a replay repeats, in the order the first response had
    /// them (the caller chooses which; stored as JSON `[[name, value], …]`).
    /// Empty for a key kept before migration 19.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What starting a request with a key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyStart {
    /// The key is new (or expired, or its first request died): do the work.
    Fresh,
    /// The key was used with another request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
    /// Done before: answer this.
    Replay(KeptResponse),
}

impl OrgReader<'_> {
    pub async fn idempotency_start(
        &self,
        key: &str,
        request_hash: &str,
    ) -> Result<IdempotencyStart> {
        let e = self.store.engine;
        let org = self.org.to_string();
        let now = now_ms();
        let tx = self.store.db.begin().await?;
        crate::set_row_scope(&tx, e, RowScope::Org(self.org)).await?;
        tx.execute_raw(stmt(
            e,
            "DELETE FROM idempotency_key WHERE org_id = $1 AND key = $2 AND expires_at < $3",
            vec![org.clone().into(), key.into(), now.into()],
        ))
        .await?;
        let inserted = tx
            .execute_raw(stmt(
                e,
                "INSERT INTO idempotency_key (org_id, key, request_hash, state, created_at, expires_at) \
                 VALUES ($1, $2, $3, 'in_progress', $4, $5) ON CONFLICT DO NOTHING",
                vec![
                    org.clone().into(),
                    key.into(),
                    request_hash.into(),
                    now.into(),
                    (now + IDEMPOTENCY_TTL_MS).into(),
                ],
            ))
            .await?
            .rows_affected();
        let out = if inserted == 1 {
            IdempotencyStart::Fresh
        } else {
            let row = tx
                .query_one_raw(stmt(
                    e,
                    "SELECT request_hash, state, status, content_type, headers, body, created_at \
                     FROM idempotency_key WHERE org_id = $1 AND key = $2",
                    vec![org.clone().into(), key.into()],
                ))
                .await?
                .ok_or(crate::StoreError::NotFound)?;
            let hash: String = row.try_get("", "request_hash")?;
            let state: String = row.try_get("", "state")?;
            let created: i64 = row.try_get("", "created_at")?;
            if hash != request_hash {
                IdempotencyStart::Mismatch
            } else if state == "done" {
                let headers = match row.try_get::<Option<String>>("", "headers")? {
                    None => Vec::new(),
                    Some(h) => crate::review::from_json("kept headers", &h)?,
                };
                IdempotencyStart::Replay(KeptResponse {
                    status: row.try_get::<Option<i32>>("", "status")?.unwrap_or(200) as u16,
                    content_type: row.try_get("", "content_type")?,
                    headers,
                    body: row
                        .try_get::<Option<String>>("", "body")?
                        .unwrap_or_default(),
                })
            } else if created < now - IDEMPOTENCY_STALE_MS {
                // The first request died: the next one takes the key over.
                let n = tx
                    .execute_raw(stmt(
                        e,
                        "UPDATE idempotency_key SET created_at = $3 \
                         WHERE org_id = $1 AND key = $2 AND state = 'in_progress' AND created_at = $4",
                        vec![org.into(), key.into(), now.into(), created.into()],
                    ))
                    .await?
                    .rows_affected();
                if n == 1 {
                    IdempotencyStart::Fresh
                } else {
                    IdempotencyStart::InProgress
                }
            } else {
                IdempotencyStart::InProgress
            }
        };
        tx.commit().await?;
        Ok(out)
    }

    /// Keeps the response of the request that started `key`.
    pub async fn idempotency_finish(&self, key: &str, response: &KeptResponse) -> Result<()> {
        let e = self.store.engine;
        let tx = self.store.db.begin().await?;
        crate::set_row_scope(&tx, e, RowScope::Org(self.org)).await?;
        tx.execute_raw(stmt(
            e,
            "UPDATE idempotency_key SET state = 'done', status = $3, content_type = $4, \
             headers = $5, body = $6 WHERE org_id = $1 AND key = $2 AND state = 'in_progress'",
            vec![
                self.org.to_string().into(),
                key.into(),
                (response.status as i32).into(),
                response.content_type.clone().into(),
                (!response.headers.is_empty())
                    .then(|| crate::write::json(&response.headers))
                    .into(),
                response.body.clone().into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets a key whose request failed on our side, so a retry does the work.
    pub async fn idempotency_abandon(&self, key: &str) -> Result<()> {
        let e = self.store.engine;
        let tx = self.store.db.begin().await?;
        crate::set_row_scope(&tx, e, RowScope::Org(self.org)).await?;
        tx.execute_raw(stmt(
            e,
            "DELETE FROM idempotency_key WHERE org_id = $1 AND key = $2 AND state = 'in_progress'",
            vec![self.org.to_string().into(), key.into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Forgets every key past its time (a system job).
    pub async fn prune_idempotency_keys(&self) -> Result<u64> {
        let tx = self.db.begin().await?;
        crate::set_row_scope(&tx, self.engine, RowScope::System).await?;
        let n = tx
            .execute_raw(stmt(
                self.engine,
                "DELETE FROM idempotency_key WHERE expires_at < $1",
                vec![now_ms().into()],
            ))
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }
}
