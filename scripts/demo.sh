#!/usr/bin/env bash
# The main job end to end on samples/. Extended as stages land.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
OUT=${1:-out}
mkdir -p "$OUT"
BIN=$(swift build --show-bin-path)
"$BIN/cm2gc" --version

# Stage one on the sample site, two-person approval, verification (bundle-spec.md,
# docs/bundle-operations.md). Keys are throwaway demo keys. A fixed SOURCE_DATE_EPOCH makes the
# bundle byte-identical on every machine.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}
BUNDLE="$OUT/bundle.tar"
rm -rf "$OUT/keys" "$OUT/trusted-keys" "$BUNDLE.approvals"
echo "== keygen (two approvers)"
"$BIN/cm2gc" keygen --approver alice --name "Alice Example" --out "$OUT/keys"
"$BIN/cm2gc" keygen --approver bob --name "Bob Example" --out "$OUT/keys"
mkdir -p "$OUT/trusted-keys"
cp "$OUT/keys/alice.pub" "$OUT/keys/bob.pub" "$OUT/trusted-keys/"

echo "== read the sample site (SAT captures + System Manager export)"
"$BIN/cm2gc" read samples/sat samples/smgr | tail -n 25

echo "== build the bundle (with Architect call flows translated from the vectors)"
"$BIN/cm2gc" build samples/sat samples/smgr --config samples/mapping.yaml -o "$BUNDLE"
"$BIN/cm2gc" inspect "$BUNDLE" | sed -n '/Call flow fidelity/,/^## Exceptions/p' | awk 'NR <= 24'  # awk reads to the end: head would SIGPIPE the writer under pipefail

echo "== approve twice"
"$BIN/cm2gc" approve --key "$OUT/keys/alice.key" --comment "queues and skills checked" "$BUNDLE"
"$BIN/cm2gc" approve --key "$OUT/keys/bob.key" --comment "second review" "$BUNDLE"

echo "== verify --require-approvals 2"
"$BIN/cm2gc" verify --trusted-keys "$OUT/trusted-keys" --require-approvals 2 "$BUNDLE"

echo "== inspect"
"$BIN/cm2gc" inspect --trusted-keys "$OUT/trusted-keys" "$BUNDLE"

echo "== review (the change board's page, with both approvals)"
"$BIN/cm2gc" review --trusted-keys "$OUT/trusted-keys" --require-approvals 2 -o "$OUT/review.html" "$BUNDLE"

# Stage two (docs/upload.md): start the Genesys sandbox on a free loopback port, upload the approved
# bundle, read everything back, show the ledger. Throwaway demo credentials, passed through a 0600
# file and the environment, never on a command line.
echo "== sandbox"
CLIENTS="$OUT/sandbox-clients"
umask 077
export GENESYS_CLIENT_ID=demo-uploader
export GENESYS_CLIENT_SECRET="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s:%s\n' "$GENESYS_CLIENT_ID" "$GENESYS_CLIENT_SECRET" > "$CLIENTS"
umask 022
rm -f "$BUNDLE.ledger.sqlite"* "$BUNDLE.results.jsonl"
# The org's pre-existing objects the bundle refers to by name (@ext:): the site phones belong to.
printf '{"locations": [{"id": "00000000-0000-4000-8000-00000000f001", "name": "Frankfurt"}], "sites": [{"name": "Frankfurt HQ", "location": {"id": "00000000-0000-4000-8000-00000000f001"}}]}\n' > "$OUT/sandbox-seed.json"
"$BIN/cm2gc-sandbox" genesys --port 0 --clients-file "$CLIENTS" --seed "$OUT/sandbox-seed.json" > "$OUT/sandbox.out" 2> "$OUT/sandbox.err" &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
URL=$(wait_for_listening "$OUT/sandbox.out")
echo "sandbox at $URL"

UP=(--trusted-keys "$OUT/trusted-keys" --require-approvals 2 --base-url "$URL")
echo "== cm2gc-upload verify / plan / apply / reconcile / status"
"$BIN/cm2gc-upload" verify --trusted-keys "$OUT/trusted-keys" --require-approvals 2 "$BUNDLE"
"$BIN/cm2gc-upload" plan "${UP[@]}" "$BUNDLE"
"$BIN/cm2gc-upload" apply "${UP[@]}" "$BUNDLE"
"$BIN/cm2gc-upload" reconcile "${UP[@]}" "$BUNDLE"
"$BIN/cm2gc-upload" status "$BUNDLE"
echo "== apply again (resumes; a finished bundle makes no write)"
"$BIN/cm2gc-upload" apply --quiet "${UP[@]}" "$BUNDLE"
kill $SANDBOX_PID 2>/dev/null || true
