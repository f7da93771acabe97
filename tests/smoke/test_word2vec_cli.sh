#!/usr/bin/env bash
# tests/smoke/test_word2vec_cli.sh: `valle word2vec` end to end on a small
# generated corpus: word2vec.c-style flags and GNU long options, text and
# binary output, similar/analogy/eval commands, and bad input (empty corpus,
# no spaces, binary garbage, an over-long word, unknown query words, a
# truncated vectors file): clear messages, exit 1 or 2, no crash, and an
# existing output file is never damaged by a failed run.
source "$(dirname "$0")/lib.sh"
W="$VALLE word2vec"

# a corpus with planted groups: sentences draw words from one group
awk 'BEGIN { srand(3); for (s = 0; s < 1500; s++) { g = int(rand() * 4);
  line = ""; for (k = 0; k < 10; k++) line = line "g" g "w" int(rand() * 5) " ";
  print line } }' >"$T/corpus.txt"

# word2vec.c's flags, binary output
$W train -train "$T/corpus.txt" -output "$T/v.bin" -cbow 0 -size 16 -window 4 -negative 5 \
  -hs 0 -sample 0 -min-count 1 -iter 3 -alpha 0.025 -threads 2 -binary 1 \
  -save-vocab "$T/vocab.txt" >"$T/out" 2>"$T/err"
check '[ $? -eq 0 ]'
check 'grep -q "Vocab size: 21" "$T/out"'
check 'grep -q "trained 49500 words" "$T/out"'   # 3 iterations x (15000 words + 1500 </s>)
check '[ "$(head -1 "$T/v.bin" | tr -d "\n")" = "21 16" ]'
check '[ $(wc -l <"$T/vocab.txt") -eq 21 ]'
# GNU long options, text output, CBOW + HS, the classic engine, read-vocab
$W train --train "$T/corpus.txt" --output="$T/v.txt" --cbow 1 --size 16 --hs 1 --negative 0 \
  --iter 2 --threads 1 --read-vocab "$T/vocab.txt" --engine classic --quiet >"$T/out" 2>&1
check '[ $? -eq 0 ] && [ ! -s "$T/out" ]'
check '[ "$(head -1 "$T/v.txt")" = "21 16" ] && [ $(wc -l <"$T/v.txt") -eq 22 ]'

# queries on both formats
for f in v.bin v.txt; do
  $W similar --vectors "$T/$f" -n 3 g1w2 >"$T/sim" 2>"$T/err"
  check '[ $? -eq 0 ] && [ $(grep -c "^g1w" "$T/sim") -eq 3 ]'
done
$W analogy --vectors "$T/v.bin" -n 2 g0w0 g0w1 g2w0 >"$T/an"
check '[ $? -eq 0 ] && [ $(wc -l <"$T/an") -eq 2 ]'
printf ': capital-common\ng0w0 g0w1 g1w0 g1w1\ng0w0 g0w1 zz zz\n: gram\ng2w0 g2w1 g3w0 g3w1\n' >"$T/q.txt"
$W eval-analogy --vectors "$T/v.bin" "$T/q.txt" >"$T/ea"
check '[ $? -eq 0 ] && grep -q "questions seen / total: 2 / 3" "$T/ea"'
printf 'g0w0\tg0w1\t9\ng0w0 g1w1 1\ng2w2 g2w3 8\ng3w3 g1w0 2\nnope g0w0 5\n' >"$T/pairs.txt"
$W eval-similarity --vectors "$T/v.bin" "$T/pairs.txt" >"$T/es"
check '[ $? -eq 0 ] && grep -q "pairs found / total: 4 / 5" "$T/es"'
check 'grep -q "^spearman: 0\.[5-9]\|^spearman: 1\.0" "$T/es"'
$W --help >/dev/null
check '[ $? -eq 0 ]'
$W train --help | grep -q -- "--min-count"
check '[ $? -eq 0 ]'

# bad input: usage errors (exit 2)
expect_fail "no train" "-train FILE and -output FILE are required" $W train -output "$T/x.bin"
expect_fail "unknown flag" "unknown option '-classes'" $W train -train "$T/corpus.txt" -output "$T/x" -classes 5
expect_fail "bad size" "size" $W train -train "$T/corpus.txt" -output "$T/x" -size 0
expect_fail "no objective" "-hs 1 or -negative" $W train -train "$T/corpus.txt" -output "$T/x" -negative 0
expect_fail "bad engine" "unknown engine 'turbo'" $W train -train "$T/corpus.txt" -output "$T/x" --engine turbo
expect_fail "unknown sub" "unknown subcommand" $W fly

# bad corpora (exit 1), and an existing output is left alone
cp "$T/v.bin" "$T/keep.bin"
: >"$T/empty.txt"
expect_fail "empty corpus" "no word occurs" $W train -train "$T/empty.txt" -output "$T/keep.bin"
head -c 3000 /dev/zero | tr '\0' 'a' >"$T/nospace.txt"
expect_fail "no spaces" "longer than 255 bytes" $W train -train "$T/nospace.txt" -output "$T/keep.bin"
{ printf '\177ELF\002\001\001\000\000\000'   # an ELF header, then random bytes
  LC_ALL=C awk 'BEGIN { srand(5); for (i = 0; i < 2000; i++) printf "%c", 1 + int(rand() * 254) }'
} >"$T/garbage.bin"
expect_fail "binary garbage" "NUL byte|binary|longer than" $W train -train "$T/garbage.bin" -output "$T/keep.bin"
{ echo "a b c"; head -c 400 /dev/zero | tr '\0' 'q'; echo " d"; } >"$T/longword.txt"
expect_fail "over-long word" "longer than 255 bytes at offset 6" $W train -train "$T/longword.txt" -output "$T/keep.bin" -min-count 1
expect_fail "missing corpus" "no-such.txt" $W train -train "$T/no-such.txt" -output "$T/keep.bin"
printf 'the 5\ncat many\n' >"$T/badvocab.txt"
printf 'the 9223372036854775807\ncat 5\n' >"$T/hugevocab.txt"
expect_fail "vocabulary counts overflow" "hugevocab.txt:1: counts add up to more than 10.15 words" $W train -train "$T/corpus.txt" -output "$T/keep.bin" -read-vocab "$T/hugevocab.txt"
expect_fail "bad vocabulary line" "badvocab.txt:2: expected 'word count'" $W train -train "$T/corpus.txt" -output "$T/keep.bin" -read-vocab "$T/badvocab.txt"
check 'cmp -s "$T/v.bin" "$T/keep.bin"'

# bad queries and vector files
expect_fail "unknown word" "'nosuchword' is not in the vocabulary" $W similar --vectors "$T/v.bin" nosuchword
expect_fail "unknown analogy word" "'zz' is not in the vocabulary" $W analogy --vectors "$T/v.bin" g0w0 zz g1w1
expect_fail "analogy arity" "usage" $W analogy --vectors "$T/v.bin" g0w0 g1w1
size=$(stat -c %s "$T/v.bin")
for cut in 3 8 20 $((size / 2)) $((size - 2)); do
  head -c "$cut" "$T/v.bin" >"$T/cut.bin"
  expect_fail "binary vectors cut at $cut" "truncated|not a word2vec" $W similar --vectors "$T/cut.bin" g1w2
done
size=$(stat -c %s "$T/v.txt")
for cut in 5 100 $((size / 2)) $((size - 1)); do
  head -c "$cut" "$T/v.txt" >"$T/cut.txt"
  expect_fail "text vectors cut at $cut" "truncated|not a word2vec|expected" $W similar --vectors "$T/cut.txt" g1w2
done
expect_fail "garbage vectors" "not a word2vec" $W similar --vectors "$T/garbage.bin" g1w2
expect_fail "missing vectors" "no-such.bin" $W similar --vectors "$T/no-such.bin" g1w2
printf 'not four words here at all\n' >"$T/badq.txt"
expect_fail "bad questions" "badq.txt:1" $W eval-analogy --vectors "$T/v.bin" "$T/badq.txt"
printf '# a comment\ng0w0 g1w1 high\n' >"$T/badpairs.txt"
expect_fail "bad similarity line" "badpairs.txt:2: expected 'word1 word2 score'" $W eval-similarity --vectors "$T/v.bin" "$T/badpairs.txt"
printf '# only a comment\n' >"$T/nopairs.txt"
expect_fail "no similarity pairs" "nopairs.txt: no word pairs" $W eval-similarity --vectors "$T/v.bin" "$T/nopairs.txt"
finish
