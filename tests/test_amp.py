"""torch.amp (autocast, GradScaler), torch.cpu.amp and torch.backends,
compared against real PyTorch: the same ops under autocast give the same
output dtypes (and close values), GradScaler follows the same scale /
growth / backoff trajectory and skips the same steps."""
import pickle
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
import ember.nn as enn
import ember.nn.functional as EF
from ember import _dispatch
from ember.amp import autocast_mode as EA

RNG = np.random.default_rng(0)


def arr(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def both(a):
    return torch.tensor(a), ember.tensor(a)


def dname(d):
    return str(d).split(".")[-1]


class Lib:
    """The library-specific pieces a test case needs."""

    def __init__(self, mod, nn, F, autocast):
        self.mod, self.nn, self.F, self.autocast = mod, nn, F, autocast


TORCH = Lib(torch, tnn, TF, torch.autocast)
EMBER = Lib(ember, enn, EF, ember.amp.autocast)

X = arr(3, 4)
W = arr(5, 4)
B = arr(5)
B3 = arr(2, 3, 4)
C3 = arr(2, 4, 5)
IMG = arr(1, 2, 6, 6)
K = arr(3, 2, 3, 3)
T = np.array([0, 1, 2])


def t(L, a, dtype=None):
    x = L.mod.tensor(a)
    return x if dtype is None else x.to(getattr(L.mod, dtype))


# (name, f(L)) run under autocast("cpu") with float32 inputs
DTYPE_CASES = [
    ("mm", lambda L: L.mod.mm(t(L, X), t(L, W).T)),
    ("matmul", lambda L: t(L, X) @ t(L, W).T),
    ("matmul_2d_1d", lambda L: t(L, X) @ t(L, X[0])),
    ("bmm", lambda L: L.mod.bmm(t(L, B3), t(L, C3))),
    ("baddbmm", lambda L: L.mod.baddbmm(t(L, arr(2, 3, 5)), t(L, B3), t(L, C3))),
    ("addmm", lambda L: L.mod.addmm(t(L, arr(3, 5)), t(L, X), t(L, W).T)),
    ("addbmm", lambda L: L.mod.addbmm(t(L, arr(3, 5)), t(L, B3), t(L, C3))),
    ("addmv_stays", lambda L: L.mod.addmv(t(L, arr(3)), t(L, X), t(L, X[0]))),
    ("linear", lambda L: L.F.linear(t(L, X), t(L, W), t(L, B))),
    ("linear_module", lambda L: L.nn.Linear(4, 5)(t(L, X))),
    ("conv1d", lambda L: L.F.conv1d(t(L, arr(1, 2, 5)), t(L, arr(3, 2, 2)))),
    ("conv2d", lambda L: L.F.conv2d(t(L, IMG), t(L, K), t(L, arr(3)))),
    ("conv_transpose2d", lambda L: L.F.conv_transpose2d(t(L, IMG), t(L, K).transpose(0, 1))),
    ("prelu", lambda L: L.F.prelu(t(L, X), t(L, np.array([0.2], np.float32)))),
    ("einsum", lambda L: L.mod.einsum("ij,kj->ik", t(L, X), t(L, W))),
    ("sdpa", lambda L: L.F.scaled_dot_product_attention(t(L, B3), t(L, B3), t(L, B3))),
    ("relu_of_fp32", lambda L: L.F.relu(t(L, X))),
    ("add_fp32", lambda L: t(L, X) + t(L, X)),
    ("softmax_fp32", lambda L: L.F.softmax(t(L, X), 1)),
    ("softmax_bf16", lambda L: L.F.softmax(t(L, X, "bfloat16"), 1)),
    ("sum_bf16", lambda L: t(L, X, "bfloat16").sum()),
    ("cross_entropy", lambda L: L.F.cross_entropy(t(L, X, "bfloat16"), L.mod.tensor(T))),
    ("nll_loss", lambda L: L.F.nll_loss(t(L, X, "bfloat16"), L.mod.tensor(T))),
    ("mse_loss", lambda L: L.F.mse_loss(t(L, X, "bfloat16"), t(L, X))),
    ("mse_loss_half", lambda L: L.F.mse_loss(t(L, X, "float16"), t(L, X, "float16"))),
    ("mse_loss_double", lambda L: L.F.mse_loss(t(L, X, "float64"), t(L, X, "float64"))),
    ("l1_loss", lambda L: L.F.l1_loss(t(L, X, "bfloat16"), t(L, X, "bfloat16"))),
    ("smooth_l1", lambda L: L.F.smooth_l1_loss(t(L, X, "bfloat16"), t(L, X))),
    ("bce_logits", lambda L: L.F.binary_cross_entropy_with_logits(t(L, X, "bfloat16"),
                                                                  t(L, np.abs(X) / 4))),
    ("kl_div", lambda L: L.F.kl_div(t(L, X, "bfloat16"), t(L, X, "bfloat16"),
                                    reduction="batchmean")),
    ("prod_bf16", lambda L: t(L, X, "bfloat16").prod()),
    ("cdist_bf16", lambda L: L.mod.cdist(t(L, X, "bfloat16"), t(L, X, "bfloat16"))),
    ("cat_promotes", lambda L: L.mod.cat([t(L, X, "bfloat16"), t(L, X)])),
    ("stack_promotes", lambda L: L.mod.stack([t(L, X, "bfloat16"), t(L, X)])),
    ("mm_double_not_cast", lambda L: t(L, X, "float64") @ t(L, W, "float64").T),
    ("mm_half_to_bf16", lambda L: t(L, X, "float16") @ t(L, W, "float16").T),
    ("conv_double_not_cast", lambda L: L.F.conv2d(t(L, IMG, "float64"), t(L, K, "float64"))),
    ("embedding_stays", lambda L: L.F.embedding(L.mod.tensor([0, 1]), t(L, W))),
    ("layer_norm_fp32", lambda L: L.F.layer_norm(t(L, X), (4,))),
]


@pytest.mark.parametrize("name,fn", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_autocast_output_dtype_like_torch(name, fn):
    with torch.autocast("cpu"):
        expected = fn(TORCH).dtype
    with ember.amp.autocast("cpu"):
        got = fn(EMBER).dtype
    assert dname(got) == dname(expected)


@pytest.mark.parametrize("name", ["mm", "linear", "conv2d", "cross_entropy", "cat_promotes"])
def test_nothing_is_cast_after_the_region(name):
    fn = dict(DTYPE_CASES)[name]
    with ember.amp.autocast("cpu"):
        fn(EMBER)
    assert dname(fn(EMBER).dtype) == dname(fn(TORCH).dtype)


# mixed inputs: a lower-precision activation meets float32 weights
MIXED_CASES = [
    ("linear_bf16_input", lambda L: L.F.linear(t(L, X, "bfloat16"), t(L, W), t(L, B))),
    ("mm_bf16_fp32", lambda L: L.mod.mm(t(L, X, "bfloat16"), t(L, W).T)),
    ("matmul_bf16_fp32", lambda L: t(L, X, "bfloat16") @ t(L, W).T),
    ("bmm_bf16_fp32", lambda L: L.mod.bmm(t(L, B3, "bfloat16"), t(L, C3))),
    ("conv2d_bf16_input", lambda L: L.F.conv2d(t(L, IMG, "bfloat16"), t(L, K))),
    ("addmm_mixed", lambda L: L.mod.addmm(t(L, arr(3, 5)), t(L, X, "bfloat16"), t(L, W).T)),
    ("sdpa_mixed", lambda L: L.F.scaled_dot_product_attention(t(L, B3, "bfloat16"), t(L, B3),
                                                              t(L, B3))),
    ("lstm_bf16_input", lambda L: L.nn.LSTM(4, 3)(t(L, B3, "bfloat16"))[0]),
    ("mlp", lambda L: L.nn.Sequential(L.nn.Linear(4, 8), L.nn.ReLU(), L.nn.Linear(8, 2))(
        t(L, X))),
]


@pytest.mark.parametrize("name,fn", MIXED_CASES, ids=[c[0] for c in MIXED_CASES])
def test_autocast_casts_mixed_inputs_like_torch(name, fn):
    with torch.autocast("cpu"):
        expected = fn(TORCH).dtype
    with ember.amp.autocast("cpu"):
        got = fn(EMBER).dtype
    assert dname(got) == dname(expected)


def _mlp_pair():
    tm = tnn.Sequential(tnn.Linear(4, 8), tnn.ReLU(), tnn.Linear(8, 3))
    em = enn.Sequential(enn.Linear(4, 8), enn.ReLU(), enn.Linear(8, 3))
    with torch.no_grad():
        for tp in tm.parameters():
            tp.copy_(torch.tensor(arr(*tp.shape, scale=0.5)))
    with ember.no_grad():
        for tp, ep in zip(tm.parameters(), em.parameters()):
            ep.copy_(ember.tensor(tp.detach().numpy()))
    return tm, em


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_autocast_values_and_gradients_like_torch(dtype):
    tm, em = _mlp_pair()
    x = arr(5, 4)
    target = np.array([0, 1, 2, 1, 0])
    with torch.autocast("cpu", dtype=getattr(torch, dtype)):
        tout = tm(torch.tensor(x))
        tloss = TF.cross_entropy(tout, torch.tensor(target))
    with ember.amp.autocast("cpu", dtype=getattr(ember, dtype)):
        eout = em(ember.tensor(x))
        eloss = EF.cross_entropy(eout, ember.tensor(target))
    assert dname(eout.dtype) == dname(tout.dtype) == dtype
    assert dname(eloss.dtype) == "float32"
    np.testing.assert_allclose(eout.float().detach().numpy(), tout.float().detach().numpy(),
                               rtol=2e-2, atol=2e-2)
    tloss.backward()
    eloss.backward()
    for tp, ep in zip(tm.parameters(), em.parameters()):
        assert dname(ep.grad.dtype) == "float32"
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=5e-2, atol=2e-2)
        assert dname(ep.dtype) == "float32"


def test_cast_is_an_autograd_op():
    w = ember.tensor(W, requires_grad=True)
    with ember.amp.autocast("cpu"):
        y = EF.linear(ember.tensor(X), w)
    assert y.grad_fn is not None
    (y.float().sum()).backward()
    assert dname(w.grad.dtype) == "float32"


def test_weight_cast_is_cached_within_the_region():
    w = ember.tensor(W, requires_grad=True)
    x = ember.tensor(X)
    with ember.amp.autocast("cpu"):
        a = EF.linear(x, w)
        c1 = EA._tls.cache.get(id(w))
        b = EF.linear(x, w)
        c2 = EA._tls.cache.get(id(w))
        ember.mm(x, w.T)          # a view of the weight is not cached (PyTorch: leaves only)
        assert len(EA._tls.cache) == 1
    assert c1 is not None and c1 is c2
    # both uses share one cast node, as in PyTorch
    assert a.grad_fn.next_functions[1][0] is b.grad_fn.next_functions[1][0]
    assert EA._tls.cache == {}
    assert dname(a.dtype) == dname(b.dtype) == "bfloat16"
    with ember.amp.autocast("cpu", cache_enabled=False):
        EF.linear(x, w)
        assert EA._tls.cache == {}


def test_interceptor_only_while_enabled():
    assert EA._intercept not in _dispatch.interceptors
    with ember.amp.autocast("cpu"):
        assert EA._intercept in _dispatch.interceptors
        with ember.amp.autocast("cpu", enabled=False):
            assert EA._intercept not in _dispatch.interceptors
        assert EA._intercept in _dispatch.interceptors
    assert EA._intercept not in _dispatch.interceptors
    EA.set_autocast_enabled("cpu", True)
    assert EA._intercept in _dispatch.interceptors
    EA.set_autocast_enabled("cpu", False)
    assert EA._intercept not in _dispatch.interceptors


def test_state_functions_like_torch():
    def trace(mod, ac, is_enabled, get_dtype):
        out = [is_enabled("cpu"), is_enabled(), dname(get_dtype("cpu")), dname(get_dtype("cuda"))]
        with ac("cpu", dtype=mod.float16):
            out += [is_enabled("cpu"), is_enabled(), dname(get_dtype("cpu"))]
            with ac("cpu", enabled=False):
                out += [is_enabled("cpu"), dname(get_dtype("cpu"))]
            with ac("cpu", dtype=mod.bfloat16):
                out.append(dname(get_dtype("cpu")))
            with ac("cpu"):   # dtype=None: the current autocast dtype
                out.append(dname(get_dtype("cpu")))
            out.append(dname(get_dtype("cpu")))
        out += [is_enabled("cpu"), dname(get_dtype("cpu"))]
        return out
    assert trace(ember, ember.amp.autocast, EA.is_autocast_enabled, EA.get_autocast_dtype) == \
        trace(torch, torch.autocast, torch.is_autocast_enabled, torch.get_autocast_dtype)


def test_set_autocast_enabled_applies_to_ops():
    EA.set_autocast_enabled("cpu", True)
    try:
        assert dname((ember.tensor(X) @ ember.tensor(W).T).dtype) == "bfloat16"
        assert EA.is_autocast_enabled("cpu")
    finally:
        EA.set_autocast_enabled("cpu", False)
    assert dname((ember.tensor(X) @ ember.tensor(W).T).dtype) == "float32"
    EA.set_autocast_enabled(True)   # one argument: CUDA
    assert EA.is_autocast_enabled() and not EA.is_autocast_enabled("cpu")
    EA.set_autocast_enabled(False)


def test_errors_and_warnings_like_torch():
    for bad in [lambda m: m("cpu", "x"), lambda m: m("cpu", 1)]:
        for lib, f in ((torch, torch.set_autocast_enabled), (ember, EA.set_autocast_enabled)):
            with pytest.raises(TypeError) as info:
                bad(f)
            if lib is torch:
                expected = str(info.value)
            else:
                assert str(info.value) == expected
    for f in (torch.autocast, ember.amp.autocast):
        with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
            f(1)
    with pytest.raises(RuntimeError) as ti:
        torch.autocast("foo")
    with pytest.raises(RuntimeError) as ei:
        ember.amp.autocast("foo")
    assert str(ei.value) == str(ti.value)

    def warned(f):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ctx = f()
        return [(x.category.__name__, str(x.message)) for x in w], ctx
    tw, tctx = warned(lambda: torch.autocast("cpu", dtype=torch.float64))
    ew, ectx = warned(lambda: ember.amp.autocast("cpu", dtype=ember.float64))
    assert ew == tw and ectx._enabled is tctx._enabled is False
    # CUDA is not available here: autocast("cuda") warns and disables itself
    tw, tctx = warned(lambda: torch.autocast("cuda"))
    ew, ectx = warned(lambda: ember.amp.autocast("cuda"))
    assert ew == tw and ectx._enabled is tctx._enabled is False
    assert dname(ectx.fast_dtype) == "float16"
    tw, _ = warned(lambda: torch.get_autocast_cpu_dtype())
    ew, _ = warned(lambda: EA.get_autocast_cpu_dtype())
    assert [c for c, _ in ew] == ["DeprecationWarning"] == [c for c, _ in tw]
    assert [m.split(" (Triggered")[0] for _, m in tw] == [m for _, m in ew]


def test_autocast_decorator_and_enter_value():
    @ember.amp.autocast("cpu")
    def f(a, b):
        return a @ b

    assert dname(f(ember.tensor(X), ember.tensor(W).T).dtype) == "bfloat16"
    assert not EA.is_autocast_enabled("cpu")
    ctx = ember.amp.autocast("cpu")
    assert ctx.__enter__() is ctx
    ctx.__exit__(None, None, None)
    assert EA._intercept not in _dispatch.interceptors


def test_backward_inside_autocast_runs_listed_ops_low():
    # PyTorch's CPU autocast stays on during a backward run inside the region
    seen = []

    class Probe(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            a = ember.ones(2, 2)
            seen.append(dname((a @ a).dtype))
            return g * 2

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with ember.amp.autocast("cpu"):
        Probe.apply(x).sum().backward()
    assert seen == ["bfloat16"]


def test_custom_fwd_bwd():
    class MyMM(ember.autograd.Function):
        @staticmethod
        @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            ctx.dtypes = (dname(a.dtype), dname((a @ b).dtype))
            return a @ b

        @staticmethod
        @ember.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g @ b.T, a.T @ g

    a = ember.tensor(X, requires_grad=True)
    b = ember.tensor(W.T.copy(), requires_grad=True)
    with ember.amp.autocast("cpu"):
        out = MyMM.apply(a.bfloat16(), b)
    assert dname(out.dtype) == "float32"
    out.sum().backward()
    assert a.grad is not None and dname(a.grad.dtype) == "float32"


def test_cpu_amp_aliases_warn_like_torch():
    def run(mod):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            a = mod.cpu.amp.autocast()
            s = mod.cpu.amp.GradScaler()
        return [(x.category.__name__, str(x.message)) for x in w], a, s
    tw, ta, ts = run(torch)
    ew, ea, es = run(ember)
    assert ew == tw
    assert ea.device == ta.device == "cpu" and dname(ea.fast_dtype) == dname(ta.fast_dtype)
    assert es.is_enabled() == ts.is_enabled()
    assert isinstance(ea, ember.amp.autocast) and isinstance(es, ember.amp.GradScaler)
    import importlib
    assert importlib.import_module("ember.cpu.amp") is ember.cpu.amp
    assert ember.cpu.is_available() and ember.cpu.device_count() == 1


def test_cuda_amp_module_aliases():
    amp = ember.amp.device_amp_module("cuda")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s = amp.GradScaler()
        torch.cuda.amp.GradScaler()
    msgs = [str(x.message) for x in w]
    assert msgs[:2] == msgs[2:]
    assert not s.is_enabled()


# ------------------------------------------------------------------ GradScaler
def _scaler_run(mod, nn, steps, inf_at, **kw):
    p = nn.Parameter(mod.tensor([1.0, -2.0, 0.5]))
    opt = mod.optim.SGD([p], lr=0.01)
    scaler = mod.amp.GradScaler("cpu", **kw)
    trace = []
    for i in range(steps):
        opt.zero_grad()
        loss = (p * p).sum()
        if i in inf_at:
            loss = loss * mod.tensor(float("inf"))
        scaled = scaler.scale(loss)
        scaled.backward()
        ret = scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker(), ret,
                      [round(v, 6) for v in p.detach().tolist()]))
    return trace, scaler.state_dict()


def test_grad_scaler_trajectory_like_torch():
    kw = dict(init_scale=2.0 ** 10, growth_factor=4.0, backoff_factor=0.25, growth_interval=3)
    inf_at = {1, 5, 6, 11}
    t_trace, t_state = _scaler_run(torch, tnn, 14, inf_at, **kw)
    e_trace, e_state = _scaler_run(ember, enn, 14, inf_at, **kw)
    assert e_trace == t_trace
    assert e_state == t_state


def test_grad_scaler_scale_of_structures_and_values():
    ts = torch.amp.GradScaler("cpu", init_scale=4.0)
    es = ember.amp.GradScaler("cpu", init_scale=4.0)
    assert es.get_scale() == ts.get_scale() == 4.0
    assert es.state_dict() == ts.state_dict()
    tl, el = both(np.array(2.5, np.float32))
    assert ts.scale(tl).item() == es.scale(el).item() == 10.0
    tout = ts.scale([tl, (tl, tl)])
    eout = es.scale([el, (el, el)])
    assert type(eout) is list and type(eout[1]) is tuple
    assert eout[1][0].item() == tout[1][0].item()
    assert type(es.scale(iter([el]))) is map
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        es.scale(3.0)
    # bfloat16 loss keeps its dtype; the scale is a float32 0-dim tensor
    assert dname(es.scale(ember.ones(2).bfloat16()).dtype) == "bfloat16"
    assert dname(es._scale.dtype) == "float32" and es._scale.dim() == 0
    assert dname(es._growth_tracker.dtype) == "int32"


def test_grad_scaler_errors_like_torch():
    def run(mod, nn):
        p = nn.Parameter(mod.tensor([1.0, 2.0]))
        opt = mod.optim.SGD([p], lr=0.1)
        s = mod.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
        out = []

        def attempt(f):
            try:
                out.append(("ok", f()))
            except Exception as e:  # noqa: BLE001
                out.append((type(e).__name__, str(e)))
        attempt(lambda: s.update())
        attempt(lambda: s.step(opt))
        s.scale((p * p).sum()).backward()
        attempt(lambda: s.unscale_(opt))
        out.append(p.grad.tolist())
        attempt(lambda: s.unscale_(opt))
        attempt(lambda: s.step(opt))
        attempt(lambda: s.unscale_(opt))
        attempt(lambda: s.step(opt))
        attempt(lambda: s.update())
        attempt(lambda: s.step(opt, closure=lambda: 0))
        attempt(lambda: s.update(8.0))
        out.append(s.get_scale())
        attempt(lambda: s.update(mod.tensor(16.0)))
        out.append(s.get_scale())
        attempt(lambda: s.update(mod.tensor([1.0, 2.0])))
        attempt(lambda: mod.amp.GradScaler("cpu").load_state_dict({}))
        for bad in (dict(growth_factor=1.0), dict(backoff_factor=1.0)):
            attempt(lambda: mod.amp.GradScaler("cpu", **bad))
        q = nn.Parameter(mod.tensor([1.0, 2.0]).half())
        o2 = mod.optim.SGD([q], lr=0.1)
        s2 = mod.amp.GradScaler("cpu")
        s2.scale(q.float().sum()).backward()
        attempt(lambda: s2.unscale_(o2))
        return out
    assert run(ember, enn) == run(torch, tnn)


def test_grad_scaler_disabled_passes_through():
    for mod, nn in ((torch, tnn), (ember, enn)):
        p = nn.Parameter(mod.tensor([1.0, 2.0]))
        opt = mod.optim.SGD([p], lr=0.5)
        s = mod.amp.GradScaler(enabled=False)
        loss = (p * p).sum()
        assert s.scale(loss) is loss
        loss.backward()
        assert s.step(opt) is None
        assert s.update() is None and s.unscale_(opt) is None
        assert s.get_scale() == 1.0 and s.state_dict() == {} and not s.is_enabled()
        assert p.detach().tolist() == [0.0, 0.0]


def test_grad_scaler_cuda_default_warns_and_disables_like_torch():
    def run(mod):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = mod.amp.GradScaler()
        return [str(x.message) for x in w], s.is_enabled()
    assert run(ember) == run(torch)


def test_unscale_then_clip_like_torch():
    def run(mod, nn):
        p = nn.Parameter(mod.tensor([1.0, 2.0]))
        opt = mod.optim.SGD([p], lr=0.1)
        s = mod.amp.GradScaler("cpu", init_scale=2.0 ** 16)
        s.scale((p * p).sum()).backward()
        s.unscale_(opt)
        g = p.grad.tolist()
        norm = nn.utils.clip_grad_norm_([p], max_norm=1.0).item()
        s.step(opt)
        s.update()
        return g, round(norm, 5), [round(v, 6) for v in p.detach().tolist()], s.get_scale()
    assert run(ember, enn) == run(torch, tnn)


def test_grad_scaler_state_dict_round_trip_and_pickle():
    kw = dict(init_scale=8.0, growth_interval=2)
    _, t_state = _scaler_run(torch, tnn, 3, {1}, **kw)
    e_scaler = ember.amp.GradScaler("cpu")
    e_scaler.load_state_dict(t_state)
    assert e_scaler.state_dict() == t_state
    p = enn.Parameter(ember.tensor([1.0]))
    e_scaler.scale(p.sum())   # the tensors are created from the loaded values
    assert e_scaler.get_scale() == t_state["scale"]
    assert e_scaler._get_growth_tracker() == t_state["_growth_tracker"]
    clone = pickle.loads(pickle.dumps(e_scaler))
    assert clone.state_dict() == e_scaler.state_dict()


def test_grad_scaler_with_autocast_training_loop():
    tm, em = _mlp_pair()
    x = arr(6, 4)
    y = np.array([0, 1, 2, 0, 1, 2])
    results = []
    for mod, nn, F, model in ((torch, tnn, TF, tm), (ember, enn, EF, em)):
        opt = mod.optim.SGD(model.parameters(), lr=0.1)
        scaler = mod.amp.GradScaler("cpu", init_scale=2.0 ** 8, growth_interval=2)
        losses = []
        for _ in range(4):
            opt.zero_grad()
            with mod.autocast("cpu") if mod is torch else ember.amp.autocast("cpu"):
                loss = F.cross_entropy(model(mod.tensor(x)), mod.tensor(y))
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
            losses.append(loss.item())
        results.append((losses, scaler.get_scale()))
    (tl, ts), (el, es) = results
    assert es == ts
    np.testing.assert_allclose(el, tl, rtol=3e-2, atol=3e-2)


# ------------------------------------------------------------------ backends
def test_backends_flags_like_torch():
    import ember.backends as EB
    import torch.backends as TB
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(EB.cudnn, name) == getattr(TB.cudnn, name), name
    assert EB.cudnn.is_available() == TB.cudnn.is_available() is False
    assert EB.mps.is_available() is TB.mps.is_available() is False
    assert EB.mps.is_built() is TB.mps.is_built() is False
    assert EB.cuda.matmul.allow_tf32 == TB.cuda.matmul.allow_tf32
    assert EB.cpu.get_cpu_capability() == TB.cpu.get_cpu_capability()
    assert EB.opt_einsum.is_available() == TB.opt_einsum.is_available()
    assert EB.opt_einsum.enabled == TB.opt_einsum.enabled
    assert EB.opt_einsum.strategy == TB.opt_einsum.strategy
    EB.cudnn.benchmark = True
    EB.cudnn.deterministic = True
    try:
        with EB.cudnn.flags(enabled=False):
            assert EB.cudnn.enabled is False
        assert EB.cudnn.enabled is True
    finally:
        EB.cudnn.benchmark = False
        EB.cudnn.deterministic = False
    EB.cuda.matmul.allow_tf32 = True
    try:
        assert EB.get_float32_matmul_precision() == "high"
    finally:
        EB.cuda.matmul.allow_tf32 = False
    assert EB.get_float32_matmul_precision() == "highest"
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        EB.cuda.matmul.foo = 1
    assert EB.cuda.flash_sdp_enabled() and EB.cuda.math_sdp_enabled()
    EB.cuda.enable_flash_sdp(False)
    try:
        assert not EB.cuda.flash_sdp_enabled()
    finally:
        EB.cuda.enable_flash_sdp(True)
    import ember.backends.mkl  # noqa: F401  (the small ones import as modules)
    import ember.backends.openmp  # noqa: F401
    assert EB.mha.get_fastpath_enabled() is True
