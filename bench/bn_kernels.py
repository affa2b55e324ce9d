"""batch_norm (training) forward and backward on resnet/cnn shapes (CPU ms)."""
import sys
import time
import numpy as np
sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])
from ember import _allocator  # noqa: E402
_allocator.tune()
import ember  # noqa: E402
import ember.nn.functional as F  # noqa: E402


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
tot = [0, 0, 0]
for shape, cnt in [((32, 32, 32, 32), 4), ((32, 64, 16, 16), 3), ((32, 128, 8, 8), 4)]:
    x = ember.tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=True)
    w = ember.ones(shape[1], requires_grad=True)
    b = ember.zeros(shape[1], requires_grad=True)
    rm, rv = ember.zeros(shape[1]), ember.ones(shape[1])
    g = ember.tensor(rng.standard_normal(shape, dtype=np.float32))

    def fwd():
        return F.batch_norm(x, rm, rv, w, b, training=True)

    def both():
        y = F.batch_norm(x, rm, rv, w, b, training=True)
        y.backward(g)

    def ev():
        with ember.no_grad():
            return F.batch_norm(x, rm, rv, w, b, training=False)
    a, c, e = t(fwd), t(both), t(ev)
    print(shape, "fwd %.3f  fwd+bwd %.3f  eval %.3f" % (a, c, e))
    tot[0] += a * cnt
    tot[1] += c * cnt
    tot[2] += e * cnt
print("resnet-weighted fwd %.2f fwd+bwd %.2f eval %.2f" % tuple(tot))
