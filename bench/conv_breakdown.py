"""Where a conv's time goes, for each channels-last convolution GEMM of a
workload's inference step, or training step with `train` (CPU ms per step): channels-last copy in, im2col, GEMM, result transpose.

    OPENBLAS_NUM_THREADS=1 python -m ember run bench/conv_breakdown.py resnet [train]
"""
import collections
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "shared", "bench"))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import bench  # noqa: E402
from ember import _allocator  # noqa: E402
from ember.nn._functional import conv_kernels as C  # noqa: E402

_allocator.tune()
acc = collections.defaultdict(float)


def fwd_cl(x, w, stride, dilation, pads, out, cl=None):
    pt = time.process_time
    N, Cin = x.shape[:2]
    O = w.shape[0]
    ksize = tuple(w.shape[2:])
    n = len(ksize)
    L = C._prod(out)
    key = "C%d O%d %s s%s" % (Cin, O, "x".join(map(str, x.shape[2:])), stride[0])
    t0 = pt()
    xt = C._cl_padded(x, pads, cl)
    wk = np.ascontiguousarray(w.transpose(tuple(range(2, 2 + n)) + (1, 0))).reshape(-1, O)
    res = np.empty((N, O, L), x.dtype)
    t1 = pt()
    a = b = c = 0.0
    for i, j in C._chunks(N, Cin * C._prod(ksize) * L * x.itemsize):
        s0 = pt()
        cols = C._cl_cols(xt[i:j], ksize, stride, dilation, out)
        s1 = pt()
        y = np.matmul(cols, wk)
        s2 = pt()
        y = y.reshape(j - i, L, O)
        step = max(8192 // O, 1)
        for p in range(0, L, step):
            res[i:j, :, p:p + step] = y[:, p:p + step].transpose(0, 2, 1)
        s3 = pt()
        a += s1 - s0
        b += s2 - s1
        c += s3 - s2
    acc[key + " in"] += t1 - t0
    acc[key + " im2col"] += a
    acc[key + " gemm"] += b
    acc[key + " out"] += c
    return res.reshape((N, O) + tuple(out))


C._conv_forward_cl = fwd_cl
name = sys.argv[1] if len(sys.argv) > 1 else "resnet"
train = "train" in sys.argv[2:]
torch.set_num_threads(1)
factory, batch, in_specs, tgt_spec = bench._workloads()[name]
torch.manual_seed(0)
model = factory()
inputs = [bench._make(s, "cpu") for s in in_specs]
target = bench._make(tgt_spec, "cpu")
steps = 10
crit = torch.nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def step():
    if train:
        loss = crit(model(*inputs), target)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return
    with torch.no_grad():
        model(*inputs)


if not train:
    model.eval()
for _ in range(3):
    step()
acc.clear()
t = time.process_time()
for _ in range(steps):
    step()
total = (time.process_time() - t) / steps
tot = collections.defaultdict(float)
for k, v in sorted(acc.items()):
    print("%-28s %7.2f ms" % (k, v * 1e3 / steps))
    tot[k.rsplit(" ", 1)[1]] += v * 1e3 / steps
print("step %.2f ms; channels-last convs: %s" % (total * 1e3, "  ".join(
    "%s %.2f" % kv for kv in tot.items())))
