"""PyTorch-compatible CPU random number streams, in NumPy.

`Generator` reproduces the CPU generator of PyTorch 2.13 bit for bit: the
MT19937 engine with its seeding, the cached double-precision normal sample,
the 5056-byte `get_rng_state()` layout, and the exact sampling arithmetic of
every CPU distribution kernel (uniform, normal, integers, randperm,
bernoulli, exponential, multinomial, geometric, cauchy, log-normal).
See shared/notes/rng.md for the algorithms.

The engine is NumPy's `MT19937` bit generator (its `random_raw` yields the
same 32-bit words as PyTorch's `mt19937`); the state is loaded through the
public `.state` property.  Everything is vectorised; where PyTorch calls
glibc's double-precision `log`/`log1p`/`sin`/`cos`/`tan`/`exp`, the `math`
module (which calls the same libm functions) is mapped over the elements.

Samplers return 1-D arrays in the storage dtype: float16 -> np.float16,
'bfloat16' -> np.float32 holding values rounded to bfloat16.
"""
import math
import os
import struct

import numpy as np

__all__ = ["Generator", "default_generator"]

_DEFAULT_SEED = 67280421310721
_N = 624
_U64 = 1 << 64
_STATE_SIZE = 5056
_HEAD = struct.Struct("<QiiQ")          # seed, left, seeded, next
_TAIL = struct.Struct("<dddi4xf?3x")     # normal_x, normal_y, normal_rho, valid, float normal, valid

_FLOATS = ("float16", "bfloat16", "float32", "float64")
_INTS = ("bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64")
_NP = {
    "float16": np.float16, "bfloat16": np.float32, "float32": np.float32, "float64": np.float64,
    "bool": np.bool_, "uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
}
_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "long": "int64",
            "int": "int32", "short": "int16", "bool_": "bool"}
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_FMAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
         "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}
_ILIMITS = {"bool": (0, 1), "uint8": (0, 255), "int8": (-128, 127), "int16": (-32768, 32767),
            "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1),
            "uint16": (0, 65535), "uint32": (0, 2 ** 32 - 1), "uint64": (0, 2 ** 63 - 1)}

_TWO_PI = 2.0 * math.pi
# elements per pass of the bernoulli sampler (its temporaries stay in cache)
_BERNOULLI_CHUNK = 1 << 16


def _name(dtype_name):
    name = getattr(dtype_name, "name", dtype_name)
    name = _ALIASES.get(name, name)
    if name not in _NP:
        raise TypeError("unsupported dtype for random sampling: %r" % (dtype_name,))
    return name


def _float_name(dtype_name, what):
    name = _name(dtype_name)
    if name not in _FLOATS:
        raise RuntimeError('"%s" not implemented for \'%s\'' % (what, _torch_type_name(name)))
    return name


def _torch_type_name(name):
    return {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
            "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
            "int64": "Long", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}[name]


# ----------------------------------------------------------------------------- rounding helpers

def _round_bf16(x):
    """float32 array -> float32 array rounded to bfloat16 (nearest-even, NaN -> canonical NaN)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    b = x.view(np.uint32)
    r = (b + (((b >> 16) & np.uint32(1)) + np.uint32(0x7FFF))) & np.uint32(0xFFFF0000)
    out = r.view(np.float32)
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.uint32(0x7FC00000).view(np.float32)
    return out


def _from_f32(x32, name):
    """float32 op-math values -> storage dtype (float32 / float16 / bfloat16)."""
    if name == "float32":
        return x32
    if name == "float16":
        with np.errstate(over="ignore", invalid="ignore"):
            return x32.astype(np.float16)
    return _round_bf16(x32)


def _from_f64(x64, name):
    """double values -> storage dtype with C++ static_cast semantics (half/bf16 go via float)."""
    if name == "float64":
        return x64
    if name in _FLOATS:
        with np.errstate(over="ignore", invalid="ignore"):
            return _from_f32(x64.astype(np.float32), name)
    if name == "bool":
        return x64 != 0
    return x64.astype(_NP[name])


def _from_i64(v, name):
    """int64 values -> dtype (static_cast<T>(int64_t))."""
    if name == "int64":
        return v
    if name == "bool":
        return v != 0
    if name in ("float16", "bfloat16"):
        return _from_f32(v.astype(np.float32), name)
    return v.astype(_NP[name])


def _cast_scalar_f(value, name):
    """A Python float cast to dtype `name` (as a float) the way C++ does it."""
    if name == "float64":
        return float(value)
    v = np.array([value], dtype=np.float64)
    return float(_from_f64(v, name)[0])


def _fma32(a, b, c):
    """fmaf emulation: the product of two floats is exact in double; one rounding to float."""
    return (np.asarray(a, np.float64) * b + c).astype(np.float32)


_SPLIT = 134217729.0  # 2**27 + 1


def _split(a):
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a, b, c):
    """Correctly rounded fma(a, b, c) for float64 arrays/scalars (b, c may be scalars).

    Error-free TwoProduct + TwoSum, then the low parts are added with rounding to odd
    (Boldo & Melquiond), which makes the final addition correctly rounded.
    """
    a = np.asarray(a, dtype=np.float64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b, dtype=np.float64))
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = c + p
    bb = s - c
    t = (c - (s - bb)) + (p - bb)
    v = t + e
    vb = v - t
    err = (t - (v - vb)) + (e - vb)
    fix = (err != 0) & ((np.asarray(v).view(np.int64) & 1) == 0)
    if np.any(fix):
        v = np.array(v, dtype=np.float64)
        fix = np.broadcast_to(fix, v.shape)
        errb = np.broadcast_to(err, v.shape)
        v[fix] = np.nextafter(v[fix], np.where(errb[fix] > 0, np.inf, -np.inf))
    r = s + v
    bad = ~np.isfinite(r)
    if np.any(bad):  # overflow inside the splitting: fall back to the plain formula there
        plain = np.asarray(p + c, dtype=np.float64)
        r = np.array(r, dtype=np.float64)
        r[bad] = np.broadcast_to(plain, r.shape)[bad]
    return r


def _map(fn, x):
    """Apply a `math` function (glibc libm) elementwise to a float64 array."""
    x = np.asarray(x, dtype=np.float64)
    return np.fromiter(map(fn, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


# ----------------------------------------------------------------------------- Cephes float32 (avx_mathfun.h)

def _c(v):
    return np.float64(np.float32(v))


_SQRTHF = np.float32(0.707106781186547524)
_LOG_P = [_c(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                          1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                          3.3333331174E-1)]
_LOG_Q1 = np.float32(-2.12194440e-4)
_LOG_Q2 = _c(0.693359375)
_FOPI = np.float32(1.27323954473516)
_MDP1 = _c(-0.78515625)
_MDP2 = _c(-2.4187564849853515625e-4)
_MDP3 = _c(-3.77489497744594108e-8)
_SIN_P = [_c(v) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]
_COS_P = [_c(v) for v in (2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002)]
_TWO_PI_F = np.float32(2.0 * math.pi)
_HALF_F = np.float32(0.5)
_ONE_F = np.float32(1.0)


def _log_ps(x):
    """log256_ps for positive normal float32 inputs, with GCC's FMA contraction pattern."""
    bits = x.view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 127).astype(np.float32) + _ONE_F
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    mask = x < _SQRTHF
    tmp = np.where(mask, x, np.float32(0))
    x = x - _ONE_F
    e = e - mask.astype(np.float32)
    x = x + tmp
    z = x * x
    y = _fma32(x, _LOG_P[0], _LOG_P[1])  # p0 * x + p1
    for p in _LOG_P[2:]:
        y = _fma32(y, x, p)
    y = y * x
    y = _fma32(y, z, e * _LOG_Q1)
    y = _fma32(z, -0.5, y)
    return _fma32(e, _LOG_Q2, x + y)


def _sincos_ps(x):
    """sincos256_ps for non-negative float32 inputs, with GCC's FMA contraction pattern."""
    j = (x * _FOPI).astype(np.int32)
    j = (j + 1) & ~np.int32(1)
    y = j.astype(np.float32)
    swap_sin = (j & 4) != 0
    poly = (j & 2) == 0
    neg_cos = ((~(j - 2)) & 4) != 0
    x = _fma32(y, _MDP1, x)
    x = _fma32(y, _MDP2, x)
    x = _fma32(y, _MDP3, x)
    z = x * x
    yc = _fma32(z, _COS_P[0], _COS_P[1])
    yc = _fma32(yc, z, _COS_P[2])
    yc = yc * z
    yc = _fma32(yc, z, -(z * _HALF_F))
    yc = yc + _ONE_F
    ys = _fma32(z, _SIN_P[0], _SIN_P[1])
    ys = _fma32(ys, z, _SIN_P[2])
    ys = ys * z
    ys = _fma32(ys, x, x)
    s = np.where(poly, ys, yc)
    c = np.where(poly, yc, ys)
    s = np.where(swap_sin, -s, s)
    c = np.where(neg_cos, -c, c)
    return s, c


def _box_muller16_f32(blocks, mean, std):
    """NormalFill16<float> (AVX2) on an (k, 16) float32 array of uniforms."""
    u1 = _ONE_F - blocks[:, :8]
    u2 = blocks[:, 8:]
    radius = np.sqrt(np.float32(-2.0) * _log_ps(np.ascontiguousarray(u1)))
    theta = _TWO_PI_F * u2
    s, c = _sincos_ps(np.ascontiguousarray(theta))
    out = np.empty(blocks.shape, dtype=np.float32)
    m = np.float64(np.float32(mean))
    sd = np.float64(np.float32(std))
    out[:, :8] = _fma32(radius * c, sd, m)
    out[:, 8:] = _fma32(radius * s, sd, m)
    return out


def _box_muller16_f64(blocks, mean, std):
    """NormalFill16<double> on an (k, 16) float64 array of uniforms (glibc log/cos/sin)."""
    u1 = 1.0 - blocks[:, :8]
    u2 = blocks[:, 8:]
    radius = np.sqrt(-2.0 * _map(math.log, u1))
    theta = _TWO_PI * u2
    out = np.empty(blocks.shape, dtype=np.float64)
    out[:, :8] = _fma64(radius * _map(math.cos, theta), float(std), float(mean))
    out[:, 8:] = _fma64(radius * _map(math.sin, theta), float(std), float(mean))
    return out


# ----------------------------------------------------------------------------- seeding

def _seed_key(s32):
    w = [0] * _N
    w[0] = s32
    prev = s32
    for j in range(1, _N):
        prev = (1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF
        w[j] = prev
    return np.array(w, dtype=np.uint32)


def _nondeterministic_seed():
    # like c10::detail::getNonDeterministicRandom: 64 random bits masked to 53
    return int.from_bytes(os.urandom(8), "little") & ((1 << 53) - 1)


class Generator:
    """PyTorch's CPU generator: MT19937 plus the cached double normal."""

    def __init__(self, device="cpu"):
        self.device = device
        self._mt = None            # np.random.MT19937, created on first draw
        self._pending = None       # (key, pos) to load into _mt before the next draw
        self._exhausted_next = 0   # torch's `next` while NumPy's pos == 624 (0 right after seeding)
        self._seed = 0
        self._double_normal = None
        self._float_normal = None  # never used by CPU kernels; kept for get/set_state round trips
        self.manual_seed(_DEFAULT_SEED)

    # -- seeding / state -------------------------------------------------------------------------

    def manual_seed(self, seed):
        if isinstance(seed, (bool, np.bool_)):
            seed = int(seed)
        try:
            seed = seed.__index__()
        except AttributeError:
            raise TypeError("manual_seed expected a long, but got %s" % type(seed).__name__) from None
        if not -(1 << 63) <= seed < _U64:
            raise RuntimeError("Overflow when unpacking long")
        seed %= _U64
        self._seed = seed
        self._pending = (_seed_key(seed & 0xFFFFFFFF), _N)
        self._exhausted_next = 0
        self._double_normal = None
        self._float_normal = None
        return self

    def seed(self):
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def _engine(self):
        if self._mt is None:
            self._mt = np.random.MT19937(0)
        if self._pending is not None:
            key, pos = self._pending
            self._mt.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
            self._pending = None
        return self._mt

    def _key_pos(self):
        if self._pending is not None:
            key, pos = self._pending
            return np.asarray(key, dtype=np.uint32), int(pos)
        st = self._mt.state["state"]
        return np.asarray(st["key"], dtype=np.uint32), int(st["pos"])

    def get_state_bytes(self):
        key, pos = self._key_pos()
        if pos >= _N:
            nxt, left = self._exhausted_next, 1
        else:
            nxt, left = pos, _N + 1 - pos
        dn = self._double_normal
        fn = self._float_normal
        return b"".join((
            _HEAD.pack(self._seed, left, 1, nxt),
            key.astype("<u8").tobytes(),
            _TAIL.pack(0.0, 0.0 if dn is None else dn, 0.0, 0 if dn is None else 1,
                       0.0 if fn is None else fn, fn is not None),
        ))

    def set_state_bytes(self, data):
        if isinstance(data, np.ndarray):
            if data.dtype != np.uint8:
                raise RuntimeError("expected a torch.ByteTensor, but got %s" % data.dtype)
            data = data.tobytes()
        data = bytes(data)
        size = len(data)
        if size != _STATE_SIZE:
            raise RuntimeError("Expected a CPUGeneratorImplState of size %d but found the input RNG "
                               "state size to be %d" % (_STATE_SIZE, size))
        seed, left, seeded, nxt = _HEAD.unpack_from(data, 0)
        nxt &= 0xFFFFFFFF
        key = (np.frombuffer(data, dtype="<u8", count=_N, offset=_HEAD.size)
               & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        off = _HEAD.size + 8 * _N
        if seeded == 0 or not (0 < left <= _N) or nxt > _N:
            raise RuntimeError("Invalid mt19937 state")
        nx, ny, rho, valid, fval, fvalid = _TAIL.unpack_from(data, off)
        dn = ny if valid else None
        fn = float(np.float32(fval)) if fvalid else None
        if left == 1:
            pos = _N
        else:
            pos = nxt
        self._pending = (key, pos)
        self._exhausted_next = nxt if left == 1 else _N
        self._seed = seed
        self._double_normal = dn
        self._float_normal = fn

    # -- raw draws -------------------------------------------------------------------------------

    def _raw(self, n):
        """n 32-bit draws as a uint64 array."""
        n = int(n)
        if n <= 0:
            return np.empty(0, dtype=np.uint64)
        out = self._engine().random_raw(n)
        self._exhausted_next = _N
        return out

    def random32(self, n):
        return self._raw(n).astype(np.uint32)

    def random64(self, n):
        raw = self._raw(2 * int(n))
        return (raw[0::2] << np.uint64(32)) | raw[1::2]

    def _uniform24(self, n):
        return (self._raw(n) & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)

    def _uniform53(self, n):
        raw = self._raw(2 * int(n))
        v = ((raw[0::2] & np.uint64(0x1FFFFF)) << np.uint64(32)) | raw[1::2]
        return v.astype(np.float64) * (2.0 ** -53)

    # -- uniform ---------------------------------------------------------------------------------

    def uniform(self, n, dtype_name, low=0.0, high=1.0):
        name = _float_name(dtype_name, "check_uniform_bounds")
        low = float(low)
        high = float(high)
        fmax = _FMAX[name]
        if not -fmax <= low <= fmax:
            raise RuntimeError("from is out of bounds for %s" % name)
        if not -fmax <= high <= fmax:
            raise RuntimeError("to is out of bounds for %s" % name)
        if not low <= high:
            raise RuntimeError("uniform_ expects to return a [from, to) range, but found from=%s > to=%s"
                               % (low, high))
        if not high - low <= fmax:
            raise RuntimeError("uniform_ expects to-from <= std::numeric_limits<%s>::max(), but found "
                               "to=%s and from=%s which result in to-from to exceed the limit"
                               % (_torch_type_name(name), high, low))
        n = int(n)
        if n <= 0:
            return np.empty(0, dtype=_NP[name])
        if name == "float64":
            x = self._uniform53(n)
            d = high - low
            v = x if (low == 0.0 and d == 1.0) else _fma64(x, d, low)
        else:
            x = self._uniform24(n)
            a = np.float32(low)
            d = np.float32(np.float32(high) - a)
            if a == 0 and d == 1:
                v = x
            else:
                v = _fma32(x, np.float64(d), np.float64(a))
            v = _from_f32(v, name)
        to_s = _cast_scalar_f(high, name)
        hit = v == to_s
        if hit.any():
            v[hit] = _cast_scalar_f(low, name)
        return v

    # -- normal ----------------------------------------------------------------------------------

    def _std_normals(self, n):
        """n draws of normal_distribution<double>(0, 1) (the scalar path, with the cache)."""
        out = np.empty(n, dtype=np.float64)
        i = 0
        if n and self._double_normal is not None:
            out[0] = self._double_normal
            self._double_normal = None
            i = 1
        m = n - i
        pairs = (m + 1) // 2
        if pairs:
            u = self._uniform53(2 * pairs)
            u1 = u[0::2]
            u2 = u[1::2]
            r = np.sqrt(-2.0 * _map(math.log1p, -u2))
            theta = _TWO_PI * u1
            cs = np.empty(2 * pairs, dtype=np.float64)
            cs[0::2] = r * _map(math.cos, theta)
            cs[1::2] = r * _map(math.sin, theta)
            out[i:] = cs[:m]
            if m % 2:
                self._double_normal = float(cs[-1])
        return out

    def _scalar_normal(self, n, mean, std):
        return _fma64(self._std_normals(n), float(std), float(mean))

    def normal(self, n, dtype_name, mean=0.0, std=1.0, contiguous=True):
        name = _float_name(dtype_name, "normal_kernel_cpu")
        mean = float(mean)
        std = float(std)
        if not std >= 0.0:
            raise RuntimeError("normal expects std >= 0.0, but found std %s" % std)
        n = int(n)
        if n <= 0:
            return np.empty(0, dtype=_NP[name])
        if n < 16 or not contiguous:
            return _from_f64(self._scalar_normal(n, mean, std), name)
        full = n // 16
        tail = n % 16 != 0
        if name == "float64":
            u = self._uniform53(n)
            out = np.empty(n, dtype=np.float64)
            out[:16 * full] = _box_muller16_f64(u[:16 * full].reshape(full, 16), mean, std).ravel()
            if tail:
                out[n - 16:] = _box_muller16_f64(self._uniform53(16).reshape(1, 16), mean, std).ravel()
            return out
        if name == "float32":
            u = self._uniform24(n)[:16 * full]
            if tail:
                u = np.concatenate((u, self._uniform24(16)))
        else:
            u = self._uniform24(16 * (full + tail))
        res = _box_muller16_f32(u.reshape(-1, 16), mean, std).ravel()
        out = np.empty(n, dtype=np.float32)
        out[:16 * full] = res[:16 * full]
        if tail:
            out[n - 16:] = res[16 * full:]
        return _from_f32(out, name)

    def log_normal(self, n, dtype_name, mean=1.0, std=2.0):
        name = _float_name(dtype_name, "log_normal_cpu")
        if not float(std) > 0.0:
            raise RuntimeError("log_normal_ expects std > 0.0, but found std=%s" % float(std))
        n = int(n)
        if n <= 0:
            return np.empty(0, dtype=_NP[name])
        return _from_f64(_map(math.exp, self._scalar_normal(n, mean, std)), name)

    # -- integers --------------------------------------------------------------------------------

    def random_(self, n, dtype_name, low=None, high=None):
        """Tensor.random_() / random_(from, to) / randint(low, high).

        low=None, high=None: random_();  low=None, high=h: [0, h);  low=l, high=h: [l, h);
        low=l, high=None: torch's random_(from=l, to=None), i.e. [l, max of dtype]
        (with l = -2**63 the full 64-bit range).
        """
        name = _name(dtype_name)
        n = int(n)
        if low is None and high is None:
            return self._random_default(n, name)
        frm = 0 if low is None else int(low)
        if high is not None:
            to = int(high)
            if not frm < to:
                raise RuntimeError("random_ expects 'from' to be less than 'to', but got from=%d >= to=%d"
                                   % (frm, to))
            if name in _FLOATS:
                frm = _update_from(frm, name)
                to = _update_to(to, name)
                if not frm < to:
                    raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted "
                                       "to dtype, but got from=%d >= to=%d" % (frm, to))
            _check_from_to(frm, to - 1, name)
            rng = (to - frm) % _U64
        elif frm != -(1 << 63):
            if name in _FLOATS:
                to_inc = min(1 << _DIGITS[name], (1 << 63) - 1)
                frm = _update_from(frm, name)
                if not frm < to_inc:
                    raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to "
                                       "'to_inc' casted to dtype, but got from=%d > to_inc=%d" % (frm, to_inc))
            else:
                to_inc = _ILIMITS[name][1]
            _check_from_to(frm, to_inc, name)
            rng = (to_inc - frm + 1) % _U64
        else:
            if name not in ("int64", "float64", "float32", "bfloat16"):
                raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, "
                                   "float and bfloat16")
            return _from_i64(self.random64(n).view(np.int64), name)
        if n <= 0:
            return np.empty(0, dtype=_NP[name])
        draws = self.random64(n) if rng >= (1 << 28) else self._raw(n)
        v = (draws % np.uint64(rng)) + np.uint64(frm % _U64)
        return _from_i64(v.view(np.int64), name)

    def _random_default(self, n, name):
        if n <= 0:
            return np.empty(0, dtype=_NP[name])
        if name == "int64":
            return (self.random64(n) % np.uint64(1 << 63)).view(np.int64)
        if name == "float64":
            return (self.random64(n) % np.uint64((1 << 53) + 1)).astype(np.float64)
        if name in ("uint16", "uint32", "uint64"):
            raise RuntimeError('"random_kernel_cpu" not implemented for \'%s\'' % _torch_type_name(name))
        raw = self._raw(n)
        if name == "bool":
            return (raw & np.uint64(1)).astype(np.bool_)
        if name in _FLOATS:
            v = (raw % np.uint64((1 << _DIGITS[name]) + 1)).astype(np.float32)
            return _from_f32(v, name)
        return (raw % np.uint64(_ILIMITS[name][1] + 1)).astype(_NP[name])

    def randperm(self, n):
        n = int(n)
        if n < 0:
            raise RuntimeError("n must be non-negative, got%d" % n)
        if n < 0xFFFFFFFF // 20:
            if n <= 1:
                return np.arange(n, dtype=np.int64)
            z = self._raw(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)
            return _swap_shuffle(z.astype(np.int64) + np.arange(n - 1, dtype=np.int64))
        # inside-out Fisher-Yates with 64-bit draws
        z = (self.random64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        r = [0] * n
        for i, k in enumerate(z):
            r[i] = r[k]
            r[k] = i
        return np.array(r, dtype=np.int64)

    # -- bernoulli / exponential / geometric / cauchy --------------------------------------------

    def bernoulli_scalar(self, n, p, dtype_name, out=None, scale=None):
        """n draws of bernoulli(p) (uniform53 < p, one 64-bit draw each) in the
        dtype's storage type. `out`: a contiguous 1-D array of that type to fill
        (returned). `scale`: write mask * scale instead of the mask (dropout's
        noise in one pass; scale is a value of the storage type)."""
        name = _name(dtype_name)
        p = float(p)
        if not 0 <= p <= 1:
            raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=%s" % p)
        n = int(n)
        if out is None:
            out = np.empty(n, dtype=_NP[name])
        if n <= 0:
            return out
        # u = v * 2**-53 with v = (hi & (2**21 - 1)) * 2**32 + lo, the 53-bit integer of a
        # 64-bit draw (hi first). u < p  <=>  v < p * 2**53 (exact: a power-of-two
        # scaling)  <=>  v < V = ceil(p * 2**53), decided on the 32-bit words:
        # hi21 < Vh, or hi21 == Vh and lo < Vl (rare: about one draw in 2**21).
        V = math.ceil(p * 9007199254740992.0)
        Vh, Vl = np.uint64(V >> 32), np.uint64(V & 0xFFFFFFFF)
        mask21 = np.uint64(0x1FFFFF)
        mt = self._engine()
        chunk = min(n, _BERNOULLI_CHUNK)
        key = np.empty(chunk, np.uint64)
        bits = np.empty(chunk, np.bool_)
        for i in range(0, n, chunk):
            m = min(chunk, n - i)
            raw = mt.random_raw(2 * m)
            k = key[:m]
            b = bits[:m]
            np.bitwise_and(raw[0::2], mask21, out=k)
            np.less(k, Vh, out=b)
            if Vl:
                eq = np.flatnonzero(k == Vh)
                if eq.size:
                    b[eq] = raw[1::2][eq] < Vl
            if scale is None:
                np.copyto(out[i:i + m], b, casting="unsafe")
            else:
                np.multiply(b, scale, out=out[i:i + m], casting="unsafe")
        self._exhausted_next = _N
        return out

    def bernoulli_tensor(self, probs, dtype_name, probs_dtype_name):
        name = _name(dtype_name)
        pname = _float_name(probs_dtype_name, "bernoulli_tensor_cpu_p_")
        p = np.asarray(probs).ravel()
        if p.size == 0:
            return np.empty(0, dtype=_NP[name])
        if pname == "float64":
            p = p.astype(np.float64, copy=False)
        else:
            p = p.astype(np.float32)
        if not ((p >= 0) & (p <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                               "(Could this error message be improved?  If so, please report an "
                               "enhancement request to PyTorch.)")
        u = self._uniform53(p.size) if pname == "float64" else self._uniform24(p.size)
        return _from_bool(u < p, name)

    def exponential(self, n, lambd, dtype_name):
        name = _name(dtype_name)
        if name not in _FLOATS:
            raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                               "dtype must be a floating point but you specified %s" % name)
        lambd = float(lambd)
        if not lambd > 0.0:
            raise RuntimeError("exponential_ expects lambda > 0.0, but found lambda=%s" % lambd)
        n = int(n)
        u = self._uniform53(n)
        return _from_f64((-1.0 / lambd) * _map(math.log1p, -u), name)

    def geometric(self, n, p, dtype_name):
        name = _name(dtype_name)
        p = float(p)
        if not 0 < p < 1:
            raise RuntimeError("geometric_ expects p to be in (0, 1), but got p=%s" % p)
        n = int(n)
        u = self._uniform53(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.ceil(_map(_log0, u) / math.log1p(-p))
        if name in _FLOATS:
            return _from_f64(v, name)
        with np.errstate(invalid="ignore"):
            return _from_i64(v.astype(np.int64), name)

    def cauchy(self, n, dtype_name, median=0.0, sigma=1.0):
        name = _name(dtype_name)
        sigma = float(sigma)
        if not sigma > 0.0:
            raise RuntimeError("cauchy_ expects sigma > 0.0, but found sigma=%s" % sigma)
        if name not in _FLOATS:
            raise RuntimeError("Cauchy distribution is a continuous probability distribution. "
                               "dtype must be a floating point but you specified %s" % name)
        n = int(n)
        u = self._uniform53(n)
        t = _map(math.tan, math.pi * (u - 0.5))
        return _from_f64(_fma64(t, sigma, float(median)), name)

    # -- multinomial -----------------------------------------------------------------------------

    def multinomial(self, probs, num_samples, replacement, probs_dtype_name):
        pname = _name(probs_dtype_name)
        if pname not in _FLOATS:
            raise RuntimeError("multinomial only supports floating-point dtypes for input, got: %s"
                               % _torch_type_name(pname))
        P = np.asarray(probs)
        if P.ndim not in (1, 2):
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        n_sample = int(num_samples)
        if n_sample <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        ncat = P.shape[-1]
        if not replacement and n_sample > ncat:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if ncat > (1 << 24):
            raise RuntimeError("number of categories cannot exceed 2^24")
        shape = (n_sample,) if P.ndim == 1 else (P.shape[0], n_sample)
        if P.size == 0 or (P.ndim == 2 and P.shape[0] == 0):
            return np.empty(shape, dtype=np.int64)
        P2 = P.reshape(-1, ncat)
        if not replacement or n_sample == 1:
            with np.errstate(invalid="ignore"):
                ok = bool(np.all(P2 >= 0)) and bool(np.all(P2 < np.inf))
            if not ok:
                raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
            if not np.all(np.any(P2 > 0, axis=1)):
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            q = self.exponential(P2.size, 1.0, pname).reshape(P2.shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = P2.astype(_NP[pname]) / q
            if pname == "bfloat16":
                r = _round_bf16(r).reshape(P2.shape)
            if n_sample == 1:
                idx = np.argmax(r, axis=1)[:, None]
            else:
                idx = np.stack([_topk_indices(row, n_sample) for row in r.astype(np.float64)])
            return idx.astype(np.int64).reshape(shape)
        # with replacement: sequential cumulative sums, binary search per uniform53 sample
        acc = np.float64 if pname == "float64" else np.float32
        P2 = P2.astype(acc)
        with np.errstate(invalid="ignore"):
            if not np.all(P2 >= 0):
                raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if not np.all(np.isfinite(P2)):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = "
                               "infinity or NaN)")
        cum = np.cumsum(P2, axis=1, dtype=acc)
        tot = cum[:, -1:].copy()
        if not np.all(tot > 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cum /= tot
        cum[:, -1] = 1
        u = self._uniform53(P2.shape[0] * n_sample).reshape(P2.shape[0], n_sample)
        out = np.empty((P2.shape[0], n_sample), dtype=np.int64)
        cum64 = cum.astype(np.float64)
        for i in range(P2.shape[0]):
            out[i] = np.searchsorted(cum64[i], u[i], side="left")
        return out.reshape(shape)


# ----------------------------------------------------------------------------- topk (libstdc++ order)
#
# torch.topk on CPU fills (value, index) pairs and runs std::partial_sort (k * 64 <= n) or
# std::nth_element + std::sort of the first k - 1, comparing values only.  The order of equal
# values is therefore whatever libstdc++'s algorithms leave; they are emulated below for rows
# with ties (rows without ties have a unique answer, taken from NumPy's sort).

def _gt(x, y):
    a = x[0]
    b = y[0]
    return a > b or (a != a and b == b)


def _insertion_sort(a, first, last):
    if first == last:
        return
    for i in range(first + 1, last):
        v = a[i]
        if _gt(v, a[first]):
            a[first + 1:i + 1] = a[first:i]
            a[first] = v
        else:
            _linear_insert(a, i, v)


def _linear_insert(a, last, v):
    nxt = last - 1
    while _gt(v, a[nxt]):
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = v


def _partition_pivot(a, first, last):
    mid = first + (last - first) // 2
    x, y, z = first + 1, mid, last - 1
    if _gt(a[x], a[y]):
        if _gt(a[y], a[z]):
            m = y
        elif _gt(a[x], a[z]):
            m = z
        else:
            m = x
    elif _gt(a[x], a[z]):
        m = x
    elif _gt(a[y], a[z]):
        m = z
    else:
        m = y
    a[first], a[m] = a[m], a[first]
    pivot = a[first]
    lo, hi = first + 1, last
    while True:
        while _gt(a[lo], pivot):
            lo += 1
        hi -= 1
        while _gt(pivot, a[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _adjust_heap(a, first, hole, length, value):
    top = hole
    second = hole
    while second < (length - 1) // 2:
        second = 2 * (second + 1)
        if _gt(a[first + second], a[first + second - 1]):
            second -= 1
        a[first + hole] = a[first + second]
        hole = second
    if (length & 1) == 0 and second == (length - 2) // 2:
        second = 2 * (second + 1)
        a[first + hole] = a[first + second - 1]
        hole = second - 1
    parent = (hole - 1) // 2
    while hole > top and _gt(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _heap_select(a, first, middle, last):
    length = middle - first
    if length >= 2:
        parent = (length - 2) // 2
        while True:
            _adjust_heap(a, first, parent, length, a[first + parent])
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if _gt(a[i], a[first]):
            v = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, length, v)


def _partial_sort(a, first, middle, last):
    _heap_select(a, first, middle, last)
    while middle - first > 1:
        middle -= 1
        v = a[middle]
        a[middle] = a[first]
        _adjust_heap(a, first, 0, middle - first, v)


def _introsort_loop(a, first, last, depth):
    while last - first > 16:
        if depth == 0:
            _partial_sort(a, first, last, last)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last)
        _introsort_loop(a, cut, last, depth)
        last = cut


def _std_sort(a, first, last):
    if first == last:
        return
    _introsort_loop(a, first, last, ((last - first).bit_length() - 1) * 2)
    if last - first > 16:
        _insertion_sort(a, first, first + 16)
        for i in range(first + 16, last):
            _linear_insert(a, i, a[i])
    else:
        _insertion_sort(a, first, last)


def _nth_element(a, first, nth, last):
    if first == last or nth == last:
        return
    depth = ((last - first).bit_length() - 1) * 2
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last)


def _topk_indices(row, k):
    """Indices of torch.topk(row, k) (largest, sorted) for a 1-D float64 row."""
    n = row.shape[0]
    order = np.argsort(-row, kind="stable")
    head = row[order[:k + 1]]
    if not (head[1:] == head[:-1]).any() and not np.isnan(row).any():
        return order[:k]
    q = list(zip(row.tolist(), range(n)))
    if k * 64 <= n:
        _partial_sort(q, 0, k, n)
    else:
        _nth_element(q, 0, k - 1, n)
        _std_sort(q, 0, k - 1)
    return np.array([j for _, j in q[:k]], dtype=np.int64)


def _swap_shuffle(k):
    """arange(n) after `for i in range(n - 1): swap(r[i], r[k[i]])` (k[i] >= i), vectorised.

    Position i is final after step i.  Let D[i] be the value at position i just before
    step i.  Position p >= i only changes at steps j with k[j] == p, when it receives D[j];
    so D[i] = D[last j < i with k[j] == i] (or i), and step i takes out[i] = D[previous j
    with the same target k[i]] (or k[i] itself when none).  D is resolved by pointer jumping.
    """
    m = k.size
    n = m + 1
    j = np.arange(m, dtype=np.int64)
    order = np.argsort(k * n + j)          # by target, then by step (keys are unique)
    ks = k[order]
    newgrp = np.ones(m, dtype=bool)
    newgrp[1:] = ks[1:] != ks[:-1]
    endgrp = np.ones(m, dtype=bool)
    endgrp[:-1] = newgrp[1:]
    # p[i] = last j < i with k[j] == i, else i
    p = np.arange(n, dtype=np.int64)
    t_end = np.nonzero(endgrp)[0]
    c = ks[t_end]
    jl = order[t_end]
    self_last = jl == c                    # the step targeting itself is always last in its group
    use_pred = self_last & ~newgrp[t_end]
    src = np.where(use_pred, order[np.maximum(t_end - 1, 0)], jl)
    ok = ~self_last | use_pred
    p[c[ok]] = src[ok]
    while True:
        q = p[p]
        if np.array_equal(q, p):
            break
        p = q
    prev = np.empty(m, dtype=np.int64)
    prev[0] = 0
    prev[1:] = order[:-1]
    out = np.empty(n, dtype=np.int64)
    out[order] = np.where(newgrp, ks, p[prev])
    out[n - 1] = p[n - 1]
    return out


def _log0(x):
    return math.log(x) if x > 0 else -math.inf


def _from_bool(b, name):
    if name == "bool":
        return b
    if name == "bfloat16":
        return b.astype(np.float32)
    return b.astype(_NP[name])


def _to_int_via_dtype(v, name):
    """static_cast<int64_t>(static_cast<scalar_t>(v)) for an int v and a float dtype."""
    a = np.array([v], dtype=np.int64)
    if name == "float64":
        f = a.astype(np.float64)
    else:
        f = _from_f32(a.astype(np.float32), name).astype(np.float64)
    f = float(f[0])
    if not math.isfinite(f):
        return v
    return int(f)


def _update_from(frm, name):
    fp1 = _to_int_via_dtype(frm + 1, name)
    if fp1 < frm:
        n = max(abs(frm + 1).bit_length() - 1, 0)
        frm = fp1 + (1 << (n - _DIGITS[name] + 1))
    return frm


def _update_to(to, name):
    tm1 = _to_int_via_dtype(to - 1, name)
    if tm1 >= to:
        n = max(abs(to - 1).bit_length() - 1, 0)
        to = tm1 - (1 << (n - _DIGITS[name] + 1))
    return to


def _check_from_to(frm, to_inc, name):
    if name in _FLOATS:
        lo, hi = -_FMAX[name], _FMAX[name]
    else:
        lo, hi = _ILIMITS[name]
    if not lo <= frm <= hi:
        raise RuntimeError("from is out of bounds for %s" % name)
    if not lo <= to_inc <= hi:
        raise RuntimeError("to - 1 is out of bounds for %s" % name)


default_generator = Generator()
default_generator.manual_seed(_nondeterministic_seed())
