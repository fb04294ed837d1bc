# Shared by every script: where the project's tools live. Source it, do not run it.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_HOME
# cargo-installed tools (trunk, wasm-bindgen) and the npm-installed wasm-opt.
export PATH="$CARGO_HOME/bin:$ROOT/node_modules/.bin:$PATH"
# Debian's Chromium, used by the wasm tests and the browser tests.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

TRUNK_VERSION="0.21.14"

# The wasm-bindgen version the lockfile holds; its CLI must be exactly the same.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$ROOT/Cargo.lock"
}

step() { printf '\n==> %s\n' "$*"; }
