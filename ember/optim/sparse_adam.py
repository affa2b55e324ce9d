"""SparseAdam: Adam for sparse gradients (lazy updates of the moments).

Ember has no sparse tensors, so every gradient it produces is dense; like
PyTorch, SparseAdam rejects dense gradients at step() and points to Adam.
"""
from .optimizer import Optimizer, check_betas, check_lr


class SparseAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        check_lr(lr, strict=True)
        if not 0.0 < eps:
            raise ValueError("Invalid epsilon value: {}".format(eps))
        check_betas(betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, maximize=maximize)
        super().__init__(params, defaults)
        sparse_params, complex_params = [], []
        for index, group in enumerate(self.param_groups):
            for d_index, p in enumerate(group["params"]):
                if p.is_sparse:
                    sparse_params.append([index, d_index])
                if p.is_complex():
                    complex_params.append([index, d_index])
        if sparse_params:
            raise ValueError("Sparse params at indices {}: SparseAdam requires dense parameter tensors"
                             .format(sparse_params))
        if complex_params:
            raise ValueError("Complex params at indices {}: SparseAdam does not support complex "
                             "parameters".format(complex_params))

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(maximize=False)

    def _update(self, group, params):
        for p in params:
            if not getattr(p._grad, "is_sparse", False):
                raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam "
                                   "instead")
        raise RuntimeError("SparseAdam: sparse gradients are not supported by Ember")
