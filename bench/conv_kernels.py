"""CPU ms of the conv kernels (forward, input grad, weight grad) for the
convolutions of the resnet and cnn workloads.

    OPENBLAS_NUM_THREADS=1 python bench/conv_kernels.py [chunk_kib ...]
"""
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])
from ember.nn._functional import conv_kernels as C  # noqa: E402
from ember import _allocator  # noqa: E402
_allocator.tune()

# (N, C, O, H, k, stride, pad, count in resnet/cnn)
SHAPES = [
    (32, 3, 32, 32, 3, 1, 1, 1), (32, 32, 32, 32, 3, 1, 1, 2), (32, 32, 64, 32, 3, 2, 1, 1),
    (32, 64, 64, 16, 3, 1, 1, 1), (32, 32, 64, 32, 1, 2, 0, 1), (32, 64, 128, 16, 3, 2, 1, 1),
    (32, 128, 128, 8, 3, 1, 1, 3), (32, 64, 128, 16, 1, 2, 0, 1),
    (64, 3, 32, 32, 3, 1, 1, 1), (64, 32, 64, 16, 3, 1, 1, 1),
]


def t(fn, n=5):
    fn()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best * 1e3


def run():
    rng = np.random.default_rng(0)
    tot = [0.0, 0.0, 0.0]
    for (N, Ci, O, H, k, s, p, cnt) in SHAPES:
        x = rng.standard_normal((N, Ci, H, H), dtype=np.float32)
        w = rng.standard_normal((O, Ci, k, k), dtype=np.float32)
        st, dl, pads = (s, s), (1, 1), ((p, p), (p, p))
        y = C._conv_forward(x, w, 1, st, dl, pads)
        g = rng.standard_normal(y.shape, dtype=np.float32)
        a = t(lambda: C._conv_forward(x, w, 1, st, dl, pads))
        b = t(lambda: C._conv_input_grad(g, w, (H, H), 1, st, dl, pads))
        c = t(lambda: C._conv_weight_grad(x, g, (k, k), 1, st, dl, pads))
        fl = 2 * N * O * Ci * k * k * y.shape[2] * y.shape[3] / 1e9
        print("N%-3d C%-4d O%-4d H%-3d k%d s%d x%d  fwd %6.2f  dx %6.2f  dw %6.2f ms   (%.0f %.0f %.0f GFLOP/s)"
              % (N, Ci, O, H, k, s, cnt, a, b, c, fl / a * 1e3, fl / b * 1e3, fl / c * 1e3))
        for i, v in enumerate((a, b, c)):
            tot[i] += v * cnt
    print("weighted total fwd %.2f dx %.2f dw %.2f sum %.2f" % (tot[0], tot[1], tot[2], sum(tot)))


for kib in (sys.argv[1:] or [str(C._CHUNK_BYTES >> 10)]):
    C._CHUNK_BYTES = int(kib) << 10
    print("# chunk %s KiB" % kib)
    run()
