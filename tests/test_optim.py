"""ember.optim compared against real PyTorch: every optimizer's parameter
trajectory and state under the same gradients (float32 and float64, several
option combinations), parameter groups, zero_grad, step(closure), state_dict
structure and loading in both directions, constructor errors, step and
state_dict hooks, and repr."""
import copy
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
import torch.optim as toptim
from ember.optim import optimizer as eopt_mod
from torch.optim import optimizer as topt_mod

SHAPES = [(3, 4), (5,), (), (2, 3, 2)]
TOL = {np.float32: dict(rtol=1e-6, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}

# every optimizer with several option combinations: (class name, options)
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.9), weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, alpha=0.3, momentum=0.5, centered=True, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, betas=(0.5, 0.9))),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
]
ALL_NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
             "ASGD", "Rprop", "LBFGS", "SparseAdam"]


# ---------------------------------------------------------------------- helpers
def npy(t):
    return np.array(t.detach().numpy())


def to_ember(obj):
    """A PyTorch object (state_dict, tensor, list...) with its tensors as Ember tensors."""
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: to_ember(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_ember(v) for v in obj)
    return obj


def to_torch(obj):
    if isinstance(obj, ember.Tensor):
        return torch.tensor(npy(obj))
    if isinstance(obj, dict):
        return {k: to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v) for v in obj)
    return obj


def same_value(t, e, tol):
    """Equal structure; tensors equal in dtype, shape and value."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), (t, e)
        assert str(t.dtype) == str(e.dtype) and tuple(t.shape) == tuple(e.shape), (t, e)
        np.testing.assert_allclose(npy(e), npy(t), **tol)
    elif isinstance(t, dict):
        assert list(t.keys()) == list(e.keys()), (list(t.keys()), list(e.keys()))
        for k in t:
            same_value(t[k], e[k], tol)
    elif isinstance(t, (list, tuple)):
        assert type(t) is type(e) and len(t) == len(e)
        for a, b in zip(t, e):
            same_value(a, b, tol)
    elif isinstance(t, float):
        assert isinstance(e, float) and np.isclose(t, e, rtol=tol["rtol"], atol=tol["atol"]), (t, e)
    else:
        assert t == e, (t, e)


def make_params(dtype, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    tp = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    ep = [ember.nn.Parameter(ember.tensor(a.copy())) for a in init]
    return tp, ep


class Grads:
    """A deterministic stream of gradients, given identically to both frameworks."""

    def __init__(self, dtype, seed=1):
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype

    def feed(self, tps, eps):
        for t, e in zip(tps, eps):
            g = self.rng.standard_normal(tuple(t.shape)).astype(self.dtype)
            t.grad = torch.tensor(g.copy())
            e.grad = ember.tensor(g.copy())


def assert_params(tps, eps, tol):
    for t, e in zip(tps, eps):
        assert str(t.dtype) == str(e.dtype)
        np.testing.assert_allclose(npy(e), npy(t), **tol)


def assert_state(topt, eopt, tps, eps, tol):
    for t, e in zip(tps, eps):
        same_value(topt.state[t], eopt.state[e], tol)


def run_both(topt, eopt, tps, eps, grads, steps, tol):
    for _ in range(steps):
        grads.feed(tps, eps)
        topt.step()
        eopt.step()
        assert_params(tps, eps, tol)


# ---------------------------------------------------------------------- trajectories
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kw", CASES, ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_trajectory_and_state(name, kw, dtype):
    tps, eps = make_params(dtype)
    topt = getattr(toptim, name)(tps, **kw)
    eopt = getattr(eoptim, name)(eps, **kw)
    run_both(topt, eopt, tps, eps, Grads(dtype), 25, TOL[dtype])
    assert_state(topt, eopt, tps, eps, TOL[dtype])
    assert eps[0]._version > 0


COMPLEX_CASES = [("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)), ("Adam", dict(lr=0.05, amsgrad=True)),
                 ("RMSprop", dict(centered=True, momentum=0.5)), ("Adagrad", dict(initial_accumulator_value=0.2)),
                 ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("ASGD", dict(t0=3)),
                 ("Rprop", {})]


@pytest.mark.parametrize("name,kw", COMPLEX_CASES)
def test_complex_parameters(name, kw):
    rng = np.random.default_rng(3)
    init = [(rng.standard_normal(s) + 1j * rng.standard_normal(s)).astype(np.complex128) for s in [(3,), ()]]
    tps = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    eps = [ember.nn.Parameter(ember.tensor(a.copy())) for a in init]
    topt, eopt = getattr(toptim, name)(tps, **kw), getattr(eoptim, name)(eps, **kw)
    for _ in range(10):
        for t, e in zip(tps, eps):
            g = rng.standard_normal(t.shape) + 1j * rng.standard_normal(t.shape)
            t.grad, e.grad = torch.tensor(g), ember.tensor(g)
        topt.step()
        eopt.step()
    assert_params(tps, eps, TOL[np.float64])
    assert_state(topt, eopt, tps, eps, TOL[np.float64])


def test_tensor_lr_and_betas():
    tps, eps = make_params(np.float32)
    topt = toptim.Adam(tps, lr=torch.tensor(0.01), betas=(torch.tensor(0.8), torch.tensor(0.9)))
    eopt = eoptim.Adam(eps, lr=ember.tensor(0.01), betas=(ember.tensor(0.8), ember.tensor(0.9)))
    run_both(topt, eopt, tps, eps, Grads(np.float32), 5, TOL[np.float32])


def test_float64_default_dtype_scalar_state():
    old = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        p = ember.nn.Parameter(ember.ones(3, dtype=ember.float32))
        for cls in (eoptim.Adam, eoptim.ASGD, eoptim.NAdam):
            opt = cls([p])
            p.grad = ember.ones(3, dtype=ember.float32)
            opt.step()
            st = opt.state[p]
            assert st["step"].dtype == ember.float64
            assert all(st[k].dtype == ember.float64 for k in ("eta", "mu", "mu_product") if k in st)
    finally:
        ember.set_default_dtype(old)
    p = ember.nn.Parameter(ember.ones(3))
    opt = eoptim.Adam([p])
    p.grad = ember.ones(3)
    opt.step()
    assert opt.state[p]["step"].dtype == ember.float32 and opt.state[p]["step"].dim() == 0


# ---------------------------------------------------------------------- LBFGS
def _lbfgs_problem(dtype):
    rng = np.random.default_rng(7)
    m = rng.standard_normal((9, 9))
    H = (m @ m.T / 9 + np.eye(9)).astype(dtype)
    b = rng.standard_normal(9).astype(dtype)

    def lossgrad(flat):
        # a convex quadratic plus a quartic term: well conditioned, not quadratic
        loss = 0.5 * flat @ H @ flat - b @ flat + 0.05 * (flat ** 4).sum()
        return loss, H @ flat - b + 0.2 * flat ** 3
    return lossgrad


LBFGS_CASES = [(dict(), np.float64), (dict(line_search_fn="strong_wolfe"), np.float64),
               (dict(lr=0.5, max_iter=4, history_size=2), np.float64),
               (dict(max_iter=3, history_size=3, line_search_fn="strong_wolfe"), np.float64),
               # float32 runs stop early: near the optimum float32 noise decides the stopping tests
               (dict(lr=0.5, max_iter=4, history_size=2), np.float32),
               (dict(max_iter=3, history_size=3, line_search_fn="strong_wolfe"), np.float32)]


@pytest.mark.parametrize("kw,dtype", LBFGS_CASES, ids=[str(i) for i in range(len(LBFGS_CASES))])
def test_lbfgs(kw, dtype):
    lossgrad = _lbfgs_problem(dtype)
    shapes = [(2, 3), (2,), ()]
    out = []
    for lib, optim in ((torch, toptim), (ember, eoptim)):
        rng = np.random.default_rng(0)
        ps = [lib.nn.Parameter(lib.tensor((rng.standard_normal(s) * 2).astype(dtype))) for s in shapes]
        opt = optim.LBFGS(ps, **kw)
        calls = []

        def closure():
            opt.zero_grad()
            flat = np.concatenate([npy(p).reshape(-1) for p in ps])
            loss, grad = lossgrad(flat)
            i = 0
            for p in ps:
                n = p.numel()
                p.grad = lib.tensor(grad[i:i + n].reshape(tuple(p.shape)).astype(dtype))
                i += n
            calls.append(1)
            return lib.tensor(np.asarray(loss, dtype))
        traj = []
        for _ in range(4 if dtype == np.float64 else 2):
            loss = opt.step(closure)
            traj.append((float(loss), [npy(p) for p in ps], len(calls)))
        out.append((traj, opt, ps))
    (ttraj, topt, tps), (etraj, eopt, eps) = out
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else TOL[np.float64]
    for (tl, tp, tc), (el, ep, ec) in zip(ttraj, etraj):
        assert tc == ec
        np.testing.assert_allclose(el, tl, **tol)
        for a, b in zip(tp, ep):
            np.testing.assert_allclose(b, a, **tol)
    tstate, estate = topt.state[tps[0]], eopt.state[eps[0]]
    assert list(tstate.keys()) == list(estate.keys())
    assert [tstate[k] for k in ("func_evals", "n_iter")] == [estate[k] for k in ("func_evals", "n_iter")]
    same_value(tstate["d"], estate["d"], tol)
    same_value(tstate["old_dirs"], estate["old_dirs"], tol)
    same_value(tstate["ro"], estate["ro"], tol)


def test_lbfgs_state_dict_round_trip_and_errors():
    lossgrad = _lbfgs_problem(np.float64)

    def closure_for(lib, opt, p):
        def closure():
            opt.zero_grad()
            loss, grad = lossgrad(npy(p))
            p.grad = lib.tensor(grad)
            return lib.tensor(loss)
        return closure
    tp = torch.nn.Parameter(torch.tensor(np.linspace(-1, 2, 9)))
    topt = toptim.LBFGS([tp], max_iter=3, history_size=4)
    topt.step(closure_for(torch, topt, tp))
    # Ember continues from the state PyTorch reached ...
    ep = ember.nn.Parameter(ember.tensor(npy(tp)))
    eopt = eoptim.LBFGS([ep], max_iter=3, history_size=4)
    eopt.load_state_dict(to_ember(topt.state_dict()))
    assert list(eopt.state[ep]) == list(topt.state[tp])
    for _ in range(2):
        topt.step(closure_for(torch, topt, tp))
        eopt.step(closure_for(ember, eopt, ep))
        np.testing.assert_allclose(npy(ep), npy(tp), **TOL[np.float64])
    # ... and PyTorch from Ember's
    tp2 = torch.nn.Parameter(torch.tensor(npy(ep)))
    topt2 = toptim.LBFGS([tp2], max_iter=3, history_size=4)
    topt2.load_state_dict(to_torch(eopt.state_dict()))
    for _ in range(2):
        topt2.step(closure_for(torch, topt2, tp2))
        eopt.step(closure_for(ember, eopt, ep))
        np.testing.assert_allclose(npy(ep), npy(tp2), **TOL[np.float64])
    assert topt2.state[tp2]["n_iter"] == eopt.state[ep]["n_iter"]

    p = ember.nn.Parameter(ember.ones(2))
    with pytest.raises(TypeError):
        eoptim.LBFGS([p]).step()
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        eoptim.LBFGS([{"params": [p]}, {"params": [ember.nn.Parameter(ember.ones(1))]}])
    opt = eoptim.LBFGS([p], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


def test_lbfgs_on_a_model():
    ember.manual_seed(0)
    model = ember.nn.Linear(3, 1)
    x = ember.tensor(np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32))
    y = x @ ember.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    opt = eoptim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return loss
    for _ in range(3):
        opt.step(closure)
    assert float(closure()) < 1e-6


# ---------------------------------------------------------------------- SparseAdam
def test_sparse_adam_dense_gradient_error():
    tp = torch.nn.Parameter(torch.ones(3))
    ep = ember.nn.Parameter(ember.ones(3))
    topt, eopt = toptim.SparseAdam([tp]), eoptim.SparseAdam([ep])
    assert sorted(topt.param_groups[0].keys()) == sorted(eopt.param_groups[0].keys())
    tp.grad, ep.grad = torch.ones(3), ember.ones(3)
    with pytest.raises(RuntimeError) as te:
        topt.step()
    with pytest.raises(RuntimeError) as ee:
        eopt.step()
    assert str(ee.value) == str(te.value)
    assert len(eopt.state) == 0
    with pytest.raises(ValueError, match="SparseAdam does not support complex parameters"):
        eoptim.SparseAdam([ember.nn.Parameter(ember.ones(2, dtype=ember.complex64))])


# ---------------------------------------------------------------------- groups
@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                     ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1)),
                                     ("RMSprop", dict(lr=0.01, centered=True))])
def test_param_groups_and_add_param_group(name, kw):
    tps, eps = make_params(np.float64)
    tcls, ecls = getattr(toptim, name), getattr(eoptim, name)
    topt = tcls([{"params": tps[:2], "lr": 0.003}, {"params": tps[2:3]}], **kw)
    eopt = ecls([{"params": eps[:2], "lr": 0.003}, {"params": eps[2:3]}], **kw)
    assert [g["lr"] for g in eopt.param_groups] == [g["lr"] for g in topt.param_groups]
    grads = Grads(np.float64)
    for _ in range(5):
        grads.feed(tps[:3], eps[:3])
        topt.step()
        eopt.step()
    topt.add_param_group({"params": [tps[3]], "lr": 0.02})
    eopt.add_param_group({"params": [eps[3]], "lr": 0.02})
    assert [sorted(g.keys()) for g in eopt.param_groups] == [sorted(g.keys()) for g in topt.param_groups]
    run_both(topt, eopt, tps, eps, grads, 5, TOL[np.float64])
    assert_state(topt, eopt, tps, eps, TOL[np.float64])
    # lr changed in place between steps (what schedulers do)
    for tg, eg in zip(topt.param_groups, eopt.param_groups):
        tg["lr"] *= 0.5
        eg["lr"] *= 0.5
    run_both(topt, eopt, tps, eps, grads, 3, TOL[np.float64])


@pytest.mark.parametrize("name", ALL_NAMES)
def test_group_keys_defaults_and_repr(name):
    kw = dict(lr=0.1) if name == "SGD" else {}
    tp, ep = torch.nn.Parameter(torch.ones(2)), ember.nn.Parameter(ember.ones(2))
    tq, eq = torch.nn.Parameter(torch.ones(1)), ember.nn.Parameter(ember.ones(1))
    topt, eopt = getattr(toptim, name)([tp], **kw), getattr(eoptim, name)([ep], **kw)
    assert sorted(eopt.param_groups[0].keys()) == sorted(topt.param_groups[0].keys())
    assert eopt.defaults == topt.defaults
    assert {k: v for k, v in eopt.param_groups[0].items() if k != "params"} == \
        {k: v for k, v in topt.param_groups[0].items() if k != "params"}
    assert repr(eopt) == repr(topt)
    if name != "LBFGS":
        topt.add_param_group({"params": [tq], "lr": 0.5})
        eopt.add_param_group({"params": [eq], "lr": 0.5})
        assert repr(eopt) == repr(topt)
    assert eopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_named_parameters():
    tm, em = torch.nn.Linear(2, 3), ember.nn.Linear(2, 3)
    topt = toptim.SGD(tm.named_parameters(), lr=0.1, momentum=0.9)
    eopt = eoptim.SGD(em.named_parameters(), lr=0.1, momentum=0.9)
    assert eopt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert eopt.param_groups[0]["params"][0] is em.weight
    assert eopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    assert repr(eopt) == repr(topt)
    with pytest.raises(ValueError, match="cannot add param group without names"):
        eopt.add_param_group({"params": [ember.nn.Parameter(ember.ones(1))]})
    plain = eoptim.SGD(em.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="cannot add param group with names"):
        plain.add_param_group({"params": [("x", ember.nn.Parameter(ember.ones(1)))]})
    plain.load_state_dict(eopt.state_dict())
    assert plain.param_groups[0]["param_names"] == ["weight", "bias"]


def test_add_param_group_uses_the_given_dict_and_fills_defaults():
    a, b = ember.nn.Parameter(ember.ones(2)), ember.nn.Parameter(ember.ones(3))
    opt = eoptim.Adam([a], lr=0.01, betas=(0.8, 0.9))
    group = {"params": b, "weight_decay": 0.5}
    opt.add_param_group(group)
    assert opt.param_groups[1] is group and group["params"] == [b]
    assert (group["lr"], group["betas"], group["weight_decay"]) == (0.01, (0.8, 0.9), 0.5)


# ---------------------------------------------------------------------- zero_grad / closure
def test_zero_grad():
    p = ember.nn.Parameter(ember.ones(3))
    q = ember.nn.Parameter(ember.ones(2))   # never gets a gradient
    opt = eoptim.SGD([p, q], lr=0.1)
    (p * 2).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.all(npy(p.grad) == 0) and q.grad is None
    assert not p.grad.requires_grad
    (p * 2).sum().backward()
    assert np.all(npy(p.grad) == 2)
    opt.zero_grad()
    assert p.grad is None and q.grad is None
    # a gradient with a graph (create_graph=True) is detached in place
    (p * p).sum().backward(create_graph=True)
    g = p.grad
    assert g.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.grad_fn is None and np.all(npy(g) == 0)


def test_step_closure_and_frozen_params():
    ember.manual_seed(0)
    torch.manual_seed(0)
    em, tm = ember.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(npy(em.weight)))
        tm.bias.copy_(torch.tensor(npy(em.bias)))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    results = []
    for lib, m in ((torch, tm), (ember, em)):
        opt = (toptim if lib is torch else eoptim).Adam(m.parameters(), lr=0.05)
        calls = []

        def closure():
            calls.append(lib.is_grad_enabled())
            opt.zero_grad()
            loss = (m(lib.tensor(x)) ** 2).mean()
            loss.backward()
            return loss
        with lib.no_grad():
            losses = [float(opt.step(closure)) for _ in range(5)]
        results.append((losses, npy(m.weight), calls))
    (tl, tw, tc), (el, ew, ec) = results
    np.testing.assert_allclose(el, tl, rtol=1e-5)
    np.testing.assert_allclose(ew, tw, rtol=1e-5, atol=1e-6)
    assert ec == tc == [True] * 5
    # step() without closure returns None; parameters without grad are left alone
    p, frozen = ember.nn.Parameter(ember.ones(2)), ember.nn.Parameter(ember.ones(2))
    opt = eoptim.SGD([p, frozen], lr=0.1, momentum=0.9)
    p.grad = ember.ones(2)
    assert opt.step() is None
    assert np.all(npy(frozen) == 1) and frozen not in opt.state
    assert np.allclose(npy(p), 0.9)


def test_maximize_moves_uphill():
    p = ember.nn.Parameter(ember.tensor([1.0, -1.0]))
    opt = eoptim.SGD([p], lr=0.1, maximize=True)
    p.grad = ember.tensor([1.0, 2.0])
    opt.step()
    np.testing.assert_allclose(npy(p), [1.1, -0.8], rtol=1e-6)


# ---------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name,kw", [c for i, c in enumerate(CASES) if i % 2 == 1] + [("Adagrad", {})])
def test_state_dict_both_ways(name, kw):
    dtype = np.float64
    tol = TOL[dtype]
    tps, eps = make_params(dtype)
    tcls, ecls = getattr(toptim, name), getattr(eoptim, name)
    topt = tcls([{"params": tps[:2]}, {"params": tps[2:], "lr": 0.02}], **kw)
    eopt = ecls([{"params": eps[:2]}, {"params": eps[2:], "lr": 0.02}], **kw)
    grads = Grads(dtype)
    run_both(topt, eopt, tps, eps, grads, 3, tol)
    tsd, esd = topt.state_dict(), eopt.state_dict()
    assert list(esd.keys()) == ["state", "param_groups"]
    assert esd["param_groups"] == tsd["param_groups"]
    same_value(tsd["state"], esd["state"], tol)
    assert esd["state"][0][list(esd["state"][0])[0]] is eopt.state[eps[0]][list(esd["state"][0])[0]]

    # PyTorch's state_dict into a fresh Ember optimizer, and Ember's into a fresh PyTorch one
    tps2, eps2 = make_params(dtype, seed=5)
    for t2, e2, t, e in zip(tps2, eps2, tps, eps):
        with torch.no_grad():
            t2.copy_(t)
        e2.data = ember.tensor(npy(e))
    eopt2 = ecls([{"params": eps2[:2]}, {"params": eps2[2:]}], **kw)
    eopt2.load_state_dict(to_ember(tsd))
    topt2 = tcls([{"params": tps2[:2]}, {"params": tps2[2:]}], **kw)
    topt2.load_state_dict(to_torch(esd))
    assert [g["lr"] for g in eopt2.param_groups] == [g["lr"] for g in topt.param_groups]
    for _ in range(4):
        grads.feed(tps, eps)
        for t2, e2, t in zip(tps2, eps2, tps):
            t2.grad = t.grad.clone()
            e2.grad = ember.tensor(npy(t.grad))
        for o in (topt, eopt, topt2, eopt2):
            o.step()
        assert_params(tps, eps, tol)
        assert_params(tps2, eps2, tol)      # both continue from the other framework's state
        if name not in ("NAdam", "ASGD"):   # (their float32 scalar state is loaded as float64)
            assert_params(tps, eps2, tol)
    assert_state(topt2, eopt2, tps2, eps2, tol)


def test_state_dict_details():
    a, b = ember.nn.Parameter(ember.ones(3)), ember.nn.Parameter(ember.ones(2))
    opt = eoptim.Adam([a, b])
    assert opt.state_dict() == {"state": {}, "param_groups": [dict(
        lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False, maximize=False,
        foreach=None, capturable=False, differentiable=False, fused=None,
        decoupled_weight_decay=False, params=[0, 1])]}
    a.grad = ember.ones(3)
    opt.step()
    sd = opt.state_dict()
    assert list(sd["state"]) == [0] and list(sd["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    step = sd["state"][0]["step"]
    assert step.dtype == ember.float32 and step.dim() == 0 and float(step) == 1.0
    # a float64 state loads into float32 parameters as float32 (the step keeps its dtype)
    sd64 = {"state": {0: {k: v.double() for k, v in sd["state"][0].items()}},
            "param_groups": copy.deepcopy(sd["param_groups"])}
    opt2 = eoptim.Adam([a, b])
    opt2.load_state_dict(sd64)
    assert opt2.state[a]["exp_avg"].dtype == ember.float32 and opt2.state[a]["step"].dtype == ember.float64
    # old checkpoints with a plain-number step and missing group options still load
    opt3 = eoptim.Adam([a, b])
    opt3.load_state_dict({"state": {0: {"step": 3, "exp_avg": ember.zeros(3), "exp_avg_sq": ember.zeros(3)}},
                          "param_groups": [{"params": [0, 1], "lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8,
                                            "weight_decay": 0}]})
    assert opt3.state[a]["step"].dtype == ember.float32 and opt3.param_groups[0]["amsgrad"] is False
    a.grad = ember.ones(3)
    opt3.step()
    assert float(opt3.state[a]["step"]) == 4.0
    # loaded group options replace the constructor's; state under unknown keys is kept
    opt4 = eoptim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    opt4.load_state_dict({"state": {0: {"momentum_buffer": ember.ones(3)}, "extra": 7},
                          "param_groups": [{"params": [0], "lr": 0.5}, {"params": [1], "lr": 0.3}]})
    assert [g["lr"] for g in opt4.param_groups] == [0.5, 0.3]
    assert opt4.state["extra"] == 7 and opt4.param_groups[0]["fused"] is False
    assert opt4.param_groups[1]["params"] == [b]
    # duplicate parameters in a group: indices as PyTorch numbers them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert eoptim.SGD([a, a, b], lr=0.1).state_dict()["param_groups"][0]["params"] == [1, 1, 2]


def test_state_dict_through_save_load(tmp_path):
    tps, eps = make_params(np.float32)
    eopt = eoptim.RMSprop(eps, momentum=0.9, centered=True)
    topt = toptim.RMSprop(tps, momentum=0.9, centered=True)
    grads = Grads(np.float32)
    run_both(topt, eopt, tps, eps, grads, 3, TOL[np.float32])
    path = str(tmp_path / "opt.pt")
    ember.save(eopt.state_dict(), path)
    loaded = torch.load(path)
    topt2 = toptim.RMSprop([torch.nn.Parameter(t.detach().clone()) for t in tps], momentum=0.9, centered=True)
    topt2.load_state_dict(loaded)
    same_value(topt.state_dict()["state"], eopt.state_dict()["state"], TOL[np.float32])
    assert topt2.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_load_state_dict_errors():
    a, b = ember.nn.Parameter(ember.ones(3)), ember.nn.Parameter(ember.ones(2))
    two = eoptim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        eoptim.SGD([a, b], lr=0.1).load_state_dict(two.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        eoptim.SGD([a], lr=0.1).load_state_dict(eoptim.SGD([a, b], lr=0.1).state_dict())
    with pytest.raises(KeyError):
        eoptim.SGD([a], lr=0.1).load_state_dict({"param_groups": [{"params": [0]}]})


# ---------------------------------------------------------------------- errors
BAD = {
    "SGD": [dict(lr=-1), dict(lr=0.1, momentum=-1), dict(lr=0.1, weight_decay=-1),
            dict(lr=0.1, nesterov=True),
            dict(lr=0.1, nesterov=True, momentum=0.9, dampening=0.1), dict(lr=0.1, fused=True, foreach=True),
            dict(lr=0.1, fused=True, differentiable=True)],
    "Adam": [dict(lr=-1), dict(eps=-1), dict(betas=(1.0, 0.9)), dict(betas=(0.9, -0.1)),
             dict(weight_decay=-1), dict(betas=(0, 0.99)), dict(lr=ember.tensor([0.1, 0.2])),
             dict(lr=-0.5), dict(fused=True, foreach=True)],
    "AdamW": [dict(lr=-1), dict(eps=-1), dict(betas=(0.9, 1.0)), dict(weight_decay=-1)],
    "RMSprop": [dict(lr=-1), dict(eps=-1), dict(momentum=-1), dict(weight_decay=-1), dict(alpha=-1)],
    "Adagrad": [dict(lr=-1), dict(lr_decay=-1), dict(weight_decay=-1), dict(initial_accumulator_value=-1),
                dict(eps=-1)],
    "Adadelta": [dict(lr=-1), dict(rho=-1), dict(rho=1.5), dict(eps=-1), dict(weight_decay=-1)],
    "Adamax": [dict(lr=-1), dict(eps=-1), dict(betas=(1.0, 0.9)), dict(betas=(0.9, 1.0)),
               dict(weight_decay=-1)],
    "NAdam": [dict(lr=-1), dict(eps=-1), dict(betas=(1.0, 0.9)), dict(weight_decay=-1),
              dict(momentum_decay=-1)],
    "RAdam": [dict(lr=-1), dict(eps=-1), dict(betas=(0.9, 1.0)), dict(weight_decay=-1)],
    "ASGD": [dict(lr=-1), dict(weight_decay=-1)],
    "Rprop": [dict(lr=-1), dict(etas=(1.5, 1.2)), dict(etas=(0.5, 0.9)), dict(etas=(0, 1.2))],
    "LBFGS": [dict(lr=-1), dict(lr=ember.tensor([1.0, 2.0]))],
    "SparseAdam": [dict(lr=0), dict(eps=0), dict(betas=(1.0, 0.9)), dict(betas=(0.9, 1.0))],
}


def _outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - compared across frameworks
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("name", list(BAD))
def test_constructor_errors_match_torch(name):
    tp, ep = torch.nn.Parameter(torch.ones(2)), ember.nn.Parameter(ember.ones(2))
    for kw in BAD[name]:
        tkw = to_torch(kw)
        t = _outcome(lambda: getattr(toptim, name)([tp], **tkw))
        e = _outcome(lambda: getattr(eoptim, name)([ep], **kw))
        assert t is not None and e == t, (kw, t, e)


def test_parameter_list_errors_match_torch():
    tm, em = torch.nn.Linear(2, 2), ember.nn.Linear(2, 2)
    cases = [
        lambda lib, m, o: o.SGD([], lr=0.1),
        lambda lib, m, o: o.Adam(iter([])),
        lambda lib, m, o: o.SGD(m.weight, lr=0.1),
        lambda lib, m, o: o.SGD([m.weight * 2], lr=0.1),
        lambda lib, m, o: o.SGD([1.0], lr=0.1),
        lambda lib, m, o: o.SGD([{"params": {m.weight}}], lr=0.1),
        lambda lib, m, o: o.SGD([{"params": [m.weight]}, {"params": [m.weight, m.bias]}], lr=0.1),
        lambda lib, m, o: o.SGD([m.weight], lr=0.1).add_param_group({"params": [m.weight]}),
        lambda lib, m, o: o.SGD([m.weight], lr=0.1).add_param_group([m.bias]),
        lambda lib, m, o: o.SGD([{"params": [m.weight]}, {"params": [("b", m.bias)]}], lr=0.1),
        lambda lib, m, o: o.SGD([{"params": [m.weight]}],
                                lr=(topt_mod if lib is torch else eopt_mod).required),
    ]
    for i, case in enumerate(cases):
        t = _outcome(lambda: case(torch, tm, toptim))
        e = _outcome(lambda: case(ember, em, eoptim))
        assert t is not None and e == t, (i, t, e)
    # a parameter twice in one group only warns (as in PyTorch 2.13)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        eoptim.SGD([em.weight, em.weight], lr=0.1)
    # parameters that do not require grad are accepted (and skipped by step)
    eoptim.SGD([ember.ones(2)], lr=0.1).step()


# ---------------------------------------------------------------------- hooks
def test_step_hooks():
    p = ember.nn.Parameter(ember.ones(2))
    opt = eoptim.SGD([p], lr=0.1)
    log = []

    def pre(o, args, kwargs):
        log.append(("pre", o is opt, args, kwargs))

    def post(o, args, kwargs):
        log.append(("post", args, kwargs))

    def gpre(o, args, kwargs):
        log.append("global_pre")

    def gpost(o, args, kwargs):
        log.append("global_post")
    handles = [opt.register_step_pre_hook(pre), opt.register_step_post_hook(post),
               eopt_mod.register_optimizer_step_pre_hook(gpre),
               eopt_mod.register_optimizer_step_post_hook(gpost)]
    try:
        p.grad = ember.ones(2)
        opt.step()
        assert log == ["global_pre", ("pre", True, (), {}), ("post", (), {}), "global_post"]
        # the global hooks see every optimizer
        log.clear()
        eoptim.Adam([p]).step()
        assert log == ["global_pre", "global_post"]
    finally:
        for h in handles:
            h.remove()
    log.clear()
    opt.step()
    assert log == []

    # a pre hook may replace the arguments step() gets
    def swap_closure(o, args, kwargs):
        return (), {"closure": lambda: 42}
    h = opt.register_step_pre_hook(swap_closure)
    assert opt.step() == 42
    h.remove()
    opt.register_step_pre_hook(lambda o, a, k: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


def test_step_hooks_run_once_for_a_subclass_calling_super():
    class MySGD(eoptim.SGD):
        def step(self, closure=None):
            return super().step(closure)
    p = ember.nn.Parameter(ember.ones(2))
    opt = MySGD([p], lr=0.1)
    calls = []
    opt.register_step_post_hook(lambda o, a, k: calls.append(1))
    p.grad = ember.ones(2)
    opt.step()
    assert calls == [1]
    np.testing.assert_allclose(npy(p), [0.9, 0.9], rtol=1e-6)


def test_state_dict_hooks():
    p = ember.nn.Parameter(ember.ones(2))
    opt = eoptim.SGD([p], lr=0.1, momentum=0.9)
    log = []
    opt.register_state_dict_pre_hook(lambda o: log.append("pre1"))
    opt.register_state_dict_pre_hook(lambda o: log.append("pre0"), prepend=True)

    def post(o, sd):
        log.append("post")
        sd["extra"] = 1
        return sd
    opt.register_state_dict_post_hook(post)
    sd = opt.state_dict()
    assert log == ["pre0", "pre1", "post"] and sd["extra"] == 1

    def load_pre(o, sd):
        log.append("load_pre")
        sd = dict(sd)
        sd["param_groups"] = [dict(sd["param_groups"][0], lr=0.7)]
        return sd
    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(lambda o: log.append(("load_post", o.param_groups[0]["lr"])))
    log.clear()
    opt.load_state_dict(sd)
    assert log == ["load_pre", ("load_post", 0.7)]


def test_deepcopy_and_pickle_state():
    tps, eps = make_params(np.float64)
    opt = eoptim.Adam(eps, lr=0.01)
    Grads(np.float64).feed(tps, eps)
    opt.step()
    clone = copy.deepcopy(opt)
    assert clone.param_groups[0]["lr"] == 0.01
    assert np.array_equal(npy(clone.state[clone.param_groups[0]["params"][0]]["exp_avg"]),
                          npy(opt.state[eps[0]]["exp_avg"]))
    clone.register_step_pre_hook(lambda *a: None)


def test_adagrad_state_exists_before_step():
    p = ember.nn.Parameter(ember.ones(3))
    opt = eoptim.Adagrad([p], initial_accumulator_value=0.25)
    assert list(opt.state[p]) == ["step", "sum"]
    assert np.all(npy(opt.state[p]["sum"]) == 0.25) and float(opt.state[p]["step"]) == 0
    q = ember.nn.Parameter(ember.ones(2))
    opt.add_param_group({"params": [q]})
    assert q not in opt.state
    q.grad = ember.ones(2)
    opt.step()
    assert list(opt.state[q]) == ["step", "sum"]


def test_custom_optimizer_subclass():
    class PlainSGD(eoptim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        @ember.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
                        self.state[p]["count"] = self.state[p].get("count", 0) + 1
    p = ember.nn.Parameter(ember.ones(2))
    opt = PlainSGD([p], lr=0.5)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    p.grad = ember.ones(2)
    opt.step()
    np.testing.assert_allclose(npy(p), [0.5, 0.5])
    assert calls == ["pre"] and opt.state_dict()["state"] == {0: {"count": 1}}
    assert repr(opt) == "PlainSGD (\nParameter Group 0\n    lr: 0.5\n)"


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Rprop"])
def test_half_precision_parameters(name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(20).astype(np.float32)
    tp = torch.nn.Parameter(torch.tensor(x).half())
    ep = ember.nn.Parameter(ember.tensor(x).to(ember.float16))
    kw = {"SGD": dict(lr=0.01, momentum=0.9), "Adam": dict(lr=0.01, eps=1e-3),
          "RMSprop": dict(lr=0.01, eps=1e-3)}.get(name, {})
    topt, eopt = getattr(toptim, name)([tp], **kw), getattr(eoptim, name)([ep], **kw)
    for _ in range(5):
        g = rng.standard_normal(20).astype(np.float32)
        tp.grad, ep.grad = torch.tensor(g).half(), ember.tensor(g).to(ember.float16)
        topt.step()
        eopt.step()
    assert ep.dtype == ember.float16 and ep._data.dtype == np.float16
    np.testing.assert_allclose(npy(ep).astype(np.float32), npy(tp).astype(np.float32), rtol=0, atol=4e-3)
    for k, v in topt.state[tp].items():
        assert str(eopt.state[ep][k].dtype) == str(v.dtype)
        assert eopt.state[ep][k]._data.dtype == eopt.state[ep][k].dtype.np
