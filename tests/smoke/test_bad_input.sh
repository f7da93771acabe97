#!/usr/bin/env bash
# tests/smoke/test_bad_input.sh: bad input to the CLI gives a clear message
# and exit code 1 or 2, never a crash; an existing checkpoint is never
# damaged by a failed run.
source "$(dirname "$0")/lib.sh"
data=tests/data/spiral.csv

# unknown flags, commands, bad values
expect_fail "unknown flag" "unknown option '--bogus'" "$VALLE" mlp train --data "$data" --bogus 1
expect_fail "unknown command" "unknown command" "$VALLE" frobnicate
expect_fail "unknown mlp sub" "unknown subcommand" "$VALLE" mlp fly
expect_fail "missing value" "needs a value" "$VALLE" mlp train --data
expect_fail "bad int" "not an integer" "$VALLE" mlp train --data "$data" --epochs ten
expect_fail "bad float" "not a finite number" "$VALLE" mlp train --data "$data" --lr nan
expect_fail "bad activation" "unknown activation 'swishy' \\(expected relu" "$VALLE" mlp train --data "$data" --act swishy
expect_fail "bad hidden" "--hidden '4,-2'" "$VALLE" mlp train --data "$data" --hidden 4,-2
expect_fail "bad optimiser" "unknown optimiser 'rmsprop'" "$VALLE" mlp train --data "$data" --optim rmsprop
expect_fail "no data" "--data FILE is required" "$VALLE" mlp train

# malformed CSV files
printf 'a,b,label\n1,2,0\n3,4\n' >"$T/ragged.csv"
expect_fail "ragged csv" "ragged.csv:3" "$VALLE" mlp train --data "$T/ragged.csv" --epochs 1
printf '1,2,0\n3,x4,1\n' >"$T/badnum.csv"
expect_fail "non-numeric feature" "badnum.csv:2" "$VALLE" mlp train --data "$T/badnum.csv" --epochs 1
printf '1,2,0\n3,4,-1\n' >"$T/neglabel.csv"
expect_fail "negative label" "neglabel.csv:2" "$VALLE" mlp train --data "$T/neglabel.csv" --epochs 1
: >"$T/empty.csv"
expect_fail "empty csv" "empty" "$VALLE" mlp train --data "$T/empty.csv" --epochs 1
expect_fail "missing csv" "no-such.csv" "$VALLE" mlp train --data "$T/no-such.csv" --epochs 1

# a good model to damage
"$VALLE" mlp train --data "$data" --epochs 2 --quiet --out "$T/good.safetensors"
check '[ $? -eq 0 ]'
size=$(stat -c %s "$T/good.safetensors")
for cut in 4 8 40 $((size / 2)) $((size - 1)); do
  head -c "$cut" "$T/good.safetensors" >"$T/trunc.safetensors"
  expect_fail "truncated at $cut" "trunc.safetensors|truncated|header|offsets|exceeds" \
    "$VALLE" mlp eval --model "$T/trunc.safetensors" --data "$data"
done
# header claiming an absurd size
printf '\xff\xff\xff\xff\xff\xff\xff\x7f{}' >"$T/absurd.safetensors"
expect_fail "absurd header length" "header length 9223372036854775807 is larger than the rest" "$VALLE" mlp eval --model "$T/absurd.safetensors" --data "$data"
# a tensor claiming an absurd shape
hdr='{"fc.0.weight":{"dtype":"F32","shape":[1000000000000,1000000000000],"data_offsets":[0,4]}}'
len=${#hdr}
printf "$(printf '\\x%02x' $((len & 255)) $(((len >> 8) & 255)) 0 0 0 0 0 0)%s\0\0\0\0" "$hdr" >"$T/shape.safetensors"
expect_fail "absurd shape" "shape is absurdly large" "$VALLE" mlp eval --model "$T/shape.safetensors" --data "$data"
# shape mismatch: a model whose features differ from the data
printf '1,2,3,0\n4,5,6,1\n' >"$T/three.csv"
expect_fail "feature mismatch" "data has 3 features, the model expects 2" "$VALLE" mlp eval --model "$T/good.safetensors" --data "$T/three.csv"
# a checkpoint with a tensor of the wrong shape: rewrite the config (stored
# as an escaped JSON string in the metadata) to claim 3 inputs, same length
sed 's/\\"in_dim\\":2/\\"in_dim\\":3/' "$T/good.safetensors" >"$T/mismatch.safetensors"
check '! cmp -s "$T/good.safetensors" "$T/mismatch.safetensors"'
expect_fail "tensor shape mismatch" "tensor 'fc.0.weight': shape \\(64, 2\\) in file, expected \\(64, 3\\)" \
  "$VALLE" mlp eval --model "$T/mismatch.safetensors" --data "$T/three.csv"

# a failed run must not damage an existing checkpoint
cp "$T/good.safetensors" "$T/keep.safetensors"
expect_fail "bad data, existing out" "ragged.csv" "$VALLE" mlp train --data "$T/ragged.csv" --out "$T/keep.safetensors"
check 'cmp -s "$T/good.safetensors" "$T/keep.safetensors"'
# diverging training (huge lr) stops with a clear message and keeps the last good checkpoint
"$VALLE" mlp train --data "$data" --epochs 1 --quiet --out "$T/div.safetensors"
cp "$T/div.safetensors" "$T/div0.safetensors"
expect_fail "divergence" "non-finite|NaN|nan|inf" "$VALLE" mlp train --data "$data" --resume "$T/div.safetensors" \
  --lr 1e30 --epochs 50 --out "$T/div.safetensors" --quiet
check 'cmp -s "$T/div0.safetensors" "$T/div.safetensors"'
finish
