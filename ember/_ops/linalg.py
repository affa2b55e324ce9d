"""Matrix products: matmul and its special cases (mm, bmm, mv, dot), the
fused add-and-multiply ops (addmm, addmv, baddbmm, addbmm, addr), einsum,
tensordot, kron, cross, trace, diag, diag_embed, diagflat, cdist, and the
torch.* entry points of the decompositions that live in `ember.linalg`.

PyTorch does not promote dtypes in matrix products: mismatched dtypes raise.
Every check runs before any computation, with PyTorch's exception class.
"""
import functools
import math

import numpy as np

from .. import _dtype as D
from .._backends import strided_view, xp as _xp
from .._dispatch import Op, apply
from .._tensor import Tensor
from ._util import as_tensor_arg, wrap_dim

# ------------------------------------------------------------------ dtype names in messages

_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
          "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
          "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
          "complex128": "c10::complex<double>"}
_TITLE = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _title(d):
    return _TITLE[d.name]


def _not_implemented(kernel, d):
    return NotImplementedError("\"%s\" not implemented for '%s'" % (kernel, _title(d)))


def _tensor_arg(x, fn, name):
    if isinstance(x, Tensor):
        return x
    raise TypeError("%s(): argument '%s' (position %d) must be Tensor, not %s"
                    % (fn, name, 1 if name in ("input", "self") else 2, type(x).__name__))


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _out(r, out):
    if out is None:
        return r
    from .pointwise import _out as write_out
    return write_out(r, out)


# ------------------------------------------------------------------ conjugation (complex gradients)

class Conj(Op):
    dtype_rule = "keep"

    def forward(ctx, x):
        return np.conj(x)

    def backward(ctx, g):
        return _conj(g)


def _conj(t):
    return apply(Conj, t) if t._dtype.category == D.COMPLEX else t


def _mH(t):
    return _conj(t.mT) if t._dtype.category == D.COMPLEX else t.mT


# ------------------------------------------------------------------ matmul and its special cases

def _matmul_arrays(a, b):
    """np.matmul with PyTorch's precision for half (float32 on the CPU; on a
    GPU, cuBLAS's float16 GEMM on tensor cores, accumulating in float32) and
    one GEMM for (..., m, k) @ (k, n)."""
    if a.dtype == np.float16 and type(a) is np.ndarray:
        a = a.astype(np.float32)
        b = b.astype(np.float32)
    if a.ndim > 2 and b.ndim <= 2:
        k = a.shape[-1]
        rows = _prod(a.shape[:-1])
        out = np.matmul(a.reshape(rows, k), b)
        return out.reshape(a.shape[:-1] + b.shape[1:])
    return np.matmul(a, b)


def _matmul_grads(g, a, b, need_a, need_b):
    """Gradients of a @ b (PyTorch's matmul rules) for the output gradient g;
    broadcast batch dims are summed by the engine."""
    na, nb = a._data.ndim, b._data.ndim
    ga = gb = None
    if na == 1 and nb == 1:
        if need_a:
            ga = g * _conj(b)
        if need_b:
            gb = g * _conj(a)
        return ga, gb
    if nb == 1:                       # (..., m, k) @ (k) -> (..., m)
        if need_a:
            ga = g.unsqueeze(-1) * _conj(b)
        if need_b:
            if na == 2:
                gb = matmul(_mH(a), g)
            else:
                rows, k = _prod(a._data.shape[:-1]), a._data.shape[-1]
                gb = matmul(_mH(a.reshape(rows, k)), g.reshape(rows))
        return ga, gb
    if na == 1:                       # (k) @ (..., k, n) -> (..., n)
        if need_a:
            ga = matmul(_conj(b), g) if nb == 2 else matmul(_conj(b), g.unsqueeze(-1)).squeeze(-1)
        if need_b:
            gb = _conj(a).unsqueeze(-1) * g.unsqueeze(-2)
        return ga, gb
    if need_a:
        ga = matmul(g, _mH(b))
    if need_b:
        if nb == 2 and na > 2:        # fold the batch into one GEMM: (k, B*m) @ (B*m, n)
            rows, k = _prod(a._data.shape[:-1]), a._data.shape[-1]
            gb = matmul(_mH(a.reshape(rows, k)), g.reshape(rows, g._data.shape[-1]))
        else:
            gb = matmul(_mH(a), g)
    return ga, gb


class Matmul(Op):
    half_native = True
    save = (0, 1)
    grad_name = "UnsafeViewBackward0"

    def forward(ctx, a, b):
        return _matmul_arrays(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        m = ctx.inputs_meta
        return _matmul_grads(g, a, b, m[0] is not None, m[1] is not None)


class Mm(Matmul):
    grad_name = "MmBackward0"


class Bmm(Matmul):
    grad_name = "BmmBackward0"


class Mv(Matmul):
    grad_name = "MvBackward0"


class Dot(Matmul):
    grad_name = "DotBackward0"


class VecMat(Matmul):
    grad_name = "SqueezeBackward4"


def _dtype_error_mm(da, db):
    return RuntimeError("expected m1 and m2 to have the same dtype, but got: %s != %s"
                        % (_CNAME[da.name], _CNAME[db.name]))


def _dtype_error_scalar(da, db):
    return RuntimeError("expected scalar type %s but found %s" % (_title(da), _title(db)))


def _batch_broadcast(sa, sb):
    """Broadcast two batch shapes with PyTorch's error."""
    if sa == sb:
        return sa
    n = max(len(sa), len(sb))
    a2 = (1,) * (n - len(sa)) + tuple(sa)
    b2 = (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for i in range(n):
        x, y = a2[i], b2[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) at "
                               "non-singleton dimension %d" % (x, y, i))
        out.append(x if y == 1 else y)
    return tuple(out)


def _autocast(op, *tensors):
    """The tensors as autocast casts them for op (as they are when autocast is
    off): PyTorch casts before its dtype checks. Called only where dtypes differ."""
    from ..amp.autocast_mode import cast_inputs
    return cast_inputs(op, *tensors)


def _matmul_op(a, b):
    """Check a @ b like PyTorch and pick the op (and grad_fn name) for it."""
    sa, sb = a._data.shape, b._data.shape
    na, nb = len(sa), len(sb)
    da, db = a._dtype, b._dtype
    if na == 0 or nb == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are %dD and %dD"
                           % (na, nb))
    if nb == 1:
        if na == 1:
            if da is not db:
                raise RuntimeError("dot : expected both vectors to have same dtype, but found %s and %s"
                                   % (_title(da), _title(db)))
            if sa[0] != sb[0]:
                raise RuntimeError("inconsistent tensor size, expected tensor [%d] and src [%d] to have "
                                   "the same number of elements, but got %d and %d elements respectively"
                                   % (sa[0], sb[0], sa[0], sb[0]))
            if da is D.bool_:
                raise _not_implemented("dot", da)
            return Dot
        if da is not db:
            raise RuntimeError("addmv input tensors must have the same dtype, but got %s, %s, and %s"
                               % (_title(db), _title(da), _title(db)))
        if sa[-1] != sb[0]:
            rows = _prod(sa[:-1])
            raise RuntimeError("size mismatch, got input (%d), mat (%dx%d), vec (%d)"
                               % (rows, rows, sa[-1], sb[0]))
        if da is D.bool_:
            raise _not_implemented("addmv_impl_cpu", da)
        return Mv if na == 2 else Matmul
    if nb == 2:
        if da is not db:
            raise _dtype_error_mm(da, db)
        if sa[-1] != sb[0]:
            rows = 1 if na == 1 else _prod(sa[:-1])
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)"
                               % (rows, sa[-1], sb[0], sb[1]))
        if da is D.bool_:
            raise _not_implemented("addmm_impl_cpu_", da)
        return Mm if na == 2 else (VecMat if na == 1 else Matmul)
    if da is not db:
        raise _dtype_error_scalar(da, db)
    batch = _batch_broadcast(sa[:-2], sb[:-2])
    if sa[-1] != sb[-2]:
        n = _prod(batch)
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: [%d, %d] but "
                           "got: [%d, %d]." % (n, sa[-1], n, sb[-2]))
    if da is D.bool_:
        raise _not_implemented("bmm", da)
    return Matmul


def matmul(input, other, *, out=None):
    """Matrix product with PyTorch's rules: 1-D operands act as vectors (the
    added dimension is removed from the result), batch dimensions broadcast."""
    if type(input) is not Tensor or type(other) is not Tensor:
        _tensor_arg(input, "matmul", "input")
        _tensor_arg(other, "matmul", "other")
    if input._dtype is not other._dtype:
        input, other = _autocast(Matmul, input, other)
    r = apply(_matmul_op(input, other), input, other)
    return r if out is None else _out(r, out)


def _check_mm(a, b):
    na, nb = a._data.ndim, b._data.ndim
    if na != 2:
        raise RuntimeError("self must be a matrix")
    if nb != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._dtype is not b._dtype:
        raise _dtype_error_mm(a._dtype, b._dtype)
    sa, sb = a._data.shape, b._data.shape
    if sa[1] != sb[0]:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)"
                           % (sa[0], sa[1], sb[0], sb[1]))
    if a._dtype is D.bool_:
        raise _not_implemented("addmm_impl_cpu_", a._dtype)


def mm(input, mat2, *, out=None):
    _tensor_arg(input, "mm", "input")
    _tensor_arg(mat2, "mm", "mat2")
    if input._dtype is not mat2._dtype:
        input, mat2 = _autocast(Mm, input, mat2)
    _check_mm(input, mat2)
    r = apply(Mm, input, mat2)
    return r if out is None else _out(r, out)


def _check_bmm(a, b):
    if a._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a._dtype is not b._dtype:
        raise _dtype_error_scalar(a._dtype, b._dtype)
    sa, sb = a._data.shape, b._data.shape
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: [%d, %d] but "
                           "got: [%d, %d]." % (sa[0], sa[2], sb[0], sb[1]))
    if a._dtype is D.bool_:
        raise _not_implemented("bmm", a._dtype)


def bmm(input, mat2, *, out=None):
    _tensor_arg(input, "bmm", "input")
    _tensor_arg(mat2, "bmm", "mat2")
    if input._dtype is not mat2._dtype:
        input, mat2 = _autocast(Bmm, input, mat2)
    _check_bmm(input, mat2)
    r = apply(Bmm, input, mat2)
    return r if out is None else _out(r, out)


def _check_dot(a, b):
    na, nb = a._data.ndim, b._data.ndim
    if na != 1 or nb != 1:
        raise RuntimeError("1D tensors expected, but got %dD and %dD tensors" % (na, nb))
    if a._dtype is not b._dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found %s and %s"
                           % (_title(a._dtype), _title(b._dtype)))
    n, m = a._data.shape[0], b._data.shape[0]
    if n != m:
        raise RuntimeError("inconsistent tensor size, expected tensor [%d] and src [%d] to have the same "
                           "number of elements, but got %d and %d elements respectively" % (n, m, n, m))
    if a._dtype is D.bool_:
        raise _not_implemented("dot", a._dtype)


def dot(input, tensor, *, out=None):
    _tensor_arg(input, "dot", "input")
    _tensor_arg(tensor, "dot", "tensor")
    _check_dot(input, tensor)
    r = apply(Dot, input, tensor)
    return r if out is None else _out(r, out)


def vdot(input, other, *, out=None):
    """dot with the first argument conjugated."""
    _tensor_arg(input, "vdot", "input")
    _tensor_arg(other, "vdot", "other")
    _check_dot(input, other)
    r = apply(Dot, _conj(input), other)
    return r if out is None else _out(r, out)


def _check_mv(a, v):
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError("vector + matrix @ vector expected, got 1, %d, %d" % (a._data.ndim, v._data.ndim))
    if a._dtype is not v._dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got %s, %s, and %s"
                           % (_title(v._dtype), _title(a._dtype), _title(v._dtype)))
    sa, n = a._data.shape, v._data.shape[0]
    if sa[1] != n:
        raise RuntimeError("size mismatch, got input (%d), mat (%dx%d), vec (%d)" % (sa[0], sa[0], sa[1], n))
    if a._dtype is D.bool_:
        raise _not_implemented("addmv_impl_cpu", a._dtype)


def mv(input, vec, *, out=None):
    _tensor_arg(input, "mv", "input")
    _tensor_arg(vec, "mv", "vec")
    _check_mv(input, vec)
    r = apply(Mv, input, vec)
    return r if out is None else _out(r, out)


def outer(input, vec2, *, out=None):
    """Outer product of two vectors (dtypes promote, as for mul)."""
    _tensor_arg(input, "outer", "input")
    _tensor_arg(vec2, "outer", "vec2")
    if input._data.ndim != 1:
        raise RuntimeError("outer: Expected 1-D argument self, but got %d-D" % input._data.ndim)
    if vec2._data.ndim != 1:
        raise RuntimeError("outer: Expected 1-D argument vec2, but got %d-D" % vec2._data.ndim)
    r = input.reshape(-1, 1) * vec2
    return r if out is None else _out(r, out)


ger = outer


def inner(input, other, *, out=None):
    """Sum over the last dims; a 0-dim operand multiplies."""
    _tensor_arg(input, "inner", "input")
    _tensor_arg(other, "inner", "other")
    if input._data.ndim == 0 or other._data.ndim == 0:
        r = input * other
        return r if out is None else _out(r, out)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got shapes "
                           "%s and %s" % (list(sa), list(sb)))
    if input._dtype is not other._dtype:
        raise RuntimeError("both inputs should have same dtype")
    r = tensordot(input, other, dims=([-1], [-1]))
    return r if out is None else _out(r, out)


# ------------------------------------------------------------------ fused add + product

def _int_scalar(x, d):
    """beta/alpha for integer tensors are integers (PyTorch truncates them)."""
    if d.category <= D.INT and isinstance(x, float):
        return int(x)
    return x


class Addmm(Op):
    """beta * input + alpha * (mat1 @ mat2), for the mm, mv and bmm shapes."""
    half_native = True
    save = (1, 2)

    def forward(ctx, c, a, b, beta=1, alpha=1):
        r = _matmul_arrays(a, b)
        if alpha != 1:
            r = r * alpha
        if beta == 0:
            return r
        if beta != 1:
            c = c * beta
        if type(r) is np.ndarray and r.dtype == c.dtype and r.flags.writeable:
            r += c
            return r
        return r + c

    def backward(ctx, g):
        _, a, b = ctx.saved_tensors
        m = ctx.inputs_meta
        p = ctx.params
        beta, alpha = p.get("beta", 1), p.get("alpha", 1)
        gc = None
        if m[0] is not None:
            gc = g if beta == 1 else g * beta
        ga, gb = _matmul_grads(g, a, b, m[1] is not None, m[2] is not None)
        if alpha != 1:
            ga = ga * alpha if ga is not None else None
            gb = gb * alpha if gb is not None else None
        return gc, ga, gb


class Addmv(Addmm):
    grad_name = "AddmvBackward0"


class Baddbmm(Addmm):
    grad_name = "BaddbmmBackward0"


def _fmt(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_expand(shape, target):
    """PyTorch's error when `shape` does not expand to `target`."""
    shape, target = tuple(shape), tuple(target)
    if len(shape) > len(target):
        raise RuntimeError("expand(torch.FloatTensor{%s}, size=%s): the number of sizes provided (%d) "
                           "must be greater or equal to the number of dimensions in the tensor (%d)"
                           % (_fmt(shape)[1:-1], _fmt(target), len(target), len(shape)))
    nd = len(target) - len(shape)
    for i, s in enumerate(shape):
        t = target[nd + i]
        if s != t and s != 1:
            raise RuntimeError("The expanded size of the tensor (%d) must match the existing size (%d) at "
                               "non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s"
                               % (t, s, nd + i, _fmt(target), _fmt(shape)))


def _ab_params(beta, alpha, d):
    params = {}
    beta, alpha = _int_scalar(beta, d), _int_scalar(alpha, d)
    if beta != 1:
        params["beta"] = beta
    if alpha != 1:
        params["alpha"] = alpha
    return params


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    _tensor_arg(input, "addmm", "input")
    if mat1._data.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got %d-D tensor" % mat1._data.ndim)
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix, got %d-D tensor" % mat2._data.ndim)
    if not (input._dtype is mat1._dtype is mat2._dtype):
        input, mat1, mat2 = _autocast(Addmm, input, mat1, mat2)
    _check_mm(mat1, mat2)
    if input._dtype is not mat2._dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got %s and %s"
                           % (_title(input._dtype), _title(mat2._dtype)))
    _check_expand(input._data.shape, (mat1._data.shape[0], mat2._data.shape[1]))
    r = apply(Addmm, input, mat1, mat2, **_ab_params(beta, alpha, input._dtype))
    return r if out is None else _out(r, out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    _tensor_arg(input, "addmv", "input")
    if mat._data.ndim != 2 or vec._data.ndim != 1 or input._data.ndim > 1:
        raise RuntimeError("vector + matrix @ vector expected, got %d, %d, %d"
                           % (input._data.ndim, mat._data.ndim, vec._data.ndim))
    if not (input._dtype is mat._dtype is vec._dtype):
        raise RuntimeError("addmv input tensors must have the same dtype, but got %s, %s, and %s"
                           % (_title(input._dtype), _title(mat._dtype), _title(vec._dtype)))
    sa, n = mat._data.shape, vec._data.shape[0]
    si = input._data.shape
    if sa[1] != n or (len(si) == 1 and si[0] not in (1, sa[0])):
        raise RuntimeError("size mismatch, got input (%d), mat (%dx%d), vec (%d)"
                           % (si[0] if si else 1, sa[0], sa[1], n))
    if mat._dtype is D.bool_:
        raise _not_implemented("addmv_impl_cpu", mat._dtype)
    r = apply(Addmv, input, mat, vec, **_ab_params(beta, alpha, input._dtype))
    return r if out is None else _out(r, out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _tensor_arg(input, "baddbmm", "input")
    _check_bmm_dims(batch1, batch2)
    if not (input._dtype is batch1._dtype is batch2._dtype):
        input, batch1, batch2 = _autocast(Baddbmm, input, batch1, batch2)
    if not (input._dtype is batch1._dtype is batch2._dtype):
        raise RuntimeError("Input dtypes must be the same, got: input %s, batch1: %s, batch2: %s"
                           % (_CNAME[input._dtype.name], _CNAME[batch1._dtype.name],
                              _CNAME[batch2._dtype.name]))
    _check_bmm(batch1, batch2)
    s1, s2 = batch1._data.shape, batch2._data.shape
    _check_expand(input._data.shape, (s1[0], s1[1], s2[2]))
    r = apply(Baddbmm, input, batch1, batch2, **_ab_params(beta, alpha, input._dtype))
    return r if out is None else _out(r, out)


def _check_bmm_dims(a, b):
    if a._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b], as one GEMM over (n, B*m) @ (B*m, p)."""
    _tensor_arg(input, "addbmm", "input")
    _check_bmm_dims(batch1, batch2)
    if not (input._dtype is batch1._dtype is batch2._dtype):
        input, batch1, batch2 = _autocast(Addmm, input, batch1, batch2)
    if input._dtype is not batch2._dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got %s and %s"
                           % (_title(input._dtype), _title(batch2._dtype)))
    _check_bmm(batch1, batch2)
    B, n, m = batch1._data.shape
    p = batch2._data.shape[2]
    a = batch1.permute(1, 0, 2).reshape(n, B * m)
    b = batch2.reshape(B * m, p)
    _check_expand(input._data.shape, (n, p))
    r = apply(Addmm, input, a, b, **_ab_params(beta, alpha, input._dtype))
    return r if out is None else _out(r, out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2) (dtypes promote; beta=0 ignores input)."""
    _tensor_arg(input, "addr", "input")
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError("addr: Expected 1-D argument %s, but got %d-D" % (name, v._data.ndim))
    shape = (vec1._data.shape[0], vec2._data.shape[0])
    _check_expand(input._data.shape, shape)
    prod = outer(vec1, vec2)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        d = D.result_dtype([input._dtype, vec1._dtype, vec2._dtype])
        r = prod if prod._dtype is d else prod.to(d)
    else:
        r = (input if beta == 1 else input * beta) + prod
    return r if out is None else _out(r, out)


def _inplace_method(fn):
    def method(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        if r.shape != self.shape:
            raise RuntimeError("output with shape %s doesn't match the broadcast shape %s"
                               % (_fmt(self.shape), _fmt(r.shape)))
        return self.copy_(r)
    method.__name__ = fn.__name__ + "_"
    return method


# ------------------------------------------------------------------ einsum

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=512)
def _parse_einsum(equation, shapes):
    """Resolve an equation against operand shapes: explicit letters for the
    ellipsis dims, the output subscripts, and each letter's (broadcast) size."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->", 1)
        if "->" in rhs:
            raise RuntimeError("einsum(): more than one '->' found in the equation")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for i, t in enumerate(terms + ([rhs] if rhs is not None else [])):
        bare = t.replace("...", "", 1)
        if "." in bare:
            raise RuntimeError("einsum(): found '.' for operand %d that is not part of any ellipsis" % i)
        for c in bare:
            if c not in _LETTERS:
                raise RuntimeError("einsum(): invalid subscript given at index %d in the equation string, "
                                   "subscripts must be in [a-zA-Z]" % eq.index(c))
    used = set(c for c in eq if c in _LETTERS)
    ell_nd = 0
    for i, (t, shape) in enumerate(zip(terms, shapes)):
        nl = len(t.replace("...", ""))
        if "..." in t:
            if nl > len(shape):
                raise RuntimeError("einsum(): the number of subscripts in the equation (%d) is more than the "
                                   "number of dimensions (%d) for operand %d" % (nl, len(shape), i))
            ell_nd = max(ell_nd, len(shape) - nl)
        elif nl != len(shape):
            raise RuntimeError("einsum(): the number of subscripts in the equation (%d) does not match the "
                               "number of dimensions (%d) for operand %d and no ellipsis was given"
                               % (nl, len(shape), i))
    free = [c for c in _LETTERS if c not in used]
    if ell_nd > len(free):
        raise RuntimeError("einsum(): too many dimensions for the letters available")
    ell = "".join(free[:ell_nd])
    new_terms = []
    for t, shape in zip(terms, shapes):
        if "..." in t:
            ne = len(shape) - len(t.replace("...", ""))
            t = t.replace("...", ell[ell_nd - ne:])
        new_terms.append(t)
    if rhs is None:
        counts = {}
        for t in terms:
            for c in t.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    else:
        out = rhs.replace("...", ell)
        for c in rhs.replace("...", ""):
            if rhs.count(c) > 1:
                raise RuntimeError("einsum(): output subscript %s appears more than once in the output" % c)
            if not any(c in t for t in terms):
                raise RuntimeError("einsum(): output subscript %s does not appear in the equation for any "
                                   "input operand" % c)
    sizes = {}
    for i, (t, shape) in enumerate(zip(new_terms, shapes)):
        own = {}
        for c, s in zip(t, shape):
            if c in own and own[c] != s:
                raise RuntimeError("einsum(): subscript %s is repeated for operand %d but the sizes don't "
                                   "match, %d != %d" % (c, i, s, own[c]))
            own[c] = s
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != 1 and s != prev:
                raise RuntimeError("einsum(): subscript %s has size %d for operand %d which does not "
                                   "broadcast with previously seen size %d" % (c, s, i, prev))
    full = ",".join(new_terms) + "->" + out
    n_ops = len(shapes)
    total = _prod(sizes.values())
    optimize = n_ops >= 3 or (n_ops == 2 and total > 4096)
    targets = tuple(tuple(sizes[c] for c in t) for t in new_terms)
    return full, tuple(new_terms), out, targets, optimize


class _Einsum(Op):
    grad_name = "EinsumBackward0"

    def forward(ctx, *arrays, equation, terms, out, targets, optimize):
        arrays = list(arrays)
        for i, (a, t) in enumerate(zip(arrays, targets)):
            if a.dtype == np.float16:
                a = a.astype(np.float32)
            if a.shape != t:   # size-1 dims broadcast against the label's size
                a = np.broadcast_to(a, t)
            arrays[i] = a
        r = np.einsum(equation, *arrays, optimize=optimize)
        if type(r) is np.ndarray and (r.base is not None or not r.flags.writeable) and len(arrays) == 1:
            r = r.copy()   # single-operand einsum returns views (transposes, diagonals)
        return r

    def backward(ctx, g):
        ops = ctx.saved_tensors
        p = ctx.params
        terms, out = p["terms"], p["out"]
        grads = []
        for i, meta in enumerate(ctx.inputs_meta):
            grads.append(None if meta is None else _einsum_grad(i, g, ops, terms, out))
        return tuple(grads)


@functools.lru_cache(maxsize=None)
def _einsum_op(n):
    """The einsum op for n operands (backward needs all of them saved)."""
    return type("Einsum%d" % n, (_Einsum,), {"save": tuple(range(n)), "grad_name": "EinsumBackward0"})


def _einsum_grad(i, g, ops, terms, out):
    """Gradient of operand i: the einsum of the output gradient with the other
    operands, broadcast over letters only operand i has, then placed on the
    diagonal where operand i repeats a letter."""
    term = terms[i]
    uniq = "".join(dict.fromkeys(term))
    others = [j for j in range(len(terms)) if j != i]
    avail = set(out)
    for j in others:
        avail.update(terms[j])
    target = "".join(c for c in uniq if c in avail)
    eq = ",".join([out] + [terms[j] for j in others]) + "->" + target
    r = einsum(eq, g, *[_conj(ops[j]) for j in others])
    own = dict(zip(term, ops[i]._data.shape))
    cur = [r._data.shape[target.index(c)] if c in target else 1 for c in uniq]
    want = [own[c] if s == 1 else s for c, s in zip(uniq, cur)]
    if target != uniq:
        r = r.reshape(cur)
    if want != cur:
        r = r.expand(want)
    if len(uniq) != len(term):
        shape = tuple(want[uniq.index(c)] for c in term)
        r = apply(EinsumDiagEmbed, r, term=term, uniq=uniq, shape=shape)
    return r


class EinsumDiagEmbed(Op):
    """Place x (indexed by the unique letters) on the generalised diagonal of a
    zero tensor indexed by `term` (letters may repeat)."""
    dtype_rule = "keep"

    def forward(ctx, x, term, uniq, shape):
        out = _xp(x).zeros(shape, x.dtype)
        strides = [0] * len(uniq)
        for k, c in enumerate(term):
            strides[uniq.index(c)] += out.strides[k]
        view = strided_view(out, x.shape, strides)
        view[...] = x
        return out

    def backward(ctx, gg):
        p = ctx.params
        return einsum(p["term"] + "->" + p["uniq"], gg)


def _sublist_equation(args):
    """einsum(op0, sub0, op1, sub1, ..., [out]) as an equation string."""
    def letters(sub):
        s = ""
        for v in sub:
            if v is Ellipsis:
                s += "..."
            elif isinstance(v, int) and 0 <= v < 52:
                s += _LETTERS[v]
            else:
                raise ValueError("einsum(): expected subscript to be within the range [0, 52), but got %r" % v)
        return s
    ops, subs = [], []
    args = list(args)
    while len(args) >= 2:
        ops.append(args.pop(0))
        subs.append(letters(args.pop(0)))
    eq = ",".join(subs)
    if args:
        eq += "->" + letters(args[0])
    return eq, ops


def einsum(*args):
    """Einstein summation: einsum(equation, *operands), einsum(equation,
    [operands]) or the sublist form einsum(op0, [0, 1], op1, [1, 2], [0, 2])."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at "
                        "least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation = args[0]
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    operands = [as_tensor_arg(o) for o in operands]
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    d = operands[0]._dtype
    for o in operands[1:]:
        if o._dtype is not d:
            raise _dtype_error_scalar(d, o._dtype)
    if d is D.bool_ and len(operands) > 1:
        raise _not_implemented("bmm", d)
    shapes = tuple(o._data.shape for o in operands)
    full, terms, out, targets, optimize = _parse_einsum(equation, shapes)
    return apply(_einsum_op(len(operands)), *operands, equation=full, terms=terms, out=out,
                 targets=targets, optimize=optimize)


# ------------------------------------------------------------------ tensordot, kron

def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b: one permute + reshape + GEMM."""
    _tensor_arg(a, "tensordot", "a")
    _tensor_arg(b, "tensordot", "b")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        dims = int(dims)
        if dims < 0:
            raise RuntimeError("tensordot expects dims >= 0, but got dims=%d" % dims)
        if dims > a._data.ndim or dims > b._data.ndim:
            raise RuntimeError("tensordot expects dims < ndim_a or ndim_b, but got dims=%d" % dims)
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, (int, np.integer)) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, (int, np.integer)) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    sa, sb = a._data.shape, b._data.shape
    na, nb = len(sa), len(sb)
    wa = [wrap_dim(int(d), na) for d in dims_a]
    wb = [wrap_dim(int(d), nb) for d in dims_b]
    for da, db, oa, ob in zip(wa, wb, dims_a, dims_b):
        if sa[da] != sb[db]:
            raise RuntimeError("contracted dimensions need to match, but first has size %d in dim %d and "
                               "second has size %d in dim %d" % (sa[da], oa, sb[db], ob))
    free_a = [d for d in range(na) if d not in wa]
    free_b = [d for d in range(nb) if d not in wb]
    k = _prod(sa[d] for d in wa)
    pa = a.permute(*(free_a + wa)) if free_a + wa != list(range(na)) else a
    pb = b.permute(*(wb + free_b)) if wb + free_b != list(range(nb)) else b
    ma = pa.reshape(_prod(sa[d] for d in free_a), k)
    mb = pb.reshape(k, _prod(sb[d] for d in free_b))
    if a._dtype is D.bool_:
        raise _not_implemented("addmm_impl_cpu_", a._dtype)
    r = apply(Mm, ma, mb).reshape(tuple(sa[d] for d in free_a) + tuple(sb[d] for d in free_b))
    return r if out is None else _out(r, out)


def kron(input, other, *, out=None):
    """Kronecker product (dtypes promote, as for mul)."""
    _tensor_arg(input, "kron", "input")
    _tensor_arg(other, "kron", "other")
    sa, sb = input._data.shape, other._data.shape
    n = max(len(sa), len(sb))
    sa = (1,) * (n - len(sa)) + tuple(sa)
    sb = (1,) * (n - len(sb)) + tuple(sb)
    ra, rb = [], []
    for x, y in zip(sa, sb):
        ra += [x, 1]
        rb += [1, y]
    r = (input.reshape(ra) * other.reshape(rb)).reshape(tuple(x * y for x, y in zip(sa, sb)))
    return r if out is None else _out(r, out)


# ------------------------------------------------------------------ cross, trace, diag

class Cross(Op):
    save = (0, 1)

    def forward(ctx, a, b, dim):
        return np.cross(a, b, axis=dim)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        dim = ctx.params["dim"]
        m = ctx.inputs_meta
        ga = apply(Cross, _conj(b), g, dim=dim) if m[0] is not None else None
        gb = apply(Cross, g, _conj(a), dim=dim) if m[1] is not None else None
        return ga, gb


def _cross(input, other, dim, name):
    if input._dtype is not other._dtype:
        raise _dtype_error_scalar(input._dtype, other._dtype)
    sa, sb = input._data.shape, other._data.shape
    n = len(sa)
    d = wrap_dim(dim, n)
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError("%s: inputs dimension %d must have length 3. Got %d and %d"
                           % (name, dim, sa[d], sb[d]))
    _batch_broadcast(sa, sb)
    return apply(Cross, input, other, dim=d)


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along dim (default: the first dim of size 3)."""
    _tensor_arg(input, "cross", "input")
    _tensor_arg(other, "cross", "other")
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
                      "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
                      "dim will change to agree with that of linalg.cross in a future release.",
                      UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(input._data.shape, other._data.shape) \
            if input._data.shape != other._data.shape else input._data.shape
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError("no dimension of size 3 in input")
        dim = dims[0]
    r = _cross(input, other, dim, "linalg.cross")
    return r if out is None else _out(r, out)


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim %d" % input._data.ndim)
    if input._dtype is D.bool_:
        raise _not_implemented("trace", input._dtype)
    return input.diagonal().sum()


class Diag(Op):
    """diag: a vector to a matrix with it on the diagonal, or a matrix's diagonal (a copy)."""
    dtype_rule = "keep"

    def forward(ctx, x, diagonal):
        if x.ndim == 1:
            return np.diag(x, diagonal)
        return np.diagonal(x, diagonal).copy()

    def backward(ctx, g):
        k = ctx.params["diagonal"]
        shape = ctx.inputs_meta[0][0]
        if len(shape) == 1:
            return g.diagonal(k)
        return apply(DiagEmbed, g, shape=tuple(shape), offset=k, dim1=0, dim2=1)


def diag(input, diagonal=0, *, out=None):
    n = input._data.ndim
    if n not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got %dD" % n)
    r = apply(Diag, input, diagonal=int(diagonal))
    return r if out is None else _out(r, out)


class DiagEmbed(Op):
    """Write x's last dim on the (offset) diagonal of zeros of `shape` over dims dim1, dim2."""
    dtype_rule = "keep"

    def forward(ctx, x, shape, offset, dim1, dim2):
        from .shape import _diagonal_view
        out = _xp(x).zeros(shape, x.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = x   # a writable view (np.diagonal's is read-only)
        return out

    def backward(ctx, g):
        p = ctx.params
        return g.diagonal(p["offset"], p["dim1"], p["dim2"])


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    shape = input._data.shape
    nd = len(shape) + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError("diagonal dimensions cannot be identical %d, %d" % (dim1, dim2))
    n = (shape[-1] if shape else 1) + abs(offset)
    rest = list(shape[:-1])
    out = []
    for i in range(nd):
        out.append(n if i in (d1, d2) else rest.pop(0))
    x = input if shape else input.reshape(1)
    return apply(DiagEmbed, x, shape=tuple(out), offset=int(offset), dim1=d1, dim2=d2)


def diagflat(input, offset=0):
    return diag(input.reshape(-1), offset)


# ------------------------------------------------------------------ cdist

def _cdist_forward(x1, x2, p, use_mm):
    if p == 2 and use_mm:
        a2 = np.einsum("...pm,...pm->...p", x1, x1)[..., :, None]
        b2 = np.einsum("...rm,...rm->...r", x2, x2)[..., None, :]
        d2 = a2 + b2 - 2 * np.matmul(x1, np.swapaxes(x2, -1, -2))
        return np.sqrt(np.maximum(d2, 0))
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return (diff != 0).sum(-1).astype(x1.dtype)
    if p == 1:
        return diff.sum(-1)
    if p == 2:
        return np.sqrt((diff * diff).sum(-1))
    if math.isinf(p):
        if diff.shape[-1] == 0:
            return _xp(x1).zeros(diff.shape[:-1], x1.dtype)
        return diff.max(-1)
    return (diff ** p).sum(-1) ** (1.0 / p)


class Cdist(Op):
    save = (0, 1)
    save_output = True

    def forward(ctx, x1, x2, p, use_mm):
        return _cdist_forward(x1, x2, p, use_mm)

    def backward(ctx, g):
        x1, x2, d = ctx.saved_tensors
        p = ctx.params["p"]
        m = ctx.inputs_meta
        if p == 0:
            return (x1 * 0 if m[0] is not None else None), (x2 * 0 if m[1] is not None else None)
        from .pointwise import where
        if p == 2:
            w = where(d == 0, 0.0, g / d)
            g1 = x1 * w.sum(-1, keepdim=True) - matmul(w, x2) if m[0] is not None else None
            g2 = x2 * w.sum(-2).unsqueeze(-1) - matmul(w.mT, x1) if m[1] is not None else None
            return g1, g2
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        gk, dk = g.unsqueeze(-1), d.unsqueeze(-1)
        if p == 1:
            gd = gk * diff.sign()
        elif math.isinf(p):
            gd = gk * diff.sign() * (diff.abs() == dk)
        else:
            scale = where(dk == 0, 0.0, gk / dk.pow(p - 1))
            gd = where(diff == 0, 0.0, diff.sign() * diff.abs().pow(p - 1) * scale)
        return (gd.sum(-2) if m[0] is not None else None), (-gd.sum(-3) if m[1] is not None else None)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError("cdist only supports at least 2D tensors, %s got: %dD" % (name, x._data.ndim))
        if x._dtype.category != D.FLOAT:
            raise RuntimeError("cdist only supports floating-point dtypes, %s got: %s"
                               % (name, _title(x._dtype)))
    if x1._dtype is not x2._dtype:
        raise _dtype_error_scalar(x1._dtype, x2._dtype)
    s1, s2 = x1._data.shape, x2._data.shape
    if s1[-1] != s2[-1]:
        raise RuntimeError("X1 and X2 must have the same number of columns. X1: %d X2: %d" % (s1[-1], s2[-1]))
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _batch_broadcast(s1[:-2], s2[:-2])
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes and compute_mode is not None:
        raise ValueError("%s is not a valid value for compute_mode" % compute_mode)
    use_mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, modes[0]) and (s1[-2] > 25 or s2[-2] > 25))
    p = float(p)
    return apply(Cdist, x1, x2, p=p, use_mm=bool(use_mm and p == 2))


# ------------------------------------------------------------------ chains of products

def chain_matmul(*matrices, out=None):
    """Deprecated: the product of 2-D matrices (linalg.multi_dot)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t._data.ndim != 2:
            raise RuntimeError("Tensor dimension is %d, expected 2 instead." % t._data.ndim)
    if len(matrices) == 1:
        r = matrices[0].clone()
    else:
        r = multi_dot(matrices)
    return r if out is None else _out(r, out)


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices, multiplied in the cheapest order;
    the first and last may be vectors."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got %d" % n)
    first, last = tensors[0], tensors[-1]
    if first._data.ndim not in (1, 2):
        raise RuntimeError("multi_dot(): the first tensor must be 1D or 2D but got %dD" % first._data.ndim)
    if last._data.ndim not in (1, 2):
        raise RuntimeError("multi_dot(): the last tensor must be 1D or 2D but got %dD" % last._data.ndim)
    for i in range(1, n - 1):
        if tensors[i]._data.ndim != 2:
            raise RuntimeError("multi_dot(): tensor %d must be 2D but got %dD" % (i, tensors[i]._data.ndim))
    d = first._dtype
    for i, t in enumerate(tensors):
        if t._dtype is not d:
            raise RuntimeError("multi_dot(): all tensors must have be the same dtype but tensor 0 is %s and "
                               "tensor %d %s" % (_CNAME[d.name], i, _CNAME[t._dtype.name]))
    mats = list(tensors)
    if first._data.ndim == 1:
        mats[0] = first.unsqueeze(0)
    if last._data.ndim == 1:
        mats[-1] = last.unsqueeze(1)
    for i in range(n - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            raise RuntimeError("multi_dot(): tensors %d and %d with shapes %s and %s cannot be multiplied"
                               % (i, i + 1, list(tensors[i].shape), list(tensors[i + 1].shape)))
    if d is D.bool_:
        raise _not_implemented("addmm_impl_cpu_", d)
    if n == 2:
        r = apply(Mm, mats[0], mats[1])
    else:
        r = _chain(mats, _chain_order([m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]), 0, n - 1)
    if first._data.ndim == 1 and last._data.ndim == 1:
        r = r.reshape(())
    elif first._data.ndim == 1:
        r = r.squeeze(0)
    elif last._data.ndim == 1:
        r = r.squeeze(1)
    return r if out is None else _out(r, out)


def _chain_order(p):
    """Split points of the cheapest parenthesisation (matrix-chain DP over n matrices)."""
    n = len(p) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            best = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, k
            cost[i][j] = best
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return apply(Mm, _chain(mats, split, i, k), _chain(mats, split, k + 1, j))


# ------------------------------------------------------------------ torch.* forms of ember.linalg

def _linalg():
    from .. import linalg
    return linalg


def det(input):
    return _linalg().det(input)


def logdet(input):
    return _linalg().logdet(input)


def slogdet(input):
    L = _linalg()
    return L.LegacySlogdetResult(*L.slogdet(input))


def inverse(input, *, out=None):
    return _linalg().inv(input, out=out)


def matrix_power(input, n):
    return _linalg().matrix_power(input, n)


def pinverse(input, rcond=1e-15):
    return _linalg().pinv(input, rtol=rcond)


def cholesky(input, upper=False, *, out=None):
    return _linalg().cholesky(input, upper=upper, out=out)


def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V, not Vh; zero U and V when compute_uv=False."""
    return _linalg()._svd_legacy(input, some, compute_uv)


def qr(input, some=True, *, out=None):
    L = _linalg()
    return L.LegacyQrResult(*L.qr(input, mode="reduced" if some else "complete"))


def matrix_exp(input):
    return _linalg().matrix_exp(input)


__all__ = [
    "matmul", "mm", "bmm", "dot", "vdot", "mv", "outer", "ger", "inner", "addmm", "addmv", "baddbmm",
    "addbmm", "addr", "einsum", "tensordot", "kron", "cross", "trace", "diag", "diag_embed", "diagflat",
    "cdist", "chain_matmul", "det", "logdet", "slogdet", "inverse", "matrix_power", "pinverse",
    "cholesky", "svd", "qr", "matrix_exp",
]

TENSOR_METHODS = {
    "matmul": matmul, "mm": mm, "bmm": bmm, "dot": dot, "vdot": vdot, "mv": mv, "outer": outer,
    "ger": ger, "inner": inner, "addmm": addmm, "addmv": addmv, "baddbmm": baddbmm, "addbmm": addbmm,
    "addr": addr, "kron": kron, "cross": cross, "trace": trace, "diag": diag, "diag_embed": diag_embed,
    "diagflat": diagflat, "det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse,
    "matrix_power": matrix_power, "pinverse": pinverse, "cholesky": cholesky, "svd": svd, "qr": qr,
    "matrix_exp": matrix_exp,
    "addmm_": _inplace_method(addmm), "addmv_": _inplace_method(addmv),
    "baddbmm_": _inplace_method(baddbmm), "addbmm_": _inplace_method(addbmm),
    "addr_": _inplace_method(addr),
}
