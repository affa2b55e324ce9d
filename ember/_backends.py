"""Array backends: NumPy for 'cpu' tensors, CuPy for 'cuda' tensors.

Ops are written once against NumPy's API; CuPy arrays accept the same
calls (through __array_ufunc__/__array_function__), so a backend is mainly
how arrays move between devices.
"""
import numpy as np

from ._device import CPU, device


def device_of(array):
    if type(array) is np.ndarray:
        return CPU
    return device("cuda", array.device.id)


def move_to(t, dev):
    """A copy of tensor t on device dev (autograd-aware)."""
    from ._dispatch import apply

    if dev.type == "cpu":
        return apply(ToCPU, t)
    if dev.type == "cuda":
        from . import cuda
        if not cuda.is_available():
            raise AssertionError("Torch not compiled with CUDA enabled")
        return apply(ToCUDA, t, index=dev.index or 0)
    raise RuntimeError("unsupported device %s" % dev)


def _ops():
    from ._dispatch import Op

    class ToCPU(Op):
        dtype_rule = "keep"

        def forward(ctx, x):
            return x.get() if type(x) is not np.ndarray else x.copy()

        def backward(ctx, g):
            return g

    class ToCUDA(Op):
        dtype_rule = "keep"

        def forward(ctx, x, index=0):
            import cupy
            with cupy.cuda.Device(index):
                return cupy.asarray(x)

        def backward(ctx, g):
            return g.cpu()

    return ToCPU, ToCUDA


ToCPU, ToCUDA = _ops()
