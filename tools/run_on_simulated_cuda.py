"""Run a PyTorch script under Ember on the simulated CUDA device (tests/simcuda.py).

    python tools/run_on_simulated_cuda.py [--default-cuda] SCRIPT [ARGS...]

With --default-cuda, factories (and torch.from_numpy, which in PyTorch always
gives CPU tensors) put tensors on the GPU, so a script written for the CPU
exercises the GPU paths. An error it reports is one a real GPU would give
(host data leaking into device code, a function CuPy lacks), or one PyTorch
gives too (numpy() of a cuda tensor). The conformance suite can run through it:

    python ../shared/conformance/run.py check --candidate "python tools/run_on_simulated_cuda.py --default-cuda"
"""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = sys.argv[1:]
    default_cuda = args[:1] == ["--default-cuda"]
    if default_cuda:
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    sys.path.insert(0, os.path.join(HERE, "..", "tests"))
    sys.path.insert(0, os.path.join(HERE, ".."))
    import simcuda
    import ember
    from ember import _shim
    _shim.install()
    script = args[0]
    sys.argv = args
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    with simcuda.installed():
        if default_cuda:
            ember.set_default_device("cuda")
            from_numpy = ember.from_numpy
            ember.from_numpy = lambda a: from_numpy(a).to("cuda")
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
