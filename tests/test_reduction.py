"""Reductions (ember/_ops/reduction.py) against real PyTorch: values, dtypes,
shapes, named result tuples, errors, and gradients through .backward()."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402

RNG = np.random.default_rng(0)
NAN = float("nan")
INF = float("inf")


# ------------------------------------------------------------------ harness
def _leaf(T, a, grad, transpose):
    t = T.from_numpy(np.array(a, copy=True))
    if transpose:
        t = t.t() if t.ndim == 2 else t
    if grad and t.dtype.is_floating_point:
        if transpose:  # keep the leaf non-contiguous: grad on the base, use the view
            base = T.from_numpy(np.array(a, copy=True)).requires_grad_(True)
            return base, base.t()
        t.requires_grad_(True)
    return t, t


def _flat(r):
    if hasattr(r, "shape") and hasattr(r, "dtype"):
        return [r]
    if isinstance(r, (tuple, list)):
        out = []
        for x in r:
            out.extend(_flat(x))
        return out
    return []


def _cmp(rt, re, rtol, atol, path="out"):
    if isinstance(rt, torch.Tensor):
        assert isinstance(re, ember.Tensor), "%s: expected a tensor, got %r" % (path, type(re))
        assert list(re.shape) == list(rt.shape), "%s: shape %s vs %s" % (path, re.shape, rt.shape)
        assert str(re.dtype) == str(rt.dtype), "%s: dtype %s vs %s" % (path, re.dtype, rt.dtype)
        a = np.asarray(re.detach()._data, dtype=np.float64 if rt.dtype.is_floating_point else None)
        b = rt.detach().double().numpy() if rt.dtype.is_floating_point else rt.detach().numpy()
        if rt.dtype.is_floating_point:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(a, b, err_msg=path)
        return
    if isinstance(rt, tuple):
        assert isinstance(re, tuple), "%s: expected a tuple, got %r" % (path, type(re))
        assert type(re).__name__ == type(rt).__name__, "%s: %s vs %s" % (
            path, type(re).__name__, type(rt).__name__)
        assert len(re) == len(rt)
        for i, (x, y) in enumerate(zip(rt, re)):
            _cmp(x, y, rtol, atol, "%s[%d]" % (path, i))
        return
    assert re == rt, "%s: %r vs %r" % (path, re, rt)


def check(fn, *arrays, grad=True, rtol=1e-5, atol=1e-6, transpose=False, grad_atol=None):
    """Run fn(T, *inputs) with T = torch and T = ember on the same data; compare
    results and (when grad) the gradients of a weighted sum of the float outputs."""
    leaves_t, ins_t = zip(*[_leaf(torch, a, grad, transpose) for a in arrays]) if arrays else ((), ())
    leaves_e, ins_e = zip(*[_leaf(ember, a, grad, transpose) for a in arrays]) if arrays else ((), ())
    rt = fn(torch, *ins_t)
    re = fn(ember, *ins_e)
    _cmp(rt, re, rtol, atol)
    if not grad:
        return rt, re
    outs_t = [o for o in _flat(rt) if o.requires_grad]
    outs_e = [o for o in _flat(re) if o.requires_grad]
    assert len(outs_t) == len(outs_e), "outputs requiring grad: %d vs %d" % (len(outs_e), len(outs_t))
    if not outs_t:
        return rt, re
    lt = le = 0
    for ot, oe in zip(outs_t, outs_e):
        w = RNG.standard_normal(tuple(ot.shape)).astype(np.float64)
        lt = lt + (ot * torch.from_numpy(w).to(ot.dtype)).sum()
        le = le + (oe * ember.from_numpy(w).to(oe.dtype)).sum()
    lt.backward()
    le.backward()
    for i, (a, b) in enumerate(zip(leaves_t, leaves_e)):
        if a.grad is None:
            assert b.grad is None or not np.any(np.asarray(b.grad._data)), "grad %d" % i
            continue
        assert b.grad is not None, "no gradient for input %d" % i
        _cmp(a.grad, b.grad, rtol, grad_atol if grad_atol is not None else atol, "grad%d" % i)
    return rt, re


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def err(fn):
    """(exception class name) raised by fn(torch) and fn(ember) must match."""
    names = []
    for T in (torch, ember):
        try:
            fn(T)
            names.append("no error")
        except Exception as e:  # noqa: BLE001
            names.append(type(e).__name__)
    assert names[0] == names[1], "torch raised %s, ember raised %s" % tuple(names)
    return names[0]


def T_(T, a):
    return T.from_numpy(np.array(a, copy=True))


# ------------------------------------------------------------------ sum / mean / prod
X23 = rand(2, 3)
X345 = rand(3, 4, 5)


@pytest.mark.parametrize("fn", [
    lambda T, x: x.sum(),
    lambda T, x: x.sum(0),
    lambda T, x: x.sum(-1, keepdim=True),
    lambda T, x: T.sum(x, dim=(0, 2)),
    lambda T, x: T.sum(x, (-1, 0), True),
    lambda T, x: x.sum(1, dtype=T.float64),
    lambda T, x: x.mean(),
    lambda T, x: x.mean((1, 2)),
    lambda T, x: T.mean(x, -2, keepdim=True),
    lambda T, x: x.prod(),
    lambda T, x: x.prod(1),
    lambda T, x: T.prod(x, -1, keepdim=True),
    lambda T, x: x.nansum(2),
    lambda T, x: T.nanmean(x, 1),
])
def test_sum_mean_prod(fn):
    check(fn, X345, rtol=1e-4, atol=1e-5)


def test_sum_mean_noncontiguous():
    check(lambda T, x: x.sum(0) * 2 + x.mean(1).sum(), rand(4, 3), transpose=True)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.int8, np.bool_])
def test_int_sum_prod_dtype(dtype):
    a = (RNG.integers(0, 3, (3, 4))).astype(dtype)
    check(lambda T, x: (x.sum(), x.sum(1), x.prod(0), x.cumsum(1), x.cumprod(0), T.nansum(x)), a,
          grad=False)


def test_mean_int_errors():
    assert err(lambda T: T_(T, np.array([1, 2, 3])).mean()) == "RuntimeError"
    assert err(lambda T: T_(T, np.array([1, 2, 3], np.uint8)).mean()) == "RuntimeError"
    check(lambda T, x: x.mean(dtype=T.float64), np.array([1, 2, 4]), grad=False)
    assert err(lambda T: T.nanmean(T_(T, np.array([1, 2])))) == "RuntimeError"


def test_empty_reductions():
    e = np.zeros(0, np.float32)
    check(lambda T, x: (x.sum(), x.mean(), x.prod(), x.nansum()), e, grad=False)
    check(lambda T, x: (x.sum(0), x.mean(0), x.prod(0), x.sum(1), x.amax(1), x.max(1)),
          np.zeros((0, 3), np.float32), grad=False)
    for f in (lambda T: T_(T, e).max(), lambda T: T_(T, e).min(), lambda T: T_(T, e).amax(),
              lambda T: T_(T, np.zeros((0, 3), np.float32)).max(0),
              lambda T: T_(T, np.zeros((0, 3), np.float32)).amin(0),
              lambda T: T_(T, e).argmax(), lambda T: T_(T, e).aminmax(),
              lambda T: T_(T, e).mode()):
        assert err(f) in ("RuntimeError", "IndexError")


def test_zero_dim_inputs():
    s = np.array(2.5, np.float32)
    check(lambda T, x: (x.sum(), x.sum(0), x.mean(-1), x.prod(0), x.max(0), x.amax(), x.argmax(0),
                        x.sort(), x.cumsum(0), x.cumprod(0), x.softmax(0), x.log_softmax(0),
                        x.logsumexp(0), x.norm(), x.std(0, correction=0), x.cummax(0),
                        x.median(0), x.topk(1), x.kthvalue(1)), s)


def test_dim_out_of_range():
    for f in (lambda T: T_(T, X23).sum(2), lambda T: T_(T, X23).max(-3),
              lambda T: T_(T, X23).std(5), lambda T: T_(T, X23).softmax(2),
              lambda T: T_(T, X23).sort(3), lambda T: T_(T, np.array(1.0)).sum(1)):
        assert err(f) == "IndexError"
    assert err(lambda T: T_(T, X23).sum((0, 0))) == "RuntimeError"


@pytest.mark.parametrize("a", [
    np.array([1.0, 0.0, 3.0, 2.0], np.float32),
    np.array([1.0, 0.0, 3.0, 0.0], np.float32),
    np.array([[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]], np.float32),
])
def test_prod_grad_with_zeros(a):
    check(lambda T, x: x.prod(), a)
    check(lambda T, x: x.prod(-1), a)
    check(lambda T, x: x.prod(0, keepdim=True), a)


def test_prod_double_backward():
    for a in ([2.0, 3.0, 4.0], [2.0, 0.0, 4.0]):
        gs = []
        for T in (torch, ember):
            x = T.tensor(a, requires_grad=True)
            (g,) = T.autograd.grad(x.prod(), x, create_graph=True)
            (gg,) = T.autograd.grad(g.sum(), x)
            gs.append(np.asarray(gg.detach().tolist()))
        np.testing.assert_allclose(gs[1], gs[0])


# ------------------------------------------------------------------ max / min family
def test_max_named_tuple():
    r = ember.max(ember.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), 1)
    assert isinstance(r, tuple) and len(r) == 2
    assert type(r).__name__ == "max" and type(r) is ember.return_types.max
    assert r[1].tolist() == [1, 2] and r.indices.tolist() == [1, 2] and r.values.tolist() == [5, 6]
    v, i = r
    assert v is r.values and i is r.indices
    rt = torch.max(torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), 1)
    assert repr(r) == repr(rt)
    assert repr(ember.aminmax(ember.tensor([1, 2]))) == repr(torch.aminmax(torch.tensor([1, 2])))
    assert ember.return_types.sort((1, 2)).indices == 2
    with pytest.raises(TypeError):
        ember.return_types.max((1, 2, 3))
    import pickle
    p = pickle.loads(pickle.dumps(ember.return_types.topk((1, 2))))
    assert type(p).__name__ == "topk" and p.values == 1


@pytest.mark.parametrize("fn", [
    lambda T, x: x.max(),
    lambda T, x: x.min(),
    lambda T, x: x.max(1),
    lambda T, x: T.max(x, -1, keepdim=True),
    lambda T, x: x.min(dim=0),
    lambda T, x: x.amax((0, 2)),
    lambda T, x: x.amin(-1, keepdim=True),
    lambda T, x: x.amax(),
    lambda T, x: T.aminmax(x),
    lambda T, x: T.aminmax(x, dim=1, keepdim=True),
    lambda T, x: x.argmax(),
    lambda T, x: x.argmin(2),
    lambda T, x: x.argmax(1, keepdim=True),
    lambda T, x: x.argmax(keepdim=True),
])
def test_max_min(fn):
    check(fn, X345)


def test_max_binary_and_ties():
    check(lambda T, x, y: T.max(x, y), rand(2, 3), rand(3))
    check(lambda T, x, y: T.min(x, other=y), rand(2, 3), rand(2, 3))
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    check(lambda T, x: x.max(), ties)
    check(lambda T, x: x.max(1), ties)
    check(lambda T, x: x.amax(1), ties)
    check(lambda T, x: x.amin(0), ties)
    check(lambda T, x: T.aminmax(x), ties)
    check(lambda T, x: (x.argmax(1), x.argmin(1), x.argmax()), ties)


def test_max_nan():
    a = np.array([[1.0, NAN, 3.0, NAN], [1.0, 2.0, 0.5, -1.0]], np.float32)
    check(lambda T, x: x.max(), a)
    check(lambda T, x: x.max(1), a)
    check(lambda T, x: x.min(1), a)
    check(lambda T, x: (x.argmax(1), x.argmin(1)), a)
    check(lambda T, x: x.amax(1), a)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_max_int_bool(dtype):
    a = RNG.integers(0, 2 if dtype is np.bool_ else 9, (3, 4)).astype(dtype)
    check(lambda T, x: (x.max(), x.min(), x.max(1), x.min(0), x.amax(1),
                        T.aminmax(x)), a, grad=False)
    if dtype is np.bool_:
        assert err(lambda T: T_(T, a).argmax()) == "RuntimeError"
    else:
        check(lambda T, x: (x.argmax(), x.argmin(1)), a, grad=False)


# ------------------------------------------------------------------ var / std
@pytest.mark.parametrize("fn", [
    lambda T, x: x.std(),
    lambda T, x: x.var(),
    lambda T, x: x.std(1),
    lambda T, x: x.var(1, False),
    lambda T, x: x.std(False),
    lambda T, x: T.var(x, (0, 2), keepdim=True),
    lambda T, x: x.std(dim=-1, correction=0),
    lambda T, x: x.var(dim=None, correction=2, keepdim=True),
    lambda T, x: x.std(unbiased=False),
    lambda T, x: T.std_mean(x, 1),
    lambda T, x: T.var_mean(x, dim=(0, 1), unbiased=False),
    lambda T, x: T.std_mean(x),
])
def test_var_std(fn):
    check(fn, X345, rtol=1e-4, atol=1e-5)


def test_var_std_edge():
    check(lambda T, x: x.std(), np.ones(3, np.float32))           # zero std: gradient 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, x: (x.var(), x.std()), np.ones(1, np.float32), grad=False)
        check(lambda T, x: x.std(), np.zeros(0, np.float32), grad=False)
    assert err(lambda T: T_(T, np.array([1, 2])).std()) == "RuntimeError"
    check(lambda T, x: x.std(0).sum() + x.var(1).sum(), rand(3, 4), transpose=True)
    check(lambda T, x: x.var(0), rand(4, 2).astype(np.float64))


# ------------------------------------------------------------------ norm / dist
@pytest.mark.parametrize("fn", [
    lambda T, x: x.norm(),
    lambda T, x: x.norm(1),
    lambda T, x: x.norm(p=INF),
    lambda T, x: x.norm(-INF, dim=1),
    lambda T, x: x.norm(3, dim=1, keepdim=True),
    lambda T, x: x.norm(dim=(0, 2)),
    lambda T, x: x.norm(0.5, 2),
    lambda T, x: T.norm(x, "fro", dim=(1, 2)),
    lambda T, x: x.norm(dtype=T.float64),
    lambda T, x: x.norm("nuc", dim=(1, 2)),
    lambda T, x: x[0].norm("nuc"),
    lambda T, x: T.dist(x, T.ones(5)),
    lambda T, x: T.dist(x, T.zeros(4, 5), 1),
    lambda T, x: T.dist(x, T.zeros(5), INF),
])
def test_norm(fn):
    check(fn, X345, rtol=1e-4, atol=1e-5)


def test_norm_zero_and_ties():
    check(lambda T, x: x.norm(), np.zeros(2, np.float32))
    check(lambda T, x: x.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]], np.float32))
    check(lambda T, x: x.norm(INF), np.array([3.0, -3.0, 1.0], np.float32))
    check(lambda T, x: x.norm(1), np.array([0.0, -2.0, 3.0], np.float32))
    check(lambda T, x: x.norm(3), np.array([0.0, -2.0, 3.0], np.float32))
    check(lambda T, x: T.dist(x, x.detach()), np.array([1.0, 2.0], np.float32))
    assert err(lambda T: T_(T, np.array([3, 4])).norm()) == "RuntimeError"


# ------------------------------------------------------------------ logsumexp / softmax
@pytest.mark.parametrize("fn", [
    lambda T, x: x.logsumexp(1),
    lambda T, x: T.logsumexp(x, (0, 2), keepdim=True),
    lambda T, x: T.softmax(x, 1),
    lambda T, x: x.softmax(-1),
    lambda T, x: T.log_softmax(x, 0),
    lambda T, x: x.log_softmax(dim=-1),
    lambda T, x: x.softmax(1, dtype=T.float64),
    lambda T, x: T.softmax(x * 100, 2),
])
def test_softmax_logsumexp(fn):
    check(fn, X345, rtol=1e-4, atol=1e-5)


def test_softmax_edge():
    check(lambda T, x: T.softmax(x, 0), np.array([0.0, -INF, 1.0], np.float32))
    check(lambda T, x: T.softmax(x, 0), np.array([-INF, -INF], np.float32))
    check(lambda T, x: T.log_softmax(x, 1), np.array([[-INF, -INF], [1e4, 0.0]], np.float32))
    check(lambda T, x: x.logsumexp(1), np.array([[-INF, -INF], [INF, 1.0], [1e4, 1e4]], np.float32),
          grad=False)
    check(lambda T, x: x.logsumexp(1), np.array([[-INF, -INF], [1.0, 2.0]], np.float32))
    check(lambda T, x: (x.logsumexp(0), T.softmax(x, 0)), np.zeros(0, np.float32), grad=False)
    check(lambda T, x: T.logsumexp(x, 0), np.array([1, 2, 3]), grad=False)
    check(lambda T, x: T.softmax(x, 0, dtype=T.float64), np.array([1, 2, 3]), grad=False)
    assert err(lambda T: T.softmax(T_(T, np.array([1, 2])), 0)) == "NotImplementedError"
    check(lambda T, x: T.softmax(x, 0), np.array([1.0, 2.0, 3.0], np.float16), grad=False,
          rtol=1e-3, atol=1e-3)


def test_softmax_double_backward():
    a = rand(2, 3)
    out = []
    for T in (torch, ember):
        x = T.from_numpy(a.copy()).requires_grad_(True)
        w = T.from_numpy(np.arange(6.0, dtype=np.float32).reshape(2, 3))
        (g,) = T.autograd.grad((T.softmax(x, 1) * w).sum(), x, create_graph=True)
        (gg,) = T.autograd.grad((g * g).sum(), x)
        out.append(np.asarray(gg.detach().tolist()))
    np.testing.assert_allclose(out[1], out[0], rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ cumulative
@pytest.mark.parametrize("fn", [
    lambda T, x: x.cumsum(1),
    lambda T, x: T.cumsum(x, -1, dtype=T.float64),
    lambda T, x: x.cumprod(0),
    lambda T, x: T.logcumsumexp(x, 2),
    lambda T, x: T.cummax(x, 1),
    lambda T, x: x.cummin(-1),
])
def test_cumulative(fn):
    check(fn, X345, rtol=1e-4, atol=1e-5)


def test_cumulative_edge():
    z = np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [1.0, 2.0, 0.0, 4.0, 1.0]], np.float32)
    check(lambda T, x: x.cumprod(1), z)
    check(lambda T, x: x.cumprod(0), z)
    check(lambda T, x: T.cummax(x, 1), np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0]], np.float32))
    check(lambda T, x: T.cummin(x, 1), np.array([[3.0, 1.0, 1.0, 2.0, 0.0, 0.0]], np.float32))
    check(lambda T, x: T.cummax(x, 0), np.array([1.0, NAN, 3.0, NAN, 5.0], np.float32), grad=False)
    check(lambda T, x: T.cummax(x, 0), np.array([True, False, True]), grad=False)
    check(lambda T, x: x.logcumsumexp(0), np.array([1.0, -INF, 2.0], np.float32), grad=False)
    check(lambda T, x: (x.cumsum(0), x.cumprod(1)), np.zeros((0, 3), np.float32))
    check(lambda T, x: x.cumsum(0), rand(3, 4), transpose=True)
    assert err(lambda T: T.logcumsumexp(T_(T, np.array([1, 2])), 0)) == "NotImplementedError"
    for T in (torch, ember):
        x = T.tensor([1.0, 2.0, 3.0])
        assert x.cumsum_(0) is x and x.tolist() == [1.0, 3.0, 6.0]


# ------------------------------------------------------------------ all / any / count_nonzero
def test_all_any():
    b = np.array([[True, False, True], [True, True, True]])
    check(lambda T, x: (x.all(), x.any(), x.all(1), x.any(0, keepdim=True), T.all(x, dim=(0, 1))),
          b, grad=False)
    u = np.array([[1, 0, 2], [3, 4, 5]], np.uint8)
    check(lambda T, x: (x.all(), x.any(1), x.all(0)), u, grad=False)
    f = np.array([[NAN, 0.0, 1.0], [2.0, 3.0, -1.0]], np.float32)
    check(lambda T, x: (x.all(), x.any(), x.all(1), x.any(1)), f, grad=False)
    check(lambda T, x: (x.all(), x.any()), np.zeros(0, np.float32), grad=False)
    check(lambda T, x: (T.count_nonzero(x), x.count_nonzero(0), T.count_nonzero(x, dim=(0, 1))),
          f, grad=False)


# ------------------------------------------------------------------ sort / topk / selection
DISTINCT = RNG.permutation(60).reshape(3, 4, 5).astype(np.float32)


@pytest.mark.parametrize("fn", [
    lambda T, x: x.sort(),
    lambda T, x: T.sort(x, 1, descending=True),
    lambda T, x: x.sort(dim=0, stable=True),
    lambda T, x: T.argsort(x, 1),
    lambda T, x: x.argsort(-1, descending=True),
    lambda T, x: T.msort(x),
    lambda T, x: x.topk(2),
    lambda T, x: T.topk(x, 3, dim=1, largest=False),
    lambda T, x: x.topk(0, 0),
    lambda T, x: x.kthvalue(2, 1),
    lambda T, x: T.kthvalue(x, 5, -1, keepdim=True),
    lambda T, x: x.median(),
    lambda T, x: x.median(1),
    lambda T, x: T.median(x, 0, keepdim=True),
    lambda T, x: x.nanmedian(),
    lambda T, x: x.nanmedian(2),
    lambda T, x: x.mode(1),
])
def test_sort_select(fn):
    check(fn, DISTINCT)


def test_sort_ties_and_nan():
    a = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, NAN, 1.0]], np.float32)
    check(lambda T, x: x.sort(1), a)
    check(lambda T, x: x.sort(1, descending=True), a)
    check(lambda T, x: (x.argsort(1), x.argsort(dim=1, descending=True, stable=True)), a, grad=False)
    check(lambda T, x: x.topk(2, 1), np.array([[1.0, NAN, 3.0]], np.float32))
    check(lambda T, x: x.sort(0), np.array([True, False, True]), grad=False)
    check(lambda T, x: x.sort(0, descending=True), np.array([3, -1, 7, 3], np.int64), grad=False)
    check(lambda T, x: x.sort(0), rand(4, 3), transpose=True)
    assert err(lambda T: T_(T, np.array([1.0, 2.0])).topk(3)) == "RuntimeError"
    assert err(lambda T: T_(T, np.array([1.0, 2.0])).kthvalue(3)) == "RuntimeError"


def test_median_mode():
    check(lambda T, x: x.median(), np.array([1.0, 4.0, 2.0, 3.0], np.float32))
    check(lambda T, x: x.median(), np.array([3, 1, 2, 4]), grad=False)
    check(lambda T, x: (x.median(), x.median(1)), np.array([[1.0, NAN, 3.0, NAN]], np.float32),
          grad=False)
    check(lambda T, x: (x.nanmedian(), x.nanmedian(1)), np.array([[1.0, NAN, 3.0, 2.0]], np.float32))
    check(lambda T, x: x.median(1), np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 3.0, 1.0, 3.0]], np.float32))
    check(lambda T, x: x.median(), np.zeros(0, np.float32), grad=False)
    check(lambda T, x: x.mode(1), np.array([[1.0, 3.0, 3.0, 2.0, 1.0, 2.0]], np.float32))
    check(lambda T, x: (x.mode(), x.mode(0)), np.array([[5, 1, 5, 1, 7], [5, 2, 2, 1, 7]]), grad=False)


# ------------------------------------------------------------------ quantile
@pytest.mark.parametrize("fn", [
    lambda T, x: x.quantile(0.3),
    lambda T, x: T.quantile(x, 0.5, dim=1),
    lambda T, x: T.quantile(x, T.tensor([0.1, 0.5, 0.95]), dim=-1, keepdim=True),
    lambda T, x: T.quantile(x, T.tensor([0.25, 0.75]), keepdim=True),
    lambda T, x: x.quantile(0.4, 0, interpolation="lower"),
    lambda T, x: x.quantile(0.4, 0, interpolation="higher"),
    lambda T, x: x.quantile(T.tensor([0.3, 0.5, 0.7]), 2, interpolation="nearest"),
    lambda T, x: x.quantile(0.4, 1, interpolation="midpoint"),
    lambda T, x: x.nanquantile(0.7, 1),
])
def test_quantile(fn):
    check(fn, X345, rtol=1e-4, atol=1e-5)


def test_quantile_nan_and_errors():
    a = np.array([[1.0, NAN, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [NAN] * 4], np.float32)
    check(lambda T, x: (x.quantile(0.5, 1), x.nanquantile(0.5, 1)), a, grad=False)
    check(lambda T, x: x.nanquantile(0.4, 1), a[:2])
    for f in (lambda T: T_(T, np.array([1, 2])).quantile(0.5),
              lambda T: T_(T, np.array([1.0, 2.0], np.float32)).quantile(1.5),
              lambda T: T_(T, np.zeros(0, np.float32)).quantile(0.5),
              lambda T: T_(T, np.array([1.0], np.float32)).quantile(T.tensor([0.5], dtype=T.float64))):
        assert err(f) == "RuntimeError"


# ------------------------------------------------------------------ unique / diff
def test_unique():
    a = np.array([3, 1, 3, 2, 1, 1])
    for kw in ({}, {"return_counts": True}, {"return_inverse": True},
               {"return_inverse": True, "return_counts": True}, {"sorted": False}):
        check(lambda T, x: T.unique(x, **kw), a, grad=False)
    check(lambda T, x: x.unique(return_inverse=True), a.reshape(2, 3), grad=False)
    m = np.array([[1, 2], [0, 1], [1, 2], [0, 0]])
    check(lambda T, x: T.unique(x, dim=0, return_inverse=True, return_counts=True), m, grad=False)
    check(lambda T, x: T.unique(x, dim=1, return_counts=True), m, grad=False)
    check(lambda T, x: T.unique(x, return_inverse=True, return_counts=True), np.zeros(0, np.float32),
          grad=False)
    check(lambda T, x: T.unique(x), np.array([NAN, 1.0, NAN], np.float32), grad=False)
    check(lambda T, x: T.unique(x), np.array([True, False, True]), grad=False)
    c = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    check(lambda T, x: T.unique_consecutive(x, return_inverse=True, return_counts=True), c, grad=False)
    check(lambda T, x: x.unique_consecutive(), c, grad=False)
    mm = np.array([[1, 1, 2, 1], [0, 0, 1, 0]])
    check(lambda T, x: T.unique_consecutive(x, return_counts=True, return_inverse=True, dim=1), mm,
          grad=False)


def test_diff():
    check(lambda T, x: T.diff(x), rand(3, 5))
    check(lambda T, x: x.diff(n=2, dim=0), rand(4, 3))
    check(lambda T, x: T.diff(x, prepend=T.zeros(3, 1), append=T.ones(3, 2)), rand(3, 4))
    check(lambda T, x: T.diff(x), np.array([True, False, False]), grad=False)
    check(lambda T, x: T.diff(x, n=2, prepend=T.tensor([0])), np.array([1, 3, 6, 10]), grad=False)


# ------------------------------------------------------------------ dtypes
def test_half_precision():
    a = rand(3, 4)
    for dt in ("float16", "bfloat16"):
        check(lambda T, x: (x.to(getattr(T, dt)).sum(1), x.to(getattr(T, dt)).mean(),
                            x.to(getattr(T, dt)).max(1), x.to(getattr(T, dt)).softmax(1)),
              a, grad=False, rtol=1e-2, atol=1e-2)


def test_float64_and_grad_dtypes():
    a = rand(3, 4).astype(np.float64)
    check(lambda T, x: (x.sum(1), x.std(0), x.norm(dim=1), x.softmax(1), x.logsumexp(0),
                        x.max(1), x.cumprod(1), x.sort(0), x.prod(1)), a)


# ------------------------------------------------------------------ double backward
@pytest.mark.parametrize("fn", [
    lambda T, x: x.std(1),
    lambda T, x: x.var(),
    lambda T, x: T.std_mean(x, 0)[0] * T.std_mean(x, 0)[1],
    lambda T, x: x.norm(dim=1),
    lambda T, x: x.norm(3),
    lambda T, x: x.logsumexp(1),
    lambda T, x: x.log_softmax(0),
    lambda T, x: x.max(1).values ** 2,
    lambda T, x: x.amax(0) ** 2,
    lambda T, x: x.sort(1).values ** 2,
    lambda T, x: x.topk(2).values ** 2,
    lambda T, x: x.cumsum(1) ** 2,
    lambda T, x: x.cumprod(1),
    lambda T, x: x.logcumsumexp(1),
    lambda T, x: x.mean(0) ** 2,
    lambda T, x: x.median(1).values ** 2,
    lambda T, x: x.quantile(0.3, 1) ** 2,
])
def test_double_backward(fn):
    a = rand(3, 4)
    res = []
    for T in (torch, ember):
        x = T.from_numpy(a.copy()).requires_grad_(True)
        w = T.from_numpy(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
        y = fn(T, x)
        (g,) = T.autograd.grad((y * T.ones(y.shape)).sum(), x, create_graph=True)
        (gg,) = T.autograd.grad((g * w).sum(), x)
        res.append((np.asarray(g.detach().tolist()), np.asarray(gg.detach().tolist())))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-3, atol=1e-4)
