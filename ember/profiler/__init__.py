"""torch.profiler: where the time (and memory) of a program goes.

    from torch.profiler import profile, record_function, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            model(inputs)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")   # chrome://tracing or Perfetto

Ops are recorded through the dispatch funnel (one event per op, named like
PyTorch's aten ops); record_function adds labelled ranges. Nothing is
hooked while no profiler collects.
"""
import enum as _enum

from ._collector import record_function
from ._events import DeviceType, EventList, FunctionEvent, FunctionEventAvg  # noqa: F401
from .profiler import (  # noqa: F401
    ExecutionTraceObserver, ProfilerAction, ProfilerActivity, _KinetoProfile, kineto_available,
    profile, register_optimizer_step_post_hook, schedule, supported_activities,
    tensorboard_trace_handler,
)

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler",
           "ProfilerAction", "ProfilerActivity", "kineto_available", "DeviceType",
           "record_function", "ExecutionTraceObserver", "register_optimizer_step_post_hook"]


class RecordScope(_enum.Enum):
    FUNCTION = 0
    BACKWARD_FUNCTION = 1
    TORCHSCRIPT_FUNCTION = 2
    KERNEL_FUNCTION_DTYPE = 3
    CUSTOM_CLASS = 4
    BUILD_FEATURE = 5
    LITE_INTERPRETER = 6
    USER_SCOPE = 7
    STATIC_RUNTIME_OP = 8
    STATIC_RUNTIME_MODEL = 9


class _ExperimentalConfig:
    """Accepted for compatibility (Ember has no experimental profiler options)."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


def is_fbcode():
    return False
