"""Shared pieces of the CUDA suite: `run_both` checks that a function gives
the same results and gradients on the CPU and on the `cuda` device (the
fixture that provides the device is in conftest.py)."""
import numpy as np

import ember


def host(t):
    """A tensor's values as a NumPy array, from either device."""
    t = t.detach().cpu()
    return (t.float() if t.dtype == ember.bfloat16 else t).numpy()


def leaves(arrays, device, grad=True):
    out = []
    for a in arrays:
        t = ember.tensor(a).to(device)
        if grad and t.dtype.is_floating_point:
            t.requires_grad_()
        out.append(t)
    return out


def as_tuple(r):
    return tuple(r) if isinstance(r, (tuple, list)) else (r,)


def compare(cpu_out, cuda_out, atol=1e-5, rtol=1e-5):
    """Same values, dtypes and shapes; every cuda result lives on cuda."""
    assert len(cpu_out) == len(cuda_out)
    for a, b in zip(cpu_out, cuda_out):
        if not isinstance(a, ember.Tensor):
            assert a == b or (a != a and b != b), (a, b)
            continue
        assert b.device.type == "cuda", b.device
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
        assert a.shape == b.shape, (a.shape, b.shape)
        np.testing.assert_allclose(host(b), host(a), rtol=rtol, atol=atol, equal_nan=True)


def weighted_sum(outputs):
    """A scalar that depends on every differentiable output, with unequal weights."""
    total = 0
    for o in outputs:
        if isinstance(o, ember.Tensor) and o.requires_grad:
            w = 1.0 + ember.arange(o.numel(), device=o.device).view(o.shape) % 3
            total = total + (o.float() * w).sum()
    return total


def run_both(fn, arrays, atol=1e-5, rtol=1e-5, grad=True):
    """fn on CPU tensors and on cuda tensors: the same outputs and gradients."""
    cpu_in, cuda_in = leaves(arrays, "cpu", grad), leaves(arrays, "cuda", grad)
    cpu_out, cuda_out = as_tuple(fn(*cpu_in)), as_tuple(fn(*cuda_in))
    compare(cpu_out, cuda_out, atol, rtol)
    loss_cpu, loss_cuda = weighted_sum(cpu_out), weighted_sum(cuda_out)
    if not isinstance(loss_cpu, ember.Tensor):
        return cpu_out, cuda_out
    loss_cpu.backward()
    loss_cuda.backward()
    for a, b in zip(cpu_in, cuda_in):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            assert b.grad.device.type == "cuda", b.grad.device
            assert b.grad.dtype == a.grad.dtype
            np.testing.assert_allclose(host(b.grad), host(a.grad), rtol=rtol, atol=atol)
    return cpu_out, cuda_out
