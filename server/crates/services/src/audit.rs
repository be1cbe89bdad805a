//! The audit trail's use cases: signed checkpoints of the chain's head, the
//! whole-trail verification behind `steward audit verify`, and the operator
//! console's audit explorer and export.
//!
//! Checkpoints are system-level evidence: their JSON is filed in the evidence
//! store under [`system_evidence_org`], the nil UUID, which no organization
//! can have (organization ids are generated as UUID v7).

use std::collections::{BTreeMap, HashMap, HashSet};

use bytes::Bytes;
use domain::audit::{
    AuditEntry, AuditFilter, AuditRecord, ChainBreak, Checkpoint, CheckpointError, CheckpointSigner,
};
use domain::identity::Role;
use domain::{OrgId, UserId};
use evidence::EvidenceError;
use store::StoreError;

use crate::{Actor, Result, ServiceError, Services};

/// The action of a checkpoint's own audit entry.
pub const CHECKPOINT_ACTION: &str = "audit.checkpoint";
/// The action recorded when someone exports the audit trail.
pub const EXPORT_ACTION: &str = "audit.exported";
/// Entries per page of the audit explorer.
pub const PAGE_SIZE: u64 = 50;

/// The organization id system-level evidence (checkpoints) is filed under.
pub fn system_evidence_org() -> OrgId {
    OrgId::from_uuid(uuid::Uuid::nil())
}

/// Where the whole trail stands: the chain, then every checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditVerification {
    /// Entries that verified (all of them when `chain_break` is `None`).
    pub entries: u64,
    /// The first entry that fails, if any.
    pub chain_break: Option<ChainBreak>,
    /// Checkpoints that verified.
    pub checkpoints: u64,
    /// The first checkpoint (by seq) that does not stand, if any.
    pub bad_checkpoint: Option<CheckpointFailure>,
}

impl AuditVerification {
    pub fn ok(&self) -> bool {
        self.chain_break.is_none() && self.bad_checkpoint.is_none()
    }
}

/// A checkpoint that does not stand, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("checkpoint of entry {seq}: {problem}")]
pub struct CheckpointFailure {
    pub seq: i64,
    pub problem: String,
}

/// One page of the audit explorer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Display names of the people among the entries' actors, by encoded actor.
    pub people: HashMap<String, String>,
    /// Names of the organizations the entries concern, by id.
    pub orgs: HashMap<String, String>,
    /// Pass as `before_seq` for the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// The audit explorer's filter as a person fills it in: blank fields are not
/// filters; `actor` may be an encoded actor (`user:<id>`, `system`, …) or a
/// person's email; `org` an organization's id or short name; `from` and `to`
/// dates (`2026-11-26`), date-times (UTC) or unix milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditForm {
    pub subject_type: String,
    pub subject_id: String,
    pub actor: String,
    pub action: String,
    pub org: String,
    pub from: String,
    pub to: String,
}

/// Something that matches no entry (an unknown person or organization).
const NO_MATCH: &str = "(none)";

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

impl Services {
    /// Only operators who keep the record (Admin, Auditor) read the trail;
    /// anyone else signed in is refused, and nobody anonymous.
    async fn require_audit_reader(&self, actor: &Actor) -> Result<()> {
        match actor {
            Actor::System => Ok(()),
            Actor::Anonymous => Err(ServiceError::Unauthorized),
            Actor::Token(_) => Err(ServiceError::Forbidden),
            Actor::User(id) => {
                let roles = self.operator_roles(*id).await?;
                if roles.contains(&Role::Admin) || roles.contains(&Role::Auditor) {
                    Ok(())
                } else {
                    Err(ServiceError::Forbidden)
                }
            }
        }
    }

    /// The filter a form stands for (after the caller was allowed to search:
    /// resolving emails and short names must not answer anyone else).
    async fn resolve_audit_form(&self, form: &AuditForm) -> Result<AuditFilter> {
        let mut bad = Vec::new();
        let mut time = |field: &str, v: &str, end: bool| {
            if v.trim().is_empty() {
                return None;
            }
            let t = crate::parse_time(v, end);
            if t.is_none() {
                bad.push((
                    field.to_owned(),
                    "use a date like 2026-11-26, a UTC date and time, or unix milliseconds"
                        .to_owned(),
                ));
            }
            t
        };
        let from_ms = time("from", &form.from, false);
        let to_ms = time("to", &form.to, true);
        if !bad.is_empty() {
            return Err(ServiceError::InvalidFields(bad));
        }
        let actor = form.actor.trim();
        let actor = if actor.contains('@') {
            Some(
                match self.store.user_by_email(&actor.to_lowercase()).await? {
                    Some(u) => format!("user:{}", u.id),
                    None => NO_MATCH.to_owned(),
                },
            )
        } else {
            Some(actor.to_owned())
        };
        let org = form.org.trim();
        let org_id = if org.is_empty() || org.parse::<OrgId>().is_ok() {
            Some(org.to_owned())
        } else {
            Some(match self.store.org_by_slug(org).await? {
                Some(o) => o.id.to_string(),
                None => NO_MATCH.to_owned(),
            })
        };
        Ok(AuditFilter {
            subject_type: Some(form.subject_type.clone()),
            subject_id: Some(form.subject_id.clone()),
            actor,
            action: Some(form.action.clone()),
            org_id,
            from_ms,
            to_ms,
        }
        .normalized())
    }

    /// Signs the chain's head now, files the checkpoint in the evidence store
    /// (before the transaction, as all evidence is), and records it with its
    /// own audit entry. An empty chain has nothing to sign.
    pub async fn write_checkpoint(&self, signer: &CheckpointSigner) -> Result<Checkpoint> {
        let head = self
            .store
            .audit_head()
            .await?
            .ok_or_else(|| ServiceError::Invalid("the audit trail is empty".into()))?;
        let checkpoint = signer.sign(head.seq, &head.hash, store::now_ms().max(head.at_ms));
        let stored = self
            .evidence
            .put(system_evidence_org(), Bytes::from(checkpoint.to_json()))
            .await?;
        let tx = self.store.begin_write().await?;
        match tx
            .insert_audit_checkpoint(&checkpoint, &stored.digest)
            .await
        {
            Ok(()) => {}
            // Another process checkpointed the same head first: that one stands.
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                return self
                    .store
                    .latest_audit_checkpoint()
                    .await?
                    .filter(|c| c.checkpoint.seq >= head.seq)
                    .map(|c| c.checkpoint)
                    .ok_or_else(|| ServiceError::Conflict("checkpoint raced".into()));
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit(
            AuditRecord::new(
                domain::audit::Actor::System,
                CHECKPOINT_ACTION,
                "audit_checkpoint",
                head.seq,
            )
            .evidence(stored.digest)
            .detail(serde_json::json!({
                "hash": checkpoint.hash,
                "key_id": checkpoint.key_id(),
            })),
            vec![],
        )
        .await?;
        Ok(checkpoint)
    }

    /// A checkpoint if the chain moved since the last one (its own entries
    /// aside); `None` when there is nothing new to sign.
    pub async fn checkpoint_if_moved(
        &self,
        signer: &CheckpointSigner,
    ) -> Result<Option<Checkpoint>> {
        if let Some(last) = self.store.latest_audit_checkpoint().await? {
            if !self
                .store
                .audit_moved_since(last.checkpoint.seq, CHECKPOINT_ACTION)
                .await?
            {
                return Ok(None);
            }
        } else if self.store.audit_head().await?.is_none() {
            return Ok(None);
        }
        self.write_checkpoint(signer).await.map(Some)
    }

    /// Verifies the chain, then every checkpoint, recorded or found in the
    /// evidence store: signed by a `trusted` key, the chain's entry at its seq
    /// has its hash, and (for recorded ones) its evidence blob is there and says
    /// the same. A checkpoint blob in the evidence store that the database no
    /// longer lists is still checked against the chain: deleting the rows does
    /// not hide a cut.
    pub async fn verify_audit(&self, trusted: &[String]) -> Result<AuditVerification> {
        let (entries, chain_break) = match self.store.verify_audit_chain().await? {
            Ok(n) => (n, None),
            Err(b) => (0, Some(b)),
        };
        let org = system_evidence_org();
        let recorded = self.store.audit_checkpoints().await?;
        let mut failures: BTreeMap<i64, String> = BTreeMap::new();
        let mut verified = 0u64;
        let mut fail = |seq: i64, problem: String| {
            failures.entry(seq).or_insert(problem);
        };
        let mut known: HashSet<String> = HashSet::new();
        let mut to_check: Vec<Checkpoint> = Vec::new();
        for r in recorded {
            known.insert(r.evidence_digest.clone());
            let c = r.checkpoint;
            match self.evidence.get(org, &r.evidence_digest).await {
                Ok(bytes) => match Checkpoint::from_json(&bytes) {
                    Ok(kept) if kept == c => to_check.push(c),
                    Ok(_) => fail(
                        c.seq,
                        format!(
                            "the database's record differs from its evidence blob {}",
                            short(&r.evidence_digest)
                        ),
                    ),
                    Err(e) => fail(
                        c.seq,
                        format!("evidence blob {}: {e}", short(&r.evidence_digest)),
                    ),
                },
                Err(EvidenceError::NotFound) => fail(
                    c.seq,
                    format!(
                        "its evidence blob {} is missing from the evidence store",
                        short(&r.evidence_digest)
                    ),
                ),
                Err(EvidenceError::Corrupt(_)) => fail(
                    c.seq,
                    format!(
                        "its evidence blob {} does not match its digest (altered)",
                        short(&r.evidence_digest)
                    ),
                ),
                Err(e) => return Err(e.into()),
            }
        }
        // Checkpoints the database does not list: only trusted ones prove anything.
        for digest in self.evidence.list(org).await? {
            if known.contains(&digest) {
                continue;
            }
            let Ok(bytes) = self.evidence.get(org, &digest).await else {
                continue;
            };
            if let Ok(c) = Checkpoint::from_json(&bytes)
                && c.verify(trusted).is_ok()
            {
                to_check.push(c);
            }
        }
        to_check.sort_by_key(|c| c.seq);
        for c in to_check {
            if let Err(e) = c.verify(trusted) {
                let hint = match e {
                    CheckpointError::UntrustedKey { .. } => {
                        " (if STEWARD_SECRET was changed, trust the old key with --trust-key)"
                    }
                    _ => "",
                };
                fail(c.seq, format!("{e}{hint}"));
                continue;
            }
            match self.store.audit_entry(c.seq).await? {
                None => fail(
                    c.seq,
                    format!(
                        "the chain has no entry {}: entries were removed from its end",
                        c.seq
                    ),
                ),
                Some(e) if e.hash != c.hash => fail(
                    c.seq,
                    format!(
                        "entry {} has hash {}…, but {}… was signed: the chain was rewritten",
                        c.seq,
                        short(&e.hash),
                        short(&c.hash)
                    ),
                ),
                Some(_) => verified += 1,
            }
        }
        let bad_checkpoint = failures
            .into_iter()
            .next()
            .map(|(seq, problem)| CheckpointFailure { seq, problem });
        Ok(AuditVerification {
            entries,
            chain_break,
            checkpoints: verified,
            bad_checkpoint,
        })
    }

    /// The audit explorer: one page of entries passing the form's filter, newest first,
    /// older than `before_seq` when paging on; Admin and Auditor only.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        form: &AuditForm,
        before_seq: Option<i64>,
    ) -> Result<AuditPage> {
        self.require_audit_reader(actor).await?;
        let filter = self.resolve_audit_form(form).await?;
        let mut entries = self
            .store
            .audit_search(&filter, PAGE_SIZE + 1, before_seq)
            .await?;
        let next_before = if entries.len() as u64 > PAGE_SIZE {
            entries.truncate(PAGE_SIZE as usize);
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        let mut people = HashMap::new();
        let mut orgs = HashMap::new();
        for e in &entries {
            if let Some(id) = e.actor.strip_prefix("user:")
                && !people.contains_key(&e.actor)
                && let Ok(uid) = id.parse::<UserId>()
                && let Some(u) = self.store.user_by_id(uid).await?
            {
                people.insert(e.actor.clone(), u.display_name);
            }
            if let Some(o) = &e.org_id
                && !orgs.contains_key(o)
                && let Ok(oid) = o.parse::<OrgId>()
                && let Some(org) = self.store.org_by_id(oid).await?
            {
                orgs.insert(o.clone(), org.name);
            }
        }
        Ok(AuditPage {
            entries,
            people,
            orgs,
            next_before,
        })
    }

    /// Every entry passing the form's filter, in chain order, as JSON lines (one
    /// `AuditEntry` per line, every hashed field included, so the hashes can be
    /// recomputed). The export is recorded first, with its filter, and covers
    /// the trail up to that record.
    pub async fn audit_export(&self, actor: &Actor, form: &AuditForm) -> Result<String> {
        self.require_audit_reader(actor).await?;
        let filter = self.resolve_audit_form(form).await?;
        let tx = self.store.begin_write().await?;
        let recorded = tx
            .commit(
                AuditRecord::new(actor.audit(), EXPORT_ACTION, "audit_trail", "export")
                    .detail(serde_json::json!({ "filter": filter })),
                vec![],
            )
            .await?;
        let mut pages = Vec::new();
        let mut before = recorded.seq;
        loop {
            let page = self.store.audit_search(&filter, 1000, Some(before)).await?;
            let Some(last) = page.last() else { break };
            before = last.seq;
            pages.push(page);
        }
        let mut out = String::new();
        for e in pages.iter().rev().flat_map(|p| p.iter().rev()) {
            out.push_str(&serde_json::to_string(e).map_err(|e| ServiceError::Internal(e.into()))?);
            out.push('\n');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evidence::EvidenceStore;

    fn signer() -> CheckpointSigner {
        CheckpointSigner::from_secret(b"a test secret, at least 32 bytes long")
    }

    async fn append(s: &Services, action: &str) {
        let tx = s.store.begin_write().await.unwrap();
        tx.commit(
            AuditRecord::new(domain::audit::Actor::System, action, "test", "t"),
            vec![],
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn checkpoints_are_written_when_the_chain_moved_and_each_failure_is_named() {
        for db in store::testing::engines().await {
            let dir = tempfile::tempdir().unwrap();
            let s = Services::new(db.store.clone(), EvidenceStore::local(dir.path()).unwrap());
            let trusted = vec![signer().public_key()];
            assert!(matches!(
                s.write_checkpoint(&signer()).await,
                Err(ServiceError::Invalid(_))
            ));
            assert_eq!(s.checkpoint_if_moved(&signer()).await.unwrap(), None);
            append(&s, "test.one").await;
            append(&s, "test.two").await;
            let c = s.checkpoint_if_moved(&signer()).await.unwrap().unwrap();
            assert_eq!(c.seq, 2);
            // Only its own entry came since: nothing to sign.
            assert_eq!(s.checkpoint_if_moved(&signer()).await.unwrap(), None);
            let head = s.store.audit_head().await.unwrap().unwrap();
            assert_eq!((head.seq, head.action.as_str()), (3, CHECKPOINT_ACTION));
            let v = s.verify_audit(&trusted).await.unwrap();
            assert!(v.ok(), "{v:?}");
            assert_eq!((v.entries, v.checkpoints), (3, 1));

            // Another server's key proves nothing here.
            let v = s.verify_audit(&["ab".repeat(32)]).await.unwrap();
            let bad = v.bad_checkpoint.unwrap();
            assert_eq!(bad.seq, 2);
            assert!(bad.problem.contains("--trust-key"), "{bad}");

            // A rewritten entry 2 (resealed, so only its hash changed from the signed one).
            let mut e2 = s.store.audit_entry(2).await.unwrap().unwrap();
            e2.detail = r#"{"forged":true}"#.into();
            e2.hash = e2.compute_hash();
            db.tamper(&format!(
                "UPDATE audit_entry SET detail = '{}', hash = '{}' WHERE seq = 2",
                e2.detail, e2.hash
            ))
            .await;
            let v = s.verify_audit(&trusted).await.unwrap();
            assert_eq!(v.chain_break.as_ref().map(|b| b.seq), Some(3));
            let bad = v.bad_checkpoint.unwrap();
            assert!(bad.problem.contains("was rewritten"), "{bad}");

            // Its evidence blob gone: named too.
            let blob = dir.path().join(format!(
                "orgs/{}/sha256/{}",
                system_evidence_org(),
                &head.evidence[..2]
            ));
            std::fs::remove_dir_all(&blob).unwrap();
            let v = s.verify_audit(&trusted).await.unwrap();
            let bad = v.bad_checkpoint.unwrap();
            assert!(
                bad.problem.contains("missing from the evidence store"),
                "{bad}"
            );
        }
    }
}
