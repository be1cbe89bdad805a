//! Keeping every server process's in-memory decision structure in step with
//! the database (the runtime permission check, issue #7).
//!
//! A write that changes what a decision depends on notes an [`AuthzChange`] on
//! its [`WriteTx`]. At commit the transaction bumps the single `authz_epoch`
//! row (its row lock is held until commit, so epochs are handed out in commit
//! order) and records the changes under the new epoch. After the commit the
//! writer wakes this process's feed and waits until every live process (a
//! heartbeat in `authz_node` within [`NODE_LIVE_MS`]) has applied the epoch,
//! so a suspension or an uninstall that returned to its caller is in force on
//! every process for the very next call.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

use crate::{Engine, Result, Store, WriteTx, now_ms};

/// A process whose heartbeat is older than this is not waited for.
pub const NODE_LIVE_MS: i64 = 3_000;
/// How long a writer waits for the other processes before it gives up (and
/// logs which epoch is not yet everywhere).
pub const ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// What changed, as coarse as is safe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthzChange {
    /// A tenant's installs, grants or policy.
    Tenant(domain::OrgId),
    /// A version's listing state (published, suspended, delisted) or tools.
    Version(domain::VersionId),
    /// A listing's own facts (its category).
    Listing(domain::ListingId),
    /// An organization's API tokens.
    Tokens(domain::OrgId),
    /// Anything: the marketplace policy changed.
    All,
}

impl AuthzChange {
    fn kind_subject(&self) -> (&'static str, String) {
        match self {
            AuthzChange::Tenant(o) => ("tenant", o.to_string()),
            AuthzChange::Version(v) => ("version", v.to_string()),
            AuthzChange::Listing(l) => ("listing", l.to_string()),
            AuthzChange::Tokens(o) => ("tokens", o.to_string()),
            AuthzChange::All => ("all", String::new()),
        }
    }

    fn parse(kind: &str, subject: &str) -> AuthzChange {
        let parsed = match kind {
            "tenant" => subject.parse().ok().map(AuthzChange::Tenant),
            "version" => subject.parse().ok().map(AuthzChange::Version),
            "listing" => subject.parse().ok().map(AuthzChange::Listing),
            "tokens" => subject.parse().ok().map(AuthzChange::Tokens),
            _ => None,
        };
        // Unknown or unreadable: the safe reading is "everything".
        parsed.unwrap_or(AuthzChange::All)
    }
}

/// The process-local side: who to wake after a commit.
#[derive(Debug)]
pub(crate) struct AuthzSync {
    local: tokio::sync::watch::Sender<i64>,
}

impl Default for AuthzSync {
    fn default() -> Self {
        AuthzSync {
            local: tokio::sync::watch::channel(0).0,
        }
    }
}

pub(crate) type SharedSync = Arc<AuthzSync>;

pub(crate) fn stmt(engine: Engine, sql: &str, values: Vec<Value>) -> Statement {
    let backend = match engine {
        Engine::Sqlite => DbBackend::Sqlite,
        Engine::Postgres => DbBackend::Postgres,
    };
    // Written with `$n` placeholders; SQLite takes `?n` the same way.
    let sql = match engine {
        Engine::Sqlite => sql.replace('$', "?"),
        Engine::Postgres => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

impl WriteTx {
    /// Notes that this transaction changes what runtime decisions depend on.
    pub fn authz_changed(&self, change: AuthzChange) {
        let mut c = self.authz.lock().expect("authz changes lock");
        if !c.contains(&change) {
            c.push(change);
        }
    }

    /// Inside the transaction, just before commit: the epoch and the changes.
    pub(crate) async fn record_authz_changes(&self) -> Result<Option<i64>> {
        let changes = std::mem::take(&mut *self.authz.lock().expect("authz changes lock"));
        if changes.is_empty() {
            return Ok(None);
        }
        let row = self
            .tx
            .query_one_raw(stmt(
                self.engine,
                "UPDATE authz_epoch SET n = n + 1 WHERE id = 1 RETURNING n",
                vec![],
            ))
            .await?
            .ok_or_else(|| crate::StoreError::Corrupt("authz_epoch has no row".into()))?;
        let epoch: i64 = row.try_get("", "n")?;
        let at = now_ms();
        for c in changes {
            let (kind, subject) = c.kind_subject();
            self.tx
                .execute_raw(stmt(
                    self.engine,
                    "INSERT INTO authz_change (epoch, kind, subject, at) VALUES ($1, $2, $3, $4)",
                    vec![epoch.into(), kind.into(), subject.into(), at.into()],
                ))
                .await?;
        }
        Ok(Some(epoch))
    }

    /// After the commit: wake this process's feed, then wait (bounded) until
    /// every live process has applied `epoch`.
    pub(crate) async fn authz_committed(
        sync: &AuthzSync,
        db: &DatabaseConnection,
        engine: Engine,
        epoch: i64,
    ) {
        sync.local.send_if_modified(|seen| {
            if *seen < epoch {
                *seen = epoch;
                true
            } else {
                false
            }
        });
        let deadline = tokio::time::Instant::now() + ACK_TIMEOUT;
        loop {
            let lagging = db
                .query_one_raw(stmt(
                    engine,
                    "SELECT count(*) AS n FROM authz_node WHERE heartbeat_at > $1 AND seen_epoch < $2",
                    vec![(now_ms() - NODE_LIVE_MS).into(), epoch.into()],
                ))
                .await
                .ok()
                .flatten()
                .and_then(|r| r.try_get::<i64>("", "n").ok());
            match lagging {
                Some(0) => return,
                Some(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
                _ => {
                    tracing::warn!(
                        epoch,
                        "not every server process confirmed a permission change in time"
                    );
                    return;
                }
            }
        }
    }
}

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthzChangeRow {
    pub epoch: i64,
    pub change: AuthzChange,
}

/// Decisions of one install, tool and outcome within one minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionCountRow {
    pub org_id: domain::OrgId,
    pub install_id: String,
    pub tool: String,
    /// `allow` or the deny reason code.
    pub outcome: String,
    pub window_start: i64,
    pub n: i64,
}

/// One denied call, kept for abuse monitoring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenialRow {
    pub id: String,
    pub org_id: domain::OrgId,
    pub install_id: String,
    pub agent_id: String,
    pub tool: String,
    pub reason: String,
    pub at: i64,
}

impl Store {
    /// Wakes with the newest epoch this process committed.
    pub fn authz_local_commits(&self) -> tokio::sync::watch::Receiver<i64> {
        self.sync.local.subscribe()
    }

    /// The newest committed epoch.
    pub async fn authz_epoch(&self) -> Result<i64> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.engine,
                "SELECT n FROM authz_epoch WHERE id = 1",
                vec![],
            ))
            .await?
            .ok_or_else(|| crate::StoreError::Corrupt("authz_epoch has no row".into()))?;
        Ok(row.try_get("", "n")?)
    }

    /// The changes after epoch `after` up to `upto`, and whether the record
    /// still reaches back that far (`false`: changes were pruned, so the
    /// reader must treat it as "everything changed").
    pub async fn authz_changes(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<(Vec<AuthzChangeRow>, bool)> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.engine,
                "SELECT epoch, kind, subject FROM authz_change WHERE epoch > $1 AND epoch <= $2 ORDER BY epoch, id",
                vec![after.into(), upto.into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let kind: String = r.try_get("", "kind")?;
            let subject: String = r.try_get("", "subject")?;
            out.push(AuthzChangeRow {
                epoch: r.try_get("", "epoch")?,
                change: AuthzChange::parse(&kind, &subject),
            });
        }
        // Every epoch in (after, upto] has at least one row unless pruned.
        let complete = upto <= after || out.first().is_some_and(|c| c.epoch == after + 1);
        Ok((out, complete))
    }

    /// A serving process's heartbeat with the epoch it has applied.
    pub async fn authz_heartbeat(&self, node: &str, seen: i64, started_at: i64) -> Result<()> {
        let now = now_ms();
        let q = Query::insert()
            .into_table(sea_orm::sea_query::Alias::new("authz_node"))
            .columns(
                ["node_id", "seen_epoch", "heartbeat_at", "started_at"]
                    .map(sea_orm::sea_query::Alias::new),
            )
            .values_panic([node.into(), seen.into(), now.into(), started_at.into()])
            .on_conflict(
                OnConflict::column(sea_orm::sea_query::Alias::new("node_id"))
                    .update_columns(
                        ["seen_epoch", "heartbeat_at"].map(sea_orm::sea_query::Alias::new),
                    )
                    .to_owned(),
            )
            .to_owned();
        self.db.execute(&q).await?;
        Ok(())
    }

    /// A process leaving: nobody waits for it any more.
    pub async fn authz_leave(&self, node: &str) -> Result<()> {
        self.db
            .execute_raw(stmt(
                self.engine,
                "DELETE FROM authz_node WHERE node_id = $1",
                vec![node.into()],
            ))
            .await?;
        Ok(())
    }

    /// Forgets changes and silent processes older than `before` (ms).
    pub async fn authz_prune(&self, before: i64) -> Result<()> {
        for sql in [
            "DELETE FROM authz_change WHERE at < $1",
            "DELETE FROM authz_node WHERE heartbeat_at < $1",
        ] {
            self.db
                .execute_raw(stmt(self.engine, sql, vec![before.into()]))
                .await?;
        }
        Ok(())
    }

    /// Adds a batch of decision counts and denials (telemetry: no audit
    /// entry). One transaction in the system scope.
    pub async fn record_decisions(
        &self,
        counts: &[DecisionCountRow],
        denials: &[DenialRow],
    ) -> Result<()> {
        if counts.is_empty() && denials.is_empty() {
            return Ok(());
        }
        use sea_orm::TransactionTrait;
        let tx = self.db.begin().await?;
        crate::set_row_scope(&tx, self.engine, crate::RowScope::System).await?;
        let a = sea_orm::sea_query::Alias::new;
        for chunk in counts.chunks(200) {
            let mut q = Query::insert()
                .into_table(a("decision_count"))
                .columns(
                    [
                        "org_id",
                        "install_id",
                        "tool",
                        "outcome",
                        "window_start",
                        "n",
                    ]
                    .map(a),
                )
                .to_owned();
            for c in chunk {
                q.values_panic([
                    c.org_id.to_string().into(),
                    c.install_id.clone().into(),
                    c.tool.clone().into(),
                    c.outcome.clone().into(),
                    c.window_start.into(),
                    c.n.into(),
                ]);
            }
            q.on_conflict(
                OnConflict::columns(
                    ["org_id", "install_id", "tool", "outcome", "window_start"].map(a),
                )
                .value(
                    a("n"),
                    Expr::col((a("decision_count"), a("n")))
                        .add(Expr::col((a("excluded"), a("n")))),
                )
                .to_owned(),
            );
            tx.execute(&q).await?;
        }
        for chunk in denials.chunks(200) {
            let mut q = Query::insert()
                .into_table(a("denial_event"))
                .columns(
                    [
                        "id",
                        "org_id",
                        "install_id",
                        "agent_id",
                        "tool",
                        "reason",
                        "at",
                    ]
                    .map(a),
                )
                .to_owned();
            for d in chunk {
                q.values_panic([
                    d.id.clone().into(),
                    d.org_id.to_string().into(),
                    d.install_id.clone().into(),
                    d.agent_id.clone().into(),
                    d.tool.clone().into(),
                    d.reason.clone().into(),
                    d.at.into(),
                ]);
            }
            q.on_conflict(OnConflict::column(a("id")).do_nothing().to_owned());
            tx.execute(&q).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl crate::OrgReader<'_> {
    /// The tenant's decision counts since `since` (ms), summed per install,
    /// tool and outcome.
    pub async fn decision_counts(&self, since: i64) -> Result<Vec<DecisionCountRow>> {
        let tx = self.store.read_tx(crate::RowScope::Org(self.org)).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.store.engine,
                "SELECT install_id, tool, outcome, min(window_start) AS window_start, CAST(sum(n) AS BIGINT) AS n \
                 FROM decision_count WHERE org_id = $1 AND window_start >= $2 \
                 GROUP BY install_id, tool, outcome ORDER BY install_id, tool, outcome",
                vec![self.org.to_string().into(), since.into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(DecisionCountRow {
                org_id: self.org,
                install_id: r.try_get("", "install_id")?,
                tool: r.try_get("", "tool")?,
                outcome: r.try_get("", "outcome")?,
                window_start: r.try_get("", "window_start")?,
                n: r.try_get("", "n")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The tenant's most recent denials, newest first.
    pub async fn denials(&self, limit: u64) -> Result<Vec<DenialRow>> {
        let tx = self.store.read_tx(crate::RowScope::Org(self.org)).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.store.engine,
                "SELECT id, install_id, agent_id, tool, reason, at FROM denial_event \
                 WHERE org_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                vec![self.org.to_string().into(), (limit as i64).into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(DenialRow {
                id: r.try_get("", "id")?,
                org_id: self.org,
                install_id: r.try_get("", "install_id")?,
                agent_id: r.try_get("", "agent_id")?,
                tool: r.try_get("", "tool")?,
                reason: r.try_get("", "reason")?,
                at: r.try_get("", "at")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }
}
