"""Adam and AdamW (decoupled weight decay), with AMSGrad."""
import math

import numpy as np

from .optimizer import Optimizer, bump, lr_value, state_tensor, step_tensor


def _check(lr, eps, betas, weight_decay):
    if not 0.0 <= lr:
        raise ValueError("Invalid learning rate: {}".format(lr))
    if not 0.0 <= eps:
        raise ValueError("Invalid epsilon value: {}".format(eps))
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError("Invalid beta parameter at index 0: {}".format(betas[0]))
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError("Invalid beta parameter at index 1: {}".format(betas[1]))
    if not 0.0 <= weight_decay:
        raise ValueError("Invalid weight_decay value: {}".format(weight_decay))


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check(lr_value(lr), eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group.get("decoupled_weight_decay", False)
        for p in params:
            state = self.state[p]
            step_t = step_tensor(state)
            exp_avg = state_tensor(state, "exp_avg", p)
            exp_avg_sq = state_tensor(state, "exp_avg_sq", p)
            if amsgrad:
                max_sq = state_tensor(state, "max_exp_avg_sq", p)
            x = p._data
            g = p._grad._data
            if maximize:
                g = -g
            if wd != 0:
                if decoupled:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            step_t._data += 1
            step = float(step_t._data)
            m, v = exp_avg._data, exp_avg_sq._data
            m += (1 - beta1) * (g - m)          # lerp towards g
            v *= beta2
            v += (1 - beta2) * g * g
            bias_correction1 = 1 - beta1 ** step
            bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
            if amsgrad:
                np.maximum(max_sq._data, v, out=max_sq._data)
                denom = np.sqrt(max_sq._data) / bias_correction2_sqrt
                bump(max_sq)
            else:
                denom = np.sqrt(v) / bias_correction2_sqrt
            denom += eps
            x += (-lr / bias_correction1) * m / denom
            for t in (step_t, exp_avg, exp_avg_sq, p):
                bump(t)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused, decoupled_weight_decay=True)
