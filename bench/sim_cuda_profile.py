"""What each benchmark step would cost a GPU, measured without one.

Runs the shared benchmark's workloads on the simulated CUDA device
(tests/simcuda.py) and counts, per training and inference step, the array
calls that would each launch a kernel and the reads that would make the host
wait for the device. Launch-bound small models and sync points are what
separate GPU frameworks on these workloads, so the counts guide GPU work
before a GPU run can time it.

    python bench/sim_cuda_profile.py [--bench ../shared/bench] [--workload mlp,cnn] [--sites]
"""
import argparse
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "..", "shared", "bench"))
    ap.add_argument("--workload", default="all")
    ap.add_argument("--sites", action="store_true", help="list the lines that sync most")
    args = ap.parse_args()

    from ember import _shim
    _shim.install()   # the benchmark imports torch
    import simcuda
    sys.path.insert(0, os.path.abspath(args.bench))
    import bench

    names = list(bench._workloads()) if args.workload == "all" else args.workload.split(",")
    print("%-12s %16s %16s" % ("workload", "train launches/syncs", "infer launches/syncs"))
    with simcuda.installed():
        for name in names:
            row = []
            for mode in ("train", "infer"):
                counts = _count_step(bench, name, mode, simcuda, args.sites)
                row.append("%7d / %-5d" % (counts["launches"], counts["syncs"]))
            print("%-12s %16s %16s" % (name, row[0], row[1]))


def _count_step(bench, name, mode, simcuda, sites):
    """Counts for one step of `mode`, after a warm-up step."""
    import workload_steps
    model, train_step, infer_step = workload_steps.build(bench, name, "cuda")
    step = train_step if mode == "train" else infer_step
    model.train(mode == "train")
    step()
    before = dict(simcuda.stats)
    simcuda.sync_sites = collections.Counter() if sites else None
    step()
    counts = {k: simcuda.stats[k] - before[k] for k in before}
    if sites:
        for site, n in simcuda.sync_sites.most_common(8):
            print("    %-8s %5d  %s" % (mode, n, site))
        simcuda.sync_sites = None
    return counts


if __name__ == "__main__":
    main()
