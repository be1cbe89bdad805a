# Steward: two commands do everything on a fresh machine.
#   make run   builds, migrates, seeds the demo data (first time) and serves
#   make test  fmt, clippy (ssr and hydrate separately), every Rust test,
#              the release WASM build, schemathesis against /api/v1/openapi.json
#              and the end2end suite in Chromium
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Builds live outside the checkout so repeated runs (and CI) reuse them.
export CARGO_TARGET_DIR ?= /var/tmp/steward-target
BIN := $(CARGO_TARGET_DIR)/debug/steward

# Crates built for the server (ssr); `frontend` (hydrate) is linted on its own.
SSR_PKGS := -p server -p app -p services -p store -p evidence -p domain -p migrations -p ingest -p mcp_remote -p classifier -p model_review -p authz -p webhooks

.PHONY: run test build site site-release tools tools-test fmt-check clippy unit api-fuzz e2e bench bench-catalog clean-data

run: build
	$(BIN) seed --demo
	$(BIN) serve

build: tools
	scripts/site.sh dev
	cargo build -p server --bin steward

tools:
	scripts/tools.sh run

tools-test:
	scripts/tools.sh test

site: tools
	scripts/site.sh dev

site-release: tools-test
	scripts/site.sh release

test: tools-test fmt-check clippy unit site-release api-fuzz e2e

fmt-check:
	cargo fmt --all --check

clippy:
	cargo clippy $(SSR_PKGS) --all-targets -- -D warnings
	cargo clippy -p frontend -p app --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test $(SSR_PKGS)

# schemathesis against the debug server's /api/v1/openapi.json (a few minutes).
api-fuzz: tools-test
	cargo build -p server --bin steward
	scripts/api_fuzz.sh

e2e: site-release
	cargo build -p server --bin steward
	scripts/e2e.sh

bench: tools-test
	scripts/bench.sh

bench-catalog:
	scripts/bench_catalog.sh

# Removes the local database, evidence and development secret.
clean-data:
	rm -rf data
