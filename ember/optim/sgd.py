"""SGD with momentum, dampening, Nesterov momentum and weight decay."""
import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, bump, lr_value, required


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if momentum < 0.0:
            raise ValueError("Invalid momentum value: {}".format(momentum))
        if weight_decay < 0.0:
            raise ValueError("Invalid weight_decay value: {}".format(weight_decay))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        momentum, dampening = group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        for p in params:
            g = p._grad._data
            if maximize:
                g = -g
            if wd != 0:
                g = g + wd * p._data
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._make(np.array(g, copy=True), p._dtype)
                    state["momentum_buffer"] = buf
                else:
                    b = buf._data
                    b *= momentum
                    b += (1 - dampening) * g if dampening else g
                    bump(buf)
                g = g + momentum * buf._data if nesterov else buf._data
            p._data -= lr * g if lr != 1 else g
            bump(p)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
