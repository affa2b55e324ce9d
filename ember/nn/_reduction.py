"""torch.nn._reduction: legacy size_average/reduce arguments and reduction names."""
from ._functional.loss import _check_reduction, _legacy_reduction


def get_enum(reduction):
    """The reduction as PyTorch's integer code (0 none, 1 mean, 2 sum)."""
    codes = {"none": 0, "mean": 1, "elementwise_mean": 1, "sum": 2}
    if reduction not in codes:
        raise ValueError("%s is not a valid value for reduction" % reduction)
    return codes[reduction]


def legacy_get_string(size_average, reduce, emit_warning=True):
    return _legacy_reduction(size_average, reduce, emit_warning)


def legacy_get_enum(size_average, reduce, emit_warning=True):
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))


__all__ = ["get_enum", "legacy_get_string", "legacy_get_enum", "_check_reduction"]
