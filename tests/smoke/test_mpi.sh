#!/usr/bin/env bash
# tests/smoke/test_mpi.sh: data-parallel `valle mlp train`, `valle lm train`
# (the GPT and the recurrent LM) and `valle train` (VALL-E AR and NAR) under
# mpirun -np 2 follow the single-process trajectory (same global batches,
# gradients all-reduced) and resume exactly. Skips without MPI.
source "$(dirname "$0")/lib.sh"
if ! command -v mpirun >/dev/null || ! "$VALLE" --version | grep -q '(mpi)'; then
  echo "SKIP: mpirun or an MPI build of valle is missing (apt-get install libopenmpi-dev openmpi-bin)"
  exit 77
fi
# OpenMPI's runtime leaks at exit from plugins it has already unloaded
# (LeakSanitizer cannot even name them), so leak detection is off for this
# test only; address and UB checks stay on. The trainer's own paths are
# leak-checked by the single-process tests and scripts/valgrind.sh.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { mpirun -np 2 --bind-to none "$@"; }
data=tests/data/spiral.csv
cfg=(--data "$data" --hidden 32,32 --optim adamw --schedule cosine --warmup 10
     --epochs 40 --batch-size 32 --seed 5)

"$VALLE" mlp train "${cfg[@]}" --out "$T/one.safetensors" >"$T/one.log"
check '[ $? -eq 0 ]'
mpi "$VALLE" mlp train "${cfg[@]}" --out "$T/two.safetensors" >"$T/two.log"
check '[ $? -eq 0 ]'
cat "$T/two.log"
check 'grep -q "2 ranks" "$T/two.log"'
# rank 0 alone logs: one "final:" line
check '[ "$(grep -c "^final:" "$T/two.log")" -eq 1 ]'
l1=$(sed -n 's/^final: train loss \([0-9.]*\).*/\1/p' "$T/one.log")
l2=$(sed -n 's/^final: train loss \([0-9.]*\).*/\1/p' "$T/two.log")
echo "final loss: 1 process $l1, 2 ranks $l2"
# same trajectory up to float summation order
check "awk 'BEGIN{d=$l1-$l2; if(d<0)d=-d; exit !(d <= 1e-3 * $l1 + 1e-4)}'"

# exact resume under MPI, with BatchNorm (running statistics averaged over
# ranks) and dropout
cfg2=(--data "$data" --hidden 16,16 --norm batch --dropout 0.1 --epochs 10
      --batch-size 20 --seed 9 --quiet)
mpi "$VALLE" mlp train "${cfg2[@]}" --out "$T/a.safetensors"
check '[ $? -eq 0 ]'
mpi "$VALLE" mlp train "${cfg2[@]}" --out "$T/b.safetensors" --stop-after 4
mpi "$VALLE" mlp train --data "$data" --resume "$T/b.safetensors" --out "$T/b.safetensors" --quiet
check 'cmp -s "$T/a.safetensors" "$T/b.safetensors"'
# GPT LM: 2 ranks with 4 sequences each follow 1 process with batches of 8,
# step by step for 20 steps (a learning rate high enough to move the model)
lm=(--data tests/data/tiny_lm.txt --block-size 16 --batch-size 8 --n-layer 2 --n-head 2
    --n-embd 32 --max-iters 20 --lr 1e-2 --warmup 2 --eval-interval 10 --eval-iters 2
    --seed 3 --threads 1 --log-every 1 --quiet)
"$VALLE" lm train "${lm[@]}" --out "$T/lm1.st" --log "$T/lm1.jsonl"
check '[ $? -eq 0 ]'
mpi "$VALLE" lm train "${lm[@]}" --out "$T/lm2.st" --log "$T/lm2.jsonl"
check '[ $? -eq 0 ]'
losses() { grep -o '"loss": *[0-9.e+-]*' "$1" | sed 's/.*: *//'; }
paste <(losses "$T/lm1.jsonl") <(losses "$T/lm2.jsonl") >"$T/lm-pairs"
check '[ "$(wc -l <"$T/lm-pairs")" -eq 20 ]'
check "awk '{ d = \$1 - \$2; if (d < 0) d = -d; if (d > 1e-4 * \$1) bad++ } END { exit bad > 0 }' \"\$T/lm-pairs\""
echo "LM loss, 1 process vs 2 ranks, steps 1 and 20: $(sed -n '1p;20p' "$T/lm-pairs" | tr '\n\t' '  ')"
check '[ "$(losses "$T/lm1.jsonl" | sed -n 1p)" != "$(losses "$T/lm1.jsonl" | sed -n 20p)" ]'
# exact resume under MPI: stop at step 10, resume to 20 = uninterrupted
mpi "$VALLE" lm train "${lm[@]}" --out "$T/lm3.st" --stop-after 10
mpi "$VALLE" lm train --data tests/data/tiny_lm.txt --resume "$T/lm3.st" --out "$T/lm3.st" --threads 1 --quiet
check 'cmp -s "$T/lm2.st" "$T/lm3.st"'
mpi "$VALLE" lm train "${lm[@]}" --batch-size 1 --out "$T/lm4.st" 2>"$T/err"
check '[ $? -eq 2 ] && grep -q "smaller than the 2 ranks" "$T/err"'
# VALL-E: three utterances of different lengths (LPCNet codes), so the two
# ranks' slices hold different numbers of targets; 2 ranks x 2 utterances
# = 1 process x 4 at every step, AR and NAR
V=$T/vdata/spk
mkdir -p "$V"
cp tests/data/speech.wav "$V/a.wav"
head -c 30044 tests/data/speech.wav >"$V/b.wav"   # header claims more: read what is there
head -c 60044 tests/data/speech.wav >"$V/c.wav"
printf 'HH AH0 L OW1 _ W ER1 L D' >"$V/a.phn.txt"
printf 'HH AH0 L OW1' >"$V/b.phn.txt"
printf 'HH AH0 L OW1 _ W ER1' >"$V/c.phn.txt"
"$VALLE" quantize --quiet "$V"
check '[ $? -eq 0 ]'
for m in ar nar; do
  for n in 1 2; do
    printf 'data_dirs: [%s]\nmodel: %s-tiny\ncodec: lpcnet\nnum_tokens: 0\nbatch_size: 4\nmax_iter: 8\neval_every: 0\nsave_ckpt_every: 4\nmin_phones: 1\nwarmup_num_steps: 2\nwarmup_max_lr: 5e-3\np_dropout: 0\nthreads: 1\nckpt_dir: %s\nlog_dir: %s\n' \
      "$T/vdata" "$m" "$T/vck-$m-$n" "$T/vlog-$m-$n" >"$T/v-$m-$n.yml"
  done
  "$VALLE" train "$T/v-$m-1.yml" --quiet --no-wavs
  check '[ $? -eq 0 ]'
  mpi "$VALLE" train "$T/v-$m-2.yml" --quiet --no-wavs
  check '[ $? -eq 0 ]'
  paste <(losses "$T/vlog-$m-1/log.jsonl") <(losses "$T/vlog-$m-2/log.jsonl") >"$T/v-pairs"
  check '[ "$(wc -l <"$T/v-pairs")" -eq 8 ]'
  check "awk '{ d = \$1 - \$2; if (d < 0) d = -d; if (d > 1e-4 * \$1) bad++ } END { exit bad > 0 }' \"\$T/v-pairs\""
  echo "VALL-E $m loss, 1 process vs 2 ranks, steps 1 and 8: $(sed -n '1p;8p' "$T/v-pairs" | tr '\n\t' '  ')"
  cat "$T/v-pairs"
  # resume under MPI: 4 steps, then on to 8, logs the uninterrupted run's losses
  sed "s#vck-$m-2#vck-$m-3#; s#vlog-$m-2#vlog-$m-3#" "$T/v-$m-2.yml" >"$T/v-$m-3.yml"
  mpi "$VALLE" train "$T/v-$m-3.yml" --quiet --no-wavs --max-iter 4
  mpi "$VALLE" train "$T/v-$m-3.yml" --quiet --no-wavs
  check '[ "$(losses "$T/vlog-$m-3/log.jsonl")" = "$(losses "$T/vlog-$m-2/log.jsonl")" ]'
done
# recurrent LM (LSTM): 5 streams split 2 + 3 over the ranks follow 1
# process epoch by epoch (perplexities printed to 2 decimals: equal up to
# the last digit, float summation order aside)
rl=(--arch lstm --data tests/data/tiny_lm.txt --valid tests/data/tiny_lm.txt --emb 16 --hidden 16
    --batch-size 5 --bptt 5 --epochs 4 --optim adam --lr 0.02 --threads 1 --seed 3)
"$VALLE" lm train "${rl[@]}" --out "$T/rl1.st" >"$T/rl1.log"
check '[ $? -eq 0 ]'
mpi "$VALLE" lm train "${rl[@]}" --out "$T/rl2.st" >"$T/rl2.log"
check '[ $? -eq 0 ]'
check 'grep -q "2 ranks" "$T/rl2.log"'
ppls() { sed -n 's/^epoch .* train ppl \([0-9.]*\) valid ppl \([0-9.]*\).*/\1 \2/p' "$1"; }
paste <(ppls "$T/rl1.log") <(ppls "$T/rl2.log") >"$T/rl-pairs"
cat "$T/rl-pairs"
check '[ "$(wc -l <"$T/rl-pairs")" -eq 4 ]'
check "awk '{ for (i = 1; i <= 2; i++) { d = \$i - \$(i + 2); if (d < 0) d = -d; if (d > 0.011) bad++ } } END { exit bad > 0 }' \"\$T/rl-pairs\""
# it learns: the last epoch's train perplexity is far below the first's
check "awk 'NR == 1 { a = \$3 } END { exit !(\$3 < a / 3) }' \"\$T/rl-pairs\""
# resume under MPI, stopping mid-epoch twice (30 and 20 chunks, across an
# epoch end): the same bytes as the uninterrupted 2-rank run
mpi "$VALLE" lm train "${rl[@]}" --out "$T/rl3.st" --max-chunks 30 --quiet
mpi "$VALLE" lm train --data tests/data/tiny_lm.txt --resume "$T/rl3.st" --out "$T/rl3.st" --threads 1 --max-chunks 20 --quiet
mpi "$VALLE" lm train --data tests/data/tiny_lm.txt --resume "$T/rl3.st" --out "$T/rl3.st" --threads 1 --quiet
check 'cmp -s "$T/rl2.st" "$T/rl3.st"'
mpi "$VALLE" lm train "${rl[@]}" --batch-size 1 --out "$T/rl4.st" 2>"$T/err"
check '[ $? -ne 0 ] && grep -q "smaller than the 2 ranks" "$T/err"'
# a failure on every rank ends every rank (no hang): a bad data file
printf '1,2,0\n3,x,1\n' >"$T/bad.csv"
timeout 60 mpirun -np 2 --bind-to none "$VALLE" mlp train --data "$T/bad.csv" --quiet 2>/dev/null
rc=$?
check '[ $rc -ne 0 ] && [ $rc -ne 124 ]'
finish
