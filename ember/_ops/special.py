"""erf and erfinv on arrays (NumPy has neither).

SciPy's vectorised kernels are used when SciPy is installed (loaded on first
use, so import time does not pay for it); otherwise float64 values go through
the C library's erf one by one via `math.erf`, and erfinv refines an initial
guess by Newton steps on erf. Device (CuPy) arrays use the whole-array float64
formulations of ember._ops.pointwise, which run on any array library.
"""
import math

import numpy as np

_scipy_special = []


def _scipy():
    if not _scipy_special:
        try:
            import scipy.special as sp
        except ImportError:
            sp = None
        _scipy_special.append(sp)
    return _scipy_special[0]


_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def _on_device(x):
    return hasattr(x, "__cuda_array_interface__")


def erf(x):
    if _on_device(x):
        from .pointwise import _erf
        return _erf(x if x.dtype.kind == "f" else x.astype(np.float64))
    sp = _scipy()
    if sp is not None:
        return sp.erf(x)
    x = np.asarray(x)
    return _erf_scalar(x.astype(np.float64)).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def erfinv(y):
    if _on_device(y):
        from .pointwise import _erfinv
        return _erfinv(y if y.dtype.kind == "f" else y.astype(np.float64))
    sp = _scipy()
    if sp is not None:
        return sp.erfinv(y)
    y = np.asarray(y)
    y64 = y.astype(np.float64)
    # initial guess (a smooth logarithmic approximation), then Newton on erf(x) - y
    w = -np.log1p(-y64 * y64)
    a = 0.147
    t = 2 / (math.pi * a) + w / 2
    x = np.sign(y64) * np.sqrt(np.sqrt(t * t - w / a) - t)
    for _ in range(4):
        err = erf(x) - y64
        x = x - err / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    x = np.where(y64 == 1, np.inf, np.where(y64 == -1, -np.inf, x))
    x = np.where(np.abs(y64) > 1, np.nan, x)
    return x.astype(y.dtype if y.dtype.kind == "f" else np.float64)
