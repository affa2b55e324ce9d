"""GEMM layouts for conv-as-im2col shapes (CPU ms per call, 1 thread)."""
import time
import numpy as np


def t(fn, n=20):
    fn()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best * 1e3


rng = np.random.default_rng(0)
for (O, CK, NL) in [(32, 27, 32768), (32, 288, 32768), (64, 288, 8192), (64, 576, 8192),
                    (128, 576, 2048), (128, 1152, 2048), (64, 288, 16384)]:
    w = rng.standard_normal((O, CK), dtype=np.float32)
    cols = rng.standard_normal((CK, NL), dtype=np.float32)
    colsT = np.ascontiguousarray(cols.T)
    g = rng.standard_normal((O, NL), dtype=np.float32)
    gT = np.ascontiguousarray(g.T)
    fl = 2 * O * CK * NL / 1e9
    r = {}
    r["w@cols"] = t(lambda: w @ cols)
    r["colsT@wT"] = t(lambda: colsT @ w.T)
    r["(wcols)chunk"] = t(lambda: [w @ cols[:, i:i + 4096] for i in range(0, NL, 4096)])
    r["g@colsT(dw)"] = t(lambda: g @ cols.T)
    r["gT.T@colsT(dw)"] = t(lambda: gT.T @ colsT)
    r["wT@g(dcols)"] = t(lambda: w.T @ g)
    r["gT@w(dcolsT)"] = t(lambda: gT @ w)
    print("O=%d CK=%d NL=%d  %.3f GFLOP" % (O, CK, NL, fl))
    for k, v in r.items():
        print("   %-16s %7.2f ms  %6.1f GFLOP/s" % (k, v, fl / v * 1e3))
