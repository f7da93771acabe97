#!/usr/bin/env bash
# tests/smoke/test_plot.sh: `valle plot` end to end: a small log.jsonl with
# train and eval lines (and a junk line) gives a PNG of the right signature
# and size, by directory or file, with name.key selection and --smooth;
# bad input (no file, no matching key, only junk, bad options) gives a
# message and a non-zero exit, and leaves no picture behind.
source "$(dirname "$0")/lib.sh"

log="$T/run"
mkdir -p "$log"
for s in $(seq 1 40); do
  printf '{"global_step": %d, "loss": %s, "lr": 1e-4, "name": "train"}\n' "$s" "$(awk "BEGIN{print 3/($s+1)+0.5}")"
  if [ $((s % 10)) -eq 0 ]; then
    printf '{"global_step": %d, "name": "val", "nll": %s}\n' "$s" "$(awk "BEGIN{print 2/($s+1)+0.7}")"
  fi
done >"$log/log.jsonl"
echo 'not json at all' >>"$log/log.jsonl"
echo '{"no_step": 1, "loss": 2}' >>"$log/log.jsonl"

# png_ok FILE W H: PNG signature, IHDR width and height
png_ok() {
  [ -s "$1" ] || return 1
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || return 1
  local w h
  w=$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  h=$(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  [ "$w" = "$2" ] && [ "$h" = "$3" ]
}

"$VALLE" plot "$log" loss val.nll >"$T/out" 2>"$T/err"
check "[ $? -eq 0 ]"
check "png_ok '$log/plot.png' 960 540"
check "grep -q 'wrote $log/plot.png: 44 points in 2 series' '$T/out'"
check "grep -q 'skipped 1 lines that are not JSON objects, 1 without' '$T/out'"

"$VALLE" plot "$log/log.jsonl" lr -o "$T/lr.png" --smooth 5 --width 400 --height 300 >"$T/out" 2>&1
check "[ $? -eq 0 ]"
check "png_ok '$T/lr.png' 400 300"

# a key nobody has still draws the others, with a warning
"$VALLE" plot "$log" loss nothing -o "$T/w.png" >"$T/out" 2>"$T/err"
check "[ $? -eq 0 ] && png_ok '$T/w.png' 960 540 && grep -q \"no line .* has a number 'nothing'\" '$T/err'"

expect_fail "missing log" "No such file" "$VALLE" plot "$T/none" loss
expect_fail "no key" "at least one KEY" "$VALLE" plot "$log"
expect_fail "nothing to plot" "nothing to plot" "$VALLE" plot "$log" val.loss -o "$T/x.png"
check "[ ! -e '$T/x.png' ]"
printf 'junk\n{"a": \n' >"$T/junk.jsonl"
expect_fail "only junk" "nothing to plot \\(2 lines, 2 not JSON" "$VALLE" plot "$T/junk.jsonl" loss -o "$T/j.png"
expect_fail "bad smooth" "--smooth" "$VALLE" plot "$log" loss --smooth 0
expect_fail "bad option" "unknown option" "$VALLE" plot "$log" loss --bogus
expect_fail "unwritable" "plot.png|No such file|denied" "$VALLE" plot "$log" loss -o "$T/no/dir/plot.png"
"$VALLE" plot --help >"$T/out" 2>&1
check "[ $? -eq 0 ] && grep -q 'usage: valle plot' '$T/out'"

finish
