"""ember._tensor_str.format_tensor must reproduce PyTorch's tensor repr exactly."""
import importlib
import importlib.util
import math
import pathlib
import sys
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch")

_EMBER_DIR = pathlib.Path(__file__).resolve().parent.parent / "ember"


def _load():
    """ember._dtype and ember._tensor_str; if the package itself does not import
    (ember/__init__.py mid-edit), load both files under a private package name."""
    try:
        return importlib.import_module("ember._dtype"), importlib.import_module("ember._tensor_str")
    except Exception:
        pkg_name = "_ember_tensor_str_testpkg"
        if pkg_name not in sys.modules:
            pkg = types.ModuleType(pkg_name)
            pkg.__path__ = [str(_EMBER_DIR)]
            sys.modules[pkg_name] = pkg
        mods = []
        for sub in ("_dtype", "_tensor_str"):
            name = pkg_name + "." + sub
            if name not in sys.modules:
                spec = importlib.util.spec_from_file_location(name, _EMBER_DIR / (sub + ".py"))
                mod = importlib.util.module_from_spec(spec)
                sys.modules[name] = mod
                spec.loader.exec_module(mod)
            mods.append(sys.modules[name])
        return tuple(mods)


D, TS = _load()
DT = {d.name: d for d in D.ALL}
TORCH_DT = {
    "bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
    "complex64": torch.complex64, "complex128": torch.complex128,
}


@pytest.fixture(autouse=True)
def _reset():
    yield
    TS.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    D.set_default_dtype(D.float32)
    torch.set_default_dtype(torch.float32)


def _pair(arr, name):
    """(values for ember, torch tensor) holding the same values in dtype `name`."""
    if name == "bfloat16":
        t = torch.from_numpy(np.array(arr, dtype=np.float32)).to(torch.bfloat16)
        vals = t.float().numpy()
        return vals, t
    with np.errstate(over="ignore"):  # float16 overflows to inf, as in torch
        vals = np.array(arr, dtype=DT[name].np)
    return vals, torch.from_numpy(vals.copy())


def check(arr, name, **kw):
    vals, t = _pair(arr, name)
    got = TS.format_tensor(vals, DT[name], **kw)
    want = repr(t)
    assert got == want, "\n%s\n!=\n%s" % (got, want)
    return got


# ---------------------------------------------------------------- cases

rng = np.random.default_rng(1234)

EDGE_FLOATS = {
    "ints": [1.0, 2.0, 3.0],
    "ints_neg": [-1.0, 20.0, -300.0],
    "ints_big": [1.0, 1e10],
    "ints_ratio": [1.0, 2000.0],
    "ints_1e8": [1e8, 2.0],
    "ints_above_1e8": [2e8, 3e8],
    "halves": [0.5, 1.5, -2.25],
    "wide": [1e-5, 1e5],
    "tiny": [1e-5, 2e-5],
    "just_under": [1e-4, 0.5],
    "ratio_1000": [1.0, 1000.0],
    "ratio_1001": [1.0, 1001.0, 0.5],
    "nan_inf": [float("nan"), float("inf"), -float("inf"), 1.5],
    "nan_inf_ints": [float("nan"), float("inf"), -float("inf"), 2.0],
    "only_nan": [float("nan"), float("nan")],
    "only_inf": [float("inf"), -float("inf")],
    "zeros": [0.0, 0.0],
    "neg_zero": [-0.0, 1.0],
    "neg_zero_only": [-0.0, 0.0],
    "neg_zero_frac": [-0.0, 1.25],
    "neg_zero_sci": [-0.0, 1e-7, 3.0],
    "nan_sci": [float("nan"), 1e-7, 3e3],
    "rounding": [9.99995, 0.12345, 99999.9],
    "pi": [math.pi, -math.e],
    "huge": [3e38, -1e-38],
    "single": [7.0],
    "single_frac": [0.1],
}

EDGE_SHAPES = [
    (), (1,), (5,), (0,), (2, 0), (0, 3), (3, 0, 2), (2, 3), (3, 1), (1, 3), (2, 3, 4),
    (2, 1, 2, 3), (30,), (50,), (7, 17), (2, 3, 40), (1001,), (2000,), (40, 30), (11, 12, 13),
    (3, 4, 5, 6, 2),
]


def _random(shape, kind):
    n = int(np.prod(shape))
    if kind == "randn":
        return rng.standard_normal(n).reshape(shape)
    if kind == "ints":
        return rng.integers(-50, 50, n).astype(float).reshape(shape)
    if kind == "mixed":
        return (rng.standard_normal(n) * 10.0 ** rng.integers(-6, 7, n)).reshape(shape)
    if kind == "big":
        return (rng.standard_normal(n) * 1e5).reshape(shape)
    raise ValueError(kind)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("case", sorted(EDGE_FLOATS))
def test_float_edge_values(case, name):
    vals = EDGE_FLOATS[case]
    if name in ("float16",) and case in ("huge", "ints_big", "ints_1e8", "ints_above_1e8"):
        vals = [v / 1e35 if abs(v) > 1e30 else v / 1e4 for v in vals]
    check(np.array(vals), name)
    check(np.array(vals).reshape(-1, 1), name)
    check(np.array(vals[:1]).reshape(()), name)


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["randn", "ints", "mixed", "big"])
def test_float_shapes(shape, kind):
    arr = _random(shape, kind)
    for name in ("float32", "float64"):
        check(arr, name)
    if int(np.prod(shape)) <= 200:
        check(arr, "float16")
        check(arr, "bfloat16")


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64", "bool"])
def test_int_and_bool(shape, name):
    n = int(np.prod(shape))
    if name == "bool":
        arr = rng.integers(0, 2, n).astype(bool).reshape(shape)
    elif name == "uint8":
        arr = rng.integers(0, 256, n).reshape(shape)
    else:
        info = np.iinfo(DT[name].np)
        arr = rng.integers(info.min, info.max, n, dtype=np.int64, endpoint=True)
        arr[: n // 2] //= 10 ** rng.integers(0, 6, n // 2) if n else 1
        arr = arr.reshape(shape)
    check(arr, name)


def test_simple_literals():
    assert check([1.0, 2.0], "float32") == "tensor([1., 2.])"
    assert check(3, "int64") == "tensor(3)"
    assert check(2.5, "float32") == "tensor(2.5000)"
    assert check([1e-5, 1e5], "float32") == "tensor([1.0000e-05, 1.0000e+05])"
    assert check([True, False], "bool") == "tensor([ True, False])"
    assert check([1.0, 2.0], "float64") == "tensor([1., 2.], dtype=torch.float64)"
    assert check(np.zeros((2, 0)), "float32") == "tensor([], size=(2, 0))"
    assert check(np.zeros(0), "int64") == "tensor([], dtype=torch.int64)"
    assert check([1, 2], "int32") == "tensor([1, 2], dtype=torch.int32)"


def test_large_integer_values():
    check(np.arange(2000, dtype=np.int64).reshape(40, 50) * 10 ** 12, "int64")
    check([np.iinfo(np.int64).min, np.iinfo(np.int64).max], "int64")
    check(np.arange(1500), "int64")


@pytest.mark.parametrize("name", ["complex64", "complex128"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (40,), (2000,), (0,), (3, 4, 5)], ids=str)
def test_complex(name, shape):
    n = int(np.prod(shape))
    re = rng.standard_normal(n)
    im = rng.standard_normal(n)
    check((re + 1j * im).reshape(shape), name)
    check((np.round(re * 5) - 1j * np.round(im * 5)).reshape(shape), name)
    check((re * 1e-6 + 1j * im * 1e4).reshape(shape), name)
    if n:
        special = np.array([complex(-0.0, -0.0), complex(0.0, -0.0), complex(float("nan"), float("inf")),
                            complex(1.5, -float("inf"))])
        check(special, name)


PRINT_OPTION_SETS = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(precision=2, sci_mode=True),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(edgeitems=0),
    dict(linewidth=40),
    dict(linewidth=10),
    dict(linewidth=200),
    dict(profile="full"),
    dict(profile="short"),
    dict(profile="short", precision=6),
    dict(profile="full", linewidth=120),
]


@pytest.mark.parametrize("opts", PRINT_OPTION_SETS, ids=str)
def test_printoptions(opts):
    TS.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    assert TS.get_printoptions() == torch._tensor_str.get_printoptions()
    arrays = [
        ([1.0, 2.0, 3.0], "float32"),
        (EDGE_FLOATS["wide"], "float32"),
        (EDGE_FLOATS["nan_inf"], "float64"),
        (EDGE_FLOATS["zeros"], "float32"),
        (EDGE_FLOATS["ints_big"], "float32"),
        (2.5, "float32"),
        (_random((20,), "randn"), "float32"),
        (_random((4, 7), "mixed"), "float64"),
        (_random((3, 4, 5), "ints"), "float32"),
        (_random((30, 40), "randn"), "float32"),
        (_random((1200,), "big"), "bfloat16"),
        (rng.integers(-1000, 1000, (6, 9, 3)), "int64"),
        (rng.integers(0, 2, (12,)).astype(bool), "bool"),
        ((rng.standard_normal(12) + 1j * rng.standard_normal(12)).reshape(3, 4), "complex64"),
        (np.zeros((2, 0)), "float32"),
    ]
    for arr, name in arrays:
        check(arr, name)


def test_set_printoptions_semantics():
    TS.set_printoptions(precision=3, sci_mode=True)
    TS.set_printoptions(linewidth=100)  # sci_mode is reset to None, precision kept
    assert TS.get_printoptions() == {"precision": 3, "threshold": 1000, "edgeitems": 3,
                                     "linewidth": 100, "sci_mode": None}
    TS.set_printoptions(profile="full")
    assert TS.get_printoptions()["threshold"] == math.inf
    TS.set_printoptions(profile="default")
    assert TS.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager():
    before = TS.get_printoptions()
    with TS.printoptions(precision=2, threshold=4):
        with torch._tensor_str.printoptions(precision=2, threshold=4):
            assert TS.get_printoptions() == torch._tensor_str.get_printoptions()
            check([1.23456, 2.0, 3.0, 4.0, 5.0], "float32")
    assert TS.get_printoptions() == before


def test_default_dtype_float64():
    D.set_default_dtype(D.float64)
    torch.set_default_dtype(torch.float64)
    for name in ("float32", "float64", "float16", "complex64", "complex128", "int64"):
        check([1.0, 2.5], name)
        check(np.zeros((0, 2)), name)
        check(np.zeros(0), name)
    check([True], "bool")
    check(np.zeros(0, dtype=bool), "bool")


def test_empty_dtypes():
    for name in DT:
        for shape in [(0,), (0, 2), (2, 0, 3)]:
            check(np.zeros(shape), name)


def test_autograd_suffixes():
    t = torch.ones(2, requires_grad=True)
    assert TS.format_tensor(np.ones(2, np.float32), D.float32, requires_grad=True) == repr(t)
    m = t * 2
    assert TS.format_tensor(np.full(2, 2, np.float32), D.float32, requires_grad=True,
                            grad_fn="MulBackward0") == repr(m)
    s = (torch.arange(3.0, dtype=torch.float64, requires_grad=True) + 1).sum()
    assert TS.format_tensor(np.float64(6.0), D.float64, requires_grad=True,
                            grad_fn="SumBackward0") == repr(s)
    # suffixes that do not fit on the last line go on a new, indented line
    w = torch.randn(3, 9, dtype=torch.float64, requires_grad=True)
    v = w * 3
    assert TS.format_tensor(v.detach().numpy(), D.float64, requires_grad=True,
                            grad_fn="MulBackward0") == repr(v)
    e = torch.zeros(0, 2, dtype=torch.float64, requires_grad=True)
    assert TS.format_tensor(np.zeros((0, 2)), D.float64, requires_grad=True) == repr(e)
    torch.set_printoptions(edgeitems=0)
    TS.set_printoptions(edgeitems=0)
    big = torch.randn(40, 30, requires_grad=True)
    assert TS.format_tensor(big.detach().numpy(), D.float32, requires_grad=True) == repr(big)


def test_device_and_extra_suffixes():
    assert TS.format_tensor(np.array([1.0, 2.0], np.float32), D.float32, device="cuda:0") == \
        "tensor([1., 2.], device='cuda:0')"
    assert TS.format_tensor(np.array([1, 2]), D.int32, device="cuda:0", requires_grad=False,
                            grad_fn=None) == "tensor([1, 2], device='cuda:0', dtype=torch.int32)"
    assert TS.format_tensor(np.array([1.0], np.float32), D.float32, device="cpu") == "tensor([1.])"
    assert TS.format_tensor(np.zeros((2, 0), np.float64), D.float64, device="cuda:1",
                            requires_grad=True) == \
        "tensor([], device='cuda:1', size=(2, 0), dtype=torch.float64,\n       requires_grad=True)"
    assert TS.format_tensor(np.array(1.5, np.float32), D.float32, grad_fn="AddBackward0",
                            suffix_extra=("names=('a',)",)) == \
        "tensor(1.5000, grad_fn=<AddBackward0>, names=('a',))"
    # a long row: the device suffix wraps onto its own line, indented by 7
    vals = np.arange(24, dtype=np.float32) + 0.5
    got = TS.format_tensor(vals, D.float32, device="cuda:0")
    assert got == repr(torch.from_numpy(vals))[:-1] + ",\n       device='cuda:0')"


def test_strided_and_mismatched_inputs():
    base = rng.standard_normal((6, 8)).astype(np.float32)
    view = base[::2, ::-3].T
    assert TS.format_tensor(view, D.float32) == repr(torch.from_numpy(view.copy()))
    # a float64 array passed for a float32 tensor is rounded to float32 first
    x = rng.standard_normal(5)
    assert TS.format_tensor(x, D.float32) == repr(torch.from_numpy(x.astype(np.float32)))
