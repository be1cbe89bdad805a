//! Cross-site request refusal: a browser request that changes state must come
//! from Steward's own pages. Browsers say where a request comes from
//! (`Sec-Fetch-Site`, `Origin`); clients that send neither (curl, integrations
//! with bearer tokens) carry no ambient cookie authority and pass.

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api_v1::Problem;

fn safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether `origin` (scheme://host[:port]) names the host this request was sent to.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else { return false };
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    rest.eq_ignore_ascii_case(host)
}

pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if safe(req.method()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let cross = match (fetch_site, origin) {
        (Some(site), _) if site != "same-origin" && site != "none" => true,
        (_, Some(origin)) => !same_origin(origin, host),
        _ => false,
    };
    if cross {
        tracing::warn!(method = %req.method(), "refused a cross-site request");
        return Problem::new(
            StatusCode::FORBIDDEN,
            "cross-site",
            "Cross-site request refused",
        )
        .detail("State-changing requests must come from Steward's own pages.")
        .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert!(same_origin("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(same_origin(
            "https://steward.example",
            Some("steward.example")
        ));
        assert!(!same_origin(
            "https://evil.example",
            Some("steward.example")
        ));
        assert!(!same_origin(
            "http://steward.example.evil.example",
            Some("steward.example")
        ));
        assert!(!same_origin("null", Some("steward.example")));
        assert!(!same_origin("http://127.0.0.1:3000", None));
    }
}
