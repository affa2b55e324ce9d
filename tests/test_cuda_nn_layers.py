"""nn layers on the 'cuda' device give the CPU's values, dtypes, shapes and
gradients: activations, normalisation, losses, attention, transformers,
recurrent layers and distances.

Functional cases go through `run_both`; modules are built on the CPU with a
seed, deep-copied to cuda, and compared on outputs and parameter gradients.
"""
import copy

import numpy as np
import pytest

import ember as E
import ember.nn as nn
import ember.nn.functional as F
import ember.nn.utils.rnn as R
from cuda_cases import R as RNG, f32, i64, pos  # the core sweep's data helpers
from cuda_util import compare, host, run_both, weighted_sum


def prob(*shape):
    return f32(*shape, lo=0.05, hi=0.95)


def sign(*shape):
    return np.where(RNG.random(shape) > 0.5, 1.0, -1.0).astype(np.float32)


def _device(x):
    return x.device


# ------------------------------------------------------------------ activations
ACTIVATIONS = [
    ("relu", lambda x: F.relu(x)),
    ("relu6", lambda x: F.relu6(x)),
    ("gelu", lambda x: F.gelu(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("silu", lambda x: F.silu(x)),
    ("mish", lambda x: F.mish(x)),
    ("elu", lambda x: F.elu(x, 0.7)),
    ("selu", lambda x: F.selu(x)),
    ("celu", lambda x: F.celu(x, 1.3)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.7)),
    ("hardswish", lambda x: F.hardswish(x)),
    ("hardsigmoid", lambda x: F.hardsigmoid(x)),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.5)),
    ("softsign", lambda x: F.softsign(x)),
    ("tanhshrink", lambda x: F.tanhshrink(x)),
    ("hardshrink", lambda x: F.hardshrink(x, 0.4)),
    ("softshrink", lambda x: F.softshrink(x, 0.4)),
    ("threshold", lambda x: F.threshold(x, 0.1, -3.0)),
    ("glu", lambda x: F.glu(x, 1)),
    ("logsigmoid", lambda x: F.logsigmoid(x)),
    ("sigmoid_tanh", lambda x: (F.sigmoid(x), F.tanh(x))),
    ("softmin", lambda x: F.softmin(x, 1)),
    ("softmax", lambda x: (F.softmax(x, 1), F.softmax(x, 0, dtype=E.float64))),
    ("log_softmax", lambda x: (F.log_softmax(x, 1), F.log_softmax(x, -1, dtype=E.float64))),
    ("rrelu_eval", lambda x: F.rrelu(x, training=False)),
    ("inplace", lambda x: (F.relu(x * 1, inplace=True), F.elu(x * 1, inplace=True),
                           F.leaky_relu(x * 1, 0.1, inplace=True), F.hardtanh(x * 1, inplace=True),
                           F.threshold(x * 1, 0.2, 0.0, inplace=True))),
]


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation(cuda, name, fn):
    run_both(fn, [f32(3, 6)])


def test_prelu(cuda):
    run_both(lambda x, w: (F.prelu(x, w), F.prelu(x, w[:1])), [f32(2, 3, 4), f32(3)])


ACT_MODULES = [nn.ReLU(), nn.GELU("tanh"), nn.SiLU(), nn.Mish(), nn.ELU(), nn.SELU(), nn.CELU(),
               nn.LeakyReLU(0.1), nn.Hardtanh(), nn.Hardswish(), nn.Hardsigmoid(), nn.Softplus(),
               nn.Softsign(), nn.Tanhshrink(), nn.Threshold(0.1, 2.0), nn.GLU(), nn.LogSigmoid(),
               nn.Softmin(1), nn.Softmax(1), nn.LogSoftmax(1), nn.Softmax2d(), nn.Tanh(), nn.Sigmoid(),
               nn.RReLU(), nn.PReLU(3), nn.Hardshrink(), nn.Softshrink()]


@pytest.mark.parametrize("module", ACT_MODULES, ids=[type(m).__name__ for m in ACT_MODULES])
def test_activation_module(cuda, module):
    module.eval()
    compare_module(module, [f32(2, 3, 4, 4)])


def test_rrelu_train_on_cuda(cuda):
    x = E.tensor(f32(4, 5)).cuda().requires_grad_()
    y = F.rrelu(x, training=True)
    assert y.device.type == "cuda"
    y.sum().backward()
    assert x.grad.device.type == "cuda"
    slope = host(y) / host(x)
    neg = host(x) < 0
    assert np.all((slope[neg] >= 1 / 8 - 1e-6) & (slope[neg] <= 1 / 3 + 1e-6))


def test_dropout_on_cuda(cuda):
    x = E.tensor(pos(4, 6)).cuda().requires_grad_()
    for f in (F.dropout, F.alpha_dropout, F.feature_alpha_dropout):
        y = f(x, 0.5, True)
        assert y.device.type == "cuda"
        y.sum().backward()
        assert x.grad.device.type == "cuda"
    assert F.dropout2d(E.tensor(pos(2, 3, 4, 4)).cuda(), 0.5).device.type == "cuda"


# ------------------------------------------------------------ other functional
OTHER = [
    ("linear", lambda x, w, b: (F.linear(x, w, b), F.linear(x[0], w), F.linear(x.view(2, 3, 4), w, b)),
     [f32(6, 4), f32(5, 4), f32(5)]),
    ("bilinear", lambda a, b, w, bias: F.bilinear(a, b, w, bias), [f32(3, 4), f32(3, 2), f32(5, 4, 2), f32(5)]),
    ("pad_constant", lambda x: (F.pad(x, (1, 2)), F.pad(x, (1, 1, -1, 2), value=0.5)), [f32(2, 3, 4)]),
    ("pad_modes", lambda x: (F.pad(x[0], (2, 1), mode="reflect"), F.pad(x, (1, 2, 2, 0), mode="replicate"),
                             F.pad(x, (1, 1, 1, 2), mode="circular")), [f32(1, 2, 3, 4)]),
    ("one_hot", lambda i: (F.one_hot(i), F.one_hot(i, 6), F.one_hot(i[:0], 3)), [i64(3, 4)]),
]


@pytest.mark.parametrize("name,fn,arrays", OTHER, ids=[o[0] for o in OTHER])
def test_functional_other(cuda, name, fn, arrays):
    run_both(fn, arrays)


def test_double_backward_on_cuda(cuda):
    """create_graph through the activations and losses: grad-of-grad matches the CPU's."""
    def fn(x, t, y):
        out = (F.gelu(x) + F.elu(x) + F.softplus(x)).sum() + F.mse_loss(x, y) + F.cross_entropy(x, t) \
            + F.smooth_l1_loss(x, y) + F.binary_cross_entropy_with_logits(x, y.sigmoid().detach())
        g, = E.autograd.grad(out, x, create_graph=True)
        return g
    run_both(fn, [f32(4, 3), i64(4, hi=3), f32(4, 3)], atol=2e-5)


# -------------------------------------------------------------- normalisation
def test_batch_norm_functional(cuda):
    def fn(x, w, b):
        rm = E.zeros(3, device=x.device)
        rv = E.ones(3, device=x.device)
        train = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2)
        ev = F.batch_norm(x, rm, rv, w, b, training=False)
        return train, ev, rm, rv
    run_both(fn, [f32(4, 3, 5), f32(3), f32(3)])
    run_both(lambda x: F.batch_norm(x, None, None, training=True), [f32(4, 3, 2, 2)])


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (4, 3)), (nn.BatchNorm1d, (4, 3, 5)),
                                       (nn.BatchNorm2d, (4, 3, 2, 2)), (nn.BatchNorm3d, (2, 3, 2, 2, 2))])
def test_batch_norm_module(cuda, cls, shape):
    E.manual_seed(0)
    m = cls(3, momentum=None)
    x = f32(*shape)
    mc = compare_module(m, [x])
    assert mc.running_mean.device.type == "cuda"
    np.testing.assert_allclose(host(mc.running_mean), host(m.running_mean), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(mc.running_var), host(m.running_var), rtol=1e-5, atol=1e-6)
    assert int(mc.num_batches_tracked) == int(m.num_batches_tracked) == 1
    m.eval(), mc.eval()
    compare_module(m, [x], mc)


NORMS = [
    ("layer_norm", lambda x, w, b: (F.layer_norm(x, (5,), w, b), F.layer_norm(x, (4, 5)), F.layer_norm(x, [5], w)),
     [f32(3, 4, 5), f32(5), f32(5)]),
    ("group_norm", lambda x, w, b: (F.group_norm(x, 2, w, b), F.group_norm(x, 1)), [f32(2, 4, 3), f32(4), f32(4)]),
    ("instance_norm", lambda x, w, b: (F.instance_norm(x, weight=w, bias=b), F.instance_norm(x)),
     [f32(2, 3, 4, 4), f32(3), f32(3)]),
    ("instance_norm_stats", lambda x: _instance_stats(x), [f32(2, 3, 5)]),
    ("local_response_norm", lambda x: (F.local_response_norm(x, 3), F.local_response_norm(x[..., 0], 2)),
     [f32(2, 5, 3, 3)]),
    ("rms_norm", lambda x, w: (F.rms_norm(x, (5,), w), F.rms_norm(x, (4, 5), eps=1e-3)), [f32(3, 4, 5), f32(5)]),
    ("normalize", lambda x: (F.normalize(x), F.normalize(x, p=1, dim=0), F.normalize(x, p=float("inf"), dim=-1)),
     [f32(3, 4)]),
]


def _instance_stats(x):
    rm = E.zeros(3, device=x.device)
    rv = E.ones(3, device=x.device)
    y = F.instance_norm(x, rm, rv, use_input_stats=True, momentum=0.3)
    return y, rm, rv


@pytest.mark.parametrize("name,fn,arrays", NORMS, ids=[n[0] for n in NORMS])
def test_norm(cuda, name, fn, arrays):
    run_both(fn, arrays, atol=2e-5, rtol=2e-5)


NORM_MODULES = [
    (lambda: nn.LayerNorm(5), (3, 4, 5)),
    (lambda: nn.LayerNorm((4, 5), bias=False), (3, 4, 5)),
    (lambda: nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    (lambda: nn.InstanceNorm1d(3, affine=True, track_running_stats=True), (2, 3, 5)),
    (lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 4)),
    (lambda: nn.LocalResponseNorm(3), (2, 5, 3, 3)),
    (lambda: nn.RMSNorm(5), (3, 4, 5)),
]


@pytest.mark.parametrize("make,shape", NORM_MODULES, ids=[str(i) for i in range(len(NORM_MODULES))])
def test_norm_module(cuda, make, shape):
    E.manual_seed(0)
    m = make()
    for p in m.parameters():   # non-trivial affine parameters
        with E.no_grad():
            p.add_(E.randn(p.shape) * 0.3)
    compare_module(m, [f32(*shape)], atol=2e-5)


# ----------------------------------------------------------------------- losses
REDUCTIONS = ["mean", "sum", "none"]


def _losses(r):
    return _consts(r, [
        ("mse", lambda x, y: F.mse_loss(x, y, reduction=r), [f32(3, 4), f32(3, 4)]),
        ("l1", lambda x, y: F.l1_loss(x, y, reduction=r), [f32(3, 4), f32(3, 4)]),
        ("smooth_l1", lambda x, y: (F.smooth_l1_loss(x, y, reduction=r), F.smooth_l1_loss(x, y, reduction=r, beta=0.5)),
         [f32(3, 4), f32(3, 4)]),
        ("huber", lambda x, y: F.huber_loss(x, y, reduction=r, delta=0.7), [f32(3, 4), f32(3, 4)]),
        ("ce_index", lambda x, t, w: (F.cross_entropy(x, t, reduction=r), F.cross_entropy(x, t, w, reduction=r),
                                      F.cross_entropy(x, t, ignore_index=2, reduction=r),
                                      F.cross_entropy(x, t, w, ignore_index=1, label_smoothing=0.2, reduction=r),
                                      F.cross_entropy(x, t, label_smoothing=0.1, reduction=r)),
         [f32(5, 4), i64(5), pos(4)]),
        ("ce_index_nd", lambda x, t, w: (F.cross_entropy(x, t, w, reduction=r),
                                         F.cross_entropy(x, t, w, ignore_index=0, label_smoothing=0.3, reduction=r)),
         [f32(2, 4, 3, 2), i64(2, 3, 2), pos(4)]),
        ("ce_index_1d", lambda x, t: F.cross_entropy(x, t, reduction=r), [f32(4), np.array(2)]),
        ("ce_probs", lambda x, p, w: (F.cross_entropy(x, p, reduction=r), F.cross_entropy(x, p, w, reduction=r),
                                      F.cross_entropy(x, p, w, label_smoothing=0.2, reduction=r)),
         [f32(5, 4), prob(5, 4), pos(4)]),
        ("nll", lambda x, t, w: (F.nll_loss(x, t, reduction=r), F.nll_loss(x, t, w, ignore_index=3, reduction=r),
                                 F.nll_loss(x.view(5, 4, 1), t.view(5, 1), w, reduction=r)),
         [f32(5, 4), i64(5), pos(4)]),
        ("bce", lambda x, y, w: (F.binary_cross_entropy(x, y, reduction=r),
                                 F.binary_cross_entropy(x, y, w, reduction=r)), [prob(3, 4), prob(3, 4), pos(4)]),
        ("bce_logits", lambda x, y, w, pw: (F.binary_cross_entropy_with_logits(x, y, reduction=r),
                                            F.binary_cross_entropy_with_logits(x, y, w, reduction=r, pos_weight=pw)),
         [f32(3, 4), prob(3, 4), pos(4), pos(4)]),
        ("kl_div", lambda x, y: (F.kl_div(x, y, reduction=r if r != "mean" else "batchmean"),
                                 F.kl_div(x, y.log(), reduction=r, log_target=True)),
         [f32(3, 4, lo=-3, hi=-0.1), prob(3, 4)]),
        ("margin_ranking", lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.3, reduction=r),
         [f32(6), f32(6), sign(6)]),
        ("hinge_embedding", lambda x, y: F.hinge_embedding_loss(x, y, margin=0.8, reduction=r), [f32(3, 4), sign(3, 4)]),
        ("soft_margin", lambda x, y: F.soft_margin_loss(x, y, reduction=r), [f32(3, 4), sign(3, 4)]),
        ("multilabel_soft_margin", lambda x, y, w: (F.multilabel_soft_margin_loss(x, y, reduction=r),
                                                    F.multilabel_soft_margin_loss(x, y, w, reduction=r)),
         [f32(3, 4), (RNG.random((3, 4)) > 0.5).astype(np.float32), pos(4)]),
        ("multilabel_margin", lambda x, t: (F.multilabel_margin_loss(x, t, reduction=r),
                                            F.multilabel_margin_loss(x[0], t[0], reduction=r)),
         [f32(3, 4), np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0]], np.int64)]),
        ("multi_margin", lambda x, t, w: (F.multi_margin_loss(x, t, reduction=r),
                                          F.multi_margin_loss(x, t, p=2, margin=0.7, weight=w, reduction=r)),
         [f32(5, 4), i64(5), pos(4)]),
        ("cosine_embedding", lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2, reduction=r),
         [f32(5, 4), f32(5, 4), sign(5)]),
        ("triplet_margin", lambda a, p, n: (F.triplet_margin_loss(a, p, n, reduction=r),
                                            F.triplet_margin_loss(a, p, n, p=1, swap=True, reduction=r),
                                            F.triplet_margin_with_distance_loss(a, p, n, reduction=r)),
         [f32(5, 4), f32(5, 4), f32(5, 4)]),
        ("poisson_nll", lambda x, y: (F.poisson_nll_loss(x, y, reduction=r),
                                      F.poisson_nll_loss(x.exp(), y, log_input=False, full=True, reduction=r)),
         [f32(3, 4), pos(3, 4) * 3]),
        ("gaussian_nll", lambda x, y, v: (F.gaussian_nll_loss(x, y, v, reduction=r),
                                          F.gaussian_nll_loss(x, y, v[:, :1], full=True, reduction=r)),
         [f32(3, 4), f32(3, 4), pos(3, 4)]),
    ])


def _consts(r, cases):
    """Class weights, pos_weight and soft_margin targets take no gradient
    (PyTorch refuses one): the functions get them detached."""
    out = []
    for name, fn, arrays in cases:
        if name in ("ce_index", "ce_index_nd", "ce_probs", "nll", "bce", "bce_logits", "multilabel_soft_margin",
                    "multi_margin", "soft_margin"):
            fn = (lambda f: lambda *a: f(*a[:-1], a[-1].detach()))(fn)
            if name == "bce_logits":
                fn = (lambda f: lambda *a: f(*a[:-2], a[-2].detach(), a[-1]))(fn)
        out.append((name, fn, arrays))
    return out


LOSS_CASES = [(n + "-" + r, fn, arrays) for r in REDUCTIONS for n, fn, arrays in _losses(r)]


@pytest.mark.parametrize("name,fn,arrays", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss(cuda, name, fn, arrays):
    run_both(fn, arrays, atol=2e-5, rtol=2e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["zero_infinity"])
def test_ctc_loss(cuda, reduction):
    T, N, C = 8, 3, 5
    lp = f32(T, N, C)
    targets = RNG.integers(1, C, size=(N, 4)).astype(np.int64)
    il, tl = np.array([8, 7, 6], np.int64), np.array([4, 2, 3], np.int64)
    r = "mean" if reduction == "zero_infinity" else reduction
    zi = reduction == "zero_infinity"

    def padded(x, t, i, l):
        return F.ctc_loss(x.log_softmax(2), t, i, l, reduction=r, zero_infinity=zi)

    def concat(x, t, i, l):
        flat = E.cat([t[k, :int(l[k])] for k in range(N)])
        return F.ctc_loss(x.log_softmax(2), flat, i, l, blank=0, reduction=r, zero_infinity=zi)

    def tuples(x, t):
        return F.ctc_loss(x.log_softmax(2), t, tuple(il.tolist()), tuple(tl.tolist()), reduction=r)

    run_both(padded, [lp, targets, il, tl], atol=2e-5, rtol=2e-5)
    run_both(concat, [lp, targets, il, tl], atol=2e-5, rtol=2e-5)
    run_both(tuples, [lp, targets], atol=2e-5, rtol=2e-5)


LOSS_MODULES = [
    (lambda: nn.CrossEntropyLoss(weight=E.tensor(pos(4)), label_smoothing=0.1), [f32(5, 4), i64(5)]),
    (lambda: nn.NLLLoss(weight=E.tensor(pos(4)), ignore_index=2), [f32(5, 4), i64(5)]),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=E.tensor(pos(4))), [f32(3, 4), prob(3, 4)]),
    (lambda: nn.BCELoss(weight=E.tensor(pos(4))), [prob(3, 4), prob(3, 4)]),
    (lambda: nn.MultiMarginLoss(weight=E.tensor(pos(4))), [f32(5, 4), i64(5)]),
    (lambda: nn.MultiLabelSoftMarginLoss(weight=E.tensor(pos(4))), [f32(3, 4), prob(3, 4).round()]),
    (lambda: nn.MSELoss(), [f32(3, 4), f32(3, 4)]),
    (lambda: nn.TripletMarginLoss(), [f32(3, 4), f32(3, 4), f32(3, 4)]),
]


@pytest.mark.parametrize("make,arrays", LOSS_MODULES, ids=[str(i) for i in range(len(LOSS_MODULES))])
def test_loss_module(cuda, make, arrays):
    compare_module(make(), arrays, atol=2e-5)


# -------------------------------------------------------------------- attention
def test_sdpa(cuda):
    def fn(q, k, v, m, bm):
        return (F.scaled_dot_product_attention(q, k, v),
                F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                F.scaled_dot_product_attention(q, k, v, attn_mask=bm > 0),
                F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=0.0),
                F.scaled_dot_product_attention(q, k, v, scale=0.3))
    run_both(fn, [f32(2, 3, 5, 4), f32(2, 3, 5, 4), f32(2, 3, 5, 6), f32(5, 5), f32(2, 1, 5, 5)], atol=2e-5)


def test_sdpa_gqa_and_shapes(cuda):
    run_both(lambda q, k, v: (F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                              F.scaled_dot_product_attention(q[0], k[0, :1].expand(4, 6, 4), v[0, :1].expand(4, 6, 5), is_causal=True)),
             [f32(2, 4, 3, 4), f32(2, 2, 6, 4), f32(2, 2, 6, 5)], atol=2e-5)


def test_sdpa_dropout_on_cuda(cuda):
    q = E.tensor(f32(2, 3, 4)).cuda().requires_grad_()
    y = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert y.device.type == "cuda"
    y.sum().backward()
    assert q.grad.device.type == "cuda"


MHA = [
    dict(),
    dict(batch_first=True),
    dict(kdim=3, vdim=5),
    dict(bias=False, add_bias_kv=True, add_zero_attn=True),
]


@pytest.mark.parametrize("kw", MHA, ids=[str(k) for k in MHA])
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention(cuda, kw, need_weights):
    E.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, **kw)
    m.eval()
    kdim, vdim = kw.get("kdim", 8), kw.get("vdim", 8)
    L, S, N = 4, 5, 2
    shape = (lambda n, l, e: (n, l, e)) if kw.get("batch_first") else (lambda n, l, e: (l, n, e))
    kpm = RNG.random((N, S)) > 0.7
    kpm[:, 0] = False
    am = f32(L, S)

    def run(mod, q, k, v, key_padding_mask, attn_mask):
        return mod(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask, need_weights=need_weights,
                   average_attn_weights=False)
    compare_module(m, [f32(*shape(N, L, 8)), f32(*shape(N, S, kdim)), f32(*shape(N, S, vdim)), kpm, am],
                   atol=2e-5, call=run)


def test_multihead_attention_causal_self(cuda):
    E.manual_seed(0)
    m = nn.MultiheadAttention(8, 4, batch_first=True).eval()
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    compare_module(m, [f32(2, 5, 8)], atol=2e-5,
                   call=lambda mod, x: mod(x, x, x, attn_mask=mask.to(x.device), is_causal=True)[0])


def _transformer_modules():
    E.manual_seed(0)
    return [
        ("enc", nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), (5, 2, 8)),
        ("enc_bf_normfirst_gelu", nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                             norm_first=True, activation="gelu"), (2, 5, 8)),
        ("encoder", nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                          norm=nn.LayerNorm(8), enable_nested_tensor=False), (5, 2, 8)),
    ]


@pytest.mark.parametrize("idx", range(3))
def test_transformer_encoder(cuda, idx):
    name, m, shape = _transformer_modules()[idx]
    m.eval()
    n = shape[0] if "bf" in name else shape[1]
    kpm = np.zeros((n, 5), bool)
    kpm[0, -2:] = True
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    compare_module(m, [f32(*shape), mask, kpm], atol=3e-5,
                   call=lambda mod, x, msk, k: mod(x, msk, src_key_padding_mask=k))


def test_transformer_encoder_nested_fast_path(cuda):
    E.manual_seed(0)
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2).eval()
    mc = copy.deepcopy(m).cuda()
    x = f32(3, 5, 8)
    kpm = np.zeros((3, 5), bool)
    kpm[0, 3:] = True
    kpm[2, 1:] = True
    with E.no_grad():
        ys = m(E.tensor(x), src_key_padding_mask=E.tensor(kpm))
        yc = mc(E.tensor(x).cuda(), src_key_padding_mask=E.tensor(kpm).cuda())
    compare((ys,), (yc,), 3e-5, 3e-5)


def test_train_mode_dropout_on_cuda(cuda):
    E.manual_seed(0)
    for m in (nn.MultiheadAttention(8, 2, dropout=0.5), nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5),
              nn.LSTM(8, 4, 2, dropout=0.5), nn.GRU(8, 4, 2, dropout=0.5, bidirectional=True)):
        m = m.cuda().train()
        x = E.tensor(f32(5, 2, 8)).cuda().requires_grad_()
        out = m(x, x, x)[0] if isinstance(m, nn.MultiheadAttention) else m(x)
        out = out[0] if isinstance(out, tuple) else out
        assert out.device.type == "cuda"
        out.sum().backward()
        assert x.grad.device.type == "cuda"
        assert all(p.grad.device.type == "cuda" for p in m.parameters() if p.grad is not None)


def test_half_precision_norms_on_cuda(cuda):
    def fn(x, w, b):
        x, w, b = x.half(), w.half(), b.half()
        return (F.layer_norm(x, (4,), w, b), F.group_norm(x, 1, w[:3], b[:3]),
                F.batch_norm(x, None, None, w[:3], b[:3], training=True), F.rms_norm(x, (4,), w),
                F.softmax(x, -1), F.log_softmax(x, 1, dtype=E.float32), F.gelu(x), F.silu(x))
    run_both(fn, [f32(2, 3, 4), pos(4), f32(4)], atol=2e-3, rtol=2e-3)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoder_layer(cuda, norm_first):
    E.manual_seed(0)
    m = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first, batch_first=True).eval()
    mask = np.triu(np.full((4, 4), -np.inf, np.float32), 1)
    mkpm = np.zeros((2, 5), bool)
    mkpm[1, -1] = True
    compare_module(m, [f32(2, 4, 8), f32(2, 5, 8), mask, mkpm], atol=3e-5,
                   call=lambda mod, t, mem, tm, k: mod(t, mem, tgt_mask=tm, memory_key_padding_mask=k))
    compare_module(m, [f32(2, 4, 8), f32(2, 5, 8)], atol=3e-5,
                   call=lambda mod, t, mem: mod(t, mem, tgt_is_causal=True,
                                                tgt_mask=nn.Transformer.generate_square_subsequent_mask(
                                                    4, device=t.device)))


def test_transformer(cuda):
    E.manual_seed(0)
    m = nn.Transformer(8, 2, 2, 1, 16, dropout=0.0).eval()
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert nn.Transformer.generate_square_subsequent_mask(4, device="cuda").device.type == "cuda"
    compare_module(m, [f32(5, 2, 8), f32(4, 2, 8), tgt_mask.numpy()], atol=5e-5,
                   call=lambda mod, s, t, tm: mod(s, t, tgt_mask=tm))


# ------------------------------------------------------------------------- RNNs
RNN_CONFIGS = [
    (nn.RNN, dict()),
    (nn.RNN, dict(num_layers=2, nonlinearity="relu", bidirectional=True)),
    (nn.LSTM, dict()),
    (nn.LSTM, dict(num_layers=2, bidirectional=True, batch_first=True)),
    (nn.LSTM, dict(proj_size=2, bias=False)),
    (nn.GRU, dict()),
    (nn.GRU, dict(num_layers=2, bidirectional=True, batch_first=True)),
]


@pytest.mark.parametrize("cls,kw", RNN_CONFIGS, ids=[c.__name__ + str(k) for c, k in RNN_CONFIGS])
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn(cuda, cls, kw, with_h0):
    E.manual_seed(0)
    m = cls(3, 4, **kw)
    T, N = 5, 2
    x = f32(N, T, 3) if kw.get("batch_first") else f32(T, N, 3)
    if not with_h0:
        compare_module(m, [x], atol=2e-5)
        return
    D = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    hout = kw.get("proj_size") or 4
    if cls is nn.LSTM:
        compare_module(m, [x, f32(D, N, hout), f32(D, N, 4)], atol=2e-5,
                       call=lambda mod, x, h, c: mod(x, (h, c)))
    else:
        compare_module(m, [x, f32(D, N, hout)], atol=2e-5)


@pytest.mark.parametrize("cls,kw", RNN_CONFIGS, ids=[c.__name__ + str(k) for c, k in RNN_CONFIGS])
def test_rnn_packed(cuda, cls, kw):
    E.manual_seed(0)
    m = cls(3, 4, **kw)
    bf = kw.get("batch_first", False)
    lengths = [5, 2, 4]

    def call(mod, x):
        packed = R.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False)
        out, h = mod(packed)
        padded, lens = R.pad_packed_sequence(out, batch_first=bf)
        assert lens.device.type == "cpu" and lens.tolist() == lengths   # lengths stay on the CPU, as PyTorch's
        h = h if isinstance(h, tuple) else (h,)
        return (padded, out.data) + h
    compare_module(m, [f32(3, 5, 3) if bf else f32(5, 3, 3)], atol=2e-5, call=call)


def test_pack_sequence_lists(cuda):
    E.manual_seed(0)
    m = nn.LSTM(3, 4)

    def call(mod, a, b, c):
        out, (h, c_) = mod(R.pack_sequence([a, b, c], enforce_sorted=False))
        return R.pad_packed_sequence(out, padding_value=-1.0)[0], h, c_
    compare_module(m, [f32(4, 3), f32(6, 3), f32(2, 3)], atol=2e-5, call=call)


def test_rnn_unbatched(cuda):
    E.manual_seed(0)
    compare_module(nn.GRU(3, 4, num_layers=2), [f32(5, 3), f32(2, 4)], atol=2e-5)


CELLS = [(nn.RNNCell, dict()), (nn.RNNCell, dict(nonlinearity="relu", bias=False)),
         (nn.LSTMCell, dict()), (nn.GRUCell, dict())]


@pytest.mark.parametrize("cls,kw", CELLS, ids=[c.__name__ + str(k) for c, k in CELLS])
def test_cell(cuda, cls, kw):
    E.manual_seed(0)
    m = cls(3, 4, **kw)
    compare_module(m, [f32(2, 3)], atol=2e-5)
    compare_module(m, [f32(3)], atol=2e-5)
    if cls is nn.LSTMCell:
        compare_module(m, [f32(2, 3), f32(2, 4), f32(2, 4)], atol=2e-5, call=lambda mod, x, h, c: mod(x, (h, c)))
    else:
        compare_module(m, [f32(2, 3), f32(2, 4)], atol=2e-5)


# -------------------------------------------------------------------- distances
DISTANCES = [
    ("pairwise", lambda a, b: (F.pairwise_distance(a, b), F.pairwise_distance(a, b, p=1, keepdim=True),
                               F.pairwise_distance(a, b, p=float("inf")), F.pairwise_distance(a, b, p=3)),
     [f32(4, 5), f32(4, 5)]),
    ("cosine", lambda a, b: (F.cosine_similarity(a, b), F.cosine_similarity(a, b[:1], dim=-1),
                             E.cosine_similarity(a, b, 0)), [f32(4, 5), f32(4, 5)]),
    ("pdist", lambda x: (F.pdist(x), F.pdist(x, 1), F.pdist(x, 3), F.pdist(x, float("inf")), F.pdist(x, 0)),
     [f32(5, 3)]),
    ("modules", lambda a, b: (nn.PairwiseDistance()(a, b), nn.CosineSimilarity()(a, b)), [f32(4, 5), f32(4, 5)]),
]


@pytest.mark.parametrize("name,fn,arrays", DISTANCES, ids=[d[0] for d in DISTANCES])
def test_distance(cuda, name, fn, arrays):
    run_both(fn, arrays, atol=2e-5, rtol=2e-5)


# ---------------------------------------------------------------- module helper
def compare_module(m, arrays, other=None, atol=1e-5, call=None):
    """m on CPU and a deep copy of it on cuda (or `other`), called on `arrays`
    (float ones require grad): same outputs, input and parameter gradients.
    Returns the cuda module."""
    mc = other if other is not None else copy.deepcopy(m).cuda()
    call = call or (lambda mod, *xs: mod(*xs))
    for p in mc.parameters():
        assert p.device.type == "cuda"
    for b in mc.buffers():
        assert b.device.type == "cuda"

    def inputs(dev):
        out = []
        for a in arrays:
            t = E.tensor(a).to(dev)
            if t.dtype.is_floating_point:
                t.requires_grad_()
            out.append(t)
        return out

    xs, xc = inputs("cpu"), inputs("cuda")
    m.zero_grad(), mc.zero_grad()
    ys, yc = _flatten(call(m, *xs)), _flatten(call(mc, *xc))
    compare(ys, yc, atol, atol)
    ls, lc = weighted_sum(ys), weighted_sum(yc)
    if not isinstance(ls, E.Tensor):
        return mc
    ls.backward()
    lc.backward()
    for a, b in list(zip(xs, xc)) + list(zip(m.parameters(), mc.parameters())):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            assert b.grad.device.type == "cuda"
            np.testing.assert_allclose(host(b.grad), host(a.grad), rtol=atol, atol=atol)
    return mc


def _flatten(r):
    if isinstance(r, (tuple, list)):
        return tuple(v for x in r for v in _flatten(x))
    if r is None:
        return ()
    return (r,)
