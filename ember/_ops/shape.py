"""Shape operations. Views (view, reshape when possible, permute, transpose,
expand, squeeze/unsqueeze, slicing, narrow, select, split, unbind, diagonal,
unfold) return arrays sharing memory with their input; cat, stack, flip,
roll, repeat, tril/triu copy."""
import numpy as np

from .. import _dtype as D
from .._dispatch import Op, apply
from .._tensor import Tensor
from ._util import parse_dims, wrap_dim


def infer_shape(shape, numel):
    """Resolve one -1 in `shape` against `numel`, with PyTorch's errors."""
    shape = list(shape)
    unknown = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if unknown is not None:
                raise RuntimeError("only one dimension can be inferred")
            unknown = i
        elif s < 0:
            raise RuntimeError("invalid shape dimension %d" % s)
        else:
            known *= s
    if unknown is not None:
        if known == 0 or numel % known:
            raise RuntimeError("shape '%s' is invalid for input of size %d" % (_fmt(shape), numel))
        shape[unknown] = numel // known
    elif known != numel:
        raise RuntimeError("shape '%s' is invalid for input of size %d" % (_fmt(shape), numel))
    return tuple(shape)


def _fmt(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _shape_args(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(int(a) for a in args)


class View(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, shape):
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None

    def backward(ctx, g):
        return g.reshape(ctx.inputs_meta[0][0])


class UnsafeView(Op):
    """reshape that had to copy."""
    dtype_rule = "keep"

    def forward(ctx, x, shape):
        return np.reshape(x, shape).copy() if np.shares_memory(np.reshape(x, shape), x) else np.reshape(x, shape)

    def backward(ctx, g):
        return g.reshape(ctx.inputs_meta[0][0])


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return view_dtype(input, shape[0])
    shape = infer_shape(_shape_args(shape), input._data.size)
    return apply(View, input, shape=shape)


def view_dtype(input, dtype):
    if dtype.itemsize != input._dtype.itemsize:
        raise RuntimeError("view dtype of different size is not supported here")
    return Tensor._make(input._data.view(dtype.np), dtype)


def reshape(input, *shape):
    shape = infer_shape(_shape_args(shape), input._data.size)
    a = input._data
    if a.shape == shape and input._requires_grad is False:
        return apply(View, input, shape=shape)
    try:
        np.reshape(a, shape, copy=False)
        return apply(View, input, shape=shape)
    except ValueError:
        return apply(UnsafeView, input, shape=shape)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape_as(input, other):
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    n = input._data.ndim
    if n == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input.shape
    mid = 1
    for d in shape[s:e + 1]:
        mid *= d
    return reshape(input, tuple(shape[:s]) + (mid,) + tuple(shape[e + 1:]))


def unflatten(input, dim, sizes):
    d = wrap_dim(dim, input._data.ndim)
    shape = tuple(input.shape)
    sizes = infer_shape(tuple(sizes), shape[d]) if -1 in tuple(sizes) else tuple(sizes)
    return view(input, shape[:d] + sizes + shape[d + 1:]) if input.is_contiguous() else \
        reshape(input, shape[:d] + sizes + shape[d + 1:])


def ravel(input):
    return reshape(input, (-1,))


class Permute(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, dims):
        return np.transpose(x, dims)

    def backward(ctx, g):
        inv = np.argsort(ctx.params["dims"])
        return g.permute(*[int(i) for i in inv])


class Transpose(Permute):
    pass


def permute(input, *dims):
    dims = _shape_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not "
                           "match the length of the desired ordering of dimensions i.e. input.dim() "
                           "= %d is not equal to len(dims) = %d" % (n, len(dims)))
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(Permute, input, dims=dims)


def transpose(input, dim0, dim1):
    n = input._data.ndim
    a, b = wrap_dim(dim0, n), wrap_dim(dim1, n)
    dims = list(range(n))
    dims[a], dims[b] = dims[b], dims[a]
    return apply(Transpose, input, dims=tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    n = input._data.ndim
    if n > 2:
        raise RuntimeError("t() expects a tensor with <= 2 dimensions, but self is %dD" % n)
    return transpose(input, 0, 1) if n == 2 else input


def adjoint(input):
    return transpose(input, -2, -1)


def movedim(input, source, destination):
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(d, n) for d in dst]
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, *order)


moveaxis = movedim


class Expand(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, shape):
        return _broadcast_view(x, shape)

    def backward(ctx, g):
        return g  # the engine sums back to the input's shape


def _broadcast_view(x, shape):
    """A writable zero-stride view (np.broadcast_to is read-only)."""
    nd = len(shape) - x.ndim
    strides = [0] * nd + [0 if (s == 1 and n != 1) else st
                          for s, n, st in zip(x.shape, shape[nd:], x.strides)]
    return np.lib.stride_tricks.as_strided(x, shape, strides)


def expand(input, *sizes):
    sizes = _shape_args(sizes)
    cur = tuple(input.shape)
    if len(sizes) < len(cur):
        raise RuntimeError("expand(torch.FloatTensor{%s}, size=%s): the number of sizes provided (%d) "
                           "must be greater or equal to the number of dimensions in the tensor (%d)"
                           % (_fmt(cur)[1:-1], _fmt(sizes), len(sizes), len(cur)))
    nd = len(sizes) - len(cur)
    out = []
    for i, s in enumerate(sizes):
        if i < nd:
            if s < 0:
                raise RuntimeError("The expanded size of the tensor (%d) isn't allowed in a leading, "
                                   "non-existing dimension %d" % (s, i))
            out.append(s)
            continue
        c = cur[i - nd]
        if s == -1:
            s = c
        if c != s and c != 1:
            raise RuntimeError("The expanded size of the tensor (%d) must match the existing size (%d) "
                               "at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s"
                               % (s, c, i, _fmt(sizes), _fmt(cur)))
        out.append(s)
    out = tuple(out)
    if out == cur:
        return apply(View, input, shape=cur)
    return apply(Expand, input, shape=out)


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def broadcast_to(input, size):
    return expand(input, tuple(size))


def broadcast_shapes(*shapes):
    try:
        return __import__("ember")._size.Size(np.broadcast_shapes(*[
            (s,) if isinstance(s, int) else tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape") from None


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = tuple(broadcast_shapes(*[t.shape for t in tensors]))
    return tuple(expand(t, shape) for t in tensors)


def squeeze(input, dim=None):
    shape = tuple(input.shape)
    n = len(shape)
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = parse_dims(dim, n) if n else ((wrap_dim(dim, 0),) if isinstance(dim, int) else ())
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return apply(View, input, shape=new)


def unsqueeze(input, dim):
    n = input._data.ndim
    d = wrap_dim(dim, n + 1)
    shape = tuple(input.shape)
    return apply(View, input, shape=shape[:d] + (1,) + shape[d:])


class Index(Op):
    """Basic indexing (ints, slices, None, Ellipsis): a view."""
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, key):
        return x[key]

    def backward(ctx, g):
        return apply(IndexBackward, g, key=ctx.params["key"], shape=ctx.inputs_meta[0][0])


class IndexBackward(Op):
    """Scatter a gradient into zeros at a basic index (the inverse of Index)."""
    dtype_rule = "keep"

    def forward(ctx, g, key, shape):
        out = np.zeros(shape, g.dtype)
        out[key] = g
        return out

    def backward(ctx, gg):
        return apply(Index, gg, key=ctx.params["key"])


def narrow(input, dim, start, length):
    n = input._data.ndim
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError("start (%d) + length (%d) exceeds dimension size (%d)." % (start, length, size))
    key = (slice(None),) * d + (slice(start, start + length),)
    return apply(Index, input, key=key)


def select(input, dim, index):
    n = input._data.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError("select(): index %d out of range for tensor of size %s at dimension %d"
                         % (index, list(input.shape), d))
    key = (slice(None),) * d + (int(index),)
    return apply(Index, input, key=key)


def split(tensor, split_size_or_sections, dim=0):
    d = wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension size "
                               "of %d" % size)
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError("split_with_sizes expects split_sizes to sum exactly to %d (input tensor's "
                               "size at dimension %d), but got split_sizes=%s" % (size, d, sizes))
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def split_with_sizes(tensor, split_sizes, dim=0):
    return split(tensor, list(split_sizes), dim)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: %d" % chunks)
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    step = -(-size // chunks) if size else 0
    if step == 0:
        return tuple(split(input, [0] * 1 if size == 0 else [], d)) if size else (input,)
    return split(input, step, d)


def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
        bounds, acc = [], 0
        for s in sizes:
            bounds.append((acc, acc + s))
            acc += s
    else:
        idx = [int(i) for i in indices_or_sections]
        edges = [0] + idx + [size]
        bounds = [(min(a, size), min(max(b, a), size)) for a, b in zip(edges[:-1], edges[1:])]
    return tuple(narrow(input, d, a, b - a) for a, b in bounds)


def hsplit(input, sections):
    return tensor_split(input, sections, 1 if input.ndim > 1 else 0)


def vsplit(input, sections):
    return tensor_split(input, sections, 0)


def unbind(input, dim=0):
    d = wrap_dim(dim, input._data.ndim)
    return tuple(select(input, d, i) for i in range(input._data.shape[d]))


class Diagonal(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, offset, dim1, dim2):
        return np.diagonal(x, offset, dim1, dim2)

    def backward(ctx, g):
        p = ctx.params
        return apply(DiagonalBackward, g, shape=ctx.inputs_meta[0][0], **p)


class DiagonalBackward(Op):
    dtype_rule = "keep"

    def forward(ctx, g, shape, offset, dim1, dim2):
        out = np.zeros(shape, g.dtype)
        diag = np.diagonal(out, offset, dim1, dim2)
        diag.flags.writeable = True  # NumPy hands out diagonals read-only; out is ours
        diag[...] = g
        return out

    def backward(ctx, gg):
        p = ctx.params
        return apply(Diagonal, gg, offset=p["offset"], dim1=p["dim1"], dim2=p["dim2"])


def diagonal(input, offset=0, dim1=0, dim2=1):
    n = input._data.ndim
    return apply(Diagonal, input, offset=offset, dim1=wrap_dim(dim1, n), dim2=wrap_dim(dim2, n))


class Unfold(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, dim, size, step):
        n = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        return np.lib.stride_tricks.as_strided(x, shape, strides)

    def backward(ctx, g):
        p = ctx.params
        return apply(UnfoldBackward, g, shape=ctx.inputs_meta[0][0], **p)


class UnfoldBackward(Op):
    dtype_rule = "keep"

    def forward(ctx, g, shape, dim, size, step):
        out = np.zeros(shape, g.dtype)
        n = g.shape[dim]
        for i in range(size):  # windows overlap: add one window offset at a time
            idx = (slice(None),) * dim + (slice(i, i + step * (n - 1) + 1, step),)
            out[idx] += g[..., i]
        return out

    def backward(ctx, gg):
        p = ctx.params
        return apply(Unfold, gg, dim=p["dim"], size=p["size"], step=p["step"])


def unfold(input, dimension, size, step):
    d = wrap_dim(dimension, input._data.ndim)
    if input._data.shape[d] < size:
        raise RuntimeError("maximum size for tensor at dimension %d is %d but size is %d"
                           % (d, input._data.shape[d], size))
    if step <= 0:
        raise RuntimeError("step is %d but must be > 0" % step)
    return apply(Unfold, input, dim=d, size=size, step=step)


# ------------------------------------------------------------------ copies

class Contiguous(Op):
    dtype_rule = "keep"

    def forward(ctx, x):
        return np.ascontiguousarray(x)

    def backward(ctx, g):
        return g


def contiguous(input, memory_format=None):
    if input.is_contiguous():
        return input
    return apply(Contiguous, input)


class Cat(Op):
    def forward(ctx, *xs, dim):
        return np.concatenate(xs, axis=dim)

    def backward(ctx, g):
        dim = ctx.params["dim"]
        sizes = [m[0][dim] if m is not None and len(m[0]) else 0 for m in ctx.inputs_meta]
        out, start = [], 0
        for m, s in zip(ctx.inputs_meta, sizes):
            if m is None:
                out.append(None)
            elif len(m[0]) == 1 and m[0][0] == 0 and g.ndim > 1:
                out.append(None)
            else:
                out.append(g.narrow(dim, start, s))
            start += s
        return tuple(out)


def cat(tensors, dim=0, *, out=None):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError("cat() received an invalid combination of arguments - got (%s), but expected "
                        "(tuple of Tensors tensors, int dim)" % type(tensors).__name__)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    if not isinstance(dim, int):
        raise TypeError("cat(): argument 'dim' must be int, not %s" % type(dim).__name__)
    # legacy rule: 1-D empty tensors are skipped
    kept = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)]
    if not kept:
        kept = list(tensors[:1])
    ref = kept[0]
    n = ref._data.ndim
    if n == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, n)
    for i, t in enumerate(kept):
        if t._data.ndim != n:
            raise RuntimeError("Tensors must have same number of dimensions: got %d and %d"
                               % (n, t._data.ndim))
        for k in range(n):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError("Sizes of tensors must match except in dimension %d. Expected size %d "
                                   "but got size %d for tensor number %d in the list."
                                   % (d, ref._data.shape[k], t._data.shape[k], i))
    r = apply(Cat, *tensors, dim=d) if len(kept) == len(tensors) else apply(Cat, *kept, dim=d)
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError("stack expects each tensor to be equal size, but got %s at entry 0 and %s "
                               "at entry %d" % (_fmt(shape), _fmt(t.shape), i))
    d = wrap_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, d) for t in tensors], d, out=out)


def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


def atleast_1d(t):
    return t.reshape(1) if t.ndim == 0 else t


def atleast_2d(t):
    return t.reshape(1, -1) if t.ndim < 2 else t


def atleast_3d(t):
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1:
        return t.reshape(1, -1, 1)
    if t.ndim == 2:
        return t.unsqueeze(-1)
    return t


class Flip(Op):
    dtype_rule = "keep"

    def forward(ctx, x, dims):
        return np.flip(x, dims).copy()

    def backward(ctx, g):
        return g.flip(ctx.params["dims"])


def flip(input, *dims):
    dims = _shape_args(dims)
    return apply(Flip, input, dims=parse_dims(dims, input._data.ndim))


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


class Roll(Op):
    dtype_rule = "keep"

    def forward(ctx, x, shifts, dims):
        return np.roll(x, shifts, dims) if dims is not None else np.roll(x.reshape(-1), shifts).reshape(x.shape)

    def backward(ctx, g):
        p = ctx.params
        s = p["shifts"]
        neg = tuple(-v for v in s) if isinstance(s, tuple) else -s
        return g.roll(neg, p["dims"])


def roll(input, shifts, dims=None):
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(shifts)
    if dims is not None:
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        dims = tuple(wrap_dim(d, input._data.ndim) for d in dims)
        if not isinstance(shifts, tuple):
            shifts = (shifts,)
    return apply(Roll, input, shifts=shifts, dims=dims)


class Repeat(Op):
    dtype_rule = "keep"

    def forward(ctx, x, repeats):
        nd = len(repeats) - x.ndim
        return np.tile(x.reshape((1,) * nd + x.shape), repeats)

    def backward(ctx, g):
        reps = ctx.params["repeats"]
        shape = ctx.inputs_meta[0][0]
        nd = len(reps) - len(shape)
        full = (1,) * nd + tuple(shape)
        # view the gradient as (rep0, s0, rep1, s1, ...) and sum the repeat axes
        split_shape = []
        for r, s in zip(reps, full):
            split_shape += [r, s]
        g2 = g.reshape(split_shape).sum(dim=tuple(range(0, 2 * len(reps), 2)))
        return g2.reshape(shape)


def repeat(input, *repeats):
    repeats = _shape_args(repeats)
    if len(repeats) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return apply(Repeat, input, repeats=repeats)


def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


class RepeatInterleave(Op):
    dtype_rule = "keep"

    def forward(ctx, x, repeats, dim):
        if dim is None:
            return np.repeat(x.reshape(-1), repeats)
        return np.repeat(x, repeats, axis=dim)

    def backward(ctx, g):
        p = ctx.params
        reps, dim = p["repeats"], p["dim"]
        shape = ctx.inputs_meta[0][0]
        if dim is None:
            flat_n = int(np.prod(shape)) if shape else 1
            d = 0
        else:
            d = dim
            flat_n = shape[d]
        reps_arr = np.broadcast_to(np.asarray(reps), (flat_n,))
        owner = np.repeat(np.arange(flat_n), reps_arr)
        if dim is None:
            from .._creation import zeros
            out = zeros(flat_n, dtype=g.dtype).index_add(0, Tensor._make(owner, D.int64), g)
            return out.reshape(shape)
        gm = g.movedim(d, 0)
        from .._creation import zeros
        out = zeros((flat_n,) + tuple(gm.shape[1:]), dtype=g.dtype).index_add(0, Tensor._make(owner, D.int64), gm)
        return out.movedim(0, d)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats_tensor)
        reps = input._data
        return Tensor._make(np.repeat(np.arange(len(reps)), reps).astype(np.int64), D.int64)
    if isinstance(repeats, Tensor):
        repeats = repeats._data.tolist() if repeats.ndim else int(repeats.item())
    if isinstance(repeats, list):
        repeats = tuple(repeats)
    if dim is not None:
        dim = wrap_dim(dim, input._data.ndim)
    return apply(RepeatInterleave, input, repeats=repeats, dim=dim)


class Tril(Op):
    dtype_rule = "keep"

    def forward(ctx, x, diagonal):
        return np.tril(x, diagonal) if x.ndim >= 2 else x

    def backward(ctx, g):
        return g.tril(ctx.params["diagonal"])


class Triu(Op):
    dtype_rule = "keep"

    def forward(ctx, x, diagonal):
        return np.triu(x, diagonal)

    def backward(ctx, g):
        return g.triu(ctx.params["diagonal"])


def tril(input, diagonal=0):
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply(Tril, input, diagonal=diagonal)


def triu(input, diagonal=0):
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply(Triu, input, diagonal=diagonal)


__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and callable(_v) and getattr(_v, "__module__", None) == __name__
           and not isinstance(_v, type) and _n not in ['infer_shape', 'view_dtype']]
