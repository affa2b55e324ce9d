"""Adamax: Adam with the infinity norm in place of the second moment."""
import numpy as np

from .optimizer import (Optimizer, addcdiv_, as_real, bump, check_betas, check_lr, check_nonneg,
                        grad_array, hp, incr_step, lerp_, lr_value, state_tensor, step_tensor)


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        beta1, beta2 = hp(group["betas"][0]), hp(group["betas"][1])
        eps, wd, maximize = group["eps"], group["weight_decay"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                step_tensor(state)
                state_tensor(state, "exp_avg", p)
                state_tensor(state, "exp_inf", p)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            step = incr_step(state)
            if wd != 0:
                g = g + wd * x
            m = as_real(state["exp_avg"]._data)
            u = as_real(state["exp_inf"]._data)
            lerp_(m, g, 1 - beta1)
            u *= beta2
            a = np.abs(g)
            a += eps
            np.maximum(u, a, out=u)
            clr = lr / (1 - beta1 ** step)
            addcdiv_(x, m, u, -clr)
            bump(state["exp_avg"], state["exp_inf"], p)
