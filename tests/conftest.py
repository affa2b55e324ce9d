"""The `cuda` fixture: a test that takes it runs once on the simulated CUDA
device (tests/simcuda.py, everywhere) and once on the real GPU where CuPy
sees one (those runs are marked `gpu`)."""
import pytest

import simcuda


def _real_gpu():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


BACKENDS = ["sim", pytest.param("cupy", marks=[pytest.mark.gpu, pytest.mark.skipif(
    not _real_gpu(), reason="CuPy sees no GPU")])]


@pytest.fixture(params=BACKENDS)
def cuda(request):
    """Run the test with a CUDA device: the simulation or the real one."""
    if request.param == "sim":
        with simcuda.installed():
            yield "sim"
    else:
        yield "cupy"
