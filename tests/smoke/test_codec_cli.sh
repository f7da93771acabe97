#!/usr/bin/env bash
# tests/smoke/test_codec_cli.sh: the audio and codec commands end to end
# (quantize a folder, skip existing, decode, round trip, spectrogram, the
# encodec backend on the small golden weights) and their bad input: empty,
# truncated and non-audio files, 0 Hz and absurd rates, an 8-channel file,
# codes out of range or with the wrong levels, EnCodec weights with a
# missing or mis-shaped tensor. Every failure: exit 1 or 2 and a message.
source "$(dirname "$0")/lib.sh"
wav=tests/data/speech.wav
small=tests/golden/data/encodec_small_hf.safetensors

# int64 .npy with the given shape and values: npy_i64 FILE "1, 6, 1" v...
npy_i64() {
  local f=$1 shape=$2
  shift 2
  {
    printf '\x93NUMPY\x01\x00\x76\x00'
    printf "%-117s\n" "{'descr': '<i8', 'fortran_order': False, 'shape': ($shape), }"
    for v in "$@"; do
      printf "$(for s in 0 8 16 24 32 40 48 56; do printf '\\x%02x' $(((v >> s) & 255)); done)"
    done
  } >"$f"
}
# WAV header: wav_hdr CHANNELS RATE DATA_BYTES (16-bit PCM)
le32() { printf "$(printf '\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"; }
le16() { printf "$(printf '\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)))"; }
wav_hdr() {
  local ch=$1 rate=$2 n=$3
  printf 'RIFF'; le32 $((36 + n)); printf 'WAVEfmt '; le32 16; le16 1; le16 "$ch"
  le32 "$rate"; le32 $((rate * ch * 2)); le16 $((ch * 2)); le16 16; printf 'data'; le32 "$n"
}

# ---- info, quantize, skip, decode, round trip, spectrogram
"$VALLE" codec info >"$T/info" 2>&1
check 'grep -q "lpcnet: 16000 Hz, 33.333 frames/s (hop 480), 6 levels, vocab 2048 2048 2048 2048 64 4" "$T/info"'
mkdir -p "$T/corpus/sub"
cp "$wav" "$T/corpus/a.wav"
cp "$wav" "$T/corpus/sub/b.wav"
echo "not audio" >"$T/corpus/notes.txt"
"$VALLE" quantize "$T/corpus" >"$T/q1" 2>"$T/q1e"
check '[ $? -eq 0 ]'
check '[ -f "$T/corpus/a.qnt.npy" ] && [ -f "$T/corpus/sub/b.qnt.npy" ] && [ ! -e "$T/corpus/notes.qnt.npy" ]'
check 'head -c 128 "$T/corpus/a.qnt.npy" | grep -aq "'"'"'descr'"'"': '"'"'<i8'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (1, 6, 89)"'
check '[ $(stat -c %s "$T/corpus/a.qnt.npy") -eq $((128 + 6 * 89 * 8)) ]'
check 'cmp -s "$T/corpus/a.qnt.npy" "$T/corpus/sub/b.qnt.npy"'   # deterministic
check 'grep -q "2/2 files (2 encoded, 0 skipped, 0 failed)" "$T/q1e"'
"$VALLE" quantize "$T/corpus" >"$T/q2" 2>"$T/q2e"
check '[ $? -eq 0 ] && grep -q "0 encoded, 2 skipped" "$T/q2"'
check 'ls "$T/corpus" | grep -qv tmp'   # no temp files left
"$VALLE" decode "$T/corpus/a.qnt.npy" -o "$T/a.wav" >"$T/d" 2>&1
check '[ $? -eq 0 ]'
"$VALLE" audio info "$T/a.wav" >"$T/ai" 2>&1
check 'grep -q "16000 Hz, 1 channel, 42720 frames, 2.670 s" "$T/ai"'
"$VALLE" codec roundtrip "$wav" -o "$T/rt.flac" --codes "$T/rt.npy" >"$T/rt" 2>&1
check '[ $? -eq 0 ] && grep -q "6 levels x 89 frames" "$T/rt" && [ -s "$T/rt.flac" ]'
check 'cmp -s "$T/rt.npy" "$T/corpus/a.qnt.npy"'
"$VALLE" audio spectrogram "$wav" -o "$T/s.png" >"$T/sp" 2>&1
check '[ $? -eq 0 ] && head -c 8 "$T/s.png" | od -c | grep -q "P   N   G"'
"$VALLE" audio convert "$wav" -o "$T/c.wav" --rate 24000 --level -23 --trim 40 --fade 0.01 >/dev/null 2>&1
check '[ $? -eq 0 ]'
"$VALLE" audio info "$T/c.wav" >"$T/ci" 2>&1
check 'grep -q "24000 Hz" "$T/ci"'

# ---- encodec on the small golden model (13 codebooks of 64 at 6 kbps)
"$VALLE" codec roundtrip "$wav" -o "$T/e.wav" --codec encodec --weights "$small" --codes "$T/e.npy" >"$T/e" 2>&1
check '[ $? -eq 0 ] && grep -q "13 levels x 202 frames" "$T/e"'
"$VALLE" decode "$T/e.npy" -o "$T/e2.wav" --codec encodec --weights "$small" >/dev/null 2>&1
check '[ $? -eq 0 ] && cmp -s "$T/e.wav" "$T/e2.wav"'
"$VALLE" codec info --codec encodec --weights "$small" --bandwidth 1.5 >"$T/ei" 2>&1
check 'grep -q "encodec: 24000 Hz, 75.000 frames/s (hop 320), 3 levels, vocab 64 64 64" "$T/ei"'

# ---- bad audio
: >"$T/empty.wav"
expect_fail "empty wav" "empty.wav: empty file" "$VALLE" codec roundtrip "$T/empty.wav" -o "$T/x.wav"
echo "this is not audio at all, just text" >"$T/text.wav"
expect_fail "text wav" "text.wav: not a readable audio file" "$VALLE" codec roundtrip "$T/text.wav" -o "$T/x.wav"
head -c 44 "$wav" >"$T/hdr.wav"
expect_fail "header only" "hdr.wav" "$VALLE" codec roundtrip "$T/hdr.wav" -o "$T/x.wav"
head -c 1000 "$wav" >"$T/short.wav"
expect_fail "shorter than a frame" "shorter than one 480-sample frame" "$VALLE" codec roundtrip "$T/short.wav" -o "$T/x.wav"
{ wav_hdr 1 0 3200; head -c 3200 /dev/zero; } >"$T/zero.wav"
expect_fail "0 Hz" "zero.wav" "$VALLE" codec roundtrip "$T/zero.wav" -o "$T/x.wav"
{ wav_hdr 1 50000000 3200; head -c 3200 /dev/zero; } >"$T/absurd.wav"
expect_fail "50 MHz" "absurd.wav" "$VALLE" codec roundtrip "$T/absurd.wav" -o "$T/x.wav"
# a 44-byte header claiming 4M frames of 8 channels, then 4 frames: read as
# 4 frames (the first buffer guess is bounded by the file's size)
check '"$VALLE" audio info fuzz/corpus/wav/header-claims-4M-frames.wav | grep -q "8 channels, 4 frames"'
expect_fail "missing file" "nope.wav" "$VALLE" codec roundtrip "$T/nope.wav" -o "$T/x.wav"
expect_fail "bad output ext" "unknown output format" "$VALLE" codec roundtrip "$wav" -o "$T/x.mp4"
check '[ ! -e "$T/x.wav" ] && [ ! -e "$T/x.mp4" ]'
# 8 channels of noise: accepted and mixed down
{ wav_hdr 8 16000 $((16000 * 16)); head -c $((16000 * 16)) /dev/urandom; } >"$T/eight.wav"
"$VALLE" codec roundtrip "$T/eight.wav" -o "$T/eight_rt.wav" >"$T/8" 2>&1
check '[ $? -eq 0 ] && grep -q "6 levels x 33 frames" "$T/8"'
# quantize reports a bad file and carries on with the rest
mkdir -p "$T/mixed"
cp "$wav" "$T/mixed/good.wav"
cp "$T/text.wav" "$T/mixed/bad.wav"
expect_fail "quantize bad member" "bad.wav" "$VALLE" quantize "$T/mixed"
check '[ -f "$T/mixed/good.qnt.npy" ] && [ ! -e "$T/mixed/bad.qnt.npy" ]'
expect_fail "quantize nothing" "no such file" "$VALLE" quantize "$T/nothing-here"
expect_fail "quantize no args" "no PATH" "$VALLE" quantize

# ---- bad codes
npy_i64 "$T/ok.npy" "1, 6, 1" 5 6 7 8 9 3
"$VALLE" decode "$T/ok.npy" -o "$T/ok.wav" >/dev/null 2>&1
check '[ $? -eq 0 ]'
npy_i64 "$T/range.npy" "1, 6, 1" 5 6 7 2048 9 3
expect_fail "code out of range" "code 2048 at level 3, frame 0 is out of range \\[0, 2048\\)" "$VALLE" decode "$T/range.npy" -o "$T/y.wav"
npy_i64 "$T/neg.npy" "1, 6, 1" 5 6 7 8 9 -1
expect_fail "negative code" "out of range" "$VALLE" decode "$T/neg.npy" -o "$T/y.wav"
npy_i64 "$T/levels.npy" "1, 5, 1" 5 6 7 8 9
expect_fail "wrong levels" "5 levels; codec lpcnet uses 6" "$VALLE" decode "$T/levels.npy" -o "$T/y.wav"
head -c 150 "$T/corpus/a.qnt.npy" >"$T/trunc.npy"
expect_fail "truncated codes" "truncated" "$VALLE" decode "$T/trunc.npy" -o "$T/y.wav"
expect_fail "wav as codes" "not a .npy file" "$VALLE" decode "$wav" -o "$T/y.wav"
check '[ ! -e "$T/y.wav" ]'
cp "$T/ok.wav" "$T/keep.wav"
expect_fail "failed decode keeps file" "out of range" "$VALLE" decode "$T/range.npy" -o "$T/keep.wav"
check 'cmp -s "$T/ok.wav" "$T/keep.wav"'

# ---- bad encodec options and weights
expect_fail "encodec without weights" "needs --weights" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec encodec
expect_fail "bad bandwidth" "bandwidth 5 is not one of" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec encodec --weights "$small" --bandwidth 5
expect_fail "unknown codec" "unknown codec 'mp3'" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec mp3
expect_fail "not encodec weights" "not EnCodec weights" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec encodec --weights tests/golden/data/encodec_pieces.safetensors
sed 's/"decoder.layers.15.conv.bias"/"decoder.layers.15.conv.bia_"/' "$small" >"$T/missing.safetensors"
expect_fail "missing tensor" "decoder.layers.15.conv.bias' not found" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec encodec --weights "$T/missing.safetensors"
sed 's/"encoder.layers.15.conv.weight_v":{"dtype":"F32","shape":\[16,32,7\]/"encoder.layers.15.conv.weight_v":{"dtype":"F32","shape":[32,16,7]/' "$small" >"$T/shape.safetensors"
expect_fail "mis-shaped tensor" "shape" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec encodec --weights "$T/shape.safetensors"
head -c 5000 "$small" >"$T/trunc.safetensors"
expect_fail "truncated weights" "trunc.safetensors" "$VALLE" codec roundtrip "$wav" -o "$T/z.wav" --codec encodec --weights "$T/trunc.safetensors"
expect_fail "lpcnet codes into encodec" "13|levels" "$VALLE" decode "$T/corpus/a.qnt.npy" -o "$T/z.wav" --codec encodec --weights "$small"
check '[ ! -e "$T/z.wav" ]'
expect_fail "spectrogram of text" "text.wav" "$VALLE" audio spectrogram "$T/text.wav" -o "$T/t.png"
expect_fail "spectrogram bad fft" "power of two" "$VALLE" audio spectrogram "$wav" -o "$T/t.png" --n-fft 1000
finish
