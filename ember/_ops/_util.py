"""Small helpers shared by the op families."""
import numpy as np

from .._tensor import Tensor, _wrap_dim

wrap_dim = _wrap_dim


def as_tensor_arg(x):
    """A tensor for an argument that may be given as a list, number or array."""
    if isinstance(x, Tensor):
        return x
    from .._creation import tensor
    return tensor(x)


def parse_shape(args):
    """Sizes given as varargs (2, 3) or one sequence ((2, 3) or torch.Size)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not (
            isinstance(args[0], Tensor) and args[0].ndim == 0):
        args = args[0]
    shape = tuple(int(s) for s in args)
    for s in shape:
        if s < 0:
            raise RuntimeError("Trying to create tensor with negative dimension %d: %s"
                               % (s, list(shape)))
    return shape


def parse_dims(dim, ndim):
    """A dim or a sequence of dims (None: all) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError("dim %d appears multiple times in the list of dims" % dims[0])
    return dims
