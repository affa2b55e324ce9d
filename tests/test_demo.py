"""`ember demo` (ember/demo.py) and the compatibility table (tools/compat_table.py).

The demo runs once for one epoch in a temporary directory; its checkpoint
must load in Ember and in real PyTorch (which must reproduce the accuracy
the demo printed), and its two pictures must be valid PNG files.
"""
import os
import re
import struct
import subprocess
import sys
import textwrap
import zlib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")  # this checkout's ember
    env.update(extra)
    return env


def _run(args, **kwargs):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600,
                          cwd=kwargs.pop("cwd", ROOT), env=kwargs.pop("env", _env()), **kwargs)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    # the built-in PNG writer even where matplotlib is installed
    proc = _run(["-m", "ember", "demo", "--epochs", "1", "--out", str(out)],
                env=_env(EMBER_DEMO_NO_MATPLOTLIB="1"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout


def _accuracy(stdout):
    last = stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"test accuracy: (\d\.\d{4})", last)
    assert match, f"the last line should be 'test accuracy: 0.xxxx', got {last!r}"
    return float(match.group(1))


def test_demo_prints_progress_and_accuracy(demo_run):
    _, stdout = demo_run
    assert re.search(r"^epoch  1/1  loss \d+\.\d{4}  train acc \d\.\d{4}  test acc \d\.\d{4}", stdout, re.M)
    assert "same as the trained model" in stdout
    assert _accuracy(stdout) > 0.5  # one epoch; the default 12 reach about 0.98


def test_checkpoint_loads_in_ember(demo_run):
    out, stdout = demo_run
    code = textwrap.dedent(f"""
        import ember as torch
        from ember.demo import DigitsCNN, load_digits, split, evaluate
        model = DigitsCNN()
        state = torch.load({str(out / "digits_cnn.pt")!r})
        print(sorted(state))
        model.load_state_dict(state)
        images, labels = load_digits()
        (x_train, _), (x_test, y_test) = split(images, labels, test_fraction=0.2, seed=0)
        x_test = (x_test - x_train.mean()) / x_train.std()
        print(f"{{evaluate(model, x_test, y_test)[0]:.4f}}")
    """)
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    keys, accuracy = proc.stdout.strip().splitlines()
    assert keys == str(sorted(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                               "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]))
    assert float(accuracy) == _accuracy(stdout)


def test_checkpoint_loads_in_pytorch(demo_run):
    """Real PyTorch reads the file (weights only) and, with the same network,
    split and normalisation, gets the accuracy the demo printed."""
    pytest.importorskip("torch")
    out, stdout = demo_run
    code = textwrap.dedent(f"""
        import gzip
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        state = torch.load({str(out / "digits_cnn.pt")!r}, weights_only=True)

        class DigitsCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
                self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
                self.pool = nn.MaxPool2d(2, 2)
                self.fc1 = nn.Linear(256, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = self.pool(F.relu(self.conv1(x)))
                x = self.pool(F.relu(self.conv2(x)))
                return self.fc2(F.relu(self.fc1(x.view(-1, 256))))

        model = DigitsCNN()
        model.load_state_dict(state)
        model.eval()
        with gzip.open({os.path.join(ROOT, "ember", "data", "digits.csv.gz")!r}, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float32)
        images = torch.from_numpy(table[:, :64].reshape(-1, 1, 8, 8).copy())
        labels = torch.from_numpy(table[:, 64].astype(np.int64))
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
        test, train = order[:359], order[359:]
        x_train = images[train]
        x_test = (images[test] - x_train.mean()) / x_train.std()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == labels[test]).float().mean().item()
        print(torch.__file__)
        print(f"{{accuracy:.4f}}")
    """)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = _run(["-c", code], cwd=str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    torch_file, accuracy = proc.stdout.strip().splitlines()
    assert "ember" not in torch_file
    # same weights, same data: at most one borderline image may round differently
    assert abs(float(accuracy) - _accuracy(stdout)) <= 1 / 359 + 1e-9


def _png_size(path):
    """Check a PNG file independently of Ember's writer: signature, chunk
    CRCs, IHDR, and image data that decompresses to the declared size."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG signature"
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"{path.name}: bad CRC in {kind!r}"
        chunks.append((kind, body))
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    if depth == 8:
        assert len(zlib.decompress(idat)) == height * (1 + width * channels)
    return width, height


@pytest.mark.parametrize("name", ["training_curves.png", "test_predictions.png"])
def test_demo_writes_png_pictures(demo_run, name):
    out, _ = demo_run
    width, height = _png_size(out / name)
    assert width >= 200 and height >= 200
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(out / name) as image:
        image.verify()


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs"),
    (["--epochs", "many"], "--epochs"),
    (["--seed", "-1"], "--seed"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--out", os.path.abspath(__file__)], "argument --out"),  # a file, not a folder
])
def test_bad_options_exit_2_with_a_message(args, message):
    proc = _run(["-m", "ember", "demo", *args])
    assert proc.returncode == 2
    assert "usage: ember demo" in proc.stderr and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cuda_without_a_gpu_is_a_usage_error():
    probe = _run(["-c", "import ember; print(ember.cuda.is_available())"])
    if probe.stdout.strip() != "False":
        pytest.skip("a GPU is available here")
    proc = _run(["-m", "ember.demo", "--device", "cuda"])
    assert proc.returncode == 2
    assert "CUDA is not available" in proc.stderr


def test_demo_help():
    proc = _run(["-m", "ember", "demo", "--help"])
    assert proc.returncode == 0
    for option in ("--epochs", "--out", "--device", "--seed"):
        assert option in proc.stdout


def test_compatibility_table_is_current():
    """docs/compatibility.md matches what tools/compat_table.py generates (the
    API part rescanned now; the per-case conformance results as recorded)."""
    proc = _run([os.path.join("tools", "compat_table.py"), "--check"])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_compatibility_table_counts_agree_with_its_cases():
    text = open(os.path.join(ROOT, "docs", "compatibility.md"), encoding="utf-8").read()
    cases = re.findall(r"^- (pass|FAIL) `(\w+)`$", text, re.M)
    passed = sum(status == "pass" for status, _ in cases)
    assert f"**{passed} passed, {len(cases) - passed} failed**" in text
    assert "python tools/compat_table.py --results conformance.json" in text  # the regeneration command
