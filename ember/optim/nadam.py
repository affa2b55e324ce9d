"""NAdam: Adam with Nesterov momentum (and a momentum schedule, momentum_decay)."""
import numpy as np

from .optimizer import (Optimizer, addcdiv_, addcmul_, as_real, bump, check_betas, check_lr,
                        check_nonneg, grad_array, hp, incr_step, lerp_, lr_value, scalar_tensor,
                        state_tensor, step_tensor)


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(momentum_decay, "momentum_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(maximize=False, foreach=None, capturable=False, differentiable=False,
                              decoupled_weight_decay=False)
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if st and "mu_product" in st and not hasattr(st["mu_product"], "_data"):
                    st["mu_product"] = scalar_tensor(float(st["mu_product"]))

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        beta1, beta2 = hp(group["betas"][0]), hp(group["betas"][1])
        eps, wd, maximize = group["eps"], group["weight_decay"], group["maximize"]
        momentum_decay, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                step_tensor(state)
                state["mu_product"] = scalar_tensor(1.0)
                state_tensor(state, "exp_avg", p)
                state_tensor(state, "exp_avg_sq", p)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            step = incr_step(state)
            bias_correction2 = 1 - beta2 ** step
            if wd != 0:
                if decoupled:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mp_t = state["mu_product"]
            mp = mp_t._data
            mp[...] = mp * mp.dtype.type(mu)    # in the state's dtype (float32), as PyTorch keeps it
            mu_product = float(mp_t._data)
            m = as_real(state["exp_avg"]._data)
            v = as_real(state["exp_avg_sq"]._data)
            lerp_(m, g, 1 - beta1)
            v *= beta2
            addcmul_(v, g, g, 1 - beta2)
            denom = v / bias_correction2
            np.sqrt(denom, out=denom)
            mu_product_next = mu_product * mu_next
            denom += eps
            addcdiv_(x, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
            addcdiv_(x, m, denom, (-lr * mu_next) / (1.0 - mu_product_next))
            bump(mp_t, state["exp_avg"], state["exp_avg_sq"], p)
