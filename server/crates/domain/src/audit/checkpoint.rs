//! Signed checkpoints of the chain's head.
//!
//! The hash chain alone cannot tell that its newest entries were deleted (see
//! `deleting_the_tail_is_not_detectable_by_the_chain_alone`). A checkpoint is the
//! head (`seq`, `hash`) at a moment, signed with an Ed25519 key derived from the
//! server's secret and kept outside the database (in the evidence store): once
//! written, a chain that no longer has entry `seq` with that hash has been cut
//! or rewritten.
//!
//! The key is derived, never generated: its seed is
//! `sha256("steward-audit-checkpoint-v1" || secret)`, so every server process
//! with the same secret signs with the same key and nothing here needs a
//! randomness source (Ed25519 signing is deterministic).

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Prefix of the key derivation's input.
const KEY_TAG: &[u8] = b"steward-audit-checkpoint-v1";
/// Prefix of the bytes a checkpoint's signature covers.
const SIGN_TAG: &[u8] = b"steward-audit-checkpoint-v1\n";
/// The `format` of a checkpoint's JSON.
pub const CHECKPOINT_FORMAT: &str = "steward-audit-checkpoint-v1";

/// The head of the chain at `at_ms`, signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The sequence number of the newest entry covered.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// When the checkpoint was made (unix milliseconds).
    pub at_ms: i64,
    /// The signer's Ed25519 public key, lowercase hex (64 characters).
    pub public_key: String,
    /// Ed25519 signature over [`Checkpoint::canonical_bytes`], lowercase hex.
    pub signature: String,
}

/// The JSON a checkpoint is kept as: the fields with a format tag, in a fixed order.
#[derive(Serialize, Deserialize)]
struct Wire {
    format: String,
    seq: i64,
    hash: String,
    at_ms: i64,
    public_key: String,
    signature: String,
}

/// Why a checkpoint does not stand.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a checkpoint: {0}")]
    Malformed(String),
    #[error("signed by key {key_id}…, which is not a trusted checkpoint key")]
    UntrustedKey { key_id: String },
    #[error("the signature does not match the checkpoint's contents")]
    BadSignature,
}

fn signed_bytes(seq: i64, hash: &str, at_ms: i64, public_key: &str) -> Vec<u8> {
    let mut out = SIGN_TAG.to_vec();
    out.extend_from_slice(
        serde_json::json!([seq, hash, at_ms, public_key])
            .to_string()
            .as_bytes(),
    );
    out
}

impl Checkpoint {
    /// What the signature covers: a domain tag, then a JSON array of seq, hash,
    /// at_ms and the public key.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        signed_bytes(self.seq, &self.hash, self.at_ms, &self.public_key)
    }

    /// A short name of the signing key (its first 16 hex digits).
    pub fn key_id(&self) -> &str {
        self.public_key.get(..16).unwrap_or(&self.public_key)
    }

    /// The JSON kept in the evidence store.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&Wire {
            format: CHECKPOINT_FORMAT.to_owned(),
            seq: self.seq,
            hash: self.hash.clone(),
            at_ms: self.at_ms,
            public_key: self.public_key.clone(),
            signature: self.signature.clone(),
        })
        .expect("plain data serializes")
    }

    /// Reads what [`Checkpoint::to_json`] wrote (the signature is not checked here).
    pub fn from_json(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let w: Wire =
            serde_json::from_slice(bytes).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        if w.format != CHECKPOINT_FORMAT {
            return Err(CheckpointError::Malformed(format!(
                "format {:?}, expected {CHECKPOINT_FORMAT:?}",
                w.format
            )));
        }
        Ok(Checkpoint {
            seq: w.seq,
            hash: w.hash,
            at_ms: w.at_ms,
            public_key: w.public_key,
            signature: w.signature,
        })
    }

    /// The signature is valid for the key the checkpoint names.
    pub fn verify_signature(&self) -> Result<(), CheckpointError> {
        let key: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| CheckpointError::Malformed("public key is not 32 hex bytes".into()))?;
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| CheckpointError::Malformed("public key is not an Ed25519 key".into()))?;
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| CheckpointError::Malformed("signature is not 64 hex bytes".into()))?;
        key.verify(&self.canonical_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| CheckpointError::BadSignature)
    }

    /// Signed, validly, by one of the `trusted` public keys (hex). A checkpoint
    /// that merely carries a valid signature proves nothing: anyone can make a
    /// key; it must be a key the verifier already trusts.
    pub fn verify(&self, trusted: &[String]) -> Result<(), CheckpointError> {
        if !trusted
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&self.public_key))
        {
            return Err(CheckpointError::UntrustedKey {
                key_id: self.key_id().to_owned(),
            });
        }
        self.verify_signature()
    }
}

/// Signs checkpoints with the key derived from the server's secret.
#[derive(Clone)]
pub struct CheckpointSigner {
    key: SigningKey,
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckpointSigner({}…)", &self.public_key()[..16])
    }
}

impl CheckpointSigner {
    /// The signer for a server secret: seed = sha256("steward-audit-checkpoint-v1" || secret).
    pub fn from_secret(secret: &[u8]) -> CheckpointSigner {
        let seed: [u8; 32] = Sha256::new()
            .chain_update(KEY_TAG)
            .chain_update(secret)
            .finalize()
            .into();
        CheckpointSigner {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key, lowercase hex: what verifiers trust.
    pub fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// A checkpoint of entry `seq` whose hash is `hash`, made at `at_ms`.
    pub fn sign(&self, seq: i64, hash: &str, at_ms: i64) -> Checkpoint {
        let public_key = self.public_key();
        let signature = self.key.sign(&signed_bytes(seq, hash, at_ms, &public_key));
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            at_ms,
            public_key,
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const HASH: &str = "ab12000000000000000000000000000000000000000000000000000000000000";

    fn trusted(s: &CheckpointSigner) -> Vec<String> {
        vec![s.public_key()]
    }

    #[test]
    fn a_checkpoint_round_trips_and_verifies() {
        let signer = CheckpointSigner::from_secret(SECRET);
        let c = signer.sign(42, HASH, 1_700_000_000_000);
        assert_eq!(c.verify(&trusted(&signer)), Ok(()));
        let back = Checkpoint::from_json(&c.to_json()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.verify(&trusted(&signer)), Ok(()));
        assert_eq!(c.key_id().len(), 16);
    }

    #[test]
    fn the_key_is_derived_from_the_secret_alone() {
        let a = CheckpointSigner::from_secret(SECRET);
        let b = CheckpointSigner::from_secret(SECRET);
        let other = CheckpointSigner::from_secret(b"another secret, also 32 bytes long");
        assert_eq!(a.public_key(), b.public_key());
        assert_ne!(a.public_key(), other.public_key());
        // Deterministic: the same checkpoint signs to the same bytes.
        assert_eq!(a.sign(1, HASH, 5), b.sign(1, HASH, 5));
        assert!(!format!("{a:?}").contains(&hex::encode(SECRET)));
    }

    #[test]
    fn an_altered_checkpoint_is_rejected() {
        let signer = CheckpointSigner::from_secret(SECRET);
        let keys = trusted(&signer);
        let c = signer.sign(42, HASH, 1_700_000_000_000);
        for forged in [
            Checkpoint {
                seq: 41,
                ..c.clone()
            },
            Checkpoint {
                hash: HASH.replace("ab12", "ab13"),
                ..c.clone()
            },
            Checkpoint {
                at_ms: c.at_ms + 1,
                ..c.clone()
            },
        ] {
            assert_eq!(forged.verify(&keys), Err(CheckpointError::BadSignature));
        }
    }

    #[test]
    fn a_checkpoint_forged_with_another_key_is_rejected() {
        let signer = CheckpointSigner::from_secret(SECRET);
        let forger = CheckpointSigner::from_secret(b"the forger's own secret, 32 bytes");
        let forged = forger.sign(42, HASH, 1_700_000_000_000);
        // Valid as a signature, but not by a key this verifier trusts.
        assert_eq!(forged.verify_signature(), Ok(()));
        assert!(matches!(
            forged.verify(&trusted(&signer)),
            Err(CheckpointError::UntrustedKey { .. })
        ));
        // Claiming the real key with the forger's signature fails the signature.
        let claimed = Checkpoint {
            public_key: signer.public_key(),
            ..forged
        };
        assert_eq!(
            claimed.verify(&trusted(&signer)),
            Err(CheckpointError::BadSignature)
        );
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let signer = CheckpointSigner::from_secret(SECRET);
        let mut c = signer.sign(1, HASH, 1);
        c.signature = "zz".into();
        assert!(matches!(
            c.verify(&trusted(&signer)),
            Err(CheckpointError::Malformed(_))
        ));
        assert!(matches!(
            Checkpoint::from_json(b"{\"format\":\"other\",\"seq\":1,\"hash\":\"\",\"at_ms\":1,\"public_key\":\"\",\"signature\":\"\"}"),
            Err(CheckpointError::Malformed(_))
        ));
        assert!(matches!(
            Checkpoint::from_json(b"not json"),
            Err(CheckpointError::Malformed(_))
        ));
    }
}
