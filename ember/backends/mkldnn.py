"""torch.backends.mkldnn: oneDNN's flags (kept, and changing nothing: Ember
has no oneDNN kernels)."""
import contextlib
import types

__all__ = ["is_available", "set_flags", "flags", "verbose", "enabled", "deterministic",
           "allow_tf32", "fp32_precision", "VERBOSE_OFF", "VERBOSE_ON", "VERBOSE_ON_CREATION"]

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

enabled = True
deterministic = False
allow_tf32 = None
fp32_precision = "none"
matmul = types.SimpleNamespace(fp32_precision="none")
conv = types.SimpleNamespace(fp32_precision="none")
rnn = types.SimpleNamespace(fp32_precision="none")


def is_available():
    """Whether oneDNN (mkldnn) tensors and kernels can be used: not in Ember."""
    return False


def is_acl_available():
    return False


class verbose:
    """On-demand oneDNN verbosing (accepted; Ember has nothing to report)."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        if self.level == VERBOSE_OFF:
            return
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none"):
    """Set the given flags; returns the previous ones as a tuple."""
    global enabled, deterministic, allow_tf32, fp32_precision
    orig = (enabled, deterministic, allow_tf32, fp32_precision)
    if _enabled is not None:
        enabled = _enabled
    if _deterministic is not None:
        deterministic = _deterministic
    if _allow_tf32 is not None:
        allow_tf32 = _allow_tf32
    if _fp32_precision is not None:
        fp32_precision = _fp32_precision
    return orig


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    orig = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*orig)
