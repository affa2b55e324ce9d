"""Tensor methods and operators, bound onto Tensor from the op functions.

Kept apart from _tensor.py so that the class itself stays about metadata;
every method here is a thin call into an op family.
"""
import numpy as np

from . import _creation as C
from . import _dtype as D
from . import _storage
from . import _backends as B
from ._backends import xp
from ._device import CPU, as_device
from ._dispatch import Op, apply_inplace
from ._ops import pointwise as P
from ._ops import reduction as R
from ._ops import shape as S
from ._tensor import Tensor

_LEGACY_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
    "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
}


def _bind(name, fn):
    setattr(Tensor, name, fn)


# ------------------------------------------------------------------ operators
def _rev(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _op_or_notimpl(fn):
    def f(self, other):
        if not isinstance(other, (Tensor, int, float, bool, complex, np.ndarray, np.generic)):
            return NotImplemented
        return fn(self, other)
    return f


OPERATORS = {
    "__add__": P.add, "__sub__": P.sub, "__mul__": P.mul, "__truediv__": P.div,
    "__floordiv__": P.floor_divide, "__mod__": P.remainder, "__pow__": P.pow,
    "__and__": P.bitwise_and, "__or__": P.bitwise_or, "__xor__": P.bitwise_xor,
    "__eq__": P.eq, "__ne__": P.ne, "__lt__": P.lt, "__le__": P.le, "__gt__": P.gt, "__ge__": P.ge,
}
for _name, _fn in OPERATORS.items():
    _bind(_name, _op_or_notimpl(_fn))
for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor"):
    _bind("__r%s__" % _name, _op_or_notimpl(_rev(OPERATORS["__%s__" % _name])))
_bind("__neg__", P.neg)
_bind("__pos__", P.positive)
_bind("__abs__", lambda self: P.abs(self))
_bind("__invert__", P.bitwise_not)
_bind("__matmul__", lambda self, other: __import__("ember")._ops.linalg.matmul(self, other))
_bind("__rmatmul__", lambda self, other: __import__("ember")._ops.linalg.matmul(other, self))


def _iop(name):
    inplace = P.INPLACE_BINARY[name + "_"]

    def f(self, other):
        return inplace(self, other)
    return f


for _dunder, _name in (("__iadd__", "add"), ("__isub__", "sub"), ("__imul__", "mul"),
                       ("__itruediv__", "div"), ("__ifloordiv__", "floor_divide"),
                       ("__imod__", "remainder"), ("__ipow__", "pow"), ("__iand__", "bitwise_and"),
                       ("__ior__", "bitwise_or"), ("__ixor__", "bitwise_xor")):
    _bind(_dunder, _iop(_name))


def _imatmul(self, other):
    r = self @ other
    return self.copy_(r)


_bind("__imatmul__", _imatmul)

# ------------------------------------------------------------------ plain methods
METHOD_SOURCES = {
    P: ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
        "float_power", "neg", "negative", "atan2", "arctan2", "hypot", "maximum", "minimum", "fmax",
        "fmin", "lerp", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
        "less_equal", "not_equal", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
        "logical_and", "logical_or", "logical_xor", "logical_not", "round", "logit", "clamp",
        "clip", "clamp_min", "clamp_max", "nan_to_num", "clone", "absolute", "arcsin", "arccos",
        "arctan", "arcsinh", "arccosh", "arctanh", "fix", "isposinf", "isneginf", "isreal",
        "positive"] + list(P.UNARY),
    R: ["sum", "mean"],
    S: ["view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "ravel", "permute",
        "transpose", "swapaxes", "swapdims", "t", "adjoint", "movedim", "moveaxis", "expand",
        "expand_as", "broadcast_to", "squeeze", "unsqueeze", "narrow", "select", "split",
        "split_with_sizes", "chunk", "tensor_split", "hsplit", "vsplit", "unbind", "diagonal",
        "unfold", "contiguous", "flip", "fliplr", "flipud", "roll", "repeat", "tile",
        "repeat_interleave", "tril", "triu"],
}


def bind_methods(sources):
    for module, names in sources.items():
        for name in names:
            _bind(name, getattr(module, name))


bind_methods(METHOD_SOURCES)


def _where_method(self, condition, other):
    return P.where(condition, self, other)


_bind("where", _where_method)


# ------------------------------------------------------------------ in-place methods
for _name, _fn in P.INPLACE_BINARY.items():
    _bind(_name, _fn)


def _unary_inplace(op):
    def f(self):
        return apply_inplace(op, self)
    return f


for _name, _op in P.UNARY.items():
    if _op.differentiable or _name in ("floor", "ceil", "trunc", "sign"):
        _bind(_name + "_", _unary_inplace(_op))
_bind("neg_", _unary_inplace(P.Neg))
_bind("negative_", _unary_inplace(P.Neg))
_bind("bitwise_not_", _unary_inplace(P.BitwiseNot))
_bind("logical_not_", lambda self: self.copy_(P.logical_not(self)))


def clamp_(self, min=None, max=None):
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return apply_inplace(P.ClampTensor, self, min, max)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return apply_inplace(P.Clamp, self, min=min, max=max)


_bind("clamp_", clamp_)
_bind("clip_", clamp_)
_bind("clamp_min_", lambda self, min: clamp_(self, min=min))
_bind("clamp_max_", lambda self, max: clamp_(self, max=max))
_bind("round_", lambda self, *, decimals=None: apply_inplace(
    P.Round, self, **({} if decimals is None else {"decimals": decimals})))
_bind("lerp_", lambda self, end, weight: apply_inplace(P.Lerp, self, end, P._scalar_or_tensor(weight)))
_bind("logit_", lambda self, eps=None: apply_inplace(P.Logit, self, eps=eps))


def _keep_dtype(d, inputs, params):
    return inputs[0]._dtype, inputs[0]._dtype


class Copy(Op):
    """dst.copy_(src): src broadcast and converted to dst's dtype."""
    dtype_rule = staticmethod(_keep_dtype)
    promote = ()

    def forward(ctx, dst, src):
        if not hasattr(src, "shape"):   # a Python scalar
            src = xp(dst).asarray(src, dtype=dst.dtype)
        return xp(dst).broadcast_to(src, dst.shape) if src.shape != dst.shape else src

    def backward(ctx, g):
        return g * 0, g


class Fill(Op):
    dtype_rule = staticmethod(_keep_dtype)
    promote = ()

    def forward(ctx, dst, value):
        out = xp(dst).empty(dst.shape, dst.dtype)
        out[...] = value
        return out

    def backward(ctx, g):
        return g * 0, (g.sum() if ctx.inputs_meta[1] is not None else None)


def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        src = C.tensor(src)
    if src._data is self._data:
        return self
    s = src
    if type(src._data) is not type(self._data):
        s = src.to(self.device)
    try:
        np.broadcast_shapes(s._data.shape, self._data.shape)
        ok = np.broadcast_shapes(s._data.shape, self._data.shape) == self._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) at "
                           "non-singleton dimension %d" % (self.shape[-1] if self.ndim else 1,
                                                           s.shape[-1] if s.ndim else 1, max(self.ndim - 1, 0)))
    if s._dtype.category >= D.FLOAT and self._dtype.category < D.FLOAT:
        s = P.to_dtype(s, self._dtype)  # float -> int truncates (NumPy would too, but keep NaN rules)
    return apply_inplace(Copy, self, s)


def fill_(self, value):
    if not isinstance(value, Tensor):
        D.check_scalar(value, self._dtype)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with %d "
                               "dimensions." % value.ndim)
        return apply_inplace(Fill, self, value)
    return apply_inplace(Fill, self, value)


def zero_(self):
    return fill_(self, 0)


_bind("copy_", copy_)
_bind("fill_", fill_)
_bind("zero_", zero_)


# ------------------------------------------------------------------ conversions
def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a._dtype, a.device
        elif isinstance(a, bool):
            pass
        elif a is not None:
            device = a
    return dtype, device, copy


def _cuda_module():
    from . import cuda
    return cuda


def _current_cuda():
    cuda = _cuda_module()
    return as_device("cuda:%d" % (cuda.current_device() if cuda.is_available() else 0))


def to(self, *args, **kwargs):
    dtype, device, copy = _parse_to(args, dict(kwargs))
    out = self
    if device is not None:
        dev = as_device(device)
        if dev.type == "cuda" and dev.index is None:
            dev = _current_cuda()
        if dev != self.device:
            from ._backends import move_to
            out = move_to(out, dev)
            copy = False
    if dtype is not None and dtype is not out._dtype:
        out = P.to_dtype(out, dtype)
        copy = False
    if copy:
        out = P.clone(out)
    return out


_bind("to", to)
_bind("cpu", lambda self, memory_format=None: to(self, CPU))
_bind("cuda", lambda self, device=None, non_blocking=False, memory_format=None:
      to(self, as_device("cuda" if device is None else (device if not isinstance(device, int)
                                                         else "cuda:%d" % device))))


def _caster(dtype):
    def f(self, memory_format=None):
        return P.to_dtype(self, dtype)
    return f


for _name, _d in (("float", D.float32), ("double", D.float64), ("half", D.float16),
                  ("bfloat16", D.bfloat16), ("long", D.int64), ("int", D.int32), ("short", D.int16),
                  ("char", D.int8), ("byte", D.uint8), ("bool", D.bool_), ("cfloat", D.complex64),
                  ("cdouble", D.complex128)):
    _bind(_name, _caster(_d))


def type_(self, dtype=None, non_blocking=False, **kwargs):
    if dtype is None:
        prefix = "torch." if self.device.type == "cpu" else "torch.cuda."
        return prefix + _LEGACY_NAMES[self._dtype.name]
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        for k, v in _LEGACY_NAMES.items():
            if v == name:
                dtype = getattr(D, k if k != "bool" else "bool_")
                break
        else:
            raise ValueError("invalid type: '%s'" % dtype)
    return P.to_dtype(self, dtype)


_bind("type", type_)
_bind("type_as", lambda self, other: P.to_dtype(self, other._dtype))


# ------------------------------------------------------------------ new_* factories
def _new(factory):
    def f(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return factory(*size, dtype=dtype or self._dtype, device=device or self.device,
                       requires_grad=requires_grad)
    return f


_bind("new_zeros", _new(C.zeros))
_bind("new_ones", _new(C.ones))
_bind("new_empty", _new(C.empty))


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, **kw):
    return C.full(size, fill_value, dtype=dtype or self._dtype, device=device or self.device,
                  requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, **kw):
    return C.tensor(data, dtype=dtype or self._dtype, device=device or self.device,
                    requires_grad=requires_grad)


_bind("new_full", new_full)
_bind("new_tensor", new_tensor)


# ------------------------------------------------------------------ small helpers
def _same_device_arrays(self, other):
    """The arrays of two tensors on one device, and their array library."""
    other = other if isinstance(other, Tensor) else C.tensor(other)
    a, b = self._data, other._data
    if type(a) is not type(b) and B.is_host(a) != B.is_host(b):
        if b.ndim == 0 and B.is_host(b):
            b = B.to_device_array(b, self.device)
        else:
            raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                               "devices, %s and %s!" % tuple(sorted((str(self.device), str(other.device)),
                                                                    reverse=True)))
    return a, b, B.xp(a)


def equal(self, other):
    a, b, xp_ = _same_device_arrays(self, other)
    return self.shape == other.shape and bool(xp_.array_equal(a, b))


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b, xp_ = _same_device_arrays(self, other)
    return bool(xp_.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b, xp_ = _same_device_arrays(self, other)
    return Tensor._make(xp_.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), D.bool_)


_bind("equal", equal)
_bind("allclose", allclose)
_bind("isclose", isclose)
_bind("is_set_to", lambda self, other: self._data is other._data)
_bind("untyped_storage", lambda self: _storage.untyped_storage_of(self))
_bind("storage", lambda self: _storage.storage_of(self))
_bind("pin_memory", lambda self, device=None: _cuda_module()._pin_tensor(self, device))
_bind("is_pinned", lambda self, device=None: _cuda_module()._tensor_is_pinned(self, device))
_bind("share_memory_", lambda self: self)
_bind("is_shared", lambda self: False)
_bind("requires_grad_", Tensor.requires_grad_)
