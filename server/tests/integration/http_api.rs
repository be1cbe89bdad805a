//! Health, readiness, metrics, request ids and /api/v1 problem+json.

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
        let text = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("BREW"), "a made-up method became a label");
        assert!(text.contains(r#"method="other""#), "{text}");
    }
}
