"""Per-op overhead on tiny tensors: Ember against PyTorch, in one run.

    python bench/overhead.py [--repeat N]

Times `a + b`, `a @ b` and `(a * b).sum().backward()` on 4x4 float32
tensors (the Python and dispatch cost dominates at this size) and prints
microseconds per call and the ratio Ember / PyTorch.
"""
import argparse
import timeit

import numpy as np


def cases(lib):
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((4, 4)).astype(np.float32))
    b = lib.tensor(rng.standard_normal((4, 4)).astype(np.float32))
    ag = a.clone().requires_grad_(True)
    bg = b.clone().requires_grad_(True)

    def backward():
        (ag * bg).sum().backward()

    return {"a + b": lambda: a + b, "a @ b": lambda: a @ b, "(a * b).sum().backward()": backward}


def best_time(fn, repeat, number):
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--number", type=int, default=2000)
    args = ap.parse_args()
    import torch
    import ember
    torch.set_num_threads(1)
    theirs, ours = cases(torch), cases(ember)
    print("%-28s %12s %12s %8s" % ("op (4x4 float32)", "PyTorch us", "Ember us", "ratio"))
    for name in theirs:
        t = best_time(theirs[name], args.repeat, args.number)
        e = best_time(ours[name], args.repeat, args.number)
        print("%-28s %12.2f %12.2f %8.2f" % (name, t, e, e / t))


if __name__ == "__main__":
    main()
