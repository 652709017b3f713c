#!/usr/bin/env bash
# Review page benchmark: generate a site (20,000 stations by default), build its bundle (which
# renders review.html), then measure the page: its size, `cm2gc review` (read, verify, render) and
# how long headless Chromium takes to load it, run its script and take a screenshot.
# Usage: scripts/bench-review.sh [STATIONS] [AGENTS]
# CONFIG=release (default) or debug picks the build (BIN=DIR overrides); figures are in
# docs/bundle-operations.md §2a.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STATIONS=${1:-20000}
AGENTS=${2:-$((STATIONS / 5))}
CONFIG=${CONFIG:-release}
OUT=${OUT:-out}/bench-review
BIN=${BIN:-$(swift build -c "$CONFIG" --show-bin-path)}
mkdir -p "$OUT"
SITE="$OUT/site-$STATIONS-$AGENTS"
generate_site "$BIN" "$SITE" "$STATIONS" "$AGENTS" 200
export SOURCE_DATE_EPOCH=1735689600
BUNDLE="$OUT/bundle-$STATIONS.tar"
PAGE="$OUT/review-$STATIONS.html"
command -v chromium >/dev/null 2>&1 || { echo "chromium is missing: make test-deps installs it" >&2; exit 2; }
python3 - "$BIN/cm2gc" "$SITE/sat" "$BUNDLE" "$PAGE" "$STATIONS" "$CONFIG" <<'PY'
import json, os, resource, subprocess, sys, tarfile, tempfile, time
binary, site, bundle, page, stations, config = sys.argv[1:7]

def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p, wall, cpu, after.ru_maxrss

p, wall, cpu, _ = timed([binary, "build", site, "-o", bundle, "--json"])
if p.returncode not in (0, 1):
    sys.stderr.write(p.stderr); sys.exit(p.returncode)
summary = json.loads(p.stdout)
with tarfile.open(bundle) as t:
    stored = t.getmember("review.html").size
p2, rwall, rcpu, rss = timed([binary, "review", bundle, "-o", page])
review_note = ""
if p2.returncode != 0:
    # Still measure the page the build stored (e.g. a bundle beyond the reader's limits).
    review_note = " FAILED: " + p2.stderr.strip().splitlines()[-1]
    with tarfile.open(bundle) as t, open(page, "wb") as f:
        f.write(t.extractfile("review.html").read())
size = os.path.getsize(page)
html = open(page, encoding="utf-8").read()
elements = html.count("<")
with tempfile.TemporaryDirectory() as profile:
    shot = os.path.join(profile, "shot.png")
    t0 = time.monotonic()
    c = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
                        "--disable-background-networking", "--disable-component-update", "--no-first-run",
                        "--window-size=1280,2000", "--screenshot=" + shot, "--dump-dom", "file://" + os.path.abspath(page)],
                       capture_output=True, text=True)
    load = time.monotonic() - t0
print(f"review page: {stations} stations ({config} build), {summary['exceptions']} exceptions, {sum(summary['payloads'].values())} payloads")
print(f"  build       {wall:.1f} s wall, {cpu:.1f} CPU s (includes rendering review.html)")
print(f"  page        {size / 1e6:.1f} MB ({stored / 1e6:.1f} MB in the bundle), ~{elements:,} tags")
print(f"  cm2gc review {rwall:.1f} s wall, {rcpu:.1f} CPU s (read, verify, render), peak {rss / 1024:,.0f} MiB{review_note}")
print(f"  chromium    {load:.1f} s to load, run the script and screenshot (exit {c.returncode})")
PY
