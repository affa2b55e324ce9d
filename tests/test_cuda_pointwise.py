"""Element-wise ops on the 'cuda' device give the CPU's values, dtypes,
shapes, gradients and errors (cases: tests/cuda_cases_pointwise.py)."""
import numpy as np
import pytest

import ember
from cuda_cases_pointwise import CASES
from cuda_util import leaves, run_both

_HALF = ("_f16", "_bf16", "f16_", "bf16_")


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_pointwise(cuda, name, fn, arrays):
    # ops the CPU refuses (bool inputs to abs, ...) must be refused on cuda with the same exception type
    try:
        fn(*leaves(arrays, "cpu"))
    except Exception as e:
        with pytest.raises(type(e)):
            fn(*leaves(arrays, "cuda"))
        return
    tol = 1e-2 if any(h in name for h in _HALF) else 1e-5
    run_both(fn, arrays, atol=tol, rtol=tol)


def test_special_module_on_device(cuda):
    """ember._ops.special (used by nn.functional) takes device arrays."""
    from ember._ops import special
    x = np.linspace(-4, 4, 17).astype(np.float32)
    y = np.linspace(-0.999, 0.999, 17)
    dx = ember.tensor(x, device="cuda")._data
    dy = ember.tensor(y, device="cuda")._data
    ex, ey = special.erf(dx), special.erfinv(dy)
    assert not isinstance(ex, np.ndarray) and ex.dtype == np.float32 and ey.dtype == np.float64
    np.testing.assert_allclose(ember.tensor(x).erf().numpy(),
                               ember.Tensor._make(ex, ember.float32).cpu().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ember.tensor(y).erfinv().numpy(),
                               ember.Tensor._make(ey, ember.float64).cpu().numpy(), rtol=1e-12, atol=1e-12)


def test_gelu_exact_on_device(cuda):
    x = np.linspace(-3, 3, 13).astype(np.float32)
    run_both(lambda t: ember.nn.functional.gelu(t), [x])
