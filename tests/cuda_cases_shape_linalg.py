"""Shape ops, strided views and linear algebra for the CUDA suite
(tests/test_cuda_shape_linalg.py), in the style of tests/cuda_cases.py:
each case is (name, fn, inputs); float inputs get gradients."""
import numpy as np

import ember as E

R = np.random.default_rng(1)


def f32(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape).astype(np.float32)


def f64(*shape):
    return R.uniform(-2.0, 2.0, size=shape)


def i64(*shape, lo=0, hi=4):
    return R.integers(lo, hi, size=shape).astype(np.int64)


def well(*shape, dtype=np.float32):
    """Well-conditioned square matrices: 2 I plus a small perturbation."""
    n = shape[-1]
    return (np.eye(n) * 2 + R.uniform(-0.3, 0.3, size=shape)).astype(dtype)


def spd(*shape, dtype=np.float32):
    """Symmetric positive-definite matrices with well-separated eigenvalues."""
    n = shape[-1]
    a = R.uniform(-0.3, 0.3, size=shape)
    return (a + np.swapaxes(a, -1, -2) + np.diag(np.arange(1, n + 1) * 1.5)).astype(dtype)


# ------------------------------------------------------------------ views and reshapes
def _inplace_views(x):
    y = x * 1
    y[0].mul_(2)                     # select
    y.narrow(1, 1, 2).add_(1)        # slice
    y.t()[2].sub_(0.5)               # view of a view
    y.diagonal().zero_()
    return y


def _inplace_strided(x):
    y = x * 1
    v = E.as_strided(y, (2, 2), (1, 3), 1)
    v.mul_(3)
    return y, v


def _inplace_expand(x):
    y = x.clone()
    y.unsqueeze(0).squeeze(0)[1:, :2].copy_(E.ones(2, 2, device=x.device))
    return y


def _inplace_noncontig_view(x):
    y = (x.t() * 1).contiguous()   # a fresh tensor (x.t() * 1 keeps the transposed layout)
    v = y.view(-1)
    v[::3] = 0.0
    return y


SHAPE = [
    ("view_noncontig", lambda x: x[:, :, :2].view(6, 2), [f32(2, 3, 4)]),
    ("view_noncontig_split", lambda x: x.t().view(2, 2, 3), [f32(3, 4)]),
    ("view_expanded", lambda x: x.expand(3, 4).view(3, 2, 2), [f32(4)]),
    ("reshape_copy", lambda x: (x.t().reshape(-1), x.mT.reshape(2, 6), x.t().flatten()), [f32(3, 4)]),
    ("flatten_range", lambda x: (x.flatten(1), x.flatten(0, 1), x.permute(2, 0, 1).flatten(1, 2)),
     [f32(2, 3, 4)]),
    ("unflatten", lambda x: (x.unflatten(1, (2, -1)), x.t().unflatten(0, (2, 2))), [f32(3, 4)]),
    ("view_as_reshape_as", lambda x, y: (x.view_as(y), x.reshape_as(y), x.ravel()), [f32(3, 4), f32(2, 6)]),
    ("permute_family", lambda x: (x.permute(1, 2, 0), x.transpose(-1, 0), E.swapaxes(x, 0, 1),
                                  E.moveaxis(x, (0, 1), (2, 0)), x.adjoint(), x.movedim(-1, 0)),
     [f32(2, 3, 4)]),
    ("t_small", lambda x, v: (x.t(), v.t(), x.T), [f32(3, 4), f32(4)]),
    ("expand_family", lambda x, y: (x.expand(-1, 4), x.expand(2, 3, 4), x.expand_as(y)) + E.broadcast_tensors(x, y),
     [f32(3, 1), f32(3, 4)]),
    ("expand_contig", lambda x: x.expand(3, 4).contiguous() * 2, [f32(4)]),
    ("squeeze_dims", lambda x: (x.squeeze((0, 2)), x.squeeze(-1), x.unsqueeze(-1), x.unsqueeze(2)),
     [f32(1, 3, 1, 2)]),
    ("select_narrow", lambda x: (x.narrow(-1, -3, 2), x.select(-1, -1), x.select(0, 2), x[None, 1, ..., 2],
                                 x[..., 1:3], x[::2]), [f32(3, 4, 5)]),
    ("split_forms", lambda x: x.split(2, 1) + x.split([2, 0, 3], 1) + x.chunk(3, 0) + x.t().chunk(2, 1),
     [f32(5, 5)]),
    ("tensor_split_forms", lambda x: E.tensor_split(x, [1, 4], 1) + E.tensor_split(x, 2)
     + E.tensor_split(x, E.tensor([2])) + E.hsplit(x, 5) + E.vsplit(x, [1]), [f32(4, 5)]),
    ("dsplit", lambda x: E.dsplit(x, 2), [f32(2, 2, 4)]),
    ("unbind0", lambda x: x.unbind() + x.t().unbind(0), [f32(3, 2)]),
    ("diagonal_forms", lambda x: (x.diagonal(-1), x.diagonal(1, 2, 0), x.diagonal(0, -2, -1),
                                  E.linalg.diagonal(x, offset=2)), [f32(3, 4, 4)]),
    ("unfold_overlap", lambda x: (x.unfold(1, 3, 1), x.unfold(0, 2, 2), x.unfold(-1, 5, 3)), [f32(4, 6)]),
    ("unfold_scalar", lambda x: x.reshape(()).unfold(0, 1, 1), [f32(1)]),
    ("cat_forms", lambda x, y, e: (E.cat([x, y], -1), E.cat([x.t(), y.t()]), E.cat([e, x, e]),
                                   E.concat((x,), 1), E.cat([x[:, :0], y], 1)), [f32(3, 2), f32(3, 4), f32(0)]),
    ("stack_forms", lambda x, y: (E.stack([x, y], -1), E.stack([x.t(), y.t()]), E.stack([x], 2)),
     [f32(3, 4), f32(3, 4)]),
    ("hvd_stack_1d", lambda x, y: (E.hstack([x, y]), E.vstack([x, y]), E.dstack([x, y]), E.column_stack([x, y]),
                                   E.row_stack([x, y])), [f32(4), f32(4)]),
    ("column_stack_mixed", lambda x, y: E.column_stack([x, y]), [f32(3), f32(3, 2)]),
    ("atleast_forms", lambda s, m: (E.atleast_1d(s), E.atleast_2d(s), E.atleast_3d(s), E.atleast_3d(m))
     + E.atleast_1d(s, m) + E.atleast_2d([s, m]), [f32(), f32(2, 3)]),
    ("flip_forms", lambda x: (x.flip(0, 2), x.flip(-1), x.flipud(), x.fliplr(), x[:, ::2].flip(1)),
     [f32(3, 4, 2)]),
    ("roll_forms", lambda x: (x.roll((1, -2), (0, 1)), x.roll(-5), x.t().roll(1, 0)), [f32(3, 4)]),
    ("repeat_forms", lambda x: (x.repeat(2, 1, 3), x.t().repeat(1, 2), x.tile((2, 1, 1)), x.tile(2)), [f32(2, 3)]),
    ("repeat_interleave_int", lambda x: (x.repeat_interleave(3), x.repeat_interleave(2, dim=1),
                                         x.t().repeat_interleave(2, 0)), [f32(2, 3)]),
    ("repeat_interleave_tensor", lambda x, r: (x.repeat_interleave(r, dim=0), x.repeat_interleave(r[:3].flip(0) + 1, 1),
                                               E.repeat_interleave(r), x.repeat_interleave(r[1:2])),
     [f32(4, 3), np.array([0, 2, 1, 3])]),
    ("repeat_interleave_list", lambda x: x.repeat_interleave(E.tensor([1, 0, 2], device=x.device)), [f32(3)]),
    ("tril_triu_forms", lambda x: (x.tril(-1), x.triu(2), x.tril(1), x.mT.triu(), E.tril(x[0], 0)), [f32(2, 4, 5)]),
    ("contiguous_forms", lambda x: (x.permute(2, 0, 1).contiguous(), x[:, ::2].contiguous(), x.contiguous()),
     [f32(2, 3, 4)]),
    ("float64_shape", lambda x: (x.t().reshape(-1), E.cat([x, x]), x.unfold(0, 2, 1), x.diagonal()), [f64(3, 3)]),
    ("int_shape", lambda x: (x.t().reshape(-1), E.cat([x, x], 1), x.flip(0), x.roll(1), x.repeat(2, 1), x.tril(),
                             x.unfold(1, 2, 1), x.diagonal(), E.stack([x, x]), x.repeat_interleave(2)), [i64(3, 3)]),
    ("bool_shape", lambda b: (b.t().reshape(-1), E.cat([b, b]), b.flip(1), b.triu()), [R.random((3, 3)) > 0.5]),
    ("empty_shape", lambda x: (x.reshape(0, 2, 2), x.t().reshape(-1), x.flip(0), E.cat([x, x], 1), *x.split(1, 1),
                               x.repeat(2, 2), x.t().contiguous(), x.roll(1, 1), E.stack([x, x])), [f32(0, 4)]),
    ("view_dtype", lambda x: (x.view(E.int32), x.view(E.uint8).reshape(3, 4, 4)), [f32(3, 4)]),
    ("inplace_views", _inplace_views, [f32(3, 4)]),
    ("inplace_expand_slice", _inplace_expand, [f32(3, 4)]),
    ("inplace_flat_view", _inplace_noncontig_view, [f32(3, 4)]),
    # strided
    ("as_strided_forms", lambda x: (E.as_strided(x, (3, 2), (2, 1)), E.as_strided(x, (2, 3), (1, 2), 2),
                                    x.as_strided((2, 2), (4, 1), 1), E.as_strided(x.t(), (4,), (3,))), [f32(3, 4)]),
    ("as_strided_overlap", lambda x: (E.as_strided(x, (3, 4), (0, 1)), E.as_strided(x, (2, 3), (2, 1))), [f32(8)]),
    ("as_strided_view_of_view", lambda x: E.as_strided(x[1], (2, 2), (1, 1)), [f32(3, 4)]),
    ("inplace_as_strided", _inplace_strided, [f32(3, 4)]),
]


# ------------------------------------------------------------------ products
def _mat_cases(dt, tag):
    def a(*s):
        return R.uniform(-1, 1, size=s).astype(dt)
    return [
        ("matmul_1d_1d" + tag, lambda x, y: x @ y, [a(4), a(4)]),
        ("matmul_1d_2d" + tag, lambda x, y: x @ y, [a(4), a(4, 3)]),
        ("matmul_2d_1d" + tag, lambda x, y: x @ y, [a(3, 4), a(4)]),
        ("matmul_3d_1d" + tag, lambda x, y: x @ y, [a(2, 3, 4), a(4)]),
        ("matmul_1d_3d" + tag, lambda x, y: x @ y, [a(4), a(2, 4, 3)]),
        ("matmul_3d_2d" + tag, lambda x, y: E.matmul(x, y), [a(2, 3, 4), a(4, 5)]),
        ("matmul_2d_3d" + tag, lambda x, y: E.matmul(x, y), [a(3, 4), a(2, 4, 5)]),
        ("matmul_broadcast" + tag, lambda x, y: x @ y, [a(2, 1, 3, 4), a(3, 4, 2)]),
        ("matmul_noncontig" + tag, lambda x, y: (x.mT @ y, x[:, ::2] @ y[:2]), [a(4, 3), a(4, 2)]),
        ("mm_bmm_mv" + tag, lambda x, y, z: (E.mm(x[0], y[0]), E.bmm(x, y), E.mv(x[1], z), x[0].mv(z)),
         [a(2, 3, 4), a(2, 4, 5), a(4)]),
        ("dot_family" + tag, lambda x, y: (E.dot(x, y), E.vdot(x, y), E.outer(x, y), E.ger(x, y), E.inner(x, y)),
         [a(4), a(4)]),
        ("inner_2d" + tag, lambda x, y: E.inner(x, y), [a(2, 3), a(4, 3)]),
        ("addmm_forms" + tag, lambda c, x, y: (E.addmm(c, x, y), E.addmm(c[0], x, y, beta=0.5, alpha=2),
                                               E.addmm(c, x, y, beta=0)), [a(3, 5), a(3, 4), a(4, 5)]),
        ("addmv_forms" + tag, lambda c, m, v: (E.addmv(c, m, v), E.addmv(c, m, v, beta=2, alpha=-1)),
         [a(3), a(3, 4), a(4)]),
        ("baddbmm_addbmm" + tag, lambda c, x, y, d: (E.baddbmm(c, x, y, beta=0.5, alpha=1.5), E.addbmm(d, x, y),
                                                     E.addbmm(d, x, y, alpha=2)),
         [a(2, 3, 5), a(2, 3, 4), a(2, 4, 5), a(3, 5)]),
        ("addr_forms" + tag, lambda c, x, y: (E.addr(c, x, y), E.addr(c, x, y, beta=2, alpha=0.5)),
         [a(3, 4), a(3), a(4)]),
        ("inplace_addmm" + tag, lambda c, x, y: c.clone().addmm_(x, y), [a(3, 5), a(3, 4), a(4, 5)]),
    ]


PRODUCTS = _mat_cases(np.float32, "") + _mat_cases(np.float64, "_f64") + [
    ("matmul_f16", lambda x, y: (x @ y, E.mm(x, y.t().t()), x[0] @ y), [f32(3, 4).astype(np.float16),
                                                                        f32(4, 2).astype(np.float16)]),
    ("bmm_f16", lambda x, y: E.bmm(x, y), [f32(2, 3, 4).astype(np.float16), f32(2, 4, 2).astype(np.float16)]),
    ("matmul_int", lambda x, y: (x @ y, E.mm(x, y), x[0] @ y[:, 0]), [i64(3, 4), i64(4, 2)]),
    ("einsum_forms", lambda x, y, z: (E.einsum("ij,jk->ik", x, y), E.einsum("ij,jk,kl", x, y, z),
                                      E.einsum("ij->ji", x), E.einsum("ij->", x), E.einsum("i,j->ij", x[0], y[0])),
     [f32(3, 4), f32(4, 2), f32(2, 5)]),
    ("einsum_diag", lambda x: (E.einsum("ii->i", x), E.einsum("ii", x), E.einsum("...ii->...", x[None])),
     [f32(3, 3)]),
    ("einsum_batch", lambda x, y: (E.einsum("bij,bjk->bik", x, y), E.einsum("...ij,...jk", x, y),
                                   E.einsum(x, [0, 1, 2], y, [0, 2, 3], [0, 1, 3])), [f32(2, 3, 4), f32(2, 4, 2)]),
    ("einsum_broadcast", lambda x, y: E.einsum("bij,bjk->bik", x, y), [f32(1, 3, 4), f32(2, 4, 2)]),
    ("tensordot_forms", lambda x, y: (E.tensordot(x, y, 2), E.tensordot(x, y, ([0, 2], [2, 1])),
                                      E.tensordot(x, y, 0)), [f32(2, 3, 4), f32(3, 4, 2)]),
    ("kron_forms", lambda x, y: (E.kron(x, y), E.kron(x[0], y), E.kron(x, y[0])), [f32(2, 3), f32(2, 2)]),
    ("cross_forms", lambda x, y: (E.cross(x, y, dim=0), E.linalg.cross(x.t(), y.t()), E.cross(x, y[:, :1], dim=0)),
     [f32(3, 4), f32(3, 4)]),
    ("trace_forms", lambda x: (E.trace(x), x.trace(), E.trace(x[:, :2])), [f32(3, 4)]),
    ("diag_forms", lambda v, m: (E.diag(v), E.diag(v, 1), E.diag(v, -2), E.diag(m), E.diag(m, 1), E.diag(m, -1)),
     [f32(3), f32(3, 4)]),
    ("diag_embed_forms", lambda x: (E.diag_embed(x), E.diag_embed(x, 1), E.diag_embed(x, -1, 0, 2),
                                    E.diag_embed(x, 0, 2, 0)), [f32(2, 3)]),
    ("diagflat_forms", lambda x: (E.diagflat(x), E.diagflat(x, -1)), [f32(2, 2)]),
    ("cdist_forms", lambda x, y: (E.cdist(x, y, 1), E.cdist(x, y, 3), E.cdist(x, y, float("inf")),
                                  E.cdist(x, y, 0), E.cdist(x, y, compute_mode="use_mm_for_euclid_dist"),
                                  E.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")),
     [f32(4, 3), f32(5, 3)]),
    ("cdist_batched", lambda x, y: E.cdist(x, y), [f32(2, 4, 3), f32(1, 30, 3)]),
    ("cdist_f64", lambda x, y: E.cdist(x, y), [f64(4, 3), f64(5, 3)]),
    ("multi_dot", lambda a, b, c, v: (E.linalg.multi_dot([a, b, c]), E.linalg.multi_dot([v, b, c]),
                                      E.chain_matmul(a, b, c)), [f32(2, 3), f32(3, 4), f32(4, 2), f32(3)]),
    ("vecdot_vander", lambda x, y: (E.linalg.vecdot(x, y), E.linalg.vander(x[0])), [f32(2, 3), f32(2, 3)]),
]


# ------------------------------------------------------------------ decompositions
def _dec_cases(dt, tag):
    def w(*s):
        return well(*s, dtype=dt)

    def p(*s):
        return spd(*s, dtype=dt)

    def g(*s):
        return R.uniform(-1, 1, size=s).astype(dt)
    return [
        ("det_family" + tag, lambda x: (E.det(x), E.logdet(x), x.det()) + tuple(E.slogdet(x))
         + tuple(E.linalg.slogdet(x)), [w(2, 3, 3)]),
        ("det_negative" + tag, lambda x: (E.det(-x), E.logdet(-x)) + tuple(E.slogdet(-x)), [w(3, 3)]),
        ("det_singular" + tag, lambda x: E.det(x * E.tensor([1.0, 1.0, 0.0], device=x.device, dtype=x.dtype)),
         [g(3, 3)]),
        ("inverse_family" + tag, lambda x: (E.inverse(x), E.linalg.inv(x), E.linalg.inv_ex(x)[0],
                                            E.linalg.inv_ex(x)[1]), [w(2, 3, 3)]),
        ("matrix_power" + tag, lambda x: (E.matrix_power(x, 0), E.matrix_power(x, 2), E.linalg.matrix_power(x, -2),
                                          x.matrix_power(5)), [w(3, 3)]),
        ("pinverse" + tag, lambda x, s: (E.pinverse(x), E.linalg.pinv(x.mT), E.linalg.pinv(s, hermitian=True),
                                         E.linalg.pinv(x, atol=0.1, rtol=0.01)), [g(4, 3), p(3, 3)]),
        ("cholesky_forms" + tag, lambda x: (E.cholesky(x), E.linalg.cholesky(x, upper=True), x.cholesky(upper=True),
                                            E.linalg.cholesky_ex(x)[0], E.linalg.cholesky_ex(x)[1]), [p(2, 3, 3)]),
        ("svd_invariants" + tag, lambda x: _svd_invariants(x), [g(4, 3)]),
        ("svd_wide" + tag, lambda x: _svd_invariants(x), [g(2, 3, 5)]),
        ("svdvals" + tag, lambda x: (E.linalg.svdvals(x), E.svd(x, compute_uv=False)[1]), [g(2, 4, 3)]),
        ("qr_forms" + tag, lambda x: tuple(E.linalg.qr(x)) + tuple(E.qr(x)) + (E.linalg.qr(x.detach(), mode="r")[1],
                                                                             E.linalg.qr(x.detach(), "complete")[0]),
         [g(4, 3)]),
        ("qr_wide" + tag, lambda x: tuple(E.linalg.qr(x)), [g(2, 3, 4)]),
        ("matrix_exp" + tag, lambda x: (E.matrix_exp(x), E.linalg.matrix_exp(x * 3)), [g(2, 3, 3)]),
        ("solve_forms" + tag, lambda a, b, v: (E.linalg.solve(a, b), E.linalg.solve(a, v), E.linalg.solve(a[0], b),
                                               E.linalg.solve(a, b.mT, left=False), E.linalg.solve_ex(a, b)[0]),
         [w(2, 3, 3), g(2, 3, 2), g(2, 3)]),
        ("solve_broadcast" + tag, lambda a, b: E.linalg.solve(a, b), [w(3, 3), g(2, 3, 2)]),
        ("solve_triangular" + tag, lambda a, b: (E.linalg.solve_triangular(a, b, upper=True),
                                                 E.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
                                                 E.linalg.solve_triangular(a, b.mT, upper=True, left=False)),
         [w(3, 3), g(3, 2)]),
        ("lstsq" + tag, lambda a, b: tuple(E.linalg.lstsq(a, b)) + tuple(E.linalg.lstsq(a, b, driver="gelsd")),
         [g(5, 3), g(5, 2)]),
        ("eigh_invariants" + tag, lambda s: _eigh_invariants(s), [p(2, 3, 3)]),
        ("eigvalsh" + tag, lambda s: (E.linalg.eigvalsh(s), E.linalg.eigvalsh(s, UPLO="U")), [p(3, 3)]),
        ("norms" + tag, lambda x: (E.linalg.norm(x), E.linalg.norm(x, 1), E.linalg.norm(x, "nuc"),
                                   E.linalg.norm(x, dim=1), E.linalg.norm(x, 3, dim=0), E.linalg.norm(x, float("inf")),
                                   E.linalg.norm(x, -2)), [g(3, 4)]),
        ("vector_norm" + tag, lambda x: (E.linalg.vector_norm(x), E.linalg.vector_norm(x, 1, (0, 2)),
                                         E.linalg.vector_norm(x, float("inf"), -1, keepdim=True),
                                         E.linalg.vector_norm(x, -float("inf")), E.linalg.vector_norm(x, 0),
                                         E.linalg.vector_norm(x, 0.5, 1)), [g(2, 3, 4)]),
        ("matrix_norm" + tag, lambda x: (E.linalg.matrix_norm(x), E.linalg.matrix_norm(x, "nuc"),
                                         E.linalg.matrix_norm(x, 2), E.linalg.matrix_norm(x, -2),
                                         E.linalg.matrix_norm(x, 1), E.linalg.matrix_norm(x, -float("inf")),
                                         E.linalg.matrix_norm(x, "fro", (0, 2), keepdim=True)), [g(2, 3, 4)]),
        ("cond_rank" + tag, lambda x: (E.linalg.cond(x), E.linalg.cond(x, "fro"), E.linalg.cond(x, -2),
                                       E.linalg.matrix_rank(x), E.linalg.matrix_rank(x[:, :2] @ x[:2]),
                                       E.linalg.matrix_rank(x @ x.mT, hermitian=True)), [w(3, 3)]),
        ("svd_legacy" + tag, lambda x: (E.svd(x)[1], E.svd(x, some=False)[1], E.svd(x, compute_uv=False)[0]),
         [g(4, 3)]),
    ]


def _svd_invariants(x):
    """Quantities that do not depend on the singular vectors' signs."""
    U, S, Vh = E.linalg.svd(x, full_matrices=False)
    Uf, Sf, Vhf = E.linalg.svd(x)
    return S, (U * S.unsqueeze(-2)) @ Vh, U.abs(), Vh.abs(), Sf, Uf.shape[-1] + Vhf.shape[-2]


def _eigh_invariants(s):
    w, V = E.linalg.eigh(s)
    wu, Vu = E.linalg.eigh(s, UPLO="U")
    return w, V * V, (V * w.unsqueeze(-2)) @ V.mT, wu, Vu.abs()


DECOMP = _dec_cases(np.float32, "") + _dec_cases(np.float64, "_f64")

CASES = SHAPE + PRODUCTS + DECOMP
LOOSE = {c[0] for c in DECOMP} | {"matmul_f16", "bmm_f16", "cdist_batched"}
