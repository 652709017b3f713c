#!/usr/bin/env bash
# The main job end to end on samples/. Extended as stages land.
set -euo pipefail
OUT=${1:-out}
mkdir -p "$OUT"
BIN=$(swift build --show-bin-path)
"$BIN/cm2gc" --version
