#!/usr/bin/env python3
"""Sums fuzz/logs/<target>.log lines (written by fuzz/run.sh) into the table of FUZZING.md."""
import glob
import os
import re

here = os.path.dirname(os.path.abspath(__file__))
rows = []
for path in sorted(glob.glob(os.path.join(here, "logs", "*.log"))):
    target = os.path.basename(path)[:-4]
    cpu = execs = 0.0
    cov = ft = 0
    runs = crashes = 0
    for line in open(path):
        f = dict(re.findall(r"(\w+)=(\S+)", line))
        m = re.search(r"cov (\d+) ft (\d+)", line)
        runs += 1
        cpu += float(f.get("cpu_s", 0))
        execs += float(f.get("execs", 0) or 0)
        crashes += int(f.get("artifacts", 0))
        if m:
            cov, ft = max(cov, int(m.group(1))), max(ft, int(m.group(2)))
    corpus = len(os.listdir(os.path.join(here, "corpus", target))) if os.path.isdir(os.path.join(here, "corpus", target)) else 0
    rows.append((target, runs, cpu / 60, int(execs), cov, ft, corpus, crashes))
print("| target | runs | CPU minutes | executions | coverage (edges) | features | corpus files | crashes |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print("| %s | %d | %.1f | %d | %d | %d | %d | %d |" % r)
