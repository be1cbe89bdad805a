//! `POST /api/v1/authorize` by its own way in.
//!
//! A gateway asks before every tool call an agent makes, so this one route
//! skips what every other request pays for: the page router and the nested
//! API router, the boxed middleware layers around them and tower-http's
//! trace and request-id layers. What those layers give every route, it does
//! inline, the same way:
//!
//! - a request id: the caller's `x-request-id`, or a new UUID, set on the
//!   request (a problem's `instance`) and echoed on the response;
//! - the body cap (413 as problem+json for a declared length over it; a
//!   body that runs over it is cut off);
//! - the request span (`request_id`, `method`, `route`) and the finish log
//!   line with status and latency, at the levels the trace layer uses;
//! - the request metrics, under the route template `/api/v1/authorize`.
//!
//! The handler itself is the router's (`api_v1::authorize`, through axum's
//! extractors), so its answers, errors and authorization are the same either
//! way. A request with an `Idempotency-Key` goes the general way: the layer
//! that keeps responses for replay lives there. So does every other request.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use futures::future::Either;
use services::Services;
use tower::Service;
use tracing::Instrument;

use crate::observability;

/// The route this module serves.
pub const ROUTE: &str = "/api/v1/authorize";
/// The largest body the permission check reads (the general cap).
const BODY_LIMIT: usize = crate::http::BODY_LIMIT;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole server: the permission check's way in, and the router for
/// everything else.
#[derive(Clone)]
pub struct Steward {
    services: Services,
    router: Router,
}

impl Steward {
    pub fn new(services: Services, router: Router) -> Self {
        Steward { services, router }
    }
}

/// Whether `req` takes the short way.
fn is_hot(req: &Request) -> bool {
    req.method() == Method::POST
        && req.uri().path() == ROUTE
        && !req.headers().contains_key(crate::idempotency::HEADER)
}

type HotFuture = Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

impl Service<Request> for Steward {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<HotFuture, <Router as Service<Request>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if is_hot(&req) {
            Either::Left(Box::pin(authorize(self.services.clone(), req)))
        } else {
            Either::Right(self.router.call(req))
        }
    }
}

async fn authorize(services: Services, mut req: Request) -> Result<Response, Infallible> {
    let start = Instant::now();
    let id = match req.headers().get(&REQUEST_ID) {
        Some(id) => id.clone(),
        None => {
            let id = HeaderValue::from_str(
                uuid::Uuid::new_v4()
                    .hyphenated()
                    .encode_lower(&mut uuid::Uuid::encode_buffer()),
            )
            .expect("a UUID is a valid header value");
            req.headers_mut().insert(REQUEST_ID.clone(), id.clone());
            id
        }
    };
    let span = tracing::info_span!(
        "request",
        request_id = %id.to_str().unwrap_or("-"),
        method = %Method::POST,
        route = %ROUTE,
    );
    let mut res = async move {
        let res = answer(services, req).await;
        let latency = start.elapsed().as_micros();
        tracing::info!(
            latency = %format_args!("{latency} μs"),
            status = res.status().as_u16(),
            "finished processing request"
        );
        if res.status().is_server_error() {
            tracing::error!(
                classification = %format_args!("Status code: {}", res.status()),
                latency = %format_args!("{latency} μs"),
                "response failed"
            );
        }
        res
    }
    .instrument(span)
    .await;
    observability::record("POST", ROUTE, res.status().as_u16(), start.elapsed());
    res.headers_mut().insert(REQUEST_ID.clone(), id);
    Ok(res)
}

async fn answer(services: Services, req: Request) -> Response {
    match crate::http::cap_body(req, BODY_LIMIT) {
        Ok(req) => Handler::<_, Services>::call(crate::api_v1::authorize, req, services).await,
        Err(refused) => *refused,
    }
}
