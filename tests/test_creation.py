"""Tensor creation (ember/_creation.py) against real PyTorch: inferred
dtypes, shapes, values, memory sharing with NumPy, requires_grad and errors."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402


def tonp(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()
    return np.asarray(x._data)


def same(e, t, rtol=1e-6, atol=1e-7):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            same(a, b, rtol, atol)
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    assert e.requires_grad == t.requires_grad
    a, b = tonp(e), tonp(t)
    if b.dtype.kind in "fc":
        if t.dtype in (torch.float16, torch.bfloat16):
            rtol, atol = 1e-2, 1e-3
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def both(fe, ft, **tol):
    try:
        rt = ft()
    except Exception as ex:  # noqa: BLE001
        with pytest.raises(type(ex)):
            fe()
        return None, None
    re = fe()
    same(re, rt, **tol)
    return re, rt


def call(mod, code):
    """Evaluate `code` with `m` bound to the module (ember or torch) and np to NumPy."""
    return eval(code, {"m": mod, "np": np, "math": math})


def check(code, **tol):
    both(lambda: call(ember, code), lambda: call(torch, code), **tol)


# ----------------------------------------------------------------- torch.tensor
TENSOR_DATA = [
    "1", "2.5", "True", "-3", "1 + 2j", "[]", "[[]]", "[[], []]", "[1, 2, 3]", "[1.0, 2, 3]",
    "[True, False]", "[True, 2]", "[True, 2.5]", "[1, 2.5j]", "((1, 2), (3, 4))", "[[1, 2], [3, 4]]",
    "[[[1.5]]]", "[m.tensor(1), m.tensor(2)]", "[m.tensor(1.5), m.tensor(2.5)]",
    "[m.tensor([1, 2]), m.tensor([3, 4])]", "np.array([1, 2], dtype=np.int32)",
    "np.array([1.5, 2], dtype=np.float64)", "np.array([1.5], dtype=np.float16)",
    "np.array(3.5)", "np.float64(1.5)", "np.float32(1.5)", "np.int64(3)", "np.int16(3)",
    "np.bool_(True)", "[np.float64(1.5), np.float64(2)]", "[np.float32(1.5), 2.0]",
    "[np.int32(1), np.int32(2)]", "[np.int64(1), 2.5]", "np.array([[1, 2], [3, 4]]).T",
    "np.arange(10)[::2]", "np.array([True, False])", "np.array([1, 2], dtype=np.uint8)",
    "np.zeros((0, 3))", "[float('inf'), float('nan')]", "[2**40, -2**40]", "range(4)",
    "[[1, 2], (3, 4)]", "m.tensor([1.5, 2])", "m.tensor([1, 2]).t()", "np.array([1+2j])",
    "[1e40]", "[1e-50]", "[-0.0]",
]


@pytest.mark.parametrize("code", TENSOR_DATA)
def test_tensor_infers(code):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tensor(tensor) copy-construct warning
        check("m.tensor(%s)" % code)


@pytest.mark.parametrize("code", ["[1.7, -1.7, 2.5]", "[1, 2, 300]", "[True, False]", "[0.5, 0, 2]",
                                  "np.array([1.7, -2.5])", "[[1, 2], [3, 4]]", "3.7", "[-1, 256]",
                                  "[1 + 2j]", "[1e10]", "[float('nan')]"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int64", "int32",
                                   "int8", "uint8", "bool", "complex64"])
def test_tensor_with_dtype(code, dtype):
    check("m.tensor(%s, dtype=m.%s)" % (code, dtype))


@pytest.mark.parametrize("code", [
    "m.tensor([1.0, 2.0], requires_grad=True)", "m.tensor(1.5, requires_grad=True)",
    "m.tensor([1, 2], requires_grad=True)", "m.tensor([1, 2], dtype=m.float64, requires_grad=True)",
    "m.tensor([True], requires_grad=True)", "m.tensor([[1, 2], [3]])", "m.tensor([[1, 2], 3])",
    "m.tensor([1, [2, 3]])", "m.tensor('abc')", "m.tensor(['a'])", "m.tensor([None])",
    "m.tensor(None)", "m.tensor({1: 2})", "m.tensor([[1], [2, 3]])", "m.tensor([1, 2], dtype=np.float32)",
    "m.tensor(object())", "m.tensor([m.tensor([1, 2]), m.tensor([1])])",
    "m.tensor(np.array(['a']))",
    "m.tensor([1000], dtype=m.int8)", "m.tensor([1e10], dtype=m.float16)",
])
def test_tensor_errors_and_grad(code):
    check(code)


def test_tensor_copies_its_input():
    a = np.array([1.0, 2.0])
    e = ember.tensor(a)
    a[0] = 9
    assert e.tolist() == [1.0, 2.0]
    src = ember.tensor([1.0, 2.0], requires_grad=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = ember.tensor(src)
    assert not c.requires_grad and c.grad_fn is None and c.is_leaf
    c.add_(1)
    assert src.tolist() == [1.0, 2.0]
    assert ember.tensor(np.arange(6).reshape(2, 3).T).is_contiguous()


# ----------------------------------------------------------------- as_tensor / from_numpy
def test_from_numpy_shares_memory():
    for dt in [np.float32, np.float64, np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_,
               np.float16, np.complex64]:
        a = np.zeros((2, 3), dtype=dt)
        e, t = ember.from_numpy(a), torch.from_numpy(a)
        same(e, t)
        a[0, 0] = 1
        same(e, t)
        assert tonp(e)[0, 0] == 1
        e.add_(1) if dt is not np.bool_ else e.logical_not_()
        assert a[0, 1] == (1 if dt is not np.bool_ else True)
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    same(e, t)
    assert e.stride() == t.stride()


@pytest.mark.parametrize("code", ["np.arange(4)[::-1]", "[1, 2]", "np.array(['a'])",
                                  "np.array([1], dtype='>f4')",
                                  "np.float64(1.0)"])
def test_from_numpy_errors(code):
    check("m.from_numpy(%s)" % code)


@pytest.mark.parametrize("fn", ["as_tensor", "asarray"])
def test_as_tensor_sharing(fn):
    a = np.zeros(3, dtype=np.float32)
    e = getattr(ember, fn)(a)
    a[0] = 5
    assert tonp(e)[0] == 5  # same dtype: shares memory
    e2 = getattr(ember, fn)(a, dtype=ember.float64)
    a[1] = 7
    assert tonp(e2)[1] == 0  # converted: a copy
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert getattr(ember, fn)(x) is x
    y = getattr(ember, fn)(x, dtype=ember.float64)
    assert y.dtype is ember.float64 and y.grad_fn is not None  # conversions are recorded


@pytest.mark.parametrize("code", ["[1, 2]", "[1.5, 2]", "3", "np.array([1, 2])", "(True, False)",
                                  "[[1, 2]]", "np.float32(2)", "[1, 2], dtype=m.float16",
                                  "np.array([1.5]), dtype=m.int32", "m.tensor([1, 2]), dtype=m.float32"])
@pytest.mark.parametrize("fn", ["as_tensor", "asarray"])
def test_as_tensor_values(code, fn):
    check("m.%s(%s)" % (fn, code))


def test_asarray_copy_and_requires_grad():
    a = np.zeros(3, dtype=np.float32)
    for mod in (ember, torch):
        c = mod.asarray(a, copy=True)
        a[0] = 1
        assert tonp(c)[0] == 0
        a[0] = 0
        r = mod.asarray([1.0, 2.0], requires_grad=True)
        assert r.requires_grad and r.is_leaf


# ----------------------------------------------------------------- factories
FACTORIES = [
    "m.zeros(2, 3)", "m.zeros((2, 3))", "m.zeros([2, 3])", "m.zeros(m.Size([2, 3]))", "m.zeros(())",
    "m.zeros(0)", "m.zeros(2, 0, 3)", "m.zeros(3, dtype=m.int64)", "m.zeros(2, dtype=m.bool)",
    "m.zeros(2, dtype=m.bfloat16)", "m.zeros(2, requires_grad=True)", "m.zeros(np.int64(3))",
    "m.ones(2, 3)", "m.ones((4,), dtype=m.uint8)", "m.ones(2, dtype=m.float16, requires_grad=True)",
    "m.ones([])", "m.empty(2, 3).shape", "m.empty((2,), dtype=m.int32).dtype",
    "m.full((2, 3), 1.5)", "m.full((2,), 7)", "m.full((2,), True)", "m.full((2,), 1 + 1j)",
    "m.full([2, 2], 2.5, dtype=m.int64)", "m.full((2,), 3, dtype=m.float64)", "m.full((), 4.0)",
    "m.full((2,), float('inf'), dtype=m.float16)", "m.full((2,), -1, dtype=m.uint8)",
    "m.full((2,), 2, dtype=m.bool)", "m.full(3, 1.0)", "m.full((2,), m.tensor(1.5))",
    "m.full((2,), 1.5, requires_grad=True)", "m.full((2,), np.float32(1.5))",
    "m.scalar_tensor(3)", "m.scalar_tensor(2.5, dtype=m.float64)", "m.scalar_tensor(True)",
    "m.scalar_tensor(1, dtype=m.int64)",
    "m.eye(3)", "m.eye(2, 4)", "m.eye(4, 2, dtype=m.int64)", "m.eye(0)", "m.eye(3, dtype=m.bool)",
    "m.eye(2, requires_grad=True)", "m.eye(3, m=2)",
    "m.empty_strided((2, 3), (1, 2)).stride()", "m.empty_strided((2, 3), (3, 1)).shape",
    "m.empty_strided((2, 3), (1, 2), dtype=m.float64).dtype",
]
FACTORY_ERRORS = [
    "m.zeros(-1)", "m.zeros(2, -3)", "m.ones(2.5)", "m.full((2,), 1000, dtype=m.int8)",
    "m.full((2,), 1e10, dtype=m.float16)", "m.full((2,), 1e300, dtype=m.float32)",
    "m.zeros(2, dtype=m.int64, requires_grad=True)", "m.eye(-1)", "m.eye(2, -1)",
    "m.full((2,), 'a')", "m.full((-1,), 1.0)", "m.zeros('a')", "m.ones((2, 'a'))",
    "m.full((2,), 1.5, dtype=m.int64, requires_grad=True)", "m.empty(-2)",
]


def _plain(x):
    return tuple(x) if isinstance(x, (tuple, list)) else x


@pytest.mark.parametrize("code", FACTORIES + FACTORY_ERRORS)
def test_factories(code):
    try:
        rt = call(torch, code)
    except Exception as ex:  # noqa: BLE001
        with pytest.raises(type(ex)):
            call(ember, code)
        return
    re = call(ember, code)
    if isinstance(rt, torch.Tensor):
        same(re, rt)
        assert re.is_leaf and re.is_contiguous() == rt.is_contiguous()
    elif isinstance(rt, torch.dtype):
        assert str(re) == str(rt)
    else:
        assert _plain(re) == _plain(rt)


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "full_like"])
@pytest.mark.parametrize("src", ["m.tensor([[1.5, 2], [3, 4]])", "m.tensor([1, 2])", "m.tensor(True)",
                                 "m.zeros(0, 2, dtype=m.float16)",
                                 "m.tensor([[1.5, 2], [3, 4]], requires_grad=True)",
                                 "m.tensor([[1.5, 2, 3], [3, 4, 5]]).t()"])
@pytest.mark.parametrize("kw", ["", ", dtype=m.float64", ", dtype=m.int32", ", requires_grad=True",
                                ", dtype=m.bool"])
def test_like(fn, src, kw):
    fill = ", 2.5" if fn == "full_like" else ""
    code = "m.%s(%s%s%s)" % (fn, src, fill, kw)
    if fn == "empty_like":
        try:
            rt = call(torch, code)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                call(ember, code)
            return
        re = call(ember, code)
        assert str(re.dtype) == str(rt.dtype) and tuple(re.shape) == tuple(rt.shape)
        assert re.requires_grad == rt.requires_grad
        return
    check(code)


def test_like_preserves_strides():
    for mod in (ember, torch):
        x = mod.zeros(3, 4).t()
        assert mod.zeros_like(x).stride() == (1, 4)
        assert mod.ones_like(x).is_contiguous() is False
        assert mod.full_like(x, 2.0).stride() == (1, 4)


@pytest.mark.parametrize("code", ["m.full_like(m.tensor([1, 2]), 2.7)", "m.full_like(m.tensor([1, 2]), True)",
                                  "m.full_like(m.tensor([True]), 5)",
                                  "m.full_like(m.tensor([1, 2], dtype=m.int8), 1000)",
                                  "m.full_like(m.tensor([1.0]), 1 + 2j)",
                                  "m.zeros_like([1, 2])"])
def test_full_like_values(code):
    check(code)


# ----------------------------------------------------------------- ranges
RANGES = [
    "m.arange(5)", "m.arange(2, 7)", "m.arange(1, 10, 3)", "m.arange(10, 0, -3)", "m.arange(0, 1, 0.1)",
    "m.arange(0.0, 5)", "m.arange(5.0)", "m.arange(-1, 1, 0.25)", "m.arange(0, 1, 0.3)",
    "m.arange(1, 2.5, 0.5)", "m.arange(5, dtype=m.float64)", "m.arange(0, 5, 2, dtype=m.float32)",
    "m.arange(0.5, 5, dtype=m.int64)", "m.arange(0, 3, 0.5, dtype=m.int64)", "m.arange(3, 3)",
    "m.arange(0)", "m.arange(m.tensor(4))", "m.arange(m.tensor(1.5), 4)", "m.arange(np.int64(3))",
    "m.arange(1e6, 1e6 + 5)", "m.arange(0, 10, 3, dtype=m.uint8)", "m.arange(-5, 5, dtype=m.int8)",
    "m.arange(0, 6, 1.5, dtype=m.float16)", "m.arange(5, dtype=m.bfloat16)",
    "m.arange(4, requires_grad=True, dtype=m.float32)", "m.arange(True, 4)",
    "m.arange(0, 2**31 + 3, 2**30)", "m.arange(-3.2, 3.1, 1.1)", "m.arange(0, 0.9, 0.3)",
    "m.arange(1, 0.1, -0.3)", "m.arange(start=1, end=4)", "m.arange(end=4)",
    "m.range(0, 4)", "m.range(0, 1, 0.25)", "m.range(1, 4, dtype=m.int64)", "m.range(5, 1, -2)",
    "m.arange(0, 5, 0)", "m.arange(5, 0)", "m.arange(0, 5, -1)", "m.arange(float('inf'))",
    "m.arange(float('nan'))", "m.arange(0, 3, dtype=m.bool)", "m.range(0, 4, 0)",
    "m.arange(4, dtype=m.int64, requires_grad=True)",
]


@pytest.mark.parametrize("code", RANGES)
def test_arange_range(code):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.range is deprecated
        check(code)


LINSPACE = [
    "m.linspace(0, 1, 5)", "m.linspace(0, 1, 1)", "m.linspace(0, 1, 0)", "m.linspace(-3, 7, 11)",
    "m.linspace(0, 1, 7)", "m.linspace(1, 0, 6)", "m.linspace(0, 10, 5, dtype=m.int64)",
    "m.linspace(0, 1, 5, dtype=m.float64)", "m.linspace(0.1, 0.7, 4, dtype=m.float16)",
    "m.linspace(m.tensor(0.0), m.tensor(2.0), 3)", "m.linspace(-1, 1, 1000)",
    "m.linspace(0, 5, 6, dtype=m.uint8)", "m.linspace(0, 1, 3, requires_grad=True)",
    "m.linspace(0, 1, -1)", "m.linspace(2, 2, 4)", "m.linspace(0, 1, 101, dtype=m.float64)",
    "m.linspace(0, 1e-3, 9)", "m.linspace(1e5, 1e5 + 1, 7)", "m.linspace(0, 1, 5, dtype=m.bfloat16)",
    "m.linspace(0, 9, 4, dtype=m.int32)", "m.linspace(3, -9, 4, dtype=m.int64)",
    "m.logspace(0, 2, 3)", "m.logspace(0, 1, 5, base=2)", "m.logspace(-2, 2, 5, dtype=m.float64)",
    "m.logspace(0, 3, 4, dtype=m.int64)", "m.logspace(1, 0, 1)", "m.logspace(0, 1, 0)",
    "m.logspace(0, 1, 4, base=0.5)", "m.logspace(0, 4, 5, base=3, dtype=m.int32)",
]


@pytest.mark.parametrize("code", LINSPACE)
def test_linspace_logspace(code):
    check(code, rtol=1e-6, atol=1e-6)


def test_linspace_bit_exact():
    for args in [(0, 1, 7), (-3.3, 5.1, 13), (1e-3, 1.0, 50), (0, 1, 1000)]:
        e, t = ember.linspace(*args), torch.linspace(*args)
        assert np.array_equal(tonp(e), tonp(t)), args
        e, t = ember.linspace(*args, dtype=ember.float64), torch.linspace(*args, dtype=torch.float64)
        assert np.array_equal(tonp(e), tonp(t)), args


def test_arange_bit_exact():
    for args in [(0, 1, 0.1), (-2.5, 3.5, 0.3), (0, 100, 0.7), (1e-3, 1, 1e-2)]:
        e, t = ember.arange(*args), torch.arange(*args)
        assert np.array_equal(tonp(e), tonp(t)), args
        e, t = ember.arange(*args, dtype=ember.float64), torch.arange(*args, dtype=torch.float64)
        assert np.array_equal(tonp(e), tonp(t)), args


def test_factories_out():
    for mod in (ember, torch):
        o = mod.empty(0)
        r = mod.zeros(2, 3, out=o)
        assert r is o and tuple(o.shape) == (2, 3)
        o = mod.empty(0, dtype=mod.int64)
        mod.arange(5, out=o)
        assert o.tolist() == [0, 1, 2, 3, 4]
        o = mod.empty(0)
        mod.linspace(0, 1, 3, out=o)
        assert o.tolist() == [0.0, 0.5, 1.0]
        o = mod.empty(0)
        mod.full((2,), 3.0, out=o)
        assert o.tolist() == [3.0, 3.0]
        o = mod.empty(0)
        mod.eye(2, out=o)
        assert o.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_default_dtype_used_by_factories():
    for d in ["float64", "float16", "bfloat16"]:
        old_e, old_t = ember.get_default_dtype(), torch.get_default_dtype()
        try:
            ember.set_default_dtype(getattr(ember, d))
            torch.set_default_dtype(getattr(torch, d))
            for code in ["m.zeros(2)", "m.ones(2)", "m.full((2,), 1.5)", "m.arange(0.0, 3)",
                         "m.linspace(0, 1, 3)", "m.eye(2)", "m.tensor([1.5])", "m.tensor(2.5)",
                         "m.scalar_tensor(1)", "m.logspace(0, 1, 2)", "m.arange(3)",
                         "m.zeros_like(m.tensor([1, 2]), dtype=m.get_default_dtype())"]:
                check(code, rtol=1e-2, atol=1e-3)
        finally:
            ember.set_default_dtype(old_e)
            torch.set_default_dtype(old_t)


def test_creation_device_args():
    for mod in (ember, torch):
        t = mod.zeros(2, device="cpu")
        assert str(t.device) == "cpu"
        t = mod.tensor([1.0], device=mod.device("cpu"))
        assert t.device.type == "cpu"
        t = mod.arange(3, device="cpu")
        assert t.is_cpu


def test_complex_constructor():
    re, im = np.array([1.0, 2.0], np.float32), np.array([3.0, -1.0], np.float32)
    from ember._creation import complex_ as ember_complex  # not exported yet (see report)
    e = ember_complex(ember.tensor(re), ember.tensor(im))
    t = torch.complex(torch.tensor(re), torch.tensor(im))
    same(e, t)
    e = ember_complex(ember.tensor(re).double(), ember.tensor(im).double())
    t = torch.complex(torch.tensor(re).double(), torch.tensor(im).double())
    same(e, t)
    with pytest.raises(RuntimeError):
        torch.complex(torch.tensor([1, 2]), torch.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        ember_complex(ember.tensor([1, 2]), ember.tensor([1, 2]))
