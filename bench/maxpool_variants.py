"""2x2/2 max pooling with winner offsets: variants (CPU ms)."""
import sys
import time
import numpy as np
sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])
from ember import _allocator  # noqa: E402
_allocator.tune()
from ember.nn._functional import pooling as P  # noqa: E402


def t(fn, n=20):
    fn()
    best = 1e9
    for _ in range(5):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best * 1e3


def slices(x, k=2):
    N, C, H, W = x.shape
    v = x.reshape(N, C, H // k, k, W // k, k)
    return [v[:, :, :, a, :, b] for a in range(k) for b in range(k)]


def fwd_strided(x):
    s = slices(x)
    best = s[0].copy()
    win = np.zeros(best.shape, np.uint8)
    for j in range(1, 4):
        gt = np.greater(s[j], best)
        np.maximum(best, s[j], out=best)
        np.copyto(win, j, where=gt)
    return best, win


def fwd_transposed(x):
    N, C, H, W = x.shape
    tt = np.ascontiguousarray(x.reshape(N, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5))
    tt = tt.reshape(N, C, H // 2, W // 2, 4)
    return tt.max(-1), tt.argmax(-1)


def fwd_rows(x):
    """max along W pairs first (contiguous pairs), then along H rows."""
    N, C, H, W = x.shape
    v = x.reshape(N, C, H, W // 2, 2)
    a, b = v[..., 0], v[..., 1]
    wx = np.greater(b, a)                      # winner along w
    m = np.maximum(a, b)                        # (N, C, H, W/2)
    m2 = m.reshape(N, C, H // 2, 2, W // 2)
    top, bot = m2[:, :, :, 0], m2[:, :, :, 1]
    wy = np.greater(bot, top)
    out = np.maximum(top, bot)
    return out, wy, wx


def bwd_strided(g, win, shape):
    N, C, H, W = shape
    gx = np.empty(shape, g.dtype)
    v = gx.reshape(N, C, H // 2, 2, W // 2, 2)
    for j in range(4):
        np.multiply(g, win == j, out=v[:, :, :, j // 2, :, j % 2])
    return gx


rng = np.random.default_rng(0)
for shape in [(64, 32, 32, 32), (64, 64, 16, 16)]:
    x = rng.standard_normal(shape, dtype=np.float32)
    o, i = P._max_pool_arrays(x, (2, 2), (2, 2), (0, 0), (1, 1), (shape[2] // 2, shape[3] // 2), True)
    b, w = fwd_strided(x)
    assert np.array_equal(o, b)
    g = rng.standard_normal(o.shape, dtype=np.float32)
    print(shape, "current(idx) %.2f  current(noidx) %.2f  strided %.2f  transposed %.2f  rows %.2f  | bwd strided %.2f" % (
        t(lambda: P._max_pool_arrays(x, (2, 2), (2, 2), (0, 0), (1, 1), o.shape[2:], True)),
        t(lambda: P._max_pool_arrays(x, (2, 2), (2, 2), (0, 0), (1, 1), o.shape[2:], False)),
        t(lambda: fwd_strided(x)), t(lambda: fwd_transposed(x)), t(lambda: fwd_rows(x)),
        t(lambda: bwd_strided(g, w, shape))))
