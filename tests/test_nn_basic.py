"""ember.nn foundation (Module, containers, Linear, activations, dropout,
nn.init, nn.functional basics, torch.func.functional_call) compared against
real PyTorch."""
import copy
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF
import torch.nn as tnn
import torch.nn.functional as TF

RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def pair(a, requires_grad=False):
    """The same values as a torch tensor and an ember tensor."""
    t = torch.tensor(a, requires_grad=requires_grad)
    e = ember.tensor(a, requires_grad=requires_grad)
    return t, e


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
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(b, a)


def both(fn):
    """fn(torch, nn) and fn(ember, enn): the results, or the exception classes."""
    out = []
    for lib, nn in ((torch, tnn), (ember, enn)):
        try:
            out.append(fn(lib, nn))
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e)))
    return out


def same(fn):
    a, b = both(fn)
    assert a == b, "\ntorch: %r\nember: %r" % (a, b)
    return a


def copy_weights(tm, em):
    """Load torch module tm's state into ember module em (through numpy)."""
    sd = OrderedDict((k, ember.tensor(v.detach().numpy().copy())) for k, v in tm.state_dict().items())
    r = em.load_state_dict(sd)
    assert not r.missing_keys and not r.unexpected_keys


def check_module(tm, em, *inputs, rtol=1e-5, atol=1e-6):
    """Same forward and same gradients of inputs and parameters."""
    copy_weights(tm, em)
    tin = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    ein = [ember.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    to, eo = tm(*tin), em(*ein)
    close(to, eo, rtol, atol)
    go = arr(*to.shape, dtype=npy(to).dtype)
    to.backward(torch.tensor(go))
    eo.backward(ember.tensor(go))
    for a, b in zip(tin, ein):
        if a.requires_grad:
            close(a.grad, b.grad, rtol, atol)
    tp, ep = dict(tm.named_parameters()), dict(em.named_parameters())
    assert list(tp) == list(ep)
    for k in tp:
        close(tp[k].grad, ep[k].grad, rtol, atol)


# ------------------------------------------------------------------ Parameter
def test_parameter_basics():
    t = ember.ones(2, 3)
    p = enn.Parameter(t)
    assert isinstance(p, ember.Tensor) and isinstance(p, enn.Parameter)
    assert p.requires_grad and p.is_leaf
    with ember.no_grad():
        p.add_(1)
    assert float(t[0, 0]) == 2.0  # shares memory with t
    assert repr(p) == repr(tnn.Parameter(torch.ones(2, 3) * 2))
    assert not enn.Parameter(ember.ones(2), requires_grad=False).requires_grad
    assert enn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert type(q) is enn.Parameter and q.requires_grad and q is not p
    assert np.array_equal(npy(q), npy(p))
    assert type(p * 2) is ember.Tensor and type(p.detach()) is ember.Tensor
    with pytest.raises(RuntimeError):
        enn.Parameter(ember.ones(2, dtype=ember.int64))


# ------------------------------------------------------------------ registration
class Net(tnn.Module):
    pass


def _build(nn, lib, tie=True):
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.register_buffer("running", lib.zeros(4))
            self.register_buffer("tmp", lib.ones(2), persistent=False)
            self.scale = nn.Parameter(lib.ones(1))
            self.block = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
            if tie:
                self.shared = self.fc  # registered twice

        def forward(self, x):
            return self.block(self.fc(x)) * self.scale + self.running

    return M()


def test_registration_and_iteration():
    def names(lib, nn):
        m = _build(nn, lib)
        return (
            [n for n, _ in m.named_parameters()],
            [n for n, _ in m.named_parameters(remove_duplicate=False)],
            [n for n, _ in m.named_parameters(prefix="root", recurse=False)],
            [n for n, _ in m.named_buffers()],
            [n for n, _ in m.named_modules()],
            [n for n, _ in m.named_modules(remove_duplicate=False)],
            [n for n, _ in m.named_children()],
            list(m.state_dict().keys()),
            list(m.state_dict(prefix="p.").keys()),
            list(m.state_dict()._metadata.keys()),
            len(list(m.parameters())), len(list(m.buffers())), len(list(m.modules())),
            len(list(m.children())),
            type(m.get_submodule("block.0")).__name__,
            tuple(m.get_parameter("block.0.bias").shape),
            tuple(m.get_buffer("running").shape),
        )
    same(names)


def test_setattr_rules_and_errors():
    def errs(lib, nn):
        out = []
        m = nn.Linear(2, 2)
        for fn in (
            lambda: setattr(m, "weight", lib.ones(2, 2)),
            lambda: m.register_parameter("a.b", None),
            lambda: m.register_parameter("", None),
            lambda: m.register_parameter(3, None),
            lambda: m.register_parameter("w2", lib.ones(2)),
            lambda: m.register_parameter("in_features", None),
            lambda: m.register_buffer("a.b", None),
            lambda: m.register_buffer("weight", lib.ones(2)),
            lambda: m.register_buffer("b2", 3),
            lambda: m.add_module("x.y", nn.ReLU()),
            lambda: m.add_module("z", 3),
            lambda: m.get_submodule("nope"),
            lambda: m.get_parameter("in_features"),
            lambda: m.get_buffer("weight"),
            lambda: nn.Parameter(lib.ones(2, requires_grad=True) * 2) and
            m.register_parameter("nl", lib.ones(2, requires_grad=True) * 2),
        ):
            try:
                fn()
                out.append("ok")
            except Exception as e:  # noqa: BLE001
                out.append((type(e).__name__, str(e)))
        s = nn.Sequential(nn.ReLU())
        try:
            s[0] = 3
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e)))
        m.weight = None
        out.append([n for n, _ in m.named_parameters()])
        m.extra = nn.Tanh()
        m.extra = None
        out.append(list(m._modules))
        del m.extra
        m.register_buffer("b", lib.zeros(1))
        m.b = lib.ones(3)
        out.append(list(m.state_dict()))
        del m.b
        out.append(list(m.state_dict()))
        return out
    same(errs)

    class Early(enn.Module):
        def __init__(self):
            self.fc = enn.Linear(1, 1)
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    with pytest.raises(TypeError):
        enn.Module(3)


def test_buffer_class():
    def f(lib, nn):
        m = nn.Module()
        m.a = nn.Buffer(lib.ones(2))
        m.b = nn.Buffer(lib.ones(2), persistent=False)
        return list(m.state_dict()), [n for n, _ in m.named_buffers()], type(m.a).__name__
    same(f)


def test_state_dict_and_load():
    tm, em = _build(tnn, torch), _build(enn, ember)
    copy_weights(tm, em)
    for k, v in tm.state_dict().items():
        exact(v, em.state_dict()[k])
    sd = em.state_dict()
    assert not sd["fc.weight"].requires_grad
    assert em.state_dict(keep_vars=True)["fc.weight"] is em.fc.weight
    assert sd["fc.weight"]._data is em.fc.weight._data  # shares memory
    # error messages and return values
    same(lambda lib, nn: str(nn.Linear(2, 2).load_state_dict({"weight": lib.ones(2, 2),
                                                              "bias": lib.ones(2)})))
    same(lambda lib, nn: nn.Linear(2, 2).load_state_dict({"weight": lib.ones(2, 2)},
                                                         strict=False))
    same(lambda lib, nn: nn.Sequential(nn.Linear(2, 3)).load_state_dict(
        {"0.weight": lib.ones(3, 3), "0.bias": lib.ones(3), "1.x": lib.ones(1), "y": lib.ones(1)}))
    same(lambda lib, nn: nn.Linear(2, 2).load_state_dict({"weight": lib.ones(2, 2), "bias": 3}))
    same(lambda lib, nn: nn.Linear(2, 2).load_state_dict([1]))
    # assign=True replaces the parameter objects
    m = enn.Linear(2, 2)
    w = ember.ones(2, 2)
    m.load_state_dict({"weight": w, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(m.weight, enn.Parameter) and m.weight.requires_grad
    assert m.weight._data is w._data
    # hooks
    seen = []
    m.register_load_state_dict_post_hook(lambda mod, keys: seen.append(list(keys.missing_keys)))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(prefix))
    m.load_state_dict({"weight": ember.ones(2, 2)}, strict=False)
    m.state_dict()
    assert seen == [["bias"], ""]


def test_train_eval_apply_zero_grad():
    def f(lib, nn):
        m = _build(nn, lib)
        out = [m.training, m.block[1].training]
        m.eval()
        out += [m.training, m.block[1].training]
        m.train()
        out.append(m.fc.training)
        try:
            m.train("yes")
        except ValueError as e:
            out.append(str(e))
        names = []
        m.apply(lambda mod: names.append(type(mod).__name__))
        out.append(names)
        m.requires_grad_(False)
        out.append([p.requires_grad for p in m.parameters()])
        m.requires_grad_()
        m(lib.ones(2, 3)).sum().backward()
        m.zero_grad(set_to_none=False)
        out.append([float(p.grad.abs().sum()) for p in m.parameters()])
        m.zero_grad()
        out.append([p.grad for p in m.parameters()])
        return out
    same(f)


def test_dtype_conversions():
    m = _build(enn, ember)
    w = m.fc.weight
    m.double()
    assert m.fc.weight is w and w.dtype == ember.float64 and m.running.dtype == ember.float64
    m.to(ember.float32)
    assert w.dtype == ember.float32
    m.half()
    assert w.dtype == ember.float16
    m.to("cpu", dtype=ember.float32)
    m.bfloat16().float()
    assert w.dtype == ember.float32
    with pytest.raises(TypeError, match="floating point or complex"):
        m.to(ember.int64)
    m.cpu()
    m.type(ember.float64)
    assert w.dtype == ember.float64
    m.float()
    m(ember.ones(1, 3)).sum().backward()
    m.double()
    assert w.grad.dtype == ember.float64
    intbuf = enn.Module()
    intbuf.register_buffer("n", ember.zeros(2, dtype=ember.int64))
    intbuf.double()
    assert intbuf.n.dtype == ember.int64


def test_repr_and_dir():
    def r(lib, nn):
        m = _build(nn, lib)
        return repr(m).replace("M(", "X("), sorted(k for k in dir(m) if not k.startswith("__"))
    a, b = both(r)
    assert a[0] == b[0]
    assert set(["fc", "block", "running", "scale", "tmp", "forward", "state_dict"]) <= set(b[1])
    same(lambda lib, nn: repr(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])))
    same(lambda lib, nn: repr(nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})))
    same(lambda lib, nn: repr(nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(3), "x"])))
    same(lambda lib, nn: repr(nn.ParameterList([nn.Parameter(lib.ones(2, 3))])))
    same(lambda lib, nn: repr(nn.ParameterDict({"b": nn.Parameter(lib.ones(2, 3)),
                                                "a": lib.zeros(3, dtype=lib.float64)})))
    same(lambda lib, nn: repr(nn.Sequential(nn.Sequential(nn.Linear(1, 2), nn.Dropout()),
                                            nn.ModuleList(), nn.ModuleDict())))
    same(lambda lib, nn: [repr(m) for m in (
        nn.ReLU(), nn.ReLU(True), nn.ReLU6(), nn.ReLU6(True), nn.Hardtanh(), nn.Hardtanh(-2, 2, True),
        nn.LeakyReLU(), nn.LeakyReLU(0.2, True), nn.ELU(), nn.ELU(0.5, True), nn.CELU(), nn.SELU(),
        nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.SiLU(True), nn.Mish(), nn.Hardswish(),
        nn.Hardsigmoid(), nn.Sigmoid(), nn.Tanh(), nn.LogSigmoid(), nn.Softplus(), nn.Softplus(2, 10),
        nn.Softsign(), nn.Tanhshrink(), nn.Threshold(0.1, 20), nn.Hardshrink(), nn.Softshrink(0.3),
        nn.GLU(), nn.PReLU(), nn.PReLU(3, 0.1), nn.RReLU(), nn.RReLU(0.1, 0.3, True), nn.Softmax(),
        nn.Softmax(dim=1), nn.LogSoftmax(1), nn.Softmin(0), nn.Softmax2d(), nn.Dropout(),
        nn.Dropout(0.2, True), nn.Dropout1d(), nn.Dropout2d(), nn.Dropout3d(), nn.AlphaDropout(0.1),
        nn.FeatureAlphaDropout(), nn.Identity(3, a=4), nn.Flatten(), nn.Unflatten(1, (2, 3)),
        nn.Bilinear(2, 3, 4), nn.Linear(2, 3, bias=False), nn.LazyLinear(3))])


def test_sequential_ops():
    def f(lib, nn):
        s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
        out = [repr(s[1:]), repr(s[-1]), repr(s[::2]), len(s)]
        s.append(nn.Identity())
        s.insert(1, nn.GELU())
        s.insert(-1, nn.SiLU())
        out.append(repr(s))
        s.extend([nn.ELU()])
        out.append(repr(s.pop(0)))
        del s[1]
        out.append(list(s._modules))
        s[0] = nn.Softsign()
        out.append(repr(s))
        out.append(repr(s + nn.Sequential(nn.ReLU())))
        out.append(repr(nn.Sequential(nn.ReLU()) * 2))
        out.append([type(m).__name__ for m in s])
        d = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh())]))
        out.append(repr(d))
        out.append(repr(d[1:]))
        for bad in (lambda: s[10], lambda: s + 3):
            try:
                bad()
            except Exception as e:  # noqa: BLE001
                out.append(type(e).__name__)
        return out
    same(f)


def test_modulelist_moduledict():
    def f(lib, nn):
        ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        ml.append(nn.Sigmoid())
        ml.extend([nn.ELU()])
        ml.insert(1, nn.GELU())
        out = [repr(ml), repr(ml[1:3]), repr(ml[-1]), len(ml)]
        del ml[0]
        out.append(list(ml._modules))
        ml[0] = nn.Identity()
        out.append(repr(ml + nn.ModuleList([nn.ReLU()])))
        out.append(repr(ml.pop(1)))
        md = nn.ModuleDict({"x": nn.ReLU()})
        md.update([("y", nn.Tanh())])
        md["z"] = nn.Linear(1, 1)
        out += [list(md.keys()), "y" in md, len(md), repr(md.pop("y")), list(md)]
        try:
            ml.extend(3)
        except TypeError as e:
            out.append(str(e))
        try:
            ml(1)
        except NotImplementedError as e:
            out.append(str(e))
        return out
    same(f)


def test_parameterlist_parameterdict():
    def f(lib, nn):
        pl = nn.ParameterList([lib.ones(2), nn.Parameter(lib.zeros(3))])
        pl.append(lib.ones(1))
        out = [len(pl), [type(p).__name__ for p in pl], [n for n, _ in pl.named_parameters()],
               len(pl[0:2])]
        pd = nn.ParameterDict({"b": lib.ones(2), "a": nn.Parameter(lib.zeros(1))})
        pd["c"] = lib.ones(3)
        out += [list(pd.keys()), [n for n, _ in pd.named_parameters()], "a" in pd, len(pd)]
        out.append(type(pd.pop("b")).__name__)
        out.append(list(pd))
        out.append(pd.get("zz", 5))
        try:
            pl(1)
        except RuntimeError as e:
            out.append(str(e))
        return out
    same(f)


# ------------------------------------------------------------------ Linear & co
def test_linear_forward_backward():
    for shape in [(5, 4), (4,), (2, 3, 4)]:
        check_module(tnn.Linear(4, 3), enn.Linear(4, 3), arr(*shape))
    check_module(tnn.Linear(4, 3, bias=False), enn.Linear(4, 3, bias=False), arr(2, 4))
    check_module(tnn.Linear(4, 3).double(), enn.Linear(4, 3, dtype=ember.float64),
                 arr(2, 4, dtype=np.float64))
    check_module(tnn.Bilinear(3, 2, 4), enn.Bilinear(3, 2, 4), arr(5, 3), arr(5, 2), rtol=1e-4)
    tm = tnn.Sequential(tnn.Linear(6, 5), tnn.ReLU(), tnn.Linear(5, 2))
    em = enn.Sequential(enn.Linear(6, 5), enn.ReLU(), enn.Linear(5, 2))
    check_module(tm, em, arr(7, 6))
    same(lambda lib, nn: nn.Linear(2, 3)(lib.ones(4, 3)))
    same(lambda lib, nn: nn.Linear(2, 3)(lib.ones(3)))
    same(lambda lib, nn: nn.Linear(2, 3)(lib.ones(2, dtype=lib.float64)))
    same(lambda lib, nn: lib.nn.functional.linear(lib.ones(2), lib.ones(3, 2),
                                                  lib.ones(3, dtype=lib.float64)))
    same(lambda lib, nn: nn.Linear(2, 3)(lib.ones(1, 2)).grad_fn.name())
    same(lambda lib, nn: nn.Linear(2, 3, bias=False)(lib.ones(1, 2)).grad_fn.name())


def test_linear_double_backward():
    xa, wa = arr(3, 4), arr(2, 4)
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        y = F.linear(x, w)
        g, = (torch if lib is torch else ember).autograd.grad((y * y).sum(), x, create_graph=True)
        (g * g).sum().backward()
        res.append((g, x.grad, w.grad))
    for a, b in zip(*res):
        close(a, b, 1e-4, 1e-5)


@pytest.mark.parametrize("seed", [0, 3])
def test_seeded_initialisation_exact(seed):
    for ctor in (lambda nn, lib: nn.Linear(20, 10), lambda nn, lib: nn.Linear(5, 2, bias=False),
                 lambda nn, lib: nn.Linear(3, 2, dtype=lib.float64),
                 lambda nn, lib: nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2)),
                 lambda nn, lib: nn.Bilinear(3, 4, 2), lambda nn, lib: nn.PReLU(3)):
        torch.manual_seed(seed)
        tm = ctor(tnn, torch)
        ember.manual_seed(seed)
        em = ctor(enn, ember)
        for (tk, tv), (ek, ev) in zip(tm.named_parameters(), em.named_parameters()):
            assert tk == ek
            exact(tv, ev)
        exact(torch.rand(3), ember.rand(3))


def test_flatten_unflatten_identity():
    check_module(tnn.Sequential(tnn.Flatten(), tnn.Linear(12, 2), tnn.Unflatten(1, (1, 2))),
                 enn.Sequential(enn.Flatten(), enn.Linear(12, 2), enn.Unflatten(1, (1, 2))),
                 arr(2, 3, 4))
    x = ember.ones(2)
    assert enn.Identity()(x) is x
    same(lambda lib, nn: nn.Unflatten(1, 3))


# ------------------------------------------------------------------ activations
ACTS = [
    ("relu", {}), ("relu6", {}), ("hardtanh", {"min_val": -0.5, "max_val": 0.7}),
    ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}), ("selu", {}),
    ("celu", {"alpha": 1.3}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}),
    ("mish", {}), ("hardswish", {}), ("hardsigmoid", {}), ("sigmoid", {}), ("tanh", {}),
    ("logsigmoid", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}), ("softsign", {}),
    ("tanhshrink", {}), ("threshold", {"threshold": 0.1, "value": -2.0}),
    ("hardshrink", {"lambd": 0.4}), ("softshrink", {"lambd": 0.4}), ("glu", {"dim": 1}),
    ("rrelu", {}),
]


@pytest.mark.parametrize("name,kw", ACTS, ids=[a + str(i) for i, (a, _) in enumerate(ACTS)])
def test_activation_functional(name, kw):
    a = np.concatenate([arr(4, 6) * 4, np.array([[0.0, -3.0, 3.0, 25.0, -25.0, 0.4]], np.float32)])
    for dtype in (np.float32, np.float64):
        t, e = pair(a.astype(dtype), requires_grad=True)
        to, eo = getattr(TF, name)(t, **kw), getattr(EF, name)(e, **kw)
        close(to, eo, 1e-5, 1e-6)
        go = arr(*to.shape, dtype=dtype)
        to.backward(torch.tensor(go))
        eo.backward(ember.tensor(go))
        close(t.grad, e.grad, 1e-5, 1e-6)


def test_activation_inplace_and_modules():
    a = arr(3, 5)
    for name in ("relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish",
                 "hardswish", "hardsigmoid", "hardtanh"):
        t, e = pair(a)
        rt = getattr(TF, name)(t, inplace=True)
        re_ = getattr(EF, name)(e, inplace=True)
        assert re_ is e and rt is t
        close(t, e)
    # through autograd: in-place on a non-leaf
    t, e = pair(a, requires_grad=True)
    yt, ye = t * 2, e * 2
    TF.relu(yt, inplace=True).sum().backward()
    EF.relu(ye, inplace=True).sum().backward()
    close(t.grad, e.grad)
    # PReLU with per-channel weights
    check_module(tnn.PReLU(3), enn.PReLU(3), arr(2, 3, 4))
    check_module(tnn.PReLU(), enn.PReLU(), arr(2, 3))
    for mod in ("ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "LeakyReLU", "Softplus"):
        check_module(getattr(tnn, mod)(), getattr(enn, mod)(), arr(3, 4))


def test_rrelu_training_stream():
    a = arr(6, 7)
    torch.manual_seed(5)
    ember.manual_seed(5)
    t, e = pair(a, requires_grad=True)
    to, eo = TF.rrelu(t, training=True), EF.rrelu(e, training=True)
    close(to, eo)
    to.sum().backward()
    eo.sum().backward()
    close(t.grad, e.grad)
    exact(torch.rand(4), ember.rand(4))


def test_softmax_family():
    if not hasattr(ember.Tensor, "softmax"):
        pytest.skip("Tensor.softmax not available yet")
    a = arr(3, 5)
    for name in ("softmax", "log_softmax", "softmin"):
        t, e = pair(a, requires_grad=True)
        to, eo = getattr(TF, name)(t, dim=1), getattr(EF, name)(e, dim=1)
        close(to, eo)
        to.sum().backward() if name != "softmax" else (to * to).sum().backward()
        eo.sum().backward() if name != "softmax" else (eo * eo).sum().backward()
        close(t.grad, e.grad)


# ------------------------------------------------------------------ dropout
def test_dropout_stream_exact():
    for seed, p, shape in ((4, 0.5, (4, 5)), (1, 0.2, (70,)), (2, 0.9, (3, 4, 5))):
        torch.manual_seed(seed)
        ember.manual_seed(seed)
        a = arr(*shape)
        t, e = pair(a, requires_grad=True)
        to, eo = TF.dropout(t, p), EF.dropout(e, p)
        exact(to.detach(), eo.detach())
        to.sum().backward()
        eo.sum().backward()
        exact(t.grad, e.grad)
        exact(torch.rand(3), ember.rand(3))
    for dt in ("float16", "bfloat16", "float64"):
        torch.manual_seed(3)
        ember.manual_seed(3)
        exact(TF.dropout(torch.ones(5, 6, dtype=getattr(torch, dt)), 0.3).float(),
              EF.dropout(ember.ones(5, 6, dtype=getattr(ember, dt)), 0.3).float())
    torch.manual_seed(0)
    ember.manual_seed(0)
    tm, em = tnn.Dropout(0.3), enn.Dropout(0.3)
    exact(tm(torch.ones(50)), em(ember.ones(50)))
    tm.eval()
    em.eval()
    x = ember.ones(3)
    assert em(x) is x
    exact(torch.rand(2), ember.rand(2))


def test_dropout_variants_exact():
    cases = [
        ("dropout", (3, 4), {"p": 0.4, "inplace": True}),
        ("dropout1d", (2, 3, 4), {"p": 0.5}), ("dropout1d", (3, 4), {"p": 0.5}),
        ("dropout2d", (2, 3, 4, 4), {"p": 0.3}), ("dropout3d", (2, 3, 2, 2, 2), {"p": 0.6}),
        ("dropout3d", (3, 2, 2, 2), {"p": 0.6}),
        ("alpha_dropout", (4, 5), {"p": 0.2, "training": True}),
        ("feature_alpha_dropout", (2, 3, 4), {"p": 0.2, "training": True}),
        ("dropout", (3, 4), {"p": 1.0}), ("dropout", (3, 4), {"p": 0.0}),
        ("dropout", (3, 4), {"p": 0.5, "training": False}),
    ]
    for name, shape, kw in cases:
        a = arr(*shape)
        torch.manual_seed(9)
        ember.manual_seed(9)
        t, e = pair(a)
        exact(getattr(TF, name)(t, **kw), getattr(EF, name)(e, **kw))
        if kw.get("inplace"):
            exact(t, e)
        exact(torch.rand(2), ember.rand(2))
    same(lambda lib, nn: nn.functional.dropout(lib.ones(2), p=1.5))
    same(lambda lib, nn: nn.Dropout(-0.1))
    same(lambda lib, nn: nn.functional.dropout1d(lib.ones(2), p=0.5))
    x = ember.ones(3)
    assert EF.dropout(x, training=False) is x
    for mod, shape in (("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 2, 2)),
                       ("Dropout3d", (2, 2, 2, 2, 2)), ("AlphaDropout", (3, 3)),
                       ("FeatureAlphaDropout", (2, 3, 2))):
        torch.manual_seed(1)
        ember.manual_seed(1)
        a = arr(*shape)
        exact(getattr(tnn, mod)(0.4)(torch.tensor(a)), getattr(enn, mod)(0.4)(ember.tensor(a)))


# ------------------------------------------------------------------ one_hot, normalize, pad
def test_one_hot():
    same(lambda lib, nn: nn.functional.one_hot(lib.tensor([0, 2, 1])).tolist())
    same(lambda lib, nn: nn.functional.one_hot(lib.tensor([[0, 2], [1, 1]]), 4).tolist())
    same(lambda lib, nn: str(nn.functional.one_hot(lib.tensor([1]), 3).dtype))
    same(lambda lib, nn: tuple(nn.functional.one_hot(lib.zeros(0, dtype=lib.int64), 3).shape))
    for bad in (lambda lib, nn: nn.functional.one_hot(lib.tensor([-1, 0])),
                lambda lib, nn: nn.functional.one_hot(lib.tensor([3]), 3),
                lambda lib, nn: nn.functional.one_hot(lib.tensor([1.0])),
                lambda lib, nn: nn.functional.one_hot(lib.tensor([1], dtype=lib.int32)),
                lambda lib, nn: nn.functional.one_hot(lib.zeros(0, dtype=lib.int64))):
        a, b = both(bad)
        assert a[0] == b[0] == "RuntimeError", (a, b)


def test_normalize():
    for kw in ({}, {"p": 1.0, "dim": 0}, {"p": 3.0, "dim": -1}):
        a = arr(4, 5)
        a[0] = 0
        t, e = pair(a, requires_grad=True)
        to, eo = TF.normalize(t, **kw), EF.normalize(e, **kw)
        close(to, eo)
        go = arr(4, 5)
        to.backward(torch.tensor(go))
        eo.backward(ember.tensor(go))
        close(t.grad, e.grad, 1e-4, 1e-5)


@pytest.mark.parametrize("mode,shape,pad", [
    ("constant", (2, 3), (1, 2)), ("constant", (2, 3, 4), (1, -1, 2, 0)),
    ("constant", (2, 3), (1, 1, 1, 1)), ("reflect", (1, 2, 5), (2, 3)),
    ("reflect", (1, 2, 4, 5), (1, 2, 3, 1)), ("replicate", (1, 2, 4), (3, 1)),
    ("replicate", (2, 3, 4, 4), (2, 2, 0, 1)), ("circular", (1, 2, 5), (2, 1)),
    ("circular", (1, 1, 3, 3), (1, 1, 2, 0)),
])
def test_pad(mode, shape, pad):
    a = arr(*shape)
    t, e = pair(a, requires_grad=True)
    kw = {"value": 1.5} if mode == "constant" else {}
    to, eo = TF.pad(t, pad, mode=mode, **kw), EF.pad(e, pad, mode=mode, **kw)
    close(to, eo)
    go = arr(*to.shape)
    to.backward(torch.tensor(go))
    eo.backward(ember.tensor(go))
    close(t.grad, e.grad)


def test_pad_errors():
    for bad in (lambda lib, nn: nn.functional.pad(lib.ones(2, 3), (1,)),
                lambda lib, nn: nn.functional.pad(lib.ones(2), (1, 1, 1, 1)),
                lambda lib, nn: nn.functional.pad(lib.ones(1, 2, 3), (3, 3), mode="reflect"),
                lambda lib, nn: nn.functional.pad(lib.ones(2, 3), (-2, -2))):
        a, b = both(bad)
        assert a[0] == b[0], (a, b)


# ------------------------------------------------------------------ init
INITS = [
    ("uniform_", (10,), {"a": -0.1, "b": 0.1}), ("normal_", (10,), {"mean": 0.0, "std": 0.01}),
    ("normal_", (40,), {}), ("xavier_uniform_", (5, 7), {}),
    ("xavier_uniform_", (3, 4), {"gain": math.sqrt(2.0)}), ("xavier_normal_", (5, 7), {}),
    ("xavier_normal_", (2, 3, 3, 3), {"gain": 2.0}), ("kaiming_uniform_", (6, 5), {}),
    ("kaiming_uniform_", (6, 5), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (4, 3, 2, 2), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (6, 5), {}), ("kaiming_normal_", (10, 8), {"mode": "fan_out"}),
    ("trunc_normal_", (40,), {}), ("trunc_normal_", (100,), {"std": 0.02, "a": -0.04, "b": 0.04}),
    ("trunc_normal_", (12,), {"mean": 1.0, "a": 0.0, "b": 2.0}),
    ("trunc_normal_", (20,), {"a": 2.0, "b": 3.0}), ("trunc_normal_", (50,), {"a": -0.5, "b": 0.1}),
    ("constant_", (3, 2), {"val": 0.3}), ("ones_", (2,), {}), ("zeros_", (2,), {}),
    ("eye_", (2, 3), {}), ("dirac_", (4, 2, 3), {}), ("dirac_", (4, 2, 3, 3), {"groups": 2}),
    ("sparse_", (6, 4), {"sparsity": 0.5}),
]


@pytest.mark.parametrize("name,shape,kw", INITS, ids=[n + str(i) for i, (n, _, _) in enumerate(INITS)])
def test_init_exact(name, shape, kw):
    for dtype in ("float32", "float64"):
        torch.manual_seed(11)
        ember.manual_seed(11)
        t = torch.empty(*shape, dtype=getattr(torch, dtype))
        e = ember.empty(*shape, dtype=getattr(ember, dtype))
        rt = getattr(tnn.init, name)(t, **kw)
        re_ = getattr(enn.init, name)(e, **kw)
        assert re_ is e and rt is t
        exact(t, e)
        exact(torch.rand(3), ember.rand(3))


def test_init_generator_and_params():
    g1, g2 = torch.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    exact(tnn.init.kaiming_uniform_(torch.empty(4, 3), generator=g1),
          enn.init.kaiming_uniform_(ember.empty(4, 3), generator=g2))
    torch.manual_seed(0)
    ember.manual_seed(0)
    tp, ep = tnn.Parameter(torch.empty(3, 4)), enn.Parameter(ember.empty(3, 4))
    tnn.init.xavier_uniform_(tp)
    enn.init.xavier_uniform_(ep)
    exact(tp.detach(), ep.detach())
    assert ep.is_leaf and ep.requires_grad
    # orthogonal_ uses a QR decomposition: close, not bit-exact
    for shape in ((3, 5), (5, 3), (2, 3, 2)):
        torch.manual_seed(2)
        ember.manual_seed(2)
        close(tnn.init.orthogonal_(torch.empty(*shape), gain=1.5),
              enn.init.orthogonal_(ember.empty(*shape), gain=1.5), 1e-4, 1e-5)
    same(lambda lib, nn: [nn.init.calculate_gain(n) for n in (
        "linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu")]
        + [nn.init.calculate_gain("leaky_relu", 0.2)])
    same(lambda lib, nn: type(nn.init.calculate_gain("linear")).__name__)
    for bad in (lambda lib, nn: nn.init.calculate_gain("foo"),
                lambda lib, nn: nn.init.kaiming_uniform_(lib.empty(3)),
                lambda lib, nn: nn.init.kaiming_uniform_(lib.empty(3, 2), mode="x"),
                lambda lib, nn: nn.init.eye_(lib.empty(3)),
                lambda lib, nn: nn.init.dirac_(lib.empty(3, 3))):
        same(bad)
    same(lambda lib, nn: nn.init._calculate_fan_in_and_fan_out(lib.empty(4, 3, 2, 5)))


# ------------------------------------------------------------------ hooks
def _hook_log(lib, nn):
    log = []
    m = nn.Linear(3, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[1.0, 2, 3], [4, 5, 6]]))
        m.bias.fill_(0.5)
    h1 = m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", [g.tolist() for g in go])))
    h2 = m.register_full_backward_hook(lambda mod, gi, go: log.append(
        ("full", [None if g is None else g.tolist() for g in gi], [g.tolist() for g in go])))
    x = lib.tensor([[1.0, 2, 3]], requires_grad=True)
    (m(x) * lib.tensor([[1.0, -1]])).sum().backward()
    log.append(x.grad.tolist())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m(lib.tensor([[1.0, 2, 3]])).sum().backward()
    h1.remove()
    h2.remove()
    m(x).sum().backward()
    m2 = nn.Linear(3, 2)
    m2.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0 + 7,))
    x = lib.tensor([[1.0, 2, 3]], requires_grad=True)
    m2(x).sum().backward()
    log.append(x.grad.tolist())
    m3 = nn.Linear(3, 2)
    with lib.no_grad():
        m3.weight.copy_(lib.tensor([[1.0, 2, 3], [4, 5, 6]]))
    m3.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    x = lib.tensor([[1.0, 2, 3]], requires_grad=True)
    m3(x).sum().backward()
    log.append(x.grad.tolist())
    try:
        m3.register_backward_hook(lambda *a: None)
        m3.register_full_backward_hook(lambda *a: None)
    except RuntimeError as e:
        log.append(str(e))
    return log


def test_backward_hooks():
    same(_hook_log)


def test_forward_hooks():
    def f(lib, nn):
        log = []
        m = nn.Linear(2, 2)
        m.register_forward_pre_hook(lambda mod, a, kw: ((a[0] * 2,), kw), with_kwargs=True)
        m.register_forward_pre_hook(lambda mod, a: a[0] + 1)
        m.register_forward_hook(lambda mod, a, kw, out: log.append(("kw", kw)), with_kwargs=True)
        m.register_forward_hook(lambda mod, a, out: log.append(a[0].tolist()), prepend=True)
        h = m.register_forward_hook(lambda mod, a, out: out * 0)
        log.append(m(lib.ones(1, 2)).tolist())
        h.remove()
        log.append(len(m._forward_hooks))

        class Bad(nn.Module):
            def forward(self, x):
                raise ValueError("x")
        b = Bad()
        b.register_forward_hook(lambda mod, a, out: log.append(("always", out)), always_call=True)
        b.register_forward_hook(lambda mod, a, out: log.append("never"))
        try:
            b(1)
        except ValueError:
            log.append("raised")
        with m.register_forward_pre_hook(lambda mod, a: log.append("ctx")):
            m(lib.ones(1, 2))
        m(lib.ones(1, 2))
        return log
    same(f)


def test_global_hooks():
    from ember.nn.modules import module as emod
    seen = []
    h = emod.register_module_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    try:
        enn.Sequential(enn.ReLU(), enn.Tanh())(ember.ones(2))
    finally:
        h.remove()
    enn.ReLU()(ember.ones(1))
    assert seen == ["ReLU", "Tanh", "Sequential"]


# ------------------------------------------------------------------ copy, functional_call
def test_deepcopy_and_state():
    m = _build(enn, ember)
    m.register_forward_hook(lambda mod, i, o: None)
    m2 = copy.deepcopy(m)
    assert m2.fc.weight is not m.fc.weight and m2.shared is m2.fc
    assert isinstance(m2.fc.weight, enn.Parameter)
    assert np.array_equal(npy(m2.fc.weight), npy(m.fc.weight))
    assert list(m2.state_dict()) == list(m.state_dict())
    assert len(m2._forward_hooks) == 1
    x = ember.tensor(arr(2, 3))
    assert np.allclose(npy(m(x)), npy(m2(x)))
    st = m.__getstate__()
    m3 = enn.Module.__new__(type(m))
    m3.__setstate__(st)
    assert m3.fc is m.fc


def test_functional_call():
    # (torch does not restore a module registered under two names: not compared)
    tm, em = _build(tnn, torch, tie=False), _build(enn, ember, tie=False)
    copy_weights(tm, em)
    a = arr(2, 3)
    new = {"fc.weight": arr(4, 3), "running": arr(4)}
    to = torch.func.functional_call(tm, {k: torch.tensor(v) for k, v in new.items()},
                                    (torch.tensor(a),))
    eo = ember.func.functional_call(em, {k: ember.tensor(v) for k, v in new.items()},
                                    ember.tensor(a))
    close(to, eo)
    # originals restored
    for k, v in tm.state_dict().items():
        exact(v, em.state_dict()[k])
    # gradients flow to the substituted tensors
    w = ember.tensor(new["fc.weight"], requires_grad=True)
    ember.func.functional_call(em, ({"fc.weight": w}, {}), (ember.tensor(a),)).sum().backward()
    wt = torch.tensor(new["fc.weight"], requires_grad=True)
    torch.func.functional_call(tm, ({"fc.weight": wt}, {}), (torch.tensor(a),)).sum().backward()
    close(wt.grad, w.grad)
    same(lambda lib, nn: type(lib.func.functional_call(nn.Linear(1, 1), {"x": lib.ones(1)},
                                                       (lib.ones(1),), strict=True)).__name__)
    same(lambda lib, nn: lib.func.functional_call(nn.Linear(1, 1), ({"weight": lib.ones(1, 1)},
                                                                    {"weight": lib.ones(1, 1)}),
                                                  (lib.ones(1),)))


def test_call_overhead_small():
    import time
    m = enn.ReLU()
    x = ember.ones(1)
    f = m.forward
    t0 = time.perf_counter()
    for _ in range(2000):
        f(x)
    direct = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(2000):
        m(x)
    called = time.perf_counter() - t0
    assert called < direct * 2 + 0.01
