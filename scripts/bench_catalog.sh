#!/usr/bin/env bash
# Catalog search at scale (issue #7): bulk-loads LISTINGS (default 100,000)
# synthetic published listings into a fresh database per engine (SQLite, and
# PostgreSQL when TEST_DATABASE_URL is set, opened as the plain app role under
# row-level security), then times Store::search_catalog, the store call the
# catalog page makes, for typical queries. Prints a Markdown table of
# p50/p95/p99 per engine and query (see BENCHMARKS.md).
#
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/bench_catalog.sh
#   LISTINGS=10000 ITERATIONS=100 scripts/bench_catalog.sh
set -euo pipefail
cd "$(dirname "$0")/.."
listings="${LISTINGS:-100000}"
iterations="${ITERATIONS:-200}"
cargo build --release -q -p store --example bench_catalog
echo "catalog search benchmark: $listings listings, $iterations timed calls per query"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), commit $(git rev-parse --short HEAD)"
"${CARGO_TARGET_DIR:-target}/release/examples/bench_catalog" --listings "$listings" --iterations "$iterations"
