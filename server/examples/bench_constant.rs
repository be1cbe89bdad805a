//! The baseline for `scripts/bench.sh`: serves one fixed body for `GET /catalog`
//! from memory, with the same runtime (multi-threaded tokio), allocator (mimalloc), HTTP stack (axum 0.8
//! over hyper) and socket options (TCP_NODELAY, as in `server::http::serve`) as
//! `steward`, and nothing else: no database, no rendering, no middleware.
//!
//!     cargo run -p server --release --example bench_constant -- --body catalog.html
//!
//! The ratio steward/bench_constant on the same page is the share of the HTTP
//! stack's ceiling that the application reaches.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use clap::Parser;

/// The same allocator as `steward`, so the baseline differs only by the application.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(about = "Serve a file's bytes, unchanged, for GET /catalog")]
struct Args {
    /// The response body, read once at start-up.
    #[arg(long)]
    body: PathBuf,
    /// The Content-Type sent with it.
    #[arg(long, default_value = "text/html; charset=utf-8")]
    content_type: String,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:3201")]
    addr: SocketAddr,
    /// Also answer `POST /api/v1/authorize`: parse the request body as JSON
    /// (400 if it is not) and reply with this file's bytes as
    /// `application/json` (the baseline of `scripts/bench_authorize.sh`).
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let body = match std::fs::read(&args.body) {
        Ok(b) => Bytes::from(b),
        Err(e) => {
            eprintln!("bench_constant: cannot read {}: {e}", args.body.display());
            return ExitCode::from(2);
        }
    };
    let content_type = match header::HeaderValue::from_str(&args.content_type) {
        Ok(v) => v,
        Err(_) => {
            eprintln!(
                "bench_constant: {:?} is not a valid header value",
                args.content_type
            );
            return ExitCode::from(2);
        }
    };
    let len = body.len();
    let json = match &args.json {
        None => None,
        Some(p) => match std::fs::read(p) {
            Ok(b) => Some(Bytes::from(b)),
            Err(e) => {
                eprintln!("bench_constant: cannot read {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
    };
    // `Bytes` clones are reference counts: no copy of the body per request.
    let app = Router::new().route(
        "/catalog",
        get(move || {
            let body = body.clone();
            let content_type = content_type.clone();
            async move { ([(header::CONTENT_TYPE, content_type)], body) }
        }),
    );
    let app = match json {
        None => app,
        Some(reply) => app.route(
            "/api/v1/authorize",
            axum::routing::post(move |axum::Json(_): axum::Json<serde_json::Value>| {
                let reply = reply.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], reply) }
            }),
        ),
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench_constant: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "bench_constant: serving {len} bytes on http://{}/catalog",
        args.addr
    );
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_constant: {e}");
            ExitCode::FAILURE
        }
    }
}
