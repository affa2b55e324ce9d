"""torch.profiler.profile, schedule and tensorboard_trace_handler.

    with profile(activities=[ProfilerActivity.CPU],
                 schedule=schedule(wait=1, warmup=1, active=3, repeat=2),
                 on_trace_ready=tensorboard_trace_handler("./log")) as prof:
        for batch in data:
            train_step(batch)
            prof.step()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

The schedule maps each step number to a ProfilerAction: NONE (not
profiling), WARMUP, RECORD, RECORD_AND_SAVE (the last step of an active
window: when it ends, the window's events are saved and on_trace_ready(prof)
is called). Recorded steps appear as "ProfilerStep#N" ranges.
"""
import enum
import os
import socket
import time
import warnings

from . import _collector
from ._events import EventList

__all__ = ["ProfilerAction", "ProfilerActivity", "schedule", "supported_activities",
           "tensorboard_trace_handler", "profile", "_KinetoProfile", "kineto_available",
           "ExecutionTraceObserver", "register_optimizer_step_post_hook"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 4
    CUDA = 2
    HPU = 3
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """Profiler actions that can be taken at the specified intervals."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def _cuda_available():
    try:
        from .. import cuda
        return cuda.is_available()
    except Exception:
        return False


def supported_activities():
    """The activities this build can profile: the CPU (and CUDA with a GPU)."""
    acts = {ProfilerActivity.CPU}
    if _cuda_available():
        acts.add(ProfilerActivity.CUDA)
    return acts


def kineto_available():
    return True


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A function step -> ProfilerAction: after `skip_first` steps, cycles of
    `wait` idle steps, `warmup` steps and `active` recorded steps (the last
    one RECORD_AND_SAVE), `repeat` times (0: forever). skip_first_wait skips
    the wait of the first cycle."""
    if not (wait >= 0 and warmup >= 0 and active > 0 and repeat >= 0 and skip_first >= 0):
        raise AssertionError(
            "Invalid profiler schedule arguments. Got wait=%s (need >= 0), warmup=%s (need >= 0), "
            "active=%s (need > 0), repeat=%s (need >= 0), skip_first=%s (need >= 0)."
            % (wait, warmup, active, repeat, skip_first))
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)

    def schedule_fn(step):
        if step < 0:
            raise AssertionError("Step must be non-negative. Got %s." % step)
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 \
            else ProfilerAction.RECORD_AND_SAVE
    schedule_fn._repeat = repeat
    return schedule_fn


def _default_schedule_fn(_):
    """Without a schedule the profiler records all the time."""
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False,
                              use_python_export=False):
    """An on_trace_ready callback writing each trace to dir_name as
    "{worker_name}.{time_ns}.pt.trace.json[.gz]" (TensorBoard's profiler plugin
    and Perfetto read it). worker_name defaults to "{hostname}_{pid}"."""

    def handler_fn(prof):
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = "%s_%d" % (socket.gethostname(), os.getpid())
        file_name = "%s.%d.pt.trace.json" % (worker_name, time.time_ns())
        if use_gzip:
            file_name += ".gz"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))
    return handler_fn


_warned_acc = [False]


class _KinetoProfile:
    """The low-level profiler: start() / stop() around the code to profile,
    then events(), key_averages(), export_chrome_trace()."""

    def __init__(self, *, activities=None, record_shapes=False, profile_memory=False,
                 with_stack=False, with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None):
        self.activities = set(activities) if activities else supported_activities()
        if ProfilerActivity.CUDA in self.activities and not _cuda_available():
            warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=3)
            self.activities.discard(ProfilerActivity.CUDA)
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.experimental_config = experimental_config
        self.execution_trace_observer = execution_trace_observer
        self.acc_events = acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        self.post_processing_timeout_s = post_processing_timeout_s
        self.use_device = "cuda" if ProfilerActivity.CUDA in self.activities else None
        self.profiler = None            # the events of the last saved trace live here
        self._recorder = None
        self._events = None
        self._trace_meta = {}
        self.preset_metadata = {}

    # -------------------------------------------------------------- control
    def start(self):
        self.prepare_trace()
        self.start_trace()

    def stop(self):
        self.stop_trace()

    def prepare_trace(self):
        if self._events is None:
            self._events = EventList([], use_device=self.use_device,
                                     profile_memory=self.profile_memory)
        self.profiler = self

    def start_trace(self):
        if self._recorder is not None:
            return
        self.prepare_trace()
        self._recorder = _collector._Recorder(self.record_shapes, self.profile_memory,
                                              self.with_stack)
        _collector.start_recording(self._recorder)

    def stop_trace(self):
        rec = self._recorder
        if rec is None:
            return
        self._recorder = None
        events = _collector.stop_recording(rec)
        self._trace_meta = {"base_us": (rec.base_ns // 1000), "base_ns": rec.base_ns,
                            "record_shapes": self.record_shapes,
                            "profile_memory": self.profile_memory}
        if self.acc_events and self._events is not None:
            events = list(self._events) + events
        self._events = EventList(events, use_device=self.use_device,
                                 profile_memory=self.profile_memory, with_flops=self.with_flops,
                                 _trace_meta=self._trace_meta)

    def toggle_collection_dynamic(self, enable, activities):
        """Pause (enable=False) or resume CPU event collection."""
        if ProfilerActivity.CPU not in activities:
            return
        if enable:
            if self._recorder is not None and _collector._state["active"] is not self._recorder:
                _collector.start_recording(self._recorder)
        elif self._recorder is not None and _collector._state["active"] is self._recorder:
            _collector._state["active"] = self._recorder.prev
            if _collector._state["active"] is None and \
                    _collector._on_op in _collector._dispatch.interceptors:
                _collector._dispatch.interceptors.remove(_collector._on_op)

    # -------------------------------------------------------------- results
    def events(self):
        """The events of the last saved trace (an EventList of FunctionEvents)."""
        if self._events is None:
            raise AssertionError("Profiler must be initialized before getting events")
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """Events averaged by key (name; and input shapes / stack / overload
        when grouped by them), as an EventList with .table()."""
        if self._events is None:
            raise AssertionError("Profiler must be initialized before getting key averages")
        return self._events.key_averages(group_by_input_shape, group_by_stack_n,
                                         group_by_overload_name)

    def export_chrome_trace(self, path):
        """Write the last saved trace as Chrome trace JSON (".gz": gzipped)."""
        if self._events is None:
            raise AssertionError("Profiler must be initialized before exporting chrome trace")
        return self._events.export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        if self._events is None:
            raise AssertionError("Profiler must be initialized before exporting stacks")
        return self._events.export_stacks(path, metric)

    def export_memory_timeline(self, path, device=None):
        raise NotImplementedError("export_memory_timeline is not supported by Ember's profiler")

    def add_metadata(self, key, value):
        self.preset_metadata[key] = value

    def add_metadata_json(self, key, value):
        self.preset_metadata[key] = value

    def preset_metadata_json(self, key, value):
        self.preset_metadata[key] = value

    def _get_distributed_info(self):
        return None


class profile(_KinetoProfile):
    """Profiler context manager (torch.profiler.profile).

    Args: activities (ProfilerActivity list; the CPU is what Ember records),
    schedule (step -> ProfilerAction, see `schedule`), on_trace_ready (called
    with the profiler when a window's trace is saved), record_shapes,
    profile_memory, with_stack, with_flops, with_modules, acc_events (keep the
    events of every window instead of the last one only)."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, use_cuda=None, custom_trace_id_callback=None,
                 post_processing_timeout_s=None):
        activities_set = set(activities) if activities else supported_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead",
                          FutureWarning, stacklevel=2)
            if use_cuda:
                activities_set.add(ProfilerActivity.CUDA)
            else:
                activities_set.discard(ProfilerActivity.CUDA)
        if len(activities_set) == 0:
            raise AssertionError("No valid profiler activities found")
        super().__init__(activities=activities_set, record_shapes=record_shapes,
                         profile_memory=profile_memory, with_stack=with_stack,
                         with_flops=with_flops, with_modules=with_modules,
                         experimental_config=experimental_config,
                         execution_trace_observer=execution_trace_observer,
                         acc_events=acc_events, custom_trace_id_callback=custom_trace_id_callback,
                         post_processing_timeout_s=post_processing_timeout_s)
        if schedule:
            self.schedule = schedule
            self.record_steps = True
        else:
            self.schedule = _default_schedule_fn
            self.record_steps = False
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()

    def __del__(self):
        rec = getattr(self, "_recorder", None)
        if rec is not None and _collector._state["active"] is rec:
            try:
                _collector.stop_recording(rec)
            except Exception:
                pass

    def start(self):
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self._open_step()

    def stop(self):
        self._close_step()
        self._transit_action(self.current_action, None)

    def step(self):
        """Signal the end of a step: moves the schedule on by one."""
        self._close_step()
        prev_action = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit_action(prev_action, self.current_action)
        if self.record_steps:
            self._open_step()

    # -------------------------------------------------------------- internals
    def _open_step(self):
        if self._recorder is not None and self.current_action in (
                ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self.step_rec_fn = self._recorder.push_range(
                "ProfilerStep*", trace_name="ProfilerStep#%d" % self.step_num)

    def _close_step(self):
        ev, self.step_rec_fn = self.step_rec_fn, None
        if ev is not None and self._recorder is not None:
            self._recorder.pop_range(ev)

    def _transit_action(self, prev_action, current_action):
        A = ProfilerAction
        recording = prev_action in (A.RECORD, A.RECORD_AND_SAVE)
        if recording and (prev_action is A.RECORD_AND_SAVE or current_action is None
                          or current_action in (A.NONE, A.WARMUP)):
            if prev_action is A.RECORD and current_action in (A.NONE, A.WARMUP):
                warnings.warn("Incorrect schedule: RECORD followed by %s" % current_action.name,
                              stacklevel=3)
            self.stop_trace()
            self._trace_ready()
        if current_action in (A.WARMUP, A.RECORD, A.RECORD_AND_SAVE):
            self.prepare_trace()
        if current_action in (A.RECORD, A.RECORD_AND_SAVE):
            self.start_trace()

    def _trace_ready(self):
        if (self.record_steps and not self.acc_events and not _warned_acc[0]
                and getattr(self.schedule, "_repeat", 1) != 1):
            _warned_acc[0] = True
            warnings.warn("Warning: Profiler clears events at the end of each cycle. Only events "
                          "from the current cycle will be reported. To keep events across "
                          "cycles, set acc_events=True.", stacklevel=4)
        if self.on_trace_ready:
            self.on_trace_ready(self)


class ExecutionTraceObserver:
    """Accepted for compatibility; Ember records no execution traces."""

    def __init__(self):
        self._registered = False
        self._output_file_path = ""

    def register_callback(self, output_file_path):
        self._registered = True
        self._output_file_path = output_file_path
        return self

    def unregister_callback(self):
        self._registered = False

    def is_registered(self):
        return self._registered

    def get_output_file_path(self):
        return self._output_file_path

    def start(self):
        pass

    def stop(self):
        pass

    def cleanup(self):
        pass


def register_optimizer_step_post_hook(hook):
    """Register a hook called after every optimizer step (all optimizers)."""
    from ..optim.optimizer import register_optimizer_step_post_hook as reg
    return reg(hook)
