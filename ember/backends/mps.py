"""torch.backends.mps: Apple's Metal backend, which Ember does not have."""

__all__ = ["is_built", "is_available", "is_macos13_or_newer", "is_macos_or_newer", "get_name",
           "get_core_count"]


def is_built():
    """Whether Ember was built with MPS support: no."""
    return False


def is_available():
    """Whether MPS can be used: never in Ember."""
    return False


def is_macos_or_newer(major, minor):
    return False


def is_macos13_or_newer(minor=0):
    return False


def get_name():
    """The Metal device's name (there is none)."""
    raise RuntimeError("MPS backend is not available")


def get_core_count():
    """The Metal device's GPU core count (there is none)."""
    raise RuntimeError("MPS backend is not available")
