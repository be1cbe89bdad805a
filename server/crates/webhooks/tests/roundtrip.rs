//! Property: what `sign` produces, `verify` accepts; any tampering fails.

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use webhooks::{
    ID_HEADER, SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, TOLERANCE, VerifyError, sign, verify,
};

fn headers(id: &str, timestamp: i64, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(ID_HEADER, HeaderValue::from_str(id).unwrap());
    h.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
    h.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    h
}

fn secret(bytes: &[u8]) -> Secret {
    use base64::Engine as _;
    Secret::parse(&format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_round_trips_and_tampering_fails(
        id in "[A-Za-z0-9_:-]{1,64}",
        timestamp in 0i64..4_000_000_000,
        payload in proptest::collection::vec(any::<u8>(), 0..512),
        key in proptest::collection::vec(any::<u8>(), 24..=64),
        other_key in proptest::collection::vec(any::<u8>(), 24..=64),
        flip in any::<proptest::sample::Index>(),
        bit in 0u8..8,
        skew in -300i64..=300,
    ) {
        let s = secret(&key);
        let signature = sign(&id, timestamp, &payload, std::slice::from_ref(&s)).unwrap();
        let now = timestamp + skew;
        let ok = |h: &HeaderMap, p: &[u8], secrets: &[Secret]| verify(h, p, secrets, now, TOLERANCE);

        prop_assert_eq!(ok(&headers(&id, timestamp, &signature), &payload, std::slice::from_ref(&s)), Ok(()));

        // A changed payload (one bit, or one byte more).
        if !payload.is_empty() {
            let mut tampered = payload.clone();
            tampered[flip.index(payload.len())] ^= 1 << bit;
            prop_assert_eq!(
                ok(&headers(&id, timestamp, &signature), &tampered, std::slice::from_ref(&s)),
                Err(VerifyError::NoMatchingSignature)
            );
        }
        let mut longer = payload.clone();
        longer.push(b' ');
        prop_assert_eq!(
            ok(&headers(&id, timestamp, &signature), &longer, std::slice::from_ref(&s)),
            Err(VerifyError::NoMatchingSignature)
        );

        // A changed id or timestamp.
        let other_id = format!("{id}x");
        prop_assert_eq!(
            ok(&headers(&other_id, timestamp, &signature), &payload, std::slice::from_ref(&s)),
            Err(VerifyError::NoMatchingSignature)
        );
        let shifted = if skew >= 0 { timestamp + 1 } else { timestamp - 1 };
        prop_assert_eq!(
            ok(&headers(&id, shifted, &signature), &payload, std::slice::from_ref(&s)),
            Err(VerifyError::NoMatchingSignature)
        );

        // A changed signature: any one bit of the MAC.
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut mac = b64.decode(&signature[3..]).unwrap();
        let at = flip.index(mac.len());
        mac[at] ^= 1 << bit;
        let forged = format!("v1,{}", b64.encode(&mac));
        prop_assert_eq!(
            ok(&headers(&id, timestamp, &forged), &payload, std::slice::from_ref(&s)),
            Err(VerifyError::NoMatchingSignature)
        );

        // Another key.
        if other_key != key {
            prop_assert_eq!(
                ok(&headers(&id, timestamp, &signature), &payload, &[secret(&other_key)]),
                Err(VerifyError::NoMatchingSignature)
            );
        }
    }
}
