#!/usr/bin/env bash
# Installs what the Node package (js/) needs to build and test: the wasm-bindgen CLI at the
# version Cargo.lock pins (cargo install, skipped when present) and js/'s locked npm
# dev-dependencies (express, spdy-transport for interop). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/npm_ci.sh
. "$root/scripts/lib/npm_ci.sh"

pinned=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
  "$root/Cargo.lock")
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$pinned" ]; then
  echo "setup: cargo install wasm-bindgen-cli $pinned"
  # Not --locked: the CLI's lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "=$pinned" --quiet
fi

npm_ci "$root/js"
