"""SGD with momentum, dampening, Nesterov momentum and weight decay."""
import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, as_real, bump, check_fused, grad_array, lr_value


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            value = lr_value(lr) if isinstance(lr, Tensor) else lr
            raise ValueError("Invalid learning rate: {}".format(value))
        if momentum < 0.0:
            raise ValueError("Invalid momentum value: {}".format(momentum))
        if weight_decay < 0.0:
            raise ValueError("Invalid weight_decay value: {}".format(weight_decay))
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(nesterov=False, maximize=False, foreach=None, differentiable=False,
                              fused=False)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        momentum, dampening = group["momentum"], group["dampening"]
        wd, nesterov = group["weight_decay"], group["nesterov"]
        maximize = group["maximize"]
        for p in params:
            x = as_real(p._data)
            g = grad_array(p, maximize)
            if wd != 0:
                g = g + wd * x
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._make(np.empty_like(p._data), p._dtype)
                    as_real(buf._data)[...] = g
                    state["momentum_buffer"] = buf
                else:
                    b = as_real(buf._data)
                    b *= momentum
                    if dampening != 0:
                        b += (1 - dampening) * g
                    else:
                        b += g
                    bump(buf)
                g = g + momentum * as_real(buf._data) if nesterov else as_real(buf._data)
            x -= lr * g
            bump(p)
