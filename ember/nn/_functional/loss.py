"""Loss functions of torch.nn.functional.

The losses PyTorch computes in one kernel are one Op each here: forward on
arrays (with the reduction), backward as the gradient formula. Backward has
two paths: without create_graph it works on the arrays forward left on ctx
(no re-computation, no graph); with create_graph it writes the same formula
over Tensors, so gradients of gradients are right.

cross_entropy fuses log-softmax and the negative log-likelihood: forward
keeps exp(x - max) and its row sums, backward is softmax * S - coef, where
coef[n, k] is the weight the loss puts on -log p[n, k] (one-hot for class
targets, plus the label-smoothing share) and S its row sum.

The losses PyTorch builds out of other ops (cosine_embedding, margin_ranking,
hinge_embedding, triplet, poisson_nll, gaussian_nll, multilabel_soft_margin)
are built the same way here, so their gradients match PyTorch's at the kinks.
"""
import math
import warnings

import numpy as np

from ... import _cuda_kernels as _kernels
from ... import _dtype as D
from ..._backends import ufunc_at, xp as _xp
from ..._dispatch import Op, apply, wrap
from ..._grad_mode import no_grad, state as grad_state
from ..._tensor import Tensor

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div",
    "poisson_nll_loss", "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "multilabel_margin_loss", "multi_margin_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "ctc_loss",
]


# ------------------------------------------------------------------ reductions
def _legacy_reduction(size_average, reduce, emit_warning=True):
    """The reduction the deprecated size_average/reduce flags ask for."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='%s' "
                      "instead." % ret, stacklevel=4)
    return ret


def _check_reduction(reduction):
    if reduction in ("mean", "sum", "none"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    raise ValueError("%s is not a valid value for reduction" % reduction)


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return _check_reduction(reduction)


def _reduce_array(a, reduction, scale=1.0):
    if reduction == "none":
        return a
    s = a.sum()
    if reduction == "mean":
        s = s / a.size if a.size else _xp(a).full((), np.nan, a.dtype)
    if scale != 1.0:
        s = s * a.dtype.type(scale)
    return s


def _reduce_tensor(t, reduction):
    if reduction == "mean":
        return t.mean()
    if reduction == "sum":
        return t.sum()
    return t


# ------------------------------------------------------------------ checks and helpers
def _title(d):
    return D.TITLE.get(d.name, d.name)


def _size(t):
    return "torch.Size([%s])" % ", ".join(str(s) for s in t.shape)


def _lst(shape):
    return "[%s]" % ", ".join(str(s) for s in shape)


def _not_implemented(kernel, d):
    raise NotImplementedError("\"%s\" not implemented for '%s'" % (kernel, _title(d)))


def _is_float(t):
    return t._dtype.category == D.FLOAT


def _no_grad_arg(fn, arg, t):
    if t is not None and t._requires_grad and grad_state.enabled:
        raise RuntimeError("The function '%s' is not differentiable with respect to argument '%s'. "
                           "This input cannot have requires_grad True." % (fn, arg))


def _broadcast_shape(a, b):
    """np.broadcast_shapes with PyTorch's error."""
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i in range(n):
        x, y = a2[i], b2[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) at "
                               "non-singleton dimension %d" % (x, y, i))
        out.append(y if x == 1 else x)
    return tuple(out)


def _warn_target_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn("Using a target size (%s) that is different to the input size (%s). This "
                      "will likely lead to incorrect results due to broadcasting. Please ensure "
                      "they have the same size." % (_size(target), _size(input)), stacklevel=4)


def _const(array, dtype):
    return wrap(array, dtype)


def _like(host, like):
    """Host array `host` on the device of array `like` (no copy on the CPU)."""
    return _xp(like).asarray(host)


def _arr(x, dtype):
    """x (Tensor, array or None) as an array of the numpy dtype `dtype`."""
    if x is None:
        return None
    a = x._data if isinstance(x, Tensor) else x
    return a if a.dtype == dtype else a.astype(dtype)


def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


def _log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


# ------------------------------------------------------------------ pointwise losses
class _PointwiseLoss(Op):
    """loss(x, t, extras...) element by element, then the reduction.

    Subclasses define `value(ctx, x, t, *extras, **params)` -> the loss array
    (stashing on ctx what `grads_np` needs), `grads_np(ctx)` -> d loss/d input
    arrays, and `grads_t(ctx, x, t)` -> the same as Tensors (create_graph).
    Params: reduction, scale (a factor applied after sum, for 'batchmean')."""
    save = (0, 1)

    def forward(ctx, x, t, *extras, reduction, scale=1.0, **params):
        out = ctx.op.value(ctx, x, t, *extras, **params)
        ctx.n = out.size
        return _reduce_array(out, reduction, scale)

    def backward(ctx, g):
        p = ctx.params
        red = p["reduction"]
        k = p.get("scale", 1.0)
        if red == "mean":
            k = k / ctx.n if ctx.n else math.nan
        need = [m is not None for m in ctx.inputs_meta]
        if not grad_state.enabled:
            grads = ctx.op.grads_np(ctx, need)
            f = g._data * k if k != 1.0 else g._data
            return tuple(None if d is None or not need[i] else wrap(d * f, g._dtype)
                         for i, d in enumerate(grads))
        x, t = ctx.saved_tensors[:2]
        grads = ctx.op.grads_t(ctx, need, x, t)
        gk = g * k if k != 1.0 else g
        return tuple(None if d is None or not need[i] else gk * d for i, d in enumerate(grads))


class _MSELoss(_PointwiseLoss):
    grad_name = "MseLossBackward0"

    def value(ctx, x, t):
        d = ctx.d = x - t
        return d * d

    def grads_np(ctx, need):
        d2 = ctx.d * 2
        return d2, (-d2 if need[1] else None)

    def grads_t(ctx, need, x, t):
        d2 = (x - t) * 2
        return d2, -d2


class _L1Loss(_PointwiseLoss):
    grad_name = "L1LossBackward0"

    def value(ctx, x, t):
        d = ctx.d = x - t
        return np.abs(d)

    def grads_np(ctx, need):
        s = np.sign(ctx.d)
        return s, (-s if need[1] else None)

    def grads_t(ctx, need, x, t):
        s = np.sign(ctx.d)
        return _const(s, x._dtype), _const(-s, x._dtype)


class _SmoothL1Loss(_PointwiseLoss):
    grad_name = "SmoothL1LossBackward0"

    def value(ctx, x, t, beta):
        d = ctx.d = x - t
        ad = np.abs(d)
        return np.where(ad < beta, (0.5 / beta) * d * d, ad - 0.5 * beta)

    def grads_np(ctx, need):
        b = ctx.params["beta"]
        d = ctx.d
        gx = np.where(d < -b, -1.0, np.where(d > b, 1.0, d / b)).astype(d.dtype, copy=False)
        return gx, (-gx if need[1] else None)

    def grads_t(ctx, need, x, t):
        b = ctx.params["beta"]
        d = ctx.d
        inner = _const(np.abs(d) <= b, x._dtype)
        outer = _const(np.where(d < -b, -1.0, np.where(d > b, 1.0, 0.0)), x._dtype)
        gx = inner * (x - t) / b + outer
        return gx, -gx


class _HuberLoss(_PointwiseLoss):
    grad_name = "HuberLossBackward0"

    def value(ctx, x, t, delta):
        d = ctx.d = x - t
        ad = np.abs(d)
        return np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))

    def grads_np(ctx, need):
        dl = ctx.params["delta"]
        d = ctx.d
        gx = np.where(d < -dl, -dl, np.where(d > dl, dl, d)).astype(d.dtype, copy=False)
        return gx, (-gx if need[1] else None)

    def grads_t(ctx, need, x, t):
        dl = ctx.params["delta"]
        d = ctx.d
        inner = _const(np.abs(d) <= dl, x._dtype)
        outer = _const(np.where(d < -dl, -dl, np.where(d > dl, dl, 0.0)), x._dtype)
        gx = inner * (x - t) + outer
        return gx, -gx


class _SoftMarginLoss(_PointwiseLoss):
    grad_name = "SoftMarginLossBackward0"

    def value(ctx, x, t):
        z = ctx.z = np.exp(-t * x)
        ctx.t = t
        return np.log1p(z)

    def grads_np(ctx, need):
        z = ctx.z
        return -ctx.t * z / (1 + z), None

    def grads_t(ctx, need, x, t):
        z = (-t * x).exp()
        return -t * z / (1 + z), None


class _KLDiv(_PointwiseLoss):
    grad_name = "KlDivBackward0"

    def value(ctx, x, t, log_target):
        ctx.x, ctx.t = x, t
        if log_target:
            et = ctx.et = np.exp(t)
            return et * (t - x)
        xlogy = np.where(t == 0, 0, t * np.log(t)).astype(t.dtype, copy=False)
        xlogy = np.where(np.isnan(t), t, xlogy)
        return xlogy - t * x

    def grads_np(ctx, need):
        x, t = ctx.x, ctx.t
        if ctx.params["log_target"]:
            et = ctx.et
            return -et, (et * (t - x + 1) if need[1] else None)
        gt = None
        if need[1]:
            gt = np.where(t != 0, np.log(t), 0).astype(t.dtype, copy=False) + t / t - x
        return -t, gt

    def grads_t(ctx, need, x, t):
        if ctx.params["log_target"]:
            et = t.exp()
            return -et, et * (t - x + 1)
        nz = _const(ctx.t != 0, t._dtype)
        return -t, nz * t.log().masked_fill(t == 0, 0) + t / t - x


class _BCELoss(_PointwiseLoss):
    grad_name = "BinaryCrossEntropyBackward0"
    promote = (0, 1)

    def value(ctx, x, t, w=None):
        if not ((x >= 0) & (x <= 1)).all():
            raise RuntimeError("all elements of input should be between 0 and 1")
        ctx.x, ctx.t = x, t
        ctx.w = w = _arr(w, x.dtype)
        out = (t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100)
        return out * w if w is not None else out

    def grads_np(ctx, need):
        x, t, w = ctx.x, ctx.t, ctx.w
        gx = (x - t) / np.maximum((1 - x) * x, 1e-12)
        gt = (np.log1p(-x) - np.log(x)) if need[1] else None
        if w is not None:
            gx = gx * w
            gt = gt * w if gt is not None else None
        return gx, gt, None

    def grads_t(ctx, need, x, t):
        gx = (x - t) / ((1 - x) * x).clamp_min(1e-12)
        gt = (-x).log1p() - x.log()
        if ctx.w is not None:
            w = _const(ctx.w, x._dtype)
            gx, gt = gx * w, gt * w
        return gx, gt, None


class _BCEWithLogits(_PointwiseLoss):
    grad_name = "BinaryCrossEntropyWithLogitsBackward0"
    promote = (0, 1)

    def value(ctx, x, t, w=None, pw=None):
        ctx.x, ctx.t = x, t
        ctx.w = w = _arr(w, x.dtype)
        ctx.pw = pw = _arr(pw, x.dtype)
        ls = _log_sigmoid(x)
        if pw is not None:
            out = (1 - t) * x - ((pw - 1) * t + 1) * ls
        else:
            out = (1 - t) * x - ls
        return out * w if w is not None else out

    def grads_np(ctx, need):
        x, t, w, pw = ctx.x, ctx.t, ctx.w, ctx.pw
        s = _stable_sigmoid(x)
        if pw is not None:
            gx = ((pw - 1) * t + 1) * s - pw * t
            gt = (-x - (pw - 1) * _log_sigmoid(x)) if need[1] else None
        else:
            gx = s - t
            gt = -x if need[1] else None
        if w is not None:
            gx = gx * w
            gt = gt * w if gt is not None else None
        return gx, gt, None, None

    def grads_t(ctx, need, x, t):
        s = x.sigmoid()
        if ctx.pw is not None:
            pw = _const(ctx.pw, x._dtype)
            gx = ((pw - 1) * t + 1) * s - pw * t
            gt = -x - (pw - 1) * _logsigmoid_t(x)
        else:
            gx = s - t
            gt = -x
        if ctx.w is not None:
            w = _const(ctx.w, x._dtype)
            gx, gt = gx * w, gt * w
        return gx, gt, None, None


def _logsigmoid_t(x):
    from .. import functional as F
    return F.logsigmoid(x)


def _regression_args(kernel, input, target, reduction, size_average, reduce, weight,
                     int_ok=False):
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    shape = _broadcast_shape(input.shape, target.shape)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    if not (_is_float(input) or _is_float(target)):
        if not int_ok:
            _not_implemented(kernel, D.promote_types(input._dtype, target._dtype))
        if reduction == "mean":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                               "floating point or complex dtype. Got: %s"
                               % _title(D.promote_types(input._dtype, target._dtype)))
    return reduction, shape


def _weighted(op, input, target, weight, reduction, params, mean_by_weight=True):
    """PyTorch's weighted regression losses: loss * weight, and for 'mean'
    the weighted sum divided by weight.sum() (huber: by the element count)."""
    loss = apply(op, input, target, reduction="none", **params) * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    raise ValueError("Invalid reduction mode: %s. Expected one of 'none', 'mean', 'sum'."
                     % reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |input - target|."""
    reduction, _ = _regression_args("l1_loss", input, target, reduction, size_average,
                                    reduce, weight, int_ok=True)
    if weight is not None:
        return _weighted(_L1Loss, input, target, weight, reduction, {})
    return apply(_L1Loss, input, target, reduction=reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (input - target)^2."""
    reduction, _ = _regression_args("mse_cpu", input, target, reduction, size_average,
                                    reduce, weight)
    if weight is not None:
        return _weighted(_MSELoss, input, target, weight, reduction, {})
    return apply(_MSELoss, input, target, reduction=reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic below beta, linear above: 0.5 d^2 / beta or |d| - 0.5 beta."""
    reduction, _ = _regression_args("smooth_l1_cpu", input, target, reduction,
                                    size_average, reduce, None, int_ok=beta == 0.0)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return apply(_L1Loss, input, target, reduction=reduction)
    return apply(_SmoothL1Loss, input, target, reduction=reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic below delta, delta-scaled linear above: 0.5 d^2 or delta (|d| - 0.5 delta)."""
    reduction, _ = _regression_args("huber_cpu", input, target, reduction, None,
                                    None, weight)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(_HuberLoss, input, target, weight, reduction, {"delta": float(delta)},
                         mean_by_weight=False)
    return apply(_HuberLoss, input, target, reduction=reduction, delta=float(delta))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input))."""
    reduction = _reduction(size_average, reduce, reduction)
    _no_grad_arg("soft_margin_loss", "target", target)
    _broadcast_shape(input.shape, target.shape)
    if not (_is_float(input) or _is_float(target)):
        _not_implemented("soft_margin_loss", input._dtype)
    return apply(_SoftMarginLoss, input, target.detach(), reduction=reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence target * (log target - input) (input holds log-probabilities)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support "
                "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                "major release.", stacklevel=2)
        if reduction != "batchmean":
            reduction = _check_reduction(reduction)
    if not _is_float(input) or not _is_float(target):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    _broadcast_shape(input.shape, target.shape)
    if reduction == "batchmean":
        scale = 1.0 / input.shape[0] if input.ndim and input.shape[0] else (
            1.0 if not input.ndim else math.inf)
        return apply(_KLDiv, input, target, reduction="sum", scale=scale,
                     log_target=bool(log_target))
    return apply(_KLDiv, input, target, reduction=reduction, log_target=bool(log_target))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError("Using a target size (%s) that is different to the input size (%s) is "
                         "deprecated. Please ensure they have the same size."
                         % (_size(target), _size(input)))
    if not _is_float(input):
        _not_implemented("binary_cross_entropy", input._dtype)
    if target._dtype is not input._dtype:
        raise RuntimeError("Found dtype %s but expected %s" % (_title(target._dtype),
                                                              _title(input._dtype)))
    if weight is not None:
        _no_grad_arg("binary_cross_entropy", "weight", weight)
        _expand_check(weight, target.shape, input.shape)
    return apply(_BCELoss, input, target, weight, reduction=reduction)


def _expand_check(weight, target_shape, input_shape):
    try:
        new = np.broadcast_shapes(tuple(target_shape), tuple(weight.shape))
    except ValueError:
        new = None
    if new != tuple(input_shape):
        raise RuntimeError("Attempting to broadcast a dimension of length %d! Mismatching argument "
                           "had %s; but expected shape should be broadcastable to %s"
                           % (weight.shape[-1] if weight.ndim else 1, _size(weight),
                              _lst(input_shape)))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """BCE of sigmoid(input), computed stably from the logits (optionally weighting positives)."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError("Target size (%s) must be the same as input size (%s)"
                         % (_size(target), _size(input)))
    if not _is_float(input):
        _not_implemented("log_sigmoid_cpu", input._dtype)
    if not _is_float(target):
        raise RuntimeError("result type %s can't be cast to the desired output type %s"
                           % (_title(input._dtype), _title(target._dtype)))
    for name, w in (("weight", weight), ("pos_weight", pos_weight)):
        if w is not None:
            _no_grad_arg("binary_cross_entropy_with_logits", name, w)
            _broadcast_shape(input.shape, w.shape)
    return apply(_BCEWithLogits, input, target, weight, pos_weight, reduction=reduction)


# ------------------------------------------------------------------ nll_loss / cross_entropy
def _class_layout(x, cdim):
    """(N, C, R) view of an input whose classes lie along cdim (0: unbatched)."""
    if cdim == 0:
        return x.reshape(1, x.shape[0], 1)
    n, c = x.shape[0], x.shape[1]
    r = 1
    for s in x.shape[2:]:
        r *= s
    return x.reshape(n, c, r)


_TRUE = np.ones((), dtype=bool)


def _class_targets(ctx, t, n, r, c, ignore_index, w, dtype):
    """Targets as (N, R) indices (ignored ones at 0), the validity mask, the
    per-element weight w[t] (0 where ignored) and the flat positions of the
    targets in the (N, C, R) layout; checks the range."""
    t = t.reshape(n, r)
    if t.dtype != np.int64:
        t = t.astype(np.int64)
    # one pass in the common case: all targets in [0, C) (negatives wrap to huge)
    outside = t.view(np.uint64) >= c
    if not outside.any() and not 0 <= ignore_index < c:
        valid, all_valid = _TRUE, True
    else:
        valid = t != ignore_index
        all_valid = bool(valid.all())
        bad = outside & valid
        if bad.any():
            raise IndexError("Target %d is out of bounds." % int(t[bad][0]))
    tc = t if all_valid else np.where(valid, t, 0)
    if w is not None:
        wt = w[tc]
        if not all_valid:
            wt = wt * valid
    elif all_valid:
        wt = _xp(t).ones((n, r), dtype)
    else:
        wt = valid.astype(dtype)
    xp = _xp(t)
    if r == 1:
        flat = xp.arange(0, n * c, c) + tc[:, 0]
        flat = flat[:, None]
    else:
        flat = (xp.arange(0, n * c * r, c * r)[:, None] + tc * r) + xp.arange(r)[None, :]
    ctx.tc, ctx.valid, ctx.all_valid, ctx.wt, ctx.flat = tc, valid, all_valid, wt, flat
    ctx.weighted = w is not None
    return tc, valid, all_valid, wt


def _reduce_class_loss(ctx, nll, red, smooth=None, ls=0.0, c=1):
    """(1 - ls) * reduce(nll) + ls / C * reduce(smooth), PyTorch's normalisers."""
    dt = nll.dtype
    if red == "none":
        out = nll if smooth is None else (1 - ls) * nll + (ls / c) * smooth
        return out.astype(dt, copy=False)
    if red == "sum":
        out = nll.sum()
        if smooth is not None:
            out = (1 - ls) * out + (ls / c) * smooth.sum()
        return _xp(nll).asarray(out, dtype=dt)
    d1 = ctx.d1 = (nll.dtype.type(nll.size) if ctx.all_valid and not ctx.weighted
                   else ctx.wt.sum())
    out = nll.sum() / d1
    if smooth is not None:
        out = (1 - ls) * out + (ls / c) * (smooth.sum() / d1)
    return _xp(nll).asarray(out, dtype=dt)


def _class_coef(ctx, ls, c, w):
    """Per-element weight A of -log p at the target and B of the smoothing share."""
    red = ctx.params["reduction"]
    a, b = 1.0 - ls, ls / c
    if red == "mean":
        a = a / ctx.d1
        b = b / ctx.d1
    A = ctx.wt * a
    B = _xp(A).full(A.shape, b, A.dtype) if ls else None
    if not ctx.all_valid:  # ignored elements get 0, even when every element is ignored
        A = np.where(ctx.valid, A, 0)
        B = np.where(ctx.valid, B, 0) if ls else None
    return A, B


_CLASS_IDS = {}


def _class_ids(c, like):
    """arange(C) as a (1, C, 1) int64 array on `like`'s device (cached)."""
    key = (c, like.device.id)
    ids = _CLASS_IDS.get(key)
    if ids is None:
        ids = _CLASS_IDS[key] = _xp(like).arange(c, dtype=np.int64).reshape(1, c, 1)
    return ids


def _g_rows(g, n, r, red):
    """The incoming gradient as an (N, R) array (or a 0-d one)."""
    a = g._data
    return a.reshape(n, r) if red == "none" else a


def _g_tensor(g, cdim, red):
    return g.unsqueeze(cdim) if red == "none" and g.ndim else g


class _NLLLoss(Op):
    """-w[t] * x[t] per element; reduction with PyTorch's weighted mean."""
    grad_name = "NllLossBackward0"
    dtype_rule = "keep"
    promote = (0,)

    def forward(ctx, x, t, w, cdim, reduction, ignore_index):
        x3 = _class_layout(x, cdim)
        n, c, r = x3.shape
        ctx.shape3 = x3.shape
        w = _arr(w, x.dtype)
        tc, valid, all_valid, wt = _class_targets(ctx, t, n, r, c, ignore_index, w, x.dtype)
        picked = x3.reshape(-1)[ctx.flat]
        nll = -(picked * wt)
        if not all_valid:
            nll = np.where(valid, nll, 0).astype(x.dtype, copy=False)
        out = _reduce_class_loss(ctx, nll, reduction)
        return out.reshape(t.shape if cdim else ()) if reduction == "none" else out

    def backward(ctx, g):
        red = ctx.params["reduction"]
        n, c, r = ctx.shape3
        A, _ = _class_coef(ctx, 0.0, c, None)
        shape = ctx.inputs_meta[0][0]
        coef = _xp(A).zeros(ctx.shape3, dtype=ctx.wt.dtype)
        coef.reshape(-1)[ctx.flat] = -A
        if not grad_state.enabled:
            ga = _g_rows(g, n, r, red)
            ga = ga[:, None, :] if red == "none" else ga
            return wrap((coef * ga).reshape(shape), g._dtype), None, None
        return _g_tensor(g, ctx.params["cdim"], red) * _const(coef.reshape(shape), g._dtype), None, None


class _CrossEntropy(Op):
    """log_softmax + nll (+ label smoothing) in one op, class-index targets."""
    grad_name = "NllLossBackward0"
    dtype_rule = "keep"
    promote = (0,)
    save = (0,)

    def forward(ctx, x, t, w, cdim, reduction, ignore_index, ls):
        x3 = _class_layout(x, cdim)
        n, c, r = x3.shape
        ctx.shape3 = x3.shape
        w = ctx.w = _arr(w, x.dtype)
        tc, valid, all_valid, wt = _class_targets(ctx, t, n, r, c, ignore_index, w, x.dtype)
        fused = x3.size and type(x3) is not np.ndarray and _kernels.fusable(x3)
        if fused:   # on a GPU: the element-wise steps in kernels (same formulas as below)
            xp = _xp(x3)
            sh, e = xp.empty(x3.shape, x3.dtype), xp.empty(x3.shape, x3.dtype)
            _kernels.shifted_exp(x3, x3.max(axis=1, keepdims=True), sh, e)
        elif x3.size:
            sh = x3 - x3.max(axis=1, keepdims=True)
            e = np.exp(sh)
        else:
            sh = x3.copy()
            e = np.exp(sh)
        ctx.e = e
        se = ctx.se = e.sum(axis=1)
        lse = np.log(se)
        if fused:
            nll = _xp(x3).empty(lse.shape, x3.dtype)
            _kernels.class_nll(sh.reshape(-1)[ctx.flat], lse, wt, nll)
        else:
            picked = sh.reshape(-1)[ctx.flat] - lse
            nll = -(picked * wt)
        if not all_valid:
            nll = np.where(valid, nll, 0).astype(x.dtype, copy=False)
        smooth = None
        if ls:
            if w is None:
                sw, W = sh.sum(axis=1), c
            else:
                sw, W = np.einsum("ncr,c->nr", sh, w), w.sum()
            smooth = lse * W - sw
            if not all_valid:
                smooth = np.where(valid, smooth, 0).astype(x.dtype, copy=False)
            ctx.W = W
        out = _reduce_class_loss(ctx, nll, reduction, smooth, ls, c)
        return out.reshape(t.shape if cdim else ()) if reduction == "none" else out

    def backward(ctx, g):
        p = ctx.params
        red, ls, cdim = p["reduction"], p["ls"], p["cdim"]
        n, c, r = ctx.shape3
        w = ctx.w
        A, B = _class_coef(ctx, ls, c, w)
        S = A + B * ctx.W if ls else A
        shape = ctx.inputs_meta[0][0]
        if not grad_state.enabled and not ls and type(ctx.e) is not np.ndarray and _kernels.fusable(ctx.e):
            # on a GPU: the whole gradient in one kernel (the formula below, as a one-hot difference)
            a = 1.0 / ctx.d1 if red == "mean" else 1.0
            coef = ctx.wt if ctx.all_valid else _xp(ctx.wt).where(ctx.valid, ctx.wt, 0)
            ga = _g_rows(g, n, r, red)
            grad = _xp(ctx.e).empty(ctx.shape3, ctx.e.dtype)
            _kernels.cross_entropy_grad(ctx.e, ctx.se[:, None, :], coef[:, None, :], a,
                                        ga[:, None, :] if red == "none" else ga, ctx.tc[:, None, :],
                                        _class_ids(c, ctx.e), grad)
            return wrap(grad.reshape(shape), g._dtype), None, None
        if not grad_state.enabled:
            ga = _g_rows(g, n, r, red)
            # (on a GPU, scale without asking: reading ga would wait for the device)
            if red == "none" or type(ga) is not np.ndarray or ga != 1:
                A, S = A * ga, S * ga
                B = B * ga if ls else None
            grad = ctx.e * (S / ctx.se)[:, None, :]
            if ls:
                grad -= B[:, None, :] * (w[None, :, None] if w is not None else 1)
            grad.reshape(-1)[ctx.flat] -= A
            return wrap(grad.reshape(shape), g._dtype), None, None
        # create_graph: the same formula over Tensors, so it differentiates again
        x = ctx.saved_tensors[0]
        coef = _xp(A).zeros(ctx.shape3, dtype=ctx.e.dtype)
        if ls:
            coef += B[:, None, :] * (w[None, :, None] if w is not None else 1)
        coef.reshape(-1)[ctx.flat] += A
        sshape = list(shape)
        sshape[cdim] = 1
        sm = x.softmax(cdim)
        grad = sm * _const(S.reshape(sshape), x._dtype) - _const(coef.reshape(shape), x._dtype)
        return _g_tensor(g, cdim, red) * grad, None, None


class _CrossEntropyProb(Op):
    """Cross entropy against class probabilities (same shape as the input)."""
    grad_name = "DivBackward1"
    save = (0, 1)
    promote = (0, 1, 2)

    def forward(ctx, x, t, w, cdim, reduction, ls):
        if x.dtype.kind != "f":
            _not_implemented("log_softmax_lastdim_kernel_impl", D.from_numpy(x.dtype))
        x3 = _class_layout(x, cdim)
        t3 = _class_layout(t, cdim)
        n, c, r = ctx.shape3 = x3.shape
        sh = x3 - x3.max(axis=1, keepdims=True) if x3.size else x3.copy()
        e = np.exp(sh)
        se = e.sum(axis=1, keepdims=True)
        logp = ctx.logp = sh - np.log(se)
        ctx.sm = e / se
        tp = t3 * (1 - ls) + ls / c if ls else t3
        ctx.w = w
        wt = ctx.wt = tp * w[None, :, None] if w is not None else tp
        loss = -(logp * wt).sum(axis=1)
        ctx.den = n * r
        if reduction == "none":
            return loss.reshape(x.shape[:cdim] + x.shape[cdim + 1:])
        if reduction == "sum":
            return loss.sum()
        return loss.sum() / (n * r) if n * r else _xp(loss).full((), np.nan, loss.dtype)

    def backward(ctx, g):
        p = ctx.params
        red, ls, cdim = p["reduction"], p["ls"], p["cdim"]
        n, c, r = ctx.shape3
        k = 1.0 / ctx.den if red == "mean" else 1.0
        meta = ctx.inputs_meta
        shape = meta[0][0] if meta[0] is not None else meta[1][0]
        if not grad_state.enabled:
            ga = _g_rows(g, n, r, red)
            ga = ga[:, None, :] * k if red == "none" else ga * k
            gx = gt = None
            if meta[0] is not None:
                coef = ctx.wt
                gx = wrap(((ctx.sm * coef.sum(axis=1, keepdims=True) - coef) * ga).reshape(shape),
                          g._dtype)
            if meta[1] is not None:
                d = -(1 - ls) * ctx.logp
                if ctx.w is not None:
                    d = d * ctx.w[None, :, None]
                gt = wrap((d * ga).reshape(shape), g._dtype)
            return gx, gt, None
        x, t = ctx.saved_tensors[:2]
        wshape = [1] * len(shape)
        wshape[cdim] = c
        w = _const(ctx.w.reshape(wshape), x._dtype) if ctx.w is not None else None
        gk = _g_tensor(g, cdim, red) * k
        tp = t * (1 - ls) + ls / c if ls else t
        coef = tp * w if w is not None else tp
        gx = gk * (x.softmax(cdim) * coef.sum(cdim, keepdim=True) - coef)
        d = x.log_softmax(cdim) * (-(1 - ls))
        gt = gk * (d * w if w is not None else d)
        return gx, gt, None


def _nll_checks(input, target, weight):
    """PyTorch's nll_loss_nd shape, dtype and weight checks; returns the class dim."""
    nd = input.ndim
    if nd < 1:
        raise ValueError("Expected 1 or more dimensions (got %d)" % nd)
    if nd != 1:
        if target.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if input.shape[0] != target.shape[0]:
            raise ValueError("Expected input batch_size (%d) to match target batch_size (%d)."
                             % (input.shape[0], target.shape[0]))
    if nd <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and target.ndim == 1 and target.shape[0] != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: %d"
                             % target.shape[0])
    elif nd == 4:
        if target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               "targets of dimension: %d" % target.ndim)
        if tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
            raise RuntimeError("size mismatch (got input: %s , target: %s"
                               % (_lst(input.shape), _lst(target.shape)))
    else:
        out = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != out:
            raise RuntimeError("Expected target size %s, got %s" % (_lst(out), _lst(target.shape)))
    if target._dtype is not D.int64 and target._dtype is not D.uint8:
        raise RuntimeError("expected target dtype to be Long or Byte, but got %s"
                           % _title(target._dtype))
    cdim = 0 if nd == 1 else 1
    c = input.shape[cdim]
    if weight is not None:
        if weight.numel() != c:
            raise RuntimeError("weight tensor should be defined either for all %d classes or no "
                               "classes but got weight tensor of shape: %s" % (c, _lst(weight.shape)))
        if weight._dtype is not input._dtype:
            raise RuntimeError("expected scalar type %s but found %s"
                               % (_title(input._dtype), _title(weight._dtype)))
        _no_grad_arg("nll_loss_forward", "weight", weight)
    return cdim


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class-index targets, given log-probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    cdim = _nll_checks(input, target, weight)
    if not _is_float(input):
        _not_implemented("nll_loss_out_frame", input._dtype)
    return apply(_NLLLoss, input, target, weight, cdim=cdim, reduction=reduction,
                 ignore_index=int(ignore_index))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax + nll_loss in one op; class indices or class probabilities as target."""
    reduction = _reduction(size_average, reduce, reduction)
    ls = float(label_smoothing)
    if tuple(input.shape) == tuple(target.shape):
        if not _is_float(target):
            raise RuntimeError("Expected floating point type for target with class probabilities, "
                               "got %s" % _title(target._dtype))
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if input.ndim == 0:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                             "got 1)")
        cdim = 0 if input.ndim == 1 else 1
        if weight is not None and weight.numel() != input.shape[cdim]:
            raise RuntimeError("cross_entropy: weight tensor should be defined either for all %d "
                               "classes or no classes but got weight tensor of shape: %s"
                               % (input.shape[cdim], _lst(weight.shape)))
        if not _is_float(input):
            _not_implemented("log_softmax_lastdim_kernel_impl", input._dtype)
        if weight is not None:
            weight = weight.reshape(-1)
        return apply(_CrossEntropyProb, input, target, weight, cdim=cdim, reduction=reduction,
                     ls=ls)
    if ls < 0.0 or ls > 1.0:
        raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: %s" % label_smoothing)
    if input.ndim and not _is_float(input):
        _not_implemented("log_softmax_lastdim_kernel_impl", input._dtype)
    cdim = _nll_checks(input, target, weight)
    return apply(_CrossEntropy, input, target, weight, cdim=cdim, reduction=reduction,
                 ignore_index=int(ignore_index), ls=ls)


# ------------------------------------------------------------------ margin losses (kernels)
def _margin_input(input):
    if input.ndim > 2 or (input.ndim >= 1 and input.numel() == 0 and input.ndim != 2):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           "but got: %s" % _lst(input.shape))


class _MultiMarginLoss(Op):
    grad_name = "MultiMarginLossBackward0"
    dtype_rule = "keep"
    promote = (0,)

    def forward(ctx, x, t, w, p, margin, reduction, out_shape):
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        n, c = x2.shape
        t = t.reshape(-1).astype(np.int64, copy=False)
        if ((t < 0) | (t >= c)).any():
            raise RuntimeError("target out of range")
        xp = _xp(x)
        rows = xp.arange(n)
        z = margin - x2[rows, t][:, None] + x2
        z[rows, t] = 0
        on = z > 0
        h = np.where(on, z if p == 1 else z * z, 0).astype(x.dtype, copy=False)
        w = _arr(w, x.dtype)
        scale = (w[t] if w is not None else xp.ones(n, x.dtype)) / c
        d = np.where(on, 1.0 if p == 1 else 2 * z, 0).astype(x.dtype, copy=False) * scale[:, None]
        d[rows, t] = -d.sum(axis=1)
        ctx.d = d.reshape(x.shape)
        loss = (h.sum(axis=1) * scale).astype(x.dtype, copy=False)
        return _reduce_array(loss, reduction).reshape(out_shape) if reduction == "none" \
            else _reduce_array(loss, reduction)

    def backward(ctx, g):
        red = ctx.params["reduction"]
        d = ctx.d
        if red == "mean":
            d = d / max(d.shape[0] if d.ndim == 2 else 1, 1)
        if red == "none":
            ga = g._data.reshape(-1)
            ga = ga[:, None] if d.ndim == 2 else ga.reshape(())
            return wrap(d * ga, g._dtype), None, None
        return g * _const(d, g._dtype), None, None


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge: sum_{i != y} max(0, margin - x[y] + x[i])^p / C."""
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _margin_input(input)
    if target._dtype is not D.int64:
        raise RuntimeError("expected scalar type Long but found %s" % _title(target._dtype))
    c = input.shape[-1] if input.ndim else 1
    n = input.shape[0] if input.ndim == 2 else 1
    if target.numel() != n or target.ndim > 1 or (input.ndim == 2 and target.ndim != 1):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the "
                           "number of input samples (batch size). Expected target size %s, but "
                           "got %s. Input has shape %s." % (_lst((n,)), _lst(target.shape),
                                                            _lst(input.shape)))
    if weight is not None and weight.numel() != c:
        raise RuntimeError("inconsistent weight size, expected %d but got %s"
                           % (c, _lst(weight.shape)))
    if not _is_float(input):
        _not_implemented("multi_margin_loss_cpu", input._dtype)
    out_shape = tuple(target.shape) if input.ndim <= 1 else (n,)
    return apply(_MultiMarginLoss, input, target, weight, p=int(p), margin=float(margin),
                 reduction=reduction, out_shape=out_shape)


class _MultiLabelMarginLoss(Op):
    grad_name = "MultilabelMarginLossBackward0"
    dtype_rule = "keep"
    promote = (0,)

    def forward(ctx, x, t, reduction):
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        n, c = x2.shape
        t2 = t.reshape(n, c).astype(np.int64, copy=False)
        neg = t2 < 0
        first = np.where(neg.any(axis=1), neg.argmax(axis=1), c)
        xp = _xp(x)
        pos = xp.arange(c)[None, :]
        listed = pos < first[:, None]
        term = pos == first[:, None]
        if (listed & (t2 >= c)).any() or (term & (t2 < -1)).any():
            raise RuntimeError("argument #2 'target' is out of range")
        counts = xp.zeros((n, c), dtype=x.dtype)
        rows = np.broadcast_to(xp.arange(n)[:, None], (n, c))
        ufunc_at(np.add, counts, (rows[listed], t2[listed]), 1)
        other = (counts == 0).astype(x.dtype)
        # z[n, j, i] = 1 - (x[j] - x[i]) for target class j and non-target class i
        z = 1 - x2[:, :, None] + x2[:, None, :]
        m = (z > 0) * counts[:, :, None] * other[:, None, :]
        loss = (np.where(m > 0, z, 0) * m).sum(axis=(1, 2)) / c
        d = (m.sum(axis=1) - m.sum(axis=2)) / c
        ctx.d = d.astype(x.dtype, copy=False).reshape(x.shape)
        loss = loss.astype(x.dtype, copy=False)
        if reduction == "none":
            return loss.reshape(x.shape[:-1])
        return _reduce_array(loss, reduction)

    def backward(ctx, g):
        red = ctx.params["reduction"]
        d = ctx.d
        if red == "mean":
            d = d / max(d.shape[0] if d.ndim == 2 else 1, 1)
        if red == "none":
            ga = g._data
            return wrap(d * (ga[..., None] if d.ndim == 2 else ga), g._dtype), None
        return g * _const(d, g._dtype), None


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge over (target class, non-target class) pairs; targets end at -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _margin_input(input)
    if target._dtype is not D.int64:
        raise RuntimeError("expected scalar type Long but found %s" % _title(target._dtype))
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError("inconsistent target size: %s for input of size: %s"
                           % (_lst(target.shape), _lst(input.shape)))
    if not _is_float(input):
        _not_implemented("multilabel_margin_loss_forward_out_frame", input._dtype)
    return apply(_MultiLabelMarginLoss, input, target, reduction=reduction)


# ------------------------------------------------------------------ composite losses
def _torch():
    import ember
    return ember


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class BCE of sigmoid(input), averaged over classes."""
    from .. import functional as F
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * F.logsigmoid(input) + (1 - target) * F.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    c = input.shape[class_dim]
    loss = loss.sum(dim=class_dim) / c
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    td = target.ndim
    if td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and (input1.ndim != 2 or input2.ndim != 2):
        raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with sizes "
                           "%s and %s." % (_lst(input1.shape), _lst(input2.shape)))
    if td == 0 and (input1.ndim != 1 or input2.ndim != 1):
        raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with sizes "
                           "%s and %s." % (_lst(input1.shape), _lst(input2.shape)))
    _broadcast_shape(input1.shape, input2.shape)
    d = td  # the feature dim: 1 for batches, 0 for single pairs
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + 1e-12
    m2 = (input2 * input2).sum(d) + 1e-12
    cos = prod / (m1 * m2).sqrt()
    torch = _torch()
    zeros = torch.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    out = torch.where(target == 1, pos, zeros) + torch.where(target == -1, neg, zeros)
    return _reduce_tensor(out, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension but "
                           "got sizes: input1: %s, input2: %s, target: %s "
                           % (_size(input1), _size(input2), _size(target)))
    _broadcast_shape(_broadcast_shape(input1.shape, input2.shape), target.shape)
    out = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce_tensor(out, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """input where target is 1, max(0, margin - input) where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    torch = _torch()
    zeros = torch.zeros_like(input)
    margin_clamp = (margin - input).clamp_min(0)
    out = torch.where(target != 1, margin_clamp, zeros) + torch.where(target != -1, input, zeros)
    if reduction == "mean" and not out.is_floating_point():
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: %s" % _title(out._dtype))
    return _reduce_tensor(out, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target * input (log_input) or input - target * log(input + eps),
    plus Stirling's approximation of log(target!) where target > 1 when full."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce_tensor(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log(var) + (input - target)^2 / var) (+ 0.5 log(2 pi) when full)."""
    torch = _torch()
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * torch.ones_like(input)
    elif not isinstance(var, Tensor):
        raise TypeError("any() received an invalid combination of arguments - got (%s), but "
                        "expected one of: (Tensor input)" % type(var < 0).__name__)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(
                y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce_tensor(loss, reduction)


def _pairwise_distance(x1, x2, p, eps):
    return (x1 - x2 + eps).norm(p, dim=-1)


def _triplet_dims(anchor, positive, negative):
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p and p == n):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           "same number of dimensions, but got: anchor %dD, positive %dD, and "
                           "negative %dD inputs" % (a, p, n))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with the p-norm distance."""
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError("margin must be greater than 0, got %s" % margin)
    _triplet_dims(anchor, positive, negative)
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _torch().minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce_tensor((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with any distance function."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError("%s is not a valid value for reduction" % reduction)
    if margin <= 0:
        raise ValueError("margin must be greater than 0, got %s" % margin)
    _triplet_dims(anchor, positive, negative)
    if distance_function is None:
        def distance_function(x1, x2):
            return _pairwise_distance(x1, x2, 2.0, 1e-6)
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = _torch().minimum(d_neg, distance_function(positive, negative))
    return _reduce_tensor((margin + d_pos - d_neg).clamp_min(0), reduction)


# ------------------------------------------------------------------ CTC
def _lse3(a, b, c):
    m = np.maximum(np.maximum(a, b), c)
    ms = np.where(np.isfinite(m), m, 0)
    return np.log(np.exp(a - ms) + np.exp(b - ms) + np.exp(c - ms)) + ms


class _CTCLoss(Op):
    """Per-sample CTC negative log-likelihood: the forward (alpha) recursion in
    log space, vectorised over batch and label positions, looped over time;
    backward runs the beta recursion the same way and forms PyTorch's gradient
    exp(lp) - exp(log(alpha beta) + nll - lp) (zero past each input length)."""
    grad_name = "CtcLossBackward0"
    dtype_rule = "keep"
    promote = (0,)

    def forward(ctx, lp, targets, il, tl, blank, zero_infinity):
        # il, tl: host int64 lengths (metadata, as in PyTorch); the recursion runs on lp's device
        T, N, C = lp.shape
        xp = _xp(lp)
        Smax = int(tl.max()) if N else 0
        L = 2 * Smax + 1
        # extended labels: blank, l1, blank, l2, ..., blank
        if targets.ndim == 2:
            lab = targets[:, :Smax].astype(np.int64)
        else:
            offs = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64)
            pos = offs[:, None] + np.arange(Smax)[None, :]
            lab = targets.reshape(-1)[_like(np.minimum(pos, max(targets.size - 1, 0)), targets)] \
                .astype(np.int64) if targets.size else xp.zeros((N, Smax), np.int64)
        ctx.il_host = il
        il, tl = _like(il, lp), _like(tl, lp)
        lab = np.where(xp.arange(Smax)[None, :] < tl[:, None], lab, blank)
        ext = xp.full((N, L), blank, dtype=np.int64)
        ext[:, 1::2] = lab
        valid_s = xp.arange(L)[None, :] < (2 * tl + 1)[:, None]
        skip = xp.zeros((N, L), dtype=bool)
        skip[:, 3::2] = lab[:, 1:] != lab[:, :-1]
        skip[:, 2:] &= ext[:, 2:] != blank
        # lpe[t, n, s] = lp[t, n, ext[n, s]]
        lpe = np.take_along_axis(lp, np.broadcast_to(ext[None], (T, N, L)), axis=2)
        lpe = np.where(valid_s[None], lpe, -np.inf)
        ninf = lp.dtype.type(-np.inf)
        alpha = xp.full((T, N, L), ninf, dtype=lp.dtype)
        if T:
            alpha[0, :, 0] = lpe[0, :, 0]
            if L > 1:
                alpha[0, :, 1] = lpe[0, :, 1]
        pad1 = xp.full((N, 1), ninf, dtype=lp.dtype)
        pad2 = xp.full((N, 2), ninf, dtype=lp.dtype)
        for t in range(1, T):
            a = alpha[t - 1]
            a1 = np.concatenate([pad1, a[:, :-1]], axis=1)
            a2 = np.where(skip, np.concatenate([pad2, a[:, :-2]], axis=1), ninf)
            alpha[t] = lpe[t] + _lse3(a, a1, a2)
        rows = xp.arange(N)
        last_t = np.maximum(il - 1, 0)
        end = 2 * tl
        a_end = alpha[last_t, rows, end]
        a_end1 = np.where(tl > 0, alpha[last_t, rows, np.maximum(end - 1, 0)], ninf)
        ll = np.logaddexp(a_end, a_end1)
        ll = np.where(il > 0, ll, np.where(tl == 0, 0, ninf))
        nll = (-ll).astype(lp.dtype)
        ctx.cache = (lp, ext, skip, lpe, alpha, nll, il, tl, valid_s)
        if zero_infinity:
            nll = np.where(np.isinf(nll), 0, nll).astype(lp.dtype)
        return nll

    def backward(ctx, g):
        lp, ext, skip, lpe, alpha, nll, il, tl, valid_s = ctx.cache
        T, N, C = lp.shape
        L = ext.shape[1]
        ninf = lp.dtype.type(-np.inf)
        xp = _xp(lp)
        beta = xp.full((T, N, L), ninf, dtype=lp.dtype)
        rows = xp.arange(N)
        end = 2 * tl
        skip_next = xp.zeros((N, L), dtype=bool)
        skip_next[:, :-2] = skip[:, 2:]
        pad1 = xp.full((N, 1), ninf, dtype=lp.dtype)
        pad2 = xp.full((N, 2), ninf, dtype=lp.dtype)
        init = xp.full((N, L), ninf, dtype=lp.dtype)
        for t in range(T - 1, -1, -1):
            starts = il - 1 == t
            b = xp.full((N, L), ninf, dtype=lp.dtype)
            if t + 1 < T:
                nb = beta[t + 1]
                b1 = np.concatenate([nb[:, 1:], pad1], axis=1)
                b2 = np.where(skip_next, np.concatenate([nb[:, 2:], pad2], axis=1), ninf)
                b = lpe[t] + _lse3(nb, b1, b2)
            if (ctx.il_host - 1 == t).any():   # decided on the host: no device sync per step
                init.fill(ninf)
                init[rows, end] = lpe[t, rows, end]
                e1 = np.maximum(end - 1, 0)
                init[rows, e1] = np.where(tl > 0, lpe[t, rows, e1], init[rows, e1])
                b = np.where(starts[:, None], init, b)
            beta[t] = np.where((t < il)[:, None], b, ninf)
        # occupation of each class: sum over positions s with ext[s] = c
        occ = np.exp(alpha + beta + nll[None, :, None] - lpe)
        occ = np.where(valid_s[None], occ, 0)
        idx = ((xp.arange(T)[:, None, None] * N + rows[None, :, None]) * C + ext[None]).ravel()
        occ_c = np.bincount(idx, weights=occ.ravel().astype(np.float64),
                            minlength=T * N * C).reshape(T, N, C).astype(lp.dtype)
        grad = np.exp(lp) - occ_c
        grad = np.where(np.isposinf(nll)[None, :, None], np.nan, grad)  # as PyTorch: inf - inf
        grad = np.where((xp.arange(T)[:, None] < il[None, :])[:, :, None], grad, 0)
        if ctx.params["zero_infinity"]:
            grad = np.where(np.isinf(nll)[None, :, None], 0, grad)
        grad = (grad * g._data[None, :, None]).astype(lp.dtype, copy=False)
        return wrap(grad, g._dtype), None, None, None


def _lengths(x, name, n):
    if isinstance(x, Tensor):
        if x._dtype.category > D.INT:
            raise RuntimeError("%s must be integral" % name)
        a = x.detach().cpu()._data.astype(np.int64).reshape(-1)   # lengths are metadata: host
    else:
        a = np.asarray(list(x) if not isinstance(x, int) else [x], dtype=np.int64).reshape(-1)
    if a.shape[0] != n:
        raise RuntimeError("%s must be of size batch_size" % name)
    return a


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss of (T, N, C) log-probabilities."""
    reduction = _check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError("ctc_loss expects log_probs of shape (T, N, C) or (T, C), got %s"
                           % _lst(log_probs.shape))
    T, N, C = lp.shape
    if not _is_float(lp):
        _not_implemented("ctc_loss_cpu", lp._dtype)
    tg = targets.unsqueeze(0) if unbatched and targets.ndim == 1 else targets
    il = _lengths(input_lengths, "input_lengths", N)
    tl = _lengths(target_lengths, "target_lengths", N)
    if blank < 0 or blank >= C:
        raise RuntimeError("blank must be in label range")
    if N and il.max() > T:
        raise RuntimeError("Expected input_lengths to have value at most %d, but got value %d "
                           "(while checking arguments for ctc_loss_allocate_outputs)"
                           % (T, il.max()))
    if N and tl.min() < 0:
        raise RuntimeError("Expected target_lengths to have value at least 0, but got value %d "
                           "(while checking arguments for ctc_loss_allocate_outputs)" % tl.min())
    if N and il.min() < 0:
        raise RuntimeError("Expected input_lengths to have value at least 0, but got value %d "
                           "(while checking arguments for ctc_loss_allocate_outputs)" % il.min())
    ta = tg._data
    if ta.dtype.kind == "f":
        ta = ta.astype(np.int64)
    if ta.ndim == 2 and N:
        if ta.shape[1] < tl.max():
            raise RuntimeError("Expected tensor to have size at least %d at dimension 1, but got "
                               "size %d for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)" % (tl.max(), ta.shape[1]))
    elif ta.ndim == 1 and ta.size < tl.sum():
        raise RuntimeError("Expected tensor to have size at least %d at dimension 0, but got size "
                           "%d for argument #2 'targets' (while checking arguments for "
                           "ctc_loss_allocate_outputs)" % (tl.sum(), ta.size))
    if ta.ndim == 2:
        lab = ta[:, :int(tl.max()) if N else 0]
        lab = lab[_like(np.arange(lab.shape[1])[None, :] < tl[:, None], ta)]
    else:
        lab = ta.reshape(-1)[:int(tl.sum())]
    if lab.size and ((lab < 0) | (lab >= C)).any():
        raise RuntimeError("ctc_loss: target index out of range [0, %d)" % C)
    nll = apply(_CTCLoss, lp, ta, il, tl, blank=int(blank), zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return nll.squeeze(0) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    den = _const(_like(np.maximum(tl, 1).astype(lp._data.dtype), lp._data), nll._dtype)
    return (nll / den).mean()
