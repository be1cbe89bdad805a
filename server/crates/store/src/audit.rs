use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use domain::audit::{AuditEntry, AuditRecord, GENESIS_HASH};

use crate::entities::audit_entry;
use crate::{Engine, Result, Store, StoreError};

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

impl Store {
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

    /// Test and drill support: runs raw SQL (e.g. to tamper with the audit table
    /// and prove `verify` notices). Not reachable from any HTTP path.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(self.db.execute_unprepared(sql).await?.rows_affected())
    }
}
