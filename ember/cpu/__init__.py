"""torch.cpu: the CPU as a device (always there, one of it).

torch.cpu.amp is the deprecated per-device spelling of torch.amp (see
ember.amp.device_amp_module).
"""
import contextlib
import os

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "current_stream",
           "stream", "set_device", "device_count", "Stream", "StreamContext", "Event",
           "get_capabilities"]


def is_available():
    """Always True: the CPU is always there."""
    return True


def is_initialized():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """A no-op: there is one CPU device."""


def synchronize(device=None):
    """A no-op: CPU work is synchronous."""


class Stream:
    """The CPU's (only) stream: its methods are no-ops."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def wait_event(self, event):
        pass

    def record_event(self, event=None):
        pass


class Event:
    def __init__(self, *args, **kwargs):
        pass

    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_cpu_stream = Stream()
_current_stream = _default_cpu_stream


def current_stream(device=None):
    return _current_stream


class StreamContext(contextlib.AbstractContextManager):
    """Makes `stream` the current stream for the block (a formality on the CPU)."""

    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _default_cpu_stream

    def __enter__(self):
        global _current_stream
        cur = self.stream
        if cur is None:
            return
        self.prev_stream = _current_stream
        _current_stream = cur

    def __exit__(self, exc_type, exc_value, traceback):
        global _current_stream
        if self.stream is None:
            return
        _current_stream = self.prev_stream


def stream(stream):
    return StreamContext(stream)


def get_capabilities():
    """The CPU's features (flags, cores, name), PyTorch's keys where known."""
    from ..backends.cpu import _cpu_flags, _cpu_name
    import platform
    flags = _cpu_flags()
    caps = {}
    for name in ("sse", "sse2", "sse3", "ssse3", "sse4_1", "sse4_2", "sse4a", "avx", "avx2",
                 "fma4", "f16c", "popcnt", "bmi", "bmi2", "aes", "sha", "clflush", "clflushopt",
                 "clwb", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16",
                 "avx512_vnni", "avx512_fp16", "avx512vbmi", "avx512ifma", "avx_vnni",
                 "amx_bf16", "amx_tile", "amx_int8", "amx_fp16"):
        key = {"avx512f": "avx512_f", "avx512cd": "avx512_cd", "avx512bw": "avx512_bw",
               "avx512dq": "avx512_dq", "avx512vl": "avx512_vl", "avx512vbmi": "avx512_vbmi",
               "avx512ifma": "avx512_ifma"}.get(name, name)
        caps[key] = name in flags
    caps["fma3"] = "fma" in flags
    caps["lzcnt"] = "abm" in flags or "lzcnt" in flags
    logical = os.cpu_count() or 1
    from .._threads import _physical_cores
    caps["num_logical_cores"] = logical
    caps["num_physical_cores"] = _physical_cores() or logical
    caps["num_sockets"] = _sockets()
    caps["cpu_name"] = _cpu_name()
    caps["architecture"] = platform.machine()
    return caps


def _sockets():
    ids = set()
    try:
        base = "/sys/devices/system/cpu"
        for entry in os.listdir(base):
            if entry.startswith("cpu") and entry[3:].isdigit():
                try:
                    with open(os.path.join(base, entry, "topology", "physical_package_id")) as f:
                        ids.add(f.read().strip())
                except OSError:
                    pass
    except OSError:
        pass
    return len(ids) or 1


def _flag(name):
    from ..backends.cpu import _cpu_flags
    return name in _cpu_flags()


def _is_avx2_supported():
    return _flag("avx2")


def _is_avx512_supported():
    return _flag("avx512f") and _flag("avx512bw") and _flag("avx512vl") and _flag("avx512dq")


def _is_avx512_bf16_supported():
    return _flag("avx512_bf16")


def _is_vnni_supported():
    return _flag("avx512_vnni") or _flag("avx_vnni")


def _is_amx_tile_supported():
    return _flag("amx_tile")


def _is_amx_fp16_supported():
    return _flag("amx_fp16")


def _init_amx():
    return _is_amx_tile_supported()


from ..amp import device_amp_module as _device_amp_module  # noqa: E402

amp = _device_amp_module("cpu")   # torch.cpu.amp (also in sys.modules)
