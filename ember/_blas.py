"""Pick OpenBLAS's AVX-512 kernels where the CPU has AVX-512 but OpenBLAS
would not choose them itself.

NumPy's OpenBLAS (DYNAMIC_ARCH) chooses its kernels from the CPU's model
number when it loads. On AMD CPUs with AVX-512 it may fall back to the
AVX2 "Haswell" kernels: on the 2-core AMD EPYC KVM guest the benchmarks run
on, it does, and its float32 GEMMs then reach about half of what the
"SkylakeX" (AVX-512) kernels reach on the same core (1024^3: 125 against
231 GFLOP/s, one thread; convolution GEMMs alike).

`select_kernels()` sets OPENBLAS_CORETYPE=SkylakeX for that case only:
Linux, an AMD CPU whose flags include everything the SkylakeX kernels use
(avx512f/cd/bw/dq/vl), OPENBLAS_CORETYPE not already set, and NumPy not yet
imported (OpenBLAS reads the variable once, when NumPy loads it; afterwards
this does nothing). Intel CPUs are left alone: OpenBLAS recognises them.
This module must not import NumPy. `EMBER_BLAS_CORETYPE=0` turns it off;
`EMBER_BLAS_CORETYPE=<name>` asks for another core type.
"""
import os
import sys

_NEEDED = ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")


def _cpu():
    """(vendor, set of flags) from /proc/cpuinfo, or (None, empty set)."""
    try:
        with open("/proc/cpuinfo") as f:
            vendor, flags = None, set()
            for line in f:
                if vendor is None and line.startswith("vendor_id"):
                    vendor = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
            return vendor, flags
    except OSError:
        return None, set()


def select_kernels():
    """Set OPENBLAS_CORETYPE before NumPy loads OpenBLAS; returns the core
    type set, or None when nothing was changed."""
    want = os.environ.get("EMBER_BLAS_CORETYPE", "")
    if want == "0" or "OPENBLAS_CORETYPE" in os.environ or "numpy" in sys.modules:
        return None
    if not sys.platform.startswith("linux"):
        return None
    if not want:
        vendor, flags = _cpu()
        if vendor != "AuthenticAMD" or not all(f in flags for f in _NEEDED):
            return None
        want = "SkylakeX"
    os.environ["OPENBLAS_CORETYPE"] = want
    return want
