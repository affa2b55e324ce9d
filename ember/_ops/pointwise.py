"""Element-wise operations: arithmetic, comparisons, math functions.

Each Op gives its forward on arrays and its backward as a formula over
Tensors. Broadcast gradients are summed back to each input's shape by the
engine, so formulas here ignore broadcasting.

Dtype rules follow PyTorch: `_rule` builds a rule that promotes like
'promote' / 'float' / 'bool' and refuses the dtypes whose kernel PyTorch
lacks, with PyTorch's NotImplementedError ('"abs_cpu" not implemented for
'Bool'').
"""
import builtins
import math

import numpy as np

from .. import _dtype as D
from .._backends import is_host as _is_host, xp as _xp
from .._dispatch import Op, apply, apply_inplace, interceptors as _interceptors, wrap as _wrap
from .._grad_mode import state as _grad_state
from .._tensor import Tensor
from ._util import as_tensor_arg

BOOL = frozenset([D.bool_])
INTEGRAL = frozenset([D.bool_, D.uint8, D.int8, D.int16, D.int32, D.int64])
FLOATING = frozenset([D.float16, D.bfloat16, D.float32, D.float64])
_DEFAULT = D._default


def _not_implemented(kernel, d):
    return NotImplementedError("\"%s\" not implemented for '%s'" % (kernel, D.TITLE[d.name]))


def _rule(kind="promote", bad=(), kernel=None):
    """A dtype rule (see _dispatch): promote, then 'float' (integers compute
    in the default dtype) or 'bool' (the result is bool); dtypes in `bad`
    raise PyTorch's error for a missing kernel."""
    bad = frozenset(bad)
    if kind == "float":
        def rule(d, inputs, params):
            if d in bad:
                raise _not_implemented(kernel, d)
            if d.category < D.FLOAT:
                d = _DEFAULT[0]
            return d, d
    elif kind == "bool":
        def rule(d, inputs, params):
            if d in bad:
                raise _not_implemented(kernel, d)
            return d, D.bool_
    else:
        def rule(d, inputs, params):
            if d in bad:
                raise _not_implemented(kernel, d)
            return d, d
    return rule


def _zeros(g):
    """The zero gradient of a piecewise-constant op (zeros, even where g is inf or NaN)."""
    from .._creation import zeros
    return zeros(g.shape, dtype=g._dtype)


def _needs(ctx, i):
    """Whether input i of the node wants a gradient."""
    return ctx.next_functions[i][0] is not None


# Python ints next to integer arrays are cast (wrapping) to the array's
# dtype, as PyTorch casts a scalar to the computation's dtype.
_INT_RANGE = {np.dtype(t): (np.iinfo(t).min, np.iinfo(t).max)
              for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)}


def _fit(x, a):
    """Scalar x ready to combine with array a (wrapped into a's integer range)."""
    if type(x) is int:
        r = _INT_RANGE.get(getattr(a, "dtype", None))
        if r is not None and not r[0] <= x <= r[1]:
            return np.array(x & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64).astype(a.dtype)[()]
    return x


def _fit2(a, b):
    if type(b) is int:
        b = _fit(b, a)
    elif type(a) is int:
        a = _fit(a, b)
    return a, b


def _is_bool(x):
    return x is True or x is False or (isinstance(x, Tensor) and x._dtype is D.bool_)


def _check_alpha(d, params):
    alpha = params.get("alpha")
    if alpha is None:
        return
    if isinstance(alpha, bool):
        if d is not D.bool_:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif d.category <= D.INT and isinstance(alpha, (float, complex)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point "
                           "number.")


# ------------------------------------------------------------------ arithmetic

def _add_rule(d, inputs, params):
    if params:
        _check_alpha(d, params)
    return d, d


class Add(Op):
    dtype_rule = _add_rule

    def forward(ctx, a, b, alpha=1):
        a, b = _fit2(a, b)
        return a + b if alpha == 1 else a + alpha * b

    def backward(ctx, g):
        alpha = ctx.params.get("alpha", 1)
        return g, (g if alpha == 1 else g * alpha)


def _sub_rule(d, inputs, params):
    a, b = inputs
    if _is_bool(a) or _is_bool(b):
        # PyTorch 2.14 raises NotImplementedError here (a RuntimeError subclass)
        if _is_bool(a) and _is_bool(b):
            raise NotImplementedError("Subtraction, the `-` operator, with two bool tensors is not "
                                      "supported. Use the `^` or `logical_xor()` operator instead.")
        raise NotImplementedError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                                  "If you are trying to invert a mask, use the `~` or `logical_not()` "
                                  "operator instead.")
    if params:
        _check_alpha(d, params)
    return d, d


class Sub(Op):
    dtype_rule = _sub_rule

    def forward(ctx, a, b, alpha=1):
        a, b = _fit2(a, b)
        return a - b if alpha == 1 else a - alpha * b

    def backward(ctx, g):
        alpha = ctx.params.get("alpha", 1)
        return g, (-g if alpha == 1 else g * -alpha)


class Rsub(Sub):
    """number - tensor."""
    grad_name = "RsubBackward1"


class Mul(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        a, b = _fit2(a, b)
        return a * b

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if _needs(ctx, 0) else None), (g * a if _needs(ctx, 1) else None)


class Div(Op):
    dtype_rule = "float"
    save = (0, 1)

    def forward(ctx, a, b):
        return a / b

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b if _needs(ctx, 0) else None
        gb = -g * a / (b * b) if _needs(ctx, 1) else None
        return ga, gb


def _int_array(x):
    return isinstance(x, (int, np.integer)) or (hasattr(x, "dtype") and x.dtype.kind in "iub")


def _check_int_zero(a, b):
    if not (_int_array(a) and _int_array(b)):
        return
    if _is_host(b):
        zero = (b == 0).any()
    elif hasattr(b, "__cuda_array_interface__"):
        return  # PyTorch's CUDA kernels do not check (and a check would wait for the device)
    else:
        zero = b == 0  # a number
    if zero:
        raise RuntimeError("ZeroDivisionError")


class FloorDivide(Op):
    dtype_rule = _rule("promote", BOOL, "div_floor_cpu")
    grad_name = "DivBackward2"

    def forward(ctx, a, b):
        a, b = _fit2(a, b)
        _check_int_zero(a, b)
        return np.floor_divide(a, b)

    def backward(ctx, g):
        # piecewise constant: PyTorch gives zeros (not None) to both inputs
        return _zeros(g), _zeros(g)


class TruncDivide(Op):
    dtype_rule = _rule("promote", BOOL, "div_trunc_cpu")

    def forward(ctx, a, b):
        a, b = _fit2(a, b)
        _check_int_zero(a, b)
        if _int_array(a) and _int_array(b):
            q = np.floor_divide(a, b)
            # floor and trunc differ where the division is inexact and the signs differ
            return q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
        return np.trunc(np.true_divide(a, b))

    backward = FloorDivide.backward


class Remainder(Op):
    dtype_rule = _rule("promote", BOOL, "remainder_cpu")
    save = (0, 1)

    def forward(ctx, a, b):
        a, b = _fit2(a, b)
        _check_int_zero(a, b)
        return np.remainder(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if _needs(ctx, 1):
            gb = -g * div(a, b, rounding_mode="floor")
        return g, gb


class Fmod(Op):
    dtype_rule = _rule("promote", BOOL, "fmod_cpu")
    save = (0, 1)

    def forward(ctx, a, b):
        a, b = _fit2(a, b)
        _check_int_zero(a, b)
        return np.fmod(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if _needs(ctx, 1):
            gb = -g * div(a, b, rounding_mode="trunc")
        return g, gb


def _int_pow(a, b):
    """Integer power; negative exponents give 1, -1 or 0 like PyTorch's kernel.
    b is an array; a an array or a number."""
    neg = b < 0
    if _is_host(b) and not neg.any():  # the common case, checked on the host only (no device sync)
        return np.power(a, b)
    out = np.power(a, np.where(neg, 0, b))
    if not hasattr(a, "shape"):  # a number base: CuPy's where wants an array condition
        a = _xp(b).asarray(a)
    special = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(neg, special.astype(out.dtype), out)


def _pow_rule(d, inputs, params):
    b = inputs[1]
    if isinstance(b, Tensor):
        if d is D.bool_:
            raise _not_implemented("pow", d)
    elif b is not None:
        D.check_scalar(b, d)
    return d, d


class Pow(Op):
    dtype_rule = _pow_rule
    save = (0, 1)

    def forward(ctx, a, b):
        if type(b) is int or type(b) is float or type(b) is bool:
            if b == 2 and type(b) is not bool:
                return a * a
            if _int_array(a) and type(b) is not float:
                if b < 0:
                    raise RuntimeError("Integers to negative integer powers are not allowed.")
                if a.dtype == np.bool_:  # x ** True is x, x ** False is True
                    return a.copy() if b else np.ones_like(a)
                return np.power(a, _fit(b, a))
        a, b = _fit2(a, b)
        if _int_array(a) and _int_array(b):
            return _int_pow(a, b)
        return np.power(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = gb = None
        if _needs(ctx, 0):
            if not isinstance(b, Tensor):
                ga = _zeros(g) if b == 0 else g * (a.pow(b - 1) * b)
            else:
                ga = g * where(b == 0, 0.0, b * a.pow(b - 1))
        if _needs(ctx, 1):
            if isinstance(a, Tensor):
                gb = g * where((a == 0) & (b >= 0), 0.0, a.pow(b) * a.log())
            elif a == 0:
                gb = g * where(b >= 0, 0.0, pow(a, b) * -math.inf)
            else:
                gb = g * pow(a, b) * math.log(a)
        return ga, gb


class PowTensor(Pow):
    """pow with a tensor exponent."""
    grad_name = "PowBackward1"


class PowScalarBase(Pow):
    """pow with a number base."""
    grad_name = "PowBackward2"


def pow_scalar_base(a, b):
    return apply(Pow, a, b)


class Neg(Op):
    dtype_rule = "keep"

    def forward(ctx, a):
        if a.dtype == np.bool_:  # PyTorch raises this class here, not RuntimeError
            raise NotImplementedError("Negation, the `-` operator, on a bool tensor is not supported. "
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
        return np.equal(*_fit2(a, b))


class Ne(_Compare):
    def forward(ctx, a, b):
        return np.not_equal(*_fit2(a, b))


class Lt(_Compare):
    def forward(ctx, a, b):
        return np.less(*_fit2(a, b))


class Le(_Compare):
    def forward(ctx, a, b):
        return np.less_equal(*_fit2(a, b))


class Gt(_Compare):
    def forward(ctx, a, b):
        return np.greater(*_fit2(a, b))


class Ge(_Compare):
    def forward(ctx, a, b):
        return np.greater_equal(*_fit2(a, b))


# ------------------------------------------------------------------ logic and bits

class BitwiseAnd(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING, "bitwise_and_cpu")

    def forward(ctx, a, b):
        return np.bitwise_and(*_fit2(a, b))


class BitwiseOr(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING, "bitwise_or_cpu")

    def forward(ctx, a, b):
        return np.bitwise_or(*_fit2(a, b))


class BitwiseXor(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING, "bitwise_xor_cpu")

    def forward(ctx, a, b):
        return np.bitwise_xor(*_fit2(a, b))


def _shift_parts(a, b):
    a, b = _fit2(a, b)
    # a Python number becomes a 0-dim array beside the other operand (on its device)
    if type(a) is int or type(a) is bool:
        a = _xp(b).asarray(a)
    elif type(b) is int or type(b) is bool:
        b = _xp(a).asarray(b)
    bits = a.dtype.itemsize * 8
    return a, b, bits


class BitwiseLeftShift(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING | BOOL, "lshift_cpu")

    def forward(ctx, a, b):
        a, b, bits = _shift_parts(a, b)
        # counts that are negative or not below the width give 0, as in PyTorch
        out = np.left_shift(a, np.clip(b, 0, bits - 1).astype(a.dtype))
        return np.where((b < 0) | (b >= bits), 0, out).astype(a.dtype)


class BitwiseRightShift(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING | BOOL, "rshift_cpu")

    def forward(ctx, a, b):
        a, b, bits = _shift_parts(a, b)
        signed = a.dtype.kind == "i"
        out = np.right_shift(a, np.clip(b, 0, bits - 1).astype(a.dtype))
        # out-of-range counts shift everything out: the sign for signed types, else 0
        fill = np.right_shift(a, bits - 1) if signed else np.zeros_like(a)
        return np.where((b < 0) | (b >= bits - signed), fill, out).astype(a.dtype)


class BitwiseNot(Op):
    dtype_rule = _rule("promote", FLOATING, "bitwise_not_cpu")
    differentiable = False

    def forward(ctx, a):
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


def _square_rule(d, inputs, params):
    return (D.int64, D.int64) if d is D.bool_ else (d, d)


class Square(Op):
    dtype_rule = _square_rule
    grad_name = "PowBackward0"
    save = (0,)

    def forward(ctx, x):
        return x * x

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


def _abs_rule(d, inputs, params):
    if d is D.bool_:
        raise _not_implemented("abs_cpu", d)
    return d, d.to_real()  # |complex| is real


class Abs(Op):
    dtype_rule = _abs_rule
    save = (0,)

    def forward(ctx, x):
        return np.abs(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sgn()


class Sign(Op):
    dtype_rule = "keep"

    def forward(ctx, x):
        if x.dtype == np.bool_:
            return x.copy()
        if x.dtype.kind == "f":
            # (0 < x) - (x < 0): NaN and -0.0 give 0, as in PyTorch
            return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
        return np.sign(x)

    def backward(ctx, g):
        return _zeros(g)


class Sgn(Sign):
    pass


class Floor(Op):
    dtype_rule = _rule("promote", BOOL, "floor_vml_cpu")

    def forward(ctx, x):
        return np.floor(x) if x.dtype.kind == "f" else x.copy()

    def backward(ctx, g):
        return _zeros(g)


class Ceil(Op):
    dtype_rule = _rule("promote", BOOL, "ceil_vml_cpu")

    def forward(ctx, x):
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()

    def backward(ctx, g):
        return _zeros(g)


class Trunc(Op):
    dtype_rule = _rule("promote", BOOL, "trunc_vml_cpu")

    def forward(ctx, x):
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()

    def backward(ctx, g):
        return _zeros(g)


class Frac(Op):
    dtype_rule = _rule("promote", INTEGRAL, "frac_cpu")

    def forward(ctx, x):
        return x - np.trunc(x)

    def backward(ctx, g):
        return g


def _round_rule(d, inputs, params):
    if "decimals" in params:
        if d in INTEGRAL:
            raise _not_implemented("round_cpu" if params["decimals"] else "round_vml_cpu", d)
    elif d is D.bool_:
        raise _not_implemented("round_vml_cpu", d)
    return d, d


class Round(Op):
    dtype_rule = _round_rule

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

    def backward(ctx, g):
        return _zeros(g)


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
        if x.dtype == np.float16:  # PyTorch computes half in float
            return (1 / (1 + np.exp(-x.astype(np.float32)))).astype(np.float16)
        return 1 / (1 + np.exp(-x))  # exp overflow gives inf, and 1 / inf = 0

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
        eps = ctx.params.get("eps")
        grad = g / (x * (1 - x))
        if eps is None:
            return where((x < 0) | (x > 1), math.nan, grad)
        return where((x < eps) | (x > 1 - eps), 0.0, grad)


# erf and erfc: the rational approximations of fdlibm's s_erf.c (Sun
# Microsystems, freely redistributable), evaluated on whole arrays in float64.
_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _poly(coef, z):
    """coef[0] + coef[1] z + coef[2] z^2 + ... (Horner)."""
    r = coef[-1] * z + coef[-2]
    for c in coef[-3::-1]:
        r = r * z + c
    return r


def _erf_abs(x):
    """(erf(|x|), erfc(|x|)) in float64, for any float array x."""
    ax = np.abs(x.astype(np.float64, copy=False))
    z = ax * ax
    y = _poly(_PP, z) / _poly(_QQ, z)
    e1 = ax + ax * y
    c1 = np.where(ax < 0.25, 1.0 - e1, 0.5 - (ax * y + (ax - 0.5)))
    s = ax - 1.0
    pq = _poly(_PA, s) / _poly(_QA, s)
    e2 = _ERX + pq
    c2 = (1.0 - _ERX) - pq
    s = 1.0 / z
    rs = np.where(ax < 1 / 0.35, _poly(_RA, s) / _poly(_SA, s), _poly(_RB, s) / _poly(_SB, s))
    # z with its low 32 bits cleared keeps exp(-z*z) exact (fdlibm's trick)
    zt = (ax.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    c3 = np.exp(-zt * zt - 0.5625) * np.exp((zt - ax) * (zt + ax) + rs) / ax
    small, mid = ax < 0.84375, ax < 1.25
    # NaN fails every test below and so lands on c3, which is NaN too
    erfc = np.where(small, c1, np.where(mid, c2, np.where(ax >= 28, 0.0, c3)))
    erf = np.where(small, e1, np.where(mid, e2, np.where(ax >= 6, 1.0, 1.0 - c3)))
    return erf, erfc


def _erf(x):
    e, _ = _erf_abs(x)
    return np.copysign(e, x).astype(x.dtype, copy=False)


def _erfc(x):
    _, c = _erf_abs(x)
    return np.where(x < 0, 2.0 - c, c).astype(x.dtype, copy=False)


def _erfinv(y):
    """PyTorch's erfinv: a rational first guess, then two Newton steps (in float64)."""
    y64 = y.astype(np.float64, copy=False)
    ay = np.abs(y64)
    z = y64 * y64
    num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
    dem = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1.0
    central = y64 * num / dem
    t = np.sqrt(-np.log((1.0 - ay) / 2.0))
    num = ((1.641345311 * t + 3.429567803) * t - 1.624906493) * t - 1.970840454
    dem = (1.637067800 * t + 3.543889200) * t + 1.0
    x = np.where(ay <= 0.7, central, np.copysign(num, y64) / dem)
    k = 2.0 / math.sqrt(math.pi)
    for _ in range(2):
        x = x - (np.copysign(_erf_abs(x)[0], x) - y64) / (k * np.exp(-x * x))
    x = np.where(ay == 1.0, np.copysign(np.inf, y64), x)
    x = np.where(ay > 1.0, np.nan, x)
    return x.astype(y.dtype, copy=False)


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
        return _erfc(x)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-2 / math.sqrt(math.pi)) * (-x * x).exp()


class Erfinv(_FloatUnary):
    save_output = True

    def forward(ctx, x):
        return _erfinv(x)

    def backward(ctx, g):
        out = ctx.output
        return g * (math.sqrt(math.pi) / 2) * (out * out).exp()


def _relu_rule(d, inputs, params):
    if d is D.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return d, d


class Relu(Op):
    dtype_rule = _relu_rule
    save_output = True

    def forward(ctx, x):
        return np.maximum(x, 0)

    def backward(ctx, g):
        out = ctx.output
        if not _grad_state.enabled and not _interceptors:  # no graph: one pass on arrays
            return _wrap(g._data * (out._data > 0), g._dtype)
        return g * (out > 0)


def _clamp_rule(d, inputs, params):
    """clamp with number bounds: the bounds take part in promotion as scalars."""
    lo, hi = params.get("min"), params.get("max")
    if d.category == D.FLOAT and type(lo) in _REAL and type(hi) in _REAL:
        if d.itemsize < 4 or (lo is not None and not -1e38 < lo < 1e38) or (
                hi is not None and not -1e38 < hi < 1e38):
            for v in (lo, hi):
                if v is not None:
                    D.check_scalar(v, d)
        return d, d
    x = inputs[0]
    scalars = [v for v in (lo, hi) if v is not None]
    if scalars:
        d = D.result_dtype([d] if x._data.ndim else [], [] if x._data.ndim else [d], scalars)
    if d is D.bool_:
        raise _not_implemented("clamp_scalar_cpu" if lo is not None and hi is not None else
                               "clamp_min_scalar_cpu" if lo is not None else "clamp_max_scalar_cpu", d)
    for v in scalars:
        D.check_scalar(v, d)
    return d, d


_REAL = (float, int, type(None))


class Clamp(Op):
    dtype_rule = _clamp_rule
    grad_name = "ClampBackward1"
    save = (0,)

    def forward(ctx, x, min=None, max=None):
        # where min > max every element becomes max, as in PyTorch
        if min is not None:
            x = np.maximum(x, _fit(min, x))
        if max is not None:
            x = np.minimum(x, _fit(max, x))
        return x

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.params.get("min"), ctx.params.get("max")
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            m = x <= hi
            mask = m if mask is None else mask & m
        return where(mask, g, 0.0)


class ClampTensor(Op):
    """clamp with tensor bounds (either may be None)."""
    grad_name = "ClampBackward0"
    dtype_rule = _rule("promote", BOOL, "clamp_cpu")
    save = (0, 1, 2)

    def forward(ctx, x, lo, hi):
        if lo is not None:
            x = np.maximum(x, lo)
        if hi is not None:
            x = np.minimum(x, hi)
        return x

    def backward(ctx, g):
        # PyTorch's clamp_backward and clamp_backward_min_max
        x, lo, hi = ctx.saved_tensors
        if lo is not None and hi is not None:
            gx = where((x >= lo) & (x <= hi), g, 0.0)
            glo = where((x < lo) & (lo < hi), g, 0.0) if _needs(ctx, 1) else None
            ghi = where((x > hi) | (hi < lo), g, 0.0) if _needs(ctx, 2) else None
            return gx, glo, ghi
        if lo is not None:
            return where(x >= lo, g, 0.0), (where(x < lo, g, 0.0) if _needs(ctx, 1) else None), None
        return where(x <= hi, g, 0.0), None, (where(x > hi, g, 0.0) if _needs(ctx, 2) else None)


class Maximum(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return np.maximum(a, b)

    def backward(ctx, g):
        # PyTorch: ties share the gradient; NaN sends it to both sides
        a, b = ctx.saved_tensors
        tie = a == b
        half = where(tie, g / 2, g)
        return where(a < b, 0.0, half), where(a > b, 0.0, half)


class Minimum(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return np.minimum(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        tie = a == b
        half = where(tie, g / 2, g)
        return where(a > b, 0.0, half), where(a < b, 0.0, half)


class Fmax(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return np.fmax(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        first = (a >= b) | b.isnan()
        return where(first, g, 0.0), where(first, 0.0, g)


class Fmin(Op):
    save = (0, 1)

    def forward(ctx, a, b):
        return np.fmin(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        first = (a <= b) | b.isnan()
        return where(first, g, 0.0), where(first, 0.0, g)


class Atan2(Op):
    dtype_rule = "float"
    save = (0, 1)

    def forward(ctx, a, b):
        return np.arctan2(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        return g * b / denom, -g * a / denom


def _lerp_rule(d, inputs, params):
    start, end, w = inputs
    d = start._dtype
    if end._dtype is not d:
        raise RuntimeError("expected dtype %s for `end` but got dtype %s"
                           % (_c_name(d), _c_name(end._dtype)))
    if isinstance(w, Tensor) and w._data.ndim and w._dtype is not d:
        raise RuntimeError("expected dtype %s for `weight` but got dtype %s"
                           % (_c_name(d), _c_name(w._dtype)))
    if d in INTEGRAL:
        raise _not_implemented("lerp_kernel_tensor" if isinstance(w, Tensor) else "lerp_kernel_scalar", d)
    return d, d


def _c_name(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}.get(d.name, d.name)


class Lerp(Op):
    dtype_rule = _lerp_rule
    save = (0, 1, 2)

    def forward(ctx, start, end, weight):
        # PyTorch's formula switches side at |w| = 0.5 for accuracy
        diff = end - start
        if not hasattr(weight, "shape"):  # a number: pick the side here, in start's dtype
            w = start.dtype.type(weight)
            return start + w * diff if builtins.abs(weight) < 0.5 else end - diff * (1 - w)
        w = weight
        return np.where(np.abs(w) < 0.5, start + w * diff, end - diff * (1 - w))

    def backward(ctx, g):
        start, end, w = ctx.saved_tensors
        gw = g * (end - start) if isinstance(w, Tensor) and _needs(ctx, 2) else None
        return g * (1 - w), g * w, gw


class Hypot(Op):
    dtype_rule = _rule("promote", INTEGRAL, "hypot_cpu")
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
        return np.isnan(x) if x.dtype.kind in "fc" else _xp(x).zeros(x.shape, bool)


class Isinf(Op):
    dtype_rule = "bool"
    differentiable = False

    def forward(ctx, x):
        return np.isinf(x) if x.dtype.kind in "fc" else _xp(x).zeros(x.shape, bool)


class Isfinite(Op):
    dtype_rule = "bool"
    differentiable = False

    def forward(ctx, x):
        return np.isfinite(x) if x.dtype.kind in "fc" else _xp(x).ones(x.shape, bool)


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
        ga = where(cond, g, 0.0) if _needs(ctx, 1) else None
        gb = where(cond, 0.0, g) if _needs(ctx, 2) else None
        return None, ga, gb


class Cast(Op):
    """Conversion to another dtype (the dtype is the `dtype` param)."""
    grad_name = "ToCopyBackward0"

    def forward(ctx, x, dtype):
        if dtype is D.bool_:
            return x != 0
        if dtype.category < D.FLOAT and x.dtype.kind == "f":
            # float -> int truncates towards zero; NaN/inf give the minimum like PyTorch
            with np.errstate(invalid="ignore"):
                return np.trunc(x).astype(dtype.np)
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


# ------------------------------------------------------------------ more binary math

class Copysign(Op):
    dtype_rule = "float"
    save = (0, 1)

    def forward(ctx, a, b):
        return np.copysign(a, b)

    def backward(ctx, g):
        # PyTorch: grad * result / self where self != 0; the sign source gets zeros
        a, b = ctx.saved_tensors
        ga = where(a == 0, 0.0, g * copysign(a, b) / a) if _needs(ctx, 0) else None
        return ga, (_zeros(g) if _needs(ctx, 1) else None)


class Xlogy(Op):
    dtype_rule = "float"
    save = (0, 1)

    def forward(ctx, a, b):
        with np.errstate(all="ignore"):
            out = a * np.log(b)
        # 0 * log(y) is 0 unless y is NaN
        return np.where((a == 0) & ~np.isnan(b), 0, out).astype(out.dtype, copy=False)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = None
        if _needs(ctx, 0):  # PyTorch: xlogy(grad, other), 0 where self == 0 and other <= 0
            ga = where((a == 0) & (b <= 0), 0.0, xlogy(g, b))
        gb = g * a / b if _needs(ctx, 1) else None
        return ga, gb


class Logaddexp(Op):
    dtype_rule = _rule("float", INTEGRAL, "logaddexp_cpu")
    save = (0, 1)
    save_output = True

    def forward(ctx, a, b):
        return np.logaddexp(a, b)

    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * (a - out).exp(), g * (b - out).exp()


class Logaddexp2(Op):
    dtype_rule = _rule("float", INTEGRAL, "logaddexp2_cpu")
    save = (0, 1)
    save_output = True

    def forward(ctx, a, b):
        return np.logaddexp2(a, b)

    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * (a - out).exp2(), g * (b - out).exp2()


class Heaviside(Op):
    differentiable = False

    def forward(ctx, x, values):
        return np.where(x == 0, values, (x > 0)).astype(np.result_type(x.dtype, values.dtype), copy=False)


def _heaviside_rule(d, inputs, params):
    a, b = inputs
    if a._dtype is not b._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return d, d


Heaviside.dtype_rule = staticmethod(_heaviside_rule)


class Gcd(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING | BOOL, "gcd_cpu")

    def forward(ctx, a, b):
        return np.gcd(a, b)


class Lcm(Op):
    differentiable = False
    dtype_rule = _rule("promote", FLOATING | BOOL, "lcm_cpu")

    def forward(ctx, a, b):
        return np.lcm(a, b)


class Nextafter(Op):
    differentiable = False
    dtype_rule = _rule("promote", INTEGRAL, "nextafter_cpu")

    def forward(ctx, a, b):
        return np.nextafter(a, b)


class Sinc(_FloatUnary):
    save = (0,)

    def forward(ctx, x):
        return np.sinc(x).astype(x.dtype, copy=False)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        px = x * math.pi
        d = ((px.cos() * px - px.sin()) / (px * x))
        return g * where(x == 0, 0.0, d)


class Deg2rad(_FloatUnary):
    grad_name = "Deg2RadBackward0"

    def forward(ctx, x):
        return x * x.dtype.type(math.pi / 180)

    def backward(ctx, g):
        return g * (math.pi / 180)


class Rad2deg(_FloatUnary):
    grad_name = "Rad2DegBackward0"

    def forward(ctx, x):
        return x * x.dtype.type(180 / math.pi)

    def backward(ctx, g):
        return g * (180 / math.pi)


class Addcmul(Op):
    """input + value * t1 * t2."""
    save = (1, 2)

    def forward(ctx, x, t1, t2, value=1):
        if x.dtype.kind in "iub" and isinstance(value, float):
            value = int(value)  # an integral result takes the value as an integer
        return x + value * (t1 * t2) if value != 1 else x + t1 * t2

    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors[1:3]
        v = ctx.params.get("value", 1)
        return g, (g * t2 * v if _needs(ctx, 1) else None), (g * t1 * v if _needs(ctx, 2) else None)


class Addcdiv(Op):
    """input + value * t1 / t2."""
    save = (1, 2)

    def forward(ctx, x, t1, t2, value=1):
        return x + value * (t1 / t2) if value != 1 else x + t1 / t2

    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors[1:3]
        v = ctx.params.get("value", 1)
        g1 = g * v / t2 if _needs(ctx, 1) else None
        g2 = -g * v * t1 / (t2 * t2) if _needs(ctx, 2) else None
        return g, g1, g2


def _addc_rule(kernel):
    def rule(d, inputs, params):
        if kernel == "addcdiv" and inputs[1]._dtype.category <= D.INT and inputs[2]._dtype.category <= D.INT:
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                               "release addcdiv will perform a true division of tensor1 and tensor2. "
                               "The historic addcdiv behavior can be implemented as (input + value * "
                               "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and "
                               "as (input + value * tensor1 / tensor2) for float inputs. The future "
                               "addcdiv behavior is just the latter implementation: (input + value * "
                               "tensor1 / tensor2), for all dtypes.")
        return d, d
    return rule


Addcmul.dtype_rule = staticmethod(_addc_rule("addcmul"))
Addcdiv.dtype_rule = staticmethod(_addc_rule("addcdiv"))


# ------------------------------------------------------------------ public functions

def _scalar_or_tensor(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, complex)):
        return x
    if isinstance(x, np.generic):
        return x.item()
    return as_tensor_arg(x)


def _binary(op, a, b, out=None, **params):
    b = _scalar_or_tensor(b)
    if not isinstance(a, Tensor):
        # a Python number stays a (weakly typed) scalar next to a tensor
        a = _scalar_or_tensor(a) if isinstance(b, Tensor) else as_tensor_arg(a)
    r = apply(op, a, b, **params)
    return r if out is None else _out(r, out)


def _tensor_args(name, *args):
    """PyTorch's TypeError for functions whose operands must be tensors."""
    for pos, (argname, x) in enumerate(args):
        if not isinstance(x, Tensor):
            raise TypeError("%s(): argument '%s' (position %d) must be Tensor, not %s"
                            % (name, argname, pos + 1, type(x).__name__))


def _out(r, out):
    """Write result r into the `out=` tensor (resized when its shape differs)."""
    if out is None:
        return r
    if not D.can_cast(r._dtype, out._dtype):
        raise RuntimeError("result type %s can't be cast to the desired output type %s"
                           % (D.TITLE[r._dtype.name], D.TITLE[out._dtype.name]))
    from .._dispatch import write_into
    if out.shape != r.shape:
        out._data = _xp(out._data).empty(r.shape, out._dtype.np)
    write_into(out, r._data)
    return out


def add(input, other, *, alpha=1, out=None):
    if alpha == 1 and type(alpha) is not bool:
        return _binary(Add, input, other, out)
    return _binary(Add, input, other, out, alpha=alpha)


def sub(input, other, *, alpha=1, out=None):
    op = Sub if isinstance(input, Tensor) else Rsub
    if alpha == 1 and type(alpha) is not bool:
        return _binary(op, input, other, out)
    return _binary(op, input, other, out, alpha=alpha)


subtract = sub


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    return _binary(Mul, input, other, out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _binary(Div, input, other, out)
    if rounding_mode == "floor":
        return _binary(FloorDivide, input, other, out)
    if rounding_mode == "trunc":
        return _binary(TruncDivide, input, other, out)
    raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       "found '%s'" % rounding_mode)


divide = div


def true_divide(input, other, *, out=None):
    return _binary(Div, input, other, out)


def floor_divide(input, other, *, out=None):
    return _binary(FloorDivide, input, other, out)


def remainder(input, other, *, out=None):
    return _binary(Remainder, input, other, out)


def fmod(input, other, *, out=None):
    _tensor_args("fmod", ("input", input))
    return _binary(Fmod, input, other, out)


def pow(input, exponent, *, out=None):
    if isinstance(exponent, Tensor):
        return _binary(PowTensor if isinstance(input, Tensor) else PowScalarBase, input, exponent, out)
    return _binary(Pow, input, exponent, out)


def float_power(input, exponent, *, out=None):
    def to64(x):
        if isinstance(x, Tensor):
            return x.to(D.complex128 if x.is_complex() else D.float64)
        return x if isinstance(x, complex) else float(x)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power() received an invalid combination of arguments")
    return _binary(Pow, to64(input), to64(exponent), out)


def neg(input, *, out=None):
    return _out(apply(Neg, input), out)


negative = neg


def atan2(input, other, *, out=None):
    _tensor_args("atan2", ("input", input), ("other", other))
    return _binary(Atan2, input, other, out)


def arctan2(input, other, *, out=None):
    _tensor_args("arctan2", ("input", input), ("other", other))
    return _binary(Atan2, input, other, out)


def hypot(input, other, *, out=None):
    _tensor_args("hypot", ("input", input), ("other", other))
    return _binary(Hypot, input, other, out)


def maximum(input, other, *, out=None):
    _tensor_args("maximum", ("input", input), ("other", other))
    return _binary(Maximum, input, other, out)


def minimum(input, other, *, out=None):
    _tensor_args("minimum", ("input", input), ("other", other))
    return _binary(Minimum, input, other, out)


def fmax(input, other, *, out=None):
    _tensor_args("fmax", ("input", input), ("other", other))
    return _binary(Fmax, input, other, out)


def fmin(input, other, *, out=None):
    _tensor_args("fmin", ("input", input), ("other", other))
    return _binary(Fmin, input, other, out)


def copysign(input, other, *, out=None):
    return _binary(Copysign, input, other, out)


def xlogy(input, other, *, out=None):
    return _binary(Xlogy, input, other, out)


def logaddexp(input, other, *, out=None):
    _tensor_args("logaddexp", ("input", input), ("other", other))
    return _binary(Logaddexp, input, other, out)


def logaddexp2(input, other, *, out=None):
    _tensor_args("logaddexp2", ("input", input), ("other", other))
    return _binary(Logaddexp2, input, other, out)


def heaviside(input, values, *, out=None):
    _tensor_args("heaviside", ("input", input), ("values", values))
    return _binary(Heaviside, input, values, out)


def gcd(input, other, *, out=None):
    _tensor_args("gcd", ("input", input), ("other", other))
    return _binary(Gcd, input, other, out)


def lcm(input, other, *, out=None):
    _tensor_args("lcm", ("input", input), ("other", other))
    return _binary(Lcm, input, other, out)


def nextafter(input, other, *, out=None):
    _tensor_args("nextafter", ("input", input), ("other", other))
    return _binary(Nextafter, input, other, out)


def ldexp(input, other, *, out=None):
    _tensor_args("ldexp", ("input", input), ("other", other))
    return _out(mul(input, pow(2.0, other)), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    if value == 1 and type(value) is not bool:
        return _out(apply(Addcmul, input, tensor1, tensor2), out)
    return _out(apply(Addcmul, input, tensor1, tensor2, value=value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if value == 1 and type(value) is not bool:
        return _out(apply(Addcdiv, input, tensor1, tensor2), out)
    return _out(apply(Addcdiv, input, tensor1, tensor2, value=value), out)


class LerpTensor(Lerp):
    grad_name = "LerpBackward1"


def lerp(input, end, weight, *, out=None):
    _tensor_args("lerp", ("input", input), ("end", end))
    op = LerpTensor if isinstance(weight, Tensor) else Lerp
    return _out(apply(op, input, end, _scalar_or_tensor(weight)), out)


def _compare(op, name):
    def fn(input, other, *, out=None):
        _tensor_args(name, ("input", input))
        return _binary(op, input, other, out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = "Element-wise comparison (see torch.%s)." % name
    return fn


eq = _compare(Eq, "eq")
ne = _compare(Ne, "ne")
lt = _compare(Lt, "lt")
le = _compare(Le, "le")
gt = _compare(Gt, "gt")
ge = _compare(Ge, "ge")
greater, greater_equal = _compare(Gt, "greater"), _compare(Ge, "greater_equal")
less, less_equal, not_equal = _compare(Lt, "less"), _compare(Le, "less_equal"), _compare(Ne, "not_equal")


def bitwise_and(input, other, *, out=None):
    return _binary(BitwiseAnd, input, other, out)


def bitwise_or(input, other, *, out=None):
    return _binary(BitwiseOr, input, other, out)


def bitwise_xor(input, other, *, out=None):
    return _binary(BitwiseXor, input, other, out)


def bitwise_left_shift(input, other, *, out=None):
    return _binary(BitwiseLeftShift, input, other, out)


def bitwise_right_shift(input, other, *, out=None):
    return _binary(BitwiseRightShift, input, other, out)


def bitwise_not(input, *, out=None):
    return _out(apply(BitwiseNot, input), out)


def logical_and(input, other, *, out=None):
    _tensor_args("logical_and", ("input", input), ("other", other))
    return _binary(LogicalAnd, input, other, out)


def logical_or(input, other, *, out=None):
    _tensor_args("logical_or", ("input", input), ("other", other))
    return _binary(LogicalOr, input, other, out)


def logical_xor(input, other, *, out=None):
    _tensor_args("logical_xor", ("input", input), ("other", other))
    return _binary(LogicalXor, input, other, out)


def logical_not(input, *, out=None):
    return _out(apply(LogicalNot, input), out)


def _unary_fn(op, name):
    def fn(input, *, out=None):
        r = apply(op, input)
        return r if out is None else _out(r, out)
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
    "sinc": Sinc, "deg2rad": Deg2rad, "rad2deg": Rad2deg,
}
for _name, _op in UNARY.items():
    globals()[_name] = _unary_fn(_op, _name)
absolute = globals()["abs"]
arcsin, arccos, arctan = globals()["asin"], globals()["acos"], globals()["atan"]
arcsinh, arccosh, arctanh = globals()["asinh"], globals()["acosh"], globals()["atanh"]
fix = globals()["trunc"]


def isposinf(input, *, out=None):
    return _out(input.isinf() & (input > 0), out)


def isneginf(input, *, out=None):
    return _out(input.isinf() & (input < 0), out)


def isreal(input):
    return ones_like_bool(input)


def ones_like_bool(input):
    from .._creation import ones_like
    return ones_like(input, dtype=D.bool_)


def round(input, *, decimals=None, out=None):
    if decimals is None:
        return _out(apply(Round, input), out)
    return _out(apply(Round, input, decimals=decimals), out)


def logit(input, eps=None, *, out=None):
    return _out(apply(Logit, input, eps=eps), out)


def clamp(input, min=None, max=None, *, out=None):
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _out(apply(ClampTensor, input, min, max), out)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _out(apply(Clamp, input, min=min, max=max), out)


clip = clamp


def clamp_min(input, min, *, out=None):
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):
    return clamp(input, max=max, out=out)


def _finfo_limits(d):
    if d is D.bfloat16:
        return 3.3895313892515355e38, -3.3895313892515355e38
    info = np.finfo(d.np)
    return float(info.max), float(info.min)


def _nan_to_num_params(input, nan, posinf, neginf):
    if (posinf is None or neginf is None) and input._dtype.category == D.FLOAT:
        hi, lo = _finfo_limits(input._dtype)
        posinf = hi if posinf is None else posinf
        neginf = lo if neginf is None else neginf
    return {"nan": nan, "posinf": posinf, "neginf": neginf}


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    return _out(apply(NanToNum, input, **_nan_to_num_params(input, nan, posinf, neginf)), out)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    # a true in-place op, so that autograd sees it (copy_ of the result would trip the version check)
    return apply_inplace(NanToNum, self, **_nan_to_num_params(self, nan, posinf, neginf))


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_tensor_arg(condition)
    if condition._dtype is not D.bool_:
        if condition._dtype is D.uint8:
            import warnings
            warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and "
                          "will be removed in a future version of PyTorch. Use a boolean condition "
                          "instead.", UserWarning, stacklevel=2)
            condition = condition.bool()
        else:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                               "with dtype %s" % D.TITLE[condition._dtype.name])
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


def _invert(self):
    """The ~ operator: PyTorch raises TypeError on floating tensors."""
    if self._dtype.category >= D.FLOAT:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return apply(BitwiseNot, self)


# ------------------------------------------------------------------ in-place forms

def _inplace(op_fn):
    """The in-place method form of a binary function (add_ from add)."""
    op_name = op_fn.__name__
    make = _INPLACE_OPS[op_name]

    def method(self, other, *args, **kwargs):
        op, params = make(other, *args, **kwargs)
        return apply_inplace(op, self, _scalar_or_tensor(other) if other is not None else None,
                             **params)
    method.__name__ = op_name + "_"
    return method


def _div_mode(other, rounding_mode=None):
    if rounding_mode is None:
        return Div, {}
    if rounding_mode == "floor":
        return FloorDivide, {}
    if rounding_mode == "trunc":
        return TruncDivide, {}
    raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       "found '%s'" % rounding_mode)


def _alpha(op):
    def make(other, alpha=1):
        return op, ({} if alpha == 1 and type(alpha) is not bool else {"alpha": alpha})
    return make


def _plain(op):
    return lambda other: (op, {})


_INPLACE_OPS = {
    "add": _alpha(Add), "sub": _alpha(Sub), "mul": _plain(Mul), "div": _div_mode,
    "true_divide": _plain(Div), "pow": _plain(Pow), "remainder": _plain(Remainder),
    "fmod": _plain(Fmod), "floor_divide": _plain(FloorDivide), "atan2": _plain(Atan2),
    "hypot": _plain(Hypot), "copysign": _plain(Copysign), "xlogy": _plain(Xlogy),
    "bitwise_and": _plain(BitwiseAnd), "bitwise_or": _plain(BitwiseOr),
    "bitwise_xor": _plain(BitwiseXor), "bitwise_left_shift": _plain(BitwiseLeftShift),
    "bitwise_right_shift": _plain(BitwiseRightShift), "logical_and": _plain(LogicalAnd),
    "logical_or": _plain(LogicalOr), "logical_xor": _plain(LogicalXor),
    "eq": _plain(Eq), "ne": _plain(Ne), "lt": _plain(Lt), "le": _plain(Le), "gt": _plain(Gt),
    "ge": _plain(Ge),
}
INPLACE_BINARY = {name + "_": _inplace(globals()[name]) for name in _INPLACE_OPS}
for _alias, _name in (("subtract_", "sub_"), ("multiply_", "mul_"), ("divide_", "div_"),
                      ("arctan2_", "atan2_"), ("greater_", "gt_"), ("greater_equal_", "ge_"),
                      ("less_", "lt_"), ("less_equal_", "le_"), ("not_equal_", "ne_")):
    INPLACE_BINARY[_alias] = INPLACE_BINARY[_name]


def float_power_(self, exponent):
    want = D.complex128 if self.is_complex() or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent.is_complex()) else D.float64
    if self._dtype is not want:
        raise RuntimeError("the base given to float_power_ has dtype %s but the operation's result "
                           "requires dtype %s" % (D.TITLE[self._dtype.name], D.TITLE[want.name]))
    if isinstance(exponent, Tensor):
        exponent = exponent.to(want)
    return apply_inplace(Pow, self, exponent if isinstance(exponent, Tensor) else float(exponent))


def _addc_(op):
    def method(self, tensor1, tensor2, *, value=1):
        if value == 1 and type(value) is not bool:
            return apply_inplace(op, self, tensor1, tensor2)
        return apply_inplace(op, self, tensor1, tensor2, value=value)
    return method


def _unary_(op):
    def method(self):
        return apply_inplace(op, self)
    return method


def _method(fn):
    """A function as a Tensor method (the method form takes no out=)."""
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    return method


# Tensor methods this family adds beyond _tensor_methods' list (bound by ember/__init__)
TENSOR_METHODS = {
    "__invert__": _invert,
    "__lshift__": lambda self, other: bitwise_left_shift(self, other),
    "__rshift__": lambda self, other: bitwise_right_shift(self, other),
    "__rlshift__": lambda self, other: bitwise_left_shift(other, self),
    "__rrshift__": lambda self, other: bitwise_right_shift(other, self),
    "__ilshift__": lambda self, other: INPLACE_BINARY["bitwise_left_shift_"](self, other),
    "__irshift__": lambda self, other: INPLACE_BINARY["bitwise_right_shift_"](self, other),
    "float_power_": float_power_, "nan_to_num_": nan_to_num_,
    "addcmul_": _addc_(Addcmul), "addcdiv_": _addc_(Addcdiv),
    "sinc_": _unary_(Sinc), "deg2rad_": _unary_(Deg2rad), "rad2deg_": _unary_(Rad2deg),
    "square_": _unary_(Square), "sgn_": _unary_(Sgn), "absolute_": _unary_(Abs),
    "fix_": _unary_(Trunc), "erfc_": _unary_(Erfc), "erfinv_": _unary_(Erfinv),
    "exp2_": _unary_(Exp2), "arcsin_": _unary_(Asin), "arccos_": _unary_(Acos),
    "arctan_": _unary_(Atan), "arcsinh_": _unary_(Asinh), "arccosh_": _unary_(Acosh),
    "arctanh_": _unary_(Atanh),
}
for _n in ("subtract", "multiply", "divide", "copysign", "xlogy", "logaddexp", "logaddexp2",
           "heaviside", "gcd", "lcm", "nextafter", "ldexp", "addcmul", "addcdiv",
           "bitwise_left_shift", "bitwise_right_shift", "sinc", "deg2rad", "rad2deg"):
    TENSOR_METHODS[_n] = _method(globals()[_n])
TENSOR_METHODS.update(INPLACE_BINARY)


__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and callable(_v) and getattr(_v, "__module__", None) == __name__
           and not isinstance(_v, type) and _n not in [
               'pow_scalar_base', 'ones_like_bool', 'to_dtype', 'INPLACE_BINARY', 'UNARY',
               'TENSOR_METHODS', 'float_power_', 'nan_to_num_']]
