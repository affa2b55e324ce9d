"""Indexing ops on the 'cuda' device: the CPU's values, dtypes, shapes and
gradients, results (indices and counts too) on cuda, and PyTorch's device
rules for index and mask tensors.

Runs on the simulated device everywhere and on the real GPU where CuPy sees
one (marked `gpu`), like tests/test_cuda.py.
"""
import numpy as np
import pytest

import ember as E
from cuda_cases_indexing import CASES
from cuda_util import host, run_both


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_indexing_op(cuda, name, fn, arrays):
    run_both(fn, arrays)


def test_index_lives_on_device(cuda):
    x = E.arange(12.0).view(3, 4).cuda()
    i = E.tensor([2, 0]).cuda()
    for r in (x[i], x.nonzero(), E.argwhere(x), x.nonzero(as_tuple=True)[1], E.bincount(i),
              E.searchsorted(x[0], x[1]), E.histc(x), x.masked_select(x > 3), x.gather(0, i.view(2, 1))):
        assert r.device.type == "cuda"
    assert x.nonzero().dtype == E.int64


def test_cpu_indices_for_cuda_tensor(cuda):
    """x[cpu_index] and index_put with CPU indices are allowed (PyTorch copies them over)."""
    x = E.arange(12.0).view(3, 4).cuda()
    for key in (E.tensor([2, 0]), [2, 0], np.array([2, 0]), E.tensor([True, False, True]),
                (E.tensor([0, 1]), E.tensor([3, 3]))):
        r = x[key]
        assert r.device.type == "cuda"
        np.testing.assert_array_equal(host(r), host(x.cpu()[key]))
    y = x.clone()
    y[E.tensor([1])] = 0.0
    y.index_put_((E.tensor([0, 0]),), E.tensor(1.0).cuda(), accumulate=True)
    expect = E.arange(12.0).view(3, 4)
    expect[1] = 0.0
    expect[0] += 2.0
    np.testing.assert_array_equal(host(y), expect.numpy())


def test_device_mismatch_errors(cuda):
    x = E.arange(12.0).view(3, 4).cuda()
    i_cpu = E.tensor([[0], [1], [2]])
    with pytest.raises(RuntimeError, match="same device"):
        x.gather(1, i_cpu)
    with pytest.raises(RuntimeError, match="same device"):
        x.index_select(0, E.tensor([0]))
    with pytest.raises(RuntimeError, match="same device"):
        x.scatter_add(1, i_cpu, x[:, :1])
    with pytest.raises(RuntimeError, match="same device"):
        x.masked_fill(E.tensor([True, False, True, False]), 0.0)
    with pytest.raises(RuntimeError, match="same device"):
        x.cpu()[E.tensor([0]).cuda()]
    with pytest.raises(RuntimeError, match="same device"):
        E.bincount(E.tensor([0, 1]).cuda(), E.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="same device"):
        E.searchsorted(x[0], x[1].cpu())


def test_index_errors_match_cpu(cuda):
    """Out-of-range indices raise the CPU's exception on cuda (CuPy itself would wrap them)."""
    for f in (lambda x: x[E.tensor([5], device=x.device)],
              lambda x: x.gather(1, E.tensor([[4]], device=x.device)),
              lambda x: x.index_select(0, E.tensor([3], device=x.device)),
              lambda x: x.take(E.tensor([12], device=x.device)),
              lambda x: x.index_fill(1, E.tensor([4], device=x.device), 0.0),
              lambda x: x[::-1],
              lambda x: E.bincount(E.tensor([-1], device=x.device))):
        errors = []
        for dev in ("cpu", "cuda"):
            x = E.arange(12.0).view(3, 4).to(dev)
            with pytest.raises(Exception) as e:
                f(x)
            errors.append((type(e.value), str(e.value)))
        assert errors[0] == errors[1]


def test_inplace_keeps_memory(cuda):
    """Outside a graph the in-place ops write into the tensor's own array (views see it)."""
    x = E.zeros(3, 4).cuda()
    row = x[1]
    i = E.tensor([[0, 1]]).cuda()
    x.scatter_(1, i.expand(3, 2), 1.0)
    x.index_add_(0, E.tensor([1, 1]).cuda(), E.ones(2, 4).cuda())
    x.masked_fill_(x > 2, 5.0)
    np.testing.assert_array_equal(host(row), [5.0, 5.0, 2.0, 2.0])
