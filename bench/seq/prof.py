"""Profile one workload's train/infer step in-process (run under `python -m ember run`).

    OPENBLAS_NUM_THREADS=1 python -m ember run bench/seq/prof.py lstm train [steps] [sort]
"""
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "shared", "bench"))
import bench  # noqa: E402
import torch  # noqa: E402


def main():
    name = sys.argv[1]
    what = sys.argv[2] if len(sys.argv) > 2 else "train"
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    sort = sys.argv[4] if len(sys.argv) > 4 else "tottime"
    torch.set_num_threads(1)
    import torch.nn as nn
    import torch.optim as optim
    factory, batch, in_specs, tgt_spec = bench._workloads()[name]
    torch.manual_seed(0)
    model = factory()
    inputs = [bench._make(s, "cpu") for s in in_specs]
    target = bench._make(tgt_spec, "cpu")
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        out = model(*inputs)
        if isinstance(out, tuple):
            out = out[0]
        if out.dim() > 2:
            loss = criterion(out.reshape(-1, out.shape[-1]), target.reshape(-1))
        else:
            loss = criterion(out, target)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    def infer_step():
        with torch.no_grad():
            out = model(*inputs)
            if isinstance(out, tuple):
                out = out[0]
            return out.sum().item()

    fn = train_step if what == "train" else infer_step
    model.train() if what == "train" else model.eval()
    fn()
    fn()
    c0 = time.process_time()
    for _ in range(steps):
        fn()
    print("cpu ms/step %.1f" % ((time.process_time() - c0) / steps * 1e3))
    if sort == "none":
        return
    pr = cProfile.Profile(time.process_time)
    pr.enable()
    for _ in range(steps):
        fn()
    pr.disable()
    st = pstats.Stats(pr)
    st.sort_stats(sort).print_stats(35)


main()
