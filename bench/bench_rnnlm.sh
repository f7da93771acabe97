#!/usr/bin/env bash
# bench/bench_rnnlm.sh: valle vs PyTorch LSTM LM training tokens/s, 2x200
# and 2x650, interleaved (ABAB) for ROUNDS rounds.
# Usage: bash bench/bench_rnnlm.sh [BUILD_DIR]   (env THREADS, ROUNDS, STEPS)
set -euo pipefail
BUILD=${1:-build}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-20}
cd "$(dirname "$0")/.."
for H in 200 650; do
  for r in $(seq "$ROUNDS"); do
    OMP_NUM_THREADS=$THREADS "$BUILD/bench_rnnlm" "$THREADS" "$H" "$STEPS" 3
    OMP_NUM_THREADS=$THREADS python3 bench/rnnlm_torch.py "$THREADS" "$H" "$STEPS" 3
  done
done
