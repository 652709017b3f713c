#!/usr/bin/env bash
# The main job end to end on samples/. Extended as stages land.
set -euo pipefail
OUT=${1:-out}
mkdir -p "$OUT"
BIN=$(swift build --show-bin-path)
"$BIN/cm2gc" --version

# Bundle, two-person approval, verification (bundle-spec.md, docs/bundle-operations.md).
# Until the Avaya readers and transform land, the bundle is made from the ready-made Genesys payloads
# in samples/payloads with the development command `bundle-files`. Keys are throwaway demo keys.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200}
BUNDLE="$OUT/bundle.tar"
rm -rf "$OUT/keys" "$OUT/trusted-keys" "$BUNDLE.approvals"
echo "== keygen (two approvers)"
"$BIN/cm2gc" keygen --approver alice --name "Alice Example" --out "$OUT/keys"
"$BIN/cm2gc" keygen --approver bob --name "Bob Example" --out "$OUT/keys"
mkdir -p "$OUT/trusted-keys"
cp "$OUT/keys/alice.pub" "$OUT/keys/bob.pub" "$OUT/trusted-keys/"

echo "== bundle samples/payloads"
"$BIN/cm2gc" bundle-files samples/payloads -o "$BUNDLE"

echo "== approve twice"
"$BIN/cm2gc" approve --key "$OUT/keys/alice.key" --comment "queues and skills checked" "$BUNDLE"
"$BIN/cm2gc" approve --key "$OUT/keys/bob.key" --comment "second review" "$BUNDLE"

echo "== verify --require-approvals 2"
"$BIN/cm2gc" verify --trusted-keys "$OUT/trusted-keys" --require-approvals 2 "$BUNDLE"

echo "== inspect"
"$BIN/cm2gc" inspect --trusted-keys "$OUT/trusted-keys" "$BUNDLE"
