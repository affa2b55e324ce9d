"""nn.functional distances: cosine_similarity, pairwise_distance, pdist.

cosine_similarity follows PyTorch 2.x: each input is divided by its own
norm clamped to eps (the clamp does not take part in the gradient), then
the products are summed. pairwise_distance is ||x1 - x2 + eps||_p over the
last dim; pdist the p-norm distance of every pair of rows i < j.
"""
import math

import numpy as np

from ... import _dtype as D
from ..._backends import xp as _xp
from ..._dispatch import Op, apply
from ..._tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


class _ClampMinNoGrad(Op):
    """max(x, eps) whose gradient passes straight through (PyTorch clamps the
    norms in place under no_grad)."""
    grad_name = "CloneBackward0"
    dtype_rule = "keep"

    def forward(ctx, x, eps):
        return np.maximum(x, x.dtype.type(eps))

    def backward(ctx, g):
        return g


def _wrap_dim(dim, n):
    lo, hi = (-n, n - 1) if n > 0 else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)"
                         % (lo, hi, dim))
    return dim % max(n, 1)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    for name, x in (("x1", x1), ("x2", x2)):
        if not isinstance(x, Tensor):
            raise TypeError("cosine_similarity(): argument '%s' (position %d) must be Tensor, "
                            "not %s" % (name, 1 if name == "x1" else 2, type(x).__name__))
    if x1._dtype.category < D.FLOAT:
        x1 = x1.to(D.get_default_dtype())
    if x2._dtype.category < D.FLOAT:
        x2 = x2.to(D.get_default_dtype())
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        a, b = tuple(x1.shape), tuple(x2.shape)
        n = max(len(a), len(b))
        a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for i in range(n - 1, -1, -1):
            if a2[i] != b2[i] and a2[i] != 1 and b2[i] != 1:
                raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) "
                                   "at non-singleton dimension %d" % (a2[i], b2[i], i)) from None
        raise
    d = _wrap_dim(dim, len(shape))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    if x1._dtype is not x2._dtype:
        common = D.promote_types(x1._dtype, x2._dtype)
        x1, x2 = x1.to(common), x2.to(common)
    n1 = apply(_ClampMinNoGrad, x1.norm(2, d, keepdim=True), eps=float(eps))
    n2 = apply(_ClampMinNoGrad, x2.norm(2, d, keepdim=True), eps=float(eps))
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    n = max(x1.dim(), x2.dim())
    if n == 0:
        # PyTorch reduces a 0-dim difference over dim 0
        return (x1 - x2 + eps).abs() if p != 0 else ((x1 - x2 + eps) != 0).to(x1.dtype)
    return (x1 - x2 + eps).norm(p, n - 1, keepdim=keepdim)


class _Pdist(Op):
    """Distances ||x[i] - x[j]||_p for i < j, in row-major pair order."""
    grad_name = "PdistBackward0"
    dtype_rule = "keep"
    save = (0,)
    save_output = True

    def forward(ctx, x, p):
        n = x.shape[0]
        i, j = _xp(x).triu_indices(n, 1)
        ctx.pairs = (i, j)
        diff = np.abs(x[i] - x[j])
        if p == 0:
            return (diff != 0).sum(-1).astype(x.dtype)
        if p == 1:
            return diff.sum(-1)
        if p == 2:
            return np.sqrt(np.einsum("ij,ij->i", diff, diff))
        if math.isinf(p):
            return diff.max(-1) if diff.shape[-1] else np.zeros_like(x, shape=diff.shape[:1])
        return (diff ** x.dtype.type(p)).sum(-1) ** x.dtype.type(1.0 / p)

    def backward(ctx, g):
        x, dist = ctx.saved_tensors[0], ctx.output
        p = ctx.params["p"]
        i, j = ctx.pairs
        if p == 0 or i.size == 0:
            return x * 0
        from ..._ops.pointwise import where
        it, jt = Tensor._make(i, D.int64), Tensor._make(j, D.int64)
        diff = x.index_select(0, it) - x.index_select(0, jt)
        gk, dk = g.unsqueeze(-1), dist.unsqueeze(-1)
        if p == 1:
            gd = gk * diff.sign()
        elif p == 2:
            gd = where(dk == 0, 0.0, gk / dk) * diff
        elif math.isinf(p):
            gd = gk * diff.sign() * (diff.abs() == dk)
        else:
            scale = where(dk == 0, 0.0, gk / dk.pow(p - 1))
            gd = where(diff == 0, 0.0, diff.sign() * diff.abs().pow(p - 1) * scale)
        from ..._creation import zeros
        out = zeros(tuple(x.shape), dtype=gd.dtype)
        return out.index_add(0, it, gd).index_add(0, jt, -gd)


def pdist(input, p=2):
    if input.dim() != 2:
        raise RuntimeError("pdist only supports 2D tensors, got: %dD" % input.dim())
    if input._dtype.category != D.FLOAT:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return apply(_Pdist, input, p=float(p))


# torch.cosine_similarity & co., for the torch namespace to re-export
TORCH_FUNCTIONS = {"cosine_similarity": cosine_similarity, "pairwise_distance": pairwise_distance,
                   "pdist": pdist}
