"""Fused CUDA kernels for the loops where a chain of array calls would launch
one GPU kernel each.

On a GPU every array call is a kernel launch that costs the host several
microseconds, so a step written as a dozen in-place NumPy calls (an LSTM
cell, an Adam update) is bound by launches, not by arithmetic. Each kernel
here does one such chain in a single launch, with the same formulas, in
the same order, as the NumPy code beside which it is used (that code stays
the CPU path and the reference the tests compare against).

The bodies are straight-line C over one element: simple enough for the
simulated device of the tests to run them too (tests/simcuda.py).
"""
from ._backends import cupy

_compiled = {}


def _kernel(name, in_params, out_params, body):
    k = _compiled.get(name)
    if k is None:
        cp = cupy()
        k = _compiled[name] = cp.ElementwiseKernel(in_params, out_params, body, "ember_" + name)
    return k


def fusable(a):
    """Whether device array `a` can use these kernels (float32/float64 data)."""
    return a.dtype.kind == "f" and a.dtype.itemsize >= 4 and hasattr(cupy(), "ElementwiseKernel")


# ------------------------------------------------------------------ LSTM
# Gate rows in Ember's LSTM are ordered [o, i, f, g]; the weights of the
# sigmoid gates are pre-scaled by 1/2, so sigmoid(z) = tanh(z/2)/2 + 1/2.

def lstm_cell_forward(a, g, c_prev, c, tc, h, h_out):
    """One step: g (4H, b) holds W_hh @ h_prev and becomes the activations
    [o, i, f, g]; a is the input projection; writes c, tanh(c), h and h_out."""
    lstm_cell_forward_from(g, a, g, c_prev, c, tc, h, h_out)   # each element read, then written


def lstm_cell_forward_from(r, a, g, c_prev, c, tc, h, h_out):
    """lstm_cell_forward with the recurrent products r (4H, ...) read from
    their own array and the activations written to g."""
    H = c.shape[-2]
    k = _kernel("lstm_forward_from",
                "T ro, T ri, T rf, T rg, T ao, T ai, T af, T ag, T cp",
                "T go, T gi, T gf, T gg, T c, T tc, T h, T hout",
                """
                go = tanh(ro + ao) * 0.5 + 0.5;
                gi = tanh(ri + ai) * 0.5 + 0.5;
                gf = tanh(rf + af) * 0.5 + 0.5;
                gg = tanh(rg + ag);
                c = gf * cp + gi * gg;
                tc = tanh(c);
                h = go * tc;
                hout = h;
                """)
    rows = [slice(j * H, (j + 1) * H) for j in range(4)]
    k(*(r[..., q, :] for q in rows), *(a[..., q, :] for q in rows), c_prev,
      *(g[..., q, :] for q in rows), c, tc, h, h_out)


def lstm_cell_backward(dout, dh, g, tc, c_prev, dc, d):
    """One step back: with the step's activations g [o, i, f, g], tanh(c) and
    c_prev, and dh' = dout + dh, writes the gate gradients d (4H, b) and
    carries dc to the previous step (dc <- (dc + dh' o (1 - tanh(c)^2)) f)."""
    lstm_cell_backward_pair(dout, dh, g, tc, c_prev, dc, d, d)


def lstm_cell_backward_pair(dout, dh, g, tc, c_prev, dc, d, d_copy):
    """lstm_cell_backward, writing the gate gradients to d_copy too (for two
    directions: the contiguous operand of the step's W_hh^T product)."""
    H = tc.shape[-2]
    k = _kernel("lstm_backward_pair",
                "T dout, T dh, T go, T gi, T gf, T gg, T tc, T cp",
                "T dc, T d_o, T d_i, T d_f, T d_g, T e_o, T e_i, T e_f, T e_g",
                """
                T dht = dout + dh;
                dc = dc + (1 - tc * tc) * go * dht;
                d_o = tc * dht * ((1 - go) * go);
                d_i = gg * dc * ((1 - gi) * gi);
                d_f = cp * dc * ((1 - gf) * gf);
                d_g = (1 - gg * gg) * gi * dc;
                dc = dc * gf;
                e_o = d_o;
                e_i = d_i;
                e_f = d_f;
                e_g = d_g;
                """)
    rows = [slice(j * H, (j + 1) * H) for j in range(4)]
    k(dout, dh, *(g[..., q, :] for q in rows), tc, c_prev, dc, *(d[..., q, :] for q in rows),
      *(d_copy[..., q, :] for q in rows))


# ------------------------------------------------------------------ Adam
def adam_step(x, m, v, g, *, lerp_weight, beta2, one_minus_beta2, neg_step_size, bias_correction2_sqrt,
              eps, weight_decay=0.0, decay=1.0, maximize=False):
    """Adam/AdamW on one parameter x with moments m, v and gradient g, as the
    optimizer's NumPy code computes it: coupled weight decay, decoupled decay
    factor, the lerp of m, addcmul of v and addcdiv of x."""
    grad = "-g" if maximize else "g"
    if weight_decay:
        grad = "(%s + wd * x)" % grad
    name = "adam_%s%s" % ("max_" if maximize else "", "wd" if weight_decay else "plain")
    k = _kernel(name,
                "T g, T w1, T beta2, T w2, T nstep, T bc2, T eps, T wd, T decay",
                "T x, T m, T v",
                """
                T gr = %s;
                x = x * decay;
                m = m + w1 * (gr - m);
                v = v * beta2 + (w2 * gr) * gr;
                x = x + (nstep * m) / (sqrt(v) / bc2 + eps);
                """ % grad)
    k(g, lerp_weight, beta2, one_minus_beta2, neg_step_size, bias_correction2_sqrt, eps, weight_decay, decay,
      x, m, v)


# ------------------------------------------------------------------ batch norm
def running_update(running, stat, momentum):
    """running <- momentum * stat + (1 - momentum) * running (a running mean or variance)."""
    k = _kernel("running_update", "T s, T m", "T r", "r = m * s + (1 - m) * r;")
    k(stat, momentum, running)


# ------------------------------------------------------------------ 2x2 max pooling
# The usual MaxPool2d(2): windows tile the plane, each output reads four
# inputs (views a0..a3 of the input, in window order). The first maximum
# wins, a NaN propagates and the window's last NaN wins, as on the CPU.

def max_pool_2x2(a0, a1, a2, a3, base, width, out, which, index):
    """Writes the window maxima (out), the winner's place in the window 0..3
    (which) and its flat index in the input plane (index = base + offset)."""
    k = _kernel("max_pool_2x2",
                "T a0, T a1, T a2, T a3, int64 base, int64 width",
                "T out, uint8 which, int64 index",
                """
                T best = a0;
                int w = 0;
                long long off = 0;
                bool t = (a1 > best) || isnan(a1);
                best = t ? a1 : best;
                w = t ? 1 : w;
                off = t ? 1 : off;
                t = (a2 > best) || isnan(a2);
                best = t ? a2 : best;
                w = t ? 2 : w;
                off = t ? width : off;
                t = (a3 > best) || isnan(a3);
                best = t ? a3 : best;
                w = t ? 3 : w;
                off = t ? width + 1 : off;
                out = best;
                which = w;
                index = base + off;
                """)
    k(a0, a1, a2, a3, base, width, out, which, index)


def max_pool_2x2_backward(g, which, d0, d1, d2, d3):
    """The gradient g of each window goes to its winner: d0..d3 are the four
    views of the (zeroed) input gradient."""
    k = _kernel("max_pool_2x2_backward", "T g, uint8 which, T zero", "T d0, T d1, T d2, T d3",
                """
                d0 = which == 0 ? g : zero;
                d1 = which == 1 ? g : zero;
                d2 = which == 2 ? g : zero;
                d3 = which == 3 ? g : zero;
                """)
    k(g, which, 0, d0, d1, d2, d3)


# ------------------------------------------------------------------ batch norm (training)
# The per-channel arithmetic around the batch statistics, in the CPU code's order.

def bn_stats(var_sum, count, eps, weight, invstd, unbiased, scale):
    """invstd = 1/sqrt(var_sum/n + eps), unbiased variance, scale = invstd * weight (per channel)."""
    k = _kernel("bn_stats", "T vs, T n, T n1, T eps, T w", "T invstd, T unbiased, T scale",
                """
                invstd = 1 / sqrt(vs / n + eps);
                unbiased = vs / n1;
                scale = invstd * w;
                """)
    k(var_sum, count, count - 1, eps, weight, invstd, unbiased, scale)


def bn_eval_coefficients(var, mean, eps, weight, bias, invstd, scale, shift):
    """With given statistics: invstd = 1/sqrt(var + eps), scale = invstd * weight,
    shift = -mean * scale + bias (per channel)."""
    k = _kernel("bn_eval_coefficients", "T var, T mean, T eps, T w, T b", "T invstd, T scale, T shift",
                """
                invstd = 1 / sqrt(var + eps);
                scale = invstd * w;
                shift = -mean * scale + b;
                """)
    k(var, mean, eps, weight, bias, invstd, scale, shift)


def bn_apply(d, scale, bias, y):
    """y = (x - mean) * scale + bias, scale and bias broadcast per channel."""
    _kernel("bn_apply", "T d, T s, T b", "T y", "y = d * s + b;")(d, scale, bias, y)


def bn_backward(d, g, invstd, dot, sum_g, count, weight, gx, gw):
    """gx = (d * -(invstd^2 dot / n) + g - sum_g / n) * invstd * weight, and gw = dot * invstd."""
    coef = _kernel("bn_backward_coef", "T invstd, T dot, T sg, T n, T w", "T a, T m, T k, T gw",
                   """
                   a = -(invstd * invstd * dot / n);
                   m = sg / n;
                   k = invstd * w;
                   gw = dot * invstd;
                   """)
    xp = cupy()
    a, m, k = (xp.empty(invstd.shape, invstd.dtype) for _ in range(3))
    coef(invstd, dot, sum_g, count, weight, a, m, k, gw)
    _kernel("bn_backward_input", "T d, T g, T a, T m, T k", "T r", "r = (d * a + g - m) * k;")(
        d, g, a[:, None], m[:, None], k[:, None], gx)


# ------------------------------------------------------------------ row norms (layer / group norm)
def row_rstd(var_sum, count, eps, var, rstd):
    """var = var_sum / k and rstd = 1/sqrt(var + eps), per row."""
    k = _kernel("row_rstd", "T vs, T k, T eps", "T var, T rstd", "var = vs / k; rstd = 1 / sqrt(var + eps);")
    k(var_sum, count, eps, var, rstd)


def row_backward(gy, xhat, a, b, rstd, inv_k, k, gx):
    """The normalisation's input gradient: with a = sum(gy) and b = sum(gy * xhat)
    per row, gx = xhat * (b * (-rstd / k)) + (gy - a * (1/k)) * rstd."""
    kern = _kernel("row_backward", "T gy, T xhat, T a, T b, T rstd, T invk, T kk", "T gx",
                   "T a2 = a * invk; T b2 = b * (-rstd / kk); gx = xhat * b2 + (gy - a2) * rstd;")
    kern(gy, xhat, a, b, rstd, inv_k, k, gx)


def scale_shift(x, scale, shift, y):
    """y = x * scale + shift (an affine after normalisation)."""
    _kernel("scale_shift", "T x, T s, T b", "T y", "y = x * s + b;")(x, scale, shift, y)


# ------------------------------------------------------------------ cross entropy (class indices)
def shifted_exp(x, row_max, shifted, e):
    """shifted = x - max over classes; e = exp(shifted)."""
    _kernel("shifted_exp", "T x, T mx", "T sh, T e", "sh = x - mx; e = exp(sh);")(x, row_max, shifted, e)


def class_nll(picked, lse, weight, nll):
    """nll = -((x[target] - max - lse) * weight) per element."""
    _kernel("class_nll", "T p, T lse, T w", "T nll", "nll = -((p - lse) * w);")(picked, lse, weight, nll)


def cross_entropy_grad(e, se, weight, coef, upstream, target, classes, grad):
    """d loss / d x for class-index targets: with A = weight * coef * upstream
    per element, grad = e * (A / se) - (class == target ? A : 0)."""
    k = _kernel("cross_entropy_grad", "T e, T se, T w, T a, T ga, int64 t, int64 cls, T zero", "T grad",
                """
                T A = w * a * ga;
                T q = A / se;
                T hit = cls == t ? A : zero;
                grad = e * q - hit;
                """)
    k(e, se, weight, coef, upstream, target, classes, 0, grad)
