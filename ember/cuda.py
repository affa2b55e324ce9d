"""torch.cuda: NVIDIA GPUs through CuPy.

Without CuPy (or without a GPU) is_available() is False and the memory and
seeding functions are harmless no-ops, so CPU programs that ask run as usual.
"""
import functools

_state = {"checked": False, "cupy": None}


def _cupy():
    if not _state["checked"]:
        _state["checked"] = True
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() > 0:
                _state["cupy"] = cupy
        except Exception:  # no CuPy, no driver or no device: no CUDA
            _state["cupy"] = None
    return _state["cupy"]


def is_initialized():
    return _state["checked"] and _state["cupy"] is not None


def init():
    _cupy()


def is_available():
    return _cupy() is not None


def device_count():
    cp = _cupy()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def _lazy_check():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def current_device():
    _lazy_check()
    return _cupy().cuda.Device().id


def set_device(device):
    _lazy_check()
    from ._device import as_device
    _cupy().cuda.Device(as_device(device).index or 0).use()


def get_device_name(device=None):
    _lazy_check()
    cp = _cupy()
    idx = 0 if device is None else getattr(device, "index", device) or 0
    return cp.cuda.runtime.getDeviceProperties(idx)["name"].decode()


def synchronize(device=None):
    if is_available():
        _cupy().cuda.Device().synchronize()


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass


def seed():
    pass


def seed_all():
    pass


def empty_cache():
    if is_available():
        _cupy().get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    return _cupy().get_default_memory_pool().used_bytes() if is_available() else 0


def memory_reserved(device=None):
    return _cupy().get_default_memory_pool().total_bytes() if is_available() else 0


max_memory_allocated = memory_allocated
max_memory_reserved = memory_reserved


def reset_peak_memory_stats(device=None):
    pass


def is_bf16_supported(including_emulation=True):
    return is_available()


@functools.lru_cache(maxsize=None)
def get_device_capability(device=None):
    _lazy_check()
    props = _cupy().cuda.runtime.getDeviceProperties(0)
    return (props["major"], props["minor"])


# torch.cuda.amp: the deprecated spellings of torch.amp for CUDA. It is in
# sys.modules as ember.cuda.amp; __path__ makes this module a package, so that
# `import torch.cuda.amp` / `from torch.cuda.amp import autocast` find it.
from .amp import device_amp_module as _device_amp_module  # noqa: E402

__path__ = []
amp = _device_amp_module("cuda")
