"""torch.autograd.profiler: the older profiler API (a context manager with
no schedule), sharing record_function and the events of torch.profiler.

    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        model(x)
    print(prof.key_averages().table(sort_by="self_cpu_time_total"))
"""
import warnings

from . import _collector
from ._collector import record_function
from ._events import DeviceType, EventList, FunctionEvent, FunctionEventAvg  # noqa: F401
from .profiler import ProfilerActivity, kineto_available  # noqa: F401

__all__ = ["profile", "record_function", "emit_nvtx", "emit_itt", "EventList", "FunctionEvent",
           "FunctionEventAvg", "DeviceType", "ProfilerActivity", "kineto_available",
           "load_nvprof", "ProfilerState"]


class ProfilerState:
    Disabled = 0
    CPU = 1
    CUDA = 2
    NVTX = 3
    ITT = 4
    KINETO = 5
    KINETO_GPU_FALLBACK = 6
    KINETO_PRIVATEUSE1_FALLBACK = 7


class profile:
    """Context manager that records the ops (and record_function ranges) run
    inside it; afterwards key_averages(), table(), export_chrome_trace(),
    function_events and self_cpu_time_total describe them."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None, post_processing_timeout_s=None,
                 activity_filters=None):
        self.enabled = enabled
        if not self.enabled:
            return
        self.use_cuda = use_cuda
        if use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use "
                          "``use_device = 'cuda'`` instead.", FutureWarning, stacklevel=2)
            self.use_device = "cuda"
        else:
            self.use_device = use_device
        self.function_events = None
        self.entered = False
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.record_shapes |= self.with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_cpu = use_cpu
        self.acc_events = acc_events
        self.experimental_config = experimental_config
        self.custom_trace_id_callback = custom_trace_id_callback
        self.post_processing_timeout_s = post_processing_timeout_s
        self.activity_filters = activity_filters
        self._recorder = None
        self._trace_meta = {}

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._recorder = _collector._Recorder(self.record_shapes, self.profile_memory,
                                              self.with_stack)
        _collector.start_recording(self._recorder)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return
        rec, self._recorder = self._recorder, None
        events = _collector.stop_recording(rec)
        self._trace_meta = {"base_us": rec.base_ns // 1000, "base_ns": rec.base_ns,
                            "record_shapes": self.record_shapes,
                            "profile_memory": self.profile_memory}
        if self.acc_events and self.function_events is not None:
            events = list(self.function_events) + events
        self.function_events = EventList(events, use_device=self.use_device,
                                         profile_memory=self.profile_memory,
                                         with_flops=self.with_flops,
                                         _trace_meta=self._trace_meta)
        self.entered = False
        return False

    def __repr__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)

    def __str__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self.function_events)

    def _check_finish(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        self._check_finish()
        return self.function_events.table(
            sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width, header=header,
            top_level_events_only=top_level_events_only, time_unit=time_unit)

    table.__doc__ = EventList.table.__doc__

    def export_chrome_trace(self, path, metadata=None, use_python_export=False):
        self._check_finish()
        return self.function_events.export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        self._check_finish()
        return self.function_events.export_stacks(path, metric)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        self._check_finish()
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n,
                                                 group_by_overload_name)

    def total_average(self):
        self._check_finish()
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """Total time spent on the CPU (the sum of every event's self time)."""
        self._check_finish()
        return self.function_events.self_cpu_time_total


class emit_nvtx:
    """Accepted for compatibility: Ember emits no NVTX ranges."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


class emit_itt(emit_nvtx):
    """Accepted for compatibility: Ember emits no ITT ranges."""


def load_nvprof(path):
    raise NotImplementedError("load_nvprof: Ember does not read nvprof traces")
