"""RMSprop: a running average of squared gradients, optional momentum and centering."""
import numpy as np

from .optimizer import (Optimizer, addcdiv_, addcmul_, as_real, bump, check_lr, check_nonneg,
                        grad_array, incr_step, lerp_, lr_value, state_tensor, step_tensor)


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_nonneg(momentum, "momentum")
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(alpha, "alpha")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(momentum=0, centered=False, foreach=None, maximize=False,
                              differentiable=False, capturable=False)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        alpha, eps, wd = group["alpha"], group["eps"], group["weight_decay"]
        momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                step_tensor(state)
                state_tensor(state, "square_avg", p)
                if momentum > 0:
                    state_tensor(state, "momentum_buffer", p)
                if centered:
                    state_tensor(state, "grad_avg", p)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            incr_step(state)
            if wd != 0:
                g = g + wd * x
            sq_t = state["square_avg"]
            sq = as_real(sq_t._data)
            sq *= alpha
            addcmul_(sq, g, g, 1 - alpha)
            changed = [sq_t]
            if centered:
                ga_t = state["grad_avg"]
                ga = as_real(ga_t._data)
                lerp_(ga, g, 1 - alpha)
                avg = ga * -1.0
                avg *= ga
                avg += sq
                np.sqrt(avg, out=avg)
                changed.append(ga_t)
            else:
                avg = np.sqrt(sq)
            avg += eps
            if momentum > 0:
                buf_t = state["momentum_buffer"]
                buf = as_real(buf_t._data)
                buf *= momentum
                buf += g / avg
                x -= lr * buf
                changed.append(buf_t)
            else:
                addcdiv_(x, g, avg, -lr)
            bump(p, *changed)
