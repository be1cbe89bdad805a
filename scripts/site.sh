#!/usr/bin/env bash
# Builds the browser half of Steward into $SITE_ROOT (default target/site):
#   pkg/steward_bg.wasm, pkg/steward.js, pkg/steward.css, and the files of public/.
# Usage: scripts/site.sh [dev|release]
# Plain cargo + wasm-bindgen (+ wasm-opt for release): the same output cargo-leptos
# produces, without its 15-minute install. See README "Building".
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-dev}"
site_root="${SITE_ROOT:-target/site}"
target_dir="${CARGO_TARGET_DIR:-target}"
pkg="$site_root/pkg"

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$want" ]]; then
  echo "site.sh: wasm-bindgen $want is needed (found '${have:-none}'); run 'make tools'" >&2
  exit 2
fi

case "$profile" in
  dev) cargo_profile=dev; out_dir=debug ;;
  release) cargo_profile=wasm-release; out_dir=wasm-release ;;
  *) echo "usage: $0 [dev|release]" >&2; exit 2 ;;
esac

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile "$cargo_profile"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name steward \
  "$target_dir/wasm32-unknown-unknown/$out_dir/frontend.wasm"
# Leptos's HydrationScripts loads /pkg/steward.js and /pkg/steward_bg.wasm (the
# wasm-bindgen names) unless LEPTOS_OUTPUT_NAME was set at compile time.
wasm="$pkg/steward_bg.wasm"
if [[ "$profile" == release ]]; then
  # Same flags cargo-leptos uses. Needs binaryen >= 116 (the crates.io wasm-opt);
  # Debian's 108 produces a bundle that never hydrates.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$wasm" -o "$wasm"
fi
cp style/main.css "$pkg/steward.css"
cp -r public/. "$site_root/"
echo "site.sh: built $profile site in $site_root ($(du -h "$wasm" | cut -f1) wasm)"
