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
    if type(a) is np.ndarray or isinstance(a, np.ndarray):
        return _np_as_strided(a, shape, strides)
    return cupy().lib.stride_tricks.as_strided(a, shape, strides)


# The CUDA atomics behind CuPy's ufunc.at, by ufunc: the dtypes each takes.
_ATOMIC = {"add": ("int32", "uint32", "uint64", "float16", "float32", "float64"),
           "maximum": ("int32", "uint32", "uint64", "float32", "float64"),
           "minimum": ("int32", "uint32", "uint64", "float32", "float64")}
_SIGN64 = np.uint64(1 << 63)


def ufunc_at(ufunc, out, index, values):
    """`ufunc.at(out, index, values)`: every repeated position takes every
    value (ufunc: add, multiply, maximum or minimum), on either device.

    CuPy runs add/maximum/minimum with CUDA atomics, which exist for a few
    dtypes only. The others go through one that does: int64 sums wrap like
    uint64 sums; int64 order is uint64 order with the sign bit flipped;
    narrow types widen to int32/float32 and narrow back (exact: a sum wraps
    the same way, a max or min picks an existing value); complex sums add
    the real and imaginary parts. What is left (multiply) folds each run of
    equal positions on its own (_segmented_at)."""
    if is_host(out):
        ufunc.at(out, index, values)
        return
    kind, dt = ufunc.__name__, out.dtype
    values = cupy().asarray(values)
    atomic = _ATOMIC.get(kind)
    if atomic is None:
        _segmented_at(ufunc, out, index, values)
    elif dt.name in atomic:
        ufunc.at(out, index, values.astype(dt, copy=False))
    elif dt == np.int64 and kind == "add":
        ufunc.at(out.view(np.uint64), index, values.astype(np.int64).view(np.uint64))
    elif dt == np.int64:
        flipped = out.view(np.uint64) ^ _SIGN64
        ufunc.at(flipped, index, values.astype(np.int64).view(np.uint64) ^ _SIGN64)
        out[...] = (flipped ^ _SIGN64).view(np.int64)
    elif dt.kind == "c" and kind == "add":
        values = values.astype(dt, copy=False)
        ufunc_at(ufunc, out.real, index, values.real)
        ufunc_at(ufunc, out.imag, index, values.imag)
    elif dt.kind in "biuf":
        wide = out.astype(np.float32 if dt.kind == "f" else np.int32)
        ufunc.at(wide, index, values.astype(wide.dtype))
        out[...] = wide.astype(dt)
    else:
        _segmented_at(ufunc, out, index, values)


def _segmented_at(ufunc, out, index, values):
    """ufunc.at without atomics: sort the target positions, fold each run of
    equal positions with a log-step scan, write each run once."""
    xp = cupy()
    shape = out.shape
    # every update's coordinates: each dim's coordinate grid (a stride-0 view) indexed like out
    coords = [xp.broadcast_to(xp.arange(k).reshape((k,) + (1,) * (len(shape) - d - 1)), shape)[index]
              for d, k in enumerate(shape)]
    n = coords[0].size
    if n == 0:
        return
    pos = xp.ravel_multi_index(tuple(c.reshape(-1) for c in coords), shape)
    v = xp.broadcast_to(values.astype(out.dtype), coords[0].shape).reshape(-1)
    order = xp.argsort(pos)
    pos, v = pos[order], v[order]
    step = 1
    while step < n:  # afterwards v[i] holds the fold of its run up to i
        same = pos[step:] == pos[:-step]
        v[step:] = xp.where(same, ufunc(v[:-step], v[step:]), v[step:])
        step *= 2
    last = xp.ones(n, dtype=bool)
    last[:-1] = pos[1:] != pos[:-1]
    where = xp.unravel_index(pos[last], shape)
    out[where] = ufunc(out[where], v[last])


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
    """torch.set_default_device: where factories put tensors given no device."""
    dev = CPU if dev is None else as_device(dev)
    if dev.type == "cuda" and dev.index is None:
        dev = device("cuda", 0)
    _default.device = dev


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
