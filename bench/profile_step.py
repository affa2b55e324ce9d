"""Profile one workload's train or infer step (cProfile), or time it.

    OPENBLAS_NUM_THREADS=1 python -m ember run bench/profile_step.py resnet train [steps] [--time]
"""
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "shared", "bench"))
import torch  # noqa: E402
import bench  # noqa: E402

torch.set_num_threads(1)
if "--notune" not in sys.argv:
    from ember import _allocator
    _allocator.tune()
name = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else "train"
steps = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].isdigit() else 10
import workload_steps  # noqa: E402
model, train, infer = workload_steps.build(bench, name)
fn = train if mode == "train" else infer
if mode != "train":
    model.eval()
for _ in range(3):
    fn()
if "--time" in sys.argv:
    ts = []
    for _ in range(steps):
        c = time.process_time()
        fn()
        ts.append(time.process_time() - c)
    ts.sort()
    print("%s %s cpu ms: median %.2f min %.2f" % (name, mode, ts[len(ts) // 2] * 1e3, ts[0] * 1e3))
else:
    pr = cProfile.Profile(time.process_time)
    pr.enable()
    for _ in range(steps):
        fn()
    pr.disable()
    st = pstats.Stats(pr)
    st.sort_stats("tottime")
    if "--ops" not in sys.argv:
        st.print_stats(35)
if "--ops" in sys.argv:
    # cumulative time per op forward/backward (whole run), largest first
    rows = []
    for (fn, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
        if name in ("forward", "backward") or name.startswith("_conv") or name in (
                "step", "zero_grad", "_run_backward", "item", "_update"):
            rows.append((ct, fn.split("/work/main/")[-1], line, name, nc))
    rows.sort(reverse=True)
    for ct, fn, line, name, nc in rows[:40]:
        print("%8.2f ms/step  %6d calls  %s:%d %s" % (ct * 1e3 / steps, nc, fn, line, name))
