"""The op calls the CUDA suite runs on both devices (tests/test_cuda.py).

Each case is (name, fn, inputs): `inputs` are NumPy arrays (float ones get
gradients) and `fn` takes ember tensors and returns a tensor or a tuple.
"""
import numpy as np

import ember as E

R = np.random.default_rng(0)


def f32(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape).astype(np.float32)


def pos(*shape):
    return f32(*shape, lo=0.2, hi=2.0)


def unit(*shape):
    return f32(*shape, lo=-0.9, hi=0.9)


def i64(*shape, lo=0, hi=4):
    return R.integers(lo, hi, size=shape).astype(np.int64)


def boolean(*shape):
    return R.random(shape) > 0.5


UNARY_ANY = ["neg", "exp", "exp2", "expm1", "square", "abs", "sign", "sgn", "floor", "ceil", "trunc",
             "frac", "sin", "cos", "tan", "atan", "sinh", "cosh", "asinh", "tanh", "sigmoid", "erf",
             "erfc", "relu", "isnan", "isinf", "isfinite", "signbit", "sinc", "deg2rad", "rad2deg",
             "round", "positive", "clone", "nan_to_num", "isposinf", "isneginf", "isreal", "fix"]
UNARY_POS = ["log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal", "lgamma", "digamma"]
UNARY_UNIT = ["asin", "acos", "atanh", "erfinv", "logit"]
BINARY = ["add", "sub", "mul", "div", "atan2", "hypot", "maximum", "minimum", "fmax", "fmin",
          "copysign", "logaddexp", "logaddexp2", "eq", "ne", "lt", "le", "gt", "ge", "remainder",
          "fmod", "floor_divide", "xlogy", "heaviside", "nextafter"]


def _unary(name):
    return lambda x: getattr(E, name)(x)


def _binary(name):
    return lambda x, y: getattr(E, name)(x, y)


CASES = []
CASES += [(n, _unary(n), [f32(3, 4)]) for n in UNARY_ANY if hasattr(E, n)]
CASES += [(n, _unary(n), [pos(3, 4)]) for n in UNARY_POS if hasattr(E, n)]
CASES += [(n, _unary(n), [unit(3, 4)]) for n in UNARY_UNIT if hasattr(E, n)]
CASES += [(n, _binary(n), [f32(3, 4), pos(4)]) for n in BINARY]
CASES += [
    ("pow", lambda x, y: E.pow(x, y), [pos(3, 4), f32(3, 4)]),
    ("pow_scalar", lambda x: x ** 2.5, [pos(3, 4)]),
    ("float_power", lambda x: E.float_power(x, 2), [f32(3, 4)]),
    ("rsub_scalar", lambda x: 1 - x, [f32(3)]),
    ("int_ops", lambda a, b: (a + b, a * b, a // (b + 1), a % (b + 1), a & b, a | b, a ^ b, a << 1, ~a),
     [i64(5), i64(5)]),
    ("bool_ops", lambda a, b: (a & b, a | b, ~a, E.logical_xor(a, b), E.logical_not(a)),
     [boolean(4), boolean(4)]),
    ("gcd_lcm", lambda a, b: (E.gcd(a, b), E.lcm(a, b)), [i64(5, lo=1, hi=9), i64(5, lo=1, hi=9)]),
    ("ldexp", lambda x, e: E.ldexp(x, e), [f32(4), i64(4)]),
    ("addcmul", lambda a, b, c: E.addcmul(a, b, c, value=0.5), [f32(3), f32(3), f32(3)]),
    ("addcdiv", lambda a, b, c: E.addcdiv(a, b, c, value=0.5), [f32(3), f32(3), pos(3)]),
    ("lerp", lambda a, b: E.lerp(a, b, 0.3), [f32(3), f32(3)]),
    ("lerp_tensor", lambda a, b, w: E.lerp(a, b, w), [f32(3), f32(3), unit(3)]),
    ("clamp", lambda x: (E.clamp(x, -0.5, 0.5), E.clamp_min(x, 0), E.clamp_max(x, 0)), [f32(3, 4)]),
    ("clamp_tensor", lambda x, lo: E.clamp(x, min=lo), [f32(3, 4), f32(4)]),
    ("where", lambda c, x, y: E.where(c, x, y), [boolean(3, 4), f32(3, 4), f32(4)]),
    ("where_scalar", lambda c, x: E.where(c, x, 0.0), [boolean(3, 4), f32(3, 4)]),
    ("bf16_cast", lambda x: (x.to(E.bfloat16) * 2).float(), [f32(3, 4)]),
    ("half_cast", lambda x: (x.half() + 1).float(), [f32(3, 4)]),
    ("double", lambda x: x.double().sin(), [f32(3)]),
    # shape
    ("view_reshape", lambda x: (x.view(4, 3), x.reshape(-1), x.flatten(), x.unflatten(1, (2, 2))),
     [f32(3, 4)]),
    ("permute_t", lambda x: (x.permute(2, 0, 1), x.transpose(0, 2), x.mT, x.movedim(0, -1)), [f32(2, 3, 4)]),
    ("expand", lambda x: (x.expand(3, 4), E.broadcast_to(x, (2, 3, 4))), [f32(1, 4)]),
    ("squeeze", lambda x: (x.squeeze(), x.unsqueeze(0), x.squeeze(1)), [f32(3, 1, 4)]),
    ("narrow_select", lambda x: (x.narrow(1, 1, 2), x.select(0, 1), x[1:, ::2], x[..., -1]), [f32(3, 4)]),
    ("split_chunk", lambda x: x.split([1, 3], 1) + x.chunk(2, 1) + E.tensor_split(x, 3, 1), [f32(3, 4)]),
    ("unbind", lambda x: x.unbind(1), [f32(3, 4)]),
    ("diagonal", lambda x: (x.diagonal(), x.diagonal(1, 0, 1)), [f32(4, 4)]),
    ("unfold", lambda x: x.unfold(0, 3, 2), [f32(7, 2)]),
    ("cat_stack", lambda x, y: (E.cat([x, y]), E.stack([x, y], 1), E.hstack([x, y]), E.vstack([x, y]),
                                E.dstack([x, y]), E.column_stack([x, y])), [f32(3, 4), f32(3, 4)]),
    ("flip_roll", lambda x: (x.flip(0), x.fliplr(), x.roll(1, 1), x.roll(2)), [f32(3, 4)]),
    ("repeat_tile", lambda x: (x.repeat(2, 3), x.tile(2), x.repeat_interleave(2, dim=0)), [f32(2, 3)]),
    ("tril_triu", lambda x: (x.tril(), x.triu(1)), [f32(4, 4)]),
    ("contiguous", lambda x: x.t().contiguous() + 1, [f32(3, 4)]),
    ("as_strided", lambda x: E.as_strided(x, (2, 2), (1, 2)), [f32(3, 4)]),
    ("atleast", lambda x: (E.atleast_2d(x), E.atleast_3d(x)), [f32(3)]),
    # reductions
    ("sum_mean", lambda x: (x.sum(), x.sum(1), x.mean(0, keepdim=True), x.nansum(), x.nanmean()), [f32(3, 4)]),
    ("prod", lambda x: (x.prod(), x.prod(1)), [f32(3, 4)]),
    ("max_min", lambda x: (x.max(), x.min(), x.amax(1), x.amin(0)) + tuple(x.max(1)) + tuple(x.min(0)),
     [f32(3, 4)]),
    ("argmax", lambda x: (x.argmax(), x.argmin(1)), [f32(3, 4)]),
    ("var_std", lambda x: (x.var(), x.std(1), x.var(0, correction=0)) + E.var_mean(x, 1), [f32(3, 4)]),
    ("norm", lambda x: (x.norm(), x.norm(1, dim=1), x.norm(float("inf")), E.dist(x, x.flip(0))), [f32(3, 4)]),
    ("logsumexp", lambda x: (x.logsumexp(1), x.softmax(1), x.log_softmax(0)), [f32(3, 4)]),
    ("cum", lambda x: (x.cumsum(1), x.cumprod(0), x.logcumsumexp(1)) + tuple(x.cummax(1)) + tuple(x.cummin(0)),
     [f32(3, 4)]),
    ("all_any", lambda b: (b.all(), b.any(1), E.count_nonzero(b, 0)), [boolean(3, 4)]),
    ("sort", lambda x: tuple(x.sort(1)) + tuple(x.sort(0, descending=True)) + (x.argsort(1),), [f32(3, 4)]),
    ("topk", lambda x: tuple(x.topk(2, 1)) + tuple(x.kthvalue(2, 1)), [f32(3, 4)]),
    ("median", lambda x: (x.median(),) + tuple(x.median(1)) + (x.nanmedian(),), [f32(3, 5)]),
    ("mode", lambda x: tuple(x.mode(1)), [i64(3, 5)]),
    ("quantile", lambda x: (E.quantile(x, 0.3), E.quantile(x, 0.5, dim=1)), [f32(3, 5)]),
    ("unique", lambda x: E.unique(x, return_inverse=True, return_counts=True), [i64(10)]),
    ("unique_consecutive", lambda x: E.unique_consecutive(x, return_counts=True), [i64(10)]),
    ("diff", lambda x: E.diff(x, dim=1), [f32(3, 4)]),
    # indexing
    ("gather", lambda x, i: x.gather(1, i), [f32(3, 4), i64(3, 2)]),
    ("scatter", lambda x, i, s: (x.scatter(1, i, s), x.scatter_add(1, i, s),
                                 x.scatter_reduce(1, i, s, "amax")), [f32(3, 4), i64(3, 2), f32(3, 2)]),
    ("index_select", lambda x, i: (x.index_select(0, i), x[i], x[:, i]), [f32(4, 4), i64(3)]),
    ("index_add", lambda x, i, s: (x.index_add(0, i, s), x.index_copy(0, E.arange(3, device=x.device), s),
                                   x.index_fill(1, i % 3, -1.0)), [f32(4, 3), i64(3), f32(3, 3)]),
    ("index_put", lambda x, i, v: x.index_put((i,), v, accumulate=True), [f32(5), i64(4), f32(4)]),
    ("masked", lambda x, m: (x.masked_fill(m, 0.5), x.masked_select(m), x[m]), [f32(3, 4), boolean(3, 4)]),
    ("masked_scatter", lambda x, m, s: x.masked_scatter(m, s), [f32(3, 4), boolean(3, 4), f32(12)]),
    ("nonzero", lambda b: (b.nonzero(), E.argwhere(b), b.nonzero(as_tuple=True)[0]), [boolean(3, 4)]),
    ("take", lambda x, i: (x.take(i), E.take_along_dim(x, i.view(1, -1) % 3, 1)), [f32(3, 4), i64(3)]),
    ("bucketize", lambda b, x: (E.bucketize(x, b), E.searchsorted(b, x)), [np.sort(f32(5)), f32(6)]),
    ("bincount_histc", lambda i, x: (E.bincount(i), E.histc(x, 5)), [i64(8), f32(8)]),
    ("setitem", lambda x, v: _setitem(x, v), [f32(3, 4), f32(4)]),
    ("bool_index_set", lambda x, m: _masked_set(x, m), [f32(3, 4), boolean(3, 4)]),
    # linalg
    ("matmul", lambda a, b: (a @ b, E.mm(a, b), a @ b[:, 0]), [f32(3, 4), f32(4, 5)]),
    ("bmm", lambda a, b: (E.bmm(a, b), E.baddbmm(a @ b, a, b), a @ b), [f32(2, 3, 4), f32(2, 4, 3)]),
    ("addmm", lambda c, a, b: (E.addmm(c, a, b), E.addmv(c[:, 0], a, b[:, 0]), E.addr(c, a[:, 0], b[0])),
     [f32(3, 5), f32(3, 4), f32(4, 5)]),
    ("dot_outer", lambda a, b: (E.dot(a, b), E.outer(a, b), E.inner(a, b), E.vdot(a, b)), [f32(4), f32(4)]),
    ("einsum", lambda a, b: (E.einsum("ij,jk->ik", a, b), E.tensordot(a, b, 1), E.kron(a, b)),
     [f32(2, 3), f32(3, 2)]),
    ("cross_trace", lambda a, b: (E.cross(a, b, dim=1), E.trace(a @ b.t())), [f32(3, 3), f32(3, 3)]),
    ("diag", lambda x: (E.diag(x), E.diag_embed(x), E.diagflat(x[0])), [f32(3, 3)]),
    ("cdist", lambda a, b: E.cdist(a, b), [f32(4, 3), f32(5, 3)]),
    ("det_inv", lambda x: (E.det(x), E.inverse(x), E.linalg.solve(x, x[:, :1])),
     [np.eye(3, dtype=np.float32) * 2 + f32(3, 3) * 0.3]),
    ("decomp", lambda x: (E.linalg.cholesky(x @ x.mT + E.eye(3, device=x.device)),) + tuple(E.linalg.qr(x))
     + (E.linalg.svdvals(x), E.linalg.matrix_norm(x), E.linalg.vector_norm(x)), [f32(3, 3)]),
    ("matrix_exp", lambda x: (E.matrix_exp(x * 0.3), E.linalg.matrix_power(x, 3)), [f32(3, 3)]),
]


def _setitem(x, v):
    y = x.clone()
    y[1] = v
    y[:, 0] = 0.0
    y[y > 1] = 1.0
    return y


def _masked_set(x, m):
    y = x * 1
    y[m] = 2.0
    return y
