"""Checkpoints in PyTorch's format: Ember and PyTorch load each other's files,
loading is safe by default, bad files fail clearly, saves are atomic."""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.serialization as S


def _ember_model():
    ember.manual_seed(0)
    return enn.Sequential(enn.Linear(3, 5), enn.ReLU(), enn.Linear(5, 2))


def _torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))


X = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
Y = np.array([[0.5, -1.0], [1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]], dtype=np.float32)


def _train(lib, model, opt, steps):
    x, y = lib.tensor(X), lib.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_ember_checkpoint_continues_in_pytorch(tmp_path):
    model = _ember_model()
    opt = ember.optim.Adam(model.parameters(), lr=0.05)
    _train(ember, model, opt, 3)
    path = tmp_path / "ckpt.pt"
    ember.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, path)
    ckpt = torch.load(path)
    assert ckpt["epoch"] == 3
    tmodel = _torch_model()
    tmodel.load_state_dict(ckpt["model"])
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.05)
    topt.load_state_dict(ckpt["optim"])
    theirs = _train(torch, tmodel, topt, 3)
    ours = _train(ember, model, opt, 3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_pytorch_checkpoint_continues_in_ember(tmp_path):
    tmodel = _torch_model()
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9)
    _train(torch, tmodel, topt, 2)
    path = tmp_path / "ckpt.pt"
    torch.save({"model": tmodel.state_dict(), "optim": topt.state_dict()}, path)
    ckpt = ember.load(path)
    model = _ember_model()
    model.load_state_dict(ckpt["model"])
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.load_state_dict(ckpt["optim"])
    ours = _train(ember, model, opt, 3)
    theirs = _train(torch, tmodel, topt, 3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8",
                                   "uint8", "bool", "complex64"])
def test_dtypes_round_trip_both_ways(tmp_path, dtype):
    values = np.array([[0, 1, 2], [3, 4, 5]]) % (2 if dtype == "bool" else 6)
    t = torch.tensor(values).to(getattr(torch, dtype))
    torch.save({"t": t, "col": t[:, 1]}, tmp_path / "t.pt")
    got = ember.load(tmp_path / "t.pt")
    assert str(got["t"].dtype) == str(t.dtype)
    assert got["t"].tolist() == t.tolist()
    got["t"][1, 1] = 1  # views still share memory after loading
    assert got["col"].tolist()[1] == got["t"].tolist()[1][1]
    e = ember.tensor(values).to(getattr(ember, dtype))
    ember.save({"t": e, "col": e[:, 1]}, tmp_path / "e.pt")
    back = torch.load(tmp_path / "e.pt")
    assert back["t"].tolist() == e.tolist()
    assert back["col"].untyped_storage().data_ptr() == back["t"].untyped_storage().data_ptr()


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch %s" % _Evil.marker,))


def test_code_in_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "ran"
    _Evil.marker = marker
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"x": _Evil()}, protocol=2))
        z.writestr("archive/version", "3\n")
    path = tmp_path / "evil.pt"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        ember.load(path)
    assert not marker.exists()
    assert S.get_unsafe_globals_in_checkpoint(str(path)) == ["posix.system"]


def test_bad_files_raise_clear_errors(tmp_path):
    good = tmp_path / "good.pt"
    ember.save({"w": ember.ones(3)}, good)
    data = good.read_bytes()
    (tmp_path / "half.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="zip archive"):
        ember.load(tmp_path / "half.pt")
    corrupted = bytearray(data)
    corrupted[len(corrupted) // 3: len(corrupted) // 3 + 40] = b"\0" * 40
    (tmp_path / "bad.pt").write_bytes(bytes(corrupted))
    with pytest.raises((RuntimeError, pickle.UnpicklingError)):
        ember.load(tmp_path / "bad.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(EOFError):
        ember.load(tmp_path / "empty.pt")
    (tmp_path / "text.pt").write_text("hello\n")
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "text.pt")
    with pytest.raises(FileNotFoundError):
        ember.load(tmp_path / "missing.pt")


def test_interrupted_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    ember.save({"version": 1, "w": ember.ones(4)}, path)
    calls = []

    def failing_write(self, name, data):
        calls.append(name)
        if name.startswith("data/"):
            raise KeyboardInterrupt  # the user hit Ctrl-C mid-save
        return original(self, name, data)

    original = S._AlignedZipWriter.write
    monkeypatch.setattr(S._AlignedZipWriter, "write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        ember.save({"version": 2, "w": ember.zeros(4)}, path)
    monkeypatch.undo()
    assert calls
    assert ember.load(path)["version"] == 1
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]


def test_map_location_and_mmap(tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"w": torch.arange(6.0)}, path)
    for loc in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda storage, location: storage):
        assert ember.load(path, map_location=loc)["w"].tolist() == list(range(6))
    mapped = ember.load(path, mmap=True)
    assert mapped["w"].tolist() == list(range(6))


def test_whole_module_round_trip(tmp_path):
    model = _ember_model()
    path = tmp_path / "whole.pt"
    ember.save(model, path)
    with pytest.raises(pickle.UnpicklingError):
        ember.load(path)
    back = ember.load(path, weights_only=False)
    x = ember.tensor(X)
    assert back(x).tolist() == model(x).tolist()
    theirs = torch.load(path, weights_only=False)
    np.testing.assert_allclose(theirs(torch.tensor(X)).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_storage_accessors_match_pytorch():
    e = ember.arange(6.0).reshape(2, 3)
    t = torch.arange(6.0).reshape(2, 3)
    assert e.untyped_storage().nbytes() == t.untyped_storage().nbytes()
    assert (e[:, 1].untyped_storage().data_ptr() == e.untyped_storage().data_ptr()) == \
        (t[:, 1].untyped_storage().data_ptr() == t.untyped_storage().data_ptr())
    assert e.storage().size() == t.storage().size()
    assert e.storage().tolist() == t.storage().tolist()
