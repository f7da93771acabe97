#!/usr/bin/env bash
# scripts/demo.sh: the README's first command runs this through `make demo`:
# the most useful end-to-end job that exists today (train an MLP on the
# spiral data and evaluate it). It becomes "synthesize speech" with the TTS.
set -euo pipefail
VALLE=${1:-build/valle}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$VALLE" demo --out "$out/spiral.safetensors"
"$VALLE" mlp eval --model "$out/spiral.safetensors" --data tests/data/spiral.csv
