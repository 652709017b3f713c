#!/usr/bin/env bash
# Loopback load test of `cm2gc-sandbox genesys` (release build, faults and rate limit off).
# Bounded: DURATION seconds (default 10) with CONNECTIONS connections (default 8), 127.0.0.1 only.
# Fails when the sandbox answers fewer than MIN_RPS (default 1000) requests per second.
set -euo pipefail

BIN="${BIN:-.build/release/cm2gc-sandbox}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-8}"
MIN_RPS="${MIN_RPS:-1000}"
OUT_DIR="${OUT_DIR:-bench-results}"
mkdir -p "$OUT_DIR"

# A throwaway client, passed through the environment (never on the command line).
export CM2GC_SANDBOX_CLIENTS="bench:bench-$$-$RANDOM"
LOG="$(mktemp)"
"$BIN" genesys --port 0 --rate-limit 0 >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT

URL=""
for _ in $(seq 1 100); do
  URL="$(sed -n 's/^listening \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$LOG")"
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "sandbox did not start:"; cat "$LOG"; exit 1; }

SECRET="${CM2GC_SANDBOX_CLIENTS#bench:}"
TOKEN="$(curl -sf -u "bench:$SECRET" -d grant_type=client_credentials "$URL/oauth/token" \
  | sed -n 's/.*"access_token":"\([0-9a-f]*\)".*/\1/p')"
[ -n "$TOKEN" ] || { echo "no token"; exit 1; }

# Something to list: 50 queues, so a page read does real work (filter, sort, page, encode).
for i in $(seq 1 50); do
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Bench queue $i\"}" "$URL/api/v2/routing/queues"
done

echo "sandbox at $URL; ${DURATION}s, ${CONNECTIONS} connections, GET /api/v2/routing/queues?pageSize=25"
wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" -H "Authorization: Bearer $TOKEN" \
  "$URL/api/v2/routing/queues?pageSize=25" | tee "$OUT_DIR/sandbox-wrk.txt"

RPS="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$OUT_DIR/sandbox-wrk.txt")"
NON2XX="$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$OUT_DIR/sandbox-wrk.txt")"
echo "requests/s: $RPS (minimum $MIN_RPS); non-2xx: ${NON2XX:-0}"
[ "${NON2XX:-0}" = "0" ] || { echo "FAIL: errors under load"; exit 1; }
awk -v r="$RPS" -v m="$MIN_RPS" 'BEGIN { exit !(r + 0 >= m + 0) }' || { echo "FAIL: below $MIN_RPS requests/s"; exit 1; }
echo "PASS"
