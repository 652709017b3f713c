#!/usr/bin/env bash
# Review page benchmark: generate a site (20,000 stations by default), build its bundle (which
# renders review.html), then measure the page: its size, `cm2gc review` (read, verify, render) and
# how long headless Chromium takes to load it, run its script and take a screenshot; `cm2gc verify`
# of the same bundle for comparison and, where perf can record, the CPU time and memory of
# ReviewPage.render alone (perf samples inside it; the process's RSS from the first such sample on).
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

def timed_fresh(cmd):
    # Peak RSS of this one command (ru_maxrss of children is the largest child so far).
    p = subprocess.Popen(["/usr/bin/time", "-f", "%e %U %S %M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, err = p.communicate()
    wall, user, sys_, kb = err.strip().splitlines()[-1].split()
    return p.returncode, float(wall), float(user) + float(sys_), int(kb)

def render_profile(cmd):
    """CPU time inside ReviewPage.render (perf samples at 1 kHz) and the RSS it adds (the child's
    RSS sampled every 10 ms, from the first sample in render to the end); None without perf."""
    import re, shutil
    if shutil.which("perf") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "perf.data")
        p = subprocess.Popen(["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-F", "1000", "-g", "-o", data] + cmd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows, child = [], None
        while p.poll() is None:
            try:
                if child is None:
                    ch = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
                    child = int(ch[0]) if ch else None
                if child:
                    kb = next(l for l in open(f"/proc/{child}/status") if l.startswith("VmRSS")).split()[1]
                    rows.append((time.monotonic(), int(kb) / 1024))
            except (OSError, StopIteration, ValueError):
                pass
            time.sleep(0.01)
        if p.returncode != 0:
            return None
        script = subprocess.run(["perf", "script", "-F", "time,ip,sym", "-i", data], capture_output=True, text=True).stdout
    blocks = [b for b in script.split("\n\n") if b.strip()]
    inside = [b for b in blocks if "Review0A4PageO6render" in b]
    if not inside or not rows:
        return None
    start = float(re.match(r"\s*([0-9.]+):", inside[0]).group(1))
    at = [r for t, r in rows if t < start] or [rows[0][1]]
    peak = max(r for t, r in rows if t >= start) if any(t >= start for t, _ in rows) else at[-1]
    return len(inside) / 1000, at[-1], peak

p, wall, cpu, brss = timed([binary, "build", site, "-o", bundle, "--json"])
if p.returncode not in (0, 1):
    sys.stderr.write(p.stderr); sys.exit(p.returncode)
summary = json.loads(p.stdout)
with tarfile.open(bundle) as t:
    stored = t.getmember("review.html").size
# Peak of this command alone (the children's ru_maxrss would be the build's when that was larger).
rc, rwall, rcpu, rss = timed_fresh([binary, "review", bundle, "-o", page])
review_note = ""
if rc != 0:
    # Still measure the page the build stored (e.g. a bundle beyond the reader's limits).
    review_note = f" FAILED (exit {rc})"
    with tarfile.open(bundle) as t, open(page, "wb") as f:
        f.write(t.extractfile("review.html").read())
p3, vwall, vcpu, vrss = timed_fresh([binary, "verify", bundle])
render = render_profile([binary, "review", bundle, "-o", page + ".profiled"])
if render is not None:
    same = open(page, "rb").read() == open(page + ".profiled", "rb").read()
    os.remove(page + ".profiled")
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
print(f"  build       {wall:.1f} s wall, {cpu:.1f} CPU s, peak {brss / 1024:,.0f} MiB (includes rendering review.html)")
print(f"  page        {size / 1e6:.1f} MB ({stored / 1e6:.1f} MB in the bundle), ~{elements:,} tags")
print(f"  cm2gc review {rwall:.1f} s wall, {rcpu:.1f} CPU s (read, verify, render), peak {rss / 1024:,.0f} MiB{review_note}")
print(f"  cm2gc verify {vwall:.1f} s wall, {vcpu:.1f} CPU s, peak {vrss / 1024:,.0f} MiB (the same bundle, no page)")
if render is not None:
    cpu_s, at, peak = render
    print(f"  rendering   {cpu_s:.2f} CPU s (perf samples in ReviewPage.render), RSS {at:,.0f} → {peak:,.0f} MiB while rendering (+{peak - at:,.0f} MiB), page {'identical' if same else 'DIFFERENT'} across runs")
else:
    print("  rendering   not isolated (perf is missing or cannot record here)")
print(f"  chromium    {load:.1f} s to load, run the script and screenshot (exit {c.returncode})")
PY
