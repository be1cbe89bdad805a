//! `Idempotency-Key` on every `POST /api/v1/*`: the same key with the same
//! request replays the first response byte for byte (with one side effect);
//! the same key with a different request is 422; a duplicate while the first
//! is still running is 409. Keys belong to the token's organization and are
//! kept 24 hours. A response that is a server error is not kept, so a retry
//! does the work again.
//!
//! "Byte for byte" covers the status, the body and the headers that say what
//! the request did: `Content-Type` and those in [`KEPT_HEADERS`] (e.g. a
//! `201`'s `Location`), kept with the body (migration 19) and sent again in
//! their first order. Headers of the exchange itself are left to the replay:
//! `Date`, `Content-Length`, the request's own `x-request-id`, and whatever
//! layers outside `/api/v1` add; `Retry-After` is not kept either (it counts
//! from the first answer, so repeating it later would be wrong). A response
//! whose kept headers or body are not plain text is not kept, so its key's
//! retry does the work again rather than replay something different. A key
//! kept before migration 19 replays its status, content type and body only.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use services::Services;
use store::{IdempotencyStart, KeptResponse};

use crate::api_v1::Problem;

pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// The largest request body a key covers (the largest any route takes).
const MAX_BODY: usize = services::portal::MANIFEST_MAX_BYTES;
/// The largest response kept for a replay.
const MAX_KEPT: usize = 1 << 20;
/// Response headers a replay repeats (besides `Content-Type`): what the
/// request did and where its result is. Lower case, as `http` names them.
pub const KEPT_HEADERS: &[&str] = &[
    "location",
    "content-location",
    "link",
    "etag",
    "last-modified",
];

/// The kept headers of a response, in order; `None` if one is not plain
/// visible text (it could not be replayed exactly).
fn kept_headers(headers: &header::HeaderMap) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for name in KEPT_HEADERS {
        for v in headers.get_all(*name) {
            out.push(((*name).to_owned(), v.to_str().ok()?.to_owned()));
        }
    }
    Some(out)
}

fn problem(status: StatusCode, slug: &str, title: &str, detail: &str) -> Response {
    Problem::new(status, slug, title)
        .detail(detail)
        .into_response()
}

/// What makes two requests "the same": method, path with query, body.
pub fn request_hash(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method);
    h.update([0]);
    h.update(path_and_query);
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

pub async fn layer(State(s): State<Services>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            return problem(
                StatusCode::BAD_REQUEST,
                "bad-idempotency-key",
                "Bad Idempotency-Key",
                "an Idempotency-Key is 1 to 255 visible ASCII characters",
            );
        }
    };
    // Keys belong to the token's organization; without a valid token the
    // route answers 401 as it always does.
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_owned);
    let Some(principal) = (match bearer {
        Some(b) => s.authenticate_token(&b).await.ok(),
        None => None,
    }) else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request too large",
            &format!("the limit is {MAX_BODY} bytes"),
        );
    };
    // The path as the client sent it (inside `/api/v1` the router sees it
    // without the prefix).
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.clone())
        .unwrap_or_else(|| parts.uri.clone());
    let hash = request_hash(
        parts.method.as_str(),
        uri.path_and_query().map(|p| p.as_str()).unwrap_or(""),
        &bytes,
    );
    let org = s.store.in_org(principal.org);
    let start = match org.idempotency_start(&key, &hash).await {
        Ok(st) => st,
        Err(e) => {
            tracing::error!(error = %e, "idempotency key store failed");
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "something went wrong on our side",
            );
        }
    };
    match start {
        IdempotencyStart::Mismatch => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was used with a different request; use a new key",
        ),
        IdempotencyStart::InProgress => problem(
            StatusCode::CONFLICT,
            "idempotency-key-in-progress",
            "Request in progress",
            "a request with this Idempotency-Key is still being processed; retry later",
        ),
        IdempotencyStart::Replay(kept) => {
            let mut res = Response::new(Body::from(kept.body));
            *res.status_mut() = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
            if let Some(ct) = kept
                .content_type
                .and_then(|c| HeaderValue::from_str(&c).ok())
            {
                res.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            for (name, value) in &kept.headers {
                if let (Ok(n), Ok(v)) = (
                    header::HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    res.headers_mut().append(n, v);
                }
            }
            res.headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
            res
        }
        IdempotencyStart::Fresh => {
            // The handler's Bearer extractor takes the principal from here
            // (one token check, one rate-limit count per request).
            parts.extensions.insert(principal);
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (parts, body) = res.into_parts();
            let body = match axum::body::to_bytes(body, MAX_KEPT).await {
                Ok(b) => b,
                Err(_) => {
                    let _ = org.idempotency_abandon(&key).await;
                    return problem(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                        "something went wrong on our side",
                    );
                }
            };
            let text = String::from_utf8(body.to_vec()).ok();
            let headers = kept_headers(&parts.headers);
            let outcome = match (parts.status.is_server_error(), text, headers) {
                (false, Some(text), Some(headers)) => {
                    org.idempotency_finish(
                        &key,
                        &KeptResponse {
                            status: parts.status.as_u16(),
                            content_type: parts
                                .headers
                                .get(header::CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned),
                            headers,
                            body: text,
                        },
                    )
                    .await
                }
                _ => org.idempotency_abandon(&key).await,
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "cannot keep the response of an idempotent request");
            }
            Response::from_parts(parts, Body::from(body))
        }
    }
}
