#!/usr/bin/env python3
# bench/llmc_checkpoint.py: writes the inputs llm.c's CPU trainer
# (train_gpt2.c) opens, so it can be timed against valle without PyTorch or
# the GPT-2 download: a random-weight GPT-2 124M checkpoint in llm.c's model
# file format and train/val token files in its data format. Written from
# the format as train_gpt2.c / llmc/dataloader.h read it (no llm.c code).
#
#   python3 bench/llmc_checkpoint.py OUT_DIR [--text FILE] [--seed 1337]
#
# OUT_DIR/gpt2_124M.bin: int32 header[256] = magic 20240326, version 3,
#   maxT, V, L, NH, C, padded V; then float32 parameters in llm.c's order
#   wte (Vp, C), wpe (maxT, C), ln1w/ln1b (L, C), qkvw (L, 3C, C),
#   qkvb (L, 3C), attprojw (L, C, C), attprojb (L, C), ln2w/ln2b (L, C),
#   fcw (L, 4C, C), fcb (L, 4C), fcprojw (L, C, 4C), fcprojb (L, C),
#   lnfw/lnfb (C). Init: N(0, 0.02) matrices and embeddings (residual
#   projections N(0, 0.02 / sqrt(2 L)) as GPT-2), LayerNorm weights 1,
#   biases 0, padded vocabulary rows 0.
# OUT_DIR/dev/data/tinyshakespeare/tiny_shakespeare_{train,val}.bin: int32
#   header[256] = magic 20240520, version 1, token count; then uint16
#   tokens. Tokens: the bytes of --text (all < 256 < 50257) if given, else
#   uniform random ids in [0, 50257).
import argparse
import os

import numpy as np

MAXT, V, VP, L, NH, C = 1024, 50257, 50304, 12, 12, 768


def write_model(path, rng):
    header = np.zeros(256, dtype=np.int32)
    header[:8] = [20240326, 3, MAXT, V, L, NH, C, VP]
    std, rstd = 0.02, 0.02 / np.sqrt(2 * L)

    def normal(shape, s):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(s)).astype(np.float32)

    wte = normal((VP, C), std)
    wte[V:] = 0.0
    tensors = [
        wte,                                  # wte
        normal((MAXT, C), std),               # wpe
        np.ones((L, C), np.float32),          # ln1w
        np.zeros((L, C), np.float32),         # ln1b
        normal((L, 3 * C, C), std),           # qkvw
        np.zeros((L, 3 * C), np.float32),     # qkvb
        normal((L, C, C), rstd),              # attprojw
        np.zeros((L, C), np.float32),         # attprojb
        np.ones((L, C), np.float32),          # ln2w
        np.zeros((L, C), np.float32),         # ln2b
        normal((L, 4 * C, C), std),           # fcw
        np.zeros((L, 4 * C), np.float32),     # fcb
        normal((L, C, 4 * C), rstd),          # fcprojw
        np.zeros((L, C), np.float32),         # fcprojb
        np.ones(C, np.float32),               # lnfw
        np.zeros(C, np.float32),              # lnfb
    ]
    with open(path, "wb") as f:
        f.write(header.tobytes())
        for t in tensors:
            f.write(np.ascontiguousarray(t, dtype="<f4").tobytes())
    return sum(t.size for t in tensors)


def write_tokens(path, tokens):
    header = np.zeros(256, dtype=np.int32)
    header[:3] = [20240520, 1, len(tokens)]
    with open(path, "wb") as f:
        f.write(header.tobytes())
        f.write(np.asarray(tokens, dtype="<u2").tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--text", help="use this file's bytes as tokens")
    ap.add_argument("--seed", type=int, default=1337)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n = write_model(os.path.join(a.out_dir, "gpt2_124M.bin"), rng)
    print(f"gpt2_124M.bin: {n} parameters")
    if a.text:
        toks = np.frombuffer(open(a.text, "rb").read(), dtype=np.uint8).astype(np.uint16)
    else:
        toks = rng.integers(0, V, size=1 << 20, dtype=np.uint16)
    split = len(toks) * 9 // 10
    d = os.path.join(a.out_dir, "dev", "data", "tinyshakespeare")
    os.makedirs(d, exist_ok=True)
    write_tokens(os.path.join(d, "tiny_shakespeare_train.bin"), toks[:split])
    write_tokens(os.path.join(d, "tiny_shakespeare_val.bin"), toks[split:])
    print(f"tokens: {split} train, {len(toks) - split} val")


if __name__ == "__main__":
    main()
