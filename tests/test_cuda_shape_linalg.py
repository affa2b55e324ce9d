"""Shape ops, strided views and linear algebra on the 'cuda' device: the
CPU's values, dtypes, shapes and gradients (tests/cuda_util.py), and the
same exceptions.

Runs on the simulated device everywhere and on the real GPU where CuPy sees
one (marked `gpu`)."""
import numpy as np
import pytest

import ember as E
from cuda_cases_shape_linalg import CASES, LOOSE
from cuda_util import host, run_both


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_op(cuda, name, fn, arrays):
    tol = 1e-5
    if name in LOOSE:
        f64 = all(a.dtype != np.float32 and a.dtype != np.float16 for a in arrays)
        tol = 1e-9 if f64 else (2e-3 if "f16" in name else 1e-4)
    run_both(fn, arrays, atol=tol, rtol=tol)


def _both(fn, *arrays):
    """fn's exception type and message on cpu and on cuda tensors."""
    out = []
    for dev in ("cpu", "cuda"):
        with pytest.raises(Exception) as info:
            fn(*[E.tensor(a).to(dev) for a in arrays])
        out.append((type(info.value), str(info.value)))
    return out


@pytest.mark.parametrize("fn,arrays", [
    (lambda x: x.t().view(-1), [np.ones((3, 4), np.float32)]),
    (lambda x: x[:, :2].view(-1), [np.ones((3, 4), np.float32)]),
    (lambda x: E.linalg.inv(x), [np.ones((3, 3), np.float32)]),
    (lambda x: E.inverse(x), [np.zeros((2, 2, 2))]),
    (lambda x: E.linalg.solve(x, x[:, :1]), [np.ones((3, 3))]),
    (lambda x: E.linalg.cholesky(x), [-np.eye(3, dtype=np.float32)]),
    (lambda x: E.linalg.cholesky(x), [np.array([[[1.0, 0], [0, 1]], [[1.0, 2], [2, 1]]])]),
    (lambda x, y: x @ y, [np.ones((3, 4), np.float32), np.ones((3, 4), np.float32)]),
    (lambda x: E.cat([x, x.t()]), [np.ones((3, 4), np.float32)]),
], ids=["view_t", "view_strided", "inv_singular", "inv_batch_singular", "solve_singular", "cholesky_npd",
        "cholesky_batch_npd", "matmul_shapes", "cat_shapes"])
def test_same_errors(cuda, fn, arrays):
    (cpu_type, cpu_msg), (cuda_type, cuda_msg) = _both(fn, *arrays)
    assert cuda_type is cpu_type
    assert cuda_msg == cpu_msg


def test_views_share_memory(cuda):
    x = E.arange(12.0, device="cuda").reshape(3, 4).clone()
    for v in (x.t(), x[1], x.narrow(1, 1, 2), x.diagonal(), x.unfold(1, 2, 1), x.expand(2, 3, 4),
              x.view(2, 6), E.as_strided(x, (2, 2), (1, 2), 1), x.unbind(1)[0],
              x.split(2, 1)[1], x.t().view(2, 2, 3)):
        assert v.device.type == "cuda"
        assert v._base is x
    x.t()[0].fill_(-1.0)
    x.diagonal().add_(100.0)
    x.narrow(1, 3, 1).mul_(2)
    assert host(x).tolist() == [[99.0, 1.0, 2.0, 6.0], [-1.0, 105.0, 6.0, 14.0], [-1.0, 9.0, 110.0, 22.0]]


def test_repeat_interleave_tensor_output_device(cuda):
    r = E.repeat_interleave(E.tensor([2, 0, 1], device="cuda"))
    assert r.device.type == "cuda" and r.dtype == E.int64
    assert host(r).tolist() == [0, 0, 2]


def test_inplace_view_double_backward(cuda):
    def f(x):
        y = x * x
        y[0].mul_(3)
        (g,) = E.autograd.grad(y.sum(), x, create_graph=True)
        return (g * g).sum()
    run_both(f, [np.arange(6.0).reshape(2, 3).astype(np.float32)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eig_eigvals(cuda, dtype):
    a = (np.diag([1.0, 2.0, 4.0]) + np.triu(np.ones((3, 3)), 1) * 0.5).astype(dtype)   # eigenvalues 1, 2, 4
    outs = {}
    for dev in ("cpu", "cuda"):
        x = E.tensor(a).to(dev)
        w, v = E.linalg.eig(x)
        wv = E.linalg.eigvals(x)
        assert w.device.type == v.device.type == wv.device.type == dev
        assert w.dtype == wv.dtype == (E.complex64 if dtype == np.float32 else E.complex128)
        # A v = w v, whatever order and scaling the library picks
        xc = x.to(v.dtype)
        np.testing.assert_allclose(host(xc @ v), host(v * w.unsqueeze(0)), atol=1e-4)
        outs[dev] = np.sort(host(wv).real)
    np.testing.assert_allclose(outs["cuda"], outs["cpu"], atol=1e-4)
