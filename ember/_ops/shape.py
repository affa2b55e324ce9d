"""Shape operations. Views (view, reshape when possible, permute, transpose,
expand, squeeze/unsqueeze, slicing, narrow, select, split, unbind, diagonal,
unfold) return arrays sharing memory with their input; cat, stack, flip,
roll, repeat, tril/triu copy."""
import operator

import numpy as np

from .. import _dtype as D
from .._backends import strided_view, xp as _xp
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
            raise RuntimeError("invalid shape dimension %d at index %d of shape %s" % (s, i, _fmt(shape)))
        else:
            known *= s
    if unknown is not None:
        if known == 0:
            if numel == 0:
                raise RuntimeError("cannot reshape tensor of 0 elements into shape %s because the "
                                   "unspecified dimension size -1 can be any value and is ambiguous"
                                   % _fmt(shape))
            raise RuntimeError("shape '%s' is invalid for input of size %d" % (_fmt(shape), numel))
        if numel % known:
            raise RuntimeError("shape '%s' is invalid for input of size %d" % (_fmt(shape), numel))
        shape[unknown] = numel // known
    elif known != numel:
        raise RuntimeError("shape '%s' is invalid for input of size %d" % (_fmt(shape), numel))
    return tuple(shape)


def _fmt(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _shape_args(args, name="view"):
    """Sizes given as varargs (2, 3) or one sequence ((2, 3) or torch.Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    try:
        return tuple(operator.index(a) for a in args)
    except TypeError:
        raise TypeError("%s(): argument 'size' must be tuple of ints, but found element of type %s"
                        % (name, next(type(a).__name__ for a in args if not _is_index(a)))) from None


def _is_index(a):
    try:
        operator.index(a)
        return True
    except TypeError:
        return False


class View(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, shape):
        try:
            return _reshape_view(x, shape)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None

    def backward(ctx, g):
        return g.reshape(ctx.inputs_meta[0][0])


def _reshape_view(x, shape):
    """x reshaped without a copy; ValueError when its strides do not allow it."""
    if type(x) is np.ndarray or isinstance(x, np.ndarray):   # (inline: a hot path)
        return np.reshape(x, shape, copy=False)
    # CuPy's reshape copies silently when it must (and has no copy=False): check the strides first
    if x.flags.c_contiguous:
        return x.reshape(shape)
    strides = _view_strides(x.shape, x.strides, shape)
    if strides is None:
        raise ValueError("a view is impossible")
    return strided_view(x, shape, strides)


def _view_strides(old, old_strides, new):
    """Strides for viewing an array (shape `old`, strides `old_strides`) as
    shape `new`, or None: each run of dims that is contiguous in memory may
    be split or merged, nothing else."""
    new_strides = [0] * len(new)
    view_d = len(new) - 1
    base = old_strides[-1]
    old_n = view_n = 1
    for d in range(len(old) - 1, -1, -1):
        old_n *= old[d]
        if d == 0 or (old[d - 1] != 1 and old_strides[d - 1] != old_n * base):
            while view_d >= 0 and (view_n < old_n or new[view_d] == 1):
                new_strides[view_d] = view_n * base
                view_n *= new[view_d]
                view_d -= 1
            if view_n != old_n:
                return None
            if d > 0:
                base = old_strides[d - 1]
                old_n = view_n = 1
    return tuple(new_strides) if view_d == -1 else None


class UnsafeView(Op):
    """reshape that had to copy."""
    dtype_rule = "keep"

    def forward(ctx, x, shape):
        return np.reshape(x, shape)  # only used where a view is impossible, so this copies

    def backward(ctx, g):
        return g.reshape(ctx.inputs_meta[0][0])


def _kw_sizes(args, kw, name, keyword):
    """Sizes given positionally or as the keyword PyTorch names `keyword`."""
    if kw is not None:
        if args:
            raise TypeError("%s() got multiple values for argument '%s'" % (name, keyword))
        return (kw,)
    return args


def view(input, *shape, size=None, dtype=None):
    if dtype is not None:
        return view_dtype(input, dtype)
    shape = _kw_sizes(shape, size, "view", "size")
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return view_dtype(input, shape[0])
    shape = infer_shape(_shape_args(shape), input._data.size)
    return apply(View, input, shape=shape)


def view_dtype(input, dtype):
    """The same memory read as another dtype (the last dim scales with the element size)."""
    src = input._dtype
    a = input._data
    if D.bfloat16 in (src, dtype):
        raise RuntimeError("view(dtype) to or from bfloat16 is not supported by this backend "
                           "(bfloat16 is stored as float32)")
    if dtype.itemsize != src.itemsize:
        if a.ndim == 0:
            raise RuntimeError("self.dim() cannot be 0 to view %s as %s (different element sizes)"
                               % (D.TITLE[src.name], D.TITLE[dtype.name]))
        if a.shape[-1] != 1 and a.strides[-1] != a.itemsize:
            raise RuntimeError("self.stride(-1) must be 1 to view %s as %s (different element sizes), "
                               "but got %d" % (D.TITLE[src.name], D.TITLE[dtype.name],
                                               a.strides[-1] // a.itemsize))
        ratio = dtype.itemsize // src.itemsize if dtype.itemsize > src.itemsize else 0
        if ratio and a.shape[-1] % ratio:
            raise RuntimeError("self.size(-1) must be divisible by %d to view %s as %s (different "
                               "element sizes), but got %d" % (ratio, D.TITLE[src.name],
                                                               D.TITLE[dtype.name], a.shape[-1]))
    # like PyTorch: an alias sharing memory and version counter, outside autograd
    t = Tensor._make(a.view(dtype.np) if dtype is not src else a.view(), dtype)
    t._version_counter = input._version_counter
    return t


def reshape(input, *shape, **kw):
    shape = _kw_sizes(shape, kw.pop("shape", None), "reshape", "shape")
    if kw:
        raise TypeError("reshape() got an unexpected keyword argument '%s'" % next(iter(kw)))
    shape = infer_shape(_shape_args(shape), input._data.size)
    a = input._data
    if a.shape == shape and input._requires_grad is False:
        return apply(View, input, shape=shape)
    try:
        _reshape_view(a, shape)
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
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 in sizes:
        try:
            sizes = infer_shape(sizes, shape[d])
        except RuntimeError as e:
            raise RuntimeError("unflatten: Provided sizes %s don't multiply up to the size of dim %d "
                               "(%d) in the input tensor" % (_fmt(sizes), dim, shape[d])
                               if "invalid for input" in str(e) else str(e)) from None
    elif int(np.prod(sizes)) != shape[d]:
        raise RuntimeError("unflatten: Provided sizes %s don't multiply up to the size of dim %d (%d) "
                           "in the input tensor" % (_fmt(sizes), dim, shape[d]))
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
        return g.permute(tuple(int(i) for i in inv))


class Transpose(Permute):
    pass


class T(Permute):
    grad_name = "TBackward0"


def permute(input, *dims, **kw):
    dims = _kw_sizes(dims, kw.pop("dims", None), "permute", "dims")
    if kw:
        raise TypeError("permute() got an unexpected keyword argument '%s'" % next(iter(kw)))
    if not dims:
        raise TypeError("permute() missing 1 required positional arguments: \"dims\"")
    dims = _shape_args(dims, "permute")
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
    if n == 0:
        return apply(View, input, shape=())
    dims = list(range(n))
    dims[a], dims[b] = dims[b], dims[a]
    return apply(Transpose, input, dims=tuple(dims))


def swapaxes(input, axis0, axis1):
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    return transpose(input, dim0, dim1)


def t(input):
    n = input._data.ndim
    if n > 2:
        raise RuntimeError("t() expects a tensor with <= 2 dimensions, but self is %dD" % n)
    return apply(T, input, dims=(1, 0)) if n == 2 else input


def adjoint(input):
    return transpose(input, -2, -1)


def movedim(input, source, destination):
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError("movedim: Invalid source or destination dims: source (%s dims) should "
                           "contain the same number of dims as destination (%s dims)"
                           % (_fmt(src), _fmt(dst)))
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(d, n) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError("movedim: repeated dim in `source` (%s)" % _fmt(src))
    if len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `destination` (%s)" % _fmt(dst))
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


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
    return strided_view(x, shape, strides)


def expand(input, *sizes, size=None, implicit=False):
    sizes = _kw_sizes(sizes, size, "expand", "size")
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


class BroadcastTensors(Op):
    """All inputs expanded to their common shape: one node, so that every
    output requires grad when any input does (as in PyTorch)."""
    dtype_rule = "keep"

    def forward(ctx, *xs, shape):
        return tuple(_broadcast_view(x, shape) for x in xs)

    def backward(ctx, *grads):
        return grads  # the engine sums each back to its input's shape


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = tuple(broadcast_shapes(*[t.shape for t in tensors]))
    if len(tensors) < 2 or any(t._dtype is not tensors[0]._dtype for t in tensors):
        return tuple(expand(t, shape) for t in tensors)
    outs = apply(BroadcastTensors, *tensors, shape=shape)
    for t, o in zip(tensors, outs):  # each output is a view of its input
        o._base = t if t._base is None else t._base
        o._version_counter = t._version_counter
    return outs


class Squeeze(View):
    grad_name = "SqueezeBackward0"


class SqueezeDim(View):
    grad_name = "SqueezeBackward1"


class SqueezeDims(View):
    grad_name = "SqueezeBackward2"


class Unsqueeze(View):
    grad_name = "UnsqueezeBackward0"


_SQUEEZE = (Squeeze, SqueezeDim, SqueezeDims)


def squeeze(input, dim=None):
    shape = tuple(input.shape)
    n = len(shape)
    if dim is None:
        kind = 0
        new = tuple(s for s in shape if s != 1)
    else:
        kind = 1 if isinstance(dim, (int, np.integer)) else 2
        dims = parse_dims(dim, n) if n else tuple(wrap_dim(d, 0) for d in
                                                  ((dim,) if kind == 1 else dim))
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return apply(_SQUEEZE[kind], input, shape=new)


def unsqueeze(input, dim):
    n = input._data.ndim
    d = wrap_dim(dim, n + 1)
    shape = tuple(input.shape)
    return apply(Unsqueeze, input, shape=shape[:d] + (1,) + shape[d:])


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
        out = _xp(g).zeros(shape, g.dtype)
        out[key] = g
        return out

    def backward(ctx, gg):
        return apply(Index, gg, key=ctx.params["key"])


class Slice(Index):
    grad_name = "SliceBackward0"


class Select(Index):
    grad_name = "SelectBackward0"


class Split(Index):
    grad_name = "SplitBackward0"


class SplitWithSizes(Index):
    grad_name = "SplitWithSizesBackward0"


class Unbind(Index):
    grad_name = "UnbindBackward0"


def narrow(input, dim, start, length):
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError("start out of range (expected to be in range of [%d, %d], but got %d)"
                         % (-size, size, start))
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError("start (%d) + length (%d) exceeds dimension size (%d)." % (start, length, size))
    key = (slice(None),) * d + (slice(start, start + length),)
    return apply(Slice, input, key=key)


def select(input, dim, index):
    n = input._data.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    try:
        index = operator.index(index)
    except TypeError:
        raise TypeError("select(): argument 'index' (position 2) must be int, not %s"
                        % type(index).__name__) from None
    if not -size <= index < size:
        raise IndexError("select(): index %d out of range for tensor of size %s at dimension %d"
                         % (index, list(input.shape), d))
    key = (slice(None),) * d + (index,)
    return apply(Select, input, key=key)


def _pieces(tensor, d, sizes, op=Split):
    out, start = [], 0
    key0 = (slice(None),) * d
    for s in sizes:
        out.append(apply(op, tensor, key=key0 + (slice(start, start + s),)))
        start += s
    return tuple(out)


def split(tensor, split_size_or_sections=None, dim=0, *, split_size=None):
    if split_size is not None:
        split_size_or_sections = split_size
    n = tensor._data.ndim
    if n == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, n)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, Tensor) and split_size_or_sections.ndim == 0:
        split_size_or_sections = int(split_size_or_sections.item())
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError("split expects split_size be non-negative, but got split_size=%d" % step)
        if step == 0 and size:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension size "
                               "of %d" % size)
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
        return _pieces(tensor, d, sizes)
    else:
        if not isinstance(split_size_or_sections, (list, tuple, Tensor)):
            raise TypeError("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of "
                            "ints, not %s" % type(split_size_or_sections).__name__)
        sizes = [operator.index(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != size:
            raise RuntimeError("split_with_sizes expects split_sizes to sum exactly to %d (input tensor's "
                               "size at dimension %d), but got split_sizes=%s" % (size, d, _fmt(sizes)))
    return _pieces(tensor, d, sizes, SplitWithSizes)


def split_with_sizes(tensor, split_sizes, dim=0):
    return split(tensor, list(split_sizes), dim)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: %d" % chunks)
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    if size == 0:  # PyTorch keeps the number of (empty) chunks here
        return _pieces(input, d, [0] * chunks, SplitWithSizes)
    return split(input, -(-size // chunks), d)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    for v in (sections, indices, tensor_indices_or_sections):
        if v is not None:
            indices_or_sections = v
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                           "with 0 dims")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._dtype.category != D.INT:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, "
                               "but got %s" % ios._dtype)
        if ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional "
                               "or one-dimensional tensor, but got a tensor with %d dims" % ios.ndim)
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, (int, np.integer)) and not isinstance(ios, bool):
        sections = int(ios)
        if sections <= 0:
            raise RuntimeError("number of sections must be larger than 0, got %d" % sections)
        q, r = divmod(size, sections)
        sizes = [q + 1] * r + [q] * (sections - r)
        return _pieces(input, d, sizes, Slice)
    if not isinstance(ios, (list, tuple)):
        raise TypeError("tensor_split() received an invalid combination of arguments - got (%s)"
                        % type(ios).__name__)
    idx = [operator.index(i) for i in ios]
    edges = [0] + idx + [size]
    out = []
    key0 = (slice(None),) * d
    for a, b in zip(edges[:-1], edges[1:]):
        a = min(max(a + size if a < 0 else a, 0), size)
        b = min(max(b + size if b < 0 else b, 0), size)
        out.append(apply(Slice, input, key=key0 + (slice(a, max(a, b)),)))
    return tuple(out)


def _pick(*values):
    return next((v for v in values if v is not None), None)


def _split_dims(input, indices_or_sections, dim, name, min_dims):
    if input.ndim < min_dims:
        raise RuntimeError("torch.%s requires a tensor with at least %d dimension, but got a tensor "
                           "with %d dimensions!" % (name, min_dims, input.ndim))
    if isinstance(indices_or_sections, (int, np.integer)):
        size = input.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError("torch.%s attempted to split along dimension %d, but the size of the "
                               "dimension %d is not divisible by the split_size %d!"
                               % (name, dim, size, indices_or_sections))
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections=None, *, sections=None, indices=None):
    indices_or_sections = _pick(indices_or_sections, sections, indices)
    return _split_dims(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit", 1)


def vsplit(input, indices_or_sections=None, *, sections=None, indices=None):
    indices_or_sections = _pick(indices_or_sections, sections, indices)
    return _split_dims(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections=None, *, sections=None, indices=None):
    indices_or_sections = _pick(indices_or_sections, sections, indices)
    return _split_dims(input, indices_or_sections, 2, "dsplit", 3)


def unbind(input, dim=0):
    n = input._data.ndim
    if n == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, n)
    key0 = (slice(None),) * d
    return tuple(apply(Unbind, input, key=key0 + (i,)) for i in range(input._data.shape[d]))


def _diagonal_view(x, offset, dim1, dim2):
    """A writable view of the diagonal of x (np.diagonal's is read-only)."""
    n1, n2 = x.shape[dim1], x.shape[dim2]
    length = max(0, min(n1, n2 - offset)) if offset >= 0 else max(0, min(n1 + offset, n2))
    rest = [i for i in range(x.ndim) if i not in (dim1, dim2)]
    shape = tuple(x.shape[i] for i in rest) + (length,)
    strides = tuple(x.strides[i] for i in rest) + (x.strides[dim1] + x.strides[dim2],)
    if length and x.size:
        key = [slice(None)] * x.ndim
        key[dim2 if offset >= 0 else dim1] = slice(builtins_abs(offset), None)
        x = x[tuple(key)]  # starts at the first diagonal element
    return strided_view(x, shape, strides)


builtins_abs = abs


class Diagonal(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, offset, dim1, dim2):
        return _diagonal_view(x, offset, dim1, dim2)

    def backward(ctx, g):
        p = ctx.params
        return apply(DiagonalBackward, g, shape=ctx.inputs_meta[0][0], **p)


class DiagonalBackward(Op):
    dtype_rule = "keep"

    def forward(ctx, g, shape, offset, dim1, dim2):
        out = _xp(g).zeros(shape, g.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = g
        return out

    def backward(ctx, gg):
        p = ctx.params
        return apply(Diagonal, gg, offset=p["offset"], dim1=p["dim1"], dim2=p["dim2"])


def diagonal(input, offset=0, dim1=0, dim2=1):
    n = input._data.ndim
    a, b = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if a == b:
        raise RuntimeError("diagonal dimensions cannot be identical %d, %d" % (dim1, dim2))
    return apply(Diagonal, input, offset=offset, dim1=a, dim2=b)


class Unfold(Op):
    dtype_rule = "keep"
    view = True

    def forward(ctx, x, dim, size, step):
        n = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        return strided_view(x, shape, strides)

    def backward(ctx, g):
        p = ctx.params
        return apply(UnfoldBackward, g, shape=ctx.inputs_meta[0][0], **p)


class UnfoldBackward(Op):
    dtype_rule = "keep"

    def forward(ctx, g, shape, dim, size, step):
        out = _xp(g).zeros(shape, g.dtype)
        n = g.shape[dim]
        for i in range(size):  # windows overlap: add one window offset at a time
            idx = (slice(None),) * dim + (slice(i, i + step * (n - 1) + 1, step),)
            out[idx] += g[..., i]
        return out

    def backward(ctx, gg):
        p = ctx.params
        return apply(Unfold, gg, dim=p["dim"], size=p["size"], step=p["step"])


def unfold(input, dimension, size, step):
    n = input._data.ndim
    d = wrap_dim(dimension, n)
    dim_size = input._data.shape[d] if n else 1
    if size < 0:
        raise RuntimeError("size is %d but must be >= 0" % size)
    if dim_size < size:
        raise RuntimeError("maximum size for tensor at dimension %d is %d but size is %d"
                           % (d, dim_size, size))
    if step <= 0:
        raise RuntimeError("step is %d but must be > 0" % step)
    if n == 0:  # a 0-dim tensor unfolds as one window of its single element
        return apply(Index, apply(View, input, shape=(1,)), key=(slice(0, size),))
    return apply(Unfold, input, dim=d, size=size, step=step)


# ------------------------------------------------------------------ copies

class Contiguous(Op):
    dtype_rule = "keep"
    grad_name = "CloneBackward0"

    def forward(ctx, x):
        return _xp(x).ascontiguousarray(x)

    def backward(ctx, g):
        return g


def contiguous(input, memory_format=None):
    if input.is_contiguous():
        return input
    return apply(Contiguous, input)


class Cat(Op):
    """Concatenation; `sizes` are the inputs' extents along dim (0 for the
    1-D empty tensors that the legacy rule skips)."""

    def forward(ctx, *xs, dim, sizes):
        kept = [x for x, n in zip(xs, sizes) if n is not None]
        r = np.concatenate(kept, axis=dim)
        return r if r.flags.c_contiguous else _xp(r).ascontiguousarray(r)

    def backward(ctx, g):
        p = ctx.params
        dim = p["dim"]
        out, start = [], 0
        for i, n in enumerate(p["sizes"]):
            if ctx.next_functions[i][0] is None:
                out.append(None)
            elif n is None:  # a skipped empty tensor: its gradient is empty too
                out.append(g.new_zeros((0,)))
            else:
                out.append(g.narrow(dim, start, n))
            start += n or 0
        return tuple(out)


def cat(tensors, dim=0, *, out=None):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not %s"
                        % type(tensors).__name__)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError("cat(): argument 'dim' (position 2) must be int, not %s" % type(dim).__name__)
    # legacy rule: 1-D empty tensors are skipped (unless all are)
    ref = None
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError("expected Tensor as element %d in argument 0, but got %s"
                            % (i, type(t).__name__))
        if ref is None and t._data.shape != (0,):
            ref = t
    if ref is None:
        ref = tensors[0]
    a0 = ref._data
    n = a0.ndim
    if n == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, n)
    shape0 = a0.shape
    sizes = []
    for i, t in enumerate(tensors):
        a = t._data
        if a.shape == (0,) and t is not ref:
            sizes.append(None)
            continue
        if a.ndim != n:
            if a.ndim == 0:
                raise RuntimeError("zero-dimensional tensor (at position %d) cannot be concatenated" % i)
            raise RuntimeError("Tensors must have same number of dimensions: got %d and %d" % (n, a.ndim))
        if a.shape[:d] != shape0[:d] or a.shape[d + 1:] != shape0[d + 1:]:
            k = next(k for k in range(n) if k != d and a.shape[k] != shape0[k])
            raise RuntimeError("Sizes of tensors must match except in dimension %d. Expected size %d "
                               "but got size %d for tensor number %d in the list."
                               % (d, shape0[k], a.shape[k], i))
        sizes.append(a.shape[d])
    r = apply(Cat, *tensors, dim=d, sizes=tuple(sizes))
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
    r = apply(Stack, *tensors, dim=d)
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


class Stack(Op):
    def forward(ctx, *xs, dim):
        return np.stack(xs, axis=dim)

    def backward(ctx, g):
        d = ctx.params["dim"]
        return tuple(select(g, d, i) if nf[0] is not None else None
                     for i, nf in enumerate(ctx.next_functions))


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


def _atleast(fn, tensors):
    if len(tensors) == 1:
        t = tensors[0]
        if isinstance(t, (list, tuple)):
            return tuple(fn(x) for x in t)
        return fn(t)
    return tuple(fn(x) for x in tensors)


def _at1(t):
    return reshape(t, (1,)) if t.ndim == 0 else t


def _at2(t):
    return reshape(t, (1, -1)) if t.ndim < 2 else t


def _at3(t):
    if t.ndim == 0:
        return reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return reshape(t, (1, -1, 1))
    if t.ndim == 2:
        return unsqueeze(t, -1)
    return t


def atleast_1d(*tensors):
    return _atleast(_at1, tensors)


def atleast_2d(*tensors):
    return _atleast(_at2, tensors)


def atleast_3d(*tensors):
    return _atleast(_at3, tensors)


class Flip(Op):
    dtype_rule = "keep"

    def forward(ctx, x, dims):
        return np.flip(x, dims).copy() if x.ndim else x.copy()

    def backward(ctx, g):
        return g.flip(ctx.params["dims"])


def flip(input, *dims, **kw):
    dims = _shape_args(_kw_sizes(dims, kw.pop("dims", None), "flip", "dims"), "flip")
    if kw:
        raise TypeError("flip() got an unexpected keyword argument '%s'" % next(iter(kw)))
    n = input._data.ndim
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("dims has duplicates, original flip dims size=%d, but unique flip dims "
                           "size=%d" % (len(dims), len(set(dims))))
    return apply(Flip, input, dims=dims if n else ())


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class Roll(Op):
    dtype_rule = "keep"

    def forward(ctx, x, shifts, dims):
        if dims is None:
            return np.roll(x.reshape(-1), shifts).reshape(x.shape)
        return np.roll(x, shifts, dims)

    def backward(ctx, g):
        p = ctx.params
        s = p["shifts"]
        neg = tuple(-v for v in s) if isinstance(s, tuple) else -s
        return g.roll(neg, p["dims"])


def roll(input, shifts, dims=None):
    shifts = tuple(int(v) for v in shifts) if isinstance(shifts, (list, tuple)) else int(shifts)
    if isinstance(shifts, tuple) and not shifts:
        raise RuntimeError("`shifts` required")
    n = input._data.ndim
    if dims is not None:
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        if not isinstance(shifts, tuple):
            shifts = (shifts,)
        if len(shifts) != len(dims):
            raise RuntimeError("shifts and dimensions must align. shifts: %d, dims:%d"
                               % (len(shifts), len(dims)))
        if n == 0:
            raise IndexError("Dimension specified as %d but tensor has no dimensions" % dims[0])
        dims = tuple(wrap_dim(d, n) for d in dims)
    elif isinstance(shifts, tuple):
        if len(shifts) != 1:
            raise RuntimeError("shifts and dimensions must align. shifts: %d, dims:0" % len(shifts))
        shifts = shifts[0]
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


def repeat(input, *repeats, **kw):
    repeats = _kw_sizes(repeats, kw.pop("repeats", None), "repeat", "repeats")
    if kw:
        raise TypeError("repeat() got an unexpected keyword argument '%s'" % next(iter(kw)))
    if not repeats:
        raise TypeError("repeat() missing 1 required positional arguments: \"repeats\"")
    repeats = _shape_args(repeats, "repeat")
    if len(repeats) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    if any(r < 0 for r in repeats):
        nd = len(repeats) - input._data.ndim
        target = [r * s for r, s in zip(repeats, (1,) * nd + tuple(input.shape))]
        bad = next(t for t, r in zip(target, repeats) if r < 0)
        raise RuntimeError("Trying to create tensor with negative dimension %d: %s" % (bad, _fmt(target)))
    return apply(Repeat, input, repeats=repeats)


def tile(input, dims):
    dims = _shape_args((dims,) if isinstance(dims, int) else dims, "tile")
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims) if dims else apply(View, input, shape=tuple(input.shape))


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
        gm = g.movedim(d, 0) if dim is not None else g
        rest = tuple(gm.shape[1:])
        if not isinstance(reps, tuple):  # equal repeats: sum groups of `reps` neighbours
            out = gm.reshape((flat_n, reps) + rest).sum(1)
        else:
            # the input row each output row came from, built on the gradient's device
            owner = _xp(g._data).repeat(_xp(g._data).arange(flat_n, dtype=np.int64), list(reps))
            from .._creation import zeros
            out = zeros((flat_n,) + rest, dtype=g.dtype, device=g.device).index_add(
                0, Tensor._make(owner, D.int64), gm)
        return out.reshape(shape) if dim is None else out.movedim(0, d)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats_tensor)
        reps = input
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if reps._dtype not in (D.int64, D.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        r = reps._data.reshape(-1)
        if (r < 0).any():
            raise RuntimeError("repeats can not be negative")
        xp = _xp(r)
        # the counts decide the output's length, so they are read on the host (CuPy's repeat needs that too)
        counts = r.tolist()
        return Tensor._make(xp.repeat(xp.arange(len(counts), dtype=np.int64), counts), D.int64)
    n = input._data.ndim
    if dim is not None:
        dim = wrap_dim(dim, n)
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        repeats = repeats._data.tolist() if repeats.ndim else int(repeats.item())
    if isinstance(repeats, (list, tuple)):
        repeats = tuple(int(r) for r in repeats)
        size = input._data.size if dim is None else (input._data.shape[dim] if n else 1)
        if len(repeats) == 1:
            repeats = repeats[0]
        elif len(repeats) != size:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               "repeats.size(0) = %d and input.size(0) = %d" % (len(repeats), size))
        elif any(r < 0 for r in repeats):
            raise RuntimeError("repeats can not be negative")
    if isinstance(repeats, int) and repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if n == 0 and dim is not None:  # PyTorch's own (odd) error for this case
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
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


# Tensor methods this family adds beyond _tensor_methods' list (bound by ember/__init__)
TENSOR_METHODS = {"dsplit": dsplit}

__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and callable(_v) and getattr(_v, "__module__", None) == __name__
           and not isinstance(_v, type) and _n not in ['infer_shape', 'view_dtype']]
