"""Data types: PyTorch's dtype objects and its type-promotion rules.

Each dtype names the NumPy dtype that stores it. bfloat16 has no NumPy
counterpart, so its values live in float32 arrays, rounded to bfloat16's
precision after every operation (see `round_bfloat16`).
"""
import numpy as np

# promotion categories, in increasing order
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    __slots__ = ("name", "itemsize", "np", "category", "is_signed", "_rank", "__weakref__")

    def __init__(self, name, np_dtype, itemsize, category, is_signed, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = itemsize
        self.category = category
        self.is_signed = is_signed
        self._rank = rank  # position in the promotion lattice within a category

    @property
    def is_floating_point(self):
        return self.category == FLOAT

    @property
    def is_complex(self):
        return self.category == COMPLEX

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float64: complex128}.get(self, complex64) if self.category != COMPLEX else self

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, 1, BOOL, False, 0)
uint8 = dtype("uint8", np.uint8, 1, INT, False, 1)
int8 = dtype("int8", np.int8, 1, INT, True, 1)
int16 = dtype("int16", np.int16, 2, INT, True, 2)
int32 = dtype("int32", np.int32, 4, INT, True, 3)
int64 = dtype("int64", np.int64, 8, INT, True, 4)
float16 = dtype("float16", np.float16, 2, FLOAT, True, 1)
bfloat16 = dtype("bfloat16", np.float32, 2, FLOAT, True, 1)
float32 = dtype("float32", np.float32, 4, FLOAT, True, 2)
float64 = dtype("float64", np.float64, 8, FLOAT, True, 3)
complex64 = dtype("complex64", np.complex64, 8, COMPLEX, True, 2)
complex128 = dtype("complex128", np.complex128, 16, COMPLEX, True, 3)

# the names PyTorch's kernels use in their error messages ("... not implemented for 'Float'")
TITLE = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
         "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
         "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL if d is not bfloat16}

# PyTorch's aliases: torch.float is float32, torch.long is int64, ...
ALIASES = {
    "float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
    "short": int16, "cfloat": complex64, "cdouble": complex128, "bool": bool_,
    "uint8": uint8, "int8": int8, "int16": int16, "int32": int32, "int64": int64,
    "float16": float16, "bfloat16": bfloat16, "float32": float32, "float64": float64,
    "complex64": complex64, "complex128": complex128,
}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy(np_dtype):
    """The dtype that stores a NumPy dtype, or TypeError if PyTorch has none."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            "can't convert np.ndarray of type numpy.%s. The only supported types are: float64, "
            "float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
            % np.dtype(np_dtype).name) from None


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or d.category != FLOAT:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def default_complex():
    return complex128 if _default[0] is float64 else complex64


def promote_types(a, b):
    """The smallest dtype both a and b convert to without losing their category."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == COMPLEX and lo.category == FLOAT and lo is float64:
            return complex128
        return hi
    if a.category == INT:
        if a is uint8 or b is uint8:  # uint8 with a signed type: next signed type that holds both
            other = b if a is uint8 else a
            return int16 if other is int8 else other
        return a if a._rank > b._rank else b
    if a.category == FLOAT and {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


def can_cast(from_, to):
    """PyTorch's rule: casting may not lower the category (float -> int, int -> bool)."""
    return from_.category <= to.category


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number wrapped as a tensor."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default[0]
    if isinstance(value, complex):
        return default_complex()
    if isinstance(value, np.generic):
        return from_numpy(value.dtype)
    raise TypeError("expected a number, got %s" % type(value).__name__)


def _combine(higher, lower):
    """Merge two partial results of different priority (see result_type)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOAT else lower
    if higher.category == FLOAT:
        return higher
    if higher is bool_ or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def result_dtype(dim_dtypes, zero_dim_dtypes=(), scalars=()):
    """PyTorch's result type: tensors with dimensions decide, then 0-dim
    tensors, then Python scalars, each only where it raises the category."""
    dim = zero = wrapped = None
    for d in dim_dtypes:
        dim = d if dim is None else promote_types(dim, d)
    for d in zero_dim_dtypes:
        zero = d if zero is None else promote_types(zero, d)
    for s in scalars:
        d = scalar_dtype(s)
        wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def to_float(d):
    """Integers and bool compute in the default float dtype (sqrt, exp, true division)."""
    return d if d.category >= FLOAT else _default[0]


def round_bfloat16(a):
    """Round a float32 array to bfloat16 precision (nearest, ties to even), in float32."""
    if a.dtype != np.float32:
        a = a.astype(np.float32)
    bits = a.view(np.uint32)
    rounded = (bits + (np.uint32(0x7FFF) + ((bits >> 16) & 1))) & np.uint32(0xFFFF0000)
    # NaN must stay NaN (rounding could carry into the exponent and give inf)
    rounded = np.where(np.isnan(a), bits | np.uint32(0x400000), rounded)
    return rounded.astype(np.uint32).view(np.float32)


_CPP_NAME = {"bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t",
             "int32": "int32_t", "int64": "int64_t", "float16": "c10::Half",
             "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
             "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
              "float32": 3.4028234663852886e38}


def _overflows(lo, hi, d):
    """Whether numbers in [lo, hi] overflow dtype d (c10's checked conversion:
    inf and NaN fit floats; unsigned types accept negatives down to -max)."""
    if d.category == FLOAT:
        m = _FLOAT_MAX.get(d.name)
        return m is not None and ((m < hi < float("inf")) or (-float("inf") < lo < -m))
    if d.category == INT:
        info = np.iinfo(d.np)
        low = info.min if d.is_signed else -int(info.max)
        return hi > info.max or lo < low
    return False


def check_scalar(value, d):
    """PyTorch's RuntimeError for a Python number that does not fit dtype d."""
    if isinstance(value, bool) or isinstance(value, complex) or d is bool_:
        return
    if _overflows(value, value, d):
        raise RuntimeError("value cannot be converted to type %s without overflow" % _CPP_NAME[d.name])
