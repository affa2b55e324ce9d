"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm,
clip_grads_with_norm_.

Works foreach-style on the gradients' arrays: one norm per tensor, then one
combining norm over those, and the scaling is written in place into each
gradient (under no_grad, bumping its version as an in-place op would).
Numerics follow PyTorch's CPU kernels: half-precision norms accumulate in
float32; the clip coefficient is computed on the total norm's dtype as
`max_norm * (total + 1e-6).reciprocal()` clamped at 1, then multiplied into
each gradient at that gradient's compute precision.
"""
import functools
import types
import warnings

import numpy as np

from ... import _dtype as D
from ..._backends import xp as _xp
from ..._dispatch import wrap
from ..._grad_mode import no_grad
from ..._tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _no_grad(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with no_grad():
            return fn(*args, **kwargs)
    return wrapper


# the dtype each storage dtype computes in (PyTorch's opmath type)
def _compute_np(dtype):
    if dtype is D.float16 or dtype is D.bfloat16:
        return np.dtype(np.float32)
    return dtype.np


def _check_foreach(tensors, foreach):
    if foreach:
        for t in tensors:
            dev = t.device
            if dev.type not in ("cpu", "cuda"):
                raise RuntimeError("foreach=True was passed, but can't use the foreach API on %s "
                                   "tensors" % dev.type)


def _norm_of(a, p):
    """The p-norm of every element of array `a`, as a 0-d array of a's (real) dtype."""
    xp = _xp(a)
    f = a.reshape(-1)
    if f.size == 0:
        return xp.zeros((), dtype=f.real.dtype if f.dtype.kind == "c" else f.dtype)
    if f.dtype.kind == "c":
        f = xp.abs(f)
    if p == 2.0:
        return xp.sqrt(f.dot(f))
    af = xp.abs(f)
    if p == 1.0:
        return af.sum()
    if p == float("inf"):
        return af.max()
    if p == float("-inf"):
        return af.min()
    if p == 0.0:
        return (af != 0).sum().astype(af.dtype)
    return (af ** p).sum() ** (1.0 / p)


def _norms(tensors, p):
    """Per-tensor norms as (arrays, dtypes); half precision computes in float32."""
    out, dtypes = [], []
    for t in tensors:
        dt = t._dtype.to_real()
        a = t._data
        cdt = _compute_np(dt)
        if a.dtype != cdt and a.dtype.kind != "c":
            a = a.astype(cdt)
        n = _norm_of(a, p)
        out.append(n)
        dtypes.append(dt)
    return out, dtypes


def _as_list(tensors):
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


@_no_grad
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of `tensors` (as if they were concatenated into one vector)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        from ..._creation import tensor
        return tensor(0.0)
    _check_foreach(tensors, foreach)
    first = tensors[0]
    d0 = first._dtype
    if (d0 is D.float32 or d0 is D.float64) and all(
            t._dtype is d0 and type(t._data) is np.ndarray for t in tensors):
        # the common case: one vector of per-tensor norms, filled in place
        out_dtype = d0
        vec = np.empty(len(tensors), dtype=d0.np)
        if norm_type == 2.0:
            for i, t in enumerate(tensors):
                f = t._data.reshape(-1)
                vec[i] = f.dot(f)
            np.sqrt(vec, out=vec)
        else:
            for i, t in enumerate(tensors):
                vec[i] = _norm_of(t._data, norm_type)
        xp = np
    else:
        norms, dtypes = _norms(tensors, norm_type)
        # torch.stack promotes the per-tensor norms to one dtype
        out_dtype = dtypes[0]
        for d in dtypes[1:]:
            if d is not out_dtype:
                out_dtype = D.promote_types(out_dtype, d)
        xp = _xp(first._data)
        cdt = _compute_np(out_dtype)
        if out_dtype is D.float16:
            # each norm is rounded to half before being stacked
            vec = xp.stack([xp.asarray(n).astype(np.float16) for n in norms]).astype(cdt)
        elif out_dtype is D.bfloat16:
            vec = D.round_bfloat16(xp.stack([xp.asarray(n, dtype=np.float32) for n in norms]))
        else:
            vec = xp.stack([xp.asarray(n).astype(cdt, copy=False) for n in norms])
    total = _norm_of(vec, norm_type)
    total_norm = wrap(xp.asarray(total), out_dtype)
    if error_if_nonfinite:
        v = float(total_norm.item())
        if v != v or v in (float("inf"), float("-inf")):
            raise RuntimeError(
                "The total norm of order %s for gradients from `parameters` is non-finite, so it "
                "cannot be clipped. To disable this error and scale the gradients by the non-finite "
                "norm anyway, set `error_if_nonfinite=False`" % norm_type)
    return total_norm


def _scale_(g, coef):
    """g *= coef in place, at g's compute precision (coef: a 0-d array)."""
    a = g._data
    dt = g._dtype
    c = coef.astype(_compute_np(dt.to_real()), copy=False)
    if dt is D.bfloat16:
        a[...] = D.round_bfloat16(a * c)
    elif dt is D.float16:
        a[...] = a.astype(np.float32) * c
    else:
        _xp(a).multiply(a, c, out=a, casting="unsafe")
    g._version_counter.value += 1


@_no_grad
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of `parameters` by min(1, max_norm / (total_norm + 1e-6))."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    _check_foreach(grads, foreach)
    if not isinstance(total_norm, Tensor):
        from ..._creation import tensor
        total_norm = tensor(total_norm)
    # PyTorch evaluates `max_norm / (total + 1e-6)` as reciprocal() * max_norm
    clip_coef = (total_norm + 1e-6).reciprocal() * max_norm
    clip_coef_clamped = clip_coef.clamp(max=1.0)
    coef = clip_coef_clamped._data
    if type(coef) is np.ndarray and coef == 1.0:
        # multiplying by exactly one changes no value: only mark the in-place write
        for g in grads:
            g._version_counter.value += 1
        return
    for g in grads:
        c = coef
        if type(g._data) is not type(coef):
            c = clip_coef_clamped.to(g.device)._data
        _scale_(g, c)


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradient norm of an iterable of parameters (in place); returns the
    total norm of the gradients (viewed as a single vector), before clipping."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of clip_grad_norm_."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of `parameters` into [-clip_value, clip_value] (in place)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    _check_foreach(grads, foreach)
    bounds = {}
    for g in grads:
        a = g._data
        xp = _xp(a)
        if g._dtype is D.bfloat16:
            a[...] = D.round_bfloat16(xp.minimum(xp.maximum(a, -clip_value), clip_value))
        else:
            key = (xp, a.dtype)
            b = bounds.get(key)
            if b is None:  # 0-d arrays of the gradient's dtype: the fastest ufunc operands
                b = bounds[key] = (xp.asarray(-clip_value, dtype=a.dtype),
                                   xp.asarray(clip_value, dtype=a.dtype))
            if a.size > 512:  # clip is one vectorised pass; maximum+minimum win on tiny arrays
                xp.clip(a, b[0], b[1], out=a)
            else:
                xp.maximum(a, b[0], out=a)
                xp.minimum(a, b[1], out=a)
        g._version_counter.value += 1


# the names PyTorch's clip_grad module uses for the two helpers
_get_total_norm = get_total_norm
_clip_grads_with_norm_ = clip_grads_with_norm_
