"""torch.backends: switches for the libraries behind the kernels.

Ember computes with NumPy (and CuPy), so most switches are kept for the
programs that set them (cudnn.benchmark, cudnn.deterministic,
cuda.matmul.allow_tf32...) and change nothing; the ones that have a meaning
here act: the scaled-dot-product-attention kernel switches, opt_einsum's
availability, the CPU capability. Submodules: cpu, cuda, cudnn, mkldnn, mps,
opt_einsum, and the small mkl, openmp, mha, nnpack, quantized, cusparselt,
kleidiai, miopen.
"""
import contextlib
import sys
import types
import warnings

from . import cpu, cuda, cudnn, mkldnn, mps, opt_einsum  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkldnn", "mps", "opt_einsum", "mkl", "openmp", "mha",
           "nnpack", "quantized", "cusparselt", "kleidiai", "miopen", "disable_global_flags",
           "flags_frozen", "set_flags", "flags", "fp32_precision"]

# ---------------------------------------------------------------- float32 matmul precision
_matmul_precision = ["highest"]


def get_float32_matmul_precision():
    """torch.get_float32_matmul_precision: "highest", "high" or "medium"."""
    return _matmul_precision[0]


def set_float32_matmul_precision(precision):
    """torch.set_float32_matmul_precision: Ember's float32 matmuls are always
    full precision; the setting is kept (cuda.matmul.allow_tf32 reflects it)."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn("%s is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect." % precision, stacklevel=2)
        return
    _matmul_precision[0] = precision


# ---------------------------------------------------------------- global flags
_flags_frozen = [False]
fp32_precision = "none"


def disable_global_flags():
    _flags_frozen[0] = True


def flags_frozen():
    return _flags_frozen[0]


def set_flags(_fp32_precision="none"):
    global fp32_precision
    orig = fp32_precision
    if _fp32_precision is not None:
        fp32_precision = _fp32_precision
    return (orig,)


@contextlib.contextmanager
def flags(fp32_precision="none"):
    orig = set_flags(fp32_precision)
    try:
        yield
    finally:
        set_flags(*orig)


# ---------------------------------------------------------------- the small ones
def _module(name, doc, **attrs):
    full = __name__ + "." + name
    mod = types.ModuleType(full, doc)
    for k, v in attrs.items():
        if callable(v) and getattr(v, "__name__", None) == "<lambda>":
            v.__name__ = k
        setattr(mod, k, v)
    sys.modules[full] = mod
    globals()[name] = mod
    return mod


class _verbose:
    def __init__(self, enable):
        self.enable = enable

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


_module("mkl", "torch.backends.mkl: Intel MKL (Ember's BLAS is NumPy's).",
        is_available=lambda: _numpy_blas("mkl"), verbose=_verbose, VERBOSE_OFF=0, VERBOSE_ON=1)
_module("openmp", "torch.backends.openmp: OpenMP (Ember's threads are its BLAS library's).",
        is_available=lambda: False)
_mha_fastpath = [True]
_module("mha", "torch.backends.mha: the nn.MultiheadAttention fast path switch.",
        get_fastpath_enabled=lambda: _mha_fastpath[0],
        set_fastpath_enabled=lambda value: _mha_fastpath.__setitem__(0, bool(value)))
_nnpack_enabled = [True]


@contextlib.contextmanager
def _nnpack_flags(enabled=False):
    orig = _nnpack_enabled[0]
    _nnpack_enabled[0] = enabled
    try:
        yield
    finally:
        _nnpack_enabled[0] = orig


def _nnpack_set_flags(_enabled):
    orig = (_nnpack_enabled[0],)
    _nnpack_enabled[0] = _enabled
    return orig


_module("nnpack", "torch.backends.nnpack: NNPACK (not used by Ember).",
        is_available=lambda: False, flags=_nnpack_flags, set_flags=_nnpack_set_flags)


class _QuantizedEngine(types.ModuleType):
    """torch.backends.quantized: the quantized engine in use."""
    supported_engines = ["qnnpack", "onednn", "x86", "fbgemm"]
    _engine = ["x86"]

    @property
    def engine(self):
        return self._engine[0]

    @engine.setter
    def engine(self, value):
        if value not in self.supported_engines and value != "none":
            raise RuntimeError("quantized engine %s is not supported" % value)
        self._engine[0] = value


quantized = _QuantizedEngine(__name__ + ".quantized", _QuantizedEngine.__doc__)
sys.modules[quantized.__name__] = quantized
_module("cusparselt", "torch.backends.cusparselt: cuSPARSELt (not available).",
        is_available=lambda: False, version=lambda: None, get_max_alg_id=lambda: None)
_module("kleidiai", "torch.backends.kleidiai: Arm KleidiAI kernels (not available).",
        is_available=lambda: False)


@contextlib.contextmanager
def _miopen_flags(immediate=False):
    yield


_module("miopen", "torch.backends.miopen: AMD MIOpen flags (not used).",
        immediate=False, flags=_miopen_flags, set_flags=lambda _immediate=None: (False,))


def _numpy_blas(hint):
    from .._threads import _loaded_libraries
    return any(hint in p.lower() for p in _loaded_libraries())
