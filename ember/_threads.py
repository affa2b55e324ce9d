"""set_num_threads / get_num_threads mapped onto the BLAS thread pool."""
import os

_threads = [None]


def get_num_threads():
    if _threads[0] is None:
        env = os.environ.get("OMP_NUM_THREADS")
        _threads[0] = int(env) if env and env.isdigit() else (os.cpu_count() or 1)
    return _threads[0]


def set_num_threads(n):
    n = int(n)
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads[0] = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    global _limiter
    _limiter = threadpool_limits(limits=n, user_api="blas")


_limiter = None
