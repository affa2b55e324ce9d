"""default_collate / default_convert: samples to batches of tensors."""
import collections.abc
import re

import numpy as np

from ..._tensor import Tensor

_STRING_CLASSES = (str, bytes)
_NUMPY_KIND_BAD = re.compile(r"[SaUO]")


def default_convert(data):
    """NumPy arrays and numbers inside `data` become tensors (no batching)."""
    from ... import as_tensor
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if _NUMPY_KIND_BAD.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, np.generic):
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, _STRING_CLASSES):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def _unsupported(elem):
    return TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                     "lists; found %s" % type(elem))


def default_collate(batch):
    """Stack a list of samples into a batch, keeping the samples' structure."""
    from ... import as_tensor, stack, tensor
    from ... import _dtype as D
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if _NUMPY_KIND_BAD.search(elem.dtype.str) is not None:
            raise _unsupported(elem)
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, np.generic):
        return as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return tensor(batch, dtype=D.bool_)
    if isinstance(elem, float):
        return tensor(batch, dtype=D.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, _STRING_CLASSES):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem})
        except TypeError:
            return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise _unsupported(elem)
