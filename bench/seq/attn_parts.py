"""Time multi-head attention (the bench transformer's shapes) forward and backward.

    OPENBLAS_NUM_THREADS=1 python -m ember run bench/seq/attn_parts.py [dropout]
"""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
N, L, E, H = 32, 128, 256, 4
p = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
mha = torch.nn.MultiheadAttention(E, H, dropout=p, batch_first=True)
x = torch.randn(N, L, E, requires_grad=True)


def timeit(name, f, reps=10):
    f()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(reps):
            f()
        best = min(best, (time.process_time() - c) / reps)
    print("%-36s %8.2f ms" % (name, best * 1e3))


def fwd():
    return mha(x, x, x, need_weights=False)[0]


def fwdbwd():
    fwd().sum().backward()


g = torch.randn(N * H, L, 64)
timeit("mha forward", fwd)
timeit("mha forward+backward", fwdbwd)
with torch.no_grad():
    mha.eval()
    timeit("mha forward eval no_grad", fwd)
    q = torch.randn(N, H, L, 64)
    timeit("sdpa eval", lambda: F.scaled_dot_product_attention(q, q, q))
    timeit("linear qkv", lambda: F.linear(x, mha.in_proj_weight, mha.in_proj_bias))
