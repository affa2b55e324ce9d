"""torch.nn.init: weight initialisers.

Each one fills its tensor in place under no_grad and draws from the random
stream exactly as PyTorch does (same calls, same order, same sizes), so a
seeded initialisation gives PyTorch's values.
"""
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._backends import xp as _xp
from .._grad_mode import no_grad
from .._tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "orthogonal_", "sparse_", "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
    "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
]


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (see torch.nn.init.calculate_gain)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError("negative_slope %s not a valid number" % (param,))
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError("Unsupported nonlinearity %s" % (nonlinearity,))


def _calculate_fan_in_and_fan_out(tensor):
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    num_input_fmaps = tensor.size(1)
    num_output_fmaps = tensor.size(0)
    receptive_field_size = 1
    if dimensions > 2:
        for s in tensor.shape[2:]:
            receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError("Mode %s not supported, please use one of %s" % (mode, valid_modes))
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _no_grad_uniform_(tensor, a, b, generator=None):
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def _no_grad_normal_(tensor, mean, std, generator=None):
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def _no_grad_fill_(tensor, val):
    with no_grad():
        return tensor.fill_(val)


def _no_grad_zero_(tensor):
    with no_grad():
        return tensor.zero_()


def _write(tensor, array):
    """Copy an array (host or device) into tensor's memory (no graph)."""
    with no_grad():
        from .._dispatch import write_into
        write_into(tensor, array)
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _no_grad_uniform_(tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _no_grad_normal_(tensor, mean, std, generator)


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _as_dtype_value(x, dtype):
    """x rounded to `dtype` and back to a Python number."""
    if dtype is D.bfloat16:
        return float(D.round_bfloat16(np.array(x, np.float32)))
    return np.array(x, dtype.np).item()


def _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=None):
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    dt = tensor._dtype
    with no_grad():
        p = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
        if p > 0.3:
            # rejection sampling from normals; rejected places redrawn from full-size batches
            lo = _as_dtype_value(a, dt)
            hi = _as_dtype_value(b, dt)
            tensor.normal_(mean, std, generator=generator)
            result = tensor._data.copy()
            while True:
                mask = (result < lo) | (result > hi)
                if not mask.any():
                    break
                fresh = _empty_like(tensor).normal_(mean, std, generator=generator)._data
                result = _xp(result).where(mask, fresh, result)
            _write(tensor, result)
        else:
            # uniform proposals on [a, b], accepted with the normal density ratio
            mode = max(a, min(mean, b))
            log_peak = -0.5 * ((mode - mean) / std) ** 2
            accept_buf = _empty_like(tensor)
            tensor.uniform_(a, b, generator=generator)
            cand = _log_pdf(tensor._data.copy(), mean, std, log_peak, dt)
            pending = _log_uniform(accept_buf, generator) > cand
            if pending.any():
                result = tensor._data.copy()
                proposal = _empty_like(tensor)
                while True:
                    proposal.uniform_(a, b, generator=generator)
                    xp = _xp(result)
                    result = xp.where(pending, proposal._data, result)
                    cand = _log_pdf(proposal._data.copy(), mean, std, log_peak, dt)
                    pending = xp.where(pending, _log_uniform(accept_buf, generator) > cand, pending)
                    if not pending.any():
                        break
                _write(tensor, result)
    return tensor


def _empty_like(t):
    return Tensor._make(_xp(t._data).empty(t._data.shape, t._data.dtype), t._dtype)


def _log_pdf(c, mean, std, log_peak, dt):
    """-0.5 * ((c - mean) / std) ** 2 - log_peak, step by step in the tensor's dtype."""
    tp = c.dtype.type
    c = (c - tp(mean)) / tp(std)
    c = c ** 2
    c = c * tp(-0.5)
    c = c - tp(log_peak)
    if dt is D.bfloat16:
        c = D.round_bfloat16(c)
    return c


def _log_uniform(buf, generator):
    buf.uniform_(generator=generator)
    with np.errstate(divide="ignore"):
        out = np.log(buf._data)
    if buf._dtype is D.bfloat16:
        out = D.round_bfloat16(out)
    return out


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Normal(mean, std) truncated to [a, b]."""
    return _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=generator)


def constant_(tensor, val):
    return _no_grad_fill_(tensor, val)


def ones_(tensor):
    return _no_grad_fill_(tensor, 1.0)


def zeros_(tensor):
    return _no_grad_zero_(tensor)


def eye_(tensor):
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, _xp(tensor._data).eye(*tensor.shape, dtype=tensor._data.dtype))


def dirac_(tensor, groups=1):
    dimensions = tensor.ndimension()
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.size()
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    a = np.zeros(tuple(sizes), tensor._data.dtype)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            a[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, a)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _no_grad_uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _no_grad_normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    with no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    with no_grad():
        return tensor.normal_(0, std, generator=generator)


def orthogonal_(tensor, gain=1, generator=None):
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    xp = _xp(tensor._data)
    flat = Tensor._make(xp.empty((rows, cols), tensor._data.dtype), tensor._dtype)
    flat.normal_(0, 1, generator=generator)
    m = flat._data
    if rows < cols:
        m = m.T
    # (asarray: a no-op on CuPy's plain tuple; the simulated CuPy passes NumPy's named tuple through)
    q, r = (xp.asarray(v) for v in xp.linalg.qr(m.astype(np.float64) if m.dtype != np.float64 else m))
    ph = xp.sign(xp.diagonal(r))
    q = q * ph
    if rows < cols:
        q = q.T
    q = (q * gain).astype(tensor._data.dtype)
    return _write(tensor, q.reshape(tuple(tensor.shape)))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    from .._ops.random import randperm
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        a = tensor._data.copy()
        for col_idx in range(cols):
            row_indices = randperm(rows)._data      # on the CPU, as PyTorch draws them
            a[_xp(a).asarray(row_indices[:num_zeros]), col_idx] = 0
        _write(tensor, a)
    return tensor


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn("`nn.init.%s` is now deprecated in favor of `nn.init.%s`."
                      % (old_name, new_name), FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
