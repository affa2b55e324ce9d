"""torch.optim.Optimizer: parameter groups, per-parameter state, state_dict.

Subclasses implement `_update(group, params)`, which applies one step to the
parameters of a group that have gradients. Updates work on the arrays
directly, in place (the optimizer is a kernel, not part of any graph), and
bump each parameter's version counter like PyTorch's in-place ops do.
"""
import copy
import functools
from collections import OrderedDict, defaultdict

import numpy as np

from .. import _dtype as D
from .._grad_mode import enable_grad, no_grad
from .._tensor import Tensor
from ..utils.hooks import add_hook


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks = {}
_global_post_hooks = {}


def register_optimizer_step_pre_hook(hook):
    return add_hook(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    return add_hook(_global_post_hooks, hook)


def _type_name(t):
    return "torch." + {"float32": "FloatTensor", "float64": "DoubleTensor"}.get(t.dtype.name, "Tensor")


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
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
        if not isinstance(param_group, dict):
            raise TypeError("param_group must be a dict, but got %s" % type(param_group).__name__)
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list "
                            "instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group)
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 "parameter " + name)
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    g = p._grad
                    if g._grad_fn is not None:
                        p._grad = g.detach()
                    p._grad.requires_grad_(False)
                    p._grad._data[...] = 0
                    p._grad._version_counter.value += 1

    @staticmethod
    def _with_hooks(step):
        """Wrap a subclass's step with the pre/post hooks and no_grad."""
        @functools.wraps(step)
        def wrapper(self, *args, **kwargs):
            for hook in list(_global_pre_hooks.values()) + list(self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            out = step(self, *args, **kwargs)
            for hook in list(self._optimizer_step_post_hooks.values()) + list(_global_post_hooks.values()):
                hook(self, args, kwargs)
            return out
        return wrapper

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p._grad is not None]
                if params:
                    self._update(group, params)
        return loss

    def _update(self, group, params):
        raise NotImplementedError("Optimizer subclasses implement _update(group, params)")

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "step" in cls.__dict__:
            cls.step = Optimizer._with_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook):
        return add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        return add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return add_hook(self._optimizer_state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return add_hook(self._optimizer_state_dict_post_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return add_hook(self._optimizer_load_state_dict_pre_hooks, hook)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return add_hook(self._optimizer_load_state_dict_post_hooks, hook)

    # ------------------------------------------------------------------ state_dict
    def state_dict(self):
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if isinstance(p, Tensor) and id(p) in index}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            r = hook(self, sd)
            if r is not None:
                sd = r
        return sd

    def load_state_dict(self, state_dict):
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            r = hook(self, state_dict)
            if r is not None:
                state_dict = r
        state_dict = copy.deepcopy(state_dict)
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
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
                state[p] = {name: self._cast_state(p, name, value) for name, value in v.items()}
            else:
                state[k] = v
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            ng = dict(sg)
            ng["params"] = g["params"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    @staticmethod
    def _cast_state(param, key, value):
        """Saved state tensors take the parameter's dtype, except the step counter."""
        if not isinstance(value, Tensor):
            return value
        if key == "step":
            return value
        if value.is_floating_point() and value._dtype is not param._dtype:
            return value.to(param._dtype)
        return value

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            self.__dict__.setdefault(name, OrderedDict())

    def __repr__(self):
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += "\nParameter Group %d" % i
            for key in sorted(group):
                if key != "params":
                    out += "\n    %s: %s" % (key, group[key])
        return out + "\n)"


Optimizer.step = Optimizer._with_hooks(Optimizer.step)


# ---------------------------------------------------------------------- helpers
def grad_array(p, maximize=False):
    """The gradient of p as an array (negated for maximize)."""
    g = p._grad._data
    return -g if maximize else g


def state_tensor(state, name, like):
    """state[name], created as zeros shaped like parameter `like` on first use."""
    t = state.get(name)
    if t is None:
        t = Tensor._make(np.zeros_like(like._data), like._dtype)
        state[name] = t
    return t


def step_tensor(state):
    """The per-parameter step counter: a float32 0-dim tensor, as PyTorch keeps it."""
    t = state.get("step")
    if t is None:
        t = Tensor._make(np.zeros((), np.float32), D.float32)
        state["step"] = t
    return t


def bump(t):
    """Record an in-place change of tensor t (its version counter)."""
    t._version_counter.value += 1


def lr_value(lr):
    return float(lr.item()) if isinstance(lr, Tensor) else float(lr)
