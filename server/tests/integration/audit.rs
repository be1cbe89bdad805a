//! The operator console's audit explorer and export, over real HTTP on both
//! engines: filters, who may read the trail, and an export whose entries
//! recompute their own hashes and which is itself recorded.

use domain::audit::{AuditEntry, verify_chain};
use domain::identity::Role;
use services::demo::DEMO_PASSWORD;

use crate::helpers::{Browser, TestApp, seeded_apps};

async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let b = Browser::new(app);
    let res = b.sign_in(email, DEMO_PASSWORD).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "sign in {email}: {}",
        res.status()
    );
    b
}

async fn search(b: &Browser, form: &[(&str, &str)]) -> serde_json::Value {
    let res = b.call("audit_search", form).await;
    assert_eq!(res.status(), 200, "audit_search {form:?}");
    res.json().await.unwrap()
}

fn rows(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["rows"].as_array().unwrap()
}

async fn export(b: &Browser, query: &str) -> reqwest::Response {
    b.client
        .get(format!("{}/console/audit/export.jsonl{query}", b.base))
        .send()
        .await
        .unwrap()
}

/// The encoded actor of a demo user.
async fn actor_of(app: &TestApp, email: &str) -> String {
    let u = app
        .services
        .store
        .user_by_email(email)
        .await
        .unwrap()
        .unwrap();
    format!("user:{}", u.id)
}

#[tokio::test]
async fn the_explorer_filters_by_action_actor_org_subject_and_time() {
    for app in seeded_apps().await {
        let owner = signed_in(&app, "owner@northwind.example").await;
        drop(owner);
        let ops = signed_in(&app, "ops@steward.example").await;
        // An audited cross-organization read: an entry about Northwind.
        assert_eq!(
            ops.call("console_org", &[("slug", "northwind-labs")])
                .await
                .status(),
            200
        );

        let all = search(&ops, &[]).await;
        let seqs: Vec<i64> = rows(&all)
            .iter()
            .map(|r| r["seq"].as_i64().unwrap())
            .collect();
        assert!(seqs.len() >= 4, "{all}");
        assert!(
            seqs.windows(2).all(|w| w[0] > w[1]),
            "newest first: {seqs:?}"
        );
        assert_eq!(all["next_before"], serde_json::Value::Null);

        // Action prefix and exact action.
        let users = search(&ops, &[("query[action]", "user.")]).await;
        assert!(!rows(&users).is_empty());
        assert!(
            rows(&users)
                .iter()
                .all(|r| r["action"].as_str().unwrap().starts_with("user."))
        );
        let seeded = search(&ops, &[("query[action]", "demo.seeded")]).await;
        assert_eq!(rows(&seeded).len(), 1);
        assert_eq!(rows(&seeded)[0]["actor"], "system");

        // Actor by email: shown by name, filtered by the encoded actor.
        let nadia = actor_of(&app, "owner@northwind.example").await;
        let by_owner = search(&ops, &[("query[actor]", "owner@northwind.example")]).await;
        assert!(!rows(&by_owner).is_empty());
        for r in rows(&by_owner) {
            assert_eq!(r["actor_id"], nadia.as_str());
            assert_eq!(r["actor"], "Nadia Northwind");
        }
        let encoded = search(&ops, &[("query[actor]", &nadia)]).await;
        assert_eq!(rows(&encoded), rows(&by_owner));

        // Organization by short name: the operator read, named.
        let northwind = search(
            &ops,
            &[
                ("query[org]", "northwind-labs"),
                ("query[action]", "operator.read"),
            ],
        )
        .await;
        assert_eq!(rows(&northwind).len(), 1, "{northwind}");
        assert_eq!(rows(&northwind)[0]["org"], "Northwind Labs");
        assert_eq!(rows(&northwind)[0]["actor"], "Olivia Ops");
        let org_id = rows(&northwind)[0]["org_id"].as_str().unwrap().to_owned();
        let by_id = search(&ops, &[("query[org]", &org_id)]).await;
        assert!(rows(&by_id).iter().all(|r| r["org_id"] == org_id.as_str()));

        // Subject.
        let subject = search(
            &ops,
            &[
                ("query[subject_type]", "org"),
                ("query[subject_id]", &org_id),
            ],
        )
        .await;
        assert!(
            rows(&subject)
                .iter()
                .all(|r| r["subject_type"] == "org" && r["subject_id"] == org_id.as_str())
        );
        assert!(!rows(&subject).is_empty());

        // Time: nothing before 2000, everything since then; a bad date is a field error.
        let old = search(&ops, &[("query[to]", "1999-12-31")]).await;
        assert!(rows(&old).is_empty());
        let recent = search(&ops, &[("query[from]", "2000-01-01")]).await;
        assert_eq!(rows(&recent).len(), rows(&all).len());
        let res = ops
            .call("audit_search", &[("query[from]", "last tuesday")])
            .await;
        assert_eq!(res.status(), 422);
        let err: serde_json::Value = res.json().await.unwrap();
        assert!(err.to_string().contains("from"), "{err}");

        // Paging by seq: everything older than the newest.
        let newest = seqs[0];
        let older = search(&ops, &[("before", &newest.to_string())]).await;
        assert_eq!(
            rows(&older)
                .iter()
                .map(|r| r["seq"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            seqs[1..].to_vec()
        );

        // The page itself, without JavaScript: the filter is the query string.
        let page = ops
            .client
            .get(app.url("/console/audit?action=user."))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("id=\"audit-entries\""), "{html}");
        assert!(html.contains("Export as JSON lines"));
        assert!(html.contains("/console/audit/export.jsonl?action=user."));
        assert!(html.contains("user.signed_in"));
        assert!(!html.contains("demo.seeded"), "the filter applies");
        let console = ops
            .client
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(console.contains("href=\"/console/audit\""));
    }
}

#[tokio::test]
async fn only_admins_and_auditors_read_the_trail() {
    for app in seeded_apps().await {
        let anon = Browser::new(&app);
        assert_eq!(anon.call("audit_search", &[]).await.status(), 401);
        assert_eq!(export(&anon, "").await.status(), 401);
        let before = app.services.store.audit_len().await.unwrap();
        for email in [
            "owner@northwind.example",
            "admin@contoso.example",
            // An operator, but a reviewer: not one who keeps the record.
            "reviewer@steward.example",
        ] {
            let b = signed_in(&app, email).await;
            let after_sign_in = app.services.store.audit_len().await.unwrap();
            let res = b.call("audit_search", &[]).await;
            assert_eq!(res.status(), 403, "{email}");
            let res = export(&b, "").await;
            assert_eq!(res.status(), 403, "{email}");
            assert!(!res.text().await.unwrap().contains("demo.seeded"));
            assert_eq!(
                app.services.store.audit_len().await.unwrap(),
                after_sign_in,
                "a refused export is not recorded as one"
            );
        }
        assert!(app.services.store.audit_len().await.unwrap() > before);

        // An auditor of the operator organization may.
        let b = Browser::new(&app);
        assert!(
            b.sign_up("auditor@steward.example", "Ada Auditor")
                .await
                .status()
                .is_success()
        );
        let user = app
            .services
            .store
            .user_by_email("auditor@steward.example")
            .await
            .unwrap()
            .unwrap();
        let ops_org = app
            .services
            .store
            .org_by_slug(services::demo::OPERATOR_SLUG)
            .await
            .unwrap()
            .unwrap();
        let tx = app.services.store.begin_write().await.unwrap();
        tx.in_org(ops_org.id)
            .grant(user.id, Role::Auditor, store::now_ms())
            .await
            .unwrap();
        tx.commit(
            domain::audit::AuditRecord::new(
                domain::audit::Actor::System,
                "member.role_changed",
                "user",
                user.id,
            ),
            vec![],
        )
        .await
        .unwrap();
        assert_eq!(b.call("audit_search", &[]).await.status(), 200);
        assert_eq!(export(&b, "").await.status(), 200);
    }
}

#[tokio::test]
async fn the_export_recomputes_its_hashes_and_is_itself_audited() {
    for app in seeded_apps().await {
        let ops = signed_in(&app, "ops@steward.example").await;
        let ops_actor = actor_of(&app, "ops@steward.example").await;
        let res = export(&ops, "").await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/x-ndjson"
        );
        let disposition = res.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"steward-audit-"),
            "{disposition}"
        );
        let body = res.text().await.unwrap();
        let entries: Vec<AuditEntry> = body
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one entry"))
            .collect();
        assert!(entries.len() >= 2);
        for e in &entries {
            assert_eq!(e.compute_hash(), e.hash, "entry {} recomputes", e.seq);
        }
        // Unfiltered, it is the whole chain up to the export: it verifies as one.
        assert_eq!(verify_chain(&entries), Ok(entries.len() as u64));

        // The export was recorded, with its filter, right after what it covers.
        let head = app.services.store.audit_head().await.unwrap().unwrap();
        assert_eq!(head.action, "audit.exported");
        assert_eq!(head.actor, ops_actor);
        assert_eq!(head.seq, entries.last().unwrap().seq + 1);
        assert_eq!(head.detail, r#"{"filter":{}}"#);

        // Filtered: only matching entries (each still recomputes), filter recorded.
        let res = export(&ops, "?action=user.&from=2000-01-01").await;
        assert_eq!(res.status(), 200);
        let body = res.text().await.unwrap();
        let lines: Vec<AuditEntry> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!lines.is_empty());
        assert!(lines.iter().all(|e| e.action.starts_with("user.")));
        assert!(lines.iter().all(|e| e.compute_hash() == e.hash));
        let head = app.services.store.audit_head().await.unwrap().unwrap();
        assert_eq!(head.action, "audit.exported");
        let detail: serde_json::Value = serde_json::from_str(&head.detail).unwrap();
        assert_eq!(detail["filter"]["action"], "user.");
        assert_eq!(detail["filter"]["from_ms"], 946_684_800_000_i64);
        // And the explorer shows it, by the person's name.
        let exported = search(&ops, &[("query[action]", "audit.exported")]).await;
        assert_eq!(rows(&exported).len(), 2);
        assert_eq!(rows(&exported)[0]["actor"], "Olivia Ops");

        let res = export(&ops, "?to=not-a-date").await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().starts_with("to: "));
        assert!(
            app.services
                .store
                .verify_audit_chain()
                .await
                .unwrap()
                .is_ok()
        );
    }
}
