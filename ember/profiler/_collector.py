"""What the profiler records, and how.

While a profiler collects, a dispatch interceptor records one event per op
(named like PyTorch's aten op: "aten::mm", "aten::linear"...) and
record_function ranges record one event per label; events nest by time
(an op inside a label is its child). With no profiler collecting,
record_function costs one attribute test and no interceptor is registered.

Op end times: when the dispatch funnel calls the interceptor's exit callback
(`interceptors` may return (inputs, params, on_exit)), an op ends when it
returns. Otherwise an op event ends where the next event starts or a range
closes, which bounds it by the op's own work plus the Python around it.
"""
import os
import re
import threading
import time

import numpy as np

from .. import _dispatch
from ._events import FunctionEvent

__all__ = ["record_function"]

_perf_ns = time.perf_counter_ns
_state = {"active": None}       # the _Recorder collecting now, or None


def _exit_supported():
    """Whether the dispatch funnel calls exit callbacks returned by interceptors."""
    return getattr(_dispatch, "_apply_intercepted", None) is not None


class _ThreadState(threading.local):
    def __init__(self):
        self.stack = []          # open ranges (record_function labels, ops that have exits)
        self.open_op = None      # fallback mode: the last op, still running


class _Recorder:
    """One collection window: the events between start() and stop()."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.events = []
        self.threads = _ThreadState()
        self.start_ns = _perf_ns()
        self.base_ns = time.time_ns()
        self.next_id = 0
        self.exit_supported = _exit_supported()
        self.prev = None

    # -------------------------------------------------------------- events
    def _us(self, ns):
        return (ns - self.start_ns) / 1000.0

    def new_event(self, name, now, user_annotation, trace_name=None, shapes=None, types=None):
        ts = self.threads
        self._close_open_op(now)
        self.next_id += 1
        ev = FunctionEvent(self.next_id, name, _thread_id(), self._us(now), self._us(now),
                           input_shapes=shapes, is_user_annotation=user_annotation,
                           trace_name=trace_name, input_types=types)
        ev._open = True
        if self.with_stack:
            ev.stack = _python_stack()
        parent = ts.stack[-1] if ts.stack else None
        if parent is not None:
            ev.cpu_parent = parent
            parent.cpu_children.append(ev)
        self.events.append(ev)
        return ev

    def end_event(self, ev, now):
        if not getattr(ev, "_open", False):
            return
        ev._open = False
        ev.time_range.end = self._us(now)

    def _close_open_op(self, now):
        ts = self.threads
        op = ts.open_op
        if op is not None:
            ts.open_op = None
            self.end_event(op, now)

    def push_range(self, name, trace_name=None, user_annotation=True):
        now = _perf_ns()
        ev = self.new_event(name, now, user_annotation, trace_name=trace_name)
        self.threads.stack.append(ev)
        return ev

    def pop_range(self, ev):
        now = _perf_ns()
        self._close_open_op(now)
        stack = self.threads.stack
        if ev in stack:
            # ranges closed out of order: close the ones opened inside this one too
            while stack:
                top = stack.pop()
                self.end_event(top, now)
                if top is ev:
                    break
        else:
            self.end_event(ev, now)

    def finish(self):
        """Close whatever is still open; the events in start order."""
        now = _perf_ns()
        self._close_open_op(now)
        for ev in self.events:
            if getattr(ev, "_open", False):
                self.end_event(ev, now)
        self.threads.stack = []
        return list(self.events)

    # -------------------------------------------------------------- ops
    def on_op(self, op, inputs, params):
        now = _perf_ns()
        shapes = types = None
        if self.record_shapes:
            shapes, types = _shapes_and_types(inputs)
        ev = self.new_event(_aten_name(op, params), now, False, shapes=shapes, types=types)
        if not self.exit_supported:
            self.threads.open_op = ev
            return None
        stack = self.threads.stack
        stack.append(ev)

        def on_exit(result):
            end = _perf_ns()
            if stack and stack[-1] is ev:
                stack.pop()
            elif ev in stack:
                stack.remove(ev)
            self._close_open_op(end)
            if self.profile_memory and result is not None and not op.view:
                ev.own_cpu_memory_usage = _nbytes(result)
            self.end_event(ev, end)
        return inputs, params, on_exit


def _thread_id():
    return threading.get_native_id() if hasattr(threading, "get_native_id") else os.getpid()


def _python_stack():
    import traceback
    frames = traceback.extract_stack()[:-4]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return ["%s(%d): %s" % (f.filename, f.lineno, f.name) for f in reversed(frames)
            if not os.path.abspath(f.filename).startswith(here)]


def _nbytes(result):
    Tensor = _dispatch.Tensor
    outs = result if isinstance(result, tuple) else (result,)
    total = 0
    for t in outs:
        if isinstance(t, Tensor):
            total += int(np.prod(t._data.shape)) * t._dtype.itemsize
    return total


_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
               "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
               "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
               "bool": "bool", "complex64": "c10::complex<float>",
               "complex128": "c10::complex<double>"}


def _shapes_and_types(inputs):
    Tensor = _dispatch.Tensor
    shapes, types = [], []
    for x in inputs:
        if isinstance(x, Tensor):
            shapes.append(list(x._data.shape))
            types.append(_TYPE_NAMES.get(x._dtype.name, x._dtype.name))
        else:
            shapes.append([])
            types.append("Scalar" if isinstance(x, (int, float, complex, bool)) else "")
    return shapes, types


# ---------------------------------------------------------------- aten names
_ATEN = {
    "Matmul": "matmul", "VecMat": "matmul", "Mm": "mm", "Bmm": "bmm", "Mv": "mv", "Dot": "dot",
    "Addmm": "addmm", "Addmv": "addmv", "Baddbmm": "baddbmm", "_Einsum": "einsum",
    "_Linear": "linear", "_Mm": "linear", "_LinearND": "linear", "_Linear1D": "linear",
    "_PRelu": "prelu", "Cast": "to", "Clone": "clone", "Contiguous": "contiguous",
    "Copy": "copy_", "Fill": "fill_", "View": "view", "UnsafeView": "_unsafe_view",
    "Squeeze": "squeeze", "SqueezeDim": "squeeze", "SqueezeDims": "squeeze",
    "Index": "slice", "AdvIndex": "index", "IndexPut": "index_put_", "Sum": "sum",
    "SumDim": "sum", "Mean": "mean", "MeanDim": "mean", "Prod": "prod", "ProdDim": "prod",
    "Max": "max", "MaxDim": "max", "Min": "min", "MinDim": "min", "Norm": "linalg_vector_norm",
    "NuclearNorm": "linalg_matrix_norm", "Softmax": "softmax", "LogSoftmax": "log_softmax",
    "Median": "median", "MedianDim": "median", "Clamp": "clamp", "ClampTensor": "clamp",
    "PowTensor": "pow", "PowScalarBase": "pow", "Square": "square", "FloorDivide": "floor_divide",
    "LerpTensor": "lerp", "Rsub": "rsub", "Sgn": "sgn",
    "_BatchNormTrain": "batch_norm", "_BatchNormEval": "batch_norm", "_LayerNorm": "layer_norm",
    "_GroupNorm": "group_norm", "_RMSNorm": "rms_norm", "_Embedding": "embedding",
    "_CrossEntropy": "cross_entropy_loss", "_CrossEntropyProb": "cross_entropy_loss",
    "_NLLLoss": "nll_loss", "_Attention": "scaled_dot_product_attention",
    "_AttentionMath": "scaled_dot_product_attention", "_ConvWeight": "convolution_backward",
    "_ChannelWindowSum": "avg_pool3d", "_ConstantPad": "constant_pad_nd",
    "_RReluNoise": "rrelu_with_noise", "_VectorNorm": "linalg_vector_norm",
    "Inv": "linalg_inv", "Det": "linalg_det", "Slogdet": "linalg_slogdet", "Solve": "linalg_solve",
    "Cholesky": "linalg_cholesky", "Eigh": "linalg_eigh", "Svd": "linalg_svd", "Qr": "linalg_qr",
    "Pinv": "linalg_pinv", "VectorNorm": "linalg_vector_norm",
}
_RNN = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}
_names = {}


def _snake(name):
    name = re.sub(r"(\d)D", r"\1d", name)
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return name.lower()


def _aten_name(op, params):
    name = _names.get(op)
    if name is not None:
        return name
    cls_name = op.__name__
    bases = [c.__name__ for c in op.__mro__]
    if "_Conv" in bases or "_ConvInput" in bases:   # named by the number of spatial dims
        n = len(params.get("stride", ()) or ()) or 2
        return "aten::" + ("conv%dd" if "_Conv" in bases else "conv_transpose%dd") % n
    if cls_name.startswith("RNNLayer") or cls_name == "RNNCellStep":
        kind = _RNN.get(params.get("mode"), "rnn")
        return "aten::" + kind + ("_cell" if cls_name == "RNNCellStep" else "")
    for cls in op.__mro__:
        if cls.__name__ in _ATEN:
            name = "aten::" + _ATEN[cls.__name__]
            break
        if cls is _dispatch.Op:
            break
    if name is None:
        node = op.node_type.__name__
        m = re.match(r"^(.*?)Backward\d*$", node)
        base = m.group(1) if m else cls_name
        base = base.lstrip("_") or cls_name.lstrip("_") or cls_name
        name = "aten::" + _snake(base)
    _names[op] = name
    return name


def _on_op(op, inputs, params):
    rec = _state["active"]
    if rec is None:
        return None
    return rec.on_op(op, inputs, params)


def start_recording(recorder):
    """Make `recorder` the one collecting (it remembers the one it replaces)."""
    recorder.prev = _state["active"]
    _state["active"] = recorder
    hooks = _dispatch.interceptors
    if _on_op not in hooks:
        hooks.append(_on_op)


def stop_recording(recorder):
    """Stop `recorder`; its events (closed) in start order."""
    events = recorder.finish()
    if _state["active"] is recorder:
        _state["active"] = recorder.prev
    recorder.prev = None
    if _state["active"] is None:
        hooks = _dispatch.interceptors
        if _on_op in hooks:
            hooks.remove(_on_op)
    return events


def is_recording():
    return _state["active"] is not None


# ---------------------------------------------------------------- record_function
class record_function:
    """A labelled range in the profile: context manager or decorator.

        with record_function("model_inference"):
            output = model(input)

    Outside a profiler it does nothing (and costs next to nothing)."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self.record = None
        self._event = None
        self._recorder = None

    def __enter__(self):
        rec = _state["active"]
        if rec is not None:
            self._recorder = rec
            self._event = rec.push_range(self.name)
            self.record = self._event
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if not self.run_callbacks_on_exit:
            return
        ev, rec = self._event, self._recorder
        if ev is not None:
            self._event = self._recorder = None
            rec.pop_range(ev)

    def _call_end_callbacks_on_future(self, fut):
        self.run_callbacks_on_exit = False
        ev, rec = self._event, self._recorder
        if ev is not None:
            self._event = self._recorder = None
            rec.pop_range(ev)
        return fut

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return func(*args, **kwargs)
        return wrapper


class backward_function:
    """The ranges PyTorch's profiler shows for a backward node:
    "autograd::engine::evaluate_function: MmBackward0" around "MmBackward0".
    For the autograd engine, around node.op.backward(...), while a profiler collects."""
    __slots__ = ("name", "events", "recorder")

    def __init__(self, node):
        self.name = node.name()
        self.events = None
        self.recorder = None

    def __enter__(self):
        rec = _state["active"]
        if rec is not None:
            self.recorder = rec
            self.events = (
                rec.push_range("autograd::engine::evaluate_function: " + self.name,
                               user_annotation=False),
                rec.push_range(self.name, user_annotation=False))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.events is not None:
            inner, outer = self.events[1], self.events[0]
            self.recorder.pop_range(inner)
            self.recorder.pop_range(outer)
            self.events = self.recorder = None
