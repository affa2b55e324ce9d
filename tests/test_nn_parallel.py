"""nn.DataParallel against real PyTorch (CPU: no devices, the module is called
as it is) and on the cuda device (the batch runs on device_ids[0])."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402
from cuda_util import host  # noqa: E402


def _pair():
    data = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    em = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em, data


def test_without_cuda_it_wraps_and_calls_the_module():
    tm, em, data = _pair()
    tdp, edp = torch.nn.DataParallel(tm), ember.nn.DataParallel(em)
    assert edp.device_ids == tdp.device_ids == []
    assert edp.module is em
    assert list(edp.state_dict()) == list(tdp.state_dict())
    assert [n for n, _ in edp.named_modules()] == [n for n, _ in tdp.named_modules()]
    assert repr(edp).splitlines()[0] == repr(tdp).splitlines()[0]
    out_t, out_e = tdp(torch.from_numpy(data)), edp(ember.tensor(data))
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-6, atol=1e-6)
    out_t.sum().backward()
    out_e.sum().backward()
    np.testing.assert_allclose(em[0].weight.grad.numpy(), tm[0].weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    pair = ember.nn.DataParallel(ember.nn.Bilinear(2, 3, 1))
    assert pair(ember.ones(4, 2), input2=ember.ones(4, 3)).shape == (4, 1)


def test_on_cuda_the_batch_runs_on_the_first_device(cuda):
    _, em, data = _pair()
    expected = em(ember.tensor(data))
    dp = ember.nn.DataParallel(em)
    assert dp.device_ids == [0] and dp.output_device == 0
    assert all(p.device.type == "cuda" for p in em.parameters())   # one device: moved there
    out = dp(ember.tensor(data))                                     # CPU input, moved over
    assert out.device == ember.device("cuda", 0)
    np.testing.assert_allclose(host(out), host(expected), rtol=1e-6, atol=1e-6)
    out.sum().backward()
    assert em[0].weight.grad.device.type == "cuda"


def test_on_cuda_parameters_elsewhere_are_refused(cuda):
    _, em, data = _pair()
    dp = ember.nn.DataParallel(em, device_ids=[0, 0])   # several ids: the module is not moved
    with pytest.raises(RuntimeError, match=r"module must have its parameters and buffers on device cuda:0"):
        dp(ember.tensor(data))
