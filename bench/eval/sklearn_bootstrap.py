"""Baseline of bench/eval: the rating metrics and their bootstrap with scikit-learn + numpy.

Reads the predictions the C++ benchmark wrote (CSV: truth, predicted, p1..p5), computes every
rating metric once and over `resamples` bootstrap resamples the way a Python user would (numpy
index resampling, one scikit-learn call per metric), and prints JSON: seconds (computation only,
not imports or file reading), the point estimates and the 95% percentile intervals.
Run with Debian's /usr/bin/python3 (python3-sklearn 1.2.1).
"""
import json
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, f1_score, mean_absolute_error, mean_squared_error,
                             roc_auc_score)


def metrics(t, p, probs):
    out = {
        "binary_accuracy": accuracy_score(t > 3, p > 3),
        "binary_f1": f1_score(t > 3, p > 3),
        "accuracy": accuracy_score(t, p),
        "macro_f1": f1_score(t, p, average="macro"),
        "mae": mean_absolute_error(t, p),
        "rmse": mean_squared_error(t, p, squared=False),
    }
    try:
        out["binary_auc"] = roc_auc_score(t > 3, probs[:, 3] + probs[:, 4])
    except ValueError:
        pass
    try:
        out["ovr_auc"] = roc_auc_score(t, probs, multi_class="ovr", average="macro")
    except ValueError:
        pass
    return {k: float(v) for k, v in out.items()}


def main():
    path, resamples, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    warnings.simplefilter("ignore")
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    t, p, probs = data[:, 0].astype(int), data[:, 1].astype(int), data[:, 2:7]
    n = len(t)
    start, cpu_start = time.perf_counter(), time.process_time()
    point = metrics(t, p, probs)
    rng = np.random.default_rng(seed)
    samples = {name: [] for name in point}
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        for name, value in metrics(t[idx], p[idx], probs[idx]).items():
            samples[name].append(value)
    intervals = {name: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
                 for name, v in samples.items() if v}
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "resamples": resamples, "point": point,
                      "intervals": intervals, "sklearn": sklearn.__version__,
                      "numpy": np.__version__}))


if __name__ == "__main__":
    main()
