//! Outbound webhooks per [Standard Webhooks] v1: signing, one guarded delivery
//! attempt, and the retry schedule. UI-free and store-free: the outbox
//! dispatcher calls it and records what happened.
//!
//! # What a receiver gets
//!
//! A `POST` of the payload (JSON; [`envelope`] builds the spec's recommended
//! `{"type", "timestamp", "data"}` shape) with three headers:
//!
//! - `webhook-id`: the message id. The same on every attempt at one event, so
//!   receivers can deduplicate; it must not contain `.`.
//! - `webhook-timestamp`: this attempt's time, integer unix seconds.
//!   Receivers refuse timestamps more than [`TOLERANCE`] (5 minutes) away
//!   from their clock, so it is set when the attempt is made, not when the
//!   event happened.
//! - `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
//!   `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the endpoint's
//!   [`Secret`] (`whsec_` + base64 of 24 to 64 random bytes). During a secret
//!   rotation the dispatcher passes both secrets and the header carries both
//!   signatures, space-separated; receivers accept either.
//!
//! [`verify`] is the receiving side (constant-time comparison, timestamp
//! tolerance), for tests and for anyone embedding a receiver.
//!
//! # What the dispatcher does with an [`Outcome`]
//!
//! [`Delivery::deliver`] makes one attempt and never returns an error: every
//! ending is an `Outcome`, and [`RetryPolicy::decide`] turns it into a
//! [`Decision`]:
//!
//! - `Delivered { status }` (2xx): mark the event delivered to this endpoint.
//! - `Retry { failure, retry_after }` (any other status, 3xx included since
//!   redirects are never followed; a timeout; no connection): record the
//!   failure and release the lease until the next attempt is due: the
//!   receiver's `Retry-After` (seconds or HTTP-date) if it sent one, else
//!   exponential backoff with full jitter, both at most the policy's cap.
//!   When the attempt limit is reached, park the event as dead.
//! - `Gone` (410): disable the endpoint; do not retry this event nor deliver
//!   others to it until its owner enables it again.
//! - `Refused(refusal)`: nothing was sent. The URL is not `https` (or `http`
//!   where allowed), carries credentials, or its host is or resolves to a
//!   private, loopback, link-local, unique-local, multicast, unspecified or
//!   otherwise reserved address (IPv4, IPv6 and IPv4 embedded in IPv6, the
//!   policy of [`mcp_remote::is_private`]). The check is made at delivery
//!   time, on every attempt, and the connection is pinned to the addresses
//!   checked, so a name re-pointed after the endpoint was saved cannot reach
//!   inside. Park the event as dead, with the refusal's message.
//!
//! Attempts are numbered from 1; the dispatcher keeps the count with the
//! outbox row and passes it to `decide`. Messages of [`Failure`] and
//! [`Refusal`] are safe to show to the endpoint's owner: they name the host
//! as written in the URL and the cause, never addresses or secrets.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

mod delivery;
mod retry;
mod signature;

pub use delivery::{Delivery, DeliveryConfig, Failure, Message, Outcome, Refusal};
pub use retry::{Decision, RetryPolicy, parse_retry_after};
pub use signature::{
    ID_HEADER, MAX_SECRET_BYTES, MIN_SECRET_BYTES, SECRET_PREFIX, SIGNATURE_HEADER, Secret,
    SecretError, SignError, TIMESTAMP_HEADER, TOLERANCE, VerifyError, sign, verify,
};

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("an event type is one or more names of letters, digits and '_', separated by '.'")]
    EventType,
    #[error("the event's time cannot be written as RFC 3339")]
    Timestamp,
}

/// The spec's recommended payload: `{"type": event_type, "timestamp":
/// occurred_at (RFC 3339, UTC), "data": data}`, minified. `occurred_at` is
/// when the event happened, which stays the same across attempts (unlike the
/// `webhook-timestamp` header).
pub fn envelope(
    event_type: &str,
    occurred_at: OffsetDateTime,
    data: &Value,
) -> Result<Vec<u8>, EnvelopeError> {
    let valid_type = event_type.split('.').all(|name| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if !valid_type {
        return Err(EnvelopeError::EventType);
    }
    let timestamp = occurred_at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|_| EnvelopeError::Timestamp)?;
    // A struct, not `json!`: its field order is fixed whether or not
    // serde_json's `preserve_order` is on in this build.
    #[derive(Serialize)]
    struct Envelope<'a> {
        r#type: &'a str,
        timestamp: String,
        data: &'a Value,
    }
    let body = Envelope {
        r#type: event_type,
        timestamp,
        data,
    };
    Ok(serde_json::to_vec(&body).expect("a JSON value serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn envelope_is_the_specs_shape_in_its_order() {
        let body = envelope(
            "listing.version_published",
            datetime!(2022-11-03 21:26:10.344522 +01:00),
            &json!({"id": "v1"}),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"type":"listing.version_published","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"v1"}}"#
        );
    }

    #[test]
    fn envelope_refuses_event_types_outside_the_recommended_form() {
        let at = datetime!(2022-11-03 20:26:10 UTC);
        for bad in ["", ".a", "a.", "a..b", "a-b", "a b", "ä"] {
            assert_eq!(
                envelope(bad, at, &Value::Null),
                Err(EnvelopeError::EventType),
                "{bad:?}"
            );
        }
        assert!(envelope("user_2.created", at, &Value::Null).is_ok());
    }
}
