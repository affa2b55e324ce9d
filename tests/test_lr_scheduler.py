"""Learning-rate schedulers (torch.optim.lr_scheduler) and weight averaging
(torch.optim.swa_utils) compared against real PyTorch: lr (and momentum /
beta1) sequences over 100+ steps with several param groups, to 1e-12;
explicit epochs (closed forms); resumes with last_epoch >= 0; state_dict
contents and round trips; ReduceLROnPlateau on scripted metrics; SWALR;
AveragedModel parameters and buffers; update_bn running statistics;
PyTorch's warnings and errors."""
import math
import random
import warnings

import numpy as np
import pytest
import torch

import ember

TOL = 1e-12


# ---------------------------------------------------------------------- helpers
def make_opt(M, lrs=(1.0, 0.5), kind="sgd"):
    groups = [{"params": [M.nn.Parameter(M.zeros(2))], "lr": lr} for lr in lrs]
    if kind == "sgd":
        return M.optim.SGD(groups, lr=0.1, momentum=0.9)
    return M.optim.Adam(groups, lr=0.1)


def same(a, b, path="", tol=TOL):
    """Structural equality with floats compared to a relative tolerance."""
    if isinstance(a, dict):
        assert isinstance(b, dict), (path, a, b)
        assert list(a) == list(b), (path, list(a), list(b))
        for k in a:
            same(a[k], b[k], "%s.%s" % (path, k), tol)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (path, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (path, i), tol)
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), (path, a, b)
        if math.isinf(a) or math.isinf(b):
            assert a == b, (path, a, b)
        else:
            assert abs(a - b) <= tol * max(1.0, abs(a)), (path, a, b)
    else:
        assert a == b and type(a) is type(b), (path, a, b, type(a), type(b))


def plain(v):
    """A state_dict with functions replaced by a marker (they cannot compare)."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(plain(x) for x in v)
    if callable(v):
        return "<callable>"
    return v


def lr_run(M, build, steps=120, kind="sgd", lrs=(1.0, 0.5), epochs=None):
    """Each step: the groups' lrs and momenta (or beta1), then optimizer.step(), scheduler.step()."""
    opt = make_opt(M, lrs, kind)
    sched = build(M.optim.lr_scheduler, opt)
    out = []
    for i in range(steps):
        row = [g["lr"] for g in opt.param_groups]
        row += [g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups]
        out.append(row)
        opt.step()
        if epochs is None:
            sched.step()
        else:
            sched.step(epochs[i])
    out.append([g["lr"] for g in opt.param_groups])
    out.append(list(sched.get_last_lr()))
    out.append(getattr(sched, "last_epoch", None))
    return out


def both(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(torch, *args, **kwargs), fn(ember, *args, **kwargs)


def caught(M, fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn(M)
    return [(x.category.__name__, str(x.message)) for x in w]


def error_of(M, fn):
    try:
        fn(M)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e).__name__, str(e)
    return None


# ---------------------------------------------------------------------- schedules
SCHEDULES = {
    "lambda": lambda L, o: L.LambdaLR(o, lambda e: 0.97 ** e),
    "lambda_per_group": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: math.cos(e / 10)]),
    "lambda_warmup_rsqrt": lambda L, o: L.LambdaLR(o, lambda s: (s + 1) / 5 if s < 5 else math.sqrt(5 / (s + 1))),
    "multiplicative": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.99),
    "multiplicative_per_group": lambda L, o: L.MultiplicativeLR(o, [lambda e: 0.99, lambda e: 1.01 if e % 2 else 0.97]),
    "step": lambda L, o: L.StepLR(o, 7, 0.5),
    "step_every": lambda L, o: L.StepLR(o, 1, 0.9),
    "multistep": lambda L, o: L.MultiStepLR(o, [3, 10, 10, 50], 0.3),
    "multistep_unsorted": lambda L, o: L.MultiStepLR(o, [40, 5], 0.5),
    "constant": lambda L, o: L.ConstantLR(o, 0.25, 13),
    "constant_defaults": lambda L, o: L.ConstantLR(o),
    "linear": lambda L, o: L.LinearLR(o, 0.1, 0.9, 37),
    "linear_decay_to_zero": lambda L, o: L.LinearLR(o, 1.0, 0.0, 50),
    "linear_defaults": lambda L, o: L.LinearLR(o),
    "exponential": lambda L, o: L.ExponentialLR(o, 0.97),
    "polynomial": lambda L, o: L.PolynomialLR(o, 60, 2.0),
    "polynomial_defaults": lambda L, o: L.PolynomialLR(o),
    "cosine": lambda L, o: L.CosineAnnealingLR(o, 17, 0.01),
    "cosine_past_tmax": lambda L, o: L.CosineAnnealingLR(o, 10, 0.1),
    "warm_restarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 7, 1, 0.05),
    "warm_restarts_tmult": lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, 2),
    "cyclic_triangular": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5),
    "cyclic_triangular2": lambda L, o: L.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=4, step_size_down=9,
                                                  mode="triangular2", base_momentum=[0.8, 0.7],
                                                  max_momentum=[0.9, 0.95]),
    "cyclic_exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.98),
    "cyclic_scale_fn_iterations": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=6, scale_fn=lambda x: 0.99 ** x,
                                                          scale_mode="iterations"),
    "cyclic_scale_fn_cycle": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=6, scale_fn=lambda x: 1.0 / x),
    "cyclic_no_momentum": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=6, cycle_momentum=False),
    "onecycle_cos": lambda L, o: L.OneCycleLR(o, [1.0, 0.5], total_steps=120),
    "onecycle_linear": lambda L, o: L.OneCycleLR(o, 1.0, epochs=12, steps_per_epoch=10, anneal_strategy="linear",
                                                 pct_start=0.25),
    "onecycle_three_phase": lambda L, o: L.OneCycleLR(o, 2.0, total_steps=121, three_phase=True, div_factor=10.0,
                                                      final_div_factor=100.0),
    "onecycle_no_momentum": lambda L, o: L.OneCycleLR(o, 1.0, total_steps=120, cycle_momentum=False),
    "sequential": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.2, total_iters=5), L.ExponentialLR(o, 0.95)], [5]),
    "sequential_three": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.5, 3), L.StepLR(o, 4, 0.5), L.CosineAnnealingLR(o, 30)], [4, 30]),
    "sequential_no_closed_form": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, 0.9), L.MultiplicativeLR(o, lambda e: 0.98), L.CosineAnnealingWarmRestarts(o, 5)],
        [10, 40]),
    "sequential_onecycle": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, 0.9), L.OneCycleLR(o, 1.0, total_steps=200)], [10]),
    "sequential_poly_linear_multistep": lambda L, o: L.SequentialLR(
        o, [L.PolynomialLR(o, 10), L.LinearLR(o, 0.5, 1.0, 10), L.MultiStepLR(o, [5, 9])], [12, 30]),
    "chained": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.1, 2), L.ExponentialLR(o, 0.9)]),
    "chained_three": lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, 0.3, total_iters=10), L.CosineAnnealingLR(o, 20), L.StepLR(o, 15, 0.7)], o),
    "chained_with_sequential": lambda L, o: L.ChainedScheduler(
        [L.SequentialLR(o, [L.ConstantLR(o, 0.5, 2), L.ExponentialLR(o, 0.9)], [3]), L.StepLR(o, 5, 0.5)]),
}

ADAM = {"cyclic_triangular", "cyclic_exp_range", "onecycle_cos", "onecycle_three_phase"}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_lr_sequence(name):
    t, e = both(lr_run, SCHEDULES[name])
    same(t, e)


@pytest.mark.parametrize("name", sorted(ADAM))
def test_adam_beta1_cycling(name):
    t, e = both(lr_run, SCHEDULES[name], kind="adam")
    same(t, e)


@pytest.mark.parametrize("name", ["step", "multistep", "constant", "linear", "exponential", "polynomial", "cosine",
                                  "lambda", "multiplicative", "cyclic_triangular", "onecycle_cos"])
def test_explicit_epochs_use_closed_form(name):
    epochs = [(i * 7) % 50 for i in range(60)]
    t, e = both(lr_run, SCHEDULES[name], steps=60, epochs=epochs)
    same(t, e)


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_fractional_and_mixed_epochs(t_mult):
    rnd = random.Random(t_mult)
    epochs = [rnd.choice([None, None, rnd.random() * 30, rnd.randint(0, 30)]) for _ in range(80)]
    epochs[:12] = [i / 4 for i in range(12)]  # per-iteration stepping: step(epoch + i / iters)

    def run(M):
        opt = make_opt(M)
        opt.param_groups[0]["initial_lr"] = 2.0
        sched = M.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 3, t_mult, 0.1)
        out = []
        for ep in epochs:
            opt.step()
            sched.step(ep)
            out.append([sched.T_cur, sched.T_i, sched.last_epoch] + [g["lr"] for g in opt.param_groups])
        return out

    t, e = both(run)
    same(t, e)


RESUMABLE = {
    "lambda": lambda L, o, le: L.LambdaLR(o, lambda e: 0.9 ** e, last_epoch=le),
    "multiplicative": lambda L, o, le: L.MultiplicativeLR(o, lambda e: 0.9, last_epoch=le),
    "step": lambda L, o, le: L.StepLR(o, 3, 0.5, last_epoch=le),
    "multistep": lambda L, o, le: L.MultiStepLR(o, [2, 5, 9], 0.5, last_epoch=le),
    "constant": lambda L, o, le: L.ConstantLR(o, 0.5, 6, last_epoch=le),
    "linear": lambda L, o, le: L.LinearLR(o, 0.5, 1.0, 8, last_epoch=le),
    "exponential": lambda L, o, le: L.ExponentialLR(o, 0.9, last_epoch=le),
    "polynomial": lambda L, o, le: L.PolynomialLR(o, 12, 2.0, last_epoch=le),
    "cosine": lambda L, o, le: L.CosineAnnealingLR(o, 7, 0.01, last_epoch=le),
    "warm_restarts": lambda L, o, le: L.CosineAnnealingWarmRestarts(o, 4, 2, last_epoch=le),
    "cyclic": lambda L, o, le: L.CyclicLR(o, 0.1, 1.0, 4, last_epoch=le),
}


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_resume_with_last_epoch(name):
    """last_epoch >= 0: base_lrs come from group['initial_lr']; the construction
    step continues from the groups' current lrs."""
    def run(M, last_epoch):
        opt = make_opt(M)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        sched = RESUMABLE[name](M.optim.lr_scheduler, opt, last_epoch)
        out = [[g["lr"] for g in opt.param_groups], sched.base_lrs]
        for _ in range(30):
            opt.step()
            sched.step()
            out.append([g["lr"] for g in opt.param_groups])
        return out, sched.last_epoch, sched._step_count

    for last_epoch in [-1, 0, 1, 3, 6, 10]:
        t, e = both(run, last_epoch)
        same(t, e)


def test_onecycle_resume_from_optimizer_state():
    def run(M, last_epoch):
        opt = make_opt(M)
        sched = M.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=50)
        for _ in range(last_epoch + 1):
            opt.step()
            sched.step()
        opt2 = make_opt(M)
        opt2.load_state_dict(opt.state_dict())
        sched2 = M.optim.lr_scheduler.OneCycleLR(opt2, 1.0, total_steps=50, last_epoch=last_epoch)
        out = []
        for _ in range(20):
            out.append([[g["lr"], g["momentum"]] for g in opt2.param_groups])
            opt2.step()
            sched2.step()
        return out

    for last_epoch in [0, 5, 20]:
        t, e = both(run, last_epoch)
        same(t, e)


# ---------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_state_dict_contents_and_round_trip(name):
    """state_dict keys and values as PyTorch's (lambdas excluded); saved at step
    23 and loaded into a fresh scheduler on a fresh optimizer, it continues
    exactly like the original."""
    build = SCHEDULES[name]

    def run(M):
        opt = make_opt(M)
        sched = build(M.optim.lr_scheduler, opt)
        initial = plain(sched.state_dict())
        for _ in range(23):
            opt.step()
            sched.step()
        sd = sched.state_dict()
        saved = plain(sd)
        opt2 = make_opt(M)
        sched2 = build(M.optim.lr_scheduler, opt2)
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(sd)
        original, resumed = [], []
        for _ in range(40):
            opt.step()
            sched.step()
            opt2.step()
            sched2.step()
            original.append([g["lr"] for g in opt.param_groups])
            resumed.append([g["lr"] for g in opt2.param_groups])
        assert original == resumed
        return initial, saved, plain(sd), resumed

    t, e = both(run)
    same(t, e)


def test_state_dict_keeps_callable_object_state():
    class Decay:
        def __init__(self, k):
            self.k = k

        def __call__(self, epoch):
            return self.k ** epoch

    def run(M):
        opt = make_opt(M)
        sched = M.optim.lr_scheduler.LambdaLR(opt, [Decay(0.5), lambda e: 1.0])
        sd = sched.state_dict()
        fresh = Decay(0.9)
        sched2 = M.optim.lr_scheduler.LambdaLR(make_opt(M), [fresh, lambda e: 2.0])
        sched2.load_state_dict(sd)
        cyc = M.optim.lr_scheduler.CyclicLR(make_opt(M), 0.1, 1.0, scale_fn=Decay(0.7))
        csd = cyc.state_dict()
        return sd["lr_lambdas"], fresh.k, sorted(sd), csd["_scale_fn_custom"], "_scale_fn_ref" in csd

    t, e = both(run)
    same(t, e)
    assert e[0] == [{"k": 0.5}, None] and e[1] == 0.5


def test_initial_state_and_group_keys():
    def run(M):
        opt = make_opt(M)
        sched = M.optim.lr_scheduler.StepLR(opt, 2, 0.5)
        out = [sched.last_epoch, sched._step_count, sched.base_lrs, sched.get_last_lr(),
               [g["initial_lr"] for g in opt.param_groups]]
        opt = make_opt(M)
        M.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=10)
        out.append(sorted(k for k in opt.param_groups[0] if k != "params"))
        out.append([opt.param_groups[0][k] for k in ("initial_lr", "max_lr", "min_lr", "max_momentum",
                                                     "base_momentum", "lr", "momentum")])
        opt = make_opt(M, kind="adam")
        M.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
        out.append([opt.param_groups[0][k] for k in ("lr", "initial_lr", "betas", "max_momentum", "base_momentum")])
        opt = make_opt(M)
        M.optim.swa_utils.SWALR(opt, [0.05, 0.01])
        out.append([g["swa_lr"] for g in opt.param_groups])
        return out

    t, e = both(run)
    same(t, e)


def test_sequential_and_chained_attributes():
    def run(M):
        L = M.optim.lr_scheduler
        opt = make_opt(M)
        a, b = L.LinearLR(opt, 0.2, total_iters=3), L.ExponentialLR(opt, 0.5)
        seq = L.SequentialLR(opt, [a, b], milestones=[3])
        out = [[a.last_epoch, b.last_epoch, a._step_count, b._step_count, seq.last_epoch]]
        for _ in range(6):
            opt.step()
            seq.step()
            out.append([a.last_epoch, b.last_epoch, a._step_count, b._step_count, seq.last_epoch,
                        seq.get_last_lr(), b.get_last_lr()])
        out.append(plain(seq.state_dict()))
        chain = L.ChainedScheduler([L.ConstantLR(opt, 0.1, 2), L.ExponentialLR(opt, 0.9)])
        out.append(plain(chain.state_dict()))
        return out

    t, e = both(run)
    same(t, e)


# ---------------------------------------------------------------------- ReduceLROnPlateau
_rnd = random.Random(1)
METRICS = ([1.0 / (1 + i) + (0.05 if i % 7 == 0 else 0) for i in range(30)] + [0.03] * 40
           + [_rnd.random() for _ in range(30)])


@pytest.mark.parametrize("kwargs", [
    {}, {"patience": 2}, {"patience": 0, "factor": 0.5, "cooldown": 3},
    {"mode": "max", "patience": 3, "threshold": 0.01},
    {"threshold_mode": "abs", "threshold": 0.01, "patience": 1},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.05, "patience": 1, "factor": 0.3},
    {"patience": 1, "min_lr": [0.01, 0.2]},
    {"patience": 0, "factor": 0.9, "min_lr": 0.3, "eps": 0.05},
    {"patience": 0, "factor": 0.5, "min_lr": 1e-3, "eps": 0},
], ids=lambda kw: ",".join("%s=%s" % kv for kv in kw.items()) or "defaults")
def test_reduce_on_plateau(kwargs):
    def run(M, as_tensor):
        opt = make_opt(M)
        sched = M.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        out = [plain(sched.state_dict())]
        for i, m in enumerate(METRICS):
            opt.step()
            sched.step(M.tensor(m) if as_tensor else m)
            out.append([[g["lr"] for g in opt.param_groups], sched.num_bad_epochs, sched.cooldown_counter,
                        sched.best, sched.last_epoch, list(sched.get_last_lr()), sched.in_cooldown])
            if i == 50:  # continue in a fresh scheduler loaded from the state_dict
                sd = sched.state_dict()
                out.append(plain(sd))
                sched = M.optim.lr_scheduler.ReduceLROnPlateau(opt)
                sched.load_state_dict(sd)
        return out

    for as_tensor in (False, True):
        t, e = both(run, as_tensor)
        same(t, e)


def test_reduce_on_plateau_seed_example():
    losses = [1.0, 0.8, 0.7, 0.7, 0.71, 0.69999, 0.7, 0.7, 0.7, 0.65] + [0.66] * 15

    def run(M):
        opt = M.optim.SGD([M.nn.Parameter(M.zeros(1))], lr=1.0)
        sched = M.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", patience=5)
        out = []
        for loss in losses:
            opt.step()
            sched.step(loss)
            out.append((opt.param_groups[0]["lr"], sched.num_bad_epochs))
        return out, sched.best

    t, e = both(run)
    same(t, e)
    assert e[0][-1][0] == pytest.approx(0.001)


# ---------------------------------------------------------------------- SWALR
@pytest.mark.parametrize("kwargs", [
    {"swa_lr": 0.05}, {"swa_lr": [0.05, 0.5], "anneal_epochs": 4, "anneal_strategy": "linear"},
    {"swa_lr": 0.1, "anneal_epochs": 0}, {"swa_lr": 0.1, "anneal_epochs": 1}, {"swa_lr": 0.3, "anneal_epochs": 7},
], ids=lambda kw: ",".join("%s=%s" % kv for kv in kw.items()))
@pytest.mark.parametrize("pre_steps", [0, 5])
def test_swalr_sequence(kwargs, pre_steps):
    def run(M):
        opt = make_opt(M, (1.0, 0.2))
        if pre_steps:  # SWALR takes over from another scheduler, as in the SWA recipe
            first = M.optim.lr_scheduler.StepLR(opt, 2, 0.5)
            for _ in range(pre_steps):
                opt.step()
                first.step()
        sched = M.optim.swa_utils.SWALR(opt, **kwargs)
        out = [[g["lr"] for g in opt.param_groups]]
        for i in range(25):
            opt.step()
            sched.step()
            out.append([g["lr"] for g in opt.param_groups])
            if i == 10:
                sd = sched.state_dict()
                out.append(plain(sd))
                sched = M.optim.swa_utils.SWALR(opt, swa_lr=0.5)
                sched.load_state_dict(sd)
        out.append([sched._step_count, sched.last_epoch, sched.get_last_lr()])
        return out

    t, e = both(run)
    same(t, e)


# ---------------------------------------------------------------------- AveragedModel / update_bn
def bn_model(M):
    return M.nn.Sequential(M.nn.Linear(4, 6), M.nn.BatchNorm1d(6), M.nn.ReLU(), M.nn.Linear(6, 3))


def copy_weights(src, dst):
    dst.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in src.state_dict().items()})


def assert_state_close(t_module, e_module, tol=1e-5):
    ts, es = t_module.state_dict(), e_module.state_dict()
    assert list(ts) == list(es)
    for k in ts:
        a, b = ts[k].detach().numpy(), np.asarray(es[k].detach().numpy())
        assert a.dtype == b.dtype and a.shape == b.shape, (k, a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol, err_msg=k)


BATCHES = np.random.default_rng(7).standard_normal((5, 8, 4)).astype(np.float32)


def averaging_kwargs(M, variant):
    S = M.optim.swa_utils
    return {
        "swa": {},
        "ema_multi": {"multi_avg_fn": S.get_ema_multi_avg_fn(0.9)},
        "ema": {"avg_fn": S.get_ema_avg_fn(0.8)},
        "swa_multi": {"multi_avg_fn": S.get_swa_multi_avg_fn()},
        "swa_fn": {"avg_fn": S.get_swa_avg_fn()},
        "swa_buffers": {"use_buffers": True},
        "ema_buffers": {"use_buffers": True, "multi_avg_fn": S.get_ema_multi_avg_fn(0.7)},
        "custom": {"avg_fn": lambda avg, cur, n: 0.5 * avg + 0.5 * cur},
    }[variant]


@pytest.mark.parametrize("variant", ["swa", "ema_multi", "ema", "swa_multi", "swa_fn", "swa_buffers",
                                     "ema_buffers", "custom"])
def test_averaged_model_matches_torch(variant):
    tm, em = bn_model(torch), bn_model(ember)
    copy_weights(tm, em)
    t_avg = torch.optim.swa_utils.AveragedModel(tm, **averaging_kwargs(torch, variant))
    e_avg = ember.optim.swa_utils.AveragedModel(em, **averaging_kwargs(ember, variant))
    assert e_avg.module is not em and int(e_avg.n_averaged) == 0
    assert str(e_avg.n_averaged.dtype) == "torch.int64"
    t_opt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    e_opt = ember.optim.SGD(em.parameters(), lr=0.1, momentum=0.9)
    for batch in BATCHES:
        t_opt.zero_grad()
        tm(torch.tensor(batch)).pow(2).mean().backward()
        t_opt.step()
        e_opt.zero_grad()
        em(ember.tensor(batch)).pow(2).mean().backward()
        e_opt.step()
        t_avg.update_parameters(tm)
        e_avg.update_parameters(em)
        assert_state_close(t_avg, e_avg)
    assert int(e_avg.n_averaged) == len(BATCHES)
    with torch.no_grad(), ember.no_grad():
        out_t = t_avg(torch.tensor(BATCHES[0]))
        out_e = e_avg(ember.tensor(BATCHES[0]))
    np.testing.assert_allclose(out_e.numpy(), out_t.numpy(), rtol=1e-5, atol=1e-5)


def test_averaged_model_is_mean_of_snapshots():
    model = ember.nn.Linear(3, 2)
    avg = ember.optim.swa_utils.AveragedModel(model)
    snaps = []
    for k in range(4):
        with ember.no_grad():
            model.weight.mul_(0.5).add_(float(k))
            model.bias.sub_(1.0)
        avg.update_parameters(model)
        snaps.append([p.detach().clone() for p in model.parameters()])
    for a, ps in zip(avg.module.parameters(), zip(*snaps)):
        mean = ember.stack(list(ps)).mean(dim=0)
        np.testing.assert_allclose(a.detach().numpy(), mean.numpy(), rtol=1e-6, atol=1e-6)


def test_swa_multi_avg_on_integer_buffers_raises_like_torch():
    def run(M):
        model = bn_model(M)
        avg = M.optim.swa_utils.AveragedModel(model, use_buffers=True,
                                              multi_avg_fn=M.optim.swa_utils.get_swa_multi_avg_fn())
        model(M.tensor(BATCHES[0]))
        avg.update_parameters(model)
        model(M.tensor(BATCHES[1]))
        avg.update_parameters(model)

    assert error_of(ember, run)[0] == error_of(torch, run)[0] == "RuntimeError"


@pytest.mark.parametrize("loader_kind", ["tensors", "tuples", "lists"])
def test_update_bn_matches_torch(loader_kind):
    tm, em = bn_model(torch), bn_model(ember)
    copy_weights(tm, em)
    for m in (tm, em):
        m[1].momentum = 0.3
        m[1].running_mean.fill_(5.0)
        m.eval()

    def loader(M):
        xs = [M.tensor(b) for b in BATCHES]
        if loader_kind == "tensors":
            return xs
        if loader_kind == "tuples":
            return [(x, M.zeros(8)) for x in xs]
        return [[x, 0] for x in xs]

    torch.optim.swa_utils.update_bn(loader(torch), tm)
    ember.optim.swa_utils.update_bn(loader(ember), em)
    assert_state_close(tm, em)
    assert em.training is False and em[1].momentum == 0.3
    assert int(em[1].num_batches_tracked) == len(BATCHES)
    # running stats are the equal-weight average of the batches' statistics
    with ember.no_grad():
        pre = [em[0](ember.tensor(b)) for b in BATCHES]
    mean = ember.stack([h.mean(dim=0) for h in pre]).mean(dim=0)
    np.testing.assert_allclose(em[1].running_mean.numpy(), mean.numpy(), rtol=1e-5, atol=1e-5)


def test_update_bn_on_averaged_model_and_device_argument():
    tm, em = bn_model(torch), bn_model(ember)
    copy_weights(tm, em)
    t_avg, e_avg = torch.optim.swa_utils.AveragedModel(tm), ember.optim.swa_utils.AveragedModel(em)
    t_avg.update_parameters(tm)
    e_avg.update_parameters(em)
    t_avg.train()
    e_avg.train()
    torch.optim.swa_utils.update_bn([torch.tensor(b) for b in BATCHES], t_avg, device="cpu")
    ember.optim.swa_utils.update_bn([ember.tensor(b) for b in BATCHES], e_avg, device="cpu")
    assert_state_close(t_avg, e_avg)
    assert e_avg.training is True
    # a model without BatchNorm is left alone
    lin = ember.nn.Linear(2, 2).eval()
    ember.optim.swa_utils.update_bn([ember.zeros(1, 2)], lin)
    assert lin.training is False


def test_ema_of_constant_sequence():
    ema = ember.optim.swa_utils.AveragedModel(ember.nn.Linear(2, 1),
                                              multi_avg_fn=ember.optim.swa_utils.get_ema_multi_avg_fn(0.9))
    src = ember.nn.Linear(2, 1)
    with ember.no_grad():
        for value in [1.0, 2.0, 3.0]:
            src.weight.fill_(value)
            src.bias.fill_(-value)
            ema.update_parameters(src)
    np.testing.assert_allclose(ema.module.weight.detach().numpy(), [[1.29, 1.29]], rtol=1e-6)
    np.testing.assert_allclose(ema.module.bias.detach().numpy(), [-1.29], rtol=1e-6)


# ---------------------------------------------------------------------- warnings
WARNING_CASES = {
    "scheduler_step_before_optimizer_step": lambda M: M.optim.lr_scheduler.StepLR(make_opt(M), 2).step(),
    "right_order": lambda M: (lambda o, s: (o.step(), s.step()))(
        *(lambda o: (o, M.optim.lr_scheduler.StepLR(o, 2)))(make_opt(M))),
    "optimizer_step_overridden": lambda M: (lambda o, s: (setattr(o, "step", lambda: None), s.step()))(
        *(lambda o: (o, M.optim.lr_scheduler.StepLR(o, 2)))(make_opt(M))),
    "get_lr_outside_step": lambda M: M.optim.lr_scheduler.ExponentialLR(make_opt(M), 0.9).get_lr(),
    "onecycle_get_lr_outside_step": lambda M: M.optim.lr_scheduler.OneCycleLR(make_opt(M), 1.0, total_steps=5).get_lr(),
    "swalr_get_lr_outside_step": lambda M: M.optim.swa_utils.SWALR(make_opt(M), 0.1).get_lr(),
    "epoch_argument": lambda M: (lambda o: (o.step(), M.optim.lr_scheduler.ExponentialLR(o, 0.9).step(3)))(make_opt(M)),
    "plateau_epoch_argument": lambda M: M.optim.lr_scheduler.ReduceLROnPlateau(make_opt(M)).step(1.0, 3),
    "warm_restarts_no_order_check": lambda M: M.optim.lr_scheduler.CosineAnnealingWarmRestarts(make_opt(M), 3).step(),
    "chained_warns_per_scheduler": lambda M: (lambda o: M.optim.lr_scheduler.ChainedScheduler(
        [M.optim.lr_scheduler.StepLR(o, 2), M.optim.lr_scheduler.ExponentialLR(o, 0.5)]).step())(make_opt(M)),
    "sequential_construction_is_silent": lambda M: (lambda o: M.optim.lr_scheduler.SequentialLR(
        o, [M.optim.lr_scheduler.StepLR(o, 2), M.optim.lr_scheduler.ExponentialLR(o, 0.5)], [2]))(make_opt(M)),
}


@pytest.mark.parametrize("name", sorted(WARNING_CASES))
def test_warnings_match_torch(name):
    assert caught(ember, WARNING_CASES[name]) == caught(torch, WARNING_CASES[name])


def test_verbose_is_accepted_and_deprecated():
    opt = make_opt(ember)
    L = ember.optim.lr_scheduler
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        L.StepLR(opt, 2, verbose="deprecated")
        assert not w
        L.StepLR(opt, 2, verbose=True)
        L.ExponentialLR(opt, 0.9, -1, False)
        L.ReduceLROnPlateau(opt, verbose=True)
    assert [str(x.message) for x in w] == [
        "The verbose parameter is deprecated. Please use get_last_lr() to access the learning rate."] * 3


# ---------------------------------------------------------------------- errors
def _opt(M, n=1):
    return make_opt(M, (1.0,) * n)


ERROR_CASES = {
    "not_an_optimizer": lambda M: M.optim.lr_scheduler.StepLR(3, 2),
    "plateau_not_an_optimizer": lambda M: M.optim.lr_scheduler.ReduceLROnPlateau([1]),
    "resume_without_initial_lr": lambda M: M.optim.lr_scheduler.StepLR(_opt(M, 2), 2, last_epoch=3),
    "lambda_count": lambda M: M.optim.lr_scheduler.LambdaLR(_opt(M, 2), [lambda e: 1.0]),
    "multiplicative_count": lambda M: M.optim.lr_scheduler.MultiplicativeLR(_opt(M, 2), [lambda e: 1.0] * 3),
    "constant_factor": lambda M: M.optim.lr_scheduler.ConstantLR(_opt(M), factor=1.5),
    "linear_start": lambda M: M.optim.lr_scheduler.LinearLR(_opt(M), start_factor=0.0),
    "linear_end": lambda M: M.optim.lr_scheduler.LinearLR(_opt(M), end_factor=1.5),
    "warm_restarts_t0": lambda M: M.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(M), 2.0),
    "warm_restarts_tmult": lambda M: M.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(M), 2, T_mult=0),
    "warm_restarts_eta_min": lambda M: M.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(M), 2, eta_min="a"),
    "warm_restarts_negative_epoch": lambda M: M.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(M), 2).step(-1),
    "cyclic_mode": lambda M: M.optim.lr_scheduler.CyclicLR(_opt(M), 0.1, 1.0, mode="foo"),
    "cyclic_no_momentum": lambda M: M.optim.lr_scheduler.CyclicLR(
        M.optim.Optimizer([M.nn.Parameter(M.zeros(1))], {"lr": 0.1}), 0.1, 1.0),
    "onecycle_no_momentum": lambda M: M.optim.lr_scheduler.OneCycleLR(
        M.optim.Optimizer([M.nn.Parameter(M.zeros(1))], {"lr": 0.1}), 1.0, total_steps=10),
    "cyclic_base_lr_count": lambda M: M.optim.lr_scheduler.CyclicLR(_opt(M, 2), [0.1], 1.0),
    "onecycle_no_total": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0),
    "onecycle_total_steps": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0, total_steps=2.0),
    "onecycle_epochs": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0, epochs=0, steps_per_epoch=2),
    "onecycle_steps_per_epoch": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0, epochs=2, steps_per_epoch=0),
    "onecycle_pct_start": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0, total_steps=10, pct_start=0),
    "onecycle_anneal": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0, total_steps=10, anneal_strategy="x"),
    "onecycle_max_lr_count": lambda M: M.optim.lr_scheduler.OneCycleLR(_opt(M, 2), [1.0], total_steps=10),
    "onecycle_past_total_steps": lambda M: (lambda s: [s.optimizer.step() or s.step() for _ in range(4)])(
        M.optim.lr_scheduler.OneCycleLR(_opt(M), 1.0, total_steps=3)),
    "sequential_empty": lambda M: M.optim.lr_scheduler.SequentialLR(_opt(M), [], []),
    "sequential_milestones": lambda M: (lambda o: M.optim.lr_scheduler.SequentialLR(
        o, [M.optim.lr_scheduler.StepLR(o, 2), M.optim.lr_scheduler.StepLR(o, 3)], [1, 2]))(_opt(M)),
    "sequential_plateau": lambda M: (lambda o: M.optim.lr_scheduler.SequentialLR(
        o, [M.optim.lr_scheduler.StepLR(o, 2), M.optim.lr_scheduler.ReduceLROnPlateau(o)], [1]))(_opt(M)),
    "sequential_not_a_scheduler": lambda M: (lambda o: M.optim.lr_scheduler.SequentialLR(
        o, [M.optim.lr_scheduler.StepLR(o, 2), 3], [1]))(_opt(M)),
    "chained_empty": lambda M: M.optim.lr_scheduler.ChainedScheduler([]),
    "chained_plateau": lambda M: (lambda o: M.optim.lr_scheduler.ChainedScheduler(
        [M.optim.lr_scheduler.StepLR(o, 2), M.optim.lr_scheduler.ReduceLROnPlateau(o)]))(_opt(M)),
    "plateau_factor": lambda M: M.optim.lr_scheduler.ReduceLROnPlateau(_opt(M), factor=1.0),
    "plateau_mode": lambda M: M.optim.lr_scheduler.ReduceLROnPlateau(_opt(M), mode="x"),
    "plateau_threshold_mode": lambda M: M.optim.lr_scheduler.ReduceLROnPlateau(_opt(M), threshold_mode="x"),
    "plateau_min_lr_count": lambda M: M.optim.lr_scheduler.ReduceLROnPlateau(_opt(M, 2), min_lr=[0.1]),
    "plateau_group_added": lambda M: (lambda o, s: (o.add_param_group({"params": [M.nn.Parameter(M.zeros(1))]}),
                                                    s.step(1.0), s.step(2.0)))(
        *(lambda o: (o, M.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1], patience=0)))(_opt(M))),
    "swalr_anneal_strategy": lambda M: M.optim.swa_utils.SWALR(_opt(M), 0.1, anneal_strategy="x"),
    "swalr_anneal_epochs": lambda M: M.optim.swa_utils.SWALR(_opt(M), 0.1, anneal_epochs=-1),
    "swalr_swa_lr_count": lambda M: M.optim.swa_utils.SWALR(_opt(M, 2), [0.1, 0.2, 0.3]),
    "averaged_model_two_fns": lambda M: M.optim.swa_utils.AveragedModel(
        M.nn.Linear(1, 1), avg_fn=M.optim.swa_utils.get_swa_avg_fn(),
        multi_avg_fn=M.optim.swa_utils.get_swa_multi_avg_fn()),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_torch(name):
    t = error_of(torch, ERROR_CASES[name])
    e = error_of(ember, ERROR_CASES[name])
    assert t is not None
    assert e == t


def test_optimizer_mismatch_error():
    def run(M):
        o = _opt(M)
        return M.optim.lr_scheduler.SequentialLR(o, [M.optim.lr_scheduler.StepLR(o, 2),
                                                     M.optim.lr_scheduler.StepLR(_opt(M), 3)], [1])

    kind, msg = error_of(ember, run)
    assert kind == "ValueError"
    assert msg.startswith("SequentialLR expects all schedulers to belong to the same optimizer, but got "
                          "scheduler StepLR at index 1 has SGD (")
    assert msg.endswith("), which is different from SGD.")


def test_lr_scheduler_alias_and_custom_subclass():
    L = ember.optim.lr_scheduler
    assert issubclass(L._LRScheduler, L.LRScheduler)

    class Halving(L._LRScheduler):
        def get_lr(self):
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    opt = make_opt(ember)
    sched = Halving(opt)
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.125, 0.0625]
    assert sorted(L.__all__) == sorted(torch.optim.lr_scheduler.__all__)
    assert sorted(ember.optim.swa_utils.__all__) == sorted(torch.optim.swa_utils.__all__)
