"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""
import numpy as np

from .optimizer import (Optimizer, addcdiv_, as_real, bump, check_fused, check_lr, check_nonneg,
                        grad_array, incr_step, lr_value, state_tensor, step_tensor)


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_nonneg(lr_decay, "lr_decay")
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(initial_accumulator_value, "initial_accumulator_value")
        check_nonneg(eps, "epsilon")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)
        # the accumulators exist from construction on (filled with initial_accumulator_value)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(group, p)

    def _init_state(self, group, p):
        state = self.state[p]
        if "sum" not in state:
            step_tensor(state)
            v = group["initial_accumulator_value"]
            state_tensor(state, "sum", p, complex(v, v) if p.is_complex() else v)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, fused=None)

    def share_memory(self):
        for group in self.param_groups:
            for p in group["params"]:
                s = self.state[p].get("sum")
                if s is not None and hasattr(s, "share_memory_"):
                    s.share_memory_()

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        lr_decay, wd, eps = group["lr_decay"], group["weight_decay"], group["eps"]
        maximize = group["maximize"]
        for p in params:
            state = self._init_state(group, p)
            step = incr_step(state)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            if wd != 0:
                g = g + wd * x
            clr = lr / (1 + (step - 1) * lr_decay)
            s = as_real(state["sum"]._data)
            s += g * g
            std = np.sqrt(s)
            std += eps
            addcdiv_(x, g, std, -clr)
            bump(state["sum"], p)
