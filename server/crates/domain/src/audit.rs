//! The audit trail's hash chain.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, over a
//! canonical encoding (a JSON array with a fixed order; `detail` enters as the
//! exact text stored). Changing, removing or reordering any stored entry breaks
//! every hash after it, and [`verify_chain`] names the first entry that fails.
//! Deleting the newest entries leaves a shorter chain that still verifies; signed
//! [`checkpoint`]s of the head, kept outside the database, catch that.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::OrgId;

pub mod checkpoint;

pub use checkpoint::{Checkpoint, CheckpointError, CheckpointSigner};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN_TAG: &[u8] = b"steward-audit-v1\n";

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// Steward itself (migrations, seeding, background jobs).
    System,
    /// Someone not signed in (for example a public abuse report).
    Anonymous,
    /// A person, by user id.
    User(String),
    /// A service identity (API token), by token id.
    Service(String),
}

impl Actor {
    pub fn encode(&self) -> String {
        match self {
            Actor::System => "system".into(),
            Actor::Anonymous => "anonymous".into(),
            Actor::User(id) => format!("user:{id}"),
            Actor::Service(id) => format!("service:{id}"),
        }
    }
}

/// What a caller records: the facts of one governance change.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub actor: Actor,
    pub org_id: Option<OrgId>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub policy_version: Option<String>,
    /// sha256 digests of the evidence the change rests on.
    pub evidence: Vec<String>,
    pub detail: serde_json::Value,
}

impl AuditRecord {
    pub fn new(actor: Actor, action: &str, subject_type: &str, subject_id: impl ToString) -> Self {
        AuditRecord {
            actor,
            org_id: None,
            action: action.to_owned(),
            subject_type: subject_type.to_owned(),
            subject_id: subject_id.to_string(),
            policy_version: None,
            evidence: Vec::new(),
            detail: serde_json::Value::Null,
        }
    }
    pub fn org(mut self, org: OrgId) -> Self {
        self.org_id = Some(org);
        self
    }
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
    pub fn evidence(mut self, digest: impl Into<String>) -> Self {
        self.evidence.push(digest.into());
        self
    }
}

/// An entry as stored: every column the hash covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub org_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub policy_version: Option<String>,
    /// Digests, comma-separated, in the order given.
    pub evidence: String,
    /// The detail JSON exactly as stored.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Seals a record as entry `seq` after the entry whose hash is `prev_hash`.
    pub fn seal(record: &AuditRecord, seq: i64, at_ms: i64, prev_hash: &str) -> AuditEntry {
        let mut e = AuditEntry {
            seq,
            at_ms,
            actor: record.actor.encode(),
            org_id: record.org_id.map(|o| o.to_string()),
            action: record.action.clone(),
            subject_type: record.subject_type.clone(),
            subject_id: record.subject_id.clone(),
            policy_version: record.policy_version.clone(),
            evidence: record.evidence.join(","),
            detail: record.detail.to_string(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    /// The hash this entry's fields call for.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at_ms,
            self.actor,
            self.org_id,
            self.action,
            self.subject_type,
            self.subject_id,
            self.policy_version,
            self.evidence,
            self.detail,
            self.prev_hash,
        ]);
        let mut h = Sha256::new();
        h.update(DOMAIN_TAG);
        h.update(canonical.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

/// What the audit explorer asks for: every field that is set must match;
/// an empty filter matches every entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// An encoded actor: `user:<id>`, `service:<id>`, `system` or `anonymous`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// An action (`version.submitted`), or a prefix ending in `.` (`version.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The organization an entry concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Entries at or after this time (unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_ms: Option<i64>,
    /// Entries at or before this time (unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_ms: Option<i64>,
}

impl AuditFilter {
    /// Text fields trimmed, blank ones dropped (`Some("")` would match nothing
    /// a person meant), the action lower-cased as actions are.
    pub fn normalized(self) -> AuditFilter {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        AuditFilter {
            subject_type: clean(self.subject_type),
            subject_id: clean(self.subject_id),
            actor: clean(self.actor),
            action: clean(self.action).map(|a| a.to_ascii_lowercase()),
            org_id: clean(self.org_id),
            from_ms: self.from_ms,
            to_ms: self.to_ms,
        }
    }

    /// The action prefix, when the action filter is one (ends in `.`).
    pub fn action_prefix(&self) -> Option<&str> {
        self.action.as_deref().filter(|a| a.ends_with('.'))
    }

    /// Whether `e` passes the filter: the reference the store's query keeps to.
    pub fn matches(&self, e: &AuditEntry) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        eq(&self.subject_type, &e.subject_type)
            && eq(&self.subject_id, &e.subject_id)
            && eq(&self.actor, &e.actor)
            && match (&self.action, self.action_prefix()) {
                (None, _) => true,
                (Some(_), Some(prefix)) => e.action.starts_with(prefix),
                (Some(a), None) => a == &e.action,
            }
            && self
                .org_id
                .as_deref()
                .is_none_or(|o| e.org_id.as_deref() == Some(o))
            && self.from_ms.is_none_or(|t| e.at_ms >= t)
            && self.to_ms.is_none_or(|t| e.at_ms <= t)
    }

    /// No field is set.
    pub fn is_empty(&self) -> bool {
        self == &AuditFilter::default()
    }
}

/// Where and why a chain fails verification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: ChainProblem,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    #[error("expected sequence number {expected} (an entry is missing or was inserted)")]
    Gap { expected: i64 },
    #[error("prev_hash does not match the previous entry's hash (entries removed or reordered)")]
    Link,
    #[error("hash does not match the entry's contents (the entry was altered)")]
    Content,
}

/// Checks entries in sequence order; returns how many were verified.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<u64, ChainBreak> {
    let mut chain = ChainVerifier::default();
    for e in entries {
        chain.push(e)?;
    }
    Ok(chain.verified())
}

/// Incremental verification, for streaming a long chain page by page.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    verified: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            verified: 0,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let fail = |problem| ChainBreak {
            seq: e.seq,
            problem,
        };
        if e.seq != self.expected_seq {
            return Err(ChainBreak {
                seq: e.seq,
                problem: ChainProblem::Gap {
                    expected: self.expected_seq,
                },
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(fail(ChainProblem::Link));
        }
        if e.compute_hash() != e.hash {
            return Err(fail(ChainProblem::Content));
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.verified += 1;
        Ok(())
    }

    pub fn verified(&self) -> u64 {
        self.verified
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out
                .last()
                .map(|e| e.hash.clone())
                .unwrap_or(GENESIS_HASH.into());
            let rec = AuditRecord::new(Actor::System, "test.did", "thing", seq)
                .detail(serde_json::json!({"n": seq, "text": "ünïcode \"quoted\""}));
            out.push(AuditEntry::seal(&rec, seq, 1_700_000_000_000 + seq, &prev));
        }
        out
    }

    #[test]
    fn a_sealed_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn an_edit_is_caught_at_the_edited_entry() {
        let mut c = chain(5);
        c[2].action = "test.forged".into();
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(err.seq, 3);
        assert_eq!(err.problem, ChainProblem::Content);
    }

    #[test]
    fn a_resealed_edit_is_caught_at_the_next_entry() {
        let mut c = chain(5);
        c[2].detail = "{}".into();
        c[2].hash = c[2].compute_hash();
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(err.seq, 4);
        assert_eq!(err.problem, ChainProblem::Link);
    }

    #[test]
    fn a_deleted_entry_is_caught() {
        let mut c = chain(5);
        c.remove(1);
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(err.seq, 3);
        assert_eq!(err.problem, ChainProblem::Gap { expected: 2 });
    }

    #[test]
    fn deleting_the_tail_is_not_detectable_by_the_chain_alone() {
        // Documented limit: truncation of the newest entries needs an external
        // checkpoint of the head: see `checkpoint`, which signs the head.
        let mut c = chain(5);
        c.pop();
        assert_eq!(verify_chain(&c), Ok(4));
    }

    #[test]
    fn a_filter_matches_fields_exactly_and_actions_by_prefix() {
        let c = chain(3);
        let all = AuditFilter::default();
        assert!(c.iter().all(|e| all.matches(e)) && all.is_empty());
        let prefix = AuditFilter {
            action: Some("test.".into()),
            ..Default::default()
        };
        assert!(c.iter().all(|e| prefix.matches(e)));
        let partial = AuditFilter {
            action: Some("test".into()),
            ..Default::default()
        };
        assert!(
            !c.iter().any(|e| partial.matches(e)),
            "no prefix without the dot"
        );
        let one = AuditFilter {
            subject_id: Some(" 2 ".into()),
            from_ms: Some(1_700_000_000_002),
            to_ms: Some(1_700_000_000_002),
            org_id: Some("  ".into()),
            ..Default::default()
        }
        .normalized();
        assert_eq!(one.org_id, None);
        let hits: Vec<i64> = c.iter().filter(|e| one.matches(e)).map(|e| e.seq).collect();
        assert_eq!(hits, vec![2]);
    }

    proptest! {
        #[test]
        fn any_single_field_change_breaks_verification(idx in 0usize..6, field in 0usize..6, junk in "[a-z]{1,8}") {
            let mut c = chain(6);
            let e = &mut c[idx];
            match field {
                0 => e.actor.push_str(&junk),
                1 => e.subject_id.push_str(&junk),
                2 => e.detail.push_str(&junk),
                3 => e.evidence.push_str(&junk),
                4 => e.at_ms += 1,
                _ => e.org_id = Some(junk.clone()),
            }
            prop_assert!(verify_chain(&c).is_err());
        }
    }
}
