"""as_strided, and the two ops that let in-place changes of a view flow
through autograd: reading a strided window of a tensor (AsStrided) and
writing one back (AsStridedScatter). Geometry is (shape, strides, offset)
in elements over the tensor's contiguous memory."""
import numpy as np

from .._backends import ufunc_at, is_host, strided_view, xp as _xp
from .._dispatch import Op, apply


def _window(a, geometry):
    """A writable view of contiguous array `a` with the given geometry."""
    shape, strides, offset = geometry
    flat = a.reshape(-1)
    item = a.itemsize
    return strided_view(flat[offset:], shape, tuple(s * item for s in strides))


class AsStrided(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, geometry):
        if not x.flags.c_contiguous:
            x = _xp(x).ascontiguousarray(x)
        return _window(x, geometry)

    def backward(ctx, g):
        from .._creation import zeros
        meta = ctx.inputs_meta[0]
        return apply(AsStridedScatter, zeros(meta[0], dtype=meta[1]), g, geometry=ctx.params["geometry"],
                     accumulate=True)


class AsStridedScatter(Op):
    """A copy of `base` whose window (geometry) holds `src` (added, with accumulate)."""
    dtype_rule = "keep"
    promote = (0,)

    def forward(ctx, base, src, geometry, accumulate=False):
        xp = _xp(base)
        out = xp.array(base, order="C", copy=True)
        window = _window(out, geometry)
        src = xp.asarray(src, dtype=out.dtype)
        if accumulate:
            if _overlaps(geometry):
                ufunc_at(np.add, out.reshape(-1), _flat_indices(xp, geometry), xp.broadcast_to(src, window.shape))
            else:
                window += src
        else:
            window[...] = src
        return out

    def backward(ctx, g):
        p = ctx.params
        geometry = p["geometry"]
        g_base = g if p.get("accumulate") else apply(AsStridedScatter, g, 0, geometry=geometry)
        g_src = apply(AsStrided, g, geometry=geometry) if ctx.inputs_meta[1] is not None else None
        return g_base, g_src


def _flat_indices(xp, geometry):
    shape, strides, offset = geometry
    idx = xp.full(shape, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        r = xp.arange(n, dtype=np.int64) * s
        idx = idx + r.reshape((n,) + (1,) * (len(shape) - d - 1))
    return idx


def _overlaps(geometry):
    shape, strides, _ = geometry
    return any(s == 0 and n > 1 for n, s in zip(shape, strides))


def geometry_in(view, base):
    """The geometry of `view`'s array inside `base`'s (C-contiguous) array."""
    a, b = view._data, base._data
    item = a.itemsize
    offset = (_address(a) - _address(b)) // item
    return tuple(a.shape), tuple(s // item for s in a.strides), offset


def _address(a):
    """Where array a's first element lives (CuPy's and the simulation's arrays both export this)."""
    if is_host(a):
        return a.__array_interface__["data"][0]
    return a.__cuda_array_interface__["data"][0]


def as_strided(input, size, stride, storage_offset=None):
    if storage_offset is None:   # input's own offset inside its base's memory
        storage_offset = 0 if input._base is None else geometry_in(input, input._base)[2]
    base = input if input._base is None else input._base
    if not base._data.flags.c_contiguous:
        base = input.contiguous()
    return apply(AsStrided, base, geometry=(tuple(size), tuple(stride), storage_offset))


__all__ = ["as_strided"]
TENSOR_METHODS = {"as_strided": as_strided}


class CopySlices(AsStridedScatter):
    """The node a base gets when one of its views is changed in place."""
    grad_name = "CopySlices"
