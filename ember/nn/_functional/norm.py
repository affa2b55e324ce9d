"""nn.functional normalisation: batch_norm, instance_norm, layer_norm,
group_norm, rms_norm, local_response_norm.

Each normalisation is ONE op whose forward computes the statistics and the
output in a few NumPy passes, and whose backward is a hand-written kernel
(again a few passes). When a graph of the backward itself is being recorded
(create_graph=True), the backward is written instead as a formula over
Tensors, so gradients of gradients work.

Statistics are computed in the input's precision (float16 in float32, as
PyTorch's CPU kernels do), with the two-pass (x - mean)^2 variance.
"""
import numpy as np

from ... import _cuda_kernels as _kernels
from ... import _dtype as D
from ..._backends import xp as _xp
from ..._dispatch import Op, apply, wrap, write_into
from ..._grad_mode import state as _grad_state
from ..._tensor import Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm"]


# ------------------------------------------------------------------ helpers
def _title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _check_float(x, kernel):
    if x._dtype.category < D.FLOAT or x._dtype.category > D.FLOAT:
        raise NotImplementedError("\"%s\" not implemented for '%s'" % (kernel, _title(x._dtype)))


_REDUCED = ("float16", "bfloat16")


def _check_params(input, params):
    """PyTorch's CPU rule: parameters share the input's dtype, except that a
    float16/bfloat16 input may take float32 parameters (all of them)."""
    dt = input._dtype
    ds = [p._dtype for p in params if p is not None]
    if all(d is dt for d in ds):
        return
    if dt.name in _REDUCED and all(d is D.float32 for d in ds):
        return
    if dt.name in _REDUCED:
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if dt is D.float32:
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _arr(t, np_dtype):
    """Tensor t's array in the compute dtype."""
    a = t._data
    return a if a.dtype == np_dtype else a.astype(np_dtype)


def _const(a, dtype):
    return Tensor._make(a, dtype)


def _compute_np(t):
    """The NumPy dtype a tensor of t's dtype is computed in."""
    return np.float32 if t._dtype is D.float16 else t._data.dtype


def _rowdot(a, b):
    """sum(a * b) over the last axis: on the CPU without a temporary (einsum);
    on a GPU as a product and a sum (CuPy's einsum plans it in Python each call)."""
    if type(a) is np.ndarray:
        return np.einsum("...k,...k->...", a, b)
    return (a * b).sum(axis=-1)


def _row_stats(x2, eps):
    """Rows of x2 (R, K): (x - mean) (a fresh array), mean, 1/sqrt(var + eps)."""
    k = x2.shape[-1]
    t = x2.dtype.type
    mean = x2.sum(axis=-1) / t(k) if k else np.zeros_like(x2, shape=x2.shape[:-1])
    d = x2 - mean[..., None]
    if type(x2) is not np.ndarray and _kernels.fusable(x2):   # on a GPU: one kernel for the rest
        var, rstd = _xp(x2).empty(mean.shape, x2.dtype), _xp(x2).empty(mean.shape, x2.dtype)
        _kernels.row_rstd(_rowdot(d, d), t(max(k, 1)), t(eps), var, rstd)
        return d, mean, var, rstd
    var = _rowdot(d, d) / t(max(k, 1))
    rstd = 1 / np.sqrt(var + t(eps))
    return d, mean, var, rstd


def _row_backward(gy, xhat, rstd, scratch=False):
    """d(xhat)/dx applied to gy over rows of length K: the normalisation part
    of every norm's input gradient. gy is overwritten when `scratch`."""
    k = xhat.shape[-1]
    t = xhat.dtype.type
    if type(gy) is not np.ndarray and _kernels.fusable(gy):   # on a GPU: two sums and one kernel
        gx = _xp(gy).empty(xhat.shape, xhat.dtype)
        _kernels.row_backward(gy, xhat, gy.sum(axis=-1)[..., None], _rowdot(gy, xhat)[..., None],
                              rstd[..., None], t(1.0 / max(k, 1)), t(max(k, 1)), gx)
        return gx
    a = gy.sum(axis=-1)
    a *= t(1.0 / max(k, 1))
    b = _rowdot(gy, xhat)
    b *= -rstd / t(max(k, 1))
    buf = gy if scratch else gy.copy()
    buf -= a[..., None]
    buf *= rstd[..., None]
    gx = xhat * b[..., None]
    gx += buf
    return gx


def _shape_list(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ------------------------------------------------------------------ batch norm
class _BatchNormTrain(Op):
    """Batch statistics over every dim but 1; outputs (y, mean, unbiased var)."""
    grad_name = "NativeBatchNormBackward0"
    dtype_rule = "keep"
    save = (0, 1)
    nondiff_outputs = (1, 2)

    def forward(ctx, x, w, b, eps):
        n, c = x.shape[0], x.shape[1]
        x3 = x.reshape(n, c, -1)
        cnt = n * x3.shape[2]
        t = x.dtype.type
        if cnt == 0:
            mean = np.zeros_like(x, shape=(c,))
            nan = np.full_like(mean, np.nan)
            ctx.mean, ctx.invstd, ctx.xc = mean, nan, None
            return x.copy(), nan, nan
        mean = _channel_sum(x3) / t(cnt)
        d = x3 - mean[:, None]
        var_sum = _channel_dot(d, d)
        if type(x) is not np.ndarray and _kernels.fusable(x):
            # on a GPU, the per-channel chain and the normalisation in two kernels
            xp = _xp(x)
            invstd, unbiased, scale = (xp.empty(c, x.dtype) for _ in range(3))
            _kernels.bn_stats(var_sum, t(cnt), t(eps), t(1) if w is None else w, invstd, unbiased, scale)
            ctx.mean, ctx.invstd, ctx.xc = mean, invstd, d
            y = xp.empty(x3.shape, x.dtype)
            _kernels.bn_apply(d, scale[:, None], t(0) if b is None else b[:, None], y)
            return y.reshape(x.shape), mean, unbiased
        invstd = 1 / np.sqrt(var_sum / t(cnt) + t(eps))
        with np.errstate(divide="ignore", invalid="ignore"):
            unbiased = var_sum / t(cnt - 1)
        # x - mean is kept for backward (one pass fewer there)
        ctx.mean, ctx.invstd, ctx.xc = mean, invstd, d
        scale = invstd if w is None else invstd * w
        y = d * scale[:, None]
        if b is not None:
            y += b[:, None]
        return y.reshape(x.shape), mean, unbiased

    def backward(ctx, g, *_):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        if _grad_state.enabled:
            return _bn_train_backward_graph(ctx, x, w, g)
        cd = _compute_np(x)
        ga = _arr(g, cd)
        n, c = ga.shape[0], ga.shape[1]
        g3 = ga.reshape(n, c, -1)
        t = ga.dtype.type
        cnt = t(g3.shape[0] * g3.shape[2])
        mean, invstd = ctx.mean, ctx.invstd
        d = ctx.xc
        if d is None or d.dtype != cd:
            d = _arr(x, cd).reshape(n, c, -1) - mean[:, None]
        ctx.xc = None  # the graph's saved values are released after one backward
        sum_g = _channel_sum(g3)
        dot = _channel_dot(d, g3)
        gx = gw = gb = None
        if meta[0] is not None and type(ga) is not np.ndarray and _kernels.fusable(ga):
            # on a GPU: the per-channel coefficients, then the input gradient, two kernels
            xp = _xp(ga)
            r, gwa = xp.empty(g3.shape, ga.dtype), xp.empty(c, ga.dtype)
            _kernels.bn_backward(d, g3, invstd, dot, sum_g, cnt, t(1) if w is None else _arr(w, cd), r, gwa)
            gx = wrap(r.reshape(ga.shape), meta[0][1])
            if meta[1] is not None:
                gw = wrap(gwa, meta[1][1])
            if len(meta) > 2 and meta[2] is not None:
                gb = wrap(sum_g, meta[2][1])
            return gx, gw, gb
        if meta[0] is not None:
            k = invstd if w is None else invstd * _arr(w, cd)
            # gx = k * (g - sum_g / cnt - d * invstd^2 * dot / cnt), in three passes
            # over a fresh array (d may be read again by a retained graph: not written)
            r = d * (-(invstd * invstd * dot / cnt))[:, None]
            r += g3
            r -= (sum_g / cnt)[:, None]
            r *= k[:, None]
            gx = wrap(r.reshape(ga.shape), meta[0][1])
        if meta[1] is not None:
            gw = wrap(dot * invstd, meta[1][1])
        if len(meta) > 2 and meta[2] is not None:
            gb = wrap(sum_g, meta[2][1])
        return gx, gw, gb


def _channel_sum(a3):
    """Per-channel sum of a (N, C, L) array."""
    if type(a3) is not np.ndarray:
        return a3.sum(axis=(0, 2))
    if a3.dtype.kind == "f" and a3.flags.c_contiguous:
        return np.einsum("ncl->c", a3)
    return a3.sum(axis=2).sum(axis=0)


def _channel_dot(a3, b3):
    """Per-channel sum of a * b over (N, C, L) arrays, without a temporary."""
    return _rowdot(a3, b3).sum(axis=0)


def _channel_view(t, nd):
    return t.reshape((1, -1) + (1,) * (nd - 2))


def _bn_train_backward_graph(ctx, x, w, g):
    """The batch-norm backward as a formula over Tensors (double backward)."""
    meta = ctx.inputs_meta
    eps = ctx.params["eps"]
    nd = x.dim()
    dims = (0,) + tuple(range(2, nd))
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    invstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    xhat = xc * invstd
    gx = gw = gb = None
    if meta[0] is not None:
        k = invstd if w is None else invstd * _channel_view(w, nd)
        gx = (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True)) * k
    if meta[1] is not None:
        gw = (g * xhat).sum(dims)
    if len(meta) > 2 and meta[2] is not None:
        gb = g.sum(dims)
    return gx, gw, gb


class _BatchNormEval(Op):
    """Normalisation with given statistics: y = x * a + c per channel."""
    grad_name = "NativeBatchNormBackward0"
    dtype_rule = "keep"
    save = (0, 1)

    def forward(ctx, x, w, b, mean, var, eps):
        n, c = x.shape[0], x.shape[1]
        x3 = x.reshape(n, c, -1)
        t = x.dtype.type
        if type(x) is not np.ndarray and _kernels.fusable(x):
            # on a GPU: per-channel coefficients, then y = x * a + shift, two kernels
            xp = _xp(x)
            invstd, a, shift = (xp.empty(c, x.dtype) for _ in range(3))
            _kernels.bn_eval_coefficients(var, mean, t(eps), t(1) if w is None else w,
                                          t(0) if b is None else b, invstd, a, shift)
            ctx.mean, ctx.invstd = mean, invstd
            y = xp.empty(x3.shape, x.dtype)
            _kernels.bn_apply(x3, a[:, None], shift[:, None], y)
            return y.reshape(x.shape)
        invstd = 1 / np.sqrt(var + t(eps))
        ctx.mean, ctx.invstd = mean, invstd
        a = invstd if w is None else invstd * w
        shift = -mean * a
        if b is not None:
            shift += b
        y = x3 * a[:, None]
        y += shift[:, None]
        return y.reshape(x.shape)

    def backward(ctx, g):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        nd = g.dim()
        dims = (0,) + tuple(range(2, nd))
        invstd = _const(ctx.invstd, D.from_numpy(ctx.invstd.dtype))
        gx = gw = gb = None
        if meta[0] is not None:
            k = invstd if w is None else invstd * w
            gx = g * _channel_view(k, nd)
        if meta[1] is not None:
            mean = _const(ctx.mean, D.from_numpy(ctx.mean.dtype))
            gw = (g * ((x - _channel_view(mean, nd)) * _channel_view(invstd, nd))).sum(dims)
        if len(meta) > 2 and meta[2] is not None:
            gb = g.sum(dims)
        return (gx, gw, gb) + (None,) * (len(meta) - 3)


def _verify_batch_size(size):
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size %s"
                         % (size,))


def _update_running(running, stat, momentum):
    """running = momentum * stat + (1 - momentum) * running, in running's dtype."""
    r = running._data
    m = r.dtype.type(momentum)
    if type(r) is not np.ndarray and _kernels.fusable(r) and r.flags.c_contiguous:
        _kernels.running_update(r, stat.astype(r.dtype, copy=False), m)   # one launch on a GPU
        running._version_counter.value += 1
        return
    write_into(running, m * stat.astype(r.dtype, copy=False) + (r.dtype.type(1) - m) * r)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError("batch_norm eps must be positive during training, but got %s" % (eps,))
    if eps < 0.0:
        raise ValueError("batch_norm eps must be non-negative, but got %s" % (eps,))
    if (running_mean is None) != (running_var is None) and training:
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not training:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
    _check_float(input, "batch_norm")
    c = input._data.shape[1] if input._data.ndim > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError("%s should contain %d elements not %d" % (name, c, t.numel()))
    _check_params(input, (weight, bias, running_mean, running_var))
    if input._data.ndim < 2:
        raise RuntimeError("batch_norm: expected an input with at least 2 dimensions, got %dD"
                           % input._data.ndim)
    if weight is not None:
        weight = weight.reshape(-1) if weight.dim() != 1 else weight
    if bias is not None:
        bias = bias.reshape(-1) if bias.dim() != 1 else bias
    if training:
        y, mean, uvar = apply(_BatchNormTrain, input, weight, bias, eps=float(eps))
        if running_mean is not None:
            _update_running(running_mean, mean._data.reshape(running_mean._data.shape), momentum)
            _update_running(running_var, uvar._data.reshape(running_var._data.shape), momentum)
        return y
    rm, rv = running_mean, running_var
    if rm.dim() != 1:
        rm, rv = rm.reshape(-1), rv.reshape(-1)
    return apply(_BatchNormEval, input, weight, bias, rm.detach(), rv.detach(), eps=float(eps))


# ------------------------------------------------------------------ group norm (and instance norm)
class _GroupNorm(Op):
    """Statistics over (channels of a group, spatial) for each sample; a
    per-channel affine. Outputs (y, mean (N, G), biased var (N, G))."""
    grad_name = "NativeGroupNormBackward0"
    dtype_rule = "keep"
    save = (0, 1)
    nondiff_outputs = (1, 2)

    def forward(ctx, x, w, b, groups, eps):
        n, c = x.shape[0], x.shape[1]
        xg = x.reshape(n, groups, -1)
        d, mean, var, rstd = _row_stats(xg, eps)
        d *= rstd[..., None]
        ctx.rstd = rstd
        if w is None and b is None:
            ctx.xhat = d
            return d.reshape(x.shape).copy(), mean, var
        ctx.xhat = d
        xc = d.reshape(n, c, -1)
        y = xc * w[:, None] if w is not None else xc.copy()
        if b is not None:
            y += b[:, None]
        return y.reshape(x.shape), mean, var

    def backward(ctx, g, *_):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        groups = ctx.params["groups"]
        if _grad_state.enabled:
            return _gn_backward_graph(ctx, x, w, g, groups)
        cd = _compute_np(x)
        ga = _arr(g, cd)
        n, c = ga.shape[0], ga.shape[1]
        g3 = ga.reshape(n, c, -1)
        xhat = ctx.xhat
        gx = gw = gb = None
        if meta[0] is not None:
            gy = g3 * _arr(w, cd)[:, None] if w is not None else g3
            gx = wrap(_row_backward(gy.reshape(n, groups, -1), xhat, ctx.rstd, w is not None)
                      .reshape(ga.shape), meta[0][1])
        if meta[1] is not None:
            gw = wrap(_rowdot(g3, xhat.reshape(n, c, -1)).sum(axis=0), meta[1][1])
        if len(meta) > 2 and meta[2] is not None:
            gb = wrap(g3.sum(axis=2).sum(axis=0), meta[2][1])
        return gx, gw, gb


def _gn_backward_graph(ctx, x, w, g, groups):
    meta = ctx.inputs_meta
    eps = ctx.params["eps"]
    shape = tuple(x.shape)
    nd = len(shape)
    n = shape[0]
    xr = x.reshape(n, groups, -1)
    xc = xr - xr.mean(2, keepdim=True)
    rstd = ((xc * xc).mean(2, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    dims = (0,) + tuple(range(2, nd))
    gx = gw = gb = None
    if meta[0] is not None:
        gy = g * _channel_view(w, nd) if w is not None else g
        gy = gy.reshape(n, groups, -1)
        gx = ((gy - gy.mean(2, keepdim=True) - xhat * (gy * xhat).mean(2, keepdim=True))
              * rstd).reshape(shape)
    if meta[1] is not None:
        gw = (g * xhat.reshape(shape)).sum(dims)
    if len(meta) > 2 and meta[2] is not None:
        gb = g.sum(dims)
    return gx, gw, gb


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError("Expected at least 2 dimensions for input tensor but received %d"
                           % input.dim())
    shape = list(input.shape)
    _verify_batch_size([shape[0] * shape[1] // num_groups, num_groups] + shape[2:])
    c = shape[1]
    if c % num_groups != 0:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, "
                           "but got input of shape %s and num_groups=%d"
                           % (_shape_list(shape), num_groups))
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError("Expected %s to be a vector of size equal to the number of channels "
                               "in input, but got %s of shape %s and input of shape %s"
                               % (name, name, _shape_list(t.shape), _shape_list(shape)))
    _check_float(input, "GroupNormKernelImpl")
    _check_params(input, (weight, bias))
    return apply(_GroupNorm, input, weight, bias, groups=int(num_groups), eps=float(eps))[0]


def _verify_spatial_size(size):
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size %s"
                         % (size,))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    if use_input_stats:
        _verify_spatial_size(input.size())
    _check_float(input, "batch_norm")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    c = input._data.shape[1] if input._data.ndim > 1 else 0
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError("%s should contain %d elements not %d"
                               % (name, input.shape[0] * c, t.numel() * input.shape[0]))
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError("%s should contain %d elements not %d"
                               % (name, input.shape[0] * c, t.numel() * input.shape[0]))
    _check_params(input, (weight, bias, running_mean, running_var))
    if not use_input_stats:
        return apply(_BatchNormEval, input, weight, bias, running_mean.detach(),
                     running_var.detach(), eps=float(eps))
    y, mean, var = apply(_GroupNorm, input, weight, bias, groups=c, eps=float(eps))
    if running_mean is not None or running_var is not None:
        m = 1
        for s in input._data.shape[2:]:
            m *= s
        if running_mean is not None:
            _update_running(running_mean, mean._data.mean(axis=0), momentum)
        if running_var is not None:
            va = var._data
            with np.errstate(divide="ignore", invalid="ignore"):
                unbiased = va * va.dtype.type(m) / va.dtype.type(m - 1)
            _update_running(running_var, unbiased.mean(axis=0), momentum)
    return y


# ------------------------------------------------------------------ layer norm
class _LayerNorm(Op):
    """Statistics over the trailing `nd` dims; an elementwise affine."""
    grad_name = "NativeLayerNormBackward0"
    dtype_rule = "keep"
    save = (0, 1)

    def forward(ctx, x, w, b, nd, eps):
        k = 1
        for s in x.shape[x.ndim - nd:]:
            k *= s
        x2 = x.reshape(-1, k)
        d, mean, var, rstd = _row_stats(x2, eps)
        d *= rstd[:, None]
        ctx.xhat, ctx.rstd = d, rstd
        if w is None and b is None:
            return d.reshape(x.shape).copy()
        if type(d) is not np.ndarray and _kernels.fusable(d):   # on a GPU: the affine in one kernel
            t = d.dtype.type
            y = _xp(d).empty(d.shape, d.dtype)
            _kernels.scale_shift(d, t(1) if w is None else w.reshape(-1), t(0) if b is None else b.reshape(-1), y)
            return y.reshape(x.shape)
        y = d * w.reshape(-1) if w is not None else d.copy()
        if b is not None:
            y += b.reshape(-1)
        return y.reshape(x.shape)

    def backward(ctx, g):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        if _grad_state.enabled:
            return _ln_backward_graph(ctx, x, w, g)
        cd = _compute_np(x)
        xhat = ctx.xhat
        g2 = _arr(g, cd).reshape(xhat.shape)
        gx = gw = gb = None
        scratch = None
        if meta[1] is not None:
            scratch = np.multiply(g2, xhat)
            gw = wrap(scratch.sum(axis=0).reshape(meta[1][0]), meta[1][1])
        if len(meta) > 2 and meta[2] is not None:
            gb = wrap(g2.sum(axis=0).reshape(meta[2][0]), meta[2][1])
        if meta[0] is not None:
            if w is not None:
                gy = np.multiply(g2, _arr(w, cd).reshape(-1), out=scratch)
                own = True
            else:
                gy, own = g2, False
            gx = wrap(_row_backward(gy, xhat, ctx.rstd, own).reshape(g.shape), meta[0][1])
        return gx, gw, gb


def _ln_backward_graph(ctx, x, w, g):
    meta = ctx.inputs_meta
    p = ctx.params
    nd = p["nd"]
    total = x.dim()
    dims = tuple(range(total - nd, total))
    lead = tuple(range(total - nd))
    xc = x - x.mean(dims, keepdim=True)
    rstd = ((xc * xc).mean(dims, keepdim=True) + p["eps"]).rsqrt()
    xhat = xc * rstd
    gx = gw = gb = None
    if meta[0] is not None:
        gy = g * w if w is not None else g
        gx = (gy - gy.mean(dims, keepdim=True) - xhat * (gy * xhat).mean(dims, keepdim=True)) * rstd
    if meta[1] is not None:
        gw = (g * xhat).sum(lead) if lead else g * xhat
    if len(meta) > 2 and meta[2] is not None:
        gb = g.sum(lead) if lead else g
    return gx, gw, gb


def _normalized_shape(normalized_shape, fn):
    if isinstance(normalized_shape, int) or (isinstance(normalized_shape, Tensor)):
        if isinstance(normalized_shape, Tensor):
            return (int(normalized_shape.item()),) if normalized_shape.dim() == 0 else tuple(
                int(v) for v in normalized_shape.tolist())
        raise TypeError("%s(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        "int" % fn)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input, ns, weight, bias, star_sep):
    nd = len(ns)
    shape = tuple(input.shape)
    if nd == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError("Expected %s to be of same shape as normalized_shape, but got %s of "
                               "shape %s and normalized_shape = %s"
                               % (name, name, _shape_list(t.shape), _shape_list(ns)))
    if len(shape) < nd or shape[len(shape) - nd:] != ns:
        raise RuntimeError("Given normalized_shape=%s, expected input with shape [*%s%s], but got "
                           "input of size%s" % (_shape_list(ns), star_sep,
                                                ", ".join(str(s) for s in ns), _shape_list(shape)))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    ns = _normalized_shape(normalized_shape, "layer_norm")
    _check_normalized(input, ns, weight, bias, ", ")
    _check_float(input, "LayerNormKernelImpl")
    _check_params(input, (weight, bias))
    return apply(_LayerNorm, input, weight, bias, nd=len(ns), eps=float(eps))


# ------------------------------------------------------------------ rms norm
class _RMSNorm(Op):
    """y = x / sqrt(mean(x^2) + eps) * w over the trailing `nd` dims."""
    grad_name = "FusedRmsNormBackward0"
    dtype_rule = "keep"
    save = (0, 1)

    def forward(ctx, x, w, nd, eps):
        k = 1
        for s in x.shape[x.ndim - nd:]:
            k *= s
        x2 = x.reshape(-1, k)
        t = x2.dtype.type
        rrms = 1 / np.sqrt(_rowdot(x2, x2) / t(max(k, 1)) + t(eps))
        ctx.rrms = rrms
        y = x2 * rrms[:, None]
        if w is not None:
            y *= w.reshape(-1)
        return y.reshape(x.shape)

    def backward(ctx, g):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        p = ctx.params
        if _grad_state.enabled:
            total = x.dim()
            dims = tuple(range(total - p["nd"], total))
            rrms = ((x * x).mean(dims, keepdim=True) + p["eps"]).rsqrt()
            gx = gw = None
            if meta[0] is not None:
                gy = g * w if w is not None else g
                gx = (gy - x * (rrms * rrms) * (gy * x).mean(dims, keepdim=True)) * rrms
            if meta[1] is not None:
                lead = tuple(range(total - p["nd"]))
                gw = (g * x * rrms).sum(lead) if lead else g * x * rrms
            return gx, gw
        cd = _compute_np(x)
        rrms = ctx.rrms
        x2 = _arr(x, cd).reshape(rrms.shape[0], -1)
        g2 = _arr(g, cd).reshape(x2.shape)
        gx = gw = None
        if meta[0] is not None:
            gy = g2 * _arr(w, cd).reshape(-1) if w is not None else g2
            t = x2.dtype.type
            c = _rowdot(gy, x2) * rrms * rrms / t(max(x2.shape[1], 1))
            ga = x2 * (-c)[:, None]
            ga += gy
            ga *= rrms[:, None]
            gx = wrap(ga.reshape(g.shape), meta[0][1])
        if meta[1] is not None:
            gw = wrap(np.einsum("rk,rk,r->k", g2, x2, rrms).reshape(meta[1][0]), meta[1][1])
        return gx, gw


_EPS = {"float16": 0.0009765625, "bfloat16": 0.0078125, "float32": 1.1920928955078125e-07,
        "float64": 2.220446049250313e-16}


def rms_norm(input, normalized_shape, weight=None, eps=None):
    ns = _normalized_shape(normalized_shape, "rms_norm")
    _check_normalized(input, ns, weight, None, "")
    _check_float(input, "rms_norm")
    if eps is None:
        # PyTorch takes the epsilon of the type it computes in (float32 for half types)
        eps = _EPS["float32" if input._dtype.name in _REDUCED else input._dtype.name]
    if weight is not None and weight._dtype is not input._dtype and not (
            input._dtype.name in _REDUCED and weight._dtype is D.float32):
        # PyTorch falls back to the composite form and casts back to the input's dtype
        dims = tuple(range(input.dim() - len(ns), input.dim()))
        r = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
        return (r * weight).to(input._dtype)
    return apply(_RMSNorm, input, weight, nd=len(ns), eps=float(eps))


# ------------------------------------------------------------------ local response norm
class _ChannelWindowSum(Op):
    """out[:, c] = sum of x[:, c - before : c + after + 1] (zeros outside)."""
    grad_name = "AvgPool2DBackward0"
    dtype_rule = "keep"

    def forward(ctx, x, before, after):
        return _window_sum(x, before, after)

    def backward(ctx, g):
        p = ctx.params
        return apply(_ChannelWindowSum, g, before=p["after"], after=p["before"])


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError("Expected 3D or higher dimensionality                          input (got "
                         "%d dimensions)" % dim)
    if input.numel() == 0:
        return input
    div = apply(_ChannelWindowSum, input * input, before=size // 2, after=(size - 1) // 2)
    div = (div / size * alpha + k).pow(beta)
    return input / div


class _CrossMapLRN2d(Op):
    """The legacy cross-channel LRN of nn.CrossMapLRN2d, with its exact
    window arithmetic (the running sum never drops channel 0) and its own
    hand-written gradient, as PyTorch's Function computes them."""
    grad_name = "CrossMapLRN2dBackward"
    dtype_rule = "keep"
    save = (0,)
    save_output = True

    def forward(ctx, x, size, alpha, beta, k):
        t = x.dtype.type
        sq = x * x
        pre = int((size - 1) / 2 + 1)
        rest = sq.copy()
        rest[:, 0] = 0
        s = _window_sum(rest, pre - 1, pre - 1)
        s += sq[:, :1]
        s *= t(alpha / size)
        s += t(k)
        ctx.scale = s
        return np.power(s, t(-beta)) * x

    def backward(ctx, g):
        x, out = ctx.saved_tensors[0], ctx.output
        p = ctx.params
        size, alpha, beta = p["size"], p["alpha"], p["beta"]
        cd = _compute_np(x)
        xa, ga, oa = _arr(x, cd), _arr(g, cd), _arr(out, cd)
        t = xa.dtype.type
        scale = ctx.scale
        gx = np.power(scale, t(-beta)) * ga
        ratio = ga * oa / scale
        inv = int(size - (size - 1) / 2)
        acc = _window_sum(ratio, inv, size - 1 - inv)
        acc *= xa
        acc *= t(2 * alpha * beta / size)
        gx -= acc
        return wrap(gx, ctx.inputs_meta[0][1])


def _window_sum(x, before, after):
    """out[:, c] = sum of x[:, c - before : c + after + 1] over valid channels."""
    c = x.shape[1]
    out = np.zeros_like(x)
    for off in range(-before, after + 1):
        lo, hi = max(0, -off), min(c, c - off)
        if lo < hi:
            out[:, lo:hi] += x[:, lo + off:hi + off]
    return out


def cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1):
    if input.dim() != 4:
        raise ValueError("CrossMapLRN2d: Expected input to be 4D, got %dD instead." % input.dim())
    return apply(_CrossMapLRN2d, input, size=int(size), alpha=float(alpha), beta=float(beta),
                 k=float(k))


# ------------------------------------------------------------------ torch.* spellings
def _torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                      cudnn_enabled=True):
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                         momentum, eps, cudnn_enabled=True):
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                         momentum, eps)


def _torch_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5,
                      cudnn_enable=True):
    return layer_norm(input, normalized_shape, weight, bias, eps)


def _torch_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return group_norm(input, num_groups, weight, bias, eps)


# torch.batch_norm & co. (the ATen argument order), for the torch namespace to re-export
TORCH_FUNCTIONS = {
    "batch_norm": _torch_batch_norm, "instance_norm": _torch_instance_norm,
    "layer_norm": _torch_layer_norm, "group_norm": _torch_group_norm, "rms_norm": rms_norm,
}
