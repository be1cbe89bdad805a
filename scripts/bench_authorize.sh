#!/usr/bin/env bash
# The runtime permission check over HTTP (issue #7's speed target), reproducing
# the figures in BENCHMARKS.md:
#
#   1. builds the release steward and bench_constant (unless BENCH_SKIP_BUILD=1);
#   2. starts steward on 127.0.0.1:3200 (fresh SQLite data dir, demo seed,
#      RUST_LOG=warn, STEWARD_TOKEN_RATE high enough not to throttle the load);
#      signs in as Contoso's admin, installs filesystem-access with two tools
#      granted, creates a tenant token with the `authorize` scope;
#   3. saves one real decision (an allow) and starts bench_constant on
#      127.0.0.1:3201, which parses the same JSON body and answers those exact
#      bytes from memory;
#   4. maximum rate: wrk (-t1 -c32 by default), same POST, same body, both
#      servers in one run; the ratio steward/constant (target >= 0.85);
#   5. latency at a fixed rate of half the constant server's maximum:
#      bench_load (server/examples/bench_load.rs: wrk2's schedule, released by
#      an OS pacing thread, no coordinated omission), p50/p99 for both
#      (target: steward p99 <= 1.5 ms).
#
# Every request carries the bearer token (steward checks it: cache + rate
# limiter) and is counted per install/tool/outcome (written in batches).
#
# Environment: BENCH_DURATION (10s), BENCH_WARMUP (3s), BENCH_SETTING (1x32),
# BENCH_SKIP_BUILD, BENCH_OUT (target/bench/authorize.md), CARGO_TARGET_DIR,
# BENCH_PERF=1 (perf record -g of steward during its wrk run; the report goes
# next to BENCH_OUT as authorize-perf.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
setting="${BENCH_SETTING:-1x32}"
target_dir="${CARGO_TARGET_DIR:-target}"
out="${BENCH_OUT:-target/bench/authorize.md}"
steward_addr=127.0.0.1:3200
constant_addr=127.0.0.1:3201
t=${setting%x*} c=${setting#*x}

log() { echo "bench_authorize.sh: $*" >&2; }
die() { log "$*"; exit 1; }

command -v wrk >/dev/null || {
  [[ $EUID -eq 0 ]] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  command -v wrk >/dev/null || die "wrk is needed: apt-get install -y wrk"
}
command -v python3 >/dev/null || die "python3 is needed"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building release steward and bench_constant"
  cargo build -p server --release --bin steward --example bench_constant --example bench_load
fi
steward_bin="$target_dir/release/steward"
constant_bin="$target_dir/release/examples/bench_constant"
load_bin="$target_dir/release/examples/bench_load"
[[ -x $steward_bin && -x $constant_bin && -x $load_bin ]] || die "release binaries missing in $target_dir"

busy=$(ps -eo comm= | grep -cE '^(rustc|cargo|cc1|ld|wasm-opt|node|chromium)$' || true)
((busy == 0)) || log "WARNING: $busy compiler/build processes are running; the figures will be low"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-bench-authz.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_for() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null --max-time 1 "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

export STEWARD_DATA_DIR="$tmp/data"
unset DATABASE_URL STEWARD_EVIDENCE_URL
RUST_LOG=warn "$steward_bin" seed --demo >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; die "seed failed"; }
RUST_LOG=warn STEWARD_ADDR=$steward_addr STEWARD_TOKEN_RATE=10000000 STEWARD_AUDIT_CHECKPOINT_SECS=0 \
  "$steward_bin" serve >"$tmp/steward.log" 2>&1 &
steward_pid=$!
pids+=($steward_pid)
wait_for "http://$steward_addr/readyz" 30 || { cat "$tmp/steward.log" >&2; die "steward did not start"; }

base="http://$steward_addr"
fn() { # server function name, form fields...
  local name=$1; shift
  local args=()
  for f in "$@"; do args+=(--data-urlencode "$f"); done
  curl -sf -b "$tmp/jar" -c "$tmp/jar" -H "origin: $base" -H 'accept: application/json' \
    "${args[@]}" "$base/api/$name"
}
fn sign_in email=admin@contoso.example password=steward-demo-password >/dev/null || die "sign-in failed"
fn install_agent org=contoso-health listing=filesystem-access 'tools[]=read_file' 'tools[]=list_directory' >/dev/null \
  || die "install failed"
install_id=$(fn tenant_home org=contoso-health | python3 -c '
import json, sys
home = json.load(sys.stdin)
for i in home["installs"]:
    if i["listing_slug"] == "filesystem-access" and i["status"] == "active":
        print(i["id"]); break
') || die "cannot read the install"
[[ -n $install_id ]] || die "no active install found"
secret=$(fn create_token slug=contoso-health name=bench 'scopes[]=authorize' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])') \
  || die "cannot create a token"

body=$(printf '{"install_id":"%s","tool":"read_file","scopes":[],"context":{"session":"bench-0001","gateway":"gw-1"}}' "$install_id")
curl -sf -H "authorization: Bearer $secret" -H 'content-type: application/json' -d "$body" \
  "$base/api/v1/authorize" -o "$tmp/answer.json" || die "the first decision failed"
grep -q '"decision":"allow"' "$tmp/answer.json" || die "expected allow, got $(cat "$tmp/answer.json")"
log "request ${#body} bytes, answer $(wc -c <"$tmp/answer.json") bytes"

"$constant_bin" --body "$tmp/answer.json" --json "$tmp/answer.json" --addr $constant_addr >"$tmp/constant.log" 2>&1 &
pids+=($!)
wait_for "http://$constant_addr/catalog" 15 || die "bench_constant did not start"

cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $secret"
LUA

# rps p50 p99 errors from a wrk report
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, err }' "$1"
}
run_wrk() { # name url
  wrk -t"$t" -c"$c" -d"$warmup" -s "$tmp/post.lua" "$2" >/dev/null 2>&1
  local perf_pid=
  if [[ "${BENCH_PERF:-0}" == 1 && $1 == steward ]]; then
    perf record -F 999 -g -p "$steward_pid" -o "$tmp/perf.data" -- sleep "${duration%s}" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  wrk -t"$t" -c"$c" -d"$duration" --latency -s "$tmp/post.lua" "$2" >"$tmp/wrk-$1.txt" 2>&1
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || true
    mkdir -p "$(dirname "$out")"
    perf report -i "$tmp/perf.data" --no-children -g none --sort dso,symbol --percent-limit 0.3 --stdio 2>/dev/null \
      | grep -v '^$' | head -400 >"$(dirname "$out")/authorize-perf.txt" || true
  fi
  parse_wrk "$tmp/wrk-$1.txt"
}
log "wrk -t$t -c$c: steward"
read -r s_rps s_p50 s_p99 s_err < <(run_wrk steward "$base/api/v1/authorize")
log "wrk -t$t -c$c: constant"
read -r k_rps k_p50 k_p99 k_err < <(run_wrk constant "http://$constant_addr/api/v1/authorize")
((s_err == 0 && k_err == 0)) || die "errors under load: steward $s_err, constant $k_err (see $tmp)"

rate=$((k_rps / 2))
run_fixed() { # name url -> p50 p99 (ms) rate 2xx-share
  "$load_bin" --url "$2" --rate "$rate" --connections "$c" --duration "${duration%s}" \
    --warmup "${warmup%s}" --header "authorization: Bearer $secret" --body "$body" >"$tmp/fixed-$1.json"
  python3 - "$tmp/fixed-$1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f'{r["p50_ms"]:.3f} {r["p99_ms"]:.3f} {r["rate"]:.0f} {r["ok_share"]:.4f}')
PY
}
log "bench_load --rate $rate (half the constant server's maximum): steward"
read -r so_p50 so_p99 so_rps so_ok < <(run_fixed steward "$base/api/v1/authorize")
log "bench_load --rate $rate: constant"
read -r ko_p50 ko_p99 ko_rps ko_ok < <(run_fixed constant "http://$constant_addr/api/v1/authorize")

# The decisions were counted: give the flusher a moment, then read the total.
sleep 3
mkdir -p "$(dirname "$out")"
{
  echo "## POST /api/v1/authorize, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (+ local changes)')"
  echo
  echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1); build processes at the start: $busy"
  echo "- request ${#body} bytes (install_id, tool, scopes, context), answer $(wc -c <"$tmp/answer.json") bytes; $(wrk --version 2>&1 | head -1 | awk '{print "wrk " $2}'); fixed rate: bench_load, $c connections"
  echo
  echo "| server | load | req/s | p50 ms | p99 ms |"
  echo "|---|---|---:|---:|---:|"
  echo "| steward (token check, cached decision, counting) | wrk -t$t -c$c | $s_rps | $s_p50 | $s_p99 |"
  echo "| bench_constant (parse JSON, constant answer) | wrk -t$t -c$c | $k_rps | $k_p50 | $k_p99 |"
  echo "| steward | bench_load -c$c --rate $rate | $so_rps | $so_p50 | $so_p99 |"
  echo "| bench_constant | bench_load -c$c --rate $rate | $ko_rps | $ko_p50 | $ko_p99 |"
  echo
  echo "- ratio steward/constant at maximum rate: $(awk -v a="$s_rps" -v b="$k_rps" 'BEGIN { printf "%.3f (%.1f%%)", a / b, 100 * a / b }') (target >= 0.85)"
  echo "- steward p99 at $rate req/s: $so_p99 ms (target <= 1.5 ms); 2xx share: steward $so_ok, constant $ko_ok"
} | tee "$out"
log "report written to $out"
