"""Every op on the 'cuda' device gives the CPU's values, dtypes, shapes and
gradients.

Each test runs on the simulated device (tests/simcuda.py: CuPy's behaviour
at the host boundary, in NumPy) everywhere, and on the real GPU where CuPy
sees one (marked `gpu`; bench/gpu_check.sh runs them on the lent machine).
"""
import pytest

from cuda_cases import CASES
from cuda_util import cuda, run_both  # noqa: F401  (cuda is a fixture)


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_op(cuda, name, fn, arrays):
    run_both(fn, arrays, atol=1e-4 if name in ("decomp", "det_inv", "matrix_exp") else 1e-5)
