"""Keep freed array memory in the process instead of handing it back to the OS.

A training step allocates and frees the same large NumPy temporaries every
time (im2col matrices, activations, gradients). With glibc's defaults a
block of a few MB or more is served by mmap and munmap'ed when freed, and
the top of the heap is trimmed back to the OS, so every step page-faults the
same memory back in and the kernel zeroes it again: on the CNN workloads
that costs a fifth to a quarter of the step.

`tune()` raises glibc's mmap threshold (so such blocks come from the heap,
whose freed memory is reused) and the trim threshold (so the heap is not
shrunk after every step). The memory a step needs is kept between steps,
which is also what PyTorch's own CPU caching does; the peak stays that of
one step. Without glibc (macOS, musl, Windows) this does nothing.

`EMBER_MALLOC_TUNE=0` in the environment turns it off.
"""
import ctypes
import ctypes.util
import os
import sys

# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

# glibc accepts at most HEAP_MAX_SIZE / 2 (32 MiB on 64-bit) for the mmap
# threshold; blocks above it keep coming from mmap.
MMAP_THRESHOLD = 32 * 2 ** 20
# The heap is trimmed only when this much is free at its top.
TRIM_THRESHOLD = 512 * 2 ** 20
# Extra heap grown on each sbrk, so a step's growth costs fewer calls.
TOP_PAD = 16 * 2 ** 20

_state = {"tuned": None}


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.mallopt
    except (OSError, AttributeError):
        return None
    # musl has no mallopt with these meanings; glibc reports its version
    try:
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()
    except AttributeError:
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_int)
    fn.restype = ctypes.c_int
    return libc


def tune(mmap_threshold=MMAP_THRESHOLD, trim_threshold=TRIM_THRESHOLD, top_pad=TOP_PAD):
    """Set glibc malloc's thresholds once; returns True when they were set."""
    if _state["tuned"] is not None:
        return _state["tuned"]
    ok = False
    if os.environ.get("EMBER_MALLOC_TUNE", "1") != "0":
        libc = _libc()
        if libc is not None:
            ok = bool(libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)))
            ok = bool(libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold))) and ok
            if top_pad:
                libc.mallopt(M_TOP_PAD, int(top_pad))
    _state["tuned"] = ok
    return ok
