#!/usr/bin/env bash
# The browser suites: tests/wasm_*.rs inside WebAssembly with `wasm-pack test` (through the
# harness package tests/wasm/), in Node and in headless Chromium, each run's count of passed
# tests checked against the tests in those files; then the `--target web` build and the
# page's tests (www/test: example copies, end to end in Chromium with playwright-core).
# scripts/setup_browser.sh installs what this needs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

expected=$(cat tests/wasm_*.rs | grep -c '^#\[wasm_bindgen_test')
suites=$(find tests -maxdepth 1 -name 'wasm_*.rs' | wc -l)

# wasm_tests NAME [wasm-pack args…]: runs the suites; passes when every test of every suite
# passed, in the right place (a browser run that falls back to Node, or skips, fails).
wasm_tests() {
  local name=$1 log
  shift
  log=$(mktemp)
  if ! (cd tests/wasm && wasm-pack test --mode no-install "$@") >"$log" 2>&1; then
    cat "$log"
    echo "wasm tests ($name) failed" >&2
    exit 1
  fi
  local passed failed in_chrome
  passed=$({ grep -o 'test result: ok\. [0-9]* passed' "$log" || true; } | awk '{ n += $4 } END { print n + 0 }')
  failed=$({ grep -o '[0-9]* failed' "$log" || true; } | awk '{ n += $1 } END { print n + 0 }')
  in_chrome=$(grep -c 'Running headless tests in Chrome' "$log" || true)
  { grep 'test result:' "$log" || true; } | sed "s/^/  $name: /"
  local want_chrome=0
  [ "$name" = chromium ] && want_chrome=$suites
  if [ "$passed" -ne "$expected" ] || [ "$failed" -ne 0 ] || [ "$in_chrome" -ne "$want_chrome" ]; then
    cat "$log"
    echo "wasm tests ($name): $passed passed, $failed failed in $in_chrome Chrome runs;" \
      "expected $expected passed in $want_chrome" >&2
    exit 1
  fi
  echo "wasm tests ($name): $passed passed, 0 failed"
  rm -f "$log"
}

# The wasm-only test code is linted here; the rest is linted natively by scripts/test.sh.
cargo clippy --quiet --tests --target wasm32-unknown-unknown \
  --manifest-path tests/wasm/Cargo.toml -- -D warnings
wasm_tests node --node
WASM_BINDGEN_USE_BROWSER=1 wasm_tests chromium --headless --chrome \
  --chromedriver "$(command -v chromedriver)"

node js/scripts/build.mjs --web
(cd www && npm test)
