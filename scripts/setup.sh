#!/usr/bin/env bash
# Installs everything the test suites and the demo need; skips what is present, so it is
# safe to run on every invocation (CI machines start fresh).
set -euo pipefail

need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is required (rustup toolchain)" >&2
  exit 1
fi

installed_targets=$(rustup target list --installed)
for target in wasm32-unknown-unknown thumbv7em-none-eabihf; do
  if ! grep -qx "$target" <<<"$installed_targets"; then
    echo "setup: rustup target add $target"
    rustup target add "$target"
  fi
done

installed_components=$(rustup component list --installed)
for component in rustfmt clippy; do
  if ! grep -q "^$component" <<<"$installed_components"; then
    echo "setup: rustup component add $component"
    rustup component add "$component"
  fi
done

# Interop peers: node-spdy's engine (npm spdy-transport 3.0.0) and moby/spdystream (Go).
bash "$(dirname "$0")/setup_spdy_transport.sh"
bash "$(dirname "$0")/setup_spdystream.sh"
# The Node package: the wasm-bindgen CLI and js/'s dev-dependencies.
bash "$(dirname "$0")/setup_js.sh"
# The browser suites: chromium + chromium-driver, wasm-pack, www/'s dev-dependencies.
bash "$(dirname "$0")/setup_browser.sh"
# Fuzzing: cargo-fuzz for the smoke run (fuzz/smoke.sh) and longer runs (fuzz/run.sh).
bash "$(dirname "$0")/setup_fuzz.sh"
