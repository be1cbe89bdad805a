#!/usr/bin/env bash
# Runs the Playwright suite (end2end/) in Debian's Chromium against a real
# steward process: on SQLite always, and on PostgreSQL too when
# TEST_DATABASE_URL is set (a fresh database, dropped afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/debug/steward"
addr="${E2E_ADDR:-127.0.0.1:3210}"
oidc_port="${E2E_OIDC_PORT:-3220}"
pids=()
dbs=()
tmp=$(mktemp -d)

cleanup() {
  for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [[ -n "$p" ]] && wait "$p" 2>/dev/null || true; done
  for db in "${dbs[@]:-}"; do
    [[ -n "$db" ]] && psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A real OpenID Connect provider (npm oidc-provider) for the sign-in tests.
OIDC_PORT="$oidc_port" OIDC_REDIRECT_URIS="http://$addr/auth/oidc/testidp/callback" \
  node end2end/oidc/provider.mjs >"$tmp/oidc.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$oidc_port/.well-known/openid-configuration" >/dev/null 2>&1 && break
  sleep 0.1
done
export STEWARD_OIDC_PROVIDERS=testidp
export STEWARD_OIDC_TESTIDP_ISSUER="http://127.0.0.1:$oidc_port"
export STEWARD_OIDC_TESTIDP_CLIENT_ID=steward
export STEWARD_OIDC_TESTIDP_CLIENT_SECRET=steward-test-secret
export STEWARD_OIDC_TESTIDP_LABEL="Test IdP"

# run_suite NAME URL [BULK]: with BULK, the demo plus BULK synthetic listings,
# and only the catalog spec (paging needs more listings than the demo has).
run_suite() {
  local name="$1" url="$2" bulk="${3:-}" data="$tmp/$1"
  local seed=(seed --demo) specs=()
  if [[ -n "$bulk" ]]; then seed+=(--bulk-listings "$bulk"); specs=(tests/catalog.spec.ts); fi
  mkdir -p "$data"
  echo "e2e: $name: seeding and starting steward on $addr"
  DATABASE_URL="$url" STEWARD_DATA_DIR="$data" "$bin" "${seed[@]}"
  DATABASE_URL="$url" STEWARD_DATA_DIR="$data" STEWARD_ADDR="$addr" RUST_LOG=warn \
    "$bin" serve >"$data/server.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  # cargo-leptos's end-to-end does not wait for readiness; this does.
  for _ in $(seq 1 100); do
    curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; echo "e2e: steward exited" >&2; return 1; }
    sleep 0.1
  done
  local rc=0
  (cd end2end && BASE_URL="http://$addr" npx playwright test "${specs[@]}") || rc=$?
  kill "$pid" && wait "$pid" || true
  if [[ $rc -ne 0 ]]; then
    echo "e2e: $name failed; server log:" >&2
    tail -n 50 "$data/server.log" >&2
  fi
  return $rc
}

run_suite sqlite "sqlite://$tmp/sqlite/steward.db"
run_suite sqlite-bulk "sqlite://$tmp/sqlite-bulk/steward.db" 60

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  db="steward_e2e_$$_$RANDOM"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE \"$db\"" >/dev/null
  dbs+=("$db")
  # As in production: the owner migrates; the server runs as a plain role that
  # row-level security applies to (not superuser, not owner, not BYPASSRLS).
  owner_url="${TEST_DATABASE_URL%/*}/$db"
  DATABASE_URL="$owner_url" "$bin" migrate >/dev/null
  psql "$owner_url" -q >/dev/null <<'SQL'
DO $$ BEGIN
  CREATE ROLE steward_test_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA public TO steward_test_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO steward_test_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO steward_test_app;
SQL
  app_url=$(echo "$owner_url" | sed -E 's#^(postgres(ql)?://)[^@/]*@#\1steward_test_app@#')
  run_suite postgres "$app_url"
else
  echo "e2e: TEST_DATABASE_URL not set: PostgreSQL run skipped"
fi
