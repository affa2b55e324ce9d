"""Attention: F.scaled_dot_product_attention and F.multi_head_attention_forward.

Both run on one op, `_Attention`: scores = q @ k^T * scale (batched GEMM on
strided views, no transposed copies), mask, softmax in place, dropout with
PyTorch's draws, then @ v; its backward is five batched GEMMs and the
softmax derivative, written in place. For multi-head attention the op reads
each head straight out of the projected (L, N, C) or (N, L, C) activations
(a packed q|k|v projection is one input, one GEMM) and writes the heads'
output straight into the (L, N, E) layout the out-projection reads (as
PyTorch does; batch-first callers get a transposed view), so the head split
and merge cost no copies. Under create_graph the backward is the same
formula over Tensors, so gradients of gradients work.
"""
import math
import warnings

import numpy as np

from ... import _dtype as D
from ..._backends import xp as _xp
from ..._dispatch import Op, apply
from ..._grad_mode import state as _grad_state
from ..._tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward",
           "_canonical_mask", "_none_or_dtype", "_mha_shape_check", "_in_projection_packed",
           "_in_projection"]

_NINF = float("-inf")


def _ember():
    import ember
    return ember


def _backends():
    from .. import attention
    return attention


def _title(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}.get(d.name, d.name)


# ------------------------------------------------------------------ array helpers
def _heads(a, spec, H):
    """The (..., heads, len, head_dim) view of array `a` for one role.

    spec = (input position, kind, channel offset, width):
      'raw'  a is already (..., L, D) (scaled_dot_product_attention)
      'seq'  a is (L, N, C): channels [off, off + width) hold the H heads
      'bat'  a is (N, L, C): likewise
      'nh'   a is (N * H, L, D) (static_k / static_v)
    """
    _, kind, off, width = spec
    if kind == "raw":
        return a
    if kind == "nh":
        return a.reshape((a.shape[0] // H, H) + a.shape[1:])
    if off or width != a.shape[-1]:
        a = a[..., off:off + width]
    if kind == "seq":
        L, N = a.shape[0], a.shape[1]
        return a.reshape(L, N, H, width // H).transpose(1, 2, 0, 3)
    N, L = a.shape[0], a.shape[1]
    return a.reshape(N, L, H, width // H).transpose(0, 2, 1, 3)


def _out_array(like, kind, q4, dv):
    """An empty output array in layout `kind` ('seq' or 'bat') and its (N, H, L, Dv) view."""
    N, H, L = q4.shape[0], q4.shape[1], q4.shape[2]
    if kind == "seq":
        o = np.empty_like(like, shape=(L, N, H * dv))
        return o, o.reshape(L, N, H, dv).transpose(1, 2, 0, 3)
    o = np.empty_like(like, shape=(N, L, H * dv))
    return o, o.reshape(N, L, H, dv).transpose(0, 2, 1, 3)


def _group(a, g):
    """(..., Hq, L, D) -> (..., Hk, G, L, D) for grouped-query attention."""
    if g == 1:
        return a
    return a.reshape(a.shape[:-3] + (a.shape[-3] // g, g) + a.shape[-2:])


def _group_mask(m, ndim, g):
    """A mask broadcastable to (..., Hq, L, S) made broadcastable to (..., Hk, G, L, S)."""
    if g == 1 or m is None:
        return m
    if m.ndim < ndim:
        m = m.reshape((1,) * (ndim - m.ndim) + m.shape)
    if m.shape[-3] == 1:
        return m[..., None, :, :]
    return _group(m, g)


def _causal_excluded(L, S, like):
    """True above the diagonal: key j > query i is hidden (top-left aligned)."""
    xp = _xp(like)
    return xp.triu(xp.ones((L, S), dtype=bool), 1)


def _softmax_rows_(s, safe):
    """Softmax over the last axis, in place. With `safe`, rows whose every
    score is -inf give zeros (PyTorch's SDPA) instead of NaN."""
    m = s.max(axis=-1, keepdims=True)
    if safe:
        m[~np.isfinite(m)] = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        np.subtract(s, m, out=s)
        np.exp(s, out=s)
        z = s.sum(axis=-1, keepdims=True)
        if safe:
            z[z == 0] = 1
        np.reciprocal(z, out=z)
        np.multiply(s, z, out=s)
    return s


# ------------------------------------------------------------------ the op
class _Attention(Op):
    """out = dropout(softmax(q @ k^T * scale + mask)) @ v.

    Inputs: up to three projection tensors (params `roles` says which input
    and which channels hold q, k and v, see `_heads`), then the mask (None,
    a bool array/Tensor with True = hidden, or a float Tensor added to the
    scores). Params: out (layout of the output: 'raw', 'seq', 'bat'), heads,
    scale, causal, noise (the dropout multiplier array or None), group
    (grouped-query factor), safe (fully masked rows give 0), weights (also
    return the attention weights, differentiable)."""
    dtype_rule = "keep"
    promote = (0, 1, 2)
    save = (0, 1, 2, 3)
    grad_name = "ScaledDotProductFlashAttentionForCpuBackward0"

    def forward(ctx, x0, x1, x2, mask, roles, out, heads, scale, causal, noise, group, safe,
                weights):
        xs = (x0, x1, x2)
        qr, kr, vr = roles
        q4 = _heads(xs[qr[0]], qr, heads)
        k4 = _heads(xs[kr[0]], kr, heads)
        v4 = _heads(xs[vr[0]], vr, heads)
        qg = _group(q4, group)
        kg, vg = (k4, v4) if group == 1 else (k4[..., None, :, :], v4[..., None, :, :])
        s = np.matmul(qg, np.swapaxes(kg, -1, -2))
        if scale != 1:
            s *= s.dtype.type(scale)
        m = mask.data_array if isinstance(mask, _MaskBox) else mask
        if m is not None:
            m = _group_mask(m, s.ndim - (group != 1), group)
            if m.dtype == np.bool_:
                np.copyto(s, _NINF, where=m)
            else:
                s += m
        if causal:
            np.copyto(s, _NINF, where=_causal_excluded(s.shape[-2], s.shape[-1], s))
        p = _softmax_rows_(s, safe)
        pd = p * noise.reshape(p.shape) if noise is not None else p
        if out == "raw":
            o = np.matmul(pd, vg)
            if group != 1:
                o = _ungroup(o, True)
        else:
            o, o4 = _out_array(q4, out, q4, v4.shape[-1])
            np.matmul(pd, v4, out=o4)
        ctx.p = p
        ctx.pd = pd
        if weights:
            return o, pd.reshape(pd.shape[:-4] + (-1,) + pd.shape[-2:]) if group != 1 else pd
        return o

    def backward(ctx, g, gw=None):
        if _grad_state.enabled:
            return _attention_backward_graph(ctx, g, gw)
        return _attention_backward_arrays(ctx, g, gw)


class _AttentionMath(_Attention):
    grad_name = "UnsafeViewBackward0"


class _MaskBox:
    """A mask array handed to the op as a plain value (not a tensor input)."""
    __slots__ = ("data_array",)

    def __init__(self, a):
        self.data_array = a


def _attention_backward_arrays(ctx, g, gw):
    """The backward on arrays: five batched GEMMs, the softmax derivative in
    place, and each head's gradient written straight into its input's layout."""
    p = ctx.params
    xs = ctx.saved_tensors[:3]
    arrays = [None if x is None else x._data for x in xs]
    dt = g._data.dtype
    P, Pd = ctx.p, ctx.pd
    if arrays[0].dtype != P.dtype:
        arrays = [None if a is None else a.astype(P.dtype) for a in arrays]
    heads, group, roles, noise = p["heads"], p["group"], p["roles"], p["noise"]
    q4, k4, v4 = (_heads(arrays[r[0]], r, heads) for r in roles)
    ga = g._data if g._data.dtype == P.dtype else g._data.astype(P.dtype)
    kind = p["out"]
    if kind == "raw":
        g4 = ga
    else:
        g4 = _heads(ga, (0, kind, 0, ga.shape[-1]), heads)
    gg = _group(g4, group)
    qg = _group(q4, group)
    kg, vg = (k4, v4) if group == 1 else (k4[..., None, :, :], v4[..., None, :, :])

    meta = ctx.inputs_meta
    need = [meta[i] is not None for i in range(3)]
    need_mask = meta[3] is not None
    grads = [None, None, None]

    def put(role_idx, a, b):
        """grad of role role_idx = a @ b, written into its input's gradient."""
        r = roles[role_idx]
        i, kind_r = r[0], r[1]
        if kind_r == "raw" or group != 1:
            d = np.matmul(a, b)
            if group != 1:
                d = _ungroup(d, role_idx == 0)
            grads[i] = d if grads[i] is None else grads[i] + d
            return
        if grads[i] is None:
            x = arrays[i]
            covered = sum(rr[3] for rr in roles if rr[0] == i)
            grads[i] = np.empty_like(x) if covered == x.shape[-1] else np.zeros_like(x)
        np.matmul(a, b, out=_heads(grads[i], r, heads))

    if need[roles[2][0]]:
        put(2, np.swapaxes(Pd, -1, -2), gg)                 # dV = Pd^T g
    dmask = None
    if need[roles[0][0]] or need[roles[1][0]] or need_mask:
        dP = np.matmul(gg, np.swapaxes(vg, -1, -2))          # dPd = g V^T
        if gw is not None:
            gwa = gw._data.astype(dP.dtype, copy=False)
            dP += _group(gwa, group)
        if noise is not None:
            dP *= noise.reshape(dP.shape)
        # softmax derivative in place: dS = P * (dP - rowsum(dP * P))
        t = np.einsum("...j,...j->...", dP, P)
        dP -= t[..., None]
        dP *= P
        if need_mask:
            dmask = dP.copy()
        if p["scale"] != 1:
            dP *= dP.dtype.type(p["scale"])
        if need[roles[0][0]]:
            put(0, dP, kg)                                   # dQ = dS K
        if need[roles[1][0]]:
            put(1, np.swapaxes(dP, -1, -2), qg)              # dK = dS^T Q
    out = [None if a is None else Tensor._make(a.astype(dt, copy=False), g._dtype)
           for a in grads]
    if dmask is not None:
        if group != 1:
            dmask = _ungroup(dmask, True)
        out.append(Tensor._make(dmask.astype(dt, copy=False), g._dtype))
    else:
        out.append(None)
    return tuple(out)


def _ungroup(d, merge):
    """(..., Hk, G, L, D) -> (..., Hq, L, D) (merge) or summed over G."""
    if merge:
        return d.reshape(d.shape[:-4] + (-1,) + d.shape[-2:])
    return d.sum(axis=-3)


def _heads_tensor(x, spec, H):
    """_heads on a Tensor (differentiable views)."""
    _, kind, off, width = spec
    if kind == "raw":
        return x
    if kind == "nh":
        return x.reshape((x.shape[0] // H, H) + tuple(x.shape[1:]))
    if off or width != x.shape[-1]:
        x = x[..., off:off + width]
    a, b = x.shape[0], x.shape[1]
    x = x.reshape(a, b, H, width // H)
    return x.permute(1, 2, 0, 3) if kind == "seq" else x.permute(0, 2, 1, 3)


def _group_tensor(x, g):
    if g == 1:
        return x
    s = tuple(x.shape)
    return x.reshape(s[:-3] + (s[-3] // g, g) + s[-2:])


def _attention_backward_graph(ctx, g, gw):
    """The backward as a formula over Tensors (create_graph=True)."""
    p = ctx.params
    x0, x1, x2, mask = ctx.saved_tensors
    xs = (x0, x1, x2)
    heads, group, roles = p["heads"], p["group"], p["roles"]
    adt = g._data.dtype
    q4, k4, v4 = (_heads_tensor(xs[r[0]], r, heads) for r in roles)
    qg = _group_tensor(q4, group)
    kg = k4 if group == 1 else k4.unsqueeze(-3)
    vg = v4 if group == 1 else v4.unsqueeze(-3)
    s = qg.matmul(kg.transpose(-1, -2)) * p["scale"]
    nd = s.ndim - (group != 1)          # the ungrouped score rank
    hidden = None
    if isinstance(mask, Tensor):        # a float mask that requires grad
        mt = mask
        if group != 1:
            if mt.ndim < nd:
                mt = mt.reshape((1,) * (nd - mt.ndim) + tuple(mt.shape))
            mt = mt.unsqueeze(-3) if mt.shape[-3] == 1 else _group_tensor(mt, group)
        s = s + mt
    elif isinstance(mask, _MaskBox):
        ma = _group_mask(mask.data_array, nd, group)
        if ma.dtype == np.bool_:
            hidden = ma
        else:
            s = s + Tensor._make(ma.astype(adt, copy=False), g._dtype)
    if p["causal"]:
        c = _causal_excluded(s.shape[-2], s.shape[-1], ctx.p)
        hidden = c if hidden is None else (hidden | c)
    if hidden is not None:
        s = s.masked_fill(Tensor._make(hidden, D.bool_), _NINF)
    dead = None
    if p["safe"]:
        rowmax = ctx.p.max(axis=-1, keepdims=True)
        dead_a = ~(rowmax > 0)
        if dead_a.any():
            dead = Tensor._make(dead_a, D.bool_)
            s = s.masked_fill(dead, 0.0)
    P = s.softmax(-1)
    if dead is not None:
        P = P.masked_fill(dead, 0.0)
    noise = p["noise"]
    nz = None
    if noise is not None:
        nz = Tensor._make(noise.reshape(ctx.p.shape).astype(adt, copy=False), g._dtype)
    Pd = P * nz if nz is not None else P
    kind = p["out"]
    if kind == "raw":
        g4 = g
    else:
        a, b = g.shape[0], g.shape[1]
        g4 = g.reshape(a, b, heads, -1)
        g4 = g4.permute(1, 2, 0, 3) if kind == "seq" else g4.permute(0, 2, 1, 3)
    gg = _group_tensor(g4, group)
    dv = Pd.transpose(-1, -2).matmul(gg)
    dP = gg.matmul(vg.transpose(-1, -2))
    if gw is not None:
        dP = dP + _group_tensor(gw, group)
    if nz is not None:
        dP = dP * nz
    dS = P * (dP - (dP * P).sum(-1, keepdim=True))
    dmask = dS
    dS = dS * p["scale"]
    dq = dS.matmul(kg)
    dk = dS.transpose(-1, -2).matmul(qg)
    if group != 1:
        s_ = tuple(dq.shape)
        dq = dq.reshape(s_[:-4] + (-1,) + s_[-2:])
        dk = dk.sum(-3)
        dv = dv.sum(-3)
        s_ = tuple(dmask.shape)
        dmask = dmask.reshape(s_[:-4] + (-1,) + s_[-2:])
    role_grads = (dq, dk, dv)
    meta = ctx.inputs_meta
    out = [None, None, None]
    for i in range(3):
        if meta[i] is None:
            continue
        pieces = [(r, role_grads[j]) for j, r in enumerate(roles) if r[0] == i]
        x = xs[i]
        total = None
        for r, d in pieces:
            d = _unheads_tensor(d, r, heads, tuple(x.shape))
            total = d if total is None else total + d
        out[i] = total
    out.append(dmask if len(meta) > 3 and meta[3] is not None else None)
    return tuple(out)


def _unheads_tensor(d, spec, H, shape):
    """The gradient of one role as a gradient of its whole input tensor."""
    _, kind, off, width = spec
    if kind == "raw":
        return d
    if kind == "nh":
        return d.reshape(shape)
    d = d.permute(2, 0, 1, 3) if kind == "seq" else d.permute(0, 2, 1, 3)
    d = d.reshape(shape[:-1] + (width,))
    if off or width != shape[-1]:
        from .. import functional as F
        d = F.pad(d, (off, shape[-1] - off - width))
    return d


# ------------------------------------------------------------------ dropout noise
def _dropout_noise(shape, p, dtype, device=None):
    """PyTorch's dropout multiplier for a tensor of `shape`: bernoulli(1 - p)
    draws (the same stream as F.dropout) divided by 1 - p; None when p == 0."""
    if p <= 0:
        return None
    from ... import _creation as C
    if p >= 1:
        return C.zeros(shape, dtype=dtype if dtype is not D.float16 else D.float32,
                       device=device)._data
    noise = C.empty(shape, dtype=dtype, device=device)
    from ..._ops.random import dropout_noise_
    if dropout_noise_(noise, p):     # PyTorch's bernoulli_(1 - p).div_(1 - p), one pass
        return noise._data
    noise.bernoulli_(1 - p)
    a = noise._data
    if dtype is D.float16 or dtype is D.bfloat16:
        return a.astype(np.float32) * np.float32(np.float32(1) / np.float32(1 - p))
    return np.divide(a, a.dtype.type(1 - p), out=a)


# ------------------------------------------------------------------ scaled_dot_product_attention
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value, with dropout on the weights.

    A bool attn_mask marks with True the keys a query may attend to; a float
    one is added to the scores. is_causal hides the keys after each query."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError("scaled_dot_product_attention(): argument '%s' (position %d) must be "
                            "Tensor, not %s" % (name, ("query", "key", "value").index(name) + 1,
                                                type(t).__name__))
    dq, dk, dv = query._dtype, key._dtype, value._dtype
    if not (dq is dk and dk is dv):   # autocast casts before the checks, as PyTorch
        from ...amp.autocast_mode import cast_inputs
        query, key, value = cast_inputs(_Attention, query, key, value)
        dq, dk, dv = query._dtype, key._dtype, value._dtype
    if not (dq is dk and dk is dv):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           "query.dtype: %s key.dtype: %s and value.dtype: %s instead."
                           % (_title(dq), _title(dk), _title(dv)))
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but "
                           "got query.dim: %d key.dim: %d and value.dim: %d instead."
                           % (query.dim(), key.dim(), value.dim()))
    if dq.category < D.FLOAT:
        raise RuntimeError("\"baddbmm_with_gemm\" not implemented for '%s'"
                           % {"int64": "Long", "int32": "Int", "bool": "Bool"}.get(dq.name,
                                                                                   dq.name))
    if attn_mask is not None and attn_mask._dtype is not D.bool_ and attn_mask._dtype is not dq:
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, "
                           "but got attn_mask.dtype: %s and  query.dtype: %s instead."
                           % (_title(attn_mask._dtype), _title(dq)))
    qs, ks, vs = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    E = qs[-1]
    if ks[-1] != E or ks[-2] != vs[-2]:
        # the messages of the matmuls in PyTorch's math path
        if len(qs) == 2 and len(ks) == 2:
            if ks[-1] != E:
                a, b = (qs[0], E), (ks[1], ks[0])
            else:
                a, b = (qs[0], ks[0]), (vs[0], vs[1])
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)"
                               % (a + b))
        try:
            n = int(np.prod(np.broadcast_shapes(qs[:-2], ks[:-2])))
        except ValueError:
            n = int(np.prod(qs[:-2]))
        want, got = (E, ks[-1]) if ks[-1] != E else (ks[-2], vs[-2])
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           "[%d, %d] but got: [%d, %d]." % (n, want, n, got))
    group = 1
    if enable_gqa and len(qs) >= 3 and len(ks) >= 3 and qs[-3] != ks[-3]:
        if ks[-3] != vs[-3] or qs[-3] % ks[-3] != 0:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")
        group = qs[-3] // ks[-3]
    lead = [qs[:-2], ks[:-2], vs[:-2]]
    if group != 1:
        lead = [qs[:-3], ks[:-3], vs[:-3]]
    try:
        batch = np.broadcast_shapes(*lead)
    except ValueError:
        batch = None
    if batch is None:
        _raise_broadcast(lead)
    if group == 1 and qs[:-2] != ks[:-2] and len(qs) >= 3 and len(ks) >= 3:
        try:
            np.broadcast_shapes(qs[:-2], ks[:-2], vs[:-2])
        except ValueError:
            _raise_broadcast([qs[:-2], ks[:-2]])
    # the conditions of PyTorch's fused CPU kernel (else its math path runs)
    flash = (len(qs) == 4 and len(ks) == 4 and len(vs) == 4 and dropout_p == 0 and group == 1
             and qs[:2] == ks[:2] == vs[:2] and E == ks[-1] == vs[-1] and qs[2] and ks[2]
             and all(t._data.strides[-1] == t._data.itemsize for t in (query, key, value)))
    if flash and attn_mask is not None:
        m = attn_mask
        flash = (not m._requires_grad and m.shape[-2] in (qs[2], 1) and m.shape[-1] in (ks[2], 1)
                 and (m.dim() == 2 or (m.dim() == 4 and m.shape[0] in (1, qs[0])
                                       and m.shape[1] in (1, qs[1]))))
    backends = _backends()
    if flash and not backends._flash_enabled():
        flash = False
    if not flash and not backends._math_enabled():
        if backends._flash_enabled():
            raise RuntimeError("No available kernel.  Aborting execution.")
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is "
                           "likely due to turning off both the math kernel and the fused kernels.")
    L, S = qs[-2], ks[-2]
    mask = None
    if attn_mask is not None:
        ms = tuple(attn_mask.shape)
        full = np.broadcast_shapes(qs[:-2], ks[:-2]) if group == 1 else qs[:-2]
        target = tuple(full) + (L, S)
        try:
            widened = np.broadcast_shapes(ms, target)
        except ValueError:
            widened = None
            _raise_broadcast([target, ms])
        if tuple(widened) != target:
            raise RuntimeError("output with shape %s doesn't match the broadcast shape %s"
                               % (list(target), list(widened)))
        if is_causal and not flash:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        if attn_mask._dtype is D.bool_:
            mask = _MaskBox(~attn_mask._data)
        elif attn_mask._requires_grad:
            mask = attn_mask
        else:
            mask = _MaskBox(attn_mask._data)
    if scale is None:
        scale = 1.0 / math.sqrt(E) if E else float("inf")
    noise = None
    if dropout_p > 0:
        full = tuple(np.broadcast_shapes(qs[:-2], ks[:-2]) if group == 1 else qs[:-2])
        noise = _dropout_noise(tuple(full) + (L, S), dropout_p, dq, query.device)
    op = _Attention if flash else _AttentionMath
    if len(ks) == 2 and len(qs) == 2:
        op = _Sdpa2D
    raw = ("raw", 0, 0)
    return apply(op, query, key, value, mask, roles=((0,) + raw, (1,) + raw, (2,) + raw),
                 out="raw", heads=1, scale=float(scale), causal=bool(is_causal), noise=noise,
                 group=group, safe=True, weights=False)


class _Sdpa2D(_Attention):
    grad_name = "MmBackward0"


def _raise_broadcast(shapes):
    a, b = shapes[0], shapes[1]
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i in range(n - 1, -1, -1):
        if a2[i] != b2[i] and a2[i] != 1 and b2[i] != 1:
            raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) at "
                               "non-singleton dimension %d" % (a2[i], b2[i], i))
    raise RuntimeError("shapes %s cannot be broadcast together" % (shapes,))


# ------------------------------------------------------------------ masks
def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = hidden) as a float mask of target_type (-inf where hidden)."""
    if mask is not None:
        _mask_dtype = mask.dtype
        _mask_is_float = mask.is_floating_point()
        if _mask_dtype is not D.bool_ and not _mask_is_float:
            raise AssertionError("only bool and floating types of %s are supported" % mask_name)
        if check_other and other_type is not None:
            if _mask_dtype != other_type:
                warnings.warn("Support for mismatched %s and %s is deprecated. Use same type for "
                              "both instead." % (mask_name, other_name), stacklevel=3)
        if not _mask_is_float:
            from ... import _creation as C
            mask = C.zeros_like(mask, dtype=target_type).masked_fill_(mask, _NINF)
    return mask


def _check_mask_kind(mask, mask_name, other, other_name, check_other=True):
    """_canonical_mask's checks and warning, without building the float mask."""
    if mask is None:
        return
    d = mask._dtype
    if d is not D.bool_ and d.category < D.FLOAT:
        raise AssertionError("only bool and floating types of %s are supported" % mask_name)
    if check_other and other is not None and other._dtype is not d:
        warnings.warn("Support for mismatched %s and %s is deprecated. Use same type for both "
                      "instead." % (mask_name, other_name), stacklevel=4)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) inputs, False for unbatched (2-D) ones; raises
    AssertionError (as PyTorch does) for anything else."""
    if query.dim() == 3:
        if not (key.dim() == 3 and value.dim() == 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found %d-D "
                "and %d-D tensors respectively" % (key.dim(), value.dim()))
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                "found %d-D tensor instead" % key_padding_mask.dim())
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                "found %d-D tensor instead" % attn_mask.dim())
        return True
    if query.dim() == 2:
        if not (key.dim() == 2 and value.dim() == 2):
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found %d-D "
                "and %d-D tensors respectively" % (key.dim(), value.dim()))
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                "found %d-D tensor instead" % key_padding_mask.dim())
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    "but found %d-D tensor instead" % attn_mask.dim())
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError("Expected `attn_mask` shape to be %s but got %s"
                                         % (expected, attn_mask.shape))
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received %d-D "
                         "query tensor" % query.dim())


# ------------------------------------------------------------------ in-projections
def _in_projection_packed(q, k, v, w, b=None):
    """PyTorch's helper: the q, k, v projections with the packed (3E, E) weight."""
    from .. import functional as F
    E = q.size(-1)
    if k is v:
        if q is k:
            proj = F.linear(q, w, b)
            return tuple(proj[..., i * E:(i + 1) * E] for i in range(3))
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        q_proj = F.linear(q, w_q, b_q)
        kv = F.linear(k, w_kv, b_kv)
        return q_proj, kv[..., :E], kv[..., E:]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return F.linear(q, w_q, b_q), F.linear(k, w_k, b_k), F.linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    from .. import functional as F
    return F.linear(q, w_q, b_q), F.linear(k, w_k, b_k), F.linear(v, w_v, b_v)


# ------------------------------------------------------------------ multi-head attention
def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on (L, N, E) inputs (or unbatched (L, E))."""
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                average_attn_weights, is_causal, batch_first=False)


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k,
         bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
         key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
         k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
         batch_first):
    """multi_head_attention_forward for inputs in (L, N, E) layout, or in
    (N, L, E) layout with batch_first=True (MultiheadAttention calls it so:
    the projections then read the inputs as they are, no transposed copies)."""
    from .. import functional as F
    from ... import _creation as C
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = _unsqueeze_same(query, key, value)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
        batch_first = False
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]

    _check_mask_kind(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
            "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        _check_mask_kind(attn_mask, "attn_mask", None, "", check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError("was expecting embedding dimension of %s, but got %s"
                             % (embed_dim_to_check, embed_dim))
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError("embed_dim %s not divisible by num_heads %s" % (embed_dim, num_heads))
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError("key's sequence and batch dims %s do not match value's %s"
                                 % (_seq_first(key, batch_first)[:2],
                                    _seq_first(value, batch_first)[:2]))
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError("key shape %s does not match value shape %s"
                             % (_seq_first(key, batch_first), _seq_first(value, batch_first)))

    kind = "bat" if batch_first else "seq"
    E = embed_dim
    # ---- in-projection: one GEMM per distinct input tensor
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w, b = in_proj_weight, in_proj_bias
        if key is value and query is key:
            xs = [F.linear(query, w, b)]
            roles = [(0, kind, 0, E), (0, kind, E, E), (0, kind, 2 * E, E)]
        elif key is value:
            xs = [F.linear(query, w[:E], None if b is None else b[:E]),
                  F.linear(key, w[E:], None if b is None else b[E:])]
            roles = [(0, kind, 0, E), (1, kind, 0, E), (1, kind, E, E)]
        else:
            xs = [F.linear(query, w[:E], None if b is None else b[:E]),
                  F.linear(key, w[E:2 * E], None if b is None else b[E:2 * E]),
                  F.linear(value, w[2 * E:], None if b is None else b[2 * E:])]
            roles = [(0, kind, 0, E), (1, kind, 0, E), (2, kind, 0, E)]
    else:
        if q_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight is None")
        if k_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but k_proj_weight is None")
        if v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but v_proj_weight is None")
        b = in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        xs = [F.linear(query, q_proj_weight, bq), F.linear(key, k_proj_weight, bk),
              F.linear(value, v_proj_weight, bv)]
        roles = [(0, kind, 0, E), (1, kind, 0, E), (2, kind, 0, E)]

    # ---- masks (kept as given: bool or float Tensors)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError("The shape of the 2D attn_mask is %s, but should be %s."
                                   % (attn_mask.shape, (tgt_len, src_len)))
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError("The shape of the 3D attn_mask is %s, but should be %s."
                                   % (attn_mask.shape, (bsz * num_heads, tgt_len, src_len)))
        else:
            raise RuntimeError("attn_mask's dimension %d is not supported" % attn_mask.dim())

    # ---- bias_k / bias_v and add_zero_attn extend the keys (and masks) by one
    extra = 0
    k_t = v_t = None
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k_t, v_t = (_role_tensor(xs, roles[1]), _role_tensor(xs, roles[2]))
        if batch_first:
            k_t = _ember().cat([k_t, bias_k.reshape(1, 1, E).expand(bsz, 1, E)], 1)
            v_t = _ember().cat([v_t, bias_v.reshape(1, 1, E).expand(bsz, 1, E)], 1)
        else:
            k_t = _ember().cat([k_t, bias_k.repeat(1, bsz, 1)])
            v_t = _ember().cat([v_t, bias_v.repeat(1, bsz, 1)])
        extra += 1
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    if static_k is not None:
        if static_k.size(0) != bsz * num_heads:
            raise AssertionError("expecting static_k.size(0) of %d, but got %d"
                                 % (bsz * num_heads, static_k.size(0)))
        if static_k.size(2) != head_dim:
            raise AssertionError("expecting static_k.size(2) of %d, but got %d"
                                 % (head_dim, static_k.size(2)))
    if static_v is not None:
        if static_v.size(0) != bsz * num_heads:
            raise AssertionError("expecting static_v.size(0) of %d, but got %d"
                                 % (bsz * num_heads, static_v.size(0)))
        if static_v.size(2) != head_dim:
            raise AssertionError("expecting static_v.size(2) of %d, but got %d"
                                 % (head_dim, static_v.size(2)))
    if add_zero_attn or static_k is not None or static_v is not None:
        # work in PyTorch's (N * H, S, D) form for the keys and values
        if k_t is None:
            k_t, v_t = _role_tensor(xs, roles[1]), _role_tensor(xs, roles[2])
        k_nh = static_k if static_k is not None else _to_nh(k_t, num_heads, batch_first)
        v_nh = static_v if static_v is not None else _to_nh(v_t, num_heads, batch_first)
        if add_zero_attn:
            z = C.zeros((bsz * num_heads, 1, head_dim), dtype=k_nh.dtype, device=k_nh.device)
            k_nh = _ember().cat([k_nh, z], 1)
            zv = C.zeros((bsz * num_heads, 1, v_nh.shape[2]), dtype=v_nh.dtype, device=v_nh.device)
            v_nh = _ember().cat([v_nh, zv], 1)
            extra += 1
        xs = [_role_tensor(xs, roles[0]), k_nh, v_nh]
        roles = [(0, kind, 0, E), (1, "nh", 0, head_dim), (2, "nh", 0, v_nh.shape[2])]
        src_len = k_nh.shape[1]
    elif k_t is not None:
        xs = [_role_tensor(xs, roles[0]), k_t, v_t]
        roles = [(0, kind, 0, E), (1, kind, 0, E), (2, kind, 0, E)]
        src_len = k_t.shape[1] if batch_first else k_t.shape[0]

    if key_padding_mask is not None and extra:
        key_padding_mask = F.pad(key_padding_mask, (0, extra))
    if attn_mask is not None and extra:
        attn_mask = F.pad(attn_mask, (0, extra))
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError("Expected key_padded_mask.shape[0] to be %d, but got %d"
                                 % (bsz, key_padding_mask.shape[0]))
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError("Expected key_padded_mask.shape[1] to be %d, but got %d"
                                 % (src_len, key_padding_mask.shape[1]))
    mask = _merge_masks(attn_mask, key_padding_mask, bsz, num_heads, tgt_len, src_len,
                        query._dtype)

    if not training:
        dropout_p = 0.0
    noise = None
    if dropout_p > 0.0:
        noise = _dropout_noise((bsz, num_heads, tgt_len, src_len), dropout_p, query._dtype,
                               query.device)
    while len(xs) < 3:
        xs.append(None)
    safe = not need_weights
    res = apply(_AttentionMath if (need_weights or noise is not None) else _Attention,
                xs[0], xs[1], xs[2], mask, roles=tuple(roles), out="seq", heads=num_heads,
                scale=1.0 / math.sqrt(head_dim), causal=bool(is_causal and mask is None),
                noise=noise, group=1, safe=safe, weights=bool(need_weights))
    if need_weights:
        out, weights = res
    else:
        out, weights = res, None
    # (L, N, E) in memory as in PyTorch, so that a following dropout draws
    # its mask in the same element order; batch-first callers get the
    # transposed view, as MultiheadAttention returns it
    out = F.linear(out, out_proj_weight, out_proj_bias)
    if batch_first:
        out = out.transpose(0, 1)
    if need_weights and average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _seq_first(x, batch_first):
    """x's shape as PyTorch reports it (after its batch-first transpose)."""
    s = x.shape
    return type(s)((s[1], s[0]) + tuple(s[2:])) if batch_first else s


def _unsqueeze_same(query, key, value):
    """unsqueeze(1) of each input, keeping `is` identity between them."""
    q = query.unsqueeze(1)
    k = q if key is query else key.unsqueeze(1)
    v = k if value is key else (q if value is query else value.unsqueeze(1))
    return q, k, v


def _role_tensor(xs, role):
    """The Tensor of one role's channels (a view when they share an input)."""
    i, _, off, width = role
    x = xs[i]
    if off == 0 and width == x.shape[-1]:
        return x
    return x[..., off:off + width]


def _to_nh(x, H, batch_first):
    """(S, N, E) or (N, S, E) -> PyTorch's (N * H, S, D)."""
    if batch_first:
        N, S, E = x.shape
        return x.reshape(N, S, H, E // H).transpose(1, 2).reshape(N * H, S, E // H)
    S, N, E = x.shape
    return x.reshape(S, N * H, E // H).transpose(0, 1)


def _merge_masks(attn_mask, key_padding_mask, bsz, H, L, S, dtype):
    """One mask broadcastable to (N, H, L, S): a _MaskBox of hidden positions
    when all masks are bool, else a float Tensor (differentiable when a float
    mask requires grad) or a _MaskBox of its values."""
    am = kpm = None
    if attn_mask is not None:
        am = (attn_mask.reshape(1, 1, L, S) if attn_mask.dim() == 2
              else attn_mask.reshape(bsz, H, L, S))
    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(bsz, 1, 1, S)
    masks = [m for m in (am, kpm) if m is not None]
    if not masks:
        return None
    if all(m._dtype is D.bool_ for m in masks):
        a = masks[0]._data
        for m in masks[1:]:
            a = a | m._data
        return _MaskBox(a)
    floats = []
    for m in masks:
        if m._dtype is D.bool_:
            z = _xp(m._data).zeros(m.shape, dtype.np if dtype is not D.float16 else np.float32)
            z[m._data] = _NINF
            floats.append(Tensor._make(z, dtype))
        else:
            floats.append(m)
    if any(m._requires_grad for m in floats) and _grad_state.enabled:
        total = floats[0]
        for m in floats[1:]:
            total = total + m
        return total
    a = floats[0]._data
    for m in floats[1:]:
        a = a + m._data
    return _MaskBox(a)
