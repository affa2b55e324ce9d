"""Convolutions and friends (F.conv*, F.conv_transpose*, F.unfold/fold,
pixel/channel shuffle and their modules) compared against real PyTorch:
outputs, gradients of inputs and parameters, double backward, seeded
initialisation, state_dict loading, repr and errors."""
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


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def npy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach().numpy())


def close(t, e, rtol=1e-5, atol=1e-6):
    a, b = npy(t), npy(e)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(t.dtype) == str(e.dtype), (t.dtype, e.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def tol(dtype):
    return dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)


def compare_fn(name, arrays, kwargs, transform=None, dtype=np.float64, requires=None):
    """Run F.<name> on both libraries with the same inputs, compare the
    output and the gradients of every input after backward(random grad)."""
    requires = requires or [True] * len(arrays)
    ts, es = [], []
    for a, r in zip(arrays, requires):
        if a is None:
            ts.append(None)
            es.append(None)
            continue
        a = a.astype(dtype)
        ts.append(torch.tensor(a, requires_grad=r))
        es.append(ember.tensor(a, requires_grad=r))
    ti, ei = ts, es
    if transform is not None:
        ti = [transform(ts[0], torch)] + ts[1:]
        ei = [transform(es[0], ember)] + es[1:]
    yt = getattr(TF, name)(*ti, **kwargs)
    ye = getattr(EF, name)(*ei, **kwargs)
    close(yt, ye, **tol(dtype))
    g = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    for t, e in zip(ts, es):
        if t is not None and t.requires_grad:
            close(t.grad, e.grad, **tol(dtype))
    return yt, ye


# ---------------------------------------------------------------- convolutions
CONV_CASES = [
    # (dim, N, C, O, spatial, kernel, kwargs)
    (1, 2, 3, 4, (9,), (3,), {}),
    (1, 1, 4, 6, (10,), (4,), dict(padding="same", dilation=2)),
    (1, 3, 4, 4, (11,), (3,), dict(stride=2, padding=2, groups=4)),
    (2, 2, 3, 5, (7, 6), (3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2))),
    (2, 2, 4, 6, (7, 7), (3, 3), dict(groups=2, padding=(2, 1), stride=2)),
    (2, 1, 4, 6, (5, 6), (2, 3), dict(groups=2, padding="same")),
    (2, 2, 3, 4, (6, 5), (3, 3), dict(padding="valid")),
    (2, 2, 8, 8, (5, 5), (3, 3), dict(groups=8, padding=1)),
    (2, 2, 6, 5, (9, 8), (1, 1), dict(stride=2)),
    (2, 2, 6, 5, (4, 4), (1, 1), {}),
    (2, 2, 3, 4, (5, 5), (3, 3), dict(padding=(3, 2))),
    (2, 3, 4, 4, (12, 13), (3, 3), dict(padding=1)),
    (3, 2, 4, 6, (5, 6, 7), (2, 3, 2), dict(groups=2, padding=(1, 0, 2), stride=(1, 2, 3))),
    (3, 1, 2, 3, (4, 4, 4), (3, 3, 3), dict(padding="same", dilation=(1, 2, 1))),
]


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
@pytest.mark.parametrize("bias", [True, False])
def test_conv_forward_backward(case, bias):
    dim, N, C, O, sp, k, kw = CONV_CASES[case]
    groups = kw.get("groups", 1)
    # PyTorch's own depthwise float64 kernel is very slow: compare those in float32
    dtype = np.float32 if groups == C else np.float64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_fn("conv%dd" % dim, [arr(N, C, *sp), arr(O, C // groups, *k),
                                     arr(O) if bias else None], kw, dtype=dtype)


def test_conv_in_batch_chunks(monkeypatch):
    """The batch is processed in cache-sized chunks; force one image per chunk."""
    import ember.nn._functional.conv_kernels as kernels
    monkeypatch.setattr(kernels, "_CHUNK_BYTES", 1)
    compare_fn("conv2d", [arr(3, 4, 6, 5), arr(6, 2, 3, 3), arr(6)], dict(padding=1, groups=2))
    compare_fn("conv2d", [arr(3, 4, 7, 6), arr(6, 4, 3, 2), arr(6)], dict(stride=2, padding=1))
    compare_fn("conv_transpose2d", [arr(3, 4, 4, 5), arr(4, 3, 3, 3), arr(3)],
               dict(stride=2, output_padding=1))
    monkeypatch.setattr(kernels, "_CHUNK_BYTES", 700)
    compare_fn("conv3d", [arr(5, 2, 4, 4, 3), arr(3, 2, 2, 2, 2), None], dict(padding=1))


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_conv_float32_unbatched_noncontiguous(dim):
    sp = (6, 5, 4)[:dim]
    k = (3, 2, 2)[:dim]
    w, b = arr(4, 3, *k), arr(4)
    # unbatched input
    yt, ye = compare_fn("conv%dd" % dim, [arr(3, *sp), w, b], dict(padding=1), dtype=np.float32)
    assert ye.dtype == ember.float32 and tuple(ye.shape) == tuple(yt.shape)
    # non-contiguous input: channels-last data seen through a permute
    perm = (0, dim + 1) + tuple(range(1, dim + 1))
    compare_fn("conv%dd" % dim, [arr(2, *sp, 3), w, b], dict(stride=2),
               transform=lambda x, lib: x.permute(*perm), dtype=np.float32)


# Convolutions with many channels run channels-last (im2col rows are runs of the
# padded input; the channels-last copies are shared between forward and
# backward); the input gradient of an undilated convolution runs as one
# convolution per residue class of the stride. Each case runs on both layouts.
LAYOUT_CASES = [
    (2, 2, 16, 24, (9, 9), (3, 3), dict(padding=1)),
    (2, 2, 16, 24, (9, 8), (3, 3), dict(stride=2, padding=1)),
    (2, 2, 16, 24, (8, 8), (1, 1), dict(stride=2)),
    (2, 2, 16, 8, (7, 9), (3, 2), dict(stride=(2, 1), padding=(1, 0))),
    (2, 2, 16, 8, (9, 9), (3, 3), dict(stride=3, padding=2)),
    (2, 2, 16, 8, (9, 9), (2, 2), dict(stride=3)),
    (2, 2, 16, 8, (7, 7), (3, 3), dict(padding=3)),
    (2, 2, 16, 8, (9, 9), (3, 3), dict(dilation=2, padding=1, stride=2)),
    (2, 2, 16, 8, (9, 9), (3, 3), dict(groups=2, stride=2, padding=1)),
    (1, 3, 16, 8, (12,), (5,), dict(stride=2, padding=2)),
    (3, 2, 16, 4, (5, 6, 5), (3, 3, 2), dict(stride=(2, 1, 2), padding=1)),
]


@pytest.mark.parametrize("case", range(len(LAYOUT_CASES)))
@pytest.mark.parametrize("min_channels", [1, 10 ** 9])
def test_conv_layouts(case, min_channels, monkeypatch):
    import ember.nn._functional.conv_kernels as kernels
    monkeypatch.setattr(kernels, "_CL_MIN_CHANNELS", min_channels)
    dim, N, C, O, sp, k, kw = LAYOUT_CASES[case]
    groups = kw.get("groups", 1)
    compare_fn("conv%dd" % dim, [arr(N, C, *sp), arr(O, C // groups, *k), arr(O)], kw)
    compare_fn("conv%dd" % dim, [arr(N, C, *sp), arr(O, C // groups, *k), None], kw,
               dtype=np.float32)


def test_conv_backward_twice_with_retained_graph():
    """The channels-last copies kept for backward are released after it; a
    second backward through a retained graph recomputes them."""
    x, w = arr(2, 16, 8, 8), arr(8, 16, 3, 3)
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = F.conv2d(xt, wt, padding=1, stride=2)
        y.sum().backward(retain_graph=True)
        (y * y).sum().backward()
        res.append((npy(xt.grad), npy(wt.grad)))
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9)


def test_conv_input_only_and_weight_only_grads():
    x, w, b = arr(2, 3, 6, 6), arr(4, 3, 3, 3), arr(4)
    compare_fn("conv2d", [x, w, b], dict(padding=1), requires=[True, False, False])
    compare_fn("conv2d", [x, w, b], dict(padding=1), requires=[False, True, True])


def test_conv_grad_fn_names():
    x = ember.randn(1, 2, 5, 5, requires_grad=True)
    w = ember.randn(3, 2, 3, 3, requires_grad=True)
    y = EF.conv2d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    assert EF.conv_transpose2d(x, ember.randn(2, 3, 3, 3)).grad_fn.name() == "ConvolutionBackward0"


TRANSPOSE_CASES = [
    (1, 2, 4, 3, (5,), (3,), dict(stride=3, output_padding=2)),
    (1, 1, 3, 2, (6,), (4,), dict(padding=1, dilation=2, output_padding=1)),
    (2, 2, 3, 4, (6, 5), (3, 3), dict(padding=(2, 1), dilation=(2, 1), output_padding=(1, 0))),
    (2, 2, 4, 6, (5, 6), (3, 2), dict(groups=2, padding=1, stride=(2, 3), output_padding=(1, 2),
                                      dilation=(1, 2))),
    (2, 2, 3, 5, (4, 4), (3, 3), {}),
    (2, 1, 3, 2, (3, 5), (2, 2), dict(stride=2)),
    (3, 2, 4, 4, (3, 4, 3), (3, 2, 2), dict(groups=4, stride=2, padding=1)),
]


@pytest.mark.parametrize("case", range(len(TRANSPOSE_CASES)))
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose_forward_backward(case, bias):
    dim, N, C, O, sp, k, kw = TRANSPOSE_CASES[case]
    groups = kw.get("groups", 1)
    compare_fn("conv_transpose%dd" % dim, [arr(N, C, *sp), arr(C, O // groups, *k),
                                           arr(O) if bias else None], kw)


def test_conv_transpose_unbatched_float32():
    compare_fn("conv_transpose2d", [arr(3, 4, 5), arr(3, 2, 3, 3), arr(2)], dict(stride=2),
               dtype=np.float32)


@pytest.mark.parametrize("name,shapes,kw", [
    ("conv2d", [(2, 4, 6, 5), (6, 2, 3, 2), (6,)], dict(groups=2, stride=(2, 1), padding=1,
                                                         dilation=(1, 2))),
    ("conv_transpose2d", [(2, 4, 4, 5), (4, 3, 3, 2), (6,)], dict(groups=2, stride=2, padding=1,
                                                                   output_padding=1)),
    ("conv1d", [(2, 3, 8), (2, 3, 4)], dict(padding="same")),
    ("conv_transpose1d", [(2, 3, 5), (3, 2, 3), (2,)], dict(dilation=2, output_padding=1,
                                                            padding=1)),
])
def test_double_backward(name, shapes, kw):
    arrays = [arr(*s) for s in shapes]
    out_shape = tuple(getattr(TF, name)(*[torch.tensor(a) for a in arrays], **kw).shape)
    go = arr(*out_shape)
    results = []
    for lib, F in ((torch, TF), (ember, EF)):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        g = lib.tensor(go, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = getattr(F, name)(*ts, **kw)
        grads = lib.autograd.grad(y, ts, g, create_graph=True)
        s = sum((gr * gr).sum() for gr in grads)
        second = lib.autograd.grad(s, ts + [g], allow_unused=True, materialize_grads=True)
        results.append([npy(v) for v in list(grads) + list(second)])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- unfold / fold / shuffles
@pytest.mark.parametrize("kw", [
    dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
    dict(kernel_size=3),
    dict(kernel_size=2, stride=2),
])
def test_unfold(kw):
    compare_fn("unfold", [arr(2, 3, 7, 6)], kw)
    compare_fn("unfold", [arr(3, 5, 4)], kw)


def test_fold():
    compare_fn("fold", [arr(2, 12, 12)], dict(output_size=(5, 6), kernel_size=2, stride=2,
                                              padding=1))
    compare_fn("fold", [arr(12, 16)], dict(output_size=(5, 6), kernel_size=(2, 3)))
    compare_fn("fold", [arr(1, 18, 16)], dict(output_size=7, kernel_size=3, dilation=2, stride=2,
                                             padding=2))


def test_fold_unfold_double_backward_and_modules():
    x = arr(2, 3, 6, 6)
    outs = []
    for lib, nn in ((torch, tnn), (ember, enn)):
        t = lib.tensor(x, requires_grad=True)
        y = nn.Fold((6, 6), 3, padding=1)(nn.Unfold(3, padding=1)(t))
        (g,) = lib.autograd.grad((y ** 2).sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), t)
        outs.append((npy(y), npy(g), npy(gg)))
    for a, b in zip(*outs):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)


def test_pixel_shuffle_and_unshuffle():
    compare_fn("pixel_shuffle", [arr(2, 3, 8, 3, 4)], dict(upscale_factor=2))
    compare_fn("pixel_shuffle", [arr(9, 2, 2)], dict(upscale_factor=3), dtype=np.float32)
    compare_fn("pixel_unshuffle", [arr(3, 6, 4)], dict(downscale_factor=2))
    compare_fn("pixel_unshuffle", [arr(2, 2, 6, 9)], dict(downscale_factor=3),
               transform=lambda x, lib: x.transpose(2, 3).transpose(2, 3))
    x = ember.randn(2, 8, 3, 5)
    assert ember.equal(enn.PixelUnshuffle(2)(enn.PixelShuffle(2)(x)), x)


def test_channel_shuffle():
    compare_fn("channel_shuffle", [arr(2, 6, 3, 2)], dict(groups=3))
    compare_fn("channel_shuffle", [arr(2, 6, 5)], dict(groups=2))
    x = arr(1, 8, 2, 2).astype(np.float32)
    close(tnn.ChannelShuffle(4)(torch.tensor(x)), enn.ChannelShuffle(4)(ember.tensor(x)))


# ---------------------------------------------------------------- modules
MODULES = [
    ("Conv1d", (3, 4, 3), {}),
    ("Conv1d", (4, 6, 5), dict(stride=2, padding="same".replace("same", "valid"), groups=2)),
    ("Conv2d", (3, 16, 3), dict(padding=1)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 0), dilation=2, groups=2,
                                    bias=False)),
    ("Conv2d", (4, 4, 3), dict(padding="same", groups=2, padding_mode="circular")),
    ("Conv2d", (3, 5, 3), dict(padding=2, padding_mode="reflect")),
    ("Conv2d", (3, 5, 2), dict(padding=(1, 2), padding_mode="replicate", bias=False)),
    ("Conv3d", (2, 4, 3), dict(padding=(1, 0, 0))),
    ("Conv3d", (2, 4, 2), dict(padding="same", padding_mode="reflect")),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=2)),
    ("ConvTranspose2d", (4, 4, 3), dict(stride=2, output_padding=1, groups=2, dilation=2)),
    ("ConvTranspose2d", (3, 5, (2, 3)), dict(padding=1, bias=False)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=(1, 2, 1))),
]


def _input_for(name, in_ch, batch=2):
    dim = int(name[-2])
    return arr(batch, in_ch, *(7, 6, 5)[:dim]).astype(np.float32)


@pytest.mark.parametrize("case", range(len(MODULES)))
def test_module_seeded_init_repr_forward_backward(case):
    name, args, kw = MODULES[case]
    torch.manual_seed(7)
    mt = getattr(tnn, name)(*args, **kw)
    ember.manual_seed(7)
    me = getattr(enn, name)(*args, **kw)
    assert repr(mt) == repr(me)
    assert list(mt.state_dict().keys()) == list(me.state_dict().keys())
    for (kt, pt), (ke, pe) in zip(mt.named_parameters(), me.named_parameters()):
        assert kt == ke
        np.testing.assert_array_equal(npy(pe), npy(pt))
    x = _input_for(name, args[0])
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = mt(xt), me(xe)
    close(yt, ye, rtol=1e-4, atol=1e-5)
    g = arr(*yt.shape).astype(np.float32)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    close(xt.grad, xe.grad, rtol=1e-4, atol=1e-4)
    for pt, pe in zip(mt.parameters(), me.parameters()):
        close(pt.grad, pe.grad, rtol=1e-4, atol=1e-3)
    # batch of one and unbatched inputs
    x1 = _input_for(name, args[0], batch=1)
    close(mt(torch.tensor(x1)), me(ember.tensor(x1)), rtol=1e-4, atol=1e-5)
    close(mt(torch.tensor(x1[0])), me(ember.tensor(x1[0])), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", [2, 3, 10])
def test_load_torch_state_dict(case):
    name, args, kw = MODULES[case]
    mt = getattr(tnn, name)(*args, **kw)
    me = getattr(enn, name)(*args, **kw)
    me.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in mt.state_dict().items()})
    x = _input_for(name, args[0], batch=3)
    close(mt(torch.tensor(x)), me(ember.tensor(x)), rtol=1e-4, atol=1e-5)


def test_conv_transpose_output_size():
    torch.manual_seed(0)
    mt = tnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    me = enn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    me.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in mt.state_dict().items()})
    x = arr(1, 3, 5, 5).astype(np.float32)
    for size in [(9, 9), (10, 10), (9, 10), (1, 2, 10, 9)]:
        close(mt(torch.tensor(x), output_size=size), me(ember.tensor(x), output_size=size))
    close(mt(torch.tensor(x[0]), output_size=(2, 10, 10)),
          me(ember.tensor(x[0]), output_size=(2, 10, 10)))


@pytest.mark.parametrize("name,args", [
    ("LazyConv1d", (4, 3)), ("LazyConv2d", (4, 3)), ("LazyConv3d", (2, 2)),
    ("LazyConvTranspose1d", (4, 3)), ("LazyConvTranspose2d", (4, 3)),
    ("LazyConvTranspose3d", (2, 2)),
])
def test_lazy_modules(name, args):
    mt = getattr(tnn, name)(*args)
    me = getattr(enn, name)(*args)
    assert repr(mt) == repr(me)
    x = _input_for(name.replace("Lazy", ""), 3)
    torch.manual_seed(3)
    yt = mt(torch.tensor(x))
    ember.manual_seed(3)
    ye = me(ember.tensor(x))
    assert type(me).__name__ == type(mt).__name__
    assert repr(mt) == repr(me)
    close(mt.weight, me.weight, rtol=0, atol=0)
    close(yt, ye, rtol=1e-4, atol=1e-5)


def test_shuffle_fold_module_reprs():
    for args in [("Fold", ((4, 5), 2)), ("Fold", (3, (2, 2), 2, 1, 2)), ("Unfold", (3,)),
                 ("Unfold", ((2, 3), 1, 1, 2)), ("PixelShuffle", (2,)), ("PixelUnshuffle", (3,)),
                 ("ChannelShuffle", (2,))]:
        assert repr(getattr(tnn, args[0])(*args[1])) == repr(getattr(enn, args[0])(*args[1]))


# ---------------------------------------------------------------- errors
def _errors(fn):
    out = []
    for lib, F, nn in ((torch, TF, tnn), (ember, EF, enn)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(lib, F, nn)
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e)))
        else:
            out.append(None)
    return out


ERRORS = [
    lambda L, F, nn: nn.Conv2d(3, 64, 3, padding=1)(L.ones(1, 4, 8, 8)),
    lambda L, F, nn: nn.Conv2d(3, 64, 3, padding=1)(L.ones(4, 8, 8)),
    lambda L, F, nn: nn.Conv2d(1, 1, 5)(L.ones(1, 1, 3, 3)),
    lambda L, F, nn: nn.Conv2d(3, 64, 3)(L.ones(8, 8)),
    lambda L, F, nn: nn.Conv2d(3, 4, 3, groups=2),
    lambda L, F, nn: nn.Conv2d(4, 3, 3, groups=2),
    lambda L, F, nn: nn.Conv2d(4, 4, 3, groups=0),
    lambda L, F, nn: nn.Conv2d(4, 4, 3, padding="foo"),
    lambda L, F, nn: nn.Conv2d(4, 4, 3, padding="same", stride=2),
    lambda L, F, nn: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
    lambda L, F, nn: nn.ConvTranspose2d(3, 2, 3, stride=2)(L.ones(1, 3, 5, 5), output_size=(20, 20)),
    lambda L, F, nn: nn.ConvTranspose2d(3, 2, 3, stride=2)(L.ones(1, 3, 5, 5), output_size=(1, 2, 9)),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3)),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), L.ones(3)),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5, dtype=L.float64), L.ones(2, 3, 3, 3)),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), L.ones(2, dtype=L.float64)),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), stride=0),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), padding=-1),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), groups=0),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), stride=2, padding="same"),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), padding="foo"),
    lambda L, F, nn: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), stride=(1, 1, 1)),
    lambda L, F, nn: F.conv2d(L.ones(1, 4, 5, 5), L.ones(2, 2, 3, 3), groups=3),
    lambda L, F, nn: F.conv2d(L.ones(1, 4, 5, 5), L.ones(3, 2, 3, 3), groups=2),
    lambda L, F, nn: F.conv1d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3)),
    lambda L, F, nn: F.conv1d(L.ones(1, 3, 2), L.ones(2, 3, 3)),
    lambda L, F, nn: F.conv1d(L.ones(1, 3, 5), L.ones(2, 3, 3, 3)),
    lambda L, F, nn: F.conv3d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3, 3)),
    lambda L, F, nn: F.conv_transpose2d(L.ones(1, 3, 5, 5), L.ones(4, 2, 3, 3)),
    lambda L, F, nn: F.conv_transpose2d(L.ones(1, 3, 5, 5), L.ones(3, 2, 3, 3), output_padding=1),
    lambda L, F, nn: F.conv_transpose1d(L.ones(1, 3, 5), L.ones(3, 2, 3), output_padding=1),
    lambda L, F, nn: F.conv_transpose3d(L.ones(1, 3, 2, 2, 2), L.ones(3, 2, 1, 1, 1),
                                        output_padding=1),
    lambda L, F, nn: F.conv_transpose2d(L.ones(1, 3, 5, 5), L.ones(3, 2, 3, 3), padding=5),
    lambda L, F, nn: F.conv_transpose1d(L.ones(1, 3, 5), L.ones(3, 2, 3), padding=5),
    lambda L, F, nn: F.conv_transpose2d(L.ones(1, 3, 5, 5), L.ones(3, 2, 3, 3), L.ones(3)),
    lambda L, F, nn: F.conv_transpose2d(L.ones(5, 5), L.ones(3, 2, 3, 3)),
    lambda L, F, nn: F.pixel_shuffle(L.ones(5, 5), 2),
    lambda L, F, nn: F.pixel_shuffle(L.ones(5, 5, 5), 2),
    lambda L, F, nn: F.pixel_shuffle(L.ones(8, 5, 5), 0),
    lambda L, F, nn: F.pixel_unshuffle(L.ones(5, 5, 5), 2),
    lambda L, F, nn: F.pixel_unshuffle(L.ones(5, 4, 5), 2),
    lambda L, F, nn: F.pixel_unshuffle(L.ones(4, 4), 2),
    lambda L, F, nn: F.channel_shuffle(L.ones(1, 5, 4, 4), 2),
    lambda L, F, nn: F.channel_shuffle(L.ones(1, 4, 4, 4), 0),
    lambda L, F, nn: F.channel_shuffle(L.ones(2, 4), 2),
    lambda L, F, nn: F.unfold(L.ones(1, 2, 5, 5), 6),
    lambda L, F, nn: F.unfold(L.ones(5, 5), 2),
    lambda L, F, nn: F.fold(L.ones(1, 7, 16), (5, 5), 2),
    lambda L, F, nn: F.fold(L.ones(1, 8, 15), (5, 5), 2),
    lambda L, F, nn: F.fold(L.ones(1, 1, 8, 16), (5, 5), 2),
    lambda L, F, nn: nn.LazyConv2d(4, 3)(L.ones(5, 5)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_pytorch(i):
    t, e = _errors(ERRORS[i])
    assert t is not None
    assert e == t


def test_padding_mode_error_class():
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        enn.Conv2d(4, 4, 3, padding_mode="foo")


def test_same_padding_even_kernel_warns_once():
    import ember.nn._functional.conv as conv_mod
    conv_mod._same_warned[0] = False
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        EF.conv1d(ember.ones(1, 3, 5), ember.ones(2, 3, 4), padding="same")
        EF.conv1d(ember.ones(1, 3, 5), ember.ones(2, 3, 4), padding="same")
    assert sum("even kernel lengths" in str(w.message) for w in rec) == 1


def test_guide_conv_layer_and_cnn_shapes():
    torch.manual_seed(0)
    ct = tnn.Conv2d(in_channels=3, out_channels=64, kernel_size=3, stride=1, padding=1)
    ember.manual_seed(0)
    ce = enn.Conv2d(in_channels=3, out_channels=64, kernel_size=3, stride=1, padding=1)
    np.testing.assert_array_equal(npy(ce.weight), npy(ct.weight))
    np.testing.assert_array_equal(npy(ce.bias), npy(ct.bias))
    x = arr(4, 3, 16, 16).astype(np.float32)
    close(ct(torch.tensor(x)), ce(ember.tensor(x)), rtol=1e-4, atol=1e-5)
