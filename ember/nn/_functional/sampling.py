"""torch.nn.functional resampling: interpolate (upsample), grid_sample and
affine_grid; and the resampling ops pooling shares.

Every interpolate mode is separable: along each spatial axis the output is
a fixed linear map of the input (a gather for the nearest modes, a small
matrix of weights for linear, cubic and anti-aliased modes), so a resize is
one `_Resample` op whose gradient is the transposed maps (adaptive average
pooling is one too). The weights are computed as PyTorch's CPU kernels
compute them (in the input's precision, with the same source-index
formulas), so results agree to rounding; uint8 images take PyTorch's
fixed-point path and agree exactly.

grid_sample is written with differentiable pieces: a gather of the corner
values (`_TakePlane`, whose gradient `_PutPlane` scatters back; max pooling
uses the pair too), weights that are formulas over the grid, and coordinate
padding ops carrying PyTorch's gradient at the borders; so input and grid
both get gradients, and gradients of gradients work.
"""
import math
import numbers
import warnings

import numpy as np

from ... import _dtype as D
from ..._backends import ufunc_at, is_host, xp as _xp
from ..._dispatch import Op, apply
from ..._tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample",
           "affine_grid"]


def _axis_key(axis, sl):
    return (slice(None),) * axis + (sl,)


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


def _type_title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


# ===================================================================== host constants on the device
# Index maps and weight matrices depend only on shapes: they are built on the
# host (small, and cached in plans) and copied to the data's device once.
_DEVICE_CONSTS = {}


def _like(a, ref, cache=True):
    """Host array `a` on the device of array `ref` (`a` itself when `ref` is
    on the host, or `a` is not a host array). With `cache`, the device copy
    is kept while `a` lives in the cache, keyed by `a`'s identity: for
    constants that are built once (plans), so they cross to the device once."""
    if is_host(ref) or not is_host(a):
        return a
    if not cache:
        return _xp(ref).asarray(a)
    key = (id(a), ref.device.id)
    hit = _DEVICE_CONSTS.get(key)
    if hit is not None and hit[0] is a:
        return hit[1]
    d = _xp(ref).asarray(a)
    if len(_DEVICE_CONSTS) >= 512:
        _DEVICE_CONSTS.clear()
    _DEVICE_CONSTS[key] = (a, d)
    return d


def _maps_like(maps, ref):
    """_Resample's per-axis maps with their arrays on the device of `ref`."""
    if is_host(ref):
        return maps
    out = []
    for axis, kind, data, size in maps:
        if type(data) is tuple:
            data = tuple(_like(v, ref) for v in data)
        else:
            data = _like(data, ref)
        out.append((axis, kind, data, size))
    return tuple(out)


# ===================================================================== plane gather / scatter
def _plane_flat(idx, lead, P, nq):
    """idx (lead' + q, lead' broadcastable to lead) as flat positions in lead + (P,)."""
    B = _prod(lead)
    full = tuple(lead) + idx.shape[idx.ndim - nq:]
    off = (_xp(idx).arange(B, dtype=np.int64) * P).reshape(tuple(lead) + (1,) * nq)
    return (np.broadcast_to(idx, full) + off).reshape(-1), full


class _TakePlane(Op):
    """out[l, q] = x[l, idx[l, q]], the last `nd` dims of x being one plane
    (flat positions in idx, whose leading dims broadcast against x's)."""
    dtype_rule = "keep"
    grad_name = "TakePlaneBackward0"

    def forward(ctx, x, idx, nd, nq):
        lead = x.shape[:x.ndim - nd]
        P = _prod(x.shape[x.ndim - nd:])
        xi = x.reshape(lead + (P,))
        ii = idx.reshape(idx.shape[:idx.ndim - nq] + (-1,))
        out = np.take_along_axis(xi, ii, axis=-1)
        return out.reshape(out.shape[:-1] + idx.shape[idx.ndim - nq:])

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        return apply(_PutPlane, g, idx=p["idx"], plane=tuple(shape[len(shape) - p["nd"]:]),
                     nq=p["nq"], mode="add")


class _PutPlane(Op):
    """zeros(lead + plane) with out[l, idx[l, q]] += g[l, q] ('add'),
    or = g[l, q] ('assign': the last write wins; 'unique': no repeats)."""
    dtype_rule = "keep"
    grad_name = "PutPlaneBackward0"

    def forward(ctx, g, idx, plane, nq, mode):
        lead = g.shape[:g.ndim - nq]
        P = _prod(plane)
        flat, full = _plane_flat(idx, lead, P, nq)
        n = _prod(lead) * P
        if mode == "add" and g.dtype.kind == "f":
            out = np.bincount(flat, weights=np.broadcast_to(g, full).reshape(-1),
                              minlength=n).astype(g.dtype, copy=False)
        else:
            out = _xp(g).zeros(n, g.dtype)
            if mode == "add":
                ufunc_at(np.add, out, flat, np.broadcast_to(g, full).reshape(-1))
            else:
                out[flat] = np.broadcast_to(g, full).reshape(-1)
        return out.reshape(tuple(lead) + tuple(plane))

    def backward(ctx, gg):
        p = ctx.params
        return apply(_TakePlane, gg, idx=p["idx"], nd=len(p["plane"]), nq=p["nq"])


def _named(base, name, cache={}):
    """A subclass of op `base` whose graph node is called `name` (as PyTorch's)."""
    key = (base, name)
    op = cache.get(key)
    if op is None:
        op = type("_" + name, (base,), {"grad_name": name})
        cache[key] = op
    return op


# ===================================================================== separable linear maps
def _group_sum(x, axis, k):
    """Sums of consecutive groups of k along axis, as k strided slices
    (a reshape-and-sum over a short middle axis is far slower in NumPy)."""
    n = x.shape[axis] // k
    if k > 8:  # long groups: a reshape-and-sum is fine
        return x.reshape(x.shape[:axis] + (n, k) + x.shape[axis + 1:]).sum(axis + 1, dtype=x.dtype)
    out = x[_axis_key(axis, slice(0, n * k, k))].copy()
    for j in range(1, k):
        out += x[_axis_key(axis, slice(j, n * k, k))]
    return out


def _map_axis(x, axis, kind, data):
    """Apply one per-axis map: 'take' (gather indices), 'put' (its adjoint,
    data = (indices, size)), 'mat' (matrix out x in), 'mean' / 'gsum' (mean
    or sum of consecutive groups of data), 'rep' / 'repeat' (their adjoints:
    each value repeated data times, divided by data for 'rep')."""
    if kind == "take":  # data: indices, or (indices, indices of the adjoint)
        return _xp(x).take(x, data[0] if type(data) is tuple else data, axis=axis)
    if kind == "repeat":
        return _xp(x).repeat(x, data, axis=axis)
    if kind == "gsum":
        return _group_sum(x, axis, data)
    if kind == "mean":
        out = _group_sum(x, axis, data)
        return np.divide(out, x.dtype.type(data), out=out)
    if kind == "rep":
        return _xp(x).repeat(x / x.dtype.type(data), data, axis=axis)
    if kind == "put":
        idx, size = data
        xp = _xp(x)
        # idx is nondecreasing: sum each run of equal indices
        new = xp.empty(idx.shape, bool)
        new[:1] = True
        xp.not_equal(idx[1:], idx[:-1], out=new[1:])
        starts = xp.flatnonzero(new)
        sums = np.add.reduceat(x, starts, axis=axis)
        shape = list(x.shape)
        shape[axis] = size
        out = xp.zeros(shape, x.dtype)
        out[_axis_key(axis, idx[starts])] = sums
        return out
    # 'mat'
    m = data.astype(x.dtype, copy=False)
    n = x.shape[axis]
    if axis == x.ndim - 1:
        out = x.reshape(_prod(x.shape[:-1]), n) @ m.T
        return out.reshape(x.shape[:-1] + (m.shape[0],))
    before = _prod(x.shape[:axis])
    after = _prod(x.shape[axis + 1:])
    out = _xp(x).matmul(m, x.reshape(before, n, after))
    return out.reshape(x.shape[:axis] + (m.shape[0],) + x.shape[axis + 1:])


_TRANSPOSED = {"mean": "rep", "rep": "mean", "gsum": "repeat", "repeat": "gsum"}


def _transpose_map(kind, data, size):
    if kind == "take":
        return "put", (data[1] if type(data) is tuple else data, size)
    if kind == "put":
        return "take", data[0]
    if kind in _TRANSPOSED:
        return _TRANSPOSED[kind], data
    return "mat", _xp(data).ascontiguousarray(data.T)


class _Resample(Op):
    """x mapped along some axes by per-axis linear maps, maps = ((axis, kind,
    data, in_size), ...) applied in order; its gradient is the transposed maps
    in reverse order."""
    dtype_rule = "keep"
    grad_name = "ResampleBackward0"

    def forward(ctx, x, maps):
        for axis, kind, data, size in maps:
            x = _map_axis(x, axis, kind, data)
        return _xp(x).ascontiguousarray(x)

    def backward(ctx, g):
        maps = ctx.params["maps"]
        tmaps = []
        for axis, kind, data, size in reversed(maps):
            k2, d2 = _transpose_map(kind, data, size)
            tmaps.append((axis, k2, d2, None))
        return apply(_named(_Resample, ctx.op.grad_name[:-1] + "Backward0"), g,
                     maps=tuple(tmaps))


def _const(array, dtype):
    if array.dtype != dtype.np:
        array = array.astype(dtype.np)
    return Tensor._make(array, dtype)


def _opmath(dtype):
    """The numpy type PyTorch's kernels compute weights in for `dtype`."""
    return np.float64 if dtype is D.float64 else np.float32


# ===================================================================== per-axis weights
def _scale_value(L, o, scale, ft):
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(L) / ft(o)


def _area_scale(L, o, align_corners, scale, ft):
    if align_corners:
        return ft(L - 1) / ft(o - 1) if o > 1 else ft(0)
    return _scale_value(L, o, scale, ft)


def _nearest_index(L, o, scale, exact):
    """Source index of each output for 'nearest' / 'nearest-exact' (None: identity)."""
    i = np.arange(o)
    if not exact and scale is None:  # the formula gives the same; skip it
        if o == L:
            return None
        if o == 2 * L:
            return i >> 1
    sc = _scale_value(L, o, scale, np.float32)
    if exact:
        src = np.floor(((i + 0.5) * np.float64(sc)).astype(np.float32))
    else:
        src = np.floor(i.astype(np.float32) * sc)
    idx = np.minimum(src.astype(np.int64), L - 1)
    if o == L and np.array_equal(idx, i):
        return None
    return idx


def _linear_matrix(L, o, align_corners, scale, ft):
    sc = _area_scale(L, o, align_corners, scale, ft)
    i = np.arange(o).astype(ft)
    if align_corners:
        src = sc * i
    else:
        src = sc * (i + ft(0.5)) - ft(0.5)
        src = np.where(src < 0, ft(0), src)
    i0 = np.minimum(src.astype(np.int64), L - 1)
    step = (i0 < L - 1).astype(np.int64)
    l1 = np.clip(src - i0.astype(ft), ft(0), ft(1))
    l0 = ft(1) - l1
    m = np.zeros((o, L), ft)
    rows = np.arange(o)
    ufunc_at(np.add, m, (rows, i0), l0)
    ufunc_at(np.add, m, (rows, i0 + step), l1)
    return m


def _cubic_coeffs(t, A):
    """PyTorch's cubic convolution weights of the 4 taps around t in [0, 1)."""
    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def _cubic_matrix(L, o, align_corners, scale, ft):
    sc = _area_scale(L, o, align_corners, scale, ft)
    i = np.arange(o).astype(ft)
    src = sc * i if align_corners else sc * (i + ft(0.5)) - ft(0.5)
    x0 = np.floor(src)
    t = (src - x0).astype(ft)
    coeffs = _cubic_coeffs(t, ft(-0.75))
    x0 = x0.astype(np.int64)
    m = np.zeros((o, L), ft)
    rows = np.arange(o)
    for j in range(4):
        ufunc_at(np.add, m, (rows, np.clip(x0 - 1 + j, 0, L - 1)), coeffs[j])
    return m


def _aa_filter(mode, a=-0.5):
    """(taps, filter) of the anti-aliasing kernels: triangle, cubic (a = -0.5,
    as PIL), Lanczos-3."""
    if mode == "bilinear":
        return 2, lambda x: np.maximum(1.0 - np.abs(x), 0.0)
    if mode == "bicubic":
        def f(x):
            x = np.abs(x)
            return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                            np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))
        return 4, f

    def lanczos(x):
        return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)
    return 6, lanczos


def _window_weights(L, o, sc, interp, filt, antialias, delta):
    """Per output: the first input, and the normalised filter weights over the
    inputs it covers (PyTorch's _compute_indices_min_size_weights_aa)."""
    support = interp * 0.5 * sc if (antialias and sc >= 1.0) else interp * 0.5
    invscale = 1.0 / sc if (antialias and sc >= 1.0) else 1.0
    max_size = int(math.ceil(support)) * 2 + 1 if antialias else interp
    rows = []
    for i in range(o):  # one row of weights per output (o is an image side, not pixels)
        center = sc * (i + 0.5 - delta)
        xmin = max(int(center - support + 0.5 + delta), 0)
        xsize = min(max(min(int(center + support + 0.5 + delta), L) - xmin, 0), max_size)
        w = filt((np.arange(xsize) + xmin - center + 0.5 - delta) * invscale)
        total = w.sum()
        if total != 0:
            w = w / total
        rows.append((xmin, w))
    return rows


def _aa_matrix(L, o, align_corners, scale, mode, ft):
    """Anti-aliased weights (a filter stretched by the downscale factor and
    normalised per output), as PyTorch's _upsample_*_aa kernels."""
    interp, filt = _aa_filter(mode)
    sc = float(_area_scale(L, o, align_corners, scale, ft))
    m = np.zeros((o, L))
    for i, (xmin, w) in enumerate(_window_weights(L, o, sc, interp, filt, True, 0.0)):
        m[i, xmin:xmin + len(w)] = w
    return m.astype(ft)


def _uint8_matrix(L, o, align_corners, scale, mode, antialias):
    """PyTorch's uint8 resize weights: the float weights in fixed point (int16
    with the most precision that keeps the largest weight in range)."""
    if mode == "bicubic" and not antialias:  # the float kernel's taps, edge taps clamped
        m = _cubic_matrix(L, o, align_corners, scale, np.float64)
    else:
        interp, filt = _aa_filter(mode)
        sc = float(_area_scale(L, o, align_corners, scale, np.float64))
        delta = 0.5 if (align_corners and not antialias) else 0.0
        m = np.zeros((o, L))
        for i, (xmin, w) in enumerate(_window_weights(L, o, sc, interp, filt, antialias, delta)):
            m[i, xmin:xmin + len(w)] = w
    wt_max = float(m.max()) if m.size else 0.0
    prec = 0
    while prec < 22 and int(0.5 + wt_max * (1 << (prec + 1))) < (1 << 15):
        prec += 1
    v = m * (1 << prec)
    return np.where(v < 0, np.trunc(-0.5 + v), np.trunc(0.5 + v)), prec


def _resize_uint8(x, in_sp, out_sp, scales, align_corners, mode, antialias):
    """uint8 bilinear / bicubic resize as PyTorch computes it: a horizontal
    then a vertical pass, each a fixed-point sum rounded back to uint8."""
    a = x.astype(np.float64)  # products and sums stay exact integers
    xp = _xp(x)
    for axis in (-1, -2):
        L, o = in_sp[axis], out_sp[axis]
        if L == o:
            continue
        m, prec = _uint8_matrix(L, o, align_corners, scales[axis], mode, antialias)
        moved = xp.moveaxis(a, axis, -1)
        r = moved.reshape(-1, L) @ _like(m.T, x, cache=False)
        r = xp.clip(xp.floor((r + (1 << prec >> 1)) / (1 << prec)), 0, 255)
        a = xp.moveaxis(r.reshape(moved.shape[:-1] + (o,)), -1, axis)
    return xp.ascontiguousarray(a).astype(np.uint8)


# ===================================================================== interpolate
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "lanczos", "area",
          "nearest-exact")
_DIM_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3, "lanczos": 2}
_MODE_NAMES = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
               "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear",
               "lanczos": "Lanczos"}


def _is_integer(v):
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return True
    return isinstance(v, Tensor) and v.dim() == 0 and v._dtype.category < D.FLOAT


def _size_error(dim, input_sizes, out):
    names = ("D", "H", "W")[3 - dim:]
    return RuntimeError(
        "Input and output sizes should be greater than 0, but got input (%s) output (%s)" % (
            ", ".join("%s: %d" % (n, v) for n, v in zip(names, input_sizes)),
            ", ".join("%s: %d" % (n, v) for n, v in zip(names, out))))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Down/up samples the input to `size` or by `scale_factor`."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    in_sp = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    "input with spatial dimensions of %s and output size of %s. Please provide "
                    "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                    "...,oK) format." % (list(in_sp), size))
            if not all(_is_integer(v) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                "Tuple[int, int, int], but got size with types %s"
                                % [type(v) for v in size])
            output_size = [int(v) for v in size]
        else:
            if not _is_integer(size):
                raise TypeError("%s() received an invalid combination of arguments - got (Tensor, "
                                "list, NoneType)" % ("upsample_" + mode.replace("-", "_")
                                                     + "%dd" % max(dim, 1)))
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    "got input with spatial dimensions of %s and scale_factor of shape %s. Please "
                    "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                    "(s1, s2, ...,sK) format." % (list(in_sp), scale_factor))
            scale_factors = [float(v) for v in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")

    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor is not None and recompute_scale_factor:
        output_size = [math.floor(float(in_sp[i]) * scale_factors[i]) for i in range(dim)]
        scale_factors = None

    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")

    if mode not in _MODES or dim not in (1, 2, 3):
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the modes: "
            "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
            "(got %s)" % (input.dim(), mode))
    if mode in _DIM_MODES and _DIM_MODES[mode] != dim:
        need = _DIM_MODES[mode]
        raise NotImplementedError("Got %dD input, but %s mode needs %dD input"
                                  % (input.dim(), mode, need + 2))
    if mode == "area":
        from . import pooling  # pooling imports this module's ops
        return (pooling.adaptive_avg_pool1d, pooling.adaptive_avg_pool2d,
                pooling.adaptive_avg_pool3d)[dim - 1](input, output_size)
    if mode == "lanczos":
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")

    if output_size is None:
        output_size = [int(math.floor(float(in_sp[i]) * scale_factors[i])) for i in range(dim)]
    if any(v <= 0 for v in output_size) or any(v <= 0 for v in in_sp):
        raise _size_error(dim, in_sp, output_size)
    scales = scale_factors if scale_factors is not None else [None] * dim
    return _resample(input, mode, in_sp, output_size, scales, align_corners, antialias)


def _resample(input, mode, in_sp, out_sp, scales, align_corners, antialias):
    dt = input._dtype
    dim = len(in_sp)
    nearest = mode in ("nearest", "nearest-exact")
    if not nearest and dt.category < D.FLOAT and dt is not D.uint8:
        raise NotImplementedError("\"upsample_%s%dd\" not implemented for '%s'"
                                  % (mode, dim, _type_title(dt)))
    if dt is D.bool_ or dt.category == D.COMPLEX:
        raise NotImplementedError("\"upsample_%s%dd\" not implemented for '%s'"
                                  % (mode.replace("-", "_"), dim, _type_title(dt)))
    key = (mode, tuple(in_sp), tuple(out_sp), tuple(scales), align_corners, bool(antialias),
           _opmath(dt), input.dim())
    plan = _RESAMPLE_PLANS.get(key)
    if plan is None:
        plan = _resample_plan(*key)
        if len(_RESAMPLE_PLANS) > 256:
            _RESAMPLE_PLANS.clear()
        _RESAMPLE_PLANS[key] = plan
    op, maps = plan
    maps = _maps_like(maps, input._data)
    if dt is D.uint8 and not nearest:
        if mode not in ("bilinear", "bicubic"):
            raise NotImplementedError("\"upsample_%s%dd\" not implemented for 'Byte'" % (mode, dim))
        return Tensor._make(_resize_uint8(input._data, in_sp, out_sp, scales, align_corners, mode,
                                          antialias), D.uint8)
    return apply(op, input, maps=maps)


# the per-axis maps of a resize, by (mode, sizes, scales, align_corners, antialias, ...)
_RESAMPLE_PLANS = {}


def _resample_plan(mode, in_sp, out_sp, scales, align_corners, antialias, ft, ndim):
    dim = len(in_sp)
    nearest = mode in ("nearest", "nearest-exact")
    maps = []
    for i in range(dim - 1, -1, -1):
        L, o, sc = in_sp[i], out_sp[i], scales[i]
        axis = ndim - dim + i
        if nearest:
            idx = _nearest_index(L, o, sc, mode == "nearest-exact")
            if idx is not None:
                if mode == "nearest" and sc is not None and o in (L, 2 * L):
                    # PyTorch's backward takes the shortcut its forward skips with a scale
                    idx = (idx, _nearest_index(L, o, None, False))
                    if idx[1] is None:
                        idx = (idx[0], np.arange(o))
                    elif np.array_equal(idx[0], idx[1]):
                        idx = idx[0]
                if type(idx) is not tuple and o % L == 0 and np.array_equal(
                        idx, np.arange(o) // (o // L)):
                    maps.append((axis, "repeat", o // L, L))
                else:
                    maps.append((axis, "take", idx, L))
            continue
        if antialias:
            m = _aa_matrix(L, o, align_corners, sc, mode, ft)
        elif mode == "bicubic":
            m = _cubic_matrix(L, o, align_corners, sc, ft)
        else:
            m = _linear_matrix(L, o, align_corners, sc, ft)
        if o == L and np.array_equal(m, np.eye(L, dtype=ft)):
            continue
        maps.append((axis, "mat", m, L))
    name = "Upsample%s%dD%sBackward0" % (_MODE_NAMES[mode], dim, "Aa" if antialias else "")
    return _named(_Resample, name), tuple(maps)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ===================================================================== grid_sample
class _GridPad(Op):
    """A source coordinate clipped to [0, size - 1] ('border') or reflected
    then clipped ('reflection'), with PyTorch's gradient (0 at and beyond the
    borders, the sign of the reflection inside)."""
    dtype_rule = "keep"
    grad_name = "GridSamplerPadBackward0"

    def forward(ctx, x, mode, size, align_corners):
        mult = _xp(x).ones(x.shape, x.dtype)
        if mode == "reflection":
            if align_corners:
                lo2, hi2 = 0, 2 * (size - 1)
            else:
                lo2, hi2 = -1, 2 * size - 1
            if lo2 == hi2:
                x = np.zeros_like(x)
                mult[...] = 0
            else:
                t = x.dtype.type
                mn = t(lo2 / 2)
                span = t((hi2 - lo2) / 2)
                v = x - mn
                neg = v < 0
                v = np.abs(v)
                extra = np.fmod(v, span)
                flips = np.floor(v / span)
                even = np.fmod(flips, 2) == 0
                x = np.where(even, extra + mn, span - extra + mn)
                mult = np.where(neg, -mult, mult)
                mult = np.where(even, mult, -mult)
        hi = x.dtype.type(size - 1)
        inside = (x > 0) & (x < hi)
        ctx.mult = (mult * inside).astype(x.dtype)
        return np.minimum(np.maximum(x, 0), hi).astype(x.dtype, copy=False)

    def backward(ctx, g):
        return g * _const(ctx.mult, g._dtype)


class _ZeroGradFor(Op):
    """Passes `x` through; `other` gets a zero gradient (grid of nearest sampling)."""
    dtype_rule = "keep"
    promote = (0,)
    grad_name = "GridSampler2DBackward0"

    def forward(ctx, x, other):
        return x

    def backward(ctx, g):
        meta = ctx.inputs_meta[1]
        gz = None
        if meta is not None:
            gz = _const(_xp(g._data).zeros(meta[0], g._data.dtype), g._dtype)
        return g, gz


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return ((coord + 1) / 2) * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect_int(x, size, align_corners):
    """compute_coordinates on (integer-valued) bicubic taps, as arrays."""
    if align_corners:
        lo2, hi2 = 0, 2 * (size - 1)
    else:
        lo2, hi2 = -1, 2 * size - 1
    if lo2 == hi2:
        return np.zeros_like(x)
    mn, span = lo2 / 2, (hi2 - lo2) / 2
    v = np.abs(x - mn)
    extra = np.fmod(v, span)
    flips = np.floor(v / span)
    return np.where(np.fmod(flips, 2) == 0, extra + mn, span - extra + mn)


def _gather(input, idx_list, sizes):
    """input values at integer coordinates (one array per spatial axis, shape
    (N, *out)), zero where a mask says out of bounds: (values (N, C, *out), mask)."""
    flat = None
    inside = None
    for ix, L in zip(idx_list, sizes):
        ok = (ix >= 0) & (ix < L)
        inside = ok if inside is None else inside & ok
        c = np.clip(ix, 0, L - 1)
        flat = c if flat is None else flat * L + c
    idx = flat[:, None]
    vals = apply(_TakePlane, input, idx=idx, nd=len(sizes), nq=len(sizes))
    return vals, inside


def _all_true(mask):
    """Whether a host mask is all True (skipping a multiply); device masks
    are always applied, since asking would wait for the device."""
    return is_host(mask) and bool(mask.all())


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples input at the (normalised, in [-1, 1]) locations of grid."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         "or 'bicubic', but got: '%s'" % mode)
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         "'border', or 'reflection', but got: '%s'" % padding_mode)
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                      "old behavior is desired. See the documentation of grid_sample for details.")
        align_corners = False
    nd = input.dim() - 2
    if grid.shape[-1] != max(nd, 0) or grid.dim() != input.dim():
        if grid.shape[-1] != nd:
            raise RuntimeError("grid_sampler(): expected grid to have size %d in last dimension, "
                               "but got grid with sizes %s" % (nd, list(grid.shape)))
        raise RuntimeError("grid_sampler(): expected grid and input to have same number of "
                           "dimensions, but got input with sizes %s and grid with sizes %s"
                           % (list(input.shape), list(grid.shape)))
    if nd not in (2, 3):
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of "
                           "dimensions, but got input with sizes %s and grid with sizes %s"
                           % (list(input.shape), list(grid.shape)))
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but "
                           "got input with sizes %s and grid with sizes %s"
                           % (list(input.shape), list(grid.shape)))
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input._dtype is not grid._dtype:
        raise RuntimeError("grid_sampler(): expected input and grid to have same dtype, but input "
                           "has %s and grid has %s" % (_type_title(input._dtype),
                                                       _type_title(grid._dtype)))
    if input._dtype.category != D.FLOAT:
        raise NotImplementedError("\"grid_sampler_%dd_cpu\" not implemented for '%s'"
                                  % (nd, _type_title(input._dtype)))
    sizes = tuple(input.shape[2:])
    # grid[..., 0] indexes the last axis (x -> W), grid[..., 1] the one before...
    src = []
    for a in range(nd):
        comp = nd - 1 - a
        c = _unnormalize(grid[..., comp], sizes[a], align_corners)
        if mode != "bicubic" and padding_mode != "zeros":
            c = apply(_GridPad, c, mode=padding_mode, size=sizes[a], align_corners=align_corners)
        src.append(c)
    dt = input._dtype
    if mode == "nearest":
        idx = [np.rint(np.nan_to_num(c._data, nan=-1.0)).astype(np.int64) for c in src]
        vals, inside = _gather(input, idx, sizes)
        out = vals * _const(inside[:, None], dt)
        return apply(_ZeroGradFor, out, grid)
    if mode == "bilinear":
        lo = [np.floor(np.nan_to_num(c._data, nan=-2.0)) for c in src]
        out = None
        # corners in PyTorch's order (nw, ne, sw, se): the first axis outermost
        for corner in np.ndindex(*(2,) * nd):
            w = None
            idx = []
            for a in range(nd - 1, -1, -1):  # x weight first, as PyTorch multiplies
                i0 = lo[a]
                if corner[a]:
                    wa = src[a] - _const(i0, dt)
                else:
                    wa = _const(i0 + 1, dt) - src[a]
                w = wa if w is None else w * wa
            for a in range(nd):
                idx.append(lo[a].astype(np.int64) + corner[a])
            vals, inside = _gather(input, idx, sizes)
            if not _all_true(inside):
                w = w * _const(inside, dt)
            term = vals * w.unsqueeze(1)
            out = term if out is None else out + term
        return out
    # bicubic (2d)
    iy, ix = src
    x0 = np.floor(np.nan_to_num(ix._data, nan=-3.0))
    y0 = np.floor(np.nan_to_num(iy._data, nan=-3.0))
    tx = ix - _const(x0, dt)
    ty = iy - _const(y0, dt)
    cx = _cubic_coeffs(tx, -0.75)
    cy = _cubic_coeffs(ty, -0.75)
    H, W = sizes

    def tap(v, L):
        if padding_mode == "border":
            v = np.clip(v, 0, L - 1)
        elif padding_mode == "reflection":
            v = np.clip(_reflect_int(v, L, align_corners), 0, L - 1)
        return v.astype(np.int64)
    out = None
    for j in range(4):
        row = None
        yy = tap(y0 - 1 + j, H)
        for i in range(4):
            xx = tap(x0 - 1 + i, W)
            vals, inside = _gather(input, [yy, xx], sizes)
            w = cx[i]
            if not _all_true(inside):
                w = w * _const(inside, dt)
            term = vals * w.unsqueeze(1)
            row = term if row is None else row + term
        term = row * cy[j].unsqueeze(1)
        out = term if out is None else out + term
    return out


# ===================================================================== affine_grid
def _base_coords(n, align_corners, np_dtype):
    if n <= 1:
        return np.zeros(max(n, 1), np_dtype)[:n] if n == 0 else np.zeros(1, np_dtype)
    r = np.linspace(-1.0, 1.0, n)
    if not align_corners:
        r = r * (n - 1) / n
    return r.astype(np_dtype)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of affine maps theta."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                      "old behavior is desired. See the documentation of grid_sample for details.")
        align_corners = False
    if theta._dtype.category != D.FLOAT:
        raise ValueError("Expected theta to have floating point type, but got %s" % theta.dtype)
    size = tuple(int(v) for v in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size %s. "
                             "Got %s." % (size, theta.shape))
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size %s. "
                             "Got %s." % (size, theta.shape))
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                                  "transforms, respectively. Got size %s." % (size,))
    if min(size) <= 0:
        raise ValueError("Expected non-zero, positive output size. Got %s" % (size,))
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.")
    N = size[0]
    if theta.shape[0] != N:
        raise ValueError("Expected a batch of %d affine matrices for size %s. Got %s."
                         % (N, size, theta.shape))
    npdt = theta._dtype.np if theta._dtype not in (D.float16, D.bfloat16) else np.float32
    nd = len(spatial)
    axes = [_base_coords(n, align_corners, npdt) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # each of shape spatial, axis order (D,) H, W
    comps = [mesh[nd - 1 - c] for c in range(nd)]  # x (W) first
    base = np.stack(comps + [np.ones(spatial, npdt)], axis=-1).reshape(-1, nd + 1)
    grid = _const(_like(base, theta._data, cache=False), theta._dtype).matmul(theta.transpose(1, 2))
    return grid.reshape((N,) + tuple(spatial) + (nd,))
