#!/usr/bin/env bash
# The main job end to end on samples/. Extended as stages land.
set -euo pipefail
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

echo "== build the bundle"
"$BIN/cm2gc" build samples/sat samples/smgr --config samples/mapping.yaml -o "$BUNDLE"

echo "== approve twice"
"$BIN/cm2gc" approve --key "$OUT/keys/alice.key" --comment "queues and skills checked" "$BUNDLE"
"$BIN/cm2gc" approve --key "$OUT/keys/bob.key" --comment "second review" "$BUNDLE"

echo "== verify --require-approvals 2"
"$BIN/cm2gc" verify --trusted-keys "$OUT/trusted-keys" --require-approvals 2 "$BUNDLE"

echo "== inspect"
"$BIN/cm2gc" inspect --trusted-keys "$OUT/trusted-keys" "$BUNDLE"
