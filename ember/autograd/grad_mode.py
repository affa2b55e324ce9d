"""torch.autograd.grad_mode (the switches live in ember._grad_mode so the
dispatch funnel can read them without importing autograd)."""
from .._grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled, state,
)
