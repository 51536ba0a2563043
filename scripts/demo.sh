#!/usr/bin/env bash
# The main job: prepare the bundled Amazon data and print the data report.
set -euo pipefail
bin=${1:?usage: demo.sh REASONREC_BIN SHARED_DIR}
shared=${2:?usage: demo.sh REASONREC_BIN SHARED_DIR}
data="$shared/data"
out=${DEMO_OUT:-runs/demo}
mkdir -p "$out"
echo "== data stats: Magazine_Subscriptions 2018 (reviews + metadata)"
"$bin" data stats "$data/amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz" \
  "$data/amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz"
echo
echo "== prepare: Magazine_Subscriptions 2018 -> $out/magazine"
"$bin" prepare --reviews "$data/amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz" \
  --meta "$data/amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz" \
  --train-per-rating 40 --test-per-rating 10 --out "$out/magazine"
echo
echo "== prepare: All_Beauty 2018 5-core -> $out/beauty"
"$bin" prepare --reviews "$data/amazon2018_all_beauty_5core/All_Beauty_5.json.gz" \
  --train-per-rating 40 --test-per-rating 10 --out "$out/beauty"
