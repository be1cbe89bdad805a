//! Installs with consent and tenant policy, on SQLite and PostgreSQL: exactly
//! the grants chosen, high-risk tools only when ticked, the tenant's policy
//! enforced at install time, members' requests waiting for an admin,
//! uninstall revoking every grant, and other tenants seeing nothing.

use services::installs::{InstallChoice, TenantPolicyInput};
use services::records::InstallStatus;
use services::{Actor, ServiceError};

use crate::helpers::{TestApp, seeded_apps};

const TENANT: &str = "contoso-health";
const LISTING: &str = "filesystem-access";

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

#[tokio::test]
async fn a_tenant_admin_installs_exactly_the_grants_chosen() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        // A high-risk tool needs an explicit tick; unknown tools and scopes are named.
        let f = fields(
            s.install(
                &carla,
                TENANT,
                LISTING,
                &choice(&["read_file", "write_file"], &[]),
            )
            .await
            .unwrap_err(),
        );
        assert!(
            f.iter()
                .any(|(k, m)| k == "confirmed" && m.contains("write_file") && m.contains("high")),
            "{f:?}"
        );
        let f = fields(
            s.install(
                &carla,
                TENANT,
                LISTING,
                &InstallChoice {
                    scopes: vec!["admin:everything".into()],
                    ..choice(&["no_such_tool"], &[])
                },
            )
            .await
            .unwrap_err(),
        );
        assert!(
            f.iter()
                .any(|(k, m)| k == "tools" && m.contains("no_such_tool"))
        );
        assert!(f.iter().any(|(k, _)| k == "scopes"));
        let f = fields(
            s.install(&carla, TENANT, LISTING, &choice(&[], &[]))
                .await
                .unwrap_err(),
        );
        assert_eq!(f[0].0, "tools");
        assert!(
            s.tenant_installs(&carla, TENANT).await.unwrap().is_empty(),
            "a refused install leaves nothing"
        );

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
        assert_eq!(i.status, InstallStatus::Active);
        assert_eq!(
            i.granted_tools,
            vec!["list_directory", "read_file", "write_file"]
        );
        assert_eq!(i.policy_version, "steward-routing-2026.1+none");
        let entries = s
            .store
            .audit_for_subject("install", &i.id.to_string(), 5)
            .await
            .unwrap();
        assert_eq!(entries[0].action, "install.created");
        assert_eq!(entries[0].actor, carla_encoded(&carla));
        assert_eq!(
            entries[0].policy_version.as_deref(),
            Some("steward-routing-2026.1+none")
        );
        assert!(entries[0].detail.contains("write_file"));
        // One live install per listing.
        assert!(matches!(
            s.install(&carla, TENANT, LISTING, &choice(&["read_file"], &[]))
                .await
                .unwrap_err(),
            ServiceError::Conflict(_)
        ));

        // Uninstalling revokes every grant, audited with what was revoked.
        s.uninstall(&carla, TENANT, &i.id.to_string())
            .await
            .unwrap();
        let after = &s.tenant_installs(&carla, TENANT).await.unwrap()[0];
        assert_eq!(after.status, InstallStatus::Removed);
        assert!(after.removed_at.is_some());
        let entries = s
            .store
            .audit_for_subject("install", &i.id.to_string(), 5)
            .await
            .unwrap();
        assert_eq!(entries[0].action, "install.removed");
        assert!(entries[0].detail.contains("write_file"));
        let events = s.store.outbox_for_subject(&i.id.to_string()).await.unwrap();
        assert!(events.iter().any(|(t, _)| t == "install.grants_revoked"));
        // Reinstalling after removal is allowed.
        s.install(&carla, TENANT, LISTING, &choice(&["read_file"], &[]))
            .await
            .unwrap();
        assert!(s.store.verify_audit_chain().await.unwrap().is_ok());
    }
}

fn carla_encoded(a: &Actor) -> String {
    match a {
        Actor::User(u) => format!("user:{u}"),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn the_tenant_policy_limits_what_can_be_granted() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let f = fields(
            s.set_tenant_policy(
                &carla,
                TENANT,
                &TenantPolicyInput {
                    max_risk: "extreme".into(),
                    blocked_capabilities: vec!["telepathy".into()],
                    blocked_categories: vec!["nowhere".into()],
                    members_request: true,
                },
            )
            .await
            .unwrap_err(),
        );
        let keys: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
        assert!(
            keys.contains(&"max_risk")
                && keys.contains(&"blocked_capabilities")
                && keys.contains(&"blocked_categories")
        );
        let p = s
            .set_tenant_policy(
                &carla,
                TENANT,
                &TenantPolicyInput {
                    max_risk: "medium".into(),
                    blocked_capabilities: vec!["destructive".into()],
                    blocked_categories: vec![],
                    members_request: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(p.version, "tenant-v1");
        let f = fields(
            s.install(
                &carla,
                TENANT,
                LISTING,
                &choice(&["read_file", "write_file"], &["write_file"]),
            )
            .await
            .unwrap_err(),
        );
        assert!(
            f.iter()
                .any(|(_, m)| m.contains("write_file") && m.contains("at most medium")),
            "{f:?}"
        );
        let i = s
            .install(&carla, TENANT, LISTING, &choice(&["read_file"], &[]))
            .await
            .unwrap();
        assert_eq!(i.policy_version, "steward-routing-2026.1+tenant-v1");
        // A blocked category refuses the whole agent.
        let p = s
            .set_tenant_policy(
                &carla,
                TENANT,
                &TenantPolicyInput {
                    max_risk: "critical".into(),
                    blocked_capabilities: vec![],
                    blocked_categories: vec!["developer-tools".into()],
                    members_request: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(p.version, "tenant-v2");
        let f = fields(
            s.install(
                &carla,
                TENANT,
                "git-repository-tools",
                &choice(&["git_status"], &[]),
            )
            .await
            .unwrap_err(),
        );
        assert!(f.iter().any(|(k, _)| k == "listing"), "{f:?}");
        // Only tenant admins set policy; other organizations' people get 404.
        let tomas = user(&app, "admin@tailspin.example").await;
        assert!(matches!(
            s.set_tenant_policy(&tomas, TENANT, &TenantPolicyInput::default())
                .await
                .unwrap_err(),
            ServiceError::NotFound
        ));
        assert!(matches!(
            s.tenant_installs(&tomas, TENANT).await.unwrap_err(),
            ServiceError::NotFound
        ));
        assert!(matches!(
            s.uninstall(&tomas, "tailspin-retail", &i.id.to_string())
                .await
                .unwrap_err(),
            ServiceError::NotFound
        ));
    }
}

#[tokio::test]
async fn a_members_install_waits_for_an_admin() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let member = s
            .create_user(
                "mo@contoso.example",
                "Mo Member",
                "a long enough password",
                false,
            )
            .await
            .unwrap();
        let org = s.store.org_by_slug(TENANT).await.unwrap().unwrap();
        let tx = s.store.begin_write().await.unwrap();
        tx.in_org(org.id)
            .grant(member.id, services::domain::identity::Role::Member, 0)
            .await
            .unwrap();
        tx.commit(
            services::domain::audit::AuditRecord::new(
                services::domain::audit::Actor::System,
                "membership.granted",
                "user",
                member.id,
            ),
            vec![],
        )
        .await
        .unwrap();
        let mo = Actor::User(member.id);
        let i = s
            .install(&mo, TENANT, LISTING, &choice(&["read_file"], &[]))
            .await
            .unwrap();
        assert_eq!(i.status, InstallStatus::Pending);
        // The member cannot approve; the admin can, once.
        assert!(matches!(
            s.approve_install(&mo, TENANT, &i.id.to_string())
                .await
                .unwrap_err(),
            ServiceError::Forbidden
        ));
        // Not while the listing is suspended: approving grants.
        let olivia = user(&app, "ops@steward.example").await;
        s.enforce(
            &olivia,
            LISTING,
            services::records::Enforcement::Suspend,
            "investigating",
        )
        .await
        .unwrap();
        let refused = s
            .approve_install(&carla, TENANT, &i.id.to_string())
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, ServiceError::Conflict(m) if m.contains("suspended")),
            "{refused:?}"
        );
        assert_eq!(
            s.tenant_installs(&carla, TENANT).await.unwrap()[0].status,
            InstallStatus::Pending
        );
        s.enforce(
            &olivia,
            LISTING,
            services::records::Enforcement::Reinstate,
            "cleared",
        )
        .await
        .unwrap();
        s.approve_install(&carla, TENANT, &i.id.to_string())
            .await
            .unwrap();
        assert!(matches!(
            s.approve_install(&carla, TENANT, &i.id.to_string())
                .await
                .unwrap_err(),
            ServiceError::Conflict(_)
        ));
        let now = &s.tenant_installs(&carla, TENANT).await.unwrap()[0];
        assert_eq!(now.status, InstallStatus::Active);
        assert_eq!(
            now.approved_by.as_deref(),
            Some(carla_encoded(&carla).as_str())
        );
        // A member cannot uninstall an active install.
        assert!(matches!(
            s.uninstall(&mo, TENANT, &i.id.to_string())
                .await
                .unwrap_err(),
            ServiceError::Forbidden
        ));
    }
}

async fn authorize_token(app: &TestApp, email: &str, tenant: &str) -> String {
    let b = crate::helpers::Browser::new(app);
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
    res.json::<serde_json::Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ask(app: &TestApp, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let res = app
        .client
        .post(app.url("/api/v1/authorize"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn the_decision_point_allows_exactly_what_was_granted_and_follows_changes_at_once() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(&app, "admin@contoso.example").await;
        let olivia = user(&app, "ops@steward.example").await;
        let token = authorize_token(&app, "admin@contoso.example", TENANT).await;
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
        let call = |tool: &str| serde_json::json!({"install_id": id, "tool": tool});

        let (st, d) = ask(&app, &token, call("read_file")).await;
        assert_eq!(st, 200, "{d}");
        assert_eq!(d["decision"], "allow");
        assert_eq!(d["reason"], "granted");
        assert_eq!(d["policy_version"], "steward-routing-2026.1+none");
        assert!(d["decision_id"].as_str().unwrap().len() >= 32);
        for (tool, reason) in [
            ("write_file", "tool_not_granted"),
            ("launch_missiles", "unknown_tool"),
        ] {
            let (_, d) = ask(&app, &token, call(tool)).await;
            assert_eq!(
                (d["decision"].as_str(), d["reason"].as_str()),
                (Some("deny"), Some(reason))
            );
        }
        let (_, d) = ask(
            &app,
            &token,
            serde_json::json!({"install_id": id, "tool": "read_file", "scopes": ["repo:write"]}),
        )
        .await;
        assert_eq!(d["reason"], "scope_not_granted");
        // By agent id (the listing), too.
        let (_, d) = ask(
            &app,
            &token,
            serde_json::json!({"agent_id": i.listing_id.to_string(), "tool": "list_directory"}),
        )
        .await;
        assert_eq!(d["decision"], "allow");

        // A suspension is in force on the very next call; reinstating lifts it.
        s.enforce(
            &olivia,
            LISTING,
            services::records::Enforcement::Suspend,
            "investigating",
        )
        .await
        .unwrap();
        let (_, d) = ask(&app, &token, call("read_file")).await;
        assert_eq!(
            (d["decision"].as_str(), d["reason"].as_str()),
            (Some("deny"), Some("listing_suspended"))
        );
        s.enforce(
            &olivia,
            LISTING,
            services::records::Enforcement::Reinstate,
            "cleared",
        )
        .await
        .unwrap();
        assert_eq!(
            ask(&app, &token, call("read_file")).await.1["decision"],
            "allow"
        );

        // A tenant policy tightened after the install applies to the next call.
        s.set_tenant_policy(
            &carla,
            TENANT,
            &TenantPolicyInput {
                max_risk: "critical".into(),
                blocked_capabilities: vec!["read_data".into(), "filesystem".into()],
                blocked_categories: vec![],
                members_request: true,
            },
        )
        .await
        .unwrap();
        let (_, d) = ask(&app, &token, call("read_file")).await;
        assert_eq!(d["reason"], "capability_blocked", "{d}");
        assert_eq!(d["policy_version"], "steward-routing-2026.1+tenant-v1");

        // Another tenant's token learns nothing about this install.
        let other = authorize_token(&app, "admin@tailspin.example", "tailspin-retail").await;
        let (st, d) = ask(&app, &other, call("read_file")).await;
        assert_eq!(st, 200);
        assert_eq!(
            (d["decision"].as_str(), d["reason"].as_str()),
            (Some("deny"), Some("unknown_install"))
        );

        // Uninstalling revokes at once.
        s.uninstall(&carla, TENANT, &id).await.unwrap();
        let (_, d) = ask(&app, &token, call("list_directory")).await;
        assert_eq!(d["reason"], "install_removed");
    }
}

#[tokio::test]
async fn the_decision_point_refuses_bad_questions_and_wrong_tokens() {
    for app in seeded_apps().await {
        let token = authorize_token(&app, "admin@contoso.example", TENANT).await;
        for (body, status) in [
            (serde_json::json!({"tool": "read_file"}), 422),
            (
                serde_json::json!({"install_id": "x", "agent_id": "y", "tool": "t"}),
                422,
            ),
            (serde_json::json!({"install_id": "x", "tool": ""}), 422),
            (serde_json::json!({"install_id": "x"}), 400),
            (
                serde_json::json!({"install_id": "x", "tool": "t", "colour": "red"}),
                400,
            ),
        ] {
            let (st, d) = ask(&app, &token, body.clone()).await;
            assert_eq!(st, status, "{body} → {d}");
            assert!(d["type"].as_str().unwrap().starts_with("https://"), "{d}");
        }
        // An id that names nothing is a deny, not an error.
        let (st, d) = ask(
            &app,
            &token,
            serde_json::json!({"install_id": "not-an-id", "tool": "t"}),
        )
        .await;
        assert_eq!((st, d["reason"].as_str()), (200, Some("unknown_install")));
        // A token without the scope, and a publisher's token, are refused.
        let b = crate::helpers::Browser::new(&app);
        b.sign_in("admin@contoso.example", services::demo::DEMO_PASSWORD)
            .await;
        let res = b
            .call(
                "create_token",
                &[
                    ("slug", TENANT),
                    ("name", "reader"),
                    ("scopes[]", "events:read"),
                ],
            )
            .await;
        let reader = res.json::<serde_json::Value>().await.unwrap()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let (st, _) = ask(
            &app,
            &reader,
            serde_json::json!({"install_id": "x", "tool": "t"}),
        )
        .await;
        assert_eq!(st, 403);
        let publisher = authorize_token(&app, "owner@northwind.example", "northwind-labs").await;
        let (st, _) = ask(
            &app,
            &publisher,
            serde_json::json!({"install_id": "x", "tool": "t"}),
        )
        .await;
        assert_eq!(st, 403);
    }
}
