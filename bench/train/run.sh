#!/usr/bin/env bash
# bench/train: `reasonrec train` (libtorch, C++) against the same training step in Python PyTorch.
#
#   bench/train/run.sh REASONREC_BINARY [WORK_DIR]
#
# Builds nothing. WORK_DIR (default /tmp/reasonrec-bench-train) receives the random models,
# sft.jsonl, tokens.json and every run's output; it is not cleaned up. Settings from the
# environment: R (runs per side, 3), THREADS ("2 1"), MODELS ("t5 llama"), and per family
# T5_STEPS/T5_BATCH/T5_MICRO (3/4/2) and LLAMA_STEPS/LLAMA_BATCH/LLAMA_MICRO (8/8/4), LR.
#
# 1. make_models.py writes the models and data (numpy only).
# 2. The like-for-like check: on the first 8 examples, `reasonrec train --steps 1 --batch 8
#    --dropout 0` logs its first loss, torch_train.py --loss-only computes the same loss; they
#    must agree within 1e-4, and so must the token counts.
# 3. For each thread count and model, both sides run R times taking turns (ours, PyTorch, ours,
#    ...), under /usr/bin/time -v (wall time, peak RSS). Tokens/s is taken over the steps after
#    the first on both sides (ours: from train_log.jsonl with --log-every 1).
# 4. report.py prints the table, the ratios and the bound.
set -euo pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 REASONREC_BINARY [WORK_DIR]" >&2
  exit 2
fi
BIN=$(realpath "$1")
WORK=${2:-/tmp/reasonrec-bench-train}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
R=${R:-3}
THREADS=${THREADS:-"2 1"}
MODELS=${MODELS:-"t5 llama"}
LR=${LR:-1e-4}
DROPOUT=${DROPOUT:-0.1}
T5_STEPS=${T5_STEPS:-3} T5_BATCH=${T5_BATCH:-4} T5_MICRO=${T5_MICRO:-2}
LLAMA_STEPS=${LLAMA_STEPS:-8} LLAMA_BATCH=${LLAMA_BATCH:-8} LLAMA_MICRO=${LLAMA_MICRO:-4}

[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
$PY -c 'import torch, numpy' || { echo "needs python3-torch python3-numpy" >&2; exit 1; }

mkdir -p "$WORK/runs"
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
echo "== bench/train  $(date -u '+%Y-%m-%d %H:%M UTC')  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $BIN"
$PY "$HERE/make_models.py" "$WORK"
head -n 8 "$WORK/sft.jsonl" > "$WORK/sft8.jsonl"

settings() {  # family -> steps batch micro
  case $1 in
    t5) echo "$T5_STEPS $T5_BATCH $T5_MICRO" ;;
    llama) echo "$LLAMA_STEPS $LLAMA_BATCH $LLAMA_MICRO" ;;
  esac
}

# ---- 2. the initial loss on the same 8 examples, dropout 0
echo
echo "== initial loss, first 8 examples, dropout 0 (one step of batch 8; threads 2)"
for fam in $MODELS; do
  out="$WORK/runs/check-$fam"
  rm -rf "$out"
  "$BIN" train --data "$WORK/sft8.jsonl" --model "$WORK/$fam" --out "$out" --steps 1 --batch 8 \
    --micro-batch 8 --lr "$LR" --threads 2 --dropout 0 --log-every 1 --seed 0 2> "$out.log" \
    || { cat "$out.log" >&2; exit 1; }
  $PY "$HERE/torch_train.py" --family "$fam" --model "$WORK/$fam" --tokens "$WORK/tokens.json" \
    --loss-only --limit 8 --micro-batch 8 --threads 2 > "$out.torch.json"
  $PY - "$fam" "$out/train_log.jsonl" "$out.torch.json" "$RESULTS" <<'EOF'
import json, sys
fam, log, torch_out, results = sys.argv[1:]
ours = json.loads(open(log).readline())
theirs = json.load(open(torch_out))
ours_tokens = round(ours["tokens_per_s"] * ours["elapsed_s"])
diff = abs(ours["loss"] - theirs["loss"])
ok = diff <= 1e-4 and ours_tokens == theirs["tokens"]
print(f"{fam}: reasonrec loss {ours['loss']:.6f}, PyTorch loss {theirs['loss']:.6f}, "
      f"|diff| {diff:.1e}; tokens {ours_tokens} vs {theirs['tokens']}: "
      + ("MATCH" if ok else "MISMATCH"))
with open(results, "a") as f:
    f.write(json.dumps({"kind": "check", "family": fam, "ours_loss": ours["loss"],
                        "torch_loss": theirs["loss"], "diff": diff, "ours_tokens": ours_tokens,
                        "torch_tokens": theirs["tokens"], "ok": ok}) + "\n")
sys.exit(0 if ok else 1)
EOF
  rm -rf "$out"
done

# ---- 3. the timed runs
rss_kb() { sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$1"; }
wall_s() {  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.33"
  sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'
}

echo
for threads in $THREADS; do
  for fam in $MODELS; do
    read -r steps batch micro < <(settings "$fam")
    echo "== $fam, threads $threads: $R runs per side, $steps steps of batch $batch (micro-batch $micro), dropout $DROPOUT"
    for ((r = 1; r <= R; r++)); do
      out="$WORK/runs/$fam-t$threads-r$r"
      rm -rf "$out"
      /usr/bin/time -v -o "$out.time" "$BIN" train --data "$WORK/sft.jsonl" --model "$WORK/$fam" \
        --out "$out" --steps "$steps" --batch "$batch" --micro-batch "$micro" --lr "$LR" \
        --threads "$threads" --dropout "$DROPOUT" --log-every 1 --seed 0 2> "$out.log" \
        || { cat "$out.log" >&2; exit 1; }
      $PY - "$fam" "$threads" "$r" "$out/train_log.jsonl" "$(wall_s "$out.time")" \
        "$(rss_kb "$out.time")" "$RESULTS" <<'EOF'
import json, sys
fam, threads, r, log, wall, rss, results = sys.argv[1:]
lines = [json.loads(l) for l in open(log)]
tok = lambda l: round(l["tokens_per_s"] * l["elapsed_s"])
first, last = lines[0], lines[-1]
rate = (tok(last) - tok(first)) / (last["elapsed_s"] - first["elapsed_s"])
row = {"kind": "run", "side": "reasonrec", "family": fam, "threads": int(threads), "run": int(r),
       "steps": last["step"], "tokens": tok(last), "tokens_per_second": rate,
       "first_step_s": first["elapsed_s"], "loop_s": last["elapsed_s"], "wall_s": float(wall),
       "peak_rss_mb": int(rss) / 1024, "final_loss": last["loss"]}
print(f"  reasonrec  run {r}: {rate:8.1f} tok/s (steps 2..{last['step']}), {row['tokens']} tokens, "
      f"wall {float(wall):6.1f} s, peak RSS {row['peak_rss_mb']:6.0f} MB, loss {last['loss']:.4f}")
open(results, "a").write(json.dumps(row) + "\n")
EOF
      rm -rf "$out"

      /usr/bin/time -v -o "$out.torch.time" $PY "$HERE/torch_train.py" --family "$fam" \
        --model "$WORK/$fam" --tokens "$WORK/tokens.json" --steps "$steps" --batch "$batch" \
        --micro-batch "$micro" --lr "$LR" --threads "$threads" --dropout "$DROPOUT" \
        > "$out.torch.json" 2> "$out.torch.log" || { cat "$out.torch.log" >&2; exit 1; }
      $PY - "$fam" "$threads" "$r" "$out.torch.json" "$(wall_s "$out.torch.time")" \
        "$(rss_kb "$out.torch.time")" "$RESULTS" <<'EOF'
import json, sys
fam, threads, r, path, wall, rss, results = sys.argv[1:]
j = json.load(open(path))
row = {"kind": "run", "side": "pytorch", "family": fam, "threads": int(threads), "run": int(r),
       "steps": j["steps"], "tokens": j["tokens"], "tokens_per_second": j["tokens_per_second"],
       "first_step_s": j["step_seconds"][0], "loop_s": sum(j["step_seconds"]),
       "wall_s": float(wall), "peak_rss_mb": int(rss) / 1024, "final_loss": j["losses"][-1]}
print(f"  PyTorch    run {r}: {row['tokens_per_second']:8.1f} tok/s (steps 2..{j['steps']}), "
      f"{row['tokens']} tokens, wall {float(wall):6.1f} s, peak RSS {row['peak_rss_mb']:6.0f} MB, "
      f"loss {row['final_loss']:.4f}")
open(results, "a").write(json.dumps(row) + "\n")
EOF
    done
  done
done

# ---- 4. the table and the bound
echo
$PY "$HERE/report.py" "$RESULTS" "$WORK" "$THREADS" \
  "t5:$T5_BATCH:$T5_MICRO" "llama:$LLAMA_BATCH:$LLAMA_MICRO"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
