"""Element-wise operations: arithmetic, comparisons, math functions.

Each Op gives its forward on arrays and its backward as a formula over
Tensors. Broadcast gradients are summed back to each input's shape by the
engine, so formulas here ignore broadcasting.
"""
import builtins
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import Op, apply, apply_inplace
from .._tensor import Tensor
from ._util import as_tensor_arg

# ------------------------------------------------------------------ arithmetic


class Add(Op):
    def forward(ctx, a, b, alpha=1):
        return a + b if alpha == 1 else a + alpha * b

    def backward(ctx, g):
        alpha = ctx.params.get("alpha", 1)
        return g, (g if alpha == 1 else g * alpha)


class Sub(Op):
    def forward(ctx, a, b, alpha=1):
        return a - b if alpha == 1 else a - alpha * b

    def backward(ctx, g):
        alpha = ctx.params.get("alpha", 1)
        return g, (-g if alpha == 1 else g * -alpha)


class Mul(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return a * b

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _mul_grad(g, b), _mul_grad(g, a)


def _mul_grad(g, other):
    return g * other if isinstance(other, Tensor) else g * other


class Div(Op):
    dtype_rule = "float"
    save = (0, 1)

    def forward(ctx, a, b):
        return a / b

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b
        gb = -g * a / (b * b) if isinstance(b, Tensor) else None
        return ga, gb


def _is_int(x):
    if isinstance(x, Tensor):
        return x._dtype.category <= D.INT
    return isinstance(x, (bool, int))


class FloorDivide(Op):
    differentiable = False

    def forward(ctx, a, b):
        _check_int_zero(a, b)
        if _int_array(a) and _int_array(b):
            return np.floor_divide(a, b)
        return np.floor(np.true_divide(a, b))


class TruncDivide(Op):
    differentiable = False

    def forward(ctx, a, b):
        _check_int_zero(a, b)
        q = np.true_divide(a, b)
        if _int_array(a) and _int_array(b):
            return np.trunc(q).astype(np.result_type(a, b))
        return np.trunc(q)


def _int_array(x):
    return isinstance(x, (int, np.integer)) or (hasattr(x, "dtype") and x.dtype.kind in "iub")


def _check_int_zero(a, b):
    if _int_array(a) and _int_array(b) and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


class Remainder(Op):
    save = (1,)

    def forward(ctx, a, b):
        _check_int_zero(a, b)
        return np.remainder(a, b)

    def backward(ctx, g):
        (_, b) = ctx.saved_tensors
        return g, None


class Fmod(Op):
    def forward(ctx, a, b):
        _check_int_zero(a, b)
        return np.fmod(a, b)

    def backward(ctx, g):
        return g, None


class Pow(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        if _int_array(a) and _int_array(b) and np.any(np.asarray(b) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(b, (int, float)) and b == 2:
            return a * a
        return np.power(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        if isinstance(b, Tensor):
            ga = g * b * a.pow(b - 1) if isinstance(a, Tensor) else None
            gb = g * a.pow(b) * a.log() if isinstance(a, Tensor) else g * (math.log(a) * pow_scalar_base(a, b))
            return ga, gb
        if b == 0:
            return g * 0, None
        return g * b * a.pow(b - 1), None


def pow_scalar_base(a, b):
    return apply(Pow, a, b)


class Neg(Op):
    dtype_rule = "keep"

    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return np.negative(a)

    def backward(ctx, g):
        return -g


# ------------------------------------------------------------------ comparisons

class _Compare(Op):
    dtype_rule = "bool"
    differentiable = False


class Eq(_Compare):
    def forward(ctx, a, b):
        return np.equal(a, b)


class Ne(_Compare):
    def forward(ctx, a, b):
        return np.not_equal(a, b)


class Lt(_Compare):
    def forward(ctx, a, b):
        return np.less(a, b)


class Le(_Compare):
    def forward(ctx, a, b):
        return np.less_equal(a, b)


class Gt(_Compare):
    def forward(ctx, a, b):
        return np.greater(a, b)


class Ge(_Compare):
    def forward(ctx, a, b):
        return np.greater_equal(a, b)


# ------------------------------------------------------------------ logic and bits

class _Bitwise(Op):
    differentiable = False

    def forward(ctx, a, b):
        for x in (a, b):
            if hasattr(x, "dtype") and x.dtype.kind == "f" or isinstance(x, float):
                raise RuntimeError("\"%s_cpu\" not implemented for 'Float'" % ctx.op.kernel)
        return ctx.op.fn(a, b)


class BitwiseAnd(_Bitwise):
    kernel, fn = "bitwise_and", np.bitwise_and


class BitwiseOr(_Bitwise):
    kernel, fn = "bitwise_or", np.bitwise_or


class BitwiseXor(_Bitwise):
    kernel, fn = "bitwise_xor", np.bitwise_xor


class BitwiseNot(Op):
    dtype_rule = "keep"
    differentiable = False

    def forward(ctx, a):
        if a.dtype.kind == "f":
            raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
        return np.logical_not(a) if a.dtype == np.bool_ else np.invert(a)


class _Logical(Op):
    dtype_rule = "bool"
    differentiable = False


class LogicalAnd(_Logical):
    def forward(ctx, a, b):
        return np.logical_and(a, b)


class LogicalOr(_Logical):
    def forward(ctx, a, b):
        return np.logical_or(a, b)


class LogicalXor(_Logical):
    def forward(ctx, a, b):
        return np.logical_xor(a, b)


class LogicalNot(_Logical):
    def forward(ctx, a):
        return np.logical_not(a)


# ------------------------------------------------------------------ unary math

class _FloatUnary(Op):
    """Unary op computed in floating point (integers promote to the default dtype)."""
    dtype_rule = "float"


class Exp(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return np.exp(x)

    def backward(ctx, g):
        return g * ctx.output


class Exp2(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return np.exp2(x)

    def backward(ctx, g):
        return g * ctx.output * math.log(2.0)


class Expm1(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return np.expm1(x)

    def backward(ctx, g):
        return g * (ctx.output + 1)


class Log(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.log(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Log2(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.log2(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * math.log(2.0))


class Log10(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.log10(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * math.log(10.0))


class Log1p(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.log1p(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1)


class Sqrt(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return np.sqrt(x)

    def backward(ctx, g):
        return g / (ctx.output * 2)


class Rsqrt(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return 1 / np.sqrt(x)

    def backward(ctx, g):
        out = ctx.output
        return g * out.pow(3) * -0.5


class Square(Op):
    save = (0,)

    def forward(ctx, x):
        return x * x if x.dtype != np.bool_ else x.astype(np.int64)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x * 2


class Reciprocal(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return 1 / x

    def backward(ctx, g):
        out = ctx.output
        return -g * out * out


class Abs(Op):
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x):
        return np.abs(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sign()


class Sign(Op):
    dtype_rule = "keep"

    def forward(ctx, x):
        return np.sign(x) if x.dtype != np.bool_ else x

    def backward(ctx, g):
        return g * 0


class Sgn(Sign):
    pass


class _Rounding(Op):
    dtype_rule = "keep"

    def backward(ctx, g):
        return g * 0


class Floor(_Rounding):
    def forward(ctx, x):
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(_Rounding):
    def forward(ctx, x):
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Trunc(_Rounding):
    def forward(ctx, x):
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()


class Frac(Op):
    dtype_rule = "keep"

    def forward(ctx, x):
        return x - np.trunc(x)

    def backward(ctx, g):
        return g


class Round(_Rounding):
    def forward(ctx, x, decimals=0):
        if x.dtype.kind != "f":
            return x.copy()
        if decimals == 0:
            return np.round(x)
        # PyTorch scales, rounds half to even, and scales back (in the tensor's dtype)
        scale = x.dtype.type(10.0 ** builtins.abs(decimals))
        if decimals > 0:
            return np.round(x * scale) / scale
        return np.round(x / scale) * scale


class Sin(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.sin(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class Cos(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.cos(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * x.sin()


class Tan(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return np.tan(x)

    def backward(ctx, g):
        out = ctx.output
        return g * (out * out + 1)


class Asin(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.arcsin(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (1 - x * x).rsqrt()


class Acos(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.arccos(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * (1 - x * x).rsqrt()


class Atan(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.arctan(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * x + 1)


class Sinh(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.sinh(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cosh()


class Cosh(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.cosh(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sinh()


class Asinh(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.arcsinh(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x + 1).rsqrt()


class Acosh(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.arccosh(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x - 1).rsqrt()


class Atanh(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.arctanh(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


class Tanh(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return np.tanh(x)

    def backward(ctx, g):
        out = ctx.output
        return g * (1 - out * out)


class Sigmoid(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        # split by sign so exp never overflows
        out = np.empty_like(x)
        pos = x >= 0
        np.divide(1, 1 + np.exp(-x, where=pos, out=np.zeros_like(x)), where=pos, out=out)
        e = np.exp(x, where=~pos, out=np.zeros_like(x))
        np.divide(e, 1 + e, where=~pos, out=out)
        return out

    def backward(ctx, g):
        out = ctx.output
        return g * out * (1 - out)


class Logit(_FloatUnary):
    save = (0,)

    def forward(ctx, x, eps=None):
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        return np.log(x / (1 - x))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * (1 - x))


class Erf(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return _erf(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * (-x * x).exp()


class Erfc(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return 1 - _erf(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-2 / math.sqrt(math.pi)) * (-x * x).exp()


class Erfinv(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        from .special import erfinv
        return erfinv(x)

    def backward(ctx, g):
        out = ctx.output
        return g * (math.sqrt(math.pi) / 2) * (out * out).exp()


def _erf(x):
    from .special import erf
    return erf(x)


class Relu(Op):
    dtype_rule = "keep"
    save_output = True

    def forward(ctx, x):
        return np.maximum(x, 0)

    def backward(ctx, g):
        return g * (ctx.output > 0)


class Clamp(Op):
    save = (0,)

    def forward(ctx, x, min=None, max=None):
        if min is not None and max is not None:
            # PyTorch: where min > max every element becomes max
            return np.minimum(np.maximum(x, min), max)
        if min is not None:
            return np.maximum(x, min)
        return np.minimum(x, max)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.params.get("min"), ctx.params.get("max")
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            m = x <= hi
            mask = m if mask is None else mask & m
        return g * mask


class ClampTensor(Op):
    """clamp with tensor bounds: where(x < lo, lo, x) then where(x > hi, hi, ...)."""
    save = (0, 1, 2)

    def forward(ctx, x, lo, hi):
        out = x
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out

    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        keep = None
        glo = ghi = None
        if lo is not None:
            below = x < lo
            glo = g * below
            keep = ~below
        if hi is not None:
            above = x > hi
            ghi = g * above
            keep = ~above if keep is None else keep & ~above
        return g * keep, glo, ghi


class Maximum(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return np.maximum(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _minmax_grads(g, a, b, a > b)


class Minimum(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return np.minimum(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _minmax_grads(g, a, b, a < b)


def _minmax_grads(g, a, b, a_wins):
    # ties split the gradient evenly, as PyTorch does
    tie = a == b
    ga = g * (a_wins.to(g.dtype) + tie.to(g.dtype) * 0.5)
    gb = g * ((~a_wins & ~tie).to(g.dtype) + tie.to(g.dtype) * 0.5)
    return ga, gb


class Atan2(Op):
    dtype_rule = "float"
    save = (0, 1)

    def forward(ctx, a, b):
        return np.arctan2(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        return g * b / denom, -g * a / denom


class Lerp(Op):
    save = (0, 1, 2)

    def forward(ctx, start, end, weight):
        # PyTorch's formula switches side at |w| = 0.5 for accuracy
        diff = end - start
        w = np.asarray(weight)
        return np.where(np.abs(w) < 0.5, start + w * diff, end - diff * (1 - w))

    def backward(ctx, g):
        start, end, w = ctx.saved_tensors
        gw = g * (end - start) if isinstance(w, Tensor) else None
        return g * (1 - w), g * w, gw


class Hypot(Op):
    dtype_rule = "float"
    save = (0, 1)
    save_output = True

    def forward(ctx, a, b):
        return np.hypot(a, b)

    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * a / out, g * b / out


class NanToNum(Op):
    dtype_rule = "keep"
    save = (0,)

    def forward(ctx, x, nan=0.0, posinf=None, neginf=None):
        if x.dtype.kind != "f":
            return x.copy()
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.isfinite()


class Isnan(Op):
    dtype_rule = "bool"
    differentiable = False

    def forward(ctx, x):
        return np.isnan(x) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)


class Isinf(Op):
    dtype_rule = "bool"
    differentiable = False

    def forward(ctx, x):
        return np.isinf(x) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)


class Isfinite(Op):
    dtype_rule = "bool"
    differentiable = False

    def forward(ctx, x):
        return np.isfinite(x) if x.dtype.kind in "fc" else np.ones(x.shape, bool)


class Signbit(Op):
    dtype_rule = "bool"
    differentiable = False

    def forward(ctx, x):
        return np.signbit(x) if x.dtype.kind == "f" else (x < 0)


class Where(Op):
    promote = (1, 2)
    save = (0,)

    def forward(ctx, cond, a, b):
        return np.where(cond, a, b)

    def backward(ctx, g):
        (cond, _, _) = ctx.saved_tensors
        zero = g.new_zeros(())
        return None, g.where(cond, zero), zero.where(cond, g)


class Cast(Op):
    """Conversion to another dtype (the dtype is the `dtype` param)."""

    def forward(ctx, x, dtype):
        if dtype.category < D.FLOAT and x.dtype.kind == "f":
            if dtype is D.bool_:
                return x != 0
            # float -> int truncates towards zero; NaN/inf give the minimum like PyTorch
            with np.errstate(invalid="ignore"):
                return np.trunc(x).astype(dtype.np)
        if dtype is D.bool_:
            return x != 0
        return x.astype(dtype.np)

    def backward(ctx, g):
        return g


def _cast_rule(d, inputs, params):
    return d, params["dtype"]


Cast.dtype_rule = staticmethod(_cast_rule)
Cast.promote = (0,)


class Clone(Op):
    dtype_rule = "keep"

    def forward(ctx, x, memory_format=None):
        return x.copy()

    def backward(ctx, g):
        return g


# ------------------------------------------------------------------ public functions

def _scalar_or_tensor(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, complex)):
        return x
    return as_tensor_arg(x)


def _binary(op, a, b, out=None, **params):
    b = _scalar_or_tensor(b)
    if not isinstance(a, Tensor):
        # a Python number stays a (weakly typed) scalar next to a tensor
        a = _scalar_or_tensor(a) if isinstance(b, Tensor) else as_tensor_arg(a)
    r = apply(op, a, b, **params)
    return _out(r, out)


def _out(r, out):
    if out is None:
        return r
    from .._dispatch import write_into
    if out.shape != r.shape:
        out._data = np.empty(r.shape, out._dtype.np)
    write_into(out, r._data)
    return out


def add(input, other, *, alpha=1, out=None):
    if alpha == 1:
        return _binary(Add, input, other, out)
    return _binary(Add, input, other, out, alpha=alpha)


def sub(input, other, *, alpha=1, out=None):
    if isinstance(input, Tensor) and input._dtype is D.bool_ and isinstance(other, Tensor) \
            and other._dtype is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha == 1:
        return _binary(Sub, input, other, out)
    return _binary(Sub, input, other, out, alpha=alpha)


def mul(input, other, *, out=None):
    return _binary(Mul, input, other, out)


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _binary(Div, input, other, out)
    if rounding_mode == "floor":
        return _binary(FloorDivide, input, other, out)
    if rounding_mode == "trunc":
        return _binary(TruncDivide, input, other, out)
    raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       "found '%s'" % rounding_mode)


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def floor_divide(input, other, *, out=None):
    return _binary(FloorDivide, input, other, out)


def remainder(input, other, *, out=None):
    return _binary(Remainder, input, other, out)


def fmod(input, other, *, out=None):
    return _binary(Fmod, input, other, out)


def pow(input, exponent, *, out=None):
    return _binary(Pow, input, exponent, out)


def float_power(input, exponent, *, out=None):
    a = input.double() if isinstance(input, Tensor) else input
    b = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return _binary(Pow, a, b, out)


def neg(input, *, out=None):
    return _out(apply(Neg, input), out)


negative = neg


def atan2(input, other, *, out=None):
    return _binary(Atan2, input, other, out)


arctan2 = atan2


def hypot(input, other, *, out=None):
    return _binary(Hypot, input, other, out)


def maximum(input, other, *, out=None):
    return _binary(Maximum, input, other, out)


def minimum(input, other, *, out=None):
    return _binary(Minimum, input, other, out)


def fmax(input, other, *, out=None):
    r = maximum(input, other)
    return _out(where(input.isnan(), other, where(other.isnan(), input, r)), out)


def fmin(input, other, *, out=None):
    r = minimum(input, other)
    return _out(where(input.isnan(), other, where(other.isnan(), input, r)), out)


def lerp(input, end, weight, *, out=None):
    return _out(apply(Lerp, input, end, _scalar_or_tensor(weight)), out)


def eq(input, other, *, out=None):
    return _binary(Eq, input, other, out)


def ne(input, other, *, out=None):
    return _binary(Ne, input, other, out)


def lt(input, other, *, out=None):
    return _binary(Lt, input, other, out)


def le(input, other, *, out=None):
    return _binary(Le, input, other, out)


def gt(input, other, *, out=None):
    return _binary(Gt, input, other, out)


def ge(input, other, *, out=None):
    return _binary(Ge, input, other, out)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def bitwise_and(input, other, *, out=None):
    return _binary(BitwiseAnd, input, other, out)


def bitwise_or(input, other, *, out=None):
    return _binary(BitwiseOr, input, other, out)


def bitwise_xor(input, other, *, out=None):
    return _binary(BitwiseXor, input, other, out)


def bitwise_not(input, *, out=None):
    return _out(apply(BitwiseNot, input), out)


def logical_and(input, other, *, out=None):
    return _binary(LogicalAnd, input, other, out)


def logical_or(input, other, *, out=None):
    return _binary(LogicalOr, input, other, out)


def logical_xor(input, other, *, out=None):
    return _binary(LogicalXor, input, other, out)


def logical_not(input, *, out=None):
    return _out(apply(LogicalNot, input), out)


def _unary_fn(op, name):
    def fn(input, *, out=None):
        return _out(apply(op, input), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = "Element-wise %s (see torch.%s)." % (name, name)
    return fn


UNARY = {
    "exp": Exp, "exp2": Exp2, "expm1": Expm1, "log": Log, "log2": Log2, "log10": Log10,
    "log1p": Log1p, "sqrt": Sqrt, "rsqrt": Rsqrt, "square": Square, "reciprocal": Reciprocal,
    "abs": Abs, "sign": Sign, "sgn": Sgn, "floor": Floor, "ceil": Ceil, "trunc": Trunc,
    "frac": Frac, "sin": Sin, "cos": Cos, "tan": Tan, "asin": Asin, "acos": Acos, "atan": Atan,
    "sinh": Sinh, "cosh": Cosh, "asinh": Asinh, "acosh": Acosh, "atanh": Atanh, "tanh": Tanh,
    "sigmoid": Sigmoid, "erf": Erf, "erfc": Erfc, "erfinv": Erfinv, "relu": Relu,
    "isnan": Isnan, "isinf": Isinf, "isfinite": Isfinite, "signbit": Signbit,
}
for _name, _op in UNARY.items():
    globals()[_name] = _unary_fn(_op, _name)
absolute = globals()["abs"]
arcsin, arccos, arctan = globals()["asin"], globals()["acos"], globals()["atan"]
arcsinh, arccosh, arctanh = globals()["asinh"], globals()["acosh"], globals()["atanh"]
fix = globals()["trunc"]


def isposinf(input):
    return input.isinf() & (input > 0)


def isneginf(input):
    return input.isinf() & (input < 0)


def isreal(input):
    return ones_like_bool(input)


def ones_like_bool(input):
    from .._creation import ones_like
    return ones_like(input, dtype=D.bool_)


def round(input, *, decimals=0, out=None):
    if decimals == 0:
        return _out(apply(Round, input), out)
    return _out(apply(Round, input, decimals=decimals), out)


def logit(input, eps=None, *, out=None):
    return _out(apply(Logit, input, eps=eps), out)


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _out(apply(ClampTensor, input, min, max), out)
    return _out(apply(Clamp, input, min=min, max=max), out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    if posinf is None or neginf is None:
        info = np.finfo(input._dtype.np) if input._dtype.category == D.FLOAT else None
        if info is not None:
            posinf = float(info.max) if posinf is None else posinf
            neginf = float(info.min) if neginf is None else neginf
    return _out(apply(NanToNum, input, nan=nan, posinf=posinf, neginf=neginf), out)


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_tensor_arg(condition)
    if condition._dtype is not D.bool_:
        condition = condition.bool() if condition._dtype is D.uint8 else condition
        if condition._dtype is not D.bool_:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                               "with dtype %s" % condition._dtype.name.capitalize())
    return _out(apply(Where, condition, _scalar_or_tensor(input), _scalar_or_tensor(other)), out)


def to_dtype(input, dtype, copy=False):
    """input converted to dtype (input itself when it already has it, unless copy)."""
    if input._dtype is dtype and not copy:
        return input
    if input._dtype is dtype:
        return apply(Clone, input)
    return apply(Cast, input, dtype=dtype)


def clone(input, *, memory_format=None):
    return apply(Clone, input)


def positive(input):
    if input._dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _inplace(op_fn):
    """The in-place method form of a binary function (add_ from add)."""
    op_name = op_fn.__name__

    def method(self, other, *args, **kwargs):
        op, params = _INPLACE_OPS[op_name](other, *args, **kwargs)
        return apply_inplace(op, self, _scalar_or_tensor(other) if other is not None else None,
                             **params)
    method.__name__ = op_name + "_"
    return method


_INPLACE_OPS = {
    "add": lambda other, alpha=1: (Add, {} if alpha == 1 else {"alpha": alpha}),
    "sub": lambda other, alpha=1: (Sub, {} if alpha == 1 else {"alpha": alpha}),
    "mul": lambda other: (Mul, {}),
    "div": lambda other, rounding_mode=None: (
        {None: Div, "floor": FloorDivide, "trunc": TruncDivide}[rounding_mode], {}),
    "pow": lambda other: (Pow, {}),
    "remainder": lambda other: (Remainder, {}),
    "fmod": lambda other: (Fmod, {}),
    "floor_divide": lambda other: (FloorDivide, {}),
    "atan2": lambda other: (Atan2, {}),
    "maximum": lambda other: (Maximum, {}),
    "minimum": lambda other: (Minimum, {}),
    "bitwise_and": lambda other: (BitwiseAnd, {}),
    "bitwise_or": lambda other: (BitwiseOr, {}),
    "bitwise_xor": lambda other: (BitwiseXor, {}),
    "logical_and": lambda other: (LogicalAnd, {}),
    "logical_or": lambda other: (LogicalOr, {}),
    "eq": lambda other: (Eq, {}), "ne": lambda other: (Ne, {}), "lt": lambda other: (Lt, {}),
    "le": lambda other: (Le, {}), "gt": lambda other: (Gt, {}), "ge": lambda other: (Ge, {}),
}
INPLACE_BINARY = {name + "_": _inplace(globals()[name]) for name in _INPLACE_OPS}


__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and callable(_v) and getattr(_v, "__module__", None) == __name__
           and not isinstance(_v, type) and _n not in ['pow_scalar_base', 'ones_like_bool', 'to_dtype', 'INPLACE_BINARY', 'UNARY']]
