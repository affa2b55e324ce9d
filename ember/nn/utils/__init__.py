"""torch.nn.utils: gradient clipping, parameter/vector conversion, weight and
spectral normalization, parametrizations, pruning, BatchNorm fusion."""
import importlib as _importlib

from . import parametrizations, parametrize, stateless  # noqa: F401
from .clip_grad import (  # noqa: F401
    clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .fusion import (  # noqa: F401
    fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights,
)
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401

try:  # written separately; a missing rnn.py must not break the rest of nn.utils
    rnn = _importlib.import_module(".rnn", __name__)
except ModuleNotFoundError as _e:
    if _e.name != __name__ + ".rnn":
        raise

__all__ = [
    "clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
    "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights",
    "get_total_norm", "parameters_to_vector", "parametrizations", "parametrize",
    "remove_spectral_norm", "remove_weight_norm", "rnn", "skip_init", "spectral_norm",
    "stateless", "vector_to_parameters", "weight_norm",
]

# submodules imported on first use (prune is not imported by `import torch.nn.utils`)
_LAZY = {"rnn", "prune"}


def __getattr__(name):
    if name in _LAZY:
        try:
            return _importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as e:
            if e.name != __name__ + "." + name:
                raise
    raise AttributeError("module 'torch.nn.utils' has no attribute '%s'" % name)


def skip_init(module_cls, *args, **kwargs):
    """torch.nn.utils.skip_init: build the module without running its initialisation
    (Ember allocates it normally, then leaves the values as they are)."""
    if "device" not in __import__("inspect").signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = final_device
    return module_cls(*args, **kwargs)
