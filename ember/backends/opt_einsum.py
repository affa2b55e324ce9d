"""torch.backends.opt_einsum: contraction-order optimisation for einsum
through the opt_einsum package, when it is installed."""
import contextlib
import functools

__all__ = ["is_available", "get_opt_einsum", "enabled", "strategy", "set_flags", "flags"]


@functools.lru_cache(maxsize=None)
def _opt_einsum():
    try:
        import opt_einsum
        return opt_einsum
    except ImportError:
        return None


def is_available():
    """Whether the opt_einsum package is installed."""
    return _opt_einsum() is not None


def get_opt_einsum():
    """The opt_einsum package, or None."""
    return _opt_einsum()


enabled = is_available()
strategy = "auto" if enabled else None
_STRATEGIES = ("auto", "greedy", "optimal")


def set_flags(_enabled=None, _strategy=None):
    global enabled, strategy
    orig = (enabled, strategy)
    if _enabled is not None:
        if _enabled and not is_available():
            raise ValueError("opt_einsum is not available, so setting `enabled` to True has no "
                             "effect. Please install opt_einsum.")
        enabled = _enabled
    if _strategy is not None:
        if not is_available():
            raise ValueError("opt_einsum is not available, so setting `strategy` has no effect. "
                             "Please install opt_einsum.")
        if _strategy not in _STRATEGIES:
            raise ValueError("`strategy` must be one of the following: [%s] but got %s"
                             % (", ".join(_STRATEGIES), _strategy))
        strategy = _strategy
    return orig


@contextlib.contextmanager
def flags(enabled=None, strategy=None):
    orig = set_flags(enabled, strategy)
    try:
        yield
    finally:
        set_flags(*orig)
