#!/usr/bin/env bash
# tests/smoke/test_default_voice.sh: the shipped default voice
# (models/valle/default.safetensors + default-prompt.wav) speaks through the
# README's demo path with no model or prompt argument: `valle tts TEXT -o
# OUT` writes a 16 kHz WAV whose length fits the text, every sentence ends
# by the stop token, the same seed gives the same audio, and the demo script
# prints its wall time. The 30 s wall-time target of issue 9 is checked in
# the Release suite only (a sanitizer build is many times slower).
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f "$SRC/models/valle/default.safetensors" ]; then
  echo "SKIP: no default model in models/valle/"
  exit 77
fi
VALLE=$(cd "$(dirname "$VALLE")" && pwd)/$(basename "$VALLE")
cd "$T"   # no models/ here: the built-in source-tree path must be used

start=$(date +%s.%N)
"$VALLE" tts "Hello, how are you?" -o hello.wav 2>err
check '[ $? -eq 0 ]'
end=$(date +%s.%N)
cat err
check '[ -s hello.wav ]'
secs=$("$VALLE" audio info hello.wav | sed -E 's/.* ([0-9.]+) s,.*/\1/')
rate=$("$VALLE" audio info hello.wav | sed -E 's/.*: ([0-9]+) Hz.*/\1/')
echo "hello.wav: $secs s at $rate Hz"
check '[ "$rate" = 16000 ]'
check 'awk -v s="$secs" "BEGIN { exit !(s >= 0.4 && s <= 6) }"'
check 'grep -q ", stop token," err'
check '! grep -q "cap reached" err'
if [ -z "${ASAN_OPTIONS:-}" ]; then
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "wall time: $wall s (target < 30 s)"
  check 'awk -v w="$wall" "BEGIN { exit !(w < 30) }"'
fi

# the rest repeats the same synthesis: the Release suite only
if [ -n "${ASAN_OPTIONS:-}" ]; then finish; exit $?; fi

# the same seed draws the same audio
"$VALLE" tts "Hello, how are you?" -o again.wav --quiet
check 'cmp -s hello.wav again.wav'

# the demo script
bash "$SRC/scripts/demo.sh" "$VALLE" "$T/demo.wav" >demo.out 2>&1
check '[ $? -eq 0 ]'
check '[ -s demo.wav ]'
check 'grep -q "wall time" demo.out'
finish
