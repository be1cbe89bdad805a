//! The OpenAPI 3.1 document of `/api/v1`, served at `GET /api/v1/openapi.json`.
//!
//! Generated from the code: each handler in [`crate::api_v1`] carries a
//! `#[utoipa::path]` (parameters, body, every status it answers) and its DTOs
//! derive `ToSchema`/`IntoParams`; the value lists below come from the same
//! constants the handlers check against. `docs/openapi.json` is the reviewed
//! copy: the integration tests fail when the served document differs from it
//! or when a route of [`crate::api_v1::routes`] is missing from it.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{IntoParams, Modify, OpenApi};

use crate::api_v1;

const DESCRIPTION: &str = "\
The HTTP API for integrations: the public catalog, runtime permission decisions \
for gateways, the event feed, and publishing versions.

**Authentication.** Routes marked with the `bearer` scheme take an organization's \
API token (`Authorization: Bearer stw_…`, made in the organization's settings); \
each token has scopes (`authorize`, `events:read`, `listings:write`, \
`usage:write`) and a rate limit (429 with `Retry-After` when spent).

**Errors** are RFC 9457 problems (`application/problem+json`): `type`, `title`, \
`status`, `detail`, `instance` (the request id, to quote to support) and, for \
invalid input, `errors` (one entry per field).

**Idempotency.** Every `POST` accepts an `Idempotency-Key` header: the same key \
and request (method, path with query, body) within 24 hours replays the first \
response's status and body (with `Idempotent-Replayed: true`) and does the work \
once; the same key with another request is 422; while the first is still \
running, 409. Keys belong to the token's organization.";

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", description = DESCRIPTION),
    servers((url = "/api/v1", description = "This server")),
    paths(
        api_v1::list_listings,
        api_v1::get_listing,
        api_v1::whoami,
        api_v1::authorize,
        api_v1::events,
        api_v1::create_version,
        document,
    ),
    components(schemas(api_v1::Problem, api_v1::FieldProblem)),
    modifiers(&Security),
    tags(
        (name = "catalog", description = "Published listings (public)."),
        (name = "decisions", description = "Runtime permission checks for gateways."),
        (name = "events", description = "The organization's event feed (the webhooks' payloads, pulled)."),
        (name = "publishing", description = "A publisher's versions."),
        (name = "tokens", description = "The presented API token."),
        (name = "meta", description = "This document."),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("stw_… API token")
                    .description(Some(
                        "An organization's API token: `Authorization: Bearer stw_…`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, as built from the code.
pub fn openapi() -> Document {
    ApiDoc::openapi()
}

/// The document as pretty JSON (built once).
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut s = openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes");
        s.push('\n');
        s
    })
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of `/api/v1`.", body = Object,
            content_type = "application/json"),
    )
)]
pub async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json()).into_response()
}

/// The `Idempotency-Key` header every `POST` takes.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only its parameter description is used
pub struct IdempotencyKey {
    /// Makes a retry safe: the same key and request within 24 hours replays
    /// the first response and does the work once (1 to 255 visible ASCII
    /// characters).
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    idempotency_key: Option<String>,
}

fn one_of(values: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

/// A category's short name (`domain::listing::CATEGORIES`).
pub fn category() -> RefOr<Schema> {
    one_of(domain::listing::CATEGORIES.iter().map(|(slug, _)| *slug))
}

/// A risk tier.
pub fn risk_tier() -> RefOr<Schema> {
    one_of(store::RISK_TIERS)
}

/// A classifier capability.
pub fn capability() -> RefOr<Schema> {
    one_of(classifier::Capability::ALL.map(|c| c.as_str()))
}

/// A yes/no query flag, as the catalog's form sends it.
pub fn flag() -> RefOr<Schema> {
    one_of(["true", "false", "1", "0", "on", "off"])
}

/// The catalog's pricing filter.
pub fn pricing() -> RefOr<Schema> {
    one_of(services::PRICING_FILTERS.iter().map(|(v, _)| *v))
}

/// The catalog's orders.
pub fn sort() -> RefOr<Schema> {
    one_of(["relevance", "newest", "name"])
}

/// A catalog page number.
pub fn page() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(services::CATALOG_MAX_PAGE))
        .into()
}

/// The formats a manifest can be uploaded in (`auto`: told from the content).
pub fn manifest_format() -> RefOr<Schema> {
    use domain::manifest::ManifestFormat as F;
    one_of(
        std::iter::once("auto")
            .chain([F::McpServerJson, F::McpToolsList, F::OpenApi].map(F::as_str)),
    )
}

/// A decision.
pub fn decision() -> RefOr<Schema> {
    one_of(["allow", "deny"])
}

/// A decision's reason code (`authz::Reason`).
pub fn decision_reason() -> RefOr<Schema> {
    one_of(authz::Reason::ALL.map(|r| r.code()))
}

/// An API token's scopes.
pub fn token_scopes() -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(one_of(domain::identity::Scope::ALL.map(|s| s.as_str())))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(schema: RefOr<Schema>) -> Vec<String> {
        let v = serde_json::to_value(schema).unwrap();
        v["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect()
    }

    /// Every value the document lists for `GET /listings` is one the catalog
    /// takes, and a value it does not list is refused.
    #[test]
    fn listing_filters_list_exactly_what_the_catalog_takes() {
        type Set = fn(&mut services::CatalogParams, String);
        let filters: [(&str, RefOr<Schema>, Set); 7] = [
            ("category", category(), |p, v| p.category = Some(v)),
            ("risk", risk_tier(), |p, v| p.risk = Some(v)),
            ("capability", capability(), |p, v| p.capability = Some(v)),
            ("without", capability(), |p, v| p.without = Some(v)),
            ("verified", flag(), |p, v| p.verified = Some(v)),
            ("pricing", pricing(), |p, v| p.pricing = Some(v)),
            ("sort", sort(), |p, v| p.sort = Some(v)),
        ];
        for (name, schema, set) in filters {
            let listed = values(schema);
            assert!(!listed.is_empty(), "{name}");
            for v in listed {
                let mut p = services::CatalogParams::default();
                set(&mut p, v.clone());
                assert!(services::catalog_query(&p).is_ok(), "{name}={v} is listed");
            }
            let mut p = services::CatalogParams::default();
            set(&mut p, "not-a-listed-value".into());
            assert!(services::catalog_query(&p).is_err(), "{name}");
        }
        // The page's maximum, as the document gives it, is the last one taken.
        let max = serde_json::to_value(page()).unwrap()["maximum"]
            .as_f64()
            .unwrap() as u64;
        for (page, ok) in [(1, true), (max, true), (0, false), (max + 1, false)] {
            let p = services::CatalogParams {
                page: Some(page.to_string()),
                ..Default::default()
            };
            assert_eq!(services::catalog_query(&p).is_ok(), ok, "page={page}");
        }
    }

    #[test]
    fn manifest_formats_parse() {
        for f in values(manifest_format()) {
            assert!(
                f == "auto" || domain::manifest::ManifestFormat::parse(&f).is_some(),
                "{f}"
            );
        }
    }
}
