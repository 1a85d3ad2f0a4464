#!/usr/bin/env bash
# The full progressive-freezing comparison (issue 18): all 60,000 / 10,000 Fashion-MNIST images, 10 epochs, seeds
# 100 and 101, every policy interleaved within a seed (78 minutes here); then the deeper ResNet with full training,
# the auto policy and FreezeOut on the quick subset (6,000 / 2,000 images, 5 epochs; a full-size ResNet run would
# take about 5 hours on 2 cores). Each finished run is appended to the JSONL at once; rerun to continue a stopped one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/runs/bench/policies.jsonl}"
"$ROOT/frost" bench policies --out "$OUT" --epochs 10 --seeds 100,101
"$ROOT/frost" bench policies --out "$OUT" --quick --epochs 5 --seeds 100,101 --model resnet \
  --variants "full training,auto + cache,FreezeOut cubic scaled"
