"""The Tensor: an array plus the metadata autograd needs.

A Tensor holds a backend array (`_data`, NumPy on the CPU) with the
tensor's shape and strides; views are arrays that share memory with their
base's array. Everything else here is metadata: dtype (bfloat16 shares
float32 storage, so it cannot be read off the array), requires_grad, the
graph node that produced it, and a version counter shared with its views
that in-place operations bump. Operators and methods that compute are
attached in `_tensor_methods.py`; they all go through `_dispatch.apply`.
"""
import numpy as np

from . import _dispatch
from . import _dtype as D
from ._device import CPU
from ._size import Size


class _Version:
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    __slots__ = ("_data", "_dtype", "_requires_grad", "_grad", "_grad_fn", "_output_nr",
                 "_version_counter", "_base", "_hooks", "_retains_grad", "_accumulator", "_fn_version",
                 "__dict__", "__weakref__")

    # numpy must defer to our reflected operators (ndarray + Tensor -> Tensor)
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        t = object.__new__(cls)
        t._init(np.empty((0,), np.float32), D.get_default_dtype())
        return t

    def __init__(self, *args, **kwargs):
        # torch.Tensor(data) / torch.Tensor(*sizes): the legacy constructor (default dtype)
        if not args:
            return
        from ._creation import tensor as _tensor_fn, empty
        if len(args) == 1 and not isinstance(args[0], int):
            src = _tensor_fn(args[0], dtype=D.get_default_dtype())
        else:
            src = empty(*args)
        self._init(src._data, src._dtype)

    def _init(self, array, dtype):
        self._data = array
        self._dtype = dtype
        self._requires_grad = False
        self._grad = None
        self._grad_fn = None
        self._output_nr = 0
        self._version_counter = _Version()
        self._base = None
        self._hooks = None
        self._retains_grad = False
        self._accumulator = None
        self._fn_version = 0

    @classmethod
    def _make(cls, array, dtype):
        t = object.__new__(cls)
        t._data = array
        t._dtype = dtype
        t._requires_grad = False
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._version_counter = _Version()
        t._base = None
        t._hooks = None
        t._retains_grad = False
        t._accumulator = None
        t._fn_version = 0
        return t

    def _snapshot(self):
        """A copy of the current value that keeps this tensor's place in the graph
        (what an in-place op saves when its backward needs the old value)."""
        s = Tensor._make(self._data.copy(), self._dtype)
        s._requires_grad = self._requires_grad
        s._grad_fn = self._grad_fn
        s._output_nr = self._output_nr
        return s

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self):
        return _size_of(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _size_of(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        if type(self._data) is np.ndarray:
            return CPU
        from ._backends import device_of
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self._dtype.itemsize * int(self._data.size)

    def stride(self, dim=None):
        item = self._data.itemsize
        st = tuple(s // item for s in self._data.strides)
        if dim is None:
            return st
        return st[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        base = self._base._data if self._base is not None else None
        if base is None:
            return 0
        return (_address(self._data) - _address(base)) // self._data.itemsize

    def data_ptr(self):
        return _address(self._data)

    def is_contiguous(self, memory_format=None):
        a = self._data
        if memory_format is not None and getattr(memory_format, "name", "") == "channels_last":
            return a.ndim == 4 and np.transpose(a, (0, 2, 3, 1)).flags.c_contiguous
        if a.flags.c_contiguous:
            return True
        # PyTorch ignores the strides of size-1 dimensions
        expected = a.itemsize
        for n, s in zip(reversed(a.shape), reversed(a.strides)):
            if n != 1 and s != expected:
                return False
            expected *= n
        return True

    def is_floating_point(self):
        return self._dtype.category == D.FLOAT

    def is_complex(self):
        return self._dtype.category == D.COMPLEX

    def is_signed(self):
        return self._dtype.is_signed

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_meta(self):
        return False

    @property
    def layout(self):
        from . import strided
        return strided

    def get_device(self):
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    # ---------------------------------------------------------------- autograd
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and self._dtype.category < D.FLOAT:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad_fn(self):
        if self._base is not None and self._fn_version != self._version_counter.value:
            _dispatch.refresh_view(self)
        return self._grad_fn

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                                + type(value).__name__)
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def _version(self):
        return self._version_counter.value

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None:
            self._retains_grad = True
            from .autograd.engine import register_retain
            register_retain(self)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.engine import register_tensor_hook
        return register_tensor_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        t = Tensor._make(self._data, self._dtype)
        t._version_counter = self._version_counter
        t._base = self if self._base is None else self._base
        return t

    def detach_(self):
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        t = Tensor._make(self._data, self._dtype)
        t._version_counter = self._version_counter
        return t

    @data.setter
    def data(self, value):
        self._data = value._data
        self._dtype = value._dtype

    # ---------------------------------------------------------------- conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError("a Tensor with %d elements cannot be converted to Scalar" % self._data.size)
        return _host(self._data).reshape(()).item()

    def tolist(self):
        return _host(self._data).tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if type(self._data) is not np.ndarray:
            if not force:
                raise TypeError(
                    "can't convert %s device type tensor to numpy. Use Tensor.cpu() to copy the "
                    "tensor to host memory first." % self.device)
            return _host(self._data)
        if self._dtype is D.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if type(self._data) is not np.ndarray:
            self.numpy()   # raises PyTorch's error: device memory is not NumPy's
        a = self._data
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self._dtype.category != D.INT and self._dtype is not D.bool_ or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import format_tensor
        fn = self._grad_fn
        return format_tensor(_host(self._data), self._dtype, device=str(self.device),
                             requires_grad=self._requires_grad,
                             grad_fn=fn.name() if fn is not None else None)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        from .serialization import reduce_tensor
        return reduce_tensor(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.")
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy(), self._dtype)
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        if hasattr(self, "__dict__"):
            import copy
            for k, v in self.__dict__.items():
                setattr(new, k, copy.deepcopy(v, memo))
        memo[id(self)] = new
        return new

    @property
    def T(self):
        n = self._data.ndim
        return self.permute(*range(n - 1, -1, -1)) if n > 1 else self

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               "Got %d-D tensor." % self._data.ndim)
        return self.transpose(-2, -1)

    @property
    def H(self):
        return self.T.conj() if self.is_complex() else self.T

    @property
    def mH(self):
        return self.mT.conj() if self.is_complex() else self.mT


_size_of = Size._of


def _address(a):
    if type(a) is np.ndarray:
        return a.__array_interface__["data"][0]
    return a.__cuda_array_interface__["data"][0]


def _host(a):
    return a if type(a) is np.ndarray else a.get()


def _wrap_dim(dim, ndim):
    """A dim in [-ndim, ndim) as a non-negative index, or PyTorch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)"
                         % (-n, n - 1, dim))
    return dim + n if dim < 0 else dim


_dispatch.Tensor = Tensor
