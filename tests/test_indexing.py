"""The indexing family against real PyTorch: tensor[key] reads and writes,
gather/scatter, index_*, masked ops, nonzero/take/put, bucketize/searchsorted,
bincount, histc. Values, dtypes, shapes, gradients and exception classes."""
import warnings

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------ helpers
def both(a, requires_grad=False):
    """The same NumPy data as an (ember, torch) pair."""
    a = np.asarray(a)
    e = ember.from_numpy(a.copy())
    t = torch.from_numpy(a.copy())
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def same(e, t, tol=1e-6):
    """ember result e equals torch result t (value, dtype, shape); recurses into tuples."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t)
        for a, b in zip(e, t):
            same(a, b, tol)
        return
    if not isinstance(t, torch.Tensor):
        assert e == t
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    ea = np.asarray(e.detach()._data)
    ta = t.detach().numpy()
    if ta.dtype.kind == "f":
        np.testing.assert_allclose(ea, ta, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(ea, ta)


def conv_key(k, lib):
    """A key written with torch tensors, translated for ember."""
    if isinstance(k, tuple):
        return tuple(conv_key(x, lib) for x in k)
    if isinstance(k, torch.Tensor) and lib is ember:
        return ember.from_numpy(k.numpy().copy())
    if isinstance(k, slice):
        return slice(conv_key(k.start, lib), conv_key(k.stop, lib), conv_key(k.step, lib))
    return k


def same_error(fe, ft):
    """Both raise, with the same exception class."""
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(Exception) as ee:
        fe()
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    return ee.value, te.value


def grad_check(fe, ft, *arrays, tol=1e-6, seed_grad=True):
    """Forward values and gradients of every array input, with a random output gradient."""
    es, ts = zip(*[both(a, requires_grad=True) for a in arrays])
    re, rt = fe(*es), ft(*ts)
    same(re, rt, tol)
    g = rand(*tuple(rt.shape)).astype(rt.detach().numpy().dtype) if seed_grad else np.ones(rt.shape)
    re.backward(ember.from_numpy(g.copy()))
    rt.backward(torch.from_numpy(g.copy()))
    for e, t in zip(es, ts):
        if t.grad is None:
            assert e.grad is None
        else:
            same(e.grad, t.grad, tol)


T = torch.tensor

# ------------------------------------------------------------------ getitem: basic keys
BASIC_KEYS = [
    0, -1, 3, slice(None), slice(1, 3), slice(-3, None), slice(None, -2), slice(None, None, 2),
    slice(1, None, 3), slice(5, 2), slice(-100, 100), (0, 1), (-1, -2, -3), (slice(None), 2),
    (Ellipsis, 1), (1, Ellipsis), (None, 1), (1, None, slice(None), None), (Ellipsis, None),
    (slice(None), None, Ellipsis, 0), (), Ellipsis, None, (Ellipsis,), (0, slice(None, None, 2), 1),
    T(2), (slice(None), T(-1)), (slice(T(1), T(3)),), (np.int64(1), slice(None)),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=[str(i) for i in range(len(BASIC_KEYS))])
def test_getitem_basic_is_view_with_grad(key):
    a = rand(4, 5, 6)
    e, t = both(a)
    re, rt = e[conv_key(key, ember)], t[conv_key(key, torch)]
    same(re, rt)
    # a view: writing through it lands in the base
    if rt.numel():
        re.fill_(100.0)
        rt.fill_(100.0)
        same(e, t)
    grad_check(lambda x: x[conv_key(key, ember)] * 2, lambda x: x[conv_key(key, torch)] * 2, a)


def test_getitem_basic_noncontiguous_and_0dim():
    a = rand(5, 6)
    e, t = both(a)
    same(e.t()[1:4, ::2], t.t()[1:4, ::2])
    same(e.t()[2], t.t()[2])
    s_e, s_t = both(np.array(3.5))
    for k in [None, Ellipsis, (), (None, None)]:
        same(s_e[k], s_t[k])
    same_error(lambda: s_e[0], lambda: s_t[0])


def test_integer_index_of_1d_is_view():
    e, t = both(np.arange(5.0))
    e[2].add_(10)
    t[2].add_(10)
    same(e, t)
    assert e[2].ndim == 0


def test_getitem_int_and_bool_dtypes():
    for dt in (np.int64, np.int32, np.int8, np.uint8, np.bool_):
        a = (RNG.integers(0, 3, (4, 5))).astype(dt)
        e, t = both(a)
        same(e[1:3, [0, 2]], t[1:3, [0, 2]])
        same(e[e > 0] if dt is not np.bool_ else e[e], t[t > 0] if dt is not np.bool_ else t[t])


# ------------------------------------------------------------------ getitem: advanced keys
ADV_KEYS = [
    [0, 2], [3, 3, 0], [[0, 1], [2, 3]], T([0, 2]), T([-1, 0, -4]), T([[0], [3]]),
    (T([0, 1, 3]), T([4, 0, 2])), (T([[0], [3]]), T([1, 2])), (slice(None), [4, 0]),
    (slice(1, 3), T([1, 1])), ([0, 1], slice(None), [2, 3]), ([0, 2], 1), (1, slice(None), [0, 5]),
    (0, slice(None), [0, 1]), (T(0), slice(None), [0, 1]), ([[0, 1]], slice(None), 2),
    (Ellipsis, [1, 0]), (None, [1, 2], None), ([1, 2], None, [0, 1]), (slice(None), None, [0, 4]),
    (T([0, 1], dtype=torch.int32),), T([], dtype=torch.long), (slice(None), T([], dtype=torch.long)),
    (Ellipsis, T([[1, 2], [3, 0]]), slice(None, None, 2)), [0, slice(None), [1, 2]],
    ([0, 0, 3], [[1], [1]]), True, False, (slice(None), True), T(True), (T(False), 1),
]


@pytest.mark.parametrize("key", ADV_KEYS, ids=[str(i) for i in range(len(ADV_KEYS))])
def test_getitem_advanced(key):
    a = rand(4, 5, 6)
    e, t = both(a)
    re, rt = e[conv_key(key, ember)], t[conv_key(key, torch)]
    same(re, rt)
    grad_check(lambda x: x[conv_key(key, ember)], lambda x: x[conv_key(key, torch)], a)


MASKS = [
    lambda a: a > 0,
    lambda a: (a > 0)[:, 0, 0],
    lambda a: (a > 0)[:, :, 0],
    lambda a: (a > 0)[0],
]


@pytest.mark.parametrize("mi", range(len(MASKS)))
def test_getitem_bool_masks(mi):
    a = rand(4, 5, 6)
    m = MASKS[mi](a)
    e, t = both(a)
    me, mt = both(m)
    if mi == 3:
        key_e, key_t = (slice(None), me[:, 0]), (slice(None), mt[:, 0])
    else:
        key_e, key_t = me, mt
    same(e[key_e], t[key_t])
    grad_check(lambda x: x[key_e] ** 2, lambda x: x[key_t] ** 2, a)
    # masks together with an index tensor and a slice
    m2e, m2t = both(np.array([True, False, False, True, False]))
    same(e[[0, 2], m2e], t[[0, 2], m2t])
    same(e[[[0], [2]], m2e, 1:3], t[[[0], [2]], m2t, 1:3])
    same(e[1:3, m2e, [0, 5]], t[1:3, m2t, [0, 5]])


def test_getitem_noncontiguous_advanced_and_double_backward():
    a = rand(5, 4)
    e, t = both(a, requires_grad=True)
    ye = e.t()[[0, 0, 2], 1:]
    yt = t.t()[[0, 0, 2], 1:]
    same(ye, yt)
    ge = ember.autograd.grad((ye ** 2).sum(), e, create_graph=True)[0]
    gt = torch.autograd.grad((yt ** 2).sum(), t, create_graph=True)[0]
    same(ge, gt)
    # the gradient of the index-backward is an index again
    w = rand(5, 4)
    (ge * ember.from_numpy(w)).sum().backward()
    (gt * torch.from_numpy(w)).sum().backward()
    same(e.grad, t.grad)


def test_getitem_is_copy_for_advanced():
    e, t = both(np.arange(6.0).reshape(2, 3))
    f = e[[0, 1]]
    f[0, 0] = -1
    m = e[e > 2]
    m[0] = -1
    assert e._data[0, 0] == 0 and e._data[1, 0] == 3


def test_uint8_mask_warns():
    a = rand(3, 4)
    e, t = both(a)
    m = np.array([1, 0, 1], np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(e[ember.from_numpy(m)], t[torch.from_numpy(m)])


GETITEM_ERRORS = [
    4, -5, (slice(None), 5), (0, 0, 0), T([0, 4]), T([True, False]), T([0.0]), 1.5,
    (T([0, 1]), T([0, 1, 2])), (slice(None, None, -1),), (slice(None, None, 0),),
    T([[True, False, True, False, True]]), (slice(None), T([-6])), T([1], dtype=torch.int16), "a",
]


@pytest.mark.parametrize("key", GETITEM_ERRORS, ids=[str(i) for i in range(len(GETITEM_ERRORS))])
def test_getitem_errors(key):
    e, t = both(np.arange(20.0).reshape(4, 5))
    ee, te = same_error(lambda: e[conv_key(key, ember)], lambda: t[conv_key(key, torch)])
    if isinstance(te, IndexError) and "out of bounds" in str(te):
        assert str(ee) == str(te)


def test_getitem_error_messages():
    e = ember.arange(20.0).reshape(4, 5)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 0 with size 4"):
        e[4]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        e[0, 0, 0]
    with pytest.raises(IndexError, match="must be long, int, byte or bool"):
        e[ember.tensor([0.0])]
    with pytest.raises(IndexError, match="shape of the mask"):
        e[ember.tensor([True, False])]
    with pytest.raises(IndexError, match="empty|size 0"):
        ember.zeros(0, 3)[ember.tensor([0])]


# ------------------------------------------------------------------ setitem
SET_CASES = [
    (1, 5.0), (-1, np.arange(6.0)), ((slice(None), 2), 7), (slice(1, 3), np.ones((1, 6))),
    ((Ellipsis, 0), np.arange(4.0).reshape(4)), ((0, slice(None, None, 2)), -3.5),
    ([0, 2], 0), (T([0, 2]), np.arange(6.0)), ((slice(None), [1, 3]), np.array([[-1.0, -3.0]])),
    ((T([0, 1, 2]), T([3, 2, 1])), np.array([7.0, 8.0, 9.0])), ((T([True, False, True, False]), slice(1, 3)), 5),
    ((T([1, 1, 3]),), np.arange(18.0).reshape(3, 6)), ((0, slice(None), None), np.arange(6.0).reshape(6, 1)),
    ((None, 1), np.ones((1, 1, 6))), (T(2), np.ones(6)), ((slice(None), T([], dtype=torch.long)), 1.0),
    (True, 2.0), ((Ellipsis,), 1.0),
    (T((np.arange(24).reshape(4, 6) % 5) == 0), np.arange(5.0)), (T([False, True, True, False]), np.ones(6)),
    ((slice(None), T([True, False, True, False, False, True])), np.arange(12.0).reshape(4, 3)),
]


@pytest.mark.parametrize("ci", range(len(SET_CASES)))
def test_setitem_values_and_grads(ci):
    key, val = SET_CASES[ci]
    a = rand(4, 6)
    e, t = both(a)
    ve = val if not isinstance(val, np.ndarray) else ember.from_numpy(val.copy())
    vt = val if not isinstance(val, np.ndarray) else torch.from_numpy(val.copy())
    e[conv_key(key, ember)] = ve
    t[conv_key(key, torch)] = vt
    same(e, t)
    assert e._version > 0

    # gradients: to the overwritten tensor (non-leaf) and to the value
    xe, xt = both(a, requires_grad=True)
    if isinstance(val, np.ndarray):
        vae, vat = both(val, requires_grad=True)
    else:
        vae, vat = val, val
    ye, yt = xe * 2, xt * 2
    ye[conv_key(key, ember)] = vae * 3 if isinstance(val, np.ndarray) else vae
    yt[conv_key(key, torch)] = vat * 3 if isinstance(val, np.ndarray) else vat
    same(ye, yt)
    g = rand(4, 6)
    ye.backward(ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    same(xe.grad, xt.grad)
    if isinstance(val, np.ndarray):
        same(vae.grad, vat.grad)


def test_setitem_dtype_casting():
    for dt, val in [(np.int64, 2.7), (np.int64, -1.5), (np.int32, 3), (np.bool_, 0.5), (np.float32, True),
                    (np.uint8, 200)]:
        e, t = both(np.zeros(4, dt))
        e[1] = val
        t[1] = val
        same(e, t)
    e, t = both(np.zeros(4, np.int64))
    e[1:3] = ember.tensor([1.7, -2.9])
    t[1:3] = torch.tensor([1.7, -2.9])
    same(e, t)
    e, t = both(np.zeros(4, np.float32))
    e[0:2] = ember.tensor([1, 2], dtype=ember.float64)
    t[0:2] = torch.tensor([1, 2], dtype=torch.float64)
    same(e, t)
    same_error(lambda: e.__setitem__([0, 1], ember.tensor([1, 2], dtype=ember.float64)),
               lambda: t.__setitem__([0, 1], torch.tensor([1, 2], dtype=torch.float64)))
    same_error(lambda: e.__setitem__(e > 0, ember.tensor([1, 1])), lambda: t.__setitem__(t > 0, torch.tensor([1, 1])))
    e[e > 0] = ember.tensor(7)
    t[t > 0] = torch.tensor(7)
    same(e, t)
    same_error(lambda: e.__setitem__(0, 2 ** 70), lambda: t.__setitem__(0, 2 ** 70))
    same_error(lambda: e.long().__setitem__(0, float("nan")), lambda: t.long().__setitem__(0, float("nan")))
    e, t = both(np.zeros(2, np.int32))
    same_error(lambda: e.__setitem__(0, 2 ** 33), lambda: t.__setitem__(0, 2 ** 33))


def test_setitem_bfloat16():
    e = ember.zeros(3, dtype=ember.bfloat16)
    t = torch.zeros(3, dtype=torch.bfloat16)
    e[1] = 1.00390625 + 1e-3
    t[1] = 1.00390625 + 1e-3
    assert e[1].item() == t[1].float().item()


def test_setitem_writes_into_views():
    e, t = both(np.arange(6.0))
    e[1:4][0] = 5
    t[1:4][0] = 5
    same(e, t)
    e, t = both(np.arange(6.0).reshape(2, 3))
    e.t()[2, 1] = 55
    t.t()[2, 1] = 55
    same(e, t)
    e.t()[[0, 2], 0] = ember.tensor([-1.0, -2.0], dtype=ember.float64)
    t.t()[[0, 2], 0] = torch.tensor([-1.0, -2.0], dtype=torch.float64)
    same(e, t)
    e[:, 1][e[:, 1] > 3] = 0
    t[:, 1][t[:, 1] > 3] = 0
    same(e, t)


def test_setitem_duplicates_and_augmented():
    e, t = both(np.zeros(5, np.float32))
    e[ember.tensor([1, 1, 3])] = ember.tensor([1.0, 2.0, 3.0])
    t[torch.tensor([1, 1, 3])] = torch.tensor([1.0, 2.0, 3.0])
    same(e, t)
    e, t = both(np.zeros(4))
    e[ember.tensor([0, 0, 2])] += 1
    t[torch.tensor([0, 0, 2])] += 1
    same(e, t)
    e, t = both(np.arange(12.0).reshape(3, 4))
    e[:, 1] += 10
    t[:, 1] += 10
    e[0] *= -1
    t[0] *= -1
    same(e, t)
    # value gradient with duplicate indices: every occurrence gets its gradient
    grad_check(lambda x, v: _set(x * 1, [1, 1, 3], v), lambda x, v: _set(x * 1, [1, 1, 3], v),
               rand(5), rand(3))


def _set(x, key, v):
    x[key] = v
    return x


def test_setitem_inplace_non_leaf_grad():
    for lib in (ember, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = w * 2
        h.mul_(w)
        h[0] = 0.0
        h.sum().backward()
        if lib is ember:
            ge = w.grad
        else:
            gt = w.grad
    same(ge, gt)
    # augmented assignment through a basic key on a non-leaf
    grad_check(lambda x: _iadd(x * 1, (slice(0, 2),)), lambda x: _iadd(x * 1, (slice(0, 2),)), rand(4))
    grad_check(lambda x: _iadd(x * 1, ([0, 0, 2],)), lambda x: _iadd(x * 1, ([0, 0, 2],)), rand(4))


def _iadd(x, key):
    x[key] += 3
    return x.exp()


def test_setitem_leaf_and_no_grad():
    e = ember.zeros(3, requires_grad=True)
    t = torch.zeros(3, requires_grad=True)
    same_error(lambda: e.__setitem__(0, 1.0), lambda: t.__setitem__(0, 1.0))
    same_error(lambda: e.__setitem__([0], 1.0), lambda: t.__setitem__([0], 1.0))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        e[[0]] = 1.0
    with ember.no_grad():
        e[0] = 1.0
    with torch.no_grad():
        t[0] = 1.0
    same(e, t)
    assert e.requires_grad and e.grad_fn is None


SET_ERRORS = [
    (lambda lib: lib.arange(12.0).reshape(3, 4), lambda lib, x: x.__setitem__(x > 6, lib.tensor([1.0, 2.0]))),
    (lambda lib: lib.arange(12.0).reshape(3, 4), lambda lib, x: x.__setitem__(lib.tensor([3]), 0.0)),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__(1, lib.tensor([1.0, 2.0]))),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__(0, lib.ones(2, 3))),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__(5, 1.0)),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__((0, 0, 0), 1.0)),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__(lib.tensor([0.0]), 1.0)),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__(0, [1.0, 2.0, 3.0])),
    (lambda lib: lib.zeros(2, 3), lambda lib, x: x.__setitem__([0], lib.ones(2))),
]


@pytest.mark.parametrize("ci", range(len(SET_ERRORS)))
def test_setitem_errors_leave_tensor_unchanged(ci):
    make, fn = SET_ERRORS[ci]
    xe, xt = make(ember), make(torch)
    before = xe.clone()
    same_error(lambda: fn(ember, xe), lambda: fn(torch, xt))
    same(xe, torch.from_numpy(np.asarray(before._data)))


def test_setitem_zero_dim():
    e, t = both(np.array(1.0))
    for k, v in [(Ellipsis, 5), ((), 6), (None, 7)]:
        e[k] = v
        t[k] = v
        same(e, t)


# ------------------------------------------------------------------ gather / scatter
def test_gather_values_and_grads():
    a = rand(3, 4)
    for dim, idx in [(1, [[3, 0], [1, 1], [2, 0]]), (0, [[2, 0, 1, 0]]), (-1, [[0], [3], [1]]),
                     (0, [[0, 0], [1, 1], [2, 2], [0, 1]]), (1, np.zeros((2, 7), np.int64))]:
        ie, it = both(np.asarray(idx, np.int64))
        grad_check(lambda x: ember.gather(x, dim, ie), lambda x: torch.gather(x, dim, it), a)
        same(ember.zeros(3, 4).gather(dim, ie), torch.zeros(3, 4).gather(dim, it))
    ie, it = both(np.array([[0], [2]], np.int32))
    same(ember.gather(ember.from_numpy(a), 1, ie), torch.gather(torch.from_numpy(a), 1, it))
    # 0-dim
    grad_check(lambda x: ember.gather(x, 0, ember.tensor(1)), lambda x: torch.gather(x, 0, torch.tensor(1)),
               rand(3))
    grad_check(lambda x: ember.gather(x, 0, ember.tensor([0, 0])),
               lambda x: torch.gather(x, 0, torch.tensor([0, 0])), np.array(2.0))
    # non-contiguous input, 3-D
    b = rand(4, 3, 5)
    ie, it = both(RNG.integers(0, 4, (2, 3, 2)))
    grad_check(lambda x: x.transpose(0, 2).gather(2, ie), lambda x: x.transpose(0, 2).gather(2, it), b)


GATHER_ERRORS = [
    lambda lib, s: lib.gather(s, 1, lib.tensor([[4]])),
    lambda lib, s: lib.gather(s, 1, lib.tensor([[-1]])),
    lambda lib, s: lib.gather(s, 1, lib.tensor([[0.0]])),
    lambda lib, s: lib.gather(s, 1, lib.tensor([0])),
    lambda lib, s: lib.gather(s, 1, lib.zeros(4, 1, dtype=lib.long)),
    lambda lib, s: lib.zeros(3).scatter_(0, lib.tensor([3]), 1.0),
    lambda lib, s: lib.zeros(3).scatter_(0, lib.tensor([-1]), 1.0),
    lambda lib, s: lib.zeros(3).scatter(0, lib.tensor([1]), lib.tensor([1.0], dtype=lib.float64)),
    lambda lib, s: lib.zeros(3).scatter(0, lib.tensor([1, 2]), lib.tensor([1.0])),
    lambda lib, s: lib.ones(3).scatter(0, lib.tensor([1]), 2.0, reduce="mean"),
    lambda lib, s: lib.ones(3).scatter_add(0, lib.tensor([1]), lib.tensor([1])),
    lambda lib, s: lib.ones(3).scatter_reduce(0, lib.tensor([1]), lib.tensor([1.0]), "foo"),
    lambda lib, s: lib.zeros(3).scatter_(0, lib.tensor([0.0]), 1.0),
]


@pytest.mark.parametrize("ci", range(len(GATHER_ERRORS)))
def test_gather_scatter_errors(ci):
    fn = GATHER_ERRORS[ci]
    same_error(lambda: fn(ember, ember.arange(12.0).reshape(3, 4)),
               lambda: fn(torch, torch.arange(12.0).reshape(3, 4)))


def test_scatter_values_and_grads():
    idx = np.array([[0, 4], [2, 1]])
    ie, it = both(idx)
    grad_check(lambda x, s: x.scatter(1, ie, s), lambda x, s: x.scatter(1, it, s), rand(2, 5), rand(2, 2))
    # src larger than index (forward only: PyTorch's backward rejects it)
    same(ember.zeros(2, 5).scatter(1, ie, ember.ones(3, 4)), torch.zeros(2, 5).scatter(1, it, torch.ones(3, 4)))
    grad_check(lambda x: x.scatter(0, ember.tensor([[2, 0, 1]]), 9.0),
               lambda x: x.scatter(0, torch.tensor([[2, 0, 1]]), 9.0), rand(3, 3))
    e, t = both(np.zeros((2, 5), np.float32))
    e.scatter_(1, ie, ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    t.scatter_(1, it, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    same(e, t)
    same(ember.zeros(3, 4).scatter_(1, ember.tensor([[2], [0], [1]]), 1.0),
         torch.zeros(3, 4).scatter_(1, torch.tensor([[2], [0], [1]]), 1.0))
    same(ember.zeros(3, dtype=ember.long).scatter(0, ember.tensor([1]), 2.7),
         torch.zeros(3, dtype=torch.long).scatter(0, torch.tensor([1]), 2.7))
    for red in ("add", "multiply"):
        same(ember.ones(3).scatter(0, ember.tensor([1, 1]), ember.tensor([3.0, 2.0]), reduce=red),
             torch.ones(3).scatter(0, torch.tensor([1, 1]), torch.tensor([3.0, 2.0]), reduce=red))
        same(ember.ones(3).scatter(0, ember.tensor([1, 1]), 2.0, reduce=red),
             torch.ones(3).scatter(0, torch.tensor([1, 1]), 2.0, reduce=red))
    base_e, base_t = ember.zeros(2), torch.zeros(2)
    same([base_e.scatter(0, ember.tensor([1]), 5.0), base_e], [base_t.scatter(0, torch.tensor([1]), 5.0), base_t])


def test_scatter_add():
    e, t = both(np.zeros(4, np.float32))
    e.scatter_add_(0, ember.tensor([0, 1, 0, 3, 0]), ember.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    t.scatter_add_(0, torch.tensor([0, 1, 0, 3, 0]), torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    same(e, t)
    idx = RNG.integers(0, 3, (4, 2))
    ie, it = both(idx)
    grad_check(lambda x, s: x.scatter_add(0, ie, s), lambda x, s: x.scatter_add(0, it, s), rand(3, 2), rand(4, 2))
    grad_check(lambda x, s: ember.scatter_add(x, 1, ie, s), lambda x, s: torch.scatter_add(x, 1, it, s),
               rand(4, 3), rand(4, 2))
    same(ember.ones(3, dtype=ember.int64).scatter_add(0, ember.tensor([1, 1]), ember.tensor([1, 2])),
         torch.ones(3, dtype=torch.int64).scatter_add(0, torch.tensor([1, 1]), torch.tensor([1, 2])))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    idx = np.array([0, 0, 2, 2, 2, 4])
    ie, it = both(idx)
    x = rand(5)
    src = rand(6)
    src[3] = src[2]  # a tie for amax/amin
    if reduce == "prod":
        src[4] = 0.0
    grad_check(lambda a, s: a.scatter_reduce(0, ie, s, reduce, include_self=include_self),
               lambda a, s: a.scatter_reduce(0, it, s, reduce, include_self=include_self), x, src)
    # 2-D, dim 1
    idx2 = RNG.integers(0, 3, (2, 4))
    ie2, it2 = both(idx2)
    grad_check(lambda a, s: ember.scatter_reduce(a, 1, ie2, s, reduce, include_self=include_self),
               lambda a, s: torch.scatter_reduce(a, 1, it2, s, reduce, include_self=include_self),
               rand(2, 3), rand(2, 4))
    # integers
    xi, si = RNG.integers(-5, 5, 5), RNG.integers(-5, 5, 6)
    same(ember.from_numpy(xi).scatter_reduce(0, ie, ember.from_numpy(si), reduce, include_self=include_self),
         torch.from_numpy(xi).scatter_reduce(0, it, torch.from_numpy(si), reduce, include_self=include_self))
    # in place
    e, t = both(x)
    e.scatter_reduce_(0, ie, ember.from_numpy(src), reduce, include_self=include_self)
    t.scatter_reduce_(0, it, torch.from_numpy(src), reduce, include_self=include_self)
    same(e, t)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce(reduce):
    ie, it = both(np.array([0, 2, 0, 1]))
    for inc in (True, False):
        grad_check(lambda x, s: x.index_reduce(1, ie, s, reduce, include_self=inc),
                   lambda x, s: x.index_reduce(1, it, s, reduce, include_self=inc), rand(2, 3), rand(2, 4))
        e, t = both(rand(5, 2))
        src = rand(4, 2)
        same(e.index_reduce_(0, ie, ember.from_numpy(src), reduce, include_self=inc),
             t.index_reduce_(0, it, torch.from_numpy(src), reduce, include_self=inc))
    errs = [
        lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([0]), lib.ones(1), "sum"),
        lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([3]), lib.ones(1), reduce),
        lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([0, 1]), lib.ones(1), reduce),
        lambda lib: lib.zeros(3).index_reduce(0, lib.tensor([0]), lib.ones(1, dtype=lib.float64), reduce),
    ]
    for fn in errs:
        same_error(lambda: fn(ember), lambda: fn(torch))


# ------------------------------------------------------------------ index_* along a dim
def test_index_select():
    a = rand(3, 4)
    for dim, idx in [(1, [3, 1]), (0, [2, 2, 0]), (-1, []), (0, 1)]:
        ie, it = both(np.array(idx, np.int64))
        grad_check(lambda x: ember.index_select(x, dim, ie), lambda x: torch.index_select(x, dim, it), a)
    ie, it = both(np.array([1, 0], np.int32))
    same(ember.from_numpy(a).index_select(0, ie), torch.from_numpy(a).index_select(0, it))
    same(ember.tensor(3.0).index_select(0, ember.tensor(0)), torch.tensor(3.0).index_select(0, torch.tensor(0)))
    grad_check(lambda x: x.t().index_select(1, ember.tensor([0, 2, 2])),
               lambda x: x.t().index_select(1, torch.tensor([0, 2, 2])), a)
    for fn in [lambda lib, x: lib.index_select(x, 1, lib.tensor([[0]])),
               lambda lib, x: lib.index_select(x, 1, lib.tensor([4])),
               lambda lib, x: lib.index_select(x, 1, lib.tensor([-1])),
               lambda lib, x: lib.index_select(x, 1, lib.tensor([1.0])),
               lambda lib, x: lib.index_select(x, 1, lib.tensor([1], dtype=lib.int16))]:
        same_error(lambda: fn(ember, ember.from_numpy(a)), lambda: fn(torch, torch.from_numpy(a)))


def test_index_add_copy_fill():
    ie, it = both(np.array([0, 0, 3]))
    grad_check(lambda x, s: x.index_add(0, ie, s), lambda x, s: x.index_add(0, it, s), rand(4), rand(3))
    grad_check(lambda x, s: ember.index_add(x, 1, ie, s, alpha=2.5),
               lambda x, s: torch.index_add(x, 1, it, s, alpha=2.5), rand(2, 4), rand(2, 3))
    e, t = both(np.zeros(4, np.float32))
    e.index_add_(0, ie, ember.tensor([1.0, 2.0, 5.0]))
    t.index_add_(0, it, torch.tensor([1.0, 2.0, 5.0]))
    same(e, t)
    same(ember.zeros(3, dtype=ember.int64).index_add(0, ember.tensor([1, 1]), ember.tensor([2, 3]), alpha=2),
         torch.zeros(3, dtype=torch.int64).index_add(0, torch.tensor([1, 1]), torch.tensor([2, 3]), alpha=2))

    ic_e, ic_t = both(np.array([2, 0]))
    grad_check(lambda x, s: x.index_copy(0, ic_e, s), lambda x, s: x.index_copy(0, ic_t, s), rand(3, 2), rand(2, 2))
    e, t = both(np.zeros((3, 2), np.float32))
    e.index_copy_(0, ic_e, ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    t.index_copy_(0, ic_t, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    same(e, t)

    for idx in ([0, 2], [0, -1, 2, 0]):
        if_e, if_t = both(np.array(idx))
        grad_check(lambda x: x.index_fill(1, if_e, -2.0), lambda x: x.index_fill(1, if_t, -2.0), rand(3, 4))
        if min(idx) < 0:  # PyTorch's backward for the value rejects negative indices
            continue
        grad_check(lambda x, v: x.index_fill(1, if_e, v), lambda x, v: x.index_fill(1, if_t, v),
                   rand(3, 4), np.array(1.5))
    e, t = both(np.arange(12.0).reshape(3, 4))
    same(e.index_fill_(1, ember.tensor([0, 2]), -2.0), t.index_fill_(1, torch.tensor([0, 2]), -2.0))
    same(ember.zeros(3, 2, dtype=ember.long).index_fill(0, ember.tensor([0, 1]), 2.5),
         torch.zeros(3, 2, dtype=torch.long).index_fill(0, torch.tensor([0, 1]), 2.5))

    errs = [
        lambda lib: lib.zeros(3).index_add(0, lib.tensor([0, 0]), lib.tensor([1.0, 2, 3])),
        lambda lib: lib.zeros(3).index_add(0, lib.tensor([0, 5]), lib.tensor([1.0, 2])),
        lambda lib: lib.zeros(3).index_add(0, lib.tensor([0, -1]), lib.tensor([1.0, 2])),
        lambda lib: lib.zeros(3).index_add(0, lib.tensor([0, 1]), lib.tensor([1.0, 2], dtype=lib.float64)),
        lambda lib: lib.zeros(3, 2).index_add(0, lib.tensor([0, 1]), lib.tensor([1.0, 2])),
        lambda lib: lib.zeros(3, 2).index_add(0, lib.tensor([[0, 1]]), lib.ones(2, 2)),
        lambda lib: lib.zeros(3, 2).index_copy(0, lib.tensor([0, 1]), lib.tensor([1.0, 2])),
        lambda lib: lib.zeros(3, 2).index_copy(0, lib.tensor([0, 3]), lib.ones(2, 2)),
        lambda lib: lib.zeros(3, 2).index_copy(0, lib.tensor([0, -1]), lib.ones(2, 2)),
        lambda lib: lib.zeros(3, 2).index_copy(0, lib.tensor([0, 1]), lib.ones(2, 2, dtype=lib.float64)),
        lambda lib: lib.zeros(3, 2).index_copy(0, lib.tensor([0, 1], dtype=lib.int32), lib.ones(2, 2)),
        lambda lib: lib.zeros(3, 2).index_fill(0, lib.tensor([0, 3]), 1.0),
        lambda lib: lib.zeros(3, 2).index_fill(0, lib.tensor([0, 1]), lib.tensor([1.0])),
        lambda lib: lib.zeros(3, 2).index_fill(0, lib.tensor([0, 1], dtype=lib.int32), 1.0),
    ]
    for fn in errs:
        same_error(lambda: fn(ember), lambda: fn(torch))


def test_index_put():
    for acc in (False, True):
        ie, it = both(np.array([0, 0, 2]))
        grad_check(lambda x, v: x.index_put((ie,), v, accumulate=acc),
                   lambda x, v: x.index_put((it,), v, accumulate=acc), rand(4), rand(3))
        grad_check(lambda x, v: ember.index_put(x, (ie, ember.tensor([1, 0, 1])), v, accumulate=acc),
                   lambda x, v: torch.index_put(x, (it, torch.tensor([1, 0, 1])), v, accumulate=acc),
                   rand(4, 2), rand(1))
        grad_check(lambda x, v: x.index_put((ember.tensor([True, False, True]),), v, accumulate=acc),
                   lambda x, v: x.index_put((torch.tensor([True, False, True]),), v, accumulate=acc),
                   rand(3, 2), rand(2))
    e, t = both(np.zeros(4, np.float32))
    e.index_put_((ember.tensor([0, 0, 2]),), ember.tensor(1.0), accumulate=True)
    t.index_put_((torch.tensor([0, 0, 2]),), torch.tensor(1.0), accumulate=True)
    same(e, t)
    e.index_put_([ember.tensor(1)], ember.tensor(3.0))
    t.index_put_([torch.tensor(1)], torch.tensor(3.0))
    same(e, t)
    errs = [
        lambda lib: lib.zeros(4).index_put_((lib.tensor([0]),), lib.tensor(1.0, dtype=lib.float64)),
        lambda lib: lib.zeros(4).index_put_((lib.tensor([0, 0, 2]),), lib.tensor([1.0, 2.0]), accumulate=True),
        lambda lib: lib.zeros(4).index_put_((lib.tensor([0, 5]),), lib.tensor(1.0)),
        lambda lib: lib.zeros(3).index_put_((lib.tensor([0, 1]), lib.tensor([0])), lib.tensor([1.0])),
        lambda lib: lib.zeros(4).index_put_((1,), lib.tensor(3.0)),
        lambda lib: lib.zeros(4, requires_grad=True).index_put_((lib.tensor([1]),), lib.tensor(3.0)),
    ]
    for fn in errs:
        same_error(lambda: fn(ember), lambda: fn(torch))


# ------------------------------------------------------------------ masked ops
def test_masked_fill():
    a = rand(3, 4)
    m = a < 0
    me, mt = both(m)
    grad_check(lambda x: x.masked_fill(me, float("-inf")).exp(), lambda x: x.masked_fill(mt, float("-inf")).exp(), a)
    grad_check(lambda x, v: ember.masked_fill(x, me, v), lambda x, v: torch.masked_fill(x, mt, v), a, np.array(2.0))
    # broadcast mask, both directions
    mb = np.array([True, False, False, True])
    be, bt = both(mb)
    grad_check(lambda x: x.masked_fill(be, 0.5), lambda x: x.masked_fill(bt, 0.5), a)
    m3 = RNG.random((2, 3, 4)) > 0.5
    m3e, m3t = both(m3)
    grad_check(lambda x: x.masked_fill(m3e, 1.0), lambda x: x.masked_fill(m3t, 1.0), a)
    e, t = both(a)
    e.masked_fill_(be, 0.5)
    t.masked_fill_(bt, 0.5)
    same(e, t)
    for dt, v in [(np.int64, 1.5), (np.bool_, 0.5), (np.int32, ember.tensor(2.7))]:
        e, t = both(np.zeros((3, 4), dt))
        vt = torch.tensor(2.7) if isinstance(v, ember.Tensor) else v
        same(e.masked_fill(me, v), t.masked_fill(mt, vt))
    errs = [
        lambda lib, x: x.masked_fill(lib.ones(3, 4), 0.0),
        lambda lib, x: x.masked_fill(lib.ones(3, 4, dtype=lib.uint8), 0.0),
        lambda lib, x: x.masked_fill_(lib.ones(2, 3, 4, dtype=lib.bool), 0.0),
        lambda lib, x: x.masked_fill(lib.ones(3, 4, dtype=lib.bool), lib.tensor([1.0])),
        lambda lib, x: x.masked_fill(lib.ones(3, 5, dtype=lib.bool), 1.0),
        lambda lib, x: x.long().masked_fill(lib.ones(3, 4, dtype=lib.bool), 2 ** 65),
    ]
    for fn in errs:
        same_error(lambda: fn(ember, ember.from_numpy(a)), lambda: fn(torch, torch.from_numpy(a)))


def test_masked_select_and_scatter():
    a = rand(3, 4)
    m = a > 0
    me, mt = both(m)
    grad_check(lambda x: x.masked_select(me), lambda x: x.masked_select(mt), a)
    be, bt = both(np.array([True, False, True, True]))
    grad_check(lambda x: ember.masked_select(x, be), lambda x: torch.masked_select(x, bt), a)
    m3e, m3t = both(RNG.random((2, 3, 4)) > 0.5)
    grad_check(lambda x: x.masked_select(m3e), lambda x: x.masked_select(m3t), a)
    grad_check(lambda x, s: x.masked_scatter(me, s), lambda x, s: x.masked_scatter(mt, s), a, rand(4, 4))
    grad_check(lambda x, s: x.masked_scatter(be, s), lambda x, s: x.masked_scatter(bt, s), a, rand(12))
    e, t = both(a)
    src = rand(12)
    e.masked_scatter_(me, ember.from_numpy(src))
    t.masked_scatter_(mt, torch.from_numpy(src))
    same(e, t)
    errs = [
        lambda lib, x: x.masked_select(lib.ones(3, 4)),
        lambda lib, x: x.masked_scatter(lib.ones(3, 4, dtype=lib.bool), lib.ones(3, dtype=lib.float64)),
        lambda lib, x: x.masked_scatter(lib.ones(3, 4, dtype=lib.bool), lib.ones(3, dtype=lib.float64).float()),
    ]
    for fn in errs:
        same_error(lambda: fn(ember, ember.from_numpy(a).float()), lambda: fn(torch, torch.from_numpy(a).float()))


# ------------------------------------------------------------------ nonzero, take, put
def test_nonzero_argwhere_where():
    for a in [np.array([[1, 0], [0, 3]]), np.array(3.0), np.array(0.0), np.zeros((0, 3)),
              RNG.random((3, 4, 2)) > 0.5, np.array([0.0, -1.0, 2.0])]:
        e, t = both(a)
        same(ember.nonzero(e), torch.nonzero(t))
        same(e.nonzero(as_tuple=True), t.nonzero(as_tuple=True))
        same(ember.argwhere(e), torch.argwhere(t))
        if a.dtype == np.bool_:
            same(ember.where(e), torch.where(t))


def test_take_put():
    a = rand(3, 4)
    for idx in ([0, 11, -1, 5, 5], [[1, 2], [3, 3]], 7):
        ie, it = both(np.array(idx))
        grad_check(lambda x: ember.take(x, ie), lambda x: torch.take(x, it), a)
        grad_check(lambda x: x.t().take(ie), lambda x: x.t().take(it), a)
    for acc in (False, True):
        ie, it = both(np.array([0, 5, -1, 5]))
        grad_check(lambda x, s: x.put(ie, s, accumulate=acc), lambda x, s: x.put(it, s, accumulate=acc),
                   a, rand(2, 2))
        e, t = both(a)
        e.t().put_(ie, ember.ones(4, dtype=ember.float64), accumulate=acc)
        t.t().put_(it, torch.ones(4, dtype=torch.float64), accumulate=acc)
        same(e, t)
    errs = [
        lambda lib, x: lib.take(x, lib.tensor([12])),
        lambda lib, x: lib.take(x, lib.tensor([1], dtype=lib.int32)),
        lambda lib, x: x.put_(lib.tensor([-13]), lib.tensor([1.0], dtype=lib.float64)),
        lambda lib, x: x.put_(lib.tensor([1, 2]), lib.tensor([1.0], dtype=lib.float64)),
        lambda lib, x: x.put_(lib.tensor([1]), lib.tensor([1.0])),
    ]
    for fn in errs:
        same_error(lambda: fn(ember, ember.from_numpy(a)), lambda: fn(torch, torch.from_numpy(a)))


def test_take_along_dim():
    a = rand(3, 4)
    for idx, dim in [([[-1, 0]], 1), ([[2, 0]], None), ([[2], [0], [1]], 1), ([[2]], 1), ([[1, 2, 0, 0]], 0),
                     (np.argsort(a, axis=1), 1), (np.argsort(a, axis=0), 0)]:
        ie, it = both(np.array(idx))
        grad_check(lambda x: ember.take_along_dim(x, ie, dim), lambda x: torch.take_along_dim(x, it, dim), a)
        grad_check(lambda x: x.take_along_dim(ie, dim=dim), lambda x: x.take_along_dim(it, dim=dim), a)
    errs = [
        lambda lib, x: lib.take_along_dim(x, lib.tensor([[[2]]]), 1),
        lambda lib, x: lib.take_along_dim(x, lib.tensor([[2, 0]]).t().repeat(1, 3)[:2], 1),
        lambda lib, x: lib.take_along_dim(x, lib.tensor([[1.0]]), 1),
    ]
    for fn in errs:
        same_error(lambda: fn(ember, ember.from_numpy(a)), lambda: fn(torch, torch.from_numpy(a)))


# ------------------------------------------------------------------ searching and counting
def test_bucketize_searchsorted():
    bnd = np.array([1, 3, 5, 7, 9])
    vals = np.array([[0, 1, 3], [6, 9, 10]])
    be, bt = both(bnd)
    ve, vt = both(vals)
    for right in (False, True):
        same(ember.bucketize(ve, be, right=right), torch.bucketize(vt, bt, right=right))
        same(ember.searchsorted(be, ve, right=right), torch.searchsorted(bt, vt, right=right))
    same(ember.bucketize(3, be), torch.bucketize(3, bt))
    same(ember.bucketize(ember.tensor([1.5, 5.0]), be, out_int32=True),
         torch.bucketize(torch.tensor([1.5, 5.0]), bt, out_int32=True))
    same(ember.searchsorted(be, 3), torch.searchsorted(bt, 3))
    seq = np.sort(RNG.integers(0, 10, (2, 3, 6)), axis=-1).astype(np.float64)
    q = RNG.integers(-1, 11, (2, 3, 4)).astype(np.float64)
    se, st = both(seq)
    qe, qt = both(q)
    for side in ("left", "right"):
        same(ember.searchsorted(se, qe, side=side), torch.searchsorted(st, qt, side=side))
    unsorted = np.array([5.0, 1.0, 3.0])
    ue, ut = both(unsorted)
    se2, st2 = both(np.argsort(unsorted))
    same(ember.searchsorted(ue, ember.tensor([3.0, 4.0]), sorter=se2),
         torch.searchsorted(ut, torch.tensor([3.0, 4.0]), sorter=st2))
    errs = [
        lambda lib: lib.bucketize(lib.tensor([1, 5]), lib.tensor([[1, 3, 5]])),
        lambda lib: lib.searchsorted(lib.tensor([[1, 3, 5], [2, 4, 6]]), lib.tensor([3, 6])),
        lambda lib: lib.searchsorted(lib.tensor([1, 3, 5]), lib.tensor([3]), right=True, side="left"),
    ]
    for fn in errs:
        same_error(lambda: fn(ember), lambda: fn(torch))


def test_bincount_histc():
    x = np.array([0, 1, 1, 3, 7, 1])
    xe, xt = both(x)
    same(ember.bincount(xe), torch.bincount(xt))
    same(xe.bincount(minlength=10), xt.bincount(minlength=10))
    for w in (rand(6).astype(np.float32), rand(6), np.arange(6)):
        we, wt = both(w)
        same(ember.bincount(xe, weights=we), torch.bincount(xt, weights=wt), tol=1e-5)
    same(ember.bincount(ember.tensor([], dtype=ember.long)), torch.bincount(torch.tensor([], dtype=torch.long)))
    errs = [
        lambda lib: lib.bincount(lib.tensor([-1])),
        lambda lib: lib.bincount(lib.tensor([[1]])),
        lambda lib: lib.bincount(lib.tensor([1.0])),
        lambda lib: lib.bincount(lib.tensor([1, 2]), minlength=-1),
        lambda lib: lib.bincount(lib.tensor([1, 2]), weights=lib.tensor([1.0])),
        lambda lib: lib.histc(lib.tensor([1, 2])),
        lambda lib: lib.histc(lib.tensor([1.0, 2]), bins=4, min=3, max=1),
        lambda lib: lib.histc(lib.tensor([1.0, 2, float("inf")]), bins=2),
    ]
    for fn in errs:
        same_error(lambda: fn(ember), lambda: fn(torch))
    data = rand(1000).astype(np.float32)
    de, dt = both(data)
    for kw in [dict(bins=4, min=0, max=3), dict(bins=7), dict(bins=10, min=-1, max=1), dict(bins=3, min=2, max=2)]:
        same(ember.histc(de, **kw), torch.histc(dt, **kw))
        same(de.histc(**kw), dt.histc(**kw))
    same(ember.histc(ember.tensor([1.0, 1.0]), bins=4), torch.histc(torch.tensor([1.0, 1.0]), bins=4))
    same(ember.histc(ember.tensor([]), bins=4), torch.histc(torch.tensor([]), bins=4))
    same(ember.histc(ember.tensor([1.0, 2.0, float("nan")]), bins=3, min=0, max=3),
         torch.histc(torch.tensor([1.0, 2.0, float("nan")]), bins=3, min=0, max=3))


def test_version_counter_and_saved_tensor_check():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        z = y * y
        v0 = y._version
        y[0] = 5.0
        assert y._version > v0
        with pytest.raises(RuntimeError):
            z.sum().backward()


# ------------------------------------------------------------------ random keys against PyTorch
def _random_item(rng, size):
    r = rng.random()
    if r < 0.2:
        return int(rng.integers(-size, size)) if size else slice(None)
    if r < 0.45:
        pick = [None, int(rng.integers(-size - 1, size + 1))]
        return slice(pick[int(rng.integers(2))], pick[int(rng.integers(2))] if rng.random() < 0.5 else None,
                     [None, 1, 2, 3][int(rng.integers(4))])
    if r < 0.55:
        return None
    if r < 0.75:
        shp = [(2,), (3,), (1,), (2, 1), (0,)][int(rng.integers(5))]
        return ("arr", rng.integers(-size, size, shp) if size else np.zeros(shp, np.int64))
    if r < 0.85:
        return ("mask", rng.random(size) > 0.5)
    if r < 0.9:
        return Ellipsis
    return bool(rng.integers(2))


def _lib_key(key, lib):
    return tuple(lib.from_numpy(k[1].copy()) if isinstance(k, tuple) else k for k in key)


@pytest.mark.parametrize("seed", range(4))
def test_random_keys_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    warnings.simplefilter("ignore")
    for _ in range(150):
        shape = tuple(int(s) for s in rng.integers(0, 5, rng.integers(0, 4)))
        a = rng.standard_normal(shape)
        key = [_random_item(rng, shape[i] if i < len(shape) else 3) for i in range(int(rng.integers(1, 4)))]
        if sum(k is Ellipsis for k in key) > 1:
            continue
        ke, kt = _lib_key(key, ember), _lib_key(key, torch)
        xe, xt = both(a, requires_grad=True)
        try:
            rt = xt[kt]
        except Exception as err:  # noqa: BLE001
            with pytest.raises(type(err)):
                xe[ke]
            continue
        re = xe[ke]
        same(re, rt)
        g = rng.standard_normal(tuple(rt.shape))
        rt.backward(torch.from_numpy(g.copy()))
        re.backward(ember.from_numpy(g.copy()))
        same(xe.grad, xt.grad)
        # writing through the same key: values and gradients of both sides
        v = rng.standard_normal(tuple(rt.shape))
        xe, xt = both(a, requires_grad=True)
        ve, vt = both(v, requires_grad=True)
        ye, yt = xe * 1, xt * 1
        ye[ke] = ve * 1
        yt[kt] = vt * 1
        same(ye, yt)
        h = rng.standard_normal(shape)
        (yt * torch.from_numpy(h)).sum().backward()
        (ye * ember.from_numpy(h)).sum().backward()
        same(xe.grad, xt.grad)
        same(ve.grad, vt.grad)


# ------------------------------------------------------------------ gradients of gradients
_IDX = np.array([[0, 3], [1, 1], [2, 0]])
DOUBLE = {
    "gather": lambda lib, x: x.gather(1, lib.from_numpy(_IDX.copy())),
    "index_select": lambda lib, x: x.index_select(1, lib.tensor([0, 0, 2])),
    "masked_select": lambda lib, x: x.masked_select(x.detach() > 0),
    "take": lambda lib, x: x.take(lib.tensor([0, 0, 5])),
    "advanced": lambda lib, x: x[[0, 0, 2], 1:],
    "scatter_add": lambda lib, x: lib.zeros(3, 4, dtype=lib.float64).scatter_add(1, lib.from_numpy(_IDX.copy()),
                                                                                  x[:, :2]),
    "index_add": lambda lib, x: lib.zeros(3, 4, dtype=lib.float64).index_add(0, lib.tensor([0, 0, 1]), x),
    "masked_fill": lambda lib, x: x.masked_fill(x.detach() > 0, 2.0),
    "scatter": lambda lib, x: x.scatter(1, lib.from_numpy(_IDX.copy()), x[:, 2:]),
    "index_copy": lambda lib, x: x.index_copy(1, lib.tensor([2, 0]), x[:, 1:3]),
    "put": lambda lib, x: x.put(lib.tensor([1, 7]), x[0, :2]),
    "masked_scatter": lambda lib, x: x.masked_scatter(x.detach() > 0, x * 3),
    "scatter_reduce_mean": lambda lib, x: x.scatter_reduce(1, lib.from_numpy(_IDX.copy()), x[:, 1:3], "mean"),
    "index_put_accumulate": lambda lib, x: x.index_put((lib.tensor([0, 0]),), x[1:3], accumulate=True),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward(name):
    a = np.random.default_rng(5).standard_normal((3, 4))
    res = []
    for lib in (ember, torch):
        x = lib.from_numpy(a.copy()).requires_grad_()
        y = DOUBLE[name](lib, x)
        g, = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
        (g ** 2).sum().backward()
        res.append((g, x.grad))
    same(res[0][0], res[1][0])
    same(res[0][1], res[1][1])
