"""Array backends: NumPy for 'cpu' tensors, CuPy for 'cuda' tensors.

Ops are written once against NumPy's API; CuPy arrays accept the same calls
(through __array_ufunc__/__array_function__). Where an op must name the
array library itself (to create an array, or a strided view), it asks here:
`xp(a)` is the library holding array `a`.

The default device is where factory functions put tensors when no device is
given: the CPU unless `set_default_device` says otherwise, and, while the
autograd engine runs a backward formula, the device of that node's gradients
(so that formulas that build helper tensors build them beside their data).
"""
import contextlib
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from ._device import CPU, as_device, device


def cupy():
    """The CuPy module (ember.cuda decides whether it is usable)."""
    from . import cuda
    cp = cuda._cupy()
    if cp is None:
        raise AssertionError("Torch not compiled with CUDA enabled")
    return cp


def is_host(a):
    """Whether array `a` is in host memory (a NumPy array, or a subclass such as memmap)."""
    return type(a) is np.ndarray or isinstance(a, np.ndarray)


def xp(a):
    """The array library of array `a`: numpy or cupy."""
    return np if is_host(a) else cupy()


def strided_view(a, shape, strides):
    """A writable view of `a` with the given shape and byte strides."""
    if is_host(a):
        return _np_as_strided(a, shape, strides)
    return cupy().lib.stride_tricks.as_strided(a, shape, strides)


def device_of(array):
    if is_host(array):
        return CPU
    return device("cuda", array.device.id)


def to_device_array(a, dev):
    """Array `a` (host or device) as an array on device `dev` (no autograd)."""
    if dev.type == "cpu":
        return a if is_host(a) else a.get()
    if dev.type == "cuda":
        cp = cupy()
        with cp.cuda.Device(dev.index or 0):
            return cp.asarray(a)
    raise RuntimeError("unsupported device %s" % dev)


# ------------------------------------------------------------ default device
class _Default(threading.local):
    device = CPU


_default = _Default()


def get_default_device():
    return _default.device


def set_default_device(dev):
    _default.device = CPU if dev is None else as_device(dev)


@contextlib.contextmanager
def default_device(dev):
    saved = _default.device
    _default.device = dev
    try:
        yield
    finally:
        _default.device = saved


# ------------------------------------------------------------ moving tensors
def move_to(t, dev):
    """A copy of tensor t on device dev (autograd-aware)."""
    from ._dispatch import apply

    if dev.type == "cpu":
        return apply(ToCPU, t)
    if dev.type == "cuda":
        from . import cuda
        if not cuda.is_available():
            raise AssertionError("Torch not compiled with CUDA enabled")
        return apply(ToCUDA, t, index=dev.index or 0)
    raise RuntimeError("unsupported device %s" % dev)


def _ops():
    from ._dispatch import Op

    class ToCPU(Op):
        dtype_rule = "keep"

        def forward(ctx, x):
            ctx.params["source"] = device_of(x)
            return x.copy() if is_host(x) else x.get()

        def backward(ctx, g):
            return g.to(ctx.params["source"])

    class ToCUDA(Op):
        dtype_rule = "keep"

        def forward(ctx, x, index=0):
            ctx.params["source"] = device_of(x)
            return to_device_array(x, device("cuda", index))

        def backward(ctx, g):
            return g.to(ctx.params["source"])

    return ToCPU, ToCUDA


ToCPU, ToCUDA = _ops()
