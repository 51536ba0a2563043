#!/usr/bin/python3
"""Baseline for bench/text_metrics: builds candidate/reference pairs from the shared review
texts, then times NLTK 3.8's sentence_bleu on the first NLTK_N of them (str.split() tokens, as our
bleu-nltk), without smoothing and with SmoothingFunction().method1, REPEATS times each.

  nltk_bleu.py REVIEWS_GZ PAIRS_OUT N NLTK_N SEED [REPEATS]

Writes the pairs as JSONL to PAIRS_OUT and prints one JSON object: per configuration the
wall-clock and CPU seconds of every run (lists) and the scores, and the NLTK version.
"""
import gzip
import json
import random
import sys
import time
import warnings
from collections import defaultdict

warnings.filterwarnings("ignore")  # NLTK warns on every zero n-gram count
reviews_gz, pairs_out, n, nltk_n, seed = sys.argv[1:6]
n, nltk_n, seed = int(n), int(nltk_n), int(seed)
repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 1

import nltk
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

# Pairs like Rec-SAVER's: a review as the candidate, one or two other reviews of the same item
# as references (5 to 150 words each).
by_item = defaultdict(list)
with gzip.open(reviews_gz, "rt", encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        text = d.get("reviewText") or ""
        if 5 <= len(text.split()) <= 150:
            by_item[d.get("asin", "")].append(text)
items = sorted(i for i in by_item if len(by_item[i]) >= 3)
rng = random.Random(seed)
pairs = []
while len(pairs) < n:
    texts = rng.sample(by_item[rng.choice(items)], 1 + 1 + rng.randrange(2))
    pairs.append({"candidate": texts[0], "references": texts[1:]})
with open(pairs_out, "w", encoding="utf-8") as f:
    for p in pairs:
        f.write(json.dumps(p, ensure_ascii=False) + "\n")

# Wall-clock and CPU seconds: on a shared machine CPU time is the fairer measure.
result = {"nltk": nltk.__version__, "seconds": {}, "cpu_seconds": {}, "scores": {}}
configurations = [("none", None), ("method1", SmoothingFunction().method1)]
for name, _ in configurations:
    result["seconds"][name], result["cpu_seconds"][name] = [], []
for _ in range(repeats):  # the configurations take turns, like reasonrec's runs
    for name, smoothing in configurations:
        start = time.perf_counter()
        cpu_start = time.process_time()
        scores = [sentence_bleu([r.split() for r in p["references"]], p["candidate"].split(),
                                smoothing_function=smoothing) for p in pairs[:nltk_n]]
        result["seconds"][name].append(time.perf_counter() - start)
        result["cpu_seconds"][name].append(time.process_time() - cpu_start)
        result["scores"][name] = [float(s) for s in scores]
json.dump(result, sys.stdout)
