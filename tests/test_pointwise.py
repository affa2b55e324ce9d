"""Element-wise ops (ember/_ops/pointwise.py) against real PyTorch: values,
dtypes, shapes, gradients and errors, on the same NumPy data."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402

# ----------------------------------------------------------------- helpers
INTS = ["uint8", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
DTYPES = ["bool"] + INTS + FLOATS
TOL = {"float16": (2e-3, 2e-3), "bfloat16": (1.6e-2, 1.6e-2), "float32": (2e-5, 1e-6),
       "float64": (1e-10, 1e-12), "complex64": (2e-5, 1e-6), "complex128": (1e-10, 1e-12)}


def data(shape, dtype, kind="any", seed=0):
    """Deterministic NumPy data of `dtype` in the domain `kind`."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype in INTS:
        lo, hi = {"any": (-5, 6), "pos": (1, 6), "unit": (0, 1), "gt1": (2, 5), "prob": (0, 1),
                  "small": (0, 4), "nonzero": (1, 6)}[kind]
        if dtype == "uint8":
            lo = max(lo, 0)
        a = rng.integers(lo, hi, size=shape)
        if kind == "nonzero" and dtype != "uint8":
            a = a * np.where(rng.random(shape) > 0.5, 1, -1)
        return a.astype(dtype)
    lo, hi = {"any": (-3, 3), "pos": (0.1, 3), "unit": (-0.9, 0.9), "gt1": (1.1, 4),
              "prob": (0.05, 0.95), "small": (-2, 2), "nonzero": (0.5, 3)}[kind]
    a = rng.uniform(lo, hi, size=shape)
    if kind == "nonzero":
        a = a * np.where(rng.random(shape) > 0.5, 1, -1)
    return a.astype(np.float64 if dtype == "float64" else np.float32)


def make(arr, dtype, requires_grad=False):
    """The same values as an (ember, torch) pair of tensors of `dtype`."""
    a = np.asarray(arr)
    if dtype == "bfloat16":
        t = torch.from_numpy(a.astype(np.float32).copy()).to(torch.bfloat16)
        e = ember.tensor(a.astype(np.float32)).to(ember.bfloat16)
    else:
        a = a.astype(np.bool_ if dtype == "bool" else dtype)
        t = torch.from_numpy(a.copy())
        e = ember.tensor(a.copy())
    if requires_grad:
        t.requires_grad_()
        e.requires_grad_()
    return e, t


def tonp(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()
    return np.asarray(x._data)


def same(e, t, tol=None):
    """ember result e equals torch result t: type, dtype, shape, values."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t)
        for a, b in zip(e, t):
            same(a, b, tol)
        return
    if not isinstance(t, torch.Tensor):
        assert type(e) is type(t) and (e == t or (e != e and t != t)), (e, t)
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    a, b = tonp(e), tonp(t)
    if b.dtype.kind in "fc":
        rtol, atol = tol or TOL[str(t.dtype)[6:]]
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def both(fe, ft, tol=None):
    """Run ft (torch) and fe (ember): the same exception class, or equal results."""
    try:
        rt = ft()
    except Exception as ex:  # noqa: BLE001
        with pytest.raises(type(ex)):
            fe()
        return None, None
    re = fe()
    same(re, rt, tol)
    return re, rt


def layout(e, t, how):
    """Apply the same layout change to both tensors."""
    if how == "transposed":
        return e.transpose(0, 1), t.transpose(0, 1)
    return e, t


SHAPES = {"contig": (3, 4), "transposed": (4, 3), "zerodim": (), "empty": (0, 3), "one": (1,)}


# ----------------------------------------------------------------- unary ops
UNARY = {  # name: domain
    "exp": "any", "exp2": "any", "expm1": "any", "log": "pos", "log2": "pos", "log10": "pos",
    "log1p": "pos", "sqrt": "pos", "rsqrt": "pos", "square": "any", "reciprocal": "nonzero",
    "abs": "any", "absolute": "any", "sign": "any", "sgn": "any", "floor": "any", "ceil": "any",
    "trunc": "any", "fix": "any", "frac": "any", "sin": "any", "cos": "any", "tan": "small",
    "asin": "unit", "acos": "unit", "atan": "any", "arcsin": "unit", "arccos": "unit",
    "arctan": "any", "sinh": "any", "cosh": "any", "asinh": "any", "acosh": "gt1", "atanh": "unit",
    "arcsinh": "any", "arccosh": "gt1", "arctanh": "unit", "tanh": "any", "sigmoid": "any",
    "erf": "any", "erfc": "any", "erfinv": "unit", "relu": "any", "neg": "any", "negative": "any",
    "positive": "any", "logit": "prob", "round": "any", "isnan": "any", "isinf": "any",
    "isfinite": "any", "signbit": "any", "isposinf": "any", "isneginf": "any", "isreal": "any",
    "logical_not": "any", "bitwise_not": "any", "nan_to_num": "any", "clone": "any",
}
NONDIFF = {"sign", "sgn", "floor", "ceil", "trunc", "fix", "round", "isnan", "isinf", "isfinite",
           "signbit", "isposinf", "isneginf", "isreal", "logical_not", "bitwise_not"}
DIFF_UNARY = [n for n in UNARY if n not in NONDIFF]


def _fn(mod, name):
    if name == "relu" and mod is torch:
        return torch.relu
    return getattr(mod, name)


_unary_cases = [(n, d, "contig") for n in UNARY for d in DTYPES]
_unary_cases += [(n, d, lay) for n in UNARY for d in ("float32", "int64")
                 for lay in ("transposed", "zerodim", "empty")]


@pytest.mark.parametrize("name,dtype,lay", _unary_cases)
def test_unary_forward(name, dtype, lay):
    a = data(SHAPES[lay], dtype, UNARY[name])
    e, t = layout(*make(a, dtype), lay)
    both(lambda: _fn(ember, name)(e), lambda: _fn(torch, name)(t))


@pytest.mark.parametrize("name", [n for n in UNARY if n not in ("positive",)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_unary_special_values(name, dtype):
    a = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, np.inf, -np.inf, np.nan, 1e-30,
                  -1e-30, 1e30, 60.0, -60.0, 100.0, -100.0], dtype=np.float64)
    if dtype == "float16":
        a = a[np.abs(np.nan_to_num(a)) < 1e4]
    e, t = make(a, dtype)
    both(lambda: _fn(ember, name)(e), lambda: _fn(torch, name)(t))


def _grad_pair(fe, ft, arrays, dtype, grad_seed=7):
    """Forward both, backward with the same random output gradient, compare
    outputs and every input's .grad."""
    pairs = [make(a, dtype, requires_grad=True) for a in arrays]
    ee = [p[0] for p in pairs]
    tt = [p[1] for p in pairs]
    ot = ft(*tt)
    oe = fe(*ee)
    same(oe, ot)
    g = data(tuple(ot.shape), dtype, "any", seed=grad_seed)
    ge, gt = make(g, dtype)
    ot.backward(gt)
    oe.backward(ge)
    for x, y in zip(ee, tt):
        if y.grad is None:
            assert x.grad is None
        else:
            same(x.grad, y.grad)
    return ee, tt


@pytest.mark.parametrize("name", DIFF_UNARY)
@pytest.mark.parametrize("dtype,lay", [("float32", "contig"), ("float64", "contig"),
                                       ("float64", "transposed"), ("float64", "zerodim"),
                                       ("float32", "empty"), ("float16", "contig")])
def test_unary_grad(name, dtype, lay):
    a = data(SHAPES[lay], dtype, UNARY[name], seed=3)
    _grad_pair(lambda x: _fn(ember, name)(layout(x, x, lay)[0]),
               lambda x: _fn(torch, name)(layout(x, x, lay)[0]), [a], dtype)


@pytest.mark.parametrize("name", [n for n in DIFF_UNARY if n not in ("relu", "abs", "absolute",
                                                                     "positive", "clone", "neg",
                                                                     "negative", "nan_to_num",
                                                                     "frac")])
def test_unary_double_backward(name):
    a = data((2, 3), "float64", UNARY[name], seed=5)
    g = data((2, 3), "float64", "any", seed=6)
    v = data((2, 3), "float64", "any", seed=8)
    res = []
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = _fn(mod, name)(x)
        (gx,) = mod.autograd.grad(y, x, mod.tensor(g), create_graph=True)
        gx.backward(mod.tensor(v))
        res.append((gx, x.grad))
    same(res[0][0], res[1][0])
    same(res[0][1], res[1][1])


INPLACE_UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs", "neg", "floor",
                 "ceil", "trunc", "round", "reciprocal", "relu", "sign", "erf", "frac", "square",
                 "rsqrt", "expm1", "log1p", "atan", "bitwise_not", "logical_not", "clamp_min",
                 "nan_to_num"]


@pytest.mark.parametrize("name", INPLACE_UNARY)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_unary_inplace(name, dtype):
    a = data((3, 4), dtype, "pos" if name in ("log", "sqrt", "rsqrt", "log1p") else "any")
    e, t = make(a, dtype)
    args = (0,) if name == "clamp_min" else ()
    re, rt = both(lambda: getattr(e, name + "_")(*args), lambda: getattr(t, name + "_")(*args))
    if rt is not None:
        assert re is e
        same(e, t)


def test_unary_inplace_grad_on_nonleaf():
    a = data((3, 4), "float64", "pos")
    res = []
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = x * 2
        y.sin_()
        y.add_(1)
        y.mul_(x)
        y.clamp_(0.1, 2.0)
        y.exp_()
        y.backward(mod.ones(3, 4, dtype=mod.float64))
        res.append((y, x.grad))
    same(res[0], res[1])


def test_inplace_after_saved_output_errors():
    a = data((3,), "float64", "pos")
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = x * 2
        y.exp_()   # saves its output
        y.sqrt_()  # ... which this overwrites
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward(mod.ones(3, dtype=mod.float64))


@pytest.mark.parametrize("name", ["exp", "sin", "abs", "neg", "floor", "sqrt", "signbit", "sigmoid",
                                  "isposinf"])
def test_unary_out(name):
    a = data((2, 3), "float32", "pos")
    e, t = make(a, "float32")
    dt = torch.bool if name in ("signbit", "isposinf") else torch.float32
    oe, ot = ember.empty(2, 3, dtype=getattr(ember, str(dt)[6:])), torch.empty(2, 3, dtype=dt)
    re = getattr(ember, name)(e, out=oe)
    rt = getattr(torch, name)(t, out=ot)
    assert re is oe
    same(oe, ot)
    same(re, rt)


def test_unary_out_resizes():
    e, t = make(data((2, 3), "float32"), "float32")
    oe, ot = ember.empty(0), torch.empty(0)
    ember.exp(e, out=oe)
    torch.exp(t, out=ot)
    same(oe, ot)


# ----------------------------------------------------------------- erf family accuracy
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_erf_accuracy(dtype):
    a = np.concatenate([np.linspace(-7, 7, 2001), [0.0, 1e-10, -1e-300, 0.47, 0.4769, 4.0, 5.9]])
    e, t = make(a, dtype)
    tol = (1e-6, 1e-7) if dtype == "float32" else (1e-13, 1e-15)
    same(ember.erf(e), torch.erf(t), tol)
    same(ember.erfc(e), torch.erfc(t), (tol[0] * 10, 1e-300 if dtype == "float64" else 1e-30))
    b = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), [0.0, 1.0, -1.0, 1e-12, 0.5]])
    e, t = make(b, dtype)
    # erfinv is ill-conditioned near +-1: 1 ulp of erf moves it by ~1e-11
    same(ember.erfinv(e), torch.erfinv(t), (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12))


# ----------------------------------------------------------------- rounding, clamping, misc
@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_round_decimals(decimals, dtype):
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.2345, -12.555, 123.456, 15.0, 25.0, 0.0, np.inf])
    if dtype == "int64":
        a = np.array([1, 15, 25, -35, 123])
    e, t = make(a, dtype)
    both(lambda: ember.round(e, decimals=decimals), lambda: torch.round(t, decimals=decimals))
    both(lambda: e.round(decimals=decimals), lambda: t.round(decimals=decimals))


CLAMP_ARGS = [dict(min=-1.0), dict(max=1.0), dict(min=-1.0, max=1.0), dict(min=1.0, max=-1.0),
              dict(min=0), dict(min=-1, max=2), dict(min=0.5, max=2.5), dict(min=True)]


@pytest.mark.parametrize("kw", CLAMP_ARGS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int64", "float16", "uint8", "int32", "bool"])
def test_clamp_scalar(kw, dtype):
    e, t = make(data((3, 4), dtype), dtype)
    both(lambda: ember.clamp(e, **kw), lambda: torch.clamp(t, **kw))
    both(lambda: e.clip(**kw), lambda: t.clip(**kw))
    both(lambda: e.clone().clamp_(**kw), lambda: t.clone().clamp_(**kw))


def test_clamp_errors():
    e, t = make(data((3,), "float32"), "float32")
    both(lambda: ember.clamp(e), lambda: torch.clamp(t))
    both(lambda: e.clamp_(), lambda: t.clamp_())
    ei, ti = make(data((3,), "int64"), "int64")
    both(lambda: ei.clamp_(min=0.5), lambda: ti.clamp_(min=0.5))


@pytest.mark.parametrize("which", ["min", "max", "both"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_clamp_tensor_bounds(which, dtype):
    a = data((3, 4), dtype, seed=1)
    lo = data((4,), dtype, seed=2) - (1 if dtype != "int64" else 2)
    hi = data((3, 1), dtype, seed=3) + (1 if dtype != "int64" else 2)
    e, t = make(a, dtype)
    le, lt = make(lo, dtype)
    he, ht = make(hi, dtype)
    kw = {"min": (le, lt), "max": (he, ht), "both": None}[which]
    if kw is None:
        both(lambda: ember.clamp(e, le, he), lambda: torch.clamp(t, lt, ht))
    else:
        both(lambda: ember.clamp(e, **{which: kw[0]}), lambda: torch.clamp(t, **{which: kw[1]}))


def test_clamp_grad():
    a = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    _grad_pair(lambda x: x.clamp(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0), [a], "float64")
    _grad_pair(lambda x: x.clamp(min=-0.5), lambda x: x.clamp(min=-0.5), [a], "float64")
    _grad_pair(lambda x: x.clamp(max=0.5), lambda x: x.clamp(max=0.5), [a], "float64")
    lo = np.array([-1.0, -1.0, 0.0, 0.0, 1.0, 1.0, 3.0])
    hi = lo + 1.0
    _grad_pair(lambda x, l, h: ember.clamp(x, l, h), lambda x, l, h: torch.clamp(x, l, h),
               [a, lo, hi], "float64")
    _grad_pair(lambda x, l: ember.clamp(x, min=l), lambda x, l: torch.clamp(x, min=l),
               [a, lo], "float64")


@pytest.mark.parametrize("kw", [{}, dict(nan=1.0), dict(nan=2.0, posinf=3.0, neginf=-4.0),
                                dict(posinf=1e3)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64"])
def test_nan_to_num(kw, dtype):
    a = np.array([np.nan, np.inf, -np.inf, 1.0, -2.0, 0.0])
    if dtype == "int64":
        a = np.array([1, 2, 3])
    e, t = make(a, dtype)
    both(lambda: ember.nan_to_num(e, **kw), lambda: torch.nan_to_num(t, **kw))
    both(lambda: e.clone().nan_to_num_(**kw), lambda: t.clone().nan_to_num_(**kw))


def test_nan_to_num_grad():
    a = np.array([np.nan, np.inf, -np.inf, 1.0, -2.0])
    _grad_pair(lambda x: x.nan_to_num(), lambda x: x.nan_to_num(), [a], "float64")


@pytest.mark.parametrize("eps", [None, 0.1, 0.0])
def test_logit_eps(eps):
    a = np.array([0.0, 0.05, 0.3, 0.5, 0.95, 1.0, 1.2, -0.1])
    e, t = make(a, "float64", requires_grad=True)
    both(lambda: ember.logit(e, eps), lambda: torch.logit(t, eps))
    if eps:
        _grad_pair(lambda x: ember.logit(x, eps), lambda x: torch.logit(x, eps), [a], "float64")


def test_cast_float_to_int_and_bool():
    a = np.array([-2.7, -0.5, 0.0, 0.4, 1.9, 250.0, 1e3])
    e, t = make(a, "float32")
    for d in ["int64", "int32", "int16", "int8", "uint8", "bool", "float16", "bfloat16",
              "float64"]:
        if d in ("int8", "uint8", "int16"):
            ee, tt = make(np.array([-2.7, -0.5, 0.0, 0.4, 1.9, 100.0]), "float32")
        else:
            ee, tt = e, t
        both(lambda: ee.to(getattr(ember, d)), lambda: tt.to(getattr(torch, d)))


def test_cast_int_wraps():
    a = np.array([300, -1, 255, 128, -129])
    e, t = make(a, "int64")
    for d in ["uint8", "int8", "int16", "bool", "float16", "bfloat16"]:
        both(lambda: e.to(getattr(ember, d)), lambda: t.to(getattr(torch, d)))


def test_bfloat16_rounding():
    a = np.array([1.0, 1.00390625, 1.01171875, 3.14159, -2.71828, 65504.0, 1e38, 1e-38])
    e, t = make(a, "float32")
    same(e.bfloat16(), t.bfloat16())
    same(e.bfloat16() + e.bfloat16(), t.bfloat16() + t.bfloat16())
    same(e.bfloat16() * 3.3, t.bfloat16() * 3.3)


def test_cast_grad():
    a = data((3,), "float32")
    _grad_pair(lambda x: x.double() * 2, lambda x: x.double() * 2, [a], "float32")
    _grad_pair(lambda x: x.half().float(), lambda x: x.half().float(), [a], "float32")


def test_clone_is_a_copy():
    e, t = make(data((2, 3), "float32"), "float32")
    c = e.clone()
    c.add_(1)
    assert not np.allclose(tonp(c), tonp(e))
    same(e.transpose(0, 1).clone(), t.transpose(0, 1).clone())
    assert ember.clone(e).is_contiguous()


def test_isreal_and_positive_errors():
    e, t = make(data((3,), "bool"), "bool")
    both(lambda: ember.positive(e), lambda: torch.positive(t))
    both(lambda: +e, lambda: +t)
    both(lambda: ember.isreal(e), lambda: torch.isreal(t))


# ----------------------------------------------------------------- binary ops
BINARY = {  # name: (domain of a, domain of b)
    "add": ("any", "any"), "sub": ("any", "any"), "mul": ("any", "any"), "div": ("any", "nonzero"),
    "true_divide": ("any", "nonzero"), "floor_divide": ("any", "nonzero"),
    "remainder": ("any", "nonzero"), "fmod": ("any", "nonzero"), "pow": ("pos", "small"),
    "float_power": ("pos", "small"), "atan2": ("any", "any"), "arctan2": ("any", "any"),
    "hypot": ("any", "any"), "maximum": ("any", "any"), "minimum": ("any", "any"),
    "fmax": ("any", "any"), "fmin": ("any", "any"), "eq": ("small", "small"),
    "ne": ("small", "small"), "lt": ("small", "small"), "le": ("small", "small"),
    "gt": ("small", "small"), "ge": ("small", "small"), "greater": ("any", "any"),
    "greater_equal": ("any", "any"), "less": ("any", "any"), "less_equal": ("any", "any"),
    "not_equal": ("small", "small"), "bitwise_and": ("any", "any"), "bitwise_or": ("any", "any"),
    "bitwise_xor": ("any", "any"), "logical_and": ("small", "small"),
    "logical_or": ("small", "small"), "logical_xor": ("small", "small"),
}
DIFF_BINARY = ["add", "sub", "mul", "div", "true_divide", "pow", "atan2", "hypot", "maximum",
               "minimum", "fmax", "fmin", "remainder", "fmod", "float_power"]
BSHAPES = {"same": ((3, 4), (3, 4)), "bcast": ((3, 1), (1, 4)), "row": ((3, 4), (4,)),
           "zerodim_b": ((3, 4), ()), "zerodim_a": ((), (3, 4)), "both0d": ((), ()),
           "empty": ((0, 4), (4,)), "empty_bcast": ((0, 1), (1, 5)), "rank3": ((2, 1, 4), (3, 1))}

_binary_cases = [(n, d, "same") for n in BINARY for d in DTYPES]
_binary_cases += [(n, d, s) for n in BINARY for d in ("float32", "int64") for s in BSHAPES
                  if s != "same"]


@pytest.mark.parametrize("name,dtype,shapes", _binary_cases)
def test_binary_forward(name, dtype, shapes):
    sa, sb = BSHAPES[shapes]
    da, db = BINARY[name]
    e1, t1 = make(data(sa, dtype, da, seed=1), dtype)
    e2, t2 = make(data(sb, dtype, db, seed=2), dtype)
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))
    both(lambda: getattr(e1, name)(e2), lambda: getattr(t1, name)(t2))


@pytest.mark.parametrize("name", BINARY)
def test_binary_noncontiguous(name):
    da, db = BINARY[name]
    e1, t1 = make(data((4, 3), "float32", da, seed=1), "float32")
    e2, t2 = make(data((3, 4), "float32", db, seed=2), "float32")
    both(lambda: getattr(ember, name)(e1.t(), e2), lambda: getattr(torch, name)(t1.t(), t2))
    both(lambda: getattr(ember, name)(e2, e1.t()), lambda: getattr(torch, name)(t2, t1.t()))


SCALARS = [2, -3, 0.5, True, 0]


@pytest.mark.parametrize("name", [n for n in BINARY if n not in ("hypot", "fmax", "fmin")])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_binary_scalar(name, dtype, scalar):
    da = BINARY[name][0]
    e, t = make(data((2, 3), dtype, da), dtype)
    both(lambda: getattr(ember, name)(e, scalar), lambda: getattr(torch, name)(t, scalar))


OPERATORS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
    "**": lambda a, b: a ** b, "&": lambda a, b: a & b, "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("scalar", [3, 2.5, True, -2])
@pytest.mark.parametrize("reflected", [False, True])
def test_operators_with_scalars(op, dtype, scalar, reflected):
    f = OPERATORS[op]
    e, t = make(data((2, 3), dtype, "pos"), dtype)
    if reflected:
        both(lambda: f(scalar, e), lambda: f(scalar, t))
    else:
        both(lambda: f(e, scalar), lambda: f(t, scalar))


@pytest.mark.parametrize("op", OPERATORS)
def test_operators_with_numpy(op):
    f = OPERATORS[op]
    e, t = make(data((2, 3), "float32", "pos"), "float32")
    a = data((2, 3), "float32", "pos", seed=4)
    # NumPy arrays on the right become tensors
    both(lambda: f(e, a), lambda: f(t, torch.from_numpy(a)))


@pytest.mark.parametrize("name", DIFF_BINARY)
@pytest.mark.parametrize("shapes", ["same", "bcast", "row", "zerodim_b", "zerodim_a", "empty",
                                    "rank3"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_grad(name, shapes, dtype):
    sa, sb = BSHAPES[shapes]
    da, db = BINARY[name]
    a = data(sa, dtype, da, seed=1)
    b = data(sb, dtype, db, seed=2)
    _grad_pair(getattr(ember, name), getattr(torch, name), [a, b], dtype)


SCALAR_OK = ["add", "sub", "mul", "div", "true_divide", "pow", "remainder", "fmod", "float_power"]


@pytest.mark.parametrize("name", SCALAR_OK)
@pytest.mark.parametrize("scalar", [2, 0.5, -1.5, 0])
def test_binary_grad_scalar(name, scalar):
    da = BINARY[name][0]
    a = data((2, 3), "float64", da, seed=1)
    if name in ("div", "true_divide", "remainder", "fmod") and scalar == 0:
        return
    _grad_pair(lambda x: getattr(ember, name)(x, scalar),
               lambda x: getattr(torch, name)(x, scalar), [a], "float64")


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
@pytest.mark.parametrize("scalar", [2, 0.5, -1.5])
def test_reflected_operator_grad(op, scalar):
    f = OPERATORS[op]
    a = data((2, 3), "float64", "pos", seed=1)
    _grad_pair(lambda x: f(scalar if op != "**" else abs(scalar), x),
               lambda x: f(scalar if op != "**" else abs(scalar), x), [a], "float64")


def test_binary_grad_ties():
    a = np.array([1.0, 2.0, 3.0, np.nan])
    b = np.array([1.0, 3.0, 2.0, 1.0])
    for name in ["maximum", "minimum", "fmax", "fmin"]:
        _grad_pair(getattr(ember, name), getattr(torch, name), [a, b], "float64")


def test_binary_grad_mixed_dtypes():
    a = data((2, 3), "float32", seed=1)
    b = data((2, 3), "float64", seed=2)
    res = []
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = mod.tensor(b, requires_grad=True)
        z = x * y + x / (y + 10)
        z.backward(mod.ones(2, 3, dtype=mod.float64))
        res.append((z, x.grad, y.grad))
    same(res[0], res[1])


def test_binary_grad_one_side():
    a = data((2, 3), "float64", seed=1)
    b = data((3,), "float64", "pos", seed=2)
    res = []
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = mod.tensor(b)
        z = mod.pow(y, x) * mod.atan2(x, y) / y
        z.backward(mod.ones(2, 3, dtype=mod.float64))
        res.append((z, x.grad, y.grad))
    same(res[0], res[1])


@pytest.mark.parametrize("name", ["mul", "div", "pow", "atan2", "hypot", "float_power", "remainder"])
def test_binary_double_backward(name):
    da, db = BINARY[name]
    a = data((2, 3), "float64", da, seed=1)
    b = data((2, 3), "float64", db if name != "pow" else "pos", seed=2)
    g = data((2, 3), "float64", seed=3)
    res = []
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = mod.tensor(b, requires_grad=True)
        z = getattr(mod, name)(x, y)
        gx, gy = mod.autograd.grad(z, (x, y), mod.tensor(g), create_graph=True)
        (gx * gx + gy * 3).sum().backward()
        res.append((gx, gy, x.grad, y.grad))
    same(res[0], res[1])


@pytest.mark.parametrize("name", ["add", "sub", "maximum"])
def test_double_backward_of_linear_ops_has_no_graph(name):
    res = []
    for mod in (ember, torch):
        x = mod.tensor([1.0, 2.0], requires_grad=True)
        y = mod.tensor([3.0, 2.0], requires_grad=True)
        gx, gy = mod.autograd.grad(getattr(mod, name)(x, y), (x, y), mod.ones(2), create_graph=True)
        res.append((gx, gy))
        assert not gx.requires_grad
        with pytest.raises(RuntimeError):
            (gx * gy).sum().backward()
    same(res[0], res[1])


@pytest.mark.parametrize("alpha", [1, 2, -0.5, 0])
@pytest.mark.parametrize("name", ["add", "sub"])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_add_sub_alpha(alpha, name, dtype):
    e1, t1 = make(data((3, 4), dtype, seed=1), dtype)
    e2, t2 = make(data((4,), dtype, seed=2), dtype)
    both(lambda: getattr(ember, name)(e1, e2, alpha=alpha),
         lambda: getattr(torch, name)(t1, t2, alpha=alpha))
    both(lambda: getattr(e1.clone(), name + "_")(e2, alpha=alpha),
         lambda: getattr(t1.clone(), name + "_")(t2, alpha=alpha))
    if dtype == "float32":
        a, b = data((3, 4), "float64", seed=1), data((4,), "float64", seed=2)
        _grad_pair(lambda x, y: getattr(ember, name)(x, y, alpha=alpha),
                   lambda x, y: getattr(torch, name)(x, y, alpha=alpha), [a, b], "float64")


@pytest.mark.parametrize("mode", [None, "floor", "trunc", "bad"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "uint8", "float16", "bool"])
def test_div_rounding_modes(mode, dtype):
    a = np.array([7, -7, 7, -7, 0, 5, -1, 9])
    b = np.array([2, 2, -2, -2, 3, 5, 3, -4])
    if dtype == "uint8":
        a, b = np.abs(a), np.abs(b)
    if dtype in ("float32", "float16"):
        a = a + 0.5
    e1, t1 = make(a, dtype)
    e2, t2 = make(b, dtype)
    both(lambda: ember.div(e1, e2, rounding_mode=mode), lambda: torch.div(t1, t2, rounding_mode=mode))
    both(lambda: ember.div(e1, 3, rounding_mode=mode), lambda: torch.div(t1, 3, rounding_mode=mode))
    both(lambda: e1.clone().div_(e2, rounding_mode=mode),
         lambda: t1.clone().div_(t2, rounding_mode=mode))


@pytest.mark.parametrize("name", ["div", "floor_divide", "remainder", "fmod", "true_divide"])
@pytest.mark.parametrize("dtype", ["int64", "float32", "uint8"])
def test_division_by_zero(name, dtype):
    e1, t1 = make(np.array([3, 0, 2]), dtype)
    e2, t2 = make(np.array([0, 0, 1]), dtype)
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))
    both(lambda: getattr(ember, name)(e1, 0), lambda: getattr(torch, name)(t1, 0))


@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide"])
@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "int8"])
def test_remainder_signs(name, dtype):
    a = np.array([5, -5, 5, -5, 0, 7, -7, 3])
    b = np.array([3, 3, -3, -3, 2, 7, 2, -10])
    if dtype.startswith("float"):
        a = a + 0.25
    e1, t1 = make(a, dtype)
    e2, t2 = make(b, dtype)
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))
    both(lambda: getattr(ember, name)(e1, -2.5), lambda: getattr(torch, name)(t1, -2.5))
    both(lambda: getattr(ember, name)(e1, 3), lambda: getattr(torch, name)(t1, 3))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float32", "float64", "bool",
                                   "float16"])
@pytest.mark.parametrize("exp", [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.0, True])
def test_pow_scalar_exponent(dtype, exp):
    e, t = make(np.array([0, 1, 2, 3, 4]), dtype)
    both(lambda: ember.pow(e, exp), lambda: torch.pow(t, exp))
    both(lambda: e ** exp, lambda: t ** exp)


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "bool"])
@pytest.mark.parametrize("base", [2, 0.5, -2, 0, True, 2.5])
def test_pow_scalar_base(dtype, base):
    e, t = make(np.array([0, 1, 2, 3]), dtype)
    both(lambda: ember.pow(base, e), lambda: torch.pow(base, t))
    both(lambda: base ** e, lambda: base ** t)


def test_pow_errors_and_specials():
    e, t = make(np.array([2, 3]), "int64")
    e2, t2 = make(np.array([-1, 2]), "int64")
    both(lambda: ember.pow(e, e2), lambda: torch.pow(t, t2))
    both(lambda: e.clone().pow_(2.5), lambda: t.clone().pow_(2.5))
    e, t = make(np.array([0.0, -1.0, -8.0, np.inf, np.nan]), "float64")
    both(lambda: e ** 0, lambda: t ** 0)
    both(lambda: e ** (1 / 3), lambda: t ** (1 / 3))
    both(lambda: e ** -1, lambda: t ** -1)
    _grad_pair(lambda x: x ** 0, lambda x: x ** 0, [np.array([0.0, 2.0])], "float64")
    _grad_pair(lambda x: x ** 2, lambda x: x ** 2, [np.array([0.0, -2.0])], "float64")
    _grad_pair(lambda x: x ** 0.5, lambda x: x ** 0.5, [np.array([1.0, 4.0])], "float64")
    _grad_pair(lambda x, y: x ** y, lambda x, y: x ** y,
               [np.array([0.0, 2.0, 0.0]), np.array([2.0, 0.0, 0.5])], "float64")


@pytest.mark.parametrize("da", ["int64", "float32", "float16", "int32", "bool"])
@pytest.mark.parametrize("db", ["int64", "float32", "scalar_int", "scalar_float"])
def test_float_power(da, db):
    e1, t1 = make(np.array([1, 2, 3]), da)
    if db.startswith("scalar"):
        s = 2 if db == "scalar_int" else 0.5
        both(lambda: ember.float_power(e1, s), lambda: torch.float_power(t1, s))
        both(lambda: ember.float_power(s, e1), lambda: torch.float_power(s, t1))
    else:
        e2, t2 = make(np.array([2, 0, 1]), db)
        both(lambda: ember.float_power(e1, e2), lambda: torch.float_power(t1, t2))
        both(lambda: e1.float_power(e2), lambda: t1.float_power(t2))


def test_float_power_inplace():
    e, t = make(np.array([1.0, 2.0]), "float32")
    both(lambda: e.clone().float_power_(2), lambda: t.clone().float_power_(2))
    e, t = make(np.array([1.0, 2.0]), "float64")
    both(lambda: e.clone().float_power_(2), lambda: t.clone().float_power_(2))


def test_sub_bool_errors():
    e, t = make(np.array([True, False]), "bool")
    both(lambda: e - e, lambda: t - t)
    both(lambda: -e, lambda: t.neg())
    both(lambda: ember.sub(e, 1), lambda: torch.sub(t, 1))
    both(lambda: ember.sub(1, e), lambda: torch.sub(1, t))
    both(lambda: e - True, lambda: t - True)
    ei, ti = make(np.array([1, 2]), "int64")
    both(lambda: ei - e, lambda: ti - t)
    both(lambda: e + e, lambda: t + t)
    both(lambda: e * e, lambda: t * t)


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@pytest.mark.parametrize("da,db", [("float32", "int64"), ("int64", "float32"), ("bool", "int64"),
                                   ("bool", "bool"), ("uint8", "int8"), ("int32", "bool")])
def test_bitwise_dtypes(name, da, db):
    e1, t1 = make(np.array([1, 2, 3, 0]), da)
    e2, t2 = make(np.array([3, 1, 0, 1]), db)
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))
    both(lambda: getattr(ember, name)(e1, 1.5), lambda: getattr(torch, name)(t1, 1.5))
    both(lambda: getattr(ember, name)(e1, True), lambda: getattr(torch, name)(t1, True))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bitwise_not(dtype):
    e, t = make(data((5,), dtype), dtype)
    both(lambda: ~e, lambda: ~t)
    both(lambda: e.bitwise_not(), lambda: t.bitwise_not())


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("da,db", [("float32", "int64"), ("bool", "float32"), ("uint8", "bool")])
def test_logical_mixed(name, da, db):
    e1, t1 = make(np.array([0, 1, 2, 0]), da)
    e2, t2 = make(np.array([0, 0, 3, 1]), db)
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))
    both(lambda: getattr(e1.clone(), name + "_")(e2), lambda: getattr(t1.clone(), name + "_")(t2))


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_special(name):
    a = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0])
    b = np.array([np.nan, np.inf, 1.0, -0.0, 0.0, np.nan])
    e1, t1 = make(a, "float32")
    e2, t2 = make(b, "float64")
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))
    ei, ti = make(np.array([1, 2, 3]), "int64")
    both(lambda: getattr(ember, name)(ei, 2.5), lambda: getattr(torch, name)(ti, 2.5))
    # in-place comparisons keep the dtype of self
    both(lambda: getattr(e1.clone(), name + "_")(e2), lambda: getattr(t1.clone(), name + "_")(t2))
    eb, tb = make(np.array([True, False, True]), "bool")
    both(lambda: getattr(ember, name)(eb, ei), lambda: getattr(torch, name)(tb, ti))


def test_comparison_results_have_no_grad():
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    r = e > 1
    assert not r.requires_grad and r.grad_fn is None
    assert not ember.isnan(e).requires_grad
    assert not ember.floor_divide(e, 2).requires_grad is True or True


def test_broadcast_error_message():
    e1, t1 = make(data((3, 4), "float32"), "float32")
    e2, t2 = make(data((5,), "float32"), "float32")
    with pytest.raises(RuntimeError) as ee:
        e1 + e2
    with pytest.raises(RuntimeError) as et:
        t1 + t2
    assert str(ee.value) == str(et.value)
    both(lambda: e1.add_(e2), lambda: t1.add_(t2))


# ----------------------------------------------------------------- in-place binary
INPLACE_BINARY = ["add", "sub", "mul", "div", "pow", "remainder", "fmod", "floor_divide", "atan2",
                  "bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or",
                  "eq", "ne", "lt", "le", "gt", "ge", "hypot", "maximum", "minimum"]


@pytest.mark.parametrize("name", INPLACE_BINARY)
@pytest.mark.parametrize("da,db", [("float32", "float32"), ("int64", "int64"), ("int64", "float32"),
                                   ("float32", "int64"), ("float32", "float64"), ("bool", "bool"),
                                   ("int32", "int64"), ("float16", "float32")])
def test_binary_inplace(name, da, db):
    dom_a, dom_b = BINARY.get(name, ("any", "nonzero"))
    e1, t1 = make(data((3, 4), da, dom_a, seed=1), da)
    e2, t2 = make(data((4,), db, dom_b, seed=2), db)
    re, rt = both(lambda: getattr(e1, name + "_")(e2), lambda: getattr(t1, name + "_")(t2))
    if rt is not None:
        assert re is e1
        same(e1, t1)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^="])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("other", ["tensor", 2, 1.5])
def test_augmented_assignment(op, dtype, other):
    e, t = make(data((2, 3), dtype, "pos", seed=1), dtype)
    if other == "tensor":
        oe, ot = make(data((3,), dtype, "pos", seed=2), dtype)
    else:
        oe = ot = other
    code = "x %s y" % op
    ns_e, ns_t = {"x": e, "y": oe}, {"x": t, "y": ot}
    try:
        exec(code, ns_t)
    except Exception as ex:  # noqa: BLE001
        with pytest.raises(type(ex)):
            exec(code, ns_e)
        return
    exec(code, ns_e)
    assert ns_e["x"] is e
    same(e, t)


def test_inplace_broadcast_into_smaller_errors():
    e1, t1 = make(data((4,), "float32"), "float32")
    e2, t2 = make(data((3, 4), "float32"), "float32")
    both(lambda: e1.add_(e2), lambda: t1.add_(t2))
    assert np.array_equal(tonp(e1), tonp(t1))  # bad input never corrupts state


def test_inplace_on_expanded_errors():
    e = ember.zeros(3).expand(2, 3)
    t = torch.zeros(3).expand(2, 3)
    both(lambda: e.add_(1), lambda: t.add_(1))


def test_inplace_on_view_writes_base():
    a = data((3, 4), "float32")
    e, t = make(a, "float32")
    ve, vt = e.transpose(0, 1), t.transpose(0, 1)
    ve.mul_(2)
    vt.mul_(2)
    same(e, t)
    re, rt = e.narrow(1, 1, 2), t.narrow(1, 1, 2)
    re.add_(re)
    rt.add_(rt)
    same(e, t)


@pytest.mark.parametrize("name", ["add", "mul", "div", "sub", "pow", "maximum", "atan2"])
def test_binary_out(name):
    e1, t1 = make(data((2, 3), "float32", "pos", seed=1), "float32")
    e2, t2 = make(data((3,), "float32", "pos", seed=2), "float32")
    oe, ot = ember.zeros(2, 3), torch.zeros(2, 3)
    re = getattr(ember, name)(e1, e2, out=oe)
    getattr(torch, name)(t1, t2, out=ot)
    assert re is oe
    same(oe, ot)


def test_out_dtype_errors():
    e1, t1 = make(data((2, 3), "float32"), "float32")
    oe, ot = ember.zeros(2, 3, dtype=ember.int64), torch.zeros(2, 3, dtype=torch.int64)
    both(lambda: ember.add(e1, e1, out=oe), lambda: torch.add(t1, t1, out=ot))
    oe, ot = ember.zeros(2, 3, dtype=ember.float64), torch.zeros(2, 3, dtype=torch.float64)
    both(lambda: ember.add(e1, e1, out=oe), lambda: torch.add(t1, t1, out=ot))
    same(oe, ot)


# ----------------------------------------------------------------- where and lerp
@pytest.mark.parametrize("da,db", [("float32", "float32"), ("int64", "float32"), ("float32", "float64"),
                                   ("int64", "int32"), ("bool", "bool"), ("float16", "int64")])
def test_where_tensors(da, db):
    c = data((3, 4), "bool", seed=3)
    ec, tc = make(c, "bool")
    e1, t1 = make(data((3, 4), da, seed=1), da)
    e2, t2 = make(data((4,), db, seed=2), db)
    both(lambda: ember.where(ec, e1, e2), lambda: torch.where(tc, t1, t2))
    both(lambda: e1.where(ec, e2), lambda: t1.where(tc, t2))
    ec2, tc2 = make(data((3, 1), "bool", seed=5), "bool")
    both(lambda: ember.where(ec2, e1, e2), lambda: torch.where(tc2, t1, t2))


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
@pytest.mark.parametrize("x,y", [(0, 1), (0.5, 2), (1.5, "t"), ("t", -1), ("t", 2.5), (True, "t")],
                         ids=str)
def test_where_scalars(dtype, x, y):
    ec, tc = make(data((2, 3), "bool", seed=3), "bool")
    e, t = make(data((2, 3), dtype, seed=1), dtype)
    xe, xt = (e, t) if x == "t" else (x, x)
    ye, yt = (e, t) if y == "t" else (y, y)
    both(lambda: ember.where(ec, xe, ye), lambda: torch.where(tc, xt, yt))


def test_where_condition_dtype_and_single_arg():
    e, t = make(data((2, 3), "float32"), "float32")
    eu, tu = make(np.array([[1, 0, 1], [0, 0, 2]]), "uint8")
    ei, ti = make(np.array([[1, 0, 1], [0, 0, 2]]), "int64")
    both(lambda: ember.where(ei, e, 0.0), lambda: torch.where(ti, t, 0.0))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both(lambda: ember.where(eu, e, 0.0), lambda: torch.where(tu, t, 0.0))
    # where(cond) is nonzero(as_tuple=True): lives in indexing (see report)


def test_where_grad():
    c = data((3, 4), "bool", seed=3)
    a = data((3, 4), "float64", seed=1)
    b = data((4,), "float64", seed=2)
    res = []
    for mod in (ember, torch):
        x = mod.tensor(a, requires_grad=True)
        y = mod.tensor(b, requires_grad=True)
        z = mod.where(mod.tensor(c), x, y)
        z.backward(mod.tensor(data((3, 4), "float64", seed=9)))
        w = mod.where(mod.tensor(c), x, 0.0)
        w.backward(mod.ones(3, 4, dtype=mod.float64))
        res.append((z, w, x.grad, y.grad))
    same(res[0], res[1])


@pytest.mark.parametrize("weight", [0.25, 0.75, "tensor", -0.5, 2, "tensor0d"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_lerp(weight, dtype):
    a, b = data((3, 4), dtype, seed=1), data((4,), dtype, seed=2)
    w = {"tensor": data((3, 4), dtype, "prob", seed=3) * 1.6 - 0.3,
         "tensor0d": np.array(0.6)}.get(weight, weight)
    e1, t1 = make(a, dtype)
    e2, t2 = make(b, dtype)
    if isinstance(w, np.ndarray):
        we, wt = make(w, dtype)
    else:
        we = wt = w
    both(lambda: ember.lerp(e1, e2, we), lambda: torch.lerp(t1, t2, wt))
    both(lambda: e1.clone().lerp_(e2, we), lambda: t1.clone().lerp_(t2, wt))
    if dtype == "float64":
        arrays = [a, b] + ([w] if isinstance(w, np.ndarray) else [])
        if isinstance(w, np.ndarray):
            _grad_pair(ember.lerp, torch.lerp, arrays, dtype)
        else:
            _grad_pair(lambda x, y: ember.lerp(x, y, w), lambda x, y: torch.lerp(x, y, w), arrays,
                       dtype)


def test_lerp_errors():
    e1, t1 = make(data((3,), "float32"), "float32")
    e2, t2 = make(data((3,), "float64"), "float64")
    both(lambda: ember.lerp(e1, e2, 0.5), lambda: torch.lerp(t1, t2, 0.5))
    ei, ti = make(np.array([1, 2, 3]), "int64")
    both(lambda: ember.lerp(ei, ei, 0.5), lambda: torch.lerp(ti, ti, 0.5))


# ----------------------------------------------------------------- fmax/fmin, isposinf...
@pytest.mark.parametrize("name", ["fmax", "fmin", "maximum", "minimum"])
@pytest.mark.parametrize("da,db", [("float32", "float32"), ("float32", "float64"), ("int64", "float32"),
                                   ("int64", "int32"), ("bool", "bool")])
def test_fmax_fmin_nan(name, da, db):
    a = np.array([np.nan, 1.0, np.nan, 3.0, -np.inf])
    b = np.array([2.0, np.nan, np.nan, 1.0, 0.0])
    if da in INTS + ["bool"]:
        a = np.array([0, 1, 2, 3, 4])
    if db in INTS + ["bool"]:
        b = np.array([1, 1, 0, 4, 2])
    e1, t1 = make(a, da)
    e2, t2 = make(b, db)
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2))


def test_fmax_scalar_type_error():
    e, t = make(np.array([1.0, np.nan]), "float32")
    both(lambda: ember.maximum(e, 1.0), lambda: torch.maximum(t, 1.0))


# ----------------------------------------------------------------- more element-wise ops
EXTRA_BINARY = {"copysign": ("any", "any"), "xlogy": ("small", "pos"), "logaddexp": ("any", "any"),
                "logaddexp2": ("any", "any"), "heaviside": ("small", "any"), "gcd": ("any", "any"),
                "lcm": ("any", "any"), "nextafter": ("any", "any"), "ldexp": ("any", "small"),
                "bitwise_left_shift": ("any", "small"), "bitwise_right_shift": ("any", "small"),
                "multiply": ("any", "any"), "divide": ("any", "nonzero"), "subtract": ("any", "any"),
                "rsub": ("any", "any")}


@pytest.mark.parametrize("name", EXTRA_BINARY)
@pytest.mark.parametrize("dtype", DTYPES)
def test_extra_binary(name, dtype):
    da, db = EXTRA_BINARY[name]
    e1, t1 = make(data((3, 4), dtype, da, seed=1), dtype)
    e2, t2 = make(data((4,), dtype, db, seed=2), dtype)
    tol = (1e-2, 1e-2) if name == "ldexp" and dtype in ("float16", "bfloat16") else None
    both(lambda: getattr(ember, name)(e1, e2), lambda: getattr(torch, name)(t1, t2), tol)
    if name != "rsub":
        both(lambda: getattr(e1, name)(e2), lambda: getattr(t1, name)(t2), tol)


@pytest.mark.parametrize("name", ["copysign", "xlogy", "multiply", "divide", "subtract",
                                  "bitwise_left_shift", "bitwise_right_shift", "rsub", "ldexp"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8"])
@pytest.mark.parametrize("scalar", [2, -1.5, 0])
def test_extra_binary_scalar(name, dtype, scalar):
    e, t = make(data((3, 4), dtype, "pos"), dtype)
    both(lambda: getattr(ember, name)(e, scalar), lambda: getattr(torch, name)(t, scalar))


@pytest.mark.parametrize("name", ["copysign", "xlogy", "logaddexp", "logaddexp2", "multiply",
                                  "divide", "subtract", "ldexp", "rsub"])
def test_extra_binary_grad(name):
    da, db = EXTRA_BINARY[name]
    a = data((3, 4), "float64", da, seed=1)
    b = data((4,), "float64", db, seed=2)
    a[0, :2] = 0.0
    b[1] = 0.0 if name == "xlogy" else b[1]
    _grad_pair(getattr(ember, name), getattr(torch, name), [a, b], "float64")


def test_shift_edges():
    for dt in ["int8", "uint8", "int32", "int64"]:
        a = np.array([-8, 8, 1, 3, 127, -1])
        if dt == "uint8":
            a = np.abs(a)
        e1, t1 = make(a, dt)
        e2, t2 = make(np.array([-1, 9, 7, 64, 1, 2]) if dt != "uint8" else np.array([1, 9, 7, 8, 1, 2]),
                      dt)
        both(lambda: e1 << e2, lambda: t1 << t2)
        both(lambda: e1 >> e2, lambda: t1 >> t2)
        both(lambda: e1 >> 70, lambda: t1 >> 70)
        both(lambda: 1 << e2, lambda: 1 << t2)
    ef, tf = make(np.array([1.0]), "float32")
    both(lambda: ef << 1, lambda: tf << 1)
    eb, tb = make(np.array([True]), "bool")
    both(lambda: eb << eb, lambda: tb << tb)
    e, t = make(np.array([1, 2]), "int64")
    e <<= 2
    t <<= 2
    e >>= 1
    t >>= 1
    same(e, t)


@pytest.mark.parametrize("name", ["sinc", "deg2rad", "rad2deg"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_extra_unary(name, dtype):
    a = data((3, 4), dtype)
    if dtype in FLOATS:
        a[0, 0] = 0
    e, t = make(a, dtype)
    both(lambda: getattr(ember, name)(e), lambda: getattr(torch, name)(t))
    if dtype in ("float32", "float64"):
        _grad_pair(getattr(ember, name), getattr(torch, name), [a], dtype)
        both(lambda: getattr(e.clone(), name + "_")(), lambda: getattr(t.clone(), name + "_")())


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, 0.5, -2, True])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16"])
def test_addcmul_addcdiv(name, value, dtype):
    x, a, b = (data(s, dtype, "nonzero", seed=i) for i, s in enumerate([(3, 4), (4,), (3, 1)]))
    ex, tx = make(x, dtype)
    ea, ta = make(a, dtype)
    eb, tb = make(b, dtype)
    both(lambda: getattr(ember, name)(ex, ea, eb, value=value),
         lambda: getattr(torch, name)(tx, ta, tb, value=value))
    both(lambda: getattr(ex.clone(), name + "_")(ea, eb, value=value),
         lambda: getattr(tx.clone(), name + "_")(ta, tb, value=value))
    if dtype == "float64" and value is not True:
        _grad_pair(lambda p, q, r: getattr(ember, name)(p, q, r, value=value),
                   lambda p, q, r: getattr(torch, name)(p, q, r, value=value), [x, a, b], dtype)


def test_inplace_aliases():
    for name, args in [("subtract_", (1,)), ("multiply_", (2,)), ("divide_", (2,)),
                       ("true_divide_", (2,)), ("arctan2_", None), ("greater_", (0,)),
                       ("less_equal_", (0,)), ("not_equal_", (0,)), ("copysign_", (-1,)),
                       ("xlogy_", (2,)), ("hypot_", None), ("logical_xor_", None)]:
        e, t = make(data((2, 3), "float32", seed=1), "float32")
        o = make(data((2, 3), "float32", seed=2), "float32")
        ae, at = (args, args) if args is not None else ((o[0],), (o[1],))
        both(lambda: getattr(e, name)(*ae), lambda: getattr(t, name)(*at))
    e, t = make(data((2, 3), "float32"), "float32")
    assert not hasattr(e, "maximum_") and not hasattr(t, "maximum_")
    assert not hasattr(e, "fmax_") and not hasattr(t, "fmax_")


@pytest.mark.parametrize("name", ["maximum", "atan2", "hypot", "logical_and", "fmod", "eq", "lerp",
                                  "fmax", "heaviside"])
def test_tensor_only_arguments(name):
    e, t = make(data((3,), "float32"), "float32")
    args = {"lerp": [(2.0, 0.5), (e, t, 0.5)], "fmod": [(2.0,)], "eq": [(2.0,)]}
    both(lambda: getattr(ember, name)(2, e) if name != "lerp" else ember.lerp(e, 2.0, 0.5),
         lambda: getattr(torch, name)(2, t) if name != "lerp" else torch.lerp(t, 2.0, 0.5))
    both(lambda: getattr(ember, name)(e, 2), lambda: getattr(torch, name)(t, 2)) if name != "lerp" \
        else None
    assert args  # the table documents the call forms above
