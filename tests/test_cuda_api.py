"""The user-facing CUDA API on the 'cuda' device: torch.cuda's queries, memory
counters, streams and events; modules moved between devices; optimizers,
gradient clipping, autocast and GradScaler on CUDA parameters; checkpoints
of CUDA tensors; pinned memory. The tests that use the `cuda` fixture run on
the simulated device everywhere and on the real GPU where there is one; the
others check the CPU-only behaviour (no CUDA: PyTorch's CPU build)."""
import contextlib
import io
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
import simcuda
from cuda_util import host


@contextlib.contextmanager
def host_reads():
    """Count the reads of simulated device memory by the host (each one a sync)."""
    count = [0]
    cls = simcuda.ndarray
    saved = {name: cls.__dict__[name] for name in ("__bool__", "__float__", "__int__", "get",
                                                   "__getattr__")}

    def counted(name):
        def f(self, *args, **kwargs):
            count[0] += 1
            return saved[name](self, *args, **kwargs)
        return f

    def getattr_(self, name):
        if name in ("item", "tolist"):
            count[0] += 1
        return saved["__getattr__"](self, name)
    for name in ("__bool__", "__float__", "__int__", "get"):
        setattr(cls, name, counted(name))
    cls.__getattr__ = getattr_
    try:
        yield count
    finally:
        for name, f in saved.items():
            setattr(cls, name, f)


# ------------------------------------------------------------------ without CUDA
@pytest.fixture
def no_cuda():
    """Ember as on a machine without CUDA (also where a GPU is present)."""
    saved = dict(ember.cuda._state)
    ember.cuda._state.update(checked=True, cupy=None)
    try:
        yield
    finally:
        ember.cuda._state.clear()
        ember.cuda._state.update(saved)


def test_no_cuda_behaves_like_the_cpu_build(no_cuda):
    c = ember.cuda
    assert not c.is_available() and c.device_count() == 0 and not c.is_initialized()
    assert c.memory_allocated() == 0 and c.max_memory_allocated() == 0
    assert c.memory_reserved() == 0 and c.max_memory_reserved() == 0
    assert dict(c.memory_stats()) == {}
    assert c.empty_cache() is None and c.manual_seed(0) is None and c.manual_seed_all(1) is None
    assert c.is_bf16_supported() is False
    for fn in (c.current_device, c.synchronize, lambda: c.get_device_name(0),
               lambda: c.get_device_properties(0), lambda: c.set_device(0), c.Stream,
               lambda: c.Event(enable_timing=True), c.current_stream, c.mem_get_info,
               c.reset_peak_memory_stats, lambda: ember.ones(2).cuda(),
               lambda: nn.Linear(2, 2).cuda()):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            fn()
    assert not c.is_initialized()


def test_no_cuda_pin_memory(no_cuda):
    with pytest.raises(RuntimeError):
        ember.cuda._pin_tensor(ember.ones(2))
    assert ember.cuda._tensor_is_pinned(ember.ones(2)) is False
    ds = ember.utils.data.TensorDataset(ember.arange(6.0))
    with pytest.warns(UserWarning, match="pin_memory"):
        batches = list(ember.utils.data.DataLoader(ds, batch_size=3, pin_memory=True))
    assert len(batches) == 2 and batches[0][0].device.type == "cpu"


def test_no_cuda_checkpoint_needs_map_location(no_cuda):
    with simcuda.installed():
        buf = io.BytesIO()
        ember.save({"w": ember.arange(4.0, device="cuda")}, buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
        ember.load(buf)
    for ml in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        buf.seek(0)
        w = ember.load(buf, map_location=ml)["w"]
        assert w.device.type == "cpu"
        np.testing.assert_array_equal(w.numpy(), np.arange(4.0, dtype=np.float32))


def test_autocast_and_scaler_for_cuda_disable_themselves(no_cuda):
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ac = ember.autocast("cuda")
    with ac:
        assert not ember.is_autocast_enabled("cuda")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = ember.amp.GradScaler("cuda")
    assert not scaler.is_enabled()


# ------------------------------------------------------------------ torch.cuda
def test_device_queries(cuda):
    c = ember.cuda
    assert c.is_available() and c.is_initialized() and c.device_count() >= 1
    assert c.current_device() == 0
    c.set_device(0)
    c.set_device("cuda:0")
    props = c.get_device_properties(0)
    assert props is c.get_device_properties(ember.device("cuda", 0))
    assert isinstance(props.name, str) and props.name == c.get_device_name()
    assert props.total_memory > 0 and props.multi_processor_count > 0
    assert c.get_device_capability() == (props.major, props.minor)
    r = repr(props)
    assert r.startswith("_CudaDeviceProperties(name='%s', major=%d" % (props.name, props.major))
    assert "total_memory=%dMB" % (props.total_memory // 2 ** 20) in r
    assert isinstance(c.is_bf16_supported(), bool)
    with pytest.raises(ValueError, match="Expected a cuda device"):
        c.get_device_properties("cpu")
    with c.device(0):
        assert c.current_device() == 0
    with c.device_of(ember.ones(1, device="cuda")):
        pass
    with c.device_of(ember.ones(1)):
        pass
    free, total = c.mem_get_info()
    assert 0 < free <= total
    c.synchronize()


def test_memory_counters(cuda):
    c = ember.cuda
    c.empty_cache()
    c.reset_peak_memory_stats()
    base = c.memory_allocated()
    x = ember.empty(1 << 18, device="cuda")     # 1 MiB
    assert c.memory_allocated() >= base + (1 << 20)
    assert c.memory_reserved() >= c.memory_allocated()
    peak = c.max_memory_allocated()
    assert peak >= base + (1 << 20)
    del x
    assert c.memory_allocated() == base
    assert c.max_memory_allocated() == peak      # the peak stays until reset
    stats = c.memory_stats()
    for key in ("allocated_bytes.all.current", "allocated_bytes.all.peak",
                "reserved_bytes.all.current", "reserved_bytes.all.peak", "num_ooms"):
        assert key in stats
    assert stats["allocated_bytes.all.current"] == base
    c.reset_peak_memory_stats()
    assert c.max_memory_allocated() == base
    c.reset_max_memory_allocated()
    assert "memory summary" in c.memory_summary()
    c.empty_cache()
    assert c.memory_reserved() >= c.memory_allocated()


def test_streams_and_events(cuda):
    c = ember.cuda
    s = c.Stream()
    start, end = c.Event(enable_timing=True), c.Event(enable_timing=True)
    with c.stream(s):
        start.record()
        y = ember.ones(100, device="cuda") * 3
        end.record()
    end.synchronize()
    assert end.query() is True
    assert isinstance(start.elapsed_time(end), float) and start.elapsed_time(end) >= 0
    s.synchronize()
    assert s.query() is True
    s.wait_stream(c.current_stream())
    assert c.default_stream() == c.default_stream()
    assert isinstance(c.current_stream(), c.Stream)
    assert float(y.sum().item()) == 300.0
    untimed = c.Event()
    untimed.record()
    with pytest.raises(RuntimeError, match="enable_timing"):
        untimed.elapsed_time(end)


def test_seeding_cuda_random_numbers(cuda):
    c = ember.cuda
    c.manual_seed(123)
    a = ember.randn(5, device="cuda")
    c.manual_seed_all(123)
    b = ember.randn(5, device="cuda")
    assert bool((a == b).all())
    assert c.initial_seed() == 123
    ember.manual_seed(7)     # torch.manual_seed seeds CUDA too
    a = ember.rand(4, device="cuda")
    ember.manual_seed(7)
    assert bool((a == ember.rand(4, device="cuda")).all())
    c.seed()
    c.seed_all()


def test_cuda_amp_module(cuda):
    with pytest.warns(FutureWarning):
        scaler = ember.cuda.amp.GradScaler()
    assert scaler.is_enabled()
    with pytest.warns(FutureWarning):
        ac = ember.cuda.amp.autocast()
    with ac:
        assert ember.get_autocast_dtype("cuda") is ember.float16
        assert ember.is_autocast_enabled("cuda")


# ------------------------------------------------------------------ modules
def test_module_to_keeps_parameters_and_moves_buffers_and_grads(cuda):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    params = list(m.parameters())
    m(ember.randn(5, 3)).sum().backward()
    assert m.cuda() is m
    assert [p for p in m.parameters()] == params and all(a is b for a, b in zip(m.parameters(), params))
    for p in m.parameters():
        assert p.device.type == "cuda" and isinstance(p, nn.Parameter)
        assert p.grad.device.type == "cuda"
    for b in m.buffers():
        assert b.device.type == "cuda"
    m(ember.randn(5, 3, device="cuda")).sum().backward()
    m.to("cpu", ember.float64)
    assert all(p.device.type == "cpu" and p.dtype is ember.float64 for p in m.parameters())
    assert m[1].num_batches_tracked.dtype is ember.int64     # integer buffers keep their dtype
    m.to(ember.ones(1, device="cuda"))                        # .to(tensor): its device and dtype
    assert all(p.device.type == "cuda" and p.dtype is ember.float32 for p in m.parameters())
    m.to(device="cuda", dtype=ember.float16, non_blocking=True)
    assert all(p.dtype is ember.float16 and p.grad.dtype is ember.float16 for p in m.parameters())
    m.float().cpu()
    assert all(a is b for a, b in zip(m.parameters(), params))
    assert all(p.device.type == "cpu" for p in m.parameters())


def test_module_trains_on_cuda_like_on_cpu(cuda):
    rs = np.random.RandomState(0)
    x, y = rs.randn(8, 5).astype(np.float32), rs.randint(0, 3, 8)
    results = []
    for dev in ("cpu", "cuda"):
        ember.manual_seed(0)
        m = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3)).to(dev)
        opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            loss = F.cross_entropy(m(ember.tensor(x, device=dev)), ember.tensor(y, device=dev))
            loss.backward()
            opt.step()
        results.append([host(p) for p in m.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


INITS = [
    ("uniform_", lambda t: nn.init.uniform_(t)), ("normal_", lambda t: nn.init.normal_(t)),
    ("trunc_normal_", lambda t: nn.init.trunc_normal_(t)),
    ("trunc_normal_narrow", lambda t: nn.init.trunc_normal_(t, a=1.5, b=2.5)),
    ("constant_", lambda t: nn.init.constant_(t, 0.3)), ("eye_", nn.init.eye_),
    ("xavier_uniform_", nn.init.xavier_uniform_), ("xavier_normal_", nn.init.xavier_normal_),
    ("kaiming_uniform_", nn.init.kaiming_uniform_), ("kaiming_normal_", nn.init.kaiming_normal_),
    ("orthogonal_", nn.init.orthogonal_), ("sparse_", lambda t: nn.init.sparse_(t, 0.5)),
    ("zeros_", nn.init.zeros_), ("ones_", nn.init.ones_),
]


@pytest.mark.parametrize("name,fn", INITS, ids=[i[0] for i in INITS])
def test_init_on_cuda_parameters(cuda, name, fn):
    p = nn.Parameter(ember.empty(6, 4, device="cuda"))
    assert fn(p) is p and p.device.type == "cuda" and p.grad_fn is None
    a = host(p)
    assert np.isfinite(a).all()
    if name == "trunc_normal_narrow":
        assert ((a >= 1.5) & (a <= 2.5)).all()
    if name == "orthogonal_":
        np.testing.assert_allclose(a.T @ a, np.eye(4), atol=1e-5)
    if name == "eye_":
        np.testing.assert_array_equal(a, np.eye(6, 4))
    if name == "sparse_":
        assert ((a == 0).sum(axis=0) >= 3).all()


def test_dirac_on_cuda(cuda):
    p = nn.Parameter(ember.empty(4, 2, 3, device="cuda"))
    nn.init.dirac_(p, groups=2)
    np.testing.assert_array_equal(host(p), host(nn.init.dirac_(ember.empty(4, 2, 3), groups=2)))


PARAMETRIZATIONS = ["orthogonal_matrix_exp", "orthogonal_cayley", "orthogonal_householder",
                    "orthogonal_householder_no_trivialization", "orthogonal_wide", "weight_norm",
                    "spectral_norm"]


@pytest.mark.parametrize("kind", PARAMETRIZATIONS)
def test_parametrizations_on_cuda(cuda, kind):
    from ember.nn.utils import parametrizations as P
    outs = []
    for dev in ("cpu", "cuda"):
        ember.manual_seed(0)
        m = nn.Linear(4, 6 if kind == "orthogonal_wide" else 3).to(dev)
        if kind.startswith("orthogonal"):
            om = "householder"
            for name in ("matrix_exp", "cayley"):
                if name in kind:
                    om = name
            P.orthogonal(m, orthogonal_map=om,
                         use_trivialization=not kind.endswith("no_trivialization"))
        else:
            getattr(P, kind)(m)
        y = m(ember.ones(2, 4, device=dev))
        y.sum().backward()
        outs.append((y, [p.grad for p in m.parameters()]))
    (y_cpu, g_cpu), (y_cuda, g_cuda) = outs
    assert y_cuda.device.type == "cuda"
    np.testing.assert_allclose(host(y_cuda), host(y_cpu), rtol=1e-4, atol=1e-5)
    for a, b in zip(g_cpu, g_cuda):
        assert b.device.type == "cuda"
        # (random starts: spectral_norm's power iteration, orthogonal's completed base)
        if kind not in ("spectral_norm", "orthogonal_wide"):
            np.testing.assert_allclose(host(b), host(a), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ optimizers
OPTIMIZERS = [
    ("SGD", lambda p: optim.SGD(p, lr=0.1)),
    ("SGD_momentum", lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("SGD_nesterov", lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", lambda p: optim.Adam(p, lr=0.01)),
    ("Adam_foreach", lambda p: optim.Adam(p, lr=0.01, foreach=True)),
    ("Adam_fused", lambda p: optim.Adam(p, lr=0.01, fused=True)),
    ("AdamW_amsgrad", lambda p: optim.AdamW(p, lr=0.01, amsgrad=True)),
    # the fused GPU kernel's variants: coupled decay with maximize, decoupled decay
    ("Adam_wd_maximize", lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1, maximize=True)),
    ("AdamW", lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1)),
    ("RMSprop", lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", lambda p: optim.Adagrad(p, lr=0.1)),
    ("Adadelta", lambda p: optim.Adadelta(p)),
    ("Adamax", lambda p: optim.Adamax(p)),
    ("NAdam", lambda p: optim.NAdam(p)),
    ("RAdam", lambda p: optim.RAdam(p)),
    ("ASGD", lambda p: optim.ASGD(p, lr=0.01, t0=1)),
    ("Rprop", lambda p: optim.Rprop(p)),
    ("LBFGS", lambda p: optim.LBFGS(p, lr=0.5, max_iter=5)),
    ("LBFGS_wolfe", lambda p: optim.LBFGS(p, lr=0.5, max_iter=5, line_search_fn="strong_wolfe")),
]
# state PyTorch keeps on the CPU for non-capturable optimizers (LBFGS: its scalars are
# on the device only when the arithmetic produced device values)
_CPU_STATE = {"step", "mu_product"}


def _train(make, dev, dtype=ember.float32, steps=4):
    rs = np.random.RandomState(0)
    w = ember.tensor(rs.randn(4, 3), dtype=dtype, device=dev, requires_grad=True)
    b = ember.tensor(rs.randn(3), dtype=dtype, device=dev, requires_grad=True)
    x = ember.tensor(rs.randn(5, 4), dtype=dtype, device=dev)
    opt = make([w, b])

    def closure():
        opt.zero_grad()
        loss = ((x @ w + b) ** 2).float().sum()
        loss.backward()
        return loss
    for _ in range(steps):
        if isinstance(opt, optim.LBFGS):
            opt.step(closure)
        else:
            closure()
            opt.step()
    return opt, (w, b)


@pytest.mark.parametrize("name,make", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_on_cuda_matches_cpu(cuda, name, make):
    _, cpu_params = _train(make, "cpu")
    opt, cuda_params = _train(make, "cuda")
    for a, b in zip(cpu_params, cuda_params):
        assert b.device.type == "cuda"
        np.testing.assert_allclose(host(b), host(a), rtol=1e-5, atol=1e-6)
    for st in opt.state.values():
        for k, v in st.items():
            if isinstance(v, ember.Tensor) and v.dim() > 0:
                assert v.device.type == "cuda", (k, v.device)
            if isinstance(v, ember.Tensor) and k in _CPU_STATE and name != "ASGD":
                assert v.device.type == "cpu", (k, v.device)
    if name == "ASGD":      # PyTorch keeps ASGD's scalars on the parameter's device
        assert all(v.device.type == "cuda" for v in opt.state[cuda_params[0]].values())


@pytest.mark.parametrize("name", ["SGD_momentum", "Adam", "AdamW_amsgrad", "RMSprop"])
def test_float16_parameters_on_cuda(cuda, name):
    make = dict(OPTIMIZERS)[name]
    _, cpu_params = _train(make, "cpu", ember.float16, steps=2)
    _, cuda_params = _train(make, "cuda", ember.float16, steps=2)
    for a, b in zip(cpu_params, cuda_params):
        assert b.dtype is ember.float16 and b.device.type == "cuda"
        np.testing.assert_allclose(host(b), host(a), rtol=1e-3, atol=1e-3)


def test_adam_step_reads_nothing_back(cuda):
    if cuda != "sim":
        pytest.skip("counts reads of the simulated device")
    opt, (w, b) = _train(lambda p: optim.Adam(p, lr=0.01), "cuda", steps=1)
    ((w.sum() + b.sum()) ** 2).backward()
    with host_reads() as n:
        opt.step()
    assert n[0] == 0


def test_optimizer_state_dict_moves_to_the_parameters_device(cuda):
    opt, _ = _train(lambda p: optim.Adam(p, lr=0.01), "cpu", steps=2)
    sd = opt.state_dict()
    w = ember.zeros(4, 3, device="cuda", requires_grad=True)
    b = ember.zeros(3, device="cuda", requires_grad=True)
    opt2 = optim.Adam([w, b], lr=0.01)
    opt2.load_state_dict(sd)
    st = opt2.state[w]
    assert st["exp_avg"].device.type == "cuda" and st["exp_avg_sq"].device.type == "cuda"
    assert st["step"].device.type == "cpu"
    (w.sum() + b.sum()).backward()
    opt2.step()


def test_lr_scheduler_with_cuda_parameters(cuda):
    p = ember.zeros(3, device="cuda", requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        p.sum().backward()
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == 0.125
    np.testing.assert_allclose(host(p), -1.75)


@pytest.mark.parametrize("dtypes", [("float32",), ("float32", "float64"), ("float16",),
                                    ("bfloat16", "float32")])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
def test_clip_grad_norm_on_cuda(cuda, dtypes, norm_type):
    rs = np.random.RandomState(0)
    raw = [rs.randn(3, 4) * 10 for _ in dtypes]
    out = {}
    for dev in ("cpu", "cuda"):
        ps = []
        for a, d in zip(raw, dtypes):
            p = ember.zeros(3, 4, dtype=getattr(ember, d), device=dev, requires_grad=True)
            p.grad = ember.tensor(a, dtype=getattr(ember, d), device=dev)
            ps.append(p)
        out[dev] = (nn.utils.clip_grad_norm_(ps, 1.0, norm_type), [p.grad for p in ps])
    (n_cpu, g_cpu), (n_cuda, g_cuda) = out["cpu"], out["cuda"]
    assert n_cuda.device.type == "cuda" and n_cuda.dtype is n_cpu.dtype
    np.testing.assert_allclose(host(n_cuda), host(n_cpu), rtol=1e-5)
    for a, b in zip(g_cpu, g_cuda):
        assert b.device.type == "cuda" and a.dtype is b.dtype
        np.testing.assert_allclose(host(b), host(a), rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_clip_grad_value_on_cuda(cuda, dtype):
    g = ember.randn(30, 30) * 3
    out = []
    for dev in ("cpu", "cuda"):
        p = ember.zeros(30, 30, dtype=getattr(ember, dtype), device=dev, requires_grad=True)
        p.grad = g.to(dev, getattr(ember, dtype))
        nn.utils.clip_grad_value_([p], 0.5)
        out.append(p.grad)
    assert out[1].device.type == "cuda"
    np.testing.assert_array_equal(host(out[1]), host(out[0]))


# ------------------------------------------------------------------ mixed precision
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_autocast_cuda_op_lists(cuda, dtype):
    low = getattr(ember, dtype)
    x = ember.randn(4, 3, device="cuda")
    w = ember.randn(5, 3, device="cuda", requires_grad=True)
    with ember.autocast("cuda", dtype=low):
        y = F.linear(x, w)
        assert y.dtype is low and y.device.type == "cuda"
        assert (x @ w.T).dtype is low and ember.mm(x, w.T).dtype is low
        assert ember.bmm(x[None], w.T[None]).dtype is low
        assert ember.addmm(ember.zeros(4, 5, device="cuda"), x, w.T).dtype is low
        conv = nn.Conv2d(3, 2, 3).cuda()
        assert conv(ember.randn(1, 3, 5, 5, device="cuda")).dtype is low
        for r in (F.softmax(y, -1), F.log_softmax(y, -1), y.exp(), y.log(), y.sum(),
                  F.layer_norm(y, (5,)), F.mse_loss(y, y.detach().float()), y.pow(2),
                  ember.logsumexp(y, -1)):
            assert r.dtype is ember.float32
        assert y.relu().dtype is low                     # not listed: the input's dtype
        assert ember.cat([y, ember.ones(2, 5, device="cuda")]).dtype is ember.float32  # widest
        assert x.double().matmul(ember.ones(3, 2, dtype=ember.float64, device="cuda")).dtype \
            is ember.float64                             # float64 is never cast
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            F.binary_cross_entropy(ember.sigmoid(y), ember.ones_like(y))
    y.float().sum().backward()
    assert w.grad.dtype is ember.float32 and w.grad.device.type == "cuda"


def test_grad_scaler_float16_overflow_skips_step_and_backs_off(cuda):
    ember.manual_seed(0)
    model = nn.Linear(4, 3).cuda()
    opt = optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cuda", init_scale=2.0 ** 16, growth_interval=2)
    x = ember.randn(8, 4, device="cuda")
    before = [host(p).copy() for p in model.parameters()]

    # step 1: the float16 gradient of a large loss overflows once scaled
    with ember.autocast("cuda", dtype=ember.float16):
        out = model(x)
        assert out.dtype is ember.float16
        loss = out.float().sum() * 1000.0
    scaler.scale(loss).backward()
    assert not np.isfinite(host(model.weight.grad)).all()
    with host_reads() if cuda == "sim" else contextlib.nullcontext([0]) as n:
        scaler.unscale_(opt)
    assert n[0] == 0                     # the inf check stays on the device
    found = scaler._per_optimizer_states[id(opt)]["found_inf_per_device"]
    assert list(found) == ["cuda:0"] and float(found["cuda:0"].item()) == 1.0
    assert scaler.step(opt) is None      # skipped
    with host_reads() if cuda == "sim" else contextlib.nullcontext([0]) as n:
        scaler.update()
    assert n[0] == 0
    for a, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(host(p), a)
    assert scaler.get_scale() == 2.0 ** 15 and scaler._get_growth_tracker() == 0
    assert scaler._scale.device.type == "cuda"

    # steps 2 and 3: finite gradients step; after growth_interval clean steps the scale grows
    for i in range(2):
        opt.zero_grad()
        with ember.autocast("cuda", dtype=ember.float16):
            loss = model(x).float().mean()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        assert scaler._get_growth_tracker() == (1 if i == 0 else 0)
    assert scaler.get_scale() == 2.0 ** 16
    assert not all(np.array_equal(host(p), a) for a, p in zip(before, model.parameters()))

    sd = scaler.state_dict()
    assert sd == {"scale": 2.0 ** 16, "growth_factor": 2.0, "backoff_factor": 0.5,
                  "growth_interval": 2, "_growth_tracker": 0}
    other = ember.amp.GradScaler("cuda")
    other.load_state_dict(sd)
    assert other.get_scale() == 2.0 ** 16 and other.get_growth_interval() == 2


def test_grad_scaler_step_syncs_once(cuda):
    if cuda != "sim":
        pytest.skip("counts reads of the simulated device")
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2)).cuda()
    opt = optim.Adam(model.parameters())
    scaler = ember.amp.GradScaler("cuda")
    scaler.scale(model(ember.randn(3, 4, device="cuda")).sum()).backward()
    with host_reads() as n:
        scaler.step(opt)
        scaler.update()
    assert n[0] == 1


# ------------------------------------------------------------------ checkpoints
def _pickled_locations(raw):
    zf = zipfile.ZipFile(io.BytesIO(raw))
    data = zf.read([n for n in zf.namelist() if n.endswith("data.pkl")][0])
    return data


def test_checkpoint_round_trip(cuda):
    m = nn.Linear(3, 2).cuda()
    x = ember.arange(12.0, device="cuda").view(3, 4)
    obj = {"sd": m.state_dict(), "x": x, "xt": x.t(), "row": x[1], "cpu": ember.ones(2),
           "p": m.weight, "half": x.half(), "bf16": x.bfloat16()}
    buf = io.BytesIO()
    ember.save(obj, buf)
    data = _pickled_locations(buf.getvalue())
    assert b"cuda:0" in data and b"cpu" in data
    expected = {k: host(v) for k, v in obj.items() if k != "sd"}
    for ml, dev in [(None, None), ("cpu", "cpu"), ("cuda", "cuda"), (ember.device("cuda:0"), "cuda"),
                    ({"cuda:0": "cpu"}, "cpu"), (lambda s, loc: s, "cpu"),
                    (lambda s, loc: s.cuda(), "cuda"), (lambda s, loc: None, None)]:
        buf.seek(0)
        r = ember.load(buf, map_location=ml)
        for k, v in expected.items():
            want = dev or ("cpu" if k == "cpu" else "cuda")
            assert r[k].device.type == want, (ml, k, r[k].device)
            np.testing.assert_array_equal(host(r[k]), v)
        assert isinstance(r["p"], nn.Parameter) and r["half"].dtype is ember.float16
        assert r["bf16"].dtype is ember.bfloat16
    buf.seek(0)
    r = ember.load(buf)
    r["x"][0, 1] = 100.0                 # views saved together share memory again
    assert float(r["xt"][1, 0].item()) == 100.0 and r["x"].device.type == "cuda"
    m2 = nn.Linear(3, 2).cuda()
    m2.load_state_dict(r["sd"])
    np.testing.assert_array_equal(host(m2.weight), host(m.weight))


def test_cpu_checkpoint_loads_onto_cuda(cuda):
    buf = io.BytesIO()
    ember.save({"w": ember.arange(3.0)}, buf)
    assert b"cuda" not in _pickled_locations(buf.getvalue())
    buf.seek(0)
    w = ember.load(buf, map_location="cuda")["w"]
    assert w.device.type == "cuda"
    np.testing.assert_array_equal(host(w), [0.0, 1.0, 2.0])


def test_deepcopy_and_pickle_keep_the_device(cuda):
    import copy
    m = nn.Linear(2, 2).cuda()
    d = copy.deepcopy(m)
    assert d.weight.device.type == "cuda" and d.weight is not m.weight
    t = ember.arange(3.0, device="cuda").requires_grad_()
    u = pickle.loads(pickle.dumps(t))
    assert u.device.type == "cuda" and u.requires_grad and u.grad_fn is None
    np.testing.assert_array_equal(host(u), host(t))


# ------------------------------------------------------------------ pinned memory
def test_pin_memory(cuda):
    c = ember.cuda
    t = ember.arange(6.0).view(2, 3)
    p = c._pin_tensor(t)
    assert p is not t and p.device.type == "cpu" and c._tensor_is_pinned(p)
    assert not c._tensor_is_pinned(t)
    assert c._tensor_is_pinned(p[1])                 # views of pinned memory are pinned
    assert c._pin_tensor(p) is p
    np.testing.assert_array_equal(p.numpy(), t.numpy())
    assert p.cuda(non_blocking=True).device.type == "cuda"
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        c._pin_tensor(ember.ones(2, device="cuda"))


def test_dataloader_pin_memory(cuda):
    ds = ember.utils.data.TensorDataset(ember.arange(8.0).view(4, 2), ember.arange(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batches = list(ember.utils.data.DataLoader(ds, batch_size=2, pin_memory=True))
    assert len(batches) == 2
    for x, y in batches:
        assert ember.cuda._tensor_is_pinned(x) and ember.cuda._tensor_is_pinned(y)
        assert x.device.type == "cpu"
    plain = list(ember.utils.data.DataLoader(ds, batch_size=2))
    assert not ember.cuda._tensor_is_pinned(plain[0][0])


def test_peak_memory_sees_the_backward_pass(cuda):
    """CuPy's pool keeps no peak; Ember samples it during backward, where a
    training step's memory is highest, so the peak covers the activations."""
    ember.cuda.empty_cache()
    w = ember.randn(256, 256, device="cuda", requires_grad=True)
    ember.cuda.reset_peak_memory_stats()
    base = ember.cuda.memory_allocated()
    x = ember.randn(1024, 256, device="cuda")
    hidden = F.relu(x @ w)            # 1 MiB of activations, kept for backward
    (hidden * hidden).sum().backward()
    del x, hidden
    activations = 1024 * 256 * 4
    assert ember.cuda.max_memory_allocated() - base >= 2 * activations
    assert ember.cuda.memory_allocated() - base < activations
