"""torch.backends.cuda: cuBLAS / cuFFT / attention-kernel switches.

matmul.allow_tf32 mirrors torch.get_float32_matmul_precision() ("highest"
when False, "high" when True), as in PyTorch. The scaled-dot-product
attention switches (enable_flash_sdp, enable_math_sdp...) are those of
torch.nn.attention.sdpa_kernel, which Ember's CPU attention follows.
"""
import contextlib
import enum
import warnings

__all__ = ["is_built", "cuFFTPlanCacheAttrContextProp", "cuFFTPlanCache", "cuFFTPlanCacheManager",
           "cuBLASModule", "preferred_linalg_library", "preferred_blas_library",
           "preferred_rocm_fa_library", "cufft_plan_cache", "matmul", "SDPAParams",
           "enable_cudnn_sdp", "cudnn_sdp_enabled", "is_flash_attention_available",
           "can_use_flash_attention", "can_use_efficient_attention", "can_use_cudnn_attention",
           "sdp_kernel", "flash_sdp_enabled", "enable_flash_sdp", "mem_efficient_sdp_enabled",
           "enable_mem_efficient_sdp", "math_sdp_enabled", "enable_math_sdp",
           "allow_fp16_bf16_reduction_math_sdp", "fp16_bf16_reduction_math_sdp_allowed"]


def is_built():
    """Whether Ember can run on CUDA (CuPy with a GPU)."""
    from .. import cuda
    return cuda.is_available()


# ---------------------------------------------------------------- cuBLAS
class cuBLASModule:
    """torch.backends.cuda.matmul: cuBLAS flags (kept; allow_tf32 follows the
    float32 matmul precision)."""
    _FLAGS = {"allow_fp16_reduced_precision_reduction": True,
              "allow_bf16_reduced_precision_reduction": True,
              "allow_fp16_accumulation": False}

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._FLAGS))

    def __getattr__(self, name):
        from . import get_float32_matmul_precision
        if name == "allow_tf32":
            return get_float32_matmul_precision() != "highest"
        if name == "fp32_precision":
            return "tf32" if get_float32_matmul_precision() != "highest" else "none"
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name, value):
        from . import set_float32_matmul_precision
        if name == "allow_tf32":
            set_float32_matmul_precision("high" if value else "highest")
            return
        if name == "fp32_precision":
            if value not in ("none", "ieee", "tf32"):
                raise RuntimeError("Invalid precision %s" % value)
            set_float32_matmul_precision("high" if value == "tf32" else "highest")
            return
        if name in self._values:
            self._values[name] = value
            return
        raise AttributeError("Unknown attribute " + name)


matmul = cuBLASModule()


# ---------------------------------------------------------------- cuFFT plan cache
class cuFFTPlanCacheAttrContextProp:
    def __init__(self, getter, setter):
        self.getter = getter
        self.setter = setter

    def __get__(self, obj, objtype):
        return self.getter(obj.device_index)

    def __set__(self, obj, val):
        if isinstance(self.setter, str):
            raise RuntimeError(self.setter)
        self.setter(obj.device_index, val)


_plan_cache_max = {}


class cuFFTPlanCache:
    """The cuFFT plan cache of one device (Ember keeps no plans: size is 0)."""

    def __init__(self, device_index):
        self.device_index = device_index

    size = cuFFTPlanCacheAttrContextProp(
        lambda i: 0, ".size is a read-only property showing the number of plans currently in "
                     "the cache. To change the cache capacity, set cufft_plan_cache.max_size.")
    max_size = cuFFTPlanCacheAttrContextProp(
        lambda i: _plan_cache_max.get(i, 4096), lambda i, v: _plan_cache_max.__setitem__(i, v))

    def clear(self):
        pass


class cuFFTPlanCacheManager:
    """cufft_plan_cache[device]: the per-device caches; attributes go to the current device's."""
    __initialized = False

    def __init__(self):
        self.caches = []
        self.__initialized = True

    def __getitem__(self, device):
        index = getattr(device, "index", device)
        index = 0 if index is None else int(index)
        while len(self.caches) <= index:
            self.caches.append(cuFFTPlanCache(len(self.caches)))
        return self.caches[index]

    def __getattr__(self, name):
        return getattr(self[0], name)

    def __setattr__(self, name, value):
        if self.__initialized:
            return setattr(self[0], name, value)
        return super().__setattr__(name, value)


cufft_plan_cache = cuFFTPlanCacheManager()


# ---------------------------------------------------------------- preferred libraries
class _LinalgBackend(enum.Enum):
    Default = 0
    Cusolver = 1
    Magma = 2


class _BlasBackend(enum.Enum):
    Default = 0
    Cublas = 1
    Cublaslt = 2
    Ck = 3


class _ROCmFABackend(enum.Enum):
    Default = 0
    AOTriton = 1
    Ck = 2


_preferred = {"linalg": _LinalgBackend.Default, "blas": _BlasBackend.Cublas,
              "rocm_fa": _ROCmFABackend.Default}


def _choose(kind, enum_cls, backend, names):
    if backend is None:
        return _preferred[kind]
    if isinstance(backend, str):
        if backend.lower() not in names:
            raise RuntimeError("Unknown input value. Choose from: %s." % ", ".join(names))
        backend = names[backend.lower()]
    elif not isinstance(backend, enum_cls):
        raise RuntimeError("Unknown input value type.")
    _preferred[kind] = backend
    return backend


def preferred_linalg_library(backend=None):
    return _choose("linalg", _LinalgBackend, backend,
                   {"default": _LinalgBackend.Default, "cusolver": _LinalgBackend.Cusolver,
                    "magma": _LinalgBackend.Magma})


def preferred_blas_library(backend=None):
    return _choose("blas", _BlasBackend, backend,
                   {"cublas": _BlasBackend.Cublas, "cublaslt": _BlasBackend.Cublaslt,
                    "hipblaslt": _BlasBackend.Cublaslt, "ck": _BlasBackend.Ck})


def preferred_rocm_fa_library(backend=None):
    return _choose("rocm_fa", _ROCmFABackend, backend,
                   {"default": _ROCmFABackend.Default, "aotriton": _ROCmFABackend.AOTriton,
                    "ck": _ROCmFABackend.Ck})


def cublas_workspace_size(size=None):
    return 0


def cublaslt_workspace_size(size=None):
    return 0


def blas_workspace_size(size=None, backend=None):
    return 0


# ---------------------------------------------------------------- scaled dot product attention
def _attention():
    from ..nn import attention
    return attention


def __getattr__(name):
    if name == "SDPBackend":
        return _attention().SDPBackend
    raise AttributeError("module 'torch.backends.cuda' has no attribute '%s'" % name)


class SDPAParams:
    """The arguments of a scaled_dot_product_attention call, for the can_use_* checks."""

    def __init__(self, query, key, value, attn_mask=None, dropout=0.0, is_causal=False,
                 enable_gqa=False):
        self.query, self.key, self.value = query, key, value
        self.attn_mask, self.dropout, self.is_causal = attn_mask, dropout, is_causal
        self.enable_gqa = enable_gqa


def _enabled(backend_name):
    a = _attention()
    return getattr(a.SDPBackend, backend_name) in a._cur_sdpa_kernel_backends()


def _enable(backend_name, flag):
    a = _attention()
    b = getattr(a.SDPBackend, backend_name)
    current = a._cur_sdpa_kernel_backends()
    if flag and b not in current:
        current.append(b)
    elif not flag and b in current:
        current.remove(b)
    a._sdpa_kernel(current)


def flash_sdp_enabled():
    return _enabled("FLASH_ATTENTION")


def enable_flash_sdp(enabled):
    """Enable or disable the flash scaled-dot-product-attention kernel."""
    _enable("FLASH_ATTENTION", enabled)


def mem_efficient_sdp_enabled():
    return _enabled("EFFICIENT_ATTENTION")


def enable_mem_efficient_sdp(enabled):
    _enable("EFFICIENT_ATTENTION", enabled)


def math_sdp_enabled():
    return _enabled("MATH")


def enable_math_sdp(enabled):
    _enable("MATH", enabled)


def cudnn_sdp_enabled():
    return _enabled("CUDNN_ATTENTION")


def enable_cudnn_sdp(enabled):
    _enable("CUDNN_ATTENTION", enabled)


_fp16_bf16_reduction_math_sdp = [False]


def allow_fp16_bf16_reduction_math_sdp(enabled):
    _fp16_bf16_reduction_math_sdp[0] = bool(enabled)


def fp16_bf16_reduction_math_sdp_allowed():
    return _fp16_bf16_reduction_math_sdp[0]


def is_flash_attention_available():
    """Whether the CUDA flash attention kernel is available: not in Ember."""
    return False


def is_ck_sdpa_available():
    return False


def can_use_flash_attention(params, debug=False):
    if debug:
        warnings.warn("Flash attention requires CUDA, which is not available.")
    return False


def can_use_efficient_attention(params, debug=False):
    if debug:
        warnings.warn("Memory efficient attention requires CUDA, which is not available.")
    return False


def can_use_cudnn_attention(params, debug=False):
    if debug:
        warnings.warn("cuDNN attention requires CUDA, which is not available.")
    return False


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True,
               enable_cudnn=True):
    """Deprecated: torch.nn.attention.sdpa_kernel selects the attention kernels."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context "
                  "manager will be removed. Please see `torch.nn.attention.sdpa_kernel()` for the "
                  "new context manager, with updated signature.", FutureWarning, stacklevel=3)
    a = _attention()
    backends = []
    if enable_flash:
        backends.append(a.SDPBackend.FLASH_ATTENTION)
    if enable_mem_efficient:
        backends.append(a.SDPBackend.EFFICIENT_ATTENTION)
    if enable_math:
        backends.append(a.SDPBackend.MATH)
    if enable_cudnn:
        backends.append(a.SDPBackend.CUDNN_ATTENTION)
    with a.sdpa_kernel(backends) as ctx:
        yield ctx
