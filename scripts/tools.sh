#!/usr/bin/env bash
# Installs what building and testing Steward needs, skipping what is already
# there at the right version. Usage: scripts/tools.sh [run|test]
#   run:  the wasm32 target and wasm-bindgen-cli (what `make run` needs)
#   test: also wasm-opt (release WASM), Debian chromium, the end2end npm packages
#         and schemathesis (PyPI, in a venv under ~/.cache/steward) for
#         scripts/api_fuzz.sh
# Measured on a 2-core machine: wasm-bindgen-cli ~2 min, wasm-opt ~6-10 min (built
# from source once), chromium ~30 s, npm ~5 s, schemathesis ~30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-run}"

log() { echo "tools: $*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$want" ]]; then
  log "installing wasm-bindgen-cli $want (found '${have:-none}')"
  # Not --locked: its lockfile pins a webpki-roots this registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

[[ "$what" == run ]] && exit 0

# wasm-opt from crates.io (binaryen 116). Never Debian's binaryen 108: its output
# loads but never hydrates in Chromium (WebAssembly.Table.set error).
if ! wasm-opt --version 2>/dev/null | grep -q "version 116"; then
  log "installing wasm-opt 0.116.1 (binaryen 116, built from source)"
  cargo install wasm-opt --version 0.116.1 --locked --force
fi

if ! command -v chromium >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    log "installing Debian chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "tools: chromium is missing; install it with: sudo apt-get install -y chromium" >&2
    exit 2
  fi
fi

if [[ ! -d end2end/node_modules/@playwright/test ]] \
  || [[ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then
  log "installing end2end npm packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi

# schemathesis, pinned, in its own virtualenv (scripts/api_fuzz.sh runs it).
schemathesis_version=4.32.5
venv="$HOME/.cache/steward/schemathesis"
have=$("$venv/bin/st" --version 2>/dev/null | awk '{print $NF}' || true)
if [[ "$have" != "$schemathesis_version" ]]; then
  log "installing schemathesis $schemathesis_version in $venv (found '${have:-none}')"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
