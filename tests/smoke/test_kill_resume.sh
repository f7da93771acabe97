#!/usr/bin/env bash
# tests/smoke/test_kill_resume.sh: crash-safe training. A run killed with
# SIGKILL at random moments, and one killed in the middle of writing a
# checkpoint, always leaves a readable previous checkpoint; resuming after
# every kill ends bit-identical to an uninterrupted run (seeded data order,
# dropout masks and optimiser state are all in the checkpoint).
source "$(dirname "$0")/lib.sh"
data=tests/data/spiral.csv
cfg=(--data "$data" --hidden 128,128 --dropout 0.1 --norm layer --optim adamw
     --schedule cosine --warmup 30 --epochs 60 --batch-size 5 --seed 11 --quiet)

"$VALLE" mlp train "${cfg[@]}" --out "$T/ref.safetensors"
check '[ $? -eq 0 ]'

epoch_of() { grep -ao '"epoch":"[0-9]*"' "$1" | head -1 | tr -dc 0-9; }
readable() { "$VALLE" mlp eval --model "$1" --data "$data" >/dev/null 2>&1; }

# 1. killed in the middle of writing the 5th checkpoint (temp file cut in
#    half, then SIGKILL before the rename): the 4th checkpoint stays intact.
VALLE_FAULT_KILL_IN_COMMIT=5 "$VALLE" mlp train "${cfg[@]}" --out "$T/c.safetensors" 2>/dev/null
rc=$?
check '[ $rc -eq 137 ]'
check 'readable "$T/c.safetensors"'
check '[ "$(epoch_of "$T/c.safetensors")" = 4 ]'
rm -f "$T"/c.safetensors.tmp.*
"$VALLE" mlp train --data "$data" --resume "$T/c.safetensors" --out "$T/c.safetensors" --quiet
check '[ $? -eq 0 ]'
check 'cmp -s "$T/ref.safetensors" "$T/c.safetensors"'

# 2. SIGKILL at random moments, resuming after each, until the run completes.
kills=0
for attempt in $(seq 1 12); do
  if [ -f "$T/r.safetensors" ]; then
    args=(--data "$data" --resume "$T/r.safetensors" --quiet)
  else
    args=("${cfg[@]}")
  fi
  "$VALLE" mlp train "${args[@]}" --out "$T/r.safetensors" &
  pid=$!
  sleep "$(printf "0.%03d" $((RANDOM % 250 + 20)))"  # 20-270 ms
  if kill -9 "$pid" 2>/dev/null; then
    kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    # whatever the moment, what is on disk is a complete checkpoint (or none yet)
    if [ -f "$T/r.safetensors" ]; then check 'readable "$T/r.safetensors"'; fi
  else
    wait "$pid"
    check '[ $? -eq 0 ]'
    break
  fi
done
echo "killed $kills times; final epoch $(epoch_of "$T/r.safetensors")"
if [ "$(epoch_of "$T/r.safetensors")" != 60 ]; then  # finish if still killed
  "$VALLE" mlp train --data "$data" --resume "$T/r.safetensors" --out "$T/r.safetensors" --quiet
fi
check '[ "$kills" -ge 1 ]'
check 'cmp -s "$T/ref.safetensors" "$T/r.safetensors"'
finish
