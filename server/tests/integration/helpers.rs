use std::net::SocketAddr;

use evidence::EvidenceStore;
use server::http::{AppState, app, leptos_options, serve};
use services::Services;
use store::testing::{TestDb, engines};

/// No test request takes anywhere near this; a request that does fails its
/// test with the URL (instead of hanging the suite).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A running Steward on a random loopback port, with its own database.
pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub db: TestDb,
    pub client: reqwest::Client,
    _evidence_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn engine(&self) -> store::Engine {
        self.db.engine()
    }

    /// The body of `GET path` with the app's own (cookie-less) client.
    pub async fn text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn start_with(db: TestDb, seed: bool, oidc: Vec<server::oidc::Provider>) -> TestApp {
    let evidence_dir = tempfile::tempdir().unwrap();
    // Remote MCP servers in these tests run on loopback.
    let services = Services::new(
        db.store.clone(),
        EvidenceStore::local(evidence_dir.path()).unwrap(),
    )
    .with_remote_allow_private(true);
    if seed {
        services.seed_demo().await.unwrap();
    }
    // As `steward serve` does: decisions come from the in-memory cache.
    let (stop_feed, feed_stopped) = tokio::sync::watch::channel(false);
    services.spawn_decision_feed(feed_stopped);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let state = AppState {
        leptos_options: leptos_options(std::path::Path::new("target/site"), addr),
        services: services.clone(),
        metrics: server::observability::metrics_handle(),
        secure_cookies: false,
        public_url: format!("http://{addr}"),
        oidc: std::sync::Arc::new(oidc),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, app(state), async move {
        let _ = rx.await;
        let _ = stop_feed.send(true);
    }));
    TestApp {
        base: format!("http://{addr}"),
        services,
        db,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap(),
        _evidence_dir: evidence_dir,
        shutdown: Some(tx),
    }
}

async fn start(db: TestDb, seed: bool) -> TestApp {
    start_with(db, seed, Vec::new()).await
}

/// One app per engine, each with the demo marketplace seeded.
pub async fn seeded_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in engines().await {
        apps.push(start(db, true).await);
    }
    apps
}

/// A browser: its own cookie jar, and the Origin header browsers send.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(REQUEST_TIMEOUT)
                .build()
                .unwrap(),
        }
    }

    /// Calls a server function the way a page's form does.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.base))
            .header("origin", &self.base)
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A page's server-rendered HTML, as this browser sees it.
    pub async fn page(&self, path: &str) -> String {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        res.text().await.unwrap()
    }

    /// Who the server thinks this browser is (`null` when signed out).
    pub async fn me(&self) -> serde_json::Value {
        let res = self.call("me", &[]).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    pub async fn sign_up(&self, email: &str, name: &str) -> reqwest::Response {
        self.call(
            "sign_up",
            &[
                ("email", email),
                ("display_name", name),
                ("password", PASSWORD),
            ],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.call("sign_in", &[("email", email), ("password", password)])
            .await
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A fresh app per engine, without demo data.
pub async fn empty_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in engines().await {
        apps.push(start(db, false).await);
    }
    apps
}

/// The shared test corpus: `$STEWARD_CORPUS`, else `shared/corpus` beside the
/// repository, else `/work/shared/corpus`. Never skipped: missing is a failure.
pub fn corpus(rel: &str) -> Vec<u8> {
    use std::path::{Path, PathBuf};
    let dir = std::env::var("STEWARD_CORPUS")
        .map(PathBuf::from)
        .ok()
        .or_else(|| {
            let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
            beside.is_dir().then_some(beside)
        })
        .unwrap_or_else(|| PathBuf::from("/work/shared/corpus"));
    let path = dir.join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "test corpus file {} is missing ({e}); set STEWARD_CORPUS",
            path.display()
        )
    })
}

/// A plain client (no cookies) with the suite's request timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}
