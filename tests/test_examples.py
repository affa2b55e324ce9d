"""Every program in examples/ runs under `ember run` and prints what real PyTorch prints."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = sorted(f for f in os.listdir(os.path.join(ROOT, "examples")) if f.endswith(".py"))


def _run(cmd, script):
    return subprocess.run(cmd + [os.path.join(ROOT, "examples", script)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs_like_pytorch(script):
    ours = _run([sys.executable, "-m", "ember", "run"], script)
    assert ours.returncode == 0, ours.stderr
    theirs = _run([sys.executable], script)
    assert theirs.returncode == 0, theirs.stderr
    ours_lines, their_lines = ours.stdout.splitlines(), theirs.stdout.splitlines()
    assert len(ours_lines) == len(their_lines)
    # the first lines (model print-out, first steps) agree exactly
    assert ours_lines[:9] == their_lines[:9]
