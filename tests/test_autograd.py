"""Autograd against real PyTorch: backward and autograd.grad options, higher
order gradients, hooks, retain_grad, grad modes, detach, version counters
and in-place rules, views, and custom autograd.Function."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402

MODS = (ember, torch)


def tonp(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x._data)


def same(e, t, rtol=1e-6, atol=1e-8):
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t)
        for a, b in zip(e, t):
            same(a, b, rtol, atol)
        return
    if t is None or e is None:
        assert e is None and t is None, (e, t)
        return
    if not isinstance(t, torch.Tensor):
        assert e == t, (e, t)
        return
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    np.testing.assert_allclose(tonp(e), tonp(t), rtol=rtol, atol=atol)


def run(fn):
    """fn(module) on ember and torch; results compared (or the same exception class)."""
    try:
        rt = fn(torch)
    except Exception as ex:  # noqa: BLE001
        with pytest.raises(type(ex)):
            fn(ember)
        return None
    re = fn(ember)
    same(re, rt)
    return re


A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def leaf(m, a=A, dtype=None):
    return m.tensor(a, dtype=dtype or m.float64, requires_grad=True)


# ----------------------------------------------------------------- backward
def test_backward_scalar_and_gradient_arg():
    def f(m):
        x = leaf(m)
        (x * x).sum().backward()
        g1 = x.grad.clone()
        y = x.exp() * 2
        y.backward(m.tensor(A[::-1].copy()))
        return g1, x.grad
    run(f)


def test_backward_nonscalar_needs_gradient():
    run(lambda m: (leaf(m) * 2).backward())
    run(lambda m: (leaf(m) * 2).backward(m.ones(3)))  # wrong shape
    run(lambda m: (leaf(m) * 2).sum().backward(m.tensor(2.0, dtype=m.float64)))


def test_backward_without_grad_errors():
    run(lambda m: m.ones(2).sum().backward())
    run(lambda m: m.autograd.grad(m.ones(2).sum(), leaf(m)))


def test_accumulation_and_zeroing():
    def f(m):
        x = leaf(m)
        for _ in range(3):
            (x ** 2).sum().backward()
        g = x.grad.clone()
        x.grad.zero_()
        (x * 3).sum().backward()
        g2 = x.grad.clone()
        x.grad = None
        (x * 5).sum().backward()
        return g, g2, x.grad
    run(f)


def test_shared_leaf_and_diamond():
    def f(m):
        x = leaf(m)
        a = x * 2
        b = a.sin() + a.cos() * a
        c = (b * x).sum() + a.sum()
        c.backward()
        return x.grad
    run(f)


def test_retain_graph():
    def twice(m, retain):
        x = leaf(m)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=retain)
        y.backward()
        return x.grad
    run(lambda m: twice(m, True))
    run(lambda m: twice(m, False))


def test_create_graph_backward():
    def f(m):
        x = leaf(m)
        y = (x ** 3).sum()
        y.backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        x.grad = None
        g.sum().backward()
        return g, x.grad
    run(f)


def test_backward_inputs_argument():
    def f(m):
        x, w = leaf(m), leaf(m, A * 2)
        (x * w).sum().backward(inputs=[w])
        return x.grad, w.grad
    run(f)


def test_autograd_backward_multiple_roots():
    def f(m):
        x = leaf(m)
        a, b = x.sin(), x * x
        m.autograd.backward([a, b], [m.ones(2, 3, dtype=m.float64), m.full((2, 3), 2.0, dtype=m.float64)])
        return x.grad
    run(f)


def test_grad_dtypes_follow_inputs():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        (x.double() * y).sum().backward()
        return x.grad, y.grad
    run(f)


# ----------------------------------------------------------------- autograd.grad
def test_grad_basic_and_grad_outputs():
    def f(m):
        x = leaf(m)
        y = x.sin() * x
        (g,) = m.autograd.grad(y, x, grad_outputs=m.tensor(A))
        assert x.grad is None
        return g
    run(f)


def test_grad_multiple_inputs_outputs():
    def f(m):
        x, w = leaf(m), leaf(m, A + 1)
        y1, y2 = (x * w).sum(), (x.exp() / w).sum()
        return m.autograd.grad([y1, y2], [x, w])
    run(f)


def test_grad_allow_unused_and_materialize():
    def unused(m, allow):
        x, z = leaf(m), leaf(m)
        return m.autograd.grad((x * 2).sum(), [x, z], allow_unused=allow)
    run(lambda m: unused(m, False))
    run(lambda m: unused(m, True))

    def mat(m):
        x, z = leaf(m), leaf(m)
        return m.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    run(mat)


def test_grad_of_intermediate():
    def f(m):
        x = leaf(m)
        h = x * 3
        y = (h * h).sum()
        return m.autograd.grad(y, h)
    run(f)


def test_grad_retain_graph_default():
    def f(m):
        x = leaf(m)
        y = (x.exp()).sum()
        m.autograd.grad(y, x)
        return m.autograd.grad(y, x)  # freed graph
    run(f)


# ----------------------------------------------------------------- higher order
@pytest.mark.parametrize("fn", ["sin", "exp", "tanh", "sigmoid", "pow3", "log", "div", "erf"])
def test_third_derivative(fn):
    ops = {"sin": lambda x: x.sin(), "exp": lambda x: x.exp(), "tanh": lambda x: x.tanh(),
           "sigmoid": lambda x: x.sigmoid(), "pow3": lambda x: x ** 4, "log": lambda x: (x + 3).log(),
           "div": lambda x: 1 / (x + 3), "erf": lambda x: x.erf()}

    def f(m):
        x = leaf(m)
        y = ops[fn](x).sum()
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = m.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    run(f)


def test_hessian_vector_product():
    def f(m):
        x = leaf(m)
        w = m.tensor(A[::-1].copy())
        y = (x.sin() * x.pow(2)).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (hv,) = m.autograd.grad((g * w).sum(), x)
        return hv
    run(f)


def test_double_backward_through_views_and_broadcast():
    def f(m):
        x = leaf(m)
        b = m.tensor([[1.0], [2.0]], dtype=m.float64, requires_grad=True)
        y = (x.t().unsqueeze(0) * b.t().unsqueeze(-1) + x.sum(0)).pow(2).sum()
        gx, gb = m.autograd.grad(y, (x, b), create_graph=True)
        (gx.sum() + (gb * gb).sum()).backward()
        return gx, gb, x.grad, b.grad
    run(f)


# ----------------------------------------------------------------- hooks
def test_leaf_hook_modifies_grad():
    def f(m):
        x = leaf(m)
        seen = []
        h = x.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        (x * x).sum().backward()
        h.remove()
        (x * x).sum().backward()
        return seen[0], x.grad
    run(f)


def test_nonleaf_hook_and_order():
    def f(m):
        x = leaf(m)
        y = x * 3
        order = []
        y.register_hook(lambda g: order.append(1) or g + 1)
        y.register_hook(lambda g: order.append(2) or g * 10)
        (y * y).sum().backward()
        assert order == [1, 2]
        return x.grad
    run(f)


def test_hook_returning_none_observes():
    def f(m):
        x = leaf(m)
        seen = []
        x.register_hook(lambda g: seen.append(g.sum().item()))
        (x * 2).sum().backward()
        return m.tensor(seen), x.grad
    run(f)


def test_hook_on_no_grad_tensor_errors():
    run(lambda m: m.ones(2).register_hook(lambda g: g))


def test_retain_grad():
    def f(m):
        x = leaf(m)
        y = x * 2
        y.retain_grad()
        z = y.exp()
        z.sum().backward()
        assert y.retains_grad and not x.retains_grad
        return y.grad, x.grad
    run(f)
    run(lambda m: m.ones(2).retain_grad())


def test_nonleaf_grad_is_none_without_retain():
    import warnings
    for m in MODS:
        x = leaf(m)
        y = x * 2
        y.sum().backward()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert y.grad is None


def test_retain_grad_accumulates():
    def f(m):
        x = leaf(m)
        y = x * 2
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        (y * y).sum().backward()
        return y.grad, x.grad
    run(f)


# ----------------------------------------------------------------- grad modes
def test_no_grad_context_and_decorator():
    for m in MODS:
        x = leaf(m)
        with m.no_grad():
            y = x * 2
            assert not m.is_grad_enabled()
            with m.enable_grad():
                z = x * 2
        assert m.is_grad_enabled()
        assert not y.requires_grad and y.grad_fn is None and z.requires_grad

        @m.no_grad()
        def f(t):
            return t * 2
        assert not f(x).requires_grad

        @m.enable_grad()
        def g(t):
            return t * 2
        with m.no_grad():
            assert g(x).requires_grad


def test_set_grad_enabled_forms():
    for m in MODS:
        x = leaf(m)
        with m.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad
        m.set_grad_enabled(False)
        try:
            assert not (x * 2).requires_grad
        finally:
            m.set_grad_enabled(True)
        assert m.is_grad_enabled()

        @m.set_grad_enabled(False)
        def f(t):
            return t * 2
        assert not f(x).requires_grad and m.is_grad_enabled()


def test_inference_mode():
    for m in MODS:
        x = leaf(m)
        with m.inference_mode():
            y = x * 2
            assert m.is_inference_mode_enabled() and not m.is_grad_enabled()
        assert not y.requires_grad and not m.is_inference_mode_enabled()
        with m.inference_mode(False):
            assert (x * 2).requires_grad

        @m.inference_mode()
        def f(t):
            return t * 2
        assert not f(x).requires_grad

        @m.inference_mode
        def g(t):
            return t * 2
        assert not g(x).requires_grad


def test_grad_mode_restored_after_exception():
    for m in MODS:
        with pytest.raises(ValueError):
            with m.no_grad():
                raise ValueError
        assert m.is_grad_enabled()


def test_requires_grad_propagation():
    def f(m):
        x = leaf(m)
        c = m.ones(2, 3, dtype=m.float64)
        r = [(c * 2).requires_grad, (c * x).requires_grad, (x > 0).requires_grad,
             (x.argmax() if hasattr(x, "argmax") else x.detach()).requires_grad,
             x.detach().requires_grad, (x.long()).requires_grad, (x.floor()).requires_grad,
             x.is_leaf, (x * 1).is_leaf, c.is_leaf]
        return r
    assert f(ember) == f(torch)


def test_requires_grad_setters():
    run(lambda m: (leaf(m) * 2).requires_grad_(False))
    run(lambda m: m.ones(2, dtype=m.int64).requires_grad_())
    run(lambda m: m.tensor([1, 2]).requires_grad_(False))

    def f(m):
        x = m.ones(2)
        x.requires_grad = True
        (x * 3).sum().backward()
        return x.grad
    run(f)


# ----------------------------------------------------------------- detach
def test_detach_shares_memory_and_version():
    for m in MODS:
        x = leaf(m)
        y = x * 2
        d = y.detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        d.add_(1)
        assert y._version == d._version == 1
        assert np.allclose(tonp(y), A * 2 + 1)


def test_detach_inplace():
    def f(m):
        x = leaf(m)
        y = x * 2
        y.detach_()
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf
        z = (y * x).sum()
        z.backward()
        return x.grad
    run(f)
    run(lambda m: leaf(m).view(3, 2).detach_())


def test_detach_blocks_gradient():
    def f(m):
        x = leaf(m)
        y = x * x.detach() + x.detach().exp()
        y.sum().backward()
        return x.grad
    run(f)


# ----------------------------------------------------------------- in-place and versions
def test_saved_tensor_modified_inplace_errors():
    def f(m):
        x = leaf(m)
        y = x * 1
        z = y.sigmoid()  # saves its output z
        z.mul_(2)
        z.sum().backward()
    run(f)

    def g(m):
        x = leaf(m)
        y = x * 1
        z = y * y  # saves y
        y.add_(1)
        z.sum().backward()
    run(g)


def test_inplace_version_bumps():
    for m in MODS:
        x = m.ones(3)
        assert x._version == 0
        x.add_(1)
        x.mul_(2)
        x[0] = 5
        v = x.view(3, 1)
        v.sub_(1)
        assert x._version == v._version


def test_inplace_on_nonleaf_grads():
    def f(m):
        x = leaf(m)
        y = x * 2
        y.add_(1)
        y.mul_(x)
        y.exp_()
        y.div_(3)
        y.clamp_(max=40.0)
        y.sum().backward()
        return y, x.grad
    run(f)


def test_inplace_on_leaf_errors():
    run(lambda m: leaf(m).add_(1))
    run(lambda m: leaf(m).exp_())
    run(lambda m: leaf(m).view(3, 2).mul_(2))

    def ok(m):
        x = leaf(m)
        with m.no_grad():
            x.mul_(2)
            x.view(3, 2).add_(1)
        (x * x).sum().backward()
        return x, x.grad
    run(ok)


def test_inplace_with_grad_requiring_operand():
    def f(m):
        x = leaf(m)
        buf = m.zeros(2, 3, dtype=m.float64)
        buf.add_(x * 2)
        buf.mul_(x)
        assert buf.requires_grad and not buf.is_leaf
        buf.sum().backward()
        return buf, x.grad
    run(f)


def test_inplace_on_view_of_nonleaf():
    def f(m):
        x = leaf(m)
        y = x * 1
        y.narrow(1, 0, 2).mul_(3)
        y.select(0, 1).add_(10)
        y.sum().backward()
        return y, x.grad
    run(f)


def test_views_share_version_counter():
    for m in MODS:
        x = m.zeros(2, 3)
        views = [x.view(6), x.t(), x.narrow(1, 0, 2), x.unsqueeze(0), x.expand(4, 2, 3), x.select(0, 1),
                 x.transpose(0, 1).reshape(3, 2), x.detach()]
        views[1].add_(1)
        assert all(v._version == 1 for v in views)
        assert x._version == 1
        assert float(x.sum()) == 6.0


def test_inplace_dtype_error_keeps_value():
    run(lambda m: m.ones(3, dtype=m.int64).add_(1.5))
    run(lambda m: m.ones(3, dtype=m.int64).div_(2))

    def f(m):
        x = m.ones(3, dtype=m.int64)
        try:
            x.add_(1.5)
        except RuntimeError:
            pass
        return x
    run(f)


# ----------------------------------------------------------------- autograd.Function
def make_functions(m):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x * ctx.k, None

    class MulAdd(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b)
            ctx.flags = ctx.needs_input_grad
            return a * b + c

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            na, nb, nc = ctx.needs_input_grad
            return (g * b if na else None), (g * a if nb else None), (g if nc else None)

    class AddOneInplace(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class SortWithIndex(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = m.tensor(np.argsort(np.asarray(x.detach().numpy()), kind="stable"))
            out = x.index_select(0, idx) if hasattr(x, "index_select") else x
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return out, idx

        @staticmethod
        def backward(ctx, g, gidx):
            (idx,) = ctx.saved_tensors
            res = m.zeros_like(g)
            res.index_add_(0, idx, g)
            return res

    class NoMaterialize(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            total = 0
            if g1 is not None:
                total = total + g1 * 2
            if g2 is not None:
                total = total + g2 * 3
            return total

    class Materialize(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class ReturnsInput(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    return dict(Square=Square, MulAdd=MulAdd, AddOneInplace=AddOneInplace, SortWithIndex=SortWithIndex,
                NoMaterialize=NoMaterialize, Materialize=Materialize, Exp=Exp, ReturnsInput=ReturnsInput)


def test_function_save_for_backward_and_nontensor_args():
    def f(m):
        F = make_functions(m)
        x = leaf(m)
        y = F["Square"].apply(x, 3.0)
        y.sum().backward()
        assert y.grad_fn is not None
        return y, x.grad
    run(f)


def test_function_needs_input_grad():
    for m in MODS:
        F = make_functions(m)
        a, b, c = leaf(m), m.tensor(A), leaf(m)
        out = F["MulAdd"].apply(a, b, c)
        assert out.grad_fn.flags == (True, False, True) if hasattr(out.grad_fn, "flags") else True
        out.sum().backward()
        assert np.allclose(tonp(a.grad), A) and np.allclose(tonp(c.grad), 1)


def test_function_mark_dirty():
    def f(m):
        F = make_functions(m)
        x = leaf(m)
        y = x * 1
        z = F["AddOneInplace"].apply(y)
        assert z is y
        (z * z).sum().backward()
        return z, x.grad
    run(f)


def test_function_mark_non_differentiable():
    if not hasattr(ember.Tensor, "index_add_"):
        pytest.skip("index_add_ comes with the indexing family")

    def f(m):
        F = make_functions(m)
        x = m.tensor([3.0, 1.0, 2.0], requires_grad=True)
        out, idx = F["SortWithIndex"].apply(x)
        assert not idx.requires_grad and out.requires_grad
        (out * m.tensor([1.0, 10.0, 100.0])).sum().backward()
        return out, idx, x.grad
    run(f)


def test_function_set_materialize_grads():
    def f(m):
        F = make_functions(m)
        x = leaf(m)
        a, _ = F["NoMaterialize"].apply(x)
        a.sum().backward()
        return x.grad
    run(f)

    def g(m):
        F = make_functions(m)
        x = leaf(m)
        a, _ = F["Materialize"].apply(x)
        a.sum().backward()  # the unused output's gradient arrives as zeros
        return x.grad
    run(g)


def test_function_double_backward():
    def f(m):
        F = make_functions(m)
        x = leaf(m)
        y = F["Exp"].apply(x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g.sum(), x)
        return g, g2
    run(f)


def test_function_returning_input():
    def f(m):
        F = make_functions(m)
        x = leaf(m)
        y = F["ReturnsInput"].apply(x)
        assert y is not x
        y.sum().backward()
        return x.grad
    run(f)


def test_function_no_grad_inputs():
    for m in MODS:
        F = make_functions(m)
        y = F["Square"].apply(m.tensor(A), 2.0)
        assert not y.requires_grad and y.grad_fn is None
        with m.no_grad():
            y = F["Square"].apply(leaf(m), 2.0)
        assert not y.requires_grad


def test_function_once_differentiable():
    for m in MODS:
        from importlib import import_module
        once = import_module(m.__name__ + ".autograd.function").once_differentiable

        class Cube(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            @once
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x * x

        x = leaf(m)
        Cube.apply(x).sum().backward()
        assert np.allclose(tonp(x.grad), 3 * A ** 2)


# ----------------------------------------------------------------- misc
def test_grad_fn_names():
    names = {}
    for m in MODS:
        x = leaf(m)
        mm = m.zeros(3, 3, requires_grad=True)
        outs = [x + 1, x * x, x - x, x / 2, x.exp(), x.sum(), x.view(6), x.t(), x.transpose(0, 1),
                x.permute(1, 0), x.unsqueeze(0), x.squeeze(), x.expand(2, 2, 3), m.cat([x, x]),
                m.stack([x, x]), x.clone(), x.narrow(0, 0, 1), x.select(0, 1), x.pow(2), x.sigmoid(),
                x.tanh(), x.relu(), x.abs(), -x, x.float(), x.flip(0), x.clamp(0, 1), x.split(1)[0],
                x.unbind()[0], x.repeat(2, 1), x.sqrt(), x.log(), 2 - x, mm.diagonal(), mm.tril(),
                x.roll(1), x.maximum(x), m.where(x > 0, x, 0.0)]
        names[m] = [o.grad_fn.name() for o in outs]
    assert names[ember] == names[torch]


def test_anomaly_detection_nan():
    for m in MODS:
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with m.autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()
            with pytest.raises(RuntimeError):
                y.backward()


def test_deepcopy_leaf_and_nonleaf():
    import copy
    for m in MODS:
        x = leaf(m)
        c = copy.deepcopy(x)
        assert c.requires_grad and c.is_leaf and c is not x
        with pytest.raises(RuntimeError):
            copy.deepcopy(x * 2)


def test_grad_assignment_checks():
    def f(m, value):
        x = leaf(m)
        x.grad = value(m)
        return x.grad
    run(lambda m: f(m, lambda m: m.ones(2, 3, dtype=m.float64)))
    run(lambda m: f(m, lambda m: m.ones(3, dtype=m.float64)))
    run(lambda m: f(m, lambda m: m.ones(2, 3, dtype=m.float32)))
    run(lambda m: f(m, lambda m: 5))
