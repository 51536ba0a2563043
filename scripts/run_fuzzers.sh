#!/usr/bin/env bash
# Runs every libFuzzer target in DIR briefly: FUZZ_SECONDS each (default 20), FUZZ_JOBS targets at
# a time (default 2, one per core of the CI machine). Any input taking over 10 s or 2 GiB fails.
set -euo pipefail
dir=${1:?usage: run_fuzzers.sh BUILD_FUZZ_DIR}
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-2}
seed_root="$(cd "$(dirname "$0")/.." && pwd)/fuzz/seeds"

run_one() {
  local target=$1 name corpus seeds
  name=$(basename "$target")
  corpus="$dir/corpus/$name"
  seeds="$seed_root/${name#fuzz_}"
  mkdir -p "$corpus"
  local inputs=("$corpus")
  [ -d "$seeds" ] && inputs+=("$seeds")
  echo "fuzz: $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "${inputs[@]}" 2>"$dir/$name.log"; then
    tail -50 "$dir/$name.log"
    echo "fuzz: $name FAILED"
    return 1
  fi
}

targets=()
for target in "$dir"/fuzz_*; do
  [ -x "$target" ] && [ -f "$target" ] && targets+=("$target")
done
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz: no fuzz_* targets in $dir: nothing was fuzzed" >&2
  exit 1
fi

failed=0
running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: at least one target failed (see above)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran clean"
