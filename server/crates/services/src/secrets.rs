//! Passwords and bearer secrets.
//!
//! Passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane),
//! hashed off the async runtime. Tokens and invitation links are 192 random
//! bits; only their sha256 is stored, so a database leak reveals none of them.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let mut salt_bytes = [0u8; 16];
        rand::fill(&mut salt_bytes);
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Verifies against a stored hash; with no hash (unknown account) it still does
/// the same work, so timing does not tell whether an account exists.
pub async fn verify_password(stored: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && stored != DUMMY_HASH
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3Rld2FyZC1kdW1teS1zYWx0$3pUpMrcQxzsYWfJ7Wp3lMaRUt8Trp+w1rVjAXnx1lEU";

/// A new bearer secret with a readable kind prefix, e.g. `stw_…` or `inv_…`.
pub fn new_secret(kind: &str) -> String {
    let mut bytes = [0u8; 24];
    rand::fill(&mut bytes);
    format!("{kind}_{}", hex::encode(bytes))
}

/// What is stored in place of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(secret_digest(secret))
}

/// The SHA-256 of a secret, as bytes (what [`secret_hash`] spells in hex).
pub fn secret_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_hashes_are_argon2id_with_owasp_parameters() {
        let h = hash_password("correct horse battery staple".into())
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(Some(h.clone()), "correct horse battery staple".into()).await);
        assert!(!verify_password(Some(h.clone()), "correct horse battery stapl".into()).await);
        let again = hash_password("correct horse battery staple".into())
            .await
            .unwrap();
        assert_ne!(h, again, "salted");
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must parse, or timing differs"
        );
        assert!(!verify_password(None, "anything at all".into()).await);
        assert!(!verify_password(Some("garbage".into()), "anything".into()).await);
    }

    #[test]
    fn secrets_are_random_and_only_their_hash_is_kept() {
        let a = new_secret("stw");
        let b = new_secret("stw");
        assert!(a.starts_with("stw_") && a.len() == 4 + 48);
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}
