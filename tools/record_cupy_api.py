"""Record which NumPy-style names CuPy provides, for the simulated CUDA
device the tests use (tests/simcuda.py) when no GPU is present.

Run it where CuPy is installed (a GPU is not needed):
    python tools/record_cupy_api.py > tests/data/cupy_api.json
"""
import json
import sys

import cupy


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def main():
    namespaces = {}
    for path in ("", "linalg", "fft", "random", "lib.stride_tricks", "testing"):
        obj = cupy
        for part in filter(None, path.split(".")):
            obj = getattr(obj, part)
        namespaces[path] = public(obj)
    ufunc_methods = {}
    for name in namespaces[""]:
        f = getattr(cupy, name)
        if isinstance(f, cupy.ufunc):
            ufunc_methods[name] = [m for m in ("reduce", "accumulate", "reduceat", "outer", "at")
                                   if hasattr(f, m)]
    json.dump({"cupy_version": cupy.__version__, "namespaces": namespaces,
               "ndarray": [n for n in dir(cupy.ndarray) if not n.startswith("_")],
               "ufuncs": ufunc_methods}, sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
