//! Health, readiness, metrics, request ids and /api/v1 problem+json.

use server::api_v1::Access;

use crate::helpers::seeded_apps;

#[tokio::test]
async fn health_and_readiness() {
    for app in seeded_apps().await {
        let res = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.json::<serde_json::Value>().await.unwrap()["status"],
            "ready"
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_given_one() {
    for app in seeded_apps().await {
        let res = app.client.get(app.url("/healthz")).send().await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36);
        let res = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", "trace-me-123")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-request-id"], "trace-me-123");
    }
}

#[tokio::test]
async fn metrics_label_routes_by_template_never_by_raw_path() {
    for app in seeded_apps().await {
        for path in [
            "/listings/web-fetch",
            "/api/v1/listings/web-fetch",
            "/zz-unique-raw-path",
        ] {
            app.client.get(app.url(path)).send().await.unwrap();
        }
        let res = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(text.contains("http_requests_total"), "{text}");
        assert!(
            text.contains(r#"route="/api/v1/listings/{slug}""#),
            "{text}"
        );
        assert!(!text.contains("web-fetch"), "a raw path became a label");
        assert!(
            !text.contains("zz-unique-raw-path"),
            "a raw path became a label"
        );
    }
}

#[tokio::test]
async fn api_v1_serves_json_and_problems() {
    for app in seeded_apps().await {
        let res = app
            .client
            .get(app.url("/api/v1/listings?q=slack"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert_eq!(body[0]["slug"], "slack-messenger");
        assert_eq!(body[0]["tool_count"], 8);

        let res = app
            .client
            .get(app.url("/api/v1/listings/headless-browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            404,
            "an unpublished listing does not exist publicly"
        );
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(p["status"], 404);
        assert_eq!(p["title"], "Not found");
        assert!(p["instance"].is_string());

        let res = app
            .client
            .get(app.url("/api/v1/nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["content-type"], "application/problem+json");

        let res = app
            .client
            .delete(app.url("/api/v1/listings/web-fetch"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["content-type"], "application/problem+json");

        let long = "x".repeat(201);
        let res = app
            .client
            .get(app.url(&format!("/api/v1/listings?q={long}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
    }
}

/// The checked-in, reviewed copy of the served document.
fn reviewed_openapi_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

/// `GET /api/v1/openapi.json` is public, describes every route of
/// `api_v1::routes()` (and nothing else) with the access the table gives it,
/// answers every error as problem+json, and is the reviewed
/// `docs/openapi.json` (`STEWARD_UPDATE_OPENAPI=1` rewrites that file).
#[tokio::test]
async fn openapi_document_describes_every_route_and_is_reviewed() {
    for app in seeded_apps().await {
        let res = app
            .client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/json");
        let doc: serde_json::Value = res.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(doc["servers"][0]["url"], "/api/v1");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );

        let paths = doc["paths"].as_object().unwrap();
        let routes = server::api_v1::routes();
        for (path, method, access, _) in &routes {
            let method = method.as_str().to_lowercase();
            let op = &paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path} is missing from openapi.json"))[&method];
            assert!(
                op.is_object(),
                "{method} {path} is missing from openapi.json"
            );
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(
                secured,
                *access == Access::Token,
                "{method} {path}: security does not match the route table"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no success"
            );
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = r["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                    assert_eq!(
                        content["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
            }
            if *access == Access::Token {
                assert!(responses.contains_key("401"), "{method} {path}: 401");
                assert!(responses.contains_key("429"), "{method} {path}: 429");
            }
            if method == "post" {
                let params = op["parameters"].as_array().unwrap();
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
                    "POST {path} takes an Idempotency-Key"
                );
                for s in ["400", "409", "413", "422"] {
                    assert!(responses.contains_key(s), "POST {path}: {s}");
                }
            }
        }
        let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(
            documented,
            routes.len(),
            "openapi.json has operations no route serves"
        );

        let file = reviewed_openapi_path();
        if std::env::var_os("STEWARD_UPDATE_OPENAPI").is_some() {
            std::fs::write(&file, server::openapi::json()).unwrap();
        }
        let reviewed: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&file).expect("docs/openapi.json exists"),
        )
        .unwrap();
        assert!(
            doc == reviewed,
            "GET /api/v1/openapi.json differs from docs/openapi.json: review the change and \
             rewrite the file with STEWARD_UPDATE_OPENAPI=1 cargo test -p server --test \
             integration openapi_document"
        );
    }
}

#[tokio::test]
async fn api_v1_has_no_session_and_its_token_is_its_only_authority() {
    for app in seeded_apps().await {
        // /api/v1 never sets a cookie, and a browser's cross-site POST is not
        // refused for coming from elsewhere: it carries no ambient authority,
        // so without a token it is simply unauthenticated.
        let res = app
            .client
            .post(app.url("/api/v1/authorize"))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .json(&serde_json::json!({"install_id": "x", "tool": "t"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert!(res.headers().get("set-cookie").is_none());
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{:?}",
            res.headers()
        );
        let res = app
            .client
            .get(app.url("/api/v1/listings"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("set-cookie").is_none());
        // A browser page's state-changing request from another site is still refused.
        let res = app
            .client
            .post(app.url("/api/sign_out"))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
    }
}

#[tokio::test]
async fn metrics_never_take_a_label_from_a_made_up_method() {
    for app in seeded_apps().await {
        let method = reqwest::Method::from_bytes(b"BREW").unwrap();
        app.client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
        let text = app.text("/metrics").await;
        assert!(!text.contains("BREW"), "a made-up method became a label");
        assert!(text.contains(r#"method="other""#), "{text}");
    }
}
