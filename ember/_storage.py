"""Storages: the flat memory behind tensors, as PyTorch's checkpoints name them.

A tensor's storage is the NumPy array that owns its memory (the root of its
views). Checkpoints record each storage once, typed by one of PyTorch's
legacy storage classes (FloatStorage, LongStorage, ...), which this module
provides so that pickles can name them both ways.
"""
import numpy as np

from . import _dtype as D
from ._backends import device_of, is_host, to_device_array


def _address(a):
    if is_host(a):
        return a.__array_interface__["data"][0]
    return a.__cuda_array_interface__["data"][0]


class UntypedStorage:
    """Bytes of memory; `array` is a flat uint8 NumPy array over them."""

    def __init__(self, size_or_array=0, *, device=None):
        if hasattr(size_or_array, "__array_function__"):    # a NumPy or CuPy array
            self.array = size_or_array
        else:
            self.array = np.zeros(int(size_or_array), np.uint8)
            if device is not None:
                self.array = _on(self.array, device)

    def nbytes(self):
        return self.array.nbytes

    def size(self):
        return self.array.nbytes

    def __len__(self):
        return self.array.nbytes

    def data_ptr(self):
        return _address(self.array)

    @property
    def device(self):
        return device_of(self.array)

    @property
    def is_cuda(self):
        return not is_host(self.array)

    def cuda(self, device=None, non_blocking=False):
        return UntypedStorage(_on(self.array, "cuda" if device is None else device))

    def cpu(self):
        return self if is_host(self.array) else UntypedStorage(self.array.get())


class TypedStorage:
    """Elements of one dtype (what `tensor.storage()` returns)."""
    dtype = None

    def __init__(self, array=None, dtype=None, *, device=None, _internal=False):
        if dtype is not None:
            self.dtype = dtype
        if array is None:
            array = np.zeros(0, self.dtype.np)
        elif isinstance(array, int):
            array = np.zeros(array, self.dtype.np)
        elif not hasattr(array, "__array_function__"):     # not a NumPy or CuPy array
            array = np.asarray(array, self.dtype.np)
        if device is not None:
            array = _on(array, device)
        self.array = array

    def size(self):
        return int(self.array.size)

    def __len__(self):
        return int(self.array.size)

    def nbytes(self):
        return int(self.array.size) * self.dtype.itemsize

    def element_size(self):
        return self.dtype.itemsize

    def data_ptr(self):
        return _address(self.array)

    def tolist(self):
        return self.array.tolist()

    @property
    def device(self):
        return device_of(self.array)

    @property
    def is_cuda(self):
        return not is_host(self.array)

    def cuda(self, device=None, non_blocking=False):
        """The storage on a CUDA device (map_location=lambda s, loc: s.cuda())."""
        return TypedStorage(_on(self.array, "cuda" if device is None else device), self.dtype)

    def cpu(self):
        return self if is_host(self.array) else TypedStorage(self.array.get(), self.dtype)

    def __repr__(self):
        return " " + "\n ".join(str(x) for x in self.array.tolist()) + \
            "\n[torch.storage.TypedStorage(dtype=%s, device=%s) of size %d]" % (
                self.dtype, self.device, len(self))


def _on(array, device):
    from ._device import as_device
    if isinstance(device, int):
        device = "cuda:%d" % device
    return to_device_array(array, as_device(device))


def _legacy(name, dtype):
    return type(name, (TypedStorage,), {"dtype": dtype, "__module__": __name__})


LEGACY_STORAGES = {
    "FloatStorage": D.float32, "DoubleStorage": D.float64, "HalfStorage": D.float16,
    "BFloat16Storage": D.bfloat16, "LongStorage": D.int64, "IntStorage": D.int32,
    "ShortStorage": D.int16, "CharStorage": D.int8, "ByteStorage": D.uint8, "BoolStorage": D.bool_,
    "ComplexFloatStorage": D.complex64, "ComplexDoubleStorage": D.complex128,
}
_classes = {name: _legacy(name, dt) for name, dt in LEGACY_STORAGES.items()}
globals().update(_classes)
STORAGE_CLASS_OF = {dt: _classes[name] for name, dt in LEGACY_STORAGES.items()}


def root_array(a):
    """The array that owns a's memory (following NumPy's or CuPy's view chain)."""
    if is_host(a):
        while isinstance(a.base, np.ndarray):
            a = a.base
        return a
    while a.base is not None:
        a = a.base
    return a


def storage_of(t):
    """tensor.untyped_storage() / tensor.storage(): the whole memory behind t."""
    root = root_array(t._data)
    return STORAGE_CLASS_OF[t._dtype](root.reshape(-1) if root.flags.c_contiguous else root.ravel())


def untyped_storage_of(t):
    """tensor.untyped_storage(): the bytes of the whole memory behind t."""
    root = root_array(t._data)
    flat = root.reshape(-1) if root.flags.c_contiguous else root.ravel()
    return UntypedStorage(flat.view(np.uint8))
