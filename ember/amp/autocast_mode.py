"""torch.autocast: ops run in a lower precision (or float32) by op family.

While autocast is enabled for a device, a dispatch interceptor casts the
floating-point tensor inputs of the listed ops (PyTorch's CPU lists):

- lower precision (the autocast dtype, bfloat16 by default on the CPU):
  matmul, mm, bmm, baddbmm, addmm, addbmm, linear, conv*, conv_transpose*,
  prelu, scaled_dot_product_attention / multi-head attention, einsum,
  the LSTM and plain RNN layers;
- float32: the losses, prod, cdist, inverse/solve/cholesky/eigh/svd/qr,
  reflection/replication padding, the 3-d pools, max_unpool, local
  response norm;
- widest input type: cat, stack, index_copy.

On CUDA (PyTorch's CUDA lists) exp, log, pow, sum, cumsum, softmax,
log_softmax, logsumexp, layer_norm, group_norm, norms and the losses run in
float32, mv, addmv and the RNN cells in lower precision (float16 by
default), dot, addcmul, addcdiv, atan2, cross, index_put and scatter_add in
the widest input type, and binary_cross_entropy raises (PyTorch's "unsafe
to autocast" error).
Everything else runs in the dtype of its inputs. float64 tensors are never
cast, nor are tensors on another device than the one autocast is for. The
casts are ordinary `Cast` ops, so gradients flow back to the parameters in
their own dtype. Casts of float32 leaf tensors that require grad (the
weights) are cached until the outermost autocast region exits.

The interceptor is registered only while autocast is enabled somewhere;
with autocast off the dispatch funnel runs exactly as before.
"""
import copy
import functools
import threading
import warnings

import numpy as np

from .. import _dispatch
from .. import _dtype as D
from .._grad_mode import state as _grad_state

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available"]

# ---------------------------------------------------------------- devices
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")
# the device types autocast knows, with their default lower-precision dtype
_DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16", "mps": "float16", "xpu": "float16",
                  "hpu": "bfloat16", "xla": "bfloat16", "ipu": "float16", "mtia": "float16",
                  "privateuseone": "float16"}


def _check_device_type(device_type):
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError("Expected one of %s device type at start of device string: %s"
                           % (", ".join(_DEVICE_TYPES), device_type))


def _autocast_device(device_type, what):
    if not isinstance(device_type, str):
        raise TypeError("%s(): argument 'device_type' (position 1) must be str, not %s"
                        % (what, type(device_type).__name__))
    _check_device_type(device_type)
    if device_type not in _DEFAULT_DTYPE:
        raise RuntimeError("unknown device type for autocast in "
                           "get_autocast_dispatch_key_from_device_type")
    return device_type


def is_autocast_available(device_type):
    """Whether autocast is supported for `device_type` (a device type string)."""
    _check_device_type(device_type)
    return device_type in _DEFAULT_DTYPE


# ---------------------------------------------------------------- state (per thread, as PyTorch's)
class _State(threading.local):
    def __init__(self):
        self.enabled = {}        # device type -> bool
        self.dtype = {}          # device type -> dtype
        self.cache_enabled = True
        self.nesting = 0
        self.cache = {}          # id(weight) -> (weight, its cast)


_tls = _State()
_lock = threading.Lock()
_enabled_count = [0]             # (thread, device) pairs with autocast on, all threads together


def _dtype_of(device_type):
    d = _tls.dtype.get(device_type)
    if d is None:
        d = getattr(D, _DEFAULT_DTYPE[device_type])
    return d


def _set_enabled(device_type, flag):
    flag = bool(flag)
    old = _tls.enabled.get(device_type, False)
    if old == flag:
        return
    _tls.enabled[device_type] = flag
    with _lock:
        _enabled_count[0] += 1 if flag else -1
        _sync_interceptor()


def _sync_interceptor():
    hooks = _dispatch.interceptors
    present = _intercept in hooks
    if _enabled_count[0] > 0 and not present:
        hooks.insert(0, _intercept)   # before the profiler's: it sees the cast inputs
    elif _enabled_count[0] <= 0 and present:
        hooks.remove(_intercept)


# ---------------------------------------------------------------- the torch.* functions
_NO_ARG = object()


def is_autocast_enabled(device_type=_NO_ARG):
    """Whether autocast is enabled for `device_type` (without argument: for 'cuda')."""
    if device_type is _NO_ARG:
        device_type = "cuda"
    _autocast_device(device_type, "is_autocast_enabled")
    return _tls.enabled.get(device_type, False)


def set_autocast_enabled(*args):
    """set_autocast_enabled(device_type, enabled), or set_autocast_enabled(enabled) for 'cuda'."""
    if len(args) == 1:
        device_type, enabled, pos = "cuda", args[0], 1
    elif len(args) == 2:
        device_type, enabled, pos = args[0], args[1], 2
        _autocast_device(device_type, "set_autocast_enabled")
    else:
        raise TypeError("set_autocast_enabled() takes 1 or 2 arguments (%d given)" % len(args))
    if not isinstance(enabled, bool):
        raise TypeError("set_autocast_enabled(): argument 'enabled' (position %d) must be bool, "
                        "not %s" % (pos, type(enabled).__name__))
    _set_enabled(device_type, enabled)


def get_autocast_dtype(device_type):
    """The dtype autocast casts to on `device_type`."""
    if not isinstance(device_type, str):
        raise TypeError("get_autocast_dtype(): argument 'device_type' (position 1) must be str, "
                        "not %s" % type(device_type).__name__)
    _check_device_type(device_type)
    if device_type not in _DEFAULT_DTYPE:
        raise RuntimeError("unsupported scalarType")
    return _dtype_of(device_type)


def set_autocast_dtype(device_type, dtype):
    _autocast_device(device_type, "set_autocast_dtype")
    if not isinstance(dtype, D.dtype):
        raise TypeError("set_autocast_dtype(): argument 'dtype' (position 2) must be torch.dtype, "
                        "not %s" % type(dtype).__name__)
    _tls.dtype[device_type] = dtype


def _deprecated(old, new):
    warnings.warn("torch.%s is deprecated. Please use torch.%s instead." % (old, new),
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype):
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype):
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


def _device_fns(device_type):
    def is_enabled():
        _deprecated("is_autocast_%s_enabled()" % device_type,
                    "is_autocast_enabled('%s')" % device_type)
        return is_autocast_enabled(device_type)

    def set_enabled(enabled):
        _deprecated("set_autocast_%s_enabled(enabled)" % device_type,
                    "set_autocast_enabled('%s', enabled)" % device_type)
        set_autocast_enabled(device_type, enabled)

    def get_dtype():
        _deprecated("get_autocast_%s_dtype()" % device_type,
                    "get_autocast_dtype('%s')" % device_type)
        return get_autocast_dtype(device_type)

    def set_dtype(dtype):
        _deprecated("set_autocast_%s_dtype(dtype)" % device_type,
                    "set_autocast_dtype('%s', dtype)" % device_type)
        set_autocast_dtype(device_type, dtype)
    return is_enabled, set_enabled, get_dtype, set_dtype


(is_autocast_ipu_enabled, set_autocast_ipu_enabled, get_autocast_ipu_dtype,
 set_autocast_ipu_dtype) = _device_fns("ipu")
(is_autocast_xla_enabled, set_autocast_xla_enabled, get_autocast_xla_dtype,
 set_autocast_xla_dtype) = _device_fns("xla")


def is_autocast_cache_enabled():
    return _tls.cache_enabled


def set_autocast_cache_enabled(enabled):
    if not isinstance(enabled, bool):
        raise TypeError("set_autocast_cache_enabled(): argument 'enabled' (position 1) must be "
                        "bool, not %s" % type(enabled).__name__)
    _tls.cache_enabled = enabled


def clear_autocast_cache():
    _tls.cache.clear()


def autocast_increment_nesting():
    _tls.nesting += 1
    return _tls.nesting


def autocast_decrement_nesting():
    _tls.nesting -= 1
    return _tls.nesting


# ---------------------------------------------------------------- the context manager
class autocast:
    """Context manager (and decorator) under which the listed ops run in a
    lower precision (`dtype`, default: bfloat16 on 'cpu', float16 on 'cuda')
    or in float32, as PyTorch's autocast does.

        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(x)          # linear/conv/matmul in bfloat16
            loss = loss_fn(out, y)  # losses in float32
        loss.backward()             # gradients in the parameters' dtype
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError("Expected `device_type` of type `str`, got: `%s`" % type(device_type))
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None \
            else bool(cache_enabled)
        if device_type == "cpu":
            if enabled and self.fast_dtype not in (D.bfloat16, D.float16):
                warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                              "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                              "torch.float16 currently.", stacklevel=2)
                enabled = False
        elif device_type == "cuda":
            if enabled and not _cuda_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              stacklevel=2)
                enabled = False
            elif enabled and self.fast_dtype not in (D.bfloat16, D.float16):
                warnings.warn("In CUDA autocast, but the target dtype is not supported. Disabling "
                              "autocast.\nCUDA Autocast only supports dtypes of torch.float16 and "
                              "torch.bfloat16 currently.", stacklevel=2)
                enabled = False
        elif device_type in ("mps", "xpu", "hpu", "xla", "ipu", "mtia", "privateuseone"):
            if enabled and self.fast_dtype not in (D.bfloat16, D.float16):
                warnings.warn("In %s autocast, but the target dtype is not supported. Disabling "
                              "autocast." % device_type.upper(), stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        _tls.dtype[self.device] = self.fast_dtype
        autocast_increment_nesting()
        _tls.cache_enabled = self._cache_enabled
        _set_enabled(self.device, self._enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        _set_enabled(self.device, self.prev)
        _tls.dtype[self.device] = self.prev_fastdtype
        _tls.cache_enabled = self.prev_cache_enabled
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with copy.copy(self):   # a fresh region per call (recursion-safe)
                return func(*args, **kwargs)
        decorate_autocast.__script_unsupported = (
            "@autocast() decorator is not supported in script mode")
        return decorate_autocast

    def __repr__(self):
        return "<torch.amp.autocast_mode.autocast object at %#x>" % id(self)



def _cuda_available():
    try:
        from .. import cuda
        return cuda.is_available()
    except Exception:   # pragma: no cover - no cuda module at all
        return False


# ---------------------------------------------------------------- custom_fwd / custom_bwd
def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom autograd Function's forward: with cast_inputs,
    floating inputs are cast to it and forward runs with autocast off."""
    if not isinstance(device_type, str):
        raise ValueError("Expected `device_type` of type `str`, got: `%s`" % type(device_type))
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = False
        if autocast_context:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs),
                           **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom autograd Function's backward: it runs with the
    autocast state its forward ran with."""
    if not isinstance(device_type, str):
        raise ValueError("Expected `device_type` of type `str`, got: `%s`" % type(device_type))
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd


def _cast(value, device_type, dtype):
    Tensor = _dispatch.Tensor
    if isinstance(value, Tensor):
        if (value.is_floating_point() and value._dtype is not D.float64
                and _device_type_of(value) == device_type):
            return value.to(dtype)
        return value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {k: _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


# ---------------------------------------------------------------- the op lists
LOWER, FP32, PROMOTE, BANNED = "lower", "fp32", "promote", "banned"
_BANNED_MESSAGE = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast.")


def _has_lower(inputs):
    Tensor = _dispatch.Tensor
    return any(isinstance(x, Tensor) and x._dtype in (D.bfloat16, D.float16) for x in inputs)


def _rnn_layer(params, inputs):
    # GRU's fused kernel is not on the list; fed a lower-precision input it
    # runs as its lower-precision parts (PyTorch decomposes it into linears)
    if params.get("mode") == "GRU":
        return LOWER if _has_lower(inputs) else None
    return LOWER


def _rnn_cell(params, inputs):
    if params.get("mode") in ("RNN_TANH", "RNN_RELU"):
        return LOWER
    return LOWER if _has_lower(inputs) else None


# Op classes by name (the dynamically named ones included: pads, pools).
_BY_NAME = {
    # matmul family, linear, convolutions, attention: lower precision
    "Matmul": LOWER, "Mm": LOWER, "Bmm": LOWER, "Mv": LOWER, "Dot": LOWER, "VecMat": LOWER,
    "Addmm": LOWER, "Baddbmm": LOWER, "_Einsum": LOWER,
    "_Linear": LOWER, "_Mm": LOWER, "_LinearND": LOWER, "_Linear1D": LOWER, "_PRelu": LOWER,
    "_Conv": LOWER, "_ConvInput": LOWER,
    "_Attention": LOWER, "_AttentionMath": LOWER,
    "RNNLayer": _rnn_layer, "RNNLayerCopy": _rnn_layer, "RNNCellStep": _rnn_cell,
    # float32
    "Prod": FP32, "ProdDim": FP32, "Cdist": FP32,
    "Inv": FP32, "Solve": FP32, "Cholesky": FP32, "Eigh": FP32, "Svd": FP32, "Qr": FP32,
    "_ReflectionPad1D": FP32, "_ReflectionPad2D": FP32, "_ReplicationPad1D": FP32,
    "_ReplicationPad2D": FP32, "_ReplicationPad3D": FP32,
    "_MaxPool3DWithIndicesBackward0": FP32, "_AvgPool3DBackward0": FP32,
    "_AdaptiveAvgPool3DBackward0": FP32, "_AdaptiveMaxPool3DBackward0": FP32,
    "_MaxUnpool2DBackward0": FP32, "_MaxUnpool3DBackward0": FP32,
    "_ChannelWindowSum": FP32,
    # widest input type
    "Cat": PROMOTE, "Stack": PROMOTE, "IndexCopy": PROMOTE,
}
_EXCLUDED = {"Addmv"}                                       # subclasses that stay as they are
_FP32_MODULES = ("ember.nn._functional.loss",)              # every op there is a loss

# CUDA's lists differ: more ops run in float32 (exp, log, pow, sum, softmax,
# layer_norm...), and mv, addmv and the RNN cells run in lower precision.
_CUDA_BY_NAME = dict(_BY_NAME)
_CUDA_BY_NAME.update({name: FP32 for name in (
    "Exp", "Expm1", "Log", "Log2", "Log10", "Log1p", "Reciprocal", "Rsqrt", "Sinh", "Cosh", "Tan",
    "Acos", "Asin", "Erfinv", "Pow", "PowTensor", "PowScalarBase", "Square", "_Softplus",
    "_LayerNorm", "_GroupNorm", "Norm", "NuclearNorm", "_VectorNorm", "VectorNorm", "Dist",
    "_Pdist", "Sum", "SumDim", "Cumsum", "Cumprod", "Softmax", "LogSoftmax")})
_CUDA_BY_NAME.update({"Addmv": LOWER, "RNNLayer": LOWER, "RNNLayerCopy": LOWER,
                      "RNNCellStep": LOWER, "Logsumexp": FP32, "Dot": PROMOTE,
                      "Addcmul": PROMOTE, "Addcdiv": PROMOTE, "Atan2": PROMOTE, "Cross": PROMOTE,
                      "IndexPut": PROMOTE, "ScatterAdd": PROMOTE, "_BCELoss": BANNED})
for _name in ("_ReflectionPad1D", "_ReflectionPad2D", "_ReplicationPad1D", "_ReplicationPad2D",
              "_ReplicationPad3D", "_MaxPool3DWithIndicesBackward0", "_AvgPool3DBackward0",
              "_AdaptiveAvgPool3DBackward0", "_AdaptiveMaxPool3DBackward0",
              "_MaxUnpool2DBackward0", "_MaxUnpool3DBackward0", "_ChannelWindowSum", "Inv",
              "Solve", "Cholesky", "Eigh", "Svd", "Qr"):
    _CUDA_BY_NAME.pop(_name, None)
_TABLES = {"cpu": (_BY_NAME, _EXCLUDED), "cuda": (_CUDA_BY_NAME, set())}
_resolved = {}


def _policy_of(op, device="cpu"):
    key = (op, device)
    try:
        return _resolved[key]
    except KeyError:
        pass
    table, excluded = _TABLES.get(device, _TABLES["cpu"])
    policy = None
    if table.get(op.__name__) == BANNED:
        policy = BANNED
    elif op.__module__ in _FP32_MODULES:
        policy = FP32
    else:
        for cls in op.__mro__:
            if cls is _dispatch.Op or cls is object:
                break
            name = cls.__name__
            if name in excluded:
                break
            if name in table:
                policy = table[name]
                break
    _resolved[key] = policy
    return policy


def _device_type_of(t):
    return "cpu" if isinstance(t._data, np.ndarray) else "cuda"


def _cast_one(x, target, cacheable):
    from .._ops.pointwise import Cast
    if cacheable and _tls.cache_enabled and x._requires_grad and x._grad_fn is None \
            and x._base is None and x._dtype is D.float32 and _grad_state.enabled:
        hit = _tls.cache.get(id(x))
        if hit is not None and hit[0] is x and hit[1]._dtype is target:
            return hit[1]
        y = _dispatch.apply(Cast, x, dtype=target)
        _tls.cache[id(x)] = (x, y)
        return y
    return _dispatch.apply(Cast, x, dtype=target)


def _intercept(op, inputs, params):
    """The dispatch interceptor: the inputs of a listed op, cast."""
    Tensor = _dispatch.Tensor
    for x in inputs:
        if isinstance(x, Tensor):
            device = "cpu" if isinstance(x._data, np.ndarray) else "cuda"
            break
    else:
        return None
    policy = _policy_of(op, device)
    if policy is None:
        return None
    if policy == BANNED:
        if _tls.enabled.get(device):
            raise RuntimeError(_BANNED_MESSAGE)
        return None
    if not isinstance(policy, str):
        policy = policy(params, inputs)
        if policy is None:
            return None
    enabled = _tls.enabled
    out = None
    if policy == PROMOTE:
        widest = None
        for x in inputs:
            if isinstance(x, Tensor) and x._dtype.category == D.FLOAT \
                    and enabled.get(_device_type_of(x)):
                widest = x._dtype if widest is None else D.promote_types(widest, x._dtype)
        if widest is None:
            return None
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor) and x._dtype.category == D.FLOAT and x._dtype is not widest \
                    and enabled.get(_device_type_of(x)):
                if out is None:
                    out = list(inputs)
                out[i] = _cast_one(x, widest, False)
    else:
        for i, x in enumerate(inputs):
            if not isinstance(x, Tensor):
                continue
            d = x._dtype
            if d.category != D.FLOAT or d is D.float64:
                continue
            dev = _device_type_of(x)
            if not enabled.get(dev):
                continue
            target = _dtype_of(dev) if policy == LOWER else D.float32
            if d is target:
                continue
            if out is None:
                out = list(inputs)
            out[i] = _cast_one(x, target, policy == LOWER)
    if out is None:
        return None
    return tuple(out), params


def _is_any_autocast_enabled():
    """Whether autocast is enabled for any device in this thread
    (torch._C._is_any_autocast_enabled)."""
    return any(_tls.enabled.values())


def cast_inputs(op, *tensors, **params):
    """`tensors` as autocast casts them for `op` called with `params`
    (unchanged when autocast is off). For front ends whose dtype checks must
    see autocast's dtypes (PyTorch casts before its checks): call it where a
    dtype mismatch would raise, then check again."""
    if _intercept not in _dispatch.interceptors:
        return tensors
    r = _intercept(op, tensors, params)
    return tensors if r is None else r[0]
