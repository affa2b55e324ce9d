"""RAdam: Adam with a rectified (variance-aware) adaptive learning rate."""
import numpy as np

from .optimizer import (Optimizer, addcmul_, as_real, bump, check_betas, check_lr, check_nonneg,
                        grad_array, hp, incr_step, lerp_, lr_value, state_tensor, step_tensor)


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False,
                              decoupled_weight_decay=False, capturable=False)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        beta1, beta2 = hp(group["betas"][0]), hp(group["betas"][1])
        eps, wd, maximize = group["eps"], group["weight_decay"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        rho_inf = 2 / (1 - beta2) - 1
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                step_tensor(state)
                state_tensor(state, "exp_avg", p)
                state_tensor(state, "exp_avg_sq", p)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            step = incr_step(state)
            if wd != 0:
                if decoupled:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            m = as_real(state["exp_avg"]._data)
            v = as_real(state["exp_avg_sq"]._data)
            lerp_(m, g, 1 - beta1)
            v *= beta2
            addcmul_(v, g, g, 1 - beta2)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            update = m / bias_correction1
            update *= lr
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                # adaptive lr: sqrt(bias_correction2) / (sqrt(v) + eps), where PyTorch's
                # scalar / tensor is reciprocal(tensor) * scalar
                adaptive = np.sqrt(v)
                adaptive += eps
                np.reciprocal(adaptive, out=adaptive)
                adaptive *= bias_correction2 ** 0.5
                update *= adaptive
                update *= rect
            x -= update
            bump(state["exp_avg"], state["exp_avg_sq"], p)
