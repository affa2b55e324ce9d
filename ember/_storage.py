"""Storages: the flat memory behind tensors, as PyTorch's checkpoints name them.

A tensor's storage is the NumPy array that owns its memory (the root of its
views). Checkpoints record each storage once, typed by one of PyTorch's
legacy storage classes (FloatStorage, LongStorage, ...), which this module
provides so that pickles can name them both ways.
"""
import numpy as np

from . import _dtype as D


class UntypedStorage:
    """Bytes of memory; `array` is a flat uint8 NumPy array over them."""

    def __init__(self, size_or_array=0, *, device=None):
        if isinstance(size_or_array, np.ndarray):
            self.array = size_or_array
        else:
            self.array = np.zeros(int(size_or_array), np.uint8)

    def nbytes(self):
        return self.array.nbytes

    def size(self):
        return self.array.nbytes

    def __len__(self):
        return self.array.nbytes

    def data_ptr(self):
        return self.array.__array_interface__["data"][0]

    @property
    def device(self):
        from ._device import CPU
        return CPU


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
        elif not isinstance(array, np.ndarray):
            array = np.asarray(array, self.dtype.np)
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
        return self.array.__array_interface__["data"][0]

    def tolist(self):
        return self.array.tolist()

    @property
    def device(self):
        from ._device import CPU
        return CPU

    def __repr__(self):
        return " " + "\n ".join(str(x) for x in self.array.tolist()) + \
            "\n[torch.storage.TypedStorage(dtype=%s, device=cpu) of size %d]" % (self.dtype, len(self))


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
    """The array that owns a's memory (following NumPy's view chain)."""
    while isinstance(a.base, np.ndarray):
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
