"""Indexing op calls the CUDA suite runs on both devices (tests/test_cuda_indexing.py).

Each case is (name, fn, inputs), as in cuda_cases.py: `inputs` are NumPy
arrays (float ones get gradients; int and bool ones become index and mask
tensors on the same device) and `fn` takes ember tensors. Cases that call
`.detach()` first run the op outside the graph (the in-place ops then write
straight into the tensor's memory); cases that build an index with
`E.tensor(...)` or a Python list index a cuda tensor with CPU indices, which
PyTorch accepts for `x[...]` and index_put.
"""
import numpy as np

import ember as E

R = np.random.default_rng(1)


def f32(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape).astype(np.float32)


def pos(*shape):
    return f32(*shape, lo=0.5, hi=1.5)


def i64(*shape, lo=0, hi=4):
    return R.integers(lo, hi, size=shape).astype(np.int64)


def boolean(*shape):
    return R.random(shape) > 0.5


def ints(*shape):
    return R.integers(-5, 6, size=shape).astype(np.int64)


# the same index twice: scatter-adds and the gradients of gathers must add up, not overwrite
DUP = np.array([[0, 0], [2, 2], [3, 0]], dtype=np.int64)
IDX4 = np.array([3, 0, 3, 1], dtype=np.int64)


def _scatter_reduces(x, s, i, dtype=None):
    if dtype is not None:
        x, s = x.to(dtype), s.to(dtype)
    out = []
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            out.append(x.scatter_reduce(1, i, s, reduce, include_self=inc))
    return tuple(out)


def _inplace_no_grad(x, i, s, m, t):
    """The in-place ops outside a graph: forwards that write into the tensor's own memory."""
    x, s, t = x.detach(), s.detach(), t.detach()
    outs = []
    for f in (lambda y: y.scatter_(1, i, s),
              lambda y: y.scatter_(1, i, 0.5),
              lambda y: y.scatter_(1, i, s, reduce="add"),
              lambda y: y.scatter_(1, i, s, reduce="multiply"),
              lambda y: y.scatter_add_(1, i, s),
              lambda y: y.scatter_reduce_(1, i, s, "amax", include_self=False),
              lambda y: y.index_add_(0, i[:, 0], t, alpha=2),
              lambda y: y.index_copy_(0, E.arange(3, device=y.device), t),
              lambda y: y.index_fill_(1, i[0], -1.0),
              lambda y: y.index_put_((i[:, 0],), t, accumulate=True),
              lambda y: y.masked_fill_(m, 3.0),
              lambda y: y.masked_scatter_(m, t.reshape(-1).repeat(2)),
              lambda y: y.put_(i.reshape(-1), s.reshape(-1), accumulate=True),
              lambda y: y.index_reduce_(0, i[:, 0], t, "prod")):
        y = x.clone()
        r = f(y)
        assert r is y
        outs.append(y)
    return tuple(outs)


def _inplace_graph(x, i, s, m, t):
    """The in-place ops on a tensor in the graph (non-leaf clone): gradients to x and s."""
    outs = []
    for f in (lambda y: y.scatter_(1, i, s),
              lambda y: y.scatter_add_(1, i, s),
              lambda y: y.scatter_reduce_(1, i, s, "mean"),
              lambda y: y.index_add_(0, i[:, 0], t),
              lambda y: y.index_copy_(0, E.arange(3, device=y.device), t),
              lambda y: y.index_fill_(1, i[0], -1.0),
              lambda y: y.index_put_((i[:, 0],), t, accumulate=True),
              lambda y: y.masked_fill_(m, 3.0),
              lambda y: y.masked_scatter_(m, t.reshape(-1).repeat(2)),
              lambda y: y.put_(i.reshape(-1), s.reshape(-1))):
        y = x * 1
        f(y)
        outs.append(y)
    return tuple(outs)


def _int_dtypes(x, i, s, t):
    """Scatter-adds and reductions on the dtypes CuPy's atomics do not take."""
    x, s, t = x.detach(), s.detach(), t.detach()
    out = []
    for dt in (E.int64, E.int32, E.int16, E.int8, E.uint8, E.float16, E.float64):
        a, b, c = ((v * 3).round().to(dt) for v in (x, s, t))  # exact products in any order
        out += [a.scatter_add(1, i, b), a.index_add(0, i[:, 0], c), a.index_put((i[:, 0],), c, True),
                a.scatter_reduce(1, i, b, "amax"), a.scatter_reduce(1, i, b, "amin", include_self=False),
                a.scatter(1, i, b, reduce="multiply"), a.put(i.reshape(-1), b.reshape(-1), True)]
    b = x > 0
    out += [b.index_put((i[:, 0],), b[:3], accumulate=True)]
    c = x.to(E.complex64) + x.flip(0).to(E.complex64) * 1j  # (E.complex builds on the host)
    out += [c.index_put((i[:, 0],), c[:3], accumulate=True), c.index_add(0, i[:, 0], c[:3])]
    return tuple(out)


def _getitem(x, i, m):
    return (x[1], x[-1, 2], x[1:3], x[:, ::2], x[::2, 1:], x[None, ..., None], x[..., 1], x[1, None],
            x[i], x[:, i], x[i, 1:], x[i, i], x[i.repeat(2).view(2, 2)], x[m], x[:, m[0]], x[0, m[0]],
            x[[0, 2]], x[[0, 2], [1, 3]], x[E.tensor([2, 0])], x[E.tensor([True, False, True])],
            x[E.tensor(1)], x[i[0]], x[True], x[False], x[i, None, 1])


def _getitem3(x, i):
    # non-adjacent index arrays: the indexed dims go first (NumPy and PyTorch)
    return x[i, :, i], x[:, i, 0], x[i[:2], ..., i[:2]], x[..., i[:2]], x[1, :, i]


def _setitem(x, v, i, m):
    y = x.clone()
    y[0] = 1.0                      # scalar into a row
    y[1] = v                        # a tensor into a row
    y[:, 0] = v[:3]                 # into a column
    y[2, 1:3] = 5                   # int into a slice
    y[i] = v                        # broadcast over rows picked by a cuda index
    y[[0, 2], [1, 3]] = -2.0        # Python lists
    y[E.tensor([1])] = v * 2        # a CPU index tensor
    y[m] = 0.25                     # a mask
    y[y > 1] = 1.0
    y[..., -1] += v[0]              # a read-modify-write
    return y


def _setitem_grad(x, v, i):
    """setitem in a graph: the gradients reach both the target and the value."""
    y = x * 1
    y[i] = v
    y[1, :2] = v[:2] * 3
    y[E.tensor([True, False, True])] += v
    return y


def _setitem_dtypes(x, v):
    x, v = x.detach(), v.detach()
    out = []
    for dt in (E.int64, E.bfloat16, E.float16, E.bool):
        y = x.to(dt)
        y[0] = v.to(dt)
        y[1, [0, 1]] = 1
        y[E.tensor([2])] = 0
        out.append(y)
    y = x.long()
    y[1] = v              # a float value into an int tensor: truncated
    out.append(y)
    return tuple(out)


def _masked(x, m, v):
    mb = m[0]   # broadcast over rows
    return (x.masked_fill(m, 0.5), x.masked_fill(mb, -1), x.masked_fill(m, v), x.masked_fill(m, E.tensor(2.0)),
            x.masked_select(m), x.masked_select(mb), E.masked_select(x, m),
            x.masked_scatter(m, x.flip(0) * 2), x.masked_scatter(mb, (x * 3).reshape(-1)))


def _nonzero(b, x):
    return (b.nonzero(), E.nonzero(x), E.argwhere(b), *b.nonzero(as_tuple=True), *x.nonzero(as_tuple=True),
            E.nonzero(b[0, 0]), *E.nonzero(b[0, 0], as_tuple=True), (b & False).nonzero(), *E.where(b))


def _take_put(x, i, s):
    n = x.numel()
    j = i.reshape(-1)
    return (x.take(j), x.take(-j - 1), E.take(x, i.view(2, 3)), E.take_along_dim(x, i[:, :1] % 3, 0),
            E.take_along_dim(x, i[0].view(1, -1) % 4, 1), E.take_along_dim(x, j), E.take_along_dim(x, -j - 1),
            x.put(j, s), x.put(j % n, s, accumulate=True), E.take_along_dim(x, x.argsort(1), 1))


def _search(b, b2, x, x2):
    return (E.bucketize(x, b), E.bucketize(x, b, right=True), E.bucketize(x, b, out_int32=True),
            E.searchsorted(b, x), E.searchsorted(b, x, side="right"), E.searchsorted(b, 0.1),
            E.searchsorted(b2, x2), E.searchsorted(b2, x2, right=True),
            E.searchsorted(b.flip(0), x, sorter=E.arange(4, -1, -1, device=b.device)),
            E.bucketize(0.3, b), E.searchsorted(b2.long(), (x2 * 2).long()),
            E.searchsorted(b2.long(), (x2 * 2).long(), right=True))


def _search_nan(b2, x2):
    x2 = x2.detach().clone()
    x2[0, 0] = float("nan")
    b2 = b2.detach().clone()
    b2[1, -1] = float("nan")
    x2[1, 1] = float("nan")
    return E.searchsorted(b2, x2), E.searchsorted(b2, x2, right=True), E.searchsorted(b2[0], x2)


def _counting(i, w, x):
    return (E.bincount(i), E.bincount(i, minlength=9), E.bincount(i, w), E.bincount(i, w.double()),
            E.bincount(i, i), E.bincount(i[:0]), E.bincount(i[:0], minlength=3),
            E.histc(x, 5), E.histc(x, 4, min=-1, max=1), E.histc(x.double(), 3), E.histc(x[:0], 3),
            E.histc(x * 0 + 1, 3))


def _gather_scatter(x, i, s):
    return (x.gather(1, i), x.gather(0, i), x.gather(-1, i.int()), E.gather(x, 1, i),
            x.scatter(1, i, s), x.scatter(0, i, s), x.scatter(1, i, 2.5), x.scatter(1, i, value=-1.0),
            x.scatter_add(1, i, s), x.scatter_add(0, i, s), E.scatter_add(x, -1, i, s),
            x.scatter(1, i[:, :1], s))


CASES = [
    ("gather_scatter", _gather_scatter, [f32(4, 4), DUP, f32(3, 2)]),
    ("gather_scatter_big_src", lambda x, i, s: (x.scatter(1, i, s), x.scatter_add(1, i, s),
                                               x.scatter_reduce(1, i, s, "sum")), [f32(4, 4), DUP, f32(4, 4)]),
    ("gather_3d", lambda x, i: (x.gather(2, i), x.gather(0, i)), [f32(2, 3, 4), i64(2, 3, 2, hi=2)]),
    ("gather_0d", lambda x: (x.gather(0, E.tensor(0, device=x.device)),
                             x.scatter(0, E.tensor(0, device=x.device), x * 2)), [np.float32(1.5)]),
    ("scatter_reduce", lambda x, s, i: _scatter_reduces(x, s, i), [f32(4, 4), pos(3, 2), DUP]),
    ("scatter_reduce_f64", lambda x, s, i: _scatter_reduces(x, s, i, E.float64), [f32(4, 4), pos(3, 2), DUP]),
    ("scatter_reduce_ints", lambda x, s, i: _scatter_reduces(x, s, i), [ints(4, 4), ints(3, 2), DUP]),
    ("scatter_reduce_ties",
     lambda x, s, i: tuple(x.scatter_reduce(1, i, s, r) for r in ("amax", "amin", "prod")),
     [np.ones((3, 3), np.float32), np.array([[1, 1], [0, 2], [1, 0]], np.float32), DUP[:3, :2] % 3]),
    ("scatter_reduce_legacy", lambda x, i, s: (x.detach().scatter(1, i, s.detach(), reduce="add"),
                                               x.detach().scatter(1, i, s.detach(), reduce="multiply"),
                                               x.detach().scatter(1, i, 2.0, reduce="multiply")),
     [f32(4, 4), DUP, f32(3, 2)]),
    ("index_select", lambda x, i: (x.index_select(0, i), x.index_select(1, i), x.index_select(-1, i.int()),
                                   E.index_select(x[0, 0], 0, i[1:2])), [f32(4, 4), IDX4]),
    ("index_add", lambda x, i, s: (x.index_add(0, i, s), x.index_add(0, i, s, alpha=-0.5),
                                   x.t().index_add(1, i, s.t()), x.index_add(0, i.int(), s)),
     [f32(4, 3), IDX4, f32(4, 3)]),
    ("index_copy_fill", lambda x, s, v: (x.index_copy(0, E.tensor([2, 0], device=x.device), s),
                                         x.index_fill(1, E.tensor([0, 2], device=x.device), -1.0),
                                         x.index_fill(1, E.tensor([1, 1, -1], device=x.device), v),
                                         x.index_fill(0, E.tensor(1, device=x.device), E.tensor(7.0)),
                                         x.index_fill(0, E.tensor([1], device=x.device), 2)),
     [f32(4, 3), f32(2, 3), np.float32(0.5)]),
    ("index_reduce", lambda x, i, s: tuple(x.index_reduce(0, i, s, r, include_self=inc)
                                           for r in ("prod", "mean", "amax", "amin") for inc in (True, False)),
     [f32(4, 3), IDX4, pos(4, 3)]),
    ("index_put", lambda x, i, j, v: (x.index_put((i,), v[0]), x.index_put((i,), v[0], accumulate=True),
                                      x.index_put((i, j), v[:, 0], accumulate=True),
                                      x.index_put((i, j), v[0, 0]),
                                      x.index_put((E.tensor([0, 2, 0]),), v[:3], accumulate=True),
                                      x.index_put((x > 0,), v[0, 0] * 2), x.index_put((i,), v, True)),
     [f32(4, 3), IDX4, i64(4, hi=3), f32(4, 3)]),
    ("masked", _masked, [f32(3, 4), boolean(3, 4), np.float32(-0.5)]),
    ("nonzero", _nonzero, [boolean(3, 4), f32(2, 3) * (R.random((2, 3)) > 0.5)]),
    ("take_put", _take_put, [f32(3, 4), i64(2, 3, hi=12), f32(6)]),
    ("search", _search, [np.sort(f32(5)), np.sort(f32(2, 6), axis=1), f32(7), f32(2, 3)]),
    ("search_nan", _search_nan, [np.sort(f32(2, 6), axis=1), f32(2, 4)]),
    ("counting", _counting, [i64(9, hi=6), f32(9), f32(12)]),
    ("getitem", _getitem, [f32(3, 4), np.array([2, 0, 2, 1], np.int64)[:2], boolean(3, 4)]),
    ("getitem_3d", _getitem3, [f32(3, 4, 3), np.array([2, 0, 1], np.int64)]),
    ("getitem_grad_dups", lambda x, i: (x[i], x[:, i] * 2, x[i, i], x[i][:, i]), [f32(4, 4), IDX4]),
    ("setitem", _setitem, [f32(3, 4), f32(4), np.array([0, 2], np.int64), boolean(3, 4)]),
    ("setitem_grad", _setitem_grad, [f32(3, 4), f32(4), np.array([2, 0], np.int64)]),
    ("setitem_dtypes", _setitem_dtypes, [f32(3, 4) * 3, f32(4) * 3]),
    ("inplace_no_grad", _inplace_no_grad, [f32(4, 4), DUP, pos(3, 2), boolean(4, 4), pos(3, 4)]),
    ("inplace_graph", _inplace_graph, [f32(4, 4), DUP, pos(3, 2), boolean(4, 4), pos(3, 4)]),
    ("int_dtypes", _int_dtypes, [f32(4, 4), DUP, f32(3, 2), f32(3, 4)]),
]
