#!/usr/bin/env python3
"""bench/rnnlm_torch.py: PyTorch twin of bench/bench_rnnlm.c: training
tokens/s of the 2-layer LSTM word LM (vocab 10000, batch 20, BPTT 20, SGD
lr 1, clip 5, loss summed over time), nn.LSTM on the CPU.
Usage: python3 bench/rnnlm_torch.py THREADS HIDDEN STEPS [WARMUP]"""
import sys
import time

import torch
import torch.nn as nn

threads, H = int(sys.argv[1]), int(sys.argv[2])
steps = int(sys.argv[3])
warm = int(sys.argv[4]) if len(sys.argv) > 4 else 3
torch.set_num_threads(threads)
torch.manual_seed(1)
V, B, T = 10000, 20, 20
p = 0.5 if H > 200 else 0.0


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, H)
        self.drop = nn.Dropout(p)
        self.rnn = nn.LSTM(H, H, 2, dropout=p, batch_first=True)
        self.out = nn.Linear(H, V)
        for w in self.parameters():
            nn.init.uniform_(w, -0.1, 0.1)

    def forward(self, x, s):
        y, s = self.rnn(self.drop(self.emb(x)), s)
        return self.out(self.drop(y)), s


m = LM()
opt = torch.optim.SGD(m.parameters(), lr=1.0)
data = torch.randint(0, V, (B, T * (steps + warm + 2) + 1))
s = (torch.zeros(2, B, H), torch.zeros(2, B, H))
m.train()


def step(k):
    global s
    x = data[:, k * T:(k + 1) * T]
    y = data[:, k * T + 1:(k + 1) * T + 1]
    s = (s[0].detach(), s[1].detach())
    opt.zero_grad()
    logits, s = m(x, s)
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1)) * T
    loss.backward()
    nn.utils.clip_grad_norm_(m.parameters(), 5.0)
    opt.step()


for k in range(warm):
    step(k)
t0 = time.perf_counter()
for k in range(warm, warm + steps):
    step(k)
dt = time.perf_counter() - t0
print(f"torch lstm {H}x2 dropout {p:.1f} threads {threads}: {B * T * steps / dt:.0f} tokens/s")
