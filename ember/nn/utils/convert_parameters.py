"""parameters_to_vector / vector_to_parameters: all parameters as one flat vector."""
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param, old_param_device):
    """The device index shared by all parameters (-1: CPU); TypeError on a mix."""
    dev = param.device
    if old_param_device is None:
        return param.get_device() if dev.type != "cpu" else -1
    if dev.type != "cpu":
        warn = param.get_device() != old_param_device
    else:
        warn = old_param_device != -1
    if warn:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return old_param_device


def parameters_to_vector(parameters):
    """Flatten an iterable of parameters into one vector (differentiable: a cat of views)."""
    from ..._ops.shape import cat
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Copy slices of `vec` into the parameters (their data then shares vec's memory)."""
    if not isinstance(vec, Tensor):
        from ..modules.module import _typename
        raise TypeError("expected torch.Tensor, but got: %s" % _typename(vec))
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
