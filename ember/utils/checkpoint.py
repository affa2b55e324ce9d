"""torch.utils.checkpoint: trade compute for memory by recomputing a region's
forward pass during backward instead of keeping its intermediate results.

Both variants run the region without recording a graph and link its outputs
to one graph node; the RNG state at the start of the region is kept so that
the recomputation draws the same random numbers (dropout gives identical
results).

- use_reentrant=True (CheckpointFunction): the node's inputs are the tensor
  arguments; its backward recomputes on detached inputs and runs a nested
  backward, which accumulates into the parameters' .grad directly (so, as in
  PyTorch, it cannot serve autograd.grad, and no gradient flows when no
  argument requires grad).
- use_reentrant=False: while the region runs, the dispatch funnel reports
  every tensor that requires grad and enters an op (arguments, parameters,
  captured activations); those become the node's inputs. Backward recomputes
  with each of them replaced by a detached twin and returns the gradients
  with respect to the twins, so gradients flow through the ordinary graph
  (autograd.grad and backward(inputs=...) work, keyword arguments too).
"""
import contextlib
import warnings

from .. import _dispatch
from .._dtype import FLOAT as _FLOAT
from .._grad_mode import enable_grad, no_grad, state as grad_state
from .._tensor import Tensor
from ..autograd.function import Function

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "check_backward_validity", "detach_variable", "get_device_states",
           "set_device_states", "noop_context_fn", "set_checkpoint_early_stop",
           "DefaultDeviceType", "set_checkpoint_debug_enabled"]

_DEFAULT_DETERMINISM_MODE = "default"
_ALLOWED_DETERMINISM_CHECKS = ("default", "none")
_checkpoint_debug_enabled = None
_checkpoint_early_stop = None


class CheckpointError(RuntimeError):
    pass


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled):
    global _checkpoint_debug_enabled
    prev = _checkpoint_debug_enabled
    _checkpoint_debug_enabled = enabled
    try:
        yield
    finally:
        _checkpoint_debug_enabled = prev


@contextlib.contextmanager
def set_checkpoint_early_stop(enable):
    global _checkpoint_early_stop
    prev = _checkpoint_early_stop
    _checkpoint_early_stop = enable
    try:
        yield
    finally:
        _checkpoint_early_stop = prev


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """Detached copies of the tensors in the tuple `inputs`, keeping requires_grad."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: %s"
                           % type(inputs).__name__)
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs):
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


# ------------------------------------------------------------------ devices and RNG
def _cuda():
    try:
        from .. import cuda
    except ImportError:
        return None
    return cuda


class DefaultDeviceType:
    """The device type whose RNG state is kept when no argument is on an accelerator."""
    _default_device_type = None

    @staticmethod
    def set_device_type(device="cuda"):
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type():
        if not DefaultDeviceType._default_device_type:
            cuda = _cuda()
            available = False
            if cuda is not None:
                try:
                    available = bool(cuda.is_available())
                except Exception:
                    available = False
            DefaultDeviceType._default_device_type = "cuda" if available else "cpu"
        return DefaultDeviceType._default_device_type


def _tensors_in(obj, out):
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _tensors_in(x, out)
    elif isinstance(obj, dict):
        for x in obj.values():
            _tensors_in(x, out)
    return out


def _infer_device_type(*args):
    types = [t.device.type for t in _tensors_in(args, []) if t.device.type != "cpu"]
    if len(set(types)) > 1:
        warnings.warn(
            "Tensor arguments, excluding CPU tensors, are detected on at least two types of "
            "devices. Device state will only be saved for devices of a single device type, and the "
            "remaining devices will be ignored. Consequently, if any checkpointed functions involve "
            "randomness, this may result in incorrect gradients. (Note that if CUDA devices are "
            "among the devices detected, it will be prioritized; otherwise, the first device "
            "encountered will be selected.)\nDevice types: %s first device type: %s"
            % (sorted(set(types)), types[0]), stacklevel=2)
    if not types:
        return DefaultDeviceType.get_device_type()
    return "cuda" if "cuda" in types else types[0]


def get_device_states(*args):
    """(device ids, RNG states) of the accelerator devices the tensors in args live on."""
    ids = []
    for t in _tensors_in(args, []):
        if t.device.type not in ("cpu", "meta"):
            i = t.get_device()
            if i not in ids:
                ids.append(i)
    states = []
    if ids:
        cuda = _cuda()
        if cuda is None or not hasattr(cuda, "get_rng_state"):
            return [], []
        for i in ids:
            states.append(cuda.get_rng_state(i))
    return ids, states


def set_device_states(devices, states, *, device_type=None):
    if device_type is None:
        device_type = DefaultDeviceType.get_device_type()
    if device_type == "meta" or not devices:
        return
    cuda = _cuda()
    if cuda is None or not hasattr(cuda, "set_rng_state"):
        return
    for device, state in zip(devices, states):
        cuda.set_rng_state(state, device)


class _RngStash:
    """The RNG states at the start of a checkpointed region."""

    def __init__(self, preserve, args):
        self.preserve = preserve
        if preserve:
            from .._ops.random import get_rng_state
            self.cpu_state = get_rng_state()
            self.devices, self.device_states = get_device_states(*args)

    @contextlib.contextmanager
    def replay(self):
        """Run the block from the stashed RNG states; the current ones come back after."""
        if not self.preserve:
            yield
            return
        from .._ops.random import get_rng_state, set_rng_state
        now_cpu = get_rng_state()
        now_devices = []
        if self.devices:
            cuda = _cuda()
            now_devices = [cuda.get_rng_state(i) for i in self.devices]
        set_rng_state(self.cpu_state)
        set_device_states(self.devices, self.device_states, device_type="cuda")
        try:
            yield
        finally:
            set_rng_state(now_cpu)
            set_device_states(self.devices, now_devices, device_type="cuda")


# ------------------------------------------------------------------ reentrant
def _is_checkpoint_valid():
    """False inside autograd.grad() or backward(inputs=...): the reentrant variant
    needs a backward that accumulates into every leaf."""
    from ..autograd import engine
    return engine.accumulates_into_leaves()


class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        ctx.rng = _RngStash(preserve_rng_state, args)
        ctx.inputs = []
        ctx.tensor_indices = []
        tensor_inputs = []
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                tensor_inputs.append(arg)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(arg)
        ctx.save_for_backward(*tensor_inputs)
        with no_grad():
            outputs = run_function(*args)
        return outputs

    @staticmethod
    def backward(ctx, *args):
        if not _is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                "passing an `inputs` parameter to .backward(). To resolve this error, you can "
                "either set use_reentrant=False, or call .backward() without passing the `inputs` "
                "argument.")
        from ..autograd import backward as _backward
        inputs = list(ctx.inputs)
        tensors = ctx.saved_tensors
        for i, idx in enumerate(ctx.tensor_indices):
            inputs[idx] = tensors[i]
        with ctx.rng.replay():
            detached_inputs = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached_inputs)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        outputs_with_grad = []
        args_with_grad = []
        for i in range(len(outputs)):
            if isinstance(outputs[i], Tensor) and outputs[i].requires_grad:
                outputs_with_grad.append(outputs[i])
                args_with_grad.append(args[i])
        if len(outputs_with_grad) == 0:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        _backward(outputs_with_grad, args_with_grad)
        grads = tuple(inp.grad if isinstance(inp, Tensor) else None for inp in detached_inputs)
        return (None, None) + grads


# ------------------------------------------------------------------ non-reentrant
def _flatten(obj):
    """(unique float tensors in obj, in order of first appearance)."""
    seen = set()
    out = []
    for t in _tensors_in(obj, []):
        if id(t) not in seen and t._dtype.category >= _FLOAT:
            seen.add(id(t))
            out.append(t)
    return out


def _rebuild(obj, mapping):
    """obj with every tensor replaced by mapping[id(tensor)] (when present)."""
    if isinstance(obj, Tensor):
        return mapping.get(id(obj), obj)
    if isinstance(obj, tuple):
        items = [_rebuild(x, mapping) for x in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, list):
        return [_rebuild(x, mapping) for x in obj]
    if isinstance(obj, dict):
        return type(obj)((k, _rebuild(v, mapping)) for k, v in obj.items())
    return obj


# substitution maps of the regions being recomputed right now (innermost last)
_active_maps = []


class _Region:
    """What the non-reentrant node needs to recompute its region."""

    def __init__(self, function, args, kwargs, captured, rng, recompute_context,
                 determinism_check):
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.captured = captured
        self.rng = rng
        self.recompute_context = recompute_context
        self.determinism_check = determinism_check
        self.meta = None
        self.outer_maps = list(_active_maps)


class _CheckpointNoReentrant(Function):
    @staticmethod
    def forward(ctx, region, *tensors):
        ctx.region = region
        return tuple(region.outputs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        region = ctx.region
        captured = region.captured
        twins = []
        by_id = {}
        for t in captured:
            tw = Tensor._make(t._data, t._dtype)
            tw._version_counter = t._version_counter
            tw._requires_grad = True
            twins.append(tw)
            by_id[id(t)] = (t, tw)

        # the substitutions of enclosing regions being recomputed when this region ran
        # (nested checkpoints) apply first, then this region's own
        maps = region.outer_maps + [by_id]

        def swap(x):
            for m in maps:
                hit = m.get(id(x))
                if hit is not None and hit[0] is x:
                    x = hit[1]
            return x

        def substitute(op, inputs, params):
            new = None
            for i, x in enumerate(inputs):
                if isinstance(x, Tensor):
                    y = swap(x)
                    if y is not x:
                        if new is None:
                            new = list(inputs)
                        new[i] = y
            return None if new is None else (tuple(new), params)

        args = tuple(swap(a) if isinstance(a, Tensor) else a for a in region.args)
        kwargs = {k: swap(v) if isinstance(v, Tensor) else v for k, v in region.kwargs.items()}
        with region.rng.replay(), region.recompute_context, enable_grad():
            _dispatch.interceptors.append(substitute)
            _active_maps.append(by_id)
            try:
                out = region.function(*args, **kwargs)
            finally:
                _active_maps.pop()
                _dispatch.interceptors.remove(substitute)
        flat = _flatten(out)
        if region.determinism_check == _DEFAULT_DETERMINISM_MODE:
            meta = [(tuple(t.shape), t.dtype, t.device) for t in flat]
            if meta != region.meta:
                raise CheckpointError(
                    "torch.utils.checkpoint: Recomputed values for the following tensors have "
                    "different metadata than during the forward pass.\n"
                    "original: %s\nrecomputed: %s" % (region.meta, meta))
        outs, grads = [], []
        for o, g in zip(flat, grad_outputs):
            if o._requires_grad and g is not None:
                outs.append(o)
                grads.append(g)
        if not outs:
            return (None,) + (None,) * len(twins)
        from ..autograd.engine import run_backward
        res = run_backward(outs, grads, False, grad_state.enabled, inputs=twins,
                           allow_unused=True, accumulate=False)
        return (None,) + tuple(res)


def _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check, args,
                                  kwargs):
    if determinism_check not in _ALLOWED_DETERMINISM_CHECKS:
        raise ValueError("determinism_check should be one of %s, but got %s"
                         % (list(_ALLOWED_DETERMINISM_CHECKS), determinism_check))
    forward_context, recompute_context = context_fn()
    if not grad_state.enabled:
        with forward_context:
            return function(*args, **kwargs)
    rng = _RngStash(preserve, args)
    captured = {}
    for t in _tensors_in((args, kwargs), []):
        if t._requires_grad:
            captured.setdefault(id(t), t)

    def spy(op, inputs, params):
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad and id(x) not in captured:
                captured[id(x)] = x
        return None

    _dispatch.interceptors.append(spy)
    try:
        with forward_context, no_grad():
            out = function(*args, **kwargs)
    finally:
        _dispatch.interceptors.remove(spy)
    flat = _flatten(out)
    if not captured or not flat:
        return out
    region = _Region(function, args, kwargs, list(captured.values()), rng, recompute_context,
                     determinism_check)
    region.outputs = flat
    region.meta = [(tuple(t.shape), t.dtype, t.device) for t in flat]
    linked = _CheckpointNoReentrant.apply(region, *region.captured)
    del region.outputs  # the node must not keep its own outputs alive
    return _rebuild(out, {id(a): b for a, b in zip(flat, linked)})


# ------------------------------------------------------------------ entry points
def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check=_DEFAULT_DETERMINISM_MODE, debug=False, early_stop=True,
               **kwargs):
    """Run function(*args, **kwargs) without keeping its intermediate results;
    they are recomputed (with the same RNG draws) when backward needs them."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check,
                                         args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequential model in `segments` chunks, checkpointing all but the last."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is not "
            "passed. use_reentrant=False is recommended, but if you need to preserve the current "
            "default behavior, you can pass use_reentrant=True. Refer to docs for more details on "
            "the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    from ..nn.modules.container import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)

