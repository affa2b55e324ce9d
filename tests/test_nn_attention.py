"""Attention and the Transformer family compared against real PyTorch:
F.scaled_dot_product_attention, nn.MultiheadAttention (masks, layouts,
kdim/vdim, bias_kv, zero_attn, unbatched, weights), the encoder/decoder
layers and stacks, nn.Transformer, seeded construction, dropout draws,
repr, errors, double backward and torch.nn.attention."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
import ember.nn as enn
import ember.nn.functional as EF

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """The reference's tiny ops are slow under a thread pool on a busy machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def pair(a, requires_grad=False):
    t = torch.tensor(a, requires_grad=requires_grad)
    e = ember.tensor(a, requires_grad=requires_grad)
    return t, e


def npy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach())


def close(t, e, rtol=1e-4, atol=1e-5):
    assert (t is None) == (e is None), (t, e)
    if t is None:
        return
    a, b = npy(t), npy(e)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert str(t.dtype) == str(e.dtype), (t.dtype, e.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def copy_weights(tmod, emod):
    emod.load_state_dict({k: ember.tensor(v.detach().numpy())
                          for k, v in tmod.state_dict().items()})
    return emod


def same_params(tmod, emod, grads=False, rtol=1e-4, atol=1e-5):
    tn = dict(tmod.named_parameters())
    en = dict(emod.named_parameters())
    assert list(tn) == list(en)
    for k in tn:
        if grads:
            close(tn[k].grad, en[k].grad, rtol, atol)
        else:
            close(tn[k], en[k], rtol, atol)


def grads_of(*ts):
    return [t.grad for t in ts]


# ------------------------------------------------------------------ scaled_dot_product_attention
def _sdpa_case(lib, F, q, k, v, **kw):
    out = F.scaled_dot_product_attention(q, k, v, **kw)
    return out


@pytest.mark.parametrize("case", [
    dict(),
    dict(is_causal=True),
    dict(scale=0.3),
    dict(mask=("bool", (5, 6))),
    dict(mask=("float", (2, 1, 5, 6))),
    dict(mask=("bool", (1, 3, 1, 6))),
    dict(mask=("float_grad", (3, 5, 6))),
])
def test_sdpa_matches_torch(case):
    qa, ka, va = arr(2, 3, 5, 8), arr(2, 3, 6, 8), arr(2, 3, 6, 4)
    kw = {k: v for k, v in case.items() if k != "mask"}
    tq, eq = pair(qa, True)
    tk, ek = pair(ka, True)
    tv, ev = pair(va, True)
    tm = em = None
    if "mask" in case:
        kind, shape = case["mask"]
        if kind == "bool":
            m = RNG.random(shape) > 0.3
            m[..., 0] = True       # no fully hidden row
            tm, em = pair(m)
        else:
            m = arr(*shape)
            tm, em = pair(m, kind == "float_grad")
        kw["attn_mask"] = None
    t = TF.scaled_dot_product_attention(tq, tk, tv, **dict(kw, attn_mask=tm))
    e = EF.scaled_dot_product_attention(eq, ek, ev, **dict(kw, attn_mask=em))
    close(t, e)
    g = arr(*t.shape)
    t.backward(torch.tensor(g))
    e.backward(ember.tensor(g))
    for a, b in zip(grads_of(tq, tk, tv), grads_of(eq, ek, ev)):
        close(a, b)
    if tm is not None and tm.requires_grad:
        close(tm.grad, em.grad)
    assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__


def test_sdpa_shapes_gqa_and_fully_masked_rows():
    # 3-D and 2-D inputs, key/value broadcasting over heads
    for qs, ks, ms in [((4, 5, 8), (4, 7, 8), None), ((5, 8), (7, 8), None),
                       ((2, 4, 5, 8), (1, 1, 7, 8), None), ((1, 1, 5, 8), (2, 3, 7, 8), None),
                       ((2, 1, 5, 8), (1, 3, 7, 8), (3, 1, 7))]:
        tq, eq = pair(arr(*qs), True)
        tk, ek = pair(arr(*ks), True)
        tv, ev = pair(arr(*ks), True)
        tm, em = pair(arr(*ms), True) if ms else (None, None)
        t = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm)
        e = EF.scaled_dot_product_attention(eq, ek, ev, attn_mask=em)
        close(t, e)
        (t * t).sum().backward()
        (e * e).sum().backward()
        for a, b in zip(grads_of(tq, tk, tv), grads_of(eq, ek, ev)):
            close(a, b)
        if tm is not None:
            close(tm.grad, em.grad)
    # grouped-query attention: 6 query heads share 2 key/value heads
    tq, eq = pair(arr(2, 6, 5, 8), True)
    tk, ek = pair(arr(2, 2, 7, 8), True)
    tv, ev = pair(arr(2, 2, 7, 3), True)
    tm, em = pair(arr(6, 5, 7))
    t = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, enable_gqa=True)
    e = EF.scaled_dot_product_attention(eq, ek, ev, attn_mask=em, enable_gqa=True)
    close(t, e)
    (t * t).sum().backward()
    (e * e).sum().backward()
    for a, b in zip(grads_of(tq, tk, tv), grads_of(eq, ek, ev)):
        close(a, b)
    # a row with every key hidden gives zeros (and zero gradient), not NaN
    m = np.ones((5, 7), bool)
    m[2] = False
    tq, eq = pair(arr(2, 2, 5, 8), True)
    tk, ek = pair(arr(2, 2, 7, 8))
    t = TF.scaled_dot_product_attention(tq, tk, tk, attn_mask=torch.tensor(m))
    e = EF.scaled_dot_product_attention(eq, ek, ek, attn_mask=ember.tensor(m))
    close(t, e)
    t.sum().backward()
    e.sum().backward()
    close(tq.grad, eq.grad)


def test_sdpa_dropout_uses_torch_draws():
    qa, ka, va = arr(2, 3, 5, 8), arr(2, 3, 6, 8), arr(2, 3, 6, 8)
    tq, eq = pair(qa, True)
    tk, ek = pair(ka, True)
    tv, ev = pair(va, True)
    torch.manual_seed(7)
    ember.manual_seed(7)
    t = TF.scaled_dot_product_attention(tq, tk, tv, dropout_p=0.4)
    e = EF.scaled_dot_product_attention(eq, ek, ev, dropout_p=0.4)
    close(t, e)
    assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__ == "UnsafeViewBackward0"
    t.sum().backward()
    e.sum().backward()
    for a, b in zip(grads_of(tq, tk, tv), grads_of(eq, ek, ev)):
        close(a, b)
    # the generator moved on by the same amount
    close(torch.rand(3), ember.rand(3))


def test_sdpa_errors():
    q = arr(2, 2, 3, 4)
    cases = [
        lambda lib, F, a: F.scaled_dot_product_attention(a, a.double(), a),
        lambda lib, F, a: F.scaled_dot_product_attention(a[0], a[0], a[0],
                                                         attn_mask=lib.ones(3, 3, dtype=lib.bool),
                                                         is_causal=True),
        lambda lib, F, a: F.scaled_dot_product_attention(a, a, a,
                                                         attn_mask=lib.ones(3, 3, dtype=lib.int64)),
        lambda lib, F, a: F.scaled_dot_product_attention(a[0, 0], a[0, 0], a[0, 0],
                                                         attn_mask=lib.zeros(2, 3, 3)),
        lambda lib, F, a: F.scaled_dot_product_attention(a, a, a, attn_mask=lib.zeros(2, 3)),
        lambda lib, F, a: F.scaled_dot_product_attention(a, a, a[:, :, :2], dropout_p=0.1),
        lambda lib, F, a: F.scaled_dot_product_attention(a[0, 0], a[0, 0, :, :2], a[0, 0]),
        lambda lib, F, a: F.scaled_dot_product_attention(a[0, 0, 0], a[0, 0, 0], a[0, 0, 0]),
        lambda lib, F, a: F.scaled_dot_product_attention(a, a[..., :2], a),
    ]
    for c in cases:
        res = []
        for lib, F in ((torch, TF), (ember, EF)):
            try:
                c(lib, F, lib.tensor(q))
                res.append(None)
            except Exception as e:  # noqa: BLE001
                res.append((type(e).__name__, str(e)))
        assert res[0] == res[1]


def test_sdpa_double_backward():
    from torch.nn.attention import SDPBackend, sdpa_kernel
    qa, ka, va, ma = arr(2, 2, 4, 3), arr(2, 2, 5, 3), arr(2, 2, 5, 3), arr(4, 5)
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in (qa, ka, va))
        with sdpa_kernel(SDPBackend.MATH):
            o = F.scaled_dot_product_attention(q, k, v, attn_mask=lib.tensor(ma))
        gq, gk, gv = lib.autograd.grad((o * o).sum(), (q, k, v), create_graph=True)
        (gq.sum() + (gk * gk).sum() + (gv * v).sum()).backward()
        res.append([gq, gk, gv, q.grad, k.grad, v.grad])
    for a, b in zip(*res):
        close(a, b)


@pytest.mark.parametrize("mode", ["self", "kv", "separate"])
def test_mha_double_backward(mode):
    tm, em = _mha_pair(8, 2, batch_first=mode != "kv")
    xa, ya, za = arr(3, 4, 8), arr(3, 5, 8), arr(3, 5, 8)
    if mode == "kv":
        xa, ya = xa.transpose(1, 0, 2).copy(), ya.transpose(1, 0, 2).copy()
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        x, y, z = (lib.tensor(a, requires_grad=True) for a in (xa, ya, za))
        args = {"self": (x, x, x), "kv": (x, y, y), "separate": (x, y, z)}[mode]
        o, w = m(*args)
        wrt = [x, m.in_proj_weight, m.in_proj_bias] + ([y] if mode != "self" else [])
        gs = lib.autograd.grad((o * o).sum() + (w * w).sum(), wrt, create_graph=True)
        sum((g * g).sum() for g in gs).backward()
        res.append(list(gs) + [x.grad, m.in_proj_weight.grad, m.in_proj_bias.grad,
                               m.out_proj.weight.grad])
    for a, b in zip(*res):
        close(a, b, rtol=1e-3, atol=1e-4)


def test_nn_attention_module():
    from ember.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.attention as ta
    assert ({n: int(b) for n, b in SDPBackend.__members__.items()}
            == {n: int(b) for n, b in ta.SDPBackend.__members__.items()})
    assert repr(SDPBackend.MATH) == repr(ta.SDPBackend.MATH)
    assert str(SDPBackend.FLASH_ATTENTION) == str(ta.SDPBackend.FLASH_ATTENTION)
    q = ember.tensor(arr(1, 2, 3, 4))
    with sdpa_kernel(SDPBackend.MATH) as r:
        assert r == {}
        q2 = q.clone().requires_grad_()
        out = EF.scaled_dot_product_attention(q2, q2, q2)
        assert type(out.grad_fn).__name__ == "UnsafeViewBackward0"
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
        EF.scaled_dot_product_attention(q, q, q)
    with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):
        with pytest.raises(RuntimeError, match="No viable backend"):
            EF.scaled_dot_product_attention(q, q, q)
    with pytest.raises(AssertionError):
        with sdpa_kernel("math"):
            pass
    import ember.nn.attention as ea
    assert ea._cur_sdpa_kernel_backends() == [SDPBackend(int(b))
                                              for b in ta._cur_sdpa_kernel_backends()]


# ------------------------------------------------------------------ MultiheadAttention
def _mha_pair(*args, **kw):
    torch.manual_seed(0)
    t = tnn.MultiheadAttention(*args, **kw)
    ember.manual_seed(0)
    e = enn.MultiheadAttention(*args, **kw)
    return t, e


def _run_mha(tm, em, inputs, kw_t, kw_e, grad_out=True):
    """Forward both modules on the same inputs (arrays; a repeated array
    object means the same tensor), compare outputs, weights and gradients."""
    made = {}
    tin, ein = [], []
    for a in inputs:
        if id(a) not in made:
            made[id(a)] = pair(a, True)
        t, e = made[id(a)]
        tin.append(t)
        ein.append(e)
    to, tw = tm(*tin, **kw_t)
    eo, ew = em(*ein, **kw_e)
    close(to, eo)
    close(tw, ew)
    if grad_out:
        g = arr(*to.shape)
        loss_t = (to * torch.tensor(g)).sum()
        loss_e = (eo * ember.tensor(g)).sum()
        if tw is not None:
            gw = arr(*tw.shape)
            loss_t = loss_t + (tw * torch.tensor(gw)).sum()
            loss_e = loss_e + (ew * ember.tensor(gw)).sum()
        loss_t.backward()
        loss_e.backward()
        for t, e in made.values():
            close(t.grad, e.grad)
        same_params(tm, em, grads=True)
    return to, eo


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(batch_first, need_weights, average):
    tm, em = _mha_pair(16, 4, batch_first=batch_first)
    same_params(tm, em)
    x = arr(2, 5, 16) if batch_first else arr(5, 2, 16)
    kw = dict(need_weights=need_weights, average_attn_weights=average)
    _run_mha(tm, em, [x, x, x], kw, kw)


def _masks(kind, N, H, L, S):
    hidden = np.triu(np.ones((L, S), bool), 1)
    if kind == "bool":
        return {"attn_mask": hidden}
    if kind == "float":
        return {"attn_mask": arr(L, S)}
    if kind == "causal_float":
        return {"attn_mask": np.where(hidden, -np.inf, 0).astype(np.float32)}
    if kind == "per_head":
        m = RNG.random((N * H, L, S)) > 0.6
        m[..., 0] = False
        return {"attn_mask": m}
    if kind == "kpm":
        k = np.zeros((N, S), bool)
        k[1, -2:] = True
        return {"key_padding_mask": k}
    if kind == "kpm_float":
        k = np.zeros((N, S), np.float32)
        k[1, -2:] = -np.inf
        k[0, 1] = -1.5
        return {"key_padding_mask": k}
    if kind == "both":
        k = np.zeros((N, S), bool)
        k[0, -1] = True
        return {"attn_mask": hidden, "key_padding_mask": k}
    if kind == "mixed":
        k = np.zeros((N, S), bool)
        k[0, -1] = True
        return {"attn_mask": arr(L, S), "key_padding_mask": k}
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["bool", "float", "causal_float", "per_head", "kpm", "kpm_float",
                                  "both", "mixed"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(kind, need_weights):
    tm, em = _mha_pair(12, 3, batch_first=True)
    x = arr(2, 5, 12)
    masks = _masks(kind, 2, 3, 5, 5)
    kw_t = {k: torch.tensor(v) for k, v in masks.items()}
    kw_e = {k: ember.tensor(v) for k, v in masks.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run_mha(tm, em, [x, x, x], dict(kw_t, need_weights=need_weights),
                 dict(kw_e, need_weights=need_weights))


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_is_causal_and_subsequent_mask(need_weights):
    tm, em = _mha_pair(8, 2)
    x = arr(4, 3, 8)
    tmask = tnn.Transformer.generate_square_subsequent_mask(4)
    emask = enn.Transformer.generate_square_subsequent_mask(4)
    close(tmask, emask)
    _run_mha(tm, em, [x, x, x], dict(attn_mask=tmask, is_causal=True, need_weights=need_weights),
             dict(attn_mask=emask, is_causal=True, need_weights=need_weights))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        em(ember.tensor(x), ember.tensor(x), ember.tensor(x), is_causal=True)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_cross_attention_layouts(batch_first):
    tm, em = _mha_pair(16, 2, batch_first=batch_first)
    q = arr(2, 3, 16) if batch_first else arr(3, 2, 16)
    kv = arr(2, 6, 16) if batch_first else arr(6, 2, 16)
    v = arr(*kv.shape)
    _run_mha(tm, em, [q, kv, kv], {}, {})            # key is value (one packed k|v projection)
    _run_mha(tm, em, [q, kv, v], {}, {})             # all different


@pytest.mark.parametrize("opts", [
    dict(kdim=5, vdim=7),
    dict(kdim=5, vdim=7, bias=False),
    dict(add_bias_kv=True),
    dict(add_zero_attn=True),
    dict(add_bias_kv=True, add_zero_attn=True),
    dict(bias=False),
])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_options(opts, batch_first):
    tm, em = _mha_pair(12, 3, batch_first=batch_first, **opts)
    same_params(tm, em)
    kd, vd = opts.get("kdim", 12), opts.get("vdim", 12)
    shape = (lambda L, d: (2, L, d)) if batch_first else (lambda L, d: (L, 2, d))
    q, k, v = arr(*shape(4, 12)), arr(*shape(6, kd)), arr(*shape(6, vd))
    kpm = np.zeros((2, 6), bool)
    kpm[1, 4:] = True
    am = np.triu(np.ones((4, 6), bool), 3)
    for need in (True, False):
        _run_mha(tm, em, [q, k, v],
                 dict(key_padding_mask=torch.tensor(kpm), attn_mask=torch.tensor(am),
                      need_weights=need),
                 dict(key_padding_mask=ember.tensor(kpm), attn_mask=ember.tensor(am),
                      need_weights=need))
        tm.zero_grad()
        em.zero_grad()
    if opts.get("kdim") is None:
        _run_mha(tm, em, [q, q, q], {}, {})


def test_mha_unbatched():
    tm, em = _mha_pair(8, 2, batch_first=True)
    x, y = arr(5, 8), arr(7, 8)
    kpm = np.zeros(7, bool)
    kpm[-1] = True
    per_head = RNG.random((2, 5, 7)) > 0.7
    per_head[..., 0] = False
    _run_mha(tm, em, [x, y, y], dict(key_padding_mask=torch.tensor(kpm)),
             dict(key_padding_mask=ember.tensor(kpm)))
    _run_mha(tm, em, [x, x, x], {}, {})
    _run_mha(tm, em, [x, y, y], dict(attn_mask=torch.tensor(per_head), average_attn_weights=False),
             dict(attn_mask=ember.tensor(per_head), average_attn_weights=False))


def test_mha_dropout_training_uses_torch_draws():
    for need in (True, False):
        tm, em = _mha_pair(8, 2, dropout=0.3, batch_first=True)
        x = arr(2, 4, 8)
        torch.manual_seed(3)
        ember.manual_seed(3)
        _run_mha(tm, em, [x, x, x], dict(need_weights=need), dict(need_weights=need))
        close(torch.rand(2), ember.rand(2))
        tm.eval()
        em.eval()
        _run_mha(tm, em, [x, x, x], {}, {}, grad_out=False)


def test_mha_functional_form():
    tm, _ = _mha_pair(8, 2)
    q, k = arr(3, 2, 8), arr(5, 2, 8)
    args = [8, 2, tm.in_proj_weight, tm.in_proj_bias, None, None, False, 0.0,
            tm.out_proj.weight, tm.out_proj.bias]
    t = TF.multi_head_attention_forward(torch.tensor(q), torch.tensor(k), torch.tensor(k), *args,
                                        average_attn_weights=False)
    eargs = [a if not isinstance(a, torch.Tensor) else ember.tensor(a.detach().numpy())
             for a in args]
    e = EF.multi_head_attention_forward(ember.tensor(q), ember.tensor(k), ember.tensor(k), *eargs,
                                        average_attn_weights=False)
    close(t[0], e[0])
    close(t[1], e[1])
    # static_k / static_v replace the projected keys and values, (N * H, S, head_dim)
    sk, sv = arr(4, 6, 4), arr(4, 6, 4)
    t = TF.multi_head_attention_forward(torch.tensor(q), torch.tensor(k), torch.tensor(k), *args,
                                        static_k=torch.tensor(sk), static_v=torch.tensor(sv))
    e = EF.multi_head_attention_forward(ember.tensor(q), ember.tensor(k), ember.tensor(k), *eargs,
                                        static_k=ember.tensor(sk), static_v=ember.tensor(sv))
    close(t[0], e[0])
    close(t[1], e[1])


def test_mha_repr_errors_and_attributes():
    tm, em = _mha_pair(32, 4, kdim=10, vdim=6, batch_first=True)
    assert repr(tm) == repr(em)
    assert [n for n, _ in tm.named_parameters()] == [n for n, _ in em.named_parameters()]
    assert list(tm.state_dict()) == list(em.state_dict())
    assert type(em.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(em.out_proj, enn.Linear)
    assert (em.embed_dim, em.num_heads, em.head_dim, em.dropout, em.batch_first, em.kdim, em.vdim,
            em._qkv_same_embed_dim) == (32, 4, 8, 0.0, True, 10, 6, False)
    for fn in (lambda nn: nn.MultiheadAttention(30, 4), lambda nn: nn.MultiheadAttention(0, 4)):
        with pytest.raises(Exception) as te:
            fn(tnn)
        with pytest.raises(type(te.value), match=str(te.value)[:20]):
            fn(enn)
    tm, em = _mha_pair(8, 2, batch_first=True)
    x, ex = torch.zeros(2, 3, 8), ember.zeros(2, 3, 8)
    for f in (lambda lib, m, a: m(lib.zeros(2, 3, 4), a, a),
              lambda lib, m, a: m(a, a, a[:, :2]),
              lambda lib, m, a: m(a, a, a, attn_mask=lib.zeros(2, 2)),
              lambda lib, m, a: m(a, a, a, attn_mask=lib.zeros(3, 3, 3)),
              lambda lib, m, a: m(a, a, a, key_padding_mask=lib.zeros(2, 4, dtype=lib.bool)),
              lambda lib, m, a: m(a, a, a, attn_mask=lib.zeros(3, 3, dtype=lib.int64)),
              lambda lib, m, a: m(a, a[0], a[0]),
              lambda lib, m, a: m(a[0, 0], a[0, 0], a[0, 0])):
        res = []
        for lib, m, a in ((torch, tm, x), (ember, em, ex)):
            try:
                f(lib, m, a)
                res.append(None)
            except Exception as e:  # noqa: BLE001
                res.append((type(e).__name__, str(e)))
        assert res[0] == res[1]


# ------------------------------------------------------------------ Transformer family
def _seeded(factory, *args, **kw):
    torch.manual_seed(1)
    t = factory(tnn)(*args, **kw)
    ember.manual_seed(1)
    e = factory(enn)(*args, **kw)
    return t, e


def test_seeded_construction_equals_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f, args, kw in [
            (lambda nn: nn.MultiheadAttention, (12, 3), dict(add_bias_kv=True, kdim=4, vdim=5)),
            (lambda nn: nn.TransformerEncoderLayer, (16, 2, 24), {}),
            (lambda nn: nn.TransformerDecoderLayer, (16, 2, 24), dict(bias=False)),
            (lambda nn: nn.Transformer, (), dict(d_model=16, nhead=2, num_encoder_layers=2,
                                                 num_decoder_layers=1, dim_feedforward=20)),
        ]:
            t, e = _seeded(f, *args, **kw)
            same_params(t, e, rtol=0, atol=0)
            assert list(t.state_dict()) == list(e.state_dict())
            assert repr(t) == repr(e)
            close(torch.rand(2), ember.rand(2))


@pytest.mark.parametrize("opts", [
    dict(),
    dict(activation="gelu", norm_first=True),
    dict(batch_first=True, layer_norm_eps=1e-3),
    dict(bias=False, batch_first=True),
])
def test_encoder_and_decoder_layers(opts):
    te, ee = _seeded(lambda nn: nn.TransformerEncoderLayer, 16, 4, 24, dropout=0.1, **opts)
    td, ed = _seeded(lambda nn: nn.TransformerDecoderLayer, 16, 4, 24, dropout=0.1, **opts)
    for m in (te, ee, td, ed):
        m.eval()
    bf = opts.get("batch_first", False)
    src = arr(2, 5, 16) if bf else arr(5, 2, 16)
    tgt = arr(2, 3, 16) if bf else arr(3, 2, 16)
    kpm = np.zeros((2, 5), bool)
    kpm[0, -1] = True
    causal = np.triu(np.ones((3, 3), bool), 1)
    ts, es = pair(src, True)
    tt, et = pair(tgt, True)
    t_out = te(ts, src_key_padding_mask=torch.tensor(kpm))
    e_out = ee(es, src_key_padding_mask=ember.tensor(kpm))
    close(t_out, e_out)
    t_dec = td(tt, t_out, tgt_mask=torch.tensor(causal), memory_key_padding_mask=torch.tensor(kpm))
    e_dec = ed(et, e_out, tgt_mask=ember.tensor(causal), memory_key_padding_mask=ember.tensor(kpm))
    close(t_dec, e_dec)
    g = arr(*t_dec.shape)
    (t_dec * torch.tensor(g)).sum().backward()
    (e_dec * ember.tensor(g)).sum().backward()
    close(ts.grad, es.grad)
    close(tt.grad, et.grad)
    same_params(te, ee, grads=True)
    same_params(td, ed, grads=True)
    assert repr(te) == repr(ee) and repr(td) == repr(ed)


def test_callable_activation_and_train_mode_draws():
    act = lambda x: x.tanh() * 2  # noqa: E731
    # seq-first: with batch_first the attention output is a transposed view
    # and PyTorch's dropout draws its mask in memory order
    t, e = _seeded(lambda nn: nn.TransformerEncoderLayer, 8, 2, 12, activation=act)
    assert e.activation_relu_or_gelu == 0
    x = arr(4, 2, 8)
    tx, ex = pair(x, True)
    torch.manual_seed(5)
    ember.manual_seed(5)
    to, eo = t(tx), e(ex)      # training mode: dropout in attention and in the layer
    close(to, eo)
    to.sum().backward()
    eo.sum().backward()
    close(tx.grad, ex.grad)
    same_params(t, e, grads=True)
    te, ee = _seeded(lambda nn: (lambda *a: nn.TransformerEncoderLayer(*a, activation=nn.GELU())),
                     8, 2, 12)
    assert ee.activation_relu_or_gelu == te.activation_relu_or_gelu == 2
    assert repr(te) == repr(ee)          # a module activation is a child module
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        enn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_transformer_full_model():
    kw = dict(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=24)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, e = _seeded(lambda nn: nn.Transformer, **kw)
    src, tgt = arr(6, 2, 16), arr(4, 2, 16)
    ts, es = pair(src, True)
    tt, et = pair(tgt, True)
    tmask = tnn.Transformer.generate_square_subsequent_mask(4)
    emask = enn.Transformer.generate_square_subsequent_mask(4)
    torch.manual_seed(2)
    ember.manual_seed(2)
    to = t(ts, tt, tgt_mask=tmask)       # training mode: every dropout draws
    eo = e(es, et, tgt_mask=emask)
    close(to, eo)
    to.sum().backward()
    eo.sum().backward()
    close(ts.grad, es.grad)
    close(tt.grad, et.grad)
    same_params(t, e, grads=True)
    t.eval()
    e.eval()
    kpm = np.zeros((2, 6), bool)
    kpm[1, 4:] = True
    t.batch_first = e.batch_first = True      # only the batch-size check reads it
    ts, es, tt, et = (x.transpose(0, 1) for x in (ts, es, tt, et))
    for m in (t, e):
        for layer in list(m.encoder.layers) + list(m.decoder.layers):
            for a in ("self_attn", "multihead_attn"):
                if hasattr(layer, a):
                    getattr(layer, a).batch_first = True
    tk, ek = torch.tensor(kpm), ember.tensor(kpm)
    close(t(ts, tt, src_key_padding_mask=tk, memory_key_padding_mask=tk),
          e(es, et, src_key_padding_mask=ek, memory_key_padding_mask=ek))
    for f in (lambda lib, m: m(lib.zeros(2, 6, 16), lib.zeros(1, 4, 16)),
              lambda lib, m: m(lib.zeros(2, 6, 16), lib.zeros(3, 4, 16)),
              lambda lib, m: m(lib.zeros(2, 6, 16), lib.zeros(2, 4, 8))):
        with pytest.raises(RuntimeError) as r1:
            f(torch, t)
        with pytest.raises(RuntimeError) as r2:
            f(ember, e)
        assert str(r1.value) == str(r2.value)


def test_encoder_decoder_stacks():
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        torch.manual_seed(4)
        tl = tnn.TransformerEncoderLayer(8, 2, 16)
        tenc = tnn.TransformerEncoder(tl, 3, norm=tnn.LayerNorm(8))
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        ember.manual_seed(4)
        el = enn.TransformerEncoderLayer(8, 2, 16)
        eenc = enn.TransformerEncoder(el, 3, norm=enn.LayerNorm(8))
    assert [str(w.message) for w in wt] == [str(w.message) for w in we]
    assert eenc.use_nested_tensor is False and eenc.layers[0] is not el
    assert repr(tenc) == repr(eenc)
    same_params(tenc, eenc)
    x = arr(5, 2, 8)
    mask = tnn.Transformer.generate_square_subsequent_mask(5)
    tx, ex = pair(x, True)
    tenc.eval()
    eenc.eval()
    to = tenc(tx, mask=mask)
    eo = eenc(ex, mask=ember.tensor(mask.numpy()))
    close(to, eo)
    to.sum().backward()
    eo.sum().backward()
    close(tx.grad, ex.grad)
    same_params(tenc, eenc, grads=True)
    # decoder stack without a final norm
    td, ed = _seeded(
        lambda nn: (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2)))
    assert ed.norm is None and len(ed.layers) == 2 and ed.num_layers == 2
    mem = arr(5, 2, 8)
    close(td.eval()(torch.tensor(arr(3, 2, 8) * 0 + 1), torch.tensor(mem)),
          ed.eval()(ember.tensor(arr(3, 2, 8) * 0 + 1), ember.tensor(mem)))


def test_encoder_inference_fast_path_zeroes_padding():
    torch.manual_seed(6)
    tenc = tnn.TransformerEncoder(tnn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2).eval()
    ember.manual_seed(6)
    eenc = enn.TransformerEncoder(enn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2).eval()
    assert eenc.use_nested_tensor is True
    x = arr(2, 5, 8)
    kpm = np.zeros((2, 5), bool)
    kpm[1, 3:] = True
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")      # nested tensors are a prototype
        t = tenc(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with ember.no_grad():
        e = eenc(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
    close(t, e)
    assert not npy(e)[1, 3:].any()
    # with grad enabled the padded positions are computed (no nested tensor)
    close(tenc(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)),
          eenc(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm)))
