"""Channels-last conv GEMMs under the current OpenBLAS kernels (CPU ms per
image-chunk of R rows): fwd cols (R, KC) @ W (KC, O); dw cols^T @ g (R, O)
and its transpose; dx g (R, O) @ W^T (O, KC)."""
import time
import numpy as np


def t(fn, n=20):
    fn()
    best = 1e9
    for _ in range(5):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best * 1e3


rng = np.random.default_rng(0)
for (R, KC, O) in [(1024, 288, 32), (2048, 288, 32), (4096, 288, 32), (512, 576, 64), (1024, 576, 64),
                   (2048, 576, 64), (192, 1152, 128), (512, 1152, 128), (1024, 1152, 128)]:
    cols = rng.standard_normal((R, KC), dtype=np.float32)
    W = rng.standard_normal((KC, O), dtype=np.float32)
    WT = np.ascontiguousarray(W.T)
    g = rng.standard_normal((R, O), dtype=np.float32)
    gT = np.ascontiguousarray(g.T)
    fl = 2 * R * KC * O / 1e9
    r = {
        "fwd cols@W": lambda: cols @ W,
        "fwd cols@WT.T": lambda: cols @ WT.T,
        "fwd (WT@cols.T)": lambda: WT @ cols.T,
        "dw cols.T@g": lambda: cols.T @ g,
        "dw g.T@cols": lambda: g.T @ cols,
        "dw gT@cols": lambda: gT @ cols,
        "dx g@WT": lambda: g @ WT,
        "dx g@W.T": lambda: g @ W.T,
    }
    print("R=%d KC=%d O=%d  %.1f MFLOP" % (R, KC, O, fl * 1e3))
    print("   " + "  ".join("%s %.0f" % (k, fl / t(f) * 1e3) for k, f in r.items()))
