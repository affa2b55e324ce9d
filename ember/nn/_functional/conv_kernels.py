"""Array kernels of the convolutions in conv.py: y = conv(x, w) and its
input and weight gradients, on NumPy (or CuPy) arrays.

Two layouts, chosen per call:

* Channels-last, for convolutions with many input channels (at least
  _CL_MIN_CHANNELS, no groups, a kernel larger than 1x1): the input is
  copied once into a zero-padded (N, *S, C) array; the im2col matrix of a
  chunk of images is (positions, K*C), each kernel row one contiguous run of
  that copy, and the GEMM (positions, K*C) @ (K*C, O) is the shape OpenBLAS
  runs fastest even with few output channels. The result is transposed back
  to (N, O, *S). The padded copy of x made by the forward is kept for the
  weight gradient, and the channels-last copy of the output gradient is
  shared by the input and weight gradients (a dict `cl` carries them).
* Channels-first otherwise: the im2col matrix of each image is (C*K, L),
  straight from the sliding-window view, and each image's output is one
  GEMM written in place (a stacked matmul over the images of a chunk). 1x1
  stride-1 convolutions skip im2col altogether.

Either way the batch is cut into chunks whose im2col matrix stays cache-sized
(_CHUNK_BYTES): it is written and read back by the GEMM while still in cache.

The input gradient of an undilated convolution is computed per residue class
of the stride: the input positions i = q*s + r receive only the kernel taps
k = r + p (mod s), so each class is a stride-1 convolution of g with those
taps, flipped, and no col2im is needed (with stride 1, one class: the
convolution of g with the flipped kernel). Dilated strided convolutions use
a GEMM into columns and col2im (one strided add per kernel offset).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from ..._backends import is_host, strided_view, xp as _xp

# The batch is processed in chunks whose im2col matrix stays about this
# size, so that it is written and read back by the GEMM while in cache.
_CHUNK_BYTES = 2 ** 20
# On a GPU there is no cache to fit: chunks only bound the im2col memory, and
# each chunk is a launch of its own, so they are as large as that allows.
_DEVICE_CHUNK_BYTES = 2 ** 28


def _as_strided(a, shape, strides, writeable=False):
    if type(a) is np.ndarray:
        if not writeable and a.flags.c_contiguous:
            # the ndarray constructor is ~7x cheaper than as_strided's
            # wrapper, and checks the view stays inside a's memory
            v = np.ndarray(shape, a.dtype, a, 0, strides)
            v.flags.writeable = False
            return v
        return _np_as_strided(a, shape, strides, writeable=writeable)
    return strided_view(a, shape, strides)


def _prod(t):
    p = 1
    for v in t:
        p *= v
    return p


def _out_sizes(sizes, ksize, stride, dilation, pads):
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, d, (lo, hi) in zip(sizes, ksize, stride, dilation, pads))


def _padded(x, pads):
    """x (A, B, *S) with zeros added before/after each spatial dim."""
    if not any(lo or hi for lo, hi in pads):
        return x
    sp = x.shape[2:]
    out = _xp(x).zeros(x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(sp, pads)),
                       x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sp, pads))] = x
    return out


def _windows(xp, ksize, stride, dilation, out):
    """The sliding windows of xp (A, B, *Sp) as a view (A, B, *K, *Out)."""
    n = len(ksize)
    st = xp.strides
    strides = st[:2] + tuple(st[2 + i] * dilation[i] for i in range(n)) \
        + tuple(st[2 + i] * stride[i] for i in range(n))
    return _as_strided(xp, xp.shape[:2] + tuple(ksize) + tuple(out), strides)


def _col2im(src, sizes, ksize, stride, dilation, pads, out, crop=True):
    """Adjoint of _windows: src (A, B, *K, *Out) (any strides) summed back
    into a zero (A, B, *S) array; one strided add per kernel offset. With
    crop=False the padded (A, B, *Sp) array is returned."""
    n = len(ksize)
    xp = _xp(src)
    lead = src.shape[:2]
    if _is_pointwise(ksize, stride, pads) and tuple(out) == tuple(sizes):
        return src.reshape(lead + tuple(out))
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sizes, pads))
    buf = xp.zeros(lead + padded, src.dtype)
    head = (slice(None), slice(None))
    for k in np.ndindex(*ksize):
        dst = head + tuple(slice(k[i] * dilation[i], k[i] * dilation[i] + stride[i] * (out[i] - 1) + 1,
                                 stride[i]) for i in range(n))
        buf[dst] += src[head + k]
    if not crop:
        return buf
    return buf[head + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sizes, pads))]


def _chunks(N, per_sample_bytes, a):
    budget = _CHUNK_BYTES if is_host(a) else _DEVICE_CHUNK_BYTES
    step = max(1, budget // max(per_sample_bytes, 1))
    return [(i, min(N, i + step)) for i in range(0, N, step)]


def _is_pointwise(ksize, stride, pads):
    return all(k == 1 for k in ksize) and all(s == 1 for s in stride) and not any(
        lo or hi for lo, hi in pads)


def _chunk_cols(xpad, ksize, stride, dilation, out):
    """im2col of a chunk of padded images (n, C, *Sp): (n, C*K, L), rows
    (channel, kernel offset), columns the output positions of each image.
    The sliding-window view is already in this order, so this is one copy
    with no transpose."""
    win = _windows(xpad, ksize, stride, dilation, out)                  # (n, C, *K, *Out)
    n, C = xpad.shape[:2]
    return _xp(xpad).ascontiguousarray(win).reshape(n, C * _prod(ksize), _prod(out))


def _weight_matrix(w, groups):
    """w (O, C/G, *K) as (O, C/G*K), or (G, O/G, C/G*K) with groups."""
    O = w.shape[0]
    if groups == 1:
        return w.reshape(O, -1)
    return w.reshape(groups, O // groups, -1)


def _grouped(a, groups):
    """(n, R, L) as (n, G, R/G, L) when there are groups."""
    if groups == 1:
        return a
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, a.shape[2])


# Channels-last kernels. With the channels innermost, the im2col rows of an
# output position are (kernel offset, channel) and each kernel row is one
# contiguous run of the padded input (kw * C values), and the GEMM is
# (positions, K*C) @ (K*C, O): the shape OpenBLAS runs fastest, even with few
# output channels. The input is transposed once into a padded channels-last
# copy and the result transposed back; both passes are over activations,
# which are K times smaller than the column matrix.
_CL_MIN_CHANNELS = 16


def _use_channels_last(C, groups, ksize, a):
    # a 1x1 kernel needs no im2col in either layout: NCHW skips the transposes.
    # The layout suits OpenBLAS and the CPU caches; on a GPU (cuBLAS, batched
    # GEMMs) its transposes in blocks would only add kernel launches.
    return is_host(a) and groups == 1 and C >= _CL_MIN_CHANNELS and _prod(ksize) > 1


def _transpose_into(dst, src):
    """dst[...] = src, where src is a channels-first array seen channels-last.
    Reading many channels at one position touches one cache line per channel
    (all in one cache set when an image plane is a multiple of 4 KiB);
    copying 16 or 32 channels at a time keeps those lines in L1."""
    C = src.shape[-1]
    block = 16 if src.strides[-1] % 4096 == 0 else 32
    if C > block:
        for c in range(0, C, block):
            dst[..., c:c + block] = src[..., c:c + block]
    else:
        dst[...] = src


def _channels_last_padded(x, pads):
    """x (N, C, *S) as a zero-padded channels-last copy (N, *Sp, C)."""
    N, C = x.shape[:2]
    sp = x.shape[2:]
    n = len(sp)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sp, pads))
    res = _xp(x).empty((N,) + padded + (C,), x.dtype)
    for d, (lo, hi) in enumerate(pads):
        for part in ((slice(0, lo),) if lo else ()) + ((slice(padded[d] - hi, None),) if hi else ()):
            res[(slice(None),) * (1 + d) + (part,)] = 0
    inner = (slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sp, pads))
    _transpose_into(res[inner], x.transpose((0,) + tuple(range(2, 2 + n)) + (1,)))
    return res


def _channels_last(g):
    """g (N, O, *S) as a contiguous channels-last copy (N, *S, O)."""
    N, O = g.shape[:2]
    n = g.ndim - 2
    gt = _xp(g).empty((N,) + tuple(g.shape[2:]) + (O,), g.dtype)
    _transpose_into(gt, g.transpose((0,) + tuple(range(2, 2 + n)) + (1,)))
    return gt


def _pad_channels_last(xc, pads):
    """A channels-last array (N, *S, C) zero-padded (no transpose)."""
    n = xc.ndim - 2
    if not any(lo or hi for lo, hi in pads):
        return xc
    sp = xc.shape[1:1 + n]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sp, pads))
    res = _xp(xc).empty((xc.shape[0],) + padded + (xc.shape[-1],), xc.dtype)
    for d, (lo, hi) in enumerate(pads):
        for part in ((slice(0, lo),) if lo else ()) + ((slice(padded[d] - hi, None),) if hi else ()):
            res[(slice(None),) * (1 + d) + (part,)] = 0
    res[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sp, pads))] = xc
    return res


# A convolution's input and output gradient are each needed channels-last by
# more than one kernel (forward and weight gradient; input and weight
# gradient): `cl` is a dict that carries the copies between them:
#   cl["x"]   the unpadded channels-last array (N, *S, C)
#   cl["xt"]  (pads, the padded channels-last array)
def _cl_padded(x, pads, cl):
    """The zero-padded channels-last copy of x, from (and into) the cache cl."""
    if cl is not None:
        hit = cl.get("xt")
        if hit is not None and hit[0] == pads and hit[1].dtype == x.dtype:
            return hit[1]
        xc = cl.get("x")
        xt = _pad_channels_last(xc, pads) if xc is not None and xc.dtype == x.dtype \
            else _channels_last_padded(x, pads)
        cl["xt"] = (pads, xt)
        return xt
    return _channels_last_padded(x, pads)


def _cl_matrix(g, cl):
    """g (N, O, *S) channels-last as a contiguous (N*L, O) matrix, cached in cl."""
    if cl is not None:
        gc = cl.get("x")
        if gc is None or gc.dtype != g.dtype:
            gc = cl["x"] = _channels_last(g)
    else:
        gc = _channels_last(g)
    return gc.reshape(-1, g.shape[1])


def _cl_cols(xt, ksize, stride, dilation, out):
    """im2col of channels-last padded images xt (n, *Sp, C): (n*L, K*C)."""
    n = len(ksize)
    st = xt.strides
    shape = (xt.shape[0],) + tuple(out) + tuple(ksize) + (xt.shape[-1],)
    strides = (st[0],) + tuple(st[1 + i] * stride[i] for i in range(n)) \
        + tuple(st[1 + i] * dilation[i] for i in range(n)) + (st[-1],)
    win = _as_strided(xt, shape, strides)
    return _xp(xt).ascontiguousarray(win).reshape(xt.shape[0] * _prod(out), -1)


def _conv_forward_cl(x, w, stride, dilation, pads, out, cl=None):
    N, C = x.shape[:2]
    O = w.shape[0]
    ksize = tuple(w.shape[2:])
    n = len(ksize)
    L = _prod(out)
    xp = _xp(x)
    xt = _cl_padded(x, pads, cl)
    wk = xp.ascontiguousarray(w.transpose(tuple(range(2, 2 + n)) + (1, 0))).reshape(-1, O)
    res = xp.empty((N, O, L), x.dtype)
    # the result is transposed back in runs of positions whose rows (O values
    # each) stay in L1 while every channel's row of the output is written
    step = max(8192 // (O * x.itemsize // 4 or 1), 1)
    for i, j in _chunks(N, C * _prod(ksize) * L * x.itemsize, x):
        y = xp.matmul(_cl_cols(xt[i:j], ksize, stride, dilation, out), wk)    # (n*L, O)
        y = y.reshape(j - i, L, O)
        for p in range(0, L, step):
            res[i:j, :, p:p + step] = y[:, p:p + step].transpose(0, 2, 1)
    return res.reshape((N, O) + tuple(out))


def _conv_weight_grad_cl(x, g, ksize, stride, dilation, pads, xcl=None, gcl=None):
    N, C = x.shape[:2]
    O = g.shape[1]
    out = tuple(g.shape[2:])
    n = len(ksize)
    L = _prod(out)
    xp = _xp(x)
    xt = _cl_padded(x, pads, xcl)
    gt = _cl_matrix(g, gcl)                                              # (N*L, O)
    dwt = None
    for i, j in _chunks(N, C * _prod(ksize) * L * x.itemsize, x):
        cols = _cl_cols(xt[i:j], ksize, stride, dilation, out)          # (n*L, K*C)
        part = xp.matmul(cols.T, gt[i * L:j * L])                        # (K*C, O)
        if dwt is None:
            dwt = part
        else:
            dwt += part
    if dwt is None:
        dwt = xp.zeros((_prod(ksize) * C, O), x.dtype)
    dw = dwt.reshape(tuple(ksize) + (C, O)).transpose((n + 1, n) + tuple(range(n)))
    return xp.ascontiguousarray(dw)


def _conv_input_grad_cl(g, w, sizes, stride, dilation, pads, cl=None):
    """dx by GEMM into channels-last columns and a strided add per kernel
    offset into a padded channels-last buffer (col2im)."""
    N, O = g.shape[:2]
    C = w.shape[1]
    ksize = tuple(w.shape[2:])
    out = tuple(g.shape[2:])
    n = len(ksize)
    L = _prod(out)
    xp = _xp(g)
    gt = _cl_matrix(g, cl)                                               # (N*L, O)
    wm = xp.ascontiguousarray(w.transpose((0,) + tuple(range(2, 2 + n)) + (1,))).reshape(O, -1)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sizes, pads))
    buf = xp.zeros((N,) + padded + (C,), g.dtype)
    lead = (slice(None),) * (1 + n)
    for i, j in _chunks(N, C * _prod(ksize) * L * g.itemsize, g):
        src = xp.matmul(gt[i * L:j * L], wm).reshape((j - i,) + out + ksize + (C,))
        b = buf[i:j]
        for k in np.ndindex(*ksize):
            dst = (slice(None),) + tuple(
                slice(k[d] * dilation[d], k[d] * dilation[d] + stride[d] * (out[d] - 1) + 1, stride[d])
                for d in range(n))
            b[dst] += src[lead + k]
    crop = (slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sizes, pads))
    return xp.ascontiguousarray(buf[crop].transpose((0, n + 1) + tuple(range(1, n + 1))))


def _conv_forward(x, w, groups, stride, dilation, pads, out=None, cl=None):
    """y = conv(x, w), x (N, C, *S), w (O, C/G, *K): (N, O, *Out). `out`
    may ask for fewer (leading) output positions than the input gives; `cl`
    caches channels-last copies of x (see _cl_padded).

    Channels-first, each image's output (O, L) is one GEMM of the weight
    matrix with its column matrix, written straight into the result (a
    stacked matmul over the images of a chunk)."""
    N, C = x.shape[:2]
    O = w.shape[0]
    ksize = tuple(w.shape[2:])
    full = _out_sizes(x.shape[2:], ksize, stride, dilation, pads)
    out = full if out is None else tuple(out)
    L = _prod(out)
    xp = _xp(x)
    wm = _weight_matrix(w, groups)
    if _is_pointwise(ksize, stride, pads) and out == full:
        # 1x1: the input already is the column matrix of each image
        y = xp.matmul(wm, _grouped(x.reshape(N, C, L), groups))          # (N, [G,] O/G, L)
        return y.reshape((N, O) + out)
    if _use_channels_last(C, groups, ksize, x):
        return _conv_forward_cl(x, w, stride, dilation, pads, out, cl)
    res = xp.empty((N, O) + out, x.dtype)
    resv = _grouped(res.reshape(N, O, L), groups)
    xpad = _padded(x, pads)
    for i, j in _chunks(N, C * _prod(ksize) * L * x.itemsize, x):
        cols = _chunk_cols(xpad[i:j], ksize, stride, dilation, out)
        xp.matmul(wm, _grouped(cols, groups), out=resv[i:j])
    return res


def _conv_input_grad_polyphase(g, w, sizes, groups, stride, pads, cl=None):
    """dx of an undilated convolution, one residue class of input positions
    at a time. The input positions i = q*s + r (per dim) receive only the
    kernel taps k = r + p (mod s), from output positions q - m: a stride-1
    convolution of g with those taps, flipped, so each class is one forward
    convolution (im2col + GEMM) and no col2im is needed. With stride 1 there
    is one class: the convolution of g with the whole flipped kernel."""
    N, O = g.shape[:2]
    ksize = tuple(w.shape[2:])
    out = tuple(g.shape[2:])
    n = len(ksize)
    C = w.shape[1] * groups
    xp = _xp(g)
    wg = w.reshape((groups, O // groups, C // groups) + ksize)
    wg = wg.transpose((0, 2, 1) + tuple(range(3, 3 + n)))               # (G, C/G, O/G, *K)
    one = (1,) * n
    dx = None
    for r in np.ndindex(*stride):
        taps, crop, tpads, qs = [], [], [], []
        for d in range(n):
            s_, (lo, _), K, S, G_ = stride[d], pads[d], ksize[d], sizes[d], out[d]
            Q = (S - r[d] + s_ - 1) // s_ if r[d] < S else 0
            k0 = (lo + r[d]) % s_
            J = len(range(k0, K, s_))
            a = (k0 - lo - r[d]) // s_ + J - 1          # padding before g (negative: crop)
            b = Q - G_ - a + J - 1                       # padding after g
            taps.append(slice(k0, None, s_))
            crop.append(slice(max(-a, 0), G_ - max(-b, 0)))
            tpads.append((max(a, 0), max(b, 0)))
            qs.append((Q, J))
        if any(Q == 0 for Q, _ in qs):
            continue
        if any(J == 0 for _, J in qs) or any(c.start >= c.stop for c in crop):
            part = None
        else:
            wf = wg[(slice(None),) * 3 + tuple(taps)][(slice(None),) * 3 + (slice(None, None, -1),) * n]
            wf = xp.ascontiguousarray(wf).reshape((C, O // groups) + wf.shape[3:])
            gc = g[(slice(None), slice(None)) + tuple(crop)]
            sub = None
            if cl is not None and _use_channels_last(O, groups, wf.shape[2:], g):
                sub = {"x": _cl_matrix(g, cl).reshape((N,) + out + (O,))[
                    (slice(None),) + tuple(crop)]}
            part = _conv_forward(gc, wf, groups, one, one, tuple(tpads), tuple(Q for Q, _ in qs),
                                 sub)
        if stride == one:
            return part if part is not None else xp.zeros((N, C) + tuple(sizes), g.dtype)
        if dx is None:
            dx = xp.empty((N, C) + tuple(sizes), g.dtype)
        dst = (slice(None), slice(None)) + tuple(slice(r[d], None, stride[d]) for d in range(n))
        if part is None:
            dx[dst] = 0
        else:
            dx[dst] = part
    if dx is None:
        dx = xp.zeros((N, C) + tuple(sizes), g.dtype)
    return dx


def _conv_input_grad(g, w, sizes, groups, stride, dilation, pads, cl=None):
    """dx (N, C, *sizes) of y = conv(x, w) given dy = g (N, O, *Out)."""
    N, O = g.shape[:2]
    ksize = tuple(w.shape[2:])
    out = tuple(g.shape[2:])
    L = _prod(out)
    n = len(ksize)
    C = w.shape[1] * groups
    xp = _xp(g)
    wt = _weight_matrix(w, groups)
    wt = wt.T if groups == 1 else wt.transpose(0, 2, 1)                  # ([G,] C/G*K, O/G)
    gm = _grouped(g.reshape(N, O, L), groups)
    if _is_pointwise(ksize, stride, pads) and tuple(sizes) == out:
        dx = xp.matmul(wt, gm)                                           # (N, [G,] C/G, L)
        return dx.reshape((N, C) + out)
    if all(d == 1 for d in dilation):
        return _conv_input_grad_polyphase(g, w, sizes, groups, stride, pads, cl)
    if all(s == 1 for s in stride):
        # stride 1: dx is the convolution of g with the flipped, transposed
        # kernel, padded by (extent - 1 - padding); the forward path is faster
        # than a col2im
        tpads = []
        for s_, o, k, d, (lo, hi) in zip(sizes, out, ksize, dilation, pads):
            a = d * (k - 1) - lo
            tpads.append((a, s_ + d * (k - 1) - o - a))
        if all(a >= 0 and b >= 0 for a, b in tpads):
            wf = w.reshape((groups, O // groups, C // groups) + ksize)
            wf = wf.transpose((0, 2, 1) + tuple(range(3, 3 + n)))
            wf = wf[(slice(None),) * 3 + (slice(None, None, -1),) * n]
            wf = xp.ascontiguousarray(wf).reshape((C, O // groups) + ksize)
            return _conv_forward(g, wf, groups, stride, dilation, tuple(tpads), tuple(sizes))
    if _use_channels_last(C, groups, ksize, g):
        return _conv_input_grad_cl(g, w, sizes, stride, dilation, pads, cl)
    dx = xp.empty((N, C) + tuple(sizes), g.dtype)
    head = (slice(None), slice(None))
    crop = head + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sizes, pads))
    for i, j in _chunks(N, C * _prod(ksize) * L * g.itemsize, g):
        dcols = xp.matmul(wt, gm[i:j])                                   # (n, [G,] C/G*K, L)
        src = dcols.reshape((j - i, C) + ksize + out)
        buf = _col2im(src, sizes, ksize, stride, dilation, pads, out, crop=False)   # (n, C, *Sp)
        dx[i:j] = buf[crop]
    return dx


def _conv_weight_grad(x, g, ksize, groups, stride, dilation, pads, xcl=None, gcl=None):
    """dw (O, C/G, *ksize) of y = conv(x, w) given dy = g: the sum over
    images of g_i (O, L) @ cols_i^T (L, C*K), one stacked matmul per chunk."""
    N, C = x.shape[:2]
    O = g.shape[1]
    out = tuple(g.shape[2:])
    L = _prod(out)
    xp = _xp(x)
    if _use_channels_last(C, groups, ksize, x):
        return _conv_weight_grad_cl(x, g, ksize, stride, dilation, pads, xcl, gcl)
    gm = _grouped(g.reshape(N, O, L), groups)
    dw = None
    xpad = _padded(x, pads)
    for i, j in _chunks(N, C * _prod(ksize) * L * x.itemsize, x):
        cols = _grouped(_chunk_cols(xpad[i:j], ksize, stride, dilation, out), groups)
        part = xp.matmul(gm[i:j], xp.swapaxes(cols, -1, -2))             # (n, [G,] O/G, C/G*K)
        part = part[0] if j - i == 1 else part.sum(0)
        if dw is None:
            dw = part
        else:
            dw += part
    if dw is None:
        dw = xp.zeros((O, (C // groups) * _prod(ksize)), x.dtype)
    return dw.reshape((O, C // groups) + tuple(ksize))


