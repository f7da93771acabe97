#!/usr/bin/env python3
"""PyTorch CPU peer of `valle lm train --arch transformer`: the same baby GPT
(nanoGPT's shakespeare_char CPU config: 4 layers, 4 heads, 128 dims, block
64, batch 12, AdamW lr 1e-3 with 100 warm-up steps and cosine decay to 1e-4,
beta2 0.99, weight decay 0.1 on matrices, clip 1.0, dropout 0, tied head),
written here from the architecture's description (eager mode, as nanoGPT's
CPU command uses --compile=False; attention through
F.scaled_dot_product_attention, as nanoGPT).

    python3 bench/gpt_torch.py --data tinyshakespeare.txt --iters 60 \
        --threads 2 [--skip 10] [--eval]

Times every full training step (batch, forward, backward, clip, optimiser
step) in wall and process-CPU time and prints one JSON line: median step
seconds over the steps after the first --skip, tokens/s, the final loss. With --eval it also trains
all --iters steps and prints the validation loss estimate (200 batches).
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.fc, self.out = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, V, block, L, H, C):
        super().__init__()
        self.tok = nn.Embedding(V, C)
        self.pos = nn.Embedding(block, C)
        self.blocks = nn.ModuleList(Block(C, H) for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
        for n, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * L) if n.endswith(("proj.weight", "out.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif n.endswith("bias") and "ln" not in n:
                nn.init.zeros_(p)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        logits = self.ln_f(x) @ self.tok.weight.t()
        if targets is None:
            return logits
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--iters", type=int, default=60)
    ap.add_argument("--skip", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-iters", type=int, default=2000, help="schedule length")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--seed", type=int, default=1337)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    text = open(a.data, "rb").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    train, val = data[:n], data[n:]
    B, T, L, H, C = 12, 64, 4, 4, 128

    def batch(d):
        ix = torch.randint(len(d) - T, (B,))
        return (torch.stack([d[i:i + T] for i in ix]), torch.stack([d[i + 1:i + 1 + T] for i in ix]))

    m = GPT(len(chars), T, L, H, C)
    decay = [p for p in m.parameters() if p.dim() >= 2]
    nodecay = [p for p in m.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": nodecay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))

    def lr_at(it):
        if it < 100:
            return 1e-3 * (it + 1) / 100
        r = (it - 100) / (a.max_iters - 100)
        return 1e-4 + 0.5 * (1 + math.cos(math.pi * min(r, 1.0))) * (1e-3 - 1e-4)

    times, cpu, loss = [], [], float("nan")
    for it in range(a.iters):
        t0, c0 = time.perf_counter(), time.process_time()
        x, y = batch(train)
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        loss = m(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    steady = sorted(times[a.skip:]) or sorted(times)
    csteady = sorted(cpu[a.skip:]) or sorted(cpu)
    med, cmed = steady[len(steady) // 2], csteady[len(csteady) // 2]
    out = {"peer": "pytorch", "torch": torch.__version__, "threads": a.threads,
           "steps": a.iters, "median_step_s": med, "median_step_cpu_s": cmed,
           "tokens_per_s": B * T / med, "tokens_per_cpu_s": B * T / cmed,
           "final_loss": loss.item()}
    if a.eval:
        m.eval()
        with torch.no_grad():
            out["val_loss"] = sum(m(*batch(val)).item() for _ in range(200)) / 200
    print(json.dumps(out))


if __name__ == "__main__":
    main()
