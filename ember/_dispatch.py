"""The dispatch funnel: every operation on tensors goes through `apply`.

An operation is an `Op` subclass that says, in one place:
  - `forward(ctx, *arrays, **params)`: the computation on backend arrays
    (NumPy or CuPy), returning an array or a tuple of arrays;
  - `backward(ctx, *grads)`: the gradient of each tensor input as a formula
    over Tensors, so gradients of gradients work;
  - its dtype rule (`dtype_rule`), which inputs and outputs backward needs
    (`save`, `save_output`), and whether its result is a view of input 0.

`apply` computes the result dtype, runs the forward, wraps the result as
Tensors and, when gradients are being recorded, links a graph node. It is
the one place where tracing, profiling and autocast hook in (`interceptors`).
"""
import itertools
import threading

import numpy as np

from . import _dtype as D
from ._grad_mode import state as grad_state

# Filled in by ember._tensor (the Tensor class imports this module).
Tensor = None

_seq = itertools.count()

# Callables run around every op when non-empty (profiler, tracer, autocast).
# Each is called as f(op, inputs, params) and returns None, a replacement
# (inputs, params), or (inputs, params, on_exit): on_exit(result) is called
# once the op has run (result None if it raised), e.g. to time it.
interceptors = []


class _InterceptState(threading.local):
    running = False   # set while _apply_intercepted runs the op itself


_intercept_state = _InterceptState()


class Node:
    """A step of the autograd graph: the op that produced a tensor, the
    edges to the nodes of its inputs, and what backward needs. It doubles
    as the `ctx` that forward and backward share."""

    __slots__ = ("next_functions", "saved", "params", "inputs_meta", "out_meta",
                 "seq", "pre_hooks", "retains", "released", "__dict__", "__weakref__")
    op = None

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return "<%s object at %#x>" % (type(self).__name__, id(self))

    def register_hook(self, hook):
        """Hook called as hook(grad_inputs, grad_outputs) after this node runs."""
        from .autograd.engine import node_post_hooks
        return node_post_hooks(self).add(hook)

    def register_prehook(self, hook):
        from .autograd.engine import node_pre_hooks
        return node_pre_hooks(self).add(hook)

    # --- what backward formulas read -------------------------------------
    @property
    def saved_tensors(self):
        """The saved inputs (None where not saved), checked for in-place changes."""
        if self.released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward.")
        out = []
        for pair in self.saved:
            if pair is None:
                out.append(None)
                continue
            t, version = pair
            if version is not None and t._version_counter.value != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    "inplace operation: [torch.%sTensor %s], which is output %d of %s, is at version "
                    "%d; expected version %d instead. Hint: enable anomaly detection to find the "
                    "operation that failed to compute its gradient, with "
                    "torch.autograd.set_detect_anomaly(True)." % (
                        D.TITLE[t._dtype.name], list(t.shape), t._output_nr,
                        t._grad_fn.name() if t._grad_fn is not None else "None",
                        t._version_counter.value, version))
            out.append(t)
        return out

    @property
    def output(self):
        """The op's (first) output, for ops that declare save_output."""
        return self.saved_tensors[-1]

    @property
    def input_shapes(self):
        return [m[0] if m else None for m in self.inputs_meta]


class AccumulateGrad(Node):
    """The graph node of a leaf tensor: adds incoming gradients to .grad."""
    __slots__ = ("variable",)

    def name(self):
        return "torch::autograd::AccumulateGrad"


class Op:
    """Base of all operations; subclasses are never instantiated."""
    dtype_rule = "promote"   # 'promote' | 'float' | 'keep' | 'bool' | callable(dtypes, params) -> (compute, out)
    promote = None           # input positions that take part in promotion (None: all)
    save = ()                # input positions whose tensors backward reads
    save_output = False      # backward reads the output
    differentiable = True    # False: outputs never require grad (comparisons, argmax...)
    nondiff_outputs = ()     # positions of outputs that never require grad (indices)
    view = False             # output 0 is a view of input 0 (shares memory)
    half_native = False      # float16 inputs on a GPU are computed in float16 (GEMMs)
    node_type = None
    grad_name = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        name = cls.grad_name or cls.__name__ + "Backward0"
        cls.node_type = type(name, (Node,), {"__slots__": (), "op": cls})

    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    def backward(ctx, *grads):
        raise RuntimeError("the derivative for '%s' is not implemented" % ctx.op.__name__)


def _compute_dtypes(op, inputs, params):
    """(dtype to compute in, dtype of the result) under the op's rule."""
    rule = op.dtype_rule
    if rule == "keep":
        d = inputs[0]._dtype
        return (d, d) if op.view or d is not D.float16 else (_opmath(op, inputs), d)
    positions = op.promote if op.promote is not None else range(len(inputs))
    first = None
    same = True
    for i in positions:
        x = inputs[i]
        if type(x) is not Tensor and not isinstance(x, Tensor):
            same = False
            break
        if first is None:
            first = x._dtype
        elif x._dtype is not first:
            same = False
            break
    if same and first is not None:
        d = first
    else:
        dims, zeros, scalars = [], [], []
        for i in positions:
            x = inputs[i]
            if isinstance(x, Tensor):
                (dims if x._data.ndim else zeros).append(x._dtype)
            elif x is not None:
                scalars.append(x)
        d = D.result_dtype(dims, zeros, scalars)
    if rule == "promote":
        return (_opmath(op, inputs) if d is D.float16 else d, d)
    if rule == "float":
        d = D.to_float(d)
        return (_opmath(op, inputs) if d is D.float16 else d, d)
    if rule == "bool":
        return d, D.bool_
    return rule(d, inputs, params)


def _opmath(op, inputs):
    """The dtype float16 math runs in: float32, rounding once at the end as
    PyTorch's kernels do, except for the ops that declare `half_native`
    (GEMMs), which on a GPU run in float16 on tensor cores (cuBLAS
    accumulates in float32)."""
    if op.half_native:
        for x in inputs:
            if isinstance(x, Tensor):
                return D.float32 if B.is_host(x._data) else D.float16
    return D.float32


def _to_compute(x, d):
    """The array (or scalar) of input x, in the compute dtype d."""
    if isinstance(x, Tensor):
        a = x._data
        return a if a.dtype is d.np or a.dtype == d.np else a.astype(d.np)
    return x


def _broadcast_error(inputs):
    shapes = [tuple(x.shape) for x in inputs if isinstance(x, Tensor)]
    if len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        n = max(len(a), len(b))
        a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for i in range(n - 1, -1, -1):
            if a2[i] != b2[i] and a2[i] != 1 and b2[i] != 1:
                return RuntimeError(
                    "The size of tensor a (%d) must match the size of tensor b (%d) at "
                    "non-singleton dimension %d" % (a2[i], b2[i], i))
    return None


def _on_one_device(inputs, arrays):
    """`arrays` with 0-dim CPU tensors moved to the CUDA device the other
    tensors share; None when the inputs were all on one device (the error
    was something else). Raises PyTorch's error for a real device mix."""
    devices = {}
    for x in inputs:
        if isinstance(x, Tensor) and (x._data.ndim or not B.is_host(x._data)):
            devices.setdefault(str(x.device), x.device)
    if len(devices) > 1:
        a, b = sorted(devices, reverse=True)[:2]
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           "devices, %s and %s!" % (a, b))
    target = next(iter(devices.values()), None)
    if target is None or target.type == "cpu":
        return None
    moved = list(arrays)
    changed = False
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and B.is_host(x._data):
            moved[i] = B.to_device_array(arrays[i], target)
            changed = True
    return moved if changed else None


def wrap(array, dtype, view=False):
    """A new Tensor holding `array` as `dtype` (casting when needed; views are taken as they are)."""
    if type(array) is not np.ndarray:
        array = np.asarray(array) if not hasattr(array, "__cuda_array_interface__") else array
    adt = array.dtype
    if adt is not dtype.np and adt != dtype.np:
        array = array.astype(dtype.np)
    if dtype is D.bfloat16 and not view:
        array = D.round_bfloat16(array)
    return Tensor._make(array, dtype)


def apply(op, *inputs, **params):
    """Run `op` on `inputs` (Tensors, Python numbers or None) and return its
    Tensor result (or tuple of them), recording the graph when needed."""
    if interceptors and not _intercept_state.running:
        return _apply_intercepted(op, inputs, params)
    compute, out_dtype = _compute_dtypes(op, inputs, params)
    ctx = op.node_type.__new__(op.node_type)
    ctx.params = params
    if op.promote is None:
        arrays = [_to_compute(x, compute) for x in inputs]
    else:  # inputs outside `promote` (indices, masks) arrive as they are
        keep = op.promote
        arrays = [_to_compute(x, compute) if i in keep else (x._data if isinstance(x, Tensor) else x)
                  for i, x in enumerate(inputs)]
    try:
        result = op.forward(ctx, *arrays, **params)
    except ValueError as e:
        if "broadcast" in str(e):
            err = _broadcast_error(inputs)
            if err is not None:
                raise err from None
        raise
    except TypeError:
        # host and device arrays met: a 0-dim CPU tensor joins a CUDA op as a
        # scalar would (as in PyTorch); anything else is PyTorch's device error
        arrays = _on_one_device(inputs, arrays)
        if arrays is None:
            raise
        result = op.forward(ctx, *arrays, **params)

    if type(result) is tuple:
        outs = tuple(wrap(r, out_dtype if i not in op.nondiff_outputs else D.from_numpy(r.dtype))
                     for i, r in enumerate(result))
        out0 = outs[0]
    else:
        out0 = wrap(result, out_dtype, op.view)
        outs = None
    if op.view:
        src = inputs[0]
        out0._base = src if src._base is None else src._base
        out0._version_counter = src._version_counter

    if grad_state.enabled and op.differentiable:
        needs = False
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                needs = True
                break
        if needs and out_dtype.category >= D.FLOAT:
            _record(ctx, op, inputs, outs if outs is not None else (out0,))
    return outs if outs is not None else out0


def _apply_intercepted(op, inputs, params):
    """apply, with the interceptors run first and their on_exit callbacks after."""
    exits = None
    for f in tuple(interceptors):
        r = f(op, inputs, params)
        if r is not None:
            inputs, params = r[0], r[1]
            if len(r) > 2 and r[2] is not None:
                if exits is None:
                    exits = []
                exits.append(r[2])
    state = _intercept_state
    state.running = True
    result = None
    try:
        result = apply(op, *inputs, **params)
    finally:
        state.running = False
        if exits is not None:
            for on_exit in reversed(exits):
                on_exit(result)
    return result


def _record(node, op, inputs, outputs):
    """Link `node` into the graph: edges to the inputs' nodes, saved tensors."""
    edges = []
    meta = []
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            if x._base is not None and x._fn_version != x._version_counter.value:
                refresh_view(x)
            edges.append((x._grad_fn if x._grad_fn is not None else grad_accumulator(x), x._output_nr))
            meta.append((x._data.shape, x._dtype))
        else:
            edges.append((None, 0))
            meta.append(None)
    node.next_functions = tuple(edges)
    node.inputs_meta = meta
    saved = [None] * len(inputs)
    for i in op.save:
        x = inputs[i]
        # Python scalars are kept as they are (version None: nothing to check)
        saved[i] = (x, x._version_counter.value) if isinstance(x, Tensor) else (x, None)
    node.seq = next(_seq)
    node.pre_hooks = None
    node.retains = None
    node.released = False
    out_meta = []
    for i, t in enumerate(outputs):
        if i in op.nondiff_outputs:
            out_meta.append(None)
            continue
        t._requires_grad = True
        t._grad_fn = node
        t._output_nr = i
        t._fn_version = t._version_counter.value
        out_meta.append((t._data.shape, t._dtype))
    node.out_meta = out_meta
    if op.save_output:
        o = outputs[0]
        saved.append((o, o._version_counter.value))
    node.saved = saved


def grad_accumulator(t):
    """The AccumulateGrad node of leaf tensor t (one per tensor, so that all
    uses of t in a graph meet in one place)."""
    ref = t._accumulator
    acc = ref() if ref is not None else None
    if acc is None:
        import weakref
        acc = AccumulateGrad.__new__(AccumulateGrad)
        acc.variable = t
        acc.next_functions = ()
        acc.seq = next(_seq)
        acc.pre_hooks = None
        acc.retains = None
        acc.released = False
        acc.saved = ()
        acc.params = None
        t._accumulator = weakref.ref(acc)
    return acc


def apply_inplace(op, target, *others, **params):
    """In-place form of `op`: the result is written into `target`'s memory.

    Without a graph to record this writes straight into the array. With one,
    the op runs out of place on a snapshot of target (only when backward
    needs target's old value) and target takes over the result's graph node.
    """
    if not isinstance(target, Tensor):
        raise TypeError("in-place operation needs a tensor, got %s" % type(target).__name__)
    recording = grad_state.enabled and (
        target._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))
    if recording:
        check_inplace_allowed(target)
    if target._base is not None and _has_internal_overlap(target._data):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")
    if recording and target._base is not None:
        return _inplace_on_view(op, target, others, params)
    source = target
    if recording and 0 in op.save:
        source = target._snapshot()
    result = apply(op, source, *others, **params)
    if result._dtype is not target._dtype and not D.can_cast(result._dtype, target._dtype):
        raise RuntimeError("result type %s can't be cast to the desired output type %s" % (
            D.TITLE[result._dtype.name], D.TITLE[target._dtype.name]))
    write_into(target, result._data)
    if recording:
        node = result._grad_fn
        if node is not None:
            target._requires_grad = True
            target._grad_fn = node
            target._output_nr = 0
            target._fn_version = target._version_counter.value
            # the node's outputs now live in target
            if op.save_output:
                node.saved[-1] = (target, target._version_counter.value)
    return target


def _inplace_on_view(op, view, others, params):
    """In-place op on a view while recording: the base's graph gets the change.

    The new base is written as base with the view's window replaced by
    op(window), so gradients flow to the base's old value, to the other
    inputs, and (through the window) to whatever produced the base."""
    from ._ops.strided import AsStrided, CopySlices, geometry_in
    base = view._base
    if not base._data.flags.c_contiguous:
        raise RuntimeError("in-place operation on a view of a non-contiguous tensor that requires "
                           "grad is not supported; call .contiguous() on the base first")
    geometry = geometry_in(view, base)
    old_base = base._snapshot()
    window = apply(AsStrided, old_base, geometry=geometry)
    new_value = apply(op, window, *others, **params)
    if new_value._dtype is not view._dtype and not D.can_cast(new_value._dtype, view._dtype):
        raise RuntimeError("result type %s can't be cast to the desired output type %s" % (
            D.TITLE[new_value._dtype.name], D.TITLE[view._dtype.name]))
    new_base = apply(CopySlices, old_base, new_value, geometry=geometry)
    write_into(view, new_value._data)
    if new_base._grad_fn is not None:
        base._requires_grad = True
        base._grad_fn = new_base._grad_fn
        base._output_nr = 0
        fresh_view = apply(AsStrided, base, geometry=geometry)
        view._requires_grad = True
        view._grad_fn = fresh_view._grad_fn
        view._output_nr = 0
        view._fn_version = view._version_counter.value
    return view


def refresh_view(view):
    """After its base changed in place, a view's node becomes a window onto
    the base's new node (what PyTorch does when a view's grad_fn is read)."""
    base = view._base
    view._fn_version = view._version_counter.value
    if not (view._requires_grad and base._requires_grad) or base._grad_fn is None \
            or not base._data.flags.c_contiguous:
        return  # detached aliases and views of leaves keep what they have
    from ._ops.strided import AsStrided, geometry_in
    from ._grad_mode import enable_grad
    with enable_grad():
        fresh = apply(AsStrided, base, geometry=geometry_in(view, base))
    view._requires_grad = True
    view._grad_fn = fresh._grad_fn
    view._output_nr = 0


def write_into(target, array):
    """Copy `array` into target's memory (broadcasting, casting) and bump its version."""
    dst = target._data
    if array.shape != dst.shape:
        try:
            np.broadcast_shapes(array.shape, dst.shape)
            ok = np.broadcast_shapes(array.shape, dst.shape) == dst.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                "output with shape %s doesn't match the broadcast shape %s" % (
                    list(dst.shape), list(np.broadcast_shapes(array.shape, dst.shape))
                    if _broadcastable(array.shape, dst.shape) else list(array.shape)))
    if target._dtype is D.bfloat16:
        array = D.round_bfloat16(array)
    if type(array) is not type(dst) and B.is_host(array) != B.is_host(dst):
        array = B.to_device_array(array, B.device_of(dst))
    np.copyto(dst, array, casting="unsafe")
    target._version_counter.value += 1


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def _has_internal_overlap(a):
    return any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape))


def check_inplace_allowed(t):
    if t._requires_grad and t._grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    base = t._base
    if base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation.")


from . import _backends as B  # noqa: E402  (after Op: _backends defines its ops from it)
