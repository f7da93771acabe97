#!/usr/bin/env bash
# bench/llmc_compare.sh: one GPT-2 124M training step (B = 4, T = 64) in
# valle (bench_gpt_step --gpt2) against llm.c's CPU trainer train_gpt2.c,
# alternating the two ROUNDS times (order swapped every round) so machine
# load hits both; prints each run's JSON line and the medians and ratio.
#
#   bench/llmc_compare.sh BUILD_DIR LLMC_BIN [ROUNDS=3] [THREADS=1]
#
# LLMC_BIN: llm.c's train_gpt2 built by its Makefile (`make train_gpt2`),
# best with three edits that leave the step itself alone: LLMC_STEPS steps
# instead of 41, no validation / sampling between steps when LLMC_STEPS is
# set, and process-CPU time next to the wall time of each step:
#   sed -e 's/for (int step = 0; step <= 40; step++) {/int nsteps = getenv("LLMC_STEPS") ? atoi(getenv("LLMC_STEPS")) : 41; struct timespec cs, ce;\n    for (int step = 0; step < nsteps; step++) {/' \
#       -e 's/if (step % 10 == 0) {/if (!getenv("LLMC_STEPS") \&\& step % 10 == 0) {/' \
#       -e 's/if (step > 0 \&\& step % 20 == 0) {/if (!getenv("LLMC_STEPS") \&\& step > 0 \&\& step % 20 == 0) {/' \
#       -e 's/clock_gettime(CLOCK_MONOTONIC, &start);/clock_gettime(CLOCK_MONOTONIC, \&start); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, \&cs);/' \
#       -e 's/clock_gettime(CLOCK_MONOTONIC, &end);/clock_gettime(CLOCK_MONOTONIC, \&end); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, \&ce);/' \
#       -e 's/printf("step %d: train loss %f (took %f ms)\\n", step, model.mean_loss, time_elapsed_s \* 1000);/printf("step %d: train loss %f (took %f ms) cpu %f ms\\n", step, model.mean_loss, time_elapsed_s * 1000, ((ce.tv_sec - cs.tv_sec) + (ce.tv_nsec - cs.tv_nsec) \/ 1e9) * 1000);/' \
#       train_gpt2.c > train_gpt2_bench.c
#   cc -Ofast -Wno-unused-result -Wno-ignored-pragmas -Wno-unknown-attributes \
#      -march=native -fopenmp -DOMP train_gpt2_bench.c -lm -lgomp -o train_gpt2_bench
# (an unedited train_gpt2 works too: its "took X ms" lines are read, but it
# runs 41 steps with validation and sampling in between). llm.c runs in the
# binary's folder, where its checkpoint and token files are written by
# bench/llmc_checkpoint.py when missing.
#
# Environment: VALLE_STEPS (8) and VALLE_SKIP (2), LLMC_STEPS (4) and
# LLMC_SKIP (1): steps per run and warm-up steps left out of each run's
# median; LOG: a file the JSON lines are appended to (default: a temporary
# one); the summary is over every line of LOG with THREADS threads, so a
# measurement can be split across several calls with the same LOG.
set -u
build=${1:?build dir}; llmc=${2:?llm.c train_gpt2 binary}
rounds=${3:-3}; threads=${4:-1}
vsteps=${VALLE_STEPS:-8}; vskip=${VALLE_SKIP:-2}
lsteps=${LLMC_STEPS:-4}; lskip=${LLMC_SKIP:-1}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
llmc_dir=$(cd "$(dirname "$llmc")" && pwd); llmc_exe="$llmc_dir/$(basename "$llmc")"
log=${LOG:-$(mktemp)}
if [ ! -f "$llmc_dir/gpt2_124M.bin" ]; then
  python3 "$here/llmc_checkpoint.py" "$llmc_dir" || exit 1
fi

run_valle() {
  "$build/bench_gpt_step" --gpt2 --iters "$vsteps" --skip "$vskip" --threads "$threads" \
    2>/dev/null | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
r["load"] = open("/proc/loadavg").read().split()[0]
print(json.dumps(r))' | tee -a "$log"
}

run_llmc() {
  (cd "$llmc_dir" && LLMC_STEPS=$lsteps OMP_NUM_THREADS=$threads "$llmc_exe") |
    python3 -c '
import json, re, statistics, sys
skip, threads = int(sys.argv[1]), int(sys.argv[2])
w, c, loss = [], [], None
for line in sys.stdin:
    m = re.match(r"step (\d+): train loss (\S+) \(took (\S+) ms\)(?: cpu (\S+) ms)?", line)
    if not m:
        continue
    loss = float(m.group(2))
    if int(m.group(1)) >= skip:
        w.append(float(m.group(3)) / 1e3)
        c.append(float(m.group(4)) / 1e3 if m.group(4) else float("nan"))
if not w:
    sys.exit("llm.c printed no timed steps")
mw, mc = statistics.median(w), statistics.median(c)
tok = 4 * 64
print(json.dumps({"peer": "llm.c", "model": "gpt2-124M", "threads": threads,
                  "steps": len(w) + skip, "median_step_s": mw, "median_step_cpu_s": mc,
                  "tokens_per_s": tok / mw, "tokens_per_cpu_s": tok / mc, "final_loss": loss,
                  "load": open("/proc/loadavg").read().split()[0]}))' "$lskip" "$threads" |
    tee -a "$log"
}

for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run_valle; run_llmc; else run_llmc; run_valle; fi
done
python3 - "$log" "$threads" <<'PY'
import json, statistics, sys
th = int(sys.argv[2])
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
rows = [r for r in rows if r["threads"] == th]
def med(peer, key):
    return statistics.median(r[key] for r in rows if r["peer"] == peer)
n = {p: sum(r["peer"] == p for r in rows) for p in ("valle", "llm.c")}
print(f"{th} thread(s), {n['valle']} valle runs, {n['llm.c']} llm.c runs (medians):")
for key in ("median_step_s", "median_step_cpu_s"):
    v, t = med("valle", key), med("llm.c", key)
    print(f"  {key}: valle {v*1e3:.0f} ms ({256/v:.0f} tok/s), "
          f"llm.c {t*1e3:.0f} ms ({256/t:.0f} tok/s), valle is {t/v:.2f}x faster")
PY
[ -n "${LOG:-}" ] || rm -f "$log"
