"""Every op on the 'cuda' device gives the CPU's values, dtypes, shapes and
gradients.

Each test runs on the simulated device (tests/simcuda.py: CuPy's behaviour
at the host boundary, in NumPy) everywhere, and on the real GPU where CuPy
sees one (marked `gpu`; bench/gpu_check.sh runs them on the lent machine).
"""
import pytest

from cuda_cases import CASES
from cuda_util import run_both


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_op(cuda, name, fn, arrays):
    run_both(fn, arrays, atol=1e-4 if name in ("decomp", "det_inv", "matrix_exp") else 1e-5)


# ------------------------------------------------------------- tensors and devices
import numpy as np  # noqa: E402

import ember  # noqa: E402
from cuda_util import host


FACTORIES = [
    ("zeros", lambda d: ember.zeros(2, 3, device=d)),
    ("ones_int", lambda d: ember.ones(4, dtype=ember.int32, device=d)),
    ("full", lambda d: ember.full((2, 2), 7.5, device=d)),
    ("full_uint8_wraps", lambda d: ember.full((2,), -1, dtype=ember.uint8, device=d)),
    ("empty_like", lambda d: ember.zeros_like(ember.ones(3, device=d)) + ember.ones_like(ember.ones(3, device=d))),
    ("full_like", lambda d: ember.full_like(ember.ones(2, 2, device=d), 3)),
    ("arange", lambda d: ember.arange(1, 10, 2, device=d)),
    ("linspace", lambda d: ember.linspace(0, 1, 5, device=d)),
    ("eye", lambda d: ember.eye(3, 2, device=d)),
    ("tensor", lambda d: ember.tensor([[1, 2], [3, 4]], device=d)),
    ("tensor_bf16", lambda d: ember.tensor([1.1, 2.2], dtype=ember.bfloat16, device=d)),
    ("scalar_tensor", lambda d: ember.scalar_tensor(3.5, device=d)),
    ("as_tensor", lambda d: ember.as_tensor(np.arange(4.0), device=d)),
]


@pytest.mark.parametrize("name,make", FACTORIES, ids=[f[0] for f in FACTORIES])
def test_factories_create_on_the_device(cuda, name, make):
    a, b = make("cpu"), make("cuda")
    assert b.device == ember.device("cuda:0") and b.is_cuda and not a.is_cuda
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(host(b), host(a))


def test_to_and_back_carries_gradients(cuda):
    x = ember.randn(3, 4, requires_grad=True)
    y = x.cuda()
    assert y.device.type == "cuda" and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_allclose(host(x.grad), 2 * host(x), rtol=1e-6)
    z = y.detach().requires_grad_()
    w = z.cpu()
    (w * 3).sum().backward()
    assert z.grad.device.type == "cuda"
    np.testing.assert_allclose(host(z.grad), np.full((3, 4), 3.0, np.float32))


def test_to_variants(cuda):
    x = ember.arange(6.0).view(2, 3)
    y = x.to("cuda")
    assert y.to("cuda") is y and y.to("cuda:0") is y
    assert y.to("cuda", copy=True) is not y
    assert y.to(ember.float64).device.type == "cuda"
    assert y.to("cpu", ember.int64).dtype == ember.int64
    assert x.to(y).device.type == "cuda"
    assert x.cuda(0).device == ember.device("cuda", 0)
    assert y.cpu().device.type == "cpu" and y.get_device() == 0 and x.get_device() == -1


def test_mixing_devices_raises_pytorch_error(cuda):
    a = ember.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        a + ember.ones(3)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ember.ones(2, 3) @ ember.ones(3, 2, device="cuda")
    # a 0-dim CPU tensor joins as a scalar, as in PyTorch
    r = a * ember.tensor(2.0)
    assert r.device.type == "cuda"
    np.testing.assert_array_equal(host(r), [2.0, 2.0, 2.0])


def test_host_conversions(cuda):
    a = ember.tensor([[1.5, 2.0]], device="cuda")
    assert a.tolist() == [[1.5, 2.0]] and a[0, 1].item() == 2.0 and float(a[0, 0]) == 1.5
    assert "device='cuda:0'" in repr(a)
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        a.numpy()
    with pytest.raises(TypeError, match="cuda:0"):
        np.asarray(a)
    assert bool(ember.ones(1, device="cuda"))


def test_set_default_device(cuda):
    ember.set_default_device("cuda")
    try:
        assert ember.zeros(2).device.type == "cuda"
        assert ember.randn(2).device.type == "cuda"
        assert ember.tensor([1, 2]).device.type == "cuda"
        assert ember.get_default_device() == ember.device("cuda", 0) or \
            ember.get_default_device().type == "cuda"
    finally:
        ember.set_default_device("cpu")
    assert ember.zeros(2).device.type == "cpu"


def test_random_on_the_device(cuda):
    ember.cuda.manual_seed(0)
    u = ember.rand(1000, device="cuda")
    n = ember.randn(1000, dtype=ember.float64, device="cuda")
    i = ember.randint(3, 7, (1000,), device="cuda")
    assert (u.device.type, n.device.type, i.device.type) == ("cuda",) * 3
    assert (u.dtype, n.dtype, i.dtype) == (ember.float32, ember.float64, ember.int64)
    uh, nh, ih = host(u), host(n), host(i)
    assert 0 <= uh.min() and uh.max() < 1 and abs(uh.mean() - 0.5) < 0.05
    assert abs(nh.mean()) < 0.15 and abs(nh.std() - 1) < 0.15
    assert set(np.unique(ih)) == {3, 4, 5, 6}
    ember.cuda.manual_seed(0)
    np.testing.assert_array_equal(host(ember.rand(1000, device="cuda")), uh)   # seeded: reproducible
    b = ember.empty(2000, device="cuda").bernoulli_(0.25)
    assert abs(host(b).mean() - 0.25) < 0.05
    p = ember.full((2000,), 0.75, device="cuda")
    assert abs(host(ember.bernoulli(p)).mean() - 0.75) < 0.05
    x = ember.empty(500, device="cuda").normal_(2.0, 0.5)
    assert abs(host(x).mean() - 2.0) < 0.1 and x.device.type == "cuda"
    perm = ember.randperm(10, device="cuda")
    assert perm.device.type == "cuda" and sorted(perm.tolist()) == list(range(10))
    m = ember.multinomial(ember.tensor([0.0, 1.0, 0.0], device="cuda"), 2, replacement=True)
    assert m.device.type == "cuda" and m.tolist() == [1, 1]


def test_dropout_on_the_device(cuda):
    x = ember.ones(4000, device="cuda", requires_grad=True)
    y = ember.nn.functional.dropout(x, 0.5)
    assert y.device.type == "cuda"
    kept = host(y) != 0
    assert abs(kept.mean() - 0.5) < 0.05 and np.allclose(host(y)[kept], 2.0)
    y.sum().backward()
    np.testing.assert_array_equal(host(x.grad), np.where(kept, 2.0, 0.0))


def test_in_place_on_cuda_views(cuda):
    a = ember.zeros(3, 4, device="cuda")
    a[1].add_(1)
    a[:, 2].fill_(5)
    a.t()[0].mul_(0)
    expected = np.zeros((3, 4), np.float32)
    expected[1] += 1
    expected[:, 2] = 5
    expected[:, 0] = 0
    np.testing.assert_array_equal(host(a), expected)
    a.copy_(ember.ones(4))   # a CPU source is copied over, as in PyTorch
    np.testing.assert_array_equal(host(a), np.ones((3, 4)))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float16",
                                   "float32", "float64", "complex64"])
@pytest.mark.parametrize("ufunc", [np.add, np.maximum, np.minimum], ids=["add", "maximum", "minimum"])
def test_ufunc_at_covers_types_without_atomics(cuda, dtype, ufunc):
    """CUDA atomics exist for a few types; ember._backends.ufunc_at serves the rest."""
    from ember._backends import cupy, ufunc_at
    if dtype == "bool" and ufunc is np.add or dtype == "complex64" and ufunc is not np.add:
        pytest.skip("not a combination PyTorch offers")
    base = (np.arange(5) * 3 - 6).astype(dtype)
    idx = np.array([0, 1, 1, 4, 4, 4])
    vals = np.array([5, -7, 2, 100, -3, 9]).astype(dtype)
    expected = base.copy()
    ufunc.at(expected, idx, vals)
    cp = cupy()
    out = cp.asarray(base)
    ufunc_at(ufunc, out, cp.asarray(idx), cp.asarray(vals))
    np.testing.assert_array_equal(out.get(), expected)


def test_philox_known_answer(cuda):
    """The generator's block function is Philox4x32-10: Random123's known answer
    for counter 0 and key 0."""
    from ember import _cuda_random
    from ember._backends import cupy
    cp = cupy()
    k = cp.ElementwiseKernel(_cuda_random._KEY, "uint32 q0, uint32 q1, uint32 q2, uint32 q3",
                             _cuda_random._PHILOX + "q0 = r0; q1 = r1; q2 = r2; q3 = r3;", "ember_test_kat")
    outs = [cp.zeros(1, np.uint32) for _ in range(4)]
    k(0, 0, 0, 0, *outs)
    assert [int(o.get()[0]) for o in outs] == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def test_cuda_rng_state_round_trip(cuda):
    ember.cuda.manual_seed(123)
    assert ember.cuda.initial_seed() == 123
    state = ember.cuda.get_rng_state()
    assert state.dtype == ember.uint8 and state.shape == (16,) and state.device.type == "cpu"
    first = [ember.rand(7, device="cuda"), ember.randn(3, 2, device="cuda"), ember.randint(0, 9, (5,), device="cuda")]
    ember.cuda.set_rng_state(state)
    again = [ember.rand(7, device="cuda"), ember.randn(3, 2, device="cuda"), ember.randint(0, 9, (5,), device="cuda")]
    for a, b in zip(first, again):
        assert ember.equal(a, b)
    assert not ember.equal(ember.rand(7, device="cuda"), first[0])   # the offset moved on
    with pytest.raises(TypeError):
        ember.cuda.set_rng_state([1, 2])


def test_checkpoint_replays_cuda_dropout(cuda):
    """Activation checkpointing re-runs the segment with the CUDA RNG state it
    first ran with, so dropout's mask (and so the gradient) is the same."""
    from ember.utils.checkpoint import checkpoint
    net = ember.nn.Sequential(ember.nn.Linear(8, 16), ember.nn.Dropout(0.5), ember.nn.Linear(16, 1)).cuda()
    x = ember.randn(32, 8, device="cuda")
    ember.cuda.manual_seed(7)
    net(x).sum().backward()
    plain = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    ember.cuda.manual_seed(7)
    checkpoint(net, x, use_reentrant=False).sum().backward()
    for a, p in zip(plain, net.parameters()):
        np.testing.assert_allclose(host(p.grad), host(a), rtol=1e-6, atol=1e-7)


def test_cuda_generator_objects(cuda):
    g = ember.Generator(device="cuda")
    g.manual_seed(3)
    assert g.initial_seed() == 3 and g.get_state().shape == (16,)
    a = ember.randn(4, device="cuda", generator=g)
    b = ember.empty(4, device="cuda").uniform_(generator=g)
    g.manual_seed(3)
    assert ember.equal(ember.randn(4, device="cuda", generator=g), a)
    assert ember.equal(ember.empty(4, device="cuda").uniform_(generator=g), b)
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'cuda'"):
        ember.randn(4, generator=g)
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'cuda'"):
        ember.empty(4).normal_(generator=g)
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        ember.randn(4, device="cuda", generator=ember.Generator())


def test_gradcheck_on_cuda(cuda):
    x = ember.randn(3, 2, dtype=ember.float64, device="cuda", requires_grad=True)
    w = ember.randn(2, 4, dtype=ember.float64, device="cuda", requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: (a @ b).tanh(), (x, w))
    assert ember.autograd.gradgradcheck(lambda a, b: (a @ b).sigmoid(), (x, w))


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_fused_path_float64(cuda, affine):
    """The GPU's fused batch-norm kernels (statistics, normalisation, backward) in float64."""
    from cuda_cases import f32
    F = ember.nn.functional

    def fn(x, w, b):
        x = x.double()
        if affine:
            return F.batch_norm(x, None, None, w.double(), b.double(), training=True)
        return F.batch_norm(x, None, None, training=True)
    run_both(fn, [f32(5, 3, 4), f32(3), f32(3)], atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("kw", [dict(num_layers=2, bidirectional=True, batch_first=True),
                                dict(bidirectional=True, bias=False)])
def test_bidirectional_lstm_runs_both_directions_in_one_loop(cuda, kw, monkeypatch):
    """On a GPU the two directions of an LSTM layer share each step's GEMM and
    cell kernel; outputs, final states and gradients are the CPU's."""
    import copy
    import ember.nn._functional.rnn_ops as rnn_ops
    calls = []
    pair = rnn_ops._lstm_forward_pair
    monkeypatch.setattr(rnn_ops, "_lstm_forward_pair", lambda *a: calls.append(1) or pair(*a))
    ember.manual_seed(0)
    m = ember.nn.LSTM(5, 7, **kw)
    mc = copy.deepcopy(m).cuda()
    layers = kw.get("num_layers", 1) * 2
    x, h0, c0 = ember.randn(4, 6, 5), ember.randn(layers, 6 if not kw.get("batch_first") else 4, 7), None
    c0 = ember.randn(*h0.shape)
    out, (h, c) = m(x, (h0, c0))
    outc, (hc, cc) = mc(x.cuda(), (h0.cuda(), c0.cuda()))
    assert calls
    for a, b in ((out, outc), (h, hc), (c, cc)):
        np.testing.assert_allclose(host(b), host(a), rtol=1e-5, atol=1e-6)
    (out.sum() + 2 * h.sum() + 3 * c.sum()).backward()
    (outc.sum() + 2 * hc.sum() + 3 * cc.sum()).backward()
    for p, q in zip(m.parameters(), mc.parameters()):
        np.testing.assert_allclose(host(q.grad), host(p.grad), rtol=1e-5, atol=1e-6)
