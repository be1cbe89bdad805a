#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md on this machine (`make bench` runs it).
#
#   1. builds the release server (steward + the bench_constant example) and the
#      release site (scripts/site.sh release, into target/bench/site);
#   2. starts steward on 127.0.0.1:3200 with a fresh, demo-seeded SQLite data dir
#      and RUST_LOG=warn, saves GET /catalog, and starts bench_constant on
#      127.0.0.1:3201 serving those exact bytes from memory;
#   3. loads both with wrk, same settings, same run; prints a Markdown table and
#      the ratio catalog/constant;
#   4. at the first setting only, loads steward's /healthz, / and /api/v1/listings
#      (where the time goes), then restarts steward with its default logging (info:
#      one line per request) and loads /catalog and /healthz again to show what
#      that costs;
#   5. measures the release WASM bundle: raw, gzip -9 and brotli -q 11 bytes.
#
# Everything it starts is stopped on exit. Traffic goes to 127.0.0.1 only.
#
# Environment:
#   BENCH_DURATION   wrk duration per run (default 10s)
#   BENCH_WARMUP     wrk warm-up per server before measuring (default 3s)
#   BENCH_SETTINGS   space-separated THREADSxCONNECTIONS (default "1x32 2x64")
#   BENCH_SKIP_BUILD 1 to use the binaries and site already built
#   BENCH_SKIP_INFO  1 to skip the info-logging run
#   BENCH_SKIP_BREAKDOWN 1 to skip the /healthz, / and /api/v1/listings runs
#   BENCH_PERF       1 to add a perf profile of steward serving /catalog
#   BENCH_NICE       nice value of the servers and wrk (default -10 as root, else 0)
#   BENCH_OUT        where to write the Markdown report (default target/bench/results.md)
#   CARGO_TARGET_DIR as for cargo (default target)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
settings="${BENCH_SETTINGS:-1x32 2x64}"
target_dir="${CARGO_TARGET_DIR:-target}"
out="${BENCH_OUT:-target/bench/results.md}"
# Servers and wrk run at this nice value (default -10 as root), so that a build
# started elsewhere during the run disturbs the figures less. 0 to disable.
nice="${BENCH_NICE:-$([[ $EUID -eq 0 ]] && echo -10 || echo 0)}"
steward_addr=127.0.0.1:3200
constant_addr=127.0.0.1:3201
# A site of its own, so a `make site` (dev build) elsewhere cannot swap the bundle
# under the measurement, and this script does not overwrite target/site.
site_root="$repo/target/bench/site"

log() { echo "bench.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# --- tools -------------------------------------------------------------------
need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing $2 (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null; }
  fi
  command -v "$1" >/dev/null 2>&1 || die "$1 is needed: apt-get install -y $2"
}
need_pkg wrk wrk
need_pkg brotli brotli
need_pkg curl curl
need_pkg gzip gzip
command -v timeout >/dev/null || die "timeout (coreutils) is needed"

# wrk's seconds, for the time bounds below.
secs() { local v=$1; case $v in *ms) echo 1 ;; *s) echo "${v%s}" ;; *m) echo $((${v%m} * 60)) ;; *) echo "$v" ;; esac; }

# --- build -------------------------------------------------------------------
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building the release server (cargo build -p server --release)"
  cargo build -p server --release --bin steward --example bench_constant
  log "building the release site (scripts/site.sh release)"
  SITE_ROOT="$site_root" scripts/site.sh release
fi
steward_bin="$target_dir/release/steward"
constant_bin="$target_dir/release/examples/bench_constant"
[[ -x "$steward_bin" ]] || die "$steward_bin not built"
[[ -x "$constant_bin" ]] || die "$constant_bin not built"
wasm="$site_root/pkg/steward_bg.wasm"
js="$site_root/pkg/steward.js"
[[ -f "$wasm" && -f "$js" ]] || die "no release site in $site_root (run SITE_ROOT=$site_root scripts/site.sh release)"

# Both cores are shared by wrk and the server under test: anything else running
# (a cargo build, say) lowers every figure. Say so rather than measure quietly.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
build_re='^(rustc|cargo|cc|cc1|ld|wasm-opt|node|chrome|chromium)$'
busy=$(ps -eo comm= | grep -cE "$build_re" || true)
((busy == 0)) || log "WARNING: $busy compiler/build processes are running; the figures will be low"

# --- processes ---------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-bench.XXXXXX")
pids=()
stop() { # pid: TERM, then KILL after 5 s
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop "$pid"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! curl -s -o /dev/null --max-time 1 "http://$1/" 2>/dev/null; }
port_free "$steward_addr" || die "something already listens on $steward_addr"
port_free "$constant_addr" || die "something already listens on $constant_addr"

wait_for() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null --max-time 1 "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

export STEWARD_DATA_DIR="$tmp/data" STEWARD_SITE_ROOT="$site_root"
unset DATABASE_URL STEWARD_EVIDENCE_URL STEWARD_LOG_FORMAT
log "seeding the demo data into $STEWARD_DATA_DIR"
RUST_LOG=warn timeout 60 "$steward_bin" seed --demo >"$tmp/seed.log" 2>&1 \
  || { cat "$tmp/seed.log" >&2; die "steward seed --demo failed"; }

start_steward() { # RUST_LOG value, log file
  RUST_LOG="$1" STEWARD_ADDR="$steward_addr" nice -n "$nice" "$steward_bin" serve >"$2" 2>&1 &
  steward_pid=$!
  pids+=("$steward_pid")
  echo "$steward_pid" >>"$tmp/ours"
  wait_for "http://$steward_addr/readyz" 30 || { cat "$2" >&2; die "steward did not become ready"; }
}

start_steward warn "$tmp/steward-warn.log"
page="$tmp/catalog.html"
curl -sf --max-time 10 -D "$tmp/catalog.headers" -o "$page" "http://$steward_addr/catalog" \
  || die "GET /catalog failed"
page_bytes=$(wc -c <"$page")
cards=$(grep -o 'class="listing-card"' "$page" | wc -l)
((cards > 0)) || die "the saved catalog page shows no listings"
log "catalog page: $page_bytes bytes, $cards listings"

nice -n "$nice" "$constant_bin" --body "$page" --addr "$constant_addr" >"$tmp/constant.log" 2>&1 &
constant_pid=$!
pids+=("$constant_pid")
echo "$constant_pid" >>"$tmp/ours"
wait_for "http://$constant_addr/catalog" 15 || { cat "$tmp/constant.log" >&2; die "bench_constant did not start"; }
cmp -s "$page" <(curl -sf --max-time 10 "http://$constant_addr/catalog") \
  || die "bench_constant does not serve the saved page"
second=$(curl -sf --max-time 10 "http://$steward_addr/catalog" | wc -c)
[[ "$second" == "$page_bytes" ]] || log "note: steward's catalog is $second bytes on a second request (was $page_bytes)"

# Samples, once a second, how many threads of other processes are runnable (a
# build, a test suite, another server under load) while we measure. Kernel
# threads, this script and its helpers (wrk, perf, the sampler) do not count.
(
  self=$BASHPID
  while :; do
    ps -eLo pid=,ppid=,stat=,comm= | awk -v self="$self" -v main="$$" -v ours="$(cat "$tmp/ours" 2>/dev/null | tr '\n' ' ')" '
      BEGIN { n = split(ours, o, " "); for (i = 1; i <= n; i++) skip[o[i]] = 1; skip[self] = 1; skip[main] = 1; skip[2] = 1 }
      $3 ~ /^R/ && !($1 in skip) && !($2 in skip) && $4 !~ /^(wrk|perf|ps|awk|sleep|cat|tr)$/ { c++; seen = seen " " $4 }
      END { print c + 0, seen }' >>"$tmp/busy"
    sleep 1
  done
) &
pids+=($!)

# --- load --------------------------------------------------------------------
# Fails loudly if a server we started has gone (only a signal from outside this
# script stops steward with status 0: it shuts down cleanly on SIGTERM/SIGINT).
check_alive() {
  local pid status
  for pid in "$steward_pid" "$constant_pid"; do
    kill -0 "$pid" 2>/dev/null && continue
    status=0; wait "$pid" 2>/dev/null || status=$?
    tail -5 "$tmp"/steward-*.log >&2 || true
    die "process $pid (steward is $steward_pid, bench_constant $constant_pid) exited with status $status during the run"
  done
}
# run_wrk name url threads connections duration -> $tmp/wrk-name.txt
run_wrk() {
  local name=$1 url=$2 t=$3 c=$4 d=$5
  check_alive
  timeout $(($(secs "$d") + 30)) nice -n "$nice" wrk -t"$t" -c"$c" -d"$d" --timeout 5s --latency "$url" >"$tmp/wrk-$name.txt" 2>&1 \
    || { cat "$tmp/wrk-$name.txt" >&2; check_alive; die "wrk failed ($name)"; }
  check_alive
}
# Fields of a wrk report: rps p50 p75 p90 p99 (milliseconds) errors
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) } /^ +75%/ { p75 = ms($2) }
    /^ +90%/ { p90 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.2f %.2f %.2f %.2f %d\n", rps, p50, p75, p90, p99, err }
  ' "$1"
}

results=()
for s in $settings; do
  t=${s%x*} c=${s#*x}
  for target in catalog constant; do
    if [[ $target == catalog ]]; then url="http://$steward_addr/catalog"; else url="http://$constant_addr/catalog"; fi
    log "warm-up $target -t$t -c$c ($warmup)"
    run_wrk "warmup" "$url" "$t" "$c" "$warmup"
    log "measuring $target -t$t -c$c ($duration)"
    run_wrk "$target-$s" "$url" "$t" "$c" "$duration"
    results+=("$target $s $(parse_wrk "$tmp/wrk-$target-$s.txt")")
  done
done

# Where steward's time goes, same first setting: the middleware stack alone
# (/healthz), a page rendered without data (/), the catalog query as JSON
# (/api/v1/listings: the same Services::search_catalog call as the page).
if [[ "${BENCH_SKIP_BREAKDOWN:-0}" != 1 ]]; then
  s=${settings%% *} t=${s%x*} c=${s#*x}
  for pair in "healthz /healthz" "home /" "api-listings /api/v1/listings"; do
    set -- $pair
    code=$(curl -s --max-time 10 -o "$tmp/probe" -w '%{http_code}' "http://$steward_addr$2" || true)
    if [[ $code != 200 ]]; then
      kill -0 "$steward_pid" 2>/dev/null || log "steward (pid $steward_pid) is no longer running"
      tail -20 "$tmp/steward-warn.log" >&2
      die "GET $2 answered ${code:-nothing}: $(head -c 300 "$tmp/probe" 2>/dev/null)"
    fi
    log "warm-up $1 -t$t -c$c ($warmup)"
    run_wrk "warmup" "http://$steward_addr$2" "$t" "$c" "$warmup"
    log "measuring $1 -t$t -c$c ($duration)"
    run_wrk "$1-$s" "http://$steward_addr$2" "$t" "$c" "$duration"
    results+=("$1 $s $(parse_wrk "$tmp/wrk-$1-$s.txt")")
  done
fi

# Optional: a CPU profile of steward under the first setting (perf record; no
# call graphs, the release build has no frame pointers): time by thread and by
# library, and the hottest symbols.
perf_txt=""
if [[ "${BENCH_PERF:-0}" == 1 ]]; then
  command -v perf >/dev/null || die "BENCH_PERF=1 needs perf (apt-get install -y linux-perf)"
  s=${settings%% *} t=${s%x*} c=${s#*x}
  log "profiling steward under -t$t -c$c ($duration)"
  timeout $(($(secs "$duration") + 30)) nice -n "$nice" wrk -t"$t" -c"$c" -d"$duration" --timeout 5s \
    "http://$steward_addr/catalog" >"$tmp/wrk-perf.txt" 2>&1 &
  wrk_pid=$!
  sleep 1
  perf record -q -F 499 -p "$steward_pid" -o "$tmp/perf.data" -- sleep $(( $(secs "$duration") > 3 ? $(secs "$duration") - 2 : 1 )) >/dev/null 2>&1 \
    || die "perf record failed (kernel.perf_event_paranoid?)"
  wait "$wrk_pid" || true
  check_alive
  perf_txt="$tmp/perf.txt"
  {
    echo "By thread:"; perf report -i "$tmp/perf.data" --stdio --sort comm 2>&1 | grep -E '^ +[0-9]' || true
    echo "By library:"; perf report -i "$tmp/perf.data" --stdio --sort dso 2>&1 | grep -E '^ +[0-9]' || true
    echo "Hottest symbols:"; perf report -i "$tmp/perf.data" --stdio --sort sym 2>&1 | grep -E '^ +[0-9]' | head -25 || true
  } >"$perf_txt"
  [[ $(wc -l <"$perf_txt") -gt 3 ]] || { perf report -i "$tmp/perf.data" --stdio 2>&1 | head -20 >&2; die "perf recorded nothing usable"; }
fi

info_lines=()
if [[ "${BENCH_SKIP_INFO:-0}" != 1 ]]; then
  s=${settings%% *} t=${s%x*} c=${s#*x}
  stop "$steward_pid"
  for i in "${!pids[@]}"; do [[ ${pids[$i]} == "$steward_pid" ]] && unset 'pids[i]'; done
  # The default filter (RUST_LOG unset): info, with tower_http's per-request lines.
  log "restarting steward with the default (info) logging, stderr to a file"
  env -u RUST_LOG STEWARD_ADDR="$steward_addr" nice -n "$nice" "$steward_bin" serve >"$tmp/steward-info.log" 2>&1 &
  steward_pid=$!
  pids+=("$steward_pid")
  echo "$steward_pid" >>"$tmp/ours"
  wait_for "http://$steward_addr/readyz" 30 || { cat "$tmp/steward-info.log" >&2; die "steward (info) did not become ready"; }
  # /catalog, and /healthz when the breakdown ran (to compare with its warn run).
  pairs=("catalog /catalog")
  [[ "${BENCH_SKIP_BREAKDOWN:-0}" == 1 ]] || pairs+=("healthz /healthz")
  for pair in "${pairs[@]}"; do
    set -- $pair
    log "warm-up $1-info -t$t -c$c ($warmup)"
    run_wrk "warmup" "http://$steward_addr$2" "$t" "$c" "$warmup"
    before=$(wc -c <"$tmp/steward-info.log")
    log "measuring $1-info -t$t -c$c ($duration)"
    run_wrk "$1-info-$s" "http://$steward_addr$2" "$t" "$c" "$duration"
    after=$(wc -c <"$tmp/steward-info.log")
    results+=("$1-info $s $(parse_wrk "$tmp/wrk-$1-info-$s.txt")")
    info_lines+=("$1 $s $((after - before))")
  done
fi

busy_seen=$(awk '$1 > 0 { n++ } END { print n + 0 }' "$tmp/busy")
busy_who=$(awk '{ for (i = 2; i <= NF; i++) c[$i]++ } END { for (k in c) print c[k], k }' "$tmp/busy" | sort -rn | head -3 | awk '{ printf "%s%s (%s)", sep, $2, $1; sep = ", " }')
((busy_seen == 0)) || log "WARNING: other processes were running during $busy_seen s of the measurements; the figures are low"

# --- WASM bundle -------------------------------------------------------------
size_row() { # label file
  local raw gz br
  raw=$(wc -c <"$2")
  gz=$(gzip -9 -c "$2" | wc -c)
  br=$(brotli -q 11 -c "$2" | wc -c)
  echo "$1 $raw $gz $br"
}
sizes=("$(size_row steward_bg.wasm "$wasm")" "$(size_row steward.js "$js")")

# --- report ------------------------------------------------------------------
rps_of() { # target setting -> requests/sec
  local want="$1 $2" r
  for r in "${results[@]}"; do
    [[ $r == "$want "* ]] && { set -- $r; echo "$3"; return; }
  done
}
kib() { awk -v b="$1" 'BEGIN { if (b >= 10485760) printf "%.1f MiB", b / 1048576; else printf "%.1f KiB", b / 1024 }'; }

mkdir -p "$(dirname "$out")"
{
  echo "## Run $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (+ local changes)')"
  echo
  echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(awk '/^MemTotal:/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
  echo "- load average before the run: $load_before; build processes at the start: $busy; other processes' runnable threads seen in $busy_seen of $(wc -l <"$tmp/busy") one-second samples during the measurements${busy_who:+ (mostly $busy_who)}; servers and wrk at nice $nice"
  echo "- $(rustc --version), $(wrk --version 2>&1 | head -1 | awk '{print "wrk " $2}')"
  echo "- page: GET /catalog, $page_bytes bytes, $cards listings (demo seed, SQLite); wrk ${duration} per run after a ${warmup} warm-up"
  echo
  echo "| server | wrk | req/s | p50 ms | p75 ms | p90 ms | p99 ms | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for r in "${results[@]}"; do
    set -- $r
    case $1 in
      catalog) name="steward /catalog (RUST_LOG=warn)" ;;
      constant) name="bench_constant (same bytes)" ;;
      catalog-info) name="steward /catalog (default info logging)" ;;
      healthz-info) name="steward /healthz (default info logging)" ;;
      healthz) name="steward /healthz (RUST_LOG=warn)" ;;
      home) name="steward / (RUST_LOG=warn)" ;;
      api-listings) name="steward /api/v1/listings (RUST_LOG=warn)" ;;
    esac
    echo "| $name | -t${2%x*} -c${2#*x} | $3 | $4 | $5 | $6 | $7 | $8 |"
  done
  echo
  for s in $settings; do
    a=$(rps_of catalog "$s") b=$(rps_of constant "$s")
    echo "- ratio catalog/constant at -t${s%x*} -c${s#*x}: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f (%.1f%%)", a / b, 100 * a / b }')"
  done
  for r in "${info_lines[@]}"; do
    set -- $r
    a=$(rps_of "$1-info" "$2") b=$(rps_of "$1" "$2")
    echo "- $1, default info logging vs RUST_LOG=warn at -t${2%x*} -c${2#*x}: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f (%+.1f%%)", a / b, 100 * (a - b) / b }'), $(kib "$3") of log written during the ${duration} run"
  done
  echo
  echo "| release bundle | raw bytes | gzip -9 | brotli -q 11 |"
  echo "|---|---:|---:|---:|"
  tr=0 tg=0 tb=0
  for r in "${sizes[@]}"; do
    set -- $r
    echo "| $1 | $2 ($(kib "$2")) | $3 ($(kib "$3")) | $4 ($(kib "$4")) |"
    tr=$((tr + $2)) tg=$((tg + $3)) tb=$((tb + $4))
  done
  echo "| total | $tr ($(kib $tr)) | $tg ($(kib $tg)) | $tb ($(kib $tb)) |"
  if [[ -n $perf_txt ]]; then
    echo
    first=${settings%% *}
    echo "CPU profile of steward, GET /catalog at -t${first%x*} -c${first#*x} (perf record -F 499, $(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-perf.txt") req/s meanwhile):"
    echo
    echo '```'
    cat "$perf_txt"
    echo '```'
  fi
} | tee "$out"
log "report written to $out"
