//! The runtime permission check's memory, on SQLite and PostgreSQL: decisions
//! come from the per-tenant cache once warm, every change reaches it before
//! the change returns, gateway (operator) tokens ask for a named tenant,
//! decisions are counted and denials kept; and, with two `steward serve`
//! processes on one PostgreSQL database, a change made anywhere is in force on
//! both for the very next call.

use std::process::Stdio;
use std::time::{Duration, Instant};

use services::installs::InstallChoice;
use services::{Actor, Services};

use crate::helpers::{TestApp, seeded_apps};

const TENANT: &str = "contoso-health";
const LISTING: &str = "filesystem-access";

async fn user(s: &Services, email: &str) -> Actor {
    Actor::User(s.store.user_by_email(email).await.unwrap().unwrap().id)
}

fn choice(tools: &[&str]) -> InstallChoice {
    InstallChoice {
        version: None,
        tools: tools.iter().map(|t| t.to_string()).collect(),
        scopes: vec![],
        confirmed: vec![],
    }
}

async fn token(s: &Services, email: &str, org: &str, scopes: &[&str]) -> String {
    let who = user(s, email).await;
    let scopes: Vec<String> = scopes.iter().map(|x| x.to_string()).collect();
    s.create_token(&who, org, "gateway", &scopes, None)
        .await
        .unwrap()
        .1
}

async fn ask_at(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = client
        .post(format!("{base}/api/v1/authorize"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

async fn ask(app: &TestApp, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    ask_at(&app.client, &app.base, token, body).await
}

/// Waits (briefly) until the feed has read the epoch once, so the next
/// decision is made from the cache.
async fn warm(app: &TestApp, token: &str, body: serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        ask(app, token, body.clone()).await;
        if app.services.decision_cache().tenants_cached() > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the decision cache never filled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_cache_serves_decisions_and_every_change_reaches_it_before_returning() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(s, "admin@contoso.example").await;
        let olivia = user(s, "ops@steward.example").await;
        let gw = token(s, "admin@contoso.example", TENANT, &["authorize"]).await;
        let i = s
            .install(&carla, TENANT, LISTING, &choice(&["read_file"]))
            .await
            .unwrap();
        let id = i.id.to_string();
        let call = |tool: &str| serde_json::json!({"install_id": id, "tool": tool});
        warm(&app, &gw, call("read_file")).await;
        assert_eq!(s.decision_cache().tenants_cached(), 1);
        assert_eq!(
            ask(&app, &gw, call("read_file")).await.1["decision"],
            "allow"
        );

        // Each change drops what it touches before the writer gets control back.
        s.enforce(
            &olivia,
            LISTING,
            services::records::Enforcement::Suspend,
            "investigating",
        )
        .await
        .unwrap();
        assert_eq!(
            s.decision_cache().tenants_cached(),
            0,
            "a suspension drops the tenants of that version"
        );
        assert_eq!(
            ask(&app, &gw, call("read_file")).await.1["reason"],
            "listing_suspended"
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
            ask(&app, &gw, call("read_file")).await.1["decision"],
            "allow"
        );
        // A grant added by installing again after an uninstall.
        s.uninstall(&carla, TENANT, &id).await.unwrap();
        assert_eq!(s.decision_cache().tenants_cached(), 0);
        assert_eq!(
            ask(&app, &gw, call("read_file")).await.1["reason"],
            "install_removed"
        );

        // A revoked token is refused on the next call, though it was remembered.
        let (st, _) = ask(&app, &gw, call("read_file")).await;
        assert_eq!(st, 200);
        let tokens = s.tokens(&carla, TENANT).await.unwrap().1;
        let t = tokens.iter().find(|t| t.name == "gateway").unwrap();
        s.revoke_token(&carla, TENANT, &t.id.to_string())
            .await
            .unwrap();
        let (st, d) = ask(&app, &gw, call("read_file")).await;
        assert_eq!(st, 401, "{d}");
    }
}

#[tokio::test]
async fn a_gateway_token_asks_for_the_tenant_it_names() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(s, "admin@contoso.example").await;
        let i = s
            .install(&carla, TENANT, LISTING, &choice(&["read_file"]))
            .await
            .unwrap();
        let id = i.id.to_string();
        let operator = s.store.all_orgs().await.unwrap();
        let operator = operator
            .iter()
            .find(|o| o.kind == services::domain::org::OrgKind::Operator)
            .unwrap();
        let gw = token(s, "ops@steward.example", &operator.slug, &["authorize"]).await;
        let tenant = s.store.org_by_slug(TENANT).await.unwrap().unwrap();

        // By short name and by id.
        for t in [TENANT.to_owned(), tenant.id.to_string()] {
            let (st, d) = ask(
                &app,
                &gw,
                serde_json::json!({"install_id": id, "tenant": t, "tool": "read_file"}),
            )
            .await;
            assert_eq!((st, d["decision"].as_str()), (200, Some("allow")), "{d}");
        }
        // The tenant must be named, and must be a tenant.
        for (tenant, needle) in [
            (None, "names the tenant"),
            (Some("no-such-org"), "no such tenant"),
            (Some("northwind-labs"), "no such tenant"),
        ] {
            let mut body = serde_json::json!({"install_id": id, "tool": "read_file"});
            if let Some(t) = tenant {
                body["tenant"] = t.into();
            }
            let (st, d) = ask(&app, &gw, body).await;
            assert_eq!(st, 422, "{d}");
            assert!(d.to_string().contains(needle), "{d}");
        }
        // Another tenant named with this install's id: no decision about it.
        let (_, d) = ask(
            &app,
            &gw,
            serde_json::json!({"install_id": id, "tenant": "tailspin-retail", "tool": "read_file"}),
        )
        .await;
        assert_eq!(d["reason"], "unknown_install");

        // A tenant's own token may name itself, and nobody else.
        let own = token(s, "admin@contoso.example", TENANT, &["authorize"]).await;
        let (_, d) = ask(
            &app,
            &own,
            serde_json::json!({"install_id": id, "tenant": TENANT, "tool": "read_file"}),
        )
        .await;
        assert_eq!(d["decision"], "allow");
        let (st, _) = ask(
            &app,
            &own,
            serde_json::json!({"install_id": id, "tenant": "tailspin-retail", "tool": "read_file"}),
        )
        .await;
        assert_eq!(st, 403);
    }
}

#[tokio::test]
async fn decisions_are_counted_and_denials_kept() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(s, "admin@contoso.example").await;
        let gw = token(s, "admin@contoso.example", TENANT, &["authorize"]).await;
        let i = s
            .install(&carla, TENANT, LISTING, &choice(&["read_file"]))
            .await
            .unwrap();
        let id = i.id.to_string();
        let call = |tool: &str| serde_json::json!({"install_id": id, "tool": tool});
        let mut denied = Vec::new();
        for _ in 0..5 {
            assert_eq!(
                ask(&app, &gw, call("read_file")).await.1["decision"],
                "allow"
            );
        }
        for _ in 0..3 {
            let d = ask(&app, &gw, call("write_file")).await.1;
            assert_eq!(d["reason"], "tool_not_granted");
            denied.push(d["decision_id"].as_str().unwrap().to_owned());
        }
        s.flush_decisions().await;
        // Another batch adds to the same minute's counters.
        assert_eq!(
            ask(&app, &gw, call("read_file")).await.1["decision"],
            "allow"
        );
        s.flush_decisions().await;

        let tenant = s.store.org_by_slug(TENANT).await.unwrap().unwrap();
        let counts = s.store.in_org(tenant.id).decision_counts(0).await.unwrap();
        let n = |tool: &str, outcome: &str| {
            counts
                .iter()
                .filter(|c| c.install_id == id && c.tool == tool && c.outcome == outcome)
                .map(|c| c.n)
                .sum::<i64>()
        };
        assert_eq!(n("read_file", "allow"), 6, "{counts:?}");
        assert_eq!(n("write_file", "tool_not_granted"), 3, "{counts:?}");
        let denials = s.store.in_org(tenant.id).denials(10).await.unwrap();
        let mut ids: Vec<String> = denials.iter().map(|d| d.id.clone()).collect();
        ids.sort();
        denied.sort();
        assert_eq!(ids, denied);
        assert!(
            denials
                .iter()
                .all(|d| d.reason == "tool_not_granted" && d.tool == "write_file")
        );
        // Another tenant sees none of it.
        let other = s
            .store
            .org_by_slug("tailspin-retail")
            .await
            .unwrap()
            .unwrap();
        assert!(
            s.store
                .in_org(other.id)
                .decision_counts(0)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.store
                .in_org(other.id)
                .denials(10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

// --- two server processes on one PostgreSQL database -----------------------

const BIN: &str = env!("CARGO_BIN_EXE_steward");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn serve(url: &str, data: &std::path::Path, port: u16) -> tokio::process::Child {
    let mut child = tokio::process::Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STEWARD_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .env("STEWARD_ADDR", format!("127.0.0.1:{port}"))
        .env("STEWARD_AUDIT_CHECKPOINT_SECS", "0")
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            return child;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("steward exited early: {status}");
        }
        assert!(Instant::now() < deadline, "steward did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn tenant_loads(client: &reqwest::Client, base: &str) -> u64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("steward_authz_tenant_loads_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn two_processes_on_one_postgres_apply_every_change_before_it_returns() {
    let Some(db) = store::testing::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let evidence = tempfile::tempdir().unwrap();
    // The test's own services write, like a third process without a feed:
    // its changes must wait for both servers.
    let s = Services::new(
        db.store.clone(),
        evidence::EvidenceStore::local(evidence.path()).unwrap(),
    );
    s.seed_demo().await.unwrap();
    let carla = user(&s, "admin@contoso.example").await;
    let olivia = user(&s, "ops@steward.example").await;
    let i = s
        .install(
            &carla,
            TENANT,
            LISTING,
            &choice(&["read_file", "list_directory"]),
        )
        .await
        .unwrap();
    let gw = token(&s, "admin@contoso.example", TENANT, &["authorize"]).await;
    let (pa, pb) = (free_port(), free_port());
    let mut a = serve(&db.url, dir.path(), pa).await;
    let mut b = serve(&db.url, dir.path(), pb).await;
    let bases = [
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    ];
    let client = reqwest::Client::new();
    let call = |tool: &str| serde_json::json!({"install_id": i.id.to_string(), "tool": tool});

    // Both warm up; then they answer from memory (no more loads).
    tokio::time::sleep(Duration::from_millis(200)).await;
    for base in &bases {
        for _ in 0..20 {
            let (st, d) = ask_at(&client, base, &gw, call("read_file")).await;
            assert_eq!((st, d["decision"].as_str()), (200, Some("allow")), "{d}");
        }
        assert_eq!(
            tenant_loads(&client, base).await,
            1,
            "{base} decides from memory"
        );
    }

    // Each change is in force on both processes as soon as it returns.
    let expect = |want: &'static str| want;
    for step in 0..4 {
        let want = match step {
            0 => {
                s.enforce(
                    &olivia,
                    LISTING,
                    services::records::Enforcement::Suspend,
                    "x",
                )
                .await
                .unwrap();
                expect("listing_suspended")
            }
            1 => {
                s.enforce(
                    &olivia,
                    LISTING,
                    services::records::Enforcement::Reinstate,
                    "y",
                )
                .await
                .unwrap();
                expect("granted")
            }
            2 => {
                s.set_tenant_policy(
                    &carla,
                    TENANT,
                    &services::installs::TenantPolicyInput {
                        max_risk: "critical".into(),
                        blocked_capabilities: vec!["read_data".into(), "filesystem".into()],
                        blocked_categories: vec![],
                        members_request: false,
                    },
                )
                .await
                .unwrap();
                expect("capability_blocked")
            }
            _ => {
                s.uninstall(&carla, TENANT, &i.id.to_string())
                    .await
                    .unwrap();
                expect("install_removed")
            }
        };
        for base in &bases {
            let (_, d) = ask_at(&client, base, &gw, call("read_file")).await;
            assert_eq!(d["reason"], want, "step {step} on {base}: {d}");
        }
    }
    // A token revoked anywhere is refused everywhere on the next call.
    let t = s.tokens(&carla, TENANT).await.unwrap().1;
    s.revoke_token(&carla, TENANT, &t[0].id.to_string())
        .await
        .unwrap();
    for base in &bases {
        let (st, _) = ask_at(&client, base, &gw, call("read_file")).await;
        assert_eq!(st, 401, "{base}");
    }
    a.start_kill().unwrap();
    b.start_kill().unwrap();
    a.wait().await.unwrap();
    b.wait().await.unwrap();
}

/// `POST /api/v1/authorize` takes its own way in (`server::hot_path`) unless
/// an `Idempotency-Key` sends it through the router. Both ways answer alike:
/// the same statuses, content types and bodies (but for the decision id),
/// the request id echoed (the caller's, or a new one) and used as a problem's
/// `instance`, the body cap, and the request counted under the route template.
#[tokio::test]
async fn the_permission_checks_own_way_in_answers_as_the_router_does() {
    for app in seeded_apps().await {
        let s = &app.services;
        let carla = user(s, "admin@contoso.example").await;
        let i = s
            .install(&carla, TENANT, LISTING, &choice(&["read_file"]))
            .await
            .unwrap();
        let id = i.id.to_string();
        let own = token(s, "admin@contoso.example", TENANT, &["authorize"]).await;
        let url = format!("{}/api/v1/authorize", app.base);

        // (body, bearer, content type): an allow, a deny, invalid fields, a
        // body that is not JSON, no token, a bad token, JSON sent as text.
        let allow = serde_json::json!({"install_id": id, "tool": "read_file"}).to_string();
        let deny = serde_json::json!({"install_id": id, "tool": "delete_file"}).to_string();
        let invalid = serde_json::json!({"tool": ""}).to_string();
        let json = "application/json";
        let cases: [(&str, Option<&str>, &str, u16); 7] = [
            (&allow, Some(&own), json, 200),
            (&deny, Some(&own), json, 200),
            (&invalid, Some(&own), json, 422),
            ("{not json", Some(&own), json, 400),
            (&allow, None, json, 401),
            (&allow, Some("stw_not_a_real_token"), json, 401),
            (&allow, Some(&own), "text/plain", 415),
        ];
        for (n, (body, bearer, content_type, want)) in cases.into_iter().enumerate() {
            let mut answers = Vec::new();
            for key in [None, Some(format!("short-way-{n}"))] {
                let mut req = app
                    .client
                    .post(&url)
                    .header("content-type", content_type)
                    .header("x-request-id", format!("req-{n}-{}", key.is_some()))
                    .body(body.to_owned());
                if let Some(b) = bearer {
                    req = req.bearer_auth(b);
                }
                if let Some(k) = &key {
                    req = req.header("idempotency-key", k);
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
                assert_eq!(
                    rid,
                    format!("req-{n}-{}", key.is_some()),
                    "the caller's request id"
                );
                let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
                let www = res
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap().to_owned());
                let mut v: serde_json::Value = res.json().await.unwrap();
                if let Some(instance) = v.get("instance") {
                    assert_eq!(instance, &serde_json::Value::from(rid.clone()), "{v}");
                    v["instance"] = "-".into();
                }
                if let Some(d) = v.get("decision_id") {
                    assert!(d.as_str().is_some_and(|d| d.len() == 36), "{v}");
                    v["decision_id"] = "-".into();
                }
                answers.push((status, ctype, www, v));
            }
            assert_eq!(answers[0].0, want, "case {n}: {:?}", answers[0]);
            assert_eq!(answers[0], answers[1], "case {n}: both ways answer alike");
        }

        // Without a request id, one is made up and echoed.
        let res = app
            .client
            .post(&url)
            .json(&serde_json::json!({"tool": ""}))
            .bearer_auth(&own)
            .send()
            .await
            .unwrap();
        let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(rid.len(), 36, "{rid}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["instance"], serde_json::Value::from(rid));

        // The body cap, declared and undeclared.
        let big = format!(
            "{{\"install_id\": \"{id}\", \"tool\": \"read_file\", \"context\": \"{}\"}}",
            "x".repeat(server::http::BODY_LIMIT)
        );
        let res = app
            .client
            .post(&url)
            .bearer_auth(&own)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 413);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(big)];
        let res = app
            .client
            .post(&url)
            .bearer_auth(&own)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            400,
            "an undeclared body over the cap is cut off"
        );

        // Counted under the route's template, as every other route is.
        let metrics = app.text("/metrics").await;
        assert!(
            metrics.lines().any(|l| l.starts_with("http_requests_total")
                && l.contains("route=\"/api/v1/authorize\"")
                && l.contains("status=\"200\"")),
            "{metrics}"
        );
    }
}
