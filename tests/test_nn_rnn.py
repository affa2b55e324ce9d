"""Recurrent layers (RNN, LSTM, GRU, their cells) and nn.utils.rnn compared
against real PyTorch: seeded construction, outputs, final states and the
gradients of the input, the initial states and every parameter."""
import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.utils.rnn as TR

import ember
import ember.nn as enn
import ember.nn.utils.rnn as ER

pytestmark = pytest.mark.filterwarnings(
    "ignore:LSTM with projections is not supported with oneDNN")

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The reference runs on tiny tensors: extra OpenMP threads only spin (and
    slow everything down on a loaded machine). Restored afterwards."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def pair(a, requires_grad=False):
    return (torch.tensor(a, requires_grad=requires_grad),
            ember.tensor(a, requires_grad=requires_grad))


def npy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach())


def close(t, e, rtol=2e-5, atol=2e-6, what=""):
    a, b = npy(t), npy(e)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    assert str(t.dtype) == str(e.dtype), (what, t.dtype, e.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=what)


def both(fn):
    """fn(torch, nn) and fn(ember, enn): the results, or (exception class, message)."""
    out = []
    for lib, nn in ((torch, tnn), (ember, enn)):
        try:
            out.append(fn(lib, nn))
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e)))
    return out


def make(kind, *args, seed=0, **kw):
    """The same layer built after manual_seed(seed) in both libraries; the
    seeded initial weights must be PyTorch's exactly."""
    torch.manual_seed(seed)
    tm = getattr(tnn, kind)(*args, **kw)
    ember.manual_seed(seed)
    em = getattr(enn, kind)(*args, **kw)
    tp, ep = list(tm.named_parameters()), list(em.named_parameters())
    assert [n for n, _ in tp] == [n for n, _ in ep]
    for (n, a), (_, b) in zip(tp, ep):
        assert tuple(a.shape) == tuple(b.shape), n
        np.testing.assert_array_equal(npy(b), npy(a), err_msg=n)
    assert repr(tm) == repr(em)
    return tm, em


def compare_params_grads(tm, em, **tol):
    for (n, a), (_, b) in zip(tm.named_parameters(), em.named_parameters()):
        assert (a.grad is None) == (b.grad is None), n
        if a.grad is not None:
            close(a.grad, b.grad, what="grad of " + n, **tol)


def states(h):
    return list(h) if isinstance(h, tuple) else [h]


def run_and_compare(tm, em, x, hx=None, lstm=False, packed=None, **tol):
    """Forward both, a weighted loss over output and final states, backward,
    and compare everything. x: numpy input; hx: numpy state(s) or None."""
    xt, xe = pair(x, True)
    hts = hes = None
    if hx is not None:
        hs = hx if isinstance(hx, tuple) else (hx,)
        hp = [pair(h, True) for h in hs]
        hts = tuple(p[0] for p in hp) if lstm else hp[0][0]
        hes = tuple(p[1] for p in hp) if lstm else hp[0][1]
    it, ie = xt, xe
    if packed is not None:
        lengths, enforce, bf = packed
        it = TR.pack_padded_sequence(xt, lengths, batch_first=bf, enforce_sorted=enforce)
        ie = ER.pack_padded_sequence(xe, lengths, batch_first=bf, enforce_sorted=enforce)
    ot, st = tm(it, hts)
    oe, se = em(ie, hes)
    if packed is not None:
        assert type(oe).__name__ == "PackedSequence"
        close(ot.data, oe.data, what="packed output", **tol)
        np.testing.assert_array_equal(npy(oe.batch_sizes), npy(ot.batch_sizes))
        ot, lt = TR.pad_packed_sequence(ot, batch_first=packed[2])
        oe, le = ER.pad_packed_sequence(oe, batch_first=packed[2])
        np.testing.assert_array_equal(npy(le), npy(lt))
    close(ot, oe, what="output", **tol)
    for k, (a, b) in enumerate(zip(states(st), states(se))):
        close(a, b, what="final state %d" % k, **tol)
    w = arr(*ot.shape)
    lt = (ot * torch.tensor(w)).sum()
    le = (oe * ember.tensor(w)).sum()
    for a, b in zip(states(st), states(se)):
        ws = arr(*a.shape)
        lt = lt + (a * torch.tensor(ws)).sum()
        le = le + (b * ember.tensor(ws)).sum()
    lt.backward()
    le.backward()
    close(xt.grad, xe.grad, what="input grad", **tol)
    if hx is not None:
        for k, (a, b) in enumerate(zip(states(hts), states(hes))):
            close(a.grad, b.grad, what="initial state %d grad" % k, **tol)
    compare_params_grads(tm, em, **tol)
    tm.zero_grad()
    em.zero_grad()


VARIANTS = [("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}),
            ("LSTM", {}), ("LSTM", {"proj_size": 3}), ("GRU", {})]
VARIANT_IDS = ["rnn_tanh", "rnn_relu", "lstm", "lstm_proj", "gru"]


# ------------------------------------------------------------------ full layers
@pytest.mark.parametrize("kind,extra", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias",
                         list(itertools.product([1, 2], [False, True], [False, True],
                                                [True, False])))
def test_layer_matches_torch(kind, extra, num_layers, bidirectional, batch_first, bias):
    tm, em = make(kind, 4, 5, num_layers=num_layers, bidirectional=bidirectional,
                  batch_first=batch_first, bias=bias, **extra)
    T, B = 6, 3
    D = 2 if bidirectional else 1
    P = extra.get("proj_size", 0) or 5
    x = arr(B, T, 4) if batch_first else arr(T, B, 4)
    lstm = kind == "LSTM"
    run_and_compare(tm, em, x, None, lstm)
    h0 = arr(num_layers * D, B, P)
    hx = (h0, arr(num_layers * D, B, 5)) if lstm else h0
    run_and_compare(tm, em, x, hx, lstm)


@pytest.mark.parametrize("kind,extra", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_dropout_between_layers_draws_like_torch(kind, extra, bidirectional):
    tm, em = make(kind, 4, 5, num_layers=3, dropout=0.4, bidirectional=bidirectional, **extra)
    x = arr(5, 3, 4)
    torch.manual_seed(7)
    ember.manual_seed(7)
    run_and_compare(tm, em, x, None, kind == "LSTM")
    # the generators advanced identically
    assert torch.rand(1).item() == ember.rand(1).item()
    # eval mode: no dropout, deterministic
    tm.eval()
    em.eval()
    run_and_compare(tm, em, x, None, kind == "LSTM")
    assert torch.equal(tm(torch.tensor(x))[0], tm(torch.tensor(x))[0])
    e1, e2 = em(ember.tensor(x))[0], em(ember.tensor(x))[0]
    assert ember.equal(e1, e2)


def test_dropout_on_packed_input_draws_like_torch():
    tm, em = make("LSTM", 4, 5, num_layers=2, dropout=0.5, bidirectional=True)
    x = arr(6, 3, 4)
    torch.manual_seed(3)
    ember.manual_seed(3)
    run_and_compare(tm, em, x, None, True, packed=([6, 4, 2], True, False))


@pytest.mark.parametrize("kind,extra", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input(kind, extra, batch_first):
    tm, em = make(kind, 4, 5, num_layers=2, bidirectional=True, batch_first=batch_first, **extra)
    lstm = kind == "LSTM"
    x = arr(6, 4)
    run_and_compare(tm, em, x, None, lstm)
    P = extra.get("proj_size", 0) or 5
    h0 = arr(4, P)
    run_and_compare(tm, em, x, (h0, arr(4, 5)) if lstm else h0, lstm)
    # unbatched equals the batch-of-one result
    xe = ember.tensor(x)
    out1 = em(xe)[0]
    out2 = em(xe.unsqueeze(0 if batch_first else 1))[0]
    np.testing.assert_allclose(npy(out1), npy(out2.squeeze(0 if batch_first else 1)), atol=1e-6)


@pytest.mark.parametrize("kind,extra", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequence_input(kind, extra, enforce_sorted, bidirectional):
    tm, em = make(kind, 4, 5, num_layers=2, bidirectional=bidirectional, **extra)
    lstm = kind == "LSTM"
    lengths = [6, 5, 3, 3, 1] if enforce_sorted else [3, 6, 1, 5, 3]
    x = arr(6, 5, 4)
    run_and_compare(tm, em, x, None, lstm, packed=(lengths, enforce_sorted, False))
    D = 2 if bidirectional else 1
    P = extra.get("proj_size", 0) or 5
    h0 = arr(2 * D, 5, P)
    hx = (h0, arr(2 * D, 5, 5)) if lstm else h0
    run_and_compare(tm, em, x, hx, lstm, packed=(lengths, enforce_sorted, False))


def test_packed_sequence_batch_first_and_equal_lengths():
    tm, em = make("GRU", 3, 4, batch_first=True, bidirectional=True)
    x = arr(3, 5, 3)
    run_and_compare(tm, em, x, None, packed=([5, 2, 4], False, True))
    run_and_compare(tm, em, x, None, packed=([5, 5, 5], True, True))


def test_packed_matches_separate_runs():
    """Each sequence of a packed batch gives what it gives alone."""
    _, em = make("LSTM", 3, 4, bidirectional=True)
    seqs = [ember.tensor(arr(n, 3)) for n in (2, 5, 3)]
    out, (h, c) = em(ER.pack_sequence(seqs, enforce_sorted=False))
    padded, lengths = ER.pad_packed_sequence(out)
    assert lengths.tolist() == [2, 5, 3]
    for j, s in enumerate(seqs):
        o1, (h1, c1) = em(s)
        np.testing.assert_allclose(npy(padded[:len(s), j]), npy(o1), atol=1e-6)
        np.testing.assert_allclose(npy(h[:, j]), npy(h1), atol=1e-6)
        np.testing.assert_allclose(npy(c[:, j]), npy(c1), atol=1e-6)
        assert np.all(npy(padded[len(s):, j]) == 0)


def test_float64_and_module_conversion():
    tm, em = make("LSTM", 3, 4, num_layers=2)
    tm.double()
    em.double()
    assert em._flat_weights[0].dtype is ember.float64
    run_and_compare(tm, em, arr(5, 2, 3, dtype=np.float64), None, True, rtol=1e-10, atol=1e-12)


def test_long_sequence_gradients():
    tm, em = make("LSTM", 8, 16, num_layers=2, batch_first=True)
    run_and_compare(tm, em, arr(4, 60, 8), None, True, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("columns", [1, 5, 7])
def test_lstm_input_projection_in_slices(monkeypatch, columns):
    """The LSTM projects its inputs a few steps at a time (rnn_ops._PROJ_COLUMNS
    rows per slice): slices of one step, of several, and slices cut inside a
    packed batch, in both directions."""
    from ember.nn._functional import rnn_ops
    monkeypatch.setattr(rnn_ops, "_PROJ_COLUMNS", columns)
    tm, em = make("LSTM", 4, 5, num_layers=2, bidirectional=True)
    x = arr(7, 3, 4)
    run_and_compare(tm, em, x, None, True)
    run_and_compare(tm, em, x, (arr(4, 3, 5), arr(4, 3, 5)), True,
                    packed=([7, 4, 2], True, False))
    tm, em = make("LSTM", 4, 5, proj_size=2, bidirectional=True)
    run_and_compare(tm, em, x, None, True, packed=([3, 7, 5], False, False))


# ------------------------------------------------------------------ cells
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {})]


@pytest.mark.parametrize("kind,extra", CELLS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given", [True, False])
def test_cells(kind, extra, bias, batched, given):
    tm, em = make(kind, 4, 5, bias=bias, **extra)
    lstm = kind == "LSTMCell"
    shape = (3,) if batched else ()
    xs = [pair(arr(*shape, 4), True) for _ in range(4)]
    ht = he = None
    h0 = None
    if given:
        h0 = [pair(arr(*shape, 5), True) for _ in range(2 if lstm else 1)]
        ht = (h0[0][0], h0[1][0]) if lstm else h0[0][0]
        he = (h0[0][1], h0[1][1]) if lstm else h0[0][1]
    # a few steps, state fed back
    for xt, xe in xs:
        ht = tm(xt, ht)
        he = em(xe, he)
        for a, b in zip(states(ht), states(he)):
            close(a, b)
    ws = [arr(*shape, 5) for _ in states(ht)]
    lt = sum((a * torch.tensor(w)).sum() for a, w in zip(states(ht), ws))
    le = sum((a * ember.tensor(w)).sum() for a, w in zip(states(he), ws))
    lt.backward()
    le.backward()
    for xt, xe in xs:
        close(xt.grad, xe.grad)
    if given:
        for t, e in h0:
            close(t.grad, e.grad)
    compare_params_grads(tm, em)


def test_cell_matches_one_step_of_layer():
    _, cell = make("GRUCell", 3, 4, seed=1)
    layer = enn.GRU(3, 4)
    with ember.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(layer, n + "_l0").copy_(getattr(cell, n))
    x = ember.tensor(arr(2, 3))
    h = ember.tensor(arr(2, 4))
    np.testing.assert_allclose(npy(cell(x, h)), npy(layer(x.unsqueeze(0), h.unsqueeze(0))[1][0]),
                               atol=1e-6)


def test_cell_errors_match_torch():
    def check(fn):
        t, e = both(fn)
        assert t == e, (t, e)
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(1, 4, 10)))
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(4, 11)))
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(4, 10), (L.zeros(4, 21), L.zeros(4, 20))))
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(4, 10), (L.zeros(3, 20), L.zeros(3, 20))))
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(4, 10), (L.zeros(4, 20), L.zeros(4, 21))))
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(4, 10), (L.zeros(1, 4, 20),) * 2))
    check(lambda L, nn: nn.LSTMCell(10, 20)(L.zeros(4, 10, dtype=L.float64)))
    check(lambda L, nn: nn.RNNCell(10, 20)(L.zeros(4, 10), L.zeros(1, 4, 20)))
    check(lambda L, nn: nn.RNNCell(10, 20)(L.zeros(10), L.zeros(1, 20)))
    check(lambda L, nn: nn.RNNCell(3, 4, nonlinearity="x")(L.zeros(2, 3)))
    check(lambda L, nn: nn.GRUCell(10, 20)(L.zeros(())))
    check(lambda L, nn: nn.GRUCell(10, 20)(L.zeros(4, 10), L.zeros(3, 20)))
    check(lambda L, nn: repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")))
    check(lambda L, nn: [n for n, _ in nn.LSTMCell(3, 4, bias=False).named_parameters()])


# ------------------------------------------------------------------ module API and errors
def test_construction_and_repr():
    make("LSTM", 3, 2, num_layers=2, bidirectional=True, batch_first=True, seed=3)
    make("LSTM", 4, 5, seed=3)
    make("RNN", 3, 4, 2, "relu", False, True, 0.5, True)
    make("LSTM", 3, 4, proj_size=2, num_layers=2, bidirectional=True)
    make("GRU", 3, 4, bias=False, dropout=0.25, num_layers=3)
    make("RNNCell", 3, 4, nonlinearity="relu", bias=False)
    make("LSTMCell", 3, 4)
    make("GRUCell", 3, 4, bias=False)
    # constructed one after another: the stream continues as in PyTorch
    torch.manual_seed(5)
    t = [tnn.GRU(2, 3), tnn.LSTMCell(3, 2)]
    ember.manual_seed(5)
    e = [enn.GRU(2, 3), enn.LSTMCell(3, 2)]
    for a, b in zip(t, e):
        for p, q in zip(a.parameters(), b.parameters()):
            np.testing.assert_array_equal(npy(q), npy(p))


def test_flat_weights_and_all_weights():
    tm, em = make("LSTM", 3, 4, num_layers=2, bidirectional=True, proj_size=2)
    assert em._flat_weights_names == tm._flat_weights_names
    assert em._all_weights == tm._all_weights
    assert [list(w.shape) for g in em.all_weights for w in g] == \
        [list(w.shape) for g in tm.all_weights for w in g]
    assert all(a is b for a, b in zip(em._flat_weights, em.parameters()))
    assert em.flatten_parameters() is None
    # replacing a parameter keeps _flat_weights in step and is used by forward
    new = enn.Parameter(ember.zeros(16, 2))
    em.weight_hh_l1 = new
    assert em._flat_weights[em._flat_weights_names.index("weight_hh_l1")] is new
    tm.weight_hh_l1 = tnn.Parameter(torch.zeros(16, 2))
    run_and_compare(tm, em, arr(4, 2, 3), None, True)


def test_module_errors_match_torch():
    def check(fn):
        t, e = both(fn)
        assert t == e, (t, e)
    x = np.zeros((4, 6, 10), np.float32)

    def lstm(L, nn):
        return nn.LSTM(10, 20, 2, batch_first=True)
    check(lambda L, nn: lstm(L, nn)(L.tensor(x), L.zeros(2, 4, 20)))
    check(lambda L, nn: lstm(L, nn)(L.tensor(x), (L.zeros(2, 4, 20), L.zeros(2, 4, 21))))
    check(lambda L, nn: lstm(L, nn)(L.tensor(x), (L.zeros(2, 4, 21), L.zeros(2, 4, 20))))
    check(lambda L, nn: lstm(L, nn)(L.zeros(4, 6, 11)))
    check(lambda L, nn: lstm(L, nn)(L.zeros(1, 4, 6, 10)))
    check(lambda L, nn: lstm(L, nn)(L.zeros(10)))
    check(lambda L, nn: lstm(L, nn)(L.zeros(4, 6, 10, dtype=L.float64)))
    check(lambda L, nn: lstm(L, nn)(L.zeros(6, 10), (L.zeros(2, 4, 20),) * 2))
    check(lambda L, nn: lstm(L, nn)(L.tensor(x), (L.zeros(2, 4, 20), L.zeros(4, 20))))
    check(lambda L, nn: lstm(L, nn)(L.tensor(x), (L.zeros(2, 4, 20),) * 3))
    check(lambda L, nn: nn.RNN(10, 20, 2)(L.zeros(6, 10), L.zeros(2, 4, 20)))
    check(lambda L, nn: nn.RNN(10, 20, 2)(L.zeros(6, 4, 10), L.zeros(4, 20)))
    check(lambda L, nn: nn.RNN(10, 20, 2)(L.zeros(6, 4, 10), L.zeros(1, 4, 20)))
    check(lambda L, nn: nn.RNN(10, 20, 2)(L.zeros(1, 6, 4, 10)))
    check(lambda L, nn: nn.GRU(10, 20)(L.zeros(10)))
    check(lambda L, nn: nn.GRU(10, 20, bidirectional=True)(L.zeros(6, 4, 10), L.zeros(1, 4, 20)))
    check(lambda L, nn: nn.GRU(10, 20)(L.zeros(6, 4, 10, dtype=L.long)))
    check(lambda L, nn: nn.RNN(3, 4, nonlinearity="sigmoid"))
    check(lambda L, nn: nn.GRU(3, 4, proj_size=2))
    check(lambda L, nn: nn.RNN(3, 4, proj_size=2))
    check(lambda L, nn: nn.LSTM(3, 4, proj_size=4))
    check(lambda L, nn: nn.LSTM(3, 4, proj_size=-1))
    check(lambda L, nn: nn.LSTM(3, 0))
    check(lambda L, nn: nn.LSTM(3, 4.0))
    check(lambda L, nn: nn.LSTM(3, 4, 0))
    check(lambda L, nn: nn.LSTM(3, 4, 2, dropout=1.5))
    check(lambda L, nn: nn.LSTM(3, 4, 2, dropout=True))
    check(lambda L, nn: nn.RNNBase("FOO", 3, 4))
    for lib, nn in ((torch, tnn), (ember, enn)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            nn.LSTM(3, 4, 1, dropout=0.5)
        msgs = [str(m.message) for m in w if m.category is UserWarning]
        assert msgs == ["dropout option adds dropout after all but last recurrent layer, so "
                        "non-zero dropout expects num_layers greater than 1, but got "
                        "dropout=0.5 and num_layers=1"]


def test_double_backward_raises_clearly():
    _, em = make("GRU", 3, 4)
    x = ember.tensor(arr(5, 2, 3), requires_grad=True)
    out, h = em(x)
    (g,) = ember.autograd.grad(out.sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward"):
        g.sum().backward()
    # first-order gradients with create_graph are still right
    xt = torch.tensor(npy(x), requires_grad=True)
    tm = tnn.GRU(3, 4)
    tm.load_state_dict({k: torch.tensor(npy(v)) for k, v in em.state_dict().items()})
    (gt,) = torch.autograd.grad(tm(xt)[0].sum(), xt)
    close(gt, g)


def test_inplace_on_outputs_as_torch():
    """PyTorch's fused unidirectional LSTM saves its output (changing it in
    place breaks backward); its other layers and the cells allow it."""
    def attempt(lib, nn, kind, **kw):
        lib.manual_seed(0)
        m = getattr(nn, kind)(3, 4, **kw)
        x = lib.ones(5, 2, 3, requires_grad=True)
        out = m(x)[0]
        out.mul_(2)
        out.sum().backward()
        return "ok"
    for kind, kw in [("LSTM", {}), ("LSTM", {"bidirectional": True}), ("GRU", {}),
                     ("RNN", {}), ("LSTM", {"proj_size": 2})]:
        t, e = both(lambda L, nn: attempt(L, nn, kind, **kw))
        assert (t == "ok") == (e == "ok"), (kind, kw, t, e)
    _, cell = make("LSTMCell", 3, 4)
    x = ember.ones(2, 3, requires_grad=True)
    h, c = cell(x)
    h.mul_(2)
    c.mul_(2)
    (h.sum() + c.sum()).backward()
    assert x.grad is not None


def test_weights_changed_in_place_before_backward():
    _, em = make("LSTM", 3, 4)
    out, _ = em(ember.ones(2, 1, 3))
    with ember.no_grad():
        em.weight_hh_l0.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ------------------------------------------------------------------ nn.utils.rnn
def test_pad_sequence():
    seqs = [arr(2, 3), arr(4, 3), arr(1, 3)]
    for bf, value, side in itertools.product([False, True], [0.0, -1.5], ["right", "left"]):
        ts = [torch.tensor(s, requires_grad=True) for s in seqs]
        es = [ember.tensor(s, requires_grad=True) for s in seqs]
        pt = TR.pad_sequence(ts, batch_first=bf, padding_value=value, padding_side=side)
        pe = ER.pad_sequence(es, batch_first=bf, padding_value=value, padding_side=side)
        close(pt, pe)
        w = arr(*pt.shape)
        (pt * torch.tensor(w)).sum().backward()
        (pe * ember.tensor(w)).sum().backward()
        for a, b in zip(ts, es):
            close(a.grad, b.grad)
    # integer sequences, a tensor of sequences, dtype of the first sequence
    t, e = both(lambda L, nn: L.nn.utils.rnn.pad_sequence(
        [L.tensor([1, 2]), L.tensor([3, 4, 5])]).tolist())
    assert t == e
    t, e = both(lambda L, nn: tuple(L.nn.utils.rnn.pad_sequence(L.ones(2, 3)).shape))
    assert t == e
    t, e = both(lambda L, nn: str(L.nn.utils.rnn.pad_sequence(
        [L.zeros(2), L.zeros(3, dtype=L.float64)]).dtype))
    assert t == e
    for fn in (lambda L, nn: L.nn.utils.rnn.pad_sequence([]),
               lambda L, nn: L.nn.utils.rnn.pad_sequence([L.zeros(2)], padding_side="up"),
               lambda L, nn: L.nn.utils.rnn.pad_sequence([L.zeros(2, 3), L.zeros(3, 4)])):
        t, e = both(fn)
        assert t == e


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_pad_roundtrip(batch_first, enforce_sorted):
    lengths = [5, 4, 2, 2] if enforce_sorted else [2, 5, 2, 4]
    x = arr(4, 5, 3) if batch_first else arr(5, 4, 3)
    xt, xe = pair(x, True)
    for lens in (lengths, torch.tensor(lengths)):
        lens_e = lens if isinstance(lens, list) else ember.tensor(lens.numpy())
        pt = TR.pack_padded_sequence(xt, lens, batch_first=batch_first,
                                     enforce_sorted=enforce_sorted)
        pe = ER.pack_padded_sequence(xe, lens_e, batch_first=batch_first,
                                     enforce_sorted=enforce_sorted)
        close(pt.data, pe.data)
        for f in ("batch_sizes", "sorted_indices", "unsorted_indices"):
            a, b = getattr(pt, f), getattr(pe, f)
            assert (a is None) == (b is None), f
            if a is not None:
                assert str(a.dtype) == str(b.dtype)
                np.testing.assert_array_equal(npy(b), npy(a))
    for bf2, value, total in [(batch_first, 0.0, None), (not batch_first, -2.0, 7)]:
        xt.grad = xe.grad = None
        pt = TR.pack_padded_sequence(xt, lengths, batch_first=batch_first,
                                     enforce_sorted=enforce_sorted)
        pe = ER.pack_padded_sequence(xe, lengths, batch_first=batch_first,
                                     enforce_sorted=enforce_sorted)
        ut, lt = TR.pad_packed_sequence(pt, batch_first=bf2, padding_value=value,
                                        total_length=total)
        ue, le = ER.pad_packed_sequence(pe, batch_first=bf2, padding_value=value,
                                        total_length=total)
        close(ut, ue)
        assert str(le.dtype) == str(lt.dtype) and le.tolist() == lt.tolist()
        w = arr(*ut.shape)
        (ut * torch.tensor(w)).sum().backward()
        (ue * ember.tensor(w)).sum().backward()
        close(xt.grad, xe.grad)


def test_pack_sequence_unpack_and_unpad():
    seqs = [arr(2, 3), arr(4, 3), arr(1, 3)]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    es = [ember.tensor(s, requires_grad=True) for s in seqs]
    pt = TR.pack_sequence(ts, enforce_sorted=False)
    pe = ER.pack_sequence(es, enforce_sorted=False)
    close(pt.data, pe.data)
    ut, ue = TR.unpack_sequence(pt), ER.unpack_sequence(pe)
    assert len(ut) == len(ue) == 3
    for a, b in zip(ut, ue):
        close(a, b)
    w = [arr(*a.shape) for a in ut]
    sum((a * torch.tensor(v)).sum() for a, v in zip(ut, w)).backward()
    sum((a * ember.tensor(v)).sum() for a, v in zip(ue, w)).backward()
    for a, b in zip(ts, es):
        close(a.grad, b.grad)
    padded = arr(4, 3, 2)
    lengths = [4, 1, 3]
    for bf in (False, True):
        p = padded if not bf else padded.transpose(1, 0, 2).copy()
        rt = TR.unpad_sequence(torch.tensor(p), torch.tensor(lengths), batch_first=bf)
        re = ER.unpad_sequence(ember.tensor(p), ember.tensor(lengths), batch_first=bf)
        for a, b in zip(rt, re):
            close(a, b)
    sorted_seqs = [torch.tensor(s) for s in (seqs[1], seqs[0], seqs[2])]
    close(TR.pack_sequence(sorted_seqs).data,
          ER.pack_sequence([ember.tensor(npy(s)) for s in sorted_seqs]).data)


def test_packing_errors_match_torch():
    def check(fn):
        t, e = both(fn)
        assert t == e, (t, e)

    def ppack(L, *a, **k):
        return L.nn.utils.rnn.pack_padded_sequence(*a, **k)
    check(lambda L, nn: ppack(L, L.zeros(5, 3, 2), [5, 4]))
    check(lambda L, nn: ppack(L, L.zeros(5, 3, 2), [4, 5, 3]))
    check(lambda L, nn: ppack(L, L.zeros(5, 3, 2), [5, 4, 0]))
    check(lambda L, nn: ppack(L, L.zeros(5, 3, 2), L.tensor([[5, 4, 1]])))
    check(lambda L, nn: ppack(L, L.zeros(5, 3, 2), [5, 0, 1], enforce_sorted=False))
    check(lambda L, nn: ppack(L, L.zeros(5), [5]))
    check(lambda L, nn: ppack(L, L.zeros(5, 3, 2), L.tensor([5., 4, 1])).batch_sizes.tolist())
    check(lambda L, nn: L.nn.utils.rnn.pack_sequence([L.zeros(2), L.zeros(3)]))
    check(lambda L, nn: L.nn.utils.rnn.pack_sequence([]))
    check(lambda L, nn: L.nn.utils.rnn.pad_packed_sequence(
        ppack(L, L.zeros(5, 3), [5, 3, 2]), total_length=4))


def test_packed_sequence_object():
    def build(L):
        return L.nn.utils.rnn.pack_sequence(
            [L.tensor([1., 2]), L.tensor([3., 4, 5]), L.tensor([6.])], enforce_sorted=False)
    pt, pe = build(torch), build(ember)
    assert repr(pt) == repr(pe)
    assert pe._fields == pt._fields and isinstance(pe, tuple) and len(pe) == 4
    data, bs, si, ui = pe
    assert bs.tolist() == [3, 2, 1] and si.tolist() == ui.tolist() == [1, 0, 2]
    assert pe.to("cpu") is pe and pe.to(ember.float32) is pe and pe.cpu() is pe
    assert pe.is_cuda is False and pe.is_pinned() is False
    for m in ("double", "float", "half", "long", "int", "short", "char", "byte"):
        assert str(getattr(pe, m)().data.dtype) == str(getattr(pt, m)().data.dtype)
    d = pe.to(ember.float64)
    assert type(d).__name__ == "PackedSequence" and d.sorted_indices is pe.sorted_indices
    t, e = both(lambda L, nn: repr(L.nn.utils.rnn.PackedSequence(L.zeros(3), L.tensor([2, 1]))))
    assert t == e
    t, e = both(lambda L, nn: repr(L.nn.utils.rnn.PackedSequence((L.zeros(3), L.tensor([2, 1])))))
    assert t == e
    assert ER.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert ER.invert_permutation(None) is None
    assert ER.__all__ == TR.__all__
    import ember.nn.utils as EU
    assert EU.rnn is ER


def test_retain_graph_backward_twice():
    _, em = make("LSTM", 3, 4, num_layers=2, bidirectional=True)
    x = ember.tensor(arr(5, 2, 3), requires_grad=True)
    loss = em(x)[0].pow(2).sum()
    loss.backward(retain_graph=True)
    g1, w1 = npy(x.grad).copy(), npy(em.weight_hh_l1.grad).copy()
    loss.backward()
    np.testing.assert_allclose(npy(x.grad), 2 * g1, rtol=1e-6)
    np.testing.assert_allclose(npy(em.weight_hh_l1.grad), 2 * w1, rtol=1e-6)
