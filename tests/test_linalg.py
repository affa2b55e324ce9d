"""Matrix products (ember/_ops/linalg.py) and torch.linalg (ember/linalg.py)
against real PyTorch: values, dtypes, shapes, errors, and gradients through
.backward() (plus double backward through autograd.grad(create_graph=True))."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402

RNG = np.random.default_rng(0)
INF = float("inf")


# ------------------------------------------------------------------ harness
def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def spd(n, batch=(), dtype=np.float64):
    a = RNG.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def _leaf(T, a, grad):
    if isinstance(a, tuple) and a and a[0] == "bf16":
        t = T.from_numpy(np.array(a[1], copy=True)).to(T.bfloat16)
    else:
        t = T.from_numpy(np.array(a, copy=True))
    if grad and t.dtype.is_floating_point:
        t.requires_grad_(True)
    return t


def _flat(r):
    if hasattr(r, "shape") and hasattr(r, "dtype"):
        return [r]
    if isinstance(r, (tuple, list)):
        out = []
        for x in r:
            out.extend(_flat(x))
        return out
    return []


def _weights(T, o, k):
    n = int(np.prod(o.shape)) if len(o.shape) else 1
    w = np.cos(0.7 * np.arange(n) + k).reshape(tuple(o.shape))
    return T.from_numpy(w).to(o.dtype)


def _run(T, fn, arrays, grad, double, loss_fn):
    ts = [_leaf(T, a, grad) for a in arrays]
    out = fn(T, *ts)
    outs = _flat(out)
    leaves = [t for t in ts if t.requires_grad]
    grads = []
    if grad and leaves:
        if loss_fn is not None:
            loss = loss_fn(T, out)
        else:
            loss = None
            for k, o in enumerate(outs):
                if o.requires_grad:
                    term = (o * _weights(T, o, k)).sum()
                    loss = term if loss is None else loss + term
        if loss is not None:
            if double:
                gs = T.autograd.grad(loss, leaves, create_graph=True)
                grads.extend(gs)
                loss2 = None
                for k, g in enumerate(gs):
                    term = (g * g * _weights(T, g, k + 3)).sum()
                    loss2 = term if loss2 is None else loss2 + term
                loss2.backward()
            else:
                loss.backward()
            grads.extend(t.grad for t in leaves)
    return out, outs, grads


def _assert_close(te, tt, rtol, atol, what):
    assert isinstance(te, ember.Tensor), "%s: expected a tensor, got %r" % (what, type(te))
    assert list(te.shape) == list(tt.shape), "%s: shape %s vs %s" % (what, list(te.shape), list(tt.shape))
    assert str(te.dtype) == str(tt.dtype), "%s: dtype %s vs %s" % (what, te.dtype, tt.dtype)
    if tt.dtype.is_complex:
        a, b = np.asarray(te.detach()._data), tt.detach().resolve_conj().numpy()
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)
    elif tt.dtype.is_floating_point:
        a = np.asarray(te.detach()._data, dtype=np.float64)
        b = tt.detach().double().numpy()
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(np.asarray(te._data), tt.numpy(), err_msg=what)


def check(fn, *arrays, grad=True, double=False, rtol=1e-5, atol=1e-6, loss=None, compare_out=True):
    """Run fn(T, *tensors) with T = torch and T = ember and compare results and gradients."""
    rt, outs_t, grads_t = _run(torch, fn, arrays, grad, double, loss)
    re, outs_e, grads_e = _run(ember, fn, arrays, grad, double, loss)
    if isinstance(rt, tuple) and hasattr(rt, "_fields") is False and type(rt).__module__ == "torch.return_types":
        assert type(re).__name__ == type(rt).__name__
    if compare_out:
        assert len(outs_e) == len(outs_t)
        for i, (a, b) in enumerate(zip(outs_e, outs_t)):
            _assert_close(a, b, rtol, atol, "output %d" % i)
    assert len(grads_e) == len(grads_t)
    for i, (a, b) in enumerate(zip(grads_e, grads_t)):
        if b is None:
            assert a is None or not np.any(np.asarray(a._data)), "grad %d should be None" % i
            continue
        _assert_close(a, b, rtol, atol, "grad %d" % i)
    return re


def check_error(fn, match_message=True):
    """fn(T) raises the same exception class (and message) on both sides."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(torch)
        except Exception as e:  # noqa: BLE001
            et = e
        else:
            raise AssertionError("torch raised nothing")
        with pytest.raises(Exception) as info:
            fn(ember)
    ee = info.value
    assert type(ee).__name__ == type(et).__name__, "%s vs %s: %s" % (type(ee).__name__, type(et).__name__, ee)
    assert isinstance(ee, RuntimeError) == isinstance(et, RuntimeError)
    if match_message:
        assert str(ee).split("\n")[0] == str(et).split("\n")[0]


# ------------------------------------------------------------------ matmul
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 1, 3, 2)), ((0, 3), (3, 4)), ((2, 0), (0, 4)),
    ((0, 2, 3), (3, 4)), ((2, 3), (3, 0)), ((0,), (0,)), ((5, 2, 0), (0,)), ((5, 2, 0), (0, 4)),
    ((5, 2, 3), (3, 0)), ((2, 0, 3), (1, 3, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes_and_grads(sa, sb):
    check(lambda T, a, b: T.matmul(a, b), rand(*sa), rand(*sb))
    check(lambda T, a, b: a @ b, rand(*sa, dtype=np.float64), rand(*sb, dtype=np.float64), rtol=1e-10)


def test_matmul_grad_fn_names():
    a = ember.ones(2, 3, requires_grad=True)
    assert type((a @ ember.ones(3, 4)).grad_fn).__name__ == "MmBackward0"
    assert type((a @ ember.ones(3)).grad_fn).__name__ == "MvBackward0"
    assert type((ember.ones(3, requires_grad=True) @ ember.ones(3)).grad_fn).__name__ == "DotBackward0"
    assert type(ember.bmm(ember.ones(2, 2, 3, requires_grad=True), ember.ones(2, 3, 1)).grad_fn).__name__ \
        == "BmmBackward0"


def test_matmul_non_contiguous():
    check(lambda T, a, b: a.mT @ b, rand(3, 2), rand(3, 4))
    check(lambda T, a, b: a @ b.mT, rand(5, 2, 3), rand(5, 4, 3))
    check(lambda T, a, b: a.transpose(0, 1) @ b, rand(2, 5, 3), rand(3, 4))
    check(lambda T, a, b: a.narrow(1, 1, 3) @ b.narrow(0, 2, 3), rand(4, 5), rand(6, 2))


def test_matmul_double_backward():
    check(lambda T, a, b: a @ b, rand(2, 3, dtype=np.float64), rand(3, 4, dtype=np.float64), double=True,
          rtol=1e-10)
    check(lambda T, a, b: a @ b, rand(5, 2, 3, dtype=np.float64), rand(3, dtype=np.float64), double=True,
          rtol=1e-10)
    check(lambda T, a, b: a @ b, rand(3, dtype=np.float64), rand(2, 3, 4, dtype=np.float64), double=True,
          rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8])
def test_integer_matmul(dtype):
    a = RNG.integers(0, 5, (2, 3)).astype(dtype)
    b = RNG.integers(0, 5, (3, 4)).astype(dtype)
    check(lambda T, x, y: x @ y, a, b, grad=False)
    check(lambda T, x, y: T.mm(x, y), a, b, grad=False)
    check(lambda T, x, y: x @ y[:, 0], a, b, grad=False)
    check(lambda T, x, y: T.dot(x[0], y[:, 0]), a, b, grad=False)
    check(lambda T, x, y: T.bmm(x.unsqueeze(0), y.unsqueeze(0)), a, b, grad=False)


def test_low_precision_matmul():
    check(lambda T, a, b: a @ b, rand(4, 8).astype(np.float16), rand(8, 3).astype(np.float16), grad=False,
          rtol=2e-3, atol=2e-3)
    check(lambda T, a, b: a @ b, ("bf16", rand(4, 8)), ("bf16", rand(8, 3)), grad=False, rtol=2e-2, atol=2e-2)


def test_mm_bmm_mv_dot():
    check(lambda T, a, b: T.mm(a, b), rand(2, 3), rand(3, 4))
    check(lambda T, a, b: a.mm(b), rand(2, 3), rand(3, 4))
    check(lambda T, a, b: T.bmm(a, b), rand(4, 2, 3), rand(4, 3, 5))
    check(lambda T, a, b: T.mv(a, b), rand(2, 3), rand(3))
    check(lambda T, a, b: T.dot(a, b), rand(3), rand(3))
    check(lambda T, a, b: T.vdot(a, b), rand(3), rand(3))
    check(lambda T, a, b: T.mm(a, b, out=T.empty(0)), rand(2, 3), rand(3, 4), grad=False)


def test_outer_inner():
    check(lambda T, a, b: T.outer(a, b), rand(3), rand(4))
    check(lambda T, a, b: T.ger(a, b), rand(3), rand(4))
    check(lambda T, a, b: T.outer(a, b), np.arange(3), rand(4), grad=False)
    check(lambda T, a, b: T.inner(a, b), rand(2, 3), rand(4, 3))
    check(lambda T, a, b: T.inner(a, b), rand(3), rand(3))
    check(lambda T, a, b: T.inner(a, b), rand(2, 5, 3), rand(4, 3))
    check(lambda T, a, b: T.inner(a, b), np.float32(2.0).reshape(()), rand(4, 3))


def test_addmm_family():
    check(lambda T, c, a, b: T.addmm(c, a, b), rand(2, 4), rand(2, 3), rand(3, 4))
    check(lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2.0), rand(4), rand(2, 3), rand(3, 4))
    check(lambda T, c, a, b: T.addmm(c, a, b, beta=0.0), np.full((2, 4), np.nan, np.float32), rand(2, 3),
          rand(3, 4))
    check(lambda T, c, a, b: c.addmm(a, b, alpha=3), rand(1, 4), rand(2, 3), rand(3, 4))
    check(lambda T, c, a, b: T.addmv(c, a, b, beta=2, alpha=0.5), rand(2), rand(2, 3), rand(3))
    check(lambda T, c, a, b: T.baddbmm(c, a, b, beta=2, alpha=0.5), rand(2, 4), rand(3, 2, 5), rand(3, 5, 4))
    check(lambda T, c, a, b: T.addbmm(c, a, b, beta=2, alpha=0.5), rand(2, 4), rand(3, 2, 5), rand(3, 5, 4))
    check(lambda T, c, a, b: T.addr(c, a, b, beta=2, alpha=0.5), rand(2, 4), rand(2), rand(4))
    check(lambda T, c, a, b: T.addr(c, a, b), rand(2, 4), np.arange(2), np.arange(4), grad=False)
    ints = [RNG.integers(0, 5, s) for s in ((2, 2), (2, 3), (3, 2))]
    check(lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2), *ints, grad=False)


def test_addmm_inplace():
    def f(T, c, a, b):
        c = c * 1
        c.addmm_(a, b, beta=2)
        c.baddbmm_(a.unsqueeze(0), b.unsqueeze(0)) if False else None
        return c
    check(f, rand(2, 4), rand(2, 3), rand(3, 4))

    def g(T, c, a, b):
        c = c * 1
        return c.addr_(a, b)
    check(g, rand(2, 4), rand(2), rand(4))


# ------------------------------------------------------------------ errors
ERRORS = [
    lambda T: T.mm(T.ones(2, 3), T.ones(4, 5)),
    lambda T: T.ones(2, 3) @ T.ones(4, 5),
    lambda T: T.ones(2, 3) @ T.ones(4),
    lambda T: T.ones(4) @ T.ones(2, 3),
    lambda T: T.ones(4) @ T.ones(3),
    lambda T: T.ones(2, 2, 3) @ T.ones(4),
    lambda T: T.ones(2, 2, 3) @ T.ones(4, 5),
    lambda T: T.ones(4) @ T.ones(2, 3, 2),
    lambda T: T.ones(2, 3) @ T.ones(2, 4, 5),
    lambda T: T.matmul(T.ones(2, 2, 3), T.ones(3, 3, 4)),
    lambda T: T.matmul(T.ones(2, 2, 3), T.ones(2, 4, 4)),
    lambda T: T.matmul(T.tensor(2.0), T.ones(2, 3)),
    lambda T: T.matmul(T.ones(2, 3), T.tensor(2.0)),
    lambda T: T.mm(T.ones(2, 3), T.ones(3, 2, dtype=T.float64)),
    lambda T: T.mm(T.ones(2, 3, dtype=T.int64), T.ones(3, 4)),
    lambda T: T.ones(2, 3) @ T.ones(3, 2, dtype=T.int64),
    lambda T: T.ones(2, 2, 3) @ T.ones(2, 3, 4, dtype=T.float64),
    lambda T: T.ones(3) @ T.ones(3, dtype=T.float64),
    lambda T: T.ones(2, 3) @ T.ones(3, dtype=T.float64),
    lambda T: T.ones(2, 3, dtype=T.float16) @ T.ones(3, 5, dtype=T.bfloat16),
    lambda T: T.mm(T.ones(2, 3, 4), T.ones(2, 4, 5)),
    lambda T: T.mm(T.ones(3), T.ones(3, 4)),
    lambda T: T.mm(T.ones(2, 3), T.ones(3)),
    lambda T: T.bmm(T.ones(2, 3), T.ones(2, 3)),
    lambda T: T.bmm(T.ones(2, 3, 4), T.ones(3, 4)),
    lambda T: T.bmm(T.ones(2, 3, 4), T.ones(3, 4, 5)),
    lambda T: T.bmm(T.ones(2, 3, 4), T.ones(2, 5, 5)),
    lambda T: T.bmm(T.ones(2, 3, 4), T.ones(2, 4, 5, dtype=T.float64)),
    lambda T: T.dot(T.ones(3), T.ones(4)),
    lambda T: T.dot(T.ones(3), T.ones(3, dtype=T.int64)),
    lambda T: T.dot(T.ones(2, 3), T.ones(2, 3)),
    lambda T: T.dot(T.tensor(1.0), T.tensor(1.0)),
    lambda T: T.dot(T.ones(2, dtype=T.bool), T.ones(2, dtype=T.bool)),
    lambda T: T.mm(T.ones(2, 2, dtype=T.bool), T.ones(2, 2, dtype=T.bool)),
    lambda T: T.bmm(T.ones(1, 2, 2, dtype=T.bool), T.ones(1, 2, 2, dtype=T.bool)),
    lambda T: T.mv(T.ones(2, 3), T.ones(4)),
    lambda T: T.mv(T.ones(2, 3), T.ones(2, 3)),
    lambda T: T.mv(T.ones(2, 3), T.ones(3, dtype=T.float64)),
    lambda T: T.outer(T.ones(2, 2), T.ones(2)),
    lambda T: T.outer(T.ones(2), T.ones(2, 2)),
    lambda T: T.inner(T.ones(2, 3), T.ones(4, 2)),
    lambda T: T.inner(T.ones(2, 3), T.ones(4, 3, dtype=T.float64)),
    lambda T: T.addmm(T.ones(2, 2, dtype=T.float64), T.ones(2, 3), T.ones(3, 2)),
    lambda T: T.addmm(T.ones(3), T.ones(2, 3), T.ones(3, 2)),
    lambda T: T.addmv(T.ones(3), T.ones(2, 3), T.ones(3)),
    lambda T: T.addmv(T.ones(2, dtype=T.float64), T.ones(2, 3), T.ones(3)),
    lambda T: T.baddbmm(T.ones(2, 3, dtype=T.float64), T.ones(4, 2, 5), T.ones(4, 5, 3)),
    lambda T: T.addbmm(T.ones(2, 3, dtype=T.float64), T.ones(4, 2, 5), T.ones(4, 5, 3)),
    lambda T: T.einsum("ij,jk->ik", T.ones(2, 3), T.ones(3, 2, dtype=T.float64)),
    lambda T: T.einsum("ij,jk->ik", T.ones(2, 3), T.ones(4, 2)),
    lambda T: T.einsum("ij,jk->ik", T.ones(2, 3)),
    lambda T: T.einsum("ij", T.ones(2, 3), T.ones(2)),
    lambda T: T.einsum("ijk,jk->ik", T.ones(2, 3), T.ones(3, 2)),
    lambda T: T.einsum("ij->jj", T.ones(2, 3)),
    lambda T: T.einsum("ij->k", T.ones(2, 3)),
    lambda T: T.tensordot(T.ones(2, 3), T.ones(3, 2, dtype=T.float64), dims=1),
    lambda T: T.tensordot(T.ones(2, 3, 4), T.ones(3, 5, 5)),
    lambda T: T.tensordot(T.ones(2, 3, 4), T.ones(3, 4, 5), dims=([1], [0, 1])),
    lambda T: T.cross(T.ones(2, 3), T.ones(2, 3, dtype=T.float64), dim=1),
    lambda T: T.cross(T.ones(4, 4), T.ones(4, 4)),
    lambda T: T.linalg.cross(T.ones(2, 4), T.ones(2, 4)),
    lambda T: T.linalg.cross(T.ones(2, 3), T.ones(3)),
    lambda T: T.trace(T.ones(2, 3, 3)),
    lambda T: T.trace(T.ones(2, 2, dtype=T.bool)),
    lambda T: T.diag(T.ones(2, 3, 3)),
    lambda T: T.cdist(T.ones(2, 3, dtype=T.long), T.ones(2, 3, dtype=T.long)),
    lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)),
    lambda T: T.cdist(T.ones(3), T.ones(3)),
    lambda T: T.linalg.multi_dot([T.ones(2, 3)]),
    lambda T: T.linalg.multi_dot([T.ones(3), T.ones(3, 2), T.ones(2), T.ones(2)]),
    lambda T: T.linalg.multi_dot([T.ones(3, 3), T.ones(2, 3, 2)]),
    lambda T: T.linalg.multi_dot([T.ones(3, 3), T.ones(3, 2, dtype=T.float64)]),
    lambda T: T.linalg.multi_dot([T.ones(3, 3), T.ones(3, 2), T.ones(3, 2)]),
    lambda T: T.chain_matmul(T.ones(3), T.ones(3, 2)),
    lambda T: T.linalg.inv(T.zeros(2, 2)),
    lambda T: T.linalg.inv(T.stack([T.eye(2), T.zeros(2, 2)])),
    lambda T: T.linalg.inv(T.zeros(2, 3)),
    lambda T: T.linalg.inv(T.eye(2, dtype=T.long)),
    lambda T: T.linalg.det(T.ones(3)),
    lambda T: T.linalg.cholesky(-T.eye(2)),
    lambda T: T.linalg.cholesky(T.stack([T.eye(2), -T.eye(2)])),
    lambda T: T.linalg.solve(T.zeros(2, 2), T.ones(2)),
    lambda T: T.linalg.solve(T.eye(2), T.ones(2, dtype=T.float64)),
    lambda T: T.linalg.solve(T.eye(3), T.ones(4, 2)),
    lambda T: T.linalg.solve(T.ones(3, 2), T.ones(3, 2)),
    lambda T: T.linalg.vector_norm(T.ones(2, dtype=T.long)),
    lambda T: T.linalg.vector_norm(T.ones(0), float("inf")),
    lambda T: T.linalg.vector_norm(T.ones(3, dtype=T.float64), dtype=T.float32),
    lambda T: T.linalg.matrix_norm(T.ones(3)),
    lambda T: T.linalg.matrix_norm(T.ones(3, 3), ord=3),
    lambda T: T.linalg.norm(T.ones(3, 3, 3), ord=2),
    lambda T: T.linalg.norm(T.ones(3), ord="fro"),
    lambda T: T.linalg.matrix_power(T.ones(2, 3), 2),
    lambda T: T.linalg.svd(T.ones(2, 2, dtype=T.long)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_error(ERRORS[i])


def test_bad_input_does_not_mutate():
    c = ember.ones(2, 2)
    with pytest.raises(RuntimeError):
        c.addmm_(ember.ones(2, 3), ember.ones(4, 2))
    assert c.tolist() == [[1.0, 1.0], [1.0, 1.0]]


# ------------------------------------------------------------------ einsum
EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),
    ("ij,jk->ik", [(2, 1), (3, 2)]),
    ("iij->j", [(3, 3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("i...->...", [(2, 3)]),
    ("...i->i", [(2, 3, 4)]),
    ("b h i d, b h j d -> b h i j", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("Ba,aB->B", [(3, 2), (2, 3)]),
    ("ijk->kji", [(2, 3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM)
def test_einsum(eq, shapes):
    arrays = [rand(*s, dtype=np.float64) for s in shapes]
    check(lambda T, *ops: T.einsum(eq, *ops), *arrays, rtol=1e-10)


def test_einsum_forms_and_double_backward():
    a, b = rand(2, 3, dtype=np.float64), rand(3, 4, dtype=np.float64)
    check(lambda T, x, y: T.einsum("ij,jk->ik", [x, y]), a, b)
    check(lambda T, x, y: T.einsum(x, [0, 1], y, [1, 2], [0, 2]), a, b)
    check(lambda T, x, y: T.einsum(x, [Ellipsis, 1], y, [1, 2]), a, b)
    check(lambda T, x, y: T.einsum("ij,jk->ik", x, y), a, b, double=True, rtol=1e-10)
    check(lambda T, x, y: T.einsum("ii,i->i", x, y), rand(3, 3, dtype=np.float64), rand(3, dtype=np.float64),
          double=True, rtol=1e-10)
    check(lambda T, x, y: T.einsum("ij,ij->i", x, y), rand(2, 3, dtype=np.float64), rand(1, 3, dtype=np.float64), double=True,
          rtol=1e-6)
    ints = [RNG.integers(0, 5, (2, 3)), RNG.integers(0, 5, (3, 2))]
    check(lambda T, x, y: T.einsum("ij,jk->ik", x, y), *ints, grad=False)
    r = ember.einsum("ij->ji", ember.ones(2, 3))
    r.add_(1)  # the result does not alias the input
    assert r.tolist() == [[2.0, 2.0]] * 3


# ------------------------------------------------------------------ tensordot, kron, cross, trace, diag
def test_tensordot_kron():
    check(lambda T, a, b: T.tensordot(a, b), rand(2, 3, 4), rand(3, 4, 5))
    check(lambda T, a, b: T.tensordot(a, b, dims=1), rand(2, 3, 4), rand(4, 5))
    check(lambda T, a, b: T.tensordot(a, b, dims=([1, 2], [1, 0])), rand(2, 3, 4), rand(4, 3, 5))
    check(lambda T, a, b: T.tensordot(a, b, dims=0), rand(2, 3), rand(4))
    check(lambda T, a, b: T.tensordot(a, b, dims=([0], [1])), rand(3, 2), rand(4, 3))
    check(lambda T, a, b: T.kron(a, b), rand(2, 3), rand(3, 2))
    check(lambda T, a, b: T.kron(a, b), rand(2, 3), rand(3, 2, 2))
    check(lambda T, a, b: T.kron(a, b), np.arange(4).reshape(2, 2), rand(2, 2), grad=False)
    check(lambda T, a, b: T.kron(a, b), rand(3), rand(2))


def test_cross():
    check(lambda T, a, b: T.cross(a, b, dim=1), rand(4, 3), rand(4, 3))
    check(lambda T, a, b: T.linalg.cross(a, b), rand(4, 3), rand(1, 3))
    check(lambda T, a, b: T.linalg.cross(a, b, dim=0), rand(3, 5), rand(3, 5))
    check(lambda T, a, b: T.linalg.cross(a, b), np.arange(6).reshape(2, 3), np.ones((2, 3), np.int64),
          grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, a, b: T.cross(a, b), rand(3, 4), rand(3, 4))


def test_trace_diag():
    check(lambda T, a: T.trace(a), rand(3, 3))
    check(lambda T, a: T.trace(a), rand(2, 4))
    check(lambda T, a: a.trace(), np.arange(9, dtype=np.int32).reshape(3, 3), grad=False)
    for k in (0, 1, -2):
        check(lambda T, a: T.diag(a, k), rand(3))
        check(lambda T, a: T.diag(a, k), rand(3, 4))
    check(lambda T, a: T.diag_embed(a), rand(2, 3))
    check(lambda T, a: T.diag_embed(a, offset=1, dim1=0, dim2=2), rand(2, 3))
    check(lambda T, a: T.diag_embed(a, offset=-1, dim1=-1, dim2=0), rand(2, 3))
    check(lambda T, a: T.diagflat(a), rand(2, 2))
    check(lambda T, a: T.diagflat(a, -1), rand(3))
    check(lambda T, a: T.linalg.diagonal(a, offset=1), rand(2, 3, 4))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, 0.5, INF])
def test_cdist(p):
    x1, x2 = rand(2, 4, 3, dtype=np.float64), rand(2, 5, 3, dtype=np.float64)
    x2[0, 1] = x1[0, 2]   # a zero distance
    check(lambda T, a, b: T.cdist(a, b, p=p), x1, x2, rtol=1e-7, atol=1e-9)


def test_cdist_mm_path():
    x1, x2 = rand(30, 4, dtype=np.float64), rand(26, 4, dtype=np.float64)
    check(lambda T, a, b: T.cdist(a, b), x1, x2, rtol=1e-6)
    check(lambda T, a, b: T.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"), x1, x2, rtol=1e-8)
    check(lambda T, a, b: T.cdist(a, b), rand(3, 2), rand(1, 4, 2), rtol=1e-5)


def test_chain_multi_dot():
    check(lambda T, a, b, c: T.linalg.multi_dot([a, b, c]), rand(2, 30), rand(30, 3), rand(3, 10), rtol=1e-4)
    check(lambda T, a, b, c, d: T.linalg.multi_dot([a, b, c, d]), rand(30), rand(30, 3), rand(3, 10), rand(10),
          rtol=1e-4)
    check(lambda T, a, b: T.linalg.multi_dot([a, b]), rand(3), rand(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, a, b, c: T.chain_matmul(a, b, c), rand(2, 3), rand(3, 4), rand(4, 2))
        check(lambda T, a: T.chain_matmul(a), rand(2, 3))


# ------------------------------------------------------------------ torch.linalg
def test_inv_det():
    a = rand(3, 3, dtype=np.float64) + 3 * np.eye(3)
    check(lambda T, x: T.linalg.inv(x), a, double=True, rtol=1e-9)
    check(lambda T, x: T.inverse(x), rand(2, 3, 3) + 3 * np.eye(3, dtype=np.float32), rtol=1e-4, atol=1e-5)
    check(lambda T, x: T.linalg.det(x), a, double=True, rtol=1e-9)
    check(lambda T, x: T.det(x), rand(4, 2, 2, dtype=np.float64), rtol=1e-9)
    # singular: the cofactor matrix (PyTorch's create_graph path; its plain backward returns zeros there)
    for m in ([[1.0, 2.0], [2.0, 4.0]], np.arange(9.0).reshape(3, 3)):
        xt = torch.tensor(m, dtype=torch.float64, requires_grad=True)
        (gt,) = torch.autograd.grad(torch.linalg.det(xt), xt, create_graph=True)
        xe = ember.tensor(m, dtype=ember.float64, requires_grad=True)
        ember.linalg.det(xe).backward()
        np.testing.assert_allclose(xe.grad._data, gt.detach().numpy(), rtol=1e-9, atol=1e-12)
    check(lambda T, x: T.linalg.det(x), np.zeros((0, 0)), rtol=1e-9)
    check(lambda T, x: T.linalg.inv(x), np.zeros((2, 0, 0)), rtol=1e-9)
    check(lambda T, x: T.linalg.slogdet(x), a, rtol=1e-9)
    check(lambda T, x: x.slogdet(), -a, rtol=1e-9)
    check(lambda T, x: T.logdet(x), spd(3), rtol=1e-9)
    check(lambda T, x: T.logdet(x), -spd(3), grad=False)
    r = check(lambda T, x: T.linalg.inv_ex(x), np.stack([np.eye(2), np.zeros((2, 2))]), grad=False,
              compare_out=False)
    assert r.info.tolist() == [0, 1] and r.info.dtype == ember.int32


def test_solve():
    A = rand(3, 3, dtype=np.float64) + 3 * np.eye(3)
    check(lambda T, a, b: T.linalg.solve(a, b), A, rand(3, dtype=np.float64), double=True, rtol=1e-9)
    check(lambda T, a, b: T.linalg.solve(a, b), A, rand(3, 2, dtype=np.float64), double=True, rtol=1e-9)
    check(lambda T, a, b: T.linalg.solve(a, b), A, rand(4, 3, 2, dtype=np.float64), rtol=1e-9)
    check(lambda T, a, b: T.linalg.solve(a, b), np.stack([A, A.T]), rand(2, 3, dtype=np.float64), rtol=1e-9)
    check(lambda T, a, b: T.linalg.solve(a, b), np.stack([A, A.T]), rand(3, dtype=np.float64), rtol=1e-9)
    check(lambda T, a, b: T.linalg.solve(a, b, left=False), A, rand(2, 3, dtype=np.float64), rtol=1e-9)
    check(lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), A, rand(3, 2, dtype=np.float64),
          rtol=1e-9)


def test_cholesky():
    A = spd(3)
    check(lambda T, a: T.linalg.cholesky(a), A, rtol=1e-9, double=True)
    check(lambda T, a: T.linalg.cholesky(a, upper=True), A, rtol=1e-9)
    check(lambda T, a: T.linalg.cholesky(a), spd(3, (2,)), rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, a: T.cholesky(a), A, rtol=1e-9)
    r = check(lambda T, a: T.linalg.cholesky_ex(a), np.stack([np.eye(2), -np.eye(2)]), grad=False,
              compare_out=False)
    assert r.info.tolist() == [0, 1]


def _sq_loss(T, out):
    loss = None
    for k, o in enumerate(_flat(out)):
        if o.requires_grad:
            term = (o * o * _weights(T, o, k)).sum()
            loss = term if loss is None else loss + term
    return loss


def test_eigh_svd_qr():
    A = spd(4)
    # eigenvectors are defined up to sign: compare |V| and a sign-invariant loss
    check(lambda T, a: T.linalg.eigh(a), A, rtol=1e-8, atol=1e-10, loss=_sq_loss, compare_out=False)
    check(lambda T, a: T.linalg.eigh(a).eigenvalues, A, rtol=1e-9)
    check(lambda T, a: T.linalg.eigh(a), spd(3, (2,)), rtol=1e-8, atol=1e-10, loss=_sq_loss, compare_out=False)
    check(lambda T, a: T.linalg.qr(a), rand(2, 3, 5, dtype=np.float64), rtol=1e-8, atol=1e-10)
    check(lambda T, a: T.linalg.eigvalsh(a), A, rtol=1e-9)
    check(lambda T, a: T.linalg.eigvalsh(a, UPLO="U"), A, rtol=1e-9)
    for shape in ((4, 3), (3, 4), (2, 3, 3)):
        M = rand(*shape, dtype=np.float64)
        check(lambda T, a: T.linalg.svd(a, full_matrices=False), M, rtol=1e-8, atol=1e-10, loss=_sq_loss,
              compare_out=False)
        check(lambda T, a: T.linalg.svd(a), M, rtol=1e-8, atol=1e-10, loss=_sq_loss, compare_out=False)
        check(lambda T, a: T.linalg.svdvals(a), M, rtol=1e-9)
        check(lambda T, a: T.linalg.qr(a), M, rtol=1e-8, atol=1e-10)
        check(lambda T, a: T.linalg.pinv(a), M, rtol=1e-8, atol=1e-10)
    check(lambda T, a: T.linalg.qr(a, mode="r").R, rand(4, 3, dtype=np.float64), grad=False, rtol=1e-9)
    check(lambda T, a: T.linalg.qr(a, mode="complete"), rand(4, 3, dtype=np.float64), grad=False, rtol=1e-9)
    U, S, Vh = ember.linalg.svd(ember.from_numpy(rand(3, 4, dtype=np.float64)))
    assert list(U.shape) == [3, 3] and list(Vh.shape) == [4, 4]
    check(lambda T, a: T.linalg.pinv(a, hermitian=True), spd(3), rtol=1e-9, grad=False)
    check(lambda T, a: T.pinverse(a), rand(3, 2), rtol=1e-4, atol=1e-5)
    check(lambda T, a: T.svd(a).S, rand(3, 2, dtype=np.float64), rtol=1e-9)


def test_eig():
    a = np.array([[0.0, 1.0], [-1.0, 0.0]], np.float32)
    check(lambda T, x: T.linalg.eigvals(x), a, grad=False)
    w, v = ember.linalg.eig(ember.from_numpy(a))
    assert w.dtype == ember.complex64 and v.dtype == ember.complex64


def test_rank_power_lstsq_exp():
    check(lambda T, a: T.linalg.matrix_rank(a), np.ones((3, 3), np.float32), grad=False)
    check(lambda T, a: T.linalg.matrix_rank(a), rand(2, 4, 3), grad=False)
    check(lambda T, a: T.linalg.matrix_rank(a, hermitian=True), spd(3), grad=False)
    A = rand(3, 3, dtype=np.float64) + 2 * np.eye(3)
    for n in (0, 1, 2, 3, 5, -2):
        check(lambda T, a: T.linalg.matrix_power(a, n), A, rtol=1e-9)
    check(lambda T, a: T.matrix_power(a, 3), np.arange(8).reshape(2, 2, 2), grad=False)
    check(lambda T, a, b: T.linalg.lstsq(a, b).solution, rand(5, 3, dtype=np.float64),
          rand(5, 2, dtype=np.float64), rtol=1e-8)
    check(lambda T, a, b: T.linalg.lstsq(a, b), rand(5, 3), rand(5, 2), grad=False, rtol=1e-4, atol=1e-5)
    check(lambda T, a, b: T.linalg.lstsq(a, b, driver="gelsd"), rand(5, 3), rand(5, 2), grad=False,
          rtol=1e-4, atol=1e-5)
    check(lambda T, a, b: T.linalg.lstsq(a, b).solution, rand(5, 3), rand(5), grad=False, rtol=1e-4, atol=1e-5)
    check(lambda T, a: T.linalg.matrix_exp(a), rand(3, 3, dtype=np.float64), rtol=1e-9)
    check(lambda T, a: T.linalg.matrix_exp(a), 3 * rand(2, 3, 3, dtype=np.float64), rtol=1e-8)


VNORM = [(2, None, False), (1, 0, False), (INF, 1, True), (-INF, None, False), (0, (0, 2), False),
         (3, -1, True), (0.5, None, False), (2, (0, 1), True)]


@pytest.mark.parametrize("ord,dim,keepdim", VNORM)
def test_vector_norm(ord, dim, keepdim):
    x = rand(3, 4, 2, dtype=np.float64)
    x[0, 0, 0] = 0.0
    check(lambda T, a: T.linalg.vector_norm(a, ord, dim, keepdim), x, rtol=1e-9)


def test_norm_grads_and_edges():
    check(lambda T, a: T.linalg.vector_norm(a), np.zeros(3, np.float32))            # gradient 0 at 0
    check(lambda T, a: T.linalg.vector_norm(a, INF), np.array([1.0, -3.0, 3.0], np.float32))  # ties share
    check(lambda T, a: T.linalg.vector_norm(a, dtype=T.float64), rand(3))
    check(lambda T, a: T.linalg.vector_norm(a), np.float32(-3.0).reshape(()))
    check(lambda T, a: T.linalg.vector_norm(a), np.zeros((0,), np.float32))
    check(lambda T, a: T.linalg.vector_norm(a), rand(3, dtype=np.float64), double=True, rtol=1e-9)
    check(lambda T, a: T.linalg.norm(a), rand(3, 4))
    check(lambda T, a: T.linalg.norm(a, dim=1, keepdim=True), rand(3, 4))
    check(lambda T, a: T.linalg.norm(a, 1), rand(4))
    check(lambda T, a: T.linalg.norm(a, "fro", dim=(0, 2)), rand(3, 4, 2))
    for ord in ("fro", "nuc", 1, -1, 2, -2, INF, -INF):
        check(lambda T, a: T.linalg.matrix_norm(a, ord), rand(3, 4, dtype=np.float64), rtol=1e-8)
        check(lambda T, a: T.linalg.norm(a, ord), rand(3, 3, dtype=np.float64), rtol=1e-8)
    check(lambda T, a: T.linalg.matrix_norm(a, 1, dim=(2, 0), keepdim=True), rand(3, 2, 4, dtype=np.float64),
          rtol=1e-9)
    check(lambda T, a: T.linalg.matrix_norm(a, "nuc", keepdim=True), rand(2, 3, 4, dtype=np.float64), rtol=1e-9)
    check(lambda T, a: T.linalg.cond(a), rand(3, 3, dtype=np.float64), rtol=1e-8)
    check(lambda T, a, b: T.linalg.vecdot(a, b), rand(2, 3), rand(3))


def test_complex_forward():
    a = (rand(3, 3, dtype=np.float64) + 1j * rand(3, 3, dtype=np.float64)).astype(np.complex128)
    check(lambda T, x: T.linalg.inv(x), a, grad=False, rtol=1e-9)
    check(lambda T, x: T.linalg.det(x), a, grad=False, rtol=1e-9)
    check(lambda T, x: T.linalg.vector_norm(x), a, grad=False, rtol=1e-9)
    check(lambda T, x: T.linalg.svdvals(x), a, grad=False, rtol=1e-9)
    check(lambda T, x, y: x @ y, a, a, grad=False, rtol=1e-9)
    check(lambda T, x, y: T.vdot(x[0], y[1]), a, a, grad=False, rtol=1e-9)
