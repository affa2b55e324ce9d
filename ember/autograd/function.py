"""torch.autograd.Function: user-defined operations with their own backward.

Each Function subclass gets an Op of its own, so its graph node goes
through the same engine as built-in ops; the node is also the `ctx` that
forward and backward receive.
"""
from .. import _dispatch
from .._dispatch import Node, Op, grad_accumulator
from .._grad_mode import no_grad, state as grad_state


class FunctionCtx(Node):
    """What `ctx` offers inside a Function's forward and backward."""
    __slots__ = ()

    def save_for_backward(self, *tensors):
        self.saved = [None if t is None else (t, t._version_counter.value) for t in tensors]

    @property
    def saved_tensors(self):
        return tuple(Node.saved_tensors.fget(self)) if self.saved is not None or self.released else ()

    def mark_dirty(self, *tensors):
        self.__dict__["_dirty"] = tensors

    def mark_non_differentiable(self, *tensors):
        self.__dict__["_non_diff"] = {id(t) for t in tensors}

    def set_materialize_grads(self, value):
        self.__dict__["_materialize"] = value


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        fn_cls = cls

        def backward(ctx, *grads):
            if not ctx.__dict__.get("_materialize", True):
                grads = tuple(None if g is None else g for g in grads)
            r = fn_cls.backward(ctx, *grads)
            r = r if isinstance(r, tuple) else (r,)
            tensor_grads = [g for g, is_t in zip(r, ctx.__dict__["_tensor_args"]) if is_t]
            return tuple(tensor_grads)

        op = type(name, (Op,), {"backward": backward, "grad_name": name + "Backward"})
        op.node_type = type(name + "Backward", (FunctionCtx,), {"__slots__": (), "op": op})
        cls._op = op


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, ...) and backward(ctx, *grads); call with .apply."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _dispatch.Tensor
        op = cls._op
        ctx = op.node_type.__new__(op.node_type)
        ctx.saved = []
        ctx.released = False
        ctx.pre_hooks = None
        ctx.retains = None
        ctx.params = None
        is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.__dict__["_tensor_args"] = is_tensor
        ctx.__dict__["needs_input_grad"] = tuple(
            isinstance(a, Tensor) and a._requires_grad for a in args)
        with no_grad():
            if cls.setup_context is not Function.setup_context and _forward_has_no_ctx(cls):
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        tensor_inputs = [a for a in args if isinstance(a, Tensor)]
        record = grad_state.enabled and any(t._requires_grad for t in tensor_inputs)
        dirty = {id(t) for t in ctx.__dict__.get("_dirty", ())}
        marked = ctx.__dict__.get("_non_diff", set())
        non_diff = set()
        fixed = []
        for o in outs:
            was = id(o)
            if isinstance(o, Tensor) and was not in dirty and any(o is a for a in tensor_inputs):
                o = o.view_as(o) if record else o  # an input returned as is becomes a new alias
            if was in marked:
                non_diff.add(id(o))
            fixed.append(o)
        outs = tuple(fixed)
        if record:
            edges, meta = [], []
            for a in tensor_inputs:
                if a._requires_grad:
                    edges.append((a._grad_fn if a._grad_fn is not None else grad_accumulator(a), a._output_nr))
                    meta.append((a.shape, a._dtype))
                else:
                    edges.append((None, 0))
                    meta.append(None)
            ctx.next_functions = tuple(edges)
            ctx.inputs_meta = meta
            ctx.seq = next(_dispatch._seq)
            out_meta = []
            for i, o in enumerate(outs):
                if not isinstance(o, Tensor) or id(o) in non_diff or not o.is_floating_point():
                    out_meta.append(None)
                    continue
                o._requires_grad = True
                o._grad_fn = ctx
                o._output_nr = i
                out_meta.append((o.shape, o._dtype))
            ctx.out_meta = out_meta
        return outs[0] if single else outs


def _forward_has_no_ctx(cls):
    import inspect
    try:
        params = list(inspect.signature(cls.forward).parameters)
    except (TypeError, ValueError):
        return False
    return not params or params[0] != "ctx"


class once_differentiable:
    def __new__(cls, fn):
        return fn
