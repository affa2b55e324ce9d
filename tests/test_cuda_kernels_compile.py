"""Ember's own CUDA kernels (ember/_cuda_kernels.py, ember/_cuda_random.py)
compile: each body, wrapped the way CuPy's ElementwiseKernel wraps it (inputs
as const values, outputs as references, T a typedef), goes through nvcc for
float and double. The simulated device checks what the kernels compute; this
checks that CUDA accepts them. Skipped where nvcc is missing."""
import shutil
import subprocess

import numpy as np
import pytest

from ember import _cuda_kernels, _cuda_random

NVCC = shutil.which("nvcc")
C_TYPES = {"float32": "float", "float64": "double", "uint32": "unsigned int", "uint64": "unsigned long long",
           "uint8": "unsigned char",
           "int64": "long long", "bool": "bool"}


def _capture(monkeypatch):
    """Run every kernel builder once against a stand-in CuPy; return (name, ins, outs, body)."""
    captured = {}

    class Kernel:
        def __init__(self, ins, outs, body, name):
            captured[name] = (ins, outs, body)

        def __call__(self, *args):
            pass

    class FakeCupy:
        ElementwiseKernel = Kernel

        @staticmethod
        def empty(shape, dtype):
            return np.empty(shape, dtype)

    monkeypatch.setattr(_cuda_kernels, "cupy", lambda: FakeCupy)
    monkeypatch.setattr("ember._backends.cupy", lambda: FakeCupy)
    monkeypatch.setattr(_cuda_kernels, "_compiled", {})
    h, gates = np.zeros((4, 3), np.float32), np.zeros((16, 3), np.float32)
    _cuda_kernels.lstm_cell_forward(gates, gates, h, h, h, h, h)
    _cuda_kernels.lstm_cell_backward(h, h, gates, h, h, h, gates)
    for maximize in (False, True):
        for wd in (0.0, 0.1):
            _cuda_kernels.adam_step(h, h, h, h, lerp_weight=0.1, beta2=0.999, one_minus_beta2=0.001,
                                    neg_step_size=-0.1, bias_correction2_sqrt=1.0, eps=1e-8,
                                    weight_decay=wd, maximize=maximize)
    _cuda_kernels.running_update(h[0], h[0], 0.1)
    row = h[:, :1]
    _cuda_kernels.bn_stats(h[0], 4.0, 1e-5, h[0], h[0], h[0], h[0])
    _cuda_kernels.bn_eval_coefficients(h[0], h[0], 1e-5, h[0], h[0], h[0], h[0], h[0])
    _cuda_kernels.bn_apply(h, row, row, h)
    _cuda_kernels.bn_backward(h, h, h[0], h[0], h[0], 4.0, h[0], h, h[0])
    _cuda_kernels.row_rstd(h[0], 3.0, 1e-5, h[0], h[0])
    _cuda_kernels.row_backward(h, h, row, row, row, 1 / 3, 3.0, h)
    _cuda_kernels.scale_shift(h, h[0], h[0], h)
    _cuda_kernels.max_pool_2x2(h, h, h, h, h, 6, h, h, h)
    _cuda_kernels.max_pool_2x2_backward(h, h, h, h, h, h)
    _cuda_kernels.shifted_exp(h, row, h, h)
    _cuda_kernels.class_nll(h, h, h, h)
    _cuda_kernels.cross_entropy_grad(h, row, row, 0.5, 1.0, row, h, h)
    _cuda_kernels.lstm_cell_forward_from(gates, gates, gates, h, h, h, h, h)
    _cuda_kernels.lstm_cell_backward_pair(h, h, gates, h, h, h, gates, gates)
    gen = _cuda_random.Generator()
    for dt in (np.float32, np.float64):
        gen.uniform((3,), dt)
        gen.normal((3,), dt)
        gen.exponential((3,), dt)
        gen.bernoulli((3,), np.zeros(3, dt))
    gen.integers((3,), -2, 5)
    gen.bernoulli((3,), 0.5)
    return captured


def _wrapped(name, ins, outs, body, T):
    params, decls = [], []
    for kind, text in (("in", ins), ("out", outs)):
        for part in filter(None, (p.strip() for p in text.split(","))):
            t, v = part.split()
            ct = T if t == "T" else C_TYPES[t]
            params.append("%s* _raw_%s" % (ct, v))
            decls.append(("const %s %s = _raw_%s[i];" if kind == "in" else "%s &%s = _raw_%s[i];") % (ct, v, v))
    return ('extern "C" __global__ void %s_%s(%s) {\n  typedef %s T;\n'
            '  ptrdiff_t i = blockIdx.x * blockDim.x + threadIdx.x;\n  %s\n%s\n}\n'
            % (name, T, ", ".join(params), T, "\n  ".join(decls), body))


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_kernels_compile_with_nvcc(monkeypatch, tmp_path):
    kernels = _capture(monkeypatch)
    public = [n for n in dir(_cuda_kernels) if not n.startswith("_") and callable(getattr(_cuda_kernels, n))]
    assert len(kernels) >= len(public) - 2   # every builder ran (fusable and cupy build none)
    source = "#include <cuda_runtime.h>\n" + "".join(
        _wrapped(name, *spec, T) for name, spec in sorted(kernels.items()) for T in ("float", "double"))
    cu = tmp_path / "ember_kernels.cu"
    cu.write_text(source)
    proc = subprocess.run([NVCC, "-c", "-arch=sm_90", "-o", str(tmp_path / "k.o"), str(cu)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
