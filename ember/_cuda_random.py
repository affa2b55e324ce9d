"""The CUDA random-number generator: counter-based Philox4x32-10, as in PyTorch.

A draw needs no stored stream, only a key and a counter: element `i` of the
draw made at offset `o` gets the Philox block of counter (i, o) under the
key `seed`. The generator's whole state is therefore (seed, offset), 16
bytes, which is what `torch.cuda.get_rng_state()` returns and
`set_rng_state()` restores. That is what activation checkpointing needs to
replay a dropout mask, and what makes a seeded program repeat itself.

PyTorch uses the same algorithm, but its values also depend on how its
kernels are launched (threads per element, offsets per call), so they are
not reproduced here. Across devices no program can rely on equal draws:
PyTorch's own CPU and CUDA streams differ too.
"""
import numpy as np

from . import _cuda_kernels

DEFAULT_SEED = 67280421310721     # PyTorch's default CUDA seed

_M0, _M1 = 0xD2511F53, 0xCD9E8D57     # Philox4x32 multipliers
_W0, _W1 = 0x9E3779B9, 0xBB67AE85     # Weyl key increments


def _philox_body():
    """Straight-line C for Philox4x32-10 of counter (i, o0, o1) under key
    (k0, k1): leaves the four random words in r0..r3."""
    lines = ["unsigned int r0 = i;", "unsigned int r1 = i >> 32;", "unsigned int r2 = o0;",
             "unsigned int r3 = o1;", "unsigned int a0 = k0;", "unsigned int a1 = k1;",
             "unsigned int h0 = 0;", "unsigned int l0 = 0;", "unsigned int h1 = 0;", "unsigned int l1 = 0;"]
    for _ in range(10):
        lines += ["h0 = __umulhi(%d, r0); l0 = %d * r0;" % (_M0, _M0),
                  "h1 = __umulhi(%d, r2); l1 = %d * r2;" % (_M1, _M1),
                  "r0 = h1 ^ r1 ^ a0; r1 = l1; r2 = h0 ^ r3 ^ a1; r3 = l0;",
                  "a0 = a0 + %d; a1 = a1 + %d;" % (_W0, _W1)]
    return "\n".join(lines) + "\n"


_PHILOX = _philox_body()
_KEY = "uint32 k0, uint32 k1, uint32 o0, uint32 o1"

# Uniform in [0, 1) from the top bits of the words: 24 for float32, 53 for float64
# (written as products so that no C cast is needed).
_U01 = {np.float32: ("(r0 >> 8) * 5.9604644775390625e-08", "((r2 >> 8) + 1) * 5.9604644775390625e-08"),
        np.float64: ("((r0 >> 5) * 67108864.0 + (r1 >> 6)) * 1.1102230246251565e-16",
                     "((r2 >> 5) * 67108864.0 + (r3 >> 6) + 1) * 1.1102230246251565e-16")}
# (the second form is in (0, 1], for logarithms)


class Generator:
    """One device's generator: (seed, offset), advanced by one per draw."""

    def __init__(self, index=0):
        self.index = index
        self.seed = DEFAULT_SEED
        self.initial_seed = DEFAULT_SEED
        self.offset = 0

    def manual_seed(self, seed):
        self.seed = self.initial_seed = int(seed) % 2 ** 64
        self.offset = 0

    def get_state(self):
        return np.array([self.seed, self.offset], dtype="<u8").view(np.uint8).copy()

    def set_state(self, state):
        state = np.asarray(state, dtype=np.uint8)
        if state.size != 16:
            raise RuntimeError("RNG state is wrong size")
        self.seed, self.offset = (int(v) for v in state.view("<u8"))

    def _key(self):
        o = self.offset
        self.offset += 1
        return (self.seed & 0xFFFFFFFF, self.seed >> 32, o & 0xFFFFFFFF, (o >> 32) & 0xFFFFFFFF)

    def _draw(self, name, params, out_type, formula, shape, dtype, *args):
        k = _cuda_kernels._kernel(name, _KEY + params, "%s out" % out_type, _PHILOX + formula)
        from ._backends import cupy
        out = cupy().empty(shape, dtype)
        k(*self._key(), *args, out)
        return out

    def uniform(self, shape, dtype, low=0.0, high=1.0):
        """Floats in [low, high) (dtype float32 or float64)."""
        t = np.dtype(dtype).type
        u, _ = _U01[t]
        return self._draw("uniform_" + np.dtype(dtype).name, ", T low, T span", "T",
                          "out = low + span * (%s);" % u, shape, dtype, t(low), t(high - low))

    def normal(self, shape, dtype, mean=0.0, std=1.0):
        """Gaussian floats (Box-Muller on two uniforms)."""
        t = np.dtype(dtype).type
        u, u_open = _U01[t]
        return self._draw("normal_" + np.dtype(dtype).name, ", T mean, T sdev", "T",
                          "double u = %s; double v = %s;\n"
                          "out = mean + sdev * (sqrt(-2.0 * log(v)) * cos(6.283185307179586 * u));"
                          % (u, u_open), shape, dtype, t(mean), t(std))

    def integers(self, shape, low, high):
        """int64 values in [low, high)."""
        span = int(high) - int(low)
        return self._draw("integers", ", uint64 low, uint64 span", "int64",
                          "unsigned long long x = r1; x = x * 4294967296 + r0; out = low + x % span;",
                          shape, np.int64, np.uint64(int(low) % 2 ** 64), np.uint64(span))

    def exponential(self, shape, dtype, lambd=1.0):
        t = np.dtype(dtype).type
        _, u_open = _U01[t]
        return self._draw("exponential_" + np.dtype(dtype).name, ", T scale", "T",
                          "out = -scale * log(%s);" % u_open, shape, dtype, t(1.0 / lambd))

    def bernoulli(self, shape, p):
        """Booleans that are True with probability p (a number, or an array broadcasting to shape)."""
        u, _ = _U01[np.float64]
        if isinstance(p, (int, float)):
            return self._draw("bernoulli", ", float64 p", "bool", "out = (%s) < p;" % u, shape, np.bool_,
                              np.float64(p))
        return self._draw("bernoulli_" + p.dtype.name, ", T p", "bool", "out = (%s) < p;" % u, shape,
                          np.bool_, p)


_generators = {}


def generator(index=0):
    g = _generators.get(index)
    if g is None:
        g = _generators[index] = Generator(index)
    return g
