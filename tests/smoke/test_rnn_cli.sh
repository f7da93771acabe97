#!/usr/bin/env bash
# tests/smoke/test_rnn_cli.sh: `valle seq2seq`, `valle g2p` and `valle lm --arch rnn|lstm|gru`
# end to end on tiny generated data (train, eval, predict/generate, an
# attention PNG, a mid-epoch stop + resume), the shipped G2P model, and bad
# input: empty files, lines without the separator, characters or words
# outside the vocabulary, checkpoints of another architecture.
source "$(dirname "$0")/lib.sh"

# reverse-a-string pairs, 300 lines; a tiny pronunciation dictionary; text
awk 'BEGIN{srand(7); for(i=0;i<300;i++){n=3+int(rand()*3); s=""; for(k=0;k<n;k++) s=s substr("abcdef",1+int(rand()*6),1); r=""; for(k=n;k>=1;k--) r=r substr(s,k,1); print s "_" r}}' >"$T/rev.txt"
printf 'cab K AE1 B\nbad B AE1 D\ndab D AE1 B\ncad K AE1 D\nab AE1 B\nbac B AE1 K\nabc(2) EY1 B IY1 S IY1\n' >"$T/tiny.dict"
awk 'BEGIN{srand(3); split("the cat a dog sees likes ball tree",w," "); for(i=0;i<200;i++) print w[1+int(rand()*2)*2-0] " " w[2+int(rand()*2)*2] " " w[5+int(rand()*2)] " the " w[7+int(rand()*2)]}' >"$T/lm.txt"
: >"$T/empty.txt"
printf 'abc_cba\nno separator\n' >"$T/nosep.txt"

# ---- seq2seq ----
"$VALLE" seq2seq train --data "$T/rev.txt" --test 50 --epochs 2 --hidden 32 --emb 8 \
  --threads 1 --out "$T/s2s.st" >"$T/log" 2>&1
check '[ $? -eq 0 ]'
check 'grep -q "epoch 2/2" "$T/log"'
"$VALLE" seq2seq eval --model "$T/s2s.st" --data "$T/rev.txt" --test 50 >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "50 pairs: exact match" "$T/log"'
"$VALLE" seq2seq predict --model "$T/s2s.st" --beam 3 --plot-attention "$T/a.png" abc fed >"$T/log" 2>&1
check '[ $? -eq 0 ] && [ "$(wc -l <"$T/log")" -eq 2 ]'
check '[ "$(head -c 8 "$T/a.png" | od -An -tx1 | tr -d " \n")" = "89504e470d0a1a0a" ]'
"$VALLE" seq2seq train --data "$T/rev.txt" --test 50 --epochs 2 --hidden 32 --emb 8 \
  --threads 1 --out "$T/s2s_b.st" --stop-after 1 >/dev/null 2>&1
"$VALLE" seq2seq train --data "$T/rev.txt" --test 50 --resume "$T/s2s_b.st" --out "$T/s2s_b.st" --threads 1 >/dev/null 2>&1
check '[ $? -eq 0 ]'
check 'cmp -s "$T/s2s.st" "$T/s2s_b.st"'
expect_fail "seq2seq empty file" "empty" "$VALLE" seq2seq train --data "$T/empty.txt" --test 0
expect_fail "seq2seq no separator" "nosep.txt:2: no '_'" "$VALLE" seq2seq train --data "$T/nosep.txt" --test 0
expect_fail "seq2seq unknown char" "not in the model's input vocabulary" "$VALLE" seq2seq predict --model "$T/s2s.st" xyz
expect_fail "seq2seq missing model" "cannot open|No such" "$VALLE" seq2seq eval --model "$T/none.st" --data "$T/rev.txt"
expect_fail "seq2seq bad option" "unknown|option" "$VALLE" seq2seq train --data "$T/rev.txt" --bogus 1
expect_fail "seq2seq bad cell" "lstm or gru|cell" "$VALLE" seq2seq train --data "$T/rev.txt" --test 10 --cell rnn
expect_fail "seq2seq bidir without attention" "needs --attention" "$VALLE" seq2seq train --data "$T/rev.txt" --test 10 --attention none --bidir

# ---- g2p ----
"$VALLE" g2p train --data "$T/tiny.dict" --test 0 --epochs 3 --hidden 16 --emb 8 --threads 1 \
  --out "$T/g2p.st" --export "$T/g2p16.st" >"$T/log" 2>&1
check '[ $? -eq 0 ]'
"$VALLE" g2p predict --model "$T/g2p16.st" CAB >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "^CAB	" "$T/log"'
"$VALLE" g2p eval --model "$T/g2p.st" --data "$T/tiny.dict" --all >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "ignoring stress" "$T/log"'
expect_fail "g2p with a seq2seq model" "not a g2p model" "$VALLE" g2p eval --model "$T/s2s.st" --data "$T/tiny.dict"
expect_fail "g2p unknown char" "not in the model's input vocabulary" "$VALLE" g2p predict --model "$T/g2p.st" "x-ray"
if [ -f models/g2p/g2p.safetensors ]; then
  "$VALLE" g2p predict --model models/g2p/g2p.safetensors hello world >"$T/log" 2>&1
  check '[ $? -eq 0 ] && grep -q "^hello	HH " "$T/log"'
  cat "$T/log"
fi

# ---- lm --arch rnn|lstm|gru (resume, eval and generate find the arch in the checkpoint) ----
"$VALLE" lm train --data "$T/lm.txt" --valid "$T/lm.txt" --arch gru --emb 16 --hidden 16 \
  --batch-size 4 --bptt 5 --epochs 2 --threads 1 --out "$T/lm.st" >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "epoch 2/2" "$T/log"'
"$VALLE" lm train --data "$T/lm.txt" --arch gru --emb 16 --hidden 16 --batch-size 4 --bptt 5 \
  --epochs 2 --threads 1 --out "$T/lm_b.st" --max-chunks 7 >/dev/null 2>&1
"$VALLE" lm train --data "$T/lm.txt" --resume "$T/lm_b.st" --out "$T/lm_b.st" --threads 1 >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "resumed" "$T/log"'
"$VALLE" lm eval --model "$T/lm.st" --data "$T/lm.txt" >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "perplexity" "$T/log"'
"$VALLE" lm generate --model "$T/lm.st" --prompt "the cat" --tokens 12 --top-k 3 --temperature 0.8 >"$T/log" 2>&1
check '[ $? -eq 0 ] && grep -q "^the cat" "$T/log"'
expect_fail "lm-rnn empty file" "empty" "$VALLE" lm train --arch lstm --data "$T/empty.txt"
expect_fail "lm-rnn unknown word" "zebra" "$VALLE" lm eval --model "$T/lm.st" --data <(echo "the zebra")
expect_fail "lm-rnn unknown prompt word" "zebra" "$VALLE" lm generate --model "$T/lm.st" --prompt zebra
expect_fail "lm with a seq2seq model" "not a language-model checkpoint" "$VALLE" lm eval --model "$T/s2s.st" --data "$T/lm.txt"
expect_fail "seq2seq with an lm-rnn model" "not a seq2seq model" "$VALLE" seq2seq eval --model "$T/lm.st" --data "$T/rev.txt"
expect_fail "lm-rnn tie mismatch" "tie" "$VALLE" lm train --arch lstm --data "$T/lm.txt" --tie --emb 8 --hidden 16
expect_fail "lm bad arch" "architecture" "$VALLE" lm train --data "$T/lm.txt" --arch mamba
expect_fail "lm arch mismatch" "'gru' checkpoint, --arch says 'transformer'" "$VALLE" lm train --data "$T/lm.txt" --resume "$T/lm_b.st" --arch transformer
finish
