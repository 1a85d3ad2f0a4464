#!/usr/bin/env bash
# The LoRA comparison (frost bench lora), one JVM per method and seed so each peak RSS is that method's alone.
# Rows already in the output file are skipped: run it again to continue a stopped comparison.
# METHODS (space-separated) picks a subset, e.g. METHODS="FULL LORA_QV" scripts/bench-lora.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/runs/bench/lora.jsonl}"
shift || true
for seed in 1 2; do
  for method in ${METHODS:-FULL FROZEN4 LORA_QV LORA_ALL LORA_ALL_R4 LORA_TOP2_CACHED}; do
    "$ROOT/frost" bench lora --out "$OUT" --seeds "$seed" --methods "$method" "$@" | grep -v '^|\|^MiniLM\|^goals' || true
  done
done
# the table over every row in the file (the methods asked for, when METHODS is set)
"$ROOT/frost" bench lora --out "$OUT" ${METHODS:+--methods "${METHODS// /,}"} "$@"
