//! Logs and metrics.
//!
//! Logs carry a request id per request and never the query string, bodies,
//! cookies or tokens. Metrics label routes by their template (`/listings/{slug}`),
//! never by the raw path, so a crawler cannot blow up their cardinality.

use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global tracing subscriber (once; later calls do nothing).
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The process-wide Prometheus recorder.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .expect("static buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may exist in tests that embed us; ours still renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The label for a request: its route template, or a fixed word.
pub fn route_label(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned())
}

/// The method as a label: the standard ones by name, anything else as
/// `other` (a client cannot mint label values).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[derive(PartialEq, Eq, Hash)]
struct Labels {
    method: &'static str,
    route: Box<str>,
    status: u16,
}

/// [`Labels`] borrowed from the request; hashes as `Labels` does.
#[derive(Hash)]
struct LabelsRef<'a> {
    method: &'static str,
    route: &'a str,
    status: u16,
}

impl hashbrown::Equivalent<Labels> for LabelsRef<'_> {
    fn equivalent(&self, k: &Labels) -> bool {
        self.method == k.method && self.status == k.status && self.route == &*k.route
    }
}

type Handles = (metrics::Counter, metrics::Histogram);

/// The registered counter and histogram per label set: a request looks its
/// pair up without building label strings (routes are templates, so the set
/// stays small).
static HANDLES: LazyLock<RwLock<hashbrown::HashMap<Labels, Handles>>> =
    LazyLock::new(Default::default);

/// Counts one request (what [`track`] does; the permission check's own way
/// in calls it directly).
pub(crate) fn record(method: &'static str, route: &str, status: u16, elapsed: Duration) {
    let key = LabelsRef {
        method,
        route,
        status,
    };
    if let Some((c, h)) = HANDLES.read().expect("metrics handles").get(&key) {
        c.increment(1);
        h.record(elapsed.as_secs_f64());
        return;
    }
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    let handles = (
        metrics::counter!("http_requests_total", &labels),
        metrics::histogram!("http_request_duration_seconds", &labels),
    );
    let mut all = HANDLES.write().expect("metrics handles");
    let (c, h) = all
        .entry(Labels {
            method,
            route: route.into(),
            status,
        })
        .or_insert(handles);
    c.increment(1);
    h.record(elapsed.as_secs_f64());
}

/// Counts requests and their latency by method, route template and status.
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    record(method, route, res.status().as_u16(), start.elapsed());
    res
}

/// Folds recorded histogram samples into their buckets every few seconds.
/// The recorder keeps samples until then (or until `/metrics` is read), so
/// without this a busy server that nobody scrapes would grow without bound.
pub fn spawn_metrics_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}
