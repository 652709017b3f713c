#!/usr/bin/env bash
# Peak memory on hostile input and upload preparation time (issue 16). Builds three inputs in
# $OUT (default bench-results/hostile) and measures each command's peak RSS with /usr/bin/time -v:
#   1. unlisted.tar.gz: ~1 MB of gzip holding 2,000 unlisted 512,000-byte payload members (1.02 GB
#      of zeros, just under the 1 GiB total limit): `cm2gc verify` must refuse it in bounded memory.
#   2. tabs.ossi: one OSSI `f` line and one `d` line of 16 MiB of TABs each: `cm2gc read`.
#   3. steps.tar: a bundle of 20,000 payloads (bundle-files); `cm2gc-upload plan` against a closed
#      loopback port: its time is the local work before the first request (verify + load).
# BIN (default .build/release) holds cm2gc and cm2gc-upload.
set -euo pipefail
BIN=${BIN:-.build/release}
OUT=${OUT:-bench-results/hostile}
mkdir -p "$OUT"

peak() {  # peak RSS in MiB and wall seconds of a command; its exit status is ignored
  local log="$OUT/time.log"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  local kb wall
  kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log")
  echo "$((kb / 1024)) MiB, ${wall} wall"
}

python3 - "$OUT" <<'PY'
import gzip, io, json, os, sys, tarfile
out = sys.argv[1]
# 1. A gzip of unlisted members, each within the payload limit, together just under the total limit.
zero = bytes(512_000)
with gzip.open(os.path.join(out, "unlisted.tar.gz"), "wb", compresslevel=9) as gz:
    with tarfile.open(fileobj=gz, mode="w|", format=tarfile.USTAR_FORMAT) as t:
        for n in range(2000):
            info = tarfile.TarInfo(f"payloads/zz/n{n:04d}.json"); info.size = len(zero); info.mode = 0o644
            t.addfile(info, io.BytesIO(zero))
# 2. OSSI lines of 16 MiB of TABs.
tabs = b"\t" * (16 << 20)
with open(os.path.join(out, "tabs.ossi"), "wb") as f:
    f.write(b"cdisplay station 1001\nf" + tabs + b"\nd" + tabs + b"\nt\n")
# 3. 20,000 payloads: 40 skills, 40 queues, 6,640 users, a skill and a queue membership per user.
d = os.path.join(out, "steps")
for sub in ["routing-skills", "queues", "users", "user-routing-skills", "queue-members"]:
    os.makedirs(os.path.join(d, sub), exist_ok=True)
def put(sub, key, obj):
    with open(os.path.join(d, sub, key + ".json"), "w") as f: json.dump(obj, f, sort_keys=True)
for k in range(40):
    put("routing-skills", f"s{k}", {"name": f"Skill {k}"})
    put("queues", f"q{k}", {"name": f"Queue {k}", "description": "generated"})
for u in range(6640):
    put("users", f"u{u}", {"name": f"User {u}", "email": f"u{u}@example.com", "divisionId": "@ext:divisions/Home"})
    put("user-routing-skills", f"u{u}-skills", {"parent": f"@ref:users/u{u}", "body": [{"id": f"@ref:routing-skills/s{u % 40}", "proficiency": 2}]})
    put("queue-members", f"u{u}-member", {"parent": f"@ref:queues/q{u % 40}", "body": [{"id": f"@ref:users/u{u}"}]})
PY
ls -l "$OUT/unlisted.tar.gz" | awk '{print "unlisted.tar.gz: " $5 " bytes"}'

echo "1. cm2gc verify unlisted.tar.gz:        $(peak "$BIN/cm2gc" verify "$OUT/unlisted.tar.gz")"
echo "2. cm2gc read tabs.ossi (32 MiB):       $(peak "$BIN/cm2gc" read "$OUT/tabs.ossi")"

"$BIN/cm2gc" bundle-files "$OUT/steps" -o "$OUT/steps.tar" --created 1735689600 >/dev/null
rm -rf "$OUT/keys" "$OUT/steps.tar.approvals" && mkdir -p "$OUT/keys/trusted"
for a in alice bob; do
  "$BIN/cm2gc" keygen --approver $a --out "$OUT/keys" >/dev/null
  cp "$OUT/keys/$a.pub" "$OUT/keys/trusted/"
  "$BIN/cm2gc" approve --key "$OUT/keys/$a.key" "$OUT/steps.tar" >/dev/null
done
rm -f "$OUT/steps.tar.ledger.sqlite"*
echo "3. cm2gc-upload plan (20,000 steps, no org listening): $(GENESYS_CLIENT_ID=x GENESYS_CLIENT_SECRET=y peak "$BIN/cm2gc-upload" plan --trusted-keys "$OUT/keys/trusted" --base-url http://127.0.0.1:9 --request-timeout 1 "$OUT/steps.tar")"
