"""torch.backends.cudnn: cuDNN's flags.

Ember has no cuDNN kernels, so the flags change nothing; they are kept (and
restored by flags()) so that programs that set them, for reproducibility or
speed, run unchanged: cudnn.benchmark, cudnn.deterministic, cudnn.enabled,
cudnn.allow_tf32.
"""
import contextlib
import types

__all__ = ["is_available", "version", "is_acceptable", "set_flags", "flags", "enabled",
           "benchmark", "benchmark_limit", "deterministic", "allow_tf32", "fp32_precision"]

enabled = True
benchmark = False
benchmark_limit = None
deterministic = False
allow_tf32 = True
fp32_precision = "none"
depthwise_kernel = "auto"
conv = types.SimpleNamespace(fp32_precision="tf32")
rnn = types.SimpleNamespace(fp32_precision="tf32")


def is_available():
    """Whether cuDNN can be used: never in Ember (no cuDNN kernels)."""
    return False


def version():
    """cuDNN's version: None (not available)."""
    return None


def is_acceptable(tensor):
    return False


def _flag_tuple():
    return (enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision,
            depthwise_kernel)


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None,
              _allow_tf32=None, _fp32_precision="none", _depthwise_kernel=None):
    """Set the given flags; returns the previous ones as a tuple."""
    global enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision
    global depthwise_kernel
    orig = _flag_tuple()
    if _enabled is not None:
        enabled = _enabled
    if _benchmark is not None:
        benchmark = _benchmark
    if _benchmark_limit is not None:
        benchmark_limit = _benchmark_limit
    if _deterministic is not None:
        deterministic = _deterministic
    if _allow_tf32 is not None:
        allow_tf32 = _allow_tf32
    if _fp32_precision is not None:
        fp32_precision = _fp32_precision
    if _depthwise_kernel is not None:
        depthwise_kernel = _depthwise_kernel
    return orig


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True, fp32_precision="none", depthwise_kernel="auto"):
    """Set cuDNN's flags for the duration of the block."""
    orig = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32,
                     fp32_precision, depthwise_kernel)
    try:
        yield
    finally:
        set_flags(*orig)
