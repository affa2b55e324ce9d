"""torch.optim: optimizers, learning-rate schedulers and weight averaging."""
import importlib as _importlib

from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401

# further optimizers live in files of their own (one per algorithm)
_OPTIMIZERS = {
    "RMSprop": "rmsprop", "Adagrad": "adagrad", "Adadelta": "adadelta", "Adamax": "adamax",
    "NAdam": "nadam", "RAdam": "radam", "ASGD": "asgd", "Rprop": "rprop", "LBFGS": "lbfgs",
    "SparseAdam": "sparse_adam",
}


def __getattr__(name):
    if name in _OPTIMIZERS:
        return getattr(_importlib.import_module("." + _OPTIMIZERS[name], __name__), name)
    if name in ("lr_scheduler", "swa_utils"):
        return _importlib.import_module("." + name, __name__)
    raise AttributeError("module 'torch.optim' has no attribute '%s'" % name)
