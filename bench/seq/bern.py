"""Time Generator.bernoulli_scalar (dropout's mask) against another copy of _random.py.

    python bench/seq/bern.py [other_random.py]
"""
import importlib.util
import sys
import time

import numpy as np

from ember import _random as R

n = 4 * 1024 * 1024


def timeit(name, f, reps=5):
    f()
    best = 1e9
    for _ in range(3):
        c = time.process_time()
        for _ in range(reps):
            f()
        best = min(best, (time.process_time() - c) / reps)
    print("%-40s %8.2f ms  %.2f ns/elem" % (name, best * 1e3, best / n * 1e9))


mods = [(R, "new")]
if len(sys.argv) > 1:
    spec = importlib.util.spec_from_file_location("other_random", sys.argv[1])
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    mods.append((other, "other"))
out = np.empty(n, np.float32)
for m, tag in mods:
    g = m.Generator()
    timeit(tag + " bernoulli_scalar(0.9)", lambda: g.bernoulli_scalar(n, 0.9, "float32"))
    timeit(tag + " bernoulli_scalar(0.5)", lambda: g.bernoulli_scalar(n, 0.5, "float32"))
    if tag == "new":
        timeit(tag + " bernoulli_scalar(0.9, out=)", lambda: g.bernoulli_scalar(n, 0.9, "float32",
                                                                                 out=out))
        sc = np.float32(1) / np.float32(0.9)
        timeit(tag + " ... scale=", lambda: g.bernoulli_scalar(n, 0.9, "float32", out=out,
                                                               scale=sc))
mt = np.random.MT19937(0)
timeit("random_raw(2n) alone", lambda: mt.random_raw(2 * n))
