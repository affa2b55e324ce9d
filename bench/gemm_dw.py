"""Weight-gradient GEMM layouts: dw (O, CK) = G (O, K) . Cols (CK, K)^T, K = n*L (CPU ms)."""
import time
import numpy as np


def t(fn, n=10):
    fn()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best * 1e3


rng = np.random.default_rng(0)
for (O, CK, K) in [(32, 288, 1024), (32, 288, 4096), (64, 576, 1024), (64, 576, 4096), (128, 1152, 512),
                   (128, 1152, 2048), (64, 288, 4096)]:
    G = rng.standard_normal((O, K), dtype=np.float32)
    GT = np.ascontiguousarray(G.T)
    Cl = rng.standard_normal((CK, K), dtype=np.float32)
    ClT = np.ascontiguousarray(Cl.T)
    fl = 2 * O * CK * K / 1e9
    r = {
        "G@Cl.T (NT)": lambda: G @ Cl.T,
        "Cl@G.T (NT) ->dwT": lambda: Cl @ G.T,
        "G@ClT (NN)": lambda: G @ ClT,
        "ClT.T@GT (TN)->dwT": lambda: ClT.T @ GT,
        "GT.T@ClT (TN)": lambda: GT.T @ ClT,
        "Cl@GT (NN)->dwT": lambda: Cl @ GT,
    }
    print("O=%d CK=%d K=%d" % (O, CK, K))
    for k, f in r.items():
        v = t(f)
        print("   %-22s %6.3f ms %6.1f GFLOP/s" % (k, v, fl / v * 1e3))
