#!/usr/bin/env bash
# scripts/build-voice-corpus.sh: builds the default voice's training corpus
# (issue 9) from Debian speech synthesizers and ../shared/data, laid out as
# the reference VALL-E repo lays data out: OUT/<speaker>/<id>.{wav,
# normalized.txt,phn.txt,qnt.npy}. Sentences are LJSpeech's (normalised
# column); a fixed held-out part is never spoken into the training folders
# and is written to OUT/heldout.csv (id|text) for evaluation.
#
#   scripts/build-voice-corpus.sh [OUT]      (default data/voice-corpus)
#
# Needs: flite, festival (+ festvox-kallpc16k, festvox-kdlpc16k,
# festvox-us-slt-hts), espeak-ng (scripts/install-deps.sh --corpus installs
# them) and a built build/valle. Deterministic: the same inputs give the
# same sentences, audio and codes. Takes about 15 minutes on 2 cores.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VALLE=${VALLE_BIN:-$ROOT/build/valle}
SHARED=${VALLE_SHARED:-$ROOT/../shared}
META=$SHARED/data/text/ljspeech-metadata.csv
LJCLIPS=$SHARED/data/speech/ljspeech-test

# VOICES, synthesize and condition (shared with scripts/eval/teacher-wer.sh).
# Every voice speaks 2/10 of the training sentences (each sentence is
# spoken by two voices).
. "$ROOT/scripts/lib/voices.sh"

speak_voice() { # speaker out list-file
    local spk=$1 out=$2 list=$3 tmp n=0
    tmp=$(mktemp -d)
    mkdir -p "$out/$spk"
    while IFS='|' read -r id text; do
        [ -s "$out/$spk/$id.wav" ] && continue
        synthesize "$spk" "$text" "$tmp/raw.wav" 2>/dev/null
        condition "$tmp/raw.wav" "$tmp/$id.wav"
        printf '%s\n' "$text" >"$out/$spk/$id.normalized.txt"
        mv "$tmp/$id.wav" "$out/$spk/$id.wav"
        n=$((n + 1))
    done <"$list"
    rm -rf "$tmp"
    echo "  $spk: $n new utterances" >&2
}

if [ "${1:-}" = "--speak" ]; then # internal: one voice (run in parallel)
    speak_voice "$2" "$3" "$4"
    exit 0
fi
case "${1:-}" in -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

OUT=${1:-$ROOT/data/voice-corpus}
for tool in flite text2wave espeak-ng; do
    command -v $tool >/dev/null || { echo "error: $tool not found (run scripts/install-deps.sh --corpus)" >&2; exit 1; }
done
[ -x "$VALLE" ] || { echo "error: $VALLE not built (run make)" >&2; exit 1; }
[ -f "$META" ] || { echo "error: $META not found (../shared/data is needed)" >&2; exit 1; }
mkdir -p "$OUT/.lists"

# Sentences: normalised text of 20..70 characters (about 1.5-5 s of speech)
# made of plain letters, digits-free, with ordinary punctuation. Every 12th
# is held out (so is the one real clip whose sentence is held out).
awk -F'|' -v lists="$OUT/.lists" '
{
    t = $3; n = length(t)
    if (n < 20 || n > 70 || t ~ /[^A-Za-z ,.;:?!'"'"'"-]/) next
    i++
    if (i % 12 == 5) print $1 "|" t > (lists "/heldout.csv")
    else print $1 "|" t > (lists "/train.csv")
}' "$META"
cp "$OUT/.lists/heldout.csv" "$OUT/heldout.csv"
awk -F'|' -v nv=${#VOICES[@]} -v lists="$OUT/.lists" '
{ j = (NR - 1) % 10; for (v = 0; v < nv; v++) if (j == v || j == (v + 3) % 10) print > (lists "/voice" v ".csv") }' \
    "$OUT/.lists/train.csv"
echo "sentences: $(wc -l <"$OUT/.lists/train.csv") for training, $(wc -l <"$OUT/heldout.csv") held out" >&2

echo "synthesizing ${#VOICES[@]} voices..." >&2
for v in "${!VOICES[@]}"; do
    echo "${VOICES[$v]} $OUT/.lists/voice$v.csv"
done | xargs -P 2 -n 2 sh -c 'exec "$0" --speak "$1" "'"$OUT"'" "$2"' "$0"

echo "real LJSpeech clips..." >&2
mkdir -p "$OUT/ljspeech"
for wav in "$LJCLIPS"/*.wav; do # transcripts from the full metadata
    id=$(basename "$wav" .wav)
    [ -s "$OUT/ljspeech/$id.wav" ] && continue
    grep -q "^$id|" "$OUT/heldout.csv" && continue
    text=$(awk -F'|' -v id="$id" '$1 == id { print $3; exit }' "$META")
    [ -n "$text" ] || { echo "error: no transcript for $id in $META" >&2; exit 1; }
    condition "$wav" "$OUT/ljspeech/$id.tmp.wav"
    printf '%s\n' "$text" >"$OUT/ljspeech/$id.normalized.txt"
    mv "$OUT/ljspeech/$id.tmp.wav" "$OUT/ljspeech/$id.wav"
done

echo "phonemizing..." >&2
"$VALLE" phonemize --quiet "$OUT" >&2
echo "quantizing..." >&2
"$VALLE" quantize --quiet "$OUT" >&2

hours=$(find "$OUT" -name '*.wav' -print0 | xargs -0 "$VALLE" audio info |
    awk '{for (i = 1; i <= NF; i++) if ($i == "s,") s += $(i - 1)} END {printf "%.2f", s / 3600}')
echo "corpus: $OUT: $(find "$OUT" -name '*.qnt.npy' | wc -l) utterances, $(find "$OUT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l) speakers, $hours h" >&2
