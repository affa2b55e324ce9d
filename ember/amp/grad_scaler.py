"""torch.amp.GradScaler: dynamic loss scaling for mixed-precision training.

    scaler = torch.amp.GradScaler("cpu")
    for x, y in data:
        optimizer.zero_grad()
        with torch.autocast("cpu"):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()   # gradients of loss * scale
        scaler.unscale_(optimizer)      # optional: grads / scale, e.g. before clipping
        scaler.step(optimizer)          # unscales if needed; skipped when a grad is inf/NaN
        scaler.update()                 # scale *= backoff_factor after an inf/NaN,
                                        # *= growth_factor after growth_interval clean steps

The scale is a float32 0-dim tensor and the growth tracker an int32 one, as
in PyTorch, so state_dict() and the trajectories of get_scale() match.
"""
import collections
import enum
import warnings

import numpy as np

from .. import _dtype as D
from .._backends import to_device_array, xp as _xp
from .._grad_mode import no_grad

__all__ = ["OptState", "GradScaler"]


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state():
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _torch():
    import ember
    return ember


def _isfinite_all(a):
    """Whether every element of array `a` is finite, as a 0-dim array on a's device."""
    xp = _xp(a)
    return xp.isfinite(a).all() if a.size else xp.asarray(True)


class GradScaler:
    """Scales the loss so that low-precision gradients do not underflow, and
    unscales the gradients before the optimizer uses them.

    Args: device ('cuda' by default, as PyTorch; 'cpu' for CPU training),
    init_scale, growth_factor, backoff_factor, growth_interval, enabled
    (False: every method is a pass-through)."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if self._device == "cuda":
            if enabled and not _torch().cuda.is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                              "Disabling.", stacklevel=2)
                self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = collections.defaultdict(_refresh_per_optimizer_state)

    # ------------------------------------------------------------ helpers
    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier " \
              "in the iteration."
        if self._scale is None:
            raise AssertionError("Attempted %s but _scale is None.  " % funcname + fix)
        if self._growth_tracker is None:
            raise AssertionError("Attempted %s but _growth_tracker is None.  " % funcname + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev):
        torch = _torch()
        if self._growth_tracker is not None:
            raise AssertionError("_growth_tracker initialized before _scale")
        self._scale = torch.full((), float(self._init_scale), dtype=D.float32, device=dev)
        self._growth_tracker = torch.full((), self._init_growth_tracker, dtype=D.int32, device=dev)

    # ------------------------------------------------------------ the API
    def scale(self, outputs):
        """outputs * scale (a tensor, or an iterable of tensors, nested)."""
        if not self._enabled:
            return outputs
        torch = _torch()
        if isinstance(outputs, torch.Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            return outputs * self._scale.to(device=outputs.device)

        def apply_scale(val):
            if isinstance(val, torch.Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(val.device)
                return val * self._scale.to(device=val.device)
            if isinstance(val, collections.abc.Iterable) and not isinstance(val, (str, bytes)):
                iterable = map(apply_scale, val)
                if isinstance(val, (list, tuple)):
                    return type(val)(iterable)
                return iterable
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale, found_inf, allow_fp16):
        """grads *= inv_scale in place; found_inf[device] = 1.0 where a grad is inf/NaN."""
        torch = _torch()
        per_device = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if not isinstance(param, torch.Tensor):
                        raise AssertionError("param must be a Tensor")
                    g = param.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype is D.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    if getattr(g, "is_sparse", False):
                        if g.dtype is D.float16:
                            param.grad = g.coalesce()
                        g = param.grad._values()
                    dev = g.device
                    key = str(dev)
                    entry = per_device.get(key)
                    if entry is None:
                        entry = per_device[key] = [found_inf.to(dev, copy=True),
                                                   inv_scale.to(dev), []]
                    entry[2].append(_isfinite_all(g._data))
                    g.mul_(entry[1])
            # one found_inf per device, computed there: no host sync per gradient
            for key, (flag, _, finite) in per_device.items():
                ok = finite[0]
                for f in finite[1:]:
                    ok = ok & f
                flag._data[...] = ~ok
        return {key: entry[0] for key, entry in per_device.items()}

    def unscale_(self, optimizer):
        """Divide optimizer's gradients by the scale, in place (once per step)."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        torch = _torch()
        # float64 reciprocal, then float32, as PyTorch
        inv_scale = self._scale.double().reciprocal().float()
        found_inf = torch.full((), 0.0, dtype=D.float32, device=self._scale.device)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf,
                                                             False)
        state["stage"] = OptState.UNSCALED

    def _maybe_opt_step(self, optimizer, optimizer_state, *args, **kwargs):
        if not sum(v.item() for v in optimizer_state["found_inf_per_device"].values()):
            return optimizer.step(*args, **kwargs)
        return None

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless unscale_ was called) and run optimizer.step(*args,
        **kwargs) unless a gradient is inf/NaN. Returns what step returned, or None."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = self._maybe_opt_step(optimizer, state, *args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None):
        """Update the scale: back off after an inf/NaN, grow after
        growth_interval clean steps; or set it to new_scale."""
        if not self._enabled:
            return
        torch = _torch()
        _scale, _growth_tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if not isinstance(new_scale, torch.Tensor):
                    raise AssertionError(reason)
                if new_scale.device.type != self._scale.device.type:
                    raise AssertionError(reason)
                if new_scale.numel() != 1:
                    raise AssertionError(reason)
                if new_scale.requires_grad:
                    raise AssertionError(reason)
                self._scale.copy_(new_scale)
        else:
            found_infs = [found_inf for state in self._per_optimizer_states.values()
                          for found_inf in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            found_inf_combined = found_infs[0]
            for f in found_infs[1:]:
                found_inf_combined = found_inf_combined + f.to(found_inf_combined.device)
            self._update_scale(found_inf_combined)
        self._per_optimizer_states = collections.defaultdict(_refresh_per_optimizer_state)

    def _update_scale(self, found_inf):
        """Backoff on inf/NaN (tracker reset), else count a clean step and grow
        at growth_interval (the scale only grows while it stays finite).

        Computed on the scale's device without reading anything back (as
        PyTorch's _amp_update_scale_), so update() costs no host sync."""
        scale, tracker = self._scale._data, self._growth_tracker._data
        xp = _xp(scale)
        found = found_inf._data
        if _xp(found) is not xp:
            found = to_device_array(found, self._scale.device)
        found = found != 0
        successful = tracker + 1
        grow = ~found & (successful == self._growth_interval)
        # the factors are doubles: multiply in float64, round to the scale's float32
        wide = scale.astype(np.float64)
        grown = (wide * self._growth_factor).astype(scale.dtype)
        backed_off = (wide * self._backoff_factor).astype(scale.dtype)
        new_scale = xp.where(found, backed_off,
                             xp.where(grow & xp.isfinite(grown), grown, scale))
        new_tracker = xp.where(found | grow, 0, successful).astype(tracker.dtype)
        scale[...] = new_scale
        tracker[...] = new_tracker
        self._scale._version_counter.value += 1
        self._growth_tracker._version_counter.value += 1

    # ------------------------------------------------------------ getters / setters
    def _get_scale_async(self):
        return self._scale

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if self._enabled:
            return self._init_scale if self._scale is None else self._scale.item()
        return 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if self._enabled:
            return self._init_growth_tracker if self._growth_tracker is None \
                else int(self._growth_tracker.item())
        return 0

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker
        ({} when disabled)."""
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning "
                                     "of an iteration, or at the end after scaler.update().")
            # tensors are dropped; the Python values carry the state
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self._enabled:
            self._per_optimizer_states = collections.defaultdict(_refresh_per_optimizer_state)

