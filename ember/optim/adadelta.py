"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
import numpy as np

from .optimizer import (Optimizer, addcmul_, as_real, bump, check_lr, check_nonneg, grad_array,
                        incr_step, lr_value, state_tensor, step_tensor)


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError("Invalid rho value: {}".format(rho))
        check_nonneg(eps, "epsilon")
        check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        rho, eps, wd, maximize = group["rho"], group["eps"], group["weight_decay"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                step_tensor(state)
                state_tensor(state, "square_avg", p)
                state_tensor(state, "acc_delta", p)
            incr_step(state)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            if wd != 0:
                g = g + wd * x
            sq = as_real(state["square_avg"]._data)
            acc = as_real(state["acc_delta"]._data)
            sq *= rho
            addcmul_(sq, g, g, 1 - rho)
            std = sq + eps
            np.sqrt(std, out=std)
            delta = acc + eps
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            acc *= rho
            addcmul_(acc, delta, delta, 1 - rho)
            x -= lr * delta
            bump(state["square_avg"], state["acc_delta"], p)
