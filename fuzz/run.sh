#!/usr/bin/env bash
# fuzz/run.sh: builds the libFuzzer targets with clang (ASan + UBSan) and runs
# each for SECONDS seconds (default 20) from its committed seed corpus; any
# crash, leak or timeout fails. Long runs by hand: SECONDS=600 bash fuzz/run.sh
# New inputs found go to build-fuzz/corpus-<target>/, not into the repo.
# -malloc_limit_mb=100: one allocation over 100 MB from an input of a few KB
# means a size was trusted from the file (the largest legitimate one is the
# 64 MiB dictionary cap).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECONDS_PER_TARGET:-${1:-20}}
B=build-fuzz
CC=clang cmake -S . -B $B -DVALLE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $B -j "$(nproc)" $(for t in fuzz/fuzz_*.c; do n=$(basename "$t" .c); echo --target "$n"; done) >/dev/null
for t in fuzz/fuzz_*.c; do
  n=$(basename "$t" .c)
  name=${n#fuzz_}
  mkdir -p "$B/corpus-$name"
  echo "=== $n: ${SECS}s"
  "$B/$n" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=100 -print_final_stats=1 \
    "$B/corpus-$name" "fuzz/corpus/$name" 2>&1 | grep -E "stat::number_of_executed_units|stat::peak_rss|cov:|ERROR|SUMMARY" | tail -4
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz: $n failed"; exit 1; }
done
