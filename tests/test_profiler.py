"""torch.profiler against real PyTorch: labels and op names, counts, the
schedule's actions and on_trace_ready steps, the table's layout, a valid
Chrome trace. Timings differ between the two and are never compared."""
import gzip
import json
import os
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.profiler as TP

import ember
import ember.nn as enn
import ember.profiler as EP
from ember import _dispatch
from ember.profiler import _collector, _legacy

RNG = np.random.default_rng(0)
LIBS = ((torch, tnn, TP), (ember, enn, EP))


def arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def counts(prof, keys):
    avg = {e.key: e.count for e in prof.key_averages()}
    return {k: avg.get(k) for k in keys}


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_labels_and_op_counts_like_torch():
    a, b = arr(2, 3), arr(3, 4)
    results = []
    for mod, nn, P in LIBS:
        x, y = mod.tensor(a), mod.tensor(b)
        with P.profile(activities=[P.ProfilerActivity.CPU]) as prof:
            with P.record_function("outer"):
                for _ in range(3):
                    mod.mm(x, y)
                with P.record_function("inner"):
                    x + 1.0
                    x.sum()
        results.append(counts(prof, ["outer", "inner", "aten::mm", "aten::add", "aten::sum"]))
    assert results[1] == results[0]


def test_op_names_like_torch():
    a = arr(2, 3)
    model_t = tnn.Linear(3, 4)
    model_e = enn.Linear(3, 4)
    names = []
    for (mod, nn, P), model in zip(LIBS, (model_t, model_e)):
        x = mod.tensor(a)
        with P.profile() as prof:
            model(x)
            x * 2
            x.relu()
            x.unsqueeze(0).matmul(mod.tensor(arr(1, 3, 2)))
            mod.bmm(x.unsqueeze(0), mod.tensor(arr(1, 3, 2)))
            x.softmax(-1)
        names.append({e.key for e in prof.key_averages()})
    wanted = {"aten::linear", "aten::mul", "aten::relu", "aten::matmul", "aten::bmm",
              "aten::softmax"}
    assert wanted <= names[0]
    assert wanted <= names[1]


def test_profiling_does_not_change_results_and_unhooks():
    m = enn.Sequential(enn.Linear(8, 16), enn.ReLU(), enn.Linear(16, 4))
    x = ember.tensor(arr(2, 8))
    before = m(x)
    with EP.profile() as prof:
        assert _collector._on_op in _dispatch.interceptors
        with EP.record_function("model_inference"):
            during = m(x)
    assert _collector._on_op not in _dispatch.interceptors
    assert ember.equal(before, during)
    assert "model_inference" in [e.key for e in prof.key_averages()]


def test_record_function_without_profiler_is_a_no_op():
    with EP.record_function("nothing") as r:
        y = ember.ones(2) + 1
    assert r.name == "nothing" and r.args is None
    assert _collector._state["active"] is None
    assert y.tolist() == [2.0, 2.0]

    @EP.record_function("decorated")
    def f(v):
        return v * 3

    assert f(2) == 6
    with EP.profile() as prof:
        f(1)
        f(1)
    assert counts(prof, ["decorated"]) == {"decorated": 2}


SCHEDULES = [
    dict(wait=1, warmup=1, active=3, repeat=2),
    dict(wait=1, warmup=1, active=2),
    dict(wait=0, warmup=0, active=1, repeat=2),
    dict(wait=2, warmup=1, active=2, repeat=1, skip_first=3),
    dict(wait=1, warmup=0, active=2, repeat=2, skip_first=2, skip_first_wait=1),
    dict(wait=2, warmup=1, active=1, skip_first_wait=1),
]


@pytest.mark.parametrize("kw", SCHEDULES)
def test_schedule_actions_like_torch(kw):
    ts, es = TP.schedule(**kw), EP.schedule(**kw)
    assert [es(i).name for i in range(16)] == [ts(i).name for i in range(16)]


def test_schedule_errors_and_warnings_like_torch():
    for bad in (dict(wait=-1, warmup=0, active=1), dict(wait=0, warmup=0, active=0)):
        with pytest.raises(AssertionError) as ti:
            TP.schedule(**bad)
        with pytest.raises(AssertionError) as ei:
            EP.schedule(**bad)
        assert str(ei.value) == str(ti.value)
    for P in (TP, EP):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            P.schedule(wait=0, warmup=0, active=1)
        assert [str(x.message) for x in w] == [
            "Profiler won't be using warmup, this can skew profiler results"]


def _scheduled_run(mod, nn, P, acc_events, kw, steps):
    model = nn.Linear(4, 2)
    x = mod.tensor(arr(3, 4))
    ready = []
    with P.profile(activities=[P.ProfilerActivity.CPU], schedule=P.schedule(**kw),
                   on_trace_ready=lambda p: ready.append(
                       (p.step_num, counts(p, ["train_step", "ProfilerStep*"]))),
                   acc_events=acc_events) as prof:
        actions = [prof.current_action.name]
        for _ in range(steps):
            with P.record_function("train_step"):
                model(x).sum().backward()
            prof.step()
            actions.append(prof.current_action.name)
    return ready, actions, prof.step_num, counts(prof, ["train_step", "ProfilerStep*"])


@pytest.mark.parametrize("acc_events", [False, True])
@pytest.mark.parametrize("kw,steps", [(dict(wait=1, warmup=1, active=3, repeat=2), 12),
                                      (dict(wait=0, warmup=1, active=2), 7),
                                      (dict(wait=1, warmup=1, active=2, repeat=1), 3)])
def test_schedule_run_like_torch(acc_events, kw, steps):
    expected = _scheduled_run(torch, tnn, TP, acc_events, kw, steps)
    assert _scheduled_run(ember, enn, EP, acc_events, kw, steps) == expected


def test_without_schedule_trace_ready_at_exit():
    calls = []
    for P in (TP, EP):
        got = []
        with P.profile(on_trace_ready=lambda p: got.append(p.step_num)) as prof:
            prof.step()
        calls.append((got, prof.step_num, prof.current_action.name))
    assert calls[0] == calls[1]


def test_key_averages_before_start_like_torch():
    for P in (TP, EP):
        with pytest.raises(AssertionError, match="Profiler must be initialized before getting "
                                                 "key averages"):
            P.profile().key_averages()


def test_table_layout_like_torch():
    tables = []
    for mod, nn, P in LIBS:
        with P.profile() as prof:
            with P.record_function("ab"):
                pass
        tables.append(prof.key_averages().table())
    tl, el = tables[0].splitlines(), tables[1].splitlines()
    assert len(el) == len(tl)
    assert el[:3] == tl[:3]                    # rule, header, rule
    assert el[-2] == tl[-2]                    # closing rule
    assert el[3].split()[0] == "ab" and el[3].split()[-1] == "1"
    assert el[-1].startswith("Self CPU time total: ")
    assert tables[1].endswith("\n")


def test_table_name_truncation_and_options_like_torch():
    names = ["n" * k for k in (20, 52, 53, 60)]
    out = []
    for mod, nn, P in LIBS:
        with P.profile() as prof:
            for n in names:
                with P.record_function(n):
                    pass
        ka = prof.key_averages()
        full = ka.table().splitlines()
        small = ka.table(max_name_column_width=10).splitlines()
        top = ka.table(top_level_events_only=True, row_limit=2).splitlines()
        hdr = ka.table(header="HDR").splitlines()
        out.append((sorted(line[:60].strip() for line in full[3:-2]),
                    sorted(line.split()[0] for line in small[3:-2]),
                    top[:2], len(top), hdr[:2], full[1]))
    assert out[1] == out[0]


def test_memory_columns_and_sorting():
    with EP.profile(profile_memory=True, record_shapes=True) as prof:
        with EP.record_function("memory_probe"):
            big = ember.zeros(256, 256) + 1.0
    ka = prof.key_averages()
    table = ka.table(sort_by="self_cpu_memory_usage", row_limit=10)
    header = table.splitlines()[1]
    assert "CPU Mem" in header and "Self CPU Mem" in header
    th = None
    with TP.profile(profile_memory=True) as tprof:
        with TP.record_function("memory_probe"):
            torch.zeros(256, 256) + 1.0
    th = tprof.key_averages().table().splitlines()[1].split("  ")
    assert [c.strip() for c in header.split("  ") if c.strip()][1:] == \
        [c.strip() for c in th if c.strip()][1:]
    probe = [e for e in ka if e.key == "memory_probe"][0]
    add = [e for e in ka if e.key == "aten::add"][0]
    assert add.self_cpu_memory_usage == 256 * 256 * 4 == add.cpu_memory_usage
    assert probe.cpu_memory_usage >= 256 * 256 * 4
    assert "256.00 KB" in table
    assert big.shape == (256, 256)
    rows = [r.split() for r in table.splitlines()[3:-2]]
    assert rows[0][0] in ("aten::add", "aten::zeros", "aten::full")


def test_group_by_input_shape_like_torch():
    a, b = arr(2, 3), arr(3, 4)
    shapes = []
    for mod, nn, P in LIBS:
        x, y = mod.tensor(a), mod.tensor(b)
        with P.profile(record_shapes=True) as prof:
            mod.mm(x, y)
            mod.mm(y.T, x.T)
        groups = [(e.key, e.input_shapes, e.count) for e in
                  prof.key_averages(group_by_input_shape=True) if e.key == "aten::mm"]
        shapes.append(sorted(groups, key=str))
        table = prof.key_averages(group_by_input_shape=True).table()
        assert "Input Shapes" in table.splitlines()[1]
    assert shapes[1] == shapes[0]


def test_chrome_trace_is_valid(tmp_path):
    m = enn.Sequential(enn.Linear(4, 3), enn.ReLU())
    x = ember.tensor(arr(2, 4))
    with EP.profile(record_shapes=True) as prof:
        with EP.record_function("outer"):
            m(x).sum().backward()
    path = str(tmp_path / "trace.json")
    prof.export_chrome_trace(path)
    with open(path) as f:
        doc = json.load(f)
    events = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert events, doc
    for e in events:
        assert isinstance(e["ts"], (int, float)) and isinstance(e["dur"], (int, float))
        assert e["dur"] >= 0 and e["pid"] == os.getpid() and "tid" in e and "args" in e
        assert e["cat"] in ("cpu_op", "user_annotation")
    outer = [e for e in events if e["name"] == "outer"][0]
    assert outer["cat"] == "user_annotation"
    linear = [e for e in events if e["name"] == "aten::linear"][0]
    assert linear["args"]["Input Dims"] == [[2, 4], [3, 4], [3]]
    assert outer["ts"] <= linear["ts"] and linear["ts"] + linear["dur"] <= \
        outer["ts"] + outer["dur"] + 1e-3
    assert doc["displayTimeUnit"] == "ms" and doc["traceName"] == path
    gz = str(tmp_path / "trace.json.gz")
    prof.export_chrome_trace(gz)
    with gzip.open(gz, "rt") as f:
        assert json.load(f)["traceEvents"]


def test_tensorboard_trace_handler(tmp_path):
    d = str(tmp_path / "tb")
    with EP.profile(schedule=EP.schedule(wait=0, warmup=1, active=1, repeat=1),
                    on_trace_ready=EP.tensorboard_trace_handler(d, worker_name="w0")) as prof:
        for _ in range(3):
            with EP.record_function("s"):
                ember.ones(2) + 1
            prof.step()
    files = os.listdir(d)
    assert len(files) == 1 and files[0].startswith("w0.") and files[0].endswith(".pt.trace.json")
    with open(os.path.join(d, files[0])) as f:
        doc = json.load(f)
    names = [e["name"] for e in doc["traceEvents"] if e["ph"] == "X"]
    assert "ProfilerStep#1" in names and "s" in names


def test_events_tree_and_self_time():
    with EP.profile() as prof:
        with EP.record_function("outer"):
            with EP.record_function("inner"):
                ember.ones(3) * 2
    evs = prof.events()
    outer = [e for e in evs if e.name == "outer"][0]
    inner = [e for e in evs if e.name == "inner"][0]
    assert inner.cpu_parent is outer and inner in outer.cpu_children
    assert abs(outer.self_cpu_time_total - (outer.cpu_time_total - inner.cpu_time_total)) < 1e-6
    assert outer.cpu_time_total >= inner.cpu_time_total >= 0
    total = prof.key_averages().total_average()
    assert total.key == "Total"
    assert abs(total.self_cpu_time_total - evs.self_cpu_time_total) < 1e-6


def test_activities_enum_like_torch():
    assert list(EP.ProfilerActivity.__members__) == list(TP.ProfilerActivity.__members__)
    assert [(n, v.value) for n, v in EP.ProfilerAction.__members__.items()] == \
        [(n, v.value) for n, v in TP.ProfilerAction.__members__.items()]
    assert EP.ProfilerActivity.CPU.name == "CPU"
    assert EP.supported_activities() == {EP.ProfilerActivity.CPU}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        EP.profile(activities=[EP.ProfilerActivity.CPU, EP.ProfilerActivity.CUDA])
    assert [str(x.message) for x in w] == ["CUDA is not available, disabling CUDA profiling"]


def test_autograd_profiler_api():
    x = ember.tensor(arr(3, 3), requires_grad=True)
    with _legacy.profile(record_shapes=True) as prof:
        with _legacy.record_function("lbl"):
            (x @ x).sum().backward()
    assert "lbl" in [e.key for e in prof.key_averages()]
    assert isinstance(prof.table(), str) and "lbl" in str(prof)
    assert prof.self_cpu_time_total > 0
    assert isinstance(prof.function_events, EP.EventList)
    assert _legacy.record_function is EP.record_function


def test_backward_nodes_in_profile():
    # with the autograd engine's profiler ranges, as PyTorch shows them
    x = ember.tensor(arr(3, 3), requires_grad=True)
    with EP.profile() as prof:
        (x @ x).sum().backward()
    keys = {e.key for e in prof.key_averages()}
    assert "autograd::engine::evaluate_function: SumBackward0" in keys
    assert "UnsafeViewBackward0" in keys or "MmBackward0" in keys
