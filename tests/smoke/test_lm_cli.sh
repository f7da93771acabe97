#!/usr/bin/env bash
# tests/smoke/test_lm_cli.sh: `valle lm` end to end on a tiny corpus
# (tests/data/tiny_lm.txt): a few steps of the transformer at character and
# word level lower the loss; a run stopped and resumed ends bit-identical to
# an uninterrupted one (dropout on, so every RNG matters); generate with
# temperature / top-k / top-p is reproducible per seed; eval works; bad
# input (empty file, unknown arch, another architecture's or model's
# checkpoint, bad options) fails cleanly without touching existing files.
source "$(dirname "$0")/lib.sh"

data=tests/data/tiny_lm.txt
small=(--n-layer 2 --n-head 2 --n-embd 32 --block-size 32 --batch-size 8 --warmup 5
       --eval-iters 4 --lr 3e-3 --threads 1 --quiet)

# 1. character level: loss goes down
"$VALLE" lm train --data "$data" "${small[@]}" --max-iters 40 --eval-interval 40 \
  --out "$T/c.safetensors" --log "$T/c.jsonl"
check '[ $? -eq 0 ]'
first=$(head -1 "$T/c.jsonl" | sed 's/.*"loss":\([0-9.]*\).*/\1/')
val=$(grep val_loss "$T/c.jsonl" | tail -1 | sed 's/.*"val_loss":\([0-9.]*\).*/\1/')
echo "char: first logged loss $first, final val loss $val"
check "awk 'BEGIN{exit !($val < 2.9 && $first > $val)}'"

# 2. word level trains and generates words of the corpus
"$VALLE" lm train --data "$data" --tokenizer word "${small[@]}" --block-size 16 \
  --max-iters 30 --eval-interval 30 --out "$T/w.safetensors"
check '[ $? -eq 0 ]'
"$VALLE" lm generate --model "$T/w.safetensors" --prompt "The king" --tokens 12 \
  --temperature 0.8 --seed 3 >"$T/w.txt"
check '[ $? -eq 0 ]'
check 'grep -q "^The king " "$T/w.txt"'
# every generated word is a corpus word
check '[ -z "$(tr " " "\n" <"$T/w.txt" | grep -v "^$" | grep -vxFf <(tr " " "\n" <"$data" | sort -u))" ]'

# 3. exact resume, dropout on
common=(--data "$data" "${small[@]}" --dropout 0.1 --max-iters 24 --eval-interval 8)
"$VALLE" lm train "${common[@]}" --out "$T/a.safetensors"
check '[ $? -eq 0 ]'
"$VALLE" lm train "${common[@]}" --out "$T/b.safetensors" --stop-after 11
check '[ $? -eq 0 ]'
"$VALLE" lm train --data "$data" --resume "$T/b.safetensors" --out "$T/b.safetensors" --quiet
check '[ $? -eq 0 ]'
check 'cmp -s "$T/a.safetensors" "$T/b.safetensors"'
"$VALLE" lm train "${common[@]}" --seed 9 --out "$T/d.safetensors"
check '! cmp -s "$T/a.safetensors" "$T/d.safetensors"'

# 4. generate: same seed same text, other seed other text, greedy works
gen=(lm generate --model "$T/c.safetensors" --prompt "The " --tokens 60 --temperature 0.9
     --top-k 12 --top-p 0.95)
"$VALLE" "${gen[@]}" --seed 1 >"$T/g1.txt"; check '[ $? -eq 0 ]'
"$VALLE" "${gen[@]}" --seed 1 >"$T/g2.txt"
"$VALLE" "${gen[@]}" --seed 2 >"$T/g3.txt"
check 'cmp -s "$T/g1.txt" "$T/g2.txt"'
check '! cmp -s "$T/g1.txt" "$T/g3.txt"'
check '[ $(head -c 4 "$T/g1.txt") = "The" ]'
# longer than the context: continues past block_size
"$VALLE" lm generate --model "$T/c.safetensors" --tokens 100 --temperature 0 >"$T/g4.txt"
check '[ $? -eq 0 ] && [ $(wc -c <"$T/g4.txt") -ge 100 ]'
"$VALLE" lm eval --model "$T/c.safetensors" --data "$data" >"$T/eval.txt"
check '[ $? -eq 0 ] && grep -q "val loss" "$T/eval.txt"'

# 5. bad input
: >"$T/empty.txt"
expect_fail "empty file" "no tokens|empty" "$VALLE" lm train --data "$T/empty.txt" --quiet --out "$T/e.safetensors"
check '[ ! -e "$T/e.safetensors" ]'
expect_fail "missing file" "cannot open" "$VALLE" lm train --data "$T/nope.txt" --quiet
expect_fail "unknown arch" "architecture" "$VALLE" lm train --data "$data" --arch mamba --quiet
expect_fail "arch mismatch on resume" "transformer.*rnn|rnn.*transformer" \
  "$VALLE" lm train --data "$data" --resume "$T/c.safetensors" --arch rnn --quiet
cp "$T/c.safetensors" "$T/keep.safetensors"
"$VALLE" mlp train --data tests/data/spiral.csv --epochs 1 --quiet --out "$T/mlp.safetensors"
expect_fail "mlp checkpoint" "not a language-model" \
  "$VALLE" lm generate --model "$T/mlp.safetensors"
expect_fail "mlp checkpoint resume" "not a language-model" \
  "$VALLE" lm train --data "$data" --resume "$T/mlp.safetensors" --out "$T/c.safetensors"
check 'cmp -s "$T/c.safetensors" "$T/keep.safetensors"'
head -c 300 "$T/c.safetensors" >"$T/trunc.safetensors"
expect_fail "truncated checkpoint" "." "$VALLE" lm generate --model "$T/trunc.safetensors"
expect_fail "prompt outside vocabulary" "vocabulary" \
  "$VALLE" lm generate --model "$T/c.safetensors" --prompt "ZQX@"
expect_fail "block size vs tiny data" "block size" \
  "$VALLE" lm train --data "$data" --block-size 8000 --quiet --out "$T/f.safetensors"
expect_fail "heads do not divide" "multiple" \
  "$VALLE" lm train --data "$data" --n-embd 30 --n-head 4 --quiet
expect_fail "bad top-p" "top-p" "$VALLE" lm generate --model "$T/c.safetensors" --top-p 0
expect_fail "bad norm" "norm" "$VALLE" lm train --data "$data" --norm group --quiet
expect_fail "no subcommand" "usage" "$VALLE" lm
check '"$VALLE" lm train --help | grep -q -- "--arch"'
finish
