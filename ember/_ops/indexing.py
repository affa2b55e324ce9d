"""Indexing: `tensor[key]` reads and writes, gather/scatter along a dim, the
index_* family, masked ops, nonzero, take/put, and the searching and
counting helpers (bucketize, searchsorted, bincount, histc).

Basic keys (ints, slices, None, Ellipsis) give views through
`shape.Index`; advanced keys (integer or bool index tensors) give copies
through `AdvIndex`, whose backward scatter-adds. A key is split into the
basic part, applied first (ints select, like PyTorch, so they never take
part in NumPy's advanced-index transposition rule), and an advanced part
applied to that view.

Index tensors are never op inputs (they would be cast to the compute dtype):
they travel as arrays in the op's params, on the device of the data they
index (NumPy arrays for CPU tensors, CuPy arrays for cuda tensors).
"""
import math
import warnings

import numpy as np

from .. import _backends as B
from .. import _dtype as D
from .._dispatch import Op, apply, apply_inplace, interceptors
from .._grad_mode import state as grad_state
from .._tensor import Tensor
from ._util import as_tensor_arg, wrap_dim
from .shape import Index, IndexBackward

_INDEX_TYPE_ERROR = "tensors used as indices must be long, int, byte or bool tensors"


def _title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _c_name(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "int64_t", "int32": "int", "int16": "int16_t",
            "int8": "int8_t", "uint8": "uint8_t", "bool": "bool"}.get(d.name, d.name)


def _fmt(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _self_dtype(d, inputs, params):
    d = inputs[0]._dtype
    return d, d


def _check_scalar(value, dtype, setitem=False):
    """PyTorch's check that a Python number fits the dtype it is written into."""
    if type(value) is bool:
        return
    if isinstance(value, int) and not -2 ** 63 <= value < 2 ** 63:
        if setitem:
            raise ValueError("Overflow when unpacking long long")
        raise OverflowError("int too big to convert")
    if dtype is D.bool_:
        return
    if isinstance(value, complex) and dtype.category < D.COMPLEX:
        raise RuntimeError("value cannot be converted to type %s without overflow" % _c_name(dtype))
    if dtype.category == D.INT:
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise RuntimeError("value cannot be converted to type %s without overflow"
                                   % _c_name(dtype))
            value = int(value)
        info = np.iinfo(dtype.np)
        if not info.min <= value <= info.max:
            raise RuntimeError("value cannot be converted to type %s without overflow" % _c_name(dtype))


# ===================================================================== keys

_NONE, _ELL, _INT, _SLICE, _BOOL, _MASK, _ARR = range(7)


def _key_array(k):
    """An index given as a list/tuple/ndarray: (kind, array)."""
    a = np.asarray(k._data if isinstance(k, Tensor) else k)
    if a.dtype == np.bool_:
        return (_BOOL, a) if a.ndim == 0 else (_MASK, a)
    if a.dtype.kind in "iu":
        if a.ndim == 0:
            return _INT, int(a)
        return _ARR, a.astype(np.int64, copy=False)
    if a.size == 0 and a.dtype.kind == "f":  # x[[]]
        return _ARR, a.astype(np.int64)
    raise IndexError(_INDEX_TYPE_ERROR)


def _seq_is_tuple(seq):
    """PyTorch's rule for x[[...]]: a short list holding slices, None,
    Ellipsis, sequences or tensors is a tuple of indices, otherwise an index tensor."""
    if len(seq) >= 32:
        return False
    for k in seq:
        if k is None or k is Ellipsis or isinstance(k, (slice, list, tuple, Tensor, np.ndarray)):
            return True
    return False


def _classify(k):
    tk = type(k)
    if tk is int:
        return _INT, k
    if tk is slice:
        return _SLICE, k
    if k is None:
        return _NONE, None
    if k is Ellipsis:
        return _ELL, None
    if tk is bool or tk is np.bool_:
        return _BOOL, np.array(bool(k))
    if isinstance(k, Tensor):
        dt = k._dtype
        a = k._data
        if dt is D.int64 or dt is D.int32:
            if a.ndim == 0:
                return _INT, int(a)
            return _ARR, a
        if dt is D.bool_ or dt is D.uint8:
            if dt is D.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                              "torch.bool instead.", UserWarning, stacklevel=4)
                a = a.astype(bool)
            return (_BOOL, a) if a.ndim == 0 else (_MASK, a)
        raise IndexError(_INDEX_TYPE_ERROR)
    if isinstance(k, np.integer):
        return _INT, int(k)
    if isinstance(k, (list, tuple, np.ndarray)):
        return _key_array(k)
    if isinstance(k, str):
        raise TypeError("new(): invalid data type 'str'")
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                     "are valid indices (got %s)" % tk.__name__)


def _slice_int(v):
    if v is None or type(v) is int:
        return v
    if isinstance(v, Tensor):
        if v._dtype.category != D.INT or v.ndim:
            raise TypeError("slice indices must be integers or None or have an __index__ method")
        return int(v._data)
    return v.__index__()


def _first(a, bad):
    """The first element of a where bad holds, as a Python int (for error messages)."""
    return int(a[bad].ravel()[0])


def _check_array_bounds(a, n, pos):
    if a.size == 0:
        return
    lo, hi = a.min(), a.max()
    if lo < -n or hi >= n:
        if n == 0:
            raise IndexError("index is out of bounds for dimension with size 0")
        bad = _first(a, (a < -n) | (a >= n))
        raise IndexError("index %d is out of bounds for dimension %d with size %d" % (bad, pos, n))


def _key_on(data, a):
    """Index array a on data's device: PyTorch takes CPU indices for a cuda
    tensor (they are copied over), but not cuda indices for a CPU tensor."""
    if B.is_host(a) == B.is_host(data):
        return a
    if B.is_host(a):
        return B.to_device_array(a, B.device_of(data))
    raise RuntimeError("indices should be either on cpu or on the same device as the indexed tensor (cpu)")


def _parse_key(x, key, own=False):
    """(basic, adv): `basic` indexes x's array as a view (ends with Ellipsis so
    a full int key still gives an array); `adv` is None or the advanced key
    (slice(None) and index arrays) applied to that view."""
    data = x._data
    shape = data.shape
    ndim = len(shape)
    if type(key) is not tuple:
        if type(key) is int:  # the common x[i]
            if ndim == 0:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                                 "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
            n = shape[0]
            if not -n <= key < n:
                raise IndexError("index %d is out of bounds for dimension 0 with size %d" % (key, n))
            return (key, Ellipsis), None
        if type(key) is list and _seq_is_tuple(key):
            key = tuple(key)
        else:
            key = (key,)
    items = []
    consumed = 0
    for k in key:
        kind, v = _classify(k)
        if kind >= _BOOL and type(v) is not type(data):
            v = _key_on(data, v)
        if kind == _INT or kind == _SLICE or kind == _ARR:
            consumed += 1
        elif kind == _MASK:
            consumed += v.ndim
        items.append((kind, v))
    if consumed > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError("too many indices for tensor of dimension %d" % ndim)

    basic = []
    adv = []
    pending = []    # index arrays out of range: an error unless the result is empty
    has_adv = False
    adv_shapes = []
    d = 0           # dim of x
    npos = 0        # position among index tensors (PyTorch's error messages count them)
    seen_ellipsis = False
    for kind, v in items:
        if kind == _INT:
            n = shape[d]
            if not -n <= v < n:
                raise IndexError("index %d is out of bounds for dimension %d with size %d" % (v, d, n))
            basic.append(v)
            d += 1
        elif kind == _SLICE:
            st, sp, ss = v.start, v.stop, v.step
            if not ((st is None or type(st) is int) and (sp is None or type(sp) is int)
                    and (ss is None or type(ss) is int)):
                st, sp, ss = _slice_int(st), _slice_int(sp), _slice_int(ss)
                v = slice(st, sp, ss)
            if ss is not None and ss <= 0:
                raise ValueError("step must be greater than zero")
            basic.append(v)
            adv.append(slice(None))
            d += 1
        elif kind == _NONE:
            basic.append(None)
            adv.append(slice(None))
        elif kind == _ELL:
            k = 0 if seen_ellipsis else ndim - consumed
            seen_ellipsis = True
            basic.extend([slice(None)] * k)
            adv.extend([slice(None)] * k)
            d += k
        elif kind == _BOOL:  # a scalar bool: a new dim of size 1 (True) or 0 (False)
            basic.append(None)
            adv.append(v.reshape(1))
            adv_shapes.append((int(bool(v)),))
            has_adv = True
            npos += 1
        elif kind == _MASK:
            k = v.ndim
            mshape = v.shape
            xshape = shape[d:d + k]
            for j in range(k):
                if mshape[j] != xshape[j]:
                    raise IndexError("The shape of the mask %s at index %d does not match the shape "
                                     "of the indexed tensor %s at index %d"
                                     % (_fmt(mshape), j, _fmt(shape), d + j))
            basic.extend([slice(None)] * k)
            adv.append(v)
            adv_shapes.append((int(np.count_nonzero(v)),))
            has_adv = True
            d += k
            npos += k
        else:  # _ARR
            if v.size:
                lo, hi = v.min(), v.max()
                if lo < -shape[d] or hi >= shape[d]:
                    pending.append((v, shape[d], npos))
            basic.append(slice(None))
            adv.append(v)
            adv_shapes.append(v.shape)
            has_adv = True
            d += 1
            npos += 1
    if len(adv_shapes) > 1:
        try:
            bshape = np.broadcast_shapes(*adv_shapes)
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                             "shapes %s" % ", ".join(_fmt(s) for s in adv_shapes)) from None
    basic.append(Ellipsis)
    if not has_adv:
        return tuple(basic), None
    while type(adv[-1]) is slice:
        adv.pop()
    basic, adv = tuple(basic), tuple(adv)
    if own:  # a recorded graph keeps the key: later writes to the index tensors must not change it
        adv = tuple(k if type(k) is slice else k.copy() for k in adv)
    if pending:
        # PyTorch checks index ranges only when the indices broadcast to some
        # elements, and (but for a size-0 dim) when the result has elements
        if len(adv_shapes) == 1:
            bshape = adv_shapes[0]
        if 0 not in bshape:
            for v, n, pos in pending:
                if n == 0:
                    _check_array_bounds(v, n, pos)
            if 0 not in _adv_shape(x._data[basic].shape, adv):
                for v, n, pos in pending:
                    _check_array_bounds(v, n, pos)
    return basic, adv


def _basic_is_trivial(basic):
    for k in basic:
        if k is not Ellipsis and not (type(k) is slice and k == slice(None)):
            return False
    return True


def _adv_shape(shape, adv):
    """The shape NumPy (and PyTorch) gives array[adv], without computing it."""
    arr_shapes = []
    dims = []
    mark = None
    last_pos = first_pos = None
    i = 0
    for j, k in enumerate(adv):
        if type(k) is slice:
            dims.append(shape[i])
            i += 1
            continue
        if k.dtype == np.bool_:
            arr_shapes.append((int(np.count_nonzero(k)),))
            i += k.ndim
        else:
            arr_shapes.append(k.shape)
            i += 1
        if first_pos is None:
            first_pos = j
            mark = len(dims)
            dims.append(None)
        last_pos = j
    dims.extend(shape[i:])
    b = tuple(np.broadcast_shapes(*arr_shapes))
    del dims[mark]
    n_adv = sum(1 for k in adv if type(k) is not slice)
    if last_pos - first_pos == n_adv - 1:
        return tuple(dims[:mark]) + b + tuple(dims[mark:])
    return b + tuple(dims)


def _has_int_array(adv):
    for k in adv:
        if type(k) is not slice and k.dtype != np.bool_:
            return True
    return False


# ===================================================================== scatter-add kernel

def _add_at(out, key, vals):
    """np.add.at(out, key, vals) where key is a tuple of int arrays for
    out's leading dims. np.add.at is slow on multi-dim operands; one flat
    add.at over linear positions is several times faster."""
    if type(out) is not np.ndarray:
        B.ufunc_at(np.add, out, key, vals)
        return
    if not out.flags.c_contiguous or len(key) > out.ndim:
        np.add.at(out, key, vals)
        return
    shape = out.shape
    n = len(key)
    rest = 1
    for s in shape[n:]:
        rest *= s
    lin = None
    stride = rest
    for d in range(n - 1, -1, -1):
        k = key[d]
        if k.size and k.min() < 0:
            k = np.where(k < 0, k + shape[d], k)
        term = k * stride if stride != 1 else k
        lin = term if lin is None else term + lin
        stride *= shape[d]
    lin = np.asarray(lin)
    bshape = lin.shape
    if rest != 1:
        lin = (lin[..., None] + np.arange(rest)).reshape(-1)
    else:
        lin = lin.reshape(-1)
    full = bshape + shape[n:]
    vals = np.asarray(vals)
    if vals.shape != full:
        vals = np.broadcast_to(vals, full)
    np.add.at(out.reshape(-1), lin, vals.reshape(-1))


def _all_int_arrays(key):
    for k in key:
        if type(k) is slice or k.dtype == np.bool_:
            return False
    return True


# ===================================================================== ops: getitem / setitem

class AdvIndex(Op):
    """Advanced indexing (index arrays, masks): a copy."""
    dtype_rule = "keep"
    grad_name = "IndexBackward0"

    def forward(ctx, x, key):
        try:
            return x[key]
        except IndexError:  # out-of-range indices PyTorch ignores: the result is empty
            return B.xp(x).empty(_adv_shape(x.shape, key), x.dtype)

    def backward(ctx, g):
        return apply(AdvIndexBackward, g, key=ctx.params["key"], shape=ctx.inputs_meta[0][0])


class AdvIndexBackward(Op):
    """The gradient of AdvIndex: scatter-add into zeros (repeated indices add up)."""
    dtype_rule = "keep"
    grad_name = "IndexPutBackward0"

    def forward(ctx, g, key, shape):
        out = B.xp(g).zeros(shape, g.dtype)
        if g.size == 0:
            return out
        if _has_int_array(key):
            if _all_int_arrays(key):
                _add_at(out, key, g)
            else:
                B.ufunc_at(np.add, out, key, g)
        else:  # masks only: every position is written once
            out[key] = g
        return out

    def backward(ctx, gg):
        return apply(AdvIndex, gg, key=ctx.params["key"])


def _index(x, basic, adv):
    out = x
    if adv is None or not _basic_is_trivial(basic):
        out = apply(Index, x, key=basic)
    if adv is not None:
        out = apply(AdvIndex, out, key=adv)
    return out


def getitem(self, key):
    basic, adv = _parse_key(self, key, self._requires_grad and grad_state.enabled)
    return _index(self, basic, adv)


class IndexPut(Op):
    """x[basic][adv] = value (or += with accumulate): the op behind
    __setitem__ and index_put_."""
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)
    grad_name = "IndexPutBackward0"

    def forward(ctx, x, v, basic, adv, vshape, accumulate=False, inplace=False):
        out = x if inplace else x.copy()
        if not _is_scalar(v) and v.shape != vshape:
            v = v.reshape(vshape)
        dst = out[basic]
        try:
            if adv is None:
                dst[...] = v
            elif accumulate:
                if _all_int_arrays(adv):
                    _add_at(dst, adv, v)
                else:
                    B.ufunc_at(np.add, dst, adv, v)
            else:
                dst[adv] = v
        except (OverflowError, ValueError) as e:
            raise RuntimeError(str(e)) from None
        except IndexError:  # out-of-range indices PyTorch ignores: nothing is written
            pass
        return out

    def backward(ctx, g):
        p = ctx.params
        gx = gv = None
        if ctx.inputs_meta[0] is not None:
            gx = g if p.get("accumulate") else apply(
                IndexPut, g, 0, basic=p["basic"], adv=p["adv"], vshape=())
        if ctx.inputs_meta[1] is not None:
            gv = _reduce_to(_index(g, p["basic"], p["adv"]), p["vshape"], ctx.inputs_meta[1][0])
        return gx, gv


def _is_scalar(v):
    return isinstance(v, (bool, int, float, complex))


def _to_device_of(t, x):
    """Tensor t on x's device (autograd-aware), for values PyTorch copies over."""
    if type(t._data) is type(x._data) or B.is_host(t._data) == B.is_host(x._data):
        return t
    return t.to(x.device)


def _reduce_to(g, vshape, shape):
    """Sum a gradient of the broadcast value back to vshape, then give it `shape`
    (vshape is shape without leading 1s)."""
    nd = g.ndim - len(vshape)
    dims = list(range(nd))
    gs = g.shape
    for i, s in enumerate(vshape):
        if s == 1 and gs[nd + i] != 1:
            dims.append(nd + i)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if tuple(g.shape) != tuple(shape):
        g = g.reshape(shape)
    return g


def _strip_ones(shape, n):
    """Drop leading size-1 dims of a value's shape while it has more than n dims."""
    shape = tuple(shape)
    while len(shape) > n and shape[0] == 1:
        shape = shape[1:]
    return shape


def _needs_record(target, others):
    if interceptors:
        return True
    if not grad_state.enabled:
        return False
    if target._requires_grad:
        return True
    for o in others:
        if isinstance(o, Tensor) and o._requires_grad:
            return True
    return False


def setitem(self, key, value):
    basic, adv = _parse_key(self, key, grad_state.enabled and (
        self._requires_grad or isinstance(value, Tensor) and value._requires_grad))
    if isinstance(value, Tensor):
        v = value = _to_device_of(value, self)
        vsrc_shape = value._data.shape
    elif isinstance(value, (bool, int, float, complex, np.generic)):
        if isinstance(value, np.generic):
            value = value.item()
        _check_scalar(value, self._dtype, setitem=True)
        v = value
        vsrc_shape = ()
    else:
        raise TypeError("can't assign a %s to a torch.%s" % (
            type(value).__module__ + "." + type(value).__name__ if type(value).__module__ == "numpy"
            else type(value).__name__, _legacy(self._dtype)))
    if adv is not None and isinstance(v, Tensor) and v._dtype is not self._dtype and v.ndim:
        raise RuntimeError("Index put requires the source and destination dtypes match, got %s for the "
                           "destination and %s for the source." % (_title(self._dtype), _title(v._dtype)))
    dst_view = self._data[basic]
    tshape = dst_view.shape if adv is None else _adv_shape(dst_view.shape, adv)
    vshape = _strip_ones(vsrc_shape, len(tshape))
    if vshape != tshape:
        _check_value_shape(vshape, tshape, adv is None)
    record = _needs_record(self, (v,))
    if record:
        if grad_state.enabled and self._requires_grad and self._grad_fn is None:
            if adv is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        apply_inplace(IndexPut, self, v, basic=basic, adv=adv, vshape=vshape)
        return
    # no graph to record: write straight into the tensor's memory
    if isinstance(v, Tensor):
        va = v._data
        if va.shape != vshape:
            va = va.reshape(vshape)
        if v._dtype is not self._dtype and v._dtype.category >= D.FLOAT and \
                self._dtype.category < D.FLOAT and self._dtype is not D.bool_:
            va = np.trunc(va)
    else:
        va = v
    if self._dtype is D.bfloat16:
        va = D.round_bfloat16(B.xp(dst_view).asarray(va, np.float32))
    try:
        if adv is None:
            dst_view[...] = va
        elif 0 not in tshape:
            dst_view[adv] = va
    except (OverflowError, ValueError) as e:
        raise RuntimeError(str(e)) from None
    self._version_counter.value += 1


def _legacy(d):
    return {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
            "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
            "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
            "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
            "complex128": "ComplexDoubleTensor"}[d.name]


def _check_value_shape(vshape, tshape, basic):
    try:
        ok = tuple(np.broadcast_shapes(vshape, tshape)) == tuple(tshape) and len(vshape) <= len(tshape)
    except ValueError:
        ok = False
    if ok:
        return
    if not basic:
        raise RuntimeError("shape mismatch: value tensor of shape %s cannot be broadcast to indexing "
                           "result of shape %s" % (_fmt(vshape), _fmt(tshape)))
    if len(vshape) > len(tshape):
        raise RuntimeError("expand(torch.FloatTensor{%s}, size=%s): the number of sizes provided (%d) "
                           "must be greater or equal to the number of dimensions in the tensor (%d)"
                           % (_fmt(vshape), _fmt(tshape), len(tshape), len(vshape)))
    nd = len(tshape) - len(vshape)
    for i in range(len(vshape) - 1, -1, -1):
        if vshape[i] != 1 and vshape[i] != tshape[nd + i]:
            raise RuntimeError("The expanded size of the tensor (%d) must match the existing size (%d) "
                               "at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s"
                               % (tshape[nd + i], vshape[i], nd + i, _fmt(tshape), _fmt(vshape)))


# ===================================================================== running in-place ops

class _Ctx:
    """Stands in for a graph node when a forward runs outside the dispatch."""


def _mutate(op, target, *others, **params):
    """target.<op>_(...): through apply_inplace when a graph is recorded, else
    the forward writes straight into target's memory (no copies)."""
    a = target._data
    if _needs_record(target, others) or target._dtype is D.bfloat16 or \
            (type(a) is not np.ndarray and B.is_host(a)):
        return apply_inplace(op, target, *others, **params)
    dt = a.dtype
    arrays = []
    for o in others:
        if isinstance(o, Tensor):
            oa = o._data
            if type(oa) is not type(a):  # two devices: the dispatch settles it (PyTorch's error, or
                return apply_inplace(op, target, *others, **params)  # a 0-dim CPU value moved over)
            o = oa if oa.dtype == dt else oa.astype(dt)
        arrays.append(o)
    if target._base is not None and not getattr(op, "fills", False) and \
            any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")
    ctx = _Ctx()
    ctx.params = params
    op.forward(ctx, a, *arrays, inplace=True, **params)
    target._version_counter.value += 1
    return target


def _out(r, out):
    if out is None:
        return r
    from .pointwise import _out as pw_out
    return pw_out(r, out)


# ===================================================================== index arguments

def _as_index(index):
    if isinstance(index, Tensor):
        return index
    return as_tensor_arg(index)


def _check_device(x, t, what=None):
    """PyTorch's check that t (an index, mask...) is on x's device."""
    a, b = x._data, t._data
    if type(a) is not type(b) and B.device_of(a) != B.device_of(b):
        if what is not None:
            raise RuntimeError(what % (t.device, x.device))
        devs = sorted((str(x.device), str(t.device)), reverse=True)
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           "devices, %s and %s!" % tuple(devs))


def _index_array(like, index, ok_dtypes, message, exc=RuntimeError):
    """The array of an index argument of an op on tensor `like` (same device)."""
    if isinstance(index, Tensor):
        _check_device(like, index)
    else:  # a list or array: made on like's device
        index = as_tensor_arg(index).to(like.device)
    if index._dtype not in ok_dtypes:
        raise exc(message)
    a = index._data
    # a recorded graph keeps the index: later writes to the index tensor must not change it
    return a.copy() if grad_state.enabled else a


_INT64 = (D.int64,)
_INT32_64 = (D.int64, D.int32)


def _along_key(idx, dim):
    """The NumPy key picking, at each position p of idx, the element whose
    coordinate along dim is idx[p] and whose other coordinates are p's."""
    nd = idx.ndim
    xp = B.xp(idx)
    key = []
    for d in range(nd):
        if d == dim:
            key.append(idx)
        else:
            n = idx.shape[d]
            r = xp.arange(n)
            if nd > 1:
                s = [1] * nd
                s[d] = n
                r = r.reshape(s)
            key.append(r)
    return tuple(key)


def _check_along(x_shape, idx, dim, fname, src_shape=None):
    """gather/scatter's checks: ndim, sizes, index range (RuntimeErrors)."""
    xn, inn = len(x_shape), idx.ndim
    if max(inn, 1) != max(xn, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as %s tensor"
                           % ("input" if fname == "gather" else "self"))
    if src_shape is not None and max(len(src_shape), 1) != max(inn, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if idx.size == 0:
        return
    xs = x_shape if xn else (1,)
    ishape = idx.shape if inn else (1,)
    ss = None if src_shape is None else (src_shape if len(src_shape) else (1,))
    for d in range(len(ishape)):
        bad_self = d != dim and ishape[d] > xs[d]
        bad_src = ss is not None and ishape[d] > ss[d]
        if bad_self or bad_src:
            if src_shape is None:
                raise RuntimeError("Size does not match at dimension %d expected index %s to be no "
                                   "larger than self %s apart from dimension %d"
                                   % (d, _fmt(idx.shape), _fmt(x_shape), dim))
            raise RuntimeError("Expected index %s to be no larger than self %s apart from dimension %d "
                               "and to be no larger size than src %s"
                               % (_fmt(idx.shape), _fmt(x_shape), dim, _fmt(src_shape)))
    n = xs[dim]
    lo, hi = idx.min(), idx.max()
    if lo < 0 or hi >= n:
        bad = _first(idx, (idx < 0) | (idx >= n))
        raise RuntimeError("index %d is out of bounds for dimension %d with size %d" % (bad, dim, n))


def _flat1(a):
    return a.reshape(1) if a.ndim == 0 else a


def _zeros(shape, g):
    """A zero tensor of `shape` beside gradient g (its device and dtype)."""
    a = g._data
    return Tensor._make(B.xp(a).zeros(shape, a.dtype), g._dtype)


# ===================================================================== gather / scatter

class Gather(Op):
    dtype_rule = "keep"

    def forward(ctx, x, dim, index):
        out = _flat1(x)[_along_key(_flat1(index), dim)]
        return out.reshape(index.shape) if index.ndim == 0 else out

    def backward(ctx, g):
        p = ctx.params
        return apply(ScatterAdd, _zeros(ctx.inputs_meta[0][0], g), g, dim=p["dim"], index=p["index"])


def gather(input, dim, index, *, sparse_grad=False, out=None):
    idx = _index_array(input, index, _INT32_64, "gather(): Expected dtype int32/int64 for index")
    d = wrap_dim(dim, input.ndim)
    _check_along(input._data.shape, idx, d, "gather")
    return _out(apply(Gather, input, dim=d, index=idx), out)


def _src_sub(idx_shape):
    return tuple(slice(0, s) for s in idx_shape) + (Ellipsis,)


class Scatter(Op):
    """x with x[...index[p]...] = src[p] (or a scalar value); `reduce` is the legacy add/multiply."""
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)

    def forward(ctx, x, src, dim, index, reduce=None, inplace=False):
        out = x if inplace else x.copy()
        o1, i1 = _flat1(out), _flat1(index)
        if _is_scalar(src):
            if reduce is not None:
                src = B.xp(out).asarray(src, out.dtype)
        else:
            src = _flat1(src)[_src_sub(i1.shape)]
        key = _along_key(i1, dim)
        if reduce is None:
            o1[key] = src
        elif reduce == "add":
            _add_at(o1, key, src)
        else:
            B.ufunc_at(np.multiply, o1, key, src)
        return out

    def backward(ctx, g):
        p = ctx.params
        if p.get("reduce") is not None:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        gx = gs = None
        if ctx.inputs_meta[0] is not None:
            gx = apply(Scatter, g, 0, dim=p["dim"], index=p["index"])
        if ctx.inputs_meta[1] is not None:
            gs = _pad_to(apply(Gather, g, dim=p["dim"], index=p["index"]), ctx.inputs_meta[1][0])
        return gx, gs


def _pad_to(g, shape):
    """g (the shape of an index) placed at the start of zeros of `shape` (a src bigger than index)."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    if len(shape) == 0:
        return g.reshape(())
    return apply(IndexBackward, g.reshape(tuple(g.shape) or (1,)),
                 key=_src_sub(tuple(g.shape) or (1,)), shape=shape)


class ScatterAdd(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)

    def forward(ctx, x, src, dim, index, inplace=False):
        out = x if inplace else x.copy()
        i1 = _flat1(index)
        _add_at(_flat1(out), _along_key(i1, dim), _flat1(src)[_src_sub(i1.shape)])
        return out

    def backward(ctx, g):
        p = ctx.params
        gs = None
        if ctx.inputs_meta[1] is not None:
            gs = _pad_to(apply(Gather, g, dim=p["dim"], index=p["index"]), ctx.inputs_meta[1][0])
        return g, gs


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _reduce_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype == np.bool_:
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)
    save = (0, 1)
    save_output = True

    def forward(ctx, x, src, dim, index, reduce, include_self=True, inplace=False):
        out = x if inplace else x.copy()
        o1, i1 = _flat1(out), _flat1(index)
        key = _along_key(i1, dim)
        s = _flat1(src)[_src_sub(i1.shape)]
        if not include_self:
            o1[key] = _reduce_identity(reduce, out.dtype)
        if reduce == "sum" or reduce == "mean":
            _add_at(o1, key, s)
        elif reduce == "prod":
            B.ufunc_at(np.multiply, o1, key, s)
        elif reduce == "amax":
            B.ufunc_at(np.maximum, o1, key, s)
        else:
            B.ufunc_at(np.minimum, o1, key, s)
        if reduce == "mean":
            count = B.xp(out).zeros(o1.shape, np.int64)
            _add_at(count, key, 1)
            if include_self:
                count += 1
            else:
                count[count == 0] = 1
            if out.dtype.kind in "iub":
                np.floor_divide(o1, count, out=o1, casting="unsafe")
            else:
                np.divide(o1, count, out=o1, casting="unsafe")
            ctx.count = count.reshape(out.shape)
        return out

    def backward(ctx, g):
        p = ctx.params
        dim, idx, reduce, inc = p["dim"], p["index"], p["reduce"], p.get("include_self", True)
        x, src, result = ctx.saved_tensors
        xs = ctx.inputs_meta[0][0] if ctx.inputs_meta[0] is not None else tuple(x.shape)
        src_shape = tuple(src.shape)
        # positions that received at least one src value
        i1 = _flat1(idx)
        hit = B.xp(i1).zeros(xs if xs else (1,), np.bool_)
        hit[_along_key(i1, dim)] = True
        hit = Tensor._make(hit.reshape(xs), D.bool_)

        def gath(t):
            return apply(Gather, t, dim=dim, index=idx)

        if reduce == "sum":
            gx = g if inc else masked_fill(g, hit, 0)
            gs = gath(g)
        elif reduce == "mean":
            n = Tensor._make(ctx.count.astype(g._data.dtype), g._dtype)
            gn = g / n
            gx = gn if inc else masked_fill(gn, hit, 0)
            gs = gath(gn)
        elif reduce in ("amax", "amin"):
            s_sub = src if src_shape == tuple(i1.shape) or not src_shape else _index(
                src, _src_sub(idx.shape), None)
            src_hit = (s_sub == gath(result))
            self_hit = (x == result) if inc else None
            cnt = apply(ScatterAdd, _zeros(xs, g), src_hit.to(g._dtype), dim=dim, index=idx)
            if inc:
                cnt = cnt + self_hit.to(g._dtype)
                gx = g * self_hit.to(g._dtype) / cnt.clamp(min=1)
            else:
                gx = masked_fill(g, hit, 0)
            gs = gath(g / cnt.clamp(min=1)) * src_hit.to(g._dtype)
        else:  # prod
            gx, gs = _prod_grads(g, x, src, result, dim, idx, inc, hit)
        return gx, _pad_to(gs, src_shape)


def _prod_grads(g, x, src, result, dim, idx, inc, hit):
    """Gradients of scatter_reduce(prod), exact where some factors are zero."""
    xa = x._data
    i1 = _flat1(idx)
    key = _along_key(i1, dim)
    sa = _flat1(src._data)[_src_sub(i1.shape)]
    xs = xa.shape if xa.ndim else (1,)
    xp = B.xp(xa)
    # product of the nonzero factors and the count of zero factors at each position
    nz = xp.ones(xs, xa.dtype)
    zc = xp.zeros(xs, np.int64)
    if inc:
        x1 = _flat1(xa)
        nz = np.where(x1 != 0, x1, 1).astype(xa.dtype)
        zc = (x1 == 0).astype(np.int64)
    B.ufunc_at(np.multiply, nz, key, np.where(sa != 0, sa, 1))
    B.ufunc_at(np.add, zc, key, (sa == 0).astype(np.int64))
    # gradient of src: product of the other factors at the position
    nz_s, zc_s = nz[key], zc[key]
    others = np.where(sa != 0, np.where(zc_s == 0, nz_s / np.where(sa != 0, sa, 1), 0),
                      np.where(zc_s == 1, nz_s, 0))
    gs = apply(Gather, g, dim=dim, index=idx) * Tensor._make(others.astype(sa.dtype), g._dtype)
    if inc:
        # gradient of self: product of the scattered src values
        p_src = xp.ones(xs, xa.dtype)
        B.ufunc_at(np.multiply, p_src, key, sa)
        gx = g * Tensor._make(p_src.reshape(xa.shape), g._dtype)
    else:
        gx = masked_fill(g, hit, 0)
    return gx, gs


def _scatter_args(input, dim, index, src, fname="scatter"):
    idx = _index_array(input, index, _INT64, "%s(): Expected dtype int64 for index" % fname)
    d = wrap_dim(dim, input.ndim)
    if isinstance(src, Tensor):
        if src._dtype is not input._dtype:
            raise RuntimeError("%s(): Expected self.dtype to be equal to src.dtype" % "scatter")
        _check_along(input._data.shape, idx, d, fname, src._data.shape)
    else:
        _check_along(input._data.shape, idx, d, fname, None)
        if src is not None:
            _check_scalar(src, input._dtype)
    return d, idx


def _scatter_value(src, value):
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    v = src if src is not None else value
    if isinstance(v, np.generic):
        v = v.item()
    return v


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    v = _scatter_value(src, value)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    d, idx = _scatter_args(input, dim, index, v)
    params = {"dim": d, "index": idx}
    if reduce is not None:
        params["reduce"] = reduce
    return _out(apply(Scatter, input, v, **params), out)


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    v = _scatter_value(src, value)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    d, idx = _scatter_args(self, dim, index, v)
    params = {"dim": d, "index": idx}
    if reduce is not None:
        params["reduce"] = reduce
    return _mutate(Scatter, self, v, **params)


def _src_tensor(src, name):
    if not isinstance(src, Tensor):
        raise TypeError("%s(): argument 'src' must be Tensor, not %s" % (name, type(src).__name__))
    return src


def scatter_add(input, dim, index, src, *, out=None):
    d, idx = _scatter_args(input, dim, index, _src_tensor(src, "scatter_add"), "scatter_add")
    return _out(apply(ScatterAdd, input, src, dim=d, index=idx), out)


def scatter_add_(self, dim, index, src):
    d, idx = _scatter_args(self, dim, index, _src_tensor(src, "scatter_add_"), "scatter_add")
    return _mutate(ScatterAdd, self, src, dim=d, index=idx)


def _reduce_arg(reduce):
    if reduce not in _REDUCES:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got %s"
                           % reduce)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    _reduce_arg(reduce)
    d, idx = _scatter_args(input, dim, index, _src_tensor(src, "scatter_reduce"), "scatter_reduce")
    return _out(apply(ScatterReduce, input, src, dim=d, index=idx, reduce=reduce,
                      include_self=bool(include_self)), out)


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    _reduce_arg(reduce)
    d, idx = _scatter_args(self, dim, index, _src_tensor(src, "scatter_reduce_"), "scatter_reduce")
    return _mutate(ScatterReduce, self, src, dim=d, index=idx, reduce=reduce,
                   include_self=bool(include_self))


def _index_reduce_args(self, dim, index, source, reduce):
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or amin but "
                           "got %s." % reduce)
    idx = _index_array(self, index, _INT32_64, "index_reduce_(): Expected dtype int32/int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector, but got dim: %d with type: "
                         "%s and size: %s" % (idx.ndim, _title(_as_index(index)._dtype), _fmt(idx.shape)))
    if not isinstance(source, Tensor):
        raise TypeError("index_reduce(): argument 'source' must be Tensor, not %s" % type(source).__name__)
    if source._dtype is not self._dtype:
        raise RuntimeError("index_reduce_(): self (%s) and source (%s) must have the same scalar type"
                           % (_title(self._dtype), _title(source._dtype)))
    d = wrap_dim(dim, self.ndim)
    xs, ss = tuple(self.shape), tuple(source.shape)
    if max(len(ss), 1) != max(len(xs), 1) or any(ss[i] != xs[i] for i in range(len(ss)) if i != d):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                           "dimension. Got self.shape = %s source.shape = %s" % (_fmt(xs), _fmt(ss)))
    idx = idx.reshape(-1).astype(np.int64, copy=False)
    n_src = ss[d] if ss else 1
    if idx.size != n_src:
        raise RuntimeError("index_reduce_(): Number of indices (%d) should be equal to source.size(dim): "
                           "(%d), for dim: %d" % (idx.size, n_src, d))
    n = xs[d] if xs else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if ss:
        shape = [1] * len(ss)
        shape[d] = -1
        idx = np.broadcast_to(idx.reshape(shape), ss)
    return d, idx


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    d, idx = _index_reduce_args(input, dim, index, source, reduce)
    return apply(ScatterReduce, input, source, dim=d, index=idx, reduce=reduce,
                 include_self=bool(include_self))


def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    d, idx = _index_reduce_args(self, dim, index, source, reduce)
    return _mutate(ScatterReduce, self, source, dim=d, index=idx, reduce=reduce,
                   include_self=bool(include_self))


# ===================================================================== index_* along a dim

def _dim_key(dim, idx):
    return (slice(None),) * dim + (idx,)


class IndexSelect(Op):
    dtype_rule = "keep"

    def forward(ctx, x, dim, index):
        if x.ndim == 0:
            return x.reshape(1)[index].reshape(index.shape)
        return np.take(x, index, axis=dim)

    def backward(ctx, g):
        p = ctx.params
        return apply(IndexAdd, _zeros(ctx.inputs_meta[0][0], g), g, dim=p["dim"], index=p["index"])


def index_select(input, dim, index, *, out=None):
    idx = _index_array(input, index, _INT32_64, "index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        if idx.size != 1:
            raise RuntimeError("index_select(): Index to scalar can have only 1 value, got %d value(s)"
                               % idx.size)
        n = 1
    else:
        n = input._data.shape[d]
        idx = idx.reshape(-1)
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= n:
            bad = _first(idx, (idx < 0) | (idx >= n))
            raise RuntimeError("INDICES element is out of DATA bounds, id=%d axis_dim=%d" % (bad, n))
    return _out(apply(IndexSelect, input, dim=d, index=idx), out)


class IndexAdd(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)

    def forward(ctx, x, src, dim, index, alpha=1, inplace=False):
        out = x if inplace else x.copy()
        if alpha != 1:
            src = src * alpha
        if out.ndim == 0:
            B.ufunc_at(np.add, out.reshape(1), index, src.reshape(-1))
            return out
        shape = out.shape
        a = int(np.prod(shape[:dim]))
        b = int(np.prod(shape[dim + 1:]))
        if out.flags.c_contiguous and src.ndim == out.ndim:
            o3 = out.reshape(a, shape[dim], b)
            key = (B.xp(out).arange(a).reshape(a, 1), index.reshape(1, -1))
            _add_at(o3, key, src.reshape(a, index.size, b))
        else:
            B.ufunc_at(np.add, out, _dim_key(dim, index), src)
        return out

    def backward(ctx, g):
        p = ctx.params
        gs = None
        if ctx.inputs_meta[1] is not None:
            gs = apply(IndexSelect, g, dim=p["dim"], index=p["index"])
            if tuple(gs.shape) != tuple(ctx.inputs_meta[1][0]):
                gs = gs.reshape(ctx.inputs_meta[1][0])
            a = p.get("alpha", 1)
            if a != 1:
                gs = gs * a
        return g, gs


def _index_dim_args(self, dim, index, source, fname):
    """Shared checks of index_add/index_copy: vector index, matching source shape."""
    if fname == "index_add_":
        idx = _index_array(self, index, _INT32_64, "index_add_(): Expected dtype int32/int64 for index")
    else:
        idx = _index_array(self, index, _INT64, "index_copy_(): Expected a long tensor for index, but got %s"
                           % _title(_as_index(index)._dtype))
    if idx.ndim > 1:
        raise IndexError("%s(): Index is supposed to be a vector, but got dim: %d with type: %s and "
                         "size: %s" % (fname, idx.ndim, _title(_as_index(index)._dtype),
                                       _fmt(idx.shape)))
    idx = idx.reshape(-1)
    d = wrap_dim(dim, self.ndim)
    if not isinstance(source, Tensor):
        raise TypeError("%s(): argument 'source' must be Tensor, not %s" % (fname, type(source).__name__))
    xs, ss = tuple(self.shape), tuple(source.shape)
    if fname == "index_add_":
        if source._dtype is not self._dtype:
            raise RuntimeError("index_add_(): self (%s) and source (%s) must have the same scalar type"
                               % (_title(self._dtype), _title(source._dtype)))
        n_src = ss[d] if ss else 1
        if max(len(ss), 1) != max(len(xs), 1) or (len(xs) and not len(ss)) or any(
                ss[i] != xs[i] for i in range(len(xs)) if i != d):
            raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                               "specified dimension. Got self.shape = %s source.shape = %s"
                               % (_fmt(xs), _fmt(ss)))
        if idx.size != n_src:
            raise RuntimeError("index_add_(): Number of indices (%d) should be equal to source.size(dim): "
                               "(%d), for dim: %d" % (idx.size, n_src, d))
        n = xs[d] if xs else 1
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError("index out of range in self")
    else:
        if source._dtype is not self._dtype:
            raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got "
                               "(self) %s and (source) %s" % (_title(self._dtype), _title(source._dtype)))
        if len(ss) and len(xs) and len(ss) != len(xs):
            raise IndexError("index_copy_(): When source and destination are not scalars, their "
                             "dimensionality must match. Source dimensionality (%d), destination "
                             "dimensionality (%d)" % (len(ss), len(xs)))
        for i in range(len(ss)):
            if i != d and len(xs) and ss[i] != xs[i]:
                raise RuntimeError("index_copy_(): Source/destination tensor must have same slice "
                                   "shapes. Destination slice shape: %s at dimension %d and source "
                                   "slice shape: %s at dimension 0."
                                   % (_fmt(xs[:d] + xs[d + 1:]), d, _fmt(ss[:d] + ss[d + 1:])))
        n_src = ss[d] if ss else 1
        if idx.size != n_src:
            raise IndexError("index_copy_(): Number of indices (%d) should be equal to source.size(dim) "
                             "(%d)" % (idx.size, n_src))
        n = xs[d] if xs else 1
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            bad = _first(idx, (idx < 0) | (idx >= n))
            raise IndexError("index_copy_(): index %d is out of bounds for dimension %d with size %d"
                             % (bad, d, n))
    return d, idx


def index_add(input, dim, index, source, *, alpha=1, out=None):
    d, idx = _index_dim_args(input, dim, index, source, "index_add_")
    params = {"dim": d, "index": idx}
    if alpha != 1:
        params["alpha"] = alpha
    return _out(apply(IndexAdd, input, source, **params), out)


def index_add_(self, dim, index, source, *, alpha=1):
    d, idx = _index_dim_args(self, dim, index, source, "index_add_")
    params = {"dim": d, "index": idx}
    if alpha != 1:
        params["alpha"] = alpha
    return _mutate(IndexAdd, self, source, **params)


class IndexCopy(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)

    def forward(ctx, x, src, dim, index, inplace=False):
        out = x if inplace else x.copy()
        if out.ndim == 0:
            out[...] = src.reshape(-1)[-1]
        else:
            out[_dim_key(dim, index)] = src.reshape(src.shape if src.ndim else (1,) * out.ndim)
        return out

    def backward(ctx, g):
        p = ctx.params
        gx = gs = None
        if ctx.inputs_meta[0] is not None:
            gx = apply(IndexFill, g, 0, dim=p["dim"], index=p["index"])
        if ctx.inputs_meta[1] is not None:
            gs = apply(IndexSelect, g, dim=p["dim"], index=p["index"]).reshape(ctx.inputs_meta[1][0])
        return gx, gs


def index_copy(input, dim, index, source):
    d, idx = _index_dim_args(input, dim, index, source, "index_copy_")
    return apply(IndexCopy, input, source, dim=d, index=idx)


def index_copy_(self, dim, index, source):
    d, idx = _index_dim_args(self, dim, index, source, "index_copy_")
    return _mutate(IndexCopy, self, source, dim=d, index=idx)


class IndexFill(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)
    fills = True

    def forward(ctx, x, value, dim, index, inplace=False):
        out = x if inplace else x.copy()
        if out.ndim == 0:
            if index.size:
                out[...] = value
        else:
            out[_dim_key(dim, index)] = value
        return out

    def backward(ctx, g):
        p = ctx.params
        gx = gv = None
        if ctx.inputs_meta[0] is not None:
            gx = apply(IndexFill, g, 0, dim=p["dim"], index=p["index"])
        if ctx.inputs_meta[1] is not None:
            idx = np.unique(np.where(p["index"] < 0, p["index"] + (g.shape[p["dim"]] if g.ndim else 1),
                                     p["index"]))
            gv = apply(IndexSelect, g, dim=p["dim"], index=idx).sum()
        return gx, gv


def _index_fill_args(self, dim, index, value):
    idx = _index_array(self, index, _INT64, "index_fill_(): Expected dtype int64 for index.", IndexError)
    if idx.ndim > 1:
        raise IndexError("Index has to be a vector/scalar")
    idx = idx.reshape(-1)
    d = wrap_dim(dim, self.ndim)
    n = self._data.shape[d] if self.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = _first(idx, (idx < -n) | (idx >= n))
        raise IndexError("index %d is out of bounds for dimension %d with size %d" % (bad, d, n))
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               "with %d dimension(s)." % value.ndim)
        value = _to_device_of(value, self)  # PyTorch reads the value from any device
    else:
        if isinstance(value, np.generic):
            value = value.item()
        _check_scalar(value, self._dtype)
    return d, idx, value


def index_fill(input, dim, index, value):
    d, idx, value = _index_fill_args(input, dim, index, value)
    return apply(IndexFill, input, value, dim=d, index=idx)


def index_fill_(self, dim, index, value):
    d, idx, value = _index_fill_args(self, dim, index, value)
    return _mutate(IndexFill, self, value, dim=d, index=idx)


# ===================================================================== index_put

def _index_put_args(self, indices, values):
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors, not %s"
                        % type(indices).__name__)
    key = []
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError("expected Tensor as element %d in argument 0, but got %s"
                            % (i, type(t).__name__))
        key.append(t)
    if not isinstance(values, Tensor):
        raise TypeError("index_put(): argument 'values' must be Tensor, not %s" % type(values).__name__)
    if values._dtype is not self._dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got %s for the "
                           "destination and %s for the source." % (_title(self._dtype), _title(values._dtype)))
    n_dims = sum(max(t.ndim, 1) if t._dtype in (D.bool_, D.uint8) else 1 for t in key)
    if n_dims > self.ndim:
        raise IndexError("too many indices for tensor of dimension %d (got %d)" % (self.ndim, n_dims))
    # 0-dim integer tensors are index tensors here (not selects)
    items = [(t.reshape(1) if t.ndim == 0 and t._dtype in _INT32_64 else t) for t in key]
    _, adv = _parse_key(self, tuple(items), grad_state.enabled)
    dst_shape = self._data.shape
    tshape = _adv_shape(dst_shape, adv) if adv else dst_shape
    vshape = _strip_ones(values._data.shape, len(tshape))
    if vshape != tuple(tshape):
        _check_value_shape(vshape, tuple(tshape), False)
    return (Ellipsis,), (adv if adv else None), vshape


def index_put(input, indices, values, accumulate=False):
    basic, adv, vshape = _index_put_args(input, indices, values)
    return apply(IndexPut, input, values, basic=basic, adv=adv, vshape=vshape,
                 accumulate=bool(accumulate) and adv is not None)


def index_put_(self, indices, values, accumulate=False):
    basic, adv, vshape = _index_put_args(self, indices, values)
    if grad_state.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    return _mutate(IndexPut, self, values, basic=basic, adv=adv, vshape=vshape,
                   accumulate=bool(accumulate) and adv is not None)


# ===================================================================== masked ops

def _mask_array(x, mask, fname):
    mask = _as_index(mask)
    if mask._dtype is not D.bool_:
        if fname == "masked_select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        if fname == "masked_scatter_":
            raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype %s"
                               % _dtype_word(mask._dtype))
        raise RuntimeError("%s only supports boolean masks, but got mask with dtype %s"
                           % (fname, _dtype_word(mask._dtype)))
    _check_device(x, mask, "expected self and mask to be on the same device, but got mask on %s and "
                           "self on %s")
    return mask._data


def _dtype_word(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bfloat16": "c10::BFloat16"}.get(d.name, d.name)


def _broadcast_or_raise(a, b):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        n = max(len(a), len(b))
        a2, b2 = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        for i in range(n - 1, -1, -1):
            if a2[i] != b2[i] and a2[i] != 1 and b2[i] != 1:
                raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) at "
                                   "non-singleton dimension %d" % (a2[i], b2[i], i)) from None
        raise


def _check_inplace_shape(self_shape, shape):
    if tuple(shape) != tuple(self_shape):
        raise RuntimeError("output with shape %s doesn't match the broadcast shape %s"
                           % (_fmt(self_shape), _fmt(shape)))


class MaskedFill(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)
    fills = True  # writes one value: PyTorch allows it on expanded tensors

    def forward(ctx, x, value, mask, inplace=False):
        if inplace:
            np.copyto(x, value, where=mask, casting="unsafe")
            return x
        v = B.xp(x).asarray(value)
        if v.dtype != x.dtype:
            v = v.astype(x.dtype)
        return np.where(mask, v, x)

    def backward(ctx, g):
        mask = ctx.params["mask"]
        gx = gv = None
        if ctx.inputs_meta[0] is not None:
            gx = apply(MaskedFill, g, 0, mask=mask)
        if ctx.inputs_meta[1] is not None:
            gv = apply(MaskedFill, g, 0, mask=~mask).sum()
        return gx, gv


def _fill_value(self, value, fname):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("%s only supports a 0-dimensional value tensor, but got tensor with %d "
                               "dimension(s)." % (fname, value.ndim))
        return _to_device_of(value, self)  # PyTorch reads the value from any device
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError("masked_fill() received an invalid combination of arguments - got (%s)"
                        % type(value).__name__)
    _check_scalar(value, self._dtype)
    return value


def masked_fill(input, mask, value):
    m = _mask_array(input, mask, "masked_fill_")
    value = _fill_value(input, value, "masked_fill_")
    _broadcast_or_raise(input._data.shape, m.shape)
    return apply(MaskedFill, input, value, mask=m)


def masked_fill_(self, mask, value):
    m = _mask_array(self, mask, "masked_fill_")
    value = _fill_value(self, value, "masked_fill_")
    _check_inplace_shape(self._data.shape, _broadcast_or_raise(self._data.shape, m.shape))
    return _mutate(MaskedFill, self, value, mask=m)


class MaskedSelect(Op):
    dtype_rule = "keep"

    def forward(ctx, x, mask):
        if x.shape != mask.shape:
            x, mask = np.broadcast_arrays(x, mask)
        return x[mask]

    def backward(ctx, g):
        mask = ctx.params["mask"]
        shape = _broadcast_or_raise(tuple(ctx.inputs_meta[0][0]), mask.shape)
        if mask.shape != shape:
            mask = np.broadcast_to(mask, shape)
        return apply(AdvIndexBackward, g, key=(mask,), shape=shape)


def masked_select(input, mask, *, out=None):
    m = _mask_array(input, mask, "masked_select")
    _broadcast_or_raise(input._data.shape, m.shape)
    return _out(apply(MaskedSelect, input, mask=m), out)


class MaskedScatter(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)

    def forward(ctx, x, src, mask, inplace=False):
        if inplace:
            out = x
        else:
            shape = np.broadcast_shapes(x.shape, mask.shape)
            out = np.broadcast_to(x, shape).copy()
        if mask.shape != out.shape:
            mask = np.broadcast_to(mask, out.shape)
        n = int(np.count_nonzero(mask))
        if src.size < n:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        out[mask] = src.reshape(-1)[:n]
        return out

    def backward(ctx, g):
        mask = ctx.params["mask"]
        gx = gs = None
        if ctx.inputs_meta[0] is not None:
            gx = apply(MaskedFill, g, 0, mask=mask)
        if ctx.inputs_meta[1] is not None:
            sshape = tuple(ctx.inputs_meta[1][0])
            sel = apply(MaskedSelect, g, mask=mask)
            numel = int(np.prod(sshape)) if sshape else 1
            n = sel.shape[0]
            if n != numel:
                sel = apply(IndexBackward, sel, key=(slice(0, n), Ellipsis), shape=(numel,))
            gs = sel.reshape(sshape)
        return gx, gs


def _masked_scatter_args(self, mask, source):
    m = _mask_array(self, mask, "masked_scatter_")
    if not isinstance(source, Tensor):
        raise TypeError("masked_scatter(): argument 'source' must be Tensor, not %s"
                        % type(source).__name__)
    if source._dtype is not self._dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got%s and %s"
                           % (_title(self._dtype), _title(source._dtype)))
    shape = _broadcast_or_raise(self._data.shape, m.shape)
    if int(np.count_nonzero(np.broadcast_to(m, shape))) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return m, shape


def masked_scatter(input, mask, source):
    m, _ = _masked_scatter_args(input, mask, source)
    return apply(MaskedScatter, input, source, mask=m)


def masked_scatter_(self, mask, source):
    m, shape = _masked_scatter_args(self, mask, source)
    _check_inplace_shape(self._data.shape, shape)
    return _mutate(MaskedScatter, self, source, mask=m)


# ===================================================================== nonzero, take, put

def nonzero(input, *, out=None, as_tuple=False):
    a = input._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64, copy=False), D.int64)
                     for i in np.nonzero(np.atleast_1d(a)))
    r = Tensor._make(np.argwhere(a).astype(np.int64, copy=False), D.int64)
    return _out(r, out)


def argwhere(input):
    return nonzero(input)


class Take(Op):
    dtype_rule = "keep"

    def forward(ctx, x, index):
        return x.reshape(-1)[index]

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        numel = int(np.prod(shape)) if shape else 1
        flat = apply(Put, _zeros((numel,), g), g, index=p["index"].reshape(-1), accumulate=True)
        return flat.reshape(shape)


def _flat_index(x, index, fname):
    numel = x.numel()
    idx = _index_array(x, index, _INT64, "%s(): Expected a long tensor for index, but got %s"
                       % (fname, _title(_as_index(index)._dtype)))
    if idx.size and (idx.min() < -numel or idx.max() >= numel):
        bad = _first(idx, (idx < -numel) | (idx >= numel))
        raise IndexError("out of range: tried to access index %d on a tensor of %d elements."
                         % (bad, numel))
    return idx


def take(input, index, *, out=None):
    idx = _flat_index(input, index, "take")
    if input.numel() == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    return _out(apply(Take, input, index=idx), out)


class Put(Op):
    dtype_rule = staticmethod(_self_dtype)
    promote = (0,)

    def forward(ctx, x, src, index, accumulate=False, inplace=False):
        out = x if inplace else x.copy()
        flat = out.reshape(-1)
        copy_back = inplace and not out.flags.c_contiguous
        if accumulate:
            B.ufunc_at(np.add, flat, index, src.reshape(-1))
        else:
            flat[index] = src.reshape(-1)
        if copy_back:
            out[...] = flat.reshape(out.shape)
        return out

    def backward(ctx, g):
        p = ctx.params
        gx = gs = None
        if ctx.inputs_meta[0] is not None:
            gx = g if p.get("accumulate") else apply(Put, g, _zeros(p["index"].shape, g), index=p["index"])
        if ctx.inputs_meta[1] is not None:
            gs = apply(Take, g, index=p["index"]).reshape(ctx.inputs_meta[1][0])
        return gx, gs


def _put_args(self, index, source):
    if not isinstance(source, Tensor):
        raise TypeError("put_(): argument 'source' must be Tensor, not %s" % type(source).__name__)
    idx = _flat_index(self, index, "put_")
    if idx.size != source.numel():
        raise IndexError("put_(): Expected source and index to have the same number of elements, but "
                         "got source.numel() = %d, index.numel() = %d" % (source.numel(), idx.size))
    if source._dtype is not self._dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           "self.dtype = %s and source.dtype = %s" % (_title(self._dtype),
                                                                        _title(source._dtype)))
    return idx.reshape(-1)


def put(input, index, source, accumulate=False):
    idx = _put_args(input, index, source)
    return apply(Put, input, source, index=idx, accumulate=bool(accumulate))


def put_(self, index, source, accumulate=False):
    idx = _put_args(self, index, source)
    return _mutate(Put, self, source, index=idx, accumulate=bool(accumulate))


def take_along_dim(input, indices, dim=None, *, out=None):
    idx = _index_array(input, indices, _INT64, "torch.take_along_dim(): dtype of indices should be Long but "
                       "got %s" % _title(_as_index(indices)._dtype))
    if dim is None:
        flat = input.reshape(-1)
        n = flat.shape[0]
        i = idx.reshape(-1)
        i = np.where(i < 0, i + n, i) if i.size and i.min() < 0 else i
        _check_along((n,), i, 0, "gather")
        return _out(apply(Gather, flat, dim=0, index=i), out)
    if input.ndim != idx.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of "
                           "dimensions, but got %d dimensions for input, and %d dimensions for indices"
                           % (input.ndim, idx.ndim))
    d = wrap_dim(dim, input.ndim)
    xs, ish = list(input.shape), list(idx.shape)
    n = xs[d] if xs else 1
    xs_b, is_b = list(xs), list(ish)
    if xs:
        xs_b[d] = ish[d]
        b = list(_broadcast_or_raise(tuple(xs_b), tuple(ish)))
        xs_b, is_b = list(b), list(b)
        xs_b[d], is_b[d] = xs[d], ish[d]
    x = input if tuple(xs_b) == tuple(xs) else input.expand(*xs_b)
    i = np.broadcast_to(idx, tuple(is_b)) if tuple(is_b) != tuple(ish) else idx
    if i.size and n:
        i = i % n  # negative indices count from the end
    _check_along(tuple(x.shape), i, d, "gather")
    return _out(apply(Gather, x, dim=d, index=i), out)


# ===================================================================== searching and counting

def _values_array(x):
    if isinstance(x, Tensor):
        return x._data, x._dtype
    a = np.asarray(x)
    return a, D.scalar_dtype(x) if a.ndim == 0 and not isinstance(x, np.ndarray) else D.from_numpy(a.dtype)


def _searchsorted_nd(seq, vals, right):
    """searchsorted row by row (seq (..., M), vals (..., K) with equal leading dims), vectorised."""
    if not B.is_host(seq):  # CuPy's lexsort has no axis: a batched binary search instead
        return _bisect_rows(seq, vals, right)
    m = seq.shape[-1]
    k = vals.shape[-1]
    rows = math.prod(seq.shape[:-1])  # (not -1: a size-0 dim makes it ambiguous)
    s2 = seq.reshape(rows, m)
    v2 = vals.reshape(rows, k)
    dt = np.result_type(s2.dtype, v2.dtype)
    c = np.concatenate([s2.astype(dt, copy=False), v2.astype(dt, copy=False)], axis=1)
    is_seq = np.concatenate([np.ones((rows, m), np.int64), np.zeros((rows, k), np.int64)], axis=1)
    # on ties, values sort before sequence elements (left) or after them (right)
    tie = (1 - is_seq) if right else is_seq
    order = np.lexsort((tie, c), axis=-1)
    cum = np.cumsum(np.take_along_axis(is_seq, order, axis=1), axis=1)
    res = np.empty_like(cum)
    np.put_along_axis(res, order, cum, axis=1)
    return res[:, m:].reshape(vals.shape)


def _bisect_rows(seq, vals, right):
    """_searchsorted_nd as a binary search run on all values at once (NaN sorts last)."""
    xp = B.xp(seq)
    m = seq.shape[-1]
    rows = math.prod(seq.shape[:-1])
    s2 = seq.reshape(rows, m)
    v2 = vals.reshape(rows, vals.shape[-1])
    lo = xp.zeros(v2.shape, np.int64)
    hi = xp.full(v2.shape, m, np.int64)
    vnan = xp.isnan(v2) if v2.dtype.kind == "f" else None
    for _ in range(m.bit_length()):
        mid = (lo + hi) >> 1
        s = xp.take_along_axis(s2, xp.minimum(mid, m - 1), axis=1)
        if right:   # does s sort at or before v?
            before = s <= v2
            if vnan is not None:
                before |= vnan
        else:       # strictly before v?
            before = s < v2
            if vnan is not None:
                before |= vnan & ~xp.isnan(s)
        before &= lo < hi
        lo = xp.where(before, mid + 1, lo)
        hi = xp.where(before, hi, mid)
    return lo.reshape(vals.shape)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None,
                 sorter=None):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but got %s" % side)
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side "
                               "of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    if not scalar and type(input._data) is not type(seq) and input.device != sorted_sequence.device:
        raise RuntimeError("torch.searchsorted(): boundaries and input value tensors should have same device "
                           "type, but we got boundaries tensor device type %s and input value tensor device "
                           "type %s" % (sorted_sequence.device.type, input.device.type))
    vals, _ = _values_array(input)
    if type(vals) is not type(seq):  # a Python number: beside the boundaries
        vals = B.xp(seq).asarray(vals)
    if sorter is not None:
        sa = _index_array(sorted_sequence, sorter, _INT64, "torch.searchsorted(): sorter must be a tensor "
                          "of long dtype but got %s" % _title(_as_index(sorter)._dtype))
        if sa.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but "
                               "got boundary tensor %s and got sorter tensor %s"
                               % (_fmt(seq.shape), _fmt(sa.shape)))
        seq = np.take_along_axis(seq, sa, axis=-1) if seq.ndim else seq
    odt = np.int32 if out_int32 else np.int64
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first "
                           "N-1 dimensions of boundaries tensor and input value tensor must match, but "
                           "we got boundaries tensor %s and input value tensor %s"
                           % (_fmt(seq.shape), _fmt(vals.shape)))
    if seq.ndim == 1:
        r = np.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if scalar or vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                               "first N-1 dimensions of boundaries tensor and input value tensor must "
                               "match, but we got boundaries tensor %s and input value tensor %s"
                               % (_fmt(seq.shape), _fmt(vals.shape)))
        r = _searchsorted_nd(seq, vals, right)
    res = Tensor._make(B.xp(seq).asarray(r, dtype=odt), D.int32 if out_int32 else D.int64)
    return _out(res, out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries.ndim != 1:
        raise RuntimeError("boundaries tensor must be 1 dimension, but got dim(%d)" % boundaries.ndim)
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def bincount(input, weights=None, minlength=0):
    if input._dtype.category != D.INT:
        raise NotImplementedError("\"bincount_cpu\" not implemented for '%s'" % _title(input._dtype))
    a = input._data
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return Tensor._make(np.bincount(a, minlength=minlength).astype(np.int64, copy=False), D.int64)
    _check_device(input, weights)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    odt = weights._dtype if weights._dtype in (D.float32, D.float64) else D.float64
    r = np.bincount(a, weights=w.astype(np.float64), minlength=minlength)
    return Tensor._make(r.astype(odt.np), odt)


def histc(input, bins=100, min=0, max=0, *, out=None):
    if input._dtype.category != D.FLOAT:
        raise NotImplementedError("\"histogram_cpu\" not implemented for '%s'" % _title(input._dtype))
    if bins <= 0:
        raise RuntimeError("torch.histogram(): bins must be > 0, but got %d for dimension 0" % bins)
    a = input._data.reshape(-1)
    dt = a.dtype.type
    lo, hi = dt(min), dt(max)
    if lo == hi and a.size:
        lo, hi = a.min(), a.max()
    if lo == hi:
        lo, hi = lo - dt(1), hi + dt(1)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError("torch.histc: range of [%s, %s] is not finite" % (_num(lo), _num(hi)))
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    keep = (a >= lo) & (a <= hi)
    v = a[keep]
    pos = ((v - lo) * dt(bins) / (hi - lo)).astype(np.int64)
    pos[pos >= bins] = bins - 1
    r = np.bincount(pos, minlength=bins)[:bins].astype(a.dtype)
    return _out(Tensor._make(r, input._dtype), out)


def _num(v):
    v = float(v)
    if v != v:
        return "-nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return "%g" % v


# ===================================================================== exports

__all__ = [
    "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy",
    "index_fill", "index_put", "index_put_", "index_reduce", "masked_fill", "masked_select", "masked_scatter",
    "nonzero", "argwhere", "take", "take_along_dim", "put", "bucketize", "searchsorted", "bincount",
    "histc",
]

TENSOR_METHODS = {
    "__getitem__": getitem,
    "__setitem__": setitem,
    "gather": gather,
    "scatter": scatter,
    "scatter_": scatter_,
    "scatter_add": scatter_add,
    "scatter_add_": scatter_add_,
    "scatter_reduce": scatter_reduce,
    "scatter_reduce_": scatter_reduce_,
    "index_select": index_select,
    "index_add": index_add,
    "index_add_": index_add_,
    "index_copy": index_copy,
    "index_copy_": index_copy_,
    "index_fill": index_fill,
    "index_fill_": index_fill_,
    "index_put": index_put,
    "index_reduce": index_reduce,
    "index_reduce_": index_reduce_,
    "index_put_": index_put_,
    "masked_fill": masked_fill,
    "masked_fill_": masked_fill_,
    "masked_select": masked_select,
    "masked_scatter": masked_scatter,
    "masked_scatter_": masked_scatter_,
    "nonzero": nonzero,
    "argwhere": argwhere,
    "take": take,
    "take_along_dim": take_along_dim,
    "put": put,
    "put_": put_,
    "bincount": bincount,
    "histc": histc,
}
