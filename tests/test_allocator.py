"""Start-up tuning: glibc malloc thresholds (ember._allocator) and the
OpenBLAS kernel choice (ember._blas). Both change speed only, never values."""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, **env):
    e = dict(os.environ)
    for k, v in env.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def _load_blas():
    spec = importlib.util.spec_from_file_location("_ember_blas_test",
                                                  os.path.join(ROOT, "ember", "_blas.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tune_is_idempotent_and_can_be_disabled():
    from ember import _allocator
    first = _allocator.tune()
    assert _allocator.tune() is first
    if sys.platform.startswith("linux"):
        assert _run("from ember import _allocator; print(_allocator.tune())") in ("True", "False")
    assert _run("from ember import _allocator; print(_allocator.tune())",
                EMBER_MALLOC_TUNE="0") == "False"


def test_tuned_process_computes_the_same_values():
    code = ("import numpy as np, ember; from ember import _allocator; _allocator.tune() if %s "
            "else None; ember.manual_seed(0); x = ember.randn(64, 3, 32, 32); "
            "w = ember.randn(32, 3, 3, 3); y = ember.nn.functional.conv2d(x, w, padding=1); "
            "print(float(y.double().sum()), float((y * y).double().sum()))")
    assert _run(code % "True") == _run(code % "False")


def test_blas_choice_leaves_explicit_settings_and_loaded_numpy_alone(monkeypatch):
    blas = _load_blas()
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert blas.select_kernels() is None
    assert os.environ["OPENBLAS_CORETYPE"] == "Haswell"
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    import numpy  # noqa: F401  (OpenBLAS is loaded: too late to choose)
    assert blas.select_kernels() is None
    assert "OPENBLAS_CORETYPE" not in os.environ
    monkeypatch.setenv("EMBER_BLAS_CORETYPE", "0")
    assert blas.select_kernels() is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/cpuinfo")
def test_blas_choice_before_numpy_loads():
    code = ("import importlib.util, os; s = importlib.util.spec_from_file_location('b', "
            "'ember/_blas.py'); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); "
            "print(m.select_kernels(), os.environ.get('OPENBLAS_CORETYPE'), m._cpu()[0])")
    chosen, env, vendor = _run(code, OPENBLAS_CORETYPE=None, EMBER_BLAS_CORETYPE=None).split()
    assert chosen == env
    if vendor != "AuthenticAMD":
        assert chosen == "None"
    out = _run(code, OPENBLAS_CORETYPE=None, EMBER_BLAS_CORETYPE="Zen").split()
    assert out[:2] == ["Zen", "Zen"]
