//! Publisher domain verification against a loopback DNS server and a loopback
//! web server, with the real prober (hickory + reqwest).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, TXT};
use hickory_proto::rr::{RData, Record, RecordType};
use server::probe::{NetProber, ProbeConfig};

use crate::helpers::{Browser, empty_apps};

/// A tiny authoritative DNS server on loopback: A records for every name
/// (127.0.0.1) and TXT records from a map the test edits.
#[derive(Clone, Default)]
struct Dns {
    txt: Arc<Mutex<HashMap<String, String>>>,
}

impl Dns {
    async fn start(&self) -> SocketAddr {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let txt = self.txt.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 1500];
            loop {
                let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(req) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut res =
                    Message::new(req.metadata.id, MessageType::Response, req.metadata.op_code);
                res.metadata.recursion_desired = req.metadata.recursion_desired;
                res.metadata.recursion_available = true;
                res.metadata.authoritative = true;
                for q in &req.queries {
                    res.add_query(q.clone());
                    let name = q
                        .name()
                        .to_ascii()
                        .trim_end_matches('.')
                        .to_ascii_lowercase();
                    match q.query_type() {
                        RecordType::A => {
                            res.add_answer(Record::from_rdata(
                                q.name().clone(),
                                60,
                                RData::A(A(Ipv4Addr::LOCALHOST)),
                            ));
                        }
                        RecordType::TXT => {
                            if let Some(v) = txt.lock().unwrap().get(&name) {
                                res.add_answer(Record::from_rdata(
                                    q.name().clone(),
                                    60,
                                    RData::TXT(TXT::new(vec![v.clone()])),
                                ));
                            } else {
                                res.metadata.response_code = ResponseCode::NXDomain;
                            }
                        }
                        _ => {}
                    }
                }
                if let Ok(bytes) = res.to_vec() {
                    let _ = sock.send_to(&bytes, peer).await;
                }
            }
        });
        addr
    }
}

/// A web server on loopback serving the well-known file (or a redirect).
async fn web(body: Arc<Mutex<Option<String>>>, redirect: bool) -> u16 {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/.well-known/steward-verification.txt",
        get(move || {
            let body = body.clone();
            async move {
                use axum::response::IntoResponse;
                if redirect {
                    return axum::response::Redirect::temporary("http://elsewhere.test/")
                        .into_response();
                }
                match body.lock().unwrap().clone() {
                    Some(b) => b.into_response(),
                    None => axum::http::StatusCode::NOT_FOUND.into_response(),
                }
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(l, app).await });
    port
}

async fn publisher(app: &crate::helpers::TestApp) -> Browser {
    let b = Browser::new(app);
    b.sign_up("owner@pub.test", "Pat Publisher").await;
    b.call(
        "create_org",
        &[("kind", "publisher"), ("name", "Pub"), ("slug", "pub-org")],
    )
    .await;
    b
}

#[tokio::test]
async fn dns_txt_verification_verifies_and_a_removed_record_lapses() {
    for mut app in empty_apps().await {
        let dns = Dns::default();
        let dns_addr = dns.start().await;
        let prober = NetProber::new(ProbeConfig {
            dns_server: Some(dns_addr),
            insecure_http_port: None,
            allow_private: true,
        })
        .unwrap();
        app.services = app.services.clone().with_prober(Arc::new(prober));
        let services = app.services.clone();
        let b = publisher(&app).await;
        let actor = services::Actor::User(
            app.services
                .store
                .user_by_email("owner@pub.test")
                .await
                .unwrap()
                .unwrap()
                .id,
        );

        let bad = services
            .start_domain_verification(&actor, "pub-org", "https://x.test:8443", "dns_txt")
            .await;
        assert!(matches!(bad, Err(services::ServiceError::InvalidFields(_))));

        let c = services
            .start_domain_verification(&actor, "pub-org", "Pub.Test", "dns_txt")
            .await
            .unwrap();
        assert_eq!(c.domain, "pub.test");
        assert!(c.token.starts_with("steward-verification="));
        let again = services
            .start_domain_verification(&actor, "pub-org", "pub.test", "dns_txt")
            .await
            .unwrap();
        assert_eq!(again.token, c.token, "asking again keeps the token");

        let r = services
            .check_domain_verification(&actor, "pub-org", "pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "failed");
        assert!(
            r.last_error
                .unwrap()
                .contains("no TXT record at _steward-verification.pub.test")
        );

        dns.txt.lock().unwrap().insert(
            "_steward-verification.pub.test".into(),
            "steward-verification=wrong".into(),
        );
        let r = services
            .check_domain_verification(&actor, "pub-org", "pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "failed");

        dns.txt
            .lock()
            .unwrap()
            .insert("_steward-verification.pub.test".into(), c.token.clone());
        let r = services
            .check_domain_verification(&actor, "pub-org", "pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "verified", "{:?}", r.last_error);
        let org = services
            .store
            .org_by_slug("pub-org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(org.verified_domain.as_deref(), Some("pub.test"));

        // The scheduled re-check: still there, nothing changes; gone, it lapses.
        assert_eq!(services.recheck_verified_domains(0).await.unwrap(), (1, 0));
        dns.txt.lock().unwrap().clear();
        assert_eq!(services.recheck_verified_domains(0).await.unwrap(), (1, 1));
        let org = services
            .store
            .org_by_slug("pub-org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(org.verified_domain, None);
        assert!(org.verification_lapsed_at.is_some(), "the lapse is flagged");
        let checks = services.store.in_org(org.id).domain_checks().await.unwrap();
        assert_eq!(checks[0].status.as_str(), "lapsed");

        let actions: Vec<String> = services
            .store
            .audit_page(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action.starts_with("org.domain"))
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            vec![
                "org.domain_verification_started",
                "org.domain_check_failed",
                "org.domain_check_failed",
                "org.domain_verified",
                "org.domain_verified",
                "org.domain_lapsed",
            ]
        );
        drop(b);
    }
}

#[tokio::test]
async fn https_verification_follows_no_redirect_and_refuses_private_addresses() {
    let dns = Dns::default();
    let dns_addr = dns.start().await;
    let body = Arc::new(Mutex::new(None));
    let port = web(body.clone(), false).await;
    let redirect_port = web(Arc::new(Mutex::new(None)), true).await;
    for mut app in empty_apps().await {
        let make = |port: u16, allow_private: bool| {
            Arc::new(
                NetProber::new(ProbeConfig {
                    dns_server: Some(dns_addr),
                    insecure_http_port: Some(port),
                    allow_private,
                })
                .unwrap(),
            )
        };
        app.services = app.services.clone().with_prober(make(port, true));
        publisher(&app).await;
        let actor = services::Actor::User(
            app.services
                .store
                .user_by_email("owner@pub.test")
                .await
                .unwrap()
                .unwrap()
                .id,
        );
        let s = app.services.clone();
        let c = s
            .start_domain_verification(&actor, "pub-org", "web.pub.test", "https")
            .await
            .unwrap();

        let r = s
            .check_domain_verification(&actor, "pub-org", "web.pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "failed");
        assert!(r.last_error.unwrap().contains("answered 404"));

        *body.lock().unwrap() = Some(format!("{}\n", c.token));
        let r = s
            .check_domain_verification(&actor, "pub-org", "web.pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "verified", "{:?}", r.last_error);

        // A redirect is not followed.
        let s2 = s.clone().with_prober(make(redirect_port, true));
        let c2 = s2
            .start_domain_verification(&actor, "pub-org", "redir.pub.test", "https")
            .await
            .unwrap();
        let r = s2
            .check_domain_verification(&actor, "pub-org", "redir.pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "failed");
        assert!(r.last_error.unwrap().contains("redirect"), "{c2:?}");

        // Without the test allowance, a name resolving to loopback is refused.
        let s3 = s.clone().with_prober(make(port, false));
        s3.start_domain_verification(&actor, "pub-org", "private.pub.test", "https")
            .await
            .unwrap();
        let r = s3
            .check_domain_verification(&actor, "pub-org", "private.pub.test")
            .await
            .unwrap();
        assert_eq!(r.status.as_str(), "failed");
        assert!(r.last_error.unwrap().contains("private address"));
        *body.lock().unwrap() = None;
    }
}

#[tokio::test]
async fn only_publisher_managers_verify_domains() {
    for app in empty_apps().await {
        let owner = publisher(&app).await;
        let res = owner
            .call(
                "start_domain_verification",
                &[
                    ("slug", "pub-org"),
                    ("domain", "pub.test"),
                    ("method", "dns_txt"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let item: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            item["location"],
            "TXT record at _steward-verification.pub.test"
        );
        // A tenant organization has nothing to verify.
        owner
            .call(
                "create_org",
                &[("kind", "tenant"), ("name", "T"), ("slug", "t-org")],
            )
            .await;
        let res = owner
            .call(
                "start_domain_verification",
                &[
                    ("slug", "t-org"),
                    ("domain", "t.test"),
                    ("method", "dns_txt"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
    }
}
