#!/usr/bin/env bash
# Runs one fuzz target for SECONDS of wall time on one core and appends a summary line
# (executions, coverage, CPU seconds) to fuzz/logs/<target>.log.
# usage: fuzz/run.sh TARGET SECONDS   (TIMEOUT=N: libFuzzer's per-input limit, default 10 s;
# raise it when several fuzzers share the cores, or a starved slow input counts as a hang)
set -euo pipefail
cd "$(dirname "$0")"
target=$1
seconds=$2
mkdir -p logs "corpus/$target"
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O "$target" >/dev/null 2>&1
start=$(date -u +%FT%TZ)
touch "logs/$target.start"
/usr/bin/time -f "%U %S" -o "logs/$target.time" \
  cargo fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=8192 -timeout="${TIMEOUT:-10}" -rss_limit_mb=2048 -print_final_stats=1 \
    >"logs/$target.out" 2>&1 || true
# /usr/bin/time puts "Command exited with non-zero status N" first when the fuzzer stops on
# a finding: the times are on the last line.
read -r user sys < <(tail -n 1 "logs/$target.time")
execs=$(grep -a 'stat::number_of_executed_units' "logs/$target.out" | awk '{print $2}')
cov=$(grep -aE '^#[0-9]+.*cov:' "logs/$target.out" | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1 ft \2/')
# Findings of this run only: crash-, leak-, timeout- and oom- files newer than its start
# (slow-unit reports are not findings; a fuzzer paused by SIGSTOP writes them).
crash=$(find artifacts/"$target" -type f -newer "logs/$target.start" ! -name 'slow-unit-*' 2>/dev/null | wc -l)
echo "$start target=$target wall_s=$seconds cpu_s=$(echo "$user + $sys" | bc) execs=${execs:-?} ${cov:-cov ?} artifacts=$crash" | tee -a "logs/$target.log"
