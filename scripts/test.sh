#!/usr/bin/env bash
# Every test suite of spdy3, from a fresh machine: set-up, lints, docs, no_std builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets --all-features -- -D warnings

step "rustdoc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features

step "no_std core: wasm32-unknown-unknown and thumbv7em-none-eabihf"
cargo build --lib --no-default-features --target wasm32-unknown-unknown
cargo build --lib --no-default-features --target thumbv7em-none-eabihf

step "benchmarks compile"
cargo bench --no-run

step "tests"
cargo test

step "wasm facade: clippy on wasm32"
cargo clippy --lib --features wasm --target wasm32-unknown-unknown -- -D warnings

step "Node package (js/): build the wasm core, node:test suites"
(cd js && npm test)

step "frame dump on the sample capture"
cargo run --quiet --example frame_dump -- examples/data/client-to-server.bin >/dev/null

step "fuzzing smoke run: every target 15 s from its corpus, with AddressSanitizer"
bash fuzz/smoke.sh 15

step "browser: wasm tests in Node and headless Chromium (counted), www/ end to end"
bash scripts/test_browser.sh

echo
echo "all suites passed"
