"""torch.nn.parameter: Parameter, Buffer and their uninitialized (lazy) forms.

A Parameter is a Tensor that a Module registers as trainable when it is
assigned as an attribute; `Parameter(t)` shares t's memory and is a leaf
that requires grad by default. A Buffer marks a tensor to be registered as
a buffer on assignment (it is a plain Tensor carrying a flag).
"""
from collections import OrderedDict

from .. import _dtype as D
from .._tensor import Tensor


class _ParameterMeta(type):
    # isinstance(t, Parameter) also holds for plain tensors flagged `_is_param`
    def __instancecheck__(self, instance):
        if self is Parameter:
            if isinstance(instance, Tensor) and getattr(instance, "_is_param", False):
                return True
        return super().__instancecheck__(instance)


def _alias_into(new, data):
    """Make `new` a leaf alias of `data`'s memory (what _make_subclass does)."""
    Tensor._init(new, data._data, data._dtype)
    new._version_counter = data._version_counter
    new._base = data._base


class Parameter(Tensor, metaclass=_ParameterMeta):
    """A Tensor that is a module parameter (requires_grad=True by default)."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        elif not isinstance(data, Tensor):
            raise TypeError("Parameter.__new__(): argument 'data' (position 1) must be Tensor, not %s"
                            % type(data).__name__)
        t = object.__new__(cls)
        _alias_into(t, data)
        if requires_grad:
            if data._dtype.category < D.FLOAT:
                raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                                   "gradients")
            t._requires_grad = True
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self._requires_grad)
        if self._grad is not None:
            import copy
            result._grad = copy.deepcopy(self._grad, memo)
        if self.__dict__:
            import copy
            for k, v in self.__dict__.items():
                setattr(result, k, copy.deepcopy(v, memo))
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        state = dict(self.__dict__)
        data = self.data
        if not state:
            return (_rebuild_parameter, (data, self._requires_grad, OrderedDict()))
        return (_rebuild_parameter_with_state, (data, self._requires_grad, OrderedDict(), state))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = Parameter(data, requires_grad)
    for k, v in state.items():
        setattr(p, k, v)
    return p


class _BufferMeta(type):
    # isinstance(t, Buffer) holds for tensors flagged `_is_buffer`
    def __instancecheck__(self, instance):
        if self is Buffer:
            if isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
                return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a Module
    attribute (`persistent=False` keeps it out of state_dict)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = Tensor._make(data._data, data._dtype)
        t._version_counter = data._version_counter
        t._base = data._base
        t._requires_grad = data._requires_grad
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedTensorMixin:
    """What lazy modules' placeholders share: no data until materialize()."""
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        from .._creation import empty
        if device is None:
            device = self.device
        if dtype is None:
            dtype = self._dtype
        t = empty(shape, device=device, dtype=dtype)
        self._data = t._data
        self._dtype = t._dtype
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return "<%s>" % self.__class__.__name__

    def __reduce_ex__(self, proto):
        return (self.__class__, (self._requires_grad,))


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .._creation import empty
        data = empty(0, device=device, dtype=dtype)
        return Parameter.__new__(cls, data, requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self._requires_grad, self.device, self._dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        from .._creation import empty
        data = empty(0, device=device, dtype=dtype)
        t = object.__new__(cls)
        Tensor._init(t, data._data, data._dtype)
        t._requires_grad = requires_grad
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass


__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]
