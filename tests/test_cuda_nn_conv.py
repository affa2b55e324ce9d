"""Convolution, pooling, sampling, embedding and dropout on the 'cuda'
device: the CPU's values, dtypes, shapes and gradients (tests/cuda_util.py).

Runs on the simulated device everywhere and on the real GPU where CuPy sees
one (marked `gpu`)."""
import numpy as np
import pytest

import ember as E
import ember.nn as nn
import ember.nn.functional as F
from cuda_util import host, run_both

R = np.random.default_rng(0)


def f32(*shape):
    return R.uniform(-2, 2, size=shape).astype(np.float32)


def i64(*shape, hi=4):
    return R.integers(0, hi, size=shape).astype(np.int64)


# ------------------------------------------------------------------ convolutions
CONV = [
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b), [f32(2, 3, 9), f32(4, 3, 3), f32(4)]),
    ("conv1d_stride_pad_dil", lambda x, w: F.conv1d(x, w, stride=2, padding=2, dilation=2),
     [f32(2, 3, 11), f32(4, 3, 3)]),
    ("conv1d_same_even", lambda x, w: F.conv1d(x, w, padding="same"), [f32(2, 3, 8), f32(2, 3, 4)]),
    ("conv1d_unbatched", lambda x, w: F.conv1d(x, w, padding=1), [f32(3, 7), f32(2, 3, 3)]),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1), [f32(2, 3, 6, 5), f32(4, 3, 3, 3), f32(4)]),
    ("conv2d_stride", lambda x, w: F.conv2d(x, w, stride=(2, 3), padding=(1, 2)),
     [f32(2, 3, 7, 8), f32(4, 3, 3, 3)]),
    ("conv2d_dilation", lambda x, w: F.conv2d(x, w, dilation=2, padding=1), [f32(1, 2, 7, 7), f32(3, 2, 3, 3)]),
    ("conv2d_dil_stride", lambda x, w: F.conv2d(x, w, dilation=2, stride=2), [f32(1, 2, 9, 9), f32(3, 2, 3, 3)]),
    ("conv2d_same", lambda x, w: F.conv2d(x, w, padding="same"), [f32(2, 2, 5, 6), f32(3, 2, 3, 2)]),
    ("conv2d_valid", lambda x, w: F.conv2d(x, w, padding="valid"), [f32(2, 2, 5, 6), f32(3, 2, 3, 2)]),
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, groups=2, padding=1),
     [f32(2, 4, 5, 5), f32(6, 2, 3, 3), f32(6)]),
    ("conv2d_depthwise", lambda x, w: F.conv2d(x, w, groups=4, stride=2, padding=1),
     [f32(2, 4, 6, 6), f32(8, 1, 3, 3)]),
    ("conv2d_1x1", lambda x, w: F.conv2d(x, w), [f32(2, 5, 4, 4), f32(3, 5, 1, 1)]),
    ("conv2d_channels_last", lambda x, w, b: F.conv2d(x, w, b, padding=1, stride=2),
     [f32(2, 16, 6, 6), f32(5, 16, 3, 3), f32(5)]),
    ("conv2d_cl_dil", lambda x, w: F.conv2d(x, w, padding=2, stride=2, dilation=2),
     [f32(2, 16, 7, 7), f32(4, 16, 3, 3)]),
    ("conv3d", lambda x, w, b: F.conv3d(x, w, b, padding=1, stride=(1, 2, 1)),
     [f32(2, 2, 4, 5, 4), f32(3, 2, 3, 3, 2), f32(3)]),
    ("conv3d_groups_dil", lambda x, w: F.conv3d(x, w, groups=2, dilation=(1, 2, 1)),
     [f32(1, 4, 4, 6, 4), f32(4, 2, 2, 2, 2)]),
    ("conv_transpose1d", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
     [f32(2, 3, 5), f32(3, 2, 3), f32(2)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     [f32(2, 3, 4, 5), f32(3, 2, 3, 3), f32(2)]),
    ("conv_transpose2d_groups", lambda x, w: F.conv_transpose2d(x, w, stride=(2, 1), groups=2, dilation=2),
     [f32(1, 4, 3, 4), f32(4, 3, 3, 2)]),
    ("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w, stride=2, output_padding=(1, 0, 1)),
     [f32(1, 2, 3, 2, 3), f32(2, 3, 2, 2, 2)]),
    ("unfold", lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [f32(2, 3, 5, 6)]),
    ("fold", lambda x: F.fold(x, (4, 5), 2, padding=1, stride=2), [f32(2, 12, 9)]),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), [f32(2, 8, 3, 4)]),
    ("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), [f32(2, 3, 4, 6)]),
    ("channel_shuffle", lambda x: F.channel_shuffle(x, 2), [f32(2, 6, 3)]),
]

PAD_MODES = [("pad_%s_%dd" % (m, k), (lambda m, k: lambda x: F.pad(x, (2, 1, 1, 2, 1, 0)[:2 * k], mode=m))(m, k),
              [f32(*((2, 3, 4, 5, 6)[:k + 2]))])
             for m in ("reflect", "replicate", "circular") for k in (1, 2, 3)]
PAD_MODES += [
    ("pad_constant", lambda x: F.pad(x, (1, 2, 0, 3), value=1.5), [f32(2, 3, 4)]),
    ("pad_constant_neg", lambda x: F.pad(x, (-1, 2, 1, -1)), [f32(2, 3, 4)]),
]

CONV_PADMODE = [
    ("conv2d_padmode_" + m, (lambda m: lambda x, w: nn.functional.conv2d(
        F.pad(x, (1, 1, 1, 1), mode=m), w))(m), [f32(2, 2, 5, 5), f32(3, 2, 3, 3)])
    for m in ("reflect", "replicate", "circular")]

# ------------------------------------------------------------------ pooling
NAN_TIES = np.round(f32(2, 3, 6, 6))   # many ties in a window
NAN_TIES[0, 0, 1, 1] = NAN_TIES[1, 2, 4, 5] = np.nan
POOL = [
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, stride=2, padding=1), [f32(2, 3, 9)]),
    ("max_pool1d_idx", lambda x: F.max_pool1d(x, 2, return_indices=True, ceil_mode=True), [f32(2, 3, 9)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), [f32(2, 3, 6, 6)]),
    ("max_pool2d_idx", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=1, return_indices=True),
     [f32(2, 3, 7, 6)]),
    ("max_pool2d_dil_ceil", lambda x: F.max_pool2d(x, 2, stride=2, dilation=2, ceil_mode=True,
                                                   return_indices=True), [f32(1, 2, 8, 9)]),
    ("max_pool3d_idx", lambda x: F.max_pool3d(x, 2, stride=(1, 2, 2), padding=1, return_indices=True),
     [f32(1, 2, 4, 5, 4)]),
    ("max_pool2d_nan", lambda x: F.max_pool2d(x, 2), [NAN_TIES]),
    # the GPU's fused 2x2 kernel: indices, odd sizes, float64, NaN windows, double backward
    ("max_pool2d_2x2_idx_odd", lambda x: F.max_pool2d(x, 2, return_indices=True), [f32(2, 3, 7, 5)]),
    ("max_pool2d_2x2_f64", lambda x: F.max_pool2d(x.double(), (2, 2), stride=2), [f32(1, 2, 4, 6)]),
    ("max_pool2d_2x2_nan_idx", lambda x: F.max_pool2d(x, 2, return_indices=True), [NAN_TIES]),
    ("max_pool2d_2x2_double_backward",
     lambda x: E.autograd.grad(F.max_pool2d(x, 2).square().sum(), x, create_graph=True)[0] * x,
     [f32(1, 2, 4, 4)]),
    ("max_pool2d_nan_idx", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True),
     [NAN_TIES]),
    ("avg_pool2d_int", lambda x: F.avg_pool2d(x, 2, stride=1, padding=1), [i64(2, 3, 5, 4, hi=50)]),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False),
     [f32(2, 3, 9)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), [f32(2, 3, 7, 6)]),
    ("avg_pool2d_nopad", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
     [f32(2, 3, 7, 6)]),
    ("avg_pool2d_div", lambda x: F.avg_pool2d(x, 2, divisor_override=3), [f32(2, 3, 6, 6)]),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False,
                                          ceil_mode=True), [f32(1, 2, 3, 4, 3)]),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 4), [f32(2, 3, 7)]),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [f32(2, 3, 7, 5)]),
    ("adaptive_avg_pool2d_1", lambda x: F.adaptive_avg_pool2d(x, 1), [f32(2, 3, 7, 5)]),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)), [f32(1, 2, 5, 4, 3)]),
    ("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 4, return_indices=True), [f32(2, 3, 7)]),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2), return_indices=True),
     [f32(2, 3, 7, 5)]),
    ("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, 2, return_indices=True),
     [f32(1, 2, 5, 4, 3)]),
    ("lp_pool1d", lambda x: F.lp_pool1d(x.abs() + 0.1, 2, 3, stride=2), [f32(2, 3, 9)]),
    ("lp_pool2d", lambda x: F.lp_pool2d(x.abs() + 0.1, 3, 2), [f32(2, 3, 6, 6)]),
    ("lp_pool3d", lambda x: F.lp_pool3d(x.abs() + 0.1, 2, 2), [f32(1, 2, 4, 4, 4)]),
    ("max_unpool1d", lambda x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2),
     [f32(2, 3, 8)]),
    ("max_unpool2d", lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2,
                                              output_size=(7, 7)), [f32(2, 3, 7, 7)]),
    ("max_unpool3d", lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2),
     [f32(1, 2, 4, 4, 4)]),
]

# ------------------------------------------------------------------ sampling
SAMPLING = [("interpolate_%s%s" % (mode, "_ac" if ac else ""),
             (lambda mode, ac: lambda x: F.interpolate(x, size=(5, 7), mode=mode, align_corners=ac))(mode, ac),
             [f32(2, 3, 4, 3)])
            for mode, ac in [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                             ("bilinear", True), ("bicubic", False), ("bicubic", True), ("area", None)]]
SAMPLING += [
    ("interpolate_scale_bilinear", lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
     [f32(2, 3, 4, 6)]),
    ("interpolate_scale_nearest", lambda x: F.interpolate(x, scale_factor=(2, 0.5)), [f32(2, 3, 4, 6)]),
    ("interpolate_scale_recompute", lambda x: F.interpolate(x, scale_factor=1.7, mode="bicubic",
                                                            recompute_scale_factor=True),
     [f32(1, 2, 4, 5)]),
    ("interpolate_linear", lambda x: F.interpolate(x, size=7, mode="linear", align_corners=True),
     [f32(2, 3, 4)]),
    ("interpolate_trilinear", lambda x: F.interpolate(x, scale_factor=2, mode="trilinear"),
     [f32(1, 2, 2, 3, 2)]),
    ("interpolate_nearest3d", lambda x: F.interpolate(x, size=(3, 4, 5)), [f32(1, 2, 2, 3, 2)]),
    ("interpolate_down_bilinear_aa", lambda x: F.interpolate(x, size=(3, 2), mode="bilinear",
                                                             antialias=True), [f32(1, 2, 7, 6)]),
    ("interpolate_uint8_bilinear", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"),
     [R.integers(0, 256, (1, 3, 4, 6)).astype(np.uint8)]),
    ("interpolate_uint8_bicubic_aa", lambda x: F.interpolate(x, size=(3, 2), mode="bicubic", antialias=True),
     [R.integers(0, 256, (1, 3, 7, 6)).astype(np.uint8)]),
    ("interpolate_nearest_scale2", lambda x: F.interpolate(x, scale_factor=2.0), [f32(1, 2, 3, 4)]),
    ("upsample_nearest", lambda x: F.upsample_nearest(x, scale_factor=2), [f32(1, 2, 3, 3)]),
    ("affine_grid", lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=False), [f32(2, 2, 3)]),
    ("affine_grid3d", lambda t: F.affine_grid(t, (1, 1, 2, 3, 4), align_corners=True), [f32(1, 3, 4)]),
]
for mode in ("bilinear", "nearest", "bicubic"):
    for pm in ("zeros", "border", "reflection"):
        for ac in (False, True):
            SAMPLING.append((
                "grid_sample_%s_%s%s" % (mode, pm, "_ac" if ac else ""),
                (lambda mode, pm, ac: lambda x, g: F.grid_sample(
                    x, g * 0.6, mode=mode, padding_mode=pm, align_corners=ac))(mode, pm, ac),
                [f32(2, 3, 5, 6), f32(2, 4, 3, 2)]))
SAMPLING += [
    ("grid_sample_3d", lambda x, g: F.grid_sample(x, g * 0.6, align_corners=False),
     [f32(1, 2, 3, 4, 5), f32(1, 2, 3, 2, 3)]),
    ("grid_sample_affine", lambda x, t: F.grid_sample(x, F.affine_grid(t, (2, 3, 4, 4), align_corners=False),
                                                      align_corners=False),
     [f32(2, 3, 5, 6), f32(2, 2, 3) * 0.5]),
]

# ------------------------------------------------------------------ embedding
W = f32(10, 4)
EMB = [
    ("embedding", lambda w, i: F.embedding(i, w), [W, i64(3, 5, hi=10)]),
    ("embedding_padding_idx", lambda w, i: F.embedding(i, w, padding_idx=2), [W, i64(3, 5, hi=10)]),
    ("embedding_max_norm", lambda w, i: F.embedding(i, w.detach().clone(), max_norm=1.0), [W, i64(6, hi=10)]),
    ("embedding_bag_mean", lambda w, i, o: F.embedding_bag(i, w, o, mode="mean"),
     [W, i64(8, hi=10), np.array([0, 3, 3, 5], np.int64)]),
    ("embedding_bag_sum_psw", lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
     [W, i64(8, hi=10), np.array([0, 3, 5], np.int64), f32(8)]),
    ("embedding_bag_max", lambda w, i: F.embedding_bag(i, w, mode="max"), [W, i64(3, 4, hi=10)]),
    ("embedding_bag_last", lambda w, i, o: F.embedding_bag(i, w, o, mode="sum", include_last_offset=True,
                                                           padding_idx=1),
     [W, i64(8, hi=10), np.array([0, 2, 6, 8], np.int64)]),
    ("one_hot", lambda i: F.one_hot(i, 6), [i64(3, 4, hi=6)]),
    ("one_hot_infer", lambda i: F.one_hot(i), [i64(3, 4, hi=6)]),
]

CASES = CONV + PAD_MODES + CONV_PADMODE + POOL + SAMPLING + EMB


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_op(cuda, name, fn, arrays):
    run_both(fn, arrays, atol=1e-4, rtol=1e-4)


def test_embedding_max_norm_renorms_weight_in_place(cuda):
    w = [E.tensor(W).to(d) for d in ("cpu", "cuda")]
    i = E.tensor(np.array([1, 3, 3, 7], np.int64))
    outs = [F.embedding(i.to(t.device), t, max_norm=0.5) for t in w]
    np.testing.assert_allclose(host(w[1]), host(w[0]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(outs[1]), host(outs[0]), rtol=1e-5, atol=1e-6)
    assert outs[1].device.type == "cuda"


def test_conv_double_backward(cuda):
    def fn(x, w):
        y = F.conv2d(x, w, stride=2, padding=1)
        gx, gw = E.autograd.grad(y.square().sum(), (x, w), create_graph=True)
        return gx, gw
    run_both(fn, [f32(1, 2, 5, 5), f32(3, 2, 3, 3)], atol=1e-3, rtol=1e-4)


# ------------------------------------------------------------------ modules
MODULES = [
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1, bias=True), (2, 3, 6, 6)),
    ("Conv2d_reflect", lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 6, 6)),
    ("Conv2d_circular", lambda: nn.Conv2d(3, 4, 3, padding=2, dilation=2, padding_mode="circular"),
     (2, 3, 6, 6)),
    ("Conv1d_replicate", lambda: nn.Conv1d(2, 3, 4, padding="same", padding_mode="replicate",
                                           bias=False), (2, 2, 7)),
    ("Conv3d", lambda: nn.Conv3d(2, 2, 2, stride=2, groups=2), (1, 2, 4, 4, 4)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, groups=2),
     (2, 4, 3, 3)),
    ("MaxPool2d", lambda: nn.MaxPool2d(2, ceil_mode=True), (2, 3, 5, 5)),
    ("AvgPool2d", lambda: nn.AvgPool2d(3, 2, 1), (2, 3, 5, 5)),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 5, 7)),
    ("Upsample", lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), (1, 2, 3, 3)),
    ("PixelShuffle", lambda: nn.PixelShuffle(2), (1, 8, 2, 3)),
]


@pytest.mark.parametrize("name,make,shape", MODULES, ids=[m[0] for m in MODULES])
def test_module(cuda, name, make, shape):
    E.manual_seed(0)
    m_cpu = make()
    m_cuda = make()
    m_cuda.load_state_dict(m_cpu.state_dict())
    m_cuda = m_cuda.cuda()
    for p in m_cuda.parameters():
        assert p.device.type == "cuda"
    x = f32(*shape)
    xs = [E.tensor(x, requires_grad=True), E.tensor(x).cuda().requires_grad_()]
    ys = [m_cpu(xs[0]), m_cuda(xs[1])]
    assert ys[1].device.type == "cuda"
    np.testing.assert_allclose(host(ys[1]), host(ys[0]), rtol=1e-4, atol=1e-4)
    for y in ys:
        (y * y).sum().backward()
    np.testing.assert_allclose(host(xs[1].grad), host(xs[0].grad), rtol=1e-4, atol=1e-4)
    for (n, a), (_, b) in zip(m_cpu.named_parameters(), m_cuda.named_parameters()):
        assert b.grad.device.type == "cuda", n
        np.testing.assert_allclose(host(b.grad), host(a.grad), rtol=1e-4, atol=1e-4, err_msg=n)


def test_embedding_module(cuda):
    E.manual_seed(0)
    m = nn.Embedding(10, 4, padding_idx=0).cuda()
    i = E.tensor(i64(3, 5, hi=10)).cuda()
    y = m(i)
    assert y.device.type == "cuda"
    y.sum().backward()
    assert m.weight.grad.device.type == "cuda"
    assert float(m.weight.grad[0].abs().sum()) == 0.0


# ------------------------------------------------------------------ dropout
DROPOUTS = [
    ("dropout", F.dropout, (4, 50), False),
    ("dropout1d", F.dropout1d, (4, 6, 20), True),
    ("dropout2d", F.dropout2d, (4, 6, 5, 4), True),
    ("dropout3d", F.dropout3d, (2, 6, 3, 4, 2), True),
    ("alpha_dropout", F.alpha_dropout, (4, 50), False),
    ("feature_alpha_dropout", F.feature_alpha_dropout, (4, 6, 5, 4), True),
]


@pytest.mark.parametrize("name,fn,shape,feature", DROPOUTS, ids=[d[0] for d in DROPOUTS])
def test_dropout(cuda, name, fn, shape, feature):
    x = E.ones(shape, device="cuda", requires_grad=True)
    p = 0.4
    y = fn(x, p, training=True)
    assert y.device.type == "cuda" and y.shape == x.shape and y.dtype == x.dtype
    v = host(y)
    if "alpha" not in name:
        kept = v != 0
        np.testing.assert_allclose(v[kept], 1 / (1 - p), rtol=1e-6)
        assert 0 < kept.mean() < 1
        if feature:   # whole channels are dropped together
            per = kept.reshape(shape[0], shape[1], -1)
            assert (per.all(-1) | ~per.any(-1)).all()
    else:
        assert len(np.unique(v)) == 2
    y.sum().backward()
    assert x.grad.device.type == "cuda"
    assert fn(x, p, training=False) is x or np.array_equal(host(fn(x, p, training=False)), host(x))
    for q in (0.0, 1.0):
        z = fn(x, q, training=True)
        assert z.device.type == "cuda"
        np.testing.assert_allclose(host(z), 1.0 if q == 0 else (0.0 if "alpha" not in name else host(z)))


def test_dropout_modules(cuda):
    for m in (nn.Dropout(0.3), nn.Dropout2d(0.3), nn.AlphaDropout(0.3)):
        m = m.cuda()
        x = E.randn(3, 4, 5, 5, device="cuda")
        y = m(x)
        assert y.device.type == "cuda"
        m.eval()
        np.testing.assert_array_equal(host(m(x)), host(x))


def test_dropout_inplace(cuda):
    x = E.ones(10, 10, device="cuda")
    y = F.dropout(x, 0.5, training=True, inplace=True)
    assert y is x and x.device.type == "cuda"
    assert set(np.unique(host(x))) <= {0.0, 2.0}
