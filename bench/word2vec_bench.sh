#!/usr/bin/env bash
# bench/word2vec_bench.sh: valle word2vec vs word2vec.c, side by side on one
# corpus: for each mode, valle then the peer (interleaved, so machine noise
# hits both), each under /usr/bin/time -v; reports words/s (wall), words per
# CPU-second, wall time, peak RSS and analogy accuracy (compute-accuracy
# protocol: 30,000 most frequent words; both evaluated by
# `valle word2vec eval-analogy`, which reproduces compute-accuracy's numbers).
#
# Usage: bash bench/word2vec_bench.sh PEER_WORD2VEC_BINARY [CORPUS] [QUESTIONS]
#   PEER: word2vec.c built by hand (not part of this repository), e.g.
#     gcc word2vec.c -o word2vec -lm -pthread -O3 -march=native -funroll-loops
#     (with upstream's end-of-file flag reset between iterations, see
#     docs/word2vec.md, or every iteration after the first stops early)
#   CORPUS defaults to /tmp/wiki8 (zcat ../shared/data/text/wiki8.gz),
#   QUESTIONS to ../shared/data/text/questions-words.txt.
#   PWORD2VEC (optional): pWord2Vec (IntelLabs/pWord2Vec, skip-gram only)
#     built by hand against OpenBLAS, e.g. with a two-line mkl.h shim
#     (#include <cblas.h>; mkl_set_num_threads -> openblas_set_num_threads):
#     g++ -std=c++11 -fopenmp -O3 -march=native -DUSE_MKL -I. pWord2Vec.cpp -lopenblas
#     runs as a third program in the sg mode.
# Environment: VALLE (build/valle), THREADS (2), MODES ("sg cbowns cbowhs"),
#   ITER (override every mode's iteration count, e.g. 1 for throughput only),
#   SKIP_PEER (1: valle only), RESULTS (file the markdown table is appended
#   to; default bench/RESULTS.md; "-" prints only), WORK (scratch dir).
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${1:?usage: bench/word2vec_bench.sh PEER_WORD2VEC_BINARY [CORPUS] [QUESTIONS]}
CORPUS=${2:-/tmp/wiki8}
QUESTIONS=${3:-../shared/data/text/questions-words.txt}
VALLE=${VALLE:-build/valle}
THREADS=${THREADS:-2}
MODES=${MODES:-"sg cbowns cbowhs"}
RESULTS=${RESULTS:-bench/RESULTS.md}
WORK=${WORK:-$(mktemp -d /tmp/w2v-bench-XXXXXX)}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -r "$CORPUS" ] || { echo "corpus $CORPUS not found (zcat ../shared/data/text/wiki8.gz > /tmp/wiki8)" >&2; exit 1; }
COMMON="-size 200 -sample 1e-4 -min-count 5 -threads $THREADS -binary 1"

mode_args() {
  case $1 in
    sg) echo "-cbow 0 -window 5 -negative 5 -hs 0 -iter ${ITER:-3}" ;;
    cbowns) echo "-cbow 1 -window 8 -negative 25 -hs 0 -iter ${ITER:-10}" ;;
    cbowhs) echo "-cbow 1 -window 8 -negative 0 -hs 1 -iter ${ITER:-3}" ;;
    *) echo "unknown mode $1" >&2; exit 2 ;;
  esac
}

# run NAME CMD...: times CMD, prints "wall cpu rss_kb"
run() {
  local name=$1; shift
  /usr/bin/time -v "$@" >"$WORK/$name.log" 2>"$WORK/$name.time" || {
    echo "$name failed:" >&2; tail -5 "$WORK/$name.log" "$WORK/$name.time" >&2; exit 1; }
  awk -F': ' '/Elapsed/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
    END { printf "%.1f %.1f %d\n", w, u + s, r }' "$WORK/$name.time"
}

accuracy() {
  "$VALLE" word2vec eval-analogy --vectors "$1" "$QUESTIONS" | awk '
    /^semantic/ { s = $3 } /^syntactic/ { y = $3 } /^total/ { t = $3 }
    END { gsub("%", "", s); gsub("%", "", y); gsub("%", "", t); printf "%s / %s / %s", t, s, y }'
}

table="| mode | iter | program | wall s | words/s (wall) | words/CPU-s | CPU s | peak RSS MB | analogy total / sem / syn |
|---|---|---|---|---|---|---|---|---|"
for mode in $MODES; do
  args="$(mode_args "$mode") $COMMON"
  iter=$(echo "$args" | sed 's/.*-iter \([0-9]*\).*/\1/')
  progs="valle"
  [ "${SKIP_PEER:-0}" = 1 ] || progs="valle word2vec.c"
  [ "$mode" = sg ] && [ -n "${PWORD2VEC:-}" ] && progs="$progs pWord2Vec"
  for prog in $progs; do
    out="$WORK/$mode-$prog.bin"
    if [ "$prog" = valle ]; then
      read -r wall cpu rss < <(run "$mode-valle" "$VALLE" word2vec train -train "$CORPUS" -output "$out" $args)
      words=$(awk '/Words in train file/ { print $NF }' "$WORK/$mode-valle.log")
    elif [ "$prog" = pWord2Vec ]; then   # skip-gram + NS only: no -cbow/-hs flags
      read -r wall cpu rss < <(run "$mode-pw2v" "$PWORD2VEC" -train "$CORPUS" -output "$out" \
        $(echo "$args" | sed 's/-cbow [0-9]*//; s/-hs [0-9]*//'))
    else
      read -r wall cpu rss < <(run "$mode-peer" "$PEER" -train "$CORPUS" -output "$out" $args)
    fi
    total=$((words * iter))
    acc=$(accuracy "$out")
    row=$(awk -v m="$mode" -v i="$iter" -v p="$prog" -v w="$wall" -v c="$cpu" -v r="$rss" -v n="$total" -v a="$acc" \
      'BEGIN { printf "| %s | %d | %s | %.1f | %.0fk | %.0fk | %.1f | %.0f | %s |", m, i, p, w, n / w / 1000, n / c / 1000, c, r / 1024, a }')
    echo "$row"
    table="$table
$row"
  done
done
section="
### word2vec bench run $(date -u '+%F %H:%M') UTC

\`bash bench/word2vec_bench.sh $PEER $CORPUS $QUESTIONS\` (THREADS=$THREADS MODES=\"$MODES\"${ITER:+ ITER=$ITER}${PWORD2VEC:+ PWORD2VEC=$PWORD2VEC}); common flags: \`$COMMON\`; $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

$table
"
if [ "$RESULTS" = - ]; then echo "$section"; else echo "$section" >>"$RESULTS"; echo "appended to $RESULTS"; fi
