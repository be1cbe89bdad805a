//! The buyer's side after an install, on SQLite and PostgreSQL: a new version
//! waits for the admin (decisions keep the pinned version's tools) and shows
//! exactly what it adds; the public page's version history says what changed;
//! ratings (one per tenant per listing) with their average; abuse reports
//! from an install with its facts as evidence; the combined risk across
//! agents on the dashboard and the consent screen.

use serde_json::{Value, json};
use services::domain::listing::VersionState;
use services::domain::review::DecisionKind;
use services::installs::InstallChoice;
use services::portal::ManifestSource;
use services::review::DecisionInput;
use services::{Actor, ServiceError};

use crate::helpers::{Browser, TestApp, seeded_apps};

const TENANT: &str = "contoso-health";
const OTHER_TENANT: &str = "tailspin-retail";
const LISTING: &str = "filesystem-access";
const PUBLISHER: &str = "northwind-labs";

async fn user(app: &TestApp, email: &str) -> Actor {
    Actor::User(
        app.services
            .store
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
}

fn choice(tools: &[&str], confirmed: &[&str]) -> InstallChoice {
    InstallChoice {
        version: None,
        tools: tools.iter().map(|t| t.to_string()).collect(),
        scopes: vec![],
        confirmed: confirmed.iter().map(|t| t.to_string()).collect(),
    }
}

fn fields(e: ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::InvalidFields(f) => f,
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// The demo's filesystem tools plus a destructive `delete_file`.
fn with_delete_file() -> Vec<u8> {
    let mut tools: Value = serde_json::from_slice(include_bytes!(
        "../../crates/services/demo/server-filesystem.json"
    ))
    .unwrap();
    tools["tools"].as_array_mut().unwrap().push(json!({
        "name": "delete_file",
        "description": "Permanently delete a file. The file cannot be recovered.",
        "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
        "annotations": {"readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": false}
    }));
    serde_json::to_vec(&json!({ "tools": tools["tools"] })).unwrap()
}

/// Northwind publishes `version` of the filesystem listing through review:
/// submitted, screened, and approved by as many reviewers as the case needs
/// (each overriding every finding with a reason).
async fn publish(app: &TestApp, version: &str, bytes: Vec<u8>) {
    let s = &app.services;
    let owner = user(app, "owner@northwind.example").await;
    let (org, v) = s
        .create_version(
            &owner,
            Some(PUBLISHER),
            LISTING,
            version,
            ManifestSource::Document {
                bytes: bytes.into(),
                format: None,
                media_type: "application/json".into(),
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(s.run_screenings().await.unwrap(), 1);
    let reviewers = [
        user(app, "reviewer@steward.example").await,
        user(app, "security@steward.example").await,
        user(app, "ops@steward.example").await,
        user(app, "trust@steward.example").await,
    ];
    let r = s.store.in_org(org.id);
    for _ in 0..6 {
        let Some(case) = r
            .cases_of_version(v.id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.open)
        else {
            break;
        };
        let findings = r
            .version(v.listing_id, version)
            .await
            .unwrap()
            .unwrap()
            .screening
            .map(|s| s.report["findings"].as_array().map_or(0, Vec::len))
            .unwrap_or(0);
        let mut decided = false;
        for who in &reviewers {
            let res = s
                .decide(
                    who,
                    &case.id.to_string(),
                    DecisionInput {
                        kind: DecisionKind::Approve,
                        justification: "Checked: a plain file deletion tool.".into(),
                        overrides: (0..findings)
                            .map(|i| (i, "Reviewed by hand: expected for a file tool.".into()))
                            .collect(),
                        escalate_to: None,
                        row_version: case.row_version,
                    },
                )
                .await;
            if res.is_ok() {
                decided = true;
                break;
            }
        }
        assert!(decided, "nobody could approve the case");
    }
    let after = r.version(v.listing_id, version).await.unwrap().unwrap();
    assert_eq!(after.state, VersionState::Published, "{version} published");
}

async fn authorize_token(app: &TestApp, email: &str, tenant: &str) -> String {
    let b = Browser::new(app);
    b.sign_in(email, services::demo::DEMO_PASSWORD).await;
    let res = b
        .call(
            "create_token",
            &[
                ("slug", tenant),
                ("name", "gateway"),
                ("scopes[]", "authorize"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ask(app: &TestApp, token: &str, install: &str, tool: &str) -> Value {
    let res = app
        .client
        .post(app.url("/api/v1/authorize"))
        .bearer_auth(token)
        .json(&json!({ "install_id": install, "tool": tool }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_new_version_waits_for_the_admin_who_sees_and_grants_exactly_what_it_adds() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let tomas = user(&app, "admin@tailspin.example").await;
        let i = s
            .install(
                &carla,
                TENANT,
                LISTING,
                &choice(
                    &["read_file", "list_directory", "write_file"],
                    &["write_file"],
                ),
            )
            .await
            .unwrap();
        let id = i.id.to_string();
        let token = authorize_token(&app, "admin@contoso.example", TENANT).await;
        assert_eq!(
            ask(&app, &token, &id, "delete_file").await["reason"],
            "unknown_tool"
        );

        // Nothing newer yet: no upgrade screen.
        assert!(matches!(
            s.upgrade_screen(&carla, TENANT, &id).await,
            Err(ServiceError::NotFound)
        ));

        publish(&app, "1.1.0", with_delete_file()).await;

        // The tenant stays pinned: the page offers 1.1.0, decisions use 1.0.0's tools.
        let home = s.tenant_home(&carla, TENANT).await.unwrap();
        let view = &home.installs[0];
        assert_eq!(view.version.as_ref().unwrap().version, "1.0.0");
        assert_eq!(view.available.as_ref().unwrap().version, "1.1.0");
        let page = Browser::new(&app);
        page.sign_in("admin@contoso.example", services::demo::DEMO_PASSWORD)
            .await;
        let html = page.page(&format!("/tenant/{TENANT}")).await;
        assert!(html.contains("version 1.1.0 available"), "{html}");
        assert_eq!(
            ask(&app, &token, &id, "delete_file").await["reason"],
            "unknown_tool"
        );
        assert_eq!(
            ask(&app, &token, &id, "read_file").await["decision"],
            "allow"
        );

        // The upgrade screen lists exactly the added tool, with its risk.
        let u = s.upgrade_screen(&carla, TENANT, &id).await.unwrap();
        assert_eq!(
            (u.from.version.as_str(), u.to.version.as_str()),
            ("1.0.0", "1.1.0")
        );
        let added: Vec<&str> = u.added.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(added, ["delete_file"]);
        let risk = u.added[0].risk.clone();
        assert!(risk == "high" || risk == "critical", "{risk}");
        assert_eq!(u.diff.tools_added.len(), 1);
        assert!(u.dropped.is_empty());
        assert!(
            u.kept().contains(&"write_file".to_owned()),
            "{:?}",
            u.kept()
        );
        let html = page
            .page(&format!("/tenant/{TENANT}/installs/{id}/upgrade"))
            .await;
        assert!(
            html.contains("delete_file") && html.contains("Accept"),
            "{html}"
        );
        // Another tenant's admin finds nothing.
        assert!(matches!(
            s.upgrade_screen(&tomas, TENANT, &id).await,
            Err(ServiceError::NotFound)
        ));

        // The new destructive tool needs an explicit tick; the kept
        // high-risk grant (write_file) does not.
        let f = fields(
            s.accept_upgrade(
                &carla,
                TENANT,
                &id,
                "1.0.0",
                &choice(
                    &["read_file", "list_directory", "write_file", "delete_file"],
                    &[],
                ),
            )
            .await
            .unwrap_err(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].0 == "confirmed" && f[0].1.contains("delete_file"),
            "{f:?}"
        );
        // A stale form (read against another version) changes nothing.
        let e = s
            .accept_upgrade(&carla, TENANT, &id, "0.9.0", &choice(&["read_file"], &[]))
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Conflict(_)), "{e:?}");
        let still = s.tenant_installs(&carla, TENANT).await.unwrap();
        assert_eq!(still[0].version_id, i.version_id);
        assert_eq!(still[0].granted_tools, i.granted_tools);

        let after = s
            .accept_upgrade(
                &carla,
                TENANT,
                &id,
                "1.0.0",
                &InstallChoice {
                    version: Some("1.1.0".into()),
                    ..choice(
                        &["read_file", "list_directory", "write_file", "delete_file"],
                        &["delete_file"],
                    )
                },
            )
            .await
            .unwrap();
        assert_eq!(after.id, i.id);
        assert_eq!(
            after.granted_tools,
            ["delete_file", "list_directory", "read_file", "write_file"]
        );
        assert_ne!(after.version_id, i.version_id);
        let stored = s.tenant_installs(&carla, TENANT).await.unwrap();
        assert_eq!(stored[0], after);
        let entry = &s.store.audit_for_subject("install", &id, 1).await.unwrap()[0];
        assert_eq!(entry.action, "install.upgraded");
        assert!(
            entry.detail.contains("\"from_version\":\"1.0.0\""),
            "{}",
            entry.detail
        );
        assert!(entry.detail.contains("\"added_tools\":[\"delete_file\"]"));
        let events = s.store.outbox_for_subject(&id).await.unwrap();
        assert_eq!(events.last().unwrap().0, "install.upgraded");
        // The same form again finds nothing left to accept.
        assert!(
            s.accept_upgrade(&carla, TENANT, &id, "1.0.0", &choice(&["read_file"], &[]))
                .await
                .is_err()
        );
        assert_eq!(s.tenant_installs(&carla, TENANT).await.unwrap()[0], after);

        // Now the decision point allows the new tool.
        assert_eq!(
            ask(&app, &token, &id, "delete_file").await["decision"],
            "allow"
        );

        // The public page's history says what 1.1.0 changed.
        let lp = s.listing_page(LISTING).await.unwrap();
        assert_eq!(lp.history[0].version, "1.1.0");
        let (since, diff) = lp.history[0].changes.as_ref().unwrap();
        assert_eq!(since, "1.0.0");
        assert_eq!(diff.tools_added[0].name, "delete_file");
        assert!(lp.history[1].changes.is_none());
        let html = Browser::new(&app)
            .page(&format!("/listings/{LISTING}"))
            .await;
        assert!(
            html.contains("Tools added: delete_file (destructive)"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn an_upgrade_is_for_admins_and_keeps_nothing_the_new_version_dropped() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let i = s
            .install(
                &carla,
                TENANT,
                LISTING,
                &choice(&["read_file", "search_files"], &[]),
            )
            .await
            .unwrap();
        let id = i.id.to_string();
        // 1.1.0 without `search_files`.
        let mut tools: Value = serde_json::from_slice(&with_delete_file()).unwrap();
        tools["tools"]
            .as_array_mut()
            .unwrap()
            .retain(|t| t["name"] != "search_files");
        publish(&app, "1.1.0", serde_json::to_vec(&tools).unwrap()).await;
        let u = s.upgrade_screen(&carla, TENANT, &id).await.unwrap();
        assert_eq!(u.dropped, ["search_files"]);
        let f = fields(
            s.accept_upgrade(
                &carla,
                TENANT,
                &id,
                "1.0.0",
                &choice(&["read_file", "search_files"], &[]),
            )
            .await
            .unwrap_err(),
        );
        assert!(
            f.iter()
                .any(|(k, m)| k == "tools" && m.contains("search_files"))
        );
        // The publisher is no member of the tenant: not found.
        let nadia = user(&app, "owner@northwind.example").await;
        assert!(matches!(
            s.accept_upgrade(&nadia, TENANT, &id, "1.0.0", &choice(&["read_file"], &[]))
                .await,
            Err(ServiceError::NotFound)
        ));
        // Accepted with a plain form post (no JavaScript): back to the installs.
        let b = Browser::new(&app);
        b.sign_in("admin@contoso.example", services::demo::DEMO_PASSWORD)
            .await;
        let res = b
            .client
            .post(app.url("/api/accept_upgrade"))
            .header("origin", &app.base)
            .header("accept", "text/html,application/xhtml+xml")
            .header(
                "referer",
                app.url(&format!("/tenant/{TENANT}/installs/{id}/upgrade")),
            )
            .form(&[
                ("org", TENANT),
                ("id", id.as_str()),
                ("from_version", "1.0.0"),
                ("to_version", "1.1.0"),
                ("tools[]", "read_file"),
            ])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        assert_eq!(res.headers()["location"], format!("/tenant/{TENANT}"));
        let after = &s.tenant_installs(&carla, TENANT).await.unwrap()[0];
        assert_eq!(after.granted_tools, ["read_file"]);
        assert_ne!(after.version_id, i.version_id);
    }
}

#[tokio::test]
async fn a_tenant_rates_an_installed_agent_once_and_the_listing_shows_the_average() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let tomas = user(&app, "admin@tailspin.example").await;
        let i = s
            .install(&carla, TENANT, LISTING, &choice(&["read_file"], &[]))
            .await
            .unwrap();
        let id = i.id.to_string();
        let f = fields(
            s.rate_install(&carla, TENANT, &id, "6", "")
                .await
                .unwrap_err(),
        );
        assert_eq!(f[0].0, "rating");
        let f = fields(
            s.rate_install(&carla, TENANT, &id, "4", &"x".repeat(2001))
                .await
                .unwrap_err(),
        );
        assert_eq!(f[0].0, "review");
        let first = s
            .rate_install(&carla, TENANT, &id, "4", " Solid. ")
            .await
            .unwrap();
        assert_eq!(first.review, "Solid.");
        // Writing again replaces it: one per tenant per listing.
        let second = s
            .rate_install(&carla, TENANT, &id, "5", "Even better after a week.")
            .await
            .unwrap();
        assert_eq!(second.id, first.id);
        let page = s.listing_page(LISTING).await.unwrap();
        assert_eq!(page.ratings.len(), 1);
        assert_eq!(page.rating_average, Some((5.0, 1)));
        let entries = s
            .store
            .audit_for_subject("listing", &i.listing_id.to_string(), 2)
            .await
            .unwrap();
        assert_eq!(entries[0].action, "rating.replaced");
        assert_eq!(entries[1].action, "rating.written");

        // Another tenant rates too; another tenant cannot rate Contoso's install.
        assert!(matches!(
            s.rate_install(&tomas, TENANT, &id, "1", "").await,
            Err(ServiceError::NotFound)
        ));
        let j = s
            .install(&tomas, OTHER_TENANT, LISTING, &choice(&["read_file"], &[]))
            .await
            .unwrap();
        s.rate_install(&tomas, OTHER_TENANT, &j.id.to_string(), "2", "")
            .await
            .unwrap();
        let page = s.listing_page(LISTING).await.unwrap();
        assert_eq!(page.rating_average, Some((3.5, 2)));
        let html = Browser::new(&app)
            .page(&format!("/listings/{LISTING}"))
            .await;
        assert!(html.contains("3.5 out of 5"), "{html}");
        assert!(html.contains("Even better after a week."));
        assert!(!html.contains("Contoso"), "the public page names no tenant");

        // Without an active install, no rating.
        s.uninstall(&carla, TENANT, &id).await.unwrap();
        let f = fields(
            s.rate_install(&carla, TENANT, &id, "1", "")
                .await
                .unwrap_err(),
        );
        assert_eq!(f[0].0, "rating");
        assert_eq!(
            s.listing_page(LISTING).await.unwrap().rating_average,
            Some((3.5, 2))
        );
    }
}

#[tokio::test]
async fn a_tenant_reports_abuse_with_the_install_facts_as_evidence() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let tomas = user(&app, "admin@tailspin.example").await;
        let i = s
            .install(
                &carla,
                TENANT,
                LISTING,
                &choice(&["read_file", "list_directory"], &[]),
            )
            .await
            .unwrap();
        let id = i.id.to_string();
        let f = fields(
            s.report_install(&carla, TENANT, &id, "bogus", "short", "not-a-uuid")
                .await
                .unwrap_err(),
        );
        let names: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["reason", "details", "decision_ids"]);
        assert!(matches!(
            s.report_install(
                &tomas,
                TENANT,
                &id,
                "malware",
                "It read files it should not.",
                ""
            )
            .await,
            Err(ServiceError::NotFound)
        ));

        let decision = "0190f1c2-0000-7000-8000-00000000abcd";
        let filed = s
            .report_install(
                &carla,
                TENANT,
                &id,
                "undisclosed_capability",
                "It listed directories outside the allowed ones.",
                &format!("{decision}, {decision}"),
            )
            .await
            .unwrap();
        let r = s.store.report_by_id(filed.id).await.unwrap().unwrap();
        let contoso = s.store.org_by_slug(TENANT).await.unwrap().unwrap();
        assert_eq!(r.reporter_org_id, Some(contoso.id));
        assert_eq!(r.install_id, Some(i.id));
        assert_eq!(r.reason, "undisclosed_capability");
        assert_eq!(r.status, "open");
        let digest = r.evidence_digest.clone().unwrap();
        let blob: Value =
            serde_json::from_slice(&s.evidence.get(contoso.id, &digest).await.unwrap()).unwrap();
        assert_eq!(blob["install_id"], id);
        assert_eq!(blob["version"], "1.0.0");
        assert_eq!(
            blob["granted_tools"],
            json!(["list_directory", "read_file"])
        );
        assert_eq!(blob["decision_ids"], json!([decision]));
        assert_eq!(
            blob["statement"],
            "It listed directories outside the allowed ones."
        );
        let entry = &s
            .store
            .audit_for_subject("listing", &i.listing_id.to_string(), 1)
            .await
            .unwrap()[0];
        assert_eq!(entry.action, "report.filed");
        assert_eq!(entry.evidence, digest);
        let events = s
            .store
            .outbox_for_subject(&i.listing_id.to_string())
            .await
            .unwrap();
        let (kind, payload) = events.last().unwrap();
        assert_eq!(kind, "report.filed");
        assert_eq!(payload["source"], "install");
        // Operators see it with the listing in the console.
        let olivia = user(&app, "ops@steward.example").await;
        let cl = s.console_listing(&olivia, LISTING).await.unwrap();
        assert!(
            cl.reports
                .iter()
                .any(|(r, t)| r.id == filed.id && t.as_deref() == Some("Contoso Health"))
        );
        let ops = Browser::new(&app);
        ops.sign_in("ops@steward.example", services::demo::DEMO_PASSWORD)
            .await;
        let html = ops.page(&format!("/console/listings/{LISTING}")).await;
        assert!(
            html.contains("from an install, by Contoso Health"),
            "{html}"
        );
        // The tenant's own page offers the report form.
        let b = Browser::new(&app);
        b.sign_in("admin@contoso.example", services::demo::DEMO_PASSWORD)
            .await;
        let html = b.page(&format!("/tenant/{TENANT}/installs/{id}")).await;
        assert!(
            html.contains("report-agent-form") && html.contains("rate-form"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn the_combined_risk_is_flagged_across_agents_and_on_the_consent_screen_that_completes_it() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let home = s.tenant_home(&carla, TENANT).await.unwrap();
        assert!(!home.combined.complete());
        // Files: private data.
        s.install(&carla, TENANT, LISTING, &choice(&["read_file"], &[]))
            .await
            .unwrap();
        let home = s.tenant_home(&carla, TENANT).await.unwrap();
        assert!(
            !home.combined.private_data.is_empty(),
            "{:?}",
            home.combined
        );
        assert!(!home.combined.complete());
        // Web fetch: untrusted content and a way out. Its consent screen
        // warns that it completes the combination.
        let c = s.consent_screen(&carla, TENANT, "web-fetch").await.unwrap();
        let fetch: Vec<String> = c
            .tools
            .iter()
            .filter(|t| t.capabilities.iter().any(|c| c == "network_access"))
            .map(|t| t.name.clone())
            .collect();
        assert!(!fetch.is_empty(), "{:?}", c.tools);
        let done = c.completes.as_ref().expect("web-fetch completes it");
        assert!(
            done.private_data
                .iter()
                .any(|p| p.agent == "Filesystem Access")
        );
        assert!(done.egress.iter().any(|p| p.agent != "Filesystem Access"));
        let tools: Vec<&str> = fetch.iter().map(String::as_str).collect();
        let confirmed: Vec<&str> = c
            .tools
            .iter()
            .filter(|t| fetch.contains(&t.name) && (t.risk == "high" || t.risk == "critical"))
            .map(|t| t.name.as_str())
            .collect();
        s.install(&carla, TENANT, "web-fetch", &choice(&tools, &confirmed))
            .await
            .unwrap();
        let home = s.tenant_home(&carla, TENANT).await.unwrap();
        assert!(home.combined.complete());
        let b = Browser::new(&app);
        b.sign_in("admin@contoso.example", services::demo::DEMO_PASSWORD)
            .await;
        let html = b.page(&format!("/tenant/{TENANT}")).await;
        assert!(html.contains("Dangerous combination"), "{html}");
        // Once complete, another install does not "complete" it again.
        let c = s.consent_screen(&carla, TENANT, "web-fetch").await.unwrap();
        assert!(c.completes.is_none());
        // Another tenant is untouched.
        let tomas = user(&app, "admin@tailspin.example").await;
        assert!(
            !s.tenant_home(&tomas, OTHER_TENANT)
                .await
                .unwrap()
                .combined
                .complete()
        );
    }
}
