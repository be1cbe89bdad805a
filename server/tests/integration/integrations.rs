//! Webhooks and the event feed (issue #8): a real loopback receiver that
//! checks every signature with `webhooks::verify`; the dispatcher in process
//! and the real `steward` binary killed with SIGKILL mid-delivery.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::OrgId;
use domain::audit::{Actor as AuditActor, AuditRecord};
use domain::org::OrgKind;
use services::integrations::WebhookConfig;
use services::{Actor, Services};
use store::records::{EndpointState, Org, WebhookEndpoint};
use store::{NewEvent, Store, now_ms};
use webhooks::Secret;

use crate::helpers::{TestApp, empty_apps};

/// What the receiver saw.
#[derive(Default)]
pub struct Seen {
    /// Secrets a signature must match one of.
    pub secrets: Vec<String>,
    /// The status to answer with.
    pub status: u16,
    /// Every signed request, in arrival order: (webhook-id, body).
    pub requests: Vec<(String, serde_json::Value)>,
    /// Requests whose signature did not verify.
    pub bad_signatures: usize,
}

/// A webhook receiver on loopback.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
}

impl Receiver {
    pub async fn start(secrets: Vec<String>) -> Receiver {
        let seen = Arc::new(Mutex::new(Seen {
            secrets,
            status: 204,
            ..Default::default()
        }));
        async fn hook(
            State(seen): State<Arc<Mutex<Seen>>>,
            headers: HeaderMap,
            body: Bytes,
        ) -> StatusCode {
            let mut s = seen.lock().unwrap();
            let secrets: Vec<Secret> = s
                .secrets
                .iter()
                .map(|k| Secret::parse(k).unwrap())
                .collect();
            let now = now_ms() / 1000;
            if webhooks::verify(&headers, &body, &secrets, now, webhooks::TOLERANCE).is_err() {
                s.bad_signatures += 1;
                return StatusCode::UNAUTHORIZED;
            }
            let id = headers[webhooks::ID_HEADER].to_str().unwrap().to_owned();
            s.requests
                .push((id, serde_json::from_slice(&body).unwrap()));
            StatusCode::from_u16(s.status).unwrap()
        }
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, seen }
    }

    pub fn set_status(&self, status: u16) {
        self.seen.lock().unwrap().status = status;
    }

    pub fn ids(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .requests
            .iter()
            .map(|(i, _)| i.clone())
            .collect()
    }

    /// Per subject, the `n` of each event in the order first received.
    pub fn first_seen_by_subject(&self) -> HashMap<String, Vec<i64>> {
        let s = self.seen.lock().unwrap();
        let mut seen_ids = HashSet::new();
        let mut out: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, body) in &s.requests {
            if seen_ids.insert(id.clone())
                && let Some(subject) = body["data"]["subject"].as_str()
            {
                out.entry(subject.to_owned())
                    .or_default()
                    .push(body["data"]["n"].as_i64().unwrap());
            }
        }
        out
    }
}

fn config() -> WebhookConfig {
    WebhookConfig {
        allow_private: true,
        max_attempts: 3,
        backoff_base: Duration::from_millis(1),
        lease: Duration::from_secs(10),
        timeout: Duration::from_secs(5),
        batch: 32,
        poll: Duration::from_millis(20),
    }
}

/// An account that administers a new organization of `kind`.
async fn admin_of(s: &Services, slug: &str, kind: &str) -> (Actor, Org) {
    let user = s
        .sign_up(
            None,
            &format!("{slug}@example.com"),
            slug,
            crate::helpers::PASSWORD,
        )
        .await
        .unwrap();
    let actor = Actor::User(user.id);
    let org = s.create_org(&actor, kind, slug, slug).await.unwrap();
    (actor, org)
}

fn event(org: Option<OrgId>, ty: &str, subject: &str, n: i64) -> NewEvent {
    NewEvent {
        event_type: ty.into(),
        org_id: org,
        subject_type: "listing".into(),
        subject_id: subject.into(),
        payload: serde_json::json!({ "subject": subject, "n": n }),
    }
}

async fn emit(store: &Store, events: Vec<NewEvent>) {
    let tx = store.begin_write().await.unwrap();
    tx.commit(
        AuditRecord::new(AuditActor::System, "test.emit", "batch", "x"),
        events,
    )
    .await
    .unwrap();
}

/// Runs the dispatcher until a pass finds nothing due.
async fn drain(s: &Services) {
    let d = s.webhook_dispatcher();
    for _ in 0..1000 {
        if d.run_once().await.unwrap() == 0 {
            return;
        }
    }
    panic!("the dispatcher never ran out of work");
}

async fn setup(
    app: &TestApp,
    slug: &str,
    cfg: WebhookConfig,
) -> (Services, Actor, Org, Receiver, String) {
    let s = app.services.clone().with_webhooks(cfg);
    let (actor, org) = admin_of(&s, slug, "publisher").await;
    let receiver = Receiver::start(vec![]).await;
    let (endpoint, secret) = s
        .create_webhook_endpoint(&actor, &org.slug, &receiver.url, "test", "", "")
        .await
        .unwrap();
    assert!(secret.starts_with("whsec_"));
    receiver.seen.lock().unwrap().secrets = vec![secret];
    (s, actor, org, receiver, endpoint.id)
}

#[tokio::test]
async fn signed_webhooks_arrive_once_each_in_subject_order_and_pings_go_to_one_endpoint() {
    for app in empty_apps().await {
        let (s, actor, org, receiver, endpoint) = setup(&app, "acme", config()).await;
        // Another organization's endpoint gets none of acme's events.
        let (other_actor, other) = admin_of(&s, "globex", "tenant").await;
        let other_receiver = Receiver::start(vec![]).await;
        let (_, other_secret) = s
            .create_webhook_endpoint(&other_actor, &other.slug, &other_receiver.url, "", "", "")
            .await
            .unwrap();
        other_receiver.seen.lock().unwrap().secrets = vec![other_secret];

        for n in 0..5 {
            emit(
                &s.store,
                (0..4)
                    .map(|k| event(Some(org.id), "listing.updated", &format!("s{k}"), n))
                    .collect(),
            )
            .await;
        }
        drain(&s).await;
        let ids = receiver.ids();
        assert_eq!(ids.len(), 20);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 20);
        assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
        for (subject, ns) in receiver.first_seen_by_subject() {
            assert_eq!(ns, vec![0, 1, 2, 3, 4], "{subject}");
        }
        let first = receiver.seen.lock().unwrap().requests[0].1.clone();
        assert_eq!(first["type"], "listing.updated");
        assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(other_receiver.ids().is_empty());

        let ping = s
            .ping_webhook_endpoint(&actor, &org.slug, &endpoint)
            .await
            .unwrap();
        drain(&s).await;
        let (last_id, last_body) = receiver
            .seen
            .lock()
            .unwrap()
            .requests
            .last()
            .unwrap()
            .clone();
        assert_eq!(last_id, ping);
        assert_eq!(last_body["type"], "webhook.ping");
        assert!(other_receiver.ids().is_empty());
        // Not another organization's to ping, log or pause: 404.
        assert!(matches!(
            s.ping_webhook_endpoint(&other_actor, &other.slug, &endpoint)
                .await,
            Err(services::ServiceError::NotFound)
        ));
        assert!(matches!(
            s.webhook_deliveries(&other_actor, &org.slug, &endpoint)
                .await,
            Err(services::ServiceError::NotFound)
        ));
        let (_, views) = s.webhook_endpoints(&actor, &org.slug).await.unwrap();
        assert_eq!(views[0].counts.delivered, 21);
        assert_eq!(views[0].counts.pending, 0);
    }
}

#[tokio::test]
async fn a_410_disables_the_endpoint_until_resumed_and_pause_holds_deliveries() {
    for app in empty_apps().await {
        let (s, actor, org, receiver, endpoint) = setup(&app, "acme", config()).await;
        receiver.set_status(410);
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "a", 0)],
        )
        .await;
        drain(&s).await;
        let (_, views) = s.webhook_endpoints(&actor, &org.slug).await.unwrap();
        assert_eq!(views[0].endpoint.state, EndpointState::Disabled);
        assert_eq!(views[0].counts.dead, 1);
        assert!(
            views[0].last_errors[0]
                .last_error
                .as_ref()
                .unwrap()
                .contains("410")
        );
        // Disabled: new events are not queued for it, nothing is sent.
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "a", 1)],
        )
        .await;
        drain(&s).await;
        assert_eq!(receiver.ids().len(), 1);

        receiver.set_status(200);
        s.set_webhook_endpoint_paused(&actor, &org.slug, &endpoint, false)
            .await
            .unwrap();
        s.set_webhook_endpoint_paused(&actor, &org.slug, &endpoint, true)
            .await
            .unwrap();
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "b", 0)],
        )
        .await;
        drain(&s).await;
        assert_eq!(receiver.ids().len(), 1, "paused: held");
        let (_, views) = s.webhook_endpoints(&actor, &org.slug).await.unwrap();
        assert_eq!(views[0].counts.pending, 1);
        s.set_webhook_endpoint_paused(&actor, &org.slug, &endpoint, false)
            .await
            .unwrap();
        drain(&s).await;
        assert_eq!(receiver.ids().len(), 2, "resumed: delivered");
        // Each change is audited.
        let trail = s.store.audit_page(0, 1000).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "webhook_endpoint.created",
            "webhook_endpoint.disabled",
            "webhook_endpoint.paused",
            "webhook_endpoint.resumed",
        ] {
            assert!(actions.contains(&a), "{a} not audited");
        }
    }
}

#[tokio::test]
async fn a_delivery_dies_after_the_attempt_limit_and_replay_delivers_it() {
    for app in empty_apps().await {
        let (s, actor, org, receiver, endpoint) = setup(&app, "acme", config()).await;
        receiver.set_status(500);
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "a", 0)],
        )
        .await;
        // Retries are due within milliseconds (base 1 ms): drain until dead.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            drain(&s).await;
            let (_, views) = s.webhook_endpoints(&actor, &org.slug).await.unwrap();
            if views[0].counts.dead == 1 {
                break;
            }
            assert!(Instant::now() < deadline, "never died");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(receiver.ids().len(), 3, "max_attempts = 3");
        let (_, _, log) = s
            .webhook_deliveries(&actor, &org.slug, &endpoint)
            .await
            .unwrap();
        assert!(log[0].last_error.as_ref().unwrap().contains("HTTP 500"));
        assert_eq!(log[0].attempts, 3);

        receiver.set_status(200);
        s.replay_webhook_delivery(&actor, &org.slug, &log[0].id)
            .await
            .unwrap();
        drain(&s).await;
        let ids = receiver.ids();
        assert_eq!(ids.len(), 4);
        assert!(
            ids.iter().all(|i| *i == log[0].id),
            "the same webhook-id every time"
        );
        let (_, views) = s.webhook_endpoints(&actor, &org.slug).await.unwrap();
        assert_eq!((views[0].counts.delivered, views[0].counts.dead), (1, 0));
        // Only dead deliveries replay.
        assert!(
            s.replay_webhook_delivery(&actor, &org.slug, &log[0].id)
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_until_the_grace_ends() {
    for app in empty_apps().await {
        let (s, actor, org, receiver, endpoint) = setup(&app, "acme", config()).await;
        let old = receiver.seen.lock().unwrap().secrets.clone();
        let new = s
            .rotate_webhook_secret(&actor, &org.slug, &endpoint)
            .await
            .unwrap();
        assert_ne!(vec![new.clone()], old);
        // A receiver that knows only the old one, then only the new one.
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "a", 0)],
        )
        .await;
        drain(&s).await;
        receiver.seen.lock().unwrap().secrets = vec![new];
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "a", 1)],
        )
        .await;
        drain(&s).await;
        assert_eq!(receiver.ids().len(), 2);
        assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
    }
}

#[tokio::test]
async fn two_dispatchers_never_deliver_an_event_twice() {
    for app in empty_apps().await {
        let (s, _actor, org, receiver, _) = setup(&app, "acme", config()).await;
        for n in 0..10 {
            emit(
                &s.store,
                (0..30)
                    .map(|k| event(Some(org.id), "listing.updated", &format!("s{k}"), n))
                    .collect(),
            )
            .await;
        }
        let (a, b) = (s.webhook_dispatcher(), s.webhook_dispatcher());
        let run = |d: services::integrations::Dispatcher| async move {
            let mut idle = 0;
            while idle < 5 {
                if d.run_once().await.unwrap() == 0 {
                    idle += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                } else {
                    idle = 0;
                }
            }
        };
        tokio::join!(run(a), run(b));
        let ids = receiver.ids();
        assert_eq!(ids.len(), 300, "every event exactly once: no duplicates");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 300);
        for (subject, ns) in receiver.first_seen_by_subject() {
            assert_eq!(ns, (0..10).collect::<Vec<_>>(), "{subject}");
        }
    }
}

#[tokio::test]
async fn the_event_feed_pages_the_tokens_organizations_events() {
    for app in empty_apps().await {
        let s = app.services.clone().with_webhooks(config());
        let (actor, org) = admin_of(&s, "acme", "publisher").await;
        let (_, other) = admin_of(&s, "globex", "publisher").await;
        let (_, token) = s
            .create_token(&actor, &org.slug, "feed", &["events:read".into()], None)
            .await
            .unwrap();
        let (_, no_scope) = s
            .create_token(&actor, &org.slug, "other", &["authorize".into()], None)
            .await
            .unwrap();
        for n in 0..5 {
            emit(
                &s.store,
                vec![event(Some(org.id), "listing.updated", "a", n)],
            )
            .await;
            emit(
                &s.store,
                vec![event(Some(other.id), "listing.updated", "b", n)],
            )
            .await;
        }
        let get = |q: String, bearer: String| {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/events{q}"));
            async move { client.get(url).bearer_auth(bearer).send().await.unwrap() }
        };
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let r = get(format!("?limit=2&after={after}"), token.clone()).await;
            assert_eq!(r.status(), 200);
            let page: serde_json::Value = r.json().await.unwrap();
            let events = page["events"].as_array().unwrap().clone();
            after = page["next"].as_str().unwrap().to_owned();
            if events.is_empty() {
                break;
            }
            // The org's own events (org.created, token.created, ...) are in
            // the feed too; these tests' events are the listing.updated ones.
            for e in events
                .into_iter()
                .filter(|e| e["type"] == "listing.updated")
            {
                assert!(e["timestamp"].is_string() && e["id"].is_string());
                seen.push(e["data"]["n"].as_i64().unwrap());
                assert_eq!(e["data"]["subject"], "a", "only acme's events");
            }
        }
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        // Resuming from the end sees what committed since.
        emit(
            &s.store,
            vec![event(Some(org.id), "listing.updated", "a", 5)],
        )
        .await;
        let page: serde_json::Value = get(format!("?after={after}"), token.clone())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["events"][0]["data"]["n"], 5);
        assert_eq!(get(String::new(), no_scope).await.status(), 403);
        assert_eq!(get("?after=zzz".into(), token.clone()).await.status(), 422);
        assert_eq!(get(String::new(), "stw_nope".into()).await.status(), 401);
    }
}

// ---- The real binary, killed mid-delivery ----

const BIN: &str = env!("CARGO_BIN_EXE_steward");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn steward(data: &std::path::Path, database_url: &str) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STEWARD_DATA_DIR", data)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .env("STEWARD_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("STEWARD_WEBHOOK_LEASE_SECS", "2")
        .env("STEWARD_WEBHOOK_BACKOFF_MS", "10")
        .env("STEWARD_AUDIT_CHECKPOINT_SECS", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    c
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Migrates, then queues `subjects × per_subject` events for one endpoint
/// pointing at `receiver`, written straight to the store before any server runs.
async fn queue_events(
    database_url: &str,
    data: &std::path::Path,
    receiver: &Receiver,
    subjects: usize,
    per_subject: usize,
) {
    let out = steward(data, database_url)
        .arg("migrate")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let store = Store::connect(&store::DatabaseUrl::parse(database_url).unwrap())
        .await
        .unwrap();
    let org = Org {
        id: OrgId::new(),
        slug: "acme".into(),
        name: "Acme".into(),
        kind: OrgKind::Publisher,
        verified_domain: None,
        created_at: now_ms(),
        verification_lapsed_at: None,
    };
    let now = now_ms();
    let endpoint = WebhookEndpoint {
        id: uuid::Uuid::now_v7().to_string(),
        org_id: org.id,
        url: receiver.url.clone(),
        description: String::new(),
        event_types: vec![],
        all_events: false,
        kind: domain::integrations::IntegrationKind::Generic,
        secret: SECRET.into(),
        previous_secret: None,
        previous_secret_until: None,
        state: EndpointState::Active,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    let tx = store.begin_write().await.unwrap();
    tx.insert_org(&org).await.unwrap();
    tx.in_org(org.id)
        .insert_webhook_endpoint(&endpoint)
        .await
        .unwrap();
    tx.commit(
        AuditRecord::new(AuditActor::System, "test.setup", "org", org.id),
        vec![],
    )
    .await
    .unwrap();
    // Round-robin over subjects, so every batch mixes them.
    let all: Vec<NewEvent> = (0..per_subject)
        .flat_map(|n| (0..subjects).map(move |k| (n, k)))
        .map(|(n, k)| event(Some(org.id), "listing.updated", &format!("s{k}"), n as i64))
        .collect();
    for chunk in all.chunks(1000) {
        emit(&store, chunk.to_vec()).await;
    }
    store.close().await.unwrap();
}

async fn wait_for(receiver: &Receiver, unique: usize, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if receiver.ids().iter().collect::<HashSet<_>>().len() >= unique {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn sigkill_mid_delivery_delivers_every_event_once_in_order(database_url: &str) {
    const SUBJECTS: usize = 100;
    const PER_SUBJECT: usize = 100;
    const TOTAL: usize = SUBJECTS * PER_SUBJECT;
    let data = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(vec![SECRET.into()]).await;
    queue_events(database_url, data.path(), &receiver, SUBJECTS, PER_SUBJECT).await;
    // Three kills, each after more deliveries have arrived, then a clean run.
    for (round, at) in [1_000, 4_000, 7_000].into_iter().enumerate() {
        let mut child = steward(data.path(), database_url)
            .env("STEWARD_ADDR", free_addr())
            .arg("serve")
            .spawn()
            .unwrap();
        assert!(
            wait_for(&receiver, at, Duration::from_secs(120)).await,
            "round {round}: only {} delivered",
            receiver.ids().len()
        );
        child.start_kill().unwrap(); // SIGKILL
        child.wait().await.unwrap();
    }
    let mut child = steward(data.path(), database_url)
        .env("STEWARD_ADDR", free_addr())
        .arg("serve")
        .spawn()
        .unwrap();
    let done = wait_for(&receiver, TOTAL, Duration::from_secs(300)).await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let ids = receiver.ids();
    let unique: HashSet<_> = ids.iter().collect();
    assert!(done, "only {} of {TOTAL} delivered", unique.len());
    assert_eq!(unique.len(), TOTAL, "every event, none missing");
    assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
    let by_subject = receiver.first_seen_by_subject();
    assert_eq!(by_subject.len(), SUBJECTS);
    for (subject, ns) in by_subject {
        assert_eq!(
            ns,
            (0..PER_SUBJECT as i64).collect::<Vec<_>>(),
            "{subject} out of order"
        );
    }
    eprintln!(
        "crash test: {TOTAL} events, {} requests ({} redelivered after a kill)",
        ids.len(),
        ids.len() - TOTAL
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_delivers_every_event_once_in_order_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/steward.db", dir.path().display());
    sigkill_mid_delivery_delivers_every_event_once_in_order(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_delivers_every_event_once_in_order_on_postgres() {
    let Some(db) = store::testing::postgres().await else {
        return;
    };
    sigkill_mid_delivery_delivers_every_event_once_in_order(&db.url).await;
}

/// Two server processes on one PostgreSQL: no event is delivered twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_never_deliver_an_event_twice() {
    let Some(db) = store::testing::postgres().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(vec![SECRET.into()]).await;
    queue_events(&db.url, data.path(), &receiver, 50, 40).await;
    let mut a = steward(data.path(), &db.url)
        .env("STEWARD_ADDR", free_addr())
        // Long leases: any second delivery would be a double claim, not a takeover.
        .env("STEWARD_WEBHOOK_LEASE_SECS", "60")
        .arg("serve")
        .spawn()
        .unwrap();
    let mut b = steward(data.path(), &db.url)
        .env("STEWARD_ADDR", free_addr())
        .env("STEWARD_WEBHOOK_LEASE_SECS", "60")
        .arg("serve")
        .spawn()
        .unwrap();
    let done = wait_for(&receiver, 2_000, Duration::from_secs(120)).await;
    // A moment more: a duplicate would arrive now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for c in [&mut a, &mut b] {
        c.start_kill().unwrap();
        c.wait().await.unwrap();
    }
    assert!(done, "only {} delivered", receiver.ids().len());
    let ids = receiver.ids();
    assert_eq!(ids.len(), 2_000, "an event was delivered twice");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 2_000);
}

// ---- Named integrations: kinds, payloads and the per-tenant fan-out ----

async fn demo_user(s: &Services, email: &str) -> Actor {
    Actor::User(s.store.user_by_email(email).await.unwrap().unwrap().id)
}

/// An endpoint of `kind` for `org`, with a receiver that checks its secret.
async fn named_endpoint(s: &Services, who: &Actor, org: &str, kind: &str) -> Receiver {
    let r = Receiver::start(vec![]).await;
    let (_, secret) = s
        .create_webhook_endpoint(who, org, &r.url, kind, "", kind)
        .await
        .unwrap();
    r.seen.lock().unwrap().secrets = vec![secret];
    r
}

fn bodies(r: &Receiver) -> Vec<serde_json::Value> {
    let s = r.seen.lock().unwrap();
    assert_eq!(s.bad_signatures, 0);
    s.requests.iter().map(|(_, b)| b.clone()).collect()
}

fn choice(tools: &[&str]) -> services::installs::InstallChoice {
    services::installs::InstallChoice {
        version: None,
        tools: tools.iter().map(|t| t.to_string()).collect(),
        scopes: vec![],
        confirmed: vec![],
    }
}

#[tokio::test]
async fn a_suspension_reaches_each_tenants_identity_endpoint_with_only_its_own_install() {
    for app in crate::helpers::seeded_apps().await {
        let s = app.services.clone().with_webhooks(config());
        let olivia = demo_user(&s, "ops@steward.example").await;
        let carla = demo_user(&s, "admin@contoso.example").await;
        let tess = demo_user(&s, "admin@tailspin.example").await;
        let nora = demo_user(&s, "owner@northwind.example").await;
        let contoso = s
            .store
            .org_by_slug("contoso-health")
            .await
            .unwrap()
            .unwrap();
        let tailspin = s
            .store
            .org_by_slug("tailspin-retail")
            .await
            .unwrap()
            .unwrap();

        let contoso_identity = named_endpoint(&s, &carla, "contoso-health", "identity").await;
        let contoso_generic = named_endpoint(&s, &carla, "contoso-health", "generic").await;
        let contoso_policy = named_endpoint(&s, &carla, "contoso-health", "policy").await;
        let tailspin_identity = named_endpoint(&s, &tess, "tailspin-retail", "identity").await;
        let portal = named_endpoint(&s, &nora, "northwind-labs", "developer_portal").await;
        let ts = named_endpoint(&s, &olivia, "steward-ops", "trust_safety").await;
        let op_identity = named_endpoint(&s, &olivia, "steward-ops", "identity").await;

        let a = s
            .install(
                &carla,
                "contoso-health",
                "filesystem-access",
                &choice(&["read_file"]),
            )
            .await
            .unwrap();
        let b = s
            .install(
                &tess,
                "tailspin-retail",
                "filesystem-access",
                &choice(&["list_directory"]),
            )
            .await
            .unwrap();
        s.enforce(
            &olivia,
            "filesystem-access",
            services::records::Enforcement::Suspend,
            "exfiltrates files",
        )
        .await
        .unwrap();
        drain(&s).await;

        // Each tenant's identity provider: its own grant, then its own revocation.
        for (r, org, mine, theirs, tools) in [
            (&contoso_identity, &contoso, &a, &b, "read_file"),
            (&tailspin_identity, &tailspin, &b, &a, "list_directory"),
        ] {
            let got = bodies(r);
            let actions: Vec<(&str, &str)> = got
                .iter()
                .map(|x| {
                    (
                        x["type"].as_str().unwrap(),
                        x["data"]["action"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                actions,
                vec![
                    ("install.created", "grant"),
                    ("listing.suspended", "revoke_grants")
                ]
            );
            let revoke = &got[1]["data"];
            assert_eq!(revoke["schema"], "steward.identity.v1");
            assert_eq!(revoke["tenant"], org.id.to_string());
            assert_eq!(revoke["install"], mine.id.to_string());
            assert_eq!(revoke["agent"], mine.listing_id.to_string());
            assert_eq!(revoke["tools"], serde_json::json!([tools]));
            assert_eq!(revoke["reason"], "listing_suspended");
            // Nothing of the other tenant, anywhere in what it was sent.
            let all = serde_json::to_string(&got).unwrap();
            assert!(
                !all.contains(&theirs.id.to_string()),
                "another tenant's install leaked"
            );
            assert!(
                !all.contains(&theirs.org_id.to_string()),
                "another tenant leaked"
            );
            assert!(
                !all.contains("exfiltrates"),
                "the justification is not for tenants"
            );
        }
        // A tenant's generic endpoint: its install events and the suspension,
        // with its install attached; the policy endpoint gets neither.
        let got = bodies(&contoso_generic);
        let types: Vec<&str> = got.iter().map(|x| x["type"].as_str().unwrap()).collect();
        assert_eq!(types, vec!["install.created", "listing.suspended"]);
        assert_eq!(got[1]["data"]["install"]["id"], a.id.to_string());
        assert!(bodies(&contoso_policy).is_empty());
        // The publisher's portal: its listing's status, no tenant's install.
        let got = bodies(&portal);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["data"]["action"], "listing_status");
        assert_eq!(got[0]["data"]["status"], "suspended");
        assert_eq!(got[0]["data"]["justification"], "exfiltrates files");
        // The operator: the enforcement once, and identity for every install.
        let got = bodies(&ts);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["data"]["action"], "enforcement");
        assert_eq!(got[0]["data"]["enforcement"], "suspended");
        let got = bodies(&op_identity);
        assert_eq!(
            got.len(),
            3,
            "two grants and one marketplace-wide revocation"
        );
        assert_eq!(got[2]["data"]["install"], serde_json::Value::Null);

        // Uninstalling revokes at that tenant's provider only.
        s.uninstall(&carla, "contoso-health", &a.id.to_string())
            .await
            .unwrap();
        s.set_tenant_policy(
            &carla,
            "contoso-health",
            &services::installs::TenantPolicyInput {
                max_risk: "critical".into(),
                blocked_capabilities: vec![],
                blocked_categories: vec![],
                members_request: false,
            },
        )
        .await
        .unwrap();
        drain(&s).await;
        let got = bodies(&contoso_policy);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["data"]["action"], "policy_activated");
        assert_eq!(got[0]["data"]["scope"], "tenant");
        assert_eq!(got[0]["data"]["tenant"], contoso.id.to_string());
        let got = bodies(&contoso_identity);
        assert_eq!(got.len(), 3);
        assert_eq!(got[2]["data"]["action"], "revoke_grants");
        assert_eq!(got[2]["data"]["reason"], "uninstalled");
        assert_eq!(
            bodies(&tailspin_identity).len(),
            2,
            "not tailspin's business"
        );
        // The feed keeps the generic payload.
        let feed = s
            .store
            .events_after(Some(contoso.id), 0, 500)
            .await
            .unwrap();
        let created = feed
            .iter()
            .find(|e| e.event_type == "install.created")
            .unwrap();
        assert_eq!(created.payload["install_id"], a.id.to_string());
        assert!(created.payload.get("schema").is_none());
    }
}

/// `GET /api/v1/events` with a tenant's token: a suspension of a listing the
/// tenant has installed is in its feed, once per install, carrying its own
/// install and the body its generic webhook got; a tenant with no install of
/// it sees nothing; the cursor resumes after it.
#[tokio::test]
async fn a_tenants_event_feed_has_the_suspension_of_a_listing_it_installed() {
    for app in crate::helpers::seeded_apps().await {
        let s = app.services.clone().with_webhooks(config());
        let olivia = demo_user(&s, "ops@steward.example").await;
        let carla = demo_user(&s, "admin@contoso.example").await;
        let tess = demo_user(&s, "admin@tailspin.example").await;
        let contoso_generic = named_endpoint(&s, &carla, "contoso-health", "generic").await;
        let mine = s
            .install(
                &carla,
                "contoso-health",
                "filesystem-access",
                &choice(&["read_file"]),
            )
            .await
            .unwrap();
        let token = |who: Actor, org: &'static str| {
            let s = s.clone();
            async move {
                s.create_token(&who, org, "feed", &["events:read".into()], None)
                    .await
                    .unwrap()
                    .1
            }
        };
        let contoso = token(carla.clone(), "contoso-health").await;
        let tailspin = token(tess.clone(), "tailspin-retail").await;
        let page = |bearer: String, after: String| {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/events?limit=500&after={after}"));
            async move {
                let r = client.get(url).bearer_auth(bearer).send().await.unwrap();
                assert_eq!(r.status(), 200);
                let page: serde_json::Value = r.json().await.unwrap();
                (
                    page["events"].as_array().unwrap().clone(),
                    page["next"].as_str().unwrap().to_owned(),
                )
            }
        };
        // Each feed read to its end.
        let end = |bearer: String| async move {
            let mut after = String::new();
            loop {
                let (events, next) = page(bearer.clone(), after.clone()).await;
                after = next;
                if events.is_empty() {
                    return after;
                }
            }
        };
        let (contoso_end, tailspin_end) = (end(contoso.clone()).await, end(tailspin.clone()).await);

        s.enforce(
            &olivia,
            "filesystem-access",
            services::records::Enforcement::Suspend,
            "exfiltrates files",
        )
        .await
        .unwrap();
        drain(&s).await;

        let (events, next) = page(contoso.clone(), contoso_end.clone()).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let item = &events[0];
        assert_eq!(item["type"], "listing.suspended");
        assert_eq!(item["data"]["slug"], "filesystem-access");
        assert_eq!(item["data"]["listing_id"], mine.listing_id.to_string());
        assert_eq!(item["data"]["install"]["id"], mine.id.to_string());
        assert_eq!(item["data"]["install"]["tenant"], mine.org_id.to_string());
        assert_eq!(
            item["data"]["install"]["granted_tools"],
            serde_json::json!(["read_file"])
        );
        assert!(
            !item.to_string().contains("exfiltrates"),
            "the justification is not for tenants"
        );
        assert_eq!(item["cursor"], next);
        assert!(item["id"].is_string());
        // The same body as the tenant's generic webhook.
        let hook = bodies(&contoso_generic)
            .into_iter()
            .find(|b| b["type"] == "listing.suspended")
            .expect("the webhook got it too");
        for k in ["type", "timestamp", "data"] {
            assert_eq!(item[k], hook[k], "{k}");
        }
        // A tenant with no install of the listing sees nothing of it.
        let (events, _) = page(tailspin.clone(), tailspin_end).await;
        assert!(
            events.iter().all(|e| e["type"] != "listing.suspended"),
            "{events:?}"
        );
        // Resuming after the item: nothing again, then only what came since.
        let (events, again) = page(contoso.clone(), next.clone()).await;
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(again, next);
        s.enforce(
            &olivia,
            "filesystem-access",
            services::records::Enforcement::Reinstate,
            "fixed",
        )
        .await
        .unwrap();
        let (events, _) = page(contoso.clone(), next).await;
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["listing.reinstated"]);
        assert_eq!(events[0]["data"]["install"]["id"], mine.id.to_string());
    }
}

#[tokio::test]
async fn an_endpoints_kind_and_filter_are_checked_field_by_field() {
    for app in empty_apps().await {
        let s = app.services.clone().with_webhooks(config());
        let (actor, org) = admin_of(&s, "acme", "publisher").await;
        let url = "https://hooks.example.com/steward";
        let fields = |r: services::Result<_>| match r {
            Err(services::ServiceError::InvalidFields(f)) => {
                f.into_iter().map(|(k, _)| k).collect::<Vec<_>>()
            }
            other => panic!(
                "expected field errors, got {:?}",
                other.map(|_: (WebhookEndpoint, String)| ())
            ),
        };
        // Not a publisher's to add; not a kind at all.
        assert_eq!(
            fields(
                s.create_webhook_endpoint(&actor, &org.slug, url, "", "", "identity")
                    .await
            ),
            vec!["kind"]
        );
        assert_eq!(
            fields(
                s.create_webhook_endpoint(&actor, &org.slug, url, "", "", "crm")
                    .await
            ),
            vec!["kind"]
        );
        // A named kind's filter narrows; it cannot widen.
        assert_eq!(
            fields(
                s.create_webhook_endpoint(
                    &actor,
                    &org.slug,
                    url,
                    "",
                    "install.*",
                    "developer_portal"
                )
                .await
            ),
            vec!["event_types"]
        );
        assert_eq!(
            fields(
                s.create_webhook_endpoint(&actor, &org.slug, "ftp://x", "", "", "nope")
                    .await
            ),
            vec!["kind", "url"]
        );
        let (e, _) = s
            .create_webhook_endpoint(
                &actor,
                &org.slug,
                url,
                "",
                "listing_version.*",
                "developer_portal",
            )
            .await
            .unwrap();
        assert_eq!(
            e.kind,
            domain::integrations::IntegrationKind::DeveloperPortal
        );
        assert!(e.wants("listing_version.published"));
        assert!(!e.wants("listing.suspended"), "narrowed by the filter");
        assert!(!e.wants("org.created"), "not the kind's");
        let (e, _) = s
            .create_webhook_endpoint(&actor, &org.slug, url, "", "", "")
            .await
            .unwrap();
        assert_eq!(e.kind, domain::integrations::IntegrationKind::Generic);
    }
}

#[tokio::test]
async fn usage_is_summarized_once_per_install_and_hour_for_its_own_tenant() {
    for app in crate::helpers::seeded_apps().await {
        let s = app.services.clone().with_webhooks(config());
        let carla = demo_user(&s, "admin@contoso.example").await;
        let tess = demo_user(&s, "admin@tailspin.example").await;
        let contoso_billing = named_endpoint(&s, &carla, "contoso-health", "billing").await;
        let tailspin_billing = named_endpoint(&s, &tess, "tailspin-retail", "billing").await;
        let a = s
            .install(
                &carla,
                "contoso-health",
                "filesystem-access",
                &choice(&["read_file"]),
            )
            .await
            .unwrap();
        let b = s
            .install(
                &tess,
                "tailspin-retail",
                "filesystem-access",
                &choice(&["read_file"]),
            )
            .await
            .unwrap();
        let hour = 3_600_000;
        let now = now_ms();
        let h = now - now.rem_euclid(hour) - 3 * hour;
        let row =
            |i: &store::records::Install, at: i64, outcome: &str, n: i64| store::DecisionCountRow {
                org_id: i.org_id,
                install_id: i.id.to_string(),
                tool: "read_file".into(),
                outcome: outcome.into(),
                window_start: at,
                n,
            };
        s.store
            .record_decisions(
                &[
                    row(&a, h, "allow", 5),
                    row(&a, h + 60_000, "allow", 7),
                    row(&a, h + 120_000, "tool_not_granted", 2),
                    row(&a, h + hour, "allow", 1),
                    row(&b, h + 60_000, "allow", 40),
                    // The hour still running is not summarized yet.
                    row(&a, now - now.rem_euclid(hour), "allow", 9),
                ],
                &[],
            )
            .await
            .unwrap();
        // Two summarizers at once, then again: each period once.
        let (x, y) = tokio::join!(s.summarize_usage(now), s.summarize_usage(now));
        assert_eq!(x.unwrap() + y.unwrap(), 3);
        assert_eq!(s.summarize_usage(now).await.unwrap(), 0);
        drain(&s).await;
        let usage = |r: &Receiver| -> Vec<serde_json::Value> {
            bodies(r)
                .into_iter()
                .filter(|b| b["type"] == "usage.summarized")
                .map(|b| b["data"].clone())
                .collect()
        };
        let got = usage(&contoso_billing);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0]["schema"], "steward.billing.v1");
        assert_eq!(got[0]["action"], "usage");
        assert_eq!(got[0]["install"], a.id.to_string());
        assert_eq!(
            (got[0]["quantity"].as_i64(), got[0]["denied"].as_i64()),
            (Some(12), Some(2))
        );
        assert_eq!(got[1]["quantity"], 1);
        assert!(
            got[0]["period_start"]
                .as_str()
                .unwrap()
                .ends_with(":00:00Z")
        );
        let got = usage(&tailspin_billing);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["install"], b.id.to_string());
        assert_eq!(got[0]["quantity"], 40);
        // The subscription events too, each tenant its own.
        assert!(
            bodies(&contoso_billing)
                .iter()
                .any(|b| b["data"]["action"] == "subscription_started"
                    && b["data"]["install"] == a.id.to_string())
        );
        assert!(
            !serde_json::to_string(&bodies(&contoso_billing))
                .unwrap()
                .contains(&b.id.to_string())
        );
    }
}
