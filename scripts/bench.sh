#!/usr/bin/env bash
# Runs every benchmark under bench/ against its same-run baseline; each writes its own section of
# BENCHMARKS.md and its JSON record, bench/results/NAME.json (every side of every ratio run the
# same number of times, with min / median / max). Large generated inputs go to bench/data/
# (ignored by git). Timings on a shared machine are only as quiet as the machine: each record
# carries the load average.
#
# usage: scripts/bench.sh [BUILD_DIR]   (env: INGEST_MB, INGEST_REPEATS)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
echo "== bench/ingest (load: $(cut -d' ' -f1-3 /proc/loadavg))"
bash "$root/bench/ingest/run.sh" "$build" "${INGEST_MB:-1024}" "${INGEST_REPEATS:-3}"
for program in "$build"/bench/*/bench_*; do
  [ -x "$program" ] || continue
  case "$program" in */bench_ingest) continue ;; esac
  echo "== $program (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  (cd "$root" && "$program")
done
