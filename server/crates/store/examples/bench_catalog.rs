//! Catalog search at scale: bulk-loads `--listings` published listings into a
//! fresh database per engine (SQLite file; PostgreSQL when TEST_DATABASE_URL
//! names a server, opened as the plain app role under row-level security, as
//! in production), then times `Store::search_catalog`, the one store call the
//! catalog page and `GET /api/v1/listings` make, for typical queries.
//!
//! ```text
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p store --example bench_catalog -- --listings 100000
//! ```
//!
//! Prints one Markdown table row per engine and query: p50/p95/p99 in
//! milliseconds over `--iterations` calls after a warm-up. `--only sqlite` or
//! `--only postgres` runs one engine.

use std::time::{Duration, Instant};

use store::Store;
use store::records::{CatalogQuery, CatalogSort};
use store::testing::TestDb;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the catalog page asks (the service's page size is 24).
fn queries() -> Vec<(&'static str, CatalogQuery)> {
    let base = CatalogQuery {
        page: 1,
        page_size: 24,
        sort: CatalogSort::Newest,
        ..Default::default()
    };
    let text = |t: &str| CatalogQuery {
        text: Some(t.into()),
        sort: CatalogSort::Relevance,
        ..base.clone()
    };
    vec![
        ("no text, newest (the landing page)", base.clone()),
        (
            "no text, by name",
            CatalogQuery {
                sort: CatalogSort::Name,
                ..base.clone()
            },
        ),
        ("common word `data`, relevance", text("data")),
        (
            "common word `data`, newest",
            CatalogQuery {
                sort: CatalogSort::Newest,
                ..text("data")
            },
        ),
        ("rare word `quokka`", text("quokka")),
        (
            "rare word `quokka`, newest",
            CatalogQuery {
                sort: CatalogSort::Newest,
                ..text("quokka")
            },
        ),
        ("prefix `paym` (typing)", text("paym")),
        ("two words `slack messages`", text("slack messages")),
        (
            "filters: category + risk ≤ medium + verified + free",
            CatalogQuery {
                category: Some("developer-tools".into()),
                max_risk: Some("medium".into()),
                verified_only: true,
                pricing: Some("free".into()),
                ..base.clone()
            },
        ),
        (
            "filters: can financial, cannot destructive",
            CatalogQuery {
                capability: Some("financial".into()),
                without_capability: Some("destructive".into()),
                ..base.clone()
            },
        ),
        (
            "`data` + risk ≤ medium + can read_data",
            CatalogQuery {
                max_risk: Some("medium".into()),
                capability: Some("read_data".into()),
                ..text("data")
            },
        ),
        (
            "common word `data` + can financial (rare)",
            CatalogQuery {
                capability: Some("financial".into()),
                ..text("data")
            },
        ),
        (
            "common word `data` + category + verified",
            CatalogQuery {
                category: Some("utilities".into()),
                verified_only: true,
                ..text("data")
            },
        ),
        (
            "common word `data`, by name",
            CatalogQuery {
                sort: CatalogSort::Name,
                ..text("data")
            },
        ),
        (
            "common word `data`, by name, page 10",
            CatalogQuery {
                sort: CatalogSort::Name,
                page: 10,
                ..text("data")
            },
        ),
        (
            "common word `data`, by name, page 42 (the last one served)",
            CatalogQuery {
                sort: CatalogSort::Name,
                page: 42,
                ..text("data")
            },
        ),
        (
            "word `meetings` (in 17%), by name",
            CatalogQuery {
                sort: CatalogSort::Name,
                ..text("meetings")
            },
        ),
        (
            "word `meetings` (in 17%), by name, page 42",
            CatalogQuery {
                sort: CatalogSort::Name,
                page: 42,
                ..text("meetings")
            },
        ),
        (
            "`data` + category + verified, by name",
            CatalogQuery {
                sort: CatalogSort::Name,
                category: Some("utilities".into()),
                verified_only: true,
                ..text("data")
            },
        ),
        (
            "page 42, no text",
            CatalogQuery {
                page: 42,
                ..base.clone()
            },
        ),
        (
            "page 42, `data`",
            CatalogQuery {
                page: 42,
                ..text("data")
            },
        ),
    ]
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(engine: &str, db: &TestDb, n: usize, iterations: usize) {
    let s: &Store = &db.store;
    let t = Instant::now();
    store::testing::bulk_catalog(s, n, 42)
        .await
        .expect("bulk load");
    eprintln!(
        "{engine}: loaded {n} listings in {:.1} s; full-text index in {} b-tree(s)",
        t.elapsed().as_secs_f64(),
        s.catalog_index_segments().await.expect("segments")
    );
    if s.engine() == store::Engine::Postgres {
        // Autovacuum would vacuum and analyze the freshly filled tables
        // within a minute or so (statistics for the planner, the visibility
        // map for index-only scans, the GIN index's pending list merged into
        // the index); the app role may not, so the owner does it now.
        db.as_owner("VACUUM ANALYZE").await;
    }
    time_queries(engine, s, iterations).await;
}

/// Times every query of [`queries`] on `s`.
async fn time_queries(engine: &str, s: &Store, iterations: usize) {
    for (name, q) in queries() {
        for _ in 0..10 {
            s.search_catalog(&q).await.expect("search");
        }
        let mut times = Vec::with_capacity(iterations);
        let mut last = None;
        for _ in 0..iterations {
            let t = Instant::now();
            let page = s.search_catalog(&q).await.expect("search");
            times.push(t.elapsed());
            last = Some(page);
        }
        times.sort();
        let page = last.expect("at least one iteration");
        let count = if page.total_capped {
            format!("{}+", page.total)
        } else {
            page.total.to_string()
        };
        println!(
            "| {engine} | {name} | {count} | {} | {:.2} | {:.2} | {:.2} |",
            page.hits.len(),
            pct(&times, 0.50),
            pct(&times, 0.95),
            pct(&times, 0.99)
        );
    }
}

#[tokio::main]
async fn main() {
    let n = arg("--listings", 100_000);
    let iterations = arg("--iterations", 200);
    println!("| engine | query | matches | on page | p50 ms | p95 ms | p99 ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    // `--only sqlite|postgres` runs one engine; `--keep` leaves the
    // databases in place afterwards.
    // `--url URL` times the queries on a database already loaded (one kept
    // by `--keep`), without loading anything.
    if let Some(url) = std::env::args().skip_while(|a| a != "--url").nth(1) {
        let url = store::DatabaseUrl::parse(&url).expect("a database URL");
        let s = Store::connect(&url).await.expect("the database");
        time_queries("kept", &s, iterations).await;
        return;
    }
    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        let db = store::testing::sqlite().await;
        run("SQLite", &db, n, iterations).await;
        if std::env::args().any(|a| a == "--keep") {
            // Left for `--url` and for reading plans (`EXPLAIN QUERY PLAN`).
            eprintln!("kept the SQLite database: {}", db.url);
            std::mem::forget(db);
        }
    }
    if only == "sqlite" {
        return;
    }
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        let db = store::testing::postgres()
            .await
            .expect("a PostgreSQL database");
        run("PostgreSQL", &db, n, iterations).await;
        if std::env::args().any(|a| a == "--keep") {
            // Left for reading plans by hand (`psql`, then `SET ROLE` to the app role).
            eprintln!("kept the PostgreSQL database: {}", db.url);
            std::mem::forget(db);
        }
    } else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL skipped");
    }
}
