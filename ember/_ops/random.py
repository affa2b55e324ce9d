"""Random sampling with PyTorch's CPU streams (the engine is ember._random).

Every sampler fills its output in memory order, as PyTorch's CPU kernels do,
so the same seed gives the same values for contiguous and strided outputs.

Tensors on a CUDA device are drawn there, by the device's counter-based
generator (ember._cuda_random, seeded by ember.cuda.manual_seed): PyTorch's
CUDA streams differ from its CPU ones too, and drawing on the host would
copy every dropout mask over.
"""
import numpy as np

from .. import _backends as B
from .. import _cuda_random
from .. import _dtype as D
from .. import _random
from .._device import CPU, as_device
from .._dispatch import wrap, write_into
from .._tensor import Tensor
from ._util import parse_shape


class Generator(_random.Generator):
    """torch.Generator: a seeded random stream. A CPU one is PyTorch's MT19937;
    a CUDA one is a counter-based Philox generator of its own (_cuda_random)."""

    def __init__(self, device="cpu"):
        super().__init__()
        self.device = as_device(device)
        self._cuda = None
        if self.device.type == "cuda":
            from .. import cuda
            cuda._lazy_check()
            self._cuda = _cuda_random.Generator(self.device.index or 0)

    def manual_seed(self, seed):
        if getattr(self, "_cuda", None) is not None:
            self._cuda.manual_seed(int(seed))
            return self
        return super().manual_seed(seed)

    def initial_seed(self):
        return self._cuda.initial_seed if self._cuda is not None else super().initial_seed()

    def seed(self):
        if self._cuda is not None:
            import random
            s = random.getrandbits(63)
            self._cuda.manual_seed(s)
            return s
        return super().seed()

    def get_state(self):
        raw = self._cuda.get_state() if self._cuda is not None else np.frombuffer(self.get_state_bytes(), np.uint8)
        return Tensor._make(raw.copy(), D.uint8)

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state._dtype is not D.uint8:
            raise TypeError("expected a torch.ByteTensor, but got %s" % type(new_state).__name__)
        if self._cuda is not None:
            self._cuda.set_state(new_state.cpu()._data)
        else:
            self.set_state_bytes(new_state._data.tobytes())
        return self

    def __repr__(self):
        return "<torch._C.Generator object at %#x>" % id(self)

    def __getstate__(self):
        return {"device": str(self.device), "state": self.get_state_bytes()}

    def __setstate__(self, st):
        Generator.__init__(self, st["device"])
        self.set_state_bytes(st["state"])


default_generator = Generator()
default_generator.seed()


def _gen(generator):
    return default_generator if generator is None else generator


def manual_seed(seed):
    seed = int(seed)
    default_generator.manual_seed(seed)
    try:
        from .. import cuda
        if cuda.is_available():
            cuda.manual_seed_all(seed)
    except ImportError:
        pass
    return default_generator


def seed():
    s = default_generator.seed()
    from .. import cuda
    if cuda.is_available():
        cuda.manual_seed_all(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# ------------------------------------------------------------------ filling helpers
def _memory_order(a):
    """(permutation, flag contiguous): the axis order in which a's memory is laid out."""
    if a.flags.c_contiguous:
        return None, True
    perm = sorted(range(a.ndim), key=lambda i: (-abs(a.strides[i]), i))
    return perm, False


def _fill(t, sample, draw=None, gen=None):
    """Fill tensor t in place from sample(n, contiguous) (values in memory order),
    or, on a CUDA device, from draw(cupy, shape, dtype)."""
    a = t._data
    if not B.is_host(a):
        write_into(t, _draw_on(B.device_of(a), a.shape, t._dtype, sample, draw, gen=gen))
        return t
    _check_cpu_generator(gen)
    perm, contiguous = _memory_order(a)
    vals = sample(a.size, contiguous)
    if perm is None:
        write_into(t, vals.reshape(a.shape))
    else:
        tmp = np.empty(a.shape, a.dtype)
        np.transpose(tmp, perm)[...] = vals.reshape([a.shape[i] for i in perm])
        write_into(t, tmp)
    return t


def _draw_on(dev, shape, dtype, sample, draw, gen=None):
    """An array of samples made on CUDA device dev by draw(generator, shape,
    dtype) (on the host and copied over, for the rare samplers without one);
    `gen` is the torch.Generator asked for (the default: the device's own)."""
    cp = B.cupy()
    index = cp.cuda.runtime.getDevice() if dev.index is None else dev.index
    with cp.cuda.Device(index):
        if draw is not None:
            return draw(_device_generator(gen, index), shape, dtype)
        n = 1
        for s in shape:
            n *= s
        return cp.asarray(np.asarray(sample(n, True)).reshape(shape))


def _check_cpu_generator(gen):
    if getattr(gen, "_cuda", None) is not None:
        raise RuntimeError("Expected a 'cpu' device type for generator but found 'cuda'")


def _device_generator(gen, index):
    """The CUDA generator a draw on device `index` uses."""
    if gen is None or gen is default_generator:
        return _cuda_random.generator(index)
    if getattr(gen, "_cuda", None) is None:
        raise RuntimeError("Expected a 'cuda' device type for generator but found 'cpu'")
    return gen._cuda


def _float_np(d):
    return np.float64 if d is D.float64 else np.float32


def _new(shape, dtype, device, requires_grad, sample, draw=None, gen=None):
    shape = parse_shape(shape)
    dtype = dtype or D.get_default_dtype()
    dev = B.get_default_device() if device is None else as_device(device)
    if dev is not CPU:
        if dev.type != "cuda":
            raise RuntimeError("unsupported device %s" % dev)
        t = wrap(_draw_on(dev, shape, dtype, sample, draw, gen=gen), dtype)
    else:
        _check_cpu_generator(gen)
        n = 1
        for s in shape:
            n *= s
        t = Tensor._make(sample(n, dtype).reshape(shape).astype(dtype.np, copy=False), dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _uniform_draw(a, b):
    return lambda gen, shape, d: gen.uniform(shape, _float_np(d), a, b)


def _normal_draw(mean, std):
    return lambda gen, shape, d: gen.normal(shape, _float_np(d), mean, std)


def _integer_draw(low, high):
    return lambda gen, shape, d: gen.integers(shape, low, high)


# ------------------------------------------------------------------ factories
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    g = _gen(generator)
    _check_float(dtype, "rand")
    return _new(size, dtype, device, requires_grad, lambda n, d: g.uniform(n, d.name), _uniform_draw(0.0, 1.0), gen=g)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    g = _gen(generator)
    _check_float(dtype, "randn")
    return _new(size, dtype, device, requires_grad, lambda n, d: g.normal(n, d.name), _normal_draw(0.0, 1.0), gen=g)


def _check_float(dtype, name):
    if dtype is not None and dtype.category < D.FLOAT:
        raise RuntimeError("\"%s\" not implemented for '%s'" % (
            "check_uniform_bounds" if name == "rand" else "normal_kernel_cpu", dtype.name.capitalize()))


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError("random_ expects 'from' to be less than 'to', but got from=%d >= to=%d"
                           % (low, high))
    g = _gen(generator)
    dtype = dtype or D.int64
    return _new(tuple(size), dtype, device, requires_grad,
                lambda n, d: g.random_(n, d.name, int(low), int(high)), _integer_draw(int(low), int(high)), gen=g)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    if n < 0:
        raise RuntimeError("n must be non-negative, got%d" % n)
    dtype = dtype or D.int64
    t = Tensor._make(_gen(generator).randperm(int(n)).astype(dtype.np), dtype)
    return t.to(B.get_default_device() if device is None else device)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return rand(tuple(input.shape), dtype=dtype or input._dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return randn(tuple(input.shape), dtype=dtype or input._dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input._dtype,
                   device=device or input.device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False):
    g = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = np.broadcast_shapes(*(tuple(x.shape) for x in (mean, std) if isinstance(x, Tensor)))
        like = mean if isinstance(mean, Tensor) else std
        if isinstance(std, Tensor) and isinstance(std, Tensor) and (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        out_t = Tensor._make(B.xp(like._data).empty(shape, like._dtype.np), like._dtype)
        normal_(out_t, 0.0, 1.0, generator=g)
        return out_t * std + mean
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    if std < 0:
        raise RuntimeError("normal expects std >= 0.0, but found std %s" % std)
    return _new(tuple(size), dtype, device, requires_grad,
                lambda n, d: g.normal(n, d.name, float(mean), float(std)), _normal_draw(float(mean), float(std)), gen=g)


def bernoulli(input, p=None, *, generator=None, out=None):
    g = _gen(generator)
    if p is not None:
        t = Tensor._make(B.xp(input._data).empty(input._data.shape, input._dtype.np), input._dtype)
        return bernoulli_(t, p, generator=g)
    probs = input._data
    if ((probs < 0) | (probs > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    if not B.is_host(probs):
        return wrap(_draw_on(input.device, probs.shape, input._dtype, None,
                             lambda gen, shape, _: gen.bernoulli(shape, probs), gen=g), input._dtype)
    vals = g.bernoulli_tensor(np.ascontiguousarray(probs).reshape(-1), input._dtype.name,
                              input._dtype.name)
    return Tensor._make(vals.reshape(probs.shape).astype(input._dtype.np), input._dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    probs = input._data if B.is_host(input._data) else input._data.get()  # one small row set
    vals = _gen(generator).multinomial(np.ascontiguousarray(probs), int(num_samples),
                                       bool(replacement), input._dtype.name)
    return Tensor._make(vals.astype(np.int64), D.int64).to(input.device)


def poisson(input, generator=None):
    rs = np.random.default_rng(int(_gen(generator).random64(1)[0]))
    rates = input._data if B.is_host(input._data) else input._data.get()
    return Tensor._make(rs.poisson(rates).astype(input._dtype.np), input._dtype).to(input.device)


# ------------------------------------------------------------------ in-place samplers
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    g = _gen(generator)
    d = self._dtype
    return _fill(self, lambda n, c: g.uniform(n, d.name, float(a), float(b)), _uniform_draw(float(a), float(b)), gen=g)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError("normal expects std >= 0.0, but found std %s" % std)
    g = _gen(generator)
    d = self._dtype
    return _fill(self, lambda n, c: g.normal(n, d.name, float(mean), float(std), contiguous=c),
                 _normal_draw(float(mean), float(std)), gen=g)


def bernoulli_(self, p=0.5, *, generator=None):
    g = _gen(generator)
    d = self._dtype
    if isinstance(p, Tensor):
        if not B.is_host(self._data):
            return _fill(self, None, lambda gen, shape, _: gen.bernoulli(shape, p._data), gen=g)
        probs = np.broadcast_to(p._data, self._data.shape)
        return _fill(self, lambda n, c: g.bernoulli_tensor(np.ascontiguousarray(probs).reshape(-1),
                                                           d.name, p._dtype.name), gen=g)
    if not 0 <= p <= 1:
        raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=%s" % p)
    a = self._data
    if type(a) is np.ndarray and a.flags.writeable:
        # straight into the tensor's memory when it is dense (any axis order):
        # the draws land in memory order, as _fill puts them
        if not a.flags.c_contiguous:
            perm, _ = _memory_order(a)
            a = np.transpose(a, perm)
        if a.flags.c_contiguous:
            g.bernoulli_scalar(a.size, float(p), d.name, out=a.reshape(-1))
            self._version_counter.value += 1
            return self
    return _fill(self, lambda n, c: g.bernoulli_scalar(n, float(p), d.name),
                 lambda gen, shape, _: gen.bernoulli(shape, float(p)), gen=g)


def dropout_noise_(noise, p, generator=None):
    """Fill `noise` with dropout's multiplier: bernoulli(1 - p) draws divided by
    1 - p, i.e. PyTorch's `noise.bernoulli_(1 - p).div_(1 - p)` to the bit, in one
    pass. Only for dense float32/float64 CPU tensors (any axis order); returns
    False, leaving `noise` untouched, for anything else (the caller then takes
    the two-step path)."""
    d = noise._dtype
    a = noise._data
    if (d is not D.float32 and d is not D.float64) or type(a) is not np.ndarray \
            or not a.flags.writeable or not 0 < p < 1:
        return False
    if not a.flags.c_contiguous:
        perm, _ = _memory_order(a)
        a = np.transpose(a, perm)
        if not a.flags.c_contiguous:
            return False
    t = a.dtype.type
    _gen(generator).bernoulli_scalar(a.size, 1 - p, d.name, out=a.reshape(-1),
                                     scale=t(1) / t(1 - p))
    noise._version_counter.value += 1
    return True


def exponential_(self, lambd=1.0, *, generator=None):
    g = _gen(generator)
    d = self._dtype
    return _fill(self, lambda n, c: g.exponential(n, float(lambd), d.name),
                 lambda gen, shape, d: gen.exponential(shape, _float_np(d), float(lambd)), gen=g)


def random_(self, from_=0, to=None, *, generator=None):
    g = _gen(generator)
    d = self._dtype
    if to is None and from_ != 0:
        from_, to = 0, from_
    low = None if (to is None and from_ == 0) else from_
    return _fill(self, lambda n, c: g.random_(n, d.name, low, to), gen=g)


def _optional(name):
    def f(self, *args, generator=None, **kw):
        g = _gen(generator)
        fn = getattr(g, name)
        d = self._dtype
        return _fill(self, lambda n, c: fn(n, *args, d.name, **kw), gen=g)
    f.__name__ = name + "_"
    return f


geometric_ = _optional("geometric")
cauchy_ = _optional("cauchy")
log_normal_ = _optional("log_normal")

TENSOR_METHODS = {
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
    "exponential_": exponential_, "random_": random_, "geometric_": geometric_,
    "cauchy_": cauchy_, "log_normal_": log_normal_,
    "bernoulli": lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator),
    "multinomial": multinomial,
}
