"""Creating tensors: from data (tensor, as_tensor, asarray, from_numpy) and
factories (zeros, ones, full, empty, arange, range, linspace, logspace, eye,
empty_strided and the _like forms), with PyTorch's dtype inference, value
checks and errors.

arange and linspace reproduce PyTorch's CPU kernels bit for bit, including
their fused multiply-adds (see `_fma64`) and arange's vectorised blocks.
"""
import math
import operator

import numpy as np

from . import _dtype as D
from . import _backends as B
from ._device import CPU, as_device
from ._tensor import Tensor


def _finish(array, dtype, requires_grad=False, device=None):
    """Wrap a fresh array as a tensor of `dtype` on `device` (None: the default device)."""
    if array.dtype != dtype.np:
        array = array.astype(dtype.np)
    if dtype is D.bfloat16:
        array = D.round_bfloat16(array)
    dev = B._default.device if device is None else as_device(device)
    if dev is not CPU or type(array) is not np.ndarray:
        if B.device_of(array) != dev:
            array = B.to_device_array(array, dev)
    t = Tensor._make(array, dtype)
    if requires_grad:
        if dtype.category < D.FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _with_out(t, out):
    """Copy a factory's result into `out=` (resized to the result's shape)."""
    if out is None:
        return t
    from ._ops.pointwise import _out
    return _out(t, out)


def _check_dtype_arg(dtype, name="tensor"):
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError("%s(): argument 'dtype' must be torch.dtype, not %s" % (name, type(dtype).__name__))


# ------------------------------------------------------------------ dtype inference from data

def _python_scalar_dtype(tp):
    """The dtype of a Python or NumPy scalar type (None: not a number type)."""
    if tp is bool or tp is np.bool_:
        return D.bool_
    if tp is int:
        return D.int64
    if tp is float:
        return D.get_default_dtype()
    if tp is complex:
        return D.default_complex()
    if issubclass(tp, np.generic):
        return D.from_numpy(np.dtype(tp))
    return None


def _leaf_error(x):
    if isinstance(x, (str, bytes)):
        return TypeError("new(): invalid data type '%s'" % type(x).__name__)
    return RuntimeError("Could not infer dtype of %s" % type(x).__name__)


def _scan(data):
    """(dtype, has_tensors) of nested sequence `data`, checking that it is
    rectangular. The innermost lists are scanned with set(map(type, ...)),
    so no Python code runs per element."""
    dtype = None
    tensors = False
    level = [data]
    depth = 0
    while level:
        first = level[0]
        n = len(first)
        nested = n > 0 and isinstance(first[0], (list, tuple, range, np.ndarray))
        nxt = []
        for seq in level:
            if len(seq) != n:
                raise ValueError("expected sequence of length %d at dim %d (got %d)" % (n, depth, len(seq)))
            if nested:
                for x in seq:
                    if not isinstance(x, (list, tuple, range, np.ndarray)):
                        raise TypeError("not a sequence")
                    if isinstance(x, np.ndarray):
                        if x.ndim == 0:
                            raise TypeError("len() of unsized object")
                        d = D.from_numpy(x.dtype)
                        dtype = d if dtype is None else D.promote_types(dtype, d)
                nxt.extend(seq)
                continue
            for tp in set(map(type, seq)):
                d = _python_scalar_dtype(tp)
                if d is None:
                    if issubclass(tp, Tensor):
                        tensors = True
                        for x in seq:
                            if isinstance(x, Tensor):
                                if x.numel() != 1:
                                    if x._dtype.category <= D.INT:
                                        raise TypeError("only integer tensors of a single element can "
                                                        "be converted to an index")
                                    raise ValueError("only one element tensors can be converted to "
                                                     "Python scalars")
                                dtype = x._dtype if dtype is None else D.promote_types(dtype, x._dtype)
                        continue
                    if issubclass(tp, (list, tuple, range, np.ndarray)):
                        raise TypeError("must be real number, not %s" % tp.__name__)
                    if tp is str and all(type(x) is str for x in seq):
                        raise ValueError("too many dimensions 'str'")
                    raise _leaf_error(next(x for x in seq if type(x) is tp))
                dtype = d if dtype is None else D.promote_types(dtype, d)
        level = [x for x in nxt if not isinstance(x, np.ndarray)] if nested else []
        if nested and len(level) != len(nxt):
            level = [list(x) if isinstance(x, np.ndarray) else x for x in nxt]
        depth += 1
    return dtype, tensors


def _plain(data):
    """Nested sequences with (one-element) tensors replaced by their values."""
    if isinstance(data, Tensor):
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_plain(x) for x in data]
    return data


def _to_array(data):
    """(NumPy array, inferred dtype, whether the values came from Python numbers)."""
    if isinstance(data, Tensor):
        a = data._data if type(data._data) is np.ndarray else data._data.get()
        return a, data._dtype, False
    if isinstance(data, np.ndarray):
        return data, D.from_numpy(data.dtype), False
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_numpy(data.dtype), False
    if isinstance(data, bool):
        return np.array(data), D.bool_, True
    if isinstance(data, int):
        return _int_array(data), D.int64, True
    if isinstance(data, float):
        return np.array(data), D.get_default_dtype(), True
    if isinstance(data, complex):
        return np.array(data), D.default_complex(), True
    if isinstance(data, (list, tuple, range)):
        dtype, tensors = _scan(data)
        if tensors:
            data = _plain(data)
        if dtype is None:
            dtype = D.get_default_dtype()
        arr = np.array(data, dtype=None if dtype is not D.bfloat16 else np.float32)
        if arr.dtype == object or arr.dtype == np.uint64 and dtype is D.int64:
            raise ValueError("Overflow when unpacking long long")
        return arr, dtype, True
    if isinstance(data, (str, bytes)):
        raise TypeError("new(): invalid data type '%s'" % type(data).__name__)
    if hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
        arr = np.asarray(data)
        return arr, D.from_numpy(arr.dtype), False
    raise RuntimeError("Could not infer dtype of %s" % type(data).__name__)


def _int_array(v):
    if not -2 ** 63 <= v < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    return np.array(v, dtype=np.int64)


def _convert(arr, dtype, from_python):
    """arr as `dtype`'s storage type, the way PyTorch converts data."""
    kind = arr.dtype.kind
    if dtype is D.bool_:
        return arr != 0 if kind != "b" else arr
    if kind == "c" and dtype.category < D.COMPLEX:
        if from_python:
            raise TypeError("must be real number, not complex")
        arr = arr.real
        kind = "f"
    if dtype.category <= D.INT and kind == "f":
        if from_python:  # Python floats are checked against the integer type's range
            if arr.size and (not np.isfinite(arr).all() or _range_fails(np.trunc(arr), dtype, strict=True)):
                raise RuntimeError("value cannot be converted to type %s without overflow" % dtype.name)
        with np.errstate(invalid="ignore"):
            return np.trunc(arr).astype(dtype.np)
    if dtype.category <= D.INT and kind in "iu" and from_python and arr.size:
        if _range_fails(arr, dtype, strict=False):
            raise RuntimeError("value cannot be converted to type %s without overflow" % dtype.name)
    return arr.astype(dtype.np, copy=False)


def _range_fails(arr, dtype, strict):
    info = np.iinfo(dtype.np)
    lo = info.min if (strict or dtype.is_signed) else -int(info.max)
    return bool(arr.min() < lo or arr.max() > info.max)


# ------------------------------------------------------------------ from data

def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    _check_dtype_arg(dtype)
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, inferred, from_python = _to_array(data)
    if dtype is None:
        dtype = inferred
    if not from_python or arr.dtype != dtype.np or not arr.flags.c_contiguous:
        arr = np.array(_convert(arr, dtype, from_python), order="C", copy=True)
    if requires_grad and dtype.category < D.FLOAT:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return _finish(arr, dtype, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    _check_dtype_arg(dtype, "as_tensor")
    if isinstance(data, Tensor):
        out = data if dtype is None else data.to(dtype)
        return out if device is None else out.to(device)
    if isinstance(data, np.ndarray) and (dtype is None or (dtype.np == data.dtype
                                                          and dtype is not D.bfloat16)):
        try:
            t = from_numpy(data)
        except (TypeError, ValueError):
            pass
        else:
            return t if device is None or as_device(device).type == "cpu" else t.to(device)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    _check_dtype_arg(dtype, "asarray")
    if copy is False and isinstance(obj, np.ndarray) and dtype is not None and dtype.np != obj.dtype:
        raise ValueError("can't alias NumPy arrays with different dtypes: asked for %s" % dtype)
    if copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        if t._grad_fn is not None or (isinstance(obj, Tensor) and t is obj):
            t = t.detach()
        t.requires_grad_(True)
    return t


def from_numpy(array):
    if not isinstance(array, np.ndarray):
        raise TypeError("expected np.ndarray (got %s)" % type(array).__name__)
    if not array.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    if any(s < 0 for s in array.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with "
                         "negative strides are not currently supported. (You can probably work around "
                         "this by making a copy of your array  with array.copy().) ")
    dt = D.from_numpy(array.dtype)
    return Tensor._make(array, dt)


# ------------------------------------------------------------------ factories

def _size_args(args, name):
    """Sizes given as varargs (2, 3) or one sequence ((2, 3) or torch.Size)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not (
            isinstance(args[0], Tensor) and args[0].ndim == 0):
        args = args[0]
        if not isinstance(args, (tuple, list)):
            raise TypeError("%s(): argument 'size' (position 1) must be tuple of ints, not %s"
                            % (name, type(args).__name__))
    try:
        shape = tuple(operator.index(s) for s in args)
    except TypeError:
        bad = next(s for s in args if not _is_int(s))
        raise TypeError("%s(): argument 'size' (position 1) must be tuple of ints, but found element of "
                        "type %s" % (name, type(bad).__name__)) from None
    for s in shape:
        if s < 0:
            raise RuntimeError("Trying to create tensor with negative dimension %d: %s"
                               % (s, list(shape)))
    return shape


def _is_int(s):
    try:
        operator.index(s)
        return True
    except TypeError:
        return False


def _target(device):
    """The device a factory puts its tensor on."""
    return B._default.device if device is None else as_device(device)


def _filled(shape, dtype, fill, device=None):
    """A new array of `shape` holding `fill` converted like PyTorch's fill_,
    made on `device` (None: the default device)."""
    xp = np if _target(device) is CPU else B.cupy()
    if isinstance(fill, Tensor):
        fill = fill.item()
    if fill is None or (fill == 0 and not isinstance(fill, complex)):
        return xp.zeros(shape, dtype.np)
    if isinstance(fill, complex) and dtype.category < D.COMPLEX:
        raise RuntimeError("value cannot be converted to type %s without overflow" % D._CPP_NAME[dtype.name])
    if dtype.category <= D.INT and not isinstance(fill, bool):
        if dtype is D.bool_:
            fill = bool(fill)
        else:
            if isinstance(fill, float) and not math.isfinite(fill):
                raise RuntimeError("value cannot be converted to type %s without overflow"
                                   % D._CPP_NAME[dtype.name])
            fill = int(fill)
            D.check_scalar(fill, dtype)
            fill = np.array(fill, dtype=np.int64).astype(dtype.np)[()]  # wraps -1 into uint8 as PyTorch does
    else:
        D.check_scalar(fill, dtype)
    return xp.full(shape, fill, dtype.np)


def _factory(shape_args, dtype, fill, device, requires_grad, name="zeros"):
    _check_dtype_arg(dtype, name)
    shape = _size_args(shape_args, name)
    dtype = dtype or D.get_default_dtype()
    return _finish(_filled(shape, dtype, fill, device), dtype, requires_grad, device)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _with_out(_factory(size, dtype, 0, device, requires_grad, "zeros"), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _with_out(_factory(size, dtype, 1, device, requires_grad, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    # zero-filled rather than uninitialised: same cost with NumPy, and reproducible
    return _with_out(_factory(size, dtype, 0, device, requires_grad, "empty"), out)


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value._dtype
    return D.scalar_dtype(fill_value)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if not isinstance(size, (tuple, list)):
        raise TypeError("full(): argument 'size' (position 1) must be tuple of ints, not %s"
                        % type(size).__name__)
    if isinstance(fill_value, (str, bytes)) or fill_value is None:
        raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not %s"
                        % type(fill_value).__name__)
    if dtype is None:
        dtype = _fill_dtype(fill_value)
    return _with_out(_factory((tuple(size),), dtype, fill_value, device, requires_grad, "full"), out)


def scalar_tensor(value, *, dtype=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    return _finish(_filled((), dtype, value, device), dtype, requires_grad, device)


def _like(input, dtype, device, fill, requires_grad, name):
    if not isinstance(input, Tensor):
        raise TypeError("%s(): argument 'input' (position 1) must be Tensor, not %s"
                        % (name, type(input).__name__))
    _check_dtype_arg(dtype, name)
    dtype = dtype or input._dtype
    device = device if device is not None else input.device
    a = input._data
    if a.ndim > 1 and not a.flags.c_contiguous and type(a) is np.ndarray:
        # PyTorch's preserve_format: a dense permuted layout is kept, others become contiguous
        arr = np.empty_like(a, dtype=dtype.np, order="K")
        arr[...] = _filled((), dtype, fill, CPU)
    else:
        arr = _filled(tuple(a.shape), dtype, fill, device)
    return _finish(arr, dtype, requires_grad, device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, device, 0, requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, device, 1, requires_grad, "ones_like")


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, device, 0, requires_grad, "empty_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(input, dtype, device, fill_value, requires_grad, "full_like")


# ------------------------------------------------------------------ ranges

def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def _split(a):
    """Veltkamp split of float64 a into hi + lo, each with at most 26 significant bits."""
    t = a * 134217729.0  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a, b, c):
    """a * b + c with a single rounding (error-free transformations), elementwise in float64."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    ep = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    es = (p - (s - bb)) + (c - bb)
    return s + (ep + es)


def _arange_float(start, step, n, dtype):
    """PyTorch's CPU arange values: blocks of two SIMD vectors computed as
    base + lane * step (base exact at each vector's first index), then a
    scalar tail start + i * step."""
    idx = np.arange(n, dtype=np.float64)
    if dtype is D.float64:
        lanes = 4
        nvec = (n // (2 * lanes)) * 2 * lanes
        head = np.floor(idx[:nvec] / lanes) * lanes
        base = _fma64(np.float64(step), head, np.float64(start))
        out = np.empty(n, np.float64)
        out[:nvec] = _fma64(idx[:nvec] - head, np.float64(step), base)
        out[nvec:] = _fma64(np.float64(step), idx[nvec:], np.float64(start))
        return out
    if dtype is D.float32:
        lanes = 8
        nvec = (n // (2 * lanes)) * 2 * lanes
        head = np.floor(idx[:nvec] / lanes) * lanes
        base = (start + step * head).astype(np.float32).astype(np.float64)
        out = np.empty(n, np.float32)
        out[:nvec] = base + (idx[:nvec] - head) * step
        out[nvec:] = start + step * idx[nvec:]
        return out
    # half and bfloat16 accumulate in float
    return (np.float32(start) + np.float32(step) * idx.astype(np.float32)).astype(np.float32)


def arange(start=None, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    _check_dtype_arg(dtype, "arange")
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        if start is None:
            raise TypeError("arange() missing 1 required positional argument: 'end'")
        start, end = 0, start
    elif start is None:
        start = 0
    for v in (start, end, step):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError("unsupported range: %s -> %s" % (_fmt_num(start), _fmt_num(end)))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = D.int64 if is_int else D.get_default_dtype()
    if dtype is D.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype.category == D.INT:
        xs, xe, xt = int(start), int(end), int(step)
        if xt == 0:
            raise ValueError("step must be nonzero")
        if dtype is D.int64:
            sgn = (xt > 0) - (xt < 0)
            n = max(0, (xe - xs + xt - sgn) // xt)
        else:
            n = max(0, math.ceil((end - start) / step))
        arr = xs + np.arange(n, dtype=np.int64) * xt
        return _with_out(_finish(arr, dtype, requires_grad, device), out)
    n = max(0, math.ceil((end - start) / step))
    arr = _arange_float(float(start), float(step), n, dtype)
    return _with_out(_finish(arr, dtype, requires_grad, device), out)


def _fmt_num(v):
    return "%g" % v if isinstance(v, float) else str(v)


def range_(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """torch.range (deprecated): like arange but the end is included."""
    import warnings
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    dtype = dtype or D.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    if dtype.category == D.INT:
        arr = int(start) + np.arange(n, dtype=np.int64) * int(step)
    else:
        acc = np.float64 if dtype is D.float64 else np.float32
        arr = acc(start) + np.arange(n, dtype=acc) * acc(step)
    return _with_out(_finish(arr, dtype, requires_grad, device), out)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_dtype_arg(dtype, "linspace")
    start, end, steps = _number(start), _number(end), _number(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or D.get_default_dtype()
    arr = _linspace_values(start, end, int(steps), dtype)
    return _with_out(_finish(arr, dtype, requires_grad, device), out)


def _linspace_values(start, end, steps, dtype):
    """PyTorch's kernel: start + i * step for the first half, end - (steps - 1 - i) * step
    for the second, each a fused multiply-add in the result's type."""
    if steps == 0:
        return np.empty(0, dtype.np)
    if steps == 1:
        return np.array([start], dtype=np.float64)
    idx = np.arange(steps, dtype=np.float64)
    half = steps // 2
    first = idx < half
    k = np.where(first, idx, steps - 1 - idx)
    if dtype.category <= D.INT:
        s, e = float(int(start)), float(int(end))
        step = (e - s) / (steps - 1)
        vals = np.where(first, s + step * k, e - step * k)
        return np.trunc(vals)
    if dtype is D.float64:
        s, e = np.float64(start), np.float64(end)
        step = (e - s) / (steps - 1)
        return np.where(first, _fma64(step, k, s), _fma64(-step, k, e))
    s, e = np.float32(start), np.float32(end)
    step = np.float64((e - s) / np.float32(steps - 1))
    # float32: the product is exact in float64, so one rounding (to float32) remains
    vals = np.where(first, np.float64(s) + step * k, np.float64(e) - step * k)
    return vals.astype(np.float32)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    _check_dtype_arg(dtype, "logspace")
    start, end, steps = _number(start), _number(end), _number(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or D.get_default_dtype()
    steps = int(steps)
    if steps == 0:
        arr = np.empty(0, np.float64)
    elif steps == 1:  # the start alone
        arr = np.power(float(base), np.array([float(start)]))
        if dtype.category <= D.INT:
            arr = np.trunc(arr)
    else:
        idx = np.arange(steps, dtype=np.float64)
        if dtype.category <= D.INT or dtype is D.float64:
            integral = dtype.category <= D.INT  # PyTorch casts start, end and base to the integer type
            s, e = (float(int(start)), float(int(end))) if integral else (float(start), float(end))
            step = (e - s) / (steps - 1) if steps > 1 else 0.0
            exps = np.where(idx < steps // 2, s + step * idx, e - step * (steps - idx - 1))
            arr = np.power(float(int(base)) if integral else float(base), exps)
        else:
            s, e = np.float32(start), np.float32(end)
            step = (e - s) / np.float32(steps - 1) if steps > 1 else np.float32(0)
            exps = np.where(idx < steps // 2, s + step * idx.astype(np.float32),
                            e - step * (steps - idx - 1).astype(np.float32)).astype(np.float32)
            arr = np.power(np.float64(base), exps.astype(np.float64))
        if dtype.category <= D.INT:
            arr = np.trunc(arr)
    return _with_out(_finish(arr, dtype, requires_grad, device), out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_dtype_arg(dtype, "eye")
    if n < 0:
        raise RuntimeError("n must be greater or equal to 0, got %d" % n)
    if m is None:
        m = n
    if m < 0:
        raise RuntimeError("m must be greater or equal to 0, got %d" % m)
    dtype = dtype or D.get_default_dtype()
    return _with_out(_finish(np.eye(n, m, dtype=dtype.np), dtype, requires_grad, device), out)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    dtype = dtype or D.get_default_dtype()
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    buf = np.zeros(max(n, 0), dtype.np)
    arr = np.lib.stride_tricks.as_strided(buf, size, tuple(st * buf.itemsize for st in stride))
    return _finish(arr, dtype, requires_grad, device)


def complex_(real, imag, *, out=None):
    """torch.complex: real + i * imag from two float tensors of the same dtype."""
    if real._dtype is not imag._dtype:
        raise RuntimeError("Expected object of scalar type %s but got scalar type %s for second "
                           "argument" % (D.TITLE[real._dtype.name], D.TITLE[imag._dtype.name]))
    if real._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError("Expected both inputs to be Half, Float or Double tensors but got %s and %s"
                           % (D.TITLE[real._dtype.name], D.TITLE[imag._dtype.name]))
    dt = D.complex128 if real._dtype is D.float64 else D.complex64
    a = np.broadcast_arrays(real._data, imag._data)
    arr = np.empty(a[0].shape, dt.np)
    arr.real, arr.imag = a
    return _with_out(_finish(arr, dt), out)
