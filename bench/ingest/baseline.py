#!/usr/bin/python3
"""The same work as bench_ingest, the usual Python way: json + pandas.
Parse every line, keep user/item/rating/time/text/summary, drop exact duplicates, and build each
user's time-ordered history. Prints JSON: seconds, reviews, users."""
import gzip
import json
import sys
import time

import pandas as pd


def main():
    start = time.perf_counter()
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
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "reviews": len(df), "users": len(histories)}))


if __name__ == "__main__":
    main()
