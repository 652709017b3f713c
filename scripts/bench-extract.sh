#!/usr/bin/env bash
# Extraction benchmark: serve a generated site (20,000 stations by default) from the CM sandbox and
# time `cm2gc extract` over both REST shapes (release build). Reports records/s, requests and peak
# memory. The request budget (--rate, requests/s) is what bounds a real pull; RATE is set high here
# to show the tool's own ceiling, and the budget-bound time is printed next to it.
# Usage: scripts/bench-extract.sh [STATIONS] [AGENTS]   (RATE=requests/s, PAGE=page size)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STATIONS=${1:-20000}
AGENTS=${2:-4000}
RATE=${RATE:-2000}
PAGE=${PAGE:-200}
OUT=${OUT:-out}/bench-extract
for p in cm2gc cm2gc-sandbox; do swift build -c release --product "$p" >/dev/null; done
BIN=$(swift build -c release --show-bin-path)
mkdir -p "$OUT"
SITE="$OUT/site-$STATIONS-$AGENTS"
generate_site "$BIN" "$SITE" "$STATIONS" "$AGENTS" 100
"$BIN/cm2gc-sandbox" cm --port 0 --site "$SITE/sat" > "$OUT/sandbox.out" 2> "$OUT/sandbox.err" &
SB=$!
trap 'kill $SB 2>/dev/null || true' EXIT
URL=$(wait_for_listening "$OUT/sandbox.out")
export CM_USERNAME=cm2gc CM_PASSWORD=sandbox
for KIND in rest pbxd; do
  FROM="$URL"; [ "$KIND" = rest ] && FROM="$URL/cm/v1"
  rm -f "$OUT/$KIND.sqlite"*
  python3 - "$BIN/cm2gc" "$FROM" "$KIND" "$OUT/$KIND.sqlite" "$RATE" "$PAGE" <<'PY'
import json, resource, subprocess, sys, time
binary, url, kind, stage, rate, page = sys.argv[1:7]
t0 = time.monotonic()
p = subprocess.run([binary, "extract", "--from", url, "--kind", kind, "--stage", stage, "--rate", rate,
                    "--page-size", page, "--json"], capture_output=True, text=True)
wall = time.monotonic() - t0
if p.returncode != 0:
    sys.stderr.write(p.stderr); sys.exit(p.returncode)
s = json.loads(p.stdout)
records = s["counts"].get("fetched", 0)  # the per-dataset keys break the same total down
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{kind}: {records} records in {wall:.1f} s = {records / wall:,.0f} records/s; {s['requests']} requests "
      f"({s['requests'] / wall:,.0f}/s, budget {rate}/s); peak RSS {peak:,.0f} MiB (max of the children so far)")
for budget in (5, 20):
    print(f"      at a budget of {budget} requests/s (5 is the default) the same pull needs at least {s['requests'] / budget:,.0f} s")
PY
done
