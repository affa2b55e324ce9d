"""torch.nn.functional: the stateless forms of the layers.

Activations that PyTorch computes in one kernel are one Op each here
(forward on arrays, backward as a formula over Tensors), so that large
arguments never overflow in a branch that `where` would discard and the
gradient at the kinks matches PyTorch's. Modules in ember.nn.modules are
thin holders of parameters that call these functions.
"""
import math as _math
import warnings as _warnings

import numpy as _np

from .. import _dtype as _D
from .._backends import ufunc_at, xp as _xp
from .._dispatch import Op as _Op, apply as _apply, apply_inplace as _apply_inplace
from .._dispatch import interceptors as _interceptors, wrap as _wrap
from .._grad_mode import state as _grad_state
from .._grad_mode import no_grad as _no_grad
from .._tensor import Tensor as _Tensor

__all__ = [
    "linear", "bilinear", "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "leaky_relu",
    "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish",
    "hardswish", "hardsigmoid", "sigmoid", "tanh", "logsigmoid", "softplus", "softsign",
    "tanhshrink", "threshold", "threshold_", "hardshrink", "softshrink", "glu", "prelu", "rrelu",
    "rrelu_", "softmax", "log_softmax", "softmin", "dropout", "dropout1d", "dropout2d",
    "dropout3d", "alpha_dropout", "feature_alpha_dropout", "one_hot", "normalize", "pad",
]


def _const(array, dtype):
    """A _Tensor (no grad) holding array in dtype."""
    if array.dtype != dtype.np:
        array = array.astype(dtype.np)
    return _Tensor._make(array, dtype)


def _type_title(d):
    return _D.TITLE[d.name]


def _shape_str(shape):
    return "x".join(str(s) for s in shape)


# ------------------------------------------------------------------ linear
class _Linear(_Op):
    """input @ weight.T (+ bias), any number of leading dims, as one op.
    Its gradients are themselves _Linear ops, so double backward works."""
    dtype_rule = "keep"
    half_native = True
    save = (0, 1)
    grad_name = "AddmmBackward0"

    def forward(ctx, x, w, b=None):
        if x.ndim == 2:
            out = x @ w.T
        elif x.ndim == 1:
            out = w @ x
        else:
            lead = x.shape[:-1]
            out = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(lead + (w.shape[0],))
        if b is not None:
            out += b
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        gx = gw = gb = None
        out_features = w.shape[0]
        d = g._dtype
        if not _grad_state.enabled and not _interceptors and d in _GEMM_DTYPES \
                and x._dtype is d and w._dtype is d:
            # no graph of the backward (and no profiler or tracer watching the
            # ops): the three products on arrays, without the reshape /
            # transpose / sum ops of the formula below
            ga, wa = g._data, w._data
            if meta[0] is not None:
                gx = _wrap(ga @ wa, meta[0][1])
            if meta[1] is not None or (len(meta) > 2 and meta[2] is not None):
                g2 = ga.reshape(-1, out_features)
                if meta[1] is not None:
                    xa = x._data
                    gw = _wrap(g2.T @ xa.reshape(-1, xa.shape[-1]), meta[1][1])
                if len(meta) > 2 and meta[2] is not None:
                    gb = _wrap(g2.sum(0), meta[2][1])
            return gx, gw, gb
        if meta[0] is not None:
            gx = _apply(_Linear, g, w.t())
        if meta[1] is not None or (len(meta) > 2 and meta[2] is not None):
            g2 = g.reshape(-1, out_features)
            if meta[1] is not None:
                gw = _apply(_Linear, g2.t(), x.reshape(-1, x.shape[-1]).t())
            if len(meta) > 2 and meta[2] is not None:
                gb = g2.sum(0)
        return gx, gw, gb


_GEMM_DTYPES = (_D.float32, _D.float64)


class _Mm(_Linear):
    grad_name = "MmBackward0"


class _LinearND(_Linear):
    grad_name = "ViewBackward0"


class _Linear1D(_Linear):
    grad_name = "SqueezeBackward4"


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias."""
    if weight.ndim != 2:
        return _linear_generic(input, weight, bias)
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    in_f = weight._data.shape[1]
    if input._data.shape[-1] != in_f:
        rows = 1
        for s in input._data.shape[:-1]:
            rows *= s
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)" % (
            rows, input.shape[-1], in_f, weight.shape[0]))
    if input._dtype is not weight._dtype or (bias is not None and bias._dtype is not input._dtype):
        from ..amp.autocast_mode import cast_inputs  # autocast casts before the checks, as PyTorch
        input, weight, bias = cast_inputs(_Linear, input, weight, bias)
    if input._dtype is not weight._dtype:
        raise RuntimeError("mat1 and mat2 must have the same dtype, but got %s and %s" % (
            _type_title(input._dtype), _type_title(weight._dtype)))
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got %s and %s" % (
            _type_title(bias._dtype), _type_title(weight._dtype)))
    op = _Linear if input.ndim == 2 else (_Linear1D if input.ndim == 1 else _LinearND)
    if bias is None:
        return _apply(_Mm if op is _Linear else op, input, weight)
    return _apply(op, input, weight, bias)


def _linear_generic(input, weight, bias):
    out = input.matmul(weight.t() if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    if input1.ndim != input2.ndim:
        raise RuntimeError("bilinear(): input dimensions do not match: got %d and %d"
                           % (input1.ndim, input2.ndim))
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError("bilinear(): input batch dimensions do not match: got %s and %s"
                           % (list(input1.shape), list(input2.shape)))
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError("bilinear(): input1 size does not match weight size: got %d but "
                           "expected %d" % (input1.shape[-1], in1))
    if input2.shape[-1] != in2:
        raise RuntimeError("bilinear(): input2 size does not match weight size: got %d but "
                           "expected %d" % (input2.shape[-1], in2))
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # t[n, o*in1 + i] = sum_j weight[o, i, j] x2[n, j]
    t = _apply(_Linear, x2, weight.reshape(out_f * in1, in2)).reshape(-1, out_f, in1)
    out = (t * x1.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (out_f,))


# ------------------------------------------------------------------ piecewise-linear activations
def _check_float(x, name):
    if x._dtype.category < _D.FLOAT:
        raise RuntimeError("\"%s\" not implemented for '%s'" % (name, _type_title(x._dtype)))


class _Hardtanh(_Op):
    grad_name = "HardtanhBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, min_val, max_val):
        return _np.minimum(_np.maximum(x, min_val), max_val)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.params
        a = x._data
        return g * _const((a > p["min_val"]) & (a < p["max_val"]), g._dtype)


class _LeakyRelu(_Op):
    grad_name = "LeakyReluBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, negative_slope):
        return _np.where(x > 0, x, x * x.dtype.type(negative_slope))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = ctx.params["negative_slope"]
        return g * _const(_np.where(x._data > 0, 1.0, s), g._dtype)


class _Threshold(_Op):
    grad_name = "ThresholdBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, threshold, value):
        return _np.where(x > threshold, x, x.dtype.type(value))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _const(x._data > ctx.params["threshold"], g._dtype)


class _Hardshrink(_Op):
    grad_name = "HardshrinkBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, lambd):
        return _np.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lam = ctx.params["lambd"]
        a = x._data
        return g * _const((a < -lam) | (a > lam), g._dtype)


class _Softshrink(_Op):
    grad_name = "SoftshrinkBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, lambd):
        lam = x.dtype.type(lambd)
        return _np.where(x > lam, x - lam, _np.where(x < -lam, x + lam, x.dtype.type(0)))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lam = ctx.params["lambd"]
        a = x._data
        return g * _const((a < -lam) | (a > lam), g._dtype)


class _Hardsigmoid(_Op):
    grad_name = "HardsigmoidBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x):
        return _np.minimum(_np.maximum(x + 3, 0), 6) / x.dtype.type(6)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = x._data
        return g * _const(_np.where((a > -3) & (a < 3), 1.0 / 6, 0.0), g._dtype)


class _Hardswish(_Op):
    grad_name = "HardswishBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x):
        return x * _np.minimum(_np.maximum(x + 3, 0), 6) / x.dtype.type(6)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = x._data
        d = _np.where(a <= -3, 0.0, _np.where(a < 3, a / 3 + 0.5, 1.0))
        return g * _const(d, g._dtype)


class _PRelu(_Op):
    """where(x > 0, x, w * x) with w already shaped to broadcast against x."""
    grad_name = "PreluKernelBackward0"
    save = (0, 1)

    def forward(ctx, x, w):
        return _np.where(x > 0, x, w * x)

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        pos = _const(x._data > 0, g._dtype)
        gx = gw = None
        if ctx.inputs_meta[0] is not None:
            gx = g * (pos + (1 - pos) * w)
        if ctx.inputs_meta[1] is not None:
            gw = g * (1 - pos) * x
        return gx, gw


# ------------------------------------------------------------------ smooth activations
def _erf_array(a):
    try:
        from .._ops.special import erf
        return erf(a)
    except ImportError:
        return _np.frompyfunc(_math.erf, 1, 1)(a).astype(a.dtype)


def _erf_tensor(x):
    """erf(x) as a _Tensor (differentiable when torch.erf is available)."""
    try:
        from .._ops import special  # noqa: F401
        return x.erf()
    except ImportError:
        return _const(_erf_array(x._data), x._dtype)


class _Elu(_Op):
    """x > 0 ? scale * x : scale * alpha * (exp(input_scale * x) - 1)."""
    grad_name = "EluBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, alpha, scale, input_scale):
        t = x.dtype.type
        neg = _np.expm1(_np.minimum(x, 0) * t(input_scale)) * t(alpha * scale)
        return _np.where(x > 0, x * t(scale), neg)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.params
        pos = _const(x._data > 0, g._dtype)
        neg_d = (x.clamp(max=0) * p["input_scale"]).exp() * (p["alpha"] * p["scale"] * p["input_scale"])
        return g * (pos * p["scale"] + (1 - pos) * neg_d)


class _Gelu(_Op):
    grad_name = "GeluBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, approximate):
        t = x.dtype.type
        if approximate == "tanh":
            inner = t(_math.sqrt(2.0 / _math.pi)) * (x + t(0.044715) * x * x * x)
            return t(0.5) * x * (t(1) + _np.tanh(inner))
        return t(0.5) * x * (t(1) + _erf_array(x * t(1 / _math.sqrt(2.0))))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.params["approximate"] == "tanh":
            k = _math.sqrt(2.0 / _math.pi)
            x2 = x * x
            th = ((x + 0.044715 * x2 * x) * k).tanh()
            d = 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * (k * (1 + 3 * 0.044715 * x2))
            return g * d
        cdf = 0.5 * (1 + _erf_tensor(x * (1 / _math.sqrt(2.0))))
        pdf = (x * x * -0.5).exp() * (1 / _math.sqrt(2 * _math.pi))
        return g * (cdf + x * pdf)


def _sigmoid_array(x):
    # exp of a non-positive argument only, so neither branch overflows
    e = _np.exp(-_np.abs(x))
    d = 1 + e
    return _np.where(x >= 0, 1 / d, e / d)


class _Silu(_Op):
    grad_name = "SiluBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x):
        return x * _sigmoid_array(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * s * (1 + x * (1 - s))


def _softplus_array(x, beta=1.0, threshold=20.0):
    t = x.dtype.type
    bx = x * t(beta)
    safe = _np.minimum(bx, t(threshold))
    return _np.where(bx > threshold, x, _np.log1p(_np.exp(safe)) / t(beta))


class _Mish(_Op):
    grad_name = "MishBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x):
        return x * _np.tanh(_softplus_array(x))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        tsp = _apply(_Softplus, x, beta=1.0, threshold=20.0).tanh()
        return g * (tsp + x * x.sigmoid() * (1 - tsp * tsp))


class _Softplus(_Op):
    grad_name = "SoftplusBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, beta, threshold):
        return _softplus_array(x, beta, threshold)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.params
        above = _const(x._data * p["beta"] > p["threshold"], g._dtype)
        return g * (above + (1 - above) * (x * p["beta"]).sigmoid())


class _LogSigmoid(_Op):
    grad_name = "LogSigmoidBackward0"
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x):
        return _np.minimum(x, 0) - _np.log1p(_np.exp(-_np.abs(x)))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()


# ------------------------------------------------------------------ activation functions
def _unary(op, input, inplace, **params):
    if inplace:
        return _apply_inplace(op, input, **params)
    return _apply(op, input, **params)


def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _unary(_Hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return _unary(_Hardtanh, input, inplace, min_val=0.0, max_val=6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _unary(_LeakyRelu, input, inplace, negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input, alpha=1.0, inplace=False):
    _check_float(input, "elu")
    return _unary(_Elu, input, inplace, alpha=float(alpha), scale=1.0, input_scale=1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    _check_float(input, "elu")
    return _unary(_Elu, input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    _check_float(input, "elu")
    return _unary(_Elu, input, inplace, alpha=float(alpha), scale=1.0, input_scale=1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _check_float(input, "GeluKernelImpl")
    return _apply(_Gelu, input, approximate=approximate)


def silu(input, inplace=False):
    _check_float(input, "silu")
    return _unary(_Silu, input, inplace)


def mish(input, inplace=False):
    _check_float(input, "mish")
    return _unary(_Mish, input, inplace)


def hardswish(input, inplace=False):
    return _unary(_Hardswish, input, inplace)


def hardsigmoid(input, inplace=False):
    return _unary(_Hardsigmoid, input, inplace)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def logsigmoid(input):
    return _apply(_LogSigmoid, input)


def softplus(input, beta=1.0, threshold=20.0):
    return _apply(_Softplus, input, beta=float(beta), threshold=float(threshold))


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def threshold(input, threshold, value, inplace=False):
    return _unary(_Threshold, input, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return _unary(_Threshold, input, True, threshold=threshold, value=value)


def hardshrink(input, lambd=0.5):
    return _apply(_Hardshrink, input, lambd=lambd)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError("lambda must be greater or equal to 0, but found to be %s." % lambd)
    return _apply(_Softshrink, input, lambd=lambd)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        d = dim if dim >= 0 else dim + input.dim()
        raise RuntimeError("Halving dimension must be even, but dimension %d is size %d" % (d, n))
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def prelu(input, weight):
    if weight.numel() != 1:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = %d"
                " and channel size = %d." % (weight.numel(), channels))
    if weight.dim() > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = %d"
                           % weight.dim())
    if weight.numel() == 1 or input.dim() < 2:
        w = weight.reshape(())
    else:
        w = weight.reshape([1, -1] + [1] * (input.dim() - 2))
    return _apply(_PRelu, input, w)


class _RReluNoise(_Op):
    """x * noise with the noise drawn for non-positive elements."""
    grad_name = "RreluWithNoiseBackward0"
    save = (1,)

    def forward(ctx, x, noise):
        return x * noise

    def backward(ctx, g):
        return g * ctx.saved_tensors[1], None


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    a = input._data
    if type(a) is _np.ndarray:
        # one draw per non-positive element, in order: PyTorch's CPU stream
        from .._ops.random import default_generator
        nonpos = ~(a > 0)
        k = int(_np.count_nonzero(nonpos))
        noise = _np.ones(a.shape, _np.float64)
        noise[nonpos] = default_generator._uniform53(k) * (upper - lower) + lower
        noise = noise.astype(a.dtype)
    else:
        # on a device, draw for every element there and keep the non-positive ones
        from .._ops.random import rand
        r = rand(a.shape, dtype=input._dtype, device=input.device)._data
        noise = _np.where(a > 0, a.dtype.type(1), r * a.dtype.type(upper - lower) + a.dtype.type(lower))
    out = _apply(_RReluNoise, input, _const(noise, input._dtype))
    if inplace:
        with _no_grad():
            input.copy_(out)
        return input
    return out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


# ------------------------------------------------------------------ softmax family
def _get_softmax_dim(name, ndim, stacklevel):
    _warnings.warn("Implicit dimension choice for %s has been deprecated. Change the call to "
                  "include dim=X as an argument." % name, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is None:
        return input.softmax(dim)
    return input.softmax(dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is None:
        return (-input).softmax(dim)
    return (-input).softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is None:
        return input.log_softmax(dim)
    return input.log_softmax(dim, dtype=dtype)


# ------------------------------------------------------------------ dropout
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError("dropout probability has to be between 0 and 1, but got %s" % p)


_ALPHA = 1.7580993408473766


def _dropout_impl(input, p, train, inplace, feature=False, alpha=False):
    """PyTorch's CPU dropout: a bernoulli(1 - p) mask in input's dtype, scaled."""
    if p == 0 or not train or input.numel() == 0:
        return input
    from .._creation import zeros
    if p == 1:
        z = zeros((), dtype=input._dtype)
        return input.mul_(z) if inplace else input * z
    from .._creation import empty, empty_like
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = (input.shape[0], input.shape[1]) + (1,) * (input.dim() - 2)
        noise = empty(shape, dtype=input._dtype, device=input.device)
    else:
        # same memory layout as input, so the mask's draws land in the same order as PyTorch's
        noise = empty_like(input)
    if not alpha and not feature:
        from .._ops.random import dropout_noise_
        if dropout_noise_(noise, p):  # bernoulli_(1 - p).div_(1 - p) in one pass, bit-exact
            return input.mul_(noise) if inplace else input * noise
    noise.bernoulli_(1 - p)
    if alpha:
        a = 1.0 / _math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = noise.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
        noise.mul_(a)
        out = input.mul_(noise) if inplace else input * noise
        return out.add_(b)
    if input._dtype is _D.float16 or input._dtype is _D.bfloat16:
        # PyTorch scales reduced-precision masks by 1/(1-p) computed in float32
        from .._dispatch import write_into
        scale = _np.float32(1) / _np.float32(1 - p)
        write_into(noise, noise._data.astype(_np.float32) * scale)
    else:
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(
            "dropout1d: Expected 2D or 3D input, but received a %dD input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs)." % inp_dim)
    is_batched = inp_dim == 3
    if not is_batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, inplace, feature=True)
    if not is_batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        _warnings.warn(
            "dropout2d: Received a %d-D input to dropout2d, which is deprecated and will result in "
            "an error in a future release. To retain the behavior and silence this warning, please "
            "use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
            "inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
            "(i.e. 3D or 4D inputs)." % inp_dim, stacklevel=2)
    if inp_dim == 3:
        _warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (4, 5):
        _warnings.warn(
            "dropout3d: Received a %d-D input to dropout3d, which is deprecated and will result in "
            "an error in a future release. To retain the behavior and silence this warning, please "
            "use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
            "inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
            "(i.e. 4D or 5D inputs)." % inp_dim, stacklevel=2)
    is_batched = inp_dim == 5
    if not is_batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, inplace, feature=True)
    if not is_batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


# ------------------------------------------------------------------ one_hot, normalize
def one_hot(tensor, num_classes=-1):
    if not isinstance(tensor, _Tensor):
        raise TypeError("one_hot(): argument 'input' (position 1) must be _Tensor, not %s"
                        % type(tensor).__name__)
    if tensor._dtype is not _D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    xp = _xp(a)
    if a.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _Tensor._make(xp.zeros(a.shape + (int(num_classes),), _np.int64), _D.int64)
    if int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(a.max()) + 1
    elif num_classes < -1:
        raise RuntimeError("num_classes should be positive")
    elif int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(a.shape + (int(num_classes),), _np.int64)
    _np.put_along_axis(out, a[..., None], 1, axis=-1)
    return _Tensor._make(out, _D.int64)


class _VectorNorm(_Op):
    """p-norm over `dims` (keepdim); a stand-in while Tensor.norm is missing."""
    grad_name = "LinalgVectorNormBackward0"
    save = (0,)
    save_output = True
    dtype_rule = "keep"

    def forward(ctx, x, p, dims):
        a = _np.abs(x)
        if p == _math.inf:
            return _np.max(a, axis=dims, keepdims=True)
        if p == 2:
            return _np.sqrt(_np.sum(a * a, axis=dims, keepdims=True))
        if p == 1:
            return _np.sum(a, axis=dims, keepdims=True)
        return _np.sum(a ** p, axis=dims, keepdims=True) ** (1.0 / p)

    def backward(ctx, g):
        x = ctx.saved_tensors[0]
        n = ctx.output
        p = ctx.params["p"]
        xa, na = x._data, n._data
        with _np.errstate(divide="ignore", invalid="ignore"):
            if p == _math.inf:
                d = (_np.abs(xa) == na) * _np.sign(xa)
                d = d / _np.maximum(_np.sum(_np.abs(xa) == na, axis=ctx.params["dims"],
                                          keepdims=True), 1)
            elif p == 1:
                d = _np.sign(xa)
            else:
                d = _np.sign(xa) * _np.abs(xa) ** (p - 1) / na ** (p - 1)
            d = _np.where(na == 0, 0, d)
        return g * _const(d, x._dtype)


def _norm_keepdim(input, p, dim):
    if hasattr(_Tensor, "norm"):
        return input.norm(p, dim, keepdim=True)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(d % input.dim() for d in dims) if input.dim() else ()
    return _apply(_VectorNorm, input, p=float(p), dims=dims)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = _norm_keepdim(input, p, dim).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return out.copy_(input / denom)


# ------------------------------------------------------------------ pad
class _ConstantPad(_Op):
    """Pad (or crop, for negative amounts) each dim by pads[d] = (before, after)."""
    grad_name = "ConstantPadNdBackward0"
    dtype_rule = "keep"

    def forward(ctx, x, pads, value):
        crop = tuple(slice(-b if b < 0 else 0, x.shape[d] + a if a < 0 else x.shape[d])
                     for d, (b, a) in enumerate(pads))
        x = x[crop]
        widths = [(max(b, 0), max(a, 0)) for b, a in pads]
        if any(w != (0, 0) for w in widths):
            return _np.pad(x, widths, mode="constant", constant_values=value)
        return x.copy()

    def backward(ctx, g):
        pads = tuple((-b, -a) for b, a in ctx.params["pads"])
        return _apply(_ConstantPad, g, pads=pads, value=0)


class _IndexPad(_Op):
    """out = x taken along each padded dim through an index map (reflect,
    replicate, circular)."""
    grad_name = "IndexPadBackward0"
    dtype_rule = "keep"

    def forward(ctx, x, maps):
        xp = _xp(x)
        for d, idx in maps:
            x = _np.take(x, xp.asarray(idx), axis=d)   # the index maps are built on the host
        return x

    def backward(ctx, g):
        return _apply(_IndexPadBackward, g, maps=ctx.params["maps"],
                     shape=ctx.inputs_meta[0][0])


class _IndexPadBackward(_Op):
    grad_name = "IndexPadBackwardBackward0"
    dtype_rule = "keep"

    def forward(ctx, g, maps, shape):
        xp = _xp(g)
        for d, idx in reversed(maps):
            out_shape = list(g.shape)
            out_shape[d] = shape[d]
            acc = xp.zeros(out_shape, g.dtype)
            moved = _np.moveaxis(acc, d, 0)
            ufunc_at(_np.add, moved, xp.asarray(idx), _np.moveaxis(g, d, 0))
            g = acc
        return g

    def backward(ctx, gg):
        return _apply(_IndexPad, gg, maps=ctx.params["maps"])


_PAD_OPS = {}


def _pad_op(mode, k):
    """The IndexPad op named as PyTorch names the node (ReflectionPad2dBackward0...)."""
    key = (mode, k)
    op = _PAD_OPS.get(key)
    if op is None:
        prefix = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode]
        name = "%sPad%dD" % (prefix, k)
        op = type("_" + name, (_IndexPad,), {"grad_name": name + "Backward0"})
        _PAD_OPS[key] = op
    return op


def _pad_index(mode, size, before, after, d, shape):
    i = _np.arange(-before, size + after)
    if mode == "reflect":
        if before >= size or after >= size:
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input dimension, "
                "but got: padding (%d, %d) at dimension %d of input %s"
                % (before, after, d, list(shape)))
        i = _np.abs(i)
        i = _np.where(i > size - 1, 2 * (size - 1) - i, i)
    elif mode == "replicate":
        if size == 0:
            raise RuntimeError("padding size is expected to be less than input size")
        i = _np.clip(i, 0, size - 1)
    else:  # circular
        if before > size or after > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        i = _np.mod(i, size)
    return i


def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length %d and input of dimension %d"
                           % (len(pad), input.dim()))
    pad = [int(p) for p in pad]
    n = input.dim()
    shape = tuple(input.shape)
    if mode == "constant":
        pads = [(0, 0)] * n
        for k in range(len(pad) // 2):
            d = n - 1 - k
            b, a = pad[2 * k], pad[2 * k + 1]
            if shape[d] + b + a < 0:
                raise RuntimeError(
                    "The input size %d, plus negative padding %d and %d resulted in a negative "
                    "output size, which is invalid. Check dimension %d of your input."
                    % (shape[d], b, a, d))
            pads[d] = (b, a)
        return _apply(_ConstantPad, input, pads=tuple(pads), value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError("Unrecognised padding mode %s" % mode)
    if value is not None and value != 0:
        raise RuntimeError('Padding mode "%s"" doesn\'t take in value argument.' % mode)
    k = len(pad) // 2
    if not (k in (1, 2, 3) and n in (k + 1, k + 2)):
        raise NotImplementedError(
            "Padding size %d is not supported for %dD input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)" % (len(pad), n))
    maps = []
    for j in range(k):
        d = n - 1 - j
        b, a = pad[2 * j], pad[2 * j + 1]
        if b == 0 and a == 0:
            continue
        maps.append((d, _pad_index(mode, shape[d], b, a, d, shape)))
    if not maps:
        return input.clone()
    return _apply(_pad_op(mode, k), input, maps=tuple(maps))


def _load_families():
    """Re-export the functional families that live in ember/nn/_functional/."""
    import importlib
    from ._functional import FAMILIES
    g = globals()
    for family in FAMILIES:
        try:
            mod = importlib.import_module("._functional." + family, __package__)
        except ModuleNotFoundError as e:
            if e.name != __package__ + "._functional." + family:
                raise
            continue
        for name in getattr(mod, "__all__", ()):
            g[name] = getattr(mod, name)


_load_families()
