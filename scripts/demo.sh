#!/usr/bin/env bash
# The main job: decode a recorded SPDY/3.1 session (both directions) with the frame dump.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --release --example frame_dump
for dir in client-to-server server-to-client; do
  echo "== $dir (examples/data/$dir.bin)"
  target/release/examples/frame_dump "examples/data/$dir.bin"
done
