"""gradcheck / gradgradcheck: compare analytical gradients with finite differences."""
import numpy as np

from .. import _backends as B
from .._tensor import Tensor


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _differentiable_outputs(fn, inputs):
    out = _as_tuple(fn(*inputs))
    return [o for o in out if isinstance(o, Tensor) and o.requires_grad]


def _float64(t):
    """A tensor's values as a float64 NumPy array (from either device)."""
    a = t._data
    return np.array(a if B.is_host(a) else a.get(), dtype=np.float64)


def _numerical_jacobian(fn, inputs, output_index, eps):
    """d output[output_index] / d input, one column per input element, by central differences."""
    jacobians = []
    for x in inputs:
        if not (isinstance(x, Tensor) and x.requires_grad):
            jacobians.append(None)
            continue
        data = x._data
        out_numel = _as_tuple(fn(*inputs))[output_index].numel()
        jac = np.zeros((data.size, out_numel), dtype=np.float64)
        flat_index = np.ndindex(data.shape) if data.ndim else [()]
        for col, idx in enumerate(flat_index):
            orig = data[idx].item()
            # perturb the raw array: no autograd bookkeeping is involved
            data[idx] = orig + eps
            plus = _float64(_as_tuple(fn(*inputs))[output_index])
            data[idx] = orig - eps
            minus = _float64(_as_tuple(fn(*inputs))[output_index])
            data[idx] = orig
            jac[col] = ((plus - minus) / (2 * eps)).reshape(-1)
        jacobians.append(jac)
    return jacobians


def _analytical_jacobian(fn, inputs, output_index):
    from . import grad
    out = _as_tuple(fn(*inputs))[output_index]
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    jacs = [np.zeros((x.numel(), out.numel())) for x in diff_inputs]
    for j in range(out.numel()):
        g = np.zeros(out.shape, dtype=out._data.dtype)
        g.reshape(-1)[j] = 1
        g = Tensor._make(B.to_device_array(g, out.device), out._dtype)
        grads = grad(out, diff_inputs, g, retain_graph=True, allow_unused=True)
        for k, gi in enumerate(grads):
            if gi is not None:
                jacs[k][:, j] = _float64(gi).reshape(-1)
    it = iter(jacs)
    return [next(it) if isinstance(x, Tensor) and x.requires_grad else None for x in inputs]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    inputs = _as_tuple(inputs)
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.itemsize < 8 and x.is_floating_point():
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point. ")
    n_out = len(_as_tuple(func(*inputs)))
    for i in range(n_out):
        out = _as_tuple(func(*inputs))[i]
        if not (isinstance(out, Tensor) and out.requires_grad):
            continue
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(func, inputs, i)
        for j, (n, a) in enumerate(zip(numerical, analytical)):
            if n is None:
                continue
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(
                        "Jacobian mismatch for output %d with respect to input %d,\nnumerical:%s\n"
                        "analytical:%s\n" % (i, j, n, a))
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """gradcheck of the function that maps (inputs, grad_outputs) to the input gradients."""
    from . import grad
    from .._creation import tensor
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype, device=o.device,
                                    requires_grad=True) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _differentiable_outputs(func, ins)
        diff = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
