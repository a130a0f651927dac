#!/usr/bin/env bash
# Installs what the browser suites (scripts/test_browser.sh) need: Debian's chromium and
# chromium-driver, wasm-pack 0.15.1 (used for `wasm-pack test` only, never to build) and
# www/'s locked npm dev-dependencies (playwright-core, which downloads no browser).
# Skips what is present, so it is safe to run every time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/npm_ci.sh
. "$root/scripts/lib/npm_ci.sh"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

wasm_pack=0.15.1
have=$(wasm-pack --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$wasm_pack" ]; then
  echo "setup: cargo install wasm-pack $wasm_pack"
  cargo install --locked wasm-pack --version "$wasm_pack" --quiet
fi

npm_ci "$root/www"
