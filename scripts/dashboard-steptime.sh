#!/usr/bin/env bash
# Step time before and after freezing groups from the live dashboard, on a real `frost train` run:
#   scripts/dashboard-steptime.sh CONFIG FREEZE_AT GROUP... [-- extra frost train args]
# Starts `frost train CONFIG --dashboard --dashboard-keep`, freezes the GROUPs through the JSON API once the run
# reaches step FREEZE_AT, waits for the run to finish, reads every step's time from /api/state and prints the median
# step time over the steps before the freeze (after a 10-step warm-up) and after it, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="$1"; AT="$2"; shift 2
GROUPS_=(); while [[ $# -gt 0 && "$1" != "--" ]]; do GROUPS_+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
LOG="$(mktemp)"
./frost train "$CONFIG" --dashboard --dashboard-keep "$@" > "$LOG" 2>&1 &
PID=$!
# a background job ignores SIGINT in a script: TERM ends the kept server (the run is over by then)
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
URL=""
for _ in $(seq 1 600); do
  URL="$(grep -o 'http://127.0.0.1:[0-9]*/?token=[0-9a-f]*' "$LOG" | head -1 || true)"
  [[ -n "$URL" ]] && break; sleep 0.5
done
[[ -n "$URL" ]] || { cat "$LOG"; echo "no dashboard URL" >&2; exit 1; }
BASE="${URL%%/?token=*}"; TOKEN="${URL##*token=}"
state() { curl -sf -H "X-Frost-Token: $TOKEN" "$BASE/api/state"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
until [[ "$(state | field globalStep)" -ge "$AT" ]]; do sleep 0.05; done
for g in "${GROUPS_[@]}"; do
  curl -sf -H "X-Frost-Token: $TOKEN" -d "action=freeze&group=$g&wait=20000" "$BASE/api/command"; echo
done
until state | field status | grep -q "run "; do sleep 0.5; done
state | python3 -c '
import json, statistics, sys
s = json.load(sys.stdin)
frozen = [e["step"] for e in s["events"] if e["action"] == "freeze" and e["applied"]]
at = max(frozen)
pts = s["points"]
# a point with step k timed the step that ran from global step k-1 to k; the freeze applied before step at+1
before = [p["seconds"] for p in pts if 10 < p["step"] <= at]
after = [p["seconds"] for p in pts if p["step"] > at]
b, a = statistics.median(before), statistics.median(after)
share = [p["flopShare"] for p in pts if p["step"] > at][-1]
print(f"freeze applied at step {at}; median step time {1e3*b:.2f} ms over {len(before)} steps before, "
      f"{1e3*a:.2f} ms over {len(after)} steps after: ratio {a/b:.3f}; FLOPs share after {share:.3f}")
'
