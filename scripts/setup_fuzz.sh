#!/usr/bin/env bash
# Installs cargo-fuzz (pinned) for the fuzzing smoke run of the test command and for
# fuzz/run.sh; skips it when that version is present. The fuzz targets build on the stable
# toolchain with RUSTC_BOOTSTRAP=1 (fuzz/smoke.sh, fuzz/run.sh).
set -euo pipefail

# libfuzzer-sys compiles libFuzzer from C++.
if ! command -v c++ >/dev/null 2>&1; then
  echo "setup: apt-get install g++"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends g++
fi

version=0.13.2
if cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $version"; then
  exit 0
fi
echo "setup: cargo install cargo-fuzz $version"
cargo install --locked --quiet cargo-fuzz --version "$version"
