"""Element-wise ops (ember/_ops/pointwise.py, special.py) for the CUDA suite
(tests/test_cuda_pointwise.py): every public op, across dtypes, broadcasting,
Python-number operands, in-place and out= forms, 0-dim and empty inputs.

Each case is (name, fn, inputs) as in cuda_cases.py: `inputs` are NumPy
arrays (float ones get gradients), `fn` takes ember tensors.
"""
import numpy as np

import ember as E

R = np.random.default_rng(1)


def f32(*shape, lo=-2.0, hi=2.0):
    return np.asarray(R.uniform(lo, hi, size=shape), dtype=np.float32)


def pos(*shape):
    return f32(*shape, lo=0.2, hi=2.0)


def unit(*shape):
    return f32(*shape, lo=-0.9, hi=0.9)


def gt1(*shape):
    return f32(*shape, lo=1.1, hi=3.0)


def prob(*shape):
    return f32(*shape, lo=0.05, hi=0.95)


def i64(*shape, lo=-5, hi=6):
    return np.asarray(R.integers(lo, hi, size=shape), dtype=np.int64)


def nonzero_int(*shape):
    a = i64(*shape, lo=1, hi=6)
    return a * np.where(R.random(shape) > 0.5, 1, -1)


def boolean(*shape):
    return np.asarray(R.random(shape) > 0.5)


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, np.inf, -np.inf, np.nan, 1e-30, 30.0, -30.0],
                   dtype=np.float32)

# (names, domain): every unary function of pointwise.py
UNARY = [
    (["neg", "negative", "exp", "exp2", "expm1", "square", "abs", "absolute", "sign", "sgn",
      "floor", "ceil", "trunc", "fix", "frac", "sin", "cos", "tan", "atan", "arctan", "sinh", "cosh",
      "asinh", "arcsinh", "tanh", "sigmoid", "erf", "erfc", "relu", "isnan", "isinf", "isfinite",
      "signbit", "sinc", "deg2rad", "rad2deg", "round", "positive", "clone", "nan_to_num",
      "isposinf", "isneginf", "isreal", "logical_not"], f32),
    (["log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal"], pos),
    (["asin", "arcsin", "acos", "arccos", "atanh", "arctanh", "erfinv", "logit"], unit),
    (["acosh", "arccosh"], gt1),
]
UNARY_NAMES = [n for names, _ in UNARY for n in names]

# (name, second-operand domain)
BINARY = [("add", f32), ("sub", f32), ("subtract", f32), ("mul", f32), ("multiply", f32),
          ("div", pos), ("divide", pos), ("true_divide", pos), ("floor_divide", pos),
          ("remainder", pos), ("fmod", pos), ("atan2", f32), ("arctan2", f32), ("hypot", f32),
          ("maximum", f32), ("minimum", f32), ("fmax", f32), ("fmin", f32), ("copysign", f32),
          ("xlogy", pos), ("logaddexp", f32), ("logaddexp2", f32), ("eq", f32), ("ne", f32),
          ("lt", f32), ("le", f32), ("gt", f32), ("ge", f32), ("greater", f32),
          ("greater_equal", f32), ("less", f32), ("less_equal", f32), ("not_equal", f32),
          ("heaviside", f32), ("nextafter", f32), ("logical_and", f32), ("logical_or", f32),
          ("logical_xor", f32), ("rsub", f32)]
INT_BINARY = ["add", "sub", "mul", "floor_divide", "remainder", "fmod", "maximum", "minimum", "eq",
              "lt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
              "bitwise_right_shift", "gcd", "lcm", "logical_and", "logical_xor", "pow"]
BOOL_BINARY = ["add", "mul", "eq", "ne", "lt", "maximum", "minimum", "bitwise_and", "bitwise_or",
               "bitwise_xor", "logical_and", "logical_or", "logical_xor"]


def _unary(name, **kw):
    return lambda x: getattr(E, name)(x, **kw)


def _binary(name):
    return lambda x, y: getattr(E, name)(x, y)


def _inplace(method, *args, **kw):
    """y = x.clone(); y.<method>(*args) (a non-leaf, so autograd records it)."""
    def fn(x, *others):
        y = x.clone()
        r = getattr(y, method)(*(others + args), **kw)
        assert r is y
        return y
    return fn


def _out(name, out_dtype=None, *args, **kw):
    """name(*inputs, out=fresh tensor of another shape) on detached inputs (out= is not differentiable)."""
    def fn(*xs):
        xs = [x.detach() for x in xs]
        out = E.empty(0, dtype=out_dtype or xs[0].dtype, device=xs[0].device)
        r = getattr(E, name)(*xs, *args, out=out, **kw)
        assert r is out
        return out
    return fn


CASES = []
# ---------------------------------------------------------------- unary, float32 (values + gradients)
for names, dom in UNARY:
    CASES += [(n, _unary(n), [dom(3, 4)]) for n in names]
CASES += [
    ("special_values", lambda x: (E.erf(x), E.erfc(x), E.sigmoid(x), E.nan_to_num(x), E.isnan(x),
                                  E.isposinf(x), E.signbit(x), E.sign(x), E.exp(x), E.sinc(x)), [SPECIAL]),
    ("erfinv_edges", lambda x: E.erfinv(x), [np.array([-1, 1, 0, 0.999, -0.5, 2, np.nan], np.float32)]),
    ("erf_tails", lambda x: (E.erf(x), E.erfc(x)),
     [np.array([0.1, 0.3, 0.9, 1.2, 2.0, 3.0, 5.5, 6.5, 10.0, 27.0, 29.0, -3.0, -7.0], np.float32)]),
    ("round_decimals", lambda x: (E.round(x, decimals=2), E.round(x * 100, decimals=-1)), [f32(3, 4)]),
    ("logit_eps", lambda x: E.logit(x, eps=0.1), [prob(3, 4)]),
    ("logit_outside", lambda x: E.logit(x), [f32(6)]),
    ("nan_to_num_args", lambda x: E.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0), [SPECIAL]),
    ("clamp_all", lambda x: (E.clamp(x, -0.5, 0.5), E.clip(x, max=0.3), E.clamp_min(x, 0),
                             E.clamp_max(x, 0), E.clamp(x, 1.0, -1.0)), [f32(3, 4)]),
    ("clamp_tensors", lambda x, lo, hi: (E.clamp(x, lo, hi), E.clamp(x, max=hi)),
     [f32(3, 4), f32(4, lo=-2, hi=0), f32(3, 1, lo=0, hi=2)]),
]

# ---------------------------------------------------------------- unary across dtypes
for name in UNARY_NAMES:
    if name in ("logit",):
        continue
    dom = next(d for names, d in UNARY if name in names)
    CASES.append((name + "_f64", _unary(name), [dom(5).astype(np.float64)]))
    CASES.append((name + "_f16", _unary(name), [dom(5).astype(np.float16)]))
    CASES.append((name + "_bf16", lambda x, n=name: getattr(E, n)(x.bfloat16()), [dom(5)]))
    CASES.append((name + "_i64", _unary(name), [np.abs(i64(5)) + 1 if dom is pos or dom is gt1
                                                 else i64(5, lo=0, hi=1) if dom is unit else i64(5)]))
    CASES.append((name + "_bool", _unary(name), [boolean(5)]))
CASES += [
    ("bitwise_not_ints", lambda a: (E.bitwise_not(a), ~a, ~a.to(E.uint8), ~a.to(E.int8), ~(a > 0)), [i64(6)]),
    ("int_round_abs", lambda a: (a.abs(), a.sign(), a.floor(), a.round(), a.clamp(-2, 2), -a), [i64(6)]),
    ("uint8_ops", lambda a: (a.to(E.uint8) + 250, a.to(E.uint8) - 3, a.to(E.uint8) * 100), [i64(6, lo=0)]),
    ("int8_wrap", lambda a: (a.to(E.int8) + 300, a.to(E.int8) * 127, a.to(E.int16) << 15), [i64(6)]),
]

# ---------------------------------------------------------------- binary, broadcast (3, 4) with (4,)
CASES += [(n + "_bcast", _binary(n), [f32(3, 4), dom(4)]) for n, dom in BINARY]
CASES += [(n + "_bcast_left", _binary(n), [f32(4), dom(2, 3, 4)]) for n, dom in BINARY[:12]]
CASES += [
    ("pow_tensors", lambda x, y: E.pow(x, y), [pos(3, 4), f32(4)]),
    ("pow_zero_base", lambda x, y: E.pow(x * 0, y), [pos(3, 4), f32(4)]),
    ("float_power", lambda x, y: (E.float_power(x, y), E.float_power(x, 2), E.float_power(2.0, y)),
     [pos(3, 4), f32(4)]),
    ("float_power_int", lambda a: (E.float_power(a, 2), E.float_power(a, -1.5)), [i64(4, lo=1)]),
    ("ldexp", lambda x, e: (E.ldexp(x, e), x.ldexp(e)), [f32(3, 4), i64(4, lo=-3, hi=4)]),
    ("lerp_scalar", lambda a, b: (E.lerp(a, b, 0.3), E.lerp(a, b, 0.7), a.lerp(b, -1.0)),
     [f32(3, 4), f32(4)]),
    ("lerp_tensor_w", lambda a, b, w: E.lerp(a, b, w), [f32(3, 4), f32(3, 4), f32(4, lo=-1, hi=2)]),
    ("lerp_0dim_w", lambda a, b, w: E.lerp(a, b, w), [f32(3, 4), f32(4), np.array(0.6, np.float32)]),
    ("addcmul", lambda a, b, c: (E.addcmul(a, b, c), E.addcmul(a, b, c, value=-0.5), a.addcmul(b, c)),
     [f32(3, 4), f32(4), f32(3, 1)]),
    ("addcdiv", lambda a, b, c: (E.addcdiv(a, b, c), E.addcdiv(a, b, c, value=2.5), a.addcdiv(b, c)),
     [f32(3, 4), f32(4), pos(3, 1)]),
    ("addcmul_int", lambda a, b, c: E.addcmul(a, b, c, value=2), [i64(4), i64(4), i64(4)]),
    ("where_bcast", lambda c, x, y: (E.where(c, x, y), x.where(c, y), E.where(c, 1.0, y), E.where(c, x, 2)),
     [boolean(3, 4), f32(3, 4), f32(4)]),
    ("where_uint8_mask", lambda x: E.where(x > 0, x, -x), [f32(3, 4)]),
    ("div_modes", lambda x, y: (E.div(x, y, rounding_mode="floor"), E.div(x, y, rounding_mode="trunc"),
                                x.div(y, rounding_mode=None)), [f32(3, 4), f32(4, lo=0.3)]),
    ("maximum_ties", lambda x: (E.maximum(x, x.flip(0)), E.minimum(x, x.round())),
     [np.array([1.0, 2.0, 2.0, 1.0], np.float32)]),
    ("fmax_nan", lambda x, y: (E.fmax(x, y), E.fmin(x, y), E.maximum(x, y)),
     [np.array([1.0, np.nan, 3.0, np.nan], np.float32), np.array([2.0, 1.0, np.nan, np.nan], np.float32)]),
    ("heaviside_zero", lambda x, v: E.heaviside(x, v), [np.array([-1, 0, 2, 0], np.float32), f32(4)]),
    ("xlogy_zero", lambda x, y: (E.xlogy(x * 0, y), E.xlogy(x, y * 0), E.xlogy(2.0, y)), [f32(4), pos(4)]),
]

# ---------------------------------------------------------------- integers and bools
CASES += [(n + "_int", _binary(n), [i64(3, 4, lo=0, hi=9), i64(4, lo=1, hi=5)]) for n in INT_BINARY]
CASES += [(n + "_bool", _binary(n), [boolean(3, 4), boolean(4)]) for n in BOOL_BINARY]
CASES += [
    ("int_div", lambda a, b: (a / b, E.true_divide(a, b), a.div(b, rounding_mode="trunc"),
                              a.div(b, rounding_mode="floor"), a // b, a % b, E.fmod(a, b)),
     [i64(3, 4), nonzero_int(4)]),
    ("int_neg_pow", lambda a, b: (E.pow(a, b), E.pow(2, b), E.pow(-1, b), E.pow(1, b), a ** 3),
     [np.array([1, -1, 2, -1, 0, 3]), np.array([-2, -3, -1, -2, 2, 2])]),
    ("int_shifts", lambda a, b: (a << b, a >> b, a << 70, a >> 65, 1 << b, 1024 >> b, a.to(E.int32) << 31,
                                 a.to(E.uint8) >> b.to(E.uint8)),
     [i64(6), np.array([0, 1, 3, 63, 64, -1])]),
    ("int_mixed_widths", lambda a, b: (a.to(E.int32) + b.to(E.int8), a.to(E.uint8) * b.to(E.int8),
                                       a.to(E.int16) - b), [i64(5), i64(5)]),
    ("int_float_mix", lambda a, x: (a + x, a * x, x - a, a / x, E.atan2(a, x), E.hypot(x, a.double()),
                                    E.copysign(a, x)), [i64(3, 4), f32(4)]),
    ("bool_arith", lambda a, b: (a + b, a * b, a & b, a | b, a ^ b, ~a, a + 1, a * 2.5, a / 2,
                                 E.logical_xor(a, b), E.logical_not(a)), [boolean(3, 4), boolean(4)]),
    ("gcd_lcm", lambda a, b: (E.gcd(a, b), E.lcm(a, b), a.gcd(b), a.lcm(b)),
     [i64(6, lo=-9, hi=9), i64(6, lo=-9, hi=9)]),
]

# ---------------------------------------------------------------- Python numbers as operands
CASES += [
    ("scalar_right", lambda x: (x + 2, x - 2.5, x * 3, x / 4, x ** 3, x.abs() ** 0.5,
                                x // 0.7, x % 0.7, E.fmod(x, 0.7), E.pow(x, 0), E.pow(x, 2),
                                E.atan2(x, E.tensor(1.5, device=x.device)), E.remainder(x, -1.5)),
     [f32(3, 4)]),
    ("scalar_left", lambda x: (2 + x, 2.5 - x, 3 * x, 4 / x, 2 ** x, E.pow(2.0, x), E.rsub(x, 1.0),
                               E.sub(1, x, alpha=2), E.add(x, 1, alpha=0.5)), [pos(3, 4)]),
    ("scalar_int_tensor", lambda a: (a + 2, a * 3, a + 2.5, a / 2, a // 2, a % 3, 2 ** a.abs(),
                                     a ** 2, a == 1, a > 1.5, E.maximum(a, E.tensor(0, device=a.device))),
     [i64(3, 4)]),
    ("scalar_compare", lambda x: (x == 0.5, x != 0.5, x < 0, x <= 0, x > 0, x >= 0, E.eq(x, 1),
                                  E.gt(x, True)),
     [f32(3, 4)]),
    ("scalar_logical", lambda x: (E.logical_and(x, x > 0), E.logical_or(x, 0 * x), E.logical_xor(x > 1, x)),
     [f32(3, 4)]),
    ("scalar_bitwise", lambda a: (a & 3, a | 8, a ^ 5, 3 & a, E.bitwise_and(a, 6), E.bitwise_left_shift(a, 2),
                                  E.bitwise_right_shift(a, 1)), [i64(3, 4)]),
    ("scalar_complex_free", lambda x: (E.copysign(x, -1.0), E.xlogy(x, 2.0), E.heaviside(x, x * 0 + 0.5)),
     [f32(3, 4)]),
    ("alpha", lambda x, y: (E.add(x, y, alpha=2), E.sub(x, y, alpha=-0.5), x.add(y, alpha=3)),
     [f32(3, 4), f32(4)]),
    ("cpu_0dim_operand", lambda x: (x + E.tensor(2.0), x * E.tensor(3), E.maximum(x, E.tensor(0.0))),
     [f32(3, 4)]),
]

# ---------------------------------------------------------------- mixed dtypes
CASES += [
    ("f16_f32", lambda x, y: (x.half() + y, x.half() * y.half(), E.maximum(x.half(), y)),
     [f32(3, 4), f32(4)]),
    ("bf16_f16", lambda x, y: (x.bfloat16() + y.half(), x.bfloat16() * 3,
                               E.lerp(x.bfloat16(), y.bfloat16(), 0.3)),
     [f32(3, 4), f32(4)]),
    ("f64_0dim", lambda x, s: (x + s, x * s.double(), s.double() - x),
     [f32(3, 4), np.array(1.5, np.float32)]),
    ("f64_f32", lambda x, y: (x.double() + y, E.atan2(x.double(), y), E.pow(x.double().abs(), y)),
     [f32(3, 4), f32(4)]),
    ("f16_unary_chain", lambda x: (x.half().sigmoid(), x.half().exp(), x.half().erf(), x.half().tanh()),
     [f32(6)]),
]

# ---------------------------------------------------------------- 0-dim and empty
CASES += [
    ("zero_dim_unary", lambda x: (x.exp(), x.erf(), x.sigmoid(), x.abs(), x.clamp(0, 1), -x, x.sign()),
     [np.array(0.7, np.float32)]),
    ("zero_dim_binary", lambda x, y: (x + y, x * y, E.maximum(x, y), E.lerp(x, y, 0.4), E.where(x > y, x, y)),
     [np.array(0.7, np.float32), np.array(-0.3, np.float32)]),
    ("zero_dim_bcast", lambda s, y: (s + y, y / s, E.pow(y.abs(), s), E.atan2(s, y)),
     [np.array(0.7, np.float32), f32(3, 4)]),
    ("zero_dim_int", lambda a: (a + 1, a * a, a // 2, ~a, a << 2), [np.array(5)]),
    ("empty_unary", lambda x: (x.exp(), x.erf(), x.erfinv(), x.sigmoid(), x.clamp(0, 1), x.isnan()),
     [np.zeros((0, 3), np.float32)]),
    ("empty_binary", lambda x, y: (x + y, x * y, E.maximum(x, y), E.xlogy(x, y), x == y,
                                   E.where(x > 0, x, y)),
     [np.zeros((0, 3), np.float32), f32(3)]),
    ("empty_int", lambda a, b: (a // b, a % b, a << b, a & b, E.gcd(a, b)),
     [np.zeros((2, 0), np.int64), np.zeros((0,), np.int64)]),
]

# ---------------------------------------------------------------- in-place forms
INPLACE_BINARY = ["add_", "sub_", "subtract_", "mul_", "multiply_", "div_", "divide_", "true_divide_",
                  "atan2_", "arctan2_", "hypot_", "copysign_", "xlogy_", "remainder_", "fmod_",
                  "floor_divide_", "pow_"]
CASES += [("inplace_" + m, _inplace(m), [pos(3, 4), pos(4)]) for m in INPLACE_BINARY]
CASES += [("inplace_" + m, _inplace(m), [f32(3, 4), f32(4)])
          for m in ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_",
                    "less_equal_", "not_equal_", "logical_and_", "logical_or_", "logical_xor_"]]
CASES += [("inplace_" + m, _inplace(m), [i64(3, 4), i64(4, lo=0, hi=3)])
          for m in ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_",
                    "bitwise_right_shift_", "__ilshift__", "__irshift__", "add_", "mul_"]]
_INPLACE_UNARY = {f32: ["neg_", "negative_", "exp_", "exp2_", "expm1_", "square_", "abs_", "absolute_",
                        "sign_", "sgn_", "floor_", "ceil_", "trunc_", "fix_", "frac_", "sin_", "cos_", "tan_",
                        "atan_", "arctan_", "sinh_", "cosh_", "asinh_", "arcsinh_", "tanh_", "sigmoid_",
                        "erf_", "erfc_", "relu_", "sinc_", "deg2rad_", "rad2deg_", "round_", "nan_to_num_"],
                  pos: ["log_", "log2_", "log10_", "log1p_", "sqrt_", "rsqrt_", "reciprocal_"],
                  unit: ["asin_", "arcsin_", "acos_", "arccos_", "atanh_", "arctanh_", "erfinv_", "logit_"],
                  gt1: ["acosh_", "arccosh_"]}
CASES += [("inplace_" + m, _inplace(m), [dom(3, 4)]) for dom, ms in _INPLACE_UNARY.items() for m in ms]
CASES += [
    ("inplace_scalars", lambda x: (x.clone().add_(2), x.clone().sub_(1, alpha=2), x.clone().mul_(0.5),
                                   x.clone().div_(3), x.clone().pow_(2), x.clone().clamp_(-0.5, 0.5),
                                   x.clone().clamp_min_(0), x.clone().clamp_max_(0), x.clone().clip_(0, 1),
                                   x.clone().round_(decimals=1), x.clone().remainder_(0.5),
                                   x.clone().div_(0.3, rounding_mode="floor"), x.clone().lerp_(x * 2, 0.3)),
     [f32(3, 4)]),
    ("inplace_tensor_args", lambda x, y, z: (x.clone().addcmul_(y, z, value=0.5),
                                             x.clone().addcdiv_(y, z.abs() + 1),
                                             x.clone().lerp_(y, z), x.clone().clamp_(y, y + 1)),
     [f32(3, 4), f32(4), f32(3, 4)]),
    ("inplace_float_power", lambda x, y: (x.double().float_power_(2), x.double().abs().float_power_(y)),
     [f32(3, 4), f32(4)]),
    ("inplace_int_unary", lambda a: (a.clone().neg_(), a.clone().bitwise_not_(), (a > 0).logical_not_(),
                                     a.clone().abs_(), a.clone().sign_(), a.clone().clamp_(-1, 1)),
     [i64(3, 4)]),
    ("inplace_on_view", lambda x, y: _view_inplace(x, y), [f32(3, 4), f32(4)]),
    ("inplace_int_result_to_float", lambda x, a: x.clone().add_(a), [f32(3, 4), i64(4)]),
    ("inplace_0dim", lambda x: x.clone().mul_(3).exp_(), [np.array(0.3, np.float32)]),
    ("inplace_empty", lambda x, y: x.clone().add_(y), [np.zeros((0, 4), np.float32), f32(4)]),
]


def _view_inplace(x, y):
    z = x * 1
    z[1].mul_(y)
    z[:, 0].add_(1.0)
    z.t()[2].sigmoid_()
    return z


# ---------------------------------------------------------------- out=
CASES += [
    ("out_unary", lambda x: (_out("sin")(x), _out("erf")(x), _out("exp")(x), _out("neg")(x),
                             _out("isnan", E.bool)(x), _out("round", decimals=1)(x),
                             _out("logit", None, 0.1)(x)),
     [f32(3, 4)]),
    ("out_binary", lambda x, y: (_out("add")(x, y), _out("mul")(x, y), _out("atan2")(x, y),
                                 _out("maximum")(x, y),
                                 _out("xlogy")(x, y.abs()), _out("lt", E.bool)(x, y), _out("pow")(x.abs(), y),
                                 _out("hypot")(x, y), _out("logaddexp")(x, y)), [f32(3, 4), f32(4)]),
    ("out_cast", lambda a, b: (_out("add", E.float64)(a, b), _out("mul", E.float32)(a, b),
                               _out("bitwise_and")(a, b), _out("gcd")(a, b)), [i64(3, 4), i64(4)]),
    ("out_ternary", lambda c, x, y: (_out("where", E.float32)(c, x, y), _out("lerp", None, 0.25)(x, y),
                                     _out("clamp", None, -0.5, 0.5)(x),
                                     _out("addcmul")(x, x, y), _out("addcdiv")(x, x, y.abs() + 1),
                                     _out("nan_to_num")(x)), [boolean(3, 4), f32(3, 4), f32(3, 4)]),
    ("out_same_shape", lambda x, y: E.add(x.detach(), y.detach(), out=E.zeros(3, 4, device=x.device)),
     [f32(3, 4), f32(4)]),
]
