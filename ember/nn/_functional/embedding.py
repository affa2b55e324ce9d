"""nn.functional embedding and embedding_bag.

The lookup is a row gather (np.take); its gradient is a row scatter-add
done without a Python loop over elements (see scatter_rows). Gather and
scatter are each other's gradient, so double backward works.
"""
import numpy as np

from ... import _dtype as D
from ..._backends import ufunc_at, is_host, xp as _xp
from ..._dispatch import Op, apply
from ..._tensor import Tensor

__all__ = ["embedding", "embedding_bag"]


def _title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _own_dtype(d, inputs, params):
    # compute in the weight's own dtype: no float16 -> float32 copy of a whole table
    return d, d


# ------------------------------------------------------------------ scatter-add of rows
def scatter_rows(idx, src, num):
    """out (num, *row) with out[i] = sum of src[j] over idx[j] == i.

    The indices are sorted once. Distinct indices are written in one
    assignment; a handful of distinct indices are summed by a one-hot matrix
    product; otherwise repeats are added one "occurrence level" at a time
    (the r-th repeat of every index: distinct rows, so a plain fancy-index
    add), and the sparse tail of deep levels goes to np.add.at on flat
    element indices.

    On a GPU it is one atomic scatter-add: the level loop reads counts
    back to the host, which would wait for the device at every level."""
    out = np.zeros_like(src, shape=(num,) + src.shape[1:])
    n = idx.shape[0]
    if n == 0:
        return out
    if not is_host(src):
        ufunc_at(np.add, out, idx, src)
        return out
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    first = np.empty_like(s, dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    u = starts.shape[0]
    if u == n:                      # every index distinct
        out[s] = src[order]
        return out
    group = np.cumsum(first) - 1
    if u <= 64:                     # few distinct rows: one matrix product
        onehot = np.zeros_like(src, shape=(u, n))
        onehot[group, order] = 1
        out[s[starts]] = (onehot @ src.reshape(n, -1)).reshape((u,) + src.shape[1:])
        return out
    rank = np.arange(n, like=s) - starts[group]
    counts = np.bincount(rank)      # rows in each occurrence level
    by_level = np.argsort(rank, kind="stable")
    bounds = np.concatenate((np.zeros(1, counts.dtype), np.cumsum(counts)))
    rows, pos = s[by_level], order[by_level]
    out[rows[:bounds[1]]] = src[pos[:bounds[1]]]
    r, levels = 1, counts.shape[0]
    while r < levels and counts[r] >= 32:
        a, b = bounds[r], bounds[r + 1]
        out[rows[a:b]] += src[pos[a:b]]
        r += 1
    if r < levels:
        a = bounds[r]
        d = 1
        for k in src.shape[1:]:
            d *= k
        flat = (rows[a:, None] * d + np.arange(d, like=s)).reshape(-1)
        ufunc_at(np.add, out.reshape(-1), flat, src[pos[a:]].reshape(-1))
    return out


class _Gather(Op):
    """out = src[idx] * scale[:, None] (scale per position, None: 1); its
    gradient scatters with `bscale`."""
    grad_name = "IndexSelectBackward0"
    dtype_rule = _own_dtype

    def forward(ctx, src, idx, num, scale=None, bscale=None):
        out = np.take(src, idx, axis=0)
        if scale is not None:
            out *= scale.reshape((-1,) + (1,) * (out.ndim - 1)).astype(out.dtype, copy=False)
        return out

    def backward(ctx, g):
        p = ctx.params
        return apply(_Scatter, g, idx=p["idx"], num=p["num"], scale=p.get("bscale"))


class _Scatter(Op):
    """out[i] = sum over idx[j] == i of g[j] * scale[j]; its gradient gathers
    with `bscale` (PyTorch's embedding double backward masks the padding
    row but does not scale by frequency again)."""
    grad_name = "IndexAddBackward0"
    dtype_rule = _own_dtype

    def forward(ctx, g, idx, num, scale=None, bscale=None):
        if scale is not None:
            g = g * scale.reshape((-1,) + (1,) * (g.ndim - 1)).astype(g.dtype, copy=False)
        return scatter_rows(idx, g, num)

    def backward(ctx, gg):
        p = ctx.params
        return apply(_Gather, gg, idx=p["idx"], num=p["num"], scale=p.get("bscale"),
                     bscale=p.get("bscale"))


class _EmbeddingDenseBackward(_Scatter):
    grad_name = "EmbeddingDenseBackwardBackward0"


class _BagSum(_Scatter):
    grad_name = "EmbeddingBagBackward0"


class _Embedding(Op):
    """weight[indices] (any index shape); the gradient skips padding_idx and
    divides by the frequency of each index when asked."""
    grad_name = "EmbeddingBackward0"
    dtype_rule = _own_dtype
    promote = (0,)

    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq, sparse):
        flat = indices.reshape(-1)
        if flat.dtype != np.int64:
            flat = flat.astype(np.int64)
        ctx.flat = flat
        return np.take(weight, flat, axis=0).reshape(indices.shape + weight.shape[1:])

    def backward(ctx, g):
        p = ctx.params
        flat = ctx.flat
        num = ctx.inputs_meta[0][0][0]
        if p["sparse"] and p["scale_grad_by_freq"]:
            raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse "
                               "gradients")
        mask = scale = None
        if p["padding_idx"] >= 0:
            keep = flat != p["padding_idx"]
            if not (is_host(keep) and keep.all()):   # a device mask is not read back
                mask = scale = keep.astype(np.float64)
        if p["scale_grad_by_freq"]:
            counts = np.bincount(flat, minlength=num)
            scale = 1.0 / counts[flat] if mask is None else mask / counts[flat]
        g2 = g.reshape((flat.shape[0],) + tuple(ctx.inputs_meta[0][0][1:]))
        return apply(_EmbeddingDenseBackward, g2, idx=flat, num=num, scale=scale,
                     bscale=mask), None


def _check_indices(indices, fn):
    if not isinstance(indices, Tensor):
        raise TypeError("%s(): argument 'indices' must be Tensor, not %s"
                        % (fn, type(indices).__name__))
    if indices._dtype is not D.int64 and indices._dtype is not D.int32:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            "Long, Int; but got torch.%sTensor instead (while checking arguments for %s)"
            % (_title(indices._dtype), fn))


def _check_range(a, num, exc, msg):
    if a.size and (int(a.min()) < 0 or int(a.max()) >= num):
        raise exc(msg)


def _renorm_(weight, flat, max_norm, norm_type):
    """Rescale (in place) the rows of weight referenced by flat whose
    norm_type-norm exceeds max_norm, to norm max_norm (PyTorch's
    embedding_renorm_: scale = max_norm / (norm + 1e-7))."""
    if weight._dtype.category < D.FLOAT:
        raise RuntimeError("norm(): input dtype should be either floating point or complex. Got "
                           "%s instead." % _title(weight._dtype))
    rows = np.unique(flat)
    if rows.size == 0:
        return
    w = weight._data
    sel = w[rows].astype(np.float64 if w.dtype == np.float64 else np.float32)
    a = np.abs(sel)
    p = float(norm_type)
    if p == 2:
        norms = np.sqrt((a * a).sum(axis=1))
    elif p == 1:
        norms = a.sum(axis=1)
    elif p == float("inf"):
        norms = a.max(axis=1)
    elif p == 0:
        norms = (a != 0).sum(axis=1).astype(sel.dtype)
    else:
        norms = (a ** p).sum(axis=1) ** (1.0 / p)
    big = norms > max_norm
    if not big.any():
        return
    rows, sel, norms = rows[big], sel[big], norms[big]
    # the scale is a double, applied to the row in the row's precision
    scale = (max_norm / (norms.astype(np.float64) + 1e-7)).astype(sel.dtype)
    new = (sel * scale[:, None]).astype(w.dtype)
    if weight._dtype is D.bfloat16:
        new = D.round_bfloat16(new)
    w[rows] = new
    weight._version_counter.value += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    num = weight.shape[0] if weight.dim() > 0 else 0
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    else:
        padding_idx = -1
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_indices(input, "embedding")
    a = input._data
    _check_range(a, num, IndexError, "index out of range in self")
    if max_norm is not None:
        _renorm_(weight, a.reshape(-1).astype(np.int64, copy=False), max_norm, norm_type)
    return apply(_Embedding, weight, input, padding_idx=int(padding_idx),
                 scale_grad_by_freq=bool(scale_grad_by_freq), sparse=bool(sparse))


# ------------------------------------------------------------------ embedding bag
def _segment_reduce(ufunc, rows, starts, seg):
    """ufunc (maximum or minimum) over each run of rows beginning at `starts`
    (`seg`: each row's run number). NumPy reduces runs in place (reduceat);
    CuPy has no reduceat for these ufuncs, but scatters with ufunc.at."""
    if _xp(rows) is np:
        return ufunc.reduceat(rows, starts, axis=0)
    xp = _xp(rows)
    if rows.dtype.kind == "f":
        fill = -np.inf if ufunc is np.maximum else np.inf
    else:
        info = np.iinfo(rows.dtype)
        fill = info.min if ufunc is np.maximum else info.max
    out = xp.full((starts.shape[0],) + rows.shape[1:], fill, rows.dtype)
    ufunc_at(ufunc, out, seg, rows)
    return out


class _BagMax(Op):
    """Per bag and column, the maximum over the bag's rows (0 for an empty
    bag); the gradient goes to the first row holding the maximum."""
    grad_name = "EmbeddingBagBackward0"
    dtype_rule = "keep"

    def forward(ctx, rows, bag, num_bags):
        n, dim = rows.shape
        out = np.zeros_like(rows, shape=(num_bags, dim))
        ctx.pos = None
        if n == 0:
            return out
        xp = _xp(rows)
        first = xp.empty(n, dtype=bool)
        first[0] = True
        np.not_equal(bag[1:], bag[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        present = bag[starts]
        seg = np.cumsum(first) - 1
        mx = _segment_reduce(np.maximum, rows, starts, seg)
        out[present] = mx
        # first position (within the bag) holding the maximum
        hit = rows == mx[seg]
        cand = xp.where(hit, xp.arange(n)[:, None], n)
        pos = _segment_reduce(np.minimum, cand, starts, seg)
        ctx.pos, ctx.present = pos, present
        return out

    def backward(ctx, g):
        if ctx.pos is None:
            return None
        n = ctx.inputs_meta[0][0][0]
        return apply(_BagMaxBackward, g, pos=ctx.pos, present=ctx.present, n=n)


class _BagMaxBackward(Op):
    grad_name = "EmbeddingBagBackwardBackward0"
    dtype_rule = "keep"

    def forward(ctx, g, pos, present, n):
        out = np.zeros_like(g, shape=(n, g.shape[1]))
        cols = _xp(g).broadcast_to(_xp(g).arange(g.shape[1]), pos.shape)
        out[pos, cols] = g[present]
        return out


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    if weight._dtype is D.int64 and input._dtype.category == D.FLOAT:
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError("embedding_bag: If per_sample_weights (%s) is not None, then it must "
                         "have the same shape as the input (%s)"
                         % (per_sample_weights.shape, input.shape))
    if weight.dim() != 2:
        raise ValueError("weight has to be a 2D Tensor, but got Tensor of dimension %d"
                         % weight.dim())
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is "
                             "a mini-batch of fixed length sequences. However, found offsets of "
                             "type %s" % ("<class 'torch.Tensor'>" if isinstance(offsets, Tensor)
                                        else str(type(offsets))))
        b, length = input.shape
        if length == 0:
            raise RuntimeError("step must be nonzero")
        offs = _xp(input._data).arange(0, b * length, length, dtype=np.int64)
        regular = (b, length)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = None
        regular = None
    else:
        raise ValueError("input has to be 1D or 2D Tensor, but got Tensor of dimension %d"
                         % input.dim())
    if mode == "sum":
        pass
    elif mode == "mean":
        pass
    elif mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    else:
        raise ValueError("mode has to be one of sum, mean or max")
    _check_indices(input, "embedding_bag")
    idx = input._data.reshape(-1).astype(np.int64, copy=False)
    num = weight.shape[0]
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported "
            "for mode='sum' (got mode='%s'). Please open a feature request on GitHub." % mode)
    if offs is None:
        if offsets._dtype is not D.int64 and offsets._dtype is not D.int32:
            raise RuntimeError(
                "Expected tensor for argument #1 'offsets' to have one of the following scalar "
                "types: Long, Int; but got torch.%sTensor instead (while checking arguments for "
                "embedding_bag)" % _title(offsets._dtype))
        offs = offsets._data.astype(np.int64, copy=False)
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError("padding_idx must be within the number of embeddings, %d through "
                               "%d, but got %d" % (-num, num - 1, padding_idx))
        if padding_idx < 0:
            padding_idx += num
    n = idx.shape[0]
    if offs.shape[0] and int(offs[0]) != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           "has to start from position 0. However, got %d\n[ torch.%sTensor{} ]"
                           % (int(offs[0]), "Long" if offsets is None or offsets._dtype is D.int64
                              else "Int"))
    if offs.shape[0] and int(offs[-1]) > n:
        raise RuntimeError("offsets[-1] can not be greater than input's length %d but got "
                           "offsets[-1] of %d" % (n, int(offs[-1])))
    if offs.shape[0] > 1 and bool((np.diff(offs) < 0).any()):
        raise RuntimeError("Expected i < index_size to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to "
                           "PyTorch.)")
    _check_range(idx, num, RuntimeError, "Expected i < index_size to be true, but got false.  "
                 "(Could this error message be improved?  If so, please report an enhancement "
                 "request to PyTorch.)")
    num_bags = offs.shape[0] - 1 if include_last_offset else offs.shape[0]
    num_bags = max(num_bags, 0)
    # bag of every position; positions past the last (include_last_offset) belong to no bag
    xp = _xp(idx)
    bag = xp.searchsorted(offs[:num_bags], xp.arange(n), side="right") - 1 if num_bags else \
        xp.full(n, -1, np.int64)
    valid = bag >= 0
    if include_last_offset and num_bags:
        valid &= xp.arange(n) < offs[-1]   # past the last offset: in no bag
    if padding_idx is not None:
        valid &= idx != padding_idx
    keep = np.flatnonzero(valid) if not valid.all() else None
    pos_idx = idx if keep is None else idx[keep]
    bag_k = bag if keep is None else bag[keep]
    bscale = None
    if scale_grad_by_freq:
        counts = np.bincount(idx, minlength=num)
        bscale = 1.0 / counts[pos_idx]
    rows = apply(_Gather, weight, idx=pos_idx, num=num, scale=None, bscale=bscale)
    if regular is not None and keep is None and mode != "max":
        # 2-D input, nothing dropped: bags are equal runs of rows
        b, length = regular
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.unsqueeze(1)
        out = rows.reshape(b, length, -1).sum(1)
        return out / length if mode == "mean" else out
    if mode == "max":
        return apply(_BagMax, rows, bag=bag_k, num_bags=num_bags)
    if per_sample_weights is not None:
        psw = per_sample_weights
        if keep is not None:
            psw = psw[Tensor._make(keep, D.int64)]
        rows = rows * psw.unsqueeze(1)
    out = apply(_BagSum, rows, idx=bag_k, num=num_bags, scale=None)
    if mode == "mean":
        cnt = np.maximum(np.bincount(bag_k, minlength=num_bags), 1)
        out = out / Tensor._make(cnt.astype(weight._data.dtype)[:, None], weight._dtype)
    return out


def _torch_embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding (ATen argument order; padding_idx -1 means none)."""
    return embedding(indices, weight, None if padding_idx is None or padding_idx < 0
                     else padding_idx, None, 2.0, scale_grad_by_freq, sparse)


# for the torch namespace to re-export
TORCH_FUNCTIONS = {"embedding": _torch_embedding}
