"""Reduction, sorting and scan calls the CUDA suite runs on both devices
(tests/test_cuda_reduction.py), beyond the core sweep in cuda_cases.py.

Each case is (name, fn, inputs): `inputs` are NumPy arrays (float ones get
gradients) and `fn` takes ember tensors and returns a tensor or a tuple.
Index results are compared too, so inputs whose ties would make the chosen
index depend on the sort algorithm only return values.
"""
import numpy as np

import ember as E

R = np.random.default_rng(1)
NAN, INF = float("nan"), float("inf")


def f32(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape).astype(np.float32)


def f64(*shape):
    return f32(*shape).astype(np.float64)


def i64(*shape, lo=0, hi=4):
    return R.integers(lo, hi, size=shape).astype(np.int64)


def boolean(*shape):
    return R.random(shape) > 0.5


def scalar(v=1.5):
    return np.array(v, np.float32)


def empty(*shape):
    return np.zeros(shape, np.float32)


def with_nan(*shape):
    a = f32(*shape)
    a.reshape(-1)[::3] = np.nan
    return a


def ties(*shape):
    """Floats with repeated values (max/min spread their gradient over ties)."""
    return np.round(f32(*shape)).astype(np.float32)


def with_zeros():
    a = f32(3, 4, lo=0.5, hi=2.0)
    a[0, 1] = 0          # one zero in a row
    a[1, 0] = a[1, 2] = 0  # two zeros
    return a


BF16 = E.bfloat16


def dev(x):
    return x.device


CASES = [
    # ---------------------------------------------------------------- sum / mean
    ("sum_dims", lambda x: (x.sum(), x.sum(-1), x.sum((0, 2)), x.sum(1, keepdim=True),
                            x.sum(dtype=E.float64), E.sum(x, dim=[-1, 0]), x.sum(axis=0)), [f32(2, 3, 4)]),
    ("sum_int_bool", lambda i, b: (i.sum(), i.sum(0), i.sum(1, dtype=E.float32), b.sum(), b.sum(-1),
                                   i.to(E.int32).sum(0), i.to(E.uint8).sum()), [i64(3, 4), boolean(3, 4)]),
    ("sum_half", lambda x: (x.half().sum(1), x.to(BF16).sum(0), x.half().mean(), x.to(BF16).mean(1)),
     [f32(3, 4)]),
    ("sum_0dim", lambda x: (x.sum(), x.sum(0), x.sum(-1, keepdim=True), x.mean(0), x.prod(0), x.nansum(0)),
     [scalar()]),
    ("sum_empty", lambda x: (x.sum(), x.sum(0), x.sum(1), x.mean(0), x.mean(1), x.prod(0), x.nansum(0)),
     [empty(0, 3)]),
    ("mean_dims", lambda x: (x.mean((-1, 0)), x.mean(1, keepdim=True), x.mean(dtype=E.float64),
                             E.mean(x, 0)), [f32(3, 4, 2)]),
    ("nansum_nanmean", lambda x: (x.nansum(1), x.nanmean(0), x.nansum(), x.nanmean(),
                                  E.nansum(x, 0, keepdim=True), x.nanmean(-1, keepdim=True)),
     [with_nan(4, 5)]),
    # ---------------------------------------------------------------- prod
    ("prod_zeros", lambda x: (x.prod(1), x.prod(), x.prod(0, keepdim=True), x.prod(-1, dtype=E.float64)),
     [with_zeros()]),
    ("prod_int", lambda i: (i.prod(), i.prod(1), i.prod(0, keepdim=True), (i > 1).prod()), [i64(3, 4, lo=1)]),
    # ---------------------------------------------------------------- max / min
    ("max_dims", lambda x, y: tuple(x.max(-1, keepdim=True)) + tuple(x.min(0)) + (
        x.amax((0, 1)), x.amin(-1, keepdim=True), E.max(x, y), E.min(x, y), x.max(), x.min()),
     [f32(3, 4, 2), f32(3, 4, 2)]),
    ("max_ties", lambda x: (x.max(), x.min(), x.amax(1), x.amin(0), x.amax(), x.amax((0, 1), keepdim=True))
     + tuple(x.max(1)) + tuple(x.min(0)) + tuple(E.aminmax(x)) + tuple(E.aminmax(x, dim=1, keepdim=True)),
     [ties(4, 5)]),
    ("max_int", lambda i: (i.max(), i.min(), i.amax(0), i.amin(1)) + tuple(i.max(1)) + tuple(i.min(0))
     + (i.argmax(), i.argmin(1, keepdim=True)) + tuple(E.aminmax(i, dim=0)), [i64(3, 5, hi=100)]),
    ("max_bool", lambda b: (b.max(), b.min(), b.amax(0), b.amin(1), b.max(1).values), [boolean(3, 4)]),
    ("max_half", lambda x: (x.half().max(1).values, x.half().amin(0), x.to(BF16).amax(1), x.to(BF16).max()),
     [f32(3, 4)]),
    ("max_0dim", lambda x: tuple(x.max(0)) + tuple(x.min(-1, keepdim=True)) + (
        x.max(), x.amax(), x.amin(0), x.argmax(), x.argmin(0)) + tuple(E.aminmax(x)), [scalar()]),
    ("max_empty_dim", lambda x: tuple(x.max(0)) + (x.amax(0), x.amin(0, keepdim=True), x.argmax(0)),
     [empty(3, 0)]),
    ("max_nan", lambda x: (x.max(), x.min(), x.amax(0), x.argmax(1), x.argmin(0)) + tuple(x.max(1)),
     [with_nan(3, 4)]),
    ("argmax_dims", lambda x: (x.argmax(-1), x.argmin(0, keepdim=True), x.argmax(keepdim=True),
                               x.argmin(), E.argmax(x, 1)), [f32(3, 4, 2)]),
    # ---------------------------------------------------------------- var / std
    ("var_std_dims", lambda x: (x.var(-1, keepdim=True), x.std((0, 2)), x.var(unbiased=False),
                                x.std(1, correction=2), x.var(0, keepdim=True, correction=0))
     + tuple(E.std_mean(x, (0, 1))) + tuple(E.var_mean(x, -1, keepdim=True, correction=0))
     + tuple(E.std_mean(x)), [f32(3, 4, 2)]),
    ("var_double", lambda x: (x.var(1), x.std(), E.var_mean(x, 0)[0]), [f64(3, 4)]),
    ("var_0dim", lambda x: (x.var(correction=0), x.std(0, correction=0)), [scalar()]),
    ("std_zero_spread", lambda x: (x.std(1), x.std_mean(0)[0]), [np.ones((2, 3), np.float32)]),
    # ---------------------------------------------------------------- norms
    ("norm_ords", lambda x: (x.norm(p=3, dim=1), x.norm(p=0), x.norm(-INF, dim=0), x.norm(1), x.norm(INF),
                             E.linalg.vector_norm(x, 2.5, dim=(0, 1), keepdim=True),
                             x.norm(dim=-1, keepdim=True), E.norm(x, "fro", dim=(0, 1)),
                             x.norm(dtype=E.float64)), [f32(3, 4)]),
    ("norm_zero_rows", lambda x: (x.norm(dim=1), x.norm(3, dim=1), x.norm(1, dim=1)),
     [np.array([[0, 0, 0], [1, -2, 3]], np.float32)]),
    ("norm_nuc", lambda x: (E.norm(x, "nuc"), E.norm(x, "nuc", dim=(0, 1), keepdim=True)), [f32(3, 4)]),
    ("dist", lambda x, y: (E.dist(x, y), E.dist(x, y, 1), E.dist(x, y, INF), E.dist(x, y, 0),
                           E.dist(x, y, 3.5)), [f32(3, 4), f32(4)]),
    # ---------------------------------------------------------------- logsumexp / softmax
    ("logsumexp_dims", lambda x: (x.logsumexp((0, 1)), x.logsumexp(-1, keepdim=True), E.logsumexp(x, 0)),
     [f32(3, 4, 2) * 10]),
    ("softmax", lambda x: (x.softmax(-1), x.log_softmax(1, dtype=E.float64), E.softmax(x, 0),
                           E.log_softmax(x, -1)), [f32(3, 4) * 10]),
    ("softmax_half", lambda x: (x.half().softmax(1), x.half().log_softmax(0)), [f32(3, 4)]),
    ("softmax_0dim", lambda x: (x.softmax(0), x.log_softmax(-1), x.logsumexp(0)), [scalar()]),
    ("softmax_empty", lambda x: (x.softmax(0), x.log_softmax(1), x.logsumexp(0), x.logsumexp(1)),
     [empty(0, 3)]),
    # ---------------------------------------------------------------- cumulative ops
    ("cum_dims", lambda x: (x.cumsum(-1), x.cumsum(0, dtype=E.float64), x.cumprod(-1), x.logcumsumexp(0),
                            x.logcumsumexp(-1)) + tuple(x.cummax(-1)) + tuple(x.cummin(0)), [f32(3, 5, 2)]),
    ("cum_long_line", lambda x: (x.cumsum(0), x.logcumsumexp(0)) + tuple(x.cummax(0)) + tuple(x.cummin(0)),
     [f32(37)]),
    ("cumprod_zeros", lambda x: (x.cumprod(1), x.cumprod(0)), [with_zeros()]),
    ("cum_int_bool", lambda i, b: (i.cumsum(0), i.cumprod(1), b.cumsum(0), b.cumsum(1, dtype=E.float32))
     + tuple(i.cummax(1)) + tuple(i.cummin(0)), [i64(3, 5, hi=100), boolean(3, 4)]),
    ("cum_0dim", lambda x: (x.cumsum(0), x.cumprod(0), x.logcumsumexp(0)) + tuple(x.cummax(0))
     + tuple(x.cummin(-1)), [scalar()]),
    ("cum_empty", lambda x: (x.cumsum(0), x.cumprod(1), x.logcumsumexp(0)) + tuple(x.cummax(1)),
     [empty(0, 3)]),
    ("logcumsumexp_range", lambda x: x.logcumsumexp(0),
     [np.array([-100.0, 0.0, 50.0, -30.0, 49.0, 80.0, -200.0], np.float32)]),
    ("cummax_nan", lambda x: tuple(x.cummax(1)) + tuple(x.cummin(1)), [with_nan(3, 5)]),
    ("cumsum_inplace", lambda x: _inplace_cum(x), [f32(3, 4)]),
    # ---------------------------------------------------------------- all / any / count_nonzero
    ("all_any_dims", lambda b: (b.all(), b.all(1, keepdim=True), b.any((0, 1)), b.any(-1), b.all(0),
                                E.count_nonzero(b), E.count_nonzero(b, (0, 1)), E.count_nonzero(b, -1)),
     [boolean(3, 4, 2)]),
    ("all_any_types", lambda x, i: (x.all(), (x > 0).any(0), E.count_nonzero(x, 0), i.all(1), i.any(),
                                    i.to(E.uint8).all(0), i.to(E.uint8).any(), E.count_nonzero(i)),
     [f32(3, 4), i64(3, 4, hi=2)]),
    ("all_any_empty", lambda x: (x.all(0), x.any(0), x.all(), x.any(), E.count_nonzero(x, 0)), [empty(0, 3)]),
    # ---------------------------------------------------------------- sorting
    ("sort_dims", lambda x: tuple(x.sort(-1, descending=True)) + tuple(x.sort(0, stable=True))
     + (x.argsort(0, descending=True), x.argsort(), E.msort(x), E.sort(x, 1).values), [f32(3, 4, 2)]),
    ("sort_nan", lambda x: tuple(x.sort(1)) + tuple(x.sort(0, descending=True)), [f32(3, 4) * np.array(
        [1, NAN, 1, 1], np.float32)]),
    ("sort_int", lambda i: tuple(i.sort(1)) + (i.argsort(0, descending=True),), [i64(3, 6, hi=1000)]),
    ("sort_ties_values", lambda i, b: (i.sort(1).values, i.sort(0, descending=True).values, b.sort(1).values,
                                       i.msort()), [i64(3, 6), boolean(3, 4)]),
    ("sort_half", lambda x: (x.half().sort(1).values, x.to(BF16).sort(0, descending=True).values),
     [f32(3, 5)]),
    ("sort_0dim_empty", lambda x, e: tuple(x.sort(0)) + (x.argsort(), x.msort()) + tuple(e.sort(0))
     + (e.argsort(1),), [scalar(), empty(0, 3)]),
    ("topk", lambda x: tuple(x.topk(3, -1, largest=False)) + tuple(x.topk(2, 0)) + tuple(x.topk(0, 1))
     + tuple(E.topk(x, 1, dim=1, sorted=True)), [f32(3, 5)]),
    ("topk_int_0dim", lambda i, x: tuple(i.topk(2, 1)) + tuple(x.topk(1)) + tuple(x.topk(0)),
     [i64(3, 5, hi=1000), scalar()]),
    ("kthvalue", lambda x: tuple(x.kthvalue(1, 0, keepdim=True)) + tuple(x.kthvalue(3, -1))
     + tuple(E.kthvalue(x, 2, dim=1)), [f32(3, 5)]),
    ("kthvalue_0dim", lambda x: tuple(x.kthvalue(1)) + tuple(x.kthvalue(1, 0, keepdim=True)), [scalar()]),
    # ---------------------------------------------------------------- median / mode
    ("median_dims", lambda x: (x.median(),) + tuple(x.median(0, keepdim=True)) + tuple(x.median(-1))
     + (x.nanmedian(),) + tuple(x.nanmedian(1)), [f32(4, 5)]),
    ("median_nan", lambda x: (x.median(), x.nanmedian()) + tuple(x.median(1)) + tuple(x.nanmedian(1))
     + tuple(x.nanmedian(0)), [with_nan(3, 5)]),
    ("median_all_nan_row", lambda x: tuple(x.nanmedian(1)),
     [np.array([[NAN, NAN], [1.0, NAN]], np.float32)]),
    ("median_int_0dim", lambda i, x: (i.median(),) + tuple(i.median(1)) + (x.median(), x.nanmedian())
     + tuple(x.median(0)), [i64(3, 5, hi=1000), scalar()]),
    ("median_empty", lambda x: (x.median(), x.nanmedian()), [empty(0)]),
    ("mode", lambda i, x: tuple(i.mode(0)) + tuple(i.mode(-1, keepdim=True)) + tuple(i.mode())
     + tuple(x.mode(1)), [i64(4, 7), ties(3, 6)]),
    ("mode_0dim", lambda x: tuple(x.mode()) + tuple(x.mode(0, keepdim=True)), [scalar()]),
    # ---------------------------------------------------------------- quantile
    ("quantile_dims", lambda x: (E.quantile(x, E.tensor([0.1, 0.5, 0.9], device=x.device), dim=1,
                                            keepdim=True),
                                 E.quantile(x, 0.25, dim=-1, interpolation="lower"),
                                 E.quantile(x, 0.25, dim=0, interpolation="higher"),
                                 E.quantile(x, 0.6, interpolation="nearest"),
                                 E.quantile(x, 0.3, dim=1, interpolation="midpoint"),
                                 x.quantile(E.tensor(0.7, device=x.device), 0, keepdim=True),
                                 E.quantile(x, 0.5, keepdim=True)), [f32(3, 5)]),
    ("quantile_double_0dim", lambda x, s: (E.quantile(x, 0.4, dim=0), E.quantile(s, 0.3),
                                           E.quantile(s, 0.3, dim=0, keepdim=True)),
     [f64(4, 3), scalar()]),
    ("nanquantile", lambda x: (E.nanquantile(x, 0.3, dim=1), E.quantile(x, 0.3, dim=1), E.nanquantile(x, 0.5),
                               E.nanquantile(x, E.tensor([0.2, 0.8], device=x.device), dim=0)),
     [with_nan(3, 5)]),
    # ---------------------------------------------------------------- unique
    ("unique_flat", lambda i: E.unique(i, return_inverse=True, return_counts=True) + (
        E.unique(i), E.unique(i, sorted=False, return_counts=True)[1]), [i64(3, 5)]),
    ("unique_dim", lambda i: E.unique(i, return_inverse=True, return_counts=True, dim=0)
     + E.unique(i, return_inverse=True, dim=1) + (E.unique(i, dim=-1),),
     [np.array([[1, 2, 1, 2], [3, 0, 3, 0], [1, 2, 1, 2]], np.int64)]),
    ("unique_float_bool", lambda x, b: E.unique(x, return_inverse=True, return_counts=True)
     + E.unique(b, return_counts=True), [ties(4, 5), boolean(3, 4)]),
    ("unique_nan", lambda x: E.unique(x, return_counts=True),
     [np.array([1.0, NAN, 2.0, NAN, 1.0], np.float32)]),
    ("unique_0dim_empty", lambda x, e: E.unique(x, return_inverse=True, return_counts=True)
     + E.unique(e, return_inverse=True, return_counts=True)
     + E.unique(e, return_inverse=True, return_counts=True, dim=0), [scalar(), empty(0, 3)]),
    ("unique_consecutive", lambda i: E.unique_consecutive(i, return_inverse=True, return_counts=True)
     + (E.unique_consecutive(i.reshape(-1)),)
     + E.unique_consecutive(i, return_inverse=True, return_counts=True, dim=0)
     + E.unique_consecutive(i, return_counts=True, dim=1),
     [np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 3, 0]], np.int64)]),
    ("unique_consecutive_empty", lambda e: E.unique_consecutive(e, return_inverse=True, return_counts=True)
     + E.unique_consecutive(e, return_counts=True, dim=1), [empty(0, 3)]),
    # ---------------------------------------------------------------- diff
    ("diff", lambda x, p: (E.diff(x, n=2, dim=0), E.diff(x), E.diff(x, prepend=p, append=p),
                           E.diff(x, dim=0, prepend=x[:1])), [f32(4, 5), f32(4, 1)]),
    ("diff_int_bool", lambda i, b: (E.diff(i), E.diff(b, dim=0), E.diff(i, n=3)), [i64(3, 5, hi=9),
                                                                                boolean(3, 4)]),
]


def _inplace_cum(x):
    y = x * 1
    y.cumsum_(1)
    z = x * 1
    z.cumprod_(0)
    return y, z
