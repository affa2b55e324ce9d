"""Rendering tensors as text, the way PyTorch's ``repr``/``str`` does.

The Tensor class hands `format_tensor` a NumPy array of the tensor's values
plus its dtype and autograd/device details; everything about the layout
(column widths, fixed vs scientific notation, line wrapping, summarising
large tensors with ``...``, and the ``dtype=``/``device=``/``grad_fn=``
suffixes) follows PyTorch's observable output.
"""
import contextlib
import math

import numpy as np

from . import _dtype as _dtypes

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "format_tensor"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# the current options; keys (and their order) as torch._tensor_str.get_printoptions()
_opts = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing tensors (as torch.set_printoptions).

    A profile ('default', 'short', 'full') sets precision, threshold, edgeitems
    and linewidth first; explicit arguments then override it. Like PyTorch,
    sci_mode is always assigned (None means: chosen per tensor).
    """
    if profile is not None and profile in _PROFILES:
        _opts.update(_PROFILES[profile])
    if precision is not None:
        _opts["precision"] = precision
    if threshold is not None:
        _opts["threshold"] = threshold
    if edgeitems is not None:
        _opts["edgeitems"] = edgeitems
    if linewidth is not None:
        _opts["linewidth"] = linewidth
    _opts["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options as a dict usable as set_printoptions(**kwargs)."""
    return dict(_opts)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that changes the print options for its body only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Decides how every element of one (real) array is written, and at what width."""

    def __init__(self, arr, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        if not floating:
            for v in set(flat.tolist()):
                self.max_width = max(self.max_width, len(str(v)))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return  # nothing but zeros, nan and inf: integer style, width 1
        absd = np.abs(vals.astype(np.float64))
        lo = float(absd.min())
        hi = float(absd.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        sci = _opts["sci_mode"]
        if sci is None:
            sci = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        self.sci_mode = sci
        uniq = np.unique(vals.astype(np.float64)).tolist()
        prec = _opts["precision"]
        if sci:
            fmt, extra = "{:.%de}" % prec, 0
        elif self.int_mode:
            fmt, extra = "{:.0f}", 1  # room for the trailing '.'
        else:
            fmt, extra = "{:.%df}" % prec, 0
        self.max_width = max(self.max_width, max(len(fmt.format(v)) for v in uniq) + extra)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                ret = "{:{}.{}e}".format(value, self.max_width, _opts["precision"])
            elif self.int_mode:
                ret = "{:.0f}".format(value)
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = "{:.{}f}".format(value, _opts["precision"])
        else:
            ret = str(value)
        return (self.max_width - len(ret)) * " " + ret


def _complex_str(val, f1, f2):
    real = f1.format(val.real)
    imag = (f2.format(val.imag) + "j").lstrip()
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


def _vector_str(arr, indent, summarize, f1, f2):
    element_length = f1.width() + 2
    if f2 is not None:
        element_length += f2.width() + 1
    per_line = max(1, math.floor((_opts["linewidth"] - indent) / element_length))

    if f2 is None:
        fmt = f1.format
    else:
        def fmt(v):
            return _complex_str(v, f1, f2)

    edge = _opts["edgeitems"]
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = ([fmt(v) for v in arr[:edge].tolist()] + [" ..."]
                + [fmt(v) for v in arr[-edge:].tolist()])
    else:
        data = [fmt(v) for v in arr.tolist()]

    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body_str(arr, indent, summarize, f1, f2):
    if arr.ndim == 0:
        v = arr.item()
        return f1.format(v) if f2 is None else _complex_str(v, f1, f2)
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, f1, f2)
    edge = _opts["edgeitems"]
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = range(n)
    slices = ["..." if i is None else _body_str(arr[i], indent + 1, summarize, f1, f2)
              for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(arr):
    """The elements a summarised print shows (decides widths and notation)."""
    edge = _opts["edgeitems"]
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * edge:
            return np.concatenate((arr[:edge], arr[-edge:]))  # note arr[-0:] is all of arr
        return arr
    if not edge:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    n = arr.shape[0]
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized(arr[i]) for i in rows])


def _contents_str(arr, dtype, indent):
    summarize = arr.size > _opts["threshold"]
    if dtype.category == _dtypes.COMPLEX:
        part = _summarized(arr) if summarize else arr
        f1 = _Formatter(np.ascontiguousarray(part.real), True)
        f2 = _Formatter(np.ascontiguousarray(part.imag), True)
        return _body_str(arr, indent, summarize, f1, f2)
    f1 = _Formatter(_summarized(arr) if summarize else arr, dtype.category == _dtypes.FLOAT)
    return _body_str(arr, indent, summarize, f1, None)


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _opts["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(values, dtype, *, device="cpu", requires_grad=False, grad_fn=None,
                  suffix_extra=()):
    """The repr of a tensor holding `values` (a NumPy array in the tensor's shape).

    bfloat16 values come as float32 (already rounded). `grad_fn` is the name of
    the backward node ('AddBackward0') or None. `suffix_extra` are further
    ``key=value`` strings appended after the autograd suffix.
    """
    np_type = np.float32 if dtype.name == "bfloat16" else dtype.np
    arr = np.asarray(values)
    if arr.dtype != np_type:
        arr = arr.astype(np_type)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    device = str(device)
    if device.split(":", 1)[0] != "cpu":
        suffixes.append("device='" + device + "'")

    default = _dtypes.get_default_dtype()
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append("size=" + str(tuple(arr.shape)))
        if dtype.name != default.name:
            suffixes.append("dtype=" + repr(dtype))
        body = "[]"
    else:
        if not _opts["edgeitems"]:
            suffixes.append("size=" + str(tuple(arr.shape)))
        shown = (default.name, _dtypes.default_complex().name, "int64", "bool")
        if dtype.name not in shown:
            suffixes.append("dtype=" + repr(dtype))
        body = _contents_str(arr, dtype, indent)

    if grad_fn is not None:
        suffixes.append("grad_fn=<%s>" % grad_fn)
    elif requires_grad:
        suffixes.append("requires_grad=True")
    suffixes.extend(suffix_extra)
    return _add_suffixes(prefix + body, suffixes, indent)
