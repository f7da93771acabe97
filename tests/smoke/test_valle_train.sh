#!/usr/bin/env bash
# tests/smoke/test_valle_train.sh: the reference repo's sanity test, tiny:
# `valle train` on its single test utterance ("hello world", its EnCodec
# codes; copied as test and test2 so the prompt comes from another
# utterance, as the reference's data/test does) must overfit: the AR's
# teacher-forced accuracy and its free decoding of level 0 (greedy) reach
# >= 99% / >= 95%, the NAR's accuracy and greedy level-by-level decoding
# >= 99%. Also: a run stopped at step k and resumed logs exactly the losses
# of an uninterrupted run; bad configs fail with a message.
# Needs only tests/data (the test utterance is committed).
# Under the sanitizers (`make asan` sets ASAN_OPTIONS; the ASan build is many
# times slower) the two overfitting runs are cut to 60 steps and their
# accuracy thresholds are not checked (they are in the Release suite); the
# code paths, resume and bad-input checks all still run.
. "$(dirname "$0")/lib.sh"
AR_STEPS=600 NAR_STEPS=1500 QUICK=0
if [ -n "${ASAN_OPTIONS:-}" ]; then
  AR_STEPS=60 NAR_STEPS=60 QUICK=1
  echo "sanitizer build: 60-step overfitting runs, accuracy thresholds checked only in the Release suite"
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
D=$T/data/test
mkdir -p "$D"
for n in test test2; do
  cp "$SRC/tests/data/valle-test.phn.txt" "$D/$n.phn.txt"
  cp "$SRC/tests/data/valle-test.qnt.npy" "$D/$n.qnt.npy"
done
cd "$T"
base() { # model max_iter
  cat <<YML
data_dirs: [$T/data]
model: $1
codec: encodec
batch_size: 1
max_iter: $2
eval_every: $2
save_ckpt_every: $2
warmup_num_steps: 10
warmup_max_lr: 5e-3
p_dropout: 0
sampling_temperature: 0
YML
}
# the last eval line's value of KEY
last() { grep '"subtrain"' "$1" | tail -1 | sed -E "s/.*\"$2\": ([0-9.e+-]+).*/\1/"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

base ar-tiny $AR_STEPS > ar.yml
"$VALLE" train ar.yml --quiet --no-wavs
check '[ $? -eq 0 ]'
acc=$(last logs/ar/log.jsonl acc); match=$(last logs/ar/log.jsonl ar_match)
echo "AR: teacher-forced accuracy $acc, free decoding reproduces $match of level 0"
[ $QUICK = 1 ] || check 'ge "$acc" 0.99'
[ $QUICK = 1 ] || check 'ge "$match" 0.95'
check '[ -s ckpts/ar/model.safetensors ]'

base nar-tiny $NAR_STEPS > nar.yml
"$VALLE" train nar.yml --quiet --no-wavs
check '[ $? -eq 0 ]'
acc=$(last logs/nar/log.jsonl acc); match=$(last logs/nar/log.jsonl nar_match)
echo "NAR: accuracy $acc, greedy decoding of levels 1-7 reproduces $match"
[ $QUICK = 1 ] || check 'ge "$acc" 0.99'
[ $QUICK = 1 ] || check 'ge "$match" 0.99'

# exact resume: 40 steps straight vs 20 + 20 (dropout on, so its RNG
# state must be restored too)
base ar-tiny 40 | sed 's/p_dropout: 0/p_dropout: 0.1/' > r1.yml
cp r1.yml r2.yml
"$VALLE" train r1.yml --quiet --no-wavs --eval-every 0
"$VALLE" train r2.yml --quiet --no-wavs --eval-every 0 --max-iter 20
"$VALLE" train r2.yml --quiet --no-wavs --eval-every 0
strip() { grep '"train"' "$1" | sed -E 's/, "elapsed".*//'; }
check '[ "$(strip logs/r1/log.jsonl | wc -l)" -eq 40 ]'
check 'diff <(strip logs/r1/log.jsonl) <(strip logs/r2/log.jsonl) >/dev/null'
# length-bucketed batches (pools of 4 batches of 2): stopped in the middle
# of a pool (step 10 = 2 batches into the third pool) or at a pool's end
# (step 8) and resumed, the run logs exactly the uninterrupted run's losses
# (a pool in use is redrawn, a used-up one is not)
base ar-tiny 24 | sed 's/p_dropout: 0/p_dropout: 0.1/; s/batch_size: 1/batch_size: 2/' > k1.yml
echo 'bucket_batches: 4' >> k1.yml
cp k1.yml k2.yml
cp k1.yml k3.yml
"$VALLE" train k1.yml --quiet --no-wavs --eval-every 0
check '[ $? -eq 0 ]'
check '[ "$(strip logs/k1/log.jsonl | wc -l)" -eq 24 ]'
for k in 2:10 3:8; do
  "$VALLE" train k${k%:*}.yml --quiet --no-wavs --eval-every 0 --max-iter ${k#*:}
  "$VALLE" train k${k%:*}.yml --quiet --no-wavs --eval-every 0
  check "diff <(strip logs/k1/log.jsonl) <(strip logs/k${k%:*}/log.jsonl) >/dev/null"
done
# dropout is a training setting: a resumed run takes the config's p_dropout
# (and saves it), the architecture stays the checkpoint's
sed -i 's/p_dropout: 0.1/p_dropout: 0.25/; s/max_iter: 40/max_iter: 41/' r2.yml
"$VALLE" train r2.yml --quiet --no-wavs --eval-every 0
check '[ $? -eq 0 ]'
check 'head -c 4000 ckpts/r2/model.safetensors | grep -a -q "p_dropout.\": 0.25"'

# resuming on data with another level count: a clear error, not a crash
# (the same utterances cut to their first 4 of 8 levels: the .npy header's
# shape string keeps its length, the int64 codes are level-major)
mkdir -p "$T/data4/test"
f="$D/test.qnt.npy"
hl=$(( $(od -An -tu2 -j8 -N2 "$f") + 10 ))
frames=$(( ($(stat -c %s "$f") - hl) / 64 ))
for n in test test2; do
  cp "$D/$n.phn.txt" "$T/data4/test/"
  { head -c $hl "$f" | sed 's/(1, 8, /(1, 4, /'; tail -c +$((hl + 1)) "$f" | head -c $((4 * frames * 8)); } \
    > "$T/data4/test/$n.qnt.npy"
done
sed 's#^data_dirs.*#data_dirs: ['"$T"'/data4]#' r2.yml > r2four.yml
mkdir -p ckpts/r2four && cp ckpts/r2/model.safetensors ckpts/r2four/
expect_fail "resume on 4-level data" "trained on 8 levels" "$VALLE" train r2four.yml --quiet --no-wavs

# d_model / n_heads / n_layers override the preset (stored in the checkpoint)
{ base ar-tiny 2; printf 'n_layers: 1\nd_model: 16\n'; } > ov.yml
"$VALLE" train ov.yml --quiet --no-wavs
check '[ $? -eq 0 ]'
# (the model metadata is a JSON string inside the safetensors header: \" quotes)
check 'head -c 4096 ckpts/ov/model.safetensors | tr -d "\\\\" | grep -a -q "\"d_model\": 16, \"n_heads\": 2, \"n_layers\": 1,"'
{ base ar-tiny 2; printf 'n_heads: 3\n'; } > ov3.yml
expect_fail "heads not dividing the width" "divisible by the heads" "$VALLE" train ov3.yml --quiet

# bad input
printf 'data_dirs: [%s/data]\nmodel: xyz\n' "$T" > bad1.yml
expect_fail "unknown model" "model" "$VALLE" train bad1.yml --quiet
printf 'data_dirs: [%s/nowhere]\nmodel: ar-tiny\n' "$T" > bad2.yml
expect_fail "missing data dir" "nowhere" "$VALLE" train bad2.yml --quiet
printf 'data_dirs: [%s/data]\nmodel: ar-tiny\nbatch_size: [1\n' "$T" > bad3.yml
expect_fail "YAML syntax" "bad3.yml:3" "$VALLE" train bad3.yml --quiet
printf 'data_dirs: [%s/data]\nmodel: ar-tiny\nmin_phones: 50\nmax_phones: 60\n' "$T" > bad4.yml
expect_fail "every utterance filtered" "phone|utterance" "$VALLE" train bad4.yml --quiet
expect_fail "no config" "CONFIG|config" "$VALLE" train
# a checkpoint that is not a VALL-E one is refused, not resumed or overwritten
base ar-tiny 5 > other.yml
mkdir -p ckpts/other && cp "$SRC/tests/data/spiral.csv" ckpts/other/model.safetensors
expect_fail "foreign checkpoint" "safetensors" "$VALLE" train other.yml --quiet
cp "$SRC/models/g2p/g2p.safetensors" ckpts/other/model.safetensors
expect_fail "non-VALL-E checkpoint" "model.safetensors: not a VALL-E checkpoint" "$VALLE" train other.yml --quiet
check 'cmp -s "$SRC/models/g2p/g2p.safetensors" ckpts/other/model.safetensors'
finish
