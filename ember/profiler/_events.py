"""Profiler events: FunctionEvent (one recorded range), FunctionEventAvg
(events with the same key added up), EventList (their table and chrome trace).

Times are microseconds (floats), memory is bytes, as in PyTorch. The table
has PyTorch's layout: right-aligned columns of width 12 separated by two
spaces, a name column as wide as the longest name plus 4 (at most
max_name_column_width), and the "Self CPU time total" footer.
"""
import enum
import gzip
import json
import os
import socket

__all__ = ["DeviceType", "FunctionEvent", "FunctionEventAvg", "EventList", "format_time",
           "format_memory"]


class DeviceType(enum.IntEnum):
    CPU = 0
    CUDA = 1
    MKLDNN = 2
    OPENGL = 3
    OPENCL = 4
    IDEEP = 5
    HIP = 6
    FPGA = 7
    MAIA = 8
    XLA = 9
    Vulkan = 10
    Metal = 11
    XPU = 12
    MPS = 13
    Meta = 14
    HPU = 15
    VE = 16
    Lazy = 17
    IPU = 18
    MTIA = 19
    PrivateUse1 = 20

    def __repr__(self):
        return "<DeviceType.%s: %d>" % (self.name, self.value)

    def __str__(self):
        return "DeviceType." + self.name


def format_time(time_us):
    """1.537ms, 46.188us, 2.100s: PyTorch's profiler time strings."""
    if time_us >= 1e6:
        return "%.3fs" % (time_us / 1e6)
    if time_us >= 1e3:
        return "%.3fms" % (time_us / 1e3)
    return "%.3fus" % time_us


def format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return "%.2f%%" % (time_us * 100.0 / total_time_us)


def format_memory(nbytes):
    """256.00 KB, 12.25 MB, 4 B: PyTorch's profiler memory strings."""
    KB, MB, GB = 1024, 1024 * 1024, 1024 * 1024 * 1024
    if abs(nbytes) >= GB:
        return "%.2f GB" % (nbytes * 1.0 / GB)
    if abs(nbytes) >= MB:
        return "%.2f MB" % (nbytes * 1.0 / MB)
    if abs(nbytes) >= KB:
        return "%.2f KB" % (nbytes * 1.0 / KB)
    return "%d B" % nbytes


class Interval:
    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        return self.end - self.start


class _StrMixin:
    @property
    def cpu_time_total_str(self):
        return format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self):
        return format_time(self.self_cpu_time_total)

    @property
    def cpu_time_str(self):
        return format_time(self.cpu_time)

    @property
    def device_time_str(self):
        return format_time(self.device_time)

    @property
    def device_time_total_str(self):
        return format_time(self.device_time_total)

    @property
    def self_device_time_total_str(self):
        return format_time(self.self_device_time_total)

    # the pre-2.4 names of the device times
    @property
    def cuda_time(self):
        return self.device_time

    @property
    def cuda_time_total(self):
        return self.device_time_total

    @property
    def self_cuda_time_total(self):
        return self.self_device_time_total

    @property
    def cuda_memory_usage(self):
        return self.device_memory_usage

    @property
    def self_cuda_memory_usage(self):
        return self.self_device_memory_usage


class FunctionEvent(_StrMixin):
    """One recorded range: an op ("aten::mm") or a record_function label."""

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None, stack=None,
                 cpu_memory_usage=0, is_user_annotation=False, sequence_nr=-1, trace_name=None,
                 concrete_inputs=None, input_types=None):
        self.id = id
        self.node_id = -1
        self.name = name
        self.trace_name = trace_name if trace_name is not None else name
        self.overload_name = ""
        self.time_range = Interval(start_us, end_us)
        self.thread = thread
        self.fwd_thread = None
        self.kernels = []
        self.count = 1
        self.cpu_children = []
        self.cpu_parent = None
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.input_types = input_types
        self.concrete_inputs = concrete_inputs if concrete_inputs is not None else []
        self.stack = stack if stack is not None else []
        self.scope = 0
        self.use_device = None
        self.own_cpu_memory_usage = cpu_memory_usage   # what this event itself allocated
        self.device_memory_usage = 0
        self.self_device_memory_usage = 0
        self.is_async = False
        self.is_remote = False
        self.sequence_nr = sequence_nr
        self.device_type = DeviceType.CPU
        self.device_index = 0
        self.is_legacy = False
        self.flops = None
        self.is_user_annotation = is_user_annotation
        self.metadata_json = None
        self.total_cpu_percent = -1
        self.total_device_percent = -1

    @property
    def key(self):
        return self.name

    def append_kernel(self, name, device, duration):
        self.kernels.append((name, device, duration))

    def append_cpu_child(self, child):
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        self.cpu_parent = parent

    @property
    def cpu_memory_usage(self):
        """Memory allocated within this range (children included)."""
        return self.own_cpu_memory_usage + sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.own_cpu_memory_usage

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    @property
    def device_time(self):
        return 0.0

    @property
    def device_time_total(self):
        return 0.0

    @property
    def self_device_time_total(self):
        return 0.0

    def __repr__(self):
        return ("<FunctionEvent id=%s name=%s overload_name=%s device_type=%s node_id=%s "
                "cpu_time=%s start_us=%s end_us=%s cpu_children=%s device_time=%s name=%s "
                "thread=%s input_shapes=%s cpu_memory_usage=%s device_memory_usage=%s "
                "is_async=%s is_remote=%s seq_nr=%s is_legacy=%s>" % (
                    self.id, self.name, self.overload_name, self.device_type, self.node_id,
                    self.cpu_time_str, self.time_range.start, self.time_range.end,
                    [c.id for c in self.cpu_children], self.device_time_str, self.name,
                    self.thread, self.input_shapes, self.cpu_memory_usage,
                    self.device_memory_usage, self.is_async, self.is_remote, self.sequence_nr,
                    self.is_legacy))


class FunctionEventAvg(_StrMixin):
    """The events of one key (name, and input shapes when grouped by them) added up."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.use_device = None
        self.cpu_time_total = 0
        self.device_time_total = 0
        self.self_cpu_time_total = 0
        self.self_device_time_total = 0
        self.input_shapes = None
        self.overload_name = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = 0
        self.device_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.self_device_memory_usage = 0
        self.cpu_children = None
        self.cpu_parent = None
        self.device_type = DeviceType.CPU
        self.is_legacy = False
        self.flops = 0
        self.is_user_annotation = False

    def add(self, other):
        if self.key is None:
            self.key = other.key
            self.node_id = other.node_id
            self.is_async = other.is_async
            self.is_remote = other.is_remote
            self.cpu_parent = other.cpu_parent
            self.cpu_children = other.cpu_children
            self.overload_name = other.overload_name
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.scope = other.scope
            self.device_type = other.device_type
            self.is_legacy = other.is_legacy
            self.use_device = other.use_device
            self.is_user_annotation = other.is_user_annotation
        if not isinstance(other, (FunctionEvent, FunctionEventAvg)):
            raise AssertionError("other must be a FunctionEvent or FunctionEventAvg")
        if other.key != self.key:
            raise AssertionError("keys differ: %s != %s" % (other.key, self.key))
        self.cpu_time_total += other.cpu_time_total
        self.device_time_total += other.device_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.self_device_time_total += other.self_device_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.device_memory_usage += other.device_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.self_device_memory_usage += other.self_device_memory_usage
        self.count += other.count
        if other.flops is not None:
            self.flops = (self.flops or 0) + other.flops
        return self

    def __iadd__(self, other):
        return self.add(other)

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self):
        return 0.0 if self.count == 0 else self.device_time_total / self.count

    def __repr__(self):
        return ("<FunctionEventAvg key=%s self_cpu_time=%s cpu_time=%s  self_cuda_time=%s "
                "cuda_time=%s input_shapes=%s cpu_memory_usage=%s cuda_memory_usage=%s>" % (
                    self.key, self.self_cpu_time_total_str, self.cpu_time_str,
                    self.self_device_time_total_str, self.device_time_str,
                    "" if self.input_shapes is None else self.input_shapes,
                    self.cpu_memory_usage, self.device_memory_usage))


class EventList(list):
    """A list of events with PyTorch's reports: table(), key_averages(),
    total_average(), export_chrome_trace()."""

    def __init__(self, *args, **kwargs):
        use_device = kwargs.pop("use_device", None)
        profile_memory = kwargs.pop("profile_memory", False)
        with_flops = kwargs.pop("with_flops", False)
        self._trace_meta = kwargs.pop("_trace_meta", None)
        super().__init__(*args, **kwargs)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._tree_built = False

    def _build_tree(self):
        self._tree_built = True

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        """The events as PyTorch's text table, sorted by the attribute
        `sort_by` (descending; e.g. "cpu_time_total", "self_cpu_memory_usage")."""
        return _build_table(self, sort_by=sort_by, row_limit=row_limit,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width, header=header,
                            profile_memory=self._profile_memory,
                            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def __str__(self):
        return self.table()

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """One FunctionEventAvg per key (name; plus input shapes, stack or
        overload name when grouped by them), in order of first appearance."""
        stats = {}
        for evt in self:
            key = (evt.key, evt.node_id)
            if group_by_input_shapes:
                key += (str(evt.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(evt.stack[:group_by_stack_n])
            if group_by_overload_name:
                key += (evt.overload_name,)
            avg = stats.get(key)
            if avg is None:
                avg = stats[key] = FunctionEventAvg()
            avg.add(evt)
        out = EventList(stats.values(), use_device=self._use_device,
                        profile_memory=self._profile_memory, with_flops=self._with_flops)
        for evt in out:
            if not group_by_input_shapes:
                evt.input_shapes = ""
            if group_by_stack_n == 0:
                evt.stack = []
        return out

    def total_average(self):
        """All events added up, under the key "Total"."""
        total = FunctionEventAvg()
        total.key = "Total"
        for evt in self:
            total.cpu_time_total += evt.cpu_time_total
            total.self_cpu_time_total += evt.self_cpu_time_total
            total.cpu_memory_usage += evt.cpu_memory_usage
            total.self_cpu_memory_usage += evt.self_cpu_memory_usage
            total.count += evt.count
        return total

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (chrome://tracing, Perfetto)."""
        _write_chrome_trace(list(self), path, self._trace_meta or {})

    def supported_export_stacks_metrics(self):
        return ["self_cpu_time_total", "self_cuda_time_total", "self_xpu_time_total",
                "self_privateuse1_time_total"]

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Stacks with their metric, one a line, for flame graphs (events
        recorded with with_stack=True)."""
        if metric not in self.supported_export_stacks_metrics():
            raise ValueError("metric should be one of: "
                             + str(self.supported_export_stacks_metrics()))
        translate = str.maketrans(" ;\t\n", "____")
        with open(path, "w") as f:
            for evt in self:
                if evt.stack and len(evt.stack) > 0:
                    value = getattr(evt, metric.replace("cuda", "device").replace(
                        "xpu", "device").replace("privateuse1", "device"))
                    if int(value) > 0:
                        stack_str = ""
                        for entry in reversed(evt.stack):
                            stack_str += entry.translate(translate) + ";"
                        stack_str = stack_str[:-1] + " " + str(int(value))
                        f.write(stack_str + "\n")


# ---------------------------------------------------------------- the table
def _build_table(events, sort_by=None, row_limit=100, max_name_column_width=55,
                 max_shapes_column_width=80, header=None, profile_memory=False,
                 top_level_events_only=False, time_unit=None):
    if len(events) == 0:
        return ""
    if sort_by is not None:
        events = EventList(sorted(events, key=lambda evt: getattr(evt, sort_by), reverse=True),
                           profile_memory=profile_memory)
    has_input_shapes = any(evt.input_shapes not in (None, "", []) for evt in events)
    has_memory = profile_memory or any(
        evt.cpu_memory_usage != 0 or evt.self_cpu_memory_usage != 0 for evt in events)

    name_column_width = max(len(evt.key) for evt in events) + 4
    if max_name_column_width is not None:
        name_column_width = min(name_column_width, max_name_column_width)
    shapes_column_width = max(len(str(evt.input_shapes)) for evt in events) + 4
    if max_shapes_column_width is not None:
        shapes_column_width = min(shapes_column_width, max_shapes_column_width)
    w = 12
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    widths = [name_column_width] + [w] * 5
    if has_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        widths += [w, w]
    headers.append("# of Calls")
    widths.append(w)
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_column_width)

    spacing = 2
    row_format = "".join("{: >%d}" % wd + " " * spacing for wd in widths)
    line = "".join("-" * wd + " " * spacing for wd in widths)
    line_length = len(line) - spacing

    def trim(s, limit):
        if limit is not None and len(s) >= limit - 3:
            return s[:max(limit - 3, 0)] + "..."
        return s

    def fmt_time(us):
        if time_unit == "s":
            return "%.3fs" % (us / 1e6)
        if time_unit == "ms":
            return "%.3fms" % (us / 1e3)
        if time_unit == "us":
            return "%.3fus" % us
        return format_time(us)

    sum_self_cpu_time_total = sum(evt.self_cpu_time_total for evt in events)
    result = []
    if header is not None:
        result.append("=" * line_length + "\n" + header + "\n")
    elif top_level_events_only:
        result.append("=" * line_length + "\n" + "This report only display top-level ops "
                      "statistics" + "\n")
    result.append(line + "\n")
    result.append(row_format.format(*headers) + "\n")
    result.append(line + "\n")

    shown = 0
    for evt in events:
        if row_limit is not None and row_limit > 0 and shown >= row_limit:
            break
        if top_level_events_only and evt.cpu_parent is not None:
            continue
        shown += 1
        name = trim(evt.key, max_name_column_width)
        row = [name,
               format_time_share(evt.self_cpu_time_total, sum_self_cpu_time_total),
               fmt_time(evt.self_cpu_time_total),
               format_time_share(evt.cpu_time_total, sum_self_cpu_time_total),
               fmt_time(evt.cpu_time_total),
               fmt_time(evt.cpu_time)]
        if has_memory:
            row += [format_memory(evt.cpu_memory_usage), format_memory(evt.self_cpu_memory_usage)]
        row.append(evt.count)
        if has_input_shapes:
            row.append(trim(str(evt.input_shapes), max_shapes_column_width))
        result.append(row_format.format(*row) + "\n")
    result.append(line + "\n")
    result.append("Self CPU time total: %s\n" % fmt_time(sum_self_cpu_time_total))
    return "".join(result)


# ---------------------------------------------------------------- chrome trace
def _walk(events):
    """The events and all their descendants, in start order."""
    out = []
    seen = set()
    stack = list(reversed(events))
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        out.append(e)
        stack.extend(reversed(e.cpu_children))
    out.sort(key=lambda e: (e.time_range.start, -e.time_range.end))
    return out


def _write_chrome_trace(events, path, meta):
    """{"traceEvents": [...]} with complete ("X") events, ts/dur in us."""
    pid = os.getpid()
    base_us = meta.get("base_us", 0.0)
    trace = []
    threads = sorted({e.thread for e in events})
    trace.append({"ph": "M", "name": "process_name", "ts": base_us, "pid": pid, "tid": 0,
                  "args": {"name": "python"}})
    trace.append({"ph": "M", "name": "process_labels", "ts": base_us, "pid": pid, "tid": 0,
                  "args": {"labels": "CPU"}})
    trace.append({"ph": "M", "name": "process_sort_index", "ts": base_us, "pid": pid, "tid": 0,
                  "args": {"sort_index": pid}})
    for tid in threads:
        trace.append({"ph": "M", "name": "thread_name", "ts": base_us, "pid": pid, "tid": tid,
                      "args": {"name": "thread %d (python)" % tid}})
        trace.append({"ph": "M", "name": "thread_sort_index", "ts": base_us, "pid": pid,
                      "tid": tid, "args": {"sort_index": tid}})
    memory = []
    for idx, e in enumerate(events):
        args = {"External id": e.id, "Record function id": 0}
        if e.sequence_nr >= 0:
            args["Sequence number"] = e.sequence_nr
            args["Fwd thread id"] = 0
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
            if e.input_types is not None:
                args["Input type"] = e.input_types
        args["Ev Idx"] = idx
        trace.append({"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                      "name": e.trace_name, "pid": pid, "tid": e.thread,
                      "ts": base_us + e.time_range.start,
                      "dur": e.time_range.end - e.time_range.start, "args": args})
        if meta.get("profile_memory") and e.own_cpu_memory_usage:
            memory.append(e)
    total = 0
    for i, e in enumerate(memory):
        total += e.own_cpu_memory_usage
        trace.append({"ph": "i", "cat": "cpu_instant_event", "s": "t", "name": "[memory]",
                      "pid": pid, "tid": e.thread, "ts": base_us + e.time_range.end,
                      "args": {"Total Reserved": 0, "Total Allocated": total,
                               "Bytes": e.own_cpu_memory_usage, "Device Id": -1,
                               "Device Type": 0, "Ev Idx": len(events) + i}})
    doc = {"schemaVersion": 1, "deviceProperties": [],
           "record_shapes": int(bool(meta.get("record_shapes"))),
           "profile_memory": int(bool(meta.get("profile_memory"))),
           "host_name": socket.gethostname(), "displayTimeUnit": "ms",
           "baseTimeNanoseconds": int(meta.get("base_ns", 0)),
           "traceEvents": trace, "traceName": path}
    data = json.dumps(doc)
    if path.endswith(".gz"):
        with gzip.open(path, "wt") as f:
            f.write(data)
    else:
        with open(path, "w") as f:
            f.write(data)
    return path
