#!/usr/bin/env bash
# Stage-one benchmark: generate a site (100,000 stations by default) as SAT captures, then time
# `cm2gc build` on it (release build) and report wall and CPU time, records/s and peak memory.
# Usage: scripts/bench-build.sh [STATIONS] [AGENTS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STATIONS=${1:-100000}
AGENTS=${2:-20000}
OUT=${OUT:-out}/bench-build
BIN=$(swift build -c release --show-bin-path)
mkdir -p "$OUT"
SITE="$OUT/site-$STATIONS-$AGENTS"
generate_site "$BIN" "$SITE" "$STATIONS" "$AGENTS" 200
export SOURCE_DATE_EPOCH=1735689600
python3 - "$BIN/cm2gc" "$SITE/sat" "$OUT/bundle.tar" "$STATIONS" "$AGENTS" <<'PY'
import os, resource, subprocess, sys, time, json
binary, site, out, stations, agents = sys.argv[1:6]
t0 = time.monotonic()
p = subprocess.run([binary, "build", site, "-o", out, "--json"], capture_output=True, text=True)
wall = time.monotonic() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kib = usage.ru_maxrss
cpu = usage.ru_utime + usage.ru_stime
if p.returncode not in (0, 1):
    sys.stderr.write(p.stderr)
    sys.exit(p.returncode)
summary = json.loads(p.stdout)
records = sum(r["read"] for r in summary["reconciliation"].values())
print(f"stage one: {stations} stations, {agents} agents, {records} source records")
print(f"  wall time   {wall:.1f} s")
print(f"  CPU time    {cpu:.1f} s (user {usage.ru_utime:.1f}, system {usage.ru_stime:.1f}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
print(f"  throughput  {records / wall:,.0f} source records/s of wall time, {records / cpu:,.0f} per CPU-second")
print(f"  peak memory {peak_kib / 1024:,.0f} MiB (max RSS)")
print(f"  payloads    {sum(summary['payloads'].values())}, plan steps {summary['steps']}, exceptions {summary['exceptions']}")
PY
