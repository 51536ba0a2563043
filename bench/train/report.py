#!/usr/bin/python3
"""The table of bench/train/run.sh: reads WORK/results.jsonl, prints per model, thread count and
side tokens/s, wall time and peak RSS as median (min-max), the ratio ours/PyTorch, and the bound.

  report.py RESULTS.jsonl WORK_DIR "2 1" t5:BATCH:MICRO llama:BATCH:MICRO

The bound: a training step is matrix products (plus elementwise work). Its FLOPs are counted
from the config (forward projections and attention products; backward = 2x forward), and the
rate libtorch's BLAS (the same library under both sides) reaches on exactly the forward
projection shapes of one micro-batch is measured here with torch.mm at the same thread count.
No trainer on this libtorch can turn FLOPs into tokens faster than that rate, so each side's
FLOP/s as a share of it is how close it gets.
"""
import json
import statistics
import sys
import time

import torch


def spread(values, fmt):
    values = sorted(values)
    return f"{fmt(statistics.median(values))} ({fmt(values[0])}–{fmt(values[-1])})"


def cpu_percent(work, row):
    """'Percent of CPU this job got' from the run's /usr/bin/time -v file (user+sys over wall)."""
    suffix = ".time" if row["side"] == "reasonrec" else ".torch.time"
    path = f"{work}/runs/{row['family']}-t{row['threads']}-r{row['run']}{suffix}"
    try:
        for line in open(path):
            if "Percent of CPU this job got" in line:
                return float(line.split(":")[1].strip().rstrip("%"))
    except OSError:
        pass
    return float("nan")


def t5_shapes(c, mb, te, td):
    """Forward products of one micro-batch: (m, k, n, count) for projections, plus attention FLOPs."""
    d, f, inner, v, h, dk = c["d_model"], c["d_ff"], c["num_heads"] * c["d_kv"], c["vocab_size"], c["num_heads"], c["d_kv"]
    gated = 2 if c["feed_forward_proj"].startswith("gated") else 1
    L, Ld = c["num_layers"], c["num_decoder_layers"]
    shapes = [(mb * te, d, inner, 3 * L), (mb * te, inner, d, L), (mb * te, d, f, gated * L), (mb * te, f, d, L),
              (mb * td, d, inner, 4 * Ld), (mb * td, inner, d, 2 * Ld), (mb * te, d, inner, 2 * Ld),
              (mb * td, d, f, gated * Ld), (mb * td, f, d, Ld), (mb * td, d, v, 1)]
    attention = 2 * 2 * mb * h * dk * (L * te * te + Ld * (td * td + td * te))
    return shapes, attention


def llama_shapes(c, mb, t):
    d, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    h, g = c["num_attention_heads"], c["num_key_value_heads"]
    hd = d // h
    L = c["num_hidden_layers"]
    shapes = [(mb * t, d, h * hd, L), (mb * t, d, g * hd, 2 * L), (mb * t, h * hd, d, L),
              (mb * t, d, i, 2 * L), (mb * t, i, d, L), (mb * (t - 1), d, v, 1)]
    attention = 2 * 2 * mb * h * hd * t * t * L
    return shapes, attention


def gemm_rate(shapes, threads):
    """FLOP/s of torch.mm over the shapes, weighted by their counts (best of 3 per shape)."""
    torch.set_num_threads(threads)
    flops = seconds = 0.0
    for m, k, n, count in shapes:
        a, b = torch.randn(m, k), torch.randn(n, k)
        torch.mm(a, b.t())
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            torch.mm(a, b.t())
            best = min(best, time.perf_counter() - t0)
        flops += 2.0 * m * k * n * count
        seconds += best * count
    return flops / seconds


def main():
    results_path, work, thread_list = sys.argv[1:4]
    batches = {s.split(":")[0]: tuple(int(x) for x in s.split(":")[1:]) for s in sys.argv[4:]}
    rows = [json.loads(l) for l in open(results_path)]
    tokens = json.load(open(f"{work}/tokens.json"))
    checks = [r for r in rows if r["kind"] == "check"]
    runs = [r for r in rows if r["kind"] == "run"]

    print("| model | threads | side | tokens/s (steps 2..N) | wall time, whole process | CPU use (user+sys / wall) | peak RSS | GFLOP/s | share of the GEMM bound | ours / PyTorch, tokens/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    summary = []
    for threads in [int(t) for t in thread_list.split()]:
        for fam in ("t5", "llama"):
            sel = {side: [r for r in runs if r["family"] == fam and r["threads"] == threads and r["side"] == side]
                   for side in ("reasonrec", "pytorch")}
            if not sel["reasonrec"] or not sel["pytorch"]:
                continue
            c = json.load(open(f"{work}/{fam}/config.json"))
            ex = tokens[fam][0]
            batch, micro = batches[fam]
            if fam == "t5":
                te, td = len(ex["input"]), len(ex["labels"])
                shapes, attention = t5_shapes(c, micro, te, td)
                ex_tokens = te + td
            else:
                t = len(ex["input"]) + len(ex["labels"])
                shapes, attention = llama_shapes(c, micro, t)
                ex_tokens = t
            fwd = sum(2.0 * m * k * n * cnt for m, k, n, cnt in shapes) + attention
            train_flops_per_token = 3.0 * fwd / (micro * ex_tokens)
            bound = gemm_rate(shapes, threads)
            rates = {s: [r["tokens_per_second"] for r in sel[s]] for s in sel}
            med = {s: statistics.median(rates[s]) for s in rates}
            ratio = med["reasonrec"] / med["pytorch"]
            lo = min(rates["reasonrec"]) / max(rates["pytorch"])
            hi = max(rates["reasonrec"]) / min(rates["pytorch"])
            for side, label in (("reasonrec", "reasonrec train"), ("pytorch", "Python PyTorch")):
                rs = sel[side]
                gflops = med[side] * train_flops_per_token / 1e9
                print(f"| {fam} | {threads} | {label} | "
                      f"{spread(rates[side], lambda x: f'{x:.0f}')} | "
                      f"{spread([r['wall_s'] for r in rs], lambda x: f'{x:.1f} s')} | "
                      f"{spread([cpu_percent(work, r) for r in rs], lambda x: f'{x:.0f}%')} | "
                      f"{spread([r['peak_rss_mb'] for r in rs], lambda x: f'{x:.0f} MB')} | "
                      f"{gflops:.1f} | {100 * gflops * 1e9 / bound:.0f}% | "
                      + (f"**{ratio:.2f}x** ({lo:.2f}–{hi:.2f})" if side == "reasonrec" else "") + " |")
            summary.append(f"{fam}, {threads} thread(s): {train_flops_per_token / 1e9:.3f} GFLOP per token "
                           f"trained, batch {batch} (micro-batch {micro}); torch.mm on the forward projection "
                           f"shapes of one micro-batch: {bound / 1e9:.1f} GFLOP/s = "
                           f"{bound / train_flops_per_token:.0f} tokens/s at most")
    print()
    for line in summary:
        print("bound: " + line)
    for c in checks:
        print(f"initial loss, {c['family']}: reasonrec {c['ours_loss']:.6f}, PyTorch {c['torch_loss']:.6f}, "
              f"|diff| {c['diff']:.1e}, tokens {c['ours_tokens']} / {c['torch_tokens']}: "
              + ("match" if c["ok"] else "MISMATCH"))


if __name__ == "__main__":
    main()
