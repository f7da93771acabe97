"""bench/mlp_step_torch.py: the PyTorch side of bench_mlp_step: one training
step (forward, cross-entropy, backward, Adam) of an MLP 784-1024-1024-10,
batch 128, float32 on the CPU. Usage: python3 mlp_step_torch.py THREADS STEPS REPEATS"""
import statistics
import sys
import time

import torch

threads, steps, reps = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
torch.manual_seed(1)
model = torch.nn.Sequential(
    torch.nn.Linear(784, 1024), torch.nn.ReLU(),
    torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
    torch.nn.Linear(1024, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
x = torch.rand(128, 784)
y = torch.randint(0, 10, (128,))
times = []
for rep in range(-1, reps):
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    if rep >= 0:
        times.append((time.perf_counter() - t0) / steps)
print(f"torch mlp step: threads {threads}  median {statistics.median(times)*1e3:.3f} ms  "
      f"min {min(times)*1e3:.3f} ms  (loss {loss.item():.4f}, torch {torch.__version__})")
