#!/usr/bin/env bash
# bench/run.sh: runs the foundation benchmarks side by side and prints the
# numbers that go into bench/RESULTS.md. Usage: bash bench/run.sh [BUILD_DIR]
# Needs python3 with torch for the PyTorch side (pip install torch); the
# valle and torch runs are interleaved (ABAB...) so machine noise hits both.
set -euo pipefail
BUILD=${1:-build}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
cd "$(dirname "$0")/.."
echo "## matmul ($(date -u +%F), $(nproc) cores)"
OMP_NUM_THREADS=$THREADS "$BUILD/bench_matmul" "$THREADS" 7
echo
echo "## MLP 784-1024-1024-10 training step, batch 128, $THREADS threads"
for r in $(seq "$ROUNDS"); do
  OMP_NUM_THREADS=$THREADS "$BUILD/bench_mlp_step" "$THREADS" 20 5
  if python3 -c 'import torch' 2>/dev/null; then
    OMP_NUM_THREADS=$THREADS python3 bench/mlp_step_torch.py "$THREADS" 20 5
  else
    echo "torch not installed: skipping the PyTorch side"
  fi
done
