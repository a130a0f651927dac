#!/usr/bin/env bash
# The fuzzing smoke run of the test command: every target, built with AddressSanitizer,
# fuzzes for SECONDS (default 15) from its committed corpus. A crash, an invariant failure,
# a leak or a per-input timeout fails the run and prints the input as hex. New inputs go to
# a scratch directory: the committed corpora are not changed.
# usage: fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-15}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in $(cargo fuzz list); do
  mkdir -p "$scratch/$target"
  log="$scratch/$target.log"
  if ! cargo fuzz run -O "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=8192 -timeout=60 -rss_limit_mb=2048 \
      -artifact_prefix="$scratch/$target-" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    for found in "$scratch/$target"-*; do
      [ -f "$found" ] || continue
      echo "fuzz smoke: $target failed on $(basename "$found"):"
      od -An -tx1 -v "$found" | tr -d ' \n' | head -c 20000
      echo
    done
    echo "fuzz smoke: $target FAILED (replay: save the hex above to a file, then" \
      "cargo fuzz run -O $target FILE)" >&2
    exit 1
  fi
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -aE '^#[0-9]+.*cov:' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/\1 edges, \2 features/')
  echo "fuzz smoke: $target ok, ${execs:-?} executions in ${seconds} s, ${cov:-coverage ?}"
done
