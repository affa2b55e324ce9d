"""Reductions: sum, mean, prod, max/min, std/var, norm, logsumexp, cumulative
ops, all/any, sort/topk, unique, median, mode."""
import numpy as np

from .. import _dtype as D
from .._dispatch import Op, apply
from .._tensor import Tensor
from ._util import parse_dims, wrap_dim


def _sum_dtype(d, inputs, params):
    """Integer and bool sums accumulate in int64; an explicit dtype wins."""
    if params.get("dtype") is not None:
        return params["dtype"], params["dtype"]
    if d.category <= D.INT:
        return D.int64, D.int64
    return d, d


def _restore_dims(g, shape, dims, keepdim):
    """Give a reduced gradient back its reduced dims (size 1) so it broadcasts."""
    if keepdim or not dims:
        return g
    shape_kept = [1 if i in dims else s for i, s in enumerate(shape)]
    return g.reshape(shape_kept)


class Sum(Op):
    dtype_rule = staticmethod(_sum_dtype)

    def forward(ctx, x, dims, keepdim, dtype=None):
        return np.sum(x, axis=dims, keepdims=keepdim)

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        return _restore_dims(g, shape, p["dims"], p["keepdim"]).expand(shape)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    dims = parse_dims(dim, input._data.ndim)
    r = apply(Sum, input, dims=dims, keepdim=keepdim, dtype=dtype)
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


def _mean_dtype(d, inputs, params):
    d = params.get("dtype") or d
    if d.category < D.FLOAT:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                           "point or complex dtype. Got: %s" % _title(d))
    return d, d


def _title(d):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(d.name, d.name)


class Mean(Op):
    dtype_rule = staticmethod(_mean_dtype)

    def forward(ctx, x, dims, keepdim, dtype=None):
        if x.size == 0 and not dims:
            return np.array(np.nan, x.dtype)
        return np.mean(x, axis=dims, keepdims=keepdim, dtype=x.dtype)

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        n = 1
        for d in p["dims"]:
            n *= shape[d]
        return _restore_dims(g, shape, p["dims"], p["keepdim"]).expand(shape) / max(n, 1)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    dims = parse_dims(dim, input._data.ndim)
    r = apply(Mean, input, dims=dims, keepdim=keepdim, dtype=dtype)
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and callable(_v) and getattr(_v, "__module__", None) == __name__
           and not isinstance(_v, type) and _n not in []]
