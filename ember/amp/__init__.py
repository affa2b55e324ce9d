"""torch.amp: automatic mixed precision (autocast and GradScaler).

`torch.cpu.amp` and `torch.cuda.amp` are the deprecated per-device spellings:
`device_amp_module(device)` builds them (autocast / GradScaler subclasses
that warn with PyTorch's FutureWarning, and custom_fwd / custom_bwd).
"""
import functools
import sys
import types
import warnings

from . import autocast_mode, grad_scaler  # noqa: F401
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_fwd", "custom_bwd", "GradScaler", "is_autocast_available"]

# torch.* names (the lead exports them from ember/__init__.py)
from .autocast_mode import (  # noqa: E402,F401
    autocast_decrement_nesting, autocast_increment_nesting, clear_autocast_cache,
    get_autocast_cpu_dtype, get_autocast_dtype, get_autocast_gpu_dtype, get_autocast_ipu_dtype,
    get_autocast_xla_dtype, is_autocast_cache_enabled, is_autocast_cpu_enabled,
    is_autocast_enabled, is_autocast_ipu_enabled, is_autocast_xla_enabled,
    set_autocast_cache_enabled, set_autocast_cpu_dtype, set_autocast_cpu_enabled,
    set_autocast_dtype, set_autocast_enabled, set_autocast_gpu_dtype, set_autocast_ipu_dtype,
    set_autocast_ipu_enabled, set_autocast_xla_dtype, set_autocast_xla_enabled,
)

TORCH_FUNCTIONS = (
    "autocast", "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
    "set_autocast_dtype", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype",
    "get_autocast_gpu_dtype", "set_autocast_gpu_dtype", "is_autocast_cpu_enabled",
    "set_autocast_cpu_enabled", "get_autocast_ipu_dtype", "set_autocast_ipu_dtype",
    "is_autocast_ipu_enabled", "set_autocast_ipu_enabled", "get_autocast_xla_dtype",
    "set_autocast_xla_dtype", "is_autocast_xla_enabled", "set_autocast_xla_enabled",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
    "autocast_increment_nesting", "autocast_decrement_nesting",
)


def _device_autocast(device):
    default = "bfloat16" if device == "cpu" else "float16"

    class _autocast(autocast):
        def __init__(self, enabled=True, dtype=None, cache_enabled=True):
            warnings.warn("`torch.%s.amp.autocast(args...)` is deprecated. Please use "
                          "`torch.amp.autocast('%s', args...)` instead." % (device, device),
                          FutureWarning, stacklevel=2)
            if dtype is None:
                from .. import _dtype
                dtype = getattr(_dtype, default)
            super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    _autocast.__name__ = _autocast.__qualname__ = "autocast"
    _autocast.__module__ = "ember.%s.amp.autocast_mode" % device
    return _autocast


def _device_grad_scaler(device):
    class _GradScaler(GradScaler):
        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                     growth_interval=2000, enabled=True):
            warnings.warn("`torch.%s.amp.GradScaler(args...)` is deprecated. Please use "
                          "`torch.amp.GradScaler('%s', args...)` instead." % (device, device),
                          FutureWarning, stacklevel=2)
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval,
                             enabled=enabled)

    _GradScaler.__name__ = _GradScaler.__qualname__ = "GradScaler"
    _GradScaler.__module__ = "ember.%s.amp.grad_scaler" % device
    return _GradScaler


def _device_custom(device):
    def fwd(fwd=None, *, cast_inputs=None):
        warnings.warn("`torch.%s.amp.custom_fwd(args...)` is deprecated. Please use "
                      "`torch.amp.custom_fwd(args..., device_type='%s')` instead."
                      % (device, device), FutureWarning, stacklevel=2)
        return custom_fwd(fwd, device_type=device, cast_inputs=cast_inputs)

    def bwd(bwd):
        warnings.warn("`torch.%s.amp.custom_bwd(args...)` is deprecated. Please use "
                      "`torch.amp.custom_bwd(args..., device_type='%s')` instead."
                      % (device, device), FutureWarning, stacklevel=2)
        return custom_bwd(bwd, device_type=device)
    fwd.__name__, bwd.__name__ = "custom_fwd", "custom_bwd"
    return fwd, bwd


@functools.lru_cache(maxsize=None)
def device_amp_module(device):
    """The module `ember.<device>.amp` (torch.cpu.amp, torch.cuda.amp), with
    its autocast_mode and grad_scaler submodules, registered in sys.modules."""
    base = "ember.%s.amp" % device
    mod = types.ModuleType(base, "torch.%s.amp: deprecated per-device spellings of torch.amp."
                           % device)
    ac = types.ModuleType(base + ".autocast_mode")
    gs = types.ModuleType(base + ".grad_scaler")
    ac.autocast = mod.autocast = _device_autocast(device)
    gs.GradScaler = mod.GradScaler = _device_grad_scaler(device)
    if device == "cuda":
        ac.custom_fwd, ac.custom_bwd = mod.custom_fwd, mod.custom_bwd = _device_custom(device)
        mod.common = types.ModuleType(base + ".common")
        mod.common.amp_definitely_not_available = _cuda_amp_definitely_not_available
        mod.amp_definitely_not_available = _cuda_amp_definitely_not_available
        sys.modules[base + ".common"] = mod.common
    mod.autocast_mode, mod.grad_scaler = ac, gs
    mod.__all__ = [n for n in ("autocast", "GradScaler", "custom_fwd", "custom_bwd")
                   if hasattr(mod, n)]
    sys.modules[base] = mod
    sys.modules[base + ".autocast_mode"] = ac
    sys.modules[base + ".grad_scaler"] = gs
    return mod


def _cuda_amp_definitely_not_available():
    from .. import cuda
    return not cuda.is_available()
