"""torch.nn.attention: the SDPA backend enum and the sdpa_kernel context manager.

Ember has one CPU kernel that stands for both of PyTorch's CPU backends
(the fused "flash" kernel and the math one); the selection is recorded so
that F.scaled_dot_product_attention follows the same rules (which kernel
would run, and the error when none is allowed), otherwise it changes nothing.
"""
import contextlib
import enum

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The backends of scaled_dot_product_attention."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self):
        return "SDPBackend." + self.name


# the enabled backends in priority order (PyTorch's default order)
_DEFAULT = [SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION,
            SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH, SDPBackend.OVERRIDEABLE]
_enabled = list(_DEFAULT)
_priority = list(_DEFAULT)


def _backend_from_string(name):
    return getattr(SDPBackend, name)


def _cur_sdpa_kernel_backends(with_priority=False):
    order = _priority if with_priority else _DEFAULT
    return [b for b in order if b in _enabled]


def _sdpa_kernel(backends, set_priority=False):
    global _enabled, _priority
    _enabled = [b for b in _DEFAULT if b in backends]
    if set_priority:
        user = [SDPBackend(int(b)) for b in backends]
        for b in _priority:
            if b not in user:
                user.append(b)
        _priority = user


def _math_enabled():
    return SDPBackend.MATH in _enabled


def _flash_enabled():
    return SDPBackend.FLASH_ATTENTION in _enabled


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Select which backends scaled_dot_product_attention may use, for the
    duration of the block; the previous selection is restored on exit."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend "
                             "instances, got %s" % type(backends).__name__)
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(dict.fromkeys(backends))
    previous = _cur_sdpa_kernel_backends(with_priority=set_priority)
    try:
        _sdpa_kernel(backends, set_priority)
        yield {}
    finally:
        _sdpa_kernel(previous, set_priority)


@contextlib.contextmanager
def _sdpa_kernel_variadic(*backends):
    with sdpa_kernel(list(backends)):
        yield


def _get_flash_version():
    return "2.5.7"
