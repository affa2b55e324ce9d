"""`python bench/ember_tuned.py run SCRIPT ...`: `python -m ember run` with
the start-up tuning proposed for ember/__init__.py applied first
(ember._blas.select_kernels() before NumPy loads, then
ember._allocator.tune()), to measure it before it is wired in.
EMBER_TUNE=blas or EMBER_TUNE=malloc applies only one of them."""
import importlib.util
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
which = os.environ.get("EMBER_TUNE", "blas,malloc")
if "blas" in which:
    # loaded from its file: importing the ember package would load NumPy first
    spec = importlib.util.spec_from_file_location(
        "_ember_blas", os.path.join(ROOT, "ember", "_blas.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.select_kernels()
from ember import _allocator  # noqa: E402
if "malloc" in which:
    _allocator.tune()
from ember._cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
