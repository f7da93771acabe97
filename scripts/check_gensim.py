#!/usr/bin/env python3
"""scripts/check_gensim.py: dev check that gensim (pip install gensim) reads
valle's word2vec text and binary vectors files and sees the same numbers as
valle.

Usage: python3 scripts/check_gensim.py [VALLE_BINARY]   (default build/valle)

Trains a small model on tests/data/w2v_small.txt twice (text and binary
output), loads both with gensim's KeyedVectors.load_word2vec_format, checks
the vocabulary order, the vectors (binary: bit-exact against the text file's
6 decimals), and that gensim's most_similar agrees with `valle word2vec
similar`. Exits non-zero on any mismatch."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from gensim.models import KeyedVectors

valle = sys.argv[1] if len(sys.argv) > 1 else "build/valle"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "tests", "data", "w2v_small.txt")
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += not cond


with tempfile.TemporaryDirectory() as d:
    paths = {}
    for binary in (0, 1):
        out = os.path.join(d, "v.bin" if binary else "v.txt")
        subprocess.run([valle, "word2vec", "train", "-train", corpus, "-output", out,
                        "-size", "24", "-min-count", "1", "-iter", "20", "-threads", "1",
                        "-binary", str(binary), "--seed", "3", "--quiet"], check=True)
        paths[binary] = out
    kt = KeyedVectors.load_word2vec_format(paths[0], binary=False)
    kb = KeyedVectors.load_word2vec_format(paths[1], binary=True)
    check(kt.index_to_key == kb.index_to_key, "same vocabulary order in text and binary")
    check(kb.index_to_key[0] == "</s>" and kb.index_to_key[1] == "the",
          "</s> first, then the most frequent word")
    check(kb.vectors.shape == (len(kb.index_to_key), 24), f"shape {kb.vectors.shape}")
    err = float(np.max(np.abs(kt.vectors - kb.vectors)))
    check(err <= 6e-7, f"text vs binary max |diff| = {err:.2e} (text keeps 6 decimals)")
    # our own reader's view of the same file
    sim = subprocess.run([valle, "word2vec", "similar", "--vectors", paths[1], "-n", "5",
                          "king"], check=True, capture_output=True, text=True).stdout.split("\n")
    ours = [line.split()[0] for line in sim if line.strip()]
    theirs = [w for w, _ in kb.most_similar("king", topn=5)]
    check(ours == theirs, f"most_similar('king'): valle {ours} gensim {theirs}")
    ours_cos = [float(line.split()[1]) for line in sim if line.strip()]
    theirs_cos = [c for _, c in kb.most_similar("king", topn=5)]
    check(np.allclose(ours_cos, theirs_cos, atol=1e-4), "cosines agree to 1e-4")

print("gensim", __import__("gensim").__version__, ":", "all checks passed" if not failures
      else f"{failures} checks failed")
sys.exit(1 if failures else 0)
