"""nn.DataParallel: run a module on the batch, on the first of the GPUs given.

PyTorch splits the batch over the GPUs in `device_ids`, runs a replica of the
module on each and gathers the outputs on `output_device`. Ember runs the
whole batch on `device_ids[0]`: the same results (up to the order of float
sums), with the speed of one GPU. Without CUDA, as in PyTorch, the wrapper
has no devices and simply calls the module. Either way its state_dict keys
carry the `module.` prefix, as PyTorch's do.
"""
import collections.abc

from ... import cuda
from ..._device import device as _device
from ..._tensor import Tensor
from ..modules.module import Module


def _index(d):
    if isinstance(d, int):
        return d
    d = d if isinstance(d, _device) else _device(d)
    return 0 if d.index is None else d.index


def _to_device(obj, dev):
    """Tensors in a (nested) input moved to `dev`; everything else as it is."""
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_device(v, dev) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(v, dev) for v in obj)
    if isinstance(obj, collections.abc.Mapping):
        return type(obj)((k, _to_device(v, dev)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.dim = dim
        if not cuda.is_available():
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.device_ids = [_index(d) for d in device_ids]
        self.output_device = _index(output_device)
        self.src_device_obj = _device("cuda", self.device_ids[0])
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(
                    "module must have its parameters and buffers on device %s (device_ids[0]) but "
                    "found one of them on device: %s" % (self.src_device_obj, t.device))
        inputs, kwargs = _to_device((inputs, kwargs), self.src_device_obj)
        return _to_device(self.module(*inputs, **kwargs), _device("cuda", self.output_device))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form of DataParallel."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
