"""torch.cuda: NVIDIA GPUs through CuPy.

Without CuPy (or without a GPU) Ember behaves like PyTorch's CPU-only build:
is_available() is False, the memory counters report 0 (memory_stats() is
{}), empty_cache and the seeding functions do nothing, and whatever needs a
device (current_device, synchronize, Stream...) raises AssertionError
("Torch not compiled with CUDA enabled").

Memory figures come from CuPy's default memory pool: "allocated" is the
pool's used bytes, "reserved" its total bytes. CuPy keeps no peak, so the
peaks are sampled: whenever a memory figure is asked for, at synchronize /
Event.record / empty_cache, after each node of a backward pass on the GPU
(where a training step's memory is highest: activations and gradients are
both alive) and after each optimizer step. A peak between two samples can
be missed; a hook on every allocation would catch it, at a cost on every op.
"""
import collections.abc
import weakref

_state = {"checked": False, "cupy": None}
_peak = {"allocated": 0, "reserved": 0}


def _cupy():
    if not _state["checked"]:
        _state["checked"] = True
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() > 0:
                _state["cupy"] = cupy
        except Exception:  # no CuPy, no driver or no device: no CUDA
            _state["cupy"] = None
    return _state["cupy"]


def is_initialized():
    return _state["checked"] and _state["cupy"] is not None


def init():
    _cupy()


def is_available():
    return _cupy() is not None


def device_count():
    cp = _cupy()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def _lazy_check():
    cp = _cupy()
    if cp is None:
        raise AssertionError("Torch not compiled with CUDA enabled")
    return cp


def _device_index(device=None, optional=True):
    """A device argument (None: the current device, int, 'cuda:N', torch.device) as an index."""
    cp = _lazy_check()
    if device is None:
        return cp.cuda.runtime.getDevice()
    if isinstance(device, str):
        from ._device import device as _dev
        device = _dev(device)
    if hasattr(device, "type"):
        if device.type != "cuda":
            raise ValueError("Expected a cuda device, but got: %s" % device)
        return cp.cuda.runtime.getDevice() if device.index is None else device.index
    index = int(device)
    if index < 0:
        return cp.cuda.runtime.getDevice()
    if index >= device_count():
        raise AssertionError("Invalid device id")
    return index


# ------------------------------------------------------------------ devices
def current_device():
    _lazy_check()
    return _device_index(None)


def set_device(device):
    index = _device_index(device)
    _cupy().cuda.Device(index).use()


class device:
    """Context manager that makes `device` the current CUDA device."""

    def __init__(self, device):
        self.idx = -1 if device is None else _device_index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = current_device()
            if self.prev_idx != self.idx:
                set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """Context manager: the current device becomes that of tensor `obj` (no-op for CPU tensors)."""

    def __init__(self, obj):
        super().__init__(obj.device.index or 0 if obj.is_cuda else None)


class _CudaDeviceProperties:
    """What get_device_properties returns (the fields CuPy reports)."""

    def __init__(self, props):
        def get(key, default=0):
            return props.get(key, default)
        name = get("name", b"")
        self.name = name.decode() if isinstance(name, bytes) else str(name)
        self.major, self.minor = int(get("major")), int(get("minor"))
        self.total_memory = int(get("totalGlobalMem"))
        self.multi_processor_count = int(get("multiProcessorCount"))
        self.is_integrated = int(get("integrated"))
        self.is_multi_gpu_board = int(get("isMultiGpuBoard"))
        self.max_threads_per_multi_processor = int(get("maxThreadsPerMultiProcessor"))
        self.warp_size = int(get("warpSize", 32))
        self.regs_per_multiprocessor = int(get("regsPerMultiprocessor"))
        self.L2_cache_size = int(get("l2CacheSize"))
        uuid = get("uuid", b"")
        self.uuid = _format_uuid(uuid) if isinstance(uuid, bytes) and len(uuid) == 16 else ""
        self.pci_bus_id = int(get("pciBusID"))
        self.pci_device_id = int(get("pciDeviceID"))
        self.pci_domain_id = int(get("pciDomainID"))

    def __repr__(self):
        mb = 1024 * 1024
        return ("_CudaDeviceProperties(name='%s', major=%d, minor=%d, total_memory=%dMB, "
                "multi_processor_count=%d, uuid=%s, pci_bus_id=%d, pci_device_id=%d, "
                "pci_domain_id=%d, L2_cache_size=%dMB)"
                % (self.name, self.major, self.minor, self.total_memory // mb,
                   self.multi_processor_count, self.uuid, self.pci_bus_id, self.pci_device_id,
                   self.pci_domain_id, self.L2_cache_size // mb))


def _format_uuid(b):
    h = b.hex()
    return "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:]))


_properties_cache = {}


def _properties(index):
    cp = _cupy()
    key = (id(cp), index)       # (the simulated and the real CuPy may take turns in tests)
    props = _properties_cache.get(key)
    if props is None:
        props = _properties_cache[key] = _CudaDeviceProperties(
            cp.cuda.runtime.getDeviceProperties(index))
    return props


def get_device_properties(device=None):
    return _properties(_device_index(device))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    props = get_device_properties(device)
    return (props.major, props.minor)


def get_arch_list():
    if not is_available():
        return []
    major, minor = get_device_capability()
    return ["sm_%d%d" % (major, minor)]


def is_bf16_supported(including_emulation=True):
    if not is_available():
        return False
    return get_device_capability()[0] >= 8 or bool(including_emulation)


def synchronize(device=None):
    """Wait for all work on `device` (default: the current one) to finish."""
    index = _device_index(device)
    _cupy().cuda.Device(index).synchronize()
    _sample_peaks()


def ipc_collect():
    _lazy_check()


def is_current_stream_capturing():
    return False


# ------------------------------------------------------------------ streams and events
class Stream:
    """A CUDA stream (a CuPy stream underneath); kernels launched inside
    `with torch.cuda.stream(s):` are queued on it."""

    def __init__(self, device=None, priority=0, **kwargs):
        cp = _lazy_check()
        self.device_index = _device_index(device)
        self.priority = priority
        with cp.cuda.Device(self.device_index):
            self._cp = kwargs.get("_cp") or cp.cuda.Stream(non_blocking=True)

    @classmethod
    def _wrap(cls, cp_stream, index):
        s = cls.__new__(cls)
        s.device_index, s.priority, s._cp = index, 0, cp_stream
        return s

    @property
    def device(self):
        from ._device import device as _dev
        return _dev("cuda", self.device_index)

    @property
    def cuda_stream(self):
        return self._cp.ptr

    def synchronize(self):
        self._cp.synchronize()

    def query(self):
        done = getattr(self._cp, "done", None)
        return True if done is None else bool(done)

    def wait_event(self, event):
        self._cp.wait_event(event._cp)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        self._ctx = stream(self)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    def __eq__(self, other):
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream \
            and self.device_index == other.device_index

    def __hash__(self):
        return hash((self.cuda_stream, self.device_index))

    def __repr__(self):
        return "<torch.cuda.Stream device=cuda:%d cuda_stream=%#x>" % (self.device_index,
                                                                       self.cuda_stream)


class ExternalStream(Stream):
    def __init__(self, stream_ptr, device=None):
        cp = _lazy_check()
        super().__init__(device, _cp=cp.cuda.ExternalStream(stream_ptr))


def current_stream(device=None):
    cp = _lazy_check()
    index = _device_index(device)
    return Stream._wrap(cp.cuda.get_current_stream(), index)


def default_stream(device=None):
    cp = _lazy_check()
    return Stream._wrap(cp.cuda.Stream.null, _device_index(device))


def set_stream(s):
    if s is not None:
        s._cp.use()


class StreamContext:
    """`with torch.cuda.stream(s):` makes `s` the current stream (None: no-op)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream._cp.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream._cp.__exit__(*exc)
        return False


def stream(stream):
    return StreamContext(stream)


class Event:
    """A CUDA event: record() it on a stream, then synchronize(), query() or
    elapsed_time(end) (milliseconds; needs enable_timing=True on both)."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        cp = _lazy_check()
        self.enable_timing = enable_timing
        self._recorded = False
        self._cp = cp.cuda.Event(block=blocking, disable_timing=not enable_timing,
                                 interprocess=interprocess)

    def record(self, stream=None):
        s = current_stream() if stream is None else stream
        self._cp.record(s._cp)
        self._recorded = True
        _sample_peaks()

    def wait(self, stream=None):
        s = current_stream() if stream is None else stream
        s.wait_event(self)

    def query(self):
        return bool(self._cp.done)

    def synchronize(self):
        self._cp.synchronize()

    def elapsed_time(self, end_event):
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return float(_cupy().cuda.get_elapsed_time(self._cp, end_event._cp))

    def __repr__(self):
        return "<torch.cuda.Event %#x>" % id(self._cp)


# ------------------------------------------------------------------ random numbers
# Each device has a counter-based Philox generator (ember._cuda_random): its
# state is (seed, offset), as in PyTorch. Without CUDA, seeding does nothing.
def _generator(device=None):
    from . import _cuda_random
    return _cuda_random.generator(_device_index(device))


def manual_seed(seed):
    if is_available():
        _generator().manual_seed(int(seed))


def manual_seed_all(seed):
    if is_available():
        from . import _cuda_random
        for index in range(device_count()):
            _cuda_random.generator(index).manual_seed(int(seed))


def seed():
    if is_available():
        import random
        manual_seed(random.getrandbits(63))


def seed_all():
    if is_available():
        import random
        manual_seed_all(random.getrandbits(63))


def initial_seed():
    _lazy_check()
    return _generator().initial_seed


def get_rng_state(device="cuda"):
    """The generator's state as a CPU ByteTensor (16 bytes: seed and offset)."""
    _lazy_check()
    from ._tensor import Tensor
    from . import _dtype
    return Tensor._make(_generator(device).get_state(), _dtype.uint8)


def set_rng_state(new_state, device="cuda"):
    _lazy_check()
    from ._tensor import Tensor
    if not isinstance(new_state, Tensor) or new_state.dtype.name != "uint8":
        raise TypeError("expected a torch.ByteTensor, but got %s" % type(new_state).__name__)
    _generator(device).set_state(new_state.cpu()._data)


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    for i, state in enumerate(new_states):
        set_rng_state(state, i)


# ------------------------------------------------------------------ memory
def _pool():
    return _cupy().get_default_memory_pool()


def _sample_peaks():
    """Current (allocated, reserved) bytes, with the peaks brought up to date."""
    if not is_initialized():
        return 0, 0
    pool = _pool()
    used, total = int(pool.used_bytes()), int(pool.total_bytes())
    _peak["allocated"] = max(_peak["allocated"], used)
    _peak["reserved"] = max(_peak["reserved"], total)
    return used, total


def memory_stats(device=None):
    """PyTorch's allocator statistics, from CuPy's pool ({} without CUDA)."""
    if not is_initialized():
        return collections.OrderedDict()
    _device_index(device)
    used, total = _sample_peaks()
    stats = {}
    for kind, current, peak in (("allocated_bytes", used, _peak["allocated"]),
                                ("active_bytes", used, _peak["allocated"]),
                                ("reserved_bytes", total, _peak["reserved"])):
        stats["%s.all.current" % kind] = current
        stats["%s.all.peak" % kind] = peak
    stats["inactive_split_bytes.all.current"] = total - used
    stats["num_alloc_retries"] = 0
    stats["num_ooms"] = 0
    return collections.OrderedDict(sorted(stats.items()))


def memory_stats_as_nested_dict(device=None):
    nested = {}
    for key, value in memory_stats(device).items():
        node = nested
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return nested


def memory_allocated(device=None):
    return memory_stats(device).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device=None):
    return memory_stats(device).get("allocated_bytes.all.peak", 0)


def memory_reserved(device=None):
    return memory_stats(device).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device=None):
    return memory_stats(device).get("reserved_bytes.all.peak", 0)


def memory_cached(device=None):
    return memory_reserved(device)


def max_memory_cached(device=None):
    return max_memory_reserved(device)


def reset_peak_memory_stats(device=None):
    _device_index(device)
    pool = _pool()
    _peak["allocated"], _peak["reserved"] = int(pool.used_bytes()), int(pool.total_bytes())


def reset_max_memory_allocated(device=None):
    reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None):
    reset_peak_memory_stats(device)


def reset_accumulated_memory_stats(device=None):
    _device_index(device)


def empty_cache():
    """Give the pool's cached, unused blocks back to the driver."""
    if is_initialized():
        _sample_peaks()
        _pool().free_all_blocks()


def mem_get_info(device=None):
    """(free, total) bytes of the device, as the driver reports them."""
    index = _device_index(device)
    cp = _cupy()
    with cp.cuda.Device(index):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)


def memory_summary(device=None, abbreviated=False):
    """A short table of the memory statistics."""
    index = _device_index(device)
    stats = memory_stats(index)

    def fmt(n):
        for unit in ("B  ", "KiB", "MiB", "GiB"):
            if abs(n) < 1024 or unit == "GiB":
                return ("%d %s" % (n, unit)) if unit == "B  " else ("%.0f %s" % (n, unit))
            n /= 1024.0
    line = "|" + "=" * 75 + "|"
    rows = [line,
            "|{:^75}|".format("PyTorch CUDA memory summary, device ID %d" % index),
            "|" + "-" * 75 + "|",
            "|  CUDA OOMs: %-13d|        cudaMalloc retries: %-10d        |"
            % (stats["num_ooms"], stats["num_alloc_retries"]),
            line,
            "|        Metric         | Cur Usage  | Peak Usage |" + " " * 25 + "|",
            "|" + "-" * 75 + "|"]
    for title, key in (("Allocated memory", "allocated_bytes"), ("Active memory", "active_bytes"),
                       ("GPU reserved memory", "reserved_bytes")):
        rows.append("| %-21s | %10s | %10s |%25s|" % (
            title, fmt(stats[key + ".all.current"]), fmt(stats[key + ".all.peak"]), ""))
    rows.append(line)
    return "\n".join(rows) + "\n"


def list_gpu_processes(device=None):
    return "GPU:%d\nprocess information unavailable (CuPy)" % _device_index(device)


# ------------------------------------------------------------------ pinned host memory
# Host arrays living in page-locked memory, by id of the array that owns the
# memory (NumPy arrays are weak-referenceable but not hashable).
_pinned = weakref.WeakValueDictionary()


def _empty_pinned(shape, dtype):
    """A NumPy array in page-locked host memory (cupyx.empty_pinned). CuPy
    builds without cupyx (the simulated device) get an ordinary array, which
    is still recorded as pinned: copies from it are merely not asynchronous."""
    try:
        import cupyx
        return cupyx.empty_pinned(shape, dtype)
    except ImportError:
        import numpy as np
        return np.empty(shape, dtype)


def _tensor_is_pinned(t, device=None):
    """Tensor.is_pinned(): whether t's data is in pinned host memory."""
    from ._storage import root_array
    a = t._data
    if _state["cupy"] is None or type(a).__module__ != "numpy":
        return False
    root = root_array(a)
    return _pinned.get(id(root)) is root


def _pin_tensor(t, device=None):
    """Tensor.pin_memory(): t itself when already pinned, else a copy in pinned memory."""
    if not is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if t.device.type != "cpu":
        raise RuntimeError("cannot pin '%s' only dense CPU tensors can be pinned" % t.type())
    if _tensor_is_pinned(t):
        return t
    from ._tensor import Tensor
    a = t._data
    pinned = _empty_pinned(a.shape, a.dtype)
    pinned[...] = a
    _pinned[id(pinned)] = pinned
    out = Tensor._make(pinned, t._dtype)
    out._requires_grad = t._requires_grad
    return out


def _pin_structure(data):
    """The DataLoader's pin_memory: pin every tensor in a (nested) batch."""
    from ._tensor import Tensor
    if isinstance(data, Tensor):
        return _pin_tensor(data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: _pin_structure(v) for k, v in data.items()})
        except TypeError:
            return {k: _pin_structure(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_pin_structure(v) for v in data))
    if isinstance(data, tuple):
        return tuple(_pin_structure(v) for v in data)
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([_pin_structure(v) for v in data])
        except TypeError:
            return [_pin_structure(v) for v in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data


# torch.cuda.amp: the deprecated spellings of torch.amp for CUDA. It is in
# sys.modules as ember.cuda.amp; __path__ makes this module a package, so that
# `import torch.cuda.amp` / `from torch.cuda.amp import autocast` find it.
from .amp import device_amp_module as _device_amp_module  # noqa: E402

__path__ = []
amp = _device_amp_module("cuda")
