"""Bit-exact comparison of ember/_random.py against PyTorch's CPU random streams."""
import importlib.util
import os
import struct
import time
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "ember", "_random.py")
_spec = importlib.util.spec_from_file_location("ember_random", _PATH)
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)

FLOATS = ["float32", "float64", "float16", "bfloat16"]
SIZES = [1, 3, 5, 15, 16, 17, 31, 33, 100, 1000]
SEEDS = [0, 1, 123456, 2 ** 40 + 7]


# ----------------------------------------------------------------------------- helpers

def tdt(name):
    return getattr(torch, name)


def tnp(t):
    """torch tensor -> numpy in Ember's storage dtype (bfloat16 -> float32)."""
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.float().numpy().ravel()
    return t.numpy().ravel()


def bits(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize])
    return a


def assert_same(ours, theirs):
    ours = np.asarray(ours)
    theirs = np.asarray(theirs)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    diff = np.nonzero(bits(ours).ravel() != bits(theirs).ravel())[0]
    assert diff.size == 0, "%d mismatches, first at %s: %r vs %r" % (
        diff.size, diff[:5], ours.ravel()[diff[:5]], theirs.ravel()[diff[:5]])


def torch_state():
    return bytes(torch.get_rng_state().numpy())


def pair(seed):
    torch.manual_seed(seed)
    return R.Generator().manual_seed(seed)


def assert_state(g):
    assert g.get_state_bytes() == torch_state()


# ----------------------------------------------------------------------------- engine / seeding / state

def test_fresh_generator_matches_torch_generator():
    g = R.Generator()
    tg = torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == 67280421310721
    assert g.get_state_bytes() == bytes(tg.get_state().numpy())
    assert len(g.get_state_bytes()) == 5056
    assert g.device == "cpu"
    assert_same(g.uniform(50, "float32"), tnp(torch.rand(50, generator=tg)))


@pytest.mark.parametrize("seed", [0, 5, 2 ** 32 + 5, 2 ** 64 - 1, -5, -(2 ** 63), np.int64(77), np.uint64(2 ** 63)])
def test_manual_seed(seed):
    torch.manual_seed(int(seed))
    g = R.Generator()
    assert g.manual_seed(seed) is g
    assert g.initial_seed() == torch.initial_seed()
    assert_state(g)
    assert_same(g.uniform(40, "float32"), tnp(torch.rand(40)))
    assert_state(g)


def test_seed_low_32_bits_only():
    a = R.Generator().manual_seed(5).random32(10)
    b = R.Generator().manual_seed(2 ** 32 + 5).random32(10)
    assert np.array_equal(a, b)


def test_seed_is_nondeterministic_and_applied():
    g = R.Generator()
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2 ** 64
    assert np.array_equal(g.random32(5), R.Generator().manual_seed(s).random32(5))
    assert R.default_generator.initial_seed() != 67280421310721


def test_raw_draws():
    g = pair(31)
    t = torch.empty(300, dtype=torch.int64).random_(-(2 ** 63), None)  # int64(random64())
    r64 = g.random64(300)
    assert r64.dtype == np.uint64
    assert np.array_equal(r64.view(np.int64), t.numpy())
    assert_state(g)
    h = R.Generator().manual_seed(31)
    r32 = h.random32(600)
    assert r32.dtype == np.uint32
    assert np.array_equal((r32[0::2].astype(np.uint64) << np.uint64(32)) | r32[1::2], r64)


def test_state_bytes_after_various_draws():
    g = pair(7)
    steps = [
        lambda: (torch.randn(3), g.normal(3, "float32")),
        lambda: (torch.rand(621), g.uniform(621, "float32")),
        lambda: (torch.rand(1), g.uniform(1, "float32")),
        lambda: (torch.rand(1), g.uniform(1, "float32")),
        lambda: (torch.rand(1), g.uniform(1, "float32")),
        lambda: (torch.rand(311, dtype=torch.float64), g.uniform(311, "float64")),
        lambda: (torch.randn(1000), g.normal(1000, "float32")),
        lambda: (torch.randn(5, dtype=torch.float64), g.normal(5, "float64")),
        lambda: (torch.randint(0, 2 ** 30, (1248,)), g.random_(1248, "int64", 0, 2 ** 30)),
    ]
    for step in steps:
        step()
        assert_state(g)


def test_set_state_bytes_from_torch_continues_identically():
    torch.manual_seed(99)
    torch.rand(100)
    torch.randn(1)  # leaves a cached double normal
    st = torch_state()
    g = R.Generator()
    g.set_state_bytes(st)
    assert g.initial_seed() == 99
    assert g.get_state_bytes() == st
    assert_same(g.normal(5, "float64"), tnp(torch.randn(5, dtype=torch.float64)))
    assert_same(g.normal(100, "float32"), tnp(torch.randn(100)))
    assert_state(g)
    # round trip through numpy uint8 arrays too
    h = R.Generator()
    h.set_state_bytes(np.frombuffer(g.get_state_bytes(), dtype=np.uint8))
    assert h.get_state_bytes() == g.get_state_bytes()


def test_set_state_exhausted_fresh_seed_state():
    torch.manual_seed(1234)
    st = torch_state()
    g = R.Generator()
    g.set_state_bytes(st)
    assert g.get_state_bytes() == st
    assert_same(g.uniform(700, "float32"), tnp(torch.rand(700)))
    assert_state(g)


def test_float_cache_field_round_trips():
    torch.manual_seed(3)
    st = bytearray(torch_state())
    struct.pack_into("<f?", st, 5048, 1.25, True)
    torch.set_rng_state(torch.tensor(list(st), dtype=torch.uint8))
    g = R.Generator()
    g.set_state_bytes(bytes(st))
    assert g.get_state_bytes() == torch_state()
    assert_same(g.normal(7, "float32"), tnp(torch.randn(7)))
    assert_state(g)


def test_set_state_errors():
    g = R.Generator()
    with pytest.raises(RuntimeError):
        g.set_state_bytes(bytes(100))
    with pytest.raises(RuntimeError):
        g.set_state_bytes(bytes(5048))
    bad = bytearray(g.get_state_bytes())
    struct.pack_into("<i", bad, 8, 0)  # left = 0
    with pytest.raises(RuntimeError):
        g.set_state_bytes(bytes(bad))


# ----------------------------------------------------------------------------- uniform

@pytest.mark.parametrize("dt", FLOATS)
def test_rand(dt):
    for seed in SEEDS:
        for n in SIZES:
            g = pair(seed)
            assert_same(g.uniform(n, dt), tnp(torch.rand(n, dtype=tdt(dt))))
        assert_state(g)


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("lo,hi", [(-1 / 3, 1 / 3), (0.1, 0.7), (-5.0, 3.0), (2.0, 2.0), (-0.0625, 0.0625),
                                   (1e-3, 1.0 + 1e-3)])
def test_uniform_range(dt, lo, hi):
    for seed in (0, 17):
        g = pair(seed)
        for n in (7, 2000):
            assert_same(g.uniform(n, dt, lo, hi), tnp(torch.empty(n, dtype=tdt(dt)).uniform_(lo, hi)))
        assert_state(g)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_uniform_half_clamps_upper_bound(dt):
    g = pair(5)
    n = 20000
    ours = g.uniform(n, dt, 0.0, 1.0)
    assert_same(ours, tnp(torch.empty(n, dtype=tdt(dt)).uniform_(0.0, 1.0)))
    assert ours.max() < 1.0


def test_uniform_errors():
    g = R.Generator()
    with pytest.raises(RuntimeError):
        g.uniform(3, "float32", 1.0, 0.0)
    with pytest.raises(RuntimeError):
        g.uniform(3, "int64")


# ----------------------------------------------------------------------------- normal

@pytest.mark.parametrize("dt", FLOATS)
def test_randn(dt):
    for seed in SEEDS:
        for n in SIZES:
            g = pair(seed)
            assert_same(g.normal(n, dt), tnp(torch.randn(n, dtype=tdt(dt))))
            assert_state(g)


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("mean,std", [(0.3, 1.7), (-2.0, 0.02), (1e3, 1e-3), (0.0, 0.0)])
def test_normal_mean_std(dt, mean, std):
    g = pair(11)
    for n in (5, 16, 37, 500):
        assert_same(g.normal(n, dt, mean, std), tnp(torch.empty(n, dtype=tdt(dt)).normal_(mean, std)))
    assert_state(g)


def test_normal_cache_interplay():
    for seed in range(4):
        g = pair(seed)
        seq = [(3, "float32", 0.0, 1.0), (3, "float32", 0.0, 1.0), (20, "float32", 0.0, 1.0),
               (1, "float64", 0.5, 2.0), (5, "bfloat16", 0.0, 1.0), (2, "float64", 0.0, 1.0),
               (16, "float64", 0.0, 1.0), (7, "float16", -1.0, 0.25), (1, "float32", 0.0, 1.0)]
        for n, dt, m, s in seq:
            assert_same(g.normal(n, dt, m, s), tnp(torch.empty(n, dtype=tdt(dt)).normal_(m, s)))
            assert_state(g)
        # manual_seed clears the cache
        torch.randn(1)
        g.normal(1, "float32")
        assert_state(g)
        torch.manual_seed(seed)
        g.manual_seed(seed)
        assert_state(g)


@pytest.mark.parametrize("dt", FLOATS)
def test_normal_non_contiguous(dt):
    g = pair(4)
    w = torch.empty(40, 50, dtype=tdt(dt)).t()  # memory order = rows of the 40 x 50 base
    w.normal_(0.3, 1.7)
    assert_same(g.normal(2000, dt, 0.3, 1.7, contiguous=False), tnp(w.t()))
    w = torch.empty(3, 7, dtype=tdt(dt)).t()
    w.normal_()
    assert_same(g.normal(21, dt, contiguous=False), tnp(w.t()))
    assert_state(g)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_randn_large(dt):
    g = pair(2024)
    n = 100003
    assert_same(g.normal(n, dt), tnp(torch.randn(n, dtype=tdt(dt))))
    assert_state(g)


def test_normal_errors():
    with pytest.raises(RuntimeError):
        R.Generator().normal(5, "float32", 0.0, -1.0)


def test_log_normal():
    for dt in FLOATS:
        g = pair(21)
        for n in (1, 2, 33):
            assert_same(g.log_normal(n, dt, 0.5, 0.7), tnp(torch.empty(n, dtype=tdt(dt)).log_normal_(0.5, 0.7)))
        assert_state(g)


# ----------------------------------------------------------------------------- integers

INT_DTYPES = ["int64", "int32", "int16", "int8", "uint8"]


@pytest.mark.parametrize("lo,hi", [(0, 10), (-5, 2 ** 28 - 6), (0, 2 ** 28 - 1), (0, 2 ** 28), (3, 2 ** 32),
                                   (-2 ** 40, 2 ** 40), (-2 ** 63, 2 ** 63 - 1), (-100, 100)])
def test_randint(lo, hi):
    for dt in INT_DTYPES + ["float32", "float64", "float16", "bfloat16"]:
        torch.manual_seed(11)
        g = R.Generator().manual_seed(11)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                t = torch.randint(lo, hi, (50,), dtype=tdt(dt))
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    g.random_(50, dt, lo, hi)
                continue
        assert_same(g.random_(50, dt, lo, hi), tnp(t))
        assert_state(g)


@pytest.mark.parametrize("dt", INT_DTYPES + ["bool"] + FLOATS)
def test_random_(dt):
    g = pair(12)
    x = torch.empty(300, dtype=tdt(dt))
    assert_same(g.random_(300, dt), tnp(x.random_()))
    if dt != "bool":
        assert_same(g.random_(300, dt, None, 5), tnp(x.random_(5)))
    frm = 0 if dt in ("uint8", "bool") else -3
    assert_same(g.random_(300, dt, frm, None), tnp(x.random_(frm, None)))
    if dt in ("int64", "float32", "float64", "bfloat16"):
        assert_same(g.random_(300, dt, -(2 ** 63), None), tnp(x.random_(-(2 ** 63), None)))
    assert_state(g)


def test_random_errors():
    g = R.Generator()
    with pytest.raises(RuntimeError):
        g.random_(3, "int64", 5, 5)
    with pytest.raises(RuntimeError):
        g.random_(3, "uint8", 0, 1000)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 100, 1000, 50000])
def test_randperm(n):
    g = pair(13)
    ours = g.randperm(n)
    assert ours.dtype == np.int64
    assert_same(ours, torch.randperm(n).numpy())
    assert_state(g)


def test_randperm_large():
    g = pair(14)
    assert_same(g.randperm(200001), torch.randperm(200001).numpy())
    assert_state(g)


def test_swap_shuffle_matches_sequential_swaps():
    # the vectorised Fisher-Yates against the plain loop, with heavily repeated / self targets
    rs = np.random.RandomState(1)
    for n in range(2, 70):
        for trial in range(12):
            if trial % 3 == 0:
                k = [min(n - 1, i + rs.randint(0, 3)) for i in range(n - 1)]
            elif trial % 3 == 1:
                k = [n - 1 if rs.rand() < 0.5 else i for i in range(n - 1)]
            else:
                k = [rs.randint(i, n) for i in range(n - 1)]
            r = list(range(n))
            for i, t in enumerate(k):
                r[i], r[t] = r[t], r[i]
            assert np.array_equal(R._swap_shuffle(np.array(k, dtype=np.int64)), r)


# ----------------------------------------------------------------------------- bernoulli / exponential / others

@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16", "bool", "int64", "uint8"])
def test_bernoulli_scalar(dt):
    g = pair(5)
    for p in (0.37, 0.0, 1.0):
        assert_same(g.bernoulli_scalar(333, p, dt), tnp(torch.empty(333, dtype=tdt(dt)).bernoulli_(p)))
    assert_state(g)


def test_bernoulli_scalar_long_and_dropout_probabilities():
    # more draws than one pass of the sampler (_BERNOULLI_CHUNK), and the keep
    # probabilities of the usual dropout rates
    g = pair(11)
    n = 3 * R._BERNOULLI_CHUNK + 1234
    for p in (0.9, 0.5, 0.8, 1e-300, 0.7 + 1e-12):
        assert_same(g.bernoulli_scalar(n, p, "float32"),
                    tnp(torch.empty(n, dtype=torch.float32).bernoulli_(p)))
    assert_state(g)


def test_bernoulli_scalar_threshold_ties():
    # p placed exactly at one draw's 53-bit value (and one above it): the
    # decision then rests on the draw's low 32-bit word
    seed = 12
    g0 = R.Generator().manual_seed(seed)
    raw = g0._engine().random_raw(2 * 50)
    v = ((raw[0::2] & np.uint64(0x1FFFFF)) << np.uint64(32)) | raw[1::2]
    for j in (3, 17):
        for V in (int(v[j]), int(v[j]) + 1, int(v[j]) - 1):
            p = V / 9007199254740992.0
            g = pair(seed)
            ours = g.bernoulli_scalar(50, p, "float64")
            assert_same(ours, tnp(torch.empty(50, dtype=torch.float64).bernoulli_(p)))
            assert ours[j] == (1.0 if V > int(v[j]) else 0.0)


def test_bernoulli_scalar_out_and_scale():
    g = pair(13)
    out = np.full(1000, 7.0, np.float32)
    res = g.bernoulli_scalar(1000, 0.9, "float32", out=out, scale=np.float32(1) / np.float32(0.9))
    assert res is out
    ref = torch.empty(1000).bernoulli_(0.9).div_(0.9)
    assert_same(out, tnp(ref))
    assert_state(g)


@pytest.mark.parametrize("pdt", FLOATS)
def test_bernoulli_tensor(pdt):
    g = pair(6)
    for dt in ("float32", "float64", "bool", "int64", pdt):
        P = torch.rand(333, dtype=torch.float64).to(tdt(pdt))
        g.uniform(333, "float64")
        assert_same(g.bernoulli_tensor(tnp(P), dt, pdt), tnp(torch.empty(333, dtype=tdt(dt)).bernoulli_(P)))
    # torch.bernoulli(P) with a broadcast 2-D probability tensor, in memory order
    P = torch.rand(1, 9, dtype=torch.float64).to(tdt(pdt))
    g.uniform(9, "float64")
    out = torch.empty(4, 9, dtype=tdt(pdt)).bernoulli_(P)
    ours = g.bernoulli_tensor(np.broadcast_to(tnp(P).reshape(1, 9), (4, 9)).ravel(), pdt, pdt)
    assert_same(ours, tnp(out))
    assert_state(g)


def test_bernoulli_errors():
    g = R.Generator()
    with pytest.raises(RuntimeError):
        g.bernoulli_scalar(3, 1.5, "float32")
    with pytest.raises(RuntimeError):
        g.bernoulli_tensor(np.array([0.5, -0.1], np.float32), "float32", "float32")


@pytest.mark.parametrize("dt", FLOATS)
def test_exponential(dt):
    g = pair(8)
    for lam in (1.0, 1.5, 0.01):
        for n in (1, 17, 1000):
            assert_same(g.exponential(n, lam, dt), tnp(torch.empty(n, dtype=tdt(dt)).exponential_(lam)))
    assert_state(g)


@pytest.mark.parametrize("dt", FLOATS + ["int64", "int32"])
def test_geometric(dt):
    g = pair(9)
    assert_same(g.geometric(500, 0.2, dt), tnp(torch.empty(500, dtype=tdt(dt)).geometric_(0.2)))
    assert_state(g)


@pytest.mark.parametrize("dt", FLOATS)
def test_cauchy(dt):
    g = pair(10)
    assert_same(g.cauchy(500, dt, 0.5, 2.5), tnp(torch.empty(500, dtype=tdt(dt)).cauchy_(0.5, 2.5)))
    assert_state(g)


# ----------------------------------------------------------------------------- multinomial

@pytest.mark.parametrize("pdt", FLOATS)
def test_multinomial(pdt):
    for seed in range(4):
        g = pair(100 + seed)
        P = torch.rand(7, dtype=torch.float64) ** 3
        P[2] = 0
        P = P.to(tdt(pdt))
        g.uniform(7, "float64")
        P2 = torch.rand(4, 9, dtype=torch.float64).to(tdt(pdt))
        g.uniform(36, "float64")
        cases = [(P, 1, False), (P, 1, True), (P, 5, False), (P, 6, False), (P, 20, True),
                 (P2, 1, False), (P2, 1, True), (P2, 3, False), (P2, 9, False), (P2, 50, True)]
        for X, ns, rep in cases:
            ours = g.multinomial(tnp(X).reshape(tuple(X.shape)), ns, rep, pdt)
            assert_same(ours, torch.multinomial(X, ns, rep).numpy())
        assert_state(g)


def test_multinomial_large_and_ties():
    g = pair(55)
    P = torch.rand(3, 2000)
    P[:, 1000:] = 0  # zero probabilities: ties in topk when sampling beyond the support
    g.uniform(6000, "float32")
    for ns, rep in ((1, False), (10, False), (1500, False), (200, True)):
        assert_same(g.multinomial(P.numpy(), ns, rep, "float32"), torch.multinomial(P, ns, rep).numpy())
    Pb = torch.rand(5, 300).to(torch.bfloat16)  # bf16 quotients tie often
    g.uniform(1500, "float32")
    for ns in (2, 4, 50, 299):
        assert_same(g.multinomial(tnp(Pb).reshape(5, 300), ns, False, "bfloat16"),
                    torch.multinomial(Pb, ns, False).numpy())
    assert_state(g)


def test_topk_tie_order_matches_torch():
    rs = np.random.RandomState(0)
    for n in [1, 2, 3, 5, 16, 17, 33, 64, 65, 130, 700]:
        for levels in (2, 3, 50):
            row = rs.randint(0, levels, n).astype(np.float64)
            for k in sorted(k for k in {1, 2, max(1, n // 64), max(1, n // 2), n} if k <= n):
                assert_same(R._topk_indices(row, k), torch.topk(torch.from_numpy(row), k).indices.numpy())


def test_multinomial_errors():
    g = R.Generator()
    for P in ([0.5, -0.1], [0.5, np.inf], [0.5, np.nan], [0.0, 0.0]):
        for rep in (False, True):
            with pytest.raises(RuntimeError):
                g.multinomial(np.array(P, np.float32), 2, rep, "float32")
    with pytest.raises(RuntimeError):
        g.multinomial(np.array([[0.5, 0.5], [0.0, 0.0]], np.float32), 1, False, "float32")
    with pytest.raises(RuntimeError):
        g.multinomial(np.array([0.5, 0.5], np.float32), 3, False, "float32")


# ----------------------------------------------------------------------------- speed

def test_randn_speed():
    g = R.Generator().manual_seed(0)
    g.normal(10 ** 6, "float32")  # warm-up
    best = min(_timed(lambda: g.normal(10 ** 6, "float32")) for _ in range(3))
    assert best < 0.3, best


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_tensor_bernoulli_in_memory_order_for_any_layout():
    """Tensor.bernoulli_ (the dropout mask) fills dense tensors of any axis order
    straight in memory order, and strided ones through the general path, with
    PyTorch's draws."""
    import ember
    cases = [((3, 4, 5), (1, 0, 2)), ((6, 7), (1, 0)), ((2, 3, 4, 5), (0, 2, 1, 3)),
             ((5,), (0,)), ((4, 6), (0, 1))]
    for dt in ("float32", "float64"):
        for shape, perm in cases:
            torch.manual_seed(1)
            ember.manual_seed(1)
            t = torch.empty(shape, dtype=tdt(dt)).permute(*perm).bernoulli_(0.7)
            e = ember.empty(shape, dtype=getattr(ember, dt)).permute(*perm).bernoulli_(0.7)
            assert_same(np.asarray(e.numpy()), t.numpy())
            t2 = torch.empty(10, 8, dtype=tdt(dt))[:, ::2].bernoulli_(0.3)
            e2 = ember.empty(10, 8, dtype=getattr(ember, dt))[:, ::2].bernoulli_(0.3)
            assert_same(np.asarray(e2.numpy()), t2.numpy())
            assert torch.rand(1).item() == ember.rand(1).item()


def test_dropout_noise_is_bernoulli_div():
    """ember._ops.random.dropout_noise_: PyTorch's noise.bernoulli_(1 - p).div_(1 - p)
    to the bit, for dense tensors of any axis order; other tensors are refused."""
    import ember
    from ember._ops.random import dropout_noise_
    for dt in ("float32", "float64"):
        for p in (0.1, 0.5, 0.3):
            for shape, perm in (((7, 9), (0, 1)), ((3, 4, 5), (2, 0, 1))):
                torch.manual_seed(2)
                ember.manual_seed(2)
                t = torch.empty(shape, dtype=tdt(dt)).permute(*perm)
                t.bernoulli_(1 - p).div_(1 - p)
                e = ember.empty(shape, dtype=getattr(ember, dt)).permute(*perm)
                assert dropout_noise_(e, p)
                assert_same(np.asarray(e.numpy()), t.numpy())
                assert torch.rand(1).item() == ember.rand(1).item()
    assert not dropout_noise_(ember.empty(4, dtype=ember.float16), 0.5)
    assert not dropout_noise_(ember.empty(10, 8)[:, ::2], 0.5)
    assert not dropout_noise_(ember.empty(4), 0.0)
