"""Time one LSTM direction (forward and backward) on the bench shapes.

    OPENBLAS_NUM_THREADS=1 python bench/seq/lstm_parts.py [input_size] [other_rnn_ops.py]

With a second argument, the same is timed for another copy of rnn_ops.py
(say the previous version) in the same process, for a fair comparison.
"""
import importlib.util
import sys
import time

import numpy as np

from ember.nn._functional import rnn_ops
import os
if os.environ.get("TUNE", "1") == "1":
    from ember import _allocator
    _allocator.tune()

T, B, H = 100, 32, 256
I = int(sys.argv[1]) if len(sys.argv) > 1 else 512
rng = np.random.default_rng(0)
X = rng.standard_normal((T * B, I)).astype(np.float32)
w_ih = (rng.standard_normal((4 * H, I)) * 0.05).astype(np.float32)
w_hh = (rng.standard_normal((4 * H, H)) * 0.05).astype(np.float32)
b_ih = (rng.standard_normal(4 * H) * 0.05).astype(np.float32)
b_hh = (rng.standard_normal(4 * H) * 0.05).astype(np.float32)
h0 = np.zeros((B, H), np.float32)
c0 = np.zeros((B, H), np.float32)
dOUT = rng.standard_normal((T * B, H)).astype(np.float32)
dhn = np.zeros((B, H), np.float32)


def timeit(name, f, reps=5):
    f()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(reps):
            f()
        best = min(best, (time.process_time() - c) / reps)
    print("%-36s %8.2f ms" % (name, best * 1e3))
    return best


def run(R, tag):
    sched = R.schedule(None, T, B)

    def fwd():
        OUT = np.empty((T * B, H), np.float32)
        return R._dir_forward("LSTM", X, h0, c0, w_ih, w_hh, b_ih, b_hh, None, sched, False, OUT)

    timeit(tag + " forward", fwd)
    st = fwd()[2]
    timeit(tag + " backward", lambda: R._dir_backward("LSTM", st, sched, dOUT, dhn, dhn, True,
                                                      True))


mods = [(rnn_ops, "new")]
if len(sys.argv) > 2:
    spec = importlib.util.spec_from_file_location("ember.nn._functional._rnn_other", sys.argv[2])
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    mods.append((other, "other"))
for _ in range(2):
    for m, tag in mods:
        run(m, tag)
