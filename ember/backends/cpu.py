"""torch.backends.cpu: what the CPU supports."""
import functools
import os
import platform

__all__ = ["get_cpu_capability"]


@functools.lru_cache(maxsize=None)
def _cpu_flags():
    """The CPU's feature flags (lower case), from /proc/cpuinfo where there is one."""
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    flags.update(value.split())
                    break
    except OSError:
        pass
    return frozenset(flags)


@functools.lru_cache(maxsize=None)
def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def get_cpu_capability():
    """The SIMD level PyTorch's CPU kernels would use: "AVX512", "AVX2",
    "SVE256", "DEFAULT"... (the ATEN_CPU_CAPABILITY variable can lower it)."""
    env = os.environ.get("ATEN_CPU_CAPABILITY", "").upper()
    f = _cpu_flags()
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64", "i386", "i686"):
        best = "DEFAULT"
        if {"avx2", "fma"} <= f:
            best = "AVX2"
        if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= f:
            best = "AVX512"
        order = ["DEFAULT", "AVX2", "AVX512"]
        if env in order and order.index(env) < order.index(best):
            return env
        return best
    if machine in ("aarch64", "arm64"):
        return "SVE256" if "sve" in f and env != "DEFAULT" else "DEFAULT"
    return "DEFAULT"
