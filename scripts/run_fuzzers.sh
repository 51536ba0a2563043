#!/usr/bin/env bash
# Runs every libFuzzer target in DIR briefly (FUZZ_SECONDS each, default 20).
set -euo pipefail
dir=${1:?usage: run_fuzzers.sh BUILD_FUZZ_DIR}
seconds=${FUZZ_SECONDS:-20}
count=0
for target in "$dir"/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="$dir/corpus/$name"
  mkdir -p "$corpus"
  seeds="$(dirname "$0")/../fuzz/seeds/${name#fuzz_}"
  echo "fuzz: $name for ${seconds}s"
  if [ -d "$seeds" ]; then
    "$target" -max_total_time="$seconds" -print_final_stats=0 "$corpus" "$seeds" 2>"$dir/$name.log" \
      || { tail -50 "$dir/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
  else
    "$target" -max_total_time="$seconds" -print_final_stats=0 "$corpus" 2>"$dir/$name.log" \
      || { tail -50 "$dir/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
  fi
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  echo "fuzz: no fuzz_* targets in $dir: nothing was fuzzed" >&2
  exit 1
fi
echo "fuzz: $count targets ran clean"
