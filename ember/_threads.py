"""set_num_threads / get_num_threads mapped onto the BLAS thread pool.

Ember's heavy kernels are NumPy's BLAS calls, so the intra-op thread count
is the BLAS library's. set_num_threads(n) limits it:

- through threadpoolctl when it is installed (it knows every BLAS/OpenMP
  library loaded in the process);
- otherwise by calling the BLAS library's own setter over ctypes
  (OpenBLAS and its scipy-openblas builds, MKL, BLIS), the libraries being
  found among the shared objects the process has loaded (/proc/self/maps),
  or next to NumPy where there is no /proc.

get_num_threads() returns what was set; before that, the number of physical
cores, or OMP_NUM_THREADS / MKL_NUM_THREADS when smaller (as PyTorch).
"""
import ctypes
import glob
import operator
import os
import sys

_threads = [None]

# (setter, getter) symbol names, per BLAS flavour
_SETTERS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
    ("MKL_Set_Num_Threads", "MKL_Get_Max_Threads"),
    ("bli_thread_set_num_threads", "bli_thread_get_num_threads"),
)
_LIB_HINTS = ("blas", "mkl_rt", "libmkl", "blis", "flexiblas", "accelerate")


def _physical_cores():
    """Physical cores among the CPUs this process may run on (None if unknown)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    cores = set()
    for c in cpus:
        base = "/sys/devices/system/cpu/cpu%d/topology/" % c
        try:
            with open(base + "core_id") as f:
                core = f.read().strip()
            with open(base + "physical_package_id") as f:
                pkg = f.read().strip()
        except OSError:
            return len(cpus)
        cores.add((pkg, core))
    return len(cores) or None


def _default_threads():
    """PyTorch's default: the physical cores, lowered by OMP_NUM_THREADS or
    MKL_NUM_THREADS when they are positive integers (never raised by them)."""
    n = _physical_cores() or os.cpu_count() or 1
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env = os.environ.get(var, "").strip()
        if env.isdigit() and int(env) > 0:
            n = min(n, int(env))
    return n


def get_num_threads():
    """The number of threads used for intra-op parallelism (BLAS)."""
    if _threads[0] is None:
        _threads[0] = _default_threads()
    return _threads[0]


def set_num_threads(n):
    """Use n threads for intra-op parallelism: limits the BLAS thread pool."""
    if isinstance(n, bool) or not _is_int(n):
        raise RuntimeError("set_num_threads expects an int, but got %s" % type(n).__name__)
    n = operator.index(n)
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads[0] = n
    _limit_blas(n)


def _is_int(n):
    try:
        operator.index(n)
        return True
    except TypeError:
        return False


# ------------------------------------------------------------------ BLAS control
_limiter = None


def _limit_blas(n):
    """Limit every BLAS library loaded in the process to n threads; returns
    how many libraries were limited."""
    global _limiter
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        _limiter = threadpool_limits(limits=n, user_api="blas")
        return len(getattr(_limiter, "_original_info", ()) or ()) or 1
    count = 0
    for setter, _ in _blas_controls():
        try:
            setter(n)
            count += 1
        except Exception:  # a library that refuses: leave it as it is
            pass
    return count


def blas_num_threads():
    """The thread counts the loaded BLAS libraries report ([] when none is found)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        return [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    out = []
    for _, getter in _blas_controls():
        if getter is not None:
            try:
                out.append(int(getter()))
            except Exception:
                pass
    return out


_handles = {}


def _blas_controls():
    """(setter, getter) ctypes functions of every BLAS library loaded in the process."""
    _load_numpy_blas()
    found = []
    seen = set()
    for path in _loaded_libraries():
        lib = _handles.get(path)
        if lib is None:
            try:
                mode = getattr(os, "RTLD_NOLOAD", 0) | getattr(os, "RTLD_LOCAL", 0)
                lib = ctypes.CDLL(path, mode=mode)
            except OSError:
                lib = False
            _handles[path] = lib
        if not lib:
            continue
        for set_name, get_name in _SETTERS:
            fn = getattr(lib, set_name, None)
            if fn is None:
                continue
            addr = ctypes.cast(fn, ctypes.c_void_p).value
            if addr in seen:
                break
            seen.add(addr)
            fn.restype = None
            fn.argtypes = [ctypes.c_int]
            getter = getattr(lib, get_name, None)
            if getter is not None:
                getter.restype = ctypes.c_int
                getter.argtypes = []
            found.append((fn, getter))
            break
    return found


def _load_numpy_blas():
    # NumPy's BLAS is loaded with its linalg extension module
    if "numpy" in sys.modules:
        try:
            import numpy.linalg  # noqa: F401
        except ImportError:
            pass


def _loaded_libraries():
    """Paths of the shared libraries in the process that look like BLAS."""
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6:
                    p = parts[5].strip()
                    if p.startswith("/") and p not in paths and _looks_like_blas(p):
                        paths.append(p)
    except OSError:
        pass
    if not paths:   # no /proc (macOS, Windows): the libraries NumPy ships with
        try:
            import numpy
            root = os.path.dirname(numpy.__file__)
            for pattern in (os.path.join(root, ".dylibs", "*"),
                            os.path.join(os.path.dirname(root), "numpy.libs", "*"),
                            os.path.join(root, "..", "numpy.libs", "*")):
                for p in glob.glob(pattern):
                    if _looks_like_blas(p) and p not in paths:
                        paths.append(p)
        except ImportError:
            pass
    return paths


def _looks_like_blas(path):
    name = os.path.basename(path).lower()
    return any(h in name for h in _LIB_HINTS) and (".so" in name or name.endswith((".dylib",
                                                                                   ".dll")))
