"""Reductions, sorting and scans (ember/_ops/reduction.py) on the 'cuda'
device give the CPU's values, dtypes, shapes, devices and gradients: the
simulated device everywhere, the real GPU where CuPy sees one (marked gpu)."""
import warnings

import pytest

from cuda_cases_reduction import CASES
from cuda_util import run_both

LOOSE = {"sum_half", "max_half", "softmax_half", "sort_half", "norm_nuc"}


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_op(cuda, name, fn, arrays):
    tol = 1e-2 if name in LOOSE else 1e-5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # degrees-of-freedom warnings of var/std on tiny inputs
        run_both(fn, arrays, atol=tol, rtol=tol)
