#!/usr/bin/env bash
# scripts/eval/default-voice-eval.sh: measures a VALL-E bundle the way issue 9
# asks (numbers for docs/default-voice.md and bench/RESULTS.md):
#  - speaks the first N held-out sentences of the corpus (never trained on),
#    sentence k with the prompt of voice k mod 3 (three training voices);
#  - stopping: how many sentences end by the stop token, not by the cap;
#  - intelligibility: pocketsphinx WER (scripts/eval/wer.py: closed-vocabulary
#    trigram LM of the held-out sentences), per voice and pooled;
#  - voice prompting: a speaker classifier (scripts/eval/speaker_id.py)
#    trained on the corpus plus codec-decoded corpus codes assigns each
#    output to a voice; the share assigned to its prompt's voice.
#
#   scripts/eval/default-voice-eval.sh [--model M] [--corpus DIR] [--out DIR]
#                                      [--n 200] [--voices "A B C"] [--threads N]
#                                      [--speaker-model M.npz] [--tts-args "..."]
#
# Defaults: models/valle/default.safetensors, data/voice-corpus (from
# scripts/build-voice-corpus.sh), /tmp/default-voice-eval, 200 sentences,
# voices flite-slt flite-awb festival-ked. Prompts: each voice's training
# utterance closest to 3 s. Existing outputs in OUT are reused, so is
# OUT/speaker.npz (or --speaker-model) instead of training the classifier
# again (25 codec-decoded utterances per speaker: ~10 minutes). --tts-args
# passes sampling options to `valle tts` (e.g. "--temperature 0.7 --top-k 20").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VALLE=${VALLE_BIN:-$ROOT/build/valle}
MODEL=$ROOT/models/valle/default.safetensors
CORPUS=$ROOT/data/voice-corpus
OUT=/tmp/default-voice-eval
N=200
VOICES="flite-slt flite-awb festival-ked"
THREADS=0
SPK_MODEL=
TTS_ARGS=
while [ $# -gt 0 ]; do
    case $1 in
    --model) MODEL=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --n) N=$2; shift 2 ;;
    --voices) VOICES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --speaker-model) SPK_MODEL=$2; shift 2 ;;
    --tts-args) TTS_ARGS=$2; shift 2 ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$MODEL" ] || { echo "error: no model $MODEL" >&2; exit 1; }
[ -f "$CORPUS/heldout.csv" ] || { echo "error: no corpus at $CORPUS (scripts/build-voice-corpus.sh)" >&2; exit 1; }
mkdir -p "$OUT"
[ -z "$SPK_MODEL" ] || cp "$SPK_MODEL" "$OUT/speaker.npz"
read -r -a V <<<"$VOICES"

# prompts: the utterance closest to 3 s of each voice
: >"$OUT/prompts.txt"
for v in "${V[@]}"; do
    p=$(find "$CORPUS/$v" -name '*.wav' -print0 | sort -z | xargs -0 "$VALLE" audio info |
        awk '{for (i = 1; i <= NF; i++) if ($i == "s,") d = $(i - 1);
              sub(/:$/, "", $1); e = (d - 3) * (d - 3); if (!n++ || e < best) { best = e; f = $1 } }
             END { print f }')
    echo "$v $p" >>"$OUT/prompts.txt"
done
echo "prompts:" >&2; sed 's/^/  /' "$OUT/prompts.txt" >&2

# synthesis, one batch per voice
head -n "$N" "$CORPUS/heldout.csv" >"$OUT/sentences.csv"
t0=$(date +%s)
for k in "${!V[@]}"; do
    v=${V[$k]}
    prompt=$(awk -v v="$v" '$1 == v { print $2 }' "$OUT/prompts.txt")
    mkdir -p "$OUT/wav/$v"
    awk -F'|' -v k="$k" -v nv=${#V[@]} -v dir="$OUT/wav/$v" \
        '(NR - 1) % nv == k { print dir "/" $1 ".wav|" $2 }' "$OUT/sentences.csv" >"$OUT/batch-$v.txt"
    if [ "$(find "$OUT/wav/$v" -name '*.wav' | wc -l)" -lt "$(wc -l <"$OUT/batch-$v.txt")" ]; then
        echo "synthesizing $(wc -l <"$OUT/batch-$v.txt") sentences with the $v prompt..." >&2
        "$VALLE" tts --model "$MODEL" --prompt "$prompt" --batch "$OUT/batch-$v.txt" \
            --threads "$THREADS" --seed 1 $TTS_ARGS 2>"$OUT/tts-$v.log" || true
    fi
done
echo "synthesis: $(($(date +%s) - t0)) s" >&2

# stopping
stops=$(cat "$OUT"/tts-*.log | grep -c ', stop token,' || true)
caps=$(cat "$OUT"/tts-*.log | grep -c 'cap reached' || true)

# intelligibility
: >"$OUT/all.tsv"
for v in "${V[@]}"; do
    for f in "$OUT/wav/$v"/*.wav; do printf '%s\t%s\n' "$(basename "$f" .wav)" "$f"; done >>"$OUT/all.tsv"
    python3 "$ROOT/scripts/eval/wer.py" --sentences "$CORPUS/heldout.csv" --wavs "$OUT/wav/$v" \
        --out "$OUT/wer-$v.tsv" -j 2 | tail -n 1 | sed "s/^/$v: /"
done | tee "$OUT/wer.txt"
pooled=$(python3 "$ROOT/scripts/eval/wer.py" --sentences "$CORPUS/heldout.csv" --list "$OUT/all.tsv" \
    --out "$OUT/wer-all.tsv" -j 2 | tail -n 1)

# voice prompting: classifier on the corpus + 25 decoded utterances per speaker
if [ ! -f "$OUT/speaker.npz" ]; then
    : >"$OUT/rt.tsv"
    for d in "$CORPUS"/*/; do
        s=$(basename "$d")
        mkdir -p "$OUT/rt/$s"
        find "$d" -name '*.qnt.npy' | sort | awk 'NR % 20 == 1' | head -n 25 | while read -r q; do
            w="$OUT/rt/$s/$(basename "$q" .qnt.npy).wav"
            [ -s "$w" ] || "$VALLE" decode "$q" -o "$w" >/dev/null
            printf '%s\t%s\n' "$w" "$s" >>"$OUT/rt.tsv"
        done
    done
    python3 "$ROOT/scripts/eval/speaker_id.py" train --corpus "$CORPUS" --add "$OUT/rt.tsv" \
        --model "$OUT/speaker.npz" >&2
fi
for v in "${V[@]}"; do
    for f in "$OUT/wav/$v"/*.wav; do printf '%s\t%s\n' "$f" "$v"; done
done >"$OUT/speaker-list.tsv"
spk=$(python3 "$ROOT/scripts/eval/speaker_id.py" eval --model "$OUT/speaker.npz" \
    "$OUT/speaker-list.tsv" | tail -n 1)

echo "== $MODEL, first $N held-out sentences, voices: ${V[*]}"
echo "stop token: $stops of $((stops + caps)) sentences (cap reached: $caps)"
echo "WER pooled: $pooled"
echo "speaker classifier: $spk"
