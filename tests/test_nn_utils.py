"""torch.nn.utils (clip_grad, convert_parameters, parametrize, parametrizations,
legacy weight_norm/spectral_norm, prune, fusion, stateless) and
torch.utils.checkpoint, compared against real PyTorch: both libraries get the
same parameters and gradients built from the same numpy data."""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.utils.parametrize as TP
import torch.nn.utils.prune as TPR
import torch.utils.checkpoint as TCK

import ember
import ember.nn as enn
import ember.nn.utils.parametrize as EP
import ember.nn.utils.prune as EPR
import ember.utils.checkpoint as ECK

LIBS = ((torch, tnn, TP, TPR, TCK), (ember, enn, EP, EPR, ECK))
RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float32, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def npy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach())


def close(t, e, rtol=1e-5, atol=1e-6):
    a, b = npy(t), npy(e)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(t.dtype) == str(e.dtype), (t.dtype, e.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def exact(t, e):
    a, b = npy(t), npy(e)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_array_equal(b, a)


def both(fn):
    """fn(lib, nn, parametrize, prune, checkpoint) for torch then ember; an exception
    becomes (class name, message)."""
    out = []
    for libs in LIBS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(fn(*libs))
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e)))
    return out


def same_error(r):
    t, e = r
    assert isinstance(t, tuple) and isinstance(e, tuple) and isinstance(t[0], str), r
    assert t[0] == e[0], r


def params_with_grads(lib, nn, specs):
    """Parameters (and their .grad) built from (value, grad) numpy pairs."""
    ps = []
    for value, grad in specs:
        p = nn.Parameter(lib.tensor(value))
        if grad is not None:
            p.grad = lib.tensor(grad)
        ps.append(p)
    return ps


W_SPECS = [(arr(5, 4), arr(5, 4, scale=3)), (arr(5), arr(5, scale=2)), (arr(2, 5), arr(2, 5)),
           (arr(2), None)]


# ------------------------------------------------------------------ clip_grad_norm_
@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3.0, 0.5, "2"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm(norm_type, max_norm):
    def f(lib, nn, *_):
        ps = params_with_grads(lib, nn, W_SPECS)
        total = nn.utils.clip_grad_norm_(ps, max_norm, norm_type=float(norm_type))
        return total, [p.grad for p in ps]
    (tt, tg), (et, eg) = both(f)
    close(tt, et)
    assert et.shape == () and isinstance(et, ember.Tensor)
    for a, b in zip(tg, eg):
        if a is None:
            assert b is None
        else:
            close(a, b)


def test_clip_grad_norm_generator_single_tensor_and_foreach():
    def f(lib, nn, *_):
        m = nn.Linear(4, 3)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(W_SPECS[0][0][:3]))
        m.weight.grad = lib.tensor(W_SPECS[0][1][:3])
        m.bias.grad = lib.tensor([3.0, 4.0, 0.0])
        t1 = nn.utils.clip_grad_norm_(m.parameters(), 1.0, foreach=True)
        p = nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([3.0, 4.0, 0.0])
        t2 = nn.utils.clip_grad_norm_(p, 1.0, foreach=False)
        return t1, m.weight.grad, m.bias.grad, t2, p.grad
    rt, re = both(f)
    for a, b in zip(rt, re):
        close(a, b)


def test_clip_grad_norm_exactly_matches_torch_scaling():
    # the coefficient is max_norm * reciprocal(total + 1e-6) in float32, applied in place
    g = arr(1000, scale=10)

    def f(lib, nn, *_):
        p = nn.Parameter(lib.zeros(1000))
        p.grad = lib.tensor(g)
        before = p.grad
        total = nn.utils.clip_grad_norm_([p], 0.7)
        assert p.grad is before  # in place
        return total, p.grad
    (tt, tg), (et, eg) = both(f)
    close(tt, et, rtol=1e-6)
    close(tg, eg, rtol=2e-6, atol=1e-9)


def test_clip_grad_norm_no_grads_and_empty():
    def f(lib, nn, *_):
        ps = [nn.Parameter(lib.ones(3)), nn.Parameter(lib.ones(2))]
        return nn.utils.clip_grad_norm_(ps, 1.0), [p.grad for p in ps]
    (tt, tg), (et, eg) = both(f)
    exact(tt, et)
    assert eg == [None, None]
    r = both(lambda lib, nn, *_: nn.utils.clip_grad_norm_([], 1.0))
    exact(*r)


def test_clip_grad_norm_nonfinite():
    def f(lib, nn, *_):
        p = nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([float("inf"), 1.0, 0.0])
        return nn.utils.clip_grad_norm_(p, 1.0), p.grad
    (tt, tg), (et, eg) = both(f)
    exact(tt, et)
    np.testing.assert_array_equal(npy(eg), npy(tg))

    def g(lib, nn, *_):
        p = nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([float("nan"), 1.0, 0.0])
        return nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    r = both(g)
    same_error(r)
    assert r[1][0] == "RuntimeError" and r[1][1] == r[0][1]


def test_clip_grad_norm_dtypes():
    for dt in ("float64", "float16", "bfloat16"):
        def f(lib, nn, *_):
            d = getattr(lib, dt)
            ps = [nn.Parameter(lib.tensor(v).to(d)) for v, _ in W_SPECS[:3]]
            for p, (_, g) in zip(ps, W_SPECS[:3]):
                p.grad = lib.tensor(g).to(d)
            total = nn.utils.clip_grad_norm_(ps, 0.9)
            return total.float(), [p.grad.float() for p in ps], str(total.dtype)
        (tt, tg, td), (et, eg, ed) = both(f)
        assert td == ed
        tol = 1e-6 if dt == "float64" else 1e-2
        close(tt, et, rtol=tol)
        for a, b in zip(tg, eg):
            close(a, b, rtol=tol, atol=1e-3 if dt != "float64" else 1e-9)


def test_clip_grad_norm_mixed_dtypes_promote():
    def f(lib, nn, *_):
        a = nn.Parameter(lib.zeros(3))
        b = nn.Parameter(lib.zeros(2, dtype=lib.float64))
        a.grad = lib.tensor([1.0, 2.0, 2.0])
        b.grad = lib.tensor([3.0, 4.0], dtype=lib.float64)
        return nn.utils.clip_grad_norm_([a, b], 1.0), a.grad, b.grad
    rt, re = both(f)
    for x, y in zip(rt, re):
        close(x, y)


def test_clip_grad_norm_deprecated_alias_warns():
    p = enn.Parameter(ember.zeros(2))
    p.grad = ember.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning):
        total = enn.utils.clip_grad_norm(p, 1.0)
    assert abs(total.item() - 5.0) < 1e-6


def test_clip_grad_norm_empty_generator_warns():
    with pytest.warns(UserWarning, match="empty generator"):
        enn.utils.clip_grad_norm_((p for p in []), 1.0)


# ------------------------------------------------------------------ get_total_norm / clip_grads_with_norm_
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    def f(lib, nn, *_):
        grads = [lib.tensor(g) for _, g in W_SPECS if g is not None]
        total = nn.utils.get_total_norm(grads, norm_type=norm_type, foreach=True)
        ps = params_with_grads(lib, nn, W_SPECS)
        nn.utils.clip_grads_with_norm_(ps, 0.25, total)
        return total, [p.grad for p in ps if p.grad is not None]
    (tt, tg), (et, eg) = both(f)
    close(tt, et)
    for a, b in zip(tg, eg):
        close(a, b)


def test_get_total_norm_single_tensor_and_error():
    r = both(lambda lib, nn, *_: nn.utils.get_total_norm(lib.tensor([3.0, 4.0])))
    close(*r)
    r = both(lambda lib, nn, *_: nn.utils.get_total_norm(
        [lib.tensor([float("inf")])], error_if_nonfinite=True))
    same_error(r)


# ------------------------------------------------------------------ clip_grad_value_
@pytest.mark.parametrize("clip", [0.5, 2, 1e-3])
def test_clip_grad_value(clip):
    def f(lib, nn, *_):
        ps = params_with_grads(lib, nn, W_SPECS)
        before = ps[0].grad
        ret = nn.utils.clip_grad_value_(ps, clip_value=clip)
        assert ps[0].grad is before
        return ret, [p.grad for p in ps if p.grad is not None]
    (tr, tg), (er, eg) = both(f)
    assert tr is None and er is None
    for a, b in zip(tg, eg):
        exact(a, b)


def test_clip_grad_value_nan_and_single_tensor():
    def f(lib, nn, *_):
        p = nn.Parameter(lib.zeros(4))
        p.grad = lib.tensor([float("nan"), -5.0, 0.25, 7.0])
        nn.utils.clip_grad_value_(p, 1.0, foreach=True)
        return p.grad
    t, e = both(f)
    np.testing.assert_array_equal(npy(e), npy(t))


def test_clip_in_training_loop_matches_torch():
    x, y = arr(8, 4), arr(8, 2)
    w1, b1, w2, b2 = arr(5, 4, scale=0.5), arr(5), arr(2, 5, scale=0.5), arr(2)

    def f(lib, nn, *_):
        m = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
        with lib.no_grad():
            for p, v in zip(m.parameters(), (w1, b1, w2, b2)):
                p.copy_(lib.tensor(v))
        norms = []
        for _ in range(4):
            for p in m.parameters():
                p.grad = None
            ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).sum().backward()
            norms.append(nn.utils.clip_grad_norm_(m.parameters(), max_norm=1.0).item())
            with lib.no_grad():
                for p in m.parameters():
                    p -= 0.1 * p.grad
        return norms, nn.utils.parameters_to_vector(m.parameters())
    (tn, tp), (en, ep) = both(f)
    np.testing.assert_allclose(en, tn, rtol=1e-5)
    close(tp, ep, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ convert_parameters
def test_parameters_to_vector_and_back():
    v1, v2 = arr(3, 2), arr(4)

    def f(lib, nn, *_):
        a, b = nn.Parameter(lib.tensor(v1)), nn.Parameter(lib.tensor(v2))
        vec = nn.utils.parameters_to_vector([a, b])
        (vec * lib.arange(10.0)).sum().backward()
        grads = (a.grad.clone(), b.grad.clone())
        new = lib.arange(10.0) * 0.5
        nn.utils.vector_to_parameters(new, [a, b])
        # the parameters now share new's memory
        new[0] = 42.0
        return vec, grads, a, b, isinstance(a, nn.Parameter), a.requires_grad
    (tv, tg, ta, tb, tp, tr), (ev, eg, ea, eb, ep, er) = both(f)
    close(tv, ev)
    close(tg[0], eg[0])
    close(tg[1], eg[1])
    exact(ta, ea)
    exact(tb, eb)
    assert tp == ep and tr == er
    assert ev.grad_fn is not None


def test_vector_to_parameters_type_error():
    r = both(lambda lib, nn, *_: nn.utils.vector_to_parameters([1.0], [nn.Parameter(lib.ones(1))]))
    same_error(r)
    assert r[1][0] == "TypeError"


# ------------------------------------------------------------------ parametrize
def _define(nn, lib):
    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):
        def __init__(self, s):
            super().__init__()
            self.s = s

        def forward(self, X):
            return X * self.s

        def right_inverse(self, A):
            return A / self.s

    class Counting(nn.Module):
        calls = 0

        def forward(self, X):
            type(self).calls += 1
            return X * 2

    class Split(nn.Module):  # right_inverse returns two tensors
        def forward(self, a, b):
            return a + b

        def right_inverse(self, X):
            return X * 0.25, X * 0.75

    class Pad(nn.Module):  # changes the shape: needs unsafe=True
        def forward(self, X):
            return lib.cat([X, X], dim=0)

    return Symmetric, Scale, Counting, Split, Pad


W44 = arr(4, 4)
X34 = arr(3, 4)


def _linear(lib, nn, w=W44, b=None):
    m = nn.Linear(w.shape[1], w.shape[0])
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w))
        m.bias.copy_(lib.tensor(b if b is not None else np.arange(w.shape[0], dtype=np.float32)))
    return m


def test_register_parametrization_forward_backward_state_dict():
    def f(lib, nn, P, *_):
        Symmetric, Scale, *_ = _define(nn, lib)
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "weight", Scale(3.0))
        y = m(lib.tensor(X34))
        y.sum().backward()
        keys = list(m.state_dict().keys())
        return (y, m.weight, m.parametrizations.weight.original,
                m.parametrizations.weight.original.grad, keys, type(m).__name__,
                P.is_parametrized(m), P.is_parametrized(m, "weight"), P.is_parametrized(m, "bias"),
                P.type_before_parametrizations(m).__name__, len(m.parametrizations.weight),
                [n for n, _ in m.named_parameters()])
    rt, re = both(f)
    for a, b in zip(rt[:4], re[:4]):
        close(a, b)
    assert rt[4:] == re[4:]


def test_parametrization_assignment_uses_right_inverse():
    def f(lib, nn, P, *_):
        Symmetric, Scale, *_ = _define(nn, lib)
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "weight", Scale(2.0))
        original = m.parametrizations.weight.original
        m.weight = lib.tensor(W44 + W44.T)
        assert m.parametrizations.weight.original is original
        return m.weight, original
    rt, re = both(f)
    close(rt[0], re[0])
    close(rt[1], re[1])


def test_parametrization_without_right_inverse_and_errors():
    def f(lib, nn, P, *_):
        _, _, Counting, *_ = _define(nn, lib)
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Counting())
        m.weight = lib.ones(4, 4)
    r = both(f)
    same_error(r)
    assert r[1][0] == "RuntimeError" and r[1][1] == r[0][1]

    def g(lib, nn, P, *_):
        *_, Pad = _define(nn, lib)
        P.register_parametrization(_linear(lib, nn), "weight", Pad())
    r = both(g)
    same_error(r)
    assert r[1][0] == "ValueError"

    r = both(lambda lib, nn, P, *_: P.register_parametrization(
        _linear(lib, nn), "nope", _define(nn, lib)[0]()))
    same_error(r)
    r = both(lambda lib, nn, P, *_: P.remove_parametrizations(_linear(lib, nn), "weight"))
    same_error(r)


def test_parametrization_unsafe_changes_shape():
    def f(lib, nn, P, *_):
        *_, Pad = _define(nn, lib)
        m = nn.Module()
        m.w = nn.Parameter(lib.tensor(X34))
        P.register_parametrization(m, "w", Pad(), unsafe=True)
        return m.w, m.parametrizations.w.unsafe
    rt, re = both(f)
    close(rt[0], re[0])
    assert rt[1] == re[1] is True


def test_parametrization_sequence_right_inverse():
    def f(lib, nn, P, *_):
        _, _, _, Split, _ = _define(nn, lib)
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Split())
        y = m(lib.tensor(X34)).sum()
        y.backward()
        pl = m.parametrizations.weight
        return (m.weight, pl.original0, pl.original1, pl.original0.grad,
                sorted(m.state_dict().keys()), pl.is_tensor, pl.ntensors)
    rt, re = both(f)
    for a, b in zip(rt[:4], re[:4]):
        close(a, b)
    assert rt[4:] == re[4:]


def test_parametrize_cached():
    def f(lib, nn, P, *_):
        _, _, Counting, *_ = _define(nn, lib)
        Counting.calls = 0
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Counting())
        n0 = Counting.calls
        m.weight
        m.weight
        n1 = Counting.calls
        with P.cached():
            a = m.weight
            b = m.weight
            with P.cached():
                c = m.weight
            d = m.weight
        n2 = Counting.calls
        m.weight
        return n0, n1 - n0, n2 - n1, Counting.calls - n2, a is b is c is d
    t, e = both(f)
    assert t == e
    assert e[2] == 1 and e[4] is True


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def f(lib, nn, P, *_):
        Symmetric, Scale, *_ = _define(nn, lib)
        m = _linear(lib, nn)
        cls = type(m)
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "bias", Scale(2.0))
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        mid = (type(m).__name__, sorted(m.state_dict().keys()))
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
        return (m.weight, m.bias, mid, type(m) is cls, isinstance(m.weight, nn.Parameter),
                hasattr(m, "parametrizations"), sorted(m.state_dict().keys()))
    rt, re = both(f)
    close(rt[0], re[0])
    close(rt[1], re[1])
    assert rt[2:] == re[2:]


def test_remove_parametrizations_sequence():
    def f(lib, nn, P, *_):
        _, _, _, Split, _ = _define(nn, lib)
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Split())
        P.remove_parametrizations(m, "weight")
        return m.weight, isinstance(m.weight, nn.Parameter), m.weight.is_leaf
    rt, re = both(f)
    close(rt[0], re[0])
    assert rt[1:] == re[1:]

    def g(lib, nn, P, *_):
        _, _, _, Split, _ = _define(nn, lib)
        m = _linear(lib, nn)
        P.register_parametrization(m, "weight", Split())
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
    same_error(both(g))


def test_parametrized_buffer_and_load_state_dict():
    def f(lib, nn, P, *_):
        _, Scale, *_ = _define(nn, lib)
        m = nn.Module()
        m.register_buffer("buf", lib.tensor(X34))
        P.register_parametrization(m, "buf", Scale(4.0))
        keys = list(m.state_dict().keys())
        m2 = nn.Module()
        m2.register_buffer("buf", lib.zeros(3, 4))
        P.register_parametrization(m2, "buf", Scale(4.0))
        m2.load_state_dict(m.state_dict())
        return m.buf, m2.buf, keys, list(m.named_buffers())[0][0]
    rt, re = both(f)
    close(rt[0], re[0])
    close(rt[1], re[1])
    assert rt[2:] == re[2:]


def test_transfer_parametrizations_and_params():
    def f(lib, nn, P, *_):
        _, Scale, *_ = _define(nn, lib)
        a = _linear(lib, nn)
        P.register_parametrization(a, "weight", Scale(3.0))
        b = _linear(lib, nn, w=np.zeros((4, 4), np.float32))
        P.transfer_parametrizations_and_params(a, b)
        return b.weight, b.parametrizations.weight.original is a.parametrizations.weight.original
    rt, re = both(f)
    close(rt[0], re[0])
    assert rt[1] == re[1]


def test_parametrized_module_deepcopy_and_pickle():
    import copy
    import pickle
    Symmetric = _define(enn, ember)[0]
    m = _linear(ember, enn)
    EP.register_parametrization(m, "weight", Symmetric())
    m2 = copy.deepcopy(m)
    np.testing.assert_allclose(npy(m2.weight), npy(m.weight))
    assert m2.parametrizations.weight.original is not m.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="state_dict"):
        pickle.dumps(m)


# ------------------------------------------------------------------ parametrizations.weight_norm
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_parametrization(dim):
    w = arr(5, 4)

    def f(lib, nn, P, *_):
        m = _linear(lib, nn, w=w)
        nn.utils.parametrizations.weight_norm(m, dim=dim)
        y = m(lib.tensor(X34))
        (y ** 2).sum().backward()
        pl = m.parametrizations.weight
        return (y, m.weight, pl.original0, pl.original1, pl.original0.grad, pl.original1.grad,
                list(m.state_dict().keys()))
    rt, re = both(f)
    for a, b in zip(rt[:6], re[:6]):
        close(a, b, rtol=1e-5, atol=1e-5)
    assert rt[6] == re[6]


def test_weight_norm_parametrization_loads_legacy_state_dict():
    w = arr(5, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        legacy = tnn.utils.weight_norm(_linear(torch, tnn, w=w))
    sd = {k: v.detach().numpy() for k, v in legacy.state_dict().items()}
    assert set(sd) == {"weight_g", "weight_v", "bias"}

    def f(lib, nn, *_):
        m = nn.utils.parametrizations.weight_norm(nn.Linear(4, 5))
        m.load_state_dict({k: lib.tensor(v) for k, v in sd.items()})
        return m.weight, m.parametrizations.weight.original0
    rt, re = both(f)
    close(rt[0], re[0])
    close(rt[1], re[1])


# ------------------------------------------------------------------ legacy weight_norm
@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm(dim):
    w = arr(5, 4)

    def f(lib, nn, *_):
        m = _linear(lib, nn, w=w)
        nn.utils.weight_norm(m, dim=dim)
        keys = list(m.state_dict().keys())
        names = [n for n, _ in m.named_parameters()]
        y = m(lib.tensor(X34))
        (y ** 2).sum().backward()
        out = (y, m.weight_g, m.weight_v, m.weight_g.grad, m.weight_v.grad, keys, names)
        nn.utils.remove_weight_norm(m)
        return out + (m.weight, [n for n, _ in m.named_parameters()])
    rt, re = both(f)
    for i in (0, 1, 2, 3, 4, 7):
        close(rt[i], re[i], atol=1e-5)
    assert rt[5] == re[5] and rt[6] == re[6] and rt[8] == re[8]


def test_legacy_weight_norm_errors_and_warning():
    m = _linear(ember, enn)
    with pytest.warns(FutureWarning):
        enn.utils.weight_norm(m)
    r = both(lambda lib, nn, *_: nn.utils.weight_norm(nn.utils.weight_norm(_linear(lib, nn))))
    same_error(r)
    r = both(lambda lib, nn, *_: nn.utils.remove_weight_norm(_linear(lib, nn)))
    same_error(r)
    assert r[1][0] == "ValueError"


# ------------------------------------------------------------------ spectral_norm
@pytest.mark.parametrize("n_iter,dim", [(1, 0), (3, 0), (2, 1)])
def test_spectral_norm_parametrization_seeded(n_iter, dim):
    w = arr(6, 4)

    def f(lib, nn, *_):
        lib.manual_seed(7)
        m = _linear(lib, nn, w=w)
        nn.utils.parametrizations.spectral_norm(m, n_power_iterations=n_iter, dim=dim)
        sn = m.parametrizations.weight[0]
        u0, v0 = sn._u.clone(), sn._v.clone()
        outs = []
        for _ in range(2):
            y = m(lib.tensor(X34))
            outs.append(y)
        (outs[-1] ** 2).sum().backward()
        grad = m.parametrizations.weight.original.grad
        m.eval()
        ye = m(lib.tensor(X34))
        return (u0, v0, outs[0], outs[1], grad, sn._u, sn._v, ye,
                sorted(m.state_dict().keys()))
    rt, re = both(f)
    for a, b in zip(rt[:8], re[:8]):
        close(a, b, rtol=1e-4, atol=1e-5)
    assert rt[8] == re[8]


def test_spectral_norm_parametrization_conv_like_and_errors():
    w = arr(3, 2, 2, 2)

    def f(lib, nn, *_):
        lib.manual_seed(1)
        m = nn.Module()
        m.weight = nn.Parameter(lib.tensor(w))
        nn.utils.parametrizations.spectral_norm(m)
        return m.weight, m.parametrizations.weight[0]._u
    rt, re = both(f)
    close(rt[0], re[0], rtol=1e-4)
    close(rt[1], re[1], rtol=1e-4)

    w1 = arr(5)

    def g(lib, nn, *_):
        m = nn.Module()
        m.weight = nn.Parameter(lib.tensor(w1))
        nn.utils.parametrizations.spectral_norm(m)
        return m.weight
    rt, re = both(g)
    close(rt, re)
    same_error(both(lambda lib, nn, *_: nn.utils.parametrizations.spectral_norm(
        _linear(lib, nn), dim=2)))
    same_error(both(lambda lib, nn, *_: nn.utils.parametrizations.spectral_norm(
        _linear(lib, nn), n_power_iterations=0)))
    same_error(both(lambda lib, nn, *_: nn.utils.parametrizations.spectral_norm(
        _linear(lib, nn), name="nope")))


def test_legacy_spectral_norm():
    w = arr(6, 4)

    def f(lib, nn, *_):
        lib.manual_seed(11)
        m = _linear(lib, nn, w=w)
        nn.utils.spectral_norm(m, n_power_iterations=2)
        u0 = m.weight_u.clone()
        keys = sorted(m.state_dict().keys())
        names = sorted(n for n, _ in m.named_parameters())
        bufs = sorted(n for n, _ in m.named_buffers())
        y = m(lib.tensor(X34))
        (y ** 2).sum().backward()
        out = (u0, y, m.weight_orig.grad, m.weight_u, m.weight_v, keys, names, bufs)
        nn.utils.remove_spectral_norm(m)
        return out + (m.weight, sorted(m.state_dict().keys()))
    rt, re = both(f)
    for i in (0, 1, 2, 3, 4, 8):
        close(rt[i], re[i], rtol=1e-4, atol=1e-5)
    assert rt[5:8] == re[5:8] and rt[9] == re[9]
    r = both(lambda lib, nn, *_: nn.utils.remove_spectral_norm(_linear(lib, nn)))
    same_error(r)


def test_legacy_spectral_norm_state_dict_roundtrip():
    def f(lib, nn, *_):
        lib.manual_seed(2)
        m = nn.utils.spectral_norm(_linear(lib, nn))
        m(lib.tensor(X34))
        sd = m.state_dict()
        lib.manual_seed(3)
        m2 = nn.utils.spectral_norm(_linear(lib, nn, w=np.zeros((4, 4), np.float32)))
        m2.load_state_dict(sd)
        m2.eval()
        return m2(lib.tensor(X34)), m2.weight_v
    rt, re = both(f)
    close(rt[0], re[0], rtol=1e-4, atol=1e-5)
    close(rt[1], re[1], rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ orthogonal
@pytest.mark.parametrize("shape,omap", [((4, 4), None), ((5, 3), None), ((3, 5), None),
                                        ((4, 4), "cayley"), ((5, 3), "matrix_exp"),
                                        ((3, 5), "cayley"), ((4, 4), "householder")])
def test_orthogonal(shape, omap):
    def f(lib, nn, *_):
        lib.manual_seed(5)
        m = nn.Linear(shape[1], shape[0])
        nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap)
        x = lib.randn(6, shape[1])
        y = m(x)
        (y ** 2).sum().backward()
        w = m.weight
        gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
        return y, w, m.parametrizations.weight.original.grad, gram, sorted(m.state_dict().keys())
    rt, re = both(f)
    for a, b in zip(rt[:3], re[:3]):
        close(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(npy(re[3]), np.eye(min(shape)), atol=1e-5)
    assert rt[4] == re[4]


def test_orthogonal_no_trivialization_householder_and_errors():
    w = arr(5, 3)

    def f(lib, nn, *_):
        m = _linear(lib, nn, w=w, b=np.zeros(5, np.float32))
        nn.utils.parametrizations.orthogonal(m, use_trivialization=False)
        y = m(lib.tensor(np.ones((2, 3), np.float32)))
        y.sum().backward()
        return m.weight, m.parametrizations.weight.original, m.parametrizations.weight.original.grad
    rt, re = both(f)
    for a, b in zip(rt, re):
        close(a, b, rtol=1e-4, atol=1e-5)
    same_error(both(lambda lib, nn, *_: nn.utils.parametrizations.orthogonal(
        _linear(lib, nn), orthogonal_map="nope")))

    # registering swallows the NotImplementedError of right_inverse; assigning raises it
    def h(lib, nn, *_):
        m = nn.utils.parametrizations.orthogonal(_linear(lib, nn), use_trivialization=False,
                                                 orthogonal_map="cayley")
        w = m.weight
        m.weight = lib.eye(4)
        return w
    r = both(h)
    same_error(r)
    assert r[1][0] == "NotImplementedError"

    def g(lib, nn, *_):
        m = nn.Module()
        m.w = nn.Parameter(lib.ones(3))
        nn.utils.parametrizations.orthogonal(m, "w")
    same_error(both(g))


def test_orthogonal_assignment():
    q, _ = np.linalg.qr(arr(4, 4).astype(np.float64))
    q = q.astype(np.float32)

    def f(lib, nn, *_):
        m = nn.utils.parametrizations.orthogonal(_linear(lib, nn))
        m.weight = lib.tensor(q)
        return m.weight
    rt, re = both(f)
    close(rt, re, atol=1e-5)
    np.testing.assert_allclose(npy(re), q, atol=1e-5)


# ------------------------------------------------------------------ prune
def _prune_model(lib, nn):
    m = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4))
    with lib.no_grad():
        for p, v in zip(m.parameters(), PRUNE_VALUES):
            p.copy_(lib.tensor(v))
    return m


PRUNE_VALUES = [arr(5, 6), arr(5), arr(4, 5), arr(4)]


def _prune_result(lib, m, name="weight"):
    x = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(2, 6))
    y = m(x)
    y.sum().backward()
    sub = m[0]
    return (y, getattr(sub, name + "_mask"), getattr(sub, name), getattr(sub, name + "_orig").grad,
            sorted(m.state_dict().keys()), sorted(n for n, _ in m.named_parameters()))


@pytest.mark.parametrize("how", ["identity", "random_unstructured", "l1_unstructured",
                                 "l1_int", "random_structured", "ln_structured", "ln_inf",
                                 "custom", "l1_scores"])
def test_prune_methods(how):
    mask = (np.arange(30).reshape(5, 6) % 3 != 0).astype(np.float32)
    scores = np.abs(arr(5, 6))

    def f(lib, nn, P, PR, *_):
        lib.manual_seed(3)
        m = _prune_model(lib, nn)
        sub = m[0]
        ret = {
            "identity": lambda: PR.identity(sub, "weight"),
            "random_unstructured": lambda: PR.random_unstructured(sub, "weight", amount=0.4),
            "l1_unstructured": lambda: PR.l1_unstructured(sub, "weight", amount=0.3),
            "l1_int": lambda: PR.l1_unstructured(sub, name="weight", amount=7),
            "random_structured": lambda: PR.random_structured(sub, "weight", amount=2, dim=0),
            "ln_structured": lambda: PR.ln_structured(sub, "weight", amount=0.5, n=2, dim=1),
            "ln_inf": lambda: PR.ln_structured(sub, "weight", amount=1, n=float("inf"), dim=0),
            "custom": lambda: PR.custom_from_mask(sub, "weight", mask=lib.tensor(mask)),
            "l1_scores": lambda: PR.l1_unstructured(sub, "weight", amount=0.5,
                                                    importance_scores=lib.tensor(scores)),
        }[how]()
        assert ret is sub
        return _prune_result(lib, m) + (PR.is_pruned(m),)
    rt, re = both(f)
    for a, b in zip(rt[:4], re[:4]):
        close(a, b)
    assert rt[4:] == re[4:]


def test_prune_iterative_container_and_remove():
    def f(lib, nn, P, PR, *_):
        lib.manual_seed(4)
        m = _prune_model(lib, nn)
        sub = m[0]
        PR.l1_unstructured(sub, "weight", amount=0.2)
        PR.random_structured(sub, "weight", amount=1, dim=1)
        PR.ln_structured(sub, "weight", amount=1, n=1, dim=0)
        PR.random_unstructured(sub, "weight", amount=3)
        hooks = [type(h).__name__ for h in sub._forward_pre_hooks.values()]
        container = list(sub._forward_pre_hooks.values())[0]
        kinds = [type(x).__name__ for x in container]
        PR.l1_unstructured(sub, "bias", amount=2)
        res = _prune_result(lib, m)
        PR.remove(sub, "weight")
        after = (sub.weight, isinstance(sub.weight, nn.Parameter), sorted(m.state_dict().keys()),
                 PR.is_pruned(m))
        PR.remove(sub, "bias")
        return res + (hooks, kinds) + after + (PR.is_pruned(m),)
    rt, re = both(f)
    for a, b in zip(rt[:4], re[:4]):
        close(a, b)
    assert rt[4:8] == re[4:8]
    close(rt[8], re[8])
    assert rt[9:] == re[9:]


def test_global_unstructured():
    def f(lib, nn, P, PR, *_):
        lib.manual_seed(0)
        m = _prune_model(lib, nn)
        PR.l1_unstructured(m[2], "weight", amount=3)
        params = [(m[0], "weight"), (m[0], "bias"), (m[2], "weight")]
        PR.global_unstructured(params, pruning_method=PR.L1Unstructured, amount=0.4)
        masks = [m[0].weight_mask, m[0].bias_mask, m[2].weight_mask]
        PR.global_unstructured([(m[2], "bias")], PR.RandomUnstructured, amount=2)
        return masks + [m[2].bias_mask, m[0].weight, sorted(m.state_dict().keys())]
    rt, re = both(f)
    for a, b in zip(rt[:-1], re[:-1]):
        close(a, b)
    assert rt[-1] == re[-1]
    r = both(lambda lib, nn, P, PR, *_: PR.global_unstructured(
        [(_prune_model(lib, nn)[0], "weight")], PR.RandomStructured, amount=1))
    same_error(r)
    assert r[1][0] == "TypeError"


def test_prune_errors():
    cases = [
        lambda lib, nn, P, PR, *_: PR.l1_unstructured(_prune_model(lib, nn)[0], "weight",
                                                      amount=1.5),
        lambda lib, nn, P, PR, *_: PR.l1_unstructured(_prune_model(lib, nn)[0], "weight",
                                                      amount=-1),
        lambda lib, nn, P, PR, *_: PR.l1_unstructured(_prune_model(lib, nn)[0], "weight",
                                                      amount=100),
        lambda lib, nn, P, PR, *_: PR.l1_unstructured(_prune_model(lib, nn)[0], "weight",
                                                      amount="a"),
        lambda lib, nn, P, PR, *_: PR.random_structured(_prune_model(lib, nn)[0], "bias",
                                                        amount=1, dim=0),
        lambda lib, nn, P, PR, *_: PR.random_structured(_prune_model(lib, nn)[0], "weight",
                                                        amount=1, dim=3),
        lambda lib, nn, P, PR, *_: PR.remove(_prune_model(lib, nn)[0], "weight"),
    ]
    for c in cases:
        r = both(c)
        same_error(r)

    # a failed pruning leaves the module as it was
    m = _prune_model(ember, enn)
    with pytest.raises(ValueError):
        EPR.l1_unstructured(m[0], "weight", amount=100)
    assert "weight" in m[0]._parameters and "weight_orig" not in m[0]._parameters


def test_prune_method_prune_helper():
    t = arr(3, 4)

    def f(lib, nn, P, PR, *_):
        return PR.L1Unstructured(amount=0.5).prune(lib.tensor(t))
    close(*both(f))


# ------------------------------------------------------------------ fusion
def test_fuse_bn_weights_and_eval():
    w, b = arr(4, 3), arr(4)
    rm, rv, bw, bb = arr(4), np.abs(arr(4)) + 0.5, arr(4), arr(4)
    cw = arr(4, 2, 3, 3)
    cwt = arr(2, 4, 3, 3)

    def f(lib, nn, *_):
        t = lib.tensor
        lw, lb = nn.utils.fuse_linear_bn_weights(t(w), t(b), t(rm), t(rv), 1e-5, t(bw), t(bb))
        cw_, cb_ = nn.utils.fuse_conv_bn_weights(t(cw), None, t(rm), t(rv), 1e-3, None, t(bb))
        tw, tb = nn.utils.fuse_conv_bn_weights(t(cwt), t(b), t(rm), t(rv), 1e-3, t(bw), t(bb),
                                               transpose=True)

        class FakeBN(nn.Module):  # the attributes fuse_linear_bn_eval reads
            def __init__(self):
                super().__init__()
                self.num_features = 4
                self.eps = 1e-5
                self.weight = nn.Parameter(t(bw))
                self.bias = nn.Parameter(t(bb))
                self.register_buffer("running_mean", t(rm))
                self.register_buffer("running_var", t(rv))

        lin = _linear(lib, nn, w=w, b=b).eval()
        fused = nn.utils.fuse_linear_bn_eval(lin, FakeBN().eval())
        assert fused is not lin and isinstance(fused.weight, nn.Parameter)
        err = None
        try:
            nn.utils.fuse_linear_bn_eval(lin.train(), FakeBN())
        except AssertionError as e:
            err = str(e)
        return lw, lb, cw_, cb_, fused.weight, fused.bias, tw, tb, err
    rt, re = both(f)
    for a, b_ in zip(rt[:8], re[:8]):
        close(a, b_)
    assert rt[8] == re[8] == "Fusion only for eval!"


# ------------------------------------------------------------------ stateless
def test_stateless_functional_call():
    w = arr(4, 4)

    def f(lib, nn, *_):
        m = _linear(lib, nn)
        out = nn.utils.stateless.functional_call(m, {"weight": lib.tensor(w)},
                                                 (lib.tensor(X34),))
        return out, m.weight
    rt, re = both(f)
    close(rt[0], re[0])
    close(rt[1], re[1])
    with pytest.warns(FutureWarning):
        enn.utils.stateless.functional_call(_linear(ember, enn), {}, (ember.ones(1, 4),))


# ------------------------------------------------------------------ checkpoint
CW = [arr(8, 4, scale=0.5), arr(8), arr(3, 8, scale=0.5), arr(3)]
CX = arr(5, 4)


def _ck_model(lib, nn, dropout=True):
    layers = [nn.Linear(4, 8), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    layers.append(nn.Linear(8, 3))
    m = nn.Sequential(*layers)
    with lib.no_grad():
        for p, v in zip(m.parameters(), CW):
            p.copy_(lib.tensor(v))
    return m


def _grads(m):
    return [p.grad for p in m.parameters()]


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_matches_plain_and_torch(reentrant):
    def run(lib, nn, P, PR, CK, use_ckpt):
        lib.manual_seed(0)
        m = _ck_model(lib, nn)
        x = lib.tensor(CX, requires_grad=True)
        h = x * 2
        y = CK.checkpoint(m, h, use_reentrant=reentrant) if use_ckpt else m(h)
        after = lib.rand(3)  # the RNG stream continues as without checkpointing
        (y ** 2).sum().backward()
        return [y, x.grad, after] + _grads(m)

    plain = both(lambda *a: run(*a, False))
    ck = both(lambda *a: run(*a, True))
    for t_plain, t_ck, e_plain, e_ck in zip(plain[0], ck[0], plain[1], ck[1]):
        close(t_plain, t_ck)
        close(t_ck, e_ck)
        close(e_plain, e_ck, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_preserve_rng_state_false(reentrant):
    # without the saved RNG state the recomputed dropout mask differs: gradients differ
    def run(lib, nn, P, PR, CK):
        lib.manual_seed(0)
        m = _ck_model(lib, nn)
        x = lib.tensor(CX, requires_grad=True)
        y = CK.checkpoint(m, x, use_reentrant=reentrant, preserve_rng_state=False)
        (y ** 2).sum().backward()
        return [y, x.grad] + _grads(m)
    rt, re = both(run)
    for a, b in zip(rt, re):
        close(a, b)


def test_checkpoint_input_without_grad():
    # non-reentrant: parameters still get gradients; reentrant: nothing (and a warning)
    def run(lib, nn, P, PR, CK, reentrant):
        m = _ck_model(lib, nn, dropout=False)
        y = CK.checkpoint(m, lib.tensor(CX), use_reentrant=reentrant)
        if y.requires_grad:
            y.sum().backward()
        return y.requires_grad, _grads(m)
    rt, re = both(lambda *a: run(*a, False))
    assert rt[0] is re[0] is True
    for a, b in zip(rt[1], re[1]):
        close(a, b)
    rt, re = both(lambda *a: run(*a, True))
    assert rt[0] is re[0] is False
    assert all(g is None for g in re[1])
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        ECK.checkpoint(_ck_model(ember, enn), ember.tensor(CX), use_reentrant=True)


def test_checkpoint_multiple_outputs_kwargs_and_autograd_grad():
    def fn(a, b, scale=1.0):
        return (a * b).tanh() * scale, a.exp(), 3

    def run(lib, nn, P, PR, CK):
        a = lib.tensor(CX, requires_grad=True)
        b = lib.tensor(CX[::-1].copy(), requires_grad=True)
        o1, o2, k = CK.checkpoint(fn, a, b, scale=2.0, use_reentrant=False)
        ga, gb = lib.autograd.grad((o1 * o2).sum(), (a, b))
        o1, o2, _ = CK.checkpoint(fn, a, b, use_reentrant=False)
        o1.sum().backward(inputs=[b])
        return o1, o2, k, ga, gb, b.grad, a.grad
    rt, re = both(run)
    for i in (0, 1, 3, 4, 5):
        close(rt[i], re[i])
    assert rt[2] == re[2] == 3 and rt[6] is None and re[6] is None


def test_checkpoint_reentrant_rejects_autograd_grad_and_kwargs():
    def run(lib, nn, P, PR, CK):
        x = lib.tensor(CX, requires_grad=True)
        y = CK.checkpoint(lambda t: t.sin(), x, use_reentrant=True)
        return lib.autograd.grad(y.sum(), x)
    r = both(run)
    same_error(r)
    assert r[1][0] == "RuntimeError" and r[1][1] == r[0][1]

    r = both(lambda lib, nn, P, PR, CK: CK.checkpoint(
        lambda t, s: t * s, lib.ones(2), s=2.0, use_reentrant=True))
    same_error(r)
    assert r[1][0] == "ValueError" and r[1][1] == r[0][1]
    r = both(lambda lib, nn, P, PR, CK: CK.checkpoint(
        lambda t: t, lib.ones(2), use_reentrant=False, determinism_check="bad"))
    same_error(r)


def test_checkpoint_captured_activation_and_nested():
    # a tensor computed outside the region and used inside it (not an argument)
    def run(lib, nn, P, PR, CK):
        x = lib.tensor(CX, requires_grad=True)
        w = lib.tensor(CW[0], requires_grad=True)
        h = (x * 3).sin()

        def inner(t):
            return (t @ w.T).relu()

        def outer(t):
            return CK.checkpoint(inner, t * h.sum(), use_reentrant=False).sum(1)

        y = CK.checkpoint(outer, x, use_reentrant=False)
        y.pow(2).sum().backward()
        return y, x.grad, w.grad
    rt, re = both(run)
    for a, b in zip(rt, re):
        close(a, b, rtol=1e-5, atol=1e-5)


def test_checkpoint_backward_twice_and_no_grad():
    x = ember.tensor(CX, requires_grad=True)
    y = ECK.checkpoint(lambda t: t.sin() * 2, x, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 4 * np.cos(CX), rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    with ember.no_grad():
        z = ECK.checkpoint(lambda t: t * 2, x, use_reentrant=False)
    assert not z.requires_grad


def test_checkpoint_use_reentrant_default_warns():
    x = ember.tensor(CX, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant"):
        y = ECK.checkpoint(lambda t: t * 2, x)
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), np.full_like(CX, 2.0))


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential(reentrant, segments):
    def run(lib, nn, P, PR, CK, use_ckpt):
        lib.manual_seed(1)
        m = _ck_model(lib, nn)
        x = lib.tensor(CX, requires_grad=True)
        if use_ckpt:
            y = CK.checkpoint_sequential(m, segments, x, use_reentrant=reentrant)
        else:
            y = m(x)
        (y ** 2).sum().backward()
        return [y, x.grad] + _grads(m)
    plain = both(lambda *a: run(*a, False))
    ck = both(lambda *a: run(*a, True))
    for t_plain, t_ck, e_ck in zip(plain[0], ck[0], ck[1]):
        close(t_plain, t_ck)
        close(t_ck, e_ck)
    r = both(lambda lib, nn, P, PR, CK: CK.checkpoint_sequential(
        _ck_model(lib, nn), 2, lib.ones(1, 4), use_reentrant=True, bad=1))
    same_error(r)


# ------------------------------------------------------------------ misc
def test_module_layout():
    import ember.nn.utils as U
    for name in ("clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
                 "parameters_to_vector", "vector_to_parameters", "weight_norm",
                 "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
                 "fuse_conv_bn_eval", "fuse_linear_bn_eval", "parametrize", "parametrizations",
                 "stateless", "skip_init"):
        assert hasattr(U, name), name
    assert U.prune is EPR
    assert enn.utils is U
    assert isinstance(ECK.CheckpointError("x"), RuntimeError)
    assert math.isclose(U.clip_grad.get_total_norm([ember.tensor([3.0, 4.0])]).item(), 5.0)


def test_fuse_conv_bn_eval_and_linear_bn_eval_modules():
    cw, cb = arr(4, 2, 3, 3, scale=0.3), arr(4)
    rm, rv, bw, bb = arr(4), np.abs(arr(4)) + 0.5, arr(4), arr(4)
    x_img, x_vec = arr(2, 2, 5, 5), arr(3, 3)
    lw, lb = arr(4, 3), arr(4)

    def f(lib, nn, *_):
        t = lib.tensor
        conv = nn.Conv2d(2, 4, 3, padding=1)
        bn = nn.BatchNorm2d(4)
        lin = nn.Linear(3, 4)
        bn1 = nn.BatchNorm1d(4)
        with lib.no_grad():
            conv.weight.copy_(t(cw))
            conv.bias.copy_(t(cb))
            lin.weight.copy_(t(lw))
            lin.bias.copy_(t(lb))
            for b in (bn, bn1):
                b.running_mean.copy_(t(rm))
                b.running_var.copy_(t(rv))
                b.weight.copy_(t(bw))
                b.bias.copy_(t(bb))
        conv.eval(), bn.eval(), lin.eval(), bn1.eval()
        fc = nn.utils.fuse_conv_bn_eval(conv, bn)
        fl = nn.utils.fuse_linear_bn_eval(lin, bn1)
        xi, xv = t(x_img), t(x_vec)
        return (fc(xi), bn(conv(xi)), fl(xv), bn1(lin(xv)), fc.weight, fc.bias,
                type(fc).__name__, fc is conv)
    rt, re = both(f)
    for a, b in zip(rt[:6], re[:6]):
        close(a, b, rtol=1e-4, atol=1e-5)
    close(re[0], re[1], rtol=1e-4, atol=1e-5)
    close(re[2], re[3], rtol=1e-4, atol=1e-5)
    assert rt[6:] == re[6:]


def test_spectral_norm_conv_transpose_uses_dim_1():
    w = arr(3, 5, 2, 2)

    def f(lib, nn, *_):
        lib.manual_seed(9)
        m = nn.ConvTranspose2d(3, 5, 2)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
        nn.utils.parametrizations.spectral_norm(m)
        sn = m.parametrizations.weight[0]
        return sn.dim, sn._u, sn._v, m.weight
    rt, re = both(f)
    assert rt[0] == re[0] == 1
    for a, b in zip(rt[1:], re[1:]):
        close(a, b, rtol=1e-4, atol=1e-5)
