//! The HTTP server: pages (Leptos SSR + hydration), server functions, `/api/v1`,
//! health, readiness and metrics.

use std::path::Path;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::{App, shell};
use services::Services;

use crate::api_v1::{self, Problem};
use crate::hot_path::Steward;
use crate::observability;

/// Largest request body accepted anywhere but the manifest uploads.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Largest body of a manifest upload: the manifest limit, with room for a
/// pasted document's form encoding (the service checks the decoded size).
pub const UPLOAD_BODY_LIMIT: usize = 3 * services::portal::MANIFEST_MAX_BYTES;

/// The routes that take a manifest.
fn is_upload(path: &str) -> bool {
    matches!(path, "/api/create_version" | "/api/add_document")
        || (path.starts_with("/api/v1/listings/") && path.ends_with("/versions"))
}

/// Caps every request body: a declared length over the cap is refused before
/// reading (413, problem+json), and a body that runs over it is cut off.
async fn limit_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = if is_upload(req.uri().path()) {
        UPLOAD_BODY_LIMIT
    } else {
        BODY_LIMIT
    };
    match cap_body(req, limit) {
        Ok(req) => next.run(req).await,
        Err(refused) => *refused,
    }
}

/// `req` with its body cut off past `limit`, or the 413 answer when its
/// declared length is over it (also `hot_path`'s cap).
pub(crate) fn cap_body(
    req: axum::extract::Request,
    limit: usize,
) -> Result<axum::extract::Request, Box<axum::response::Response>> {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Box::new(
            Problem::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
            )
            .detail(format!("The limit is {limit} bytes."))
            .into_response(),
        ));
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    Ok(axum::extract::Request::from_parts(parts, body))
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub metrics: PrometheusHandle,
    /// Cookies only over https (set when Steward is served over https).
    pub secure_cookies: bool,
    /// Where people reach Steward (for OIDC redirect URIs).
    pub public_url: String,
    /// Configured OpenID Connect providers.
    pub oidc: std::sync::Arc<Vec<crate::oidc::Provider>>,
}

/// A session ends after this long without a request (and, whatever happens,
/// seven days after sign-in: see `app::auth::session`).
pub const SESSION_IDLE: time::Duration = time::Duration::hours(12);

pub fn leptos_options(site_root: &Path, addr: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("steward")
        .site_root(site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

/// The whole application as one router.
/// The whole server: the runtime permission check's own way in
/// (`hot_path`), and [`router`] for everything else.
pub fn app(state: AppState) -> Steward {
    Steward::new(state.services.clone(), router(state))
}

/// Every route, with the layers they share.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let services = state.services.clone();
        let providers = app::auth::ExternalProviders(
            state
                .oidc
                .iter()
                .map(|p| (p.name.clone(), p.label.clone()))
                .collect(),
        );
        move || {
            provide_context(services.clone());
            provide_context(providers.clone());
        }
    };
    let request_id = HeaderName::from_static("x-request-id");
    let sessions = SessionManagerLayer::new(state.services.store.session_store())
        .with_name("steward_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/auth/oidc/{name}/start", get(crate::oidc::start))
        .route("/auth/oidc/{name}/callback", get(crate::oidc::callback))
        .route(
            "/console/audit/export.jsonl",
            get(crate::audit_export::export),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        // Cookies and the cross-site guard are for the browser routes above.
        // `/api/v1`, added after these layers, is outside them: a bearer token
        // is its only authority, and a gateway's call per tool use should not
        // pay for a session it never has.
        .layer(sessions)
        .layer(axum::middleware::from_fn(crate::guard::refuse_cross_site))
        .nest("/api/v1", api_v1::router(state.services.clone()))
        .with_state(state)
        .layer(axum::middleware::from_fn(observability::track))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::extract::Request| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %req.method(),
                        route = %observability::route_label(req),
                    )
                })
                .on_request(())
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({"status": "ok"}))
}

async fn readyz(State(s): State<Services>) -> Response {
    match tokio::time::timeout(Duration::from_secs(3), s.ready()).await {
        Ok(Ok(true)) => Json(serde_json::json!({"status": "ready"})).into_response(),
        Ok(Ok(false)) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready")
            .detail("The database has pending migrations, or evidence storage is unreachable.")
            .into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready")
                .detail("The database is unreachable.")
                .into_response()
        }
        Err(_) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready")
            .detail("The readiness check timed out.")
            .into_response(),
    }
}

async fn metrics(State(h): State<PrometheusHandle>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        h.render(),
    )
        .into_response()
}

/// Accepts connections until `shutdown` resolves. TCP_NODELAY is set on every
/// socket: without it, responses written in two parts stall ~40 ms (measured).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Steward,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            std::net::SocketAddr,
        >(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
