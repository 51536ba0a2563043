#!/usr/bin/python3
"""Writes an Amazon-2018-shaped review file of about SIZE_MB megabytes (uncompressed JSON lines)
by resampling the real reviews in ../shared/data: records keep their real text, ratings and
field layout; users are re-drawn so that each has a realistic history of 1..60 reviews.

usage: generate.py SHARED_DATA_DIR OUT.json SIZE_MB [SEED]
"""
import gzip
import json
import random
import sys


def real_records(data_dir):
    files = [
        "amazon2018_all_beauty_5core/All_Beauty_5.json.gz",
        "amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz",
        "amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz",
    ]
    records = []
    for name in files:
        with gzip.open(f"{data_dir}/{name}", "rt", encoding="utf-8") as f:
            records.extend(json.loads(line) for line in f if line.strip())
    return records


def main():
    data_dir, out, size_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    records = real_records(data_dir)
    target = int(size_mb * 1024 * 1024)
    written = 0
    user = 0
    with open(out, "w", encoding="utf-8") as w:
        while written < target:
            user += 1
            uid = f"U{user:09d}"
            t0 = rng.randrange(1_000_000_000, 1_500_000_000)
            for k in range(rng.choice([1, 2, 3, 5, 5, 6, 8, 10, 12, 20, 35, 60])):
                r = dict(rng.choice(records))
                r["reviewerID"] = uid
                r["unixReviewTime"] = t0 + rng.randrange(0, 200_000_000)
                r.pop("helpful", None)
                line = json.dumps(r) + "\n"
                w.write(line)
                written += len(line.encode("utf-8"))
    print(f"wrote {written / 1e6:.0f} MB, {user} users", file=sys.stderr)


if __name__ == "__main__":
    main()
