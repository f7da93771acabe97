#!/usr/bin/env bash
# scripts/valgrind.sh: memcheck of the main commands (no definite leaks, no
# invalid accesses). Uses a portable build (no -march=native): valgrind
# cannot decode every AVX-512 instruction. Usage: bash scripts/valgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-portable
cmake -S . -B $B -DVALLE_NATIVE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $B -j "$(nproc)" --target valle_cli >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --error-exitcode=99 -q)
run() {  # run EXPECTED_RC cmd...
  local want=$1; shift
  local rc=0 t0=$SECONDS
  "${VG[@]}" "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "valgrind: '$*' exited $rc (want $want)"; cat "$T/err"; exit 1
  fi
  echo "valgrind ok: ${*:2:2} (exit $rc, $((SECONDS - t0)) s)"
}
# valgrind cannot decode AVX-512: ask OpenBLAS for its AVX2 kernels.
export OPENBLAS_CORETYPE=Haswell
d=tests/data/spiral.csv
run 0 $B/valle mlp train --data $d --epochs 3 --norm batch --dropout 0.1 --out "$T/m.safetensors" --quiet
run 0 $B/valle mlp train --data $d --resume "$T/m.safetensors" --epochs 4 --out "$T/m.safetensors" --quiet
run 0 $B/valle mlp eval --model "$T/m.safetensors" --data $d
run 0 $B/valle mlp predict --model "$T/m.safetensors" --data $d
head -c 100 "$T/m.safetensors" >"$T/bad.safetensors"
run 1 $B/valle mlp eval --model "$T/bad.safetensors" --data $d
run 2 $B/valle mlp train --data $d --no-such-flag
# text front-end: normaliser, CMUdict + espeak OOV G2P, espeak IPA, DIR mode
run 0 $B/valle normalize "Dr. Smith paid \$5.50 on Jan. 3rd, 1999; Henry VIII at 7:30 p.m."
run 0 $B/valle phonemize --stats "Hello, the zorblaxian record of 1,234 lives."
run 0 $B/valle phonemize --g2p espeak --lang de "Guten Tag, Welt."
mkdir -p "$T/corpus" && printf 'hello world' >"$T/corpus/a.normalized.txt"
run 0 $B/valle phonemize "$T/corpus"
run 1 $B/valle phonemize --dict "$T/no-such.dict" hello
# VALL-E: train (AR and NAR, a few steps with evaluation), export, tts.
# The utterances are the test clip's first 0.5 s (its header claims more:
# the reader takes what is there): evaluation decodes them to WAV with
# LPCNet, ~20 s per second of audio under valgrind (the whole clip made
# this script 9 minutes).
V=$T/valle-data/spk
mkdir -p "$V"
for n in a b; do
  head -c 16044 tests/data/speech.wav >"$V/$n.wav"
  printf 'HH AH0 L OW1 _ W ER1 L D' >"$V/$n.phn.txt"
done
$B/valle quantize --quiet "$V"
for m in ar nar; do
  printf 'data_dirs: [%s]\nmodel: %s-tiny\ncodec: lpcnet\nnum_tokens: 0\nbatch_size: 1\nmax_iter: 2\neval_every: 2\nsave_ckpt_every: 2\nmin_phones: 1\nmax_val_ar_steps: 4\nckpt_dir: %s\nlog_dir: %s\n' \
    "$T/valle-data" "$m" "$T/ckpt-$m" "$T/log-$m" >"$T/$m.yml"
  run 0 $B/valle train "$T/$m.yml" --quiet
done
run 0 $B/valle export --ar "$T/ckpt-ar/model.safetensors" --nar "$T/ckpt-nar/model.safetensors" -o "$T/valle.safetensors"
run 0 $B/valle tts "Hello." --model "$T/valle.safetensors" --prompt tests/data/speech.wav -o "$T/hello.wav" --max-seconds 0.5 --quiet
run 2 $B/valle tts "!!!" --model "$T/valle.safetensors" --prompt tests/data/speech.wav -o "$T/x.wav"
# word2vec: both engines, NS + HS, text and binary vectors, then queries
w=tests/data/w2v_small.txt
run 0 $B/valle word2vec train -train $w -output "$T/v.bin" -size 8 -min-count 1 -iter 2 -binary 1 -threads 2 -save-vocab "$T/vocab.txt" --quiet
run 0 $B/valle word2vec train -train $w -output "$T/v.txt" -size 8 -min-count 1 -iter 1 -cbow 0 -hs 1 -negative 2 -engine classic -read-vocab "$T/vocab.txt" -threads 1 --quiet
run 1 $B/valle word2vec train -train "$T/no-such.txt" -output "$T/x.txt" --quiet
run 0 $B/valle word2vec similar --vectors "$T/v.bin" -n 3 cat dog
run 0 $B/valle word2vec analogy --vectors "$T/v.txt" -n 3 man king woman
run 0 $B/valle word2vec eval-similarity --vectors "$T/v.bin" fuzz/corpus/w2v_eval/similarity.txt
run 0 $B/valle word2vec eval-analogy --vectors "$T/v.txt" fuzz/corpus/w2v_eval/questions.txt
