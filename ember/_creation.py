"""Creating tensors: from data (tensor, as_tensor, from_numpy) and factories
(zeros, ones, full, empty, arange, linspace, logspace, eye and the _like forms)."""
import math

import numpy as np

from . import _dtype as D
from ._device import as_device
from ._ops._util import parse_shape
from ._tensor import Tensor


def _finish(array, dtype, requires_grad=False, device=None):
    """Wrap a fresh NumPy array as a tensor of `dtype` on `device`."""
    if array.dtype != dtype.np:
        array = array.astype(dtype.np)
    if dtype is D.bfloat16:
        array = D.round_bfloat16(array)
    t = Tensor._make(array, dtype)
    if device is not None:
        dev = as_device(device)
        if dev.type != "cpu":
            t = t.to(dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data):
    """The dtype torch.tensor infers from Python data (floats -> default dtype)."""
    if isinstance(data, np.ndarray):
        return D.from_numpy(data.dtype)
    if isinstance(data, np.generic):
        return D.from_numpy(data.dtype)
    return None


def _to_array(data):
    if isinstance(data, Tensor):
        return data._data if type(data._data) is np.ndarray else data._data.get(), data._dtype
    if isinstance(data, (str, bytes)):
        raise TypeError("new(): invalid data type '%s'" % type(data).__name__)
    known = _infer_dtype(data)
    if known is not None:
        return np.asarray(data), known
    if isinstance(data, (list, tuple)):
        _check_nested(data)
        flat_dtype = _python_dtype(data)
        arr = np.array(_plain(data), dtype=flat_dtype.np if flat_dtype is not None else None)
        if flat_dtype is None:
            flat_dtype = D.get_default_dtype()
        return arr, flat_dtype
    if isinstance(data, bool):
        return np.array(data), D.bool_
    if isinstance(data, int):
        return np.array(data, dtype=np.int64), D.int64
    if isinstance(data, float):
        return np.array(data), D.get_default_dtype()
    if isinstance(data, complex):
        return np.array(data), D.default_complex()
    if hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
        arr = np.asarray(data)
        return arr, D.from_numpy(arr.dtype)
    raise TypeError("new(): invalid data type '%s'" % type(data).__name__)


def _plain(data):
    """Nested sequences with tensors replaced by their values."""
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_plain(x) for x in data]
    return data


def _python_dtype(data):
    """Promote over the leaves: bool < int < float < complex; tensors count by dtype."""
    best = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, Tensor):
            d = x._dtype
        elif isinstance(x, bool):
            d = D.bool_
        elif isinstance(x, (int, np.integer)):
            d = D.int64 if isinstance(x, int) else D.from_numpy(np.asarray(x).dtype)
        elif isinstance(x, (float, np.floating)):
            d = D.get_default_dtype() if isinstance(x, float) else D.from_numpy(np.asarray(x).dtype)
        elif isinstance(x, complex):
            d = D.default_complex()
        elif isinstance(x, str):
            raise TypeError("new(): invalid data type 'str'")
        else:
            d = D.get_default_dtype()
        best = d if best is None else (d if d.category > best.category else
                                       best if best.category > d.category else D.promote_types(best, d))
    return best


def _check_nested(data, dim=0):
    """Ragged lists raise PyTorch's ValueError naming the dimension."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    first = data[0]
    if isinstance(first, (list, tuple)):
        n = len(first)
        for x in data:
            if not isinstance(x, (list, tuple)) or len(x) != n:
                got = len(x) if isinstance(x, (list, tuple)) else type(x).__name__
                raise ValueError("expected sequence of length %d at dim %d (got %s)" % (n, dim + 1, got))
            _check_nested(x, dim + 1)
    else:
        for x in data:
            if isinstance(x, (list, tuple)):
                raise ValueError("expected sequence of length %d at dim %d (got %d)" % (0, dim + 1, len(x)))


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    arr, inferred = _to_array(data)
    if dtype is None:
        dtype = inferred
    if isinstance(data, Tensor) or arr.base is not None or (isinstance(data, np.ndarray)):
        arr = np.array(arr, copy=True)
    if dtype.category < D.FLOAT and arr.dtype.kind == "f":
        arr = np.trunc(arr) if dtype is not D.bool_ else arr != 0
    if dtype is D.bool_ and arr.dtype != np.bool_:
        arr = arr != 0
    t = _finish(np.array(arr, order="C", copy=False) if arr.flags.c_contiguous else np.array(arr, order="C"),
                dtype, device=device)
    if requires_grad:
        if dtype.category < D.FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        out = data if dtype is None else data.to(dtype)
        return out if device is None else out.to(device)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype) and dtype is not D.bfloat16:
        try:
            return from_numpy(data) if device is None or as_device(device).type == "cpu" else \
                from_numpy(data).to(device)
        except (TypeError, ValueError):
            pass
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array):
    if not isinstance(array, np.ndarray):
        raise TypeError("expected np.ndarray (got %s)" % type(array).__name__)
    if any(s < 0 for s in array.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with "
                         "negative strides are not currently supported. (You can probably work around "
                         "this by making a copy of your array  with array.copy().) ")
    dt = D.from_numpy(array.dtype)
    if not array.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return Tensor._make(array, dt)


def _factory(shape_args, dtype, fill, device, requires_grad):
    shape = parse_shape(shape_args)
    dtype = dtype or D.get_default_dtype()
    if fill is None:
        arr = np.empty(shape, dtype.np)
    elif fill == 0:
        arr = np.zeros(shape, dtype.np)
    else:
        arr = np.full(shape, fill, dtype.np)
    return _finish(arr, dtype, requires_grad, device)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _factory(size, dtype, 0, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _factory(size, dtype, 1, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    # zero-filled rather than uninitialised: same cost with NumPy, and reproducible
    return _factory(size, dtype, 0, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if dtype is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        dtype = D.scalar_dtype(fill_value)
    return _factory((size,) if isinstance(size, int) else tuple(size), dtype, fill_value, device, requires_grad)


def scalar_tensor(value, *, dtype=None, device=None, requires_grad=False):
    dtype = dtype or (D.get_default_dtype() if not isinstance(value, complex) else D.default_complex())
    return _finish(np.array(value, dtype=dtype.np), dtype, requires_grad, device)


def _like(input, dtype, device, fill, requires_grad):
    dtype = dtype or input._dtype
    device = device if device is not None else input.device
    return _factory(tuple(input.shape), dtype, fill, device, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, device, 0, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, device, 1, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, device, 0, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dtype = dtype or input._dtype
    if dtype.category < D.FLOAT and isinstance(fill_value, float):
        fill_value = math.trunc(fill_value) if dtype is not D.bool_ else bool(fill_value)
    return _like(input, dtype, device, fill_value, requires_grad)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) or isinstance(v, bool)
                               for v in (start, end, step)) else D.get_default_dtype()
    n = max(0, math.ceil((end - start) / step))
    if dtype.category >= D.FLOAT:
        # PyTorch computes start + i * step in double, then casts
        arr = start + np.arange(n, dtype=np.float64) * step
    else:
        arr = start + np.arange(n, dtype=np.int64) * int(step) if isinstance(step, int) else \
            np.trunc(start + np.arange(n, dtype=np.float64) * step)
    return _finish(arr, dtype, requires_grad, device)


def range_(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.range (deprecated): like arange but the end is included."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or D.get_default_dtype()
    arr = start + np.arange(n, dtype=np.float64) * step
    return _finish(arr, dtype, requires_grad, device)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    start, end = _number(start), _number(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or D.get_default_dtype()
    if steps == 1:
        arr = np.array([start], dtype=np.float64)
    else:
        # PyTorch fills the first half from the start and the second half from the end
        step = (end - start) / (steps - 1)
        idx = np.arange(steps, dtype=np.float64)
        half = steps // 2
        compute = np.float32 if dtype in (D.float32, D.float16, D.bfloat16) else np.float64
        s, e, st = compute(start), compute(end), compute(step)
        i = idx.astype(compute)
        arr = np.where(idx < half, s + st * i, e - st * (compute(steps - 1) - i))
    if dtype.category < D.FLOAT:
        arr = np.trunc(arr)
    return _finish(arr, dtype, requires_grad, device)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    exps = linspace(start, end, steps, dtype=D.float64)._data
    return _finish(np.power(base, exps), dtype, requires_grad, device)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    return _finish(np.eye(n, n if m is None else m, dtype=dtype.np), dtype, requires_grad, device)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, **kw):
    dtype = dtype or D.get_default_dtype()
    size = tuple(size)
    n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    buf = np.zeros(max(n, 0), dtype.np)
    arr = np.lib.stride_tricks.as_strided(buf, size, tuple(st * buf.itemsize for st in stride))
    return _finish(arr, dtype, requires_grad, device)


def complex_(real, imag):
    return _finish(real._data + 1j * imag._data, D.complex64 if real._dtype is D.float32 else D.complex128)
