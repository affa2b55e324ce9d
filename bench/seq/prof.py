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
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import workload_steps
    model, train_step, infer_step = workload_steps.build(bench, name)
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
