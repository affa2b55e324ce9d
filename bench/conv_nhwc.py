"""Forward conv: NCHW per-image im2col vs a channels-last im2col (CPU ms)."""
import sys
import time
import numpy as np
sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])
from ember.nn._functional import conv_kernels as C  # noqa: E402
from ember import _allocator  # noqa: E402
_allocator.tune()


def t(fn, n=5):
    fn()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best * 1e3


def f2(x, w, chunk=1 << 20):
    N, Ci, H, W_ = x.shape
    O = w.shape[0]
    xt = np.zeros((N, H + 2, W_ + 2, Ci), x.dtype)
    xt[:, 1:-1, 1:-1, :] = x.transpose(0, 2, 3, 1)
    wt = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(-1, O)   # (kh kw C, O)
    res = np.empty((N, O, H * W_), x.dtype)
    s = xt.strides
    step = max(1, chunk // (Ci * 9 * H * W_ * 4))
    for i in range(0, N, step):
        j = min(N, i + step)
        win = np.lib.stride_tricks.as_strided(xt[i:j], (j - i, H, W_, 3, 3, Ci),
                                              (s[0], s[1], s[2], s[1], s[2], s[3]))
        cols = np.ascontiguousarray(win).reshape((j - i) * H * W_, -1)
        y = cols @ wt
        res[i:j] = y.reshape(j - i, H * W_, O).transpose(0, 2, 1)
    return res.reshape(N, O, H, W_)


def f3(x, w, chunk=1 << 20):
    """NCHW im2col, GEMM on the transposed view (colsT view @ WT), transpose out."""
    N, Ci, H, W_ = x.shape
    O = w.shape[0]
    wt = np.ascontiguousarray(w.reshape(O, -1).T)
    res = np.empty((N, O, H * W_), x.dtype)
    xpad = C._padded(x, ((1, 1), (1, 1)))
    step = max(1, chunk // (Ci * 9 * H * W_ * 4))
    for i in range(0, N, step):
        j = min(N, i + step)
        cols = C._chunk_cols(xpad[i:j], (3, 3), (1, 1), (1, 1), (H, W_))
        y = np.matmul(cols.transpose(0, 2, 1), wt)
        res[i:j] = y.transpose(0, 2, 1)
    return res.reshape(N, O, H, W_)


rng = np.random.default_rng(0)
for (N, Ci, O, H) in [(32, 32, 32, 32), (32, 64, 32, 16), (64, 64, 32, 16), (32, 64, 64, 16), (32, 128, 128, 8), (32, 3, 32, 32)]:
    x = rng.standard_normal((N, Ci, H, H), dtype=np.float32)
    w = rng.standard_normal((O, Ci, 3, 3), dtype=np.float32)
    pads = ((1, 1), (1, 1))
    ref = C._conv_forward(x, w, 1, (1, 1), (1, 1), pads)
    assert np.allclose(f2(x, w), ref, rtol=1e-3, atol=1e-3)
    assert np.allclose(f3(x, w), ref, rtol=1e-3, atol=1e-3)
    print("N%d C%d O%d H%d  current %.2f  nhwc %.2f  nhwc4M %.2f  viewT %.2f" % (
        N, Ci, O, H, t(lambda: C._conv_forward(x, w, 1, (1, 1), (1, 1), pads)), t(lambda: f2(x, w)),
        t(lambda: f2(x, w, 4 << 20)), t(lambda: f3(x, w))))
