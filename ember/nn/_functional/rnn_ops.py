"""Fused recurrent layers: one op per layer (all its directions), one op per cell step.

The forward of a layer projects the inputs of ALL time steps with one matrix
product, then loops over time doing only `h @ W_hh^T` and the gate math on
arrays. The backward is hand-written back-propagation through time over
arrays (also one loop over time), after which the weight gradients are again
single matrix products over all steps. A PyTorch-sized sequence thus records
one autograd node per layer instead of hundreds of tiny ones.

Sequences are handled in the packed layout throughout: the rows of all time
steps stacked, (N, features), with `batch_sizes[t]` rows at step t (a padded
(T, B, F) input is the special case b_t = B). Each direction keeps a full
(B, H) state and updates its first b_t rows at step t, which gives both the
final states and the reverse direction of packed sequences for free.

Gate math (PyTorch's order and formulas):
  LSTM  i, f, g, o:  c' = f*c + i*g,  h' = o*tanh(c')  [h' @ W_hr^T with proj_size]
  GRU   r, z, n:     n = tanh(x W_in + b_in + r*(h W_hn + b_hn)),  h' = (1-z)*n + z*h
  RNN   h' = tanh|relu(x W_ih + b_ih + h W_hh + b_hh)
Sigmoids are computed as 0.5*tanh(x/2) + 0.5 on pre-activations whose
weights were scaled by 0.5 (exact in floating point), so all gates of a step
go through one tanh. The LSTM works internally in the gate order (o, i, f, g):
the sigmoid gates are contiguous, and so are the gates whose gradient is a
multiple of dc. The LSTM (the guide's recurrent layer, so the one tuned for
speed) also runs transposed, features by batch, so that each step's product
is W_hh @ h^T with the large matrix on the left (see "LSTM, transposed
layout" below); GRU and plain RNN keep the (N, features) layout.

Double backward through these ops raises a RuntimeError (first-order
gradients match PyTorch's).
"""
import functools

import numpy as np

from ..._backends import is_host as _is_host
from ... import _cuda_kernels as _kernels
from ..._backends import strided_view, xp as _xp
from ..._dispatch import Op, apply, wrap
from ..._grad_mode import state as _grad_state

__all__ = []

_NW = 5  # weight slots per direction: w_ih, w_hh, b_ih, b_hh, w_hr


# ------------------------------------------------------------------ schedules
class _Schedule:
    """Where each time step's rows live in the packed (N, F) layout."""
    __slots__ = ("steps", "N", "B", "T", "uniform", "_prev", "_last", "_dev")

    def __init__(self, batch_sizes, T, B):
        if batch_sizes is None:
            self.uniform = True
            self.T, self.B, self.N = T, B, T * B
            self.steps = [(t * B, B) for t in range(T)]
        else:
            self.uniform = False
            bs = [int(b) for b in batch_sizes]
            self.T, self.B = len(bs), bs[0]
            steps, s = [], 0
            for b in bs:
                steps.append((s, b))
                s += b
            self.steps, self.N = steps, s
            if all(b == bs[0] for b in bs):
                self.uniform = True
        self._prev = {}
        self._last = None
        self._dev = {}

    def on(self, name, like):
        """Index array `name` ('prev', 'prev_rev' or 'last') beside array `like`
        (built on the host once, copied to each device once)."""
        host = (self.last_rows() if name == "last" else self.prev_index(name == "prev_rev"))
        if type(like) is np.ndarray:
            return host
        key = (name, like.device.id)
        a = self._dev.get(key)
        if a is None:
            a = self._dev[key] = _xp(like).asarray(host)
        return a

    def prev_index(self, reverse):
        """Row of each step's previous hidden state in concat([OUT, h0]) (packed only)."""
        idx = self._prev.get(reverse)
        if idx is None:
            N, steps, T = self.N, self.steps, self.T
            parts = []
            for t, (s, b) in enumerate(steps):
                if not reverse:
                    if t == 0:
                        parts.append(np.arange(N, N + b))
                    else:
                        parts.append(np.arange(steps[t - 1][0], steps[t - 1][0] + b))
                else:
                    if t == T - 1:
                        parts.append(np.arange(N, N + b))
                    else:
                        s1, b1 = steps[t + 1]
                        parts.append(np.arange(s1, s1 + b1))
                        if b1 < b:
                            parts.append(np.arange(N + b1, N + b))
            idx = np.concatenate(parts) if parts else np.zeros(0, np.int64)
            self._prev[reverse] = idx
        return idx

    def last_rows(self):
        """Row of each sequence's last step (the forward direction's final state)."""
        if self._last is None:
            bs = np.array([b for _, b in self.steps])
            starts = np.array([s for s, _ in self.steps])
            lengths = (bs[None, :] > np.arange(self.B)[:, None]).sum(1)
            self._last = starts[lengths - 1] + np.arange(self.B)
        return self._last


@functools.lru_cache(maxsize=256)
def schedule(batch_sizes, T, B):
    return _Schedule(batch_sizes, T, B)


def _prev_pieces(sched, OUT, h0, reverse):
    """The state each step started from, as [(row slice, array)] covering all N
    rows (no copy for uniform batches: OUT shifted by one step, plus h0)."""
    N, B = sched.N, sched.B
    if sched.uniform:
        if reverse:
            return [(slice(0, N - B), OUT[B:]), (slice(N - B, N), h0[:B])]
        return [(slice(0, B), h0[:B]), (slice(B, N), OUT[:N - B])]
    idx = sched.on("prev_rev" if reverse else "prev", OUT)
    return [(slice(0, N), np.concatenate([OUT, h0])[idx])]


def _final_state(sched, OUT, reverse):
    if reverse:
        return OUT[:sched.B]
    if sched.uniform:
        return OUT[sched.N - sched.B:]
    return OUT[sched.on("last", OUT)]


def _grow(hp, h0, b):
    """The previous state for b rows: shrink (forward) or extend from h0 (reverse)."""
    n = hp.shape[0]
    if n > b:
        return hp[:b]
    return np.concatenate([hp, h0[n:b]])


# ------------------------------------------------------------------ one direction, forward
_PERM_CACHE = {}


def _lstm_perm(H, like):
    """Rows of PyTorch's (i, f, g, o) gate layout in the internal order (o, i, f, g),
    as an index array beside array `like`."""
    key = (H, None if type(like) is np.ndarray else like.device.id)
    p = _PERM_CACHE.get(key)
    if p is None:
        a = np.arange(H)
        p = _xp(like).asarray(np.concatenate([a + 3 * H, a, a + H, a + 2 * H]))
        _PERM_CACHE[key] = p
    return p


def _dir_forward(mode, X, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, sched, reverse, OUT):
    """Run one direction over the packed input X (N, I), writing its hidden
    states into OUT (N, P) (possibly a strided view of both directions'
    output). Returns (h_n, c_n, state for backward)."""
    N, B = sched.N, sched.B
    steps = sched.steps
    order = range(sched.T - 1, -1, -1) if reverse else range(sched.T)
    dt = X.dtype
    xp = _xp(X)
    st = {"X": X, "h0": h0, "reverse": reverse, "w_hr": w_hr, "OUT": OUT}
    if mode == "LSTM":
        return _lstm_forward(X, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, sched, reverse, OUT, st)
    if mode == "GRU":
        H = w_ih.shape[0] // 3
        scale = xp.ones((3 * H, 1), dt)
        scale[:2 * H] = 0.5
        ACT = X @ (w_ih * scale).T
        bhn = None
        if b_ih is not None:
            bias = b_ih * scale[:, 0]
            bias[:2 * H] += b_hh[:2 * H] * 0.5
            ACT += bias
            bhn = b_hh[2 * H:]
        WhhT = (w_hh * scale).T
        GHN = xp.empty((N, H), dt)
        tmp = xp.empty((B, 3 * H), dt)
        tmp2 = xp.empty((B, H), dt)
        H2 = 2 * H
        hp = None
        for t in order:
            s, b = steps[t]
            e = s + b
            if hp is None:
                hp = h0[:b]
            elif hp.shape[0] != b:
                hp = _grow(hp, h0, b)
            A = ACT[s:e]
            gh = tmp[:b]
            np.matmul(hp, WhhT, out=gh)
            RZ = A[:, :H2]
            RZ += gh[:, :H2]
            np.tanh(RZ, out=RZ)
            RZ *= 0.5
            RZ += 0.5
            ghn = GHN[s:e]
            if bhn is not None:
                np.add(gh[:, H2:], bhn, out=ghn)
            else:
                ghn[...] = gh[:, H2:]
            n = A[:, H2:]
            rg = tmp2[:b]
            np.multiply(A[:, :H], ghn, out=rg)
            n += rg
            np.tanh(n, out=n)
            h = OUT[s:e]
            np.subtract(hp, n, out=h)
            h *= A[:, H:H2]
            h += n
            hp = h
        st.update(ACT=ACT, GHN=GHN, Wih=w_ih, Whh=w_hh)
        return _final_state(sched, OUT, reverse), None, st
    # RNN_TANH / RNN_RELU
    H = w_ih.shape[0]
    np.matmul(X, w_ih.T, out=OUT)
    if b_ih is not None:
        OUT += b_ih + b_hh
    WhhT = w_hh.T
    tmp = xp.empty((B, H), dt)
    relu = mode == "RNN_RELU"
    hp = None
    for t in order:
        s, b = steps[t]
        e = s + b
        if hp is None:
            hp = h0[:b]
        elif hp.shape[0] != b:
            hp = _grow(hp, h0, b)
        h = OUT[s:e]
        gh = tmp[:b]
        np.matmul(hp, WhhT, out=gh)
        h += gh
        if relu:
            np.maximum(h, 0, out=h)
        else:
            np.tanh(h, out=h)
        hp = h
    st.update(Wih=w_ih, Whh=w_hh)
    return _final_state(sched, OUT, reverse), None, st


# ------------------------------------------------------------------ LSTM, transposed layout
# The LSTM runs with features down the rows and the batch across the columns:
# a step's gates are a (4H, b) block, computed as W_hh (4H, P) @ h^T (P, b).
# That product keeps the large weight matrix on the left, which BLAS runs up
# to twice as fast as h (b, P) @ W_hh^T (P, 4H) for the small b of a step.
# Each step's gates, cell states and tanh(c) are stored as contiguous
# blocks, one after the other (block t starts at 4H * s_t, resp. H * s_t).
# The input projection is computed for a few steps at a time, just before
# they run, so that it is still in cache when they add it. The backward's
# gate gradients D form one (4H, N) matrix, a step being the columns
# s_t:s_t+b_t, so that the weight gradients are single matrix products over
# all steps.

# A spare (4H, N) work matrix (the backward's gate gradients), kept between
# calls: it is dropped at the end of each call and has the same shape for
# every layer of a network, so reusing the memory spares the page faults of a
# fresh multi-MB allocation.
_SPARE = {}
_SPARE_MAX_BYTES = 64 << 20
# columns (rows of all steps) of one slice of the LSTM's input projection
_PROJ_COLUMNS = 320


def _work(shape, dt, xp=np):
    a = _SPARE.pop((shape, dt, xp is np), None)
    return xp.empty(shape, dt) if a is None else a


def _give_back(a):
    if len(_SPARE) < 4 and a.nbytes <= _SPARE_MAX_BYTES:
        _SPARE[(a.shape, a.dtype, type(a) is np.ndarray)] = a


def _block(buf, rows, s, e):
    """Step block (rows, e - s) of a flat per-step buffer."""
    return buf[rows * s:rows * e].reshape(rows, e - s)


def _lstm_forward(X, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, sched, reverse, OUT, st):
    """One LSTM direction over the packed input X (N, I), writing its hidden
    states into OUT (N, P); returns (h_n, c_n, st) with the state backward needs."""
    N, B = sched.N, sched.B
    steps = sched.steps
    order = range(sched.T - 1, -1, -1) if reverse else range(sched.T)
    dt = X.dtype
    xp = _xp(X)
    H = w_ih.shape[0] // 4
    P = w_hh.shape[1]
    H3 = 3 * H
    perm = _lstm_perm(H, X)
    Wih = w_ih[perm]
    Whh = w_hh[perm]
    scale = xp.ones((4 * H, 1), dt)
    scale[:H3] = 0.5
    WihS = Wih * scale
    bias = ((b_ih + b_hh)[perm] * scale[:, 0])[:, None] if b_ih is not None else None
    XT = X.T
    # the input projection, a few steps at a time just before they run (kept in cache)
    k_steps = max(1, _PROJ_COLUMNS // B)
    A_buf = xp.empty(4 * H * min(k_steps * B, N), dt)
    A = None
    a0 = 0
    WhhS = Whh * scale
    GT = xp.empty(4 * H * N, dt)
    C = xp.empty(H * N, dt)
    TC = xp.empty(H * N, dt)
    HR = xp.empty((H, N), dt) if w_hr is not None else None
    ig_buf = xp.empty(H * B, dt)
    h_bufs = (xp.empty(P * B, dt), xp.empty(P * B, dt))
    h0T = h0.T
    c0T = c0.T
    hp = cp = None
    k = 0
    # on a GPU, the cell's element-wise chain in one kernel (same formulas)
    fused = not _is_host(X) and HR is None and _kernels.fusable(X)
    for i, t in enumerate(order):
        s, b = steps[t]
        e = s + b
        if i % k_steps == 0:         # project the inputs of the next k_steps steps
            t2 = order[min(i + k_steps, len(order)) - 1]
            lo, hi = (t, t2) if t <= t2 else (t2, t)
            a0 = steps[lo][0]
            a1 = steps[hi][0] + steps[hi][1]
            A = A_buf[:4 * H * (a1 - a0)].reshape(4 * H, a1 - a0)
            np.matmul(WihS, XT[:, a0:a1], out=A)
            if bias is not None:
                A += bias
        if hp is None:
            hp, cp = h0T[:, :b], c0T[:, :b]
        elif hp.shape[1] != b:
            hp, cp = _grow_cols(hp, h0T, b), _grow_cols(cp, c0T, b)
        G = _block(GT, 4 * H, s, e)
        np.matmul(WhhS, hp, out=G)
        if fused:
            c, tc = _block(C, H, s, e), _block(TC, H, s, e)
            h = h_bufs[k][:P * b].reshape(P, b)
            k ^= 1
            _kernels.lstm_cell_forward(A[:, s - a0:e - a0], G, cp, c, tc, h, OUT[s:e].T)
            hp, cp = h, c
            continue
        G += A[:, s - a0:e - a0]
        np.tanh(G, out=G)
        S = G[:H3]
        S *= 0.5
        S += 0.5
        c = _block(C, H, s, e)
        np.multiply(G[2 * H:H3], cp, out=c)
        ig = ig_buf[:H * b].reshape(H, b)
        np.multiply(G[H:2 * H], G[H3:], out=ig)
        c += ig
        tc = _block(TC, H, s, e)
        np.tanh(c, out=tc)
        h = h_bufs[k][:P * b].reshape(P, b)
        k ^= 1
        if HR is not None:
            hr = HR[:, s:e]
            np.multiply(G[:H], tc, out=hr)
            np.matmul(w_hr, hr, out=h)
        else:
            np.multiply(G[:H], tc, out=h)
        np.copyto(OUT[s:e], h.T)
        hp, cp = h, c
    st.update(GT=GT, C=C, TC=TC, HR=HR, Wih=Wih, Whh=Whh, c0=c0, perm=perm, H=H)
    return _final_state(sched, OUT, reverse), _final_cell(sched, C, H, reverse), st


def _pair(buf, off0, off1, shape, strides):
    """The blocks of both directions as one (2, *shape) view: buf is (2, ...)
    contiguous, direction d's block starts `off_d` elements into row d and has
    the given element strides. (A view across the two rows: the two blocks
    of one step then take one kernel launch, not two.)"""
    flat = buf.reshape(-1)
    item = buf.itemsize
    row = buf.size // 2
    return strided_view(flat[off0:], (2,) + tuple(shape),
                        ((row + off1 - off0) * item,) + tuple(st * item for st in strides))


def _pairable(mode, X, sched, weights, directions):
    """Whether a layer's two LSTM directions can run as one loop on a GPU."""
    return (mode == "LSTM" and directions == 2 and sched.uniform and not _is_host(X)
            and _kernels.fusable(X) and weights[4] is None and weights[_NW + 4] is None)


def _lstm_forward_pair(X, h0, c0, weights, sched, out):
    """Both LSTM directions over uniform sequences in one loop, on a GPU: at
    step i the forward direction runs time i and the reverse one time T-1-i,
    with one batched GEMM and one cell kernel for the two. Each direction's
    saved state has the layout _lstm_forward gives it, so the backward pass
    is the per-direction one. Returns [(h_n, c_n, state)] per direction."""
    N, B, T = sched.N, sched.B, sched.T
    dt = X.dtype
    xp = _xp(X)
    w = [weights[d * _NW:(d + 1) * _NW] for d in range(2)]
    H = w[0][0].shape[0] // 4
    P = w[0][1].shape[1]
    perm = _lstm_perm(H, X)
    scale = xp.ones((4 * H, 1), dt)
    scale[:3 * H] = 0.5
    Wih = [wd[0][perm] for wd in w]
    Whh = [wd[1][perm] for wd in w]
    A = np.matmul(xp.stack(Wih) * scale, X.T)                        # (2, 4H, N): all steps at once
    if w[0][2] is not None:
        A += xp.stack([((wd[2] + wd[3])[perm] * scale[:, 0]) for wd in w])[:, :, None]
    WhhS = xp.stack(Whh) * scale                                     # (2, 4H, P)
    GT, C, TC = xp.empty((2, 4 * H * N), dt), xp.empty((2, H * N), dt), xp.empty((2, H * N), dt)
    HALL = xp.empty((2, H, N), dt)                                   # every step's h
    R = xp.empty((2, 4 * H, B), dt)
    h_bufs = (xp.empty((2, P, B), dt), xp.empty((2, P, B), dt))
    hp = xp.ascontiguousarray(h0.transpose(0, 2, 1))
    cp = xp.ascontiguousarray(c0.transpose(0, 2, 1))
    for i in range(T):
        s0, s1 = i * B, (T - 1 - i) * B
        np.matmul(WhhS, hp, out=R)
        h = h_bufs[i % 2]
        c = _pair(C, H * s0, H * s1, (H, B), (B, 1))
        _kernels.lstm_cell_forward_from(
            R, _pair(A, s0, s1, (4 * H, B), (N, 1)), _pair(GT, 4 * H * s0, 4 * H * s1, (4 * H, B), (B, 1)),
            cp, c, _pair(TC, H * s0, H * s1, (H, B), (B, 1)), h, _pair(HALL, s0, s1, (H, B), (N, 1)))
        hp, cp = h, c
    results = []
    for d in range(2):
        OUT = out[:, d * P:(d + 1) * P]
        OUT[...] = HALL[d].T
        st = {"X": X, "h0": h0[d], "reverse": d == 1, "w_hr": None, "OUT": OUT, "GT": GT[d], "C": C[d],
              "TC": TC[d], "HR": None, "Wih": Wih[d], "Whh": Whh[d], "c0": c0[d], "perm": perm, "H": H,
              "pair": (GT, C, TC, c0)}
        results.append((_final_state(sched, OUT, d == 1), _final_cell(sched, C[d], H, d == 1), st))
    return results


def _grow_cols(hp, h0T, b):
    """The previous state (features, b): fewer columns (forward) or more from h0 (reverse)."""
    n = hp.shape[1]
    if n > b:
        return hp[:, :b]
    return np.concatenate([hp, h0T[:, n:b]], axis=1)


def _final_cell(sched, C, H, reverse):
    """The final cell states (B, H) from the per-step blocks."""
    steps = sched.steps
    if reverse:
        s, b = steps[0]
        return _block(C, H, s, s + b).T
    if sched.uniform:
        s, b = steps[-1]
        return _block(C, H, s, s + b).T
    out = _xp(C).empty((sched.B, H), C.dtype)
    for t, (s, b) in enumerate(steps):
        nb = steps[t + 1][1] if t + 1 < len(steps) else 0
        if nb < b:   # sequences nb..b-1 end at step t
            out[nb:b] = _block(C, H, s, s + b)[:, nb:b].T
    return out


def _cell_before(sched, C, c0T, H, tp, b):
    """The cell state (H, b) a step started from: step tp's, or the initial one."""
    if 0 <= tp < sched.T:
        sp, bp = sched.steps[tp]
        cprev = _block(C, H, sp, sp + bp)
        if bp > b:
            return cprev[:, :b]
        if bp < b:
            return np.concatenate([cprev, c0T[:, bp:b]], axis=1)
        return cprev
    return c0T[:, :b]


def _lstm_backward(st, sched, dOUT, dhn, dcn, need_x, need_w):
    """Back-propagation through time for one LSTM direction (see _dir_backward).

    Per step, with the saved activations [o, i, f, g], c and tanh(c):
      dc += dh' * o * (1 - tanh(c)^2)
      d[o, i, f] = sigmoid' * [dh' * tanh(c), dc * g, dc * c_prev],  d[g] = dc * i * (1 - g^2)
      dc_prev = dc * f,  dh_prev = W_hh^T @ d."""
    reverse, OUT = st["reverse"], st["OUT"]
    GT, C, TC, Whh = st["GT"], st["C"], st["TC"], st["Whh"]
    w_hr, c0, H = st["w_hr"], st["c0"], st["H"]
    N, B = sched.N, sched.B
    steps = sched.steps
    T = sched.T
    order = range(T) if reverse else range(T - 1, -1, -1)
    dt = OUT.dtype
    P = OUT.shape[1]
    H2, H3, H4 = 2 * H, 3 * H, 4 * H
    xp = _xp(OUT)
    WhhT = xp.ascontiguousarray(Whh.T)                   # (P, 4H)
    whrT = w_hr.T if w_hr is not None else None
    D = _work((H4, N), dt, xp)                           # gate gradients, step t = columns s:e
    DH = xp.empty((P, N), dt) if w_hr is not None else None
    dh = xp.array(dhn.T, dtype=dt, order="C")            # (P, B)
    dc = xp.array(dcn.T, dtype=dt, order="C")            # (H, B)
    dht_buf = xp.empty(P * B, dt)
    dhr_buf = xp.empty(H * B, dt) if w_hr is not None else None
    u_buf = xp.empty(H * B, dt)
    sd_buf = xp.empty(H3 * B, dt)
    c0T = c0.T
    fused = not _is_host(OUT) and DH is None and _kernels.fusable(OUT)
    for t in order:
        s, b = steps[t]
        e = s + b
        if fused:
            tp = t + 1 if reverse else t - 1
            _kernels.lstm_cell_backward(dOUT[s:e].T, dh[:, :b], _block(GT, H4, s, e), _block(TC, H, s, e),
                                        _cell_before(sched, C, c0T, H, tp, b), dc[:, :b], D[:, s:e])
            np.matmul(WhhT, D[:, s:e], out=dh[:, :b])
            continue
        dht = dht_buf[:P * b].reshape(P, b)
        np.add(dOUT[s:e].T, dh[:, :b], out=dht)
        if DH is not None:
            DH[:, s:e] = dht
            dhr = dhr_buf[:H * b].reshape(H, b)
            np.matmul(whrT, dht, out=dhr)
        else:
            dhr = dht
        G = _block(GT, H4, s, e)
        tc = _block(TC, H, s, e)
        cprev = _cell_before(sched, C, c0T, H, t + 1 if reverse else t - 1, b)
        dct = dc[:, :b]
        u = u_buf[:H * b].reshape(H, b)
        # dc += dh' * o * (1 - tanh(c)^2)
        np.multiply(tc, tc, out=u)
        np.subtract(1, u, out=u)
        u *= G[:H]
        u *= dhr
        dct += u
        # sigmoid derivatives of o, i, f
        sd = sd_buf[:H3 * b].reshape(H3, b)
        np.subtract(1, G[:H3], out=sd)
        sd *= G[:H3]
        Dt = D[:, s:e]
        np.multiply(tc, dhr, out=Dt[:H])                 # o: dh' * tanh(c)
        np.multiply(G[H3:], dct, out=Dt[H:H2])           # i: dc * g
        np.multiply(cprev, dct, out=Dt[H2:H3])           # f: dc * c_prev
        Dt[:H3] *= sd
        np.multiply(G[H3:], G[H3:], out=u)               # g: dc * i * (1 - g^2)
        np.subtract(1, u, out=u)
        u *= G[H:H2]
        np.multiply(u, dct, out=Dt[H3:])
        dct *= G[H2:H3]
        np.matmul(WhhT, Dt, out=dh[:, :b])
    dX, res_w = _lstm_weight_grads(st, sched, D, DH, need_x, need_w)
    _give_back(D)
    return dX, dh.T, dc.T, res_w


def _lstm_weight_grads(st, sched, D, DH, need_x, need_w):
    """From one direction's gate gradients D (4H, N): the input gradient and
    the weight gradients (in PyTorch's gate order), each one matrix product
    over all steps."""
    X, h0, reverse, OUT, perm = st["X"], st["h0"], st["reverse"], st["OUT"], st["perm"]
    dX = np.matmul(D.T, st["Wih"]) if need_x else None
    if not need_w:
        return dX, None
    inv = np.empty_like(perm)
    inv[perm] = _xp(D).arange(perm.shape[0])
    dw_ih = np.matmul(D, X)[inv]
    dw_hh = _prev_matmul(D, _prev_pieces(sched, OUT, h0, reverse))[inv]
    db = D.sum(1)[inv]
    dw_hr = np.matmul(DH, st["HR"].T) if DH is not None else None
    return dX, (dw_ih, dw_hh, db, db.copy(), dw_hr)


def _lstm_backward_pair(states, sched, dOUT, dhn, dcn, need_x, need_w):
    """Back-propagation through time for both directions of a layer that ran
    with _lstm_forward_pair: at step i the forward direction goes back from
    time T-1-i and the reverse one from time i, one cell kernel and one
    batched W_hh^T product for the two. Returns per direction what
    _lstm_backward returns."""
    GT, C, TC, c0 = states[0]["pair"]
    N, B, T = sched.N, sched.B, sched.T
    H = states[0]["H"]
    P = dhn.shape[-1]
    dt = GT.dtype
    xp = _xp(GT)
    dO = xp.ascontiguousarray(dOUT.reshape(N, 2, P).transpose(1, 2, 0))      # (2, P, N)
    WhhT = xp.ascontiguousarray(xp.stack([st["Whh"] for st in states]).transpose(0, 2, 1))
    D = xp.empty((2, 4 * H, N), dt)
    Dstep = xp.empty((2, 4 * H, B), dt)
    dh = xp.ascontiguousarray(dhn.transpose(0, 2, 1))
    dc = xp.ascontiguousarray(dcn.transpose(0, 2, 1))
    c0T = c0.transpose(0, 2, 1)
    for i in range(T):
        t0, t1 = T - 1 - i, i
        s0, s1 = t0 * B, t1 * B
        cprev = c0T if i == T - 1 else _pair(C, H * (s0 - B), H * (s1 + B), (H, B), (B, 1))
        _kernels.lstm_cell_backward_pair(
            _pair(dO, s0, s1, (P, B), (N, 1)), dh, _pair(GT, 4 * H * s0, 4 * H * s1, (4 * H, B), (B, 1)),
            _pair(TC, H * s0, H * s1, (H, B), (B, 1)), cprev, dc, _pair(D, s0, s1, (4 * H, B), (N, 1)), Dstep)
        np.matmul(WhhT, Dstep, out=dh)
    results = []
    for d, st in enumerate(states):
        dX, res_w = _lstm_weight_grads(st, sched, D[d], None, need_x, need_w[d])
        results.append((dX, dh[d].T, dc[d].T, res_w))
    return results


# ------------------------------------------------------------------ one direction, backward
def _dir_backward(mode, st, sched, dOUT, dhn, dcn, need_x, need_w):
    """Back-propagation through time for one direction.

    dOUT (N, P): gradient of this direction's outputs; dhn/dcn (B, .): of its
    final states. Returns dX, dh0, dc0 and the weight gradients (or None)."""
    X, h0, reverse, OUT = st["X"], st["h0"], st["reverse"], st["OUT"]
    N, B = sched.N, sched.B
    steps = sched.steps
    order = range(sched.T) if reverse else range(sched.T - 1, -1, -1)
    dt = OUT.dtype
    if mode == "LSTM":
        return _lstm_backward(st, sched, dOUT, dhn, dcn, need_x, need_w)
    xp = _xp(OUT)
    prev = _prev_pieces(sched, OUT, h0, reverse)
    dh = xp.array(dhn, dtype=dt, copy=True)
    res_w = None
    if mode == "GRU":
        ACT, GHN, Wih, Whh = st["ACT"], st["GHN"], st["Wih"], st["Whh"]
        H = GHN.shape[1]
        H2 = 2 * H
        r = ACT[:, :H]
        z = ACT[:, H:H2]
        n = ACT[:, H2:]
        Aa = n * n
        np.subtract(1, Aa, out=Aa)
        Aa *= 1 - z                      # d h'/d a_n
        Cc = 1 - r
        Cc *= r
        Cc *= GHN                        # d a_n/d a_r, per unit of d a_n
        Bz = xp.empty((N, H), dt)
        for sl, hp in prev:
            np.subtract(hp, n[sl], out=Bz[sl])
        Bz *= z
        Bz *= 1 - z                      # d h'/d a_z
        dGH = xp.empty((N, 3 * H), dt)
        DAN = xp.empty((N, H), dt)
        dht_buf = xp.empty((B, H), dt)
        tmp = xp.empty((B, H), dt)
        for t in order:
            s, b = steps[t]
            e = s + b
            dht = dht_buf[:b]
            np.add(dOUT[s:e], dh[:b], out=dht)
            dan = DAN[s:e]
            np.multiply(dht, Aa[s:e], out=dan)
            gg = dGH[s:e]
            np.multiply(dan, Cc[s:e], out=gg[:, :H])
            np.multiply(dht, Bz[s:e], out=gg[:, H:H2])
            np.multiply(dan, r[s:e], out=gg[:, H2:])
            np.matmul(gg, Whh, out=dh[:b])
            np.multiply(dht, z[s:e], out=tmp[:b])
            dh[:b] += tmp[:b]
        dGX = dGH.copy()
        dGX[:, H2:] = DAN
        dX = dGX @ Wih if need_x else None
        if need_w:
            res_w = (dGX.T @ X, _prev_matmul(dGH.T, prev), dGX.sum(0), dGH.sum(0), None)
        return dX, dh, None, res_w
    Wih, Whh = st["Wih"], st["Whh"]
    if mode == "RNN_RELU":
        dA = (OUT > 0).astype(dt)
    else:
        dA = OUT * OUT
        np.subtract(1, dA, out=dA)
    tmp = xp.empty((B, OUT.shape[1]), dt)
    for t in order:
        s, b = steps[t]
        e = s + b
        da = tmp[:b]
        np.add(dOUT[s:e], dh[:b], out=da)
        dA[s:e] *= da
        np.matmul(dA[s:e], Whh, out=dh[:b])
    dX = dA @ Wih if need_x else None
    if need_w:
        db = dA.sum(0)
        res_w = (dA.T @ X, _prev_matmul(dA.T, prev), db, db.copy(), None)
    return dX, dh, None, res_w


def _prev_matmul(dGT, prev):
    """dGT (G, N) @ (the previous states, N x P), piece by piece."""
    out = None
    for sl, a in prev:
        if a.shape[0] == 0:
            continue
        r = dGT[:, sl] @ a
        out = r if out is None else out + r
    return out


# ------------------------------------------------------------------ the ops
class _NoDoubleBackward(Op):
    """Carries a fused RNN backward's results when a graph of the gradient is
    being recorded (create_graph=True); differentiating them again raises."""
    dtype_rule = "keep"

    def forward(ctx, *arrays, results):
        return results

    def backward(ctx, *grads):
        raise RuntimeError(
            "double backward through a fused recurrent layer (RNN/LSTM/GRU or their cells) is not "
            "supported: gradients of its gradients cannot be computed")


def _finish_backward(ctx, grads, arrays):
    """Wrap the gradient arrays as Tensors of each input's dtype."""
    out = []
    for a, meta in zip(arrays, ctx.inputs_meta):
        out.append(None if a is None or meta is None else a)
    if _grad_state.enabled:
        tensors = [t for t in ctx.saved_tensors
                   if t is not None and getattr(t, "_requires_grad", False)]
        tensors += [g for g in grads if g is not None and g._requires_grad]
        if tensors:
            pos = [i for i, a in enumerate(out) if a is not None]
            if pos:
                res = apply(_NoDoubleBackward, *tensors, results=tuple(out[i] for i in pos))
                if type(res) is not tuple:
                    res = (res,)
                final = [None] * len(out)
                for i, r in zip(pos, res):
                    meta_dt = ctx.inputs_meta[i][1]
                    final[i] = r if r._dtype is meta_dt else r.to(meta_dt)
                return tuple(final)
    return tuple(None if a is None else wrap(a, meta[1]) for a, meta in zip(out, ctx.inputs_meta))


def _array(g, dt):
    a = g._data
    return a if a.dtype == dt else a.astype(dt)


class RNNLayer(Op):
    """One layer, all directions: inputs (x, h0, c0, then 5 weight slots per
    direction: w_ih, w_hh, b_ih, b_hh, w_hr; None where absent); outputs
    (out, h_n) or, for LSTM, (out, h_n, c_n).

    x is (T, B, I), or packed (N, I) with batch_sizes; h0/c0 are (D, B, .)."""
    dtype_rule = "keep"
    save = tuple(range(3 + 2 * _NW))
    save_output = True   # backward reads the output: in-place changes to it are caught
    copy_output = False
    grad_name = "MkldnnRnnLayerBackward0"

    def forward(ctx, x, h0, c0, *weights, mode, batch_sizes, directions):
        packed = batch_sizes is not None
        if packed:
            sched = schedule(batch_sizes, 0, 0)
            X = x
        else:
            T, B = x.shape[0], x.shape[1]
            sched = schedule(None, T, B)
            X = x.reshape(T * B, x.shape[2])
        P = weights[1].shape[1]
        out = _xp(X).empty((sched.N, directions * P), X.dtype)
        hns, cns, states = [], [], []
        if _pairable(mode, X, sched, weights, directions):
            for hn, cn, st in _lstm_forward_pair(X, h0, c0, weights, sched, out):
                hns.append(hn)
                cns.append(cn)
                states.append(st)
        for d in range(len(states), directions):
            w = weights[d * _NW:(d + 1) * _NW]
            hn, cn, st = _dir_forward(mode, X, h0[d], None if c0 is None else c0[d], *w, sched,
                                      d == 1, out[:, d * P:(d + 1) * P])
            hns.append(hn)
            cns.append(cn)
            states.append(st)
        ctx.sched = sched
        ctx.states = states
        if ctx.op.copy_output:
            out = out.copy()
        if not packed:
            out = out.reshape(sched.T, sched.B, out.shape[1])
        hn = np.stack(hns)
        if mode == "LSTM":
            return out, hn, np.stack(cns)
        return out, hn

    def backward(ctx, *grads):
        saved = ctx.saved_tensors  # checks for in-place changes since forward
        p = ctx.params
        mode, D = p["mode"], p["directions"]
        sched, states = ctx.sched, ctx.states
        meta = ctx.inputs_meta
        dt = states[0]["OUT"].dtype
        N = sched.N
        P = states[0]["OUT"].shape[1]
        xp = _xp(states[0]["OUT"])
        gout = _array(grads[0], dt) if grads[0] is not None else None
        if gout is not None:
            gout = gout.reshape(N, D * P)
        ghn = _array(grads[1], dt) if grads[1] is not None else None
        gcn = None
        if mode == "LSTM" and grads[2] is not None:
            gcn = _array(grads[2], dt)
        need_x = meta[0] is not None
        res = [None] * len(meta)
        dX = None
        dh0s, dc0s = [], []
        needs_w = [any(meta[3 + d * _NW + k] is not None for k in range(_NW)) for d in range(D)]
        paired = None
        if "pair" in states[0]:
            paired = _lstm_backward_pair(
                states, sched, gout if gout is not None else xp.zeros((N, 2 * P), dt),
                ghn if ghn is not None else xp.zeros((2, sched.B, P), dt),
                gcn if gcn is not None else xp.zeros((2, sched.B, states[0]["H"]), dt), need_x, needs_w)
        for d in range(D):
            st = states[d]
            base = 3 + d * _NW
            if paired is not None:
                dx, dh0, dc0, dws = paired[d]
            else:
                dOUT = gout[:, d * P:(d + 1) * P] if gout is not None else xp.zeros((N, P), dt)
                dhn = ghn[d] if ghn is not None else xp.zeros((sched.B, P), dt)
                dcn = None
                if mode == "LSTM":
                    dcn = gcn[d] if gcn is not None else xp.zeros((sched.B, st["H"]), dt)
                dx, dh0, dc0, dws = _dir_backward(mode, st, sched, dOUT, dhn, dcn, need_x, needs_w[d])
            if dx is not None:
                if dX is None:
                    dX = dx
                else:
                    dX += dx
            dh0s.append(dh0)
            dc0s.append(dc0)
            if dws is not None:
                for k in range(_NW):
                    res[base + k] = dws[k]
        if dX is not None:
            res[0] = dX.reshape(saved[0].shape)
        res[1] = np.stack(dh0s)
        if mode == "LSTM":
            res[2] = np.stack(dc0s)
        return _finish_backward(ctx, grads, res)


class RNNLayerCopy(RNNLayer):
    """RNNLayer returning a copy of its output, which the caller may then change
    in place (PyTorch's composite GRU/RNN/bidirectional paths allow that; only
    its fused unidirectional LSTM kernel saves the output itself)."""
    save_output = False
    copy_output = True
    grad_name = "RnnLayerBackward0"


def layer_op(mode, directions, proj):
    return RNNLayer if (mode == "LSTM" and directions == 1 and not proj) else RNNLayerCopy


class RNNCellStep(Op):
    """One step of a cell: inputs (x, h, c, w_ih, w_hh, b_ih, b_hh), x (B, I);
    outputs h' or, for LSTM, (h', c')."""
    dtype_rule = "keep"
    save = tuple(range(7))

    def forward(ctx, x, h, c, w_ih, w_hh, b_ih, b_hh, *, mode):
        sched = schedule(None, 1, x.shape[0])
        OUT = _xp(x).empty((x.shape[0], w_hh.shape[1]), x.dtype)
        hn, cn, st = _dir_forward(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, None, sched, False, OUT)
        ctx.sched = sched
        ctx.st = st
        if mode == "LSTM":
            return OUT.copy(), cn.copy()
        return OUT.copy()

    def backward(ctx, *grads):
        ctx.saved_tensors
        mode = ctx.params["mode"]
        st, sched = ctx.st, ctx.sched
        meta = ctx.inputs_meta
        OUT = st["OUT"]
        dt = OUT.dtype
        dOUT = _array(grads[0], dt) if grads[0] is not None else np.zeros_like(OUT)
        dhn = np.zeros_like(OUT)
        dcn = None
        if mode == "LSTM":
            dcn = (_array(grads[1], dt) if grads[1] is not None
                   else _xp(OUT).zeros((OUT.shape[0], st["H"]), dt))
        need_w = any(m is not None for m in meta[3:])
        dx, dh, dc, dws = _dir_backward(mode, st, sched, dOUT, dhn, dcn, meta[0] is not None,
                                        need_w)
        res = [dx, dh, dc if mode == "LSTM" else None]
        res += list(dws[:4]) if dws is not None else [None] * 4
        return _finish_backward(ctx, grads, res)
