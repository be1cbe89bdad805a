use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use domain::audit::{AuditEntry, AuditFilter, AuditRecord, Checkpoint, GENESIS_HASH};

use crate::entities::{audit_checkpoint, audit_entry};
use crate::records::AuditCheckpoint;
use crate::{Engine, Result, Store, StoreError, WriteTx};

/// Key of the PostgreSQL advisory lock that serializes appends to the chain.
const CHAIN_LOCK_KEY: i64 = 0x5354_4557_4152_4431; // "STEWARD1"

pub(crate) async fn append(
    tx: &DatabaseTransaction,
    engine: Engine,
    record: &AuditRecord,
    at_ms: i64,
) -> Result<AuditEntry> {
    if engine == Engine::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})"))
            .await?;
    }
    let head = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Seq)
        .one(tx)
        .await?;
    let (seq, prev) = match &head {
        Some(h) => (h.seq + 1, h.hash.as_str()),
        None => (1, GENESIS_HASH),
    };
    // Never let the chain's clock run backwards.
    let at_ms = head.as_ref().map_or(at_ms, |h| at_ms.max(h.at_ms));
    let entry = AuditEntry::seal(record, seq, at_ms, prev);
    audit_entry::Entity::insert(to_active(&entry))
        .exec_without_returning(tx)
        .await
        .map_err(StoreError::from_db)?;
    Ok(entry)
}

fn to_active(e: &AuditEntry) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        seq: Set(e.seq),
        at_ms: Set(e.at_ms),
        actor: Set(e.actor.clone()),
        org_id: Set(e.org_id.clone()),
        action: Set(e.action.clone()),
        subject_type: Set(e.subject_type.clone()),
        subject_id: Set(e.subject_id.clone()),
        policy_version: Set(e.policy_version.clone()),
        evidence: Set(e.evidence.clone()),
        detail: Set(e.detail.clone()),
        prev_hash: Set(e.prev_hash.clone()),
        hash: Set(e.hash.clone()),
    }
}

fn from_model(m: audit_entry::Model) -> AuditEntry {
    AuditEntry {
        seq: m.seq,
        at_ms: m.at_ms,
        actor: m.actor,
        org_id: m.org_id,
        action: m.action,
        subject_type: m.subject_type,
        subject_id: m.subject_id,
        policy_version: m.policy_version,
        evidence: m.evidence,
        detail: m.detail,
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

/// `prefix%` with LIKE's wildcards escaped.
fn prefix_pattern(prefix: &str) -> LikeExpr {
    let mut p = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    LikeExpr::new(p).escape('\\')
}

/// The condition a filter stands for (see `AuditFilter::matches`).
fn condition(f: &AuditFilter) -> Condition {
    use sea_orm::sea_query::ExprTrait as _;
    let mut c = Condition::all();
    if let Some(v) = &f.subject_type {
        c = c.add(audit_entry::Column::SubjectType.eq(v.as_str()));
    }
    if let Some(v) = &f.subject_id {
        c = c.add(audit_entry::Column::SubjectId.eq(v.as_str()));
    }
    if let Some(v) = &f.actor {
        c = c.add(audit_entry::Column::Actor.eq(v.as_str()));
    }
    match (&f.action, f.action_prefix()) {
        (None, _) => {}
        (Some(_), Some(prefix)) => {
            c = c.add(Expr::col(audit_entry::Column::Action).like(prefix_pattern(prefix)));
        }
        (Some(a), None) => c = c.add(audit_entry::Column::Action.eq(a.as_str())),
    }
    if let Some(v) = &f.org_id {
        c = c.add(audit_entry::Column::OrgId.eq(v.as_str()));
    }
    if let Some(t) = f.from_ms {
        c = c.add(audit_entry::Column::AtMs.gte(t));
    }
    if let Some(t) = f.to_ms {
        c = c.add(audit_entry::Column::AtMs.lte(t));
    }
    c
}

fn checkpoint_from_model(m: audit_checkpoint::Model) -> AuditCheckpoint {
    AuditCheckpoint {
        checkpoint: Checkpoint {
            seq: m.seq,
            hash: m.hash,
            at_ms: m.at_ms,
            public_key: m.public_key,
            signature: m.signature,
        },
        evidence_digest: m.evidence_digest,
    }
}

impl WriteTx {
    /// Records a signed checkpoint (its JSON already in the evidence store).
    pub async fn insert_audit_checkpoint(
        &self,
        c: &Checkpoint,
        evidence_digest: &str,
    ) -> Result<()> {
        audit_checkpoint::Entity::insert(audit_checkpoint::ActiveModel {
            seq: Set(c.seq),
            hash: Set(c.hash.clone()),
            at_ms: Set(c.at_ms),
            evidence_digest: Set(evidence_digest.to_owned()),
            public_key: Set(c.public_key.clone()),
            signature: Set(c.signature.clone()),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }
}

impl Store {
    /// The newest entry of the chain.
    pub async fn audit_head(&self) -> Result<Option<AuditEntry>> {
        Ok(audit_entry::Entity::find()
            .order_by_desc(audit_entry::Column::Seq)
            .one(&self.db)
            .await?
            .map(from_model))
    }

    /// Entry `seq`, if the chain has it.
    pub async fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        Ok(audit_entry::Entity::find_by_id(seq)
            .one(&self.db)
            .await?
            .map(from_model))
    }

    /// The audit explorer: up to `limit` entries that pass `filter`, newest
    /// first, with `seq < before_seq` when paging on.
    pub async fn audit_search(
        &self,
        filter: &AuditFilter,
        limit: u64,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEntry>> {
        let mut q = audit_entry::Entity::find().filter(condition(filter));
        if let Some(before) = before_seq {
            q = q.filter(audit_entry::Column::Seq.lt(before));
        }
        Ok(q.order_by_desc(audit_entry::Column::Seq)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_model)
            .collect())
    }

    /// Whether the chain has an entry after `seq` other than `ignoring` ones
    /// (a checkpoint's own entries do not call for another checkpoint).
    pub async fn audit_moved_since(&self, seq: i64, ignoring: &str) -> Result<bool> {
        Ok(audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gt(seq))
            .filter(audit_entry::Column::Action.ne(ignoring))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// Every recorded checkpoint, oldest first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<AuditCheckpoint>> {
        Ok(audit_checkpoint::Entity::find()
            .order_by_asc(audit_checkpoint::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(checkpoint_from_model)
            .collect())
    }

    /// The newest recorded checkpoint.
    pub async fn latest_audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        Ok(audit_checkpoint::Entity::find()
            .order_by_desc(audit_checkpoint::Column::Seq)
            .one(&self.db)
            .await?
            .map(checkpoint_from_model))
    }

    /// Up to `limit` entries with `seq > after`, in chain order.
    pub async fn audit_page(&self, after: i64, limit: u64) -> Result<Vec<AuditEntry>> {
        Ok(audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gt(after))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_model)
            .collect())
    }

    /// Entries about one subject, newest first.
    pub async fn audit_for_subject(
        &self,
        subject_type: &str,
        subject_id: &str,
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        Ok(audit_entry::Entity::find()
            .filter(audit_entry::Column::SubjectType.eq(subject_type))
            .filter(audit_entry::Column::SubjectId.eq(subject_id))
            .order_by_desc(audit_entry::Column::Seq)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_model)
            .collect())
    }

    pub async fn audit_len(&self) -> Result<u64> {
        Ok(audit_entry::Entity::find().count(&self.db).await?)
    }

    /// Verifies the whole chain, page by page; returns how many entries passed.
    pub async fn verify_audit_chain(&self) -> Result<Result<u64, domain::audit::ChainBreak>> {
        let mut verifier = domain::audit::ChainVerifier::default();
        let mut after = 0;
        loop {
            let page = self.audit_page(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                if let Err(b) = verifier.push(e) {
                    return Ok(Err(b));
                }
            }
        }
        Ok(Ok(verifier.verified()))
    }

    /// Test and drill support: runs raw SQL as the app's own role (for example to
    /// age a session in a test). Not reachable from any HTTP path. On PostgreSQL
    /// it cannot change the audit trail, which is append-only; tests tamper
    /// with it through `testing::TestDb::tamper`.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(self.db.execute_unprepared(sql).await?.rows_affected())
    }
}
