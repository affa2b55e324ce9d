"""The backward pass: walks the graph from the outputs to the leaves.

Nodes run in reverse creation order once all gradients for their outputs
have arrived; each runs its op's backward formula (under no_grad unless
create_graph), and the gradients it returns are summed back to each input's
shape and dtype before they flow on. Leaves accumulate into `.grad`.
"""
import heapq
import sys

import numpy as np

from .._backends import default_device, device_of
from .. import _dispatch
from .._dispatch import AccumulateGrad, grad_accumulator
from ..utils.hooks import add_hook
from .._grad_mode import state as grad_state


class _Anomaly:
    enabled = False
    check_nan = True


anomaly = _Anomaly()


# ----------------------------------------------------------------- hooks
def register_tensor_hook(t, fn):
    if t._hooks is None:
        t._hooks = {}
    node = t._grad_fn
    if node is not None:  # non-leaf: the node runs the hook on the gradient of this output
        if node.pre_hooks is None:
            node.pre_hooks = []
        if not any(h is t._hooks for _, h in node.pre_hooks):
            node.pre_hooks.append((t._output_nr, t._hooks))
    return add_hook(t._hooks, fn)


def register_retain(t):
    import weakref
    node = t._grad_fn
    if node.retains is None:
        node.retains = []
    node.retains.append((t._output_nr, weakref.ref(t)))


def node_post_hooks(node):
    d = node.__dict__.setdefault("_post_hooks", {})
    return _HookAdder(d)


def node_pre_hooks(node):
    d = node.__dict__.setdefault("_node_pre_hooks", {})
    return _HookAdder(d)


class _HookAdder:
    def __init__(self, d):
        self.d = d

    def add(self, fn):
        return add_hook(self.d, fn)


# ----------------------------------------------------------------- helpers
def _sum_to(g, shape):
    """Sum a broadcast gradient back to `shape`."""
    gshape = g._data.shape
    nd = len(gshape) - len(shape)
    dims = list(range(nd))
    for i, s in enumerate(shape):
        if s == 1 and gshape[nd + i] != 1:
            dims.append(nd + i)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if g._data.shape != tuple(shape):
        g = g.reshape(shape)
    return g


def _zeros(meta):
    from .._creation import zeros
    shape, dtype = meta
    return zeros(shape, dtype=dtype)


def _add(a, b):
    if a is None:
        return b
    return a + b


def _validate_root(t, g):
    from .._tensor import Tensor
    if g is None:
        if t.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        from .._creation import ones_like
        return ones_like(t)
    if not isinstance(g, Tensor):
        from .._creation import tensor
        g = tensor(g, dtype=t.dtype)
    if g.shape != t.shape:
        raise RuntimeError("Mismatch in shape: grad_output[0] has a shape of %s and output[0] has a "
                           "shape of %s." % (g.shape, t.shape))
    return g


# ----------------------------------------------------------------- engine
def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=True):
    """Backpropagate from `outputs`. With `accumulate`, leaves (or only `inputs`,
    when given) accumulate into .grad; otherwise the gradients of `inputs`
    are returned (torch.autograd.grad)."""
    claimed = set()
    _claimed_stack.append(claimed)
    _leaf_mode_stack.append(accumulate and inputs is None)
    try:
        return _run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs, allow_unused,
                             accumulate, claimed)
    finally:
        _claimed_stack.pop()
        _leaf_mode_stack.pop()


_leaf_mode_stack = []


def accumulates_into_leaves():
    """Whether the running backward (if any) accumulates into every leaf's .grad
    (backward()) rather than returning gradients (autograd.grad, inputs=)."""
    return _leaf_mode_stack[-1] if _leaf_mode_stack else True


# ids of gradient arrays a running backward may not adopt as a leaf's .grad
# (the caller's own gradients, and arrays already adopted by another leaf)
_claimed_stack = []


def _run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs, allow_unused, accumulate,
                  claimed):
    roots = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not t._requires_grad:
            raise RuntimeError("element %d of tensors does not require grad and does not have a "
                               "grad_fn" % i)
        given = g
        g = _validate_root(t, g)
        node = t._grad_fn if t._grad_fn is not None else grad_accumulator(t)
        roots.append((node, t._output_nr, g))
        if given is not None:
            claimed.add(id(g._data))  # the caller's gradient is never taken over as .grad

    # which node outputs to capture (autograd.grad, or backward(inputs=...))
    capture = {}
    if inputs is not None:
        for i, x in enumerate(inputs):
            if not x._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            key = (x._grad_fn if x._grad_fn is not None else grad_accumulator(x), x._output_nr)
            capture.setdefault(key, []).append(i)
    results = [None] * (len(inputs) if inputs is not None else 0)

    # dependency counts over the reachable graph
    deps = {}
    order = []
    stack = list(dict.fromkeys(n for n, _, _ in roots))  # a node reached by two roots is walked once
    for n in stack:
        deps.setdefault(n, 0)
    while stack:
        n = stack.pop()
        order.append(n)
        for nxt, _ in n.next_functions:
            if nxt is not None:
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                    stack.append(nxt)

    # restrict work to nodes that lead to a captured input
    needed = None
    if inputs is not None:
        targets = {k[0] for k in capture}
        needed = set()
        for n in _topo_order(order):  # children before parents
            if n in targets or any(nx in needed for nx, _ in n.next_functions if nx is not None):
                needed.add(n)

    buffers = {}
    for node, nr, g in roots:
        buf = buffers.get(node)
        if buf is None:
            buffers[node] = {nr: g}
        else:
            buf[nr] = _add(buf.get(nr), g)
    ready = [(-n.seq, id(n), n) for n in buffers if deps[n] == 0]
    heapq.heapify(ready)
    accumulate_leaves = accumulate and inputs is None

    prev_mode = grad_state.enabled
    grad_state.enabled = create_graph
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            grads = buffers.pop(node, None) or {}
            grad_inputs = _run_node(node, grads, capture, results, accumulate_leaves,
                                    accumulate, create_graph, needed)
            if not retain_graph and (needed is None or node in needed):
                _release(node)
            for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buffers[nxt] = {nr: g}
                    else:
                        buf[nr] = _add(buf.get(nr), g)
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(ready, (-nxt.seq, id(nxt), nxt))
    finally:
        grad_state.enabled = prev_mode

    if inputs is not None and not accumulate:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired behavior.")
        return tuple(results)
    return None


def _topo_order(nodes):
    """Nodes ordered so that every node comes after all nodes it points to."""
    out, state = [], set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(root.next_functions))]
        state.add(root)
        while stack:
            n, it = stack[-1]
            for nxt, _ in it:
                if nxt is not None and nxt not in state:
                    state.add(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                out.append(n)
    return out


def _release(node):
    had_state = any(p is not None for p in node.saved or ()) or bool(node.__dict__)
    node.saved = None
    node.__dict__.clear()
    node.released = had_state


def _run_node(node, grads, capture, results, accumulate_leaves, accumulate, create_graph, needed):
    """Run one node; returns the gradients for its next_functions."""
    # tensor hooks and retain_grad on this node's outputs
    if node.pre_hooks:
        _claimed_stack[-1].add(None)  # hooks saw gradients: adopt nothing in this run
        for nr, hooks in node.pre_hooks:
            g = grads.get(nr)
            if g is None:
                continue
            for fn in list(hooks.values()):
                r = fn(g)
                if r is not None:
                    g = r
            grads[nr] = g
    if node.retains:
        for nr, ref in node.retains:
            t = ref()
            g = grads.get(nr)
            if t is not None and g is not None:
                if t._grad is None:
                    t._grad = g if create_graph else g.detach().clone()
                else:
                    t._grad = t._grad + g
    if capture:
        for nr, g in grads.items():
            for i in capture.get((node, nr), ()):
                results[i] = g if create_graph else (g.detach() if g is not None else None)

    if isinstance(node, AccumulateGrad):
        g = grads.get(0)
        t = node.variable
        if g is None:
            return ()
        if t._hooks:
            _claimed_stack[-1].add(None)
            for fn in list(t._hooks.values()):
                r = fn(g)
                if r is not None:
                    g = r
        if accumulate_leaves or (accumulate and (node, 0) in capture):
            _accumulate(t, g, create_graph)
        for fn in node.__dict__.get("_post_hooks", {}).values():
            fn(t)
        return ()

    if needed is not None and node not in needed:
        return [None] * len(node.next_functions)
    if node.released:
        node.saved_tensors  # raises the "backward through the graph a second time" error

    g = None
    for g in grads.values():   # a node's gradients share one device
        if g is not None:
            break
    if g is None or type(g._data) is np.ndarray:
        return _call_backward(node, grads)
    # a formula that builds helper tensors builds them beside its gradients
    with default_device(device_of(g._data)):
        result = _call_backward(node, grads)
    # CuPy's pool keeps no peak: sample it where memory is highest, while
    # activations and the gradients built from them are both alive
    _cuda_sample_peaks()
    return result


def _cuda_sample_peaks():
    from .. import cuda
    cuda._sample_peaks()


def _call_backward(node, grads):
    outs = []
    for i, meta in enumerate(node.out_meta):
        g = grads.get(i)
        if g is None and meta is not None:
            g = _zeros(meta)
        outs.append(g)
    for fn in node.__dict__.get("_node_pre_hooks", {}).values():
        r = fn(tuple(outs))
        if r is not None:
            outs = list(r)
    if _dispatch.interceptors:   # a profiler may be collecting: show the node's ranges
        from ..profiler._collector import backward_function
        with backward_function(node):
            gin = node.op.backward(node, *outs)
    else:
        gin = node.op.backward(node, *outs)
    if type(gin) is not tuple and type(gin) is not list:
        gin = (gin,)
    result = []
    for (nxt, _), g, meta in zip(node.next_functions, gin, node.inputs_meta):
        if nxt is None or g is None:
            result.append(None)
            continue
        shape, dtype = meta
        if g._data.shape != shape:
            g = _sum_to(g, shape)
        if g._dtype is not dtype:
            g = g.to(dtype)
        if anomaly.enabled and anomaly.check_nan and bool(np.isnan(g._data).any()):
            raise RuntimeError("Function '%s' returned nan values in its %dth output."
                               % (node.name(), len(result)))
        result.append(g)
    post = node.__dict__.get("_post_hooks")
    if post:
        for fn in post.values():
            fn(tuple(result), tuple(outs))
    return result


def _adopt_or_copy(a):
    """The array a leaf's new .grad may hold: `a` itself when nothing else can
    see it (a fresh, owning array that no other leaf, hook or caller holds),
    else a copy. Adopting saves a copy of every gradient on every step."""
    claimed = _claimed_stack[-1] if _claimed_stack else {None}
    if (None in claimed or id(a) in claimed or a.base is not None or not a.flags.c_contiguous
            or sys.getrefcount(a) > 3):  # 3: the owning Tensor, the argument, getrefcount's own
        return a.copy()
    claimed.add(id(a))
    return a


def _accumulate(t, g, create_graph):
    if t._grad is None:
        if create_graph:
            t._grad = g
        else:
            from .._tensor import Tensor
            t._grad = Tensor._make(_adopt_or_copy(g._data), g._dtype)
    elif create_graph or t._grad._requires_grad:
        t._grad = t._grad + g
    else:
        gd = t._grad._data
        np.add(gd, g._data, out=gd, casting="unsafe")
        t._grad._version_counter.value += 1
