#!/usr/bin/env bash
# tests/smoke/test_text_cli.sh: `valle normalize`, `valle tag` and `valle
# phonemize` end to end: text, stdin, --from-csv, DIR mode (atomic writes,
# existing files skipped), espeak IPA, and bad input (empty text, only
# punctuation, control characters, invalid UTF-8, a 1 MB line, 40-digit
# numbers, bad options and files) giving sensible output or a clear error.
source "$(dirname "$0")/lib.sh"

# expect "description" "expected stdout" cmd...: exit 0 and exactly that output
expect() {
  local what=$1 want=$2
  shift 2
  local got rc=0
  got=$("$@" 2>"$T/err") || rc=$?
  if [ $rc -ne 0 ]; then bad "$what: exit $rc"; cat "$T/err" >&2; return; fi
  if [ "$got" != "$want" ]; then bad "$what: got '$got', want '$want'"; return; fi
  ok
}

# ---- normalize, tag
expect "normalize" "Doctor Smith paid five dollars and fifty cents on January third, nineteen ninety-nine." \
  "$VALLE" normalize "Dr. Smith paid \$5.50 on Jan. 3rd, 1999."
expect "normalize words" "Henry the eighth met the F B I at seven A M" "$VALLE" normalize Henry VIII met the FBI at 7am
expect "normalize stdin" "$(printf 'one\ntwo')" bash -c "printf '1\n2\n' | '$VALLE' normalize"
expect "normalize split" "$(printf 'Hello there.\nHow are you?')" "$VALLE" normalize --split "Hello there. How are you?"
expect "negative number" "minus five degrees" "$VALLE" normalize "-5°"
expect "tag" "Hello | comma | how | are | you | question_mark" "$VALLE" tag "Hello, how are you?"
expect "tag normalises" "Mister | Smith | exclamation_mark" "$VALLE" tag "Mr. Smith!"

# ---- phonemize text: the reference repo's test utterance
ref=$(cat tests/data/valle-test.phn.txt)
expect "hello world" "$ref" "$VALLE" phonemize "hello world"
expect "hello world file" "$ref" "$VALLE" phonemize "$(cat tests/data/valle-test.normalized.txt)"
expect "punctuation" "HH AH0 L OW1 _ _ _ W ER1 L D _ _" "$VALLE" phonemize "Hello, world."
expect "stdin lines" "$(printf 'HH AH0 L OW1\nW ER1 L D')" bash -c "printf 'hello\nworld\n' | '$VALLE' phonemize"
expect "spell OOV" "K Y UW1 Z IY1 EH1 K S" "$VALLE" phonemize --oov spell qzx

# ---- --from-csv (LJSpeech layout: id|raw|normalised)
printf 'LJ1|Hello, World!|hello, world!\nLJ2|x|Dr. Who\n' >"$T/meta.csv"
"$VALLE" phonemize --from-csv "$T/meta.csv" --column 3 >"$T/out" 2>"$T/err"
check '[ $? -eq 0 ]'
check '[ "$(sed -n 1p "$T/out")" = "LJ1|HH AH0 L OW1 _ _ _ W ER1 L D _ _" ]'
check '[ "$(sed -n 2p "$T/out")" = "LJ2|D AA1 K T ER0 _ HH UW1" ]'
check 'grep -q "OOV model" "$T/err"'
check 'grep -q "2 texts, 4 words" "$T/err"'
expect_fail "missing column" "no column 5" "$VALLE" phonemize --from-csv "$T/meta.csv" --column 5
expect_fail "missing csv" "no-such.csv" "$VALLE" phonemize --from-csv "$T/no-such.csv"

# ---- DIR mode: <name>.phn.txt beside every <name>.normalized.txt
d="$T/corpus"
mkdir -p "$d/sub/deeper"
cp tests/data/valle-test.normalized.txt "$d/a.normalized.txt"
printf 'Good morning.' >"$d/sub/b.normalized.txt"
printf 'two words' >"$d/sub/deeper/c.normalized.txt"
printf 'KEEP ME\n' >"$d/sub/deeper/c.phn.txt"
printf 'not an input' >"$d/notes.txt"
"$VALLE" phonemize "$d" >"$T/out" 2>"$T/err"
check '[ $? -eq 0 ]'
check 'cmp -s "$d/a.phn.txt" tests/data/valle-test.phn.txt'
check '[ "$(cat "$d/sub/b.phn.txt")" = "G UH1 D _ M AO1 R N IH0 NG _ _" ]'
check '[ "$(cat "$d/sub/deeper/c.phn.txt")" = "KEEP ME" ]'
check '[ ! -e "$d/notes.phn.txt" ]'
check 'grep -q "2 written, 1 skipped" "$T/err"'
check '[ -z "$(ls "$d" | grep tmp)" ]'
"$VALLE" phonemize "$d" 2>"$T/err"
check 'grep -q "0 written, 3 skipped" "$T/err"'
"$VALLE" phonemize --overwrite --quiet "$d"
check '[ "$(cat "$d/sub/deeper/c.phn.txt")" = "T UW1 _ W ER1 D Z" ]'
# a bad input file fails alone, with its name; the others are written
printf 'a\0b' >"$d/nul.normalized.txt"
printf 'fine' >"$d/z.normalized.txt"
expect_fail "NUL in input" "nul.normalized.txt" "$VALLE" phonemize "$d"
check '[ -e "$d/z.phn.txt" ] && [ ! -e "$d/nul.phn.txt" ]'
expect_fail "dir and text mixed" "not a directory" "$VALLE" phonemize "$d" "some text"

# ---- bad input: sensible output, never a crash
expect "empty text" "" "$VALLE" phonemize ""
expect "empty normalize" "" "$VALLE" normalize ""
expect "only punctuation" "_ _ _" "$VALLE" phonemize "?!"
expect "only punctuation tag" "question_mark | exclamation_mark" "$VALLE" tag "?!"
expect "control characters" "HH AH0 L OW1 _ W ER1 L D" "$VALLE" phonemize "$(printf 'hello\t\001\033world\r')"
printf 'caf\xc3\xa9 \xff\xfe ok\n' >"$T/bad.txt"
"$VALLE" phonemize <"$T/bad.txt" >"$T/out" 2>"$T/err"
check '[ $? -eq 0 ]'
check '[ "$(cat "$T/out")" = "K AH0 F EY1 _ OW1 K EY1" ]'
check 'grep -q "not valid UTF-8" "$T/err"'
"$VALLE" normalize <"$T/bad.txt" >"$T/out" 2>"$T/err"
check '[ "$(cat "$T/out")" = "cafe ok" ]'
forty=1234567890123456789012345678901234567890
"$VALLE" phonemize "$forty" >"$T/out"
check '[ $? -eq 0 ] && [ "$(grep -o " _ " "$T/out" | wc -l)" -eq 39 ]'
check '"$VALLE" normalize "$forty" | grep -q "^one two three four five six seven eight nine zero one"'
# a 1 MB line through stdin, and one 1 MB word
awk 'BEGIN { s = "The 3 quick foxes, on Jan. 5th, paid $2.50! "; while (length(l) < 1048576) l = l s; print l }' >"$T/big.txt"
"$VALLE" phonemize --stats <"$T/big.txt" >"$T/out" 2>"$T/err"
check '[ $? -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 1 ] && [ "$(wc -c <"$T/out")" -gt 1048576 ]'
check 'grep -q "phonemize: 1 texts" "$T/err"'
head -c 1048576 /dev/zero | tr '\0' 'q' >"$T/word.txt"
"$VALLE" normalize <"$T/word.txt" >"$T/out"
check '[ $? -eq 0 ] && [ "$(wc -c <"$T/out")" -eq 1048577 ]'
"$VALLE" tag <"$T/word.txt" >/dev/null
check '[ $? -eq 0 ]'

# ---- bad options and files
expect_fail "unknown g2p" "unknown --g2p 'neural'" "$VALLE" phonemize --g2p neural hello
expect_fail "unknown oov" "unknown OOV model 'magic'" "$VALLE" phonemize --oov magic hello
expect_fail "bad column" "--column must be >= 1" "$VALLE" phonemize --from-csv "$T/meta.csv" --column 0
expect_fail "missing dict" "no-such.dict" "$VALLE" phonemize --dict "$T/no-such.dict" hello
printf 'hello HH AH0 L OW1\nworld W ER1 L DX\n' >"$T/bad.dict"
expect_fail "malformed dict" "bad.dict:2" "$VALLE" phonemize --dict "$T/bad.dict" hello
head -c 80000000 /dev/zero | gzip -1 >"$T/bomb.dict.gz"  # 80 MB of zeros in 80 KB
expect_fail "gzip bomb dict" "bomb.dict.gz: larger than 64 MiB" "$VALLE" phonemize --dict "$T/bomb.dict.gz" hello
expect_fail "unknown option" "unknown option '--bogus'" "$VALLE" normalize --bogus
expect_fail "bad max-chars" "must be >= 0" "$VALLE" normalize --split --max-chars -3 x

# ---- espeak-ng: IPA for other languages, OOV words
if "$VALLE" phonemize --list-langs >"$T/langs" 2>/dev/null; then
  check 'grep -q "^de" "$T/langs"'
  expect "ipa en" "h ə l ˈoʊ _ w ˈɜː l d" "$VALLE" phonemize --g2p espeak --lang en-us "hello world"
  "$VALLE" phonemize --g2p espeak --lang de "Guten Tag, Welt." >"$T/out"
  check '[ $? -eq 0 ] && grep -q " _ _ _ " "$T/out"'
  "$VALLE" phonemize --g2p espeak --lang fr <"$T/bad.txt" >"$T/out" 2>/dev/null
  check '[ $? -eq 0 ] && [ -s "$T/out" ]'
  expect_fail "unknown language" "no language 'xx-nope'" "$VALLE" phonemize --g2p espeak --lang xx-nope hello
  # espeak-ng 1.51 reads freed memory on this Gurmukhi sign (U+0A76): harmless
  # in a release build, fatal under ASan, and either way only its worker
  # process may die: valle answers (exit 0) or reports it (exit 1)
  "$VALLE" phonemize --g2p espeak --lang en-us "$(printf 'a \xe0\xa9\xb6 b')" >"$T/out" 2>"$T/err"
  rc=$?
  check '[ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -q "espeak-ng failed on this text" "$T/err"; }'
  "$VALLE" phonemize --stats "the zorblaxian" >"$T/out" 2>"$T/err"
  check 'grep -q "1 OOV model" "$T/err"'
else
  echo "skip: espeak-ng not available (valle phonemize --list-langs failed)"
fi

# ---- LJSpeech: 13,100 sentences in seconds (shared data, when present)
lj=${VALLE_SHARED:-../shared}/data/text/ljspeech-metadata.csv
if [ -f "$lj" ]; then
  start=$(date +%s%N)
  "$VALLE" phonemize --from-csv "$lj" --column 3 >"$T/lj.txt" 2>"$T/err"
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  check '[ $rc -eq 0 ] && [ "$(wc -l <"$T/lj.txt")" -eq 13100 ]'
  check '[ $ms -lt 30000 ]'
  cat "$T/err"
else
  echo "skip: $lj not found (no LJSpeech timing)"
fi
finish
