//! `/api/v1`: the HTTP API for integrations. Errors are RFC 9457
//! `application/problem+json`.

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use services::{ServiceError, Services};

/// An RFC 9457 problem (`application/problem+json`): every error on `/api/v1`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// What kind of problem: `https://steward.dev/problems/{slug}`.
    #[serde(rename = "type")]
    #[schema(example = "https://steward.dev/problems/not-found")]
    pub kind: String,
    /// A short summary of the kind of problem.
    #[schema(example = "Not found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599, example = 404)]
    pub status: u16,
    /// What went wrong this time, in words safe to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub detail: Option<String>,
    /// The request id, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub instance: Option<String>,
    /// Field-level problems (extension member), for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldProblem>,
}

/// One field that needs attention.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field (body member or query parameter) by name.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Problem {
        Problem {
            kind: format!("https://steward.dev/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            errors: Vec::new(),
        }
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    pub fn not_found() -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(&self)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

/// A service error as a problem; internal causes go to the log only.
pub struct ApiError(pub ServiceError, pub Option<String>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut p = match self.0 {
            ServiceError::NotFound => Problem::not_found(),
            ServiceError::Forbidden => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden")
            }
            ServiceError::Invalid(m) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Invalid request",
            )
            .detail(m),
            ServiceError::InvalidFields(fields) => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    "Invalid request",
                )
                .detail(
                    fields
                        .first()
                        .map(|(f, m)| format!("{f}: {m}"))
                        .unwrap_or_default(),
                );
                p.errors = fields
                    .into_iter()
                    .map(|(field, message)| FieldProblem { field, message })
                    .collect();
                p
            }
            ServiceError::TooLarge { limit } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
            )
            .detail(format!("The limit is {limit} bytes.")),
            ServiceError::Conflict(m) => {
                Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(m)
            }
            ServiceError::Unauthorized => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
            }
            ServiceError::RateLimited { retry_after_secs } => {
                let mut p = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests",
                )
                .detail(format!("Try again in {retry_after_secs} seconds."));
                p.instance = self.1;
                let mut res = p.into_response();
                if let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return res;
            }
            ServiceError::Internal(cause) => {
                tracing::error!(request_id = ?self.1, error = %cause, "api request failed");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                )
                .detail("Something went wrong on our side; quote the instance id to support.")
            }
        };
        p.instance = self.1;
        p.into_response()
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The request's id (set by the request-id layer), for an error body's
/// `instance`: what every handler takes instead of the whole `HeaderMap`.
pub struct RequestId(Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestId(request_id(&parts.headers)))
    }
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: public marketplace data only.
    Public,
    /// An organization's API token (any scope); data of that organization only.
    Token,
}

/// Every `/api/v1` route: the router is built from this table, and the
/// tenant-boundary tests walk it, so no route can exist without being tested.
pub fn routes() -> Vec<(&'static str, Method, Access, MethodRouter<Services>)> {
    vec![
        ("/listings", Method::GET, Access::Public, get(list_listings)),
        (
            "/listings/{slug}",
            Method::GET,
            Access::Public,
            get(get_listing),
        ),
        ("/whoami", Method::GET, Access::Token, get(whoami)),
        (
            "/openapi.json",
            Method::GET,
            Access::Public,
            get(crate::openapi::document),
        ),
        ("/authorize", Method::POST, Access::Token, post(authorize)),
        ("/events", Method::GET, Access::Token, get(events)),
        (
            "/listings/{slug}/versions",
            Method::POST,
            Access::Token,
            post(create_version).layer(axum::extract::DefaultBodyLimit::max(
                services::portal::MANIFEST_MAX_BYTES,
            )),
        ),
    ]
}

pub fn router<S: Clone + Send + Sync + 'static>(services: Services) -> Router<S> {
    let mut router = Router::new();
    for (path, _, _, handler) in routes() {
        router = router.route(path, handler);
    }
    router
        .layer(axum::middleware::from_fn_with_state(
            services.clone(),
            crate::idempotency::layer,
        ))
        .fallback(|| async { Problem::not_found().detail("No such API route.") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            )
        })
        .with_state(services)
}

/// A request authenticated by an organization's API token
/// (`Authorization: Bearer stw_…`).
pub struct Bearer(pub services::TokenPrincipal);

impl axum::extract::FromRequestParts<Services> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &Services,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            let mut r = Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
                .detail("Send an API token: Authorization: Bearer stw_…")
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            r
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let Some(token) = token else {
            return Err(unauthorized());
        };
        // Already checked by the Idempotency-Key layer.
        if let Some(p) = parts.extensions.get::<services::TokenPrincipal>() {
            return Ok(Bearer(p.clone()));
        }
        match s.authenticate_token(token).await {
            Ok(p) => Ok(Bearer(p)),
            Err(ServiceError::Unauthorized) => Err(unauthorized()),
            Err(e) => Err(ApiError(e, request_id(&parts.headers)).into_response()),
        }
    }
}

/// The token a request presented.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WhoAmI {
    /// The token's id.
    token_id: String,
    /// Its organization's short name.
    organization: String,
    /// What it may do.
    #[schema(schema_with = crate::openapi::token_scopes)]
    scopes: Vec<&'static str>,
}

/// What the presented token is: its organization and scopes.
#[utoipa::path(
    get,
    path = "/whoami",
    tag = "tokens",
    operation_id = "whoami",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token's organization and scopes.", body = WhoAmI),
        (status = 401, description = "No token, or not a valid one.", body = Problem,
            content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 429, description = "The token's rate limit is spent.", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub(crate) async fn whoami(
    State(s): State<Services>,
    RequestId(rid): RequestId,
    Bearer(t): Bearer,
) -> Result<Json<WhoAmI>, ApiError> {
    let org = s
        .store
        .org_by_id(t.org)
        .await
        .map_err(|e| ApiError(e.into(), rid.clone()))?
        .ok_or_else(|| ApiError(ServiceError::NotFound, rid.clone()))?;
    Ok(Json(WhoAmI {
        token_id: t.id.to_string(),
        organization: org.slug,
        scopes: t.scopes.iter().map(|s| s.as_str()).collect(),
    }))
}

/// `POST /api/v1/authorize`: what a gateway asks before each tool call.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorizeBody {
    /// The install the call is made through (give this or `agent_id`).
    #[serde(default)]
    install_id: Option<String>,
    /// The agent's listing id (give this or `install_id`).
    #[serde(default)]
    agent_id: Option<String>,
    /// The tenant (id or short name): required with a gateway token.
    #[serde(default)]
    tenant: Option<String>,
    /// The tool the agent is about to call (1 to 200 characters).
    tool: String,
    /// The scopes the call needs (at most 100).
    #[serde(default)]
    scopes: Vec<String>,
    /// Free-form call context (kept out of the decision for now).
    #[serde(default)]
    #[allow(dead_code)]
    context: Option<serde_json::Value>,
}

/// A runtime permission decision.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuthorizeAnswer<'a> {
    #[schema(schema_with = crate::openapi::decision)]
    decision: &'static str,
    /// Why, as a stable code (`granted` for an allow).
    #[schema(schema_with = crate::openapi::decision_reason)]
    reason: &'static str,
    /// The reason in a sentence safe to show the caller.
    message: &'static str,
    /// The version of the policy the decision was made under.
    policy_version: &'a str,
    /// An id for the gateway's logs (and for reporting abuse).
    decision_id: &'a str,
}

/// Decides one tool call: may this tenant's installed agent call this tool
/// with these scopes now? A tenant's token (scope `authorize`) asks about its
/// own installs; a gateway (an operator's token) names the tenant.
#[utoipa::path(
    post,
    path = "/authorize",
    tag = "decisions",
    operation_id = "authorize",
    security(("bearer" = [])),
    params(crate::openapi::IdempotencyKey),
    request_body(content = AuthorizeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The decision (an allow or a deny).", body = AuthorizeAnswer,
            headers(("Idempotent-Replayed" = String, description = "`true` on a replayed response."))),
        (status = 400, description = "The body is not the JSON object described, or a bad `Idempotency-Key`.",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one.", body = Problem,
            content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The token lacks the `authorize` scope, names another tenant, or is a publisher's.",
            body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this `Idempotency-Key` is still running.",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the size limit.", body = Problem,
            content_type = "application/problem+json"),
        (status = 415, description = "The body is not sent as `application/json`.", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (listed in `errors`), or an `Idempotency-Key` reused with another request.",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The token's rate limit is spent.", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub(crate) async fn authorize(
    State(s): State<Services>,
    RequestId(request_id): RequestId,
    Bearer(t): Bearer,
    body: Result<Json<AuthorizeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Response> {
    let Json(b) = body.map_err(|e| {
        if let axum::extract::rejection::JsonRejection::MissingJsonContentType(_) = e {
            return Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            )
            .detail("send the body as JSON, with Content-Type: application/json")
            .into_response();
        }
        Problem::new(StatusCode::BAD_REQUEST, "bad-body", "Bad request body")
            .detail(format!(
                "send JSON: {{\"install_id\" or \"agent_id\", \"tool\", \"scopes\"?, \"tenant\"?}} ({})",
                e.body_text()
            ))
            .into_response()
    })?;
    let out = s
        .authorize(
            &services::Actor::Token(t),
            &services::authorize::AuthorizeRequest {
                install_id: b.install_id,
                agent_id: b.agent_id,
                tenant: b.tenant,
                tool: b.tool,
                scopes: b.scopes,
            },
        )
        .await
        .map_err(|e| ApiError(e, request_id).into_response())?;
    Ok(Json(AuthorizeAnswer {
        decision: if out.decision.allow { "allow" } else { "deny" },
        reason: out.decision.reason.code(),
        message: out.decision.reason.message(),
        policy_version: &out.decision.policy_version,
        decision_id: &out.decision_id,
    })
    .into_response())
}

/// The catalog page's query string (`services::CatalogParams`). A blank
/// value is no filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListingsQuery {
    /// Full-text search over name, publisher, description and tool names.
    #[param(max_length = 200)]
    q: Option<String>,
    /// A category's short name.
    #[param(schema_with = crate::openapi::category)]
    category: Option<String>,
    /// The highest risk tier shown.
    #[param(schema_with = crate::openapi::risk_tier)]
    risk: Option<String>,
    /// Only listings with this capability.
    #[param(schema_with = crate::openapi::capability)]
    capability: Option<String>,
    /// Only listings without this capability.
    #[param(schema_with = crate::openapi::capability)]
    without: Option<String>,
    /// Only verified publishers (`true`, `1`, `on`; `false`, `0`, `off`).
    #[param(schema_with = crate::openapi::flag)]
    verified: Option<String>,
    /// `free`, `paid`, or a plan kind.
    #[param(schema_with = crate::openapi::pricing)]
    pricing: Option<String>,
    /// `relevance` (the default with `q`), `newest` (without), `name`.
    #[param(schema_with = crate::openapi::sort)]
    sort: Option<String>,
    /// The page, from 1.
    #[param(schema_with = crate::openapi::page)]
    page: Option<String>,
}

/// A published listing as the catalog shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ListingSummary {
    slug: String,
    name: String,
    summary: String,
    /// The category's short name.
    category: String,
    /// The publisher's name.
    publisher: String,
    publisher_verified: bool,
    /// The live (latest published) version.
    version: String,
    tool_count: u64,
    /// When the live version was published (unix milliseconds).
    published_at_ms: i64,
    /// The live version's overall risk tier.
    #[schema(schema_with = crate::openapi::risk_tier)]
    risk: String,
    /// Its pricing models (plan kinds; `free` when it has no plan).
    pricing: Vec<String>,
}

/// One page of the catalog, as a JSON array; `X-Total-Count` (counted up to
/// 1000; `X-Total-Count-Capped: true` when there are more) and a `Link`
/// header with `next`/`prev` pages. Pages go as far as the count: the last is
/// 42 (the first 1,008 matches). Invalid filter values are a 400 problem
/// naming the fields.
#[utoipa::path(
    get,
    path = "/listings",
    tag = "catalog",
    operation_id = "list_listings",
    params(ListingsQuery),
    responses(
        (status = 200, description = "One page of published listings (24 a page).", body = [ListingSummary],
            headers(
                ("X-Total-Count" = u64, description = "How many listings match (counted up to 1,000)."),
                ("X-Total-Count-Capped" = String, description = "`true` when more than that match."),
                ("Link" = String, description = "The `next` and `prev` pages, when there are."),
            )),
        (status = 400, description = "A filter value that is not one of those listed (each named in `errors`).",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`q` is over 200 characters.", body = Problem,
            content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_listings(
    State(s): State<Services>,
    RequestId(rid): RequestId,
    query: Result<Query<ListingsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Response> {
    let Query(q) = query.map_err(|e| {
        Problem::new(StatusCode::BAD_REQUEST, "bad-query", "Bad query string")
            .detail(e.body_text())
            .into_response()
    })?;
    if q.q.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "Invalid request",
        )
        .detail("q: at most 200 characters")
        .into_response());
    }
    let params = services::CatalogParams {
        q: q.q,
        category: q.category,
        risk: q.risk,
        capability: q.capability,
        without: q.without,
        verified: q.verified,
        pricing: q.pricing,
        sort: q.sort,
        page: q.page,
    };
    let page = s.search_catalog(&params).await.map_err(|e| match e {
        ServiceError::InvalidFields(fields) => {
            let mut p = Problem::new(StatusCode::BAD_REQUEST, "bad-query", "Bad query string")
                .detail(
                    fields
                        .first()
                        .map(|(f, m)| format!("{f}: {m}"))
                        .unwrap_or_default(),
                );
            p.errors = fields
                .into_iter()
                .map(|(field, message)| FieldProblem { field, message })
                .collect();
            p.instance = rid.clone();
            p.into_response()
        }
        e => ApiError(e, rid.clone()).into_response(),
    })?;
    let link = |n: u32, rel: &str| {
        let mut qs = form_urlencoded(&params, n);
        qs.insert_str(0, "</api/v1/listings?");
        format!("{qs}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if page.page > 1 {
        links.push(link(page.page - 1, "prev"));
    }
    if page.has_next {
        links.push(link(page.page + 1, "next"));
    }
    let body: Vec<ListingSummary> = page
        .hits
        .into_iter()
        .map(|e| ListingSummary {
            slug: e.slug,
            name: e.name,
            summary: e.summary,
            category: e.category,
            publisher: e.publisher_name,
            publisher_verified: e.publisher_verified,
            version: e.version,
            tool_count: e.tool_count,
            published_at_ms: e.published_at,
            risk: e.risk,
            pricing: e.pricing,
        })
        .collect();
    let mut res = Json(body).into_response();
    let h = res.headers_mut();
    h.insert("x-total-count", header::HeaderValue::from(page.total));
    if page.total_capped {
        h.insert(
            "x-total-count-capped",
            header::HeaderValue::from_static("true"),
        );
    }
    if !links.is_empty()
        && let Ok(v) = header::HeaderValue::from_str(&links.join(", "))
    {
        h.insert(header::LINK, v);
    }
    Ok(res)
}

/// The query string of a search at `page`, percent-encoded.
fn form_urlencoded(p: &services::CatalogParams, page: u32) -> String {
    let enc = |v: &str| {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let mut parts: Vec<String> = [
        ("q", &p.q),
        ("category", &p.category),
        ("risk", &p.risk),
        ("capability", &p.capability),
        ("without", &p.without),
        ("verified", &p.verified),
        ("pricing", &p.pricing),
        ("sort", &p.sort),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| format!("{k}={}", enc(v)))
    })
    .collect();
    parts.push(format!("page={page}"));
    parts.join("&")
}

/// A published listing and its live version's tools.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ListingDetail {
    slug: String,
    name: String,
    summary: String,
    description: String,
    /// The category's short name.
    category: String,
    /// The publisher's name.
    publisher: String,
    /// The live (latest published) version.
    version: String,
    /// The sha256 of the live version's normalized manifest.
    manifest_sha256: Option<String>,
    tools: Vec<ToolDetail>,
}

/// One tool of a version.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ToolDetail {
    name: String,
    description: String,
    /// What the publisher declared about it (annotations, in plain words).
    declared: Vec<&'static str>,
}

/// A published listing by its short name.
#[utoipa::path(
    get,
    path = "/listings/{slug}",
    tag = "catalog",
    operation_id = "get_listing",
    params(("slug" = String, Path, description = "The listing's short name.")),
    responses(
        (status = 200, description = "The listing.", body = ListingDetail),
        (status = 404, description = "No published listing by that name.", body = Problem,
            content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_listing(
    State(s): State<Services>,
    RequestId(rid): RequestId,
    Path(slug): Path<String>,
) -> Result<Json<ListingDetail>, ApiError> {
    let page = s
        .listing_page(&slug)
        .await
        .map_err(|e| ApiError(e, rid.clone()))?;
    Ok(Json(ListingDetail {
        slug: page.listing.slug,
        name: page.listing.name,
        summary: page.listing.summary,
        description: page.listing.description,
        category: page.listing.category,
        publisher: page.publisher.name,
        version: page.live.version,
        manifest_sha256: page.live.manifest_digest,
        tools: page
            .tools
            .into_iter()
            .map(|t| ToolDetail {
                name: t.name,
                description: t.description,
                declared: t.declared,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NewVersionQuery {
    /// The new version's number (semver, greater than the newest).
    #[param(required = true, example = "1.2.3")]
    version: Option<String>,
    /// The manifest's format; told from the content when left out.
    #[param(schema_with = crate::openapi::manifest_format)]
    format: Option<String>,
    /// Read the tools from this remote MCP server instead of a body.
    url: Option<String>,
    /// Submit the version for review at once.
    #[serde(default)]
    submit: bool,
}

/// A version just created.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedVersion {
    id: String,
    /// The listing's short name.
    listing: String,
    version: String,
    /// `draft`, or `submitted` with `?submit=true`.
    status: &'static str,
    /// How many tools the manifest has.
    tools: usize,
    /// The sha256 of the normalized manifest.
    manifest_digest: Option<String>,
    /// The version's page in the publisher portal (also `Location`).
    url: String,
}

fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidFields(vec![(field.to_owned(), message.into())])
}

/// Creates a version of one of the token's organization's listings from the
/// manifest in the body (server.json, tools/list or OpenAPI; JSON or YAML), or
/// from a remote MCP server named by `?url=`. `?version=` is required;
/// `?format=` is optional (told from the content); `?submit=true` submits it.
#[utoipa::path(
    post,
    path = "/listings/{slug}/versions",
    tag = "publishing",
    operation_id = "create_version",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "One of the token's organization's listings, by short name."),
        NewVersionQuery,
        crate::openapi::IdempotencyKey,
    ),
    request_body(
        description = "The manifest: an MCP `server.json`, a `tools/list` result or an OpenAPI document, as JSON or YAML (at most 2 MiB). Empty with `?url=`.",
        content(
            (serde_json::Value = "application/json", example = json!({
                "tools": [{
                    "name": "read_page",
                    "description": "Reads a web page and returns its text.",
                    "inputSchema": {"type": "object", "properties": {"url": {"type": "string"}}}
                }]
            })),
            (String = "application/yaml"),
        ),
    ),
    responses(
        (status = 201, description = "The version, created.", body = CreatedVersion,
            headers(
                ("Location" = String, description = "The version's page in the publisher portal."),
                ("Idempotent-Replayed" = String, description = "`true` on a replayed response."),
            )),
        (status = 400, description = "A bad `Idempotency-Key`.", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one.", body = Problem,
            content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The token lacks the `listings:write` scope.", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "The token's organization has no listing by that name (or is not a publisher).",
            body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this `Idempotency-Key` is still running, or a concurrent change won.",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The manifest is over the size limit.", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Invalid version, format, URL or manifest (fields in `errors`), or an `Idempotency-Key` reused with another request.",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The token's rate limit is spent.", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub(crate) async fn create_version(
    State(s): State<Services>,
    headers: HeaderMap,
    Bearer(t): Bearer,
    Path(slug): Path<String>,
    query: Result<Query<NewVersionQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<bytes::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let rid = request_id(&headers);
    let fail = |e: ServiceError| ApiError(e, rid.clone());
    let Query(q) = query.map_err(|e| fail(ServiceError::Invalid(e.body_text())))?;
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(fail(ServiceError::TooLarge {
                limit: services::portal::MANIFEST_MAX_BYTES,
            }));
        }
        Err(e) => return Err(fail(ServiceError::Invalid(e.body_text()))),
    };
    let version = q
        .version
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| fail(invalid("version", "add ?version=1.2.3 (semver)")))?;
    let format = match q.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None | Some("auto") => None,
        Some(f) => Some(
            services::domain::manifest::ManifestFormat::parse(f).ok_or_else(|| {
                fail(invalid(
                    "format",
                    format!(
                        "unknown format \"{f}\"; use mcp_server_json, mcp_tools_list or openapi (or leave it out)"
                    ),
                ))
            })?,
        ),
    };
    let source = match q.url.filter(|u| !u.trim().is_empty()) {
        Some(url) if body.is_empty() => services::portal::ManifestSource::Remote { url },
        Some(_) => {
            return Err(fail(invalid(
                "url",
                "send either a manifest body or ?url=, not both",
            )));
        }
        None => services::portal::ManifestSource::Document {
            media_type: headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "application/octet-stream".into()),
            bytes: body,
            format,
        },
    };
    let (org, v) = s
        .create_version(
            &services::Actor::Token(t),
            None,
            &slug,
            &version,
            source,
            q.submit,
        )
        .await
        .map_err(fail)?;
    let url = format!("/portal/{}/{}/v/{}", org.slug, slug, v.version);
    let mut res = (
        StatusCode::CREATED,
        Json(CreatedVersion {
            id: v.id.to_string(),
            listing: slug,
            version: v.version.clone(),
            status: v.state.as_str(),
            tools: v.manifest.tools.len(),
            manifest_digest: v.manifest_digest.clone(),
            url: url.clone(),
        }),
    )
        .into_response();
    if let Ok(loc) = header::HeaderValue::from_str(&url) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsQuery {
    /// Resume after this cursor (an event's `cursor`, or a page's `next`);
    /// from the start when left out.
    #[param(pattern = "^c[0-9]+$", example = "c42")]
    after: Option<String>,
    /// At most this many events (1 to 500; 100 by default), except that
    /// the items sharing the last cursor all come on one page.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

/// One page of the event feed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EventsPage {
    /// Oldest first.
    events: Vec<FeedEvent>,
    /// The cursor to resume after (the last event's, or `after` when empty).
    next: String,
}

/// One event: the body a generic webhook endpoint gets (`type`,
/// `timestamp`, `data`) with the item's id and its cursor.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct FeedEvent {
    /// The item's id, distinct within the feed: the event's, or for a
    /// listing event about one of a tenant's installs, that install's own.
    #[serde(default)]
    id: String,
    /// Where the item is in the feed; resume with `after=` it. Items about
    /// one event share it and always come on the same page.
    #[serde(default)]
    cursor: String,
    /// The event type, e.g. `listing.version.published`.
    #[serde(rename = "type")]
    kind: String,
    /// When it happened (RFC 3339, UTC).
    #[schema(format = DateTime)]
    timestamp: String,
    /// The event's payload (depends on its type).
    data: serde_json::Map<String, serde_json::Value>,
}

/// `GET /api/v1/events?after=CURSOR&limit=N` (scope `events:read`): the
/// token's organization's events (an operator's: every organization's),
/// oldest first, each the body a generic webhook endpoint gets (`type`,
/// `timestamp`, `data`) with its `id` and `cursor`. A tenant's feed also has
/// the suspension, delisting or reinstatement of each listing it has an
/// install of, one item per install, `data` naming the listing and that
/// install (as its webhooks do). Resume with `after=` the last cursor seen
/// (or `next`). Cursors are commit-ordered (see `store::integrations`): an
/// event that commits later always gets a later cursor, so none is skipped.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    operation_id = "events",
    security(("bearer" = [])),
    params(EventsQuery),
    responses(
        (status = 200, description = "The events after the cursor, oldest first.", body = EventsPage),
        (status = 400, description = "A query parameter that is not one of these, or a bad value.", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one.", body = Problem,
            content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The token lacks the `events:read` scope.", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "`after` is not a cursor this feed gave out.", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "The token's rate limit is spent.", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub(crate) async fn events(
    State(s): State<Services>,
    RequestId(rid): RequestId,
    Bearer(t): Bearer,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<EventsPage>, Response> {
    let Query(q) = query.map_err(|e| {
        Problem::new(StatusCode::BAD_REQUEST, "bad-query", "Bad query string")
            .detail(e.body_text())
            .into_response()
    })?;
    let page = s
        .event_feed(&t, q.after.as_deref().unwrap_or(""), q.limit.unwrap_or(100))
        .await
        .map_err(|e| ApiError(e, rid.clone()).into_response())?;
    let events = page
        .events
        .into_iter()
        .map(|(e, cursor, body)| {
            // The webhook body (`type`, `timestamp`, `data`), as delivered.
            let mut item: FeedEvent = serde_json::from_value(body)?;
            item.id = e.id.to_string();
            item.cursor = cursor;
            Ok(item)
        })
        .collect::<Result<Vec<_>, serde_json::Error>>()
        .map_err(|e| ApiError(ServiceError::Internal(Box::new(e)), rid.clone()).into_response())?;
    Ok(Json(EventsPage {
        events,
        next: page.next,
    }))
}
