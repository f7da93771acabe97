#!/usr/bin/env bash
# scripts/demo.sh: the README's first command runs this through `make demo`:
# text-to-speech with the shipped default model and voice prompt
# (models/valle/, docs/default-voice.md); the MLP demo while no default
# voice is shipped. Usage: demo.sh [VALLE_BIN [OUT.wav]];
# writes OUT (default hello.wav in the repository root), prints the wall time.
set -euo pipefail
VALLE=${1:-build/valle}
OUT=${2:-hello.wav}
cd "$(dirname "$0")/.."
if [ ! -f models/valle/default.safetensors ]; then
    # until the default voice is trained and shipped (docs/default-voice.md):
    # the MLP demo, the most complete job that needs no trained model
    echo "demo: no default voice in models/valle/ yet (docs/default-voice.md); running the MLP demo" >&2
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    "$VALLE" demo --out "$out/spiral.safetensors"
    "$VALLE" mlp eval --model "$out/spiral.safetensors" --data tests/data/spiral.csv
    exit 0
fi
t0=$(date +%s.%N)
"$VALLE" tts "Hello, how are you?" -o "$OUT"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v o="$OUT" 'BEGIN { printf "demo: wrote %s in %.1f s of wall time\n", o, b - a }'
