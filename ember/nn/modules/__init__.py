"""torch.nn.modules: every layer class.

Each file here exports its classes in `__all__`; this package re-exports
them all. Files are imported in the order below; a family whose file does
not exist yet is skipped, so a new layer family only needs its own file
(and a name in _FAMILIES).
"""
import importlib as _importlib

from .module import Module  # noqa: F401
from .container import (  # noqa: F401
    Container, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential,
)
from .linear import Bilinear, Flatten, Identity, LazyLinear, Linear, Unflatten  # noqa: F401
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403

__all__ = ["Module", "Container", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
           "ParameterDict", "Identity", "Linear", "Bilinear", "LazyLinear", "Flatten", "Unflatten"]
from .activation import __all__ as _a  # noqa: E402
from .dropout import __all__ as _d  # noqa: E402
__all__ += _a + _d

# layer families that live in files of their own (added as they are written)
_FAMILIES = (
    "flatten", "conv", "pooling", "batchnorm", "instancenorm", "normalization", "padding",
    "sparse", "rnn", "loss", "distance", "pixelshuffle", "upsampling", "fold",
    "channelshuffle", "adaptive", "transformer", "lazy",
)
for _family in _FAMILIES:
    try:
        _mod = _importlib.import_module("." + _family, __name__)
    except ModuleNotFoundError as _e:
        if _e.name != __name__ + "." + _family:
            raise
        continue
    for _n in getattr(_mod, "__all__", ()):
        globals()[_n] = getattr(_mod, _n)
        if _n not in __all__:
            __all__.append(_n)
del _family
