//! Server functions called the way the browser calls them: they are public HTTP.

use crate::helpers::seeded_apps;

const REPORT: &str = "/api/report";

#[tokio::test]
async fn catalog_server_function_round_trips() {
    for app in seeded_apps().await {
        let res = app
            .client
            .post(app.url("/api/catalog"))
            .form(&[("filter[q]", "memory")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        let cards = body["cards"].as_array().unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0]["slug"], "knowledge-graph-memory");
        assert_eq!(cards[0]["publisher_verified"], true);
    }
}

#[tokio::test]
async fn a_report_commits_with_its_audit_entry_and_event() {
    for app in seeded_apps().await {
        let before = app.services.store.counts().await.unwrap();
        let res = app
            .client
            .post(app.url(REPORT))
            .form(&[
                ("slug", "web-fetch"),
                ("reason", "tool_poisoning"),
                (
                    "details",
                    "The description tells the model to read ~/.ssh/id_rsa first.",
                ),
                ("contact", "reporter@example.com"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{:?}", app.engine());
        let body: serde_json::Value = res.json().await.unwrap();
        let id: domain::ReportId = body["reference"].as_str().unwrap().parse().unwrap();

        let report = app.services.store.report_by_id(id).await.unwrap().unwrap();
        assert_eq!(report.reason, "tool_poisoning");
        assert_eq!(report.contact.as_deref(), Some("reporter@example.com"));
        let after = app.services.store.counts().await.unwrap();
        assert_eq!(after.reports, before.reports + 1);
        assert_eq!(after.audit_entries, before.audit_entries + 1);
        assert_eq!(after.outbox_events, before.outbox_events + 1);
        let audit = app
            .services
            .store
            .audit_for_subject("listing", &report.listing_id.to_string(), 5)
            .await
            .unwrap();
        assert_eq!(audit[0].action, "report.filed");
        assert_eq!(audit[0].actor, "anonymous");
        assert!(audit[0].detail.contains(&id.to_string()));
        // Personal data stays out of the audit trail and the outbound event.
        assert!(!audit[0].detail.contains("reporter@example.com"));
        let events = app
            .services
            .store
            .outbox_for_subject(&report.listing_id.to_string())
            .await
            .unwrap();
        let (kind, payload) = events.last().unwrap();
        assert_eq!(kind, "report.filed");
        assert!(!payload.to_string().contains("reporter@example.com"));
        assert_eq!(
            app.services
                .store
                .verify_audit_chain()
                .await
                .unwrap()
                .map(|n| n > 0),
            Ok(true)
        );
    }
}

#[tokio::test]
async fn bad_reports_are_refused_field_by_field_and_write_nothing() {
    for app in seeded_apps().await {
        let before = app.services.store.counts().await.unwrap();
        let res = app
            .client
            .post(app.url(REPORT))
            .form(&[
                ("slug", "web-fetch"),
                ("reason", "because"),
                ("details", "short"),
                ("contact", "not an email"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let body: serde_json::Value = res.json().await.unwrap();
        let fields: Vec<&str> = body["Invalid"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f[0].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["reason", "details", "contact"]);

        // Unpublished and unknown listings cannot be reported (and do not leak existence).
        for slug in ["headless-browser", "no-such-listing"] {
            let res = app
                .client
                .post(app.url(REPORT))
                .form(&[
                    ("slug", slug),
                    ("reason", "spam"),
                    ("details", "Spam spam spam spam"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{slug}");
            assert_eq!(res.json::<serde_json::Value>().await.unwrap(), "NotFound");
        }

        // Missing arguments are a clear error, not a crash.
        let res = app
            .client
            .post(app.url(REPORT))
            .form(&[("slug", "web-fetch")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["Request"], "The request was incomplete or malformed.");

        assert_eq!(app.services.store.counts().await.unwrap(), before);
    }
}
