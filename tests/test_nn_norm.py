"""Normalisation layers, embeddings and distances (BatchNorm*, InstanceNorm*,
LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm, Embedding, EmbeddingBag,
CosineSimilarity, PairwiseDistance, pdist) compared against real PyTorch:
outputs, gradients of inputs and parameters, running statistics, state_dict
round trips, repr, and PyTorch's errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
import ember.nn as enn
import ember.nn.functional as EF

RNG = np.random.default_rng(1234)


def arr(*shape, dtype=np.float32, scale=1.0, shift=0.0):
    return (RNG.standard_normal(shape) * scale + shift).astype(dtype)


def npy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach()._data)


def close(t, e, rtol=1e-5, atol=1e-5):
    a, b = npy(t), npy(e)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(t.dtype) == str(e.dtype), (t.dtype, e.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def pair(a, requires_grad=False):
    return (torch.tensor(a, requires_grad=requires_grad),
            ember.tensor(a, requires_grad=requires_grad))


def same_error(fn_t, fn_e):
    """Both raise the same exception class with the same message."""
    with pytest.raises(Exception) as et:
        fn_t()
    with pytest.raises(Exception) as ee:
        fn_e()
    assert type(ee.value).__name__ == type(et.value).__name__, (ee.value, et.value)
    assert str(ee.value) == str(et.value), (str(ee.value), str(et.value))


def copy_params(tm, em):
    """Load torch module tm's state into ember module em (exercises load_state_dict)."""
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)


def randomise(tm):
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.tensor(arr(*p.shape)))


def check_step(tm, em, xa, grad_seed=0, rtol=1e-5, atol=1e-5, train=True):
    """Forward both modules on xa, backward a random cotangent, compare output,
    input gradient and every parameter gradient."""
    tx, ex = pair(xa, requires_grad=True)
    ty, ey = tm(tx), em(ex)
    close(ty, ey, rtol, atol)
    ga = np.random.default_rng(grad_seed).standard_normal(ty.shape).astype(xa.dtype)
    ty.backward(torch.tensor(ga))
    ey.backward(ember.tensor(ga))
    close(tx.grad, ex.grad, rtol, atol)
    tp, ep = dict(tm.named_parameters()), dict(em.named_parameters())
    assert list(tp) == list(ep)
    for k in tp:
        if tp[k].grad is None:
            assert ep[k].grad is None, k
        else:
            close(tp[k].grad, ep[k].grad, rtol, atol)
    return ty, ey


def compare_buffers(tm, em, atol=1e-6):
    tb, eb = dict(tm.named_buffers()), dict(em.named_buffers())
    assert list(tb) == list(eb)
    for k in tb:
        close(tb[k], eb[k], 1e-5, atol)


# ------------------------------------------------------------------ batch norm
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 4)), ("BatchNorm1d", (5, 4, 7)),
                                       ("BatchNorm2d", (3, 4, 5, 6)),
                                       ("BatchNorm3d", (2, 4, 3, 2, 5))])
def test_batchnorm_training_steps_and_eval(cls, shape):
    tm, em = getattr(tnn, cls)(4), getattr(enn, cls)(4)
    randomise(tm)
    copy_params(tm, em)
    for step in range(3):
        xa = arr(*shape, scale=2.0, shift=step - 0.5)
        check_step(tm, em, xa, grad_seed=step)
        compare_buffers(tm, em)
        for p in list(tm.parameters()) + list(em.parameters()):
            p.grad = None
    assert int(em.num_batches_tracked) == 3
    tm.eval(), em.eval()
    check_step(tm, em, arr(*shape, shift=0.3), grad_seed=9)
    compare_buffers(tm, em)  # eval leaves the statistics alone


@pytest.mark.parametrize("kw", [dict(momentum=None), dict(momentum=0.3), dict(affine=False),
                                dict(bias=False), dict(track_running_stats=False),
                                dict(eps=1e-3, affine=False, track_running_stats=False)])
def test_batchnorm_options(kw):
    tm, em = tnn.BatchNorm2d(3, **kw), enn.BatchNorm2d(3, **kw)
    assert repr(tm) == repr(em)
    assert list(tm.state_dict()) == list(em.state_dict())
    randomise(tm)
    copy_params(tm, em)
    for step in range(4):
        check_step(tm, em, arr(4, 3, 2, 3, scale=step + 1.0, shift=step), grad_seed=step)
        compare_buffers(tm, em)
    tm.eval(), em.eval()
    check_step(tm, em, arr(2, 3, 2, 3), grad_seed=7)


def test_batchnorm_buffers_state_dict_and_repr():
    em = enn.BatchNorm2d(5)
    nbt = em.state_dict()["num_batches_tracked"]
    assert nbt.dtype == ember.int64 and nbt.dim() == 0
    tm = tnn.BatchNorm2d(5)
    for _ in range(2):
        tm(torch.tensor(arr(3, 5, 2, 2)))
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    assert int(em.num_batches_tracked) == 2
    compare_buffers(tm, em)
    tm.eval(), em.eval()
    xa = arr(2, 5, 3, 3)
    close(tm(torch.tensor(xa)), em(ember.tensor(xa)))
    # old checkpoints without num_batches_tracked load with the count kept
    sd = {k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()
          if k != "num_batches_tracked"}
    em.load_state_dict(sd)
    for cls in ("BatchNorm1d", "BatchNorm3d", "SyncBatchNorm"):
        assert repr(getattr(tnn, cls)(7, eps=1e-3)) == repr(getattr(enn, cls)(7, eps=1e-3))


def test_batchnorm_cumulative_average_matches_mean_of_batches():
    tm, em = tnn.BatchNorm1d(3, momentum=None), enn.BatchNorm1d(3, momentum=None)
    batches = [arr(5, 3, shift=i) for i in range(4)]
    for b in batches:
        tm(torch.tensor(b))
        em(ember.tensor(b))
    compare_buffers(tm, em)
    np.testing.assert_allclose(npy(em.running_mean), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-5, atol=1e-6)


def test_batchnorm_noncontiguous_and_float64():
    tm, em = tnn.BatchNorm2d(4).double(), enn.BatchNorm2d(4).double()
    randomise(tm)
    copy_params(tm, em)
    base = arr(3, 5, 4, 6, dtype=np.float64)
    tx, ex = pair(base)
    # transposed (3, 4, 5, 6) non-contiguous views
    tx2, ex2 = tx.transpose(1, 2).requires_grad_(), ex.transpose(1, 2).requires_grad_()
    assert not ex2.is_contiguous()
    ty, ey = tm(tx2), em(ex2)
    close(ty, ey, 1e-10, 1e-10)
    g = arr(*ty.shape, dtype=np.float64)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    close(tx2.grad, ex2.grad, 1e-9, 1e-9)
    close(tm.weight.grad, em.weight.grad, 1e-9, 1e-9)
    compare_buffers(tm, em, atol=1e-12)


def test_batchnorm_errors():
    same_error(lambda: tnn.BatchNorm1d(4)(torch.ones(1, 4)),
               lambda: enn.BatchNorm1d(4)(ember.ones(1, 4)))
    same_error(lambda: tnn.BatchNorm1d(4)(torch.ones(1, 4, 1)),
               lambda: enn.BatchNorm1d(4)(ember.ones(1, 4, 1)))
    same_error(lambda: tnn.BatchNorm2d(3)(torch.ones(2, 4, 2, 2)),
               lambda: enn.BatchNorm2d(3)(ember.ones(2, 4, 2, 2)))
    same_error(lambda: tnn.BatchNorm2d(3)(torch.ones(2, 3)),
               lambda: enn.BatchNorm2d(3)(ember.ones(2, 3)))
    same_error(lambda: tnn.BatchNorm3d(3)(torch.ones(2, 3, 2, 2)),
               lambda: enn.BatchNorm3d(3)(ember.ones(2, 3, 2, 2)))
    same_error(lambda: tnn.SyncBatchNorm(3)(torch.ones(3)),
               lambda: enn.SyncBatchNorm(3)(ember.ones(3)))
    # one value per channel is fine in eval mode
    close(tnn.BatchNorm1d(4).eval()(torch.ones(1, 4)), enn.BatchNorm1d(4).eval()(ember.ones(1, 4)))
    x_t, x_e = torch.ones(2, 3, 4), ember.ones(2, 3, 4)
    cases = [
        (lambda L, F, x: F.batch_norm(x, None, None, training=False)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3), None, training=False)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3), None, training=True)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(2), L.ones(2), training=True)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3), L.ones(3), L.ones(4), training=True)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3), L.ones(3), L.ones(3), L.ones(2),
                                      training=True)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3), L.ones(3), training=True, eps=0)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3), L.ones(3), training=False, eps=-1)),
        (lambda L, F, x: F.batch_norm(x, L.zeros(3, dtype=L.float64), L.ones(3, dtype=L.float64),
                                      training=True)),
        (lambda L, F, x: F.batch_norm(x.long(), L.zeros(3), L.ones(3), training=True)),
    ]
    for c in cases:
        same_error(lambda: c(torch, TF, x_t), lambda: c(ember, EF, x_e))


def test_batch_norm_functional_eval_grads():
    xa, rm, rv = arr(4, 3, 5), arr(3), np.abs(arr(3)) + 0.5
    wa, ba = arr(3), arr(3)
    tx, ex = pair(xa, True)
    tw, ew = pair(wa, True)
    tb, eb = pair(ba, True)
    ty = TF.batch_norm(tx, torch.tensor(rm), torch.tensor(rv), tw, tb, False, 0.1, 1e-5)
    ey = EF.batch_norm(ex, ember.tensor(rm), ember.tensor(rv), ew, eb, False, 0.1, 1e-5)
    close(ty, ey)
    g = arr(4, 3, 5)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    for t, e in ((tx, ex), (tw, ew), (tb, eb)):
        close(t.grad, e.grad)


def test_batch_norm_double_backward():
    xa, wa, ba = arr(4, 3, 2, 2, scale=1.5), arr(3), arr(3)
    outs = []
    for L, F in ((torch, TF), (ember, EF)):
        x = L.tensor(xa, requires_grad=True)
        w = L.tensor(wa, requires_grad=True)
        b = L.tensor(ba, requires_grad=True)
        y = F.batch_norm(x, None, None, w, b, True)
        cot = L.tensor(np.random.default_rng(5).standard_normal(xa.shape).astype(np.float32))
        gx, gw = L.autograd.grad((y * cot).sum(), (x, w), create_graph=True)
        s = (gx * gx).sum() + (gw * gw * gw).sum()
        outs.append([gx, gw] + list(L.autograd.grad(s, (x, w, b), allow_unused=True)))
    for t, e in zip(*outs):
        if t is None:
            assert e is None or float(e.abs().sum()) == 0
        else:
            close(t, e, 1e-4, 1e-4)


def test_batchnorm_half_input_with_float_params():
    xa = arr(4, 3, 5)
    ty = TF.batch_norm(torch.tensor(xa).half(), torch.zeros(3), torch.ones(3), torch.ones(3),
                       torch.zeros(3), True)
    ey = EF.batch_norm(ember.tensor(xa).half(), ember.zeros(3), ember.ones(3), ember.ones(3),
                       ember.zeros(3), True)
    close(ty, ey, 1e-3, 1e-3)


def test_lazy_and_sync_batchnorm():
    em = enn.LazyBatchNorm2d()
    tm = tnn.LazyBatchNorm2d()
    xa = arr(2, 3, 4, 4)
    close(tm(torch.tensor(xa)), em(ember.tensor(xa)))
    assert type(em) is enn.BatchNorm2d and em.num_features == 3
    compare_buffers(tm, em)
    assert repr(tm) == repr(em)
    tm, em = tnn.SyncBatchNorm(3), enn.SyncBatchNorm(3)
    check_step(tm, em, arr(2, 3, 4))
    compare_buffers(tm, em)
    seq = enn.SyncBatchNorm.convert_sync_batchnorm(enn.Sequential(enn.BatchNorm1d(3)))
    assert type(seq[0]) is enn.SyncBatchNorm


# ------------------------------------------------------------------ instance norm
@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (3, 4, 6)), ("InstanceNorm1d", (4, 6)),
                                       ("InstanceNorm2d", (2, 4, 3, 5)),
                                       ("InstanceNorm2d", (4, 3, 5)),
                                       ("InstanceNorm3d", (2, 4, 2, 3, 2))])
@pytest.mark.parametrize("kw", [dict(), dict(affine=True), dict(track_running_stats=True),
                                dict(affine=True, track_running_stats=True, momentum=0.2)])
def test_instancenorm(cls, shape, kw):
    tm, em = getattr(tnn, cls)(4, **kw), getattr(enn, cls)(4, **kw)
    assert repr(tm) == repr(em)
    assert list(tm.state_dict()) == list(em.state_dict())
    randomise(tm)
    copy_params(tm, em)
    for step in range(2):
        check_step(tm, em, arr(*shape, scale=2.0, shift=step), grad_seed=step)
        compare_buffers(tm, em)
    tm.eval(), em.eval()
    check_step(tm, em, arr(*shape), grad_seed=3)


def test_instancenorm_errors_and_warning():
    same_error(lambda: tnn.InstanceNorm1d(3)(torch.ones(2, 3, 1)),
               lambda: enn.InstanceNorm1d(3)(ember.ones(2, 3, 1)))
    same_error(lambda: tnn.InstanceNorm1d(3, affine=True)(torch.ones(2, 4, 5)),
               lambda: enn.InstanceNorm1d(3, affine=True)(ember.ones(2, 4, 5)))
    same_error(lambda: tnn.InstanceNorm2d(3)(torch.ones(2, 3)),
               lambda: enn.InstanceNorm2d(3)(ember.ones(2, 3)))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        enn.InstanceNorm1d(3)(ember.tensor(arr(2, 4, 5)))
    assert any("does not match num_features" in str(x.message) for x in w)


def test_instance_norm_functional():
    xa = arr(2, 3, 7)
    tx, ex = pair(xa, True)
    ty, ey = TF.instance_norm(tx), EF.instance_norm(ex)
    close(ty, ey)
    ty.sum().backward(), (ey * 1).sum().backward()
    close(tx.grad, ex.grad)


# ------------------------------------------------------------------ layer norm
@pytest.mark.parametrize("ns,shape,kw", [
    ((8,), (4, 8), {}), ([3, 4], (2, 5, 3, 4), {}), (6, (6,), {}),
    ((5,), (3, 5), dict(elementwise_affine=False)), ((5,), (2, 3, 5), dict(bias=False)),
    ((4, 2), (3, 4, 2), dict(eps=1e-2)),
])
def test_layernorm(ns, shape, kw):
    tm, em = tnn.LayerNorm(ns, **kw), enn.LayerNorm(ns, **kw)
    assert repr(tm) == repr(em)
    randomise(tm)
    copy_params(tm, em)
    check_step(tm, em, arr(*shape, scale=3.0, shift=1.0))


def test_layernorm_noncontiguous_float64_and_double_backward():
    base = arr(5, 3, 6, dtype=np.float64)
    wa, ba = arr(5, dtype=np.float64), arr(5, dtype=np.float64)
    outs = []
    for L, F in ((torch, TF), (ember, EF)):
        x = L.tensor(base).transpose(0, 2).requires_grad_()   # (6, 3, 5), non-contiguous
        w = L.tensor(wa, requires_grad=True)
        b = L.tensor(ba, requires_grad=True)
        y = F.layer_norm(x, (5,), w, b)
        cot = L.tensor(np.random.default_rng(3).standard_normal((6, 3, 5)))
        gx, gw, gb = L.autograd.grad((y * cot).sum(), (x, w, b), create_graph=True)
        s = (gx ** 2).sum() + (gw * gx.sum((0, 1))).sum()
        outs.append([y, gx, gw, gb] + list(L.autograd.grad(s, (x, w), allow_unused=True)))
    for t, e in zip(*outs):
        close(t, e, 1e-9, 1e-9)


def test_layernorm_errors():
    cases = [
        (lambda L, F: F.layer_norm(L.ones(2, 3), (4,))),
        (lambda L, F: F.layer_norm(L.ones(2, 3), (3,), L.ones(4))),
        (lambda L, F: F.layer_norm(L.ones(2, 3), 3)),
        (lambda L, F: F.layer_norm(L.ones(2, 3), [2, 3, 4])),
        (lambda L, F: F.layer_norm(L.ones(2, 3, dtype=L.long), (3,))),
        (lambda L, F: F.layer_norm(L.ones(2, 3), (3,), L.ones(3, dtype=L.float64))),
        (lambda L, F: F.rms_norm(L.ones(2, 3), (4,))),
        (lambda L, F: F.rms_norm(L.ones(2, 3), (3,), L.ones(4))),
        (lambda L, F: F.group_norm(L.ones(2, 6, 3), 4)),
        (lambda L, F: F.group_norm(L.ones(2, 6, 3), 3, L.ones(5))),
        (lambda L, F: F.group_norm(L.ones(1, 6), 6)),
        (lambda L, F: F.group_norm(L.ones(6), 3)),
        (lambda L, F: F.local_response_norm(L.ones(2, 3), 2)),
    ]
    for c in cases:
        same_error(lambda: c(torch, TF), lambda: c(ember, EF))
    same_error(lambda: tnn.GroupNorm(4, 6), lambda: enn.GroupNorm(4, 6))


# ------------------------------------------------------------------ group norm
@pytest.mark.parametrize("g,c,shape,kw", [(2, 4, (3, 4, 5), {}), (3, 6, (2, 6, 2, 3), {}),
                                          (1, 3, (4, 3), {}), (4, 4, (2, 4, 3), dict(affine=False)),
                                          (2, 4, (2, 4, 6), dict(bias=False, eps=1e-3))])
def test_groupnorm(g, c, shape, kw):
    tm, em = tnn.GroupNorm(g, c, **kw), enn.GroupNorm(g, c, **kw)
    assert repr(tm) == repr(em)
    randomise(tm)
    copy_params(tm, em)
    # tiny groups make the input gradient ill-conditioned in float32 (PyTorch itself is
    # only ~5e-5 from the float64 answer there)
    check_step(tm, em, arr(*shape, scale=2.0, shift=-1.0), rtol=1e-4, atol=1e-4)


def test_group_norm_double_backward():
    xa, wa = arr(2, 4, 3), arr(4)
    outs = []
    for L, F in ((torch, TF), (ember, EF)):
        x = L.tensor(xa, requires_grad=True)
        w = L.tensor(wa, requires_grad=True)
        y = F.group_norm(x, 2, w)
        gx, = L.autograd.grad((y ** 2).sum(), (x,), create_graph=True)
        outs.append([gx] + list(L.autograd.grad((gx ** 2).sum(), (x, w))))
    for t, e in zip(*outs):
        close(t, e, 1e-4, 1e-4)


# ------------------------------------------------------------------ rms norm
@pytest.mark.parametrize("ns,shape,kw", [((6,), (3, 6), {}), ((2, 3), (4, 2, 3), dict(eps=1e-3)),
                                         ((5,), (2, 5), dict(elementwise_affine=False))])
def test_rmsnorm(ns, shape, kw):
    tm, em = tnn.RMSNorm(ns, **kw), enn.RMSNorm(ns, **kw)
    assert repr(tm) == repr(em)
    randomise(tm)
    copy_params(tm, em)
    check_step(tm, em, arr(*shape, scale=0.01))
    check_step(tm, em, arr(*shape, scale=3.0))


def test_rms_norm_double_backward_and_half():
    xa, wa = arr(3, 4), arr(4)
    outs = []
    for L, F in ((torch, TF), (ember, EF)):
        x = L.tensor(xa, requires_grad=True)
        w = L.tensor(wa, requires_grad=True)
        gx, gw = L.autograd.grad((F.rms_norm(x, (4,), w) ** 3).sum(), (x, w), create_graph=True)
        outs.append([gx, gw] + list(L.autograd.grad((gx * gw).sum(), (x, w))))
    for t, e in zip(*outs):
        close(t, e, 1e-4, 1e-4)
    close(TF.rms_norm(torch.tensor(xa).half() * 1e-3, (4,)),
          EF.rms_norm(ember.tensor(xa).half() * 1e-3, (4,)), 1e-3, 1e-3)


# ------------------------------------------------------------------ local response norm
@pytest.mark.parametrize("size,shape", [(3, (2, 5, 4)), (2, (2, 6, 3, 3)), (5, (1, 4, 2, 2, 2)),
                                        (1, (2, 3, 4))])
def test_local_response_norm(size, shape):
    tm = tnn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=1.5)
    em = enn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=1.5)
    assert repr(tm) == repr(em)
    check_step(tm, em, arr(*shape, scale=2.0))


@pytest.mark.parametrize("size,c", [(2, 3), (3, 8), (4, 5), (5, 8), (7, 1)])
def test_cross_map_lrn2d(size, c):
    # the legacy module: its own window arithmetic and hand-written gradient
    tm = tnn.CrossMapLRN2d(size, alpha=0.3, beta=0.7, k=1.5)
    em = enn.CrossMapLRN2d(size, alpha=0.3, beta=0.7, k=1.5)
    assert repr(tm) == repr(em)
    check_step(tm, em, arr(2, c, 3, 2, scale=2.0))
    same_error(lambda: tm(torch.ones(2, 3, 4)), lambda: em(ember.ones(2, 3, 4)))


def test_lazy_instancenorm():
    tm, em = tnn.LazyInstanceNorm1d(), enn.LazyInstanceNorm1d()
    assert repr(tm) == repr(em)
    xa = arr(2, 3, 5)
    close(tm(torch.tensor(xa)), em(ember.tensor(xa)))
    assert type(em) is enn.InstanceNorm1d and repr(tm) == repr(em)
    compare_buffers(tm, em)


# ------------------------------------------------------------------ embedding
def test_embedding_seeded_init_matches_torch():
    for kw in ({}, dict(padding_idx=2), dict(padding_idx=-1)):
        torch.manual_seed(11)
        ember.manual_seed(11)
        tm, em = tnn.Embedding(13, 7, **kw), enn.Embedding(13, 7, **kw)
        np.testing.assert_array_equal(npy(em.weight), npy(tm.weight))
        assert repr(tm) == repr(em)
        assert em.padding_idx == tm.padding_idx
        # the stream continues identically
        np.testing.assert_array_equal(npy(ember.rand(3)), npy(torch.rand(3)))
    torch.manual_seed(3)
    ember.manual_seed(3)
    tb, eb = tnn.EmbeddingBag(6, 4, padding_idx=1), enn.EmbeddingBag(6, 4, padding_idx=1)
    np.testing.assert_array_equal(npy(eb.weight), npy(tb.weight))


@pytest.mark.parametrize("kw", [{}, dict(padding_idx=0), dict(scale_grad_by_freq=True),
                                dict(padding_idx=3, scale_grad_by_freq=True, max_norm=2.0),
                                dict(padding_idx=3, sparse=True)])
def test_embedding_forward_backward(kw):
    tm, em = tnn.Embedding(10, 5, **kw), enn.Embedding(10, 5, **kw)
    assert repr(tm) == repr(em)
    copy_params(tm, em)
    idx = np.array([[1, 0, 3, 3], [9, 3, 0, 1], [3, 3, 3, 2]])
    for dt in (torch.int64, torch.int32):
        ti = torch.tensor(idx, dtype=dt)
        ei = ember.tensor(idx, dtype=getattr(ember, str(dt).split(".")[1]))
        ty, ey = tm(ti), em(ei)
        close(ty, ey, 0, 0)
        g = arr(3, 4, 5)
        ty.backward(torch.tensor(g))
        ey.backward(ember.tensor(g))
        tg = tm.weight.grad
        close(tg.to_dense() if tg.is_sparse else tg, em.weight.grad, 1e-6, 1e-6)
        close(tm.weight, em.weight, 1e-6, 1e-6)
        tm.weight.grad = None
        em.weight.grad = None


def test_embedding_sparse_with_freq_scaling_error():
    tm = tnn.Embedding(4, 2, scale_grad_by_freq=True, sparse=True)
    em = enn.Embedding(4, 2, scale_grad_by_freq=True, sparse=True)
    same_error(lambda: tm(torch.tensor([1, 1])).sum().backward(),
               lambda: em(ember.tensor([1, 1])).sum().backward())


@pytest.mark.parametrize("vocab,n", [(50, 20), (30, 400), (2000, 3000), (5, 7), (5, 0)])
def test_embedding_scatter_paths(vocab, n):
    # all distinct / long segments / occurrence levels (+ np.add.at tail) / tiny / empty
    rng = np.random.default_rng(vocab)
    if n <= vocab:
        idx = rng.permutation(vocab)[:n]
    elif n < 100:
        idx = rng.integers(0, vocab, n)
    else:
        idx = np.concatenate([rng.integers(0, vocab, n - 40), np.full(40, 7)])  # one hot row
    wa = arr(vocab, 6)
    tw, ew = pair(wa, True)
    ty, ey = TF.embedding(torch.tensor(idx), tw), EF.embedding(ember.tensor(idx), ew)
    close(ty, ey, 0, 0)
    g = arr(n, 6)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    close(tw.grad, ew.grad, 1e-5, 1e-5)


def test_embedding_double_backward_and_scalar_index():
    wa = arr(6, 3)
    outs = []
    for L, F in ((torch, TF), (ember, EF)):
        w = L.tensor(wa, requires_grad=True)
        y = F.embedding(L.tensor([[1, 1, 4], [0, 5, 1]]), w, padding_idx=0,
                        scale_grad_by_freq=True)
        gw, = L.autograd.grad((y ** 2).sum(), (w,), create_graph=True)
        outs.append([y, gw] + list(L.autograd.grad((gw ** 2).sum(), (w,))))
        outs[-1].append(F.embedding(L.tensor(3), w))
    for t, e in zip(*outs):
        close(t, e, 1e-5, 1e-5)


def test_embedding_max_norm_renormalises_in_place():
    for norm_type in (2.0, 1.0):
        table = arr(6, 4, scale=2.0)
        tm = tnn.Embedding.from_pretrained(torch.tensor(table), max_norm=1.5, norm_type=norm_type,
                                           freeze=False)
        em = enn.Embedding.from_pretrained(ember.tensor(table), max_norm=1.5, norm_type=norm_type,
                                           freeze=False)
        assert repr(tm) == repr(em)
        idx = [[0, 2, 2], [5, 0, 1]]
        ty, ey = tm(torch.tensor(idx)), em(ember.tensor(idx))
        close(ty, ey, 1e-6, 1e-6)
        close(tm.weight, em.weight, 1e-6, 1e-6)   # rows 0, 1, 2, 5 rescaled; 3, 4 untouched
        ty.sum().backward()
        ey.sum().backward()
        close(tm.weight.grad, em.weight.grad)


def test_embedding_from_pretrained_and_errors():
    table = arr(4, 3)
    tm, em = tnn.Embedding.from_pretrained(torch.tensor(table)), \
        enn.Embedding.from_pretrained(ember.tensor(table))
    assert em.weight.requires_grad is False and tm.weight.requires_grad is False
    assert enn.Embedding.from_pretrained(ember.tensor(table), freeze=False).weight.requires_grad
    close(tm(torch.tensor([3, 1])), em(ember.tensor([3, 1])))
    w_t, w_e = torch.ones(3, 2), ember.ones(3, 2)
    same_error(lambda: TF.embedding(torch.tensor([1.0]), w_t),
               lambda: EF.embedding(ember.tensor([1.0]), w_e))
    same_error(lambda: TF.embedding(torch.tensor([3]), w_t),
               lambda: EF.embedding(ember.tensor([3]), w_e))
    same_error(lambda: TF.embedding(torch.tensor([-1]), w_t),
               lambda: EF.embedding(ember.tensor([-1]), w_e))
    same_error(lambda: TF.embedding(torch.tensor([1]), torch.ones(3)),
               lambda: EF.embedding(ember.tensor([1]), ember.ones(3)))
    same_error(lambda: TF.embedding(torch.tensor([1], dtype=torch.int16), w_t),
               lambda: EF.embedding(ember.tensor([1], dtype=ember.int16), w_e))
    same_error(lambda: tnn.Embedding(5, 2, padding_idx=5),
               lambda: enn.Embedding(5, 2, padding_idx=5))
    same_error(lambda: tnn.Embedding(5, 2, padding_idx=-6),
               lambda: enn.Embedding(5, 2, padding_idx=-6))
    same_error(lambda: tnn.EmbeddingBag(5, 2, padding_idx=5),
               lambda: enn.EmbeddingBag(5, 2, padding_idx=5))


def test_embedding_state_dict_roundtrip():
    tm = tnn.Embedding(8, 3, padding_idx=1)
    em = enn.Embedding(8, 3, padding_idx=1)
    copy_params(tm, em)
    assert list(em.state_dict()) == ["weight"]
    close(tm(torch.tensor([[1, 7]])), em(ember.tensor([[1, 7]])), 0, 0)


# ------------------------------------------------------------------ embedding bag
BAG_CASES = [
    dict(input=[1, 2, 4, 5, 4, 3, 2, 9], offsets=[0, 4]),
    dict(input=[1, 2, 4, 5, 4, 3, 2, 9], offsets=[0, 3, 3, 6]),                 # empty bag
    dict(input=[1, 2, 4, 5, 4, 3, 2, 9], offsets=[0, 2, 8], include_last_offset=True),
    dict(input=[1, 2, 4, 5, 4, 3, 2, 9], offsets=[0, 2, 2, 8], include_last_offset=True),
    dict(input=[[1, 2, 4], [4, 3, 2]]),
    dict(input=[[0, 2, 0], [0, 0, 0], [1, 1, 0]], padding_idx=0),
    dict(input=[0, 2, 0, 5, 0, 7], offsets=[0, 1, 3], padding_idx=0),
    dict(input=[3, 1, 3], offsets=[0, 2, 2], scale_grad_by_freq=True),
    dict(input=[[3, 3, 3], [1, 3, 8]], max_norm=1.0),
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("case", range(len(BAG_CASES)))
def test_embedding_bag(mode, case):
    kw = dict(BAG_CASES[case])
    if mode == "max" and kw.get("scale_grad_by_freq"):
        return
    inp = kw.pop("input")
    offsets = kw.pop("offsets", None)
    tm = tnn.EmbeddingBag(10, 3, mode=mode, **kw)
    em = enn.EmbeddingBag(10, 3, mode=mode, **kw)
    assert repr(tm) == repr(em)
    copy_params(tm, em)
    to = torch.tensor(offsets) if offsets is not None else None
    eo = ember.tensor(offsets) if offsets is not None else None
    ty, ey = tm(torch.tensor(inp), to), em(ember.tensor(inp), eo)
    close(ty, ey, 1e-6, 1e-6)
    g = arr(*ty.shape)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    close(tm.weight.grad, em.weight.grad, 1e-6, 1e-6)


@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag_per_sample_weights(two_d):
    wa = arr(7, 4)
    inp = [[1, 2, 0], [6, 6, 3]] if two_d else [1, 2, 0, 6, 6, 3]
    psa = arr(2, 3) if two_d else arr(6)
    outs = []
    for L, F in ((torch, TF), (ember, EF)):
        w = L.tensor(wa, requires_grad=True)
        ps = L.tensor(psa, requires_grad=True)
        off = None if two_d else L.tensor([0, 2])
        y = F.embedding_bag(L.tensor(inp), w, off, mode="sum", per_sample_weights=ps,
                            padding_idx=0)
        (y * L.tensor(arr(*y.shape) * 0 + 1.5)).sum().backward()
        outs.append([y, w.grad, ps.grad])
    for t, e in zip(*outs):
        close(t, e, 1e-5, 1e-5)


def test_embedding_bag_errors():
    w_t, w_e = torch.arange(12.).view(6, 2), ember.arange(12.).view(6, 2)
    cases = [
        dict(input=[1, 2, 3], offsets=[1]),
        dict(input=[1, 2, 3], offsets=[0, 4]),
        dict(input=[1, 2, 3], offsets=[0, 2], padding_idx=6),
        dict(input=[[1, 2, 3]], offsets=[0, 2]),
        dict(input=[1, 2, 3]),
        dict(input=[1, 2, 3], offsets=[0, 2], mode="max", per_sample_weights=[1., 1., 1.]),
        dict(input=[1, 2, 3], offsets=[0, 2], mode="foo"),
        dict(input=[1, 2, 3], offsets=[0, 2], per_sample_weights=[1., 1.]),
        dict(input=[1, 2, 3], offsets=[[0, 2]]),
        dict(input=[1.0, 2.0], offsets=[0, 1]),
        dict(input=[1, 2], offsets=[0, 1], mode="max", scale_grad_by_freq=True),
    ]
    for c in cases:
        c = dict(c)

        def run(L, F, w, c=c):
            inp = L.tensor(c.pop("input"))
            off = c.pop("offsets", None)
            off = L.tensor(off) if off is not None else None
            if "per_sample_weights" in c:
                c["per_sample_weights"] = L.tensor(c["per_sample_weights"])
            return F.embedding_bag(inp, w, off, **c)
        same_error(lambda: run(torch, TF, w_t, dict(c)), lambda: run(ember, EF, w_e, dict(c)))


# ------------------------------------------------------------------ distances
@pytest.mark.parametrize("s1,s2,dim", [((4, 5), (4, 5), 1), ((3, 4, 5), (4, 5), -1),
                                       ((2, 3), (1, 3), 0), ((6,), (6,), 0)])
def test_cosine_similarity(s1, s2, dim):
    a, b = arr(*s1), arr(*s2)
    a.reshape(-1)[:s1[-1]] = 0.0          # a zero vector hits the eps clamp
    tm, em = tnn.CosineSimilarity(dim=dim), enn.CosineSimilarity(dim=dim)
    assert repr(tm) == repr(em)
    ta, ea = pair(a, True)
    tb, eb = pair(b, True)
    ty, ey = tm(ta, tb), em(ea, eb)
    close(ty, ey)
    g = arr(*ty.shape)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    close(ta.grad, ea.grad, 1e-5, 1e-5)
    close(tb.grad, eb.grad, 1e-5, 1e-5)


def test_cosine_similarity_eps_and_errors():
    a, b = arr(3, 4) * 1e-5, arr(3, 4)
    close(TF.cosine_similarity(torch.tensor(a), torch.tensor(b), eps=1e-3),
          EF.cosine_similarity(ember.tensor(a), ember.tensor(b), eps=1e-3))
    same_error(lambda: TF.cosine_similarity(torch.ones(2, 3), torch.ones(2, 4)),
               lambda: EF.cosine_similarity(ember.ones(2, 3), ember.ones(2, 4)))
    same_error(lambda: TF.cosine_similarity(torch.ones(2, 3), torch.ones(2, 3), dim=2),
               lambda: EF.cosine_similarity(ember.ones(2, 3), ember.ones(2, 3), dim=2))


@pytest.mark.parametrize("p,keepdim", [(2.0, False), (1.0, True), (3.0, False),
                                       (float("inf"), False)])
def test_pairwise_distance(p, keepdim):
    a, b = arr(5, 4), arr(5, 4)
    tm = tnn.PairwiseDistance(p=p, keepdim=keepdim)
    em = enn.PairwiseDistance(p=p, keepdim=keepdim)
    assert repr(tm) == repr(em)
    ta, ea = pair(a, True)
    tb, eb = pair(b, True)
    ty, ey = tm(ta, tb), em(ea, eb)
    close(ty, ey)
    ty.sum().backward()
    ey.sum().backward()
    close(ta.grad, ea.grad)
    close(tb.grad, eb.grad)
    close(TF.pairwise_distance(torch.tensor(a[0]), torch.tensor(b[0])),
          EF.pairwise_distance(ember.tensor(a[0]), ember.tensor(b[0])))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.5, float("inf")])
def test_pdist(p):
    a = arr(6, 3)
    a[4] = a[1]                                  # a zero distance
    ta, ea = pair(a, True)
    ty, ey = TF.pdist(ta, p), EF.pdist(ea, p)
    close(ty, ey)
    g = arr(*ty.shape)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    close(ta.grad, ea.grad, 1e-5, 1e-5)
    same_error(lambda: TF.pdist(torch.ones(2, 3, 4)), lambda: EF.pdist(ember.ones(2, 3, 4)))
    same_error(lambda: TF.pdist(torch.ones(2, 3), -1), lambda: EF.pdist(ember.ones(2, 3), -1))
