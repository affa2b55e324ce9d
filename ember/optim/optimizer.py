"""torch.optim.Optimizer: parameter groups, per-parameter state, state_dict.

Subclasses implement `_update(group, params)`, which applies one step to the
parameters of a group that have gradients. Updates work on the arrays
directly, in place (the optimizer is a kernel, not part of any graph), and
bump each parameter's version counter like PyTorch's in-place ops do.

Numerics follow PyTorch's CPU kernels operation by operation: hyperparameters
are Python floats (so a float32 array stays float32, the scalar rounded to
float32 first, as PyTorch does with a scalar operand), and compound kernels
keep PyTorch's evaluation order (`addcdiv`: p + (v * a) / b, `addcmul`:
p + (v * a) * b, `lerp`: a + w * (b - a) for w < 0.5).
"""
import copy
import functools
import threading
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

from .._backends import is_host, to_device_array

from .. import _dtype as D
from .._grad_mode import enable_grad, no_grad
from .._tensor import Tensor
from .. import cuda as _cuda
from ..utils.hooks import RemovableHandle


class _RequiredParameter:
    """Singleton class representing a required parameter for an Optimizer."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks = OrderedDict()
_global_post_hooks = OrderedDict()


def _add_hook(hooks, fn, prepend=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """A hook run before every optimizer's step: hook(optimizer, args, kwargs) -> None or
    (new_args, new_kwargs)."""
    return _add_hook(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """A hook run after every optimizer's step: hook(optimizer, args, kwargs) -> None."""
    return _add_hook(_global_post_hooks, hook)


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        name = obj.__qualname__
    elif hasattr(obj, "__name__"):
        name = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        name = obj.__class__.__qualname__
    return name if module in ("", "builtins") else module + "." + name


def _type_name(t):
    return "torch." + {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                       "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
                       "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                       "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
                       "complex128": "ComplexDoubleTensor"}.get(t.dtype.name, "Tensor")


_hook_state = threading.local()

_SETSTATE_HOOK_DICTS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                        "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                        "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks")


class Optimizer:
    """Base class for all optimizers.

    params: an iterable of Tensors, of (name, Tensor) pairs, or of dicts (parameter
    groups, each with a "params" entry and per-group options); defaults: the options
    a group gets when it does not name them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        for name in _SETSTATE_HOOK_DICTS:
            setattr(self, name, OrderedDict())
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got " + _type_name(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with "params" and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError("param_group must be a dict, but got " + str(type(param_group)))
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list "
                            "instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names "
                                 "are missing")
            param_group["param_names"] = names
        differentiable = self.defaults.get("differentiable", None)
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not differentiable and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 "parameter " + name)
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. cannot add "
                                 "param group %s to the optimizer" % which)
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors (to None, or to zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    g._grad_fn = None
                    g._requires_grad = False
                    g._data[...] = 0
                    g._version_counter.value += 1

    @staticmethod
    def _with_hooks(step):
        """Wrap a step method: global and per-optimizer pre/post hooks around it (run once
        per user call even when an overriding step calls super().step())."""
        if getattr(step, "_hooked", False):
            return step

        @functools.wraps(step)
        def wrapper(self, *args, **kwargs):
            active = getattr(_hook_state, "active", None)
            if active is None:
                active = _hook_state.active = set()
            if id(self) in active:
                return step(self, *args, **kwargs)
            for hook in list(_global_pre_hooks.values()) + list(self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError("%s must return None or a tuple of (new_args, new_kwargs), "
                                           "but got %s." % (step, result))
            active.add(id(self))
            try:
                out = step(self, *args, **kwargs)
            finally:
                active.discard(id(self))
            self._opt_called = True
            if _cuda.is_initialized():   # optimizer state is the other high point of GPU memory
                _cuda._sample_peaks()
            for hook in list(self._optimizer_step_post_hooks.values()) + list(_global_post_hooks.values()):
                hook(self, args, kwargs)
            return out
        wrapper._hooked = True
        return wrapper

    def step(self, closure=None):
        """Perform a single optimization step; closure re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p._grad is not None]
                if not params:
                    continue
                if any(p._data.dtype == np.float16 for p in params):
                    half = [p for p in params if p._data.dtype == np.float16]
                    params = [p for p in params if p._data.dtype != np.float16]
                    self._update_half(group, half)
                if params:
                    self._update(group, params)
        return loss

    def _update(self, group, params):
        raise NotImplementedError

    def _update_half(self, group, params):
        """float16 parameters update in float32 (as PyTorch's kernels compute in float32
        internally), the parameter and its state rounded back to float16 afterwards."""
        for p in params:
            state = self.state[p]
            tensors = [p, p._grad] + [v for v in state.values()
                                      if isinstance(v, Tensor) and v._data.dtype == np.float16]
            saved = [(t, t._data) for t in tensors]
            for t in tensors:
                t._data = t._data.astype(np.float32)
            try:
                self._update(group, [p])
            finally:
                for t, a in saved:
                    a[...] = t._data
                    t._data = a
                for v in state.values():    # state created during the update
                    if isinstance(v, Tensor) and v._dtype is D.float16 and v._data.dtype != np.float16:
                        v._data = v._data.astype(np.float16)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "step" in cls.__dict__:
            cls.step = Optimizer._with_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before each step."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None, after each step."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state_dict
    def state_dict(self):
        """{"state": {index: per-parameter state}, "param_groups": [options + parameter indices]}.
        The state tensors are the optimizer's own (not copies), as in PyTorch."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            new = {}
            for i, p in enumerate(group["params"], start):
                if id(p) not in mapping:
                    new[id(p)] = i
            mapping.update(new)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict):
        """Load a state_dict (from this class of optimizer, Ember's or PyTorch's): the saved
        group options replace the current ones; state tensors take the parameter's dtype,
        except the step counters."""
        state_dict = dict(state_dict)
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(sg["params"]) for g, sg in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group")
        id_map = {}
        for g, sg in zip(groups, saved_groups):
            for old, p in zip(sg["params"], g["params"]):
                id_map[old] = p
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = self._cast(p, v)
            else:
                state[k] = v
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            sg["params"] = g["params"]
            if "param_names" in g and "param_names" not in sg:
                sg["param_names"] = g["param_names"]
            new_groups.append(sg)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def _cast(self, param, value, key=None):
        if isinstance(value, Tensor):
            return self._cast_state(param, key, value)
        if isinstance(value, dict):
            return {k: self._cast(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast(param, v, key) for v in value)
        return value

    @staticmethod
    def _cast_state(param, key, value):
        """A loaded state tensor: on the parameter's device, in its floating dtype, except
        the step counter (kept as saved). The same tensor when nothing changes, as with
        Tensor.to."""
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(device=param.device, dtype=param._dtype)
        return value.to(device=param.device)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in _SETSTATE_HOOK_DICTS:
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def _setstate_groups(self, **group_defaults):
        """For subclasses' __setstate__: fill options missing from old checkpoints and turn
        plain-number step counters into tensors."""
        for group in self.param_groups:
            for k, v in group_defaults.items():
                group.setdefault(k, v)
            for p in group["params"]:
                st = self.state.get(p)
                if st and "step" in st and not isinstance(st["step"], Tensor):
                    st["step"] = scalar_tensor(float(st["step"]))

    def __repr__(self):
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += "\nParameter Group %d\n" % i
            for key in sorted(group):
                if key != "params":
                    out += "    %s: %s\n" % (key, group[key])
        return out + ")"


Optimizer.step = Optimizer._with_hooks(Optimizer.step)


# ---------------------------------------------------------------------- validation
def check_lr(lr, strict=False):
    """PyTorch's learning-rate checks (a Tensor lr must have one element)."""
    value = lr
    if isinstance(lr, Tensor):
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        value = float(lr.item())
    if (not 0.0 < value) if strict else (not 0.0 <= value):
        raise ValueError("Invalid learning rate: {}".format(value))


def check_nonneg(value, what):
    if not 0.0 <= value:
        raise ValueError("Invalid {} value: {}".format(what, value))


def check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError("Invalid beta parameter at index 0: {}".format(betas[0]))
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError("Invalid beta parameter at index 1: {}".format(betas[1]))


def check_fused(fused, foreach, differentiable):
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


# ---------------------------------------------------------------------- helpers
def scalar_dtype():
    """The dtype of step counters and other scalar state: float64 under a float64 default."""
    return D.float64 if D.get_default_dtype() is D.float64 else D.float32


def scalar_tensor(value, like=None):
    """A 0-dim state tensor holding value: on the CPU (as PyTorch keeps step counters),
    or beside parameter `like` where PyTorch puts it on the parameter's device."""
    dt = scalar_dtype()
    a = np.array(value, dtype=dt.np)
    if like is not None and not is_host(like._data):
        a = to_device_array(a, like.device)
    return Tensor._make(a, dt)


def as_real(a):
    """The array the update math works on: a complex array as a real view (..., 2) of the same
    memory, a 0-dim array as a 1-element view (so NumPy arithmetic keeps giving arrays)."""
    if a.ndim == 0:
        a = a[None]
    if a.dtype.kind == "c":
        a = a.view(a.real.dtype)
    return a


def grad_array(p, maximize=False):
    """The gradient of p as a (real) array, negated for maximize."""
    g = as_real(p._grad._data)
    return -g if maximize else g


def state_tensor(state, name, like, fill=0):
    """state[name], created filled with `fill`, shaped like parameter `like`, on first use."""
    t = state.get(name)
    if t is None:
        a = np.zeros_like(like._data) if fill == 0 else np.full_like(like._data, fill)
        t = Tensor._make(a, like._dtype)
        state[name] = t
    return t


def step_tensor(state):
    """The per-parameter step counter: a 0-dim tensor (float32, or float64 under a float64
    default dtype), as PyTorch keeps it."""
    t = state.get("step")
    if t is None:
        t = scalar_tensor(0.0)
        state["step"] = t
    return t


def incr_step(state):
    """step += 1; the new step as a Python float."""
    t = step_tensor(state)
    t._data += 1
    t._version_counter.value += 1
    return float(t._data)


def bump(*tensors):
    """Record an in-place change of the tensors (their version counters); bfloat16
    tensors are rounded back to bfloat16 precision."""
    for t in tensors:
        t._version_counter.value += 1
        if t._dtype is D.bfloat16:
            t._data[...] = D.round_bfloat16(t._data)


def lr_value(lr):
    return float(lr.item()) if isinstance(lr, Tensor) else float(lr)


def hp(value):
    """A hyperparameter as a Python number (Tensor hyperparameters allowed)."""
    return float(value.item()) if isinstance(value, Tensor) else value


def lerp_(a, b, w):
    """a <- lerp(a, b, w) in place, PyTorch's formula."""
    t = b - a
    if abs(w) < 0.5:
        t *= w
        a += t
    else:
        # 1 - w in the array's precision, as the kernel computes it
        t *= float(np.float32(1) - np.float32(w)) if a.dtype == np.float32 else 1 - w
        np.subtract(b, t, out=a)


def addcmul_(a, b, c, value=1.0):
    """a += value * b * c, evaluated as PyTorch's addcmul ((value * b) * c)."""
    t = b * c if value == 1 else value * b
    if value != 1:
        t *= c
    a += t


def addcdiv_(a, b, c, value=1.0):
    """a += value * b / c, evaluated as PyTorch's addcdiv ((value * b) / c)."""
    t = b / c if value == 1 else value * b
    if value != 1:
        t /= c
    a += t
