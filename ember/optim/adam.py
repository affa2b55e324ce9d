"""Adam and AdamW (decoupled weight decay), with AMSGrad."""
import numpy as np

from .. import _cuda_kernels as _kernels
from .._backends import is_host
from .._tensor import Tensor
from .optimizer import (Optimizer, addcdiv_, addcmul_, as_real, bump, check_betas, check_fused,
                        check_lr, check_nonneg, grad_array, hp, incr_step, lerp_, lr_value,
                        state_tensor, step_tensor)


def _check(lr, eps, betas, weight_decay, foreach, capturable):
    if isinstance(lr, Tensor):
        if foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
    check_lr(lr)
    check_nonneg(eps, "epsilon")
    check_betas(betas)
    check_nonneg(weight_decay, "weight_decay")
    b0, b1 = betas[0], betas[1]
    if not ((isinstance(b0, float) and isinstance(b1, float))
            or (isinstance(b0, Tensor) and isinstance(b1, Tensor))):
        raise ValueError("betas must be either both floats or both Tensors")
    if isinstance(b0, Tensor):
        if not capturable and foreach:
            raise ValueError("betas[0] as a Tensor is not supported for capturable=False and foreach=True")
        if b0.numel() != 1:
            raise ValueError("Tensor betas[0] must be 1-element")
    if isinstance(b1, Tensor):
        if not capturable and foreach:
            raise ValueError("betas[1] as a Tensor is not supported for capturable=False and foreach=True")
        if b1.numel() != 1:
            raise ValueError("Tensor betas[1] must be 1-element")


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check(lr, eps, betas, weight_decay, foreach, capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(amsgrad=False, maximize=False, foreach=None, capturable=False,
                              differentiable=False,
                              decoupled_weight_decay=isinstance(self, AdamW), fused=None)

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        beta1, beta2 = hp(group["betas"][0]), hp(group["betas"][1])
        eps, wd = group["eps"], group["weight_decay"]
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group.get("decoupled_weight_decay", False)
        fusable = not group.get("differentiable", False)
        for p in params:
            state = self.state[p]
            step_tensor(state)
            exp_avg = state_tensor(state, "exp_avg", p)
            exp_avg_sq = state_tensor(state, "exp_avg_sq", p)
            if amsgrad:
                max_sq = state_tensor(state, "max_exp_avg_sq", p)
            x = as_real(p._data)
            step = incr_step(state)
            if fusable and not amsgrad and abs(1 - beta1) < 0.5 and not is_host(x) and _kernels.fusable(x):
                # on a GPU, the whole update in one kernel (the formulas below)
                decay = wd != 0 and decoupled
                _kernels.adam_step(x, as_real(exp_avg._data), as_real(exp_avg_sq._data), as_real(p._grad._data),
                                   lerp_weight=1 - beta1, beta2=beta2, one_minus_beta2=1 - beta2,
                                   neg_step_size=-(lr / (1 - beta1 ** step)),
                                   bias_correction2_sqrt=(1 - beta2 ** step) ** 0.5, eps=eps,
                                   weight_decay=wd if wd != 0 and not decoupled else 0.0,
                                   decay=1 - lr * wd if decay else 1.0, maximize=maximize)
                bump(exp_avg, exp_avg_sq, p)
                continue
            g = grad_array(p, maximize)
            if wd != 0:
                if decoupled:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            m, v = as_real(exp_avg._data), as_real(exp_avg_sq._data)
            lerp_(m, g, 1 - beta1)
            v *= beta2
            addcmul_(v, g, g, 1 - beta2)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
            step_size = lr / bias_correction1
            if amsgrad:
                mv = as_real(max_sq._data)
                np.maximum(mv, v, out=mv)
                denom = np.sqrt(mv)
                bump(max_sq)
            else:
                denom = np.sqrt(v)
            denom /= bias_correction2_sqrt
            denom += eps
            addcdiv_(x, m, denom, -step_size)
            bump(exp_avg, exp_avg_sq, p)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused, decoupled_weight_decay=True)
