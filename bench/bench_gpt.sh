#!/usr/bin/env bash
# bench/bench_gpt.sh: valle's baby-GPT training step against PyTorch CPU
# (bench/gpt_torch.py), same config, alternating ROUNDS times so machine
# load hits both; prints each run's JSON line and the median ratios.
#
#   bench/bench_gpt.sh BUILD_DIR DATA [ROUNDS=5] [ITERS=40] [THREADS=1]
#
# Medians of per-step wall and process-CPU time (on a shared machine with
# more runnable threads than cores, CPU time of single-threaded runs is the
# meaningful number; wall time is printed too).
set -u
build=${1:?build dir}; data=${2:?tinyshakespeare.txt}
rounds=${3:-5}; iters=${4:-40}; threads=${5:-1}
here=$(dirname "$0")
out=$(mktemp)
for r in $(seq "$rounds"); do
  "$build/bench_gpt_step" --data "$data" --iters "$iters" --threads "$threads" | tee -a "$out"
  OMP_NUM_THREADS=$threads python3 "$here/gpt_torch.py" --data "$data" --iters "$iters" \
    --threads "$threads" | tee -a "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(peer, key):
    return statistics.median(r[key] for r in rows if r["peer"] == peer)
for key in ("median_step_s", "median_step_cpu_s"):
    v, t = med("valle", key), med("pytorch", key)
    print(f"{key}: valle {v*1e3:.2f} ms, pytorch {t*1e3:.2f} ms, valle is {t/v:.2f}x faster")
PY
rm -f "$out"
