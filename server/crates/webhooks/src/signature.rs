//! `whsec_` secrets, `webhook-signature` values and their verification.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The prefix of a serialized symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The spec's bounds on a secret's key: 24 to 64 bytes (192 to 512 bits).
pub const MIN_SECRET_BYTES: usize = 24;
pub const MAX_SECRET_BYTES: usize = 64;
/// What [`Secret::generate`] makes: 256 bits.
const GENERATED_SECRET_BYTES: usize = 32;

/// The spec's replay window: a `webhook-timestamp` further than this from
/// the receiver's clock is refused.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// The longest message id [`sign`] accepts.
pub const MAX_MESSAGE_ID_LEN: usize = 256;

/// Secrets written by other implementations may leave out the base64 padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// An endpoint's symmetric signing key (HMAC-SHA256).
///
/// Neither `Debug` nor `Display` shows the key; [`Secret::expose`] is the one
/// way to get its serialized form out (to show it to its owner once, or to
/// store it).
#[derive(Clone)]
pub struct Secret {
    key: Box<[u8]>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret starts with \"whsec_\"")]
    Prefix,
    #[error("a webhook secret is \"whsec_\" followed by base64")]
    Encoding,
    #[error("a webhook secret's key is 24 to 64 bytes long")]
    Length,
}

impl Secret {
    /// A new random 32-byte key, from the thread's CSPRNG.
    pub fn generate() -> Self {
        let mut key = vec![0u8; GENERATED_SECRET_BYTES];
        rand::rng().fill_bytes(&mut key);
        Secret { key: key.into() }
    }

    /// Reads `whsec_<base64>`; the key must be 24 to 64 bytes.
    pub fn parse(serialized: &str) -> Result<Self, SecretError> {
        let encoded = serialized
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Prefix)?;
        let key = LENIENT_BASE64
            .decode(encoded)
            .map_err(|_| SecretError::Encoding)?;
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&key.len()) {
            return Err(SecretError::Length);
        }
        Ok(Secret { key: key.into() })
    }

    /// The serialized secret, `whsec_<base64>`: what the endpoint's owner
    /// configures on their side.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    /// HMAC-SHA256 of `{msg_id}.{timestamp}.{payload}`.
    fn mac(&self, msg_id: &str, timestamp: i64, payload: &[u8]) -> [u8; 32] {
        // HMAC takes keys of any length; this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts any key");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("a webhook needs at least one secret to be signed with")]
    NoSecret,
    #[error("a webhook message id is 1 to 256 visible ASCII characters without '.', ',' or spaces")]
    MessageId,
}

/// The `webhook-signature` header value: `v1,<base64 HMAC>` for each secret,
/// space-separated. During a rotation pass the new and the old secret; a
/// receiver accepts the message if any one signature matches.
pub fn sign(
    msg_id: &str,
    timestamp: i64,
    payload: &[u8],
    secrets: &[Secret],
) -> Result<String, SignError> {
    check_message_id(msg_id)?;
    if secrets.is_empty() {
        return Err(SignError::NoSecret);
    }
    let signatures: Vec<String> = secrets
        .iter()
        .map(|s| format!("v1,{}", STANDARD.encode(s.mac(msg_id, timestamp, payload))))
        .collect();
    Ok(signatures.join(" "))
}

/// The id is part of the signed content, delimited by '.', so it must not
/// contain one; it is also sent as a header value.
fn check_message_id(msg_id: &str) -> Result<(), SignError> {
    let ok = !msg_id.is_empty()
        && msg_id.len() <= MAX_MESSAGE_ID_LEN
        && msg_id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'.' && b != b',');
    if ok {
        Ok(())
    } else {
        Err(SignError::MessageId)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("the {0} header is not valid")]
    InvalidHeader(&'static str),
    #[error("the webhook's timestamp is too old")]
    TooOld,
    #[error("the webhook's timestamp is in the future")]
    TooNew,
    #[error("no signature matches")]
    NoMatchingSignature,
}

/// Checks a received webhook as a receiver would: the three headers present,
/// `webhook-timestamp` within `tolerance` of `now` (unix seconds; the spec's
/// is [`TOLERANCE`]), and at least one `v1` signature that matches one of
/// `secrets`, compared in constant time. Signatures of other versions (such as
/// `v1a`) are skipped.
pub fn verify(
    headers: &HeaderMap,
    payload: &[u8],
    secrets: &[Secret],
    now: i64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let msg_id = header(headers, ID_HEADER)?;
    let raw_timestamp = header(headers, TIMESTAMP_HEADER)?;
    let signatures = header(headers, SIGNATURE_HEADER)?;

    // Only the canonical integer form: the signed content is the header as
    // sent, so "0123" and "123" must not verify against the same signature.
    let timestamp: i64 = raw_timestamp
        .parse()
        .ok()
        .filter(|t: &i64| t.to_string() == raw_timestamp)
        .ok_or(VerifyError::InvalidHeader(TIMESTAMP_HEADER))?;
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.saturating_sub(timestamp) > tolerance {
        return Err(VerifyError::TooOld);
    }
    if timestamp.saturating_sub(now) > tolerance {
        return Err(VerifyError::TooNew);
    }

    let expected: Vec<[u8; 32]> = secrets
        .iter()
        .map(|s| s.mac(msg_id, timestamp, payload))
        .collect();
    for entry in signatures.split(' ') {
        let Some(("v1", encoded)) = entry.split_once(',') else {
            continue;
        };
        let Ok(given) = STANDARD.decode(encoded) else {
            continue;
        };
        if expected
            .iter()
            .any(|mac| bool::from(mac.as_slice().ct_eq(&given)))
        {
            return Ok(());
        }
    }
    Err(VerifyError::NoMatchingSignature)
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, VerifyError> {
    headers
        .get(name)
        .ok_or(VerifyError::MissingHeader(name))?
        .to_str()
        .map_err(|_| VerifyError::InvalidHeader(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    /// The official libraries' known answers (standard-webhooks repository:
    /// `libraries/python/tests/test_webhooks.py::test_sign_function` and
    /// `libraries/rust/src/lib.rs::test_sign`).
    const VECTORS: [(&str, &str, i64, &str, &str); 2] = [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
    ];

    fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ID_HEADER, HeaderValue::from_str(id).unwrap());
        h.insert(TIMESTAMP_HEADER, HeaderValue::from_str(timestamp).unwrap());
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        h
    }

    #[test]
    fn official_vectors_sign_and_verify() {
        for (secret, id, ts, payload, expected) in VECTORS {
            let secret = Secret::parse(secret).unwrap();
            let signed = sign(id, ts, payload.as_bytes(), std::slice::from_ref(&secret)).unwrap();
            assert_eq!(signed, expected);
            let h = headers(id, &ts.to_string(), expected);
            assert_eq!(
                verify(&h, payload.as_bytes(), &[secret], ts, TOLERANCE),
                Ok(())
            );
        }
    }

    #[test]
    fn official_bad_signature_does_not_verify() {
        // The Python suite's invalid signature: the known answer with its last
        // character changed.
        let (secret, id, ts, payload, _) = VECTORS[0];
        let h = headers(
            id,
            &ts.to_string(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        );
        let secret = Secret::parse(secret).unwrap();
        assert_eq!(
            verify(&h, payload.as_bytes(), &[secret], ts, TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn rotation_signs_with_every_secret_and_either_verifies() {
        let (old, id, ts, payload, expected_old) = VECTORS[0];
        let old = Secret::parse(old).unwrap();
        let new = Secret::generate();
        let header = sign(id, ts, payload.as_bytes(), &[new.clone(), old.clone()]).unwrap();
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], expected_old);
        let h = headers(id, &ts.to_string(), &header);
        for secret in [old, new] {
            assert_eq!(
                verify(&h, payload.as_bytes(), &[secret], ts, TOLERANCE),
                Ok(())
            );
        }
        assert_eq!(
            verify(&h, payload.as_bytes(), &[Secret::generate()], ts, TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn other_versions_and_garbage_entries_are_skipped() {
        // As in the official multi-signature tests: the valid one among others.
        let (secret, id, ts, payload, expected) = VECTORS[0];
        let secret = Secret::parse(secret).unwrap();
        let valid_as_v2 = expected.replacen("v1,", "v2,", 1);
        let list = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {valid_as_v2} nonsense v1,%%% {expected}"
        );
        let h = headers(id, &ts.to_string(), &list);
        assert_eq!(
            verify(
                &h,
                payload.as_bytes(),
                std::slice::from_ref(&secret),
                ts,
                TOLERANCE
            ),
            Ok(())
        );
        // The valid signature under another version name does not count.
        let h = headers(id, &ts.to_string(), &valid_as_v2);
        assert_eq!(
            verify(&h, payload.as_bytes(), &[secret], ts, TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn timestamp_tolerance_is_five_minutes_either_way() {
        let secret = Secret::generate();
        let (id, payload, now) = ("msg_1", b"{}".as_slice(), 1_700_000_000i64);
        let check = |ts: i64| {
            let sig = sign(id, ts, payload, std::slice::from_ref(&secret)).unwrap();
            verify(
                &headers(id, &ts.to_string(), &sig),
                payload,
                std::slice::from_ref(&secret),
                now,
                TOLERANCE,
            )
        };
        assert_eq!(check(now - 300), Ok(()));
        assert_eq!(check(now + 300), Ok(()));
        assert_eq!(check(now - 301), Err(VerifyError::TooOld));
        assert_eq!(check(now + 301), Err(VerifyError::TooNew));
        assert_eq!(check(i64::MIN), Err(VerifyError::TooOld));
        assert_eq!(check(i64::MAX), Err(VerifyError::TooNew));
    }

    #[test]
    fn missing_or_malformed_headers_are_named() {
        let (secret, id, ts, payload, expected) = VECTORS[0];
        let secret = Secret::parse(secret).unwrap();
        let ts_s = ts.to_string();
        for name in [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            let mut h = headers(id, &ts_s, expected);
            h.remove(name);
            assert_eq!(
                verify(
                    &h,
                    payload.as_bytes(),
                    std::slice::from_ref(&secret),
                    ts,
                    TOLERANCE
                ),
                Err(VerifyError::MissingHeader(name))
            );
        }
        for bad in ["hello", "", "1614265330.0", "01614265330", "+1614265330"] {
            let h = headers(id, bad, expected);
            assert_eq!(
                verify(
                    &h,
                    payload.as_bytes(),
                    std::slice::from_ref(&secret),
                    ts,
                    TOLERANCE
                ),
                Err(VerifyError::InvalidHeader(TIMESTAMP_HEADER)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn secrets_parse_only_whsec_base64_of_24_to_64_bytes() {
        let b64 = |n: usize| STANDARD.encode(vec![7u8; n]);
        assert!(Secret::parse(&format!("whsec_{}", b64(24))).is_ok());
        assert!(Secret::parse(&format!("whsec_{}", b64(64))).is_ok());
        assert_eq!(
            Secret::parse(&format!("whsec_{}", b64(23))).unwrap_err(),
            SecretError::Length
        );
        assert_eq!(
            Secret::parse(&format!("whsec_{}", b64(65))).unwrap_err(),
            SecretError::Length
        );
        assert_eq!(Secret::parse(&b64(32)).unwrap_err(), SecretError::Prefix);
        assert_eq!(
            Secret::parse("whsec_not base64!").unwrap_err(),
            SecretError::Encoding
        );
        // Unpadded base64 is accepted (other implementations write it) and
        // reads as the same key.
        let padded = format!("whsec_{}", b64(25));
        assert!(padded.ends_with('='));
        let unpadded = padded.trim_end_matches('=');
        assert_eq!(Secret::parse(unpadded).unwrap().expose(), padded);
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_ne!(a.expose(), b.expose());
        let again = Secret::parse(&a.expose()).unwrap();
        assert_eq!(again.expose(), a.expose());
        assert_eq!(a.key.len(), GENERATED_SECRET_BYTES);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let secret = Secret::parse(VECTORS[0].0).unwrap();
        let shown = format!("{secret:?} {:?}", vec![secret.clone()]);
        assert!(!shown.contains("MfKQ9r8"), "{shown}");
        assert!(shown.contains("Secret(..)"));
    }

    #[test]
    fn message_ids_that_would_break_the_signed_content_are_refused() {
        let s = [Secret::generate()];
        for bad in ["", "a.b", "a b", "a,b", "é", &"x".repeat(257)] {
            assert_eq!(sign(bad, 1, b"", &s), Err(SignError::MessageId), "{bad:?}");
        }
        assert!(sign("msg_0192-abc_Z", 1, b"", &s).is_ok());
        assert_eq!(sign("msg_1", 1, b"", &[]), Err(SignError::NoSecret));
    }
}
