"""A simulated CUDA device for machines without a GPU.

It stands in for CuPy so that Ember's `cuda` code paths run in CPU-only CI:
arrays live in NumPy underneath, but behave towards Ember the way CuPy's
arrays do, and it fails the same way CuPy fails:

- an implicit conversion to NumPy (`np.asarray(a)`) raises TypeError;
- mixing a device array with a host array in one call raises TypeError;
- a NumPy function that CuPy lacks raises TypeError (the table of names
  CuPy 14 provides is recorded in data/cupy_api.json);
- reductions give 0-dim device arrays, never NumPy scalars.

It checks where data lives and which functions are used, not speed or
CuPy's numerical details; the GPU suite on a real device checks those.

Use `installed()` as a context manager: inside it `import cupy` gives
this module's namespace and `ember.cuda.is_available()` is True.
"""
import contextlib
import functools
import inspect
import json
import os
import re
import sys
import types
import weakref

import numpy as np

_API = json.load(open(os.path.join(os.path.dirname(__file__), "data", "cupy_api.json")))
_NAMESPACES = {k: set(v) for k, v in _API["namespaces"].items()}
_NDARRAY_ATTRS = set(_API["ndarray"])

# The ufunc methods CuPy implements beyond __call__ and outer, and for which ufuncs
# (CuPy's _kernel.pyx: reduce/accumulate map to sum/prod and cumsum/cumprod,
# reduceat to add only, at to the scatter_add/max/min kernels).
_UFUNC_METHODS = {"reduce": ("add", "multiply"), "accumulate": ("add", "multiply"),
                  "reduceat": ("add",), "at": ("add", "maximum", "minimum")}

# What a real GPU would pay for: `launches` counts calls that would run a
# kernel, `syncs` the reads that make the host wait for the device. With
# `sync_sites` set to a Counter, each sync also records the Ember line asking.
stats = {"launches": 0, "syncs": 0}
sync_sites = None


launch_sites = None


# Calls that only make a view (new shape or strides over the same memory): no kernel.
_NO_KERNEL = {"reshape", "view", "transpose", "swapaxes", "squeeze", "expand_dims", "broadcast_to",
              "moveaxis", "atleast_1d", "atleast_2d", "atleast_3d", "diagonal", "real", "imag",
              "as_strided", "get", "item", "tolist", "broadcast_arrays", "split", "array_split",
              "empty", "empty_like"}   # (allocations, not kernels)


def _advanced(key):
    keys = key if type(key) is tuple else (key,)
    return any(type(k) in (ndarray, np.ndarray, list) for k in keys)


def _count(kind, sites):
    stats[kind] += 1
    if sites is not None:   # the Ember line that asked
        import traceback
        for frame in reversed(traceback.extract_stack()[:-3]):
            if "/ember/" in frame.filename:
                sites["%s:%d" % (frame.filename.split("/ember/")[-1], frame.lineno)] += 1
                break


def _launch():
    _count("launches", launch_sites)


def _sync():
    _count("syncs", sync_sites)


_SIGNATURES = {}


def _check_call(name, args, kwargs):
    """Raise TypeError where CuPy's function `name` would refuse these arguments
    (its recorded signature; functions without one are not checked)."""
    sig = _SIGNATURES.get(name)
    if sig is None:
        params = _API["signatures"].get(name)
        if params is None:
            return
        sig = _SIGNATURES[name] = inspect.signature(eval("lambda %s: None" % params))
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError("cupy %s(): %s" % (name, e)) from None


# The keywords CuPy's ufuncs take (_kernel.pyx: anything else is "Wrong arguments").
_UFUNC_KWARGS = {"out", "dtype", "casting"}

_ATOMIC_TYPES = {"add": ("int32", "float16", "float32", "float64", "uint32", "uint64"),
                 "maximum": ("int32", "float32", "float64", "uint32", "uint64"),
                 "minimum": ("int32", "float32", "float64", "uint32", "uint64")}

_live = weakref.WeakValueDictionary()   # id -> device arrays that own their memory: the pool's "used" bytes
_peak = [0]


def _refuse_host(x):
    raise TypeError("Unsupported type %s" % type(x))


def _unwrap(x):
    """Device arrays to their NumPy payload; host arrays are refused."""
    if type(x) is ndarray:
        return x._a
    if type(x) is np.ndarray:
        _refuse_host(x)
    if type(x) in (list, tuple):
        return type(x)(_unwrap(v) for v in x)
    return x


def _wrap(r):
    if type(r) is np.ndarray:
        return ndarray(r)
    if isinstance(r, np.generic):
        return ndarray(np.asarray(r))
    if isinstance(r, tuple):   # named tuples too (np.linalg.svd's result)
        items = [_wrap(v) for v in r]
        return tuple(items) if type(r) is tuple else type(r)(*items)
    if type(r) is list:
        return [_wrap(v) for v in r]
    return r


class _Device:
    def __init__(self, id=0):
        self.id = int(getattr(id, "id", id) or 0)
        if self.id != 0:
            raise RuntimeError("simulated CUDA has one device")

    def use(self):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return "<CUDA Device %d>" % self.id


class _Flags:
    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata


class ndarray:
    """A device array (CuPy's ndarray, simulated)."""
    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100

    def __init__(self, a):
        self._a = a
        if a.base is None:
            _live[id(self)] = self
            _peak[0] = max(_peak[0], _used())

    # --- the host boundary
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None, blocking=True):
        _sync()
        return np.array(self._a, order=order, copy=True)

    def set(self, arr, stream=None):
        self._a[...] = arr

    @property
    def device(self):
        return _Device(0)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "typestr": self.dtype.str, "version": 3,
                "data": (self._a.ctypes.data, False),
                "strides": None if self._a.flags.c_contiguous else self.strides}

    # --- metadata
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: _Flags(self._a))
    T = property(lambda self: ndarray(self._a.T))
    mT = property(lambda self: ndarray(np.swapaxes(self._a, -1, -2)))

    @property
    def base(self):
        return None if self._a.base is None else ndarray(self._a.base)

    @property
    def real(self):
        return ndarray(self._a.real)

    @property
    def imag(self):
        return ndarray(self._a.imag)

    def __getattr__(self, name):
        if name not in _NDARRAY_ATTRS:
            raise AttributeError("'cupy.ndarray' object has no attribute '%s'" % name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        @functools.wraps(attr)
        def method(*args, **kwargs):
            if name in ("item", "tolist"):
                _sync()
            if name not in _NO_KERNEL:
                _launch()
            if name in ("sort", "argsort"):
                if "kind" in kwargs:
                    raise TypeError("%s() got an unexpected keyword argument 'kind'" % name)
                kwargs["kind"] = "stable"
            else:
                _check_call("ndarray." + name, args, kwargs)
            kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
            return _wrap(attr(*_unwrap(args), **kwargs))
        return method

    # --- NumPy protocols, as CuPy implements them
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _launch()
        name = ufunc.__name__
        if method == "__call__":   # CuPy calls its own function of the same name (matmul too)
            if name not in _NAMESPACES[""]:
                return NotImplemented
            if name in _API["ufuncs"]:
                wrong = set(kwargs) - _UFUNC_KWARGS
                if wrong:
                    raise TypeError("Wrong arguments %s" % {k: kwargs[k] for k in wrong})
            else:
                _check_call(name, inputs, kwargs)
        elif method not in _API["ufuncs"].get(name, ()):
            return NotImplemented
        elif method != "outer" and name not in _UFUNC_METHODS[method]:
            raise NotImplementedError("`cupy_%s.%s` is not supported yet" % (name, method))
        if method == "at":   # CUDA atomics exist for these types only
            dt = np.result_type(inputs[0].dtype)
            if dt.name not in _ATOMIC_TYPES[name]:
                raise TypeError("scatter_%s only supports %s as data type"
                                % ({"add": "add"}.get(name, name[:3]), ", ".join(_ATOMIC_TYPES[name])))
        out = kwargs.get("out")
        if out is not None:
            if len(out) != 1:
                raise ValueError("The 'out' parameter must have exactly one array value")
            kwargs["out"] = (_unwrap(out[0]),)
        args = [_unwrap(x) for x in inputs]
        r = getattr(ufunc, method)(*args, **kwargs)
        if method == "at":
            return None
        return out[0] if out is not None else _wrap(r)

    def __array_function__(self, func, types_, args, kwargs):
        if func.__name__ not in _NO_KERNEL:
            _launch()
        module = func.__module__.split(".")[1:]
        if module and module[0] in ("_core", "core", "lib") and module != ["lib", "stride_tricks"]:
            module = []
        names = _NAMESPACES.get(".".join(module))
        if names is None or func.__name__ not in names:
            return NotImplemented
        _check_call(".".join(module + [func.__name__]), args, kwargs)
        if func in (np.sort, np.argsort):
            kwargs = dict(kwargs, kind="stable")   # CuPy's sorts are stable radix sorts
        if func is np.where and type(args[0]) is not ndarray:
            # CuPy's where calls condition.astype: a Python bool has none
            raise AttributeError("'%s' object has no attribute 'astype'" % type(args[0]).__name__)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        return _wrap(func(*_unwrap(args), **kwargs))

    # --- Python protocols
    def __getitem__(self, key):
        if _advanced(key):
            _launch()
        return _wrap(self._a[_index(key)])

    def __setitem__(self, key, value):
        _launch()
        self._a[_index(key)] = _unwrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (ndarray(np.asarray(v)) for v in self._a)

    def __bool__(self):
        _sync()
        return bool(self._a)

    def __float__(self):
        _sync()
        return float(self._a)

    def __int__(self):
        _sync()
        return int(self._a)

    def __complex__(self):
        return complex(self._a)

    # (CuPy arrays have no __index__: a 0-dim device array is no Python index)

    def __copy__(self):
        return ndarray(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray(self._a.copy())

    def __repr__(self):
        return repr(self._a).replace("array", "array", 1)

    def __reduce__(self):
        raise TypeError("simulated device arrays are not picklable; move them to the host first")

    def __dlpack__(self, *args, **kwargs):
        raise TypeError("no DLPack on the simulated device")


def _index(key):
    """CuPy accepts host index arrays (it copies them over); device ones are unwrapped."""
    if type(key) is tuple:
        return tuple(_index(k) for k in key)
    return key._a if type(key) is ndarray else key


def _operator(ufunc, reflected=False):
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


for _name, _uf in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                   ("truediv", np.true_divide), ("floordiv", np.floor_divide), ("mod", np.remainder),
                   ("pow", np.power), ("matmul", np.matmul), ("and", np.bitwise_and),
                   ("or", np.bitwise_or), ("xor", np.bitwise_xor), ("lshift", np.left_shift),
                   ("rshift", np.right_shift)]:
    setattr(ndarray, "__%s__" % _name, _operator(_uf))
    setattr(ndarray, "__r%s__" % _name, _operator(_uf, reflected=True))
    setattr(ndarray, "__i%s__" % _name, lambda self, other, _u=_uf: _u(self, other, out=self))
for _name, _uf in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                   ("gt", np.greater), ("ge", np.greater_equal)]:
    setattr(ndarray, "__%s__" % _name, _operator(_uf))
ndarray.__neg__ = lambda self: np.negative(self)
ndarray.__pos__ = lambda self: np.positive(self)
ndarray.__abs__ = lambda self: np.absolute(self)
ndarray.__invert__ = lambda self: np.invert(self)
ndarray.__hash__ = None


def _used():
    return sum(a._a.nbytes for a in list(_live.values()))


# --------------------------------------------------------------- the module
def _namespace_function(np_func, name=None):
    name = name or np_func.__name__

    def f(*args, **kwargs):
        if name not in _NO_KERNEL:
            _launch()
        _check_call(name, args, kwargs)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        return _wrap(np_func(*_unwrap(args), **kwargs))
    f.__name__ = getattr(np_func, "__name__", "f")
    return f


def asarray(a, dtype=None, order=None, *, blocking=False):
    if type(a) is ndarray:
        return a if dtype is None or a.dtype == np.dtype(dtype) else a.astype(dtype)
    return ndarray(np.array(a, dtype=dtype, order=order, copy=True))


def array(a, dtype=None, copy=True, order="K", ndmin=0, *, blocking=False):
    if type(a) is ndarray:
        return ndarray(np.array(a._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin))
    return ndarray(np.array(a, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    return a.get() if type(a) is ndarray else np.asarray(a, order=order)


def get_array_module(*args):
    return cupy if any(type(a) is ndarray for a in args) else np


class _MemoryPool:
    def used_bytes(self):
        return _used()

    def total_bytes(self):
        return max(_used(), _peak[0])

    def free_bytes(self):
        return self.total_bytes() - self.used_bytes()

    def free_all_blocks(self, stream=None):
        _peak[0] = _used()


_POOL = _MemoryPool()


def get_default_memory_pool():
    return _POOL


class _PinnedPool:
    def free_all_blocks(self):
        pass

    def n_free_blocks(self):
        return 0


def get_default_pinned_memory_pool():
    return _PinnedPool()


def _build_cuda():
    cuda = types.SimpleNamespace()
    cuda.Device = _Device

    class Event:
        def __init__(self, block=False, disable_timing=False, interprocess=False):
            self._t = None

        def record(self, stream=None):
            import time
            self._t = time.perf_counter()

        def synchronize(self):
            pass

        def query(self):
            return True

        @property
        def done(self):
            return True

    class Stream:
        null = None

        def __init__(self, null=False, non_blocking=False, ptds=False, priority=None):
            self.ptr = 0 if null else id(self)

        def synchronize(self):
            pass

        def use(self):
            return self

        def record(self, event=None):
            event = event or Event()
            event.record(self)
            return event

        def wait_event(self, event):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    Stream.null = Stream(null=True)

    def get_elapsed_time(start, end):
        return (end._t - start._t) * 1000.0

    def get_current_stream(device_id=None):
        return Stream.null

    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDevice=lambda: 0,
        getDeviceProperties=lambda i: {
            "name": b"Simulated GPU", "totalGlobalMem": 16 * 2 ** 30, "major": 9, "minor": 0,
            "multiProcessorCount": 132},
        memGetInfo=lambda: (16 * 2 ** 30 - _used(), 16 * 2 ** 30),
        runtimeGetVersion=lambda: 12080,
        driverGetVersion=lambda: 12080,
    )
    cuda.Event, cuda.Stream, cuda.runtime = Event, Stream, runtime
    cuda.get_elapsed_time, cuda.get_current_stream = get_elapsed_time, get_current_stream
    cuda.is_available = lambda: True
    return cuda


cuda = _build_cuda()


def _build_random():
    state = {"rs": np.random.RandomState(0)}
    random = types.SimpleNamespace()

    def seed(s=None):
        state["rs"] = np.random.RandomState(None if s is None else int(s) % 2 ** 32)

    def gen(method):
        def f(*args, dtype=None, **kwargs):
            if method == "randint" and dtype is not None:
                kwargs["dtype"] = dtype
            r = np.asarray(getattr(state["rs"], method)(*args, **kwargs))
            return ndarray(r.astype(dtype) if dtype is not None else r)
        return f

    random.seed = seed
    for m in ("random_sample", "rand", "randn", "standard_normal", "uniform", "normal", "randint",
              "permutation", "binomial", "exponential", "poisson",
              "gamma", "beta", "choice", "multinomial", "geometric", "standard_cauchy", "lognormal"):
        setattr(random, m, gen(m))
    random.random = random.random_sample
    return random


random = _build_random()


class ElementwiseKernel:
    """CuPy's ElementwiseKernel, run on the host: the kernel's C body, a list
    of straight-line statements (declarations, assignments, arithmetic, bit
    operations, math functions: what Ember's kernels use), is translated to
    NumPy and applied to whole arrays. Statements run in order over every
    element, as each CUDA thread runs them over its own element; a declared
    local takes its C type (unsigned ints wrap, floats round), and `i` is the
    element's index, so the results are C's."""

    _FUNCS = {"tanh": np.tanh, "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1,
              "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x), "fabs": np.abs, "fmax": np.fmax,
              "fmin": np.fmin, "max": np.maximum, "min": np.minimum, "cos": np.cos, "sin": np.sin,
              "isnan": np.isnan, "_where": np.where,
              "__umulhi": lambda a, b: ((np.asarray(a, np.uint64) * np.asarray(b, np.uint64)) >> 32)
              .astype(np.uint32)}
    _C_TYPES = {"unsigned long long": "uint64", "long long": "int64", "unsigned int": "uint32",
                "int": "int32", "float": "float32", "double": "float64", "bool": "bool", "T": "T"}
    _DECL = re.compile(r"^(?:const\s+)?(unsigned long long|long long|unsigned int|int|float|double|bool|T)"
                       r"\s+(\w+)\s*=\s*(.*)$", re.S)

    def __init__(self, in_params, out_params, operation, name="kernel", **kwargs):
        self.name = name
        self.ins = self._params(in_params)
        self.outs = self._params(out_params)
        lines = []
        for stmt in re.sub(r"//[^\n]*", "", operation).split(";"):
            stmt = " ".join(stmt.split())
            if not stmt:
                continue
            if "{" in stmt or stmt.startswith(("if ", "for ", "while ")) or stmt.count("?") > 1:
                raise NotImplementedError("the simulated ElementwiseKernel takes straight-line code only")
            stmt = re.sub(r"\b(\d+\.\d*(?:e[-+]?\d+)?|\d+)f\b", r"\1", stmt)     # 1.0f -> 1.0
            # on bools, elementwise (Python's | binds tighter than C's ||: kernels parenthesize)
            stmt = stmt.replace("||", "|").replace("&&", "&")
            m = self._DECL.match(stmt)
            if m:   # a declaration: the value converted to the declared C type
                stmt = "%s = _as(%r, %s)" % (m.group(2), self._C_TYPES[m.group(1)], self._ternary(m.group(3)))
            else:
                lhs, op, rhs = re.match(r"^(\w+)\s*([-+*/]?=)\s*(.*)$", stmt).groups()
                stmt = "%s %s %s" % (lhs, op, self._ternary(rhs))
            lines.append(stmt)
        self.code = compile("\n".join(lines), "<kernel %s>" % name, "exec")

    @staticmethod
    def _ternary(expr):
        """`c ? a : b` (the whole right-hand side: the one form the kernels use) as where(c, a, b)."""
        m = re.match(r"^(.+?)\s*\?\s*(.+?)\s*:\s*(.+)$", expr)
        return "_where(%s, %s, %s)" % m.groups() if m else expr

    @staticmethod
    def _params(text):
        out = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            words = part.split()
            if words[0] == "raw":
                raise NotImplementedError("raw parameters are not simulated")
            out.append((words[0], words[1]))
        return out

    def __call__(self, *args, size=None):
        _launch()
        n_in = len(self.ins)
        if len(args) not in (n_in, n_in + len(self.outs)):
            raise TypeError("Wrong number of arguments for %s" % self.name)
        if any(type(a) is np.ndarray for a in args):
            _refuse_host(next(a for a in args if type(a) is np.ndarray))
        arrays = [a._a for a in args if type(a) is ndarray]
        types = {}
        for (t, _), a in zip(self.ins + self.outs, args):
            if type(a) is ndarray and t not in np.sctypeDict:
                types.setdefault(t, a.dtype)
        shape = np.broadcast_shapes(*(a.shape for a in arrays))

        def dtype_of(t):
            return np.dtype(t) if t in np.sctypeDict else types[t]

        env = dict(self._FUNCS)
        env["_as"] = lambda t, v: np.asarray(v).astype(dtype_of(t))
        env["i"] = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        for (t, name), a in zip(self.ins, args):
            env[name] = a._a if type(a) is ndarray else np.asarray(a).astype(dtype_of(t))
        outs = list(args[n_in:]) or [ndarray(np.zeros(shape, dtype_of(t))) for t, _ in self.outs]
        for (t, name), o in zip(self.outs, outs):
            env[name] = np.array(np.broadcast_to(o._a, shape))
        with np.errstate(over="ignore"):   # C's unsigned arithmetic wraps silently
            exec(self.code, {"__builtins__": {}}, env)
        for (t, name), o in zip(self.outs, outs):
            o._a[...] = np.asarray(env[name]).astype(o.dtype)
        return outs[0] if len(outs) == 1 else tuple(outs)


def _build_module():
    """The `cupy` namespace: NumPy's functions that CuPy also has, on device arrays."""
    module = types.ModuleType("cupy", "CuPy, simulated on the host (tests/simcuda.py)")
    for name in _NAMESPACES[""]:
        if not hasattr(np, name):
            continue
        obj = getattr(np, name)
        if isinstance(obj, (type, np.dtype, np.ufunc)) or not callable(obj):
            setattr(module, name, obj)   # dtypes, constants and ufuncs (which dispatch to us)
        else:
            setattr(module, name, _namespace_function(obj, name))
    for sub in ("linalg", "fft"):
        ns = types.SimpleNamespace()
        for name in _NAMESPACES[sub]:
            if hasattr(getattr(np, sub), name):
                setattr(ns, name, _namespace_function(getattr(getattr(np, sub), name), sub + "." + name))
        setattr(module, sub, ns)
    module.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=lambda x, shape=None, strides=None: ndarray(
            np.lib.stride_tricks.as_strided(_unwrap(x), shape, strides)),
        sliding_window_view=_namespace_function(np.lib.stride_tricks.sliding_window_view)))
    for name in ("ndarray", "asarray", "array", "asnumpy", "get_array_module", "get_default_memory_pool",
                 "ElementwiseKernel",
                 "get_default_pinned_memory_pool", "cuda", "random"):
        setattr(module, name, globals()[name])
    module.__version__ = "14.2.0 (simulated)"
    return module


cupy = _build_module()


@contextlib.contextmanager
def installed():
    """Inside: `import cupy` is this simulation and ember sees one CUDA device."""
    import ember.cuda
    module = cupy
    saved_module = sys.modules.get("cupy")
    saved_state = dict(ember.cuda._state)
    sys.modules["cupy"] = module
    ember.cuda._state.update(checked=True, cupy=module)
    try:
        yield module
    finally:
        if saved_module is None:
            sys.modules.pop("cupy", None)
        else:
            sys.modules["cupy"] = saved_module
        ember.cuda._state.clear()
        ember.cuda._state.update(saved_state)
