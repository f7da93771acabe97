#!/usr/bin/env bash
# bench/text.sh: the text front-end's numbers for bench/RESULTS.md:
#  1. `valle phonemize` over the 13,100 LJSpeech sentences (normalised
#     column): time and where the words' pronunciations came from;
#  2. `valle normalize` over the raw column: time, and agreement with
#     LJSpeech's own normalisation (both columns through our normaliser);
#  3. the OOV model (espeak-ng mapped to ARPAbet) on the CMUdict words held
#     out of ../shared/data/g2p/cmudict-train.dict.
# Usage: bash bench/text.sh [BUILD_DIR]   (needs ../shared/data)
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
SHARED=${VALLE_SHARED:-../shared}
LJ=$SHARED/data/text/ljspeech-metadata.csv
TRAIN=$SHARED/data/g2p/cmudict-train.dict
V=$BUILD/valle
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
TIMEFORMAT='%R s wall, %U s user, %S s sys'

echo "## phonemize LJSpeech ($(date -u +%F), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
for r in 1 2 3; do
  echo -n "run $r: "
  time "$V" phonemize --from-csv "$LJ" --column 3 >"$T/lj.phn" 2>"$T/stats"
done
cat "$T/stats"
echo
echo "## normalize LJSpeech raw text"
cut -d'|' -f2 "$LJ" >"$T/raw"
cut -d'|' -f3 "$LJ" >"$T/ljnorm"
echo -n "raw column, $(wc -l <"$T/raw") lines: "
time "$V" normalize <"$T/raw" >"$T/a"
"$V" normalize <"$T/ljnorm" >"$T/b"
changed=$(paste -d'\t' "$T/raw" "$T/ljnorm" | awk -F'\t' '$1 != $2' | wc -l)
differ=$(paste -d'\t' "$T/a" "$T/b" | awk -F'\t' '$1 != $2' | wc -l)
echo "LJSpeech normalised $changed of 13100 sentences; ours and theirs (both through our normaliser) differ on $differ"
echo
echo "## OOV model on held-out CMUdict words"
"$BUILD/bench_g2p" data/cmudict/cmudict.dict.gz "$TRAIN" --train
