//! `GET /console/audit/export.jsonl`: the audit explorer's export, a plain
//! download (no JavaScript needed). The session says who asks; the service
//! decides (Admin and Auditor operators only) and records the export in the
//! trail before it reads. Refusals are short plain text: 401, 403 or 422.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use app::dto::AuditQuery;
use services::{ServiceError, Services};

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

pub async fn export(
    State(services): State<Services>,
    headers: axum::http::HeaderMap,
    session: Session,
    Query(query): Query<AuditQuery>,
) -> Response {
    let actor = match app::auth::session::actor_of(&session, &services).await {
        Ok(a) => a,
        Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    };
    match services
        .audit_export(&actor, &app::audit::ssr::form_of(query))
        .await
    {
        Ok(body) => {
            let name = format!(
                "steward-audit-{}.jsonl",
                services::format_date(services::records_now())
            );
            (
                [
                    (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        Err(ServiceError::Unauthorized) => {
            text(StatusCode::UNAUTHORIZED, "Sign in to continue.\n".into())
        }
        Err(ServiceError::Forbidden) => text(
            StatusCode::FORBIDDEN,
            "You are not allowed to do that.\n".into(),
        ),
        Err(ServiceError::InvalidFields(fields)) => text(
            StatusCode::UNPROCESSABLE_ENTITY,
            fields.iter().map(|(f, m)| format!("{f}: {m}\n")).collect(),
        ),
        Err(e) => {
            // The request id ties the answer to the log, as everywhere else.
            let id = headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            tracing::error!(correlation_id = %id, error = ?e, "audit export failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Something went wrong on our side. Reference: {id}\n"),
            )
        }
    }
}
