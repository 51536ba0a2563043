#!/usr/bin/python3
"""The same work as bench_ingest, the usual Python way: json + pandas.
Parse every line, keep user/item/rating/time/text/summary, drop exact duplicates, and build each
user's time-ordered history. Prints JSON: seconds (wall-clock, from opening the file to the
histories built; not the imports), cpu_seconds (process time over the same span), reviews, users,
the same fields bench_ingest prints for the same span."""
import gzip
import json
import sys
import time

import pandas as pd


def main():
    start, cpu_start = time.perf_counter(), time.process_time()
    rows = []
    path = sys.argv[1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            rows.append((r["reviewerID"], r["asin"], int(r["overall"]), r["unixReviewTime"],
                         r.get("reviewText", ""), r.get("summary", "")))
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "time", "text", "summary"])
    df = df.drop_duplicates(subset=["user", "item", "time", "text"])
    df = df.sort_values(["user", "time"], kind="stable")
    histories = df.groupby("user", sort=True).indices
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "reviews": len(df),
                      "users": len(histories)}), flush=True)


if __name__ == "__main__":
    main()
