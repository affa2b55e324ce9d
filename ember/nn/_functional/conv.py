"""Convolutions and their relatives: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d,
F.unfold/F.fold (im2col/col2im), F.pixel_shuffle/pixel_unshuffle and
F.channel_shuffle.

A convolution is three ops that close under differentiation:

  _Conv(x, w)          y = conv(x, w)              (im2col + GEMM)
  _ConvInput(g, w)     dx = conv^T(g, w)           (convolutions of g); this is
                       also the transposed convolution
  _ConvWeight(x, g)    dw = corr(x, g)             (im2col + GEMM)

Each one's backward is written with the other two, so gradients of
gradients work to any order.

The array kernels (im2col and GEMM layouts, the input gradient by residue
classes of the stride) are in conv_kernels.py.

Padding is kept as a (before, after) pair per spatial dim, so padding='same'
with an even kernel is one op.
"""
import warnings

import numpy as np

from ... import _dtype as D
from ..._dispatch import Op, apply
from .conv_kernels import (_col2im, _conv_forward, _conv_input_grad, _conv_weight_grad, _out_sizes,
                           _padded, _prod, _windows, _xp)

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "unfold", "fold", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
    "native_channel_shuffle",
]


def _bias_shape(b, n):
    return b.reshape((1, -1) + (1,) * n)


# ====================================================================== ops
def _conv_params(ctx):
    p = ctx.params
    return p["groups"], p["stride"], p["dilation"], p["pads"]


def _sum_bias(g):
    return g.sum((0,) + tuple(range(2, g.ndim)))


class _Conv(Op):
    """y = conv(x, w) (+ b), x (N, C, *S), w (O, C/G, *K)."""
    half_native = True
    dtype_rule = "keep"
    save = (0, 1)
    grad_name = "ConvolutionBackward0"

    def forward(ctx, x, w, b=None, *, groups, stride, dilation, pads, out=None):
        # the channels-last copy of x is kept for the weight gradient (freed
        # with ctx when no graph is recorded)
        ctx.cl = {}
        y = _conv_forward(x, w, groups, stride, dilation, pads, out, ctx.cl)
        if b is not None:
            y += _bias_shape(b, y.ndim - 2)
        return y

    def backward(ctx, g):
        x, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        groups, stride, dilation, pads = _conv_params(ctx)
        gx = gw = gb = None
        xcl = getattr(ctx, "cl", None)
        ctx.cl = None
        gcl = {}   # g channels-last, shared by the input and weight gradients
        if meta[0] is not None:
            gx = apply(_ConvInput, g, w, None, sizes=tuple(x.shape[2:]), groups=groups,
                       stride=stride, dilation=dilation, pads=pads, cl=gcl)
        if meta[1] is not None:
            gw = apply(_ConvWeight, x, g, ksize=tuple(w.shape[2:]), groups=groups, stride=stride,
                       dilation=dilation, pads=pads, xcl=xcl, gcl=gcl)
        if len(meta) > 2 and meta[2] is not None:
            gb = _sum_bias(g)
        return gx, gw, gb


class _ConvInput(Op):
    """The transposed convolution: x = conv^T(g, w) (+ b), g (N, O, *Out),
    w (O, C/G, *K), x (N, C, *sizes); the input gradient of _Conv."""
    half_native = True
    dtype_rule = "keep"
    save = (0, 1)
    grad_name = "ConvolutionBackward0"

    def forward(ctx, g, w, b=None, *, sizes, groups, stride, dilation, pads, cl=None):
        dx = _conv_input_grad(g, w, sizes, groups, stride, dilation, pads, cl)
        if b is not None:
            dx += _bias_shape(b, dx.ndim - 2)
        return dx

    def backward(ctx, a):
        g, w = ctx.saved_tensors[:2]
        meta = ctx.inputs_meta
        groups, stride, dilation, pads = _conv_params(ctx)
        gg = gw = gb = None
        if meta[0] is not None:
            gg = apply(_Conv, a, w, None, groups=groups, stride=stride, dilation=dilation, pads=pads,
                       out=tuple(g.shape[2:]))
        if meta[1] is not None:
            gw = apply(_ConvWeight, a, g, ksize=tuple(w.shape[2:]), groups=groups, stride=stride,
                       dilation=dilation, pads=pads)
        if len(meta) > 2 and meta[2] is not None:
            gb = _sum_bias(a)
        return gg, gw, gb


class _ConvWeight(Op):
    """dw = corr(x, g): the weight gradient of _Conv."""
    half_native = True
    dtype_rule = "keep"
    save = (0, 1)
    grad_name = "ConvolutionBackwardBackward0"

    def forward(ctx, x, g, *, ksize, groups, stride, dilation, pads, xcl=None, gcl=None):
        return _conv_weight_grad(x, g, ksize, groups, stride, dilation, pads, xcl, gcl)

    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        meta = ctx.inputs_meta
        groups, stride, dilation, pads = _conv_params(ctx)
        gx = gg = None
        if meta[0] is not None:
            gx = apply(_ConvInput, g, gw, None, sizes=tuple(x.shape[2:]), groups=groups,
                       stride=stride, dilation=dilation, pads=pads)
        if meta[1] is not None:
            gg = apply(_Conv, x, gw, None, groups=groups, stride=stride, dilation=dilation,
                       pads=pads, out=tuple(g.shape[2:]))
        return gx, gg


# ====================================================================== argument checks
def _title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _cname(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}[d.name]


def _size_list(shape):
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _int_list(name, v, fn, n=1):
    """An int (repeated n times) or a sequence of ints, as a tuple (TypeError otherwise)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer, tuple, list, np.ndarray)):
        if hasattr(v, "__index__") and not isinstance(v, float):
            return (int(v),) * n
        raise TypeError("%s(): argument '%s' must be tuple of ints, not %s"
                        % (fn, name, type(v).__name__))
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    out = []
    for e in v:
        if isinstance(e, (bool, float)) or not hasattr(e, "__index__"):
            raise TypeError("%s(): argument '%s' must be tuple of ints, but found element of type "
                            "%s at pos %d" % (fn, name, type(e).__name__, len(out)))
        out.append(int(e))
    return tuple(out)


def _expand(name, v, dim):
    if len(v) == 1:
        return v * dim
    if len(v) != dim:
        raise RuntimeError("expected %s to be a single integer value or a list of %d values to "
                           "match the convolution dimensions, but got %s=%s"
                           % (name, dim, name, _size_list(v)))
    return v


_same_warned = [False]


def _check_common(input, weight, bias, stride, padding, dilation, groups, transposed,
                  output_padding=None):
    """PyTorch's shape checks shared by convolution and its transpose."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if output_padding is not None and any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    ws = tuple(weight.shape)
    k = input.ndim
    if len(ws) != k:
        raise RuntimeError("Expected %d-dimensional input for %d-dimensional weight %s, but got "
                           "%d-dimensional input of size %s instead"
                           % (len(ws), len(ws), _size_list(ws), k, _size_list(input.shape)))
    if ws[0] < groups:
        raise RuntimeError("Given groups=%d, expected weight to be at least %d at dimension 0, but "
                           "got weight of size %s instead" % (groups, groups, _size_list(ws)))
    if ws[0] % groups != 0:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension 0, "
                           "but got weight of size [%s] instead"
                           % (groups, groups, _size_list(ws)))
    if not transposed:
        if input.shape[1] != ws[1] * groups:
            raise RuntimeError("Given groups=%d, weight of size %s, expected input%s to have %d "
                               "channels, but got %d channels instead"
                               % (groups, _size_list(ws), _size_list(input.shape), ws[1] * groups,
                                  input.shape[1]))
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != ws[0]):
            raise RuntimeError("Given weight of size %s, expected bias to be 1-dimensional with %d "
                               "elements, but got bias of size %s instead"
                               % (_size_list(ws), ws[0], _size_list(bias.shape)))
    else:
        if input.shape[1] != ws[0]:
            raise RuntimeError("Given transposed=1, weight of size %s, expected input%s to have %d "
                               "channels, but got %d channels instead"
                               % (_size_list(ws), _size_list(input.shape), ws[0], input.shape[1]))
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != ws[1] * groups):
            raise RuntimeError("Given transposed=1, weight of size %s, expected bias to be "
                               "1-dimensional with %d elements, but got bias of size %s instead"
                               % (_size_list(ws), ws[1] * groups, _size_list(bias.shape)))


def _autocast(op, input, weight, bias):
    """Autocast's casts before the dtype checks (as PyTorch); as they are when it is off."""
    if input._dtype is not weight._dtype or (bias is not None and bias._dtype is not input._dtype):
        from ...amp.autocast_mode import cast_inputs
        return cast_inputs(op, input, weight, bias)
    return input, weight, bias


def _check_dtypes(input, weight, bias):
    if input._dtype is not weight._dtype:
        raise RuntimeError("expected scalar type %s but found %s"
                           % (_title(input._dtype), _title(weight._dtype)))
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError("Input type (%s) and bias type (%s) should be the same"
                           % (_cname(input._dtype), _cname(bias._dtype)))
    if input._dtype is D.bool_:
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for '%s'"
                                  % _title(input._dtype))


def _batchify(input, dim, name):
    nd = input.ndim
    if nd == dim + 2:
        return input, True
    if nd == dim + 1:
        return input.unsqueeze(0), False
    raise RuntimeError("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of "
                       "size: %s" % (dim + 1, dim + 2, name, _size_list(input.shape)))


def _convnd(input, weight, bias, stride, padding, dilation, groups, dim):
    name = "conv%dd" % dim
    input, batched = _batchify(input, dim, name)
    wd = weight.ndim - 2
    if wd <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    stride = _expand("stride", _int_list("stride", stride, name, dim), wd)
    dilation = _int_list("dilation", dilation, name, dim)
    if isinstance(padding, str):
        dilation = _expand("dilation", dilation, wd)
        if padding == "valid":
            pad = (0,) * wd
            pads = ((0, 0),) * wd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for d, k in zip(dilation, weight.shape[2:]):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            pads = tuple(pads)
            pad = tuple(lo for lo, _ in pads)
            if any(lo != hi for lo, hi in pads) and not _same_warned[0]:
                _same_warned[0] = True
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                              "require a zero-padded copy of the input be created", UserWarning,
                              stacklevel=3)
        else:
            raise RuntimeError("Invalid padding string: '%s'" % padding)
    else:
        pad = _expand("padding", _int_list("padding", padding, name, dim), wd)
        dilation = _expand("dilation", dilation, wd)
        pads = tuple((p, p) for p in pad)
    if groups is None:
        groups = 1
    groups = int(groups)
    _check_common(input, weight, bias, stride, pad, dilation, groups, False)
    sizes = tuple(input.shape[2:])
    ksize = tuple(weight.shape[2:])
    padded = [s + lo + hi for s, (lo, hi) in zip(sizes, pads)]
    kext = [d * (k - 1) + 1 for d, k in zip(dilation, ksize)]
    if any(p < k for p, k in zip(padded, kext)):
        raise RuntimeError("Calculated padded input size per channel: (%s). Kernel size: (%s). "
                           "Kernel size can't be greater than actual input size"
                           % (" x ".join(str(p) for p in padded), " x ".join(str(k) for k in kext)))
    input, weight, bias = _autocast(_Conv, input, weight, bias)
    _check_dtypes(input, weight, bias)
    if bias is None:
        out = apply(_Conv, input, weight, groups=groups, stride=stride, dilation=dilation, pads=pads)
    else:
        out = apply(_Conv, input, weight, bias, groups=groups, stride=stride, dilation=dilation,
                    pads=pads)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1D convolution (cross-correlation) over input (N, C_in, L)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2D convolution (cross-correlation) over input (N, C_in, H, W)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3D convolution (cross-correlation) over input (N, C_in, D, H, W)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3)


def _transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, dim):
    name = "conv_transpose%dd" % dim
    input, batched = _batchify(input, dim, name)
    wd = weight.ndim - 2
    if wd <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if isinstance(padding, str):
        raise TypeError("%s(): argument 'padding' must be tuple of ints, not str" % name)
    stride = _expand("stride", _int_list("stride", stride, name, dim), wd)
    pad = _expand("padding", _int_list("padding", padding, name, dim), wd)
    dilation = _expand("dilation", _int_list("dilation", dilation, name, dim), wd)
    opad = _expand("output_padding", _int_list("output_padding", output_padding, name, dim), wd)
    groups = int(groups)
    _check_common(input, weight, bias, stride, pad, dilation, groups, True, opad)
    sizes = tuple(input.shape[2:])
    ksize = tuple(weight.shape[2:])
    # 1d runs as 2d with a unit height in PyTorch, and its messages say so
    names = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}[wd] \
        if wd <= 3 else tuple("dim%d" % i for i in range(wd))
    full = (lambda v, fill: ((fill,) + tuple(v)) if wd == 1 else tuple(v))
    if wd == 1:
        names = ("height", "width")
    if any(op >= s and op >= d for op, s, d in zip(opad, stride, dilation)):
        parts = []
        for label, vals in (("output_padding", full(opad, 0)), ("stride", full(stride, 1)),
                            ("dilation", full(dilation, 1))):
            parts += ["%s_%s: %d" % (label, nm, v) for nm, v in zip(names, vals)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    out = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1
                for s, st, p, d, k, op in zip(sizes, stride, pad, dilation, ksize, opad))
    if any(o < 1 for o in out):
        raise RuntimeError("Given input size per channel: (%s). Calculated output size per "
                           "channel: (%s). Output size is too small"
                           % (" x ".join(str(v) for v in full(sizes, 1)),
                              " x ".join(str(v) for v in full(out, 1))))
    input, weight, bias = _autocast(_ConvInput, input, weight, bias)
    _check_dtypes(input, weight, bias)
    pads = tuple((p, p) for p in pad)
    if bias is None:
        res = apply(_ConvInput, input, weight, sizes=out, groups=groups, stride=stride,
                    dilation=dilation, pads=pads)
    else:
        res = apply(_ConvInput, input, weight, bias, sizes=out, groups=groups, stride=stride,
                    dilation=dilation, pads=pads)
    return res if batched else res.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1D transposed convolution ("deconvolution") over input (N, C_in, L)."""
    return _transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2D transposed convolution ("deconvolution") over input (N, C_in, H, W)."""
    return _transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3D transposed convolution ("deconvolution") over input (N, C_in, D, H, W)."""
    return _transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


# ====================================================================== unfold / fold
class _Im2Col(Op):
    """(N, C, H, W) -> (N, C*kh*kw, L): every sliding block as a column."""
    dtype_rule = "keep"
    grad_name = "Im2ColBackward0"

    def forward(ctx, x, *, ksize, dilation, pads, stride):
        out = _out_sizes(x.shape[2:], ksize, stride, dilation, pads)
        win = _windows(_padded(x, pads), ksize, stride, dilation, out)
        N, C = x.shape[:2]
        return _xp(x).ascontiguousarray(win).reshape(N, C * _prod(ksize), _prod(out))

    def backward(ctx, g):
        p = ctx.params
        return apply(_Col2Im, g, sizes=tuple(ctx.inputs_meta[0][0][2:]), ksize=p["ksize"],
                     dilation=p["dilation"], pads=p["pads"], stride=p["stride"])


class _Col2Im(Op):
    """(N, C*kh*kw, L) -> (N, C, H, W): columns summed back into the image."""
    dtype_rule = "keep"
    grad_name = "Col2ImBackward0"

    def forward(ctx, g, *, sizes, ksize, dilation, pads, stride):
        out = _out_sizes(sizes, ksize, stride, dilation, pads)
        N = g.shape[0]
        C = g.shape[1] // _prod(ksize)
        src = g.reshape((N, C) + tuple(ksize) + out)
        return _xp(g).ascontiguousarray(_col2im(src, sizes, ksize, stride, dilation, pads, out))

    def backward(ctx, g):
        p = ctx.params
        return apply(_Im2Col, g, ksize=p["ksize"], dilation=p["dilation"], pads=p["pads"],
                     stride=p["stride"])


def _pair_arg(v, name, fn):
    v = _int_list(name, v, fn)
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        raise RuntimeError("%s(): argument '%s' must be a tuple of 2 ints" % (fn, name))
    return v


def _fmt_pair(v):
    return "(%d, %d)" % tuple(v)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding local blocks from a batched (or unbatched) 4D input."""
    ks = _pair_arg(kernel_size, "kernel_size", "im2col")
    dl = _pair_arg(dilation, "dilation", "im2col")
    pd = _pair_arg(padding, "padding", "im2col")
    st = _pair_arg(stride, "stride", "im2col")
    nd = input.ndim
    if 0 < nd < 3:
        raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)"
                         % (-nd, nd - 1, nd))
    if nd not in (3, 4) or any(s == 0 for s in input.shape[1:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           "other non-zero dimensions for input, but got: %s"
                           % _size_list(input.shape))
    if any(k <= 0 for k in ks):
        raise RuntimeError("kernel size should be greater than zero, but got kernel_height: %d "
                           "kernel_width: %d" % ks)
    if any(d <= 0 for d in dl):
        raise RuntimeError("dilation should be greater than zero, but got dilation_height: %d "
                           "dilation_width: %d" % dl)
    if any(p < 0 for p in pd):
        raise RuntimeError("padding should be non-negative, but got pad_height: %d pad_width: %d"
                           % pd)
    if any(s <= 0 for s in st):
        raise RuntimeError("stride should be greater than zero, but got stride_height: %d "
                           "stride_width: %d" % st)
    x = input if nd == 4 else input.unsqueeze(0)
    pads = tuple((p, p) for p in pd)
    sizes = tuple(x.shape[2:])
    out = _out_sizes(sizes, ks, st, dl, pads)
    if any(o < 1 for o in out):
        raise RuntimeError("Given input with spatial size %s, kernel_size=%s, dilation=%s, "
                           "padding=%s, calculated shape of the array of sliding blocks as %s, but "
                           "its components must be at least one."
                           % (_fmt_pair(sizes), _fmt_pair(ks), _fmt_pair(dl), _fmt_pair(pd),
                              _fmt_pair(out)))
    res = apply(_Im2Col, x, ksize=ks, dilation=dl, pads=pads, stride=st)
    return res if nd == 4 else res.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combines an array of sliding local blocks into a large tensor (col2im)."""
    os_ = _pair_arg(output_size, "output_size", "col2im")
    ks = _pair_arg(kernel_size, "kernel_size", "col2im")
    dl = _pair_arg(dilation, "dilation", "col2im")
    pd = _pair_arg(padding, "padding", "col2im")
    st = _pair_arg(stride, "stride", "col2im")
    nd = input.ndim
    if nd not in (2, 3) or any(s == 0 for s in input.shape[1:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           "size and non-zero dimensions for input, but got: %s"
                           % _size_list(input.shape))
    if any(o <= 0 for o in os_):
        raise RuntimeError("output_size should be greater than zero, but got output_height: %d "
                           "output_width: %d" % os_)
    if any(k <= 0 for k in ks):
        raise RuntimeError("kernel size should be greater than zero, but got kernel_height: %d "
                           "kernel_width: %d" % ks)
    if any(d <= 0 for d in dl):
        raise RuntimeError("dilation should be greater than zero, but got dilation_height: %d "
                           "dilation_width: %d" % dl)
    if any(p < 0 for p in pd):
        raise RuntimeError("padding should be non-negative, but got pad_height: %d pad_width: %d"
                           % pd)
    if any(s <= 0 for s in st):
        raise RuntimeError("stride should be greater than zero, but got stride_height: %d "
                           "stride_width: %d" % st)
    x = input if nd == 3 else input.unsqueeze(0)
    kk = ks[0] * ks[1]
    if x.shape[1] % kk != 0:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           "kernel_size, but got input.size(1)=%d and kernel_size=%s."
                           % (x.shape[1], _fmt_pair(ks)))
    pads = tuple((p, p) for p in pd)
    out = _out_sizes(os_, ks, st, dl, pads)
    if any(o < 1 for o in out):
        raise RuntimeError("Given output_size=%s, kernel_size=%s, dilation=%s, padding=%s, "
                           "stride=%s, calculated shape of the array of sliding blocks as %s, but "
                           "its components must be at least one."
                           % (_fmt_pair(os_), _fmt_pair(ks), _fmt_pair(dl), _fmt_pair(pd),
                              _fmt_pair(st), _fmt_pair(out)))
    if x.shape[2] != out[0] * out[1]:
        raise RuntimeError("Given output_size=%s, kernel_size=%s, dilation=%s, padding=%s, "
                           "stride=%s, expected size of input's dimension 2 to match the calculated "
                           "number of sliding blocks %d * %d = %d, but got input.size(2)=%d."
                           % (_fmt_pair(os_), _fmt_pair(ks), _fmt_pair(dl), _fmt_pair(pd),
                              _fmt_pair(st), out[0], out[1], out[0] * out[1], x.shape[2]))
    res = apply(_Col2Im, x, sizes=os_, ksize=ks, dilation=dl, pads=pads, stride=st)
    return res if nd == 3 else res.squeeze(0)


# ====================================================================== pixel / channel shuffle
def _shuffle_array(x, split, perm, final):
    """x reshaped to `split`, permuted by `perm`, copied contiguous and reshaped to `final`."""
    return _xp(x).ascontiguousarray(x.reshape(split).transpose(perm)).reshape(final)


def _pixel_shuffle_array(x, r):
    lead = x.shape[:-3]
    C, H, W = x.shape[-3:]
    c = C // (r * r)
    k = len(lead)
    perm = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
    return _shuffle_array(x, lead + (c, r, r, H, W), perm, lead + (c, H * r, W * r))


def _pixel_unshuffle_array(x, r):
    lead = x.shape[:-3]
    C, H, W = x.shape[-3:]
    k = len(lead)
    perm = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
    return _shuffle_array(x, lead + (C, H // r, r, W // r, r), perm,
                          lead + (C * r * r, H // r, W // r))


class _PixelShuffle(Op):
    dtype_rule = "keep"
    grad_name = "PixelShuffleBackward0"

    def forward(ctx, x, *, r):
        return _pixel_shuffle_array(x, r)

    def backward(ctx, g):
        return apply(_PixelUnshuffle, g, r=ctx.params["r"])


class _PixelUnshuffle(Op):
    dtype_rule = "keep"
    grad_name = "PixelUnshuffleBackward0"

    def forward(ctx, x, *, r):
        return _pixel_unshuffle_array(x, r)

    def backward(ctx, g):
        return apply(_PixelShuffle, g, r=ctx.params["r"])


def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got "
                           "input with %d dimension(s)" % input.ndim)
    if r <= 0:
        raise RuntimeError("pixel_shuffle expects a positive upscale_factor, but got %d" % r)
    c = input.shape[-3]
    if c % (r * r) != 0:
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           "by the square of upscale_factor, but input.size(-3)=%d is not "
                           "divisible by %d" % (c, r * r))
    return apply(_PixelShuffle, input, r=r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got "
                           "input with %d dimension(s)" % input.ndim)
    if r <= 0:
        raise RuntimeError("pixel_unshuffle expects a positive downscale_factor, but got %d" % r)
    h, w = input.shape[-2:]
    if h % r != 0:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           "but input.size(-2)=%d is not divisible by %d" % (h, r))
    if w % r != 0:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           "but input.size(-1)=%d is not divisible by %d" % (w, r))
    return apply(_PixelUnshuffle, input, r=r)


class _ChannelShuffle(Op):
    """(N, g*k, *) -> (N, k*g, *): channel c*k + i moves to i*g + c."""
    dtype_rule = "keep"
    grad_name = "ChannelShuffleBackward0"

    def forward(ctx, x, *, groups):
        N, C = x.shape[:2]
        rest = x.shape[2:]
        return _shuffle_array(x, (N, groups, C // groups) + rest,
                              (0, 2, 1) + tuple(range(3, 3 + len(rest))), x.shape)

    def backward(ctx, g):
        return apply(_ChannelShuffle, g, groups=g.shape[1] // ctx.params["groups"])


def channel_shuffle(input, groups):
    """Divides the channels into `groups` groups and interleaves them."""
    groups = int(groups)
    if input.ndim <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with sizes "
                           "%s" % _size_list(input.shape))
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           "groups:%d" % groups)
    c = input.shape[1]
    if c % groups != 0:
        raise RuntimeError("Number of channels must be divisible by groups. Got %d channels and %d "
                           "groups." % (c, groups))
    return apply(_ChannelShuffle, input, groups=groups)


native_channel_shuffle = channel_shuffle
