"""Rprop: resilient backpropagation (per-coordinate step sizes adapted by gradient signs)."""
import numpy as np

from .optimizer import (Optimizer, as_real, bump, check_lr, grad_array, incr_step, lr_value,
                        state_tensor, step_tensor)


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError("Invalid eta values: {}, {}".format(etas[0], etas[1]))
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        maximize = group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                step_tensor(state)
                state_tensor(state, "prev", p)
                state_tensor(state, "step_size", p, complex(lr, lr) if p.is_complex() else lr)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            incr_step(state)
            prev = as_real(state["prev"]._data)
            step_size = as_real(state["step_size"]._data)
            prod = g * prev
            sign = np.ones_like(prod)
            sign[prod > 0] = etaplus
            sign[prod < 0] = etaminus
            step_size *= sign
            np.clip(step_size, step_size_min, step_size_max, out=step_size)
            g = g.copy()
            g[sign == sign.dtype.type(etaminus)] = 0
            x -= np.sign(g) * step_size
            prev[...] = g
            bump(state["prev"], state["step_size"], p)
