"""torch.nn: modules, parameters, functional forms and initialisers."""
import importlib as _importlib

from .parameter import (  # noqa: F401
    Buffer, Parameter, UninitializedBuffer, UninitializedParameter,
)
from . import parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import modules  # noqa: F401
from . import functional  # noqa: F401
from . import init  # noqa: F401
from .parallel import DataParallel  # noqa: F401

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "functional",
           "init", "modules", "parameter", "DataParallel"] + list(_modules_all)

# subpackages written separately (utils, parallel, attention, ...) load on first use
_SUBMODULES = {"utils", "parallel", "attention", "qat", "quantized", "intrinsic", "quantizable",
               "common_types", "grad", "cpp", "backends"}


def __getattr__(name):
    if name in _SUBMODULES:
        try:
            return _importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as e:
            if e.name != __name__ + "." + name:
                raise
    raise AttributeError("module 'torch.nn' has no attribute '%s'" % name)


def factory_kwargs(kwargs):
    """torch.nn.factory_kwargs: the device/dtype/memory_format entries of kwargs."""
    if kwargs is None:
        return {}
    simple_keys = {"device", "dtype", "memory_format"}
    expected_keys = simple_keys | {"factory_kwargs"}
    if not kwargs.keys() <= expected_keys:
        raise TypeError("unexpected kwargs %s" % (kwargs.keys() - expected_keys))
    r = dict(kwargs.get("factory_kwargs", {}))
    for k in simple_keys:
        if k in kwargs:
            if k in r:
                raise TypeError("%s specified twice, in **kwargs and in factory_kwargs" % k)
            r[k] = kwargs[k]
    return r
