//! The tenant boundary, discovered rather than remembered: every registered
//! server function, every `/api/v1` route and every page is called (a) with no
//! session or token and (b) as a member of organization B naming organization
//! A's slug and ids. A new function, route or page that is in neither the
//! reviewed public allow-list nor the cases below fails this suite.

use std::collections::BTreeSet;

use server::api_v1::Access;

use crate::helpers::{Browser, TestApp, empty_apps};

/// Reviewed: these are meant for anyone (catalog reads, the public abuse
/// report, and signing in/up/out, which act only on the caller's own session).
const PUBLIC_FNS: &[&str] = &[
    "/api/catalog",
    "/api/listing",
    "/api/report",
    "/api/me",
    "/api/sign_in",
    "/api/sign_up",
    "/api/sign_out",
    "/api/sign_in_options",
];

/// Reviewed: public pages (they show only public data, or a sign-in prompt).
const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/catalog",
    "/listings/{slug}",
    "/portal",
    "/console",
    "/tenant",
    "/sign-in",
    "/sign-up",
    "/account",
    "/invitations/accept",
];

/// Plain (non-Leptos, non-`/api/v1`) routes with operator-only data: 401
/// without a session, 403 to anyone who may not read them.
const CONSOLE_ROUTES: &[&str] = &["/console/audit/export.jsonl"];

/// Pages that show one organization's private data, by its slug.
const ORG_PAGES: &[&str] = &[
    "/orgs/{slug}",
    "/orgs/{slug}/tokens",
    "/orgs/{slug}/integrations",
    "/console/orgs/{slug}",
    "/portal/{slug}",
    "/portal/{slug}/{listing}",
    "/portal/{slug}/{listing}/v/{version}",
    "/portal/{slug}/{listing}/diff",
    "/tenant/{slug}",
    "/tenant/{slug}/install/{listing}",
    "/tenant/{slug}/installs/{id}",
    "/tenant/{slug}/installs/{id}/upgrade",
];

/// Operator console pages that name no organization: refused to anyone who is
/// not an operator (401 signed out, 403 signed in).
const CONSOLE_PAGES: &[&str] = &[
    "/console/audit",
    "/console/dashboard",
    "/console/queues",
    "/console/queues/{team}",
    "/console/reviews/{case}",
    "/console/listings/{slug}",
];

fn console_page(page: &str) -> String {
    page.replace("{team}", "security")
        .replace("{case}", "0190f1c2-0000-7000-8000-000000000000")
        .replace("{slug}", "a-listing")
}

/// A route path with organization A's listing and version filled in.
fn org_page(page: &str, slug: &str) -> String {
    page.replace("{slug}", slug)
        .replace("{listing}", "a-listing")
        .replace("{version}", "1.0.0")
        .replace("{id}", NO_CASE)
}

struct OrgA {
    slug: String,
    token_id: String,
    token_secret: String,
    invitation_id: String,
    invitation_secret: String,
    member_id: String,
    endpoint_id: String,
    delivery_id: String,
    private_strings: Vec<String>,
}

/// Organization A (Alice, with Carol as developer, a token and an open
/// invitation) and organization B (Bob), on one app.
async fn two_orgs(app: &TestApp) -> (OrgA, Browser) {
    let alice = Browser::new(app);
    assert!(
        alice
            .sign_up("alice@a.example", "Alice A")
            .await
            .status()
            .is_success()
    );
    alice
        .call(
            "create_org",
            &[
                ("kind", "publisher"),
                ("name", "Org A Private"),
                ("slug", "org-a"),
            ],
        )
        .await;
    let res = alice
        .call(
            "create_token",
            &[
                ("slug", "org-a"),
                ("name", "a-secret-token"),
                ("scopes[]", "events:read"),
            ],
        )
        .await;
    let token_secret = res.json::<serde_json::Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = alice
        .call(
            "invite",
            &[
                ("slug", "org-a"),
                ("email", "carol@a.example"),
                ("role", "developer"),
            ],
        )
        .await;
    let link = res.json::<serde_json::Value>().await.unwrap()["link"]
        .as_str()
        .unwrap()
        .to_owned();
    let carol = Browser::new(app);
    carol.sign_up("carol@a.example", "Carol A").await;
    carol
        .call(
            "accept_invitation",
            &[("token", link.split("token=").nth(1).unwrap())],
        )
        .await;
    let res = alice
        .call(
            "start_domain_verification",
            &[
                ("slug", "org-a"),
                ("domain", "a.example"),
                ("method", "dns_txt"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let a_check_token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = alice
        .call(
            "invite",
            &[
                ("slug", "org-a"),
                ("email", "dave@a.example"),
                ("role", "finance"),
            ],
        )
        .await;
    let link = res.json::<serde_json::Value>().await.unwrap()["link"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = alice
        .call(
            "create_listing",
            &[
                ("org", "org-a"),
                ("fields[slug]", "a-listing"),
                ("fields[name]", "A Private Listing"),
                ("fields[category]", "utilities"),
                ("fields[summary]", "a-private-summary"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = alice
        .call(
            "create_version",
            &[
                ("org", "org-a"),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
                ("manifest", r#"{"tools":[{"name":"a_private_tool"}]}"#),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = alice
        .call(
            "add_plan",
            &[
                ("org", "org-a"),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
                ("plan[name]", "A Secret Plan"),
                ("plan[kind]", "usage"),
                ("plan[currency]", "USD"),
                ("plan[amount]", "0.02"),
                ("plan[meter]", "tool_call"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let page: serde_json::Value = alice
        .call("org", &[("slug", "org-a")])
        .await
        .json()
        .await
        .unwrap();
    let tokens: serde_json::Value = alice
        .call("tokens", &[("slug", "org-a")])
        .await
        .json()
        .await
        .unwrap();
    let res = alice
        .call(
            "create_webhook_endpoint",
            &[
                ("slug", "org-a"),
                ("url", "https://hooks.a-private.example/steward"),
                ("description", "a-private-endpoint"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let endpoint_id = res.json::<serde_json::Value>().await.unwrap()["endpoint_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = alice
        .call(
            "ping_webhook_endpoint",
            &[("slug", "org-a"), ("endpoint_id", &endpoint_id)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let integrations: serde_json::Value = alice
        .call("integrations", &[("slug", "org-a")])
        .await
        .json()
        .await
        .unwrap();
    let delivery_id = integrations["endpoints"][0]["log"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let member_id = page["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "carol@a.example")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = OrgA {
        slug: "org-a".into(),
        token_id: tokens["tokens"][0]["id"].as_str().unwrap().to_owned(),
        token_secret,
        invitation_id: page["invitations"][0]["id"].as_str().unwrap().to_owned(),
        invitation_secret: link.split("token=").nth(1).unwrap().to_owned(),
        member_id,
        endpoint_id,
        delivery_id,
        private_strings: vec![
            "hooks.a-private.example".into(),
            "a-private-endpoint".into(),
            "Org A Private".into(),
            "carol@a.example".into(),
            "alice@a.example".into(),
            "dave@a.example".into(),
            "a-secret-token".into(),
            a_check_token,
            "A Private Listing".into(),
            "a-private-summary".into(),
            "a_private_tool".into(),
            "A Secret Plan".into(),
        ],
    };

    let bob = Browser::new(app);
    assert!(
        bob.sign_up("bob@b.example", "Bob B")
            .await
            .status()
            .is_success()
    );
    bob.call(
        "create_org",
        &[("kind", "publisher"), ("name", "Org B"), ("slug", "org-b")],
    )
    .await;
    (a, bob)
}

#[derive(Debug, PartialEq)]
enum Kind {
    /// Names an organization: B's member must get 404 for A.
    Org,
    /// Acts on the caller's own data: A must stay untouched.
    SelfOnly,
    /// The operator console: refused (403) to anyone who is not an operator.
    Console,
}

/// A review case id that names no case (organization A has none yet).
const NO_CASE: &str = "0190f1c2-0000-7000-8000-000000000000";

/// The arguments that aim each non-public function at organization A. `slug`
/// is the organization named (A's, or B's with A's ids).
fn case(path: &str, a: &OrgA, slug: &str) -> Option<(Kind, Vec<(String, String)>)> {
    let v = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Some(match path {
        "/api/org" => (Kind::Org, v(&[("slug", slug)])),
        "/api/tokens" => (Kind::Org, v(&[("slug", slug)])),
        "/api/invite" => (
            Kind::Org,
            v(&[
                ("slug", slug),
                ("email", "bob@b.example"),
                ("role", "owner"),
            ]),
        ),
        "/api/withdraw_invitation" => (Kind::Org, v(&[("slug", slug), ("id", &a.invitation_id)])),
        "/api/set_member_role" => (
            Kind::Org,
            v(&[
                ("slug", slug),
                ("user_id", &a.member_id),
                ("role", "finance"),
            ]),
        ),
        "/api/remove_member" => (Kind::Org, v(&[("slug", slug), ("user_id", &a.member_id)])),
        "/api/create_token" => (
            Kind::Org,
            v(&[
                ("slug", slug),
                ("name", "sneaky"),
                ("scopes[]", "authorize"),
            ]),
        ),
        "/api/revoke_token" => (Kind::Org, v(&[("slug", slug), ("token_id", &a.token_id)])),
        "/api/integrations" => (Kind::Org, v(&[("slug", slug)])),
        "/api/create_webhook_endpoint" => (
            Kind::Org,
            v(&[("slug", slug), ("url", "https://b.example/hook")]),
        ),
        "/api/pause_webhook_endpoint"
        | "/api/resume_webhook_endpoint"
        | "/api/rotate_webhook_secret"
        | "/api/ping_webhook_endpoint" => (
            Kind::Org,
            v(&[("slug", slug), ("endpoint_id", &a.endpoint_id)]),
        ),
        "/api/replay_webhook_delivery" => (
            Kind::Org,
            v(&[("slug", slug), ("delivery_id", &a.delivery_id)]),
        ),
        "/api/domain_checks" => (Kind::Org, v(&[("slug", slug)])),
        "/api/start_domain_verification" => (
            Kind::Org,
            v(&[
                ("slug", slug),
                ("domain", "a.example"),
                ("method", "dns_txt"),
            ]),
        ),
        "/api/check_domain" => (Kind::Org, v(&[("slug", slug), ("domain", "a.example")])),
        "/api/console_orgs" => (Kind::Console, v(&[])),
        "/api/audit_search" => (Kind::Console, v(&[("query[org]", slug)])),
        "/api/review_dashboard" => (Kind::Console, v(&[("days", "30")])),
        "/api/console_org" => (Kind::Org, v(&[("slug", slug)])),
        "/api/my_invitations" => (Kind::SelfOnly, v(&[])),
        "/api/create_org" => (
            Kind::SelfOnly,
            v(&[
                ("kind", "publisher"),
                ("name", "Another"),
                ("slug", "org-b-two"),
            ]),
        ),
        "/api/accept_invitation" => (Kind::SelfOnly, v(&[("token", &a.invitation_secret)])),
        "/api/publisher_listings" => (Kind::Org, v(&[("org", slug)])),
        "/api/create_listing" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("fields[slug]", "sneaky-listing"),
                ("fields[name]", "Sneaky"),
                ("fields[category]", "utilities"),
                ("fields[summary]", "s"),
            ]),
        ),
        "/api/publisher_listing" => (Kind::Org, v(&[("org", slug), ("listing", "a-listing")])),
        "/api/update_listing" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("fields[name]", "Hijacked"),
                ("fields[category]", "utilities"),
                ("fields[summary]", "s"),
            ]),
        ),
        "/api/create_version" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "9.0.0"),
                ("manifest", r#"{"tools":[{"name":"t"}]}"#),
            ]),
        ),
        "/api/publisher_version" | "/api/submit_version" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
            ]),
        ),
        "/api/add_document" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
                ("manifest", r#"{"tools":[{"name":"t"}]}"#),
            ]),
        ),
        "/api/add_plan" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
                ("plan[name]", "Sneaky"),
                ("plan[kind]", "free"),
            ]),
        ),
        "/api/remove_plan" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
                ("name", "A Secret Plan"),
            ]),
        ),
        "/api/review_queues" => (Kind::Console, v(&[])),
        "/api/review_queue" => (Kind::Console, v(&[("team", "security")])),
        "/api/review_case" | "/api/review_message" => {
            (Kind::Console, v(&[("case", NO_CASE), ("body", "hello")]))
        }
        "/api/assign_case" => (
            Kind::Console,
            v(&[("case", NO_CASE), ("row_version", "0"), ("to", "me")]),
        ),
        "/api/decide_case" => (
            Kind::Console,
            v(&[
                ("case", NO_CASE),
                ("row_version", "0"),
                ("kind", "approve"),
                ("justification", "sneaky"),
            ]),
        ),
        "/api/console_listing" => (Kind::Console, v(&[("slug", "a-listing")])),
        "/api/enforce_listing" => (
            Kind::Console,
            v(&[
                ("slug", "a-listing"),
                ("action", "suspend"),
                ("justification", "sneaky"),
            ]),
        ),
        "/api/publisher_review" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
            ]),
        ),
        "/api/publisher_message" | "/api/appeal_version" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("version", "1.0.0"),
                ("body", "sneaky"),
                ("reason", "sneaky"),
            ]),
        ),
        "/api/tenant_home" => (Kind::Org, v(&[("org", slug)])),
        "/api/consent_screen" => (Kind::Org, v(&[("org", slug), ("listing", "a-listing")])),
        "/api/install_agent" => (
            Kind::Org,
            v(&[("org", slug), ("listing", "a-listing"), ("tools[]", "t")]),
        ),
        "/api/approve_install" | "/api/uninstall_agent" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("id", "0190f1c2-0000-7000-8000-000000000000"),
            ]),
        ),
        "/api/install_page" | "/api/upgrade_screen" => {
            (Kind::Org, v(&[("org", slug), ("id", NO_CASE)]))
        }
        "/api/accept_upgrade" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("id", NO_CASE),
                ("from_version", "1.0.0"),
                ("to_version", "1.1.0"),
                ("tools[]", "t"),
            ]),
        ),
        "/api/rate_agent" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("id", NO_CASE),
                ("rating", "1"),
                ("review", "sneaky"),
            ]),
        ),
        "/api/report_agent" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("id", NO_CASE),
                ("reason", "spam"),
                ("details", "sneaky report text"),
            ]),
        ),
        "/api/save_tenant_policy" => (
            Kind::Org,
            v(&[("org", slug), ("max_risk", "low"), ("members_request", "1")]),
        ),
        "/api/version_diff" => (
            Kind::Org,
            v(&[
                ("org", slug),
                ("listing", "a-listing"),
                ("from", "1.0.0"),
                ("to", "1.0.0"),
            ]),
        ),
        _ => return None,
    })
}

/// Everything organization A owns, as its manager sees it, plus global counts.
async fn snapshot(app: &TestApp) -> String {
    let org = app
        .services
        .store
        .org_by_slug("org-a")
        .await
        .unwrap()
        .unwrap();
    let r = app.services.store.in_org(org.id);
    let mut portal = String::new();
    for l in r.listings().await.unwrap() {
        for v in r.versions(l.id).await.unwrap() {
            portal.push_str(&format!(
                "{:?}|{:?}|{:?}",
                v,
                r.documents(v.id).await.unwrap(),
                r.plans(v.id).await.unwrap()
            ));
        }
        portal.push_str(&format!("{l:?}"));
    }
    for e in r.webhook_endpoints().await.unwrap() {
        portal.push_str(&format!(
            "{e:?}|{}|{:?}|{:?}",
            e.secret,
            r.delivery_counts(&e.id).await.unwrap(),
            r.deliveries(&e.id, 100).await.unwrap()
        ));
    }
    format!(
        "{:?}|{:?}|{:?}|{:?}|{portal}",
        r.members().await.unwrap(),
        r.tokens().await.unwrap(),
        r.open_invitations().await.unwrap(),
        r.domain_checks().await.unwrap(),
    )
}

fn registered_fns() -> BTreeSet<String> {
    server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect()
}

#[tokio::test]
async fn every_server_function_is_classified() {
    // Forces the registrations to happen, as the router does.
    let _ = leptos_axum::generate_route_list(app::App);
    let fake = OrgA {
        slug: String::new(),
        token_id: String::new(),
        token_secret: String::new(),
        invitation_id: String::new(),
        invitation_secret: String::new(),
        member_id: String::new(),
        endpoint_id: String::new(),
        delivery_id: String::new(),
        private_strings: vec![],
    };
    let fns = registered_fns();
    assert!(fns.len() >= 24, "discovery found only {fns:?}");
    for f in &fns {
        assert!(
            PUBLIC_FNS.contains(&f.as_str()) || case(f, &fake, "x").is_some(),
            "server function {f} is neither on the reviewed public list nor in the boundary cases"
        );
    }
}

#[tokio::test]
async fn every_page_is_classified() {
    let pages: BTreeSet<String> = leptos_axum::generate_route_list(app::App)
        .into_iter()
        .map(|r| r.path().to_owned())
        .collect();
    for p in &pages {
        let p = p
            .replace(":slug", "{slug}")
            .replace(":org", "{slug}")
            .replace("{org}", "{slug}")
            .replace(":listing", "{listing}")
            .replace(":version", "{version}")
            .replace(":team", "{team}")
            .replace(":case", "{case}")
            .replace(":id", "{id}");
        assert!(
            PUBLIC_PAGES.contains(&p.as_str())
                || ORG_PAGES.contains(&p.as_str())
                || CONSOLE_PAGES.contains(&p.as_str()),
            "page {p} is neither public nor an organization or console page of the boundary suite"
        );
    }
}

#[tokio::test]
async fn no_session_means_401_and_no_change() {
    for app in empty_apps().await {
        let (a, _bob) = two_orgs(&app).await;
        let anon = Browser::new(&app);
        let before = (
            app.services.store.counts().await.unwrap(),
            app.services.store.audit_len().await.unwrap(),
        );
        for f in registered_fns() {
            if PUBLIC_FNS.contains(&f.as_str()) {
                continue;
            }
            let (_, args) = case(&f, &a, &a.slug).unwrap();
            let form: Vec<(&str, &str)> =
                args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let res = anon.call(f.trim_start_matches("/api/"), &form).await;
            assert_eq!(
                res.status(),
                401,
                "{f} without a session on {:?}",
                app.engine()
            );
            let body = res.text().await.unwrap();
            for s in &a.private_strings {
                assert!(!body.contains(s.as_str()), "{f} leaked {s}");
            }
        }
        for (path, method, access, _) in server::api_v1::routes() {
            let url = format!(
                "{}/api/v1{}",
                app.base,
                path.replace("{slug}", "filesystem-access")
            );
            let res = app
                .client
                .request(method.clone(), url)
                .send()
                .await
                .unwrap();
            match access {
                Access::Public => assert_ne!(res.status(), 401, "{path} is public"),
                Access::Token => assert_eq!(res.status(), 401, "{path} without a token"),
            }
        }
        for page in ORG_PAGES {
            let res = app
                .client
                .get(app.url(&org_page(page, &a.slug)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{page} without a session");
            let body = res.text().await.unwrap();
            for s in &a.private_strings {
                assert!(!body.contains(s.as_str()), "{page} leaked {s}");
            }
        }
        for page in CONSOLE_PAGES.iter().chain(CONSOLE_ROUTES) {
            let res = app
                .client
                .get(app.url(&format!("{}?org={}", console_page(page), a.slug)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{page} without a session");
            let body = res.text().await.unwrap();
            for s in &a.private_strings {
                assert!(!body.contains(s.as_str()), "{page} leaked {s}");
            }
        }
        let after = (
            app.services.store.counts().await.unwrap(),
            app.services.store.audit_len().await.unwrap(),
        );
        assert_eq!(before, after, "anonymous calls changed something");
    }
}

#[tokio::test]
async fn another_organizations_member_gets_404_and_changes_nothing() {
    for app in empty_apps().await {
        let (a, bob) = two_orgs(&app).await;
        let a_before = snapshot(&app).await;
        for f in registered_fns() {
            if PUBLIC_FNS.contains(&f.as_str()) {
                continue;
            }
            // A's slug, then B's own slug with A's ids.
            for slug in [a.slug.as_str(), "org-b"] {
                let (kind, args) = case(&f, &a, slug).unwrap();
                let form: Vec<(&str, &str)> =
                    args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let counts = app.services.store.counts().await.unwrap();
                let res = bob.call(f.trim_start_matches("/api/"), &form).await;
                let status = res.status();
                let body = res.text().await.unwrap();
                for s in &a.private_strings {
                    assert!(!body.contains(s.as_str()), "{f} ({slug}) leaked {s}");
                }
                if kind == Kind::Console {
                    assert_eq!(status, 403, "{f} as a non-operator");
                }
                if kind == Kind::Org {
                    let ids_under_b = slug == "org-b";
                    let harmless = ids_under_b
                        && matches!(
                            f.as_str(),
                            "/api/org"
                                | "/api/tokens"
                                | "/api/invite"
                                | "/api/create_token"
                                | "/api/integrations"
                                | "/api/create_webhook_endpoint"
                                | "/api/domain_checks"
                                | "/api/start_domain_verification"
                                | "/api/create_listing"
                                | "/api/publisher_listings"
                        );
                    if !harmless {
                        assert_eq!(status, 404, "{f} as B naming {slug} on {:?}", app.engine());
                        assert_eq!(
                            app.services.store.counts().await.unwrap(),
                            counts,
                            "{f} wrote something"
                        );
                    }
                }
                assert_eq!(
                    snapshot(&app).await,
                    a_before,
                    "{f} ({slug}) changed organization A"
                );
            }
        }
        for page in ORG_PAGES {
            let res = bob
                .client
                .get(format!("{}{}", app.base, org_page(page, &a.slug)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{page} as B");
            let body = res.text().await.unwrap();
            for s in &a.private_strings {
                assert!(!body.contains(s.as_str()), "{page} leaked {s}");
            }
        }
        for page in CONSOLE_PAGES.iter().chain(CONSOLE_ROUTES) {
            let before = app.services.store.audit_len().await.unwrap();
            let res = bob
                .client
                .get(format!("{}{}?org={}", app.base, console_page(page), a.slug))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{page} as a non-operator");
            let body = res.text().await.unwrap();
            for s in &a.private_strings {
                assert!(!body.contains(s.as_str()), "{page} leaked {s}");
            }
            assert_eq!(
                app.services.store.audit_len().await.unwrap(),
                before,
                "{page} refused, yet recorded something"
            );
        }
        // B's token sees B only.
        let res = bob
            .call(
                "create_token",
                &[
                    ("slug", "org-b"),
                    ("name", "b-token"),
                    ("scopes[]", "events:read"),
                ],
            )
            .await;
        let b_secret = res.json::<serde_json::Value>().await.unwrap()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        for (secret, org) in [(&b_secret, "org-b"), (&a.token_secret, "org-a")] {
            let who: serde_json::Value = app
                .client
                .get(app.url("/api/v1/whoami"))
                .header("authorization", format!("Bearer {secret}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(who["organization"], org);
        }
        // B's event feed holds none of A's events.
        let feed = app
            .client
            .get(app.url("/api/v1/events"))
            .header("authorization", format!("Bearer {b_secret}"))
            .send()
            .await
            .unwrap();
        assert_eq!(feed.status(), 200);
        let feed = feed.text().await.unwrap();
        for s in &a.private_strings {
            assert!(!feed.contains(s.as_str()), "the event feed leaked {s}");
        }
    }
}
