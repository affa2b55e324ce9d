"""torch.utils: data loading, checkpointing and hooks (submodules load on first use)."""
import importlib as _importlib

_SUBMODULES = {"data", "checkpoint", "hooks"}


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module("." + name, __name__)
    raise AttributeError("module 'torch.utils' has no attribute '%s'" % name)
