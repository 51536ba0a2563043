#!/usr/bin/env bash
# bench/ingest: reasonrec's ingest (decompress + parse + normalise + dedupe + histories) against
# the same work in Python (json + pandas) and against plain decompression (zcat > /dev/null),
# all on the same generated file in the same run. Every side runs REPEATS times, taking turns
# round by round; bench/ingest/report.py turns those runs (and nothing else) into the section of
# BENCHMARKS.md and bench/results/ingest.json.
#
# usage: bench/ingest/run.sh BUILD_DIR [SIZE_MB [REPEATS]]   (defaults 1024 and 3; the file is
#        generated into bench/data/, which git ignores)
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SIZE_MB [REPEATS]]}
size=${2:-1024}
repeats=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${REASONREC_SHARED:-$root/../shared}
work=${BENCH_DATA:-$root/bench/data}
mkdir -p "$work"
file="$work/reviews_${size}mb.json"
if [ ! -f "$file" ]; then
  /usr/bin/python3 "$root/bench/ingest/generate.py" "$shared/data" "$file" "$size"
fi
if [ ! -f "$file.gz" ]; then
  gzip -6 -k -f "$file"
fi
raw_bytes=$(gzip -l "$file.gz" | awk 'NR==2 {print $2}')
runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
load_start=$(cut -d' ' -f1 /proc/loadavg)

now() { date +%s.%N; }
# record SIDE INPUT ROUND command...: runs the command once, appends one JSON line to $runs with
# the wall time of the whole process and, for the programs that time themselves, their own JSON.
record() {
  local side=$1 input=$2 round=$3 t0 t1 out
  shift 3
  t0=$(now)
  out=$("$@")
  t1=$(now)
  [ -n "$out" ] || out='{}'
  /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[5]); d.update(side=sys.argv[1], input=sys.argv[2], round=int(sys.argv[3]), process_wall_seconds=float(sys.argv[4])); print(json.dumps(d))' \
    "$side" "$input" "$round" "$(echo "$t1 - $t0" | bc -l)" "$out" >> "$runs"
  tail -n 1 "$runs" >&2
}

for round in $(seq "$repeats"); do
  record zcat gz "$round" sh -c 'zcat "$1" > /dev/null' zcat "$file.gz"
  record reasonrec gz "$round" "$build/bench/ingest/bench_ingest" "$file.gz"
  record python gz "$round" /usr/bin/python3 "$root/bench/ingest/baseline.py" "$file.gz"
  record reasonrec plain "$round" "$build/bench/ingest/bench_ingest" "$file"
  record python plain "$round" /usr/bin/python3 "$root/bench/ingest/baseline.py" "$file"
done

/usr/bin/python3 "$root/bench/ingest/report.py" --runs "$runs" --raw-bytes "$raw_bytes" \
  --repeats "$repeats" --command "bench/ingest/run.sh $build $size $repeats" \
  --load-start "$load_start" --load-end "$(cut -d' ' -f1 /proc/loadavg)" --cores "$(nproc)" \
  --benchmarks-md "${BENCHMARKS_MD:-$root/BENCHMARKS.md}" \
  --json "${BENCH_RESULTS:-$root/bench/results}/ingest.json"
