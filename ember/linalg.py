"""torch.linalg: norms, inverses, determinants, solvers and decompositions.

Forward passes run on numpy.linalg (batched over leading dims); backward
formulas are written over Tensors with ember's own ops, so gradients of
gradients work wherever the formula only uses differentiable ops. Failures
of a factorisation raise `LinAlgError` (a RuntimeError), as in PyTorch.
"""
import contextlib
import math
from collections import namedtuple

import numpy as np

from . import _dtype as D
from ._backends import is_host, xp as _xp
from ._dispatch import Op, apply
from ._tensor import Tensor
from ._ops import linalg as _L
from ._ops._util import wrap_dim
from ._ops.linalg import (  # noqa: F401  (re-exported: torch.linalg.matmul, multi_dot, ...)
    _conj, _mH, _title, _batch_broadcast, _out, matmul, multi_dot, diag_embed as _diag_embed,
)


class _LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (torch.linalg.LinAlgError)."""


LinAlgError = _LinAlgError
_LinAlgError.__module__ = "torch._C"

# result types (PyTorch's torch.return_types)
SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])
SvdResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
LegacySvdResult = namedtuple("svd", ["U", "S", "V"])
QrResult = namedtuple("linalg_qr", ["Q", "R"])
LegacyQrResult = namedtuple("qr", ["Q", "R"])
LegacySlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])


# ------------------------------------------------------------------ checks and helpers

def _check_float(A, name):
    if not isinstance(A, Tensor):
        raise TypeError("%s(): argument 'A' must be Tensor, not %s" % (name, type(A).__name__))
    d = A._dtype
    if d.category < D.FLOAT:
        raise RuntimeError("%s: Expected a floating point or complex tensor as input. Got %s" % (name, _title(d)))
    if d is D.float16 or d is D.bfloat16:
        raise RuntimeError("%s: Low precision dtypes not supported. Got %s" % (name, _title(d)))


def _check_square(A, name):
    _check_float(A, name)
    s = A._data.shape
    if len(s) < 2:
        raise RuntimeError("%s: The input tensor A must have at least 2 dimensions." % name)
    if s[-1] != s[-2]:
        raise RuntimeError("%s: A must be batches of square matrices, but they are %d by %d matrices"
                           % (name, s[-2], s[-1]))


def _check_matrix(A, name):
    _check_float(A, name)
    if A._data.ndim < 2:
        raise RuntimeError("%s: The input tensor A must have at least 2 dimensions." % name)


def _eye(n, dtype, device):
    return Tensor._make(_xp_of(device).eye(n, dtype=dtype.np), dtype)


def _xp_of(device):
    if device.type == "cpu":
        return np
    from ._backends import cupy
    return cupy()


def _host(a):
    """A small array (flags, pivots, shapes) on the host, for error messages."""
    return a if is_host(a) else a.get()


def _raising(a):
    """A context in which the linear-algebra routines of a's library raise
    LinAlgError on singular / non-positive-definite input. NumPy always does;
    CuPy only under cupyx.errstate(linalg='raise') (it checks cuSOLVER's info)."""
    if is_host(a):
        return contextlib.nullcontext()
    try:
        import cupyx
        return cupyx.errstate(linalg="raise")
    except (ImportError, AttributeError):   # the simulated device raises as NumPy does
        return contextlib.nullcontext()


def _requires_grad(*ts):
    from ._grad_mode import state
    return state.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in ts)


def _apply_keep_outputs(op, *inputs, **params):
    """apply() for a multi-output op whose backward reads all its outputs:
    they are appended to the node's saved tensors (after the inputs)."""
    outs = apply(op, *inputs, **params)
    for o in outs:
        node = o._grad_fn
        if node is not None:
            if node.saved is not None:
                node.saved.extend((t, t._version_counter.value) for t in outs)
            break
    return outs


def _batch_prefix(index, batched):
    return "(Batch element %d): " % index if batched else ""


def _first_failure(ok):
    """Index (flattened) of the first False in a batch of flags."""
    flat = np.asarray(_host(ok)).reshape(-1)
    bad = np.flatnonzero(~flat)
    return int(bad[0]) if bad.size else 0


def _singular_info(a):
    """Per matrix: 0 if invertible, else the 1-based index of the first zero pivot (estimated by rank)."""
    n = a.shape[-1]
    xp = _xp(a)
    if a.size == 0:
        return xp.zeros(a.shape[:-2], np.int32)
    rank = np.linalg.matrix_rank(a) if n else xp.zeros(a.shape[:-2], np.int64)
    det = np.linalg.det(a)
    info = np.where(det == 0, np.minimum(rank + 1, n), 0)
    return info.astype(np.int32)


def _singular_error(a, name):
    info = _host(_singular_info(a))
    flat = info.reshape(-1)
    i = _first_failure(flat == 0)
    k = int(flat[i]) if flat.size and flat[i] else a.shape[-1]
    return _LinAlgError("%s: %sThe diagonal element %d is zero, the inversion could not be completed because "
                        "the input matrix is singular." % (name, _batch_prefix(i, a.ndim > 2), k))


def _restore_dims(t, shape, dims, keepdim):
    """Reinsert reduced dims (size 1) so t broadcasts against the input."""
    if keepdim or not dims:
        return t
    return t.reshape([1 if i in dims else s for i, s in enumerate(shape)])


# ------------------------------------------------------------------ inverse, determinant

class Inv(Op):
    dtype_rule = "keep"
    save_output = True

    def forward(ctx, a):
        try:
            with _raising(a):
                return np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular_error(a, "linalg.inv") from None

    def backward(ctx, g):
        ih = _mH(ctx.output)
        return -matmul(ih, matmul(g, ih))


def inv(A, *, out=None):
    _check_square(A, "linalg.inv")
    return _out(apply(Inv, A), out)


def inv_ex(A, *, check_errors=False, out=None):
    _check_square(A, "linalg.inv")
    info = _singular_info(A._data)
    if check_errors and info.any():
        raise _singular_error(A._data, "linalg.inv_ex")
    if not info.any():
        return InvExResult(apply(Inv, A), Tensor._make(info, D.int32))
    a = A._data.copy()
    bad = info != 0
    a[bad] = _xp(a).eye(a.shape[-1], dtype=a.dtype)
    x = np.linalg.inv(a)
    x[bad] = np.nan
    return InvExResult(Tensor._make(x, A._dtype), Tensor._make(info, D.int32))


def _cofactors(a):
    """d det(A) / dA for any A (singular included), via the SVD:
    cof(A) = det(U) det(V^H) U diag(prod_{j != i} s_j) V^H."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    ones = _xp(s).ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(s[..., 1:], -1)], -1), -1), -1)
    excl = (left * right)[..., :n]
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * np.matmul(u * excl[..., None, :], vh)


class Det(Op):
    dtype_rule = "keep"
    save = (0,)
    save_output = True

    def forward(ctx, a):
        return np.linalg.det(a)

    def backward(ctx, g):
        a, d = ctx.saved_tensors
        dn = d._data
        if np.all(dn != 0) and np.all(np.isfinite(dn)):
            return (g * _conj(d)).unsqueeze(-1).unsqueeze(-1) * _mH(inv(a))
        # singular somewhere: the cofactor matrix (the gradient is a constant here)
        cof = Tensor._make(np.conj(_cofactors(a._data)).astype(a._dtype.np), a._dtype)
        return g.unsqueeze(-1).unsqueeze(-1) * cof


def det(A, *, out=None):
    _check_square(A, "linalg.det")
    return _out(apply(Det, A), out)


class Slogdet(Op):
    dtype_rule = "keep"
    save = (0,)
    nondiff_outputs = (0,)

    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        if a.dtype.kind == "c":
            logabs = logabs.astype(a.dtype)
        return sign, logabs

    def backward(ctx, gsign, glog):
        (a,) = ctx.saved_tensors
        return glog.unsqueeze(-1).unsqueeze(-1) * _mH(inv(a))


def slogdet(A, *, out=None):
    _check_square(A, "linalg.slogdet")
    if A._dtype.category == D.COMPLEX:
        sign, logabs = np.linalg.slogdet(A._data)
        return SlogdetResult(Tensor._make(sign, A._dtype), Tensor._make(logabs, A._dtype.to_real()))
    sign, logabs = apply(Slogdet, A)
    return SlogdetResult(sign, logabs)


def logdet(A):
    """log(det(A)): nan for a negative determinant, -inf for a singular matrix."""
    _check_square(A, "logdet")
    sign, logabs = slogdet(A)
    return logabs + sign.log()


# ------------------------------------------------------------------ solvers

class Solve(Op):
    save = (0,)
    save_output = True

    def forward(ctx, a, b, vector):
        if vector:
            b = b[..., None]
        if a.shape[:-2] != b.shape[:-2]:   # broadcast the batch dims (CuPy's solve does not)
            batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
            a = np.broadcast_to(a, batch + a.shape[-2:])
            b = np.broadcast_to(b, batch + b.shape[-2:])
        try:
            with _raising(a):
                x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise _LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                               "singular.") from None
        return x[..., 0] if vector else x

    def backward(ctx, g):
        a, _, x = ctx.saved_tensors
        vector = ctx.params["vector"]
        gb = apply(Solve, _mH(a), g, vector=vector)
        ga = None
        if ctx.inputs_meta[0] is not None:
            if vector:
                ga = -(gb.unsqueeze(-1) * _conj(x).unsqueeze(-2))
            else:
                ga = -matmul(gb, _mH(x))
        return ga, gb


def _check_solve(A, B, name):
    _check_square(A, name)
    if not isinstance(B, Tensor):
        raise TypeError("%s(): argument 'B' must be Tensor, not %s" % (name, type(B).__name__))
    if A._dtype is not B._dtype:
        raise RuntimeError("%s: Expected A and B to have the same dtype, but found A of type %s and B of type "
                           "%s instead" % (name, _title(A._dtype), _title(B._dtype)))
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    n = sa[-1]
    rows = sb[-1] if vector else (sb[-2] if len(sb) >= 2 else -1)
    if rows != n:
        raise RuntimeError("%s: Incompatible shapes of A and B for the equation AX = B (%dx%d and %s)"
                           % (name, sa[-2], sa[-1], "x".join(str(s) for s in sb[-2:])))
    _batch_broadcast(sa[:-2], sb[:-1] if vector else sb[:-2])
    return vector


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B (left=False); batches broadcast."""
    if not left:
        if isinstance(B, Tensor) and B._data.ndim == 1:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for "
                               "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        return _out(solve(A.mT, B.mT).mT, out)
    vector = _check_solve(A, B, "linalg.solve")
    return _out(apply(Solve, A, B, vector=vector), out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    _check_square(A, "linalg.solve_ex")
    info = _singular_info(A._data)
    if info.any():
        if check_errors:
            raise _LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix is singular.")
        shape = np.broadcast_shapes(A._data.shape[:-2], B._data.shape[:-2]) if B._data.ndim > 1 else ()
        res = _xp(A._data).full(tuple(shape) + B._data.shape[-2:] if B._data.ndim > 1 else B._data.shape,
                                np.nan, A._dtype.np)
        return SolveExResult(Tensor._make(res, A._dtype), Tensor._make(info, D.int32))
    return SolveExResult(solve(A, B, left=left), Tensor._make(info, D.int32))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solve with the triangular part of A (the rest of A is ignored)."""
    _check_square(A, "linalg.solve_triangular")
    T = A.triu() if upper else A.tril()
    if unitriangular:
        n = A._data.shape[-1]
        T = T - _diag_embed(T.diagonal(0, -2, -1)) + _eye(n, A._dtype, A.device)
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    return _out(solve(T, B, left=left), out)


# ------------------------------------------------------------------ Cholesky

def _not_pd_info(a):
    """Per matrix: 0 if positive-definite, else the order of the first leading minor that is not."""
    n = a.shape[-1]
    flat = a.reshape((-1, n, n))
    info = _xp(a).zeros(flat.shape[0], np.int32)
    for k in range(n, 0, -1):   # over the matrix order (not elements): the smallest failing order wins
        w = np.linalg.eigvalsh(flat[:, :k, :k])
        bad = ~(w[:, 0] > 0)
        info[bad] = k
    return info.reshape(a.shape[:-2])


class Cholesky(Op):
    dtype_rule = "keep"
    save_output = True

    def forward(ctx, a, upper):
        try:
            with _raising(a):
                L = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            info = _host(_not_pd_info(a))
            flat = info.reshape(-1)
            i = _first_failure(flat == 0)
            raise _LinAlgError(
                "linalg.cholesky: %sThe factorization could not be completed because the input is not "
                "positive-definite (the leading minor of order %d is not positive-definite)."
                % (_batch_prefix(i, a.ndim > 2), int(flat[i]) if flat.size else 1)) from None
        if upper:
            return _xp(L).ascontiguousarray(np.conj(np.swapaxes(L, -1, -2)))
        return L

    def backward(ctx, g):
        L = ctx.output
        if ctx.params["upper"]:
            L, g = _mH(L), _mH(g)
        # gA = L^{-H} Phi(L^H gL) L^{-1}, symmetrised; Phi takes the lower triangle, halving the diagonal
        P = matmul(_mH(L), g).tril()
        P = P - 0.5 * _diag_embed(P.diagonal(0, -2, -1))
        Linv = inv(L)
        gA = matmul(_mH(Linv), matmul(P, Linv))
        return 0.5 * (gA + _mH(gA))


def cholesky(A, *, upper=False, out=None):
    _check_square(A, "linalg.cholesky")
    return _out(apply(Cholesky, A, upper=bool(upper)), out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    _check_square(A, "linalg.cholesky_ex")
    try:
        L = apply(Cholesky, A, upper=bool(upper))
        return CholeskyExResult(L, Tensor._make(_xp(A._data).zeros(A._data.shape[:-2], np.int32), D.int32))
    except _LinAlgError:
        if check_errors:
            raise
    info = _not_pd_info(A._data)
    a = A._data.copy()
    bad = info != 0
    xp = _xp(a)
    a[bad] = xp.eye(a.shape[-1], dtype=a.dtype)
    L = np.linalg.cholesky(a)
    L[bad] = 0
    if upper:
        L = xp.ascontiguousarray(np.conj(np.swapaxes(L, -1, -2)))
    return CholeskyExResult(Tensor._make(L, A._dtype), Tensor._make(info, D.int32))


# ------------------------------------------------------------------ eigen-decompositions

class Eigh(Op):
    dtype_rule = "keep"

    def forward(ctx, a, UPLO):
        w, v = np.linalg.eigh(a, UPLO=UPLO)
        return w, v

    def backward(ctx, gw, gv):
        w, V = ctx.saved_tensors[-2:]
        n = w._data.shape[-1]
        VhgV = matmul(_mH(V), gv)
        skew = 0.5 * (VhgV - _mH(VhgV))
        E = w.unsqueeze(-2) - w.unsqueeze(-1) + _eye(n, w._dtype, w.device)   # E_ij = w_j - w_i, 1 on the diagonal
        inner = skew / E + _diag_embed(gw)
        return matmul(V, matmul(inner, _mH(V)))


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError("Expected UPLO argument to be 'L' or 'U', but got %s" % UPLO)


def eigh(A, UPLO="L", *, out=None):
    _check_square(A, "linalg.eigh")
    _check_uplo(UPLO)
    if A._dtype.category == D.COMPLEX:
        if _requires_grad(A):
            raise NotImplementedError("linalg.eigh: gradients of complex inputs are not supported")
        w, v = np.linalg.eigh(A._data, UPLO=UPLO)
        return EighResult(Tensor._make(w, A._dtype.to_real()), Tensor._make(v, A._dtype))
    w, v = _apply_keep_outputs(Eigh, A, UPLO=UPLO)
    return EighResult(w, v)


def eigvalsh(A, UPLO="L", *, out=None):
    _check_square(A, "linalg.eigvalsh")
    _check_uplo(UPLO)
    if _requires_grad(A):
        return _out(eigh(A, UPLO).eigenvalues, out)
    w = np.linalg.eigvalsh(A._data, UPLO=UPLO)
    return _out(Tensor._make(w, A._dtype.to_real()), out)


def _complex_of(d):
    return D.complex128 if d in (D.float64, D.complex128) else D.complex64


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of a general matrix (always complex)."""
    _check_square(A, "linalg.eig")
    if _requires_grad(A):
        raise NotImplementedError("linalg.eig: gradients are not supported")
    w, v = np.linalg.eig(A._data)
    c = _complex_of(A._dtype)
    return EigResult(Tensor._make(w.astype(c.np), c), Tensor._make(v.astype(c.np), c))


def eigvals(A, *, out=None):
    _check_square(A, "linalg.eigvals")
    if _requires_grad(A):
        raise NotImplementedError("linalg.eigvals: gradients are not supported")
    c = _complex_of(A._dtype)
    return _out(Tensor._make(np.linalg.eigvals(A._data).astype(c.np), c), out)


# ------------------------------------------------------------------ SVD, QR

def _svd_arrays(a, full_matrices):
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        xp = _xp(a)
        batch = a.shape[:-2]
        um, vn = (m, n) if full_matrices else (k, k)
        U = xp.broadcast_to(xp.eye(m, um, dtype=a.dtype), batch + (m, um)).copy()
        Vh = xp.broadcast_to(xp.eye(vn if full_matrices else k, n, dtype=a.dtype),
                             batch + ((n if full_matrices else k), n)).copy()
        return U, xp.zeros(batch + (k,), a.real.dtype), Vh
    return np.linalg.svd(a, full_matrices=full_matrices)


class Svd(Op):
    dtype_rule = "keep"

    def forward(ctx, a, full_matrices):
        return tuple(_svd_arrays(a, full_matrices))

    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors[-3:]
        m, n = U._data.shape[-2], Vh._data.shape[-1]
        k = S._data.shape[-1]
        if ctx.params["full_matrices"]:
            U, gU = U.narrow(-1, 0, k), gU.narrow(-1, 0, k)
            Vh, gVh = Vh.narrow(-2, 0, k), gVh.narrow(-2, 0, k)
        V = _mH(Vh)
        S2 = S * S
        # E_ij = s_j^2 - s_i^2, 1 on the diagonal
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye(k, S._dtype, S.device)
        UhgU = matmul(_mH(U), gU)
        VhgV = matmul(Vh, _mH(gVh))
        inner = ((UhgU - _mH(UhgU)) * S.unsqueeze(-2) + S.unsqueeze(-1) * (VhgV - _mH(VhgV))) / E
        inner = inner + _diag_embed(gS)
        gA = matmul(U, matmul(inner, Vh))
        if m > k:
            t = gU / S.unsqueeze(-2)
            t = t - matmul(U, matmul(_mH(U), t))
            gA = gA + matmul(t, Vh)
        if n > k:
            t = gVh / S.unsqueeze(-1)
            t = t - matmul(matmul(t, V), Vh)
            gA = gA + matmul(U, t)
        return gA


def svd(A, full_matrices=True, *, driver=None, out=None):
    _check_matrix(A, "linalg.svd")
    if A._dtype.category == D.COMPLEX:
        if _requires_grad(A):
            raise NotImplementedError("linalg.svd: gradients of complex inputs are not supported")
        U, S, Vh = _svd_arrays(A._data, full_matrices)
        return SvdResult(Tensor._make(U, A._dtype), Tensor._make(S, A._dtype.to_real()),
                         Tensor._make(Vh, A._dtype))
    return SvdResult(*_apply_keep_outputs(Svd, A, full_matrices=bool(full_matrices)))


def svdvals(A, *, driver=None, out=None):
    _check_matrix(A, "linalg.svdvals")
    if _requires_grad(A):
        return _out(svd(A, full_matrices=False).S, out)
    a = A._data
    s = np.linalg.svd(a, compute_uv=False) if a.size else _xp(a).zeros(a.shape[:-2] + (min(a.shape[-2:]),))
    return _out(Tensor._make(s.astype(A._dtype.to_real().np), A._dtype.to_real()), out)


def _svd_legacy(A, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V (not V^H); zero-filled U and V without compute_uv."""
    if not compute_uv:
        S = svdvals(A)
        m, n = A._data.shape[-2:]
        batch = A._data.shape[:-2]
        xp = _xp(A._data)
        return LegacySvdResult(Tensor._make(xp.zeros(batch + (m, m), A._dtype.np), A._dtype), S,
                               Tensor._make(xp.zeros(batch + (n, n), A._dtype.np), A._dtype))
    U, S, Vh = svd(A, full_matrices=not some)
    return LegacySvdResult(U, S, _mH(Vh))


class Qr(Op):
    dtype_rule = "keep"

    def forward(ctx, a, mode):
        if mode == "r":
            xp = _xp(a)
            R = np.linalg.qr(a, mode="r") if a.size else xp.zeros(a.shape[:-2] + (0,) + a.shape[-1:], a.dtype)
            return xp.zeros((0,), a.dtype), np.triu(R)
        Q, R = np.linalg.qr(a, mode=mode)
        return Q, R

    def backward(ctx, gQ, gR):
        mode = ctx.params["mode"]
        if mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        Q, R = ctx.saved_tensors[-2:]
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if mode == "complete" and m > n:
            raise NotImplementedError("The QR decomposition is not differentiable when mode='complete' and "
                                      "nrows > ncols.")
        if m >= n:
            return _qr_grad_tall(Q, R, gQ, gR)
        # wide: A = Q [X | Y] with X square; differentiate through X = Q R1 and Y = Q R2
        R1, R2 = R.narrow(-1, 0, m), R.narrow(-1, m, n - m)
        gR1, gR2 = gR.narrow(-1, 0, m), gR.narrow(-1, m, n - m)
        Y = matmul(Q, R2)
        gX = _qr_grad_tall(Q, R1, gQ + matmul(Y, _mH(gR2)), gR1)
        gY = matmul(Q, gR2)
        from ._ops.shape import cat
        return cat([gX, gY], -1)


def _qr_grad_tall(Q, R, gQ, gR):
    """A = QR with Q (m, n) orthonormal and R (n, n) upper: gA = (gQ + Q copyltu(M)) R^{-H},
    M = R gR^H - gQ^H Q, copyltu copying the lower triangle onto the upper one."""
    M = matmul(R, _mH(gR)) - matmul(_mH(gQ), Q)
    low = M.tril(-1)
    sym = low + _mH(low) + _diag_embed(M.diagonal(0, -2, -1))
    b = gQ + matmul(Q, sym)
    return matmul(b, _mH(inv(R)))


def qr(A, mode="reduced", *, out=None):
    _check_matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError("qr received unrecognized mode '%s' but expected one of 'reduced' (default), 'r', or "
                           "'complete'" % mode)
    return QrResult(*_apply_keep_outputs(Qr, A, mode=mode))


# ------------------------------------------------------------------ pseudo-inverse, rank, lstsq

def _tolerances(S, m, n, dtype, atol, rtol):
    """Cut-off below which singular values count as zero: max(atol, rtol * s_max)."""
    xp = _xp(S)

    def arr(x):
        if x is None:
            return None
        return x._data if isinstance(x, Tensor) else xp.asarray(x, dtype.to_real().np)
    atol, rtol = arr(atol), arr(rtol)
    if rtol is None:
        rtol = np.finfo(dtype.to_real().np).eps * max(m, n) if atol is None or not np.any(atol > 0) else 0.0
    smax = S.max(-1) if S.shape[-1] else xp.zeros(S.shape[:-1], S.dtype)
    tol = rtol * smax
    if atol is not None:
        tol = np.maximum(atol, tol)
    return xp.asarray(tol)


class Pinv(Op):
    dtype_rule = "keep"
    save = (0,)
    save_output = True

    def forward(ctx, a, atol, rtol, hermitian):
        m, n = a.shape[-2:]
        if a.size == 0:
            return _xp(a).zeros(a.shape[:-2] + (n, m), a.dtype)
        if hermitian:
            w, v = np.linalg.eigh(a)
            tol = _tolerances(np.abs(w), m, n, D.from_numpy(a.dtype), atol, rtol)
            winv = np.where(np.abs(w) > tol[..., None], 1 / np.where(w == 0, 1, w), 0)
            return np.matmul(v * winv[..., None, :], np.conj(np.swapaxes(v, -1, -2)))
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        tol = _tolerances(s, m, n, D.from_numpy(a.dtype), atol, rtol)
        sinv = np.where(s > tol[..., None], 1 / np.where(s == 0, 1, s), 0).astype(s.dtype)
        return np.matmul(np.conj(np.swapaxes(vh, -1, -2)) * sinv[..., None, :], np.conj(np.swapaxes(u, -1, -2)))

    def backward(ctx, g):
        # d(A+) = -A+ dA A+ + A+ A+^H dA^H (I - A A+) + (I - A+ A) dA^H A+^H A+, whose adjoint is
        # gA = -P^H G P^H + (I - A P) G^H P P^H + P^H P G^H (I - P A)  with P = A+
        A, P = ctx.saved_tensors
        m, n = A._data.shape[-2:]
        Ph, Gh = _mH(P), _mH(g)
        gA = -matmul(Ph, matmul(g, Ph))
        t = matmul(Gh, matmul(P, Ph))                    # G^H P P^H : (m, n)
        gA = gA + t - matmul(A, matmul(P, t))
        u = matmul(matmul(Ph, P), Gh)                    # P^H P G^H : (m, n)
        gA = gA + u - matmul(matmul(u, P), A)
        return gA


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    _check_matrix(A, "linalg.pinv")
    if isinstance(atol, Tensor) or isinstance(rtol, Tensor):
        atol = atol._data if isinstance(atol, Tensor) else atol
        rtol = rtol._data if isinstance(rtol, Tensor) else rtol
    return _out(apply(Pinv, A, atol=atol, rtol=rtol, hermitian=bool(hermitian)), out)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    _check_matrix(A, "linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    a = A._data
    m, n = a.shape[-2:]
    if a.size == 0:
        return _out(Tensor._make(_xp(a).zeros(a.shape[:-2], np.int64), D.int64), out)
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    t = _tolerances(s, m, n, A._dtype, atol, rtol)
    r = (s > t[..., None]).sum(-1).astype(np.int64)
    return _out(Tensor._make(_xp(s).asarray(r), D.int64), out)   # NumPy gives a scalar for one matrix


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B, with the outputs PyTorch's drivers give on the CPU."""
    _check_matrix(A, "linalg.lstsq")
    if A._dtype is not B._dtype:
        raise RuntimeError("torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           "input's dtype %s and other's dtype %s" % (_title(A._dtype), _title(B._dtype)))
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    m, n = A._data.shape[-2:]
    vector = B._data.ndim == A._data.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm._data.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    eps = np.finfo(A._dtype.to_real().np).eps
    r = float(rcond) if rcond is not None else eps * max(m, n)
    X = matmul(pinv(A, rtol=r), Bm)
    a = A._data
    xp = _xp(a)
    s = np.linalg.svd(a, compute_uv=False) if a.size else xp.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
    real = A._dtype.to_real()
    empty = Tensor._make(xp.zeros((0,), real.np), real)
    rank_arr = None
    if driver != "gels":
        tol = r * (s.max(-1) if s.shape[-1] else xp.zeros(s.shape[:-1]))
        rank_arr = (s > xp.asarray(tol)[..., None]).sum(-1).astype(np.int64)
        rank = Tensor._make(xp.asarray(rank_arr), D.int64)
    else:
        rank = Tensor._make(xp.zeros((0,), np.int64), D.int64)
    sv = Tensor._make(s.astype(real.np), real) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    if m > n and driver != "gelsy" and (rank_arr is None or np.all(rank_arr == n)):
        res = matmul(A, X) - Bm
        residuals = (res * _conj(res)).sum(-2)
        if A._dtype.category == D.COMPLEX:
            residuals = Tensor._make(residuals._data.real.copy(), real)
    if vector:
        X = X.squeeze(-1)
    return LstsqResult(X, residuals, rank, sv)


# ------------------------------------------------------------------ powers, exponential

class _PowerZero(Op):
    """A^0: identity matrices shaped like A (a zero gradient flows back to A)."""
    dtype_rule = "keep"
    grad_name = "MatrixPowerBackward0"

    def forward(ctx, a):
        xp = _xp(a)
        return xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()

    def backward(ctx, g):
        return g * 0


def matrix_power(A, n, *, out=None):
    if not isinstance(A, Tensor):
        raise TypeError("matrix_power(): argument 'input' must be Tensor")
    s = A._data.shape
    if len(s) < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if s[-1] != s[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they are %d by %d "
                           "matrices" % (s[-2], s[-1]))
    n = int(n)
    if n == 0:
        return _out(apply(_PowerZero, A), out)
    if n < 0:
        A = inv(A)
        n = -n
    result = None
    base = A
    while True:        # binary exponentiation: O(log n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            break
        base = matmul(base, base)
    return _out(result, out)


def matrix_exp(A):
    """exp(A) by scaling and squaring with a Taylor series (differentiable through matmul)."""
    _check_square(A, "linalg.matrix_exp")
    a = A._data
    n = a.shape[-1]
    if a.size == 0:
        return Tensor._make(a.copy(), A._dtype)
    norm = float(np.max(np.abs(a).sum(-2))) if a.size else 0.0
    s = max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0.5 else 0
    X = A / (2 ** s) if s else A
    eye = _eye(n, A._dtype, A.device)
    E = eye + X / 18
    for k in range(17, 0, -1):   # Horner: I + X/1 (I + X/2 (I + ...)), 18 terms
        E = eye + matmul(X, E) / k
    for _ in range(s):
        E = matmul(E, E)
    return E


# ------------------------------------------------------------------ norms

def _norm_dtype(d, inputs, params):
    dt = params.get("dtype") or d
    return dt, dt.to_real()


class VectorNorm(Op):
    dtype_rule = staticmethod(_norm_dtype)
    save = (0,)
    save_output = True

    def forward(ctx, x, ord, dims, keepdim, dtype=None):
        ax = np.abs(x)
        if ord == 2:
            sq = x * x if x.dtype.kind == "f" else ax * ax
            return np.sqrt(np.sum(sq, axis=dims, keepdims=keepdim))
        if ord == 1:
            return np.sum(ax, axis=dims, keepdims=keepdim)
        if ord == 0:
            return np.sum(ax != 0, axis=dims, keepdims=keepdim).astype(ax.dtype)
        if ord == math.inf:
            return np.amax(ax, axis=dims, keepdims=keepdim)
        if ord == -math.inf:
            return np.amin(ax, axis=dims, keepdims=keepdim)
        return np.sum(ax ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)

    def backward(ctx, g):
        from ._ops.pointwise import where
        x, nrm = ctx.saved_tensors
        p = ctx.params
        ord, dims = p["ord"], p["dims"]
        shape = x._data.shape
        g = _restore_dims(g, shape, dims, p["keepdim"])
        nrm = _restore_dims(nrm, shape, dims, p["keepdim"])
        sgn = x.sgn() if x._dtype.category == D.COMPLEX else x.sign()
        if ord == 2:
            return x * where(nrm == 0, 0.0, g / nrm)
        if ord == 1:
            return sgn * g
        if ord == 0:
            return x * 0
        if math.isinf(ord):
            mask = x.abs() == nrm
            return sgn * mask * (g / mask.sum(dims, keepdim=True))
        scale = where(nrm == 0, 0.0, g / nrm.pow(ord - 1))
        return where(x == 0, 0.0, sgn * x.abs().pow(ord - 1)) * scale


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    _check_float_norm(x, "linalg.vector_norm")
    if dtype is not None and D.promote_types(x._dtype, dtype) is not dtype:
        raise RuntimeError("linalg.vector_norm: the dtype of the input (%s) should be convertible without "
                           "narrowing to the specified dtype (%s)" % (_title(x._dtype), _title(dtype)))
    if isinstance(ord, Tensor):
        ord = ord.item()
    ord = float(ord)
    nd = x._data.ndim
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    if dim is None:
        dims = tuple(range(nd))
    elif isinstance(dim, (int, np.integer)):
        dims = (wrap_dim(int(dim), nd),) if nd else ()
    else:
        dims = tuple(wrap_dim(int(d), nd) for d in dim) if nd else ()
        if len(set(dims)) != len(dims):
            raise RuntimeError("dim %d appears multiple times in the list of dims" % dims[0])
    if ord < 0 or math.isinf(ord):
        shape = x._data.shape
        if any(shape[d] == 0 for d in dims) or (x._data.size == 0 and not dims):
            raise RuntimeError("linalg.vector_norm cannot compute the %s norm on an empty tensor because the "
                               "operation does not have an identity" % _fmt_ord(ord))
    params = {"ord": ord, "dims": dims, "keepdim": bool(keepdim)}
    if dtype is not None:
        params["dtype"] = dtype
    return _out(apply(VectorNorm, x, **params), out)


def _fmt_ord(ord):
    if math.isinf(ord):
        return "inf" if ord > 0 else "-inf"
    return ("%g" % ord)


def _check_float_norm(x, name):
    if not isinstance(x, Tensor):
        raise TypeError("%s(): argument 'input' must be Tensor, not %s" % (name, type(x).__name__))
    if x._dtype.category < D.FLOAT:
        raise RuntimeError("%s: Expected a floating point or complex tensor as input. Got %s"
                           % (name, _title(x._dtype)))


class _Extremum(Op):
    """amax/amin over dims; the gradient is shared evenly between ties."""
    dtype_rule = "keep"
    save = (0,)
    save_output = True
    fn = None

    def forward(ctx, x, dims, keepdim):
        return ctx.op.fn(x, axis=dims, keepdims=keepdim)

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p = ctx.params
        shape = x._data.shape
        g = _restore_dims(g, shape, p["dims"], p["keepdim"])
        out = _restore_dims(out, shape, p["dims"], p["keepdim"])
        mask = x == out
        return mask * (g / mask.sum(p["dims"], keepdim=True))


class Amax(_Extremum):
    fn = staticmethod(np.amax)


class Amin(_Extremum):
    fn = staticmethod(np.amin)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    _check_float_norm(A, "linalg.matrix_norm")
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got %s" % " ".join(str(d) for d in dim))
    d0, d1 = wrap_dim(dim[0], nd), wrap_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError("linalg.matrix_norm: dims must be different. Got (%d, %d)" % (dim[0], dim[1]))
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(ord, str):
        if ord == "fro":
            return _out(vector_norm(A, 2, (d0, d1), keepdim), out)
        if ord != "nuc":
            raise RuntimeError("linalg.matrix_norm: Order %s not supported." % ord)
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError("linalg.matrix_norm: Order %s not supported." % _fmt_ord(float(ord)))
    shape = list(A._data.shape)
    kept = [1 if i in (d0, d1) else s for i, s in enumerate(shape)]
    final = kept if keepdim else [s for i, s in enumerate(shape) if i not in (d0, d1)]
    if ord == "nuc" or ord in (2, -2):
        B = A.movedim((d0, d1), (-2, -1)) if (d0, d1) != (nd - 2, nd - 1) else A
        s = svdvals(B)
        if ord == "nuc":
            r = s.sum(-1)
        else:
            r = apply(Amax if ord == 2 else Amin, s, dims=(s._data.ndim - 1,), keepdim=False)
        return _out(r.reshape(final), out)
    if ord in (1, -1):
        sum_dim, ext_dim = d0, d1
    else:
        sum_dim, ext_dim = d1, d0
    s = A.abs().sum(sum_dim, keepdim=True)
    r = apply(Amax if ord > 0 else Amin, s, dims=(ext_dim,), keepdim=True)
    return _out(r.reshape(final), out)


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """Vector or matrix norm, chosen by ord and dim as in PyTorch."""
    _check_float_norm(A, "linalg.norm" if ord is not None or dim is not None else "linalg.vector_norm")
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    elif dim is not None:
        dim = tuple(dim)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               "Got %dD." % A._data.ndim)
        dim = tuple(range(A._data.ndim))
    if len(dim) == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """Condition number: s_max / s_min for p in (None, 2, -2), else norm(A, p) * norm(inv(A), p)."""
    _check_matrix(A, "linalg.cond")
    if p is None or p in (2, -2):
        s = svdvals(A)
        hi = apply(Amax, s, dims=(s._data.ndim - 1,), keepdim=False)
        lo = apply(Amin, s, dims=(s._data.ndim - 1,), keepdim=False)
        return _out(lo / hi if p == -2 else hi / lo, out)
    _check_square(A, "linalg.cond")
    return _out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


# ------------------------------------------------------------------ small helpers

def cross(input, other, *, dim=-1, out=None):
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    return _out(_L._cross(input, other, dim, "linalg.cross"), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


def vecdot(x, y, *, dim=-1, out=None):
    """Dot product along dim (the first argument conjugated); batches broadcast."""
    return _out((_conj(x) * y).sum(dim), out)


def vander(x, *, N=None):
    """Vandermonde matrix with increasing powers x^0, x^1, ..., x^(N-1) along the last dim."""
    n = x._data.shape[-1] if N is None else int(N)
    if n <= 0:
        raise RuntimeError("N must be greater than 1.")
    from ._ops.shape import stack
    cols = [x * 0 + 1]
    for _ in range(n - 1):   # over the powers, not the elements
        cols.append(cols[-1] * x)
    return stack(cols, -1)


__all__ = [
    "LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex",
    "solve_triangular", "lstsq", "svd", "svdvals", "qr", "eigh", "eigvalsh", "eig", "eigvals", "cholesky",
    "cholesky_ex", "pinv", "matrix_rank", "matrix_power", "matrix_exp", "cross", "multi_dot", "diagonal",
    "matmul", "vecdot", "cond", "vander",
]
