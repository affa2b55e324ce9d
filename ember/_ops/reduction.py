"""Reductions: sum, mean, prod, max/min, std/var, norm, logsumexp, cumulative
ops, all/any, sort/topk, unique, median, mode, quantile, softmax.

Ops that select elements (max along a dim, sort, topk, kthvalue, median,
mode, cummax) remember the chosen indices and route the gradient back with
`_ScatterAdd`; the reductions that pick a value without an index (max(),
amax, aminmax) spread it evenly over ties, as PyTorch does.
"""
import builtins
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._backends import ufunc_at, is_host as _is_host, xp as _xp
from .. import return_types
from .._dispatch import Op, apply, apply_inplace
from .._tensor import Tensor
from ._util import parse_dims, wrap_dim

_bmax = builtins.max
_INF = float("inf")


# ------------------------------------------------------------------ helpers
def _title(d):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half",
            "bfloat16": "BFloat16", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(d.name, d.name)


def _dims(dim, ndim):
    """Reduced dims as a sorted tuple (None or () meaning all); () for 0-dim inputs."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, Tensor):
        dim = dim.tolist()
    dims = parse_dims(dim, ndim)
    return tuple(sorted(dims)) if ndim else ()


def _one_dim(dim, ndim):
    if isinstance(dim, Tensor):
        dim = dim.item()
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError("dim must be an int, got %s" % type(dim).__name__)
    return wrap_dim(int(dim), ndim)


def _numel(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _restore_dims(g, shape, dims, keepdim):
    """Give a reduced gradient back its reduced dims (size 1) so it broadcasts."""
    if keepdim or not dims:
        return g
    shape_kept = [1 if i in dims else s for i, s in enumerate(shape)]
    return g.reshape(shape_kept)


def _kept(a, dims, keepdim):
    """A reduced array with its reduced dims restored (size 1)."""
    if keepdim or not dims:
        return a
    return np.expand_dims(a, dims)


def _const(a, dtype):
    """A constant tensor (never requires grad) for masks and weights in backward formulas.
    `a` is an array on the data's device, or a host scalar (a reduction of a NumPy array)."""
    if not hasattr(a, "shape") or isinstance(a, np.generic):
        a = np.asarray(a)
    if a.dtype != dtype.np:
        a = a.astype(dtype.np)
    return Tensor._make(a, dtype)


def _acc(d):
    """The dtype half-precision reductions accumulate in (PyTorch's acc type)."""
    return D.float32 if d is D.float16 or d is D.bfloat16 else d


def _out(r, out):
    if out is None:
        return r
    from .pointwise import _out as pw_out
    return pw_out(r, out)


def _out_pair(res, out, kind):
    """Write a (values, indices)-like result into out=(a, b) when given."""
    if out is None:
        return res
    outs = tuple(_out(r, o) for r, o in zip(res, out))
    return getattr(return_types, kind + "_out")(outs)


def _float_only(name, d):
    if d.category < D.FLOAT:
        raise RuntimeError("%s(): expected input to have floating point or complex dtype but got %s"
                           % (name, _title(d)))


def _line(a, dim):
    """The array viewed with at least one dim (0-dim inputs act as shape (1,))."""
    return a.reshape(1) if a.ndim == 0 else a


def _axis_slice(axis, start, stop):
    """An index selecting start:stop along `axis`."""
    return (slice(None),) * axis + (slice(start, stop),)


def _accumulate(ufunc, a, axis):
    """ufunc.accumulate(a, axis) for an associative, commutative ufunc (maximum,
    minimum, logaddexp). CuPy implements accumulate for add only, so device
    arrays take a log-step scan: log2(n) whole-array steps, each combining every
    element with the one `s` places before it."""
    if _is_host(a):
        return ufunc.accumulate(a, axis=axis)
    n = a.shape[axis]
    r = a.copy()
    s = 1
    while s < n:
        hi = _axis_slice(axis, s, None)
        r[hi] = ufunc(r[hi], r[_axis_slice(axis, None, n - s)])   # a new array: no overlap
        s *= 2
    return r


def _stable_argsort(a, axis):
    """Stable argsort (NaN sorts last). CuPy's argsort is always stable and takes no `kind`."""
    if _is_host(a):
        return np.argsort(a, axis=axis, kind="stable")
    return a.argsort(axis=axis)


def _runs(start):
    """For a 1-D bool mask marking where each run of equal values starts: the run
    number of every element, the start positions and the run lengths."""
    xp = _xp(start)
    group = xp.cumsum(start) - 1
    starts = xp.flatnonzero(start)
    cnt = xp.empty_like(starts)
    cnt[:-1] = starts[1:] - starts[:-1]
    cnt[-1:] = start.size - starts[-1:]
    return group, starts, cnt


def _finish(a, ndim, dim, keepdim):
    """Shape a keepdim-form result back: drop `dim` unless keepdim; 0-dim stays 0-dim."""
    if ndim == 0:
        return a.reshape(())
    return a if keepdim else np.squeeze(a, axis=dim)


# ------------------------------------------------------------------ gather / scatter helpers
class _Gather(Op):
    """Values of x at `idx` (an int64 array, same ndim) along `dim`."""
    dtype_rule = "keep"
    grad_name = "GatherBackward0"

    def forward(ctx, x, idx, dim):
        return np.take_along_axis(x, idx, axis=dim)

    def backward(ctx, g):
        p = ctx.params
        return apply(_ScatterAdd, g, idx=p["idx"], dim=p["dim"], shape=ctx.inputs_meta[0][0])


class _ScatterAdd(Op):
    """zeros(shape) with g added at `idx` along `dim` (the adjoint of _Gather)."""
    dtype_rule = "keep"
    grad_name = "ScatterAddBackward0"

    def forward(ctx, g, idx, dim, shape, unique=False):
        out = np.zeros_like(g, shape=shape)
        if idx.size == 0:
            return out
        g = np.broadcast_to(g, idx.shape)
        if unique:
            np.put_along_axis(out, idx, g, axis=dim)
        else:
            xp = _xp(out)
            nd = idx.ndim
            grid = [xp.arange(k).reshape((1,) * i + (k,) + (1,) * (nd - i - 1))
                    for i, k in enumerate(idx.shape)]
            grid[dim] = idx
            ufunc_at(np.add, out, tuple(grid), g)
        return out

    def backward(ctx, gg):
        p = ctx.params
        return apply(_Gather, gg, idx=p["idx"], dim=p["dim"])


def _gather(x, idx, dim):
    return apply(_Gather, x, idx=idx, dim=dim)


def _select_backward(ctx, g):
    """Gradient of an op that picked input elements at ctx.idx along ctx.dim
    (ctx.idx in keepdim form, one index per output element)."""
    shape = ctx.inputs_meta[0][0]
    if len(shape) == 0:
        return g.reshape(())
    if g.ndim != len(shape):
        g = g.unsqueeze(ctx.dim)
    return apply(_ScatterAdd, g, idx=ctx.idx, dim=ctx.dim, shape=shape,
                 unique=getattr(ctx, "unique", True))


def _spread_backward(g, x, out, dims, keepdim, nan_matches=False):
    """Gradient of a value reduction (max(), amax, ...) spread evenly over ties.
    A NaN result is matched by the NaN inputs for max()/min(); amax/amin match
    nothing there (0/0: NaN gradients, as in PyTorch)."""
    xa = x._data
    oa = _kept(out._data, dims, keepdim)
    mask = xa == oa
    if nan_matches and xa.dtype.kind in "fc":
        mask |= np.isnan(xa) & np.isnan(oa)
    cnt = mask.sum(axis=dims, keepdims=True) if dims else mask.astype(np.int64)
    return _restore_dims(g, x.shape, dims, keepdim) * _const(mask / cnt, g._dtype)


# ------------------------------------------------------------------ sum / mean / nansum / nanmean
def _sum_dtype(d, inputs, params):
    """Integer and bool sums accumulate in int64; an explicit dtype wins."""
    if params.get("dtype") is not None:
        d = params["dtype"]
        return _acc(d), d
    if d.category <= D.INT:
        return D.int64, D.int64
    return _acc(d), d


class Sum(Op):
    dtype_rule = staticmethod(_sum_dtype)

    def forward(ctx, x, dims, keepdim, dtype=None):
        return np.sum(x, axis=dims, keepdims=keepdim)

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        return _restore_dims(g, shape, p["dims"], p["keepdim"]).expand(shape)


class SumDim(Sum):
    grad_name = "SumBackward1"


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    dims = _dims(dim, input._data.ndim)
    op = Sum if dim is None else SumDim
    return _out(apply(op, input, dims=dims, keepdim=keepdim, dtype=dtype), out)


def _mean_dtype(d, inputs, params):
    d = params.get("dtype") or d
    if d.category < D.FLOAT:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                           "point or complex dtype. Got: %s" % _title(d))
    return _acc(d), d


class Mean(Op):
    dtype_rule = staticmethod(_mean_dtype)

    def forward(ctx, x, dims, keepdim, dtype=None):
        n = _numel(x.shape, dims)
        s = np.sum(x, axis=dims, keepdims=keepdim)
        return s / n if n else np.full_like(s, np.nan)

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        n = _numel(shape, p["dims"])
        return _restore_dims(g, shape, p["dims"], p["keepdim"]).expand(shape) / _bmax(n, 1)


class MeanDim(Mean):
    grad_name = "MeanBackward1"


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    dims = _dims(dim, input._data.ndim)
    op = Mean if dim is None else MeanDim
    return _out(apply(op, input, dims=dims, keepdim=keepdim, dtype=dtype), out)


class Nansum(Op):
    dtype_rule = staticmethod(_sum_dtype)
    save = (0,)

    def forward(ctx, x, dims, keepdim, dtype=None):
        return np.nansum(x, axis=dims, keepdims=keepdim)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.params
        shape = x.shape
        keep = _const(~np.isnan(x._data), g._dtype)
        return _restore_dims(g, shape, p["dims"], p["keepdim"]) * keep


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if input._dtype.category == D.COMPLEX:
        raise RuntimeError("nansum does not support complex inputs")
    dims = _dims(dim, input._data.ndim)
    return _out(apply(Nansum, input, dims=dims, keepdim=keepdim, dtype=dtype), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    _float_only("nanmean", dtype or input._dtype)
    if dtype is not None and dtype is not input._dtype:
        input = input.to(dtype)
    dims = _dims(dim, input._data.ndim)
    cnt = np.sum(~np.isnan(input._data), axis=dims, keepdims=keepdim)
    r = nansum(input, dim, keepdim) / _const(cnt, input._dtype)
    return _out(r, out)


# ------------------------------------------------------------------ prod
class Prod(Op):
    dtype_rule = staticmethod(_sum_dtype)
    save = (0,)
    save_output = True

    def forward(ctx, x, dims, keepdim, dtype=None):
        return np.prod(x, axis=dims, keepdims=keepdim)

    def backward(ctx, g):
        x, out = ctx.saved_tensors[0], ctx.output
        p = ctx.params
        dims, keepdim = p["dims"], p["keepdim"]
        shape = x.shape
        g = _restore_dims(g, shape, dims, keepdim)
        out = _restore_dims(out, shape, dims, keepdim)
        xa = x._data
        zero = xa == 0
        if not zero.any():
            return g * out / x
        # with zeros: a lone zero gets the product of the others, everything else 0
        nz = zero.sum(axis=dims, keepdims=True) if dims else zero.astype(np.int64)
        x_safe = x.where(_const(~zero, D.bool_), 1.0)
        others = apply(Prod, x_safe, dims=dims, keepdim=True)
        at_zero = (g * others).where(_const(nz == 1, D.bool_), 0.0)
        return (g * out / x_safe).where(_const(~zero, D.bool_), at_zero)


class ProdDim(Prod):
    grad_name = "ProdBackward1"


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dim is None:
        r = apply(Prod, input, dims=tuple(range(input._data.ndim)), keepdim=False, dtype=dtype)
    else:
        if isinstance(dim, (tuple, list)):
            raise TypeError("prod() received an invalid combination of arguments - got (tuple), but "
                            "expected one of: (*, torch.dtype dtype = None) or (int dim, bool keepdim "
                            "= False, *, torch.dtype dtype = None)")
        n = input._data.ndim
        d = _one_dim(dim, n)
        r = apply(ProdDim, input, dims=(d,) if n else (), keepdim=keepdim, dtype=dtype)
    return _out(r, out)


# ------------------------------------------------------------------ max / min / amax / amin
def _empty_error(name, x, dims, all_dims):
    if x.size == 0:
        if all_dims:
            raise RuntimeError(
                "%s(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                "reduction dim with the 'dim' argument." % name)
        for d in dims:
            if x.shape[d] == 0:
                raise IndexError("%s(): Expected reduction dim %d to have non-zero size." % (name, d))


class Max(Op):
    """max() over all elements (the value only)."""
    dtype_rule = "keep"
    save = (0,)
    save_output = True
    grad_name = "MaxBackward1"
    _reduce = staticmethod(np.max)

    def forward(ctx, x):
        if x.size == 0:
            raise RuntimeError(
                "%s(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                "reduction dim with the 'dim' argument." % ctx.op.__name__.lower())
        return ctx.op._reduce(x)

    def backward(ctx, g):
        x = ctx.saved_tensors[0]
        return _spread_backward(g, x, ctx.output, tuple(range(x.ndim)), False, nan_matches=True)


class Min(Max):
    grad_name = "MinBackward1"
    _reduce = staticmethod(np.min)


class MaxDim(Op):
    """max along a dim: (values, indices), the first index of the maximum."""
    dtype_rule = "keep"
    nondiff_outputs = (1,)
    grad_name = "MaxBackward0"
    _arg = staticmethod(np.argmax)

    def forward(ctx, x, dim, keepdim):
        ndim = x.ndim
        a = _line(x, dim)
        if a.shape[dim] == 0:
            raise IndexError("%s(): Expected reduction dim %d to have non-zero size."
                             % (ctx.op.__name__[:3].lower(), dim))
        idx = ctx.op._arg(a, axis=dim, keepdims=True).astype(np.int64)
        vals = np.take_along_axis(a, idx, axis=dim)
        ctx.idx, ctx.dim = idx, dim
        return _finish(vals, ndim, dim, keepdim), _finish(idx, ndim, dim, keepdim)

    def backward(ctx, g, _gi=None):
        return _select_backward(ctx, g)


class MinDim(MaxDim):
    grad_name = "MinBackward0"
    _arg = staticmethod(np.argmin)


def _minmax(name, op_all, op_dim, binary, input, dim, keepdim, other, out):
    if other is not None or isinstance(dim, Tensor):
        o = other if other is not None else dim
        return binary(input, o, out=out)
    if dim is None:
        if keepdim:
            raise TypeError("%s() received an invalid combination of arguments - got (keepdim=bool)"
                            % name)
        return _out(apply(op_all, input), out)
    d = _one_dim(dim, input._data.ndim)
    res = getattr(return_types, name)(apply(op_dim, input, dim=d, keepdim=bool(keepdim)))
    return _out_pair(res, out, name)


def max(input, dim=None, keepdim=False, *, other=None, out=None):
    """max(input) | max(input, dim, keepdim=False) -> (values, indices) | max(input, other)."""
    from .pointwise import maximum
    return _minmax("max", Max, MaxDim, maximum, input, dim, keepdim, other, out)


def min(input, dim=None, keepdim=False, *, other=None, out=None):
    """min(input) | min(input, dim, keepdim=False) -> (values, indices) | min(input, other)."""
    from .pointwise import minimum
    return _minmax("min", Min, MinDim, minimum, input, dim, keepdim, other, out)


class Amax(Op):
    dtype_rule = "keep"
    save = (0,)
    save_output = True
    _reduce = staticmethod(np.max)

    def forward(ctx, x, dims, keepdim):
        return ctx.op._reduce(x, axis=dims, keepdims=keepdim)

    def backward(ctx, g):
        p = ctx.params
        return _spread_backward(g, ctx.saved_tensors[0], ctx.output, p["dims"], p["keepdim"])


class Amin(Amax):
    _reduce = staticmethod(np.min)


def _amax_dims(name, input, dim):
    n = input._data.ndim
    all_dims = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    dims = _dims(dim, n)
    if input._data.size == 0:
        _empty_error(name, input._data, dims, all_dims)
    return dims


def amax(input, dim=(), keepdim=False, *, out=None):
    dims = _amax_dims("amax", input, dim)
    return _out(apply(Amax, input, dims=dims, keepdim=keepdim), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    dims = _amax_dims("amin", input, dim)
    return _out(apply(Amin, input, dims=dims, keepdim=keepdim), out)


class Aminmax(Op):
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, dims, keepdim):
        if x.size == 0 and (len(dims) == x.ndim or any(x.shape[d] == 0 for d in dims)):
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        lo = np.min(x, axis=dims, keepdims=keepdim)
        hi = np.max(x, axis=dims, keepdims=keepdim)
        ctx.lo, ctx.hi = lo, hi
        return lo, hi

    def backward(ctx, gmin, gmax):
        x = ctx.saved_tensors[0]
        p = ctx.params
        lo, hi = _const(ctx.lo, x._dtype), _const(ctx.hi, x._dtype)
        return (_spread_backward(gmin, x, lo, p["dims"], p["keepdim"])
                + _spread_backward(gmax, x, hi, p["dims"], p["keepdim"]))


def aminmax(input, *, dim=None, keepdim=False, out=None):
    n = input._data.ndim
    dims = tuple(range(n)) if dim is None else ((_one_dim(dim, n),) if n else ())
    res = return_types.aminmax(apply(Aminmax, input, dims=dims, keepdim=keepdim))
    return _out_pair(res, out, "aminmax")


def _int64_rule(d, inputs, params):
    return d, D.int64


class Argmax(Op):
    dtype_rule = staticmethod(_int64_rule)
    differentiable = False
    _arg = staticmethod(np.argmax)

    def forward(ctx, x, dim, keepdim):
        name = ctx.op.__name__.lower()
        if x.dtype == np.bool_:
            raise RuntimeError("%s(): does not support bool input" % name)
        if dim is None:
            if x.size == 0:
                raise IndexError("%s(): Expected reduction dim to be specified for input.numel() == 0."
                                 % name)
            r = ctx.op._arg(x.reshape(-1))
            return r.astype(np.int64).reshape((1,) * x.ndim if keepdim else ())
        a = _line(x, dim)
        if a.shape[dim] == 0:
            raise IndexError("%s(): Expected reduction dim %d to have non-zero size." % (name, dim))
        return _finish(ctx.op._arg(a, axis=dim, keepdims=True), x.ndim, dim, keepdim)


class Argmin(Argmax):
    _arg = staticmethod(np.argmin)


def argmax(input, dim=None, keepdim=False, *, out=None):
    d = None if dim is None else _one_dim(dim, input._data.ndim)
    return _out(apply(Argmax, input, dim=d, keepdim=keepdim), out)


def argmin(input, dim=None, keepdim=False, *, out=None):
    d = None if dim is None else _one_dim(dim, input._data.ndim)
    return _out(apply(Argmin, input, dim=d, keepdim=keepdim), out)


# ------------------------------------------------------------------ var / std
def _var_rule(d, inputs, params):
    if d.category < D.FLOAT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    r = d.to_real()
    return _acc(d), r


def _var_core(x, dims, correction, name):
    n = _numel(x.shape, dims)
    dof = n - correction
    if dof <= 0:
        warnings.warn("%s(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel)." % name,
                      UserWarning, stacklevel=4)
    m = np.sum(x, axis=dims, keepdims=True)
    m = m / n if n else np.full_like(m, np.nan)
    dev = x - m
    sq = (dev.real ** 2 + dev.imag ** 2) if dev.dtype.kind == "c" else dev * dev
    return np.sum(sq, axis=dims, keepdims=True) / _bmax(dof, 0), m


def _var_grad(x, g_var, dims, correction):
    """d var / d x, times g_var (keepdim form)."""
    n = _numel(x.shape, dims)
    centered = x - x.mean(dim=dims if dims else None, keepdim=True) if dims else x - x
    return g_var * centered * (2.0 / _bmax(n - correction, 0) if n - correction > 0 else _INF)


class Var(Op):
    dtype_rule = staticmethod(_var_rule)
    save = (0,)

    def forward(ctx, x, dims, correction, keepdim):
        v, _ = _var_core(x, dims, correction, "var")
        return v if keepdim else np.squeeze(v, axis=dims)

    def backward(ctx, g):
        p = ctx.params
        x = ctx.saved_tensors[0]
        g = _restore_dims(g, x.shape, p["dims"], p["keepdim"])
        return _var_grad(x, g, p["dims"], p["correction"])


class Std(Op):
    dtype_rule = staticmethod(_var_rule)
    save = (0,)
    save_output = True

    def forward(ctx, x, dims, correction, keepdim):
        v, _ = _var_core(x, dims, correction, "std")
        s = np.sqrt(v)
        return s if keepdim else np.squeeze(s, axis=dims)

    def backward(ctx, g):
        p = ctx.params
        x = ctx.saved_tensors[0]
        s = _restore_dims(ctx.output, x.shape, p["dims"], p["keepdim"])
        g = _restore_dims(g, x.shape, p["dims"], p["keepdim"])
        gv = (g / (2 * s)).where(_const(s._data != 0, D.bool_), 0.0)
        return _var_grad(x, gv, p["dims"], p["correction"])


class VarMean(Op):
    dtype_rule = staticmethod(_var_rule)
    save = (0,)
    save_output = True
    _sqrt = False

    def forward(ctx, x, dims, correction, keepdim):
        v, m = _var_core(x, dims, correction, "std_mean" if ctx.op._sqrt else "var_mean")
        if ctx.op._sqrt:
            v = np.sqrt(v)
        if not keepdim:
            v, m = np.squeeze(v, axis=dims), np.squeeze(m, axis=dims)
        return v, m

    def backward(ctx, gv, gm):
        p = ctx.params
        x = ctx.saved_tensors[0]
        dims, keepdim = p["dims"], p["keepdim"]
        gv = _restore_dims(gv, x.shape, dims, keepdim)
        if ctx.op._sqrt:
            s = _restore_dims(ctx.output, x.shape, dims, keepdim)
            gv = (gv / (2 * s)).where(_const(s._data != 0, D.bool_), 0.0)
        gx = _var_grad(x, gv, dims, p["correction"])
        n = _numel(x.shape, dims)
        return gx + _restore_dims(gm, x.shape, dims, keepdim) / _bmax(n, 1)


class StdMean(VarMean):
    _sqrt = True


def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # std(input, unbiased)
        if unbiased is not None:
            raise TypeError("%s() received an invalid combination of arguments" % name)
        unbiased, dim = dim, None
    if unbiased is not None and correction is not None:
        raise RuntimeError("%s(): can't specify both unbiased and correction" % name)
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = _dims(dim, input._data.ndim)
    return dict(dims=dims, correction=correction, keepdim=bool(keepdim))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    return _out(apply(Var, input, **_var_args("var", input, dim, unbiased, keepdim, correction)), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    return _out(apply(Std, input, **_var_args("std", input, dim, unbiased, keepdim, correction)), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return tuple(apply(VarMean, input, **_var_args("var_mean", input, dim, unbiased, keepdim,
                                                   correction)))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return tuple(apply(StdMean, input, **_var_args("std_mean", input, dim, unbiased, keepdim,
                                                   correction)))


# ------------------------------------------------------------------ norms
def _norm_rule(d, inputs, params):
    dt = params.get("dtype")
    if d.category < D.FLOAT:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           "input. Got %s" % _title(d))
    if dt is not None:
        d = dt
    return _acc(d), d.to_real()


class Norm(Op):
    """The vector p-norm over `dims` (torch.norm, linalg.vector_norm)."""
    dtype_rule = staticmethod(_norm_rule)
    save = (0,)
    save_output = True
    grad_name = "LinalgVectorNormBackward0"

    def forward(ctx, x, ord, dims, keepdim, dtype=None):
        a = np.abs(x)
        if ord == 2:
            return np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
        if ord == 1:
            return np.sum(a, axis=dims, keepdims=keepdim)
        if ord == _INF or ord == -_INF:
            if a.size == 0:
                raise RuntimeError("linalg.vector_norm cannot compute the %s norm on an empty tensor "
                                   "because the operation does not have an identity" % ord)
            return (np.max if ord > 0 else np.min)(a, axis=dims, keepdims=keepdim)
        if ord == 0:
            return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
        return np.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)

    def backward(ctx, g):
        p = ctx.params
        return _norm_grad(ctx.saved_tensors[0], g, ctx.output, p["ord"], p["dims"], p["keepdim"])


def _norm_grad(x, g, out, ord, dims, keepdim):
    if x._dtype is not g._dtype and x._dtype.category == D.FLOAT:
        x = x.to(g._dtype)
    if ord == 0:
        return x * 0
    if ord == 1:
        return _restore_dims(g, x.shape, dims, keepdim) * x.sgn()
    if ord == _INF or ord == -_INF:
        return _spread_backward(g, x.abs(), out, dims, keepdim) * x.sgn()
    g = _restore_dims(g, x.shape, dims, keepdim)
    o = _restore_dims(out, x.shape, dims, keepdim)
    nonzero = _const(o._data != 0, D.bool_)
    if ord == 2:
        return x * (g / o).where(nonzero, 0.0)
    return x.sgn() * x.abs().pow(ord - 1) * (g / o.pow(ord - 1)).where(nonzero, 0.0)


class Dist(Op):
    """The p-norm of input - other (broadcast)."""
    dtype_rule = "float"
    save = (0, 1)
    save_output = True

    def forward(ctx, a, b, ord):
        return Norm.forward(ctx, a - b, ord, None, False)

    def backward(ctx, g):
        a, b = ctx.saved_tensors[:2]
        d = a - b
        gd = _norm_grad(d, g, ctx.output, ctx.params["ord"], tuple(range(d.ndim)), False)
        return gd, -gd


class NuclearNorm(Op):
    """Sum of singular values over the last two dims."""
    dtype_rule = staticmethod(_norm_rule)
    grad_name = "LinalgMatrixNormBackward0"

    def forward(ctx, x, dtype=None):
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        ctx.uvh = u @ vh
        return np.sum(s, axis=-1)

    def backward(ctx, g):
        return g.unsqueeze(-1).unsqueeze(-1) * _const(ctx.uvh, g._dtype)


def _vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):
    """linalg.vector_norm: the ord-norm over `dim` (all dims when None)."""
    if isinstance(ord, str):
        raise RuntimeError("linalg.vector_norm: ord must be a number, got %s" % ord)
    ord = float(ord)
    dims = _dims(dim, input._data.ndim)
    return apply(Norm, input, ord=ord, dims=dims, keepdim=bool(keepdim), dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro":
            if dim is not None and len(dim) > 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got %s"
                                   % " ".join(str(d) for d in dim))
            r = _vector_norm(input, 2, dim, keepdim, dtype=dtype)
        elif p == "nuc":
            n = input._data.ndim
            if dim is None:
                if n != 2:
                    raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                                       "dimensions." if n < 2 else
                                       "nuclear norm without dim requires a 2-D input, got %d-D" % n)
                dim = (0, 1)
            if len(dim) != 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got %s"
                                   % " ".join(str(d) for d in dim))
            d0, d1 = wrap_dim(dim[0], n), wrap_dim(dim[1], n)
            x = input.movedim((d0, d1), (-2, -1))
            r = apply(NuclearNorm, x, dtype=dtype)
            if keepdim:
                for d in sorted((d0, d1)):
                    r = r.unsqueeze(d)
        else:
            raise RuntimeError("norm(): invalid norm type '%s'" % p)
    else:
        r = _vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
    return _out(r, out)


def dist(input, other, p=2):
    if not isinstance(other, Tensor):
        raise TypeError("dist(): argument 'other' must be Tensor, not %s" % type(other).__name__)
    return apply(Dist, input, other, ord=float(p))


# ------------------------------------------------------------------ logsumexp / softmax
class Logsumexp(Op):
    dtype_rule = "float"
    save = (0,)
    save_output = True

    def forward(ctx, x, dims, keepdim):
        if x.size == 0:
            shape = [1 if i in dims else s for i, s in enumerate(x.shape)] if keepdim else [
                s for i, s in enumerate(x.shape) if i not in dims]
            return np.full_like(x, -np.inf, shape=shape)
        m = np.max(x, axis=dims, keepdims=True)
        m = np.where(np.isinf(m), 0, m).astype(x.dtype, copy=False)
        r = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
        return r if keepdim else np.squeeze(r, axis=dims)

    def backward(ctx, g):
        p = ctx.params
        x = ctx.saved_tensors[0]
        shape = x.shape
        o = _restore_dims(ctx.output, shape, p["dims"], p["keepdim"])
        return _restore_dims(g, shape, p["dims"], p["keepdim"]) * (x - o).exp()


def logsumexp(input, dim, keepdim=False, *, out=None):
    dims = _dims(dim, input._data.ndim)
    return _out(apply(Logsumexp, input, dims=dims, keepdim=keepdim), out)


def _softmax_rule(d, inputs, params):
    if params.get("dtype") is not None:
        d = params["dtype"]
    if d.category < D.FLOAT:
        raise NotImplementedError('"softmax_lastdim_kernel_impl" not implemented for \'%s\''
                                  % _title(d))
    return _acc(d), d


class Softmax(Op):
    dtype_rule = staticmethod(_softmax_rule)
    save_output = True

    def forward(ctx, x, dim, dtype=None):
        if x.ndim == 0:
            return np.ones_like(x)
        if x.size == 0:
            return x.copy()
        e = np.exp(x - np.max(x, axis=dim, keepdims=True))
        return e / np.sum(e, axis=dim, keepdims=True)

    def backward(ctx, g):
        y = ctx.output
        d = ctx.params["dim"]
        if y.ndim == 0:
            return g * 0
        return y * (g - (g * y).sum(d, keepdim=True))


class LogSoftmax(Op):
    dtype_rule = staticmethod(_softmax_rule)
    save_output = True

    def forward(ctx, x, dim, dtype=None):
        if x.ndim == 0:
            return np.zeros_like(x)
        if x.size == 0:
            return x.copy()
        s = x - np.max(x, axis=dim, keepdims=True)
        return s - np.log(np.sum(np.exp(s), axis=dim, keepdims=True))

    def backward(ctx, g):
        y = ctx.output
        d = ctx.params["dim"]
        if y.ndim == 0:
            return g * 0
        return g - y.exp() * g.sum(d, keepdim=True)


def _softmax_dim(dim, ndim):
    if dim is None:  # legacy implicit choice (F.softmax without dim)
        dim = 0 if ndim in (0, 1, 3) else 1
    return _one_dim(dim, ndim)


def softmax(input, dim, dtype=None, *, out=None):
    d = _softmax_dim(dim, input._data.ndim)
    return _out(apply(Softmax, input, dim=d, dtype=dtype), out)


def log_softmax(input, dim, dtype=None, *, out=None):
    d = _softmax_dim(dim, input._data.ndim)
    return _out(apply(LogSoftmax, input, dim=d, dtype=dtype), out)


# ------------------------------------------------------------------ cumulative ops
def _cum_rule(d, inputs, params):
    return _sum_dtype(d, inputs, params)


def _reverse_cum(fn, x, axis, reverse):
    if not reverse:
        return fn(x, axis=axis)
    return np.flip(fn(np.flip(x, axis), axis=axis), axis)


class Cumsum(Op):
    dtype_rule = staticmethod(_cum_rule)

    def forward(ctx, x, dim, reverse=False, dtype=None):
        if x.ndim == 0:
            return x.copy()
        return _reverse_cum(np.cumsum, x, dim, reverse)

    def backward(ctx, g):
        p = ctx.params
        if g.ndim == 0:
            return g
        return apply(Cumsum, g, dim=p["dim"], reverse=not p.get("reverse", False))


class Cumprod(Op):
    dtype_rule = staticmethod(_cum_rule)
    save = (0,)
    save_output = True

    def forward(ctx, x, dim, dtype=None):
        if x.ndim == 0:
            return x.copy()
        return np.cumprod(x, axis=dim)

    def backward(ctx, g):
        x, out = ctx.saved_tensors[0], ctx.output
        d = ctx.params["dim"]
        if x.ndim == 0:
            return g
        if x._dtype is not out._dtype:
            x = x.to(out._dtype)
        xa = x._data
        zero = xa == 0

        def rcs(t):
            return apply(Cumsum, t, dim=d, reverse=True)

        if not zero.any():
            return rcs(g * out) / x
        # before the first zero of a line: the usual formula; at the first zero: the
        # product of the others; past it (or at later zeros): nothing
        first = zero & (np.cumsum(zero, axis=d) == 1)
        x_safe = x.where(_const(~zero, D.bool_), 1.0)
        a = rcs(g * out) / x_safe
        out2 = apply(Cumprod, x.where(_const(~first, D.bool_), 1.0), dim=d)
        b = rcs(g * out2)
        return a.where(_const(~zero, D.bool_), b.where(_const(first, D.bool_), 0.0))


def _cum_dim(input, dim):
    if dim is None:
        raise TypeError("cumulative op missing required argument 'dim'")
    return _one_dim(dim, input._data.ndim)


def cumsum(input, dim, *, dtype=None, out=None):
    return _out(apply(Cumsum, input, dim=_cum_dim(input, dim), dtype=dtype), out)


def cumprod(input, dim, *, dtype=None, out=None):
    return _out(apply(Cumprod, input, dim=_cum_dim(input, dim), dtype=dtype), out)


def _cumsum_(self, dim, *, dtype=None):
    return apply_inplace(Cumsum, self, dim=_cum_dim(self, dim), dtype=dtype or self._dtype)


def _cumprod_(self, dim, *, dtype=None):
    return apply_inplace(Cumprod, self, dim=_cum_dim(self, dim), dtype=dtype or self._dtype)


class Logcumsumexp(Op):
    dtype_rule = "keep"
    save = (0,)
    save_output = True

    def forward(ctx, x, dim, reverse=False):
        if x.dtype.kind not in "fc":
            raise NotImplementedError('"logcumsumexp_out_cpu" not implemented for \'%s\''
                                      % _title(D.from_numpy(x.dtype)))
        if x.ndim == 0:
            return x.copy()
        return _reverse_cum(lambda a, axis: _accumulate(np.logaddexp, a, axis), x, dim, reverse)

    def backward(ctx, g):
        x, out = ctx.saved_tensors[0], ctx.output
        p = ctx.params
        d, rev = p["dim"], p.get("reverse", False)
        if x.ndim == 0:
            return g
        # sum over later outputs j of g_j exp(x_i - out_j), split by the sign of g for
        # stability; log 0 is replaced by the lowest finite value so that gradients of
        # this formula stay finite
        lowest = float(np.finfo(g._data.dtype).min) if g._data.dtype.kind == "f" else -1e308
        log_abs = g.abs().log()

        def part(mask):
            lg = log_abs.where(_const(mask, D.bool_), lowest) - out
            return (x + apply(Logcumsumexp, lg, dim=d, reverse=not rev)).exp()
        ga = g._data
        return part(ga > 0) - part(ga < 0)


def logcumsumexp(input, dim, *, out=None):
    return _out(apply(Logcumsumexp, input, dim=_cum_dim(input, dim)), out)


class Cummax(Op):
    dtype_rule = "keep"
    nondiff_outputs = (1,)
    _ufunc = np.maximum

    def forward(ctx, x, dim):
        ndim = x.ndim
        a = _line(x, dim)
        v = _accumulate(ctx.op._ufunc, a, dim)
        mark = a == v
        if a.dtype.kind in "fc":
            mark |= np.isnan(a)
        shape = [1] * a.ndim
        shape[dim] = a.shape[dim]
        pos = np.where(mark, _xp(a).arange(a.shape[dim], dtype=np.int64).reshape(shape), 0)
        idx = _accumulate(np.maximum, pos, dim) if a.size else pos
        ctx.idx, ctx.dim, ctx.unique = idx, dim, False
        if ndim == 0:
            return v.reshape(()), idx.reshape(())
        return v, idx

    def backward(ctx, g, _gi=None):
        return _select_backward(ctx, g)


class Cummin(Cummax):
    _ufunc = np.minimum


def cummax(input, dim, *, out=None):
    res = return_types.cummax(apply(Cummax, input, dim=_cum_dim(input, dim)))
    return _out_pair(res, out, "cummax")


def cummin(input, dim, *, out=None):
    res = return_types.cummin(apply(Cummin, input, dim=_cum_dim(input, dim)))
    return _out_pair(res, out, "cummin")


# ------------------------------------------------------------------ all / any / count_nonzero
def _logical_rule(d, inputs, params):
    return (d, D.uint8) if d is D.uint8 else (d, D.bool_)


class All(Op):
    dtype_rule = staticmethod(_logical_rule)
    differentiable = False
    _reduce = staticmethod(np.all)

    def forward(ctx, x, dims, keepdim):
        return ctx.op._reduce(x, axis=dims, keepdims=keepdim)


class Any(All):
    _reduce = staticmethod(np.any)


def all(input, dim=None, keepdim=False, *, out=None):
    return _out(apply(All, input, dims=_dims(dim, input._data.ndim), keepdim=keepdim), out)


def any(input, dim=None, keepdim=False, *, out=None):
    return _out(apply(Any, input, dims=_dims(dim, input._data.ndim), keepdim=keepdim), out)


class CountNonzero(Op):
    dtype_rule = staticmethod(_int64_rule)
    differentiable = False

    def forward(ctx, x, dims):
        return _xp(x).asarray(np.count_nonzero(x, axis=dims)) if dims else (
            (x != 0).astype(np.int64))


def count_nonzero(input, dim=None):
    return apply(CountNonzero, input, dims=_dims(dim, input._data.ndim))


# ------------------------------------------------------------------ sorting and selection
def _argsort(a, axis, descending):
    """Stable argsort (NaN counts as the largest value)."""
    if not descending:
        return _stable_argsort(a, axis)
    n = a.shape[axis]
    i = _stable_argsort(np.flip(a, axis), axis)
    return (n - 1) - np.flip(i, axis)


class Sort(Op):
    dtype_rule = "keep"
    nondiff_outputs = (1,)

    def forward(ctx, x, dim, descending, stable=False):
        ndim = x.ndim
        a = _line(x, dim)
        idx = _argsort(a, dim, descending).astype(np.int64, copy=False)
        vals = np.take_along_axis(a, idx, axis=dim)
        ctx.idx, ctx.dim = idx, dim
        if ndim == 0:
            return vals.reshape(()), idx.reshape(())
        return vals, idx

    def backward(ctx, g, _gi=None):
        return _select_backward(ctx, g)


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    d = _one_dim(dim, input._data.ndim)
    res = return_types.sort(apply(Sort, input, dim=d, descending=bool(descending),
                                  stable=bool(stable)))
    return _out_pair(res, out, "sort")


def argsort(input, dim=-1, descending=False, stable=False):
    d = _one_dim(dim, input._data.ndim)
    a = input._data
    idx = _argsort(_line(a, d), d, descending).astype(np.int64, copy=False)
    return Tensor._make(idx.reshape(a.shape), D.int64)


def msort(input, *, out=None):
    return _out(sort(input, 0).values, out)


class Topk(Op):
    dtype_rule = "keep"
    nondiff_outputs = (1,)

    def forward(ctx, x, k, dim, largest, sorted=True):
        ndim = x.ndim
        a = _line(x, dim)
        n = a.shape[dim]
        if not 0 <= k <= n:
            raise RuntimeError("selected index k out of range")
        if ndim == 0:
            k = 1   # a 0-dim input gives its element back even for k=0, as in PyTorch
        idx = _argsort(a, dim, largest)
        idx = idx[_axis_slice(dim, 0, k)].astype(np.int64, copy=False)
        vals = np.take_along_axis(a, idx, axis=dim)
        ctx.idx, ctx.dim = idx, dim
        if ndim == 0:
            return vals.reshape(()), idx.reshape(())
        return vals, idx

    def backward(ctx, g, _gi=None):
        shape = ctx.inputs_meta[0][0]
        if len(shape) == 0:
            return g.reshape(()) if ctx.idx.size else g.new_zeros(())
        return apply(_ScatterAdd, g, idx=ctx.idx, dim=ctx.dim, shape=shape, unique=True)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    d = _one_dim(dim, input._data.ndim)
    res = return_types.topk(apply(Topk, input, k=int(k), dim=d, largest=bool(largest),
                                  sorted=bool(sorted)))
    return _out_pair(res, out, "topk")


class Kthvalue(Op):
    """Select one element per line at a position computed from the sorted line."""
    dtype_rule = "keep"
    nondiff_outputs = (1,)

    def forward(ctx, x, dim, keepdim, k=None):
        ndim = x.ndim
        a = _line(x, dim)
        n = a.shape[dim]
        name = ctx.op.__name__.lower()
        if n == 0:
            raise IndexError("%s(): Expected reduction dim %d to have non-zero size." % (name, dim))
        order = _argsort(a, dim, False)
        pos = ctx.op._position(ctx, a, order, dim, n)
        idx = np.take_along_axis(order, pos, axis=dim).astype(np.int64, copy=False)
        vals = np.take_along_axis(a, idx, axis=dim)
        ctx.idx, ctx.dim = idx, dim
        return _finish(vals, ndim, dim, keepdim), _finish(idx, ndim, dim, keepdim)

    def _position(ctx, a, order, dim, n):
        k = ctx.params["k"]
        if not 1 <= k <= n:
            raise RuntimeError("kthvalue(): selected number k out of range for dimension %d" % dim)
        shape = list(a.shape)
        shape[dim] = 1
        return _xp(a).full(shape, k - 1, np.int64)

    def backward(ctx, g, _gi=None):
        return _select_backward(ctx, g)


def _nan_count(a, dim):
    if a.dtype.kind not in "fc":
        return _xp(a).zeros([1 if i == dim else s for i, s in enumerate(a.shape)], np.int64)
    return np.sum(np.isnan(a), axis=dim, keepdims=True)


class MedianDim(Kthvalue):
    grad_name = "MedianBackward1"

    def _position(ctx, a, order, dim, n):
        # the lower median; a line holding NaN gives its first NaN (sorted last)
        nans = _nan_count(a, dim)
        return np.where(nans > 0, n - nans, (n - 1) // 2)


class NanmedianDim(Kthvalue):
    grad_name = "NanmedianBackward1"

    def _position(ctx, a, order, dim, n):
        k = n - _nan_count(a, dim)
        return np.where(k > 0, (k - 1) // 2, 0)


class Median(Op):
    """median() of all elements: the lower median, NaN if any element is NaN."""
    dtype_rule = "keep"
    grad_name = "MedianBackward0"
    _dim_op = MedianDim

    def forward(ctx, x):
        flat = x.reshape(-1)
        if flat.size == 0:
            ctx.idx = None
            return _xp(x).full((), np.nan if x.dtype.kind in "fc" else 0, x.dtype)
        sub = ctx.op._dim_op.node_type.__new__(ctx.op._dim_op.node_type)
        sub.params = {"dim": 0, "keepdim": True}
        vals, idx = ctx.op._dim_op.forward(sub, flat, 0, True)
        ctx.idx = idx
        return vals.reshape(())

    def backward(ctx, g):
        shape = ctx.inputs_meta[0][0]
        if ctx.idx is None:
            return g.new_zeros(shape)
        n = int(np.prod(shape))
        flat = apply(_ScatterAdd, g.reshape(1), idx=ctx.idx, dim=0, shape=(n,), unique=True)
        return flat.reshape(shape)


class Nanmedian(Median):
    grad_name = "NanmedianBackward0"
    _dim_op = NanmedianDim


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    d = _one_dim(dim, input._data.ndim)
    res = return_types.kthvalue(apply(Kthvalue, input, dim=d, keepdim=bool(keepdim), k=int(k)))
    return _out_pair(res, out, "kthvalue")


def median(input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        return _out(apply(Median, input), out)
    d = _one_dim(dim, input._data.ndim)
    res = return_types.median(apply(MedianDim, input, dim=d, keepdim=bool(keepdim)))
    return _out_pair(res, out, "median")


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        return _out(apply(Nanmedian, input), out)
    d = _one_dim(dim, input._data.ndim)
    res = return_types.nanmedian(apply(NanmedianDim, input, dim=d, keepdim=bool(keepdim)))
    return _out_pair(res, out, "nanmedian")


class Mode(Op):
    """The most frequent value of each line (the smallest on ties) and its last index."""
    dtype_rule = "keep"
    nondiff_outputs = (1,)

    def forward(ctx, x, dim, keepdim):
        ndim = x.ndim
        a = _line(x, dim)
        n = a.shape[dim]
        if n == 0:
            raise IndexError("mode(): Expected reduction dim %d to have non-zero size." % dim)
        m = np.moveaxis(a, dim, -1)
        lead = m.shape[:-1]
        m2 = m.reshape(-1, n)
        rows = m2.shape[0]
        xp = _xp(a)
        order = np.argsort(m2, axis=1)
        s = np.take_along_axis(m2, order, axis=1)
        start = xp.ones(s.shape, bool)
        start[:, 1:] = s[:, 1:] != s[:, :-1]
        run = np.cumsum(start, axis=1) - 1
        counts = np.bincount((run + (xp.arange(rows) * n)[:, None]).ravel(),
                             minlength=rows * n).reshape(rows, n)
        best = np.argmax(counts, axis=1)
        # the last index of the chosen value: the largest position in its run (the
        # sort need not be stable, and CuPy's order of ties need not match NumPy's)
        idx = np.max(np.where(run == best[:, None], order, -1), axis=1)
        idx = idx.reshape(lead + (1,)).astype(np.int64)
        idx = np.moveaxis(idx, -1, dim)
        vals = np.take_along_axis(a, idx, axis=dim)
        ctx.idx, ctx.dim = idx, dim
        return _finish(vals, ndim, dim, keepdim), _finish(idx, ndim, dim, keepdim)

    def backward(ctx, g, _gi=None):
        return _select_backward(ctx, g)


def mode(input, dim=-1, keepdim=False, *, out=None):
    d = _one_dim(dim, input._data.ndim)
    res = return_types.mode(apply(Mode, input, dim=d, keepdim=bool(keepdim)))
    return _out_pair(res, out, "mode")


# ------------------------------------------------------------------ quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    dt = input._dtype
    xp = _xp(input._data)
    if dt is not D.float32 and dt is not D.float64:
        raise RuntimeError("%s() input tensor must be either float or double dtype" % name)
    if isinstance(q, Tensor):
        if q._dtype is not dt:
            raise RuntimeError("%s() q tensor must be same dtype as the input tensor" % name)
        if q.device != input.device:
            raise RuntimeError("%s() q tensor must be on the same device as the input tensor" % name)
        if q.ndim > 1:
            raise RuntimeError("%s() q must be a scalar or 1D tensor" % name)
        scalar_q = q.ndim == 0
        qa = q._data.reshape(-1)
        if ((qa < 0) | (qa > 1)).any():
            raise RuntimeError("%s() q values must be in the range [0, 1]" % name)
    else:
        if isinstance(q, (list, tuple)):
            q = Tensor._make(xp.asarray(q, dt.np), dt)
            return _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan)
        q = float(q)
        if not 0 <= q <= 1:
            raise RuntimeError("%s() q must be in the range [0, 1] but got %s" % (name, q))
        scalar_q = True
        qa = xp.asarray([q], dt.np)
    if input._data.size == 0:
        raise RuntimeError("%s() input tensor must be non-empty" % name)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("%s() interpolation must be one of linear, lower, higher, midpoint or "
                           "nearest. Got %s" % (name, interpolation))
    ndim = input._data.ndim
    if dim is None:
        x = input.reshape(-1)
        d = None
    else:
        d = _one_dim(dim, ndim)
        x = input.reshape(1) if ndim == 0 else input.movedim(d, -1)
    srt = sort(x, -1).values                      # NaN sorted last
    sa = srt._data
    n = sa.shape[-1]
    nans = np.sum(np.isnan(sa), axis=-1, keepdims=True)
    if ignore_nan:
        k = n - nans
        ranks = qa * (k - 1).astype(dt.np)
        ranks = np.where(k > 0, ranks, n - 1)
    else:
        ranks = np.where(nans > 0, n - 1, qa * dt.np.type(n - 1))
    ranks = np.broadcast_to(ranks, sa.shape[:-1] + (qa.size,)).astype(dt.np)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    lo = np.floor(ranks).astype(np.int64)
    v_lo = _gather(srt, lo, srt.ndim - 1)
    if interpolation in ("linear", "midpoint"):
        hi = np.ceil(ranks).astype(np.int64)
        v_hi = _gather(srt, hi, srt.ndim - 1)
        w = ranks - lo if interpolation == "linear" else xp.full(ranks.shape, 0.5, dt.np)
        from .pointwise import lerp
        r = lerp(v_lo, v_hi, _const(w, dt))
    else:
        r = v_lo
    # r: (..., Q) -> (Q, ...) with q's dim first, or (...) for a scalar q
    r = r.squeeze(-1) if scalar_q else r.movedim(-1, 0)
    if keepdim:
        if d is None:
            r = r.reshape(((qa.size,) if not scalar_q else ()) + (1,) * ndim)
        elif ndim:
            r = r.unsqueeze(d + (0 if scalar_q else 1))
    return r


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _out(_quantile("quantile", input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _out(_quantile("nanquantile", input, q, dim, keepdim, interpolation, True), out)


# ------------------------------------------------------------------ unique
def _wrap_result(a, dtype):
    return Tensor._make(_xp(a).ascontiguousarray(a), dtype)


def _unique_result(vals, inv, cnt, dtype, return_inverse, return_counts):
    v = _wrap_result(vals, dtype)
    if not return_inverse and not return_counts:
        return v
    res = [v]
    if return_inverse:
        res.append(_wrap_result(inv.astype(np.int64, copy=False), D.int64))
    if return_counts:
        res.append(_wrap_result(cnt.astype(np.int64, copy=False), D.int64))
    return tuple(res)


def _run_starts(rows):
    """Where each run of equal consecutive rows (dim 0 of a 2-D array, or
    elements of a 1-D one) starts, as a bool mask. NaN never equals NaN."""
    start = _xp(rows).ones(rows.shape[0], bool)
    differ = rows[1:] != rows[:-1]
    start[1:] = differ if rows.ndim == 1 else np.any(differ, axis=1)
    return start


def _moved_rows(a, d):
    """`a` with dim d moved first (0-dim acts as shape (1,)), and that as a 2-D (n, -1) array."""
    if a.ndim == 0:
        a = a.reshape(1)
    m = np.moveaxis(a, d, 0)
    return m, m.reshape(m.shape[0], math.prod(m.shape[1:]))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    a = input._data
    xp = _xp(a)
    if dim is None:
        # NumPy's unique without its NaN merging (and CuPy's), done by hand
        flat = a.reshape(-1)
        order = np.argsort(flat)
        s = flat[order]
        group, starts, cnt = _runs(_run_starts(s))
        inv = None
        if return_inverse:
            inv = xp.empty(flat.size, np.int64)
            inv[order] = group
            inv = inv.reshape(a.shape)
        return _unique_result(s[starts], inv, cnt, input._dtype, return_inverse, return_counts)
    d = _one_dim(dim, a.ndim)
    m, rows = _moved_rows(a, d)
    n = m.shape[0]
    if n == 0 or rows.shape[1] == 0:
        vals = m[:1] if n else m
        inv = xp.zeros(n, np.int64)
        cnt = xp.full(1 if n else 0, n, np.int64)
        return _unique_result(np.moveaxis(vals, 0, d), inv, cnt, input._dtype, return_inverse,
                              return_counts)
    # sort rows lexicographically (first column most significant), stable
    order = np.lexsort(rows.T[::-1])
    group, starts, cnt = _runs(_run_starts(rows[order]))
    inv = xp.empty(n, np.int64)
    inv[order] = group
    vals = m[order[starts]]
    return _unique_result(np.moveaxis(vals, 0, d), inv, cnt, input._dtype, return_inverse,
                          return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        group, starts, cnt = _runs(_run_starts(flat))
        return _unique_result(flat[starts], group.reshape(a.shape), cnt, input._dtype,
                              return_inverse, return_counts)
    d = _one_dim(dim, a.ndim)
    m, rows = _moved_rows(a, d)
    group, starts, cnt = _runs(_run_starts(rows))
    return _unique_result(np.moveaxis(m[starts], 0, d), group, cnt, input._dtype, return_inverse,
                          return_counts)


# ------------------------------------------------------------------ diff
def diff(input, n=1, dim=-1, prepend=None, append=None):
    from .shape import cat
    from .pointwise import logical_xor, sub
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _one_dim(dim, nd)
    x = input
    parts = []
    if prepend is not None:
        parts.append(prepend if prepend.ndim else prepend.expand(
            [1 if i == d else s for i, s in enumerate(input.shape)]))
    parts.append(x)
    if append is not None:
        parts.append(append if append.ndim else append.expand(
            [1 if i == d else s for i, s in enumerate(input.shape)]))
    if len(parts) > 1:
        x = cat(parts, d)
    for _ in range(int(n)):
        size = x.shape[d]
        if size == 0:
            break
        a, b = x.narrow(d, 1, size - 1), x.narrow(d, 0, size - 1)
        x = logical_xor(a, b) if x._dtype is D.bool_ else sub(a, b)
    return x


# ------------------------------------------------------------------ exports
__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax",
    "argmin", "var", "std", "var_mean", "std_mean", "norm", "dist", "logsumexp", "softmax",
    "log_softmax", "cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "all", "any",
    "count_nonzero", "sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
    "quantile", "nanquantile", "unique", "unique_consecutive", "diff", "return_types",
]


def _numpy_aliases(fn):
    """Accept NumPy's spelling (axis=, keepdims=) as PyTorch does."""
    import functools

    @functools.wraps(fn)
    def f(*args, **kw):
        if kw and ("axis" in kw or "keepdims" in kw):
            if "axis" in kw:
                kw["dim"] = kw.pop("axis")
            if "keepdims" in kw:
                kw["keepdim"] = kw.pop("keepdims")
        return fn(*args, **kw)
    return f


for _name in __all__:
    if _name != "return_types":
        globals()[_name] = _numpy_aliases(globals()[_name])
del _name

TENSOR_METHODS = {name: globals()[name] for name in __all__
                  if name not in ("return_types",)}
TENSOR_METHODS.update({
    "cumsum_": _cumsum_,
    "cumprod_": _cumprod_,
})
