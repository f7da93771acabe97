#!/usr/bin/env bash
# tests/smoke/test_mlp_cli.sh: `valle mlp` end to end on the spiral data:
# reaches >= 97% training accuracy; a run stopped after epoch k and resumed
# ends bit-identical to an uninterrupted run; eval and predict agree.
source "$(dirname "$0")/lib.sh"

data=tests/data/spiral.csv
if [ -f "${VALLE_SHARED:-../shared}/data/mlp/spiral.csv" ]; then
  data="${VALLE_SHARED:-../shared}/data/mlp/spiral.csv"
fi

# 1. accuracy target (the demo configuration)
"$VALLE" mlp train --data "$data" --out "$T/full.safetensors" --hidden 64,64 \
  --epochs 300 --lr 0.01 --log-every 100 --seed 3 >"$T/train.log" 2>&1
check '[ $? -eq 0 ]'
cat "$T/train.log"
acc=$(sed -n 's/^final: .*train accuracy \([0-9.]*\)%.*/\1/p' "$T/train.log")
check "awk 'BEGIN{exit !($acc >= 97.0)}'"
echo "spiral training accuracy: $acc%"

# 2. exact resume, with dropout and batchnorm so every RNG and buffer matters
common=(--data "$data" --hidden 32,32 --norm batch --dropout 0.1 --optim adamw
        --schedule cosine --warmup 20 --epochs 12 --batch-size 32 --seed 7 --quiet)
"$VALLE" mlp train "${common[@]}" --out "$T/a.safetensors"
check '[ $? -eq 0 ]'
"$VALLE" mlp train "${common[@]}" --out "$T/b.safetensors" --stop-after 5
check '[ $? -eq 0 ]'
"$VALLE" mlp train --data "$data" --resume "$T/b.safetensors" --out "$T/b.safetensors" --quiet
check '[ $? -eq 0 ]'
check 'cmp -s "$T/a.safetensors" "$T/b.safetensors"'
# and a resumed run that differs (other seed) must not compare equal: the
# check above can fail
"$VALLE" mlp train "${common[@]/--seed/--seed}" --seed 8 --out "$T/c.safetensors"
check '! cmp -s "$T/a.safetensors" "$T/c.safetensors"'

# 3. eval and predict
"$VALLE" mlp eval --model "$T/full.safetensors" --data "$data" >"$T/eval.txt"
check '[ $? -eq 0 ]'
check 'grep -q "accuracy" "$T/eval.txt"'
"$VALLE" mlp predict --model "$T/full.safetensors" --data "$data" >"$T/pred.txt"
check '[ $(wc -l <"$T/pred.txt") -eq 300 ]'
# predictions agree with labels at the reported accuracy
correct=$(tail -n +2 "$data" | cut -d, -f3 | paste -d' ' - "$T/pred.txt" | awk '$1==$2' | wc -l)
check '[ "$correct" -ge 291 ]'

# unlabelled rows predict the same classes
tail -n +2 "$data" | cut -d, -f1,2 >"$T/features.csv"
"$VALLE" mlp predict --model "$T/full.safetensors" --data "$T/features.csv" >"$T/pred2.txt"
check 'cmp -s "$T/pred.txt" "$T/pred2.txt"'

# 4. help and version
check '"$VALLE" --version | grep -q "^valle "'
check '"$VALLE" mlp train --help | grep -q -- "--norm"'
check '"$VALLE" mlp --help | grep -q predict'
check '"$VALLE" demo --help >/dev/null'
finish
