#!/usr/bin/env bash
# scripts/eval/teacher-wer.sh: WER (pocketsphinx, scripts/eval/wer.py) of the
# teacher voices of the default-voice corpus (issue 9) on the first N
# held-out sentences, (b) as synthesized and conditioned exactly as
# scripts/build-voice-corpus.sh does, and (c) after the LPCNet codec round
# trip (`valle codec roundtrip`), i.e. the ceiling a model trained on the
# corpus's codes can reach. Prints a table per voice plus all voices pooled.
#
#   scripts/eval/teacher-wer.sh [--n 60] [--out DIR] [--voices "v1 v2 ..."] [-j N]
#
# Writes OUT/teacher/<voice>/<id>.wav, OUT/roundtrip/<voice>/<id>.wav,
# OUT/{teacher,roundtrip}/<voice>.tsv (per-utterance hypotheses) and
# OUT/results.tsv. Default OUT is /tmp/teacher-wer. Existing wav files are
# kept (delete OUT to redo them). Needs flite, festival (+ voices),
# espeak-ng, pocketsphinx and a built build/valle.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VALLE=${VALLE_BIN:-$ROOT/build/valle}
HELDOUT=${HELDOUT:-$ROOT/data/voice-corpus/heldout.csv}
N=60
OUT=/tmp/teacher-wer
JOBS=1
# the corpus's VOICES, synthesizers and conditioning
. "$ROOT/scripts/lib/voices.sh"
SELECTED="${VOICES[*]}"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "teacher-wer.sh: error: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
    --n) [ $# -ge 2 ] || die "--n needs a value"; N=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; OUT=$2; shift 2 ;;
    --voices) [ $# -ge 2 ] || die "--voices needs a value"; SELECTED=$2; shift 2 ;;
    -j) [ $# -ge 2 ] || die "-j needs a value"; JOBS=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || die "--n must be a positive integer (got '$N')"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "-j must be a positive integer (got '$JOBS')"
[ -f "$HELDOUT" ] || die "$HELDOUT not found (run scripts/build-voice-corpus.sh)"
[ -x "$VALLE" ] || die "$VALLE not built"
for tool in flite text2wave espeak-ng pocketsphinx_continuous python3; do
    command -v $tool >/dev/null || die "$tool not found"
done

mkdir -p "$OUT"
LIST=$OUT/sentences.csv
head -n "$N" "$HELDOUT" >"$LIST"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for v in $SELECTED; do
    [[ " ${VOICES[*]} " == *" $v "* ]] || die "unknown voice '$v' (voices: ${VOICES[*]})"
    mkdir -p "$OUT/teacher/$v" "$OUT/roundtrip/$v"
    n=0
    while IFS='|' read -r id text; do
        t=$OUT/teacher/$v/$id.wav r=$OUT/roundtrip/$v/$id.wav
        if [ ! -s "$t" ]; then
            synthesize "$v" "$text" "$tmp/raw.wav" 2>/dev/null || die "$v: synthesis of $id failed"
            condition "$tmp/raw.wav" "$tmp/c.wav" || die "$v: conditioning of $id failed"
            mv "$tmp/c.wav" "$t"
        fi
        if [ ! -s "$r" ]; then
            "$VALLE" codec roundtrip "$t" -o "$tmp/r.wav" --threads 1 >/dev/null ||
                die "$v: codec round trip of $id failed"
            mv "$tmp/r.wav" "$r"
        fi
        n=$((n + 1))
    done <"$LIST"
    echo "  $v: $n utterances" >&2
done

wer() { # folder tsv -> "wer errors words"
    python3 "$ROOT/scripts/eval/wer.py" --sentences "$HELDOUT" --wavs "$1" \
        --ids "$LIST" --out "$2" -j "$JOBS" --workdir "$tmp/lm" --json |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["wer"], d["errors"], d["words"])'
}

res=$OUT/results.tsv
printf 'voice\tteacher_wer\tteacher_errors\twords\troundtrip_wer\troundtrip_errors\n' >"$res"
for v in $SELECTED; do
    echo "  recognising $v..." >&2
    read -r tw te tn < <(wer "$OUT/teacher/$v" "$OUT/teacher/$v.tsv")
    read -r rw re rn < <(wer "$OUT/roundtrip/$v" "$OUT/roundtrip/$v.tsv")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$tw" "$te" "$tn" "$rw" "$re" >>"$res"
done

awk -F'\t' -v n="$N" '
NR == 1 { next }
{ printf "%-18s %8.2f%% %8.2f%%\n", $1, $2, $5; te += $3; tn += $4; re += $6 }
BEGIN { printf "WER on %d held-out sentences (pocketsphinx, closed-vocabulary LM)\n", n
        printf "%-18s %9s %9s\n", "voice", "teacher", "roundtrip" }
END { printf "%-18s %8.2f%% %8.2f%%   (%d/%d, %d/%d word errors)\n", "pooled",
          100 * te / tn, 100 * re / tn, te, tn, re, tn }' "$res"
