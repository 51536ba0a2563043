#!/usr/bin/env bash
# Runs every benchmark under bench/ against its same-run baseline; each writes its own section of
# BENCHMARKS.md. Large generated inputs go to bench/data/ (ignored by git).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
echo "== bench/ingest"
bash "$root/bench/ingest/run.sh" "$build" "${INGEST_MB:-1024}"
for program in "$build"/bench/*/bench_*; do
  [ -x "$program" ] || continue
  case "$program" in */bench_ingest) continue ;; esac
  echo "== $program"
  (cd "$root" && "$program")
done
