"""DataLoader against PyTorch: same batches and shuffles; worker failures
surface in the main process; no worker process outlives its loader."""
import os
import signal
import time

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info


class Squares(Dataset):
    def __len__(self):
        return 11

    def __getitem__(self, i):
        return ember.tensor([i, i * i], dtype=ember.float32), i


class Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError("bad item %d" % i)
        return i


class Dying(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if get_worker_info() is not None and i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


def _children():
    import multiprocessing
    return [p for p in multiprocessing.active_children()]


@pytest.mark.parametrize("workers", [0, 2])
def test_batches_match_main_process(workers):
    batches = list(DataLoader(Squares(), batch_size=3, num_workers=workers))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10]]
    assert batches[1][0].tolist() == [[3, 9], [4, 16], [5, 25]]


def test_shuffle_matches_pytorch_stream():
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    ours = DataLoader(TensorDataset(ember.tensor(data)), batch_size=3, shuffle=True,
                      generator=ember.Generator().manual_seed(3))
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(data)), batch_size=3,
                                         shuffle=True, generator=torch.Generator().manual_seed(3))
    for _ in range(2):  # two epochs: the generator carries over
        assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    ember.manual_seed(5)
    torch.manual_seed(5)
    ours = DataLoader(TensorDataset(ember.tensor(data)), batch_size=4, shuffle=True)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(data)), batch_size=4,
                                         shuffle=True)
    assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    assert ember.rand(3).tolist() == torch.rand(3).tolist()  # same draws consumed


def test_worker_exception_reaches_main_with_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    text = str(info.value)
    assert "Caught ValueError in DataLoader worker process" in text
    assert "bad item 5" in text and "Traceback" in text and "__getitem__" in text
    time.sleep(0.2)
    assert _children() == []


def test_killed_worker_is_reported():
    loader = DataLoader(Dying(), batch_size=1, num_workers=2)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert time.monotonic() - start < 30
    time.sleep(0.2)
    assert _children() == []


def test_no_workers_left_after_epochs_and_break():
    loader = DataLoader(Squares(), batch_size=2, num_workers=2)
    list(loader)
    it = iter(loader)
    next(it)
    del it  # abandoned mid-epoch
    time.sleep(0.2)
    assert _children() == []
    persistent = DataLoader(Squares(), batch_size=4, num_workers=2, persistent_workers=True)
    first = [b[1].tolist() for b in persistent]
    second = [b[1].tolist() for b in persistent]
    assert first == second
    persistent._iterator._shutdown_workers()
    time.sleep(0.2)
    assert _children() == []


def test_timeout():
    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(3)
            return i

    with pytest.raises(RuntimeError, match="timed out"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.5))
    time.sleep(0.2)
    assert _children() == []
