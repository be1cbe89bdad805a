//! Deliveries to a real HTTP receiver on loopback.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use webhooks::{
    Decision, Delivery, DeliveryConfig, Failure, Message, Outcome, Refusal, RetryPolicy, Secret,
    TOLERANCE, verify,
};

#[derive(Clone, Default)]
struct Seen {
    requests: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>,
}

impl Seen {
    fn paths(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|(p, _, _)| p.clone())
            .collect()
    }
}

#[derive(Clone)]
struct Receiver {
    seen: Seen,
    /// Where the redirecting routes point.
    redirect_to: String,
}

/// Every route records the request, then answers as its path says.
async fn answer(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    r.seen
        .requests
        .lock()
        .unwrap()
        .push((path.clone(), headers, body));
    let endless = || {
        Body::from_stream(futures::stream::repeat_with(|| {
            Ok::<_, Infallible>(Bytes::from_static(&[b'x'; 64 * 1024]))
        }))
    };
    match path.as_str() {
        "/ok" => StatusCode::NO_CONTENT.into_response(),
        "/fail" => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        "/limited" => (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7")]).into_response(),
        "/unavailable" => {
            let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
            (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, at)]).into_response()
        }
        "/gone" => StatusCode::GONE.into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            StatusCode::OK.into_response()
        }
        "/endless-ok" => (StatusCode::OK, endless()).into_response(),
        "/endless-fail" => (StatusCode::BAD_GATEWAY, endless()).into_response(),
        redirect if redirect.starts_with("/redirect/") => {
            let code: u16 = redirect["/redirect/".len()..].parse().unwrap();
            (
                StatusCode::from_u16(code).unwrap(),
                [(header::LOCATION, r.redirect_to.clone())],
            )
                .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve(redirect_to: String) -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/{*path}", any(answer))
        .with_state(Receiver {
            seen: seen.clone(),
            redirect_to,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

fn loopback() -> Delivery {
    Delivery::new(DeliveryConfig {
        allow_private: true,
        allow_http: true,
        timeout: Duration::from_secs(10),
        ..DeliveryConfig::default()
    })
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const PAYLOAD: &[u8] =
    br#"{"type":"listing.version_published","timestamp":"2026-11-26T10:00:00Z","data":{"id":"x"}}"#;

fn message(timestamp: i64) -> Message<'static> {
    Message {
        id: "msg_0193aa0c-7e52-7c1b-a3f5-6a2d3f1c9e01",
        timestamp,
        payload: PAYLOAD,
    }
}

#[tokio::test]
async fn a_2xx_is_delivered_with_headers_that_verify_under_either_rotated_secret() {
    let (addr, seen) = serve(String::new()).await;
    let (new, old) = (Secret::generate(), Secret::generate());
    let ts = now();
    let outcome = loopback()
        .deliver(
            &format!("http://{addr}/ok"),
            &message(ts),
            &[new.clone(), old.clone()],
        )
        .await;
    assert_eq!(outcome, Outcome::Delivered { status: 204 });

    let requests = seen.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (_, headers, body) = &requests[0];
    assert_eq!(body.as_ref(), PAYLOAD);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["webhook-id"], message(ts).id);
    assert_eq!(headers["webhook-timestamp"], ts.to_string().as_str());
    let signatures = headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2);
    for secret in [new, old] {
        assert_eq!(verify(headers, body, &[secret], now(), TOLERANCE), Ok(()));
    }
    assert!(verify(headers, body, &[Secret::generate()], now(), TOLERANCE).is_err());
    assert!(verify(headers, b"{}", &[Secret::generate()], now(), TOLERANCE).is_err());
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff() {
    let (addr, seen) = serve(String::new()).await;
    let outcome = loopback()
        .deliver(
            &format!("http://{addr}/fail"),
            &message(now()),
            &[Secret::generate()],
        )
        .await;
    assert_eq!(
        outcome,
        Outcome::Retry {
            failure: Failure::Status(500),
            retry_after: None
        }
    );
    assert_eq!(seen.paths(), ["/fail"]);
    let decision = RetryPolicy::default().decide(1, &outcome, &mut rand::rng());
    assert!(matches!(decision, Decision::RetryIn(d) if d <= Duration::from_secs(5)));
}

#[tokio::test]
async fn retry_after_in_seconds_or_as_a_date_sets_the_next_attempt() {
    let (addr, _) = serve(String::new()).await;
    let secrets = [Secret::generate()];
    let outcome = loopback()
        .deliver(&format!("http://{addr}/limited"), &message(now()), &secrets)
        .await;
    assert_eq!(
        outcome,
        Outcome::Retry {
            failure: Failure::Status(429),
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert_eq!(
        RetryPolicy::default().decide(1, &outcome, &mut rand::rng()),
        Decision::RetryIn(Duration::from_secs(7))
    );

    let outcome = loopback()
        .deliver(
            &format!("http://{addr}/unavailable"),
            &message(now()),
            &secrets,
        )
        .await;
    let Outcome::Retry {
        failure: Failure::Status(503),
        retry_after: Some(after),
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    // HTTP-dates have whole seconds; the request itself takes a moment.
    assert!(
        (Duration::from_secs(117)..=Duration::from_secs(120)).contains(&after),
        "{after:?}"
    );
}

#[tokio::test]
async fn redirects_are_failures_and_never_followed() {
    let (target, target_seen) = serve(String::new()).await;
    let (addr, seen) = serve(format!("http://{target}/ok")).await;
    for code in [301u16, 302, 303, 307, 308] {
        let outcome = loopback()
            .deliver(
                &format!("http://{addr}/redirect/{code}"),
                &message(now()),
                &[Secret::generate()],
            )
            .await;
        assert_eq!(
            outcome,
            Outcome::Retry {
                failure: Failure::Status(code),
                retry_after: None
            }
        );
    }
    assert_eq!(seen.paths().len(), 5);
    assert!(target_seen.paths().is_empty(), "{:?}", target_seen.paths());
}

#[tokio::test]
async fn a_410_disables_the_endpoint() {
    let (addr, _) = serve(String::new()).await;
    let outcome = loopback()
        .deliver(
            &format!("http://{addr}/gone"),
            &message(now()),
            &[Secret::generate()],
        )
        .await;
    assert_eq!(outcome, Outcome::Gone);
    assert_eq!(
        RetryPolicy::default().decide(1, &outcome, &mut rand::rng()),
        Decision::DisableEndpoint
    );
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_in_time_is_retried() {
    let (addr, _) = serve(String::new()).await;
    let delivery = Delivery::new(DeliveryConfig {
        timeout: Duration::from_millis(500),
        ..loopback().config().clone()
    });
    let started = Instant::now();
    let outcome = delivery
        .deliver(
            &format!("http://{addr}/slow"),
            &message(now()),
            &[Secret::generate()],
        )
        .await;
    assert_eq!(
        outcome,
        Outcome::Retry {
            failure: Failure::Timeout,
            retry_after: None
        }
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn no_listener_is_retried_with_a_message_naming_the_host_only() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let outcome = loopback()
        .deliver(
            &format!("http://{addr}/ok"),
            &message(now()),
            &[Secret::generate()],
        )
        .await;
    let Outcome::Retry {
        failure: Failure::Unreachable(why),
        retry_after: None,
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(
        why.starts_with(&format!("could not connect to {addr}")),
        "{why}"
    );
    assert!(!why.contains("os error"), "{why}");
}

#[tokio::test]
async fn endless_bodies_are_cut_off_at_the_size_cap() {
    let (addr, _) = serve(String::new()).await;
    // Without the cap the body would be read until the 10 s deadline.
    let delivery = loopback();
    for (path, expected) in [
        ("/endless-ok", Outcome::Delivered { status: 200 }),
        (
            "/endless-fail",
            Outcome::Retry {
                failure: Failure::Status(502),
                retry_after: None,
            },
        ),
    ] {
        let started = Instant::now();
        let outcome = delivery
            .deliver(
                &format!("http://{addr}{path}"),
                &message(now()),
                &[Secret::generate()],
            )
            .await;
        assert_eq!(outcome, expected);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{path}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn private_addresses_and_names_resolving_to_them_are_refused_unless_allowed() {
    let (addr, seen) = serve(String::new()).await;
    let port = addr.port();
    let public_only = Delivery::new(DeliveryConfig {
        allow_http: true,
        ..DeliveryConfig::default()
    });
    for (url, host) in [
        (format!("http://127.0.0.1:{port}/ok"), "127.0.0.1"),
        (format!("http://localhost:{port}/ok"), "localhost"),
        (format!("http://[::1]:{port}/ok"), "::1"),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/ok"),
            "::ffff:127.0.0.1",
        ),
        (format!("http://0.0.0.0:{port}/ok"), "0.0.0.0"),
        (
            format!("http://169.254.169.254:{port}/ok"),
            "169.254.169.254",
        ),
        (format!("http://10.1.2.3:{port}/ok"), "10.1.2.3"),
        (format!("http://[fd00::1]:{port}/ok"), "fd00::1"),
        (format!("http://224.0.0.1:{port}/ok"), "224.0.0.1"),
    ] {
        let outcome = public_only
            .deliver(&url, &message(now()), &[Secret::generate()])
            .await;
        assert_eq!(
            outcome,
            Outcome::Refused(Refusal::PrivateAddress(host.to_owned())),
            "{url}"
        );
    }
    assert!(seen.paths().is_empty());

    // Allowed (as in tests), the same name resolves and is delivered to.
    let outcome = loopback()
        .deliver(
            &format!("http://localhost:{port}/ok"),
            &message(now()),
            &[Secret::generate()],
        )
        .await;
    assert_eq!(outcome, Outcome::Delivered { status: 204 });
    assert_eq!(seen.paths(), ["/ok"]);
}

#[tokio::test]
async fn refused_deliveries_send_nothing() {
    let (addr, seen) = serve(String::new()).await;
    let https_only = Delivery::new(DeliveryConfig {
        allow_private: true,
        ..DeliveryConfig::default()
    });
    let secrets = [Secret::generate()];
    assert_eq!(
        https_only
            .deliver(&format!("http://{addr}/ok"), &message(now()), &secrets)
            .await,
        Outcome::Refused(Refusal::Scheme)
    );
    let dotted = Message {
        id: "msg.1",
        ..message(now())
    };
    assert!(matches!(
        loopback()
            .deliver(&format!("http://{addr}/ok"), &dotted, &secrets)
            .await,
        Outcome::Refused(Refusal::Unsignable(_))
    ));
    assert!(matches!(
        loopback()
            .deliver(&format!("http://{addr}/ok"), &message(now()), &[])
            .await,
        Outcome::Refused(Refusal::Unsignable(_))
    ));
    assert_eq!(
        loopback()
            .deliver(
                &format!("http://user:pw@{addr}/ok"),
                &message(now()),
                &secrets
            )
            .await,
        Outcome::Refused(Refusal::Credentials)
    );
    assert!(seen.paths().is_empty());
}
