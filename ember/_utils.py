"""torch._utils: the functions checkpoints call to rebuild tensors.

A checkpoint's pickle names these (`torch._utils._rebuild_tensor_v2`, ...)
with a storage loaded from the archive; they return tensors viewing that
storage, so tensors that shared memory when saved share it again.
"""
import numpy as np

from ._backends import strided_view, xp as _xp
from . import _dtype as D
from ._tensor import Tensor


def _view_of(storage, offset, size, stride, dtype):
    """A Tensor over `storage` (a TypedStorage) with the given geometry, in elements."""
    root = storage.root_tensor(dtype) if hasattr(storage, "root_tensor") else None
    array = storage.array
    item = array.itemsize
    if len(size) and any(s == 0 for s in size):
        view = _xp(array).zeros(tuple(size), array.dtype)
    else:
        view = strided_view(array[offset:], tuple(size), tuple(s * item for s in stride))
    t = Tensor._make(view, dtype)
    if root is not None and root._data is not view:
        t._base = root
        t._version_counter = root._version_counter
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _view_of(storage, storage_offset, size, stride, storage.dtype)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    t._requires_grad = bool(requires_grad)
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    t = _view_of(storage, storage_offset, size, stride, dtype)
    t._requires_grad = bool(requires_grad)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    for k, v in state.items():
        setattr(p, k, v)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    if new_type is not Tensor and isinstance(new_type, type) and issubclass(new_type, Tensor):
        new = new_type.__new__(new_type)
        Tensor._init(new, t._data, t._dtype)
        new._requires_grad = t._requires_grad
        t = new
    if state:
        for k, v in (state.items() if isinstance(state, dict) else ()):
            setattr(t, k, v)
    return t


def _rebuild_from_numpy(array, dtype_name, requires_grad):
    """Plain-pickle form of a tensor (copy.deepcopy, multiprocessing)."""
    dtype = D.ALIASES[dtype_name]
    t = Tensor._make(array, dtype)
    t._requires_grad = requires_grad
    return t


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    if isinstance(dtype, str):
        dtype = D.ALIASES[dtype]
    array = np.array(data)
    if str(device) != "cpu":     # straight onto the device: the result is a leaf
        from ._backends import to_device_array
        from ._device import as_device
        array = to_device_array(array, as_device(device))
    t = Tensor._make(array, dtype)
    t._requires_grad = requires_grad
    return t


def _get_restore_location(device):
    return device
