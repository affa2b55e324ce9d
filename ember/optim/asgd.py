"""ASGD: averaged stochastic gradient descent."""
from .. import _dtype as D
from .optimizer import (Optimizer, as_real, bump, check_lr, check_nonneg, grad_array, incr_step,
                        lr_value, scalar_tensor, state_tensor)


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, capturable=False)
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                for key in ("eta", "mu"):
                    if st and key in st and not hasattr(st[key], "_data"):
                        st[key] = scalar_tensor(float(st[key]))

    def _update(self, group, params):
        lr = lr_value(group["lr"])
        lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
        wd, maximize = group["weight_decay"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                # PyTorch keeps ASGD's step, eta and mu on the parameter's device
                state["step"] = scalar_tensor(0.0, p)
                state["eta"] = scalar_tensor(lr, p)
                state["mu"] = scalar_tensor(1.0, p)
                state_tensor(state, "ax", p)
            x = as_real(p._data)
            g = grad_array(p, maximize)
            step = incr_step(state)
            if wd != 0:
                g = g + wd * x
            eta_t, mu_t, ax_t = state["eta"], state["mu"], state["ax"]
            eta = float(eta_t._data)
            x *= 1 - lambd * eta
            x -= eta * g
            ax = as_real(ax_t._data)
            mu = float(mu_t._data)
            if mu != 1:
                d = x - ax
                d *= mu
                ax += d
            else:
                ax[...] = x
            # the new values pass through a default-dtype tensor (torch.as_tensor) on the way
            default = D.get_default_dtype().np.type
            eta_t._data[...] = default(lr / ((1 + lambd * lr * step) ** alpha))
            mu_t._data[...] = default(1 / max(1, step - t0))
            bump(eta_t, mu_t, ax_t, p)
