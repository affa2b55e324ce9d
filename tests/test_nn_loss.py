"""ember.nn losses (functional forms and modules) compared against real
PyTorch: values, dtypes, shapes, gradients (and gradients of gradients),
the options of each loss, the errors bad inputs raise, and module reprs."""
import warnings
from collections import namedtuple

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF
import torch.nn as tnn
import torch.nn.functional as TF

RNG = np.random.default_rng(0)
REDUCTIONS = ["none", "mean", "sum"]
Lib = namedtuple("Lib", "lib F nn")
TORCH, EMBER = Lib(torch, TF, tnn), Lib(ember, EF, enn)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def uni(*shape, lo=0.05, hi=0.95, dtype=np.float64):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def npy(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach())


def close(t, e, rtol=1e-5, atol=1e-7):
    assert e is not None and t is not None, (t, e)
    a, b = npy(t), npy(e)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(t.dtype) == str(e.dtype), (t.dtype, e.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, equal_nan=True)


def make(lib, a, rg=False):
    if not isinstance(a, np.ndarray):
        return a
    return lib.tensor(a, requires_grad=rg and a.dtype.kind == "f")


def compare(fn, *arrays, grad=(), kw=None, rtol=1e-5, atol=1e-7, double=False):
    """fn(lib, *tensors, **kw) on torch and on ember (arrays and array-valued
    kw become tensors); compares the results and the gradients of
    sum(out * g) with respect to the inputs at positions `grad`. With
    double=True it also compares the gradients of those gradients."""
    kw = kw or {}
    res = []
    for L in (TORCH, EMBER):
        ts = [make(L.lib, a, i in grad) for i, a in enumerate(arrays)]
        kws = {k: make(L.lib, v) for k, v in kw.items()}
        out = fn(L, *ts, **kws)
        grads = ggrads = None
        if grad:
            gout = L.lib.tensor(np.linspace(0.5, 1.5, max(out.numel(), 1))[:out.numel()]
                                .reshape(tuple(out.shape)).astype(npy(out).dtype))
            inputs = [ts[i] for i in grad]
            grads = L.lib.autograd.grad((out * gout).sum(), inputs, create_graph=double)
            if double:
                s = sum((g * L.lib.tensor(np.cos(np.arange(g.numel())).reshape(tuple(g.shape))
                                          .astype(npy(g).dtype))).sum() for g in grads)
                # (a gradient that is constant in the inputs has no graph: nll_loss)
                ggrads = (L.lib.autograd.grad(s, inputs, allow_unused=True) if s.requires_grad
                          else None)
        res.append((out, grads, ggrads))
    (to, tg, tgg), (eo, eg, egg) = res
    close(to, eo, rtol, atol)
    if grad:
        for a, b in zip(tg, eg):
            close(a, b, rtol, atol)
    if double:
        assert (tgg is None) == (egg is None)
        for a, b in zip(tgg or (), egg or ()):
            if a is None:
                assert b is None or not npy(b).any()
            else:
                close(a, b, rtol, atol)
    return eo


def same_error(fn):
    """fn(Lib) raises the same exception class on torch and on ember."""
    kinds = []
    for L in (TORCH, EMBER):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(L)
        except Exception as e:  # noqa: BLE001
            kinds.append(type(e).__name__)
        else:
            kinds.append("no error")
    assert kinds[0] == kinds[1] and kinds[0] != "no error", kinds


def _quiet(fn):
    def run(*a, **k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*a, **k)
    return run


# ------------------------------------------------------------------ regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss",
                                  "soft_margin_loss"])
def test_pointwise_losses(name, reduction):
    x, t = arr(3, 4), arr(3, 4)
    if name == "soft_margin_loss":
        t = np.sign(t)
        compare(lambda L, a, b: getattr(L.F, name)(a, b, reduction=reduction), x, t, grad=(0,))
    else:
        compare(lambda L, a, b: getattr(L.F, name)(a, b, reduction=reduction), x, t, grad=(0, 1))
    # float32 keeps float32; the modules give the same
    cls = {"l1_loss": "L1Loss", "mse_loss": "MSELoss", "smooth_l1_loss": "SmoothL1Loss",
           "huber_loss": "HuberLoss", "soft_margin_loss": "SoftMarginLoss"}[name]
    compare(lambda L, a, b: getattr(L.nn, cls)(reduction=reduction)(a, b),
            x.astype(np.float32), t.astype(np.float32), grad=(0,), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_smooth_l1_beta(beta):
    x = np.array([0.0, 0.3, -0.4, 1.0, -2.5, 0.5, 3.0])
    t = np.zeros(7)
    for red in REDUCTIONS:
        compare(lambda L, a, b: L.F.smooth_l1_loss(a, b, reduction=red, beta=beta), x, t,
                grad=(0, 1))


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_delta(delta):
    x, t = arr(2, 5) * 2, arr(2, 5)
    for red in REDUCTIONS:
        compare(lambda L, a, b: L.nn.HuberLoss(reduction=red, delta=delta)(a, b), x, t,
                grad=(0, 1))


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_weighted_regression(name):
    x, t, w = arr(3, 4), arr(3, 4), uni(3, 4)
    for red in REDUCTIONS:
        compare(lambda L, a, b, c: getattr(L.F, name)(a, b, reduction=red, weight=c), x, t, w,
                grad=(0, 1))


def test_regression_broadcast_and_promotion():
    compare(_quiet(lambda L, a, b: L.F.mse_loss(a, b)), arr(3, 1), arr(3), grad=(0, 1))
    compare(_quiet(lambda L, a, b: L.F.l1_loss(a, b, reduction="none")), arr(3, 1), arr(3),
            grad=(0, 1))
    compare(lambda L, a, b: L.F.mse_loss(a, b), arr(4, dtype=np.float32), arr(4), grad=(0, 1))
    compare(lambda L, a, b: L.F.smooth_l1_loss(a, b), arr(4, dtype=np.float32), arr(4))
    compare(lambda L, a, b: L.F.l1_loss(a, b, reduction="sum"), np.array([1, 5]),
            np.array([3, 2]))
    # the L1 gradient is 0 where the error is 0
    compare(lambda L, a, b: L.F.l1_loss(a, b), np.array([1.0, 2.0]), np.array([1.0, 0.0]),
            grad=(0,))
    with pytest.warns(UserWarning, match="target size"):
        EF.mse_loss(ember.ones(3, 1), ember.ones(3))


def test_mse_double_backward():
    for red in REDUCTIONS:
        compare(lambda L, a, b: L.F.mse_loss(a, b, reduction=red), arr(3, 4), arr(3, 4),
                grad=(0, 1), double=True)
    compare(lambda L, a, b: L.F.smooth_l1_loss(a, b, beta=0.7), arr(3, 4), arr(3, 4),
            grad=(0, 1), double=True)
    compare(lambda L, a, b: L.F.huber_loss(a, b, delta=0.7), arr(3, 4), arr(3, 4),
            grad=(0, 1), double=True)


# ------------------------------------------------------------------ binary cross entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    p, t, w = uni(3, 4), uni(3, 4, lo=0.0, hi=1.0), uni(4)
    compare(lambda L, a, b: L.F.binary_cross_entropy(a, b, reduction=reduction), p, t,
            grad=(0, 1))
    compare(lambda L, a, b, c: L.nn.BCELoss(weight=c, reduction=reduction)(a, b), p, t, w,
            grad=(0, 1))
    compare(lambda L, a, b: L.nn.BCELoss(reduction=reduction)(a, b), p.astype(np.float32),
            t.astype(np.float32), grad=(0,), rtol=1e-5, atol=1e-6)


def test_bce_clamped_log():
    edge = np.array([0.0, 1.0, 0.0, 1.0, 1e-8])
    tgt = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
    compare(lambda L, a, b: L.F.binary_cross_entropy(a, b, reduction="none"), edge, tgt,
            grad=(0,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    x, t = arr(3, 4) * 3, uni(3, 4, lo=0.0, hi=1.0)
    w, pw = uni(4), uni(4, lo=0.5, hi=3.0)
    f = TF.binary_cross_entropy_with_logits
    del f
    compare(lambda L, a, b: L.F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
            x, t, grad=(0, 1))
    compare(lambda L, a, b, c, d: L.nn.BCEWithLogitsLoss(weight=c, pos_weight=d,
                                                         reduction=reduction)(a, b),
            x, t, w, pw, grad=(0, 1))
    compare(lambda L, a, b, d: L.F.binary_cross_entropy_with_logits(
        a, b, pos_weight=d, reduction=reduction), x, t, pw[:, None].repeat(4, 1)[:3],
        grad=(0, 1))


def test_bce_with_logits_stable_and_double_backward():
    big = np.array([100.0, -100.0, 100.0, -100.0, 1000.0], dtype=np.float32)
    compare(lambda L, a, b: L.F.binary_cross_entropy_with_logits(a, b, reduction="none"),
            big, np.array([1.0, 0.0, 0.0, 1.0, 0.0], dtype=np.float32), grad=(0,))
    compare(lambda L, a, b, d: L.F.binary_cross_entropy_with_logits(a, b, pos_weight=d),
            arr(3, 4), uni(3, 4), uni(4, lo=0.5, hi=3.0), grad=(0, 1), double=True)
    compare(lambda L, a, b: L.F.binary_cross_entropy(a, b), uni(3, 4), uni(3, 4),
            grad=(0, 1), double=True)
    # float64 target with a float32 input promotes
    compare(lambda L, a, b: L.F.binary_cross_entropy_with_logits(a, b),
            arr(4, dtype=np.float32), uni(4))


# ------------------------------------------------------------------ KL divergence
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(uni(3, 4))
    t = uni(3, 4)
    if log_target:
        t = np.log(t)
    compare(_quiet(lambda L, a, b: L.nn.KLDivLoss(reduction=reduction, log_target=log_target)(
        a, b)), x, t, grad=(0, 1))
    compare(_quiet(lambda L, a, b: L.F.kl_div(a, b, reduction=reduction, log_target=log_target)),
            x, t, grad=(0, 1), double=True)


def test_kl_div_zero_target_and_warning():
    x = np.log(uni(2, 3))
    t = np.array([[0.6, 0.4, 0.0], [0.0, 0.2, 0.8]])
    compare(lambda L, a, b: L.F.kl_div(a, b, reduction="batchmean"), x, t, grad=(0,))
    with pytest.warns(UserWarning, match="batchmean"):
        enn.KLDivLoss()(ember.tensor(x), ember.tensor(t))


# ------------------------------------------------------------------ nll / cross entropy
def _logits(*shape):
    return arr(*shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    lp = np.log(uni(5, 4))
    t = np.array([0, 3, 1, 2, 3])
    w = uni(4, lo=0.5, hi=2.0)
    compare(lambda L, a, b: L.F.nll_loss(a, b, reduction=reduction), lp, t, grad=(0,))
    compare(lambda L, a, b, c: L.nn.NLLLoss(weight=c, reduction=reduction)(a, b), lp, t, w,
            grad=(0,))
    compare(lambda L, a, b, c: L.nn.NLLLoss(weight=c, ignore_index=3, reduction=reduction)(a, b),
            lp, t, w, grad=(0,))
    t2 = np.array([0, -100, 1, 2, -100])
    compare(lambda L, a, b: L.F.nll_loss(a, b, reduction=reduction), lp, t2, grad=(0,))
    # K-dimensional: (N, C, d1, d2) and (N, C, d1)
    lp4 = np.log(uni(2, 3, 2, 4))
    t4 = RNG.integers(0, 3, (2, 2, 4))
    t4[0, 0, 0] = -100
    compare(lambda L, a, b, c: L.F.nll_loss(a, b, weight=c, reduction=reduction), lp4, t4,
            uni(3), grad=(0,))
    compare(lambda L, a, b: L.F.nll_loss(a, b, reduction=reduction), lp4[:, :, 0],
            t4[:, 0], grad=(0,))
    # unbatched
    compare(lambda L, a, b: L.F.nll_loss(a, b, reduction=reduction), lp[0], np.array(2),
            grad=(0,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_indices(reduction):
    x = _logits(6, 5)
    t = np.array([0, 4, 1, 2, 3, 4])
    w = uni(5, lo=0.5, hi=2.0)
    run = (lambda **o: compare(
        lambda L, a, b, **k: L.nn.CrossEntropyLoss(reduction=reduction, **k)(a, b),
        x, t, grad=(0,), kw=o))
    run()
    run(weight=w)
    run(ignore_index=4)
    run(weight=w, ignore_index=4)
    run(label_smoothing=0.1)
    run(label_smoothing=0.3, weight=w)
    run(label_smoothing=0.2, ignore_index=4)
    run(label_smoothing=0.25, weight=w, ignore_index=1)
    run(label_smoothing=1.0)
    t2 = np.array([0, -100, 1, -100, 3, 4])
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1),
            x, t2, grad=(0,))
    # float32 and uint8 targets
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction),
            x.astype(np.float32), t.astype(np.uint8), grad=(0,), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_kdim_and_unbatched(reduction):
    x = _logits(2, 3, 4, 2)
    t = RNG.integers(0, 3, (2, 4, 2))
    t[1, 2, 1] = -100
    w = uni(3, lo=0.5, hi=2.0)
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction), x, t, grad=(0,))
    compare(lambda L, a, b, c: L.F.cross_entropy(a, b, weight=c, reduction=reduction,
                                                 label_smoothing=0.2),
            x, t, w, grad=(0,))
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction), x[:, :, :, 0],
            t[:, :, 0], grad=(0,))
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1),
            x[0, :, 0, 0], np.array(1), grad=(0,))
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction),
            x[0, :, 0, 0], np.array([2]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(reduction):
    x = _logits(4, 5)
    p = uni(4, 5)
    p /= p.sum(1, keepdims=True)
    w = uni(5, lo=0.5, hi=2.0)
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction), x, p, grad=(0, 1))
    compare(lambda L, a, b, c: L.F.cross_entropy(a, b, weight=c, reduction=reduction,
                                                 label_smoothing=0.2), x, p, w, grad=(0, 1))
    x4, p4 = _logits(2, 3, 2, 2), uni(2, 3, 2, 2)
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1),
            x4, p4, grad=(0, 1))
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction), x[0], p[0],
            grad=(0, 1))
    # float64 probabilities with float32 logits promote
    compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=reduction),
            x.astype(np.float32), p, grad=(0,))


def test_cross_entropy_all_ignored_is_nan():
    x = _logits(3, 4)
    t = np.full(3, -100)
    compare(lambda L, a, b: L.F.cross_entropy(a, b), x, t, grad=(0,))
    compare(lambda L, a, b: L.F.nll_loss(a, b, reduction="sum"), x, t, grad=(0,))
    out = EF.cross_entropy(ember.tensor(x), ember.tensor(t))
    assert np.isnan(out.item())
    compare(lambda L, a, b: L.F.cross_entropy(a, b), np.zeros((0, 4)),
            np.zeros(0, dtype=np.int64))


def test_cross_entropy_double_backward():
    x, t = _logits(4, 5), np.array([0, 4, -100, 2])
    w = uni(5, lo=0.5, hi=2.0)
    for red in REDUCTIONS:
        compare(lambda L, a, b: L.F.cross_entropy(a, b, reduction=red), x, t, grad=(0,),
                double=True)
        compare(lambda L, a, b, c: L.F.cross_entropy(a, b, weight=c, reduction=red,
                                                     label_smoothing=0.15),
                x, t, w, grad=(0,), double=True)
    p = uni(4, 5)
    compare(lambda L, a, b: L.F.cross_entropy(a, b, label_smoothing=0.1), x, p, grad=(0, 1),
            double=True)
    compare(lambda L, a, b: L.F.nll_loss(L.F.log_softmax(a, 1), b, reduction="sum"), x, t,
            grad=(0,), double=True)


def test_cross_entropy_half_precision():
    x, t = _logits(4, 5).astype(np.float32), np.array([0, 4, 1, 2])
    for L in (TORCH, EMBER):
        out = L.F.cross_entropy(L.lib.tensor(x).half(), L.lib.tensor(t))
        assert str(out.dtype) == "torch.float16"
    ref = TF.cross_entropy(torch.tensor(x), torch.tensor(t)).item()
    assert abs(EF.cross_entropy(ember.tensor(x).half(), ember.tensor(t)).item() - ref) < 1e-2


# ------------------------------------------------------------------ embedding / ranking losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5, -0.2])
def test_cosine_embedding(reduction, margin):
    x1, x2 = arr(5, 3), arr(5, 3)
    y = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    compare(lambda L, a, b, c: L.nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)(
        a, b, c), x1, x2, y, grad=(0, 1))
    compare(lambda L, a, b, c: L.F.cosine_embedding_loss(a, b, c, margin=margin,
                                                         reduction=reduction),
            x1[0], x2[0], np.array(-1.0), grad=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking(reduction):
    x1, x2 = arr(6), arr(6)
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    for margin in (0.0, 0.3):
        compare(lambda L, a, b, c: L.nn.MarginRankingLoss(margin=margin, reduction=reduction)(
            a, b, c), x1, x2, y, grad=(0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding(reduction):
    x = arr(3, 4)
    y = np.sign(arr(3, 4))
    for margin in (1.0, 0.5):
        compare(lambda L, a, b: L.nn.HingeEmbeddingLoss(margin=margin, reduction=reduction)(a, b),
                x, y, grad=(0,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, True), (3.0, False), (2.0, True)])
def test_triplet_margin(reduction, p, swap):
    a, pos, neg = arr(4, 5), arr(4, 5), arr(4, 5)
    compare(lambda L, x, y, z: L.nn.TripletMarginLoss(margin=0.8, p=p, swap=swap,
                                                      reduction=reduction)(x, y, z),
            a, pos, neg, grad=(0, 1, 2))
    compare(lambda L, x, y, z: L.F.triplet_margin_loss(x, y, z, p=p, eps=1e-3, swap=swap,
                                                       reduction=reduction),
            a[0], pos[0], neg[0], grad=(0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_with_distance(reduction):
    a, pos, neg = arr(4, 5), arr(4, 5), arr(4, 5)
    compare(lambda L, x, y, z: L.nn.TripletMarginWithDistanceLoss(reduction=reduction)(x, y, z),
            a, pos, neg, grad=(0, 1, 2))

    def cos_dist(x, y):
        return 1 - (x * y).sum(-1) / ((x * x).sum(-1) * (y * y).sum(-1)).sqrt()
    compare(lambda L, x, y, z: L.F.triplet_margin_with_distance_loss(
        x, y, z, distance_function=cos_dist, margin=0.5, swap=True, reduction=reduction),
        a, pos, neg, grad=(0, 1, 2))


# ------------------------------------------------------------------ multi-class margin losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    x = arr(4, 5)
    t = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, 0], [0, 1, 2, 3, 4], [-1, 2, 2, 0, 0]])
    compare(lambda L, a, b: L.nn.MultiLabelMarginLoss(reduction=reduction)(a, b), x, t,
            grad=(0,))
    compare(lambda L, a, b: L.F.multilabel_margin_loss(a, b, reduction=reduction), x[0], t[0],
            grad=(0,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin(reduction):
    x, t, w = arr(4, 5) * 3, (arr(4, 5) > 0).astype(np.float64), uni(5)
    compare(lambda L, a, b, c: L.nn.MultiLabelSoftMarginLoss(weight=c, reduction=reduction)(a, b),
            x, t, w, grad=(0, 1))
    compare(lambda L, a, b: L.F.multilabel_soft_margin_loss(a, b, reduction=reduction), x, t,
            grad=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin(reduction, p):
    x, t, w = arr(5, 4), np.array([0, 3, 1, 1, 2]), uni(4, lo=0.5, hi=2.0)
    compare(lambda L, a, b: L.nn.MultiMarginLoss(p=p, reduction=reduction)(a, b), x, t,
            grad=(0,))
    compare(lambda L, a, b, c: L.nn.MultiMarginLoss(p=p, margin=0.5, weight=c,
                                                    reduction=reduction)(a, b),
            x, t, w, grad=(0,))
    compare(lambda L, a, b: L.F.multi_margin_loss(a, b, p=p, reduction=reduction), x[0],
            np.array(2), grad=(0,))


# ------------------------------------------------------------------ likelihood losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_poisson_nll(reduction, log_input, full):
    x = arr(3, 4) if log_input else uni(3, 4, lo=0.1, hi=3.0)
    t = RNG.integers(0, 5, (3, 4)).astype(np.float64) + 0.5
    compare(lambda L, a, b: L.nn.PoissonNLLLoss(log_input=log_input, full=full, eps=1e-6,
                                                reduction=reduction)(a, b), x, t, grad=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll(reduction):
    x, t = arr(4, 3), arr(4, 3)
    for var in (uni(4, 3), uni(4), uni(4, 1), np.concatenate([uni(4, 2), np.zeros((4, 1))], 1)):
        for full in (False, True):
            compare(lambda L, a, b, c: L.nn.GaussianNLLLoss(full=full, eps=1e-3,
                                                            reduction=reduction)(a, b, c),
                    x, t, var, grad=(0, 1, 2))
    compare(lambda L, a, b: L.F.gaussian_nll_loss(a, b, 0.5, reduction=reduction), x, t,
            grad=(0, 1))


# ------------------------------------------------------------------ CTC
def _ctc_data(T=12, N=4, C=6, S=4, seed=1):
    rng = np.random.default_rng(seed)
    lp = rng.standard_normal((T, N, C))
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    targets = rng.integers(1, C, (N, S))
    targets[1, :3] = [2, 2, 3]  # a repeated label needs a blank between
    il = np.array([T, T - 2, T - 5, 7][:N])
    tl = np.array([S, 3, 2, 0][:N])
    return lp, targets, il, tl


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss(reduction):
    lp, tg, il, tl = _ctc_data()
    compare(lambda L, a, b, c, d: L.nn.CTCLoss(reduction=reduction)(a, b, c, d), lp, tg, il, tl,
            grad=(0,), rtol=1e-6, atol=1e-8)
    # concatenated targets, a different blank, float32, tuple lengths
    flat = np.concatenate([tg[i, :tl[i]] for i in range(len(tl))])
    flat = np.where(flat == 5, 0, flat)
    compare(lambda L, a, b: L.F.ctc_loss(a, b, tuple(il), tuple(tl), blank=5, reduction=reduction),
            lp.astype(np.float32), flat, grad=(0,), rtol=1e-4, atol=1e-5)
    # unbatched
    compare(lambda L, a, b, c, d: L.F.ctc_loss(a, b, c, d, reduction=reduction), lp[:, 0],
            tg[0], np.array(12), np.array(4), grad=(0,))


def test_ctc_zero_infinity():
    lp, tg, il, tl = _ctc_data()
    il = np.array([12, 2, 7, 7])   # sample 1 cannot emit its 3 labels (with a repeat) in 2 steps
    for zi in (False, True):
        for red in REDUCTIONS:
            compare(lambda L, a, b, c, d: L.F.ctc_loss(a, b, c, d, reduction=red,
                                                       zero_infinity=zi),
                    lp, tg, il, tl, grad=(0,))


# ------------------------------------------------------------------ legacy arguments, modules
def test_legacy_size_average_reduce():
    x, t = arr(3, 4), arr(3, 4)
    for sa, rd in ((False, None), (None, False), (True, True), (False, True)):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            m = enn.MSELoss(size_average=sa, reduce=rd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = tnn.MSELoss(size_average=sa, reduce=rd)
        assert m.reduction == ref.reduction
        compare(_quiet(lambda L, a, b: L.F.l1_loss(a, b, size_average=sa, reduce=rd)), x, t)
        compare(_quiet(lambda L, a, b: L.F.cross_entropy(a, b, size_average=sa, reduce=rd)),
                x, np.array([0, 1, 3]))


def test_module_repr_and_buffers():
    w = np.ones(3)
    for name in ["L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
                 "BCEWithLogitsLoss", "KLDivLoss", "SmoothL1Loss", "HuberLoss",
                 "CosineEmbeddingLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
                 "TripletMarginLoss", "TripletMarginWithDistanceLoss", "MultiLabelMarginLoss",
                 "MultiLabelSoftMarginLoss", "MultiMarginLoss", "SoftMarginLoss",
                 "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss"]:
        e, t = getattr(enn, name)(), getattr(tnn, name)()
        assert repr(e) == repr(t)
        assert {k: v for k, v in vars(e).items() if not k.startswith("_") and k != "training"
                and not callable(v)} == {k: v for k, v in vars(t).items()
                                         if not k.startswith("_") and k != "training"
                                         and not callable(v)}, name
    m = enn.CrossEntropyLoss(weight=ember.tensor(w), label_smoothing=0.1)
    assert list(m.state_dict()) == ["weight"] and m.label_smoothing == 0.1
    m = enn.BCEWithLogitsLoss(pos_weight=ember.tensor(w))
    assert list(m.state_dict()) == ["pos_weight"]
    assert list(enn.CrossEntropyLoss().state_dict()) == []
    with pytest.warns(FutureWarning):
        enn.NLLLoss2d()
    from ember.nn.modules.loss import _Loss, _WeightedLoss  # noqa: F401  (custom losses subclass these)


# ------------------------------------------------------------------ errors
ERRORS = {
    "ce_target_too_large": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0, 3, 1])),
    "ce_target_negative": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0, -1, 1])),
    "ce_kdim_out_of_range": lambda L: L.F.cross_entropy(L.lib.ones(2, 3, 4),
                                                        L.lib.full((2, 4), 3)),
    "nll_target_too_large": lambda L: L.F.nll_loss(L.lib.ones(3, 3), L.lib.tensor([0, 5, 1])),
    "ce_float_targets": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0., 2., 1.])),
    "ce_int32_targets": lambda L: L.F.cross_entropy(L.lib.ones(3, 3),
                                                    L.lib.tensor([0, 2, 1], dtype=L.lib.int32)),
    "ce_batch_mismatch": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0, 2])),
    "ce_prob_shape": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.full((3, 2), 0.5)),
    "ce_weight_len": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0, 2, 1]),
                                                 weight=L.lib.ones(2)),
    "ce_weight_dtype": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0, 2, 1]),
                                                   weight=L.lib.ones(3, dtype=L.lib.float64)),
    "ce_label_smoothing": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.tensor([0, 2, 1]),
                                                      label_smoothing=1.5),
    "ce_prob_long": lambda L: L.F.cross_entropy(L.lib.ones(3), L.lib.ones(3, dtype=L.lib.long)),
    "ce_prob_ignore": lambda L: L.F.cross_entropy(L.lib.ones(3, 3), L.lib.ones(3, 3),
                                                  ignore_index=1),
    "ce_int_input": lambda L: L.F.cross_entropy(L.lib.ones(3, 3, dtype=L.lib.long),
                                                L.lib.tensor([0, 2, 1])),
    "ce_kdim_target_shape": lambda L: L.F.cross_entropy(L.lib.ones(2, 3, 4),
                                                        L.lib.zeros(2, 5, dtype=L.lib.long)),
    "nll_4d_target_dims": lambda L: L.F.nll_loss(L.lib.ones(2, 3, 2, 2),
                                                 L.lib.zeros(2, 4, dtype=L.lib.long)),
    "nll_0d": lambda L: L.F.nll_loss(L.lib.tensor(1.0), L.lib.tensor(0)),
    "nll_1d_target": lambda L: L.F.nll_loss(L.lib.ones(3), L.lib.tensor([1, 2])),
    "nll_weight_grad": lambda L: L.F.nll_loss(L.lib.ones(3, 3), L.lib.tensor([0, 2, 1]),
                                              weight=L.lib.ones(3, requires_grad=True)),
    "bce_input_above_one": lambda L: L.F.binary_cross_entropy(L.lib.tensor([0.5, 1.5]),
                                                              L.lib.tensor([0.0, 1.0])),
    "bce_input_negative": lambda L: L.F.binary_cross_entropy(L.lib.tensor([-0.1, 0.5]),
                                                             L.lib.tensor([0.0, 1.0])),
    "bce_size": lambda L: L.F.binary_cross_entropy(L.lib.tensor([0.5, 0.5]),
                                                   L.lib.tensor([0.0, 1.0, 1.0])),
    "bce_long_target": lambda L: L.F.binary_cross_entropy(L.lib.tensor([0.5, 0.5]),
                                                          L.lib.tensor([0, 1])),
    "bce_weight_shape": lambda L: L.F.binary_cross_entropy(L.lib.tensor([0.5, 0.5]),
                                                           L.lib.tensor([0.0, 1.0]),
                                                           weight=L.lib.ones(3)),
    "bce_logits_size": lambda L: L.F.binary_cross_entropy_with_logits(
        L.lib.tensor([0.5, 0.5]), L.lib.tensor([0.0, 1.0, 1.0])),
    "bce_logits_long_target": lambda L: L.F.binary_cross_entropy_with_logits(
        L.lib.tensor([0.5, 0.5]), L.lib.tensor([0, 1])),
    "bce_logits_pos_weight": lambda L: L.F.binary_cross_entropy_with_logits(
        L.lib.tensor([0.5, 0.5]), L.lib.tensor([0.0, 1.0]), pos_weight=L.lib.ones(3)),
    "mse_shapes": lambda L: L.F.mse_loss(L.lib.ones(2, 3), L.lib.ones(4)),
    "mse_long": lambda L: L.F.mse_loss(L.lib.ones(2, dtype=L.lib.long),
                                       L.lib.ones(2, dtype=L.lib.long)),
    "mse_weight_shape": lambda L: L.F.mse_loss(L.lib.ones(2, 3), L.lib.ones(2, 3),
                                               weight=L.lib.ones(3)),
    "unknown_reduction": lambda L: L.nn.MSELoss(reduction="avg")(L.lib.ones(2), L.lib.ones(2)),
    "unknown_reduction_ce": lambda L: L.F.cross_entropy(L.lib.ones(2, 3), L.lib.tensor([0, 1]),
                                                        reduction="avg"),
    "smooth_l1_negative_beta": lambda L: L.F.smooth_l1_loss(L.lib.ones(2), L.lib.ones(2),
                                                            beta=-1.0),
    "huber_zero_delta": lambda L: L.F.huber_loss(L.lib.ones(2), L.lib.ones(2), delta=0.0),
    "kl_integral": lambda L: L.F.kl_div(L.lib.ones(2), L.lib.ones(2, dtype=L.lib.long)),
    "cosine_2d_target": lambda L: L.nn.CosineEmbeddingLoss()(L.lib.ones(2, 3), L.lib.ones(2, 3),
                                                             L.lib.ones(2, 1)),
    "cosine_3d_inputs": lambda L: L.nn.CosineEmbeddingLoss()(L.lib.ones(2, 3, 1),
                                                             L.lib.ones(2, 3, 1), L.lib.ones(2)),
    "margin_ranking_dims": lambda L: L.F.margin_ranking_loss(L.lib.ones(2, 1), L.lib.ones(2),
                                                             L.lib.ones(2)),
    "soft_margin_target_grad": lambda L: L.F.soft_margin_loss(
        L.lib.ones(2), L.lib.ones(2, requires_grad=True)),
    "multi_margin_p": lambda L: L.F.multi_margin_loss(L.lib.ones(2, 3), L.lib.tensor([0, 1]), p=3),
    "multi_margin_range": lambda L: L.F.multi_margin_loss(L.lib.ones(2, 3), L.lib.tensor([0, 3])),
    "multi_margin_float_target": lambda L: L.F.multi_margin_loss(L.lib.ones(2, 3),
                                                                 L.lib.ones(2)),
    "multi_margin_weight": lambda L: L.F.multi_margin_loss(L.lib.ones(2, 3), L.lib.tensor([0, 1]),
                                                           weight=L.lib.ones(2)),
    "multi_margin_3d": lambda L: L.F.multi_margin_loss(L.lib.ones(2, 3, 1), L.lib.tensor([0, 1])),
    "multilabel_margin_shape": lambda L: L.F.multilabel_margin_loss(
        L.lib.ones(2, 3), L.lib.zeros(2, 4, dtype=L.lib.long)),
    "multilabel_margin_range": lambda L: L.F.multilabel_margin_loss(
        L.lib.ones(2, 3), L.lib.tensor([[0, 3, -1], [0, 1, -1]])),
    "triplet_dims": lambda L: L.F.triplet_margin_loss(L.lib.ones(2, 3), L.lib.ones(2, 3),
                                                      L.lib.ones(3)),
    "triplet_margin": lambda L: L.F.triplet_margin_loss(L.lib.ones(2, 3), L.lib.ones(2, 3),
                                                        L.lib.ones(2, 3), margin=0),
    "triplet_module_margin": lambda L: L.nn.TripletMarginLoss(margin=-1.0),
    "triplet_distance_margin": lambda L: L.F.triplet_margin_with_distance_loss(
        L.lib.ones(2, 3), L.lib.ones(2, 3), L.lib.ones(2, 3), margin=0),
    "gaussian_negative_var": lambda L: L.F.gaussian_nll_loss(L.lib.ones(2), L.lib.ones(2),
                                                             -L.lib.ones(2)),
    "gaussian_var_size": lambda L: L.F.gaussian_nll_loss(L.lib.ones(2, 3), L.lib.ones(2, 3),
                                                         L.lib.ones(3, 3)),
    "poisson_reduction": lambda L: L.F.poisson_nll_loss(L.lib.ones(2), L.lib.ones(2),
                                                        reduction="x"),
    "ctc_input_length": lambda L: L.F.ctc_loss(L.lib.zeros(5, 2, 4), L.lib.ones(2, 3).long(),
                                               L.lib.tensor([6, 5]), L.lib.tensor([3, 2])),
    "ctc_target_length": lambda L: L.F.ctc_loss(L.lib.zeros(5, 2, 4), L.lib.ones(2, 3).long(),
                                                L.lib.tensor([5, 5]), L.lib.tensor([4, 2])),
    "ctc_blank": lambda L: L.F.ctc_loss(L.lib.zeros(5, 2, 4), L.lib.ones(2, 3).long(),
                                        L.lib.tensor([5, 5]), L.lib.tensor([3, 2]), blank=4),
    "ctc_float_lengths": lambda L: L.F.ctc_loss(L.lib.zeros(5, 2, 4), L.lib.ones(2, 3).long(),
                                                L.lib.tensor([5.0, 5.0]), L.lib.tensor([3, 2])),
    "ctc_lengths_batch": lambda L: L.F.ctc_loss(L.lib.zeros(5, 2, 4), L.lib.ones(2, 3).long(),
                                                L.lib.tensor([5]), L.lib.tensor([3, 2])),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
    same_error(ERRORS[name])


def test_error_messages():
    with pytest.raises(IndexError, match="Target 3 is out of bounds."):
        EF.cross_entropy(ember.ones(3, 3), ember.tensor([0, 3, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        EF.nll_loss(ember.ones(3, 3), ember.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)."):
        EF.cross_entropy(ember.ones(3, 3), ember.tensor([0, 2]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        EF.binary_cross_entropy(ember.tensor([2.0]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        EF.l1_loss(ember.ones(2), ember.ones(2), reduction="avg")
