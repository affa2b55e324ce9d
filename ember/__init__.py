"""Ember: PyTorch, re-implemented in Python on NumPy (and CuPy).

`import ember as torch` gives PyTorch's namespace; `ember run train.py`
runs a PyTorch program unchanged. Submodules (nn, optim, utils.data, ...)
load on first use so that `import ember` stays fast.
"""
import builtins as _builtins
import importlib as _importlib
import sys as _sys

# standard library only: both must act before NumPy loads its BLAS
from . import _allocator, _blas  # noqa: E402
_blas.select_kernels()   # AVX-512 OpenBLAS kernels on AMD CPUs, unless OPENBLAS_CORETYPE is set
_allocator.tune()        # keep freed array memory in the heap (glibc mallopt); EMBER_MALLOC_TUNE=0 disables

import numpy as _np

# PyTorch returns inf/nan where NumPy would also warn; users expect silence.
_np.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")

from . import _dtype  # noqa: E402
from ._dtype import (  # noqa: E402,F401
    bfloat16, complex64, complex128, dtype, float16, float32, float64, int8, int16, int32, int64,
    uint8, can_cast, get_default_dtype, promote_types, set_default_dtype,
)
from ._dtype import bool_ as bool  # noqa: E402,F401  (torch.bool shadows the builtin, as in PyTorch)
from ._device import device  # noqa: E402,F401
from ._backends import get_default_device, set_default_device  # noqa: E402,F401
from ._size import Size  # noqa: E402,F401
from ._tensor import Tensor  # noqa: E402,F401
from . import _tensor_methods  # noqa: E402,F401
from . import autograd  # noqa: E402,F401
from ._grad_mode import (  # noqa: E402,F401
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled,
)
from ._creation import (  # noqa: E402,F401
    arange, as_tensor, asarray, empty, empty_like, empty_strided, eye, from_numpy, full, full_like,
    linspace, logspace, ones, ones_like, scalar_tensor, tensor, zeros, zeros_like,
)
from ._creation import range_ as range  # noqa: E402,F401
from ._creation import complex_ as complex  # noqa: E402,F401
from ._ops.random import (  # noqa: E402,F401
    Generator, bernoulli, default_generator, get_rng_state, initial_seed, manual_seed, multinomial,
    normal, poisson, rand, rand_like, randint, randint_like, randn, randn_like, randperm, seed,
    set_rng_state,
)
from ._tensor_str import set_printoptions, get_printoptions  # noqa: E402,F401
from ._tensor_methods import bind_methods as _bind_methods  # noqa: E402

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
cfloat = complex64
cdouble = complex128

# the optional families register their Tensor methods here
# each op family exports its torch.* functions (__all__) and Tensor methods
for _family in ("pointwise", "shape", "strided", "reduction", "indexing", "linalg"):
    try:
        _mod = _importlib.import_module("._ops." + _family, __name__)
    except ModuleNotFoundError as _e:
        if _e.name != __name__ + "._ops." + _family:
            raise
        continue
    for _n in getattr(_mod, "__all__", ()):
        globals()[_n] = getattr(_mod, _n)
    for _n, _f in getattr(_mod, "TENSOR_METHODS", {}).items():
        setattr(Tensor, _n, _f)

from ._ops.random import TENSOR_METHODS as _RANDOM_METHODS  # noqa: E402
for _n, _f in _RANDOM_METHODS.items():
    setattr(Tensor, _n, _f)


class _Layout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


strided = _Layout("strided")
sparse_coo = _Layout("sparse_coo")


class memory_format:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
preserve_format = memory_format("preserve_format")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    return False


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return _builtins.bool(input.item())


def numel(input):
    return input.numel()


def equal(input, other):
    return input.equal(other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.allclose(other, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.isclose(other, rtol, atol, equal_nan)


def result_type(tensor1, tensor2):
    def split(x):
        if isinstance(x, Tensor):
            return ([x._dtype], []) if x.ndim else ([], [x._dtype])
        return [], []
    d1, z1 = split(tensor1)
    d2, z2 = split(tensor2)
    scalars = [x for x in (tensor1, tensor2) if not isinstance(x, Tensor)]
    return _dtype.result_dtype(d1 + d2, z1 + z2, scalars)


def get_num_threads():
    from . import _threads
    return _threads.get_num_threads()


def set_num_threads(n):
    from . import _threads
    _threads.set_num_threads(n)


def get_num_interop_threads():
    return 1


def set_num_interop_threads(n):
    pass


_deterministic = [False]


def use_deterministic_algorithms(mode, *, warn_only=False):
    _deterministic[0] = mode


def are_deterministic_algorithms_enabled():
    return _deterministic[0]


def compile(model=None, **kwargs):
    """torch.compile: Ember runs eagerly, so compiling returns the model unchanged."""
    if model is None:
        return lambda m: m
    return model


__version__ = "2.13.0"

_SUBMODULES = {
    "nn", "optim", "utils", "cuda", "amp", "jit", "onnx", "quantization", "ao", "profiler",
    "distributed", "multiprocessing", "backends", "func", "linalg", "fft", "special", "hub",
    "serialization", "testing", "distributions", "overrides", "library", "export", "vision",
    "audio", "text", "types", "random", "cpu", "mps", "sparse", "masked", "nested", "fx",
    "_C", "_utils", "version",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module("." + name, __name__)
    if "autocast" in name:   # torch.autocast, torch.is_autocast_enabled, ... (ember.amp)
        from . import amp
        if name in amp.TORCH_FUNCTIONS:
            return getattr(amp, name)
    if name in ("get_float32_matmul_precision", "set_float32_matmul_precision"):
        from . import backends
        return getattr(backends, name)
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name.endswith("Storage"):
        from . import _storage
        if hasattr(_storage, name):
            return getattr(_storage, name)
    fn = _nn_torch_functions().get(name)
    if fn is not None:
        return fn
    raise AttributeError("module 'torch' has no attribute '%s'" % name)


# functional forms PyTorch also offers as torch.<name>
_F_AT_TOP_LEVEL = (
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "max_pool1d",
    "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool1d", "hardshrink", "prelu", "rrelu", "selu", "celu", "threshold", "bilinear",
    "hinge_embedding_loss", "kl_div", "margin_ranking_loss", "triplet_margin_loss", "poisson_nll_loss",
    "cosine_embedding_loss", "ctc_loss", "binary_cross_entropy_with_logits", "alpha_dropout",
    "feature_alpha_dropout", "dropout1d", "dropout2d", "dropout3d",
)


def _nn_torch_functions():
    """torch.layer_norm, torch.embedding, ...: the torch-level names nn's functional families export."""
    table = globals().get("_nn_functions_table")
    if table is None:
        import ember.nn.functional  # noqa: F401  (loads the families)
        from .nn._functional import FAMILIES
        from .nn import functional as F
        table = {name: getattr(F, name) for name in _F_AT_TOP_LEVEL if hasattr(F, name)}
        import importlib
        for family in FAMILIES:   # imported here: this may run while nn.functional is still loading
            mod = importlib.import_module(__name__ + ".nn._functional." + family)
            table.update(getattr(mod, "TORCH_FUNCTIONS", {}))
        globals()["_nn_functions_table"] = table
    return table
