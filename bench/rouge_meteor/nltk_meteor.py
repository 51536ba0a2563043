#!/usr/bin/python3
"""Baseline for bench/rouge_meteor: builds the candidate/reference pairs from the shared review
texts, then times NLTK 3.8's meteor_score (with word_tokenize(preserve_line=True), as our
default METEOR) on the first `nltk_n` of them (wall-clock and process CPU time), and
rouge-score when it is importable (Debian does not package it).

  nltk_meteor.py DATA_DIR NLTK_DATA PAIRS_OUT N NLTK_N SEED [REPEATS]

Writes the pairs as JSONL to PAIRS_OUT and prints one JSON object: the wall-clock and CPU seconds
of each of REPEATS runs (lists), scores, versions.
"""
import gzip
import json
import random
import sys
import time
import warnings
from collections import defaultdict

warnings.filterwarnings("ignore")
data_dir, nltk_data, pairs_out, n, nltk_n, seed = sys.argv[1:7]
n, nltk_n, seed = int(n), int(nltk_n), int(seed)
repeats = int(sys.argv[7]) if len(sys.argv) > 7 else 1

import nltk

nltk.data.path.insert(0, nltk_data)
from nltk.corpus import wordnet
from nltk.tokenize import word_tokenize
from nltk.translate.meteor_score import meteor_score

FILES = [
    "amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz",
    "amazon2018_all_beauty_5core/All_Beauty_5.json.gz",
    "amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz",
]

# Pairs like Rec-SAVER's: a review as the candidate, another review of the same item as the
# reference (5 to 150 words each).
by_item = defaultdict(list)
for name in FILES:
    with gzip.open(f"{data_dir}/{name}", "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            text = d.get("reviewText") or ""
            if 5 <= len(text.split()) <= 150:
                by_item[d.get("asin", "")].append(text)
items = sorted(i for i in by_item if len(by_item[i]) >= 2)
rng = random.Random(seed)
pairs = []
while len(pairs) < n:
    texts = by_item[rng.choice(items)]
    a, b = rng.sample(range(len(texts)), 2)
    pairs.append((texts[a], texts[b]))
with open(pairs_out, "w", encoding="utf-8") as f:
    for cand, ref in pairs:
        f.write(json.dumps({"candidate": cand, "reference": ref}) + "\n")

subset = pairs[:nltk_n]
meteor_score([word_tokenize("warm up", preserve_line=True)],
             word_tokenize("warming up", preserve_line=True))  # loads WordNet lazily
wordnet.synsets("dog")
seconds, cpu_seconds = [], []
for _ in range(repeats):
    start, cpu_start = time.perf_counter(), time.process_time()
    scores = [meteor_score([word_tokenize(ref, preserve_line=True)],
                           word_tokenize(cand, preserve_line=True)) for cand, ref in subset]
    seconds.append(time.perf_counter() - start)
    cpu_seconds.append(time.process_time() - cpu_start)

rouge_cpu_seconds = None
try:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    rouge_cpu_seconds = []
    for _ in range(repeats):
        start = time.process_time()
        for cand, ref in subset:
            scorer.score(ref, cand)
        rouge_cpu_seconds.append(time.process_time() - start)
except ImportError:
    pass

print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "scores": scores,
                  "nltk": nltk.__version__, "rouge_score_cpu_seconds": rouge_cpu_seconds}))
