"""Pooling (max, avg, adaptive, lp, max_unpool) and resampling (interpolate,
Upsample, grid_sample, affine_grid) compared against real PyTorch: outputs,
returned indices, input (and grid) gradients, double backward, errors and
module reprs."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF
import torch.nn as tnn
import torch.nn.functional as TF

RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def npy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach())


def same_dtype(t, e):
    assert str(t.dtype).split(".")[-1] == str(e.dtype).split(".")[-1], (t.dtype, e.dtype)


def check(fe, ft, *arrays, grad=True, rtol=1e-5, atol=1e-5, grad_tol=1e-5, wrap=None):
    """Run ft on torch tensors and fe on ember tensors of the same arrays;
    compare every output (indices exactly) and the gradients of every input."""
    wrap = wrap or (lambda a: a)
    ts = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    es = [ember.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ot, oe = ft(*[wrap(t) for t in ts]), fe(*[wrap(e) for e in es])
    tt = ot if isinstance(ot, tuple) else (ot,)
    ee = oe if isinstance(oe, tuple) else (oe,)
    assert len(tt) == len(ee)
    for t, e in zip(tt, ee):
        same_dtype(t, e)
        assert tuple(t.shape) == tuple(e.shape), (t.shape, e.shape)
        if t.dtype.is_floating_point:
            np.testing.assert_allclose(npy(e), npy(t), rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(npy(e), npy(t))
    if grad and tt[0].requires_grad:
        g = RNG.standard_normal(tuple(tt[0].shape)).astype(arrays[0].dtype)
        tt[0].backward(torch.tensor(g))
        ee[0].backward(ember.tensor(g))
        for t, e in zip(ts, es):
            if t.requires_grad:
                np.testing.assert_allclose(npy(e.grad), npy(t.grad), rtol=grad_tol, atol=grad_tol)
    return tt, ee


def same_error(fe, ft):
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(Exception) as ee:
        fe()
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    assert str(ee.value) == str(te.value), (str(ee.value), str(te.value))


def both(name, *args, **kw):
    return (lambda *x: getattr(EF, name)(*x, *args, **kw),
            lambda *x: getattr(TF, name)(*x, *args, **kw))


# ===================================================================== max pooling
MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=2, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=1, padding=1, dilation=2),
    dict(kernel_size=5, stride=2, padding=2, dilation=2),
    dict(kernel_size=(3, 2), stride=(2, 3), dilation=(1, 2), ceil_mode=True),
    dict(kernel_size=[2], stride=[]),
]


@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("ri", [False, True])
def test_max_pool2d(kw, ri):
    x = arr(2, 3, 7, 9)
    check(*both("max_pool2d", return_indices=ri, **kw), x)


def test_max_pool2d_ties_take_first_maximum():
    # all-equal windows, ReLU-like zeros and repeated values: gradient and index go to the first
    x = np.array([[[[0, 0, 1, 1, 2],
                    [0, 0, 1, 1, 2],
                    [3, 3, 3, 0, 0],
                    [3, 3, 0, 3, 0],
                    [5, 5, 5, 5, 5]]]], np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1), dict(kernel_size=3, stride=2,
               padding=1), dict(kernel_size=2, ceil_mode=True), dict(kernel_size=(2, 3), stride=1)):
        check(*both("max_pool2d", return_indices=True, **kw), x)
    relu = np.maximum(arr(2, 4, 8, 8), 0)
    check(*both("max_pool2d", 2, return_indices=True), relu)
    check(*both("max_pool2d", 3, 1, 1, return_indices=True), relu)
    check(*both("max_pool3d", 2, return_indices=True), np.zeros((1, 1, 4, 4, 4), np.float32))


def test_max_pool_inf_and_nan():
    x = np.full((1, 1, 4, 4), -np.inf, np.float32)
    x[0, 0, 3, 3] = 1.0
    check(*both("max_pool2d", 3, 2, 1, return_indices=True), x, grad=False)
    check(*both("max_pool2d", 2, 1, 1, return_indices=True), x, grad=False)
    y = arr(1, 2, 6, 6)
    y[0, 0, 1, 1] = np.nan
    y[0, 1, 2, 2] = np.nan
    y[0, 1, 3, 3] = np.nan
    check(*both("max_pool2d", 2, return_indices=True), y, grad=False)
    check(*both("max_pool2d", 3, 1, return_indices=True), y, grad=False)


def test_max_pool_tiled_windows_gradient():
    """Stride = kernel without padding (the usual 2x2/2): the gradient runs a
    per-axis spread of the winners instead of an index scatter. Ties go to
    the first maximum; a NaN in a window falls back to the index path."""
    x = np.array([[[[0, 0, 1, 1, 2],
                    [0, 0, 1, 1, 2],
                    [3, 3, 3, 0, 0],
                    [3, 3, 0, 3, 0],
                    [5, 5, 5, 5, 5]]]], np.float32)
    for k in (2, 3, (2, 1), (1, 2)):
        check(*both("max_pool2d", k), x)
    relu = np.maximum(arr(2, 4, 8, 9), 0)
    relu[:, :, ::2] = relu[:, :, 1::2][:, :, :4]  # equal rows: ties across the window's rows
    check(*both("max_pool2d", 2), relu)
    check(*both("max_pool2d", 3), relu)
    check(*both("max_pool1d", 2), arr(2, 3, 9))
    check(*both("max_pool1d", 4), np.maximum(arr(2, 3, 9), 0))
    check(*both("max_pool3d", 2), arr(2, 2, 5, 6, 7))
    check(*both("max_pool3d", (2, 3, 2)), np.maximum(arr(1, 2, 4, 6, 5), 0))
    check(*both("max_pool2d", 2), arr(2, 3, 8, 8, dtype=np.float64))
    check(*both("max_pool2d", 2), arr(2, 3, 9, 8), wrap=lambda t: t.transpose(2, 3))
    y = arr(1, 2, 6, 6)
    y[0, 0, 1, 1] = np.nan
    y[0, 1, 2, 2] = y[0, 1, 3, 3] = np.nan
    ts = torch.tensor(y, requires_grad=True)
    es = ember.tensor(y, requires_grad=True)
    TF.max_pool2d(ts, 2).sum().backward()
    EF.max_pool2d(es, 2).sum().backward()
    np.testing.assert_array_equal(npy(es.grad), npy(ts.grad))


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, ceil_mode=True),
                                dict(kernel_size=3, dilation=2, padding=1)])
def test_max_pool1d(kw):
    check(*both("max_pool1d", return_indices=True, **kw), arr(2, 3, 11))
    check(*both("max_pool1d", **kw), arr(3, 11))  # unbatched


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(1, 2, 3), stride=(1, 2, 1), ceil_mode=True),
                                dict(kernel_size=2, dilation=2)])
def test_max_pool3d(kw):
    check(*both("max_pool3d", return_indices=True, **kw), arr(2, 2, 5, 6, 7))
    check(*both("max_pool3d", **kw), arr(2, 5, 6, 7))  # unbatched


def test_max_pool_layouts_and_dtypes():
    check(*both("max_pool2d", 2, return_indices=True), arr(3, 6, 6))  # unbatched
    check(*both("max_pool2d", 3, 2), arr(1, 1, 5, 5))  # batch of 1
    check(*both("max_pool2d", 3, 2), arr(2, 3, 9, 8),
          wrap=lambda t: t.transpose(2, 3))  # non-contiguous
    check(*both("max_pool2d", 2), arr(2, 3, 9, 8), wrap=lambda t: t[:, :, 1:, ::2])
    check(*both("max_pool2d", 2, return_indices=True), arr(2, 3, 6, 6, dtype=np.float64))
    check(*both("max_pool2d", 3, 2, 1, return_indices=True),
          RNG.integers(-50, 50, (2, 2, 6, 7)).astype(np.int64))
    check(*both("max_pool2d", 2), RNG.integers(0, 255, (1, 2, 6, 6)).astype(np.uint8))
    check(*both("max_pool2d", 2), np.zeros((0, 3, 6, 6), np.float32))  # empty batch


def test_max_pool_modules_and_repr():
    x = arr(2, 3, 8, 8)
    for args, kw in [((2,), {}), ((3, 2, 1), {}), ((2,), dict(return_indices=True)),
                     (((2, 3),), dict(padding=1, ceil_mode=True)), ((3,), dict(dilation=2))]:
        m_e, m_t = enn.MaxPool2d(*args, **kw), tnn.MaxPool2d(*args, **kw)
        assert repr(m_e) == repr(m_t)
        check(m_e, m_t, x)
    for ce, ct, shape in [(enn.MaxPool1d, tnn.MaxPool1d, (2, 3, 9)),
                          (enn.MaxPool3d, tnn.MaxPool3d, (1, 2, 4, 5, 6))]:
        m_e, m_t = ce(2, return_indices=True), ct(2, return_indices=True)
        assert repr(m_e) == repr(m_t)
        check(m_e, m_t, arr(*shape))
        assert repr(ce(3, 1, 1, 2, ceil_mode=True)) == repr(ct(3, 1, 1, 2, ceil_mode=True))


def test_max_pool_errors():
    x = arr(1, 1, 4, 4)
    cases = [
        ("max_pool2d", x, (5,), {}), ("max_pool2d", x, (2,), dict(padding=2)),
        ("max_pool2d", x[0, 0], (2,), {}), ("max_pool2d", x, (0, 1), {}),
        ("max_pool2d", x, (2, 0), {}), ("max_pool2d", x, (2, -1), {}),
        ("max_pool2d", x, (2, 1, -1), {}), ("max_pool2d", x, (2, 1, 0, 0), {}),
        ("max_pool2d", x, ((2, 2, 2),), {}), ("max_pool2d", x, (2, (1, 1, 1)), {}),
        ("max_pool2d", np.zeros((1, 0, 4, 4), np.float32), (2,), {}),
        ("max_pool2d", x, (2.0,), {}),
        ("max_pool1d", x[0], (5,), {}), ("max_pool1d", x[0], (2,), dict(padding=2)),
        ("max_pool1d", x[0, 0, 0], (2,), {}), ("max_pool1d", x[0], (0,), {}),
        ("max_pool3d", x, (5,), {}), ("max_pool3d", x[0, 0], (2,), {}),
        ("max_pool3d", x, (2,), dict(padding=2)), ("max_pool3d", x, ((2, 2),), {}),
    ]
    for name, a, args, kw in cases:
        same_error(lambda: getattr(EF, name)(ember.tensor(a), *args, **kw),
                   lambda: getattr(TF, name)(torch.tensor(a), *args, **kw))
    same_error(lambda: EF.max_pool2d(ember.tensor(x) > 0, 2),
               lambda: TF.max_pool2d(torch.tensor(x) > 0, 2))


# ===================================================================== average pooling
AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(1, 2), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=3, stride=1, divisor_override=5),
    dict(kernel_size=2, stride=2, padding=1, divisor_override=3, ceil_mode=True),
]


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d(kw):
    check(*both("avg_pool2d", **kw), arr(2, 3, 7, 9))
    check(*both("avg_pool2d", **kw), arr(3, 7, 9))  # unbatched


def test_avg_pool1d_3d_and_layouts():
    for kw in [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
               dict(kernel_size=4, stride=1, padding=2, count_include_pad=False)]:
        check(*both("avg_pool1d", **kw), arr(2, 3, 10))
        check(*both("avg_pool1d", **kw), arr(3, 10))
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
               dict(kernel_size=(1, 2, 3), stride=1, padding=(0, 1, 1), count_include_pad=False),
               dict(kernel_size=2, ceil_mode=True, divisor_override=2)]:
        check(*both("avg_pool3d", **kw), arr(2, 2, 5, 6, 7))
    check(*both("avg_pool2d", 3, 2, 1), arr(2, 3, 9, 8), wrap=lambda t: t.transpose(2, 3))
    check(*both("avg_pool2d", 2), arr(1, 2, 6, 6, dtype=np.float64))
    check(*both("avg_pool2d", 2, padding=1), RNG.integers(-20, 20, (1, 2, 5, 5)).astype(np.int64))


def test_avg_pool_modules_and_repr():
    x = arr(2, 3, 8, 8)
    for ce, ct, shape in [(enn.AvgPool1d, tnn.AvgPool1d, (2, 3, 9)),
                          (enn.AvgPool2d, tnn.AvgPool2d, (2, 3, 8, 8)),
                          (enn.AvgPool3d, tnn.AvgPool3d, (1, 2, 4, 5, 6))]:
        for args, kw in [((2,), {}), ((3, 2, 1), dict(ceil_mode=True, count_include_pad=False))]:
            m_e, m_t = ce(*args, **kw), ct(*args, **kw)
            assert repr(m_e) == repr(m_t)
            check(m_e, m_t, arr(*shape))
    m_e, m_t = enn.AvgPool2d((2, 3), divisor_override=4), tnn.AvgPool2d((2, 3), divisor_override=4)
    assert repr(m_e) == repr(m_t)
    check(m_e, m_t, x)


def test_avg_pool_errors():
    x = arr(1, 1, 4, 4)
    cases = [("avg_pool2d", x, (5,), {}), ("avg_pool2d", x, (2,), dict(padding=2)),
             ("avg_pool2d", x, (2,), dict(divisor_override=0)), ("avg_pool2d", x[None], (2,), {}),
             ("avg_pool2d", x, ((2, 2, 2),), {}), ("avg_pool1d", x[0], (5,), {}),
             ("avg_pool1d", x[0, 0, 0], (2,), {}), ("avg_pool1d", x[0], ((2, 2),), {}),
             ("avg_pool3d", x, (2,), {}), ("avg_pool3d", x[None], (5,), {}),
             ("avg_pool3d", x[None], (2,), dict(padding=2))]
    for name, a, args, kw in cases:
        same_error(lambda: getattr(EF, name)(ember.tensor(a), *args, **kw),
                   lambda: getattr(TF, name)(torch.tensor(a), *args, **kw))


# ===================================================================== adaptive pooling
@pytest.mark.parametrize("out", [1, 2, 3, (4, 5), (7, 9), (2, None), (10, 13), (1, 4)])
def test_adaptive_pool2d(out):
    x = arr(2, 3, 7, 9)
    check(*both("adaptive_avg_pool2d", out), x)
    check(*both("adaptive_max_pool2d", out, return_indices=True), x)
    check(*both("adaptive_max_pool2d", out), x[0])  # unbatched


def test_adaptive_pool1d_3d():
    for out in (1, 3, 4, 11, 15):
        check(*both("adaptive_avg_pool1d", out), arr(2, 3, 11))
        check(*both("adaptive_max_pool1d", out, return_indices=True), arr(2, 3, 11))
        check(*both("adaptive_avg_pool1d", out), arr(3, 11))
    for out in (1, 2, (2, 3, 4), (5, None, 3)):
        check(*both("adaptive_avg_pool3d", out), arr(2, 2, 5, 6, 7))
        check(*both("adaptive_max_pool3d", out, return_indices=True), arr(2, 2, 5, 6, 7))
    for out in (0, (0, 2), (3, 0)):
        check(*both("adaptive_avg_pool2d", out), arr(1, 2, 5, 5), grad=False)
        check(*both("adaptive_max_pool2d", out, return_indices=True), arr(1, 2, 5, 5), grad=False)
    ties = np.maximum(arr(1, 2, 7, 5), 0)
    check(*both("adaptive_max_pool2d", (3, 2), return_indices=True), ties)
    check(*both("adaptive_avg_pool2d", 3), arr(1, 2, 6, 6, dtype=np.float64))


def test_adaptive_modules_and_repr():
    pairs = [(enn.AdaptiveAvgPool1d(3), tnn.AdaptiveAvgPool1d(3), (2, 3, 8)),
             (enn.AdaptiveAvgPool2d((2, None)), tnn.AdaptiveAvgPool2d((2, None)), (2, 3, 8, 5)),
             (enn.AdaptiveAvgPool2d((1, 1)), tnn.AdaptiveAvgPool2d((1, 1)), (2, 3, 8, 5)),
             (enn.AdaptiveAvgPool3d(2), tnn.AdaptiveAvgPool3d(2), (1, 2, 4, 5, 6)),
             (enn.AdaptiveMaxPool1d(3, True), tnn.AdaptiveMaxPool1d(3, True), (2, 3, 8)),
             (enn.AdaptiveMaxPool2d(3), tnn.AdaptiveMaxPool2d(3), (2, 3, 8, 5)),
             (enn.AdaptiveMaxPool3d((1, 2, 3)), tnn.AdaptiveMaxPool3d((1, 2, 3)), (1, 2, 4, 5, 6))]
    for m_e, m_t, shape in pairs:
        assert repr(m_e) == repr(m_t)
        check(m_e, m_t, arr(*shape))


def test_adaptive_errors():
    x = arr(1, 1, 4, 4)
    cases = [("adaptive_avg_pool2d", x[0, 0], 2), ("adaptive_max_pool2d", x[0, 0], 2),
             ("adaptive_avg_pool3d", x[0], 2), ("adaptive_max_pool3d", x[0], 2),
             ("adaptive_avg_pool1d", x[0, 0, 0], 2), ("adaptive_max_pool1d", x[0, 0, 0], 2),
             ("adaptive_avg_pool2d", x, -1), ("adaptive_max_pool2d", x, -1),
             ("adaptive_avg_pool2d", x, (2, 2, 2)), ("adaptive_max_pool2d", x, (2,)),
             ("adaptive_avg_pool2d", x, (2, 2, 2, 2)), ("adaptive_max_pool3d", x[None], (2, 2)),
             ("adaptive_max_pool2d", np.zeros((1, 0, 4, 4), np.float32), 2),
             ("adaptive_avg_pool2d", np.zeros((1, 1, 0, 0), np.float32), 2)]
    for name, a, out in cases:
        same_error(lambda: getattr(EF, name)(ember.tensor(a), out),
                   lambda: getattr(TF, name)(torch.tensor(a), out))
    same_error(lambda: EF.adaptive_avg_pool2d(ember.tensor(x).long(), 2),
               lambda: TF.adaptive_avg_pool2d(torch.tensor(x).long(), 2))


# ===================================================================== lp pooling, unpooling
def test_lp_pool():
    x = np.abs(arr(2, 3, 8, 9)) + 0.1
    for p in (2, 3, 1.5):
        check(*both("lp_pool2d", p, 2), x)
        check(*both("lp_pool2d", p, (3, 2), stride=(2, 1), ceil_mode=True), x)
        check(*both("lp_pool1d", p, 3, 2), x[0])
        check(*both("lp_pool3d", p, 2), np.abs(arr(1, 2, 4, 5, 6)) + 0.1)
    for ce, ct, shape in [(enn.LPPool1d, tnn.LPPool1d, (2, 3, 9)),
                          (enn.LPPool2d, tnn.LPPool2d, (2, 3, 8, 8)),
                          (enn.LPPool3d, tnn.LPPool3d, (1, 2, 4, 5, 6))]:
        m_e, m_t = ce(2, 2), ct(2, 2)
        assert repr(m_e) == repr(m_t)
        check(m_e, m_t, np.abs(arr(*shape)) + 0.1)
        assert repr(ce(1.5, 3, 1, ceil_mode=True)) == repr(ct(1.5, 3, 1, ceil_mode=True))


def test_max_unpool():
    for nd, shape in [(1, (2, 3, 10)), (2, (2, 3, 8, 6)), (3, (1, 2, 4, 6, 4))]:
        x = arr(*shape)
        pool = "max_pool%dd" % nd
        unpool = "max_unpool%dd" % nd

        def fe(t):
            v, i = getattr(EF, pool)(t, 2, return_indices=True)
            return getattr(EF, unpool)(v, i, 2)

        def ft(t):
            v, i = getattr(TF, pool)(t, 2, return_indices=True)
            return getattr(TF, unpool)(v, i, 2)
        check(fe, ft, x)
    # odd sizes need output_size; stride/padding; the module forms
    x = arr(2, 3, 9, 7)
    vt, it = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    ve, ie = EF.max_pool2d(ember.tensor(x), 3, 2, 1, return_indices=True)
    for size in (None, (9, 7), (1, 1, 9, 7)):
        check(lambda v: EF.max_unpool2d(v, ie, 3, 2, 1, output_size=size),
              lambda v: TF.max_unpool2d(v, it, 3, 2, 1, output_size=size), npy(vt))
    m_e, m_t = enn.MaxUnpool2d(3, 2, 1), tnn.MaxUnpool2d(3, 2, 1)
    assert repr(m_e) == repr(m_t)
    check(lambda v: m_e(v, ie, output_size=[9, 7]), lambda v: m_t(v, it, output_size=[9, 7]),
          npy(vt))
    assert repr(enn.MaxUnpool1d(2)) == repr(tnn.MaxUnpool1d(2))
    assert repr(enn.MaxUnpool3d(2, 1)) == repr(tnn.MaxUnpool3d(2, 1))
    same_error(lambda: EF.max_unpool2d(ve, ie, 3, 2, 1, output_size=(3, 3)),
               lambda: TF.max_unpool2d(vt, it, 3, 2, 1, output_size=(3, 3)))
    bad_t, bad_e = it.clone(), ie.clone()
    bad_t[1, 2, 1, 2] = 63
    bad_e[1, 2, 1, 2] = 63
    same_error(lambda: EF.max_unpool2d(ve, bad_e, 3, 2, 1), lambda: TF.max_unpool2d(vt, bad_t, 3, 2, 1))
    same_error(lambda: EF.max_unpool2d(ve, ie.float(), 3, 2, 1),
               lambda: TF.max_unpool2d(vt, it.float(), 3, 2, 1))


# ===================================================================== double backward
@pytest.mark.parametrize("name,args", [
    ("max_pool2d", (3, 2, 1)), ("max_pool2d", (2,)), ("avg_pool2d", (3, 2, 1)),
    ("adaptive_avg_pool2d", ((3, 4),)), ("adaptive_max_pool2d", ((3, 4),)),
    ("interpolate", (None, 2.0, "bilinear")), ("interpolate", ((5, 7), None, "nearest")),
    ("interpolate", ((5, 7), None, "bicubic", True))])
def test_double_backward(name, args):
    """The gradient's own gradient with respect to the incoming gradient."""
    x = arr(2, 2, 6, 7)
    out = {}
    for lib, F in (("t", TF), ("e", EF)):
        mod = torch if lib == "t" else ember
        xt = mod.tensor(x, requires_grad=True)
        y = getattr(F, name)(xt, *args)
        g = mod.tensor(np.ones(tuple(y.shape), np.float32), requires_grad=True)
        (gx,) = mod.autograd.grad(y, xt, g, create_graph=True)
        v = mod.tensor(np.arange(x.size, dtype=np.float32).reshape(x.shape) % 5)
        (gx * v).sum().backward()
        out[lib] = (npy(gx), npy(g.grad))
    np.testing.assert_allclose(out["e"][0], out["t"][0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["e"][1], out["t"][1], rtol=1e-5, atol=1e-4)


# ===================================================================== interpolate
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear", "area"])
def test_interpolate_1d(mode):
    ac = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for L in (1, 3, 5, 8):
        x = arr(2, 2, L)
        for o in (1, 2, 4, 7, 16):
            for a in ac:
                check(*both("interpolate", size=o, mode=mode, align_corners=a), x)
        for sf in (0.5, 1.5, 2.0, 2.3, 3.0):
            if int(L * sf) > 0:
                check(*both("interpolate", scale_factor=sf, mode=mode), x)
                check(*both("interpolate", scale_factor=sf, mode=mode,
                            recompute_scale_factor=True), x)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic", "area"])
def test_interpolate_2d(mode):
    ac = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    x = arr(2, 3, 5, 6)
    for a in ac:
        for size in ((10, 12), (3, 4), (7, 5), (5, 6), 1):
            check(*both("interpolate", size=size, mode=mode, align_corners=a), x)
        for sf in (2, (1.5, 0.5), 0.7, 3):
            check(*both("interpolate", scale_factor=sf, mode=mode, align_corners=a), x)
    check(*both("interpolate", size=(8, 9), mode=mode), arr(1, 1, 4, 5, dtype=np.float64))
    check(*both("interpolate", scale_factor=2, mode=mode), arr(2, 3, 5, 6),
          wrap=lambda t: t.transpose(2, 3))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias(mode):
    x = arr(2, 3, 13, 11)
    for size in ((5, 4), (3, 7), (13, 11), (20, 6)):
        for a in (False, True):
            check(*both("interpolate", size=size, mode=mode, align_corners=a, antialias=True), x)
    check(*both("interpolate", scale_factor=0.4, mode=mode, antialias=True), x)


def test_interpolate_lanczos_3d_and_ints():
    x = arr(1, 2, 12, 10)
    check(*both("interpolate", size=(5, 4), mode="lanczos", antialias=True), x, grad=False,
          rtol=1e-4, atol=1e-4)
    check(*both("interpolate", size=(17, 15), mode="lanczos", antialias=True), x, grad=False,
          rtol=1e-4, atol=1e-4)
    x3 = arr(2, 2, 3, 4, 5)
    for mode in ("nearest", "nearest-exact", "trilinear", "area"):
        check(*both("interpolate", size=(5, 3, 9), mode=mode), x3)
        check(*both("interpolate", scale_factor=(2, 1.5, 0.6), mode=mode), x3)
    check(*both("interpolate", size=(5, 3, 9), mode="trilinear", align_corners=True), x3)
    ints = RNG.integers(0, 255, (1, 3, 4, 5)).astype(np.uint8)
    check(*both("interpolate", scale_factor=2), ints)
    check(*both("interpolate", size=(7, 3), mode="nearest-exact"), ints)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_uint8_is_exact(mode):
    """uint8 images resize in fixed point, one axis at a time, as PyTorch (torchvision's
    tensor Resize): every pixel equal."""
    for c in (1, 3, 4, 8):
        x = RNG.integers(0, 256, (2, c, 20, 24)).astype(np.uint8)
        for kw in (dict(size=(10, 12)), dict(size=(41, 24)), dict(size=(3, 72)),
                   dict(scale_factor=0.37), dict(scale_factor=(1.7, 0.5))):
            for aa in (False, True):
                for ac in (False, True):
                    check(*both("interpolate", mode=mode, antialias=aa, align_corners=ac, **kw),
                          x)


def test_interpolate_errors():
    x = arr(1, 1, 4, 4)
    cases = [dict(size=2, scale_factor=2), dict(), dict(size=2, align_corners=True),
             dict(size=(2, 2, 2)), dict(scale_factor=(2, 2, 2)), dict(size=2, mode="foo"),
             dict(size=2, mode="linear"), dict(size=2, recompute_scale_factor=True),
             dict(size=2, antialias=True), dict(size=0), dict(scale_factor=0.1),
             dict(size=2, mode="lanczos"), dict(size=(2, 2.5))]
    for kw in cases:
        same_error(lambda: EF.interpolate(ember.tensor(x), **kw),
                   lambda: TF.interpolate(torch.tensor(x), **kw))
    same_error(lambda: EF.interpolate(ember.tensor(x[0]), size=2, mode="bilinear"),
               lambda: TF.interpolate(torch.tensor(x[0]), size=2, mode="bilinear"))
    same_error(lambda: EF.interpolate(ember.tensor(x[0, 0]), size=2),
               lambda: TF.interpolate(torch.tensor(x[0, 0]), size=2))


def test_upsample_modules_and_deprecated_functions():
    x = arr(2, 3, 4, 5)
    mods = [((), dict(scale_factor=2)), ((), dict(size=(3, 7), mode="bilinear")),
            ((), dict(scale_factor=(2, 3))), ((), dict(size=6, mode="bicubic", align_corners=True)),
            ((), dict(scale_factor=1.5, mode="nearest-exact", recompute_scale_factor=True))]
    for args, kw in mods:
        m_e, m_t = enn.Upsample(*args, **kw), tnn.Upsample(*args, **kw)
        assert repr(m_e) == repr(m_t)
        check(m_e, m_t, x)
    for ce, ct in [(enn.UpsamplingNearest2d, tnn.UpsamplingNearest2d),
                   (enn.UpsamplingBilinear2d, tnn.UpsamplingBilinear2d)]:
        for kw in (dict(scale_factor=2), dict(size=(7, 3))):
            m_e, m_t = ce(**kw), ct(**kw)
            assert repr(m_e) == repr(m_t)
            check(m_e, m_t, x)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        check(*both("upsample", scale_factor=2, mode="bilinear"), x)
        check(*both("upsample_nearest", scale_factor=2), x)
        check(*both("upsample_bilinear", size=(5, 9)), x)
    assert sum("deprecated" in str(m.message) for m in w) == 6


# ===================================================================== grid_sample / affine_grid
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_2d(mode, padding_mode):
    x = arr(2, 3, 5, 6)
    grid = (RNG.standard_normal((2, 4, 3, 2)) * 0.9).astype(np.float32)
    grid[0, 0, 0] = (1.0, -1.0)  # exactly on the borders
    grid[0, 0, 1] = (0.0, 1.0)
    grid[1, 3, 2] = (2.5, -3.7)  # far outside (several reflections)
    for ac in (False, True):
        check(lambda a, b: EF.grid_sample(a, b, mode, padding_mode, ac),
              lambda a, b: TF.grid_sample(a, b, mode, padding_mode, ac), x, grid,
              rtol=1e-4, atol=1e-5, grad_tol=1e-4)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d(mode):
    x = arr(2, 2, 4, 5, 6)
    grid = (RNG.standard_normal((2, 3, 2, 4, 3)) * 0.9).astype(np.float32)
    for padding_mode in ("zeros", "border", "reflection"):
        for ac in (False, True):
            check(lambda a, b: EF.grid_sample(a, b, mode, padding_mode, ac),
                  lambda a, b: TF.grid_sample(a, b, mode, padding_mode, ac), x, grid,
                  rtol=1e-4, atol=1e-5, grad_tol=1e-4)


def test_affine_grid_and_sampling_pipeline():
    for ac in (False, True):
        check(*both("affine_grid", (2, 3, 4, 5), align_corners=ac), arr(2, 2, 3))
        check(*both("affine_grid", (2, 3, 4, 5, 3), align_corners=ac), arr(2, 3, 4))
    check(*both("affine_grid", (1, 1, 1, 3), align_corners=False), arr(1, 2, 3))
    x = arr(2, 3, 8, 8)
    theta = np.array([[[0.9, -0.2, 0.1], [0.2, 0.9, -0.1]],
                      [[1.1, 0.0, 0.0], [0.0, 0.7, 0.2]]], np.float32)

    def pipeline(F):
        def run(img, th):
            grid = F.affine_grid(th, (2, 3, 8, 8), align_corners=False)
            return F.grid_sample(img, grid, align_corners=False)
        return run
    check(pipeline(EF), pipeline(TF), x, theta, rtol=1e-4, atol=1e-5, grad_tol=1e-4)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        EF.affine_grid(ember.tensor(theta), (2, 3, 8, 8))
        EF.grid_sample(ember.tensor(x), ember.zeros(2, 2, 2, 2))
    assert len(w) == 2 and "align_corners=False since 1.3.0" in str(w[0].message)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_double_backward(mode):
    x = arr(2, 2, 4, 5)
    grid = (RNG.random((2, 3, 3, 2)) * 2.4 - 1.2).astype(np.float32)
    out = {}
    for mod, F in ((torch, TF), (ember, EF)):
        xt = mod.tensor(x, requires_grad=True)
        gt = mod.tensor(grid, requires_grad=True)
        y = F.grid_sample(xt, gt, mode=mode, padding_mode="border", align_corners=False)
        gx, gg = mod.autograd.grad((y * y).sum(), (xt, gt), create_graph=True)
        (gx.sum() + (gg * gg).sum()).backward()
        out[mod.__name__] = [npy(v) for v in (gx, gg, xt.grad, gt.grad)]
    for e, t in zip(out["ember"], out["torch"]):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-4)


def test_grid_sample_and_affine_grid_errors():
    x = arr(1, 1, 4, 4)
    for g, kw in [((1, 2, 2, 3), {}), ((1, 2, 2, 2), dict(mode="foo")),
                  ((1, 2, 2, 2), dict(padding_mode="foo")), ((2, 2, 2, 2), {})]:
        grid = np.zeros(g, np.float32)
        same_error(lambda: EF.grid_sample(ember.tensor(x), ember.tensor(grid), align_corners=False,
                                          **kw),
                   lambda: TF.grid_sample(torch.tensor(x), torch.tensor(grid), align_corners=False,
                                          **kw))
    same_error(lambda: EF.grid_sample(ember.tensor(x[None]), ember.zeros(1, 2, 2, 2, 3),
                                      mode="bicubic", align_corners=False),
               lambda: TF.grid_sample(torch.tensor(x[None]), torch.zeros(1, 2, 2, 2, 3),
                                      mode="bicubic", align_corners=False))
    for th, size in [((1, 2, 3), (1, 1, 2, 2, 2)), ((1, 3, 3), (1, 1, 2, 2)), ((1, 2, 3), (1, 1, 2)),
                     ((1, 2, 3), (1, 1, 0, 2))]:
        same_error(lambda: EF.affine_grid(ember.zeros(*th), size, align_corners=False),
                   lambda: TF.affine_grid(torch.zeros(*th), size, align_corners=False))
