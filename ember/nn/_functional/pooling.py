"""torch.nn.functional pooling: max, average, adaptive, power-average pooling
and max_unpool, for 1, 2 and 3 spatial dims.

Every pooling here is separable, so the kernels run one spatial axis at a
time, last axis first, and loop only over kernel offsets: for offset j the
outputs that see input j*d - p + o*s form one strided slice of the input, so
a window sum or max is k vectorised passes per axis, with no padded copy
(outputs whose window leaves the input simply skip that offset). Max pooling
keeps, per axis, which offset won (first maximum in the window, as PyTorch);
the per-plane flat indices PyTorch returns are rebuilt from those. Its
gradient routes each output gradient to its index (`_PutPlane`), whose own
gradient is the gather (`_TakePlane`), so double backward works. Average
pooling's gradient is its adjoint (spread evenly), again one op each way.
Adaptive average pooling is a per-axis linear map (`_Resample`, shared with
interpolate in sampling.py, which also holds the plane gather/scatter ops).
"""
import functools
import numbers

import numpy as np

from ... import _cuda_kernels as _kernels
from ... import _dtype as D
from ... import _dispatch
from ..._backends import is_host, xp as _xp
from ..._dispatch import Op, apply
from ..._grad_mode import state as _grad_state
from ..._tensor import Tensor
from .sampling import _PutPlane, _Resample, _axis_key, _like, _maps_like, _named, _prod, _type_title

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d",
]

_WORDS = {1: "one", 2: "two", 3: "three"}
_LETTERS = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}


# ===================================================================== per-axis kernels
@functools.lru_cache(maxsize=4096)
def _ranges(L, k, s, p, d, o):
    """For each kernel offset j the outputs [lo, hi) whose window position j
    lies inside the input, and the input position the first of them reads:
    (j, lo, hi, start). Output o reads input start + (o - lo) * s."""
    res = []
    for j in range(k):
        off = j * d - p
        lo = max(0, -(off // s))
        last = L - 1 - off
        hi = min(o, last // s + 1) if last >= 0 else 0
        if hi > lo:
            res.append((j, lo, hi, lo * s + off))
    return tuple(res)


def _in_slice(start, n, s):
    return slice(start, start + (n - 1) * s + 1, s)


def _lowest(dtype):
    if dtype.kind == "f":
        return -np.inf
    return np.iinfo(dtype).min


def _max_axis(a, axis, k, s, p, d, o, want_idx):
    """Max over windows along one axis: (values, winning offset or None).

    The offsets run in order and a later one wins only when strictly
    greater, so the winner is the first maximum of the window."""
    L = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = o
    rng = _ranges(L, k, s, p, d, o)
    first = rng[0]
    xp = _xp(a)
    if first[1] == 0 and first[2] == o:
        best = a[_axis_key(axis, _in_slice(first[3], o, s))].copy()
        rest = rng[1:]
        idx = xp.full(shape, first[0], np.uint8 if k <= 255 else np.int32) if want_idx else None
    else:
        best = xp.full(shape, _lowest(a.dtype), a.dtype)
        rest = rng
        if want_idx:  # windows whose values all equal the lowest value keep their first offset
            fv = np.zeros(o, np.uint8 if k <= 255 else np.int32)
            for j, lo, hi, st in reversed(rng):
                fv[lo:hi] = j
            bshape = [1] * len(shape)
            bshape[axis] = o
            idx = xp.broadcast_to(_like(fv.reshape(bshape), a), shape).copy()
        else:
            idx = None
    for j, lo, hi, st in rest:
        key = _axis_key(axis, slice(lo, hi))
        b = best[key]
        v = a[_axis_key(axis, _in_slice(st, hi - lo, s))]
        if v.strides[-1] != v.itemsize and xp is np:
            v = np.ascontiguousarray(v)  # np.maximum is several times slower on strided data
        if idx is not None:
            gt = v > b
            ib = idx[key]
            ib *= ~gt
            ib += gt.view(np.uint8) * idx.dtype.type(j) if j else 0
        np.maximum(b, v, out=b)
    # on a device the NaN pass always runs: asking whether it is needed would
    # wait for the device
    if idx is not None and a.dtype.kind == "f" and (not is_host(best) or np.isnan(best).any()):
        nan = np.isnan(best)  # PyTorch keeps the last NaN of a window
        for j, lo, hi, st in rng:
            key = _axis_key(axis, slice(lo, hi))
            hit = np.isnan(a[_axis_key(axis, _in_slice(st, hi - lo, s))]) & nan[key]
            np.copyto(idx[key], j, where=hit)
    return best, idx


def _plane_indices(stages, lead, L, o, bases, dils):
    """Per-plane flat input indices from the per-axis winning offsets.

    stages[i] (computed after the axes behind i were reduced) has shape
    lead + L[:i] + o[i:]; the winner along axis i is read at the coordinates
    already chosen along the axes before it."""
    nd = len(L)
    B = _prod(lead)
    xp = _xp(stages[0])
    it = np.int32 if B * max(_prod(L), 1) * max(_prod(o), 1) < 2 ** 31 else np.int64
    flat = None
    for i in range(nd):
        st = stages[i]
        if i == 0:
            sel = st.reshape((B,) + tuple(o))
        else:
            rest = _prod(o[i:])
            pprev = _prod(L[:i])
            pos = flat.reshape(B, _prod(o[:i]), rest) * it(rest)
            pos += (xp.arange(B, dtype=it) * it(pprev * rest))[:, None, None]
            pos += xp.arange(rest, dtype=it)
            sel = np.take(st.reshape(-1), pos).reshape((B,) + tuple(o))
        bshape = [1] * (nd + 1)
        bshape[i + 1] = o[i]
        c = sel.astype(it)
        if dils[i] != 1:
            c *= it(dils[i])
        c += _like(bases[i], c).astype(it, copy=False).reshape(bshape)
        if flat is None:
            flat = c
        else:
            flat *= it(L[i])
            flat += c
    return flat.reshape(tuple(lead) + tuple(o)).astype(np.int64, copy=False)


def _max_pool_arrays(x, k, s, p, d, o, want_idx):
    nd = len(k)
    a = x
    stages = [None] * nd
    for i in range(nd - 1, -1, -1):
        axis = x.ndim - nd + i
        a, stages[i] = _max_axis(a, axis, k[i], s[i], p[i], d[i], o[i], want_idx)
    if not want_idx:
        return a, None
    L = x.shape[-nd:]
    bases = [_xp(x).arange(o[i]) * s[i] - p[i] for i in range(nd)]
    return a, _plane_indices(stages, x.shape[:-nd], L, o, bases, d)


def _fused_2x2(x, k, s, p, d, o):
    """Whether the GPU's fused kernel serves: 2x2 windows tiling the plane (every window inside it)."""
    return (len(k) == 2 and tuple(k) == (2, 2) and tuple(s) == (2, 2) and tuple(p) == (0, 0)
            and tuple(d) == (1, 1) and 2 * o[0] <= x.shape[-2] and 2 * o[1] <= x.shape[-1]
            and not is_host(x) and _kernels.fusable(x))


def _window_views(a, o):
    """The four (..., Ho, Wo) views of a 2x2 tiling, in window order."""
    ho, wo = o
    return [a[..., dy:2 * ho:2, dx:2 * wo:2] for dy in (0, 1) for dx in (0, 1)]


def _max_pool_2x2(x, o):
    """(maxima, winners 0..3, flat plane indices) of 2x2 windows with stride 2, on a GPU."""
    xp = _xp(x)
    ho, wo = o
    width = x.shape[-1]
    base = _like(_window_starts(ho, wo, width), x)
    out = xp.empty(x.shape[:-2] + (ho, wo), x.dtype)
    which = xp.empty(out.shape, np.uint8)
    index = xp.empty(out.shape, np.int64)
    _kernels.max_pool_2x2(*_window_views(x, o), base, width, out, which, index)
    return out, which, index


@functools.lru_cache(maxsize=64)
def _window_starts(ho, wo, width):
    """Each 2x2 window's first element, as a flat index into a plane of that width."""
    return np.arange(ho, dtype=np.int64)[:, None] * (2 * width) + np.arange(wo, dtype=np.int64) * 2


def _max_pool_2x2_backward(g, which, shape):
    gx = _xp(g).zeros(shape, g.dtype)
    _kernels.max_pool_2x2_backward(g, which, *_window_views(gx, g.shape[-2:]))
    return gx


def _tiles(k, s, p, d):
    """Whether the windows tile the input: stride = kernel, no padding or
    dilation (the usual 2x2/2 pooling). Then every input is in at most one
    window and the gradient is a per-axis spread, with no index scatter."""
    return all(s[i] == k[i] and p[i] == 0 and d[i] == 1 for i in range(len(k)))


def _max_tiles(x, k, o):
    """Max over tiling windows, one axis at a time (last first): the values
    and, per axis, the winning offset within the window (bool for k = 2),
    computed at the coordinates already reduced. The first maximum wins, as
    in PyTorch; None when a NaN took part (PyTorch then picks the NaN)."""
    nd = len(k)
    a = x
    stages = [None] * nd
    for i in range(nd - 1, -1, -1):
        axis = a.ndim - nd + i
        ki, oi = k[i], o[i]
        if a.shape[axis] != oi * ki:
            a = a[_axis_key(axis, slice(0, oi * ki))]
        v = a.reshape(a.shape[:axis] + (oi, ki) + a.shape[axis + 1:])
        part = [v[_axis_key(axis + 1, j)] for j in range(ki)]
        if ki == 1:
            a, stages[i] = part[0], None
            continue
        if ki == 2:
            win = np.greater(part[1], part[0])
            a = np.maximum(part[0], part[1])
        else:
            a = part[0].copy()
            win = _xp(a).zeros(a.shape, np.uint8)
            for j in range(1, ki):
                gt = np.greater(part[j], a)
                np.maximum(a, part[j], out=a)
                np.copyto(win, np.uint8(j), where=gt)
        stages[i] = win
    if a.dtype.kind == "f" and np.isnan(a).any():
        return a, None
    return a, stages


def _spread_tiles(g, stages, k, sizes):
    """The gradient of _max_tiles: g (lead + out) routed to the winners,
    one axis at a time (first axis first)."""
    nd = len(k)
    a = g
    for i in range(nd):
        axis = a.ndim - nd + i
        ki, L = k[i], sizes[i]
        o = a.shape[axis]
        win = stages[i]
        out = _xp(a).empty(a.shape[:axis] + (L,) + a.shape[axis + 1:], a.dtype)
        if L != o * ki:
            out[_axis_key(axis, slice(o * ki, None))] = 0
        v = out[_axis_key(axis, slice(0, o * ki))]
        v = v.reshape(a.shape[:axis] + (o, ki) + a.shape[axis + 1:])
        if ki == 1:
            v[_axis_key(axis + 1, 0)] = a
        elif ki == 2:
            np.multiply(a, win, out=v[_axis_key(axis + 1, 1)])
            np.multiply(a, ~win, out=v[_axis_key(axis + 1, 0)])
        else:
            for j in range(ki):
                np.multiply(a, win == j, out=v[_axis_key(axis + 1, j)])
        a = out
    return a


def _tile_indices(stages, x_shape, k, o):
    """PyTorch's per-plane flat indices from _max_tiles' winners."""
    nd = len(k)
    xp = _xp(next(w for w in stages if w is not None))
    st = [w if w is not None else xp.zeros(1, np.uint8) for w in stages]
    full = []
    for i in range(nd):
        shp = x_shape[:len(x_shape) - nd] + tuple(x_shape[len(x_shape) - nd:][:i]) + tuple(o[i:])
        full.append(xp.broadcast_to(st[i], shp).astype(np.uint8))
    L = x_shape[len(x_shape) - nd:]
    bases = [xp.arange(o[i]) * k[i] for i in range(nd)]
    return _plane_indices(full, x_shape[:len(x_shape) - nd], L, o, bases, (1,) * nd)


def _sum_axis(a, axis, k, s, p, o):
    shape = list(a.shape)
    shape[axis] = o
    rng = _ranges(a.shape[axis], k, s, p, 1, o)
    out = None
    for j, lo, hi, st in rng:
        if lo == 0 and hi == o:
            out = a[_axis_key(axis, _in_slice(st, o, s))].copy()
            used = j
            break
    if out is None:
        out = _xp(a).zeros(shape, a.dtype)
        used = -1
    for j, lo, hi, st in rng:
        if j == used:
            continue
        b = out[_axis_key(axis, slice(lo, hi))]
        np.add(b, a[_axis_key(axis, _in_slice(st, hi - lo, s))], out=b)
    return out


def _spread_axis(g, axis, k, s, p, L):
    """The adjoint of _sum_axis: each output's value added to its window."""
    o = g.shape[axis]
    shape = list(g.shape)
    shape[axis] = L
    out = _xp(g).zeros(shape, g.dtype)
    for j, lo, hi, st in _ranges(L, k, s, p, 1, o):
        dst = out[_axis_key(axis, _in_slice(st, hi - lo, s))]
        src = g[_axis_key(axis, slice(lo, hi))]
        if s >= k:  # windows do not overlap: every input is written once
            dst[...] = src
        else:
            np.add(dst, src, out=dst)
    return out


class _MaxPool(Op):
    """Max pooling over the last len(kernel) dims; output 1 (when asked) is the
    per-plane flat index of each maximum."""
    dtype_rule = "keep"
    nondiff_outputs = (1,)
    grad_name = "MaxPool2DWithIndicesBackward0"

    def forward(ctx, x, kernel, stride, padding, dilation, out_size, want_idx, grad=False):
        """want_idx: output 1 is the index array; grad: keep what backward
        needs (the winners of tiling windows, else the index array)."""
        nd = len(kernel)
        # tiling windows keep per-axis winners instead of indices; that needs
        # a NaN check read back to the host, so not on a device
        if grad and not want_idx and is_host(x) and x.dtype.kind == "f" and _tiles(
                kernel, stride, padding, dilation) and all(
                out_size[i] * kernel[i] <= x.shape[x.ndim - nd + i] for i in range(nd)):
            out, stages = _max_tiles(x, kernel, out_size)
            if stages is not None:
                ctx.stages = stages
                return out
        if _fused_2x2(x, kernel, stride, padding, dilation, out_size):
            # on a GPU, the usual 2x2 pooling in one kernel (same winners as below)
            out, ctx.which, idx = _max_pool_2x2(x, out_size)
        else:
            out, idx = _max_pool_arrays(x, kernel, stride, padding, dilation, out_size,
                                        want_idx or grad)
        ctx.idx = idx
        return (out, idx) if want_idx else out

    def backward(ctx, g, gi=None):
        p = ctx.params
        k, s, d = p["kernel"], p["stride"], p["dilation"]
        nd = len(k)
        shape = ctx.inputs_meta[0][0]
        plane = tuple(shape[len(shape) - nd:])
        stages = getattr(ctx, "stages", None)
        if stages is not None:
            if not _grad_state.enabled and not _dispatch.interceptors:
                return _dispatch.wrap(_spread_tiles(g._data, stages, k, plane), g._dtype)
            ctx.idx = _tile_indices(stages, shape, k, p["out_size"])
            ctx.stages = None
        which = getattr(ctx, "which", None)
        if which is not None and not _grad_state.enabled and not _dispatch.interceptors:
            return _dispatch.wrap(_max_pool_2x2_backward(g._data, which, shape), g._dtype)
        unique = all(s[i] >= d[i] * (k[i] - 1) + 1 for i in range(nd))
        return apply(_PutPlane, g, idx=ctx.idx, plane=plane, nq=nd,
                     mode="unique" if unique else "add")


class _AdaptiveMaxPool(Op):
    dtype_rule = "keep"
    nondiff_outputs = (1,)
    grad_name = "AdaptiveMaxPool2DBackward0"

    def forward(ctx, x, out_size):
        out, idx = _adaptive_max_arrays(x, out_size)
        ctx.idx = idx
        return out, idx

    def backward(ctx, g, gi=None):
        nd = len(ctx.params["out_size"])
        shape = ctx.inputs_meta[0][0]
        return apply(_PutPlane, g, idx=ctx.idx, plane=tuple(shape[len(shape) - nd:]), nq=nd,
                     mode="add")


@functools.lru_cache(maxsize=256)
def _avg_divisor(cfg, dtype):
    k, s, p, o, L, ceil_mode, count_include_pad, divisor_override = cfg
    if divisor_override is not None:
        return dtype.type(divisor_override)
    div = None
    for i in range(len(k)):
        start = np.arange(o[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], L[i] + p[i])
        if count_include_pad:
            c = end - start
        else:
            c = np.minimum(end, L[i]) - np.maximum(start, 0)
        div = c if div is None else np.multiply.outer(div, c)
    return div.astype(dtype if dtype.kind == "f" else np.float64)


class _AvgPool(Op):
    dtype_rule = "keep"
    grad_name = "AvgPool2DBackward0"

    def forward(ctx, x, cfg):
        k, s, p, o = cfg[:4]
        nd = len(k)
        a = x
        for i in range(nd - 1, -1, -1):
            a = _sum_axis(a, x.ndim - nd + i, k[i], s[i], p[i], o[i])
        div = _like(_avg_divisor(cfg, x.dtype), x)
        if x.dtype.kind == "f":
            return np.divide(a, div, out=a)
        return np.trunc(a / div).astype(x.dtype)

    def backward(ctx, g):
        return apply(_named(_AvgPoolAdjoint, ctx.op.grad_name[:-1] + "Backward0"), g,
                     cfg=ctx.params["cfg"])


class _AvgPoolAdjoint(Op):
    dtype_rule = "keep"

    def forward(ctx, g, cfg):
        k, s, p, o, L = cfg[:5]
        nd = len(k)
        a = g / _like(_avg_divisor(cfg, g.dtype), g)
        for i in range(nd):
            a = _spread_axis(a, g.ndim - nd + i, k[i], s[i], p[i], L[i])
        return a

    def backward(ctx, gg):
        return apply(_AvgPool, gg, cfg=ctx.params["cfg"])


@functools.lru_cache(maxsize=256)
def _adaptive_windows(L, o):
    i = np.arange(o)
    start = (i * L) // o
    end = -((-(i + 1) * L) // o)
    return start, end


@functools.lru_cache(maxsize=256)
def _adaptive_avg_maps(in_sizes, out_sizes, ndim):
    maps = []
    nd = len(in_sizes)
    for i in range(nd - 1, -1, -1):
        L, o = in_sizes[i], out_sizes[i]
        axis = ndim - nd + i
        if L == o:
            continue
        if o > 0 and L % o == 0:
            maps.append((axis, "mean", L // o, L))
            continue
        start, end = _adaptive_windows(L, o)
        m = np.zeros((o, L))
        cols = np.arange(L)
        inside = (cols >= start[:, None]) & (cols < end[:, None])
        m[inside] = 1.0
        m /= (end - start)[:, None]
        maps.append((axis, "mat", m, L))
    return tuple(maps)


@functools.lru_cache(maxsize=256)
def _adaptive_gather(L, o):
    """Adaptive windows as a gather of kmax inputs per output (short windows
    repeat their last input): (starts, kmax, flat gather indices)."""
    start, end = _adaptive_windows(L, o)
    kmax = int((end - start).max()) if o else 1
    return start, kmax, np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1).reshape(-1)


def _adaptive_max_arrays(x, o):
    nd = len(o)
    L = x.shape[-nd:]
    if 0 in o:
        shape = x.shape[:-nd] + tuple(o)
        return _xp(x).empty(shape, x.dtype), _xp(x).empty(shape, np.int64)
    if all(L[i] % o[i] == 0 for i in range(nd)) and all(v > 0 for v in o):
        k = tuple(L[i] // o[i] for i in range(nd))
        return _max_pool_arrays(x, k, k, (0,) * nd, (1,) * nd, tuple(o), True)
    a = x
    stages = [None] * nd
    starts = []
    for i in range(nd - 1, -1, -1):
        axis = x.ndim - nd + i
        start, kmax, gather = _adaptive_gather(L[i], o[i])
        g = _xp(a).take(a, _like(gather, a), axis=axis)
        g = g.reshape(a.shape[:axis] + (o[i], kmax) + a.shape[axis + 1:])
        arg = np.argmax(g, axis=axis + 1)
        a = np.take_along_axis(g, np.expand_dims(arg, axis + 1), axis=axis + 1).squeeze(axis + 1)
        stages[i] = arg
        starts.append(start)
    starts.reverse()
    return a, _plane_indices(stages, x.shape[:-nd], L, o, starts, (1,) * nd)


# ===================================================================== argument handling
def _int_list(v, fname, argname, pos):
    if isinstance(v, (list, tuple)):
        items = list(v)
    else:
        items = [v]
    for e in items:
        if not (isinstance(e, numbers.Integral) or (isinstance(e, Tensor) and e.dim() == 0)):
            raise TypeError("%s(): argument '%s' (position %d) must be tuple of ints, not %s"
                            % (fname, argname, pos, type(v).__name__ if not isinstance(
                                v, (list, tuple)) else type(e).__name__))
    return [int(e) for e in items]


def _expand(v, nd, fname, argname, pos, msg):
    items = _int_list(v, fname, argname, pos)
    if len(items) == 1:
        return tuple(items) * nd
    if len(items) != nd:
        raise RuntimeError(msg)
    return tuple(items)


def _pool_args(fname, nd, kernel_size, stride, padding, dilation=1, avg=False):
    """kernel, stride, padding, dilation as nd-tuples, with PyTorch's messages."""
    w = _WORDS[nd]
    if nd == 1 and not avg:
        def one(v, name, pos, what):
            items = _int_list(v, fname, name, pos)
            if len(items) != 1:
                raise RuntimeError("max_pool1d() %s must be %s of size 1 but got size %d"
                                   % (name, what, len(items)))
            return tuple(items)
        k = one(kernel_size, "kernel_size", 2, "an int, list of ints or tuple of ints")
        if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
            s = k
        else:
            s = one(stride, "stride", 3, "None, an int, list of ints, or tuple of ints")
        p = one(padding, "padding", 4, "an int, list of ints, or tuple of ints")
        d = one(dilation, "dilation", 5, "an int, list of ints or tuple of ints")
        return k, s, p, d
    if nd == 1:  # avg_pool1d
        def one(v, name, pos):
            items = _int_list(v, fname, name, pos)
            if len(items) != 1:
                raise RuntimeError("avg_pool1d() argument '%s' should contain one int (got %d)"
                                   % (name, len(items)))
            return tuple(items)
        k = one(kernel_size, "kernel_size", 2)
        s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
            else one(stride, "stride", 3)
        return k, s, one(padding, "padding", 4), (1,)
    if avg and nd == 3:
        kmsg = "%s: kernel_size must be a single int, or a tuple of three ints" % fname
        smsg = "%s: stride must be omitted, a single int, or a tuple of three ints" % fname
        pmsg = "%s: padding must be a single int, or a tuple of three ints" % fname
    else:
        kmsg = "%s: kernel_size must either be a single int, or a tuple of %s ints" % (fname, w)
        smsg = "%s: stride must either be omitted, a single int, or a tuple of %s ints" % (fname, w)
        pmsg = "%s: padding must either be a single int, or a tuple of %s ints" % (fname, w)
    k = _expand(kernel_size, nd, fname, "kernel_size", 2, kmsg)
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        s = k
    else:
        s = _expand(stride, nd, fname, "stride", 3, smsg)
    p = _expand(padding, nd, fname, "padding", 4, pmsg)
    d = _expand(dilation, nd, fname, "dilation", 5,
                "%s: dilation must be either a single int, or a tuple of %s ints" % (fname, w))
    return k, s, p, d


def _out_size(L, k, s, p, d, ceil_mode):
    num = L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = num // s + 1
    if ceil_mode and (o - 1) * s >= L + p:
        o -= 1
    return o


def _fmt_list(shape):
    return "[" + ", ".join(str(v) for v in shape) + "]"


def _check_dtype(x, fname, ints=True, uint8=True):
    dt = x._dtype
    if dt is D.bool_ or dt.category == D.COMPLEX or (dt.category < D.FLOAT and (
            not ints or (dt is D.uint8 and not uint8))):
        raise NotImplementedError("\"%s\" not implemented for '%s'" % (fname, _type_title(dt)))


def _pool_shape(kind, nd, x, k, s, p, d, ceil_mode):
    """Validate as PyTorch does and return the output spatial sizes."""
    shape = tuple(x.shape)
    letters = _LETTERS[nd]
    if kind == "max" and nd == 1:
        if x.dim() not in (2, 3) or any(v == 0 for v in shape[x.dim() - 2:]):
            raise RuntimeError(
                "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                "batch size for input, but got:%s" % _fmt_list(shape))
        if k[0] <= 0:
            raise RuntimeError("max_pool1d() kernel_size must be greater than zero, but got %d" % k[0])
        if s[0] <= 0:
            raise RuntimeError("max_pool1d() stride must be greater than zero, but got %d" % s[0])
        if p[0] < 0:
            raise RuntimeError("max_pool1d() padding must be non-negative, but got %d" % p[0])
        if p[0] > k[0] // 2:
            raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but got "
                               "padding=%d and kernel_size=%d" % (p[0], k[0]))
        if d[0] <= 0:
            raise RuntimeError("max_pool1d() dilation must be greater than zero, but got %d" % d[0])
        o = _out_size(shape[-1], k[0], s[0], p[0], d[0], ceil_mode)
        if o <= 0:
            raise RuntimeError("max_pool1d() Invalid computed output size: %d" % o)
        return (o,)
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v < 0 for v in p):
        raise RuntimeError("pad must be non-negative, but got pad: %d" % min(p))
    kk, ss, dd = k, s, d
    if nd == 1:  # avg_pool1d runs as a 2d pool of height 1
        letters = ("H", "W")
        kk, ss, dd = (1,) + k, (1,) + s, (1,) + d
    if any(v <= 0 for v in kk):
        raise RuntimeError("kernel size should be greater than zero, but got " + " ".join(
            "k%s: %d" % (c, v) for c, v in zip(letters, kk)))
    if any(v <= 0 for v in ss):
        raise RuntimeError("stride should be greater than zero, but got " + " ".join(
            "d%s: %d" % (c, v) for c, v in zip(letters, ss)))
    if any(v <= 0 for v in dd):
        raise RuntimeError("dilation should be greater than zero, but got " + " ".join(
            "dilation%s: %d" % (c, v) for c, v in zip(letters, dd)))
    ndim = x.dim()
    if nd == 1:
        if ndim not in (2, 3):
            raise RuntimeError(
                "Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' "
                "(while checking arguments for avg_pool1d)" % ndim)
        if any(v == 0 for v in shape[ndim - 2:]):
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                               "size for input, but got:%s" % _fmt_list(
                                   shape[:-1] + (1,) + shape[-1:]))
    elif ndim not in (nd + 1, nd + 2):
        if kind == "avg" and nd == 2 and ndim < 3:
            raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got "
                             "-3)" % (-max(ndim, 1), max(ndim, 1) - 1))
        if kind == "avg" and nd == 2:
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                               "for input, but got:%s" % _fmt_list(shape))
        raise RuntimeError("non-empty %dD or %dD (batch mode) tensor expected for input"
                           % (nd + 1, nd + 2))
    elif any(v == 0 for v in shape[ndim - nd - 1:]):
        if nd == 2:
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                               "for input, but got:%s" % _fmt_list(shape))
        zero = [i for i in range(ndim - nd - 1, ndim) if shape[i] == 0][0]
        raise RuntimeError(
            "%s(): Expected input's non-batch dimensions to have positive length, but input has a "
            "shape of %s and non-batch dimension %d has length zero!" % (
                "max_pool3d_with_indices_out_cpu_template" if kind == "max" else "avg_pool3d",
                _fmt_list(shape), zero))
    for i in range(nd):
        eff = (k[i] - 1) * d[i] + 1
        if p[i] > eff // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got pad=%d, "
                               "kernel_size=%d and dilation=%d" % (p[i], k[i], d[i]))
    if kind == "max" and any(p[i] > k[i] // 2 for i in range(nd)):
        if nd == 2:
            raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                               "padW = %d, padH = %d, kW = %d, kH = %d" % (p[1], p[0], k[1], k[0]))
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           "kT: %d kW: %d kH: %d padT: %d padW: %d padH: %d"
                           % (k[0], k[2], k[1], p[0], p[2], p[1]))
    L = shape[ndim - nd:]
    if kind == "avg" and nd == 3 and any(L[i] < k[i] for i in range(3)):
        raise RuntimeError("input image (T: %d H: %d W: %d) smaller than kernel size (kT: %d kH: %d "
                           "kW: %d)" % (L + k))
    o = tuple(_out_size(L[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd))
    if any(v < 1 for v in o):
        C = shape[ndim - nd - 1] if ndim > nd else 1
        ins, outs = (C,) + tuple(L), (C,) + o
        if nd == 1:
            ins, outs = (C, 1) + tuple(L), (C, 1) + o
        raise RuntimeError("Given input size: (%s). Calculated output size: (%s). Output size is too "
                           "small" % ("x".join(map(str, ins)), "x".join(map(str, outs))))
    return o


_MAX_OPS = {n: _named(_MaxPool, "MaxPool%dDWithIndicesBackward0" % n) for n in (1, 2, 3)}


def _freeze(v):
    """v as a hashable cache key part (ints, None, tuples of them), or raise TypeError."""
    if v is None or type(v) is int or type(v) is bool:
        return v
    if type(v) in (tuple, list) and all(type(e) is int for e in v):
        return tuple(v)
    raise TypeError


# validated (kernel, stride, padding, dilation, output size) by arguments and input shape:
# a training loop calls the same pooling thousands of times
_PLANS = {}


def _plan(kind, nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    try:
        key = (kind, nd, _freeze(kernel_size), _freeze(stride), _freeze(padding),
               _freeze(dilation), bool(ceil_mode), input._data.shape)
    except TypeError:
        key = None
    plan = _PLANS.get(key) if key is not None else None
    if plan is None:
        fname = "%s_pool%dd" % (kind, nd)
        k, s, p, d = _pool_args(fname, nd, kernel_size, stride, padding, dilation,
                                avg=kind == "avg")
        o = _pool_shape(kind, nd, input, k, s, p, d, ceil_mode)
        plan = (k, s, p, d, o)
        if key is not None:
            if len(_PLANS) > 512:
                _PLANS.clear()
            _PLANS[key] = plan
    return plan


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    k, s, p, d, o = _plan("max", nd, input, kernel_size, stride, padding, dilation, ceil_mode)
    if input._dtype is D.bool_:
        raise NotImplementedError("\"max_pool%dd\" not implemented for 'Bool'" % nd)
    grad = _grad_state.enabled and input._requires_grad
    r = apply(_MAX_OPS[nd], input, kernel=k, stride=s, padding=p, dilation=d, out_size=o,
              want_idx=bool(return_indices), grad=grad)
    if return_indices:
        return r[0], r[1]
    return r


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ------------------------------------------------------------------ average pooling
_AVG_OPS = {1: _named(_AvgPool, "AvgPool2DBackward0"), 2: _named(_AvgPool, "AvgPool2DBackward0"),
            3: _named(_AvgPool, "AvgPool3DBackward0")}


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    k, s, p, _, o = _plan("avg", nd, input, kernel_size, stride, padding, 1, ceil_mode)
    _check_dtype(input, "avg_pool%dd" % nd, uint8=False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    L = input._data.shape[input.dim() - nd:]
    cfg = (k, s, p, o, L, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return apply(_AVG_OPS[nd], input, cfg=cfg)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_sizes(fname, nd, input, output_size):
    shape = tuple(input.shape)
    ndim = input.dim()
    if nd == 1:
        items = _int_list(output_size, fname, "output_size", 2)
        if len(items) != 1:
            raise RuntimeError("%s() argument 'output_size' should contain one int (got %d)"
                               % (fname, len(items)))
        if ndim not in (2, 3):
            raise RuntimeError(
                "Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' "
                "(while checking arguments for %s)" % (ndim, fname))
        return tuple(items)
    if isinstance(output_size, (list, tuple)):
        items = list(output_size)
        if len(items) >= ndim:
            raise ValueError("Input dimension should be at least %d" % (len(items) + 1))
        items = [shape[ndim - len(items) + i] if v is None else v for i, v in enumerate(items)]
        if len(items) != nd:
            if fname.startswith("adaptive_max"):
                raise RuntimeError("%s(): internal error: output_size.size() must be %d"
                                   % (fname, nd))
            raise RuntimeError("%s: output_size must be %d" % (fname, nd))
    else:
        items = [output_size] * nd
    return tuple(int(v) for v in items)


def _adaptive_check(fname, nd, input, o, kind):
    shape = tuple(input.shape)
    ndim = input.dim()
    if nd > 1 and ndim not in (nd + 1, nd + 2):
        raise RuntimeError("%s(): Expected %dD or %dD tensor, but got%s %s"
                           % (fname, nd + 1, nd + 2, ":" if kind == "max" else "",
                              _fmt_list(shape)))
    if any(v < 0 for v in o):
        if kind == "avg":
            body = "1, %d" % o[0] if nd == 1 else (
                "%d, %d" % o if nd == 2 else "%d, %d,%d" % o)
            raise RuntimeError("adaptive_avg_pool%dd: elements of output_size must be greater than "
                               "or equal to 0 but received {%s}" % (max(nd, 2), body))
        full = list(shape[:ndim - nd]) + ([1] if nd == 1 else []) + list(o)
        raise RuntimeError("Trying to create tensor with negative dimension %d: %s"
                           % (min(o), _fmt_list(full)))
    if kind == "avg" and nd == 1:  # runs as a 2d pool of height 1
        shape = shape[:-1] + (1,) + shape[-1:]
        fname, ndim, nd = "adaptive_avg_pool2d", ndim + 1, 2
    if kind == "avg" and nd == 2:  # only the spatial dims must be non-empty
        dims = range(ndim - nd, ndim)
    else:  # every non-batch dim
        dims = range(1 if ndim == nd + 2 else 0, ndim)
    for i in dims:
        if shape[i] == 0:
            raise RuntimeError(
                "%s(): Expected input to have non-zero size for non-batch dimensions, but input "
                "has sizes %s with dimension %d being empty" % (fname, _fmt_list(shape), i))


_AAVG_NAMES = {1: "AdaptiveAvgPool2DBackward0", 2: "AdaptiveAvgPool2DBackward0",
               3: "AdaptiveAvgPool3DBackward0"}


def _adaptive_avg(nd, input, output_size):
    fname = "adaptive_avg_pool%dd" % nd
    o = _adaptive_sizes(fname, nd, input, output_size)
    _adaptive_check(fname, nd, input, o, "avg")
    if input._dtype.category < D.FLOAT:
        raise NotImplementedError("\"%s\" not implemented for '%s'"
                                  % ("adaptive_avg_pool%dd" % max(nd, 2),
                                     _type_title(input._dtype)))
    ndim = input.dim()
    L = tuple(input.shape[ndim - nd:])
    if nd > 1 and all(v == 1 for v in o):
        return input.mean(tuple(range(ndim - nd, ndim)), keepdim=True)
    maps = _maps_like(_adaptive_avg_maps(L, o, ndim), input._data)
    return apply(_named(_Resample, _AAVG_NAMES[nd]), input, maps=maps)


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(3, input, output_size)


_AMAX_NAMES = {1: "AdaptiveMaxPool2DBackward0", 2: "AdaptiveMaxPool2DBackward0",
               3: "AdaptiveMaxPool3DBackward0"}


def _adaptive_max(nd, input, output_size, return_indices):
    fname = "adaptive_max_pool%dd" % nd
    o = _adaptive_sizes(fname, nd, input, output_size)
    _adaptive_check(fname, nd, input, o, "max")
    if input._dtype.category < D.FLOAT:
        raise NotImplementedError("\"%s\" not implemented for '%s'"
                                  % ("adaptive_max_pool%dd" % max(nd, 2),
                                     _type_title(input._dtype)))
    out, idx = apply(_named(_AdaptiveMaxPool, _AMAX_NAMES[nd]), input, out_size=o)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(3, input, output_size, True)


# ------------------------------------------------------------------ max_unpool
_UNPOOL_NAMES = {1: "MaxUnpool2DBackward0", 2: "MaxUnpool2DBackward0", 3: "MaxUnpool3DBackward0"}


class _MaxUnpool(_PutPlane):
    pass


def _unpool_output_size(nd, input, k, s, p, output_size):
    shape = tuple(input.shape)
    default = tuple((shape[input.dim() - nd + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(nd))
    if output_size is None:
        return default
    size = [int(v) for v in output_size]
    if len(size) == nd + 2:
        size = size[2:]
    elif len(size) == nd + 1:
        size = size[1:]
    if len(size) != nd:
        raise ValueError("output_size should be a sequence containing %d or %d elements, but it has "
                         "a length of '%d'" % (nd, nd + 2, len(output_size)))
    for d in range(nd):
        min_size = default[d] - s[d]
        max_size = default[d] + s[d]
        if not (min_size < size[d] < max_size):
            raise ValueError('invalid output_size "%s" (dim %d must be between %d and %d)'
                             % (tuple(output_size) if isinstance(output_size, tuple)
                                else output_size, d, min_size, max_size))
    return tuple(size)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    fname = "max_unpool%dd" % nd
    k = _expand(kernel_size, nd, fname, "kernel_size", 3, "%s: kernel_size" % fname)
    s = k if stride is None else _expand(stride, nd, fname, "stride", 4, "%s: stride" % fname)
    p = _expand(padding, nd, fname, "padding", 5, "%s: padding" % fname)
    size = _unpool_output_size(nd, input, k, s, p, output_size)
    if indices._dtype is not D.int64:
        raise RuntimeError("elements in indices should be type int64 but got: %s"
                           % _type_title(indices._dtype))
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor (%s) "
                           "but got indices tensor with shape: %s"
                           % (_fmt_list(input.shape), _fmt_list(indices.shape)))
    idx = indices._data
    P = _prod(size)
    if idx.size:
        bad = (idx < 0) | (idx >= P)
        if bad.any():
            v = int(idx[bad].reshape(-1)[-1])  # the last one, as PyTorch's serial loop
            raise RuntimeError("Found an invalid max index: %d (output volumes are of size %s)"
                               % (v, "x".join(str(x) for x in size)))
    return apply(_named(_MaxUnpool, _UNPOOL_NAMES[nd]), input, idx=idx, plane=size, nq=nd,
                 mode="assign")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# ------------------------------------------------------------------ power-average pooling
def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _expand(kernel_size, nd, "lp_pool%dd" % nd, "kernel_size", 3,
                "lp_pool%dd: kernel_size" % nd)
    avg = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    if stride is not None:
        out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * out.abs().relu()).mul(_prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
