"""torch.get_num_threads / set_num_threads: the default and the errors are
PyTorch's, and setting really limits the BLAS thread pool NumPy uses (through
threadpoolctl when installed, else the BLAS library's own setter)."""
import os
import subprocess
import sys

import pytest
import torch

import ember
from ember import _threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code, **env):
    full = dict(os.environ)
    full.pop("OMP_NUM_THREADS", None)
    full.update(env)
    full["PYTHONPATH"] = ROOT + os.pathsep + full.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture
def restore_threads():
    before = ember.get_num_threads()
    yield
    ember.set_num_threads(before)


def test_default_like_torch():
    code = "import {0}; print({0}.get_num_threads())"
    assert run(code.format("ember")) == run(code.format("torch"))
    assert run(code.format("ember"), OMP_NUM_THREADS="1") == "1"
    for env in (dict(OMP_NUM_THREADS="64"), dict(MKL_NUM_THREADS="1"), dict(OMP_NUM_THREADS="x")):
        assert run(code.format("ember"), **env) == run(code.format("torch"), **env), env


def test_set_get(restore_threads):
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(2)
    assert ember.get_num_threads() == 2


def test_set_limits_the_blas_pool(restore_threads):
    import numpy as np
    np.ones((4, 4)) @ np.ones((4, 4))   # NumPy's BLAS is loaded
    if not _threads.blas_num_threads():
        pytest.fail("no BLAS library found in the process: %s" % _threads._loaded_libraries())
    ember.set_num_threads(1)
    assert set(_threads.blas_num_threads()) == {1}
    ember.set_num_threads(2)
    assert set(_threads.blas_num_threads()) == {2}


def test_without_threadpoolctl_uses_the_library_setter():
    code = ("import sys; sys.modules['threadpoolctl'] = None\n"
            "import numpy as np, ember\nfrom ember import _threads\n"
            "np.ones((2, 2)) @ np.ones((2, 2))\n"
            "ember.set_num_threads(1); a = _threads.blas_num_threads()\n"
            "ember.set_num_threads(2); b = _threads.blas_num_threads()\n"
            "print(bool(a) and set(a) == {1} and set(b) == {2})")
    assert run(code) == "True"


def test_errors_like_torch(restore_threads):
    for bad in (0, -1, 2.5, "2", True):
        with pytest.raises(RuntimeError) as ti:
            torch.set_num_threads(bad)
        with pytest.raises(RuntimeError) as ei:
            ember.set_num_threads(bad)
        assert str(ei.value) == str(ti.value)
    assert ember.get_num_threads() >= 1


def test_numpy_integer_accepted(restore_threads):
    import numpy as np
    ember.set_num_threads(np.int64(1))
    assert ember.get_num_threads() == 1


def test_interop_threads():
    assert ember.get_num_interop_threads() >= 1
