#!/usr/bin/env bash
# bench/mpi_scaling.sh: training throughput of one process against two MPI
# ranks on one machine (issue 10), for the GPT LM (`valle lm train`) and the
# VALL-E AR (`valle train`). Each workload runs as
#   1p x 1t   one process, 1 thread           (the baseline)
#   1p x 2t   one process, 2 threads          (threads over the cores)
#   2r x 1t   mpirun -np 2, 1 thread per rank (data parallel over the cores)
# ROUNDS times, interleaved, and the median tokens/s (GPT) or frames/s
# (VALL-E, target frames per second) of each is printed with the speed-ups.
#
#   bench/mpi_scaling.sh BUILD_DIR TEXT VOICE_DATA_DIR [ROUNDS=3] [PTB_TRAIN]
#
# TEXT: e.g. ../shared/data/lm/tinyshakespeare.txt; VOICE_DATA_DIR: a
# quantized VALL-E data folder (e.g. data/voice-corpus from
# scripts/build-voice-corpus.sh, LPCNet codes). Needs an MPI build of valle.
set -eu
build=${1:?build dir}; text=${2:?text file}; voice=${3:?VALL-E data dir}
rounds=${4:-3}; ptb=${5:-}
valle=$build/valle
"$valle" --version | grep -q '(mpi)' || { echo "mpi_scaling: $valle is not an MPI build" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out=$tmp/rows

# GPT: a wider model than the baby GPT (256 dims, batch 24) so the step is
# not dominated by per-op overheads; 30 steps, the first 10 skipped.
gpt() {  # gpt NAME LAUNCH... -- prints "gpt NAME tokens/s"
  local name=$1; shift
  rm -f "$tmp/gpt.jsonl"
  "$@" "$valle" lm train --data "$text" --n-embd 256 --batch-size 24 --block-size 64 \
    --max-iters 30 --eval-interval 1000 --eval-iters 1 --log-every 1 --quiet \
    --out "$tmp/gpt.st" --log "$tmp/gpt.jsonl" --threads "$threads" >/dev/null
  python3 - "$tmp/gpt.jsonl" "$name" <<'PY' | tee -a "$out"
import json, statistics, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print("gpt", sys.argv[2], statistics.median(x["tokens_per_s"] for x in r if x["step"] > 10))
PY
}

# VALL-E AR: ar-quarter with 6 layers (the default voice's AR), batch 8,
# 25 steps, the first 5 skipped.
cat >"$tmp/ar.yml" <<EOF
data_dirs: [$voice]
model: ar-quarter
n_layers: 6
codec: lpcnet
num_tokens: 0
batch_size: 8
max_iter: 25
eval_every: 0
save_ckpt_every: 1000
max_prompts: 1
p_additional_prompt: 0.0
seed: 9
ckpt_dir: $tmp/ckpt
log_dir: $tmp/log
EOF
valle_ar() {
  local name=$1; shift
  rm -rf "$tmp/ckpt" "$tmp/log"
  "$@" "$valle" train "$tmp/ar.yml" --threads "$threads" --no-wavs --quiet >/dev/null
  python3 - "$tmp/log/log.jsonl" "$name" <<'PY' | tee -a "$out"
import json, statistics, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print("valle-ar", sys.argv[2], statistics.median(x["frames_per_s"] for x in r
      if x.get("name") == "train" and x["global_step"] > 5))
PY
}

# LSTM LM: Zaremba's 2x200 (batch 20 streams, BPTT 20), 60 chunks
lstm() {
  local name=$1; shift
  "$@" "$valle" lm train --arch lstm --data "$ptb" --max-chunks 60 --threads "$threads" \
    --out "$tmp/lstm.st" >"$tmp/lstm.log"
  echo "lstm $name $(sed -n 's/^stopped .* \([0-9.]*\) tokens\/s$/\1/p' "$tmp/lstm.log")" | tee -a "$out"
}

for r in $(seq "$rounds"); do
  if [ -n "$ptb" ]; then
    threads=1; lstm 1p1t env
    threads=2; lstm 1p2t env
    threads=1; lstm 2r1t mpirun -np 2 --bind-to none
  fi
  threads=1; gpt 1p1t env
  threads=2; gpt 1p2t env
  threads=1; gpt 2r1t mpirun -np 2 --bind-to none
  threads=1; valle_ar 1p1t env
  threads=2; valle_ar 1p2t env
  threads=1; valle_ar 2r1t mpirun -np 2 --bind-to none
done
python3 - "$out" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    w, n, x = line.split()
    v[w, n].append(float(x))
for w in ("gpt", "valle-ar", "lstm"):
    if (w, "1p1t") not in v:
        continue
    base = statistics.median(v[w, "1p1t"])
    cells = [f"{n} {statistics.median(v[w, n]):.0f}/s ({statistics.median(v[w, n]) / base:.2f}x)"
             for n in ("1p1t", "1p2t", "2r1t")]
    print(f"{w}: " + ", ".join(cells))
PY
