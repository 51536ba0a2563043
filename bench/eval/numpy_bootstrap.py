"""Second baseline of bench/eval: the fastest reasonable Python, a vectorised numpy bootstrap.

Reads the predictions the C++ benchmark wrote (CSV: truth, predicted, p1..p5) and computes the
same rating metrics and 95% percentile bootstrap intervals as sklearn_bootstrap.py, without a
Python loop over resamples or a scikit-learn call:

* all resamples are drawn at once as one (resamples x n) index matrix;
* each block of resamples becomes a count matrix W (how often each prediction was drawn), and
  every metric is a function of W times a sparse 0/1 indicator matrix: the 5x5 confusion matrix
  (accuracy, binary accuracy and F1, macro-F1, MAE, RMSE), and for each AUC the positive and
  negative counts per distinct score (AUC = Mann-Whitney with ties counted half, from a cumulative
  sum over the sorted distinct scores) -- one sparse product per block for everything.

Prints JSON: seconds (computation only, not imports or file reading), the point estimates and
intervals, and the numpy / scipy versions. Run with Debian's /usr/bin/python3.

  numpy_bootstrap.py PREDICTIONS_CSV RESAMPLES SEED [BLOCK]
"""
import json
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp


def indicators(t, p, probs):
    """Sparse (n x K) 0/1 matrix, one 1 per row per block of columns, and the column slices:
    the confusion cell (true, predicted), then for each AUC the (distinct score, label) pair."""
    n = len(t)
    columns = [(t - 1) * 5 + (p - 1)]
    slices = {"confusion": (0, 25)}
    offset = 25
    scores = [("binary_auc", probs[:, 3] + probs[:, 4], t > 3)]
    scores += [(f"ovr_{c}", probs[:, c], t == c + 1) for c in range(5)]
    for name, score, label in scores:
        distinct, group = np.unique(score, return_inverse=True)
        columns.append(offset + group * 2 + label)
        slices[name] = (offset, offset + 2 * len(distinct))
        offset += 2 * len(distinct)
    cols = np.stack(columns, axis=1).ravel()
    rows = np.repeat(np.arange(n), len(columns))
    matrix = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(n, offset))
    return matrix, slices


def auc(counts):
    """counts: (B, 2G) negative / positive counts per distinct score, ascending. NaN where a
    class is absent (scikit-learn raises there)."""
    neg, pos = counts[:, 0::2], counts[:, 1::2]
    below = np.cumsum(neg, axis=1) - neg
    n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos * (below + 0.5 * neg)).sum(axis=1) / (n_pos * n_neg)


def metrics(counts, slices):
    """Every metric of each resample (rows of `counts`, the products W @ indicators)."""
    conf = counts[:, slice(*slices["confusion"])].reshape(-1, 5, 5)  # [true, predicted]
    total = conf.sum(axis=(1, 2))
    tp = conf[:, 3:, 3:].sum(axis=(1, 2))
    tn = conf[:, :3, :3].sum(axis=(1, 2))
    fp = conf[:, :3, 3:].sum(axis=(1, 2))
    fn = conf[:, 3:, :3].sum(axis=(1, 2))
    diag = np.diagonal(conf, axis1=1, axis2=2)
    support = conf.sum(axis=2) + conf.sum(axis=1)  # true + predicted count of each class
    present = support > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(present, 2 * diag / support, 0.0)
        binary_f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    distance = np.abs(np.arange(5)[:, None] - np.arange(5)[None, :]).astype(float)
    out = {
        "binary_accuracy": (tp + tn) / total,
        "binary_f1": binary_f1,
        "accuracy": np.trace(conf, axis1=1, axis2=2) / total,
        "macro_f1": (f1 * present).sum(axis=1) / present.sum(axis=1),
        "mae": (conf * distance).sum(axis=(1, 2)) / total,
        "rmse": np.sqrt((conf * distance**2).sum(axis=(1, 2)) / total),
        "binary_auc": auc(counts[:, slice(*slices["binary_auc"])]),
    }
    # One-vs-rest macro AUC needs every class among the truths (scikit-learn raises otherwise).
    per_class = np.stack([auc(counts[:, slice(*slices[f"ovr_{c}"])]) for c in range(5)], axis=1)
    out["ovr_auc"] = per_class.mean(axis=1)  # NaN if a class is absent
    return out


def main():
    path, resamples, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    block = int(sys.argv[4]) if len(sys.argv) > 4 else 10  # rows of W that stay in cache
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    t, p, probs = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2:7]
    n = len(t)
    block = max(1, min(block, (2**31 - 1) // n))  # int32 keys
    start, cpu_start = time.perf_counter(), time.process_time()
    matrix, slices = indicators(t, p, probs)
    point = {k: float(v[0]) for k, v in
             metrics(np.asarray(matrix.sum(axis=0)), slices).items()}
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, size=(resamples, n), dtype=np.int32)  # every resample at once
    samples = {name: [] for name in point}
    for b in range(0, resamples, block):
        rows = index[b:b + block]
        offsets = (np.arange(len(rows), dtype=np.int32) * n)[:, None]  # block * n < 2**31
        weights = np.bincount((rows + offsets).ravel(), minlength=len(rows) * n)
        weights = weights.reshape(len(rows), n).astype(np.float64)
        counts = np.asarray(weights @ matrix)  # (block, K)
        for name, values in metrics(counts, slices).items():
            samples[name].append(values)
    intervals = {}
    for name, chunks in samples.items():
        values = np.concatenate(chunks)
        values = values[~np.isnan(values)]
        if len(values):
            intervals[name] = [float(v) for v in np.percentile(values, [2.5, 97.5])]
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "resamples": resamples, "point": point,
                      "intervals": intervals, "numpy": np.__version__,
                      "scipy": scipy.__version__}))


if __name__ == "__main__":
    main()
