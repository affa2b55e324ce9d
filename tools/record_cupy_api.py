"""Record which NumPy-style names CuPy provides, for the simulated CUDA
device the tests use (tests/simcuda.py) when no GPU is present.

Run it where CuPy is installed (a GPU is not needed):
    python tools/record_cupy_api.py > tests/data/cupy_api.json
"""
import inspect
import json
import re
import sys

import cupy


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def _params(f):
    """A call signature as lambda parameters ("a, b=None, *, c=None, **kw"),
    from inspect or, for Cython methods, from the docstring's first line;
    None where neither tells."""
    try:
        sig = inspect.signature(f)
        names = []
        star = False
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind is p.VAR_POSITIONAL:
                names.append("*" + p.name)
                star = True
            elif p.kind is p.VAR_KEYWORD:
                names.append("**" + p.name)
            elif p.kind is p.KEYWORD_ONLY and not star:
                names.append("*")
                star = True
                names.append(p.name + "=None")
            else:
                names.append(p.name if p.default is p.empty else p.name + "=None")
        return ", ".join(names)
    except (TypeError, ValueError):
        pass
    doc = (getattr(f, "__doc__", None) or "").strip().splitlines()
    m = re.match(r"[\w.]+\((.*)\)", doc[0]) if doc else None
    if not m:
        return None
    names = []
    for part in m.group(1).split(","):
        part = part.strip()
        if not part or part == "self":
            continue
        if part.startswith("*"):
            names.append(part)
            continue
        name, _, default = part.partition("=")
        name = name.split()[-1]
        names.append(name if not _ else name + "=None")
    return ", ".join(names)


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
    signatures = {}
    for path, names in namespaces.items():
        obj = cupy
        for part in filter(None, path.split(".")):
            obj = getattr(obj, part)
        for name in names:
            f = getattr(obj, name)
            if callable(f) and not isinstance(f, (type, cupy.ufunc)):
                params = _params(f)
                if params is not None:
                    signatures[(path + "." if path else "") + name] = params
    for name in dir(cupy.ndarray):
        f = getattr(cupy.ndarray, name)
        if not name.startswith("_") and callable(f):
            params = _params(f)
            if params is not None:
                signatures["ndarray." + name] = params
    json.dump({"cupy_version": cupy.__version__, "namespaces": namespaces, "signatures": signatures,
               "ndarray": [n for n in dir(cupy.ndarray) if not n.startswith("_")],
               "ufuncs": ufunc_methods}, sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
