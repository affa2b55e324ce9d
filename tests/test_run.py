"""`ember run` and the torch import shim (ember/_cli.py, ember/_shim.py).

The tests build a small fake `ember` package in a temporary directory: a
stub __init__.py, a few subpackages, and copies of the real _shim.py,
_cli.py and __main__.py. `python -m ember run ...` then runs in a
subprocess against that tree, so these tests exercise the runner and the
shim without depending on the rest of Ember.
"""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "ember"

FAKE_MODULES = {
    "__init__.py": (
        "import os\n"
        "import types\n"
        "__version__ = '0.0-test'\n"
        "STUB = 'fake ember'\n"
        "dynamic = types.ModuleType('ember.dynamic')\n"
        "dynamic.flag = 'dynamic'\n"),
    "nn/__init__.py": "from . import functional\nclass Module:\n    pass\n",
    "nn/functional.py": "def relu(x):\n    return max(x, 0)\n",
    "nn/modules/__init__.py": "",
    "nn/modules/linear.py": "class Linear:\n    pass\n",
    "utils/__init__.py": "",
    "utils/data/__init__.py": "class DataLoader:\n    pass\n",
    "vision/__init__.py": "",
    "vision/transforms.py": "class ToTensor:\n    pass\n",
    "text/__init__.py": "",
}


def make_tree(root, demo=None):
    pkg = root / "ember"
    for name, text in FAKE_MODULES.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name in ("_shim.py", "_cli.py", "__main__.py"):
        shutil.copy(SOURCE / name, pkg / name)
    if demo is not None:
        (pkg / "demo.py").write_text(demo)
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("pkg"))


@pytest.fixture
def work(tmp_path):
    """A directory to run from, away from the package tree."""
    d = tmp_path / "work"
    d.mkdir()
    return d


def python(tree, *args, cwd, input=None, env_extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.pop("PYTHONSAFEPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if env_extra:
        env.update(env_extra)
    return subprocess.run([sys.executable, *args], cwd=cwd, input=input,
                          capture_output=True, text=True, timeout=60, env=env)


def ember(tree, *args, cwd, input=None):
    return python(tree, "-m", "ember", *args, cwd=cwd, input=input)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def run_script(tree, work, text, *args, name="script.py"):
    script = write(work / "sub" / name, text)
    return ember(tree, "run", os.path.join("sub", name), *args, cwd=work), script


def ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- running a script as Python would -------------------------------------

def test_argv_name_path_and_file(tree, work):
    result, script = run_script(tree, work, """
        import sys
        print(repr(sys.argv))
        print(__name__)
        print(sys.path[0])
        print(__file__)
        print(__spec__, __package__)
    """, "a", "--flag", "-c", "--help", "run")
    lines = ok(result).splitlines()
    assert lines[0] == repr([os.path.join("sub", "script.py"), "a", "--flag", "-c", "--help", "run"])
    assert lines[1] == "__main__"
    assert lines[2] == str(script.parent.resolve())
    assert lines[3] == str(work / "sub" / "script.py")
    assert lines[4] == "None None"


def test_classes_belong_to_main_and_pickle(tree, work):
    result, _ = run_script(tree, work, """
        import pickle, sys
        class Point:
            def __init__(self, x):
                self.x = x
        def double(v):
            return 2 * v
        print(Point.__module__, double.__module__)
        p = pickle.loads(pickle.dumps(Point(3)))
        print(type(p) is Point, p.x, pickle.loads(pickle.dumps(double))(4))
        print(sys.modules["__main__"].Point is Point)
    """)
    assert ok(result).split() == ["__main__", "__main__", "True", "3", "8", "True"]


def test_sibling_module_imports_from_script_directory(tree, work):
    write(work / "sub" / "helper.py", "VALUE = 42\n")
    result, _ = run_script(tree, work, """
        import sys, os
        import helper
        print(helper.VALUE)
        print(os.getcwd() in sys.path[:1])
    """)
    assert ok(result).split() == ["42", "False"]


def test_symlinked_script_gets_real_directory(tree, work):
    real = write(work / "real" / "prog.py", "import sys, helper\nprint(sys.path[0], helper.X)\n")
    write(work / "real" / "helper.py", "X = 'h'\n")
    (work / "link.py").symlink_to(real)
    result = ember(tree, "run", "link.py", cwd=work)
    assert ok(result).split() == [str(real.parent.resolve()), "h"]


@pytest.mark.parametrize("body, code", [
    ("pass", 0),
    ("import sys; sys.exit()", 0),
    ("import sys; sys.exit(0)", 0),
    ("import sys; sys.exit(3)", 3),
    ("raise SystemExit(7)", 7),
])
def test_exit_status(tree, work, body, code):
    result, _ = run_script(tree, work, body)
    assert result.returncode == code, result.stderr
    assert result.stderr == ""


def test_exit_with_message(tree, work):
    result, _ = run_script(tree, work, "import sys\nsys.exit('something went wrong')\n")
    assert result.returncode == 1
    assert result.stderr == "something went wrong\n"


def test_uncaught_exception_traceback_starts_at_script(tree, work):
    result, script = run_script(tree, work, """
        def inner():
            raise ValueError("boom")
        def outer():
            inner()
        outer()
    """)
    assert result.returncode == 1
    err = result.stderr
    assert err.startswith("Traceback (most recent call last):\n"
                          f'  File "{script}", line 6, in <module>\n'), err
    assert 'in inner' in err and err.rstrip().endswith("ValueError: boom")
    for runner in ("runpy", "_cli.py", "__main__.py", "_shim.py", "<frozen"):
        assert runner not in err


# scripts that need no torch: their output under `ember run` must match
# plain `python script.py` exactly (stdout, stderr, exit status)
PARITY = {
    "exception": """
        def f(x):
            return 1 / x
        print("before")
        f(0)
    """,
    "chained": """
        try:
            {}["k"]
        except KeyError as e:
            raise RuntimeError("wrapped") from e
    """,
    "keyboard_interrupt": """
        raise KeyboardInterrupt
    """,
    "syntax_error": """
        def broken(:
            pass
    """,
    "excepthook": """
        import sys
        def hook(t, v, tb):
            n = 0
            while tb is not None:
                n += 1
                tb = tb.tb_next
            print("hook", t.__name__, v, n, file=sys.stderr)
        sys.excepthook = hook
        def g():
            raise OSError("disk")
        g()
    """,
    "atexit": """
        import atexit, sys
        atexit.register(lambda: print("at exit", __name__))
        sys.exit(5)
    """,
    "stdout_flush": """
        import sys
        sys.stdout.write("no newline")
    """,
}


@pytest.mark.parametrize("name", sorted(PARITY))
def test_same_behaviour_as_python(tree, work, name):
    script = write(work / "sub" / "prog.py", PARITY[name])
    plain = python(tree, os.path.join("sub", "prog.py"), "x", cwd=work)
    ours = ember(tree, "run", os.path.join("sub", "prog.py"), "x", cwd=work)
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (plain.returncode, plain.stdout, plain.stderr)
    if name == "keyboard_interrupt":
        assert ours.returncode == -signal.SIGINT
    assert script.exists()


def test_missing_script(tree, work):
    result = ember(tree, "run", "nope.py", cwd=work)
    assert result.returncode == 2
    assert "can't open file" in result.stderr and "nope.py" in result.stderr


# --- the import shim -------------------------------------------------------

def test_torch_is_ember(tree, work):
    result, _ = run_script(tree, work, """
        import sys
        import torch
        import ember
        print(torch is ember, sys.modules["torch"] is ember, torch.STUB)
        print(torch.__file__.startswith(%r))
    """ % str(tree))
    assert ok(result).split() == ["True", "True", "fake", "ember", "True"]


def test_submodules_are_the_same_objects(tree, work):
    result, _ = run_script(tree, work, """
        import sys
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torch.nn.modules.linear import Linear
        from torch import nn as nn2
        import ember, ember.nn, ember.utils.data, ember.nn.modules.linear
        checks = [
            nn is ember.nn,
            nn2 is ember.nn,
            F is ember.nn.functional,
            F.relu is ember.nn.functional.relu,
            DataLoader is ember.utils.data.DataLoader,
            Linear is ember.nn.modules.linear.Linear,
            sys.modules["torch.nn"] is sys.modules["ember.nn"],
            sys.modules["torch.nn.functional"] is sys.modules["ember.nn.functional"],
            sys.modules["torch.utils.data"] is sys.modules["ember.utils.data"],
            # the Ember modules keep their own names and specs
            ember.nn.__name__ == "ember.nn",
            ember.nn.__spec__.name == "ember.nn",
            ember.__spec__.name == "ember",
            F.relu(-2) == 0,
        ]
        print(checks)
    """)
    assert ok(result).strip() == repr([True] * 13)


def test_ember_first_then_torch(tree, work):
    result, _ = run_script(tree, work, """
        import ember.nn.functional
        import torch.nn.functional
        print(torch.nn.functional is ember.nn.functional)
    """)
    assert ok(result).strip() == "True"


def test_torchvision_torchtext_map_to_ember(tree, work):
    result, _ = run_script(tree, work, """
        import sys
        import torchvision
        import torchvision.transforms as T
        from torchvision.transforms import ToTensor
        import torchtext
        import ember.vision, ember.vision.transforms, ember.text
        print(torchvision is ember.vision, T is ember.vision.transforms,
              ToTensor is ember.vision.transforms.ToTensor, torchtext is ember.text,
              sys.modules["torchvision.transforms"] is T)
    """)
    assert ok(result).split() == ["True"] * 5


def test_missing_module_error(tree, work):
    result, _ = run_script(tree, work, """
        cases = ["torch.nn.not_there", "torch.distributed.rpc", "torchaudio",
                 "torchvision.models.detection", "torch.os"]
        for name in cases:
            try:
                __import__(name)
            except ModuleNotFoundError as e:
                assert isinstance(e, ImportError)
                print(e.name, "|", e)
            else:
                print("imported", name)
    """)
    lines = ok(result).splitlines()
    assert lines[0] == ("torch.nn.not_there | No module named 'torch.nn.not_there' "
                        "(Ember does not provide torch.nn.not_there yet)")
    assert lines[1].startswith("torch.distributed | No module named 'torch.distributed' "
                               "(Ember does not provide torch.distributed yet")
    assert "torch.distributed.rpc" in lines[1]
    assert lines[2] == "torchaudio | No module named 'torchaudio' (Ember does not provide torchaudio yet)"
    assert lines[3].startswith("torchvision.models | No module named 'torchvision.models'")
    assert lines[4].startswith("torch.os | No module named 'torch.os'")


def test_module_object_made_by_ember(tree, work):
    result, _ = run_script(tree, work, """
        import sys
        import torch.dynamic
        import ember
        from torch.dynamic import flag
        print(torch.dynamic is ember.dynamic, sys.modules["ember.dynamic"] is ember.dynamic, flag)
    """)
    assert ok(result).split() == ["True", "True", "dynamic"]


def test_uncaught_missing_module(tree, work):
    result, script = run_script(tree, work, "import torch.distributed\n")
    assert result.returncode == 1
    assert result.stderr.startswith(f'Traceback (most recent call last):\n  File "{script}", line 1')
    assert result.stderr.rstrip().endswith(
        "ModuleNotFoundError: No module named 'torch.distributed' "
        "(Ember does not provide torch.distributed yet)")


def test_from_import_of_missing_name(tree, work):
    result, _ = run_script(tree, work, """
        try:
            from torch import nonexistent
        except ImportError as e:
            print(type(e).__name__, "cannot import name 'nonexistent'" in str(e))
        try:
            from torch.nn import nothing_here
        except ImportError as e:
            print(type(e).__name__, "cannot import name 'nothing_here'" in str(e))
        from torch import nn, STUB
        print(STUB)
    """)
    assert ok(result).split() == ["ImportError", "True", "ImportError", "True", "fake", "ember"]


def test_find_spec(tree, work):
    result, _ = run_script(tree, work, """
        import importlib.util
        print(importlib.util.find_spec("torchvision") is not None)
        print(importlib.util.find_spec("torch") is not None)
        print(importlib.util.find_spec("torch.nn.functional") is not None)
        print(importlib.util.find_spec("torch.nn.not_there"))
        print(importlib.util.find_spec("torchaudio"))
    """)
    assert ok(result).split() == ["True", "True", "True", "None", "None"]


def test_install_is_idempotent_and_drops_real_torch(tree, work):
    code = textwrap.dedent("""
        import sys, types
        fake = types.ModuleType("torch")
        sys.modules["torch"] = fake
        sys.modules["torch.nn"] = types.ModuleType("torch.nn")
        from ember import _shim
        _shim.install()
        _shim.install()
        assert sum(getattr(f, "_ember_torch_shim", False) for f in sys.meta_path) == 1
        assert getattr(sys.meta_path[0], "_ember_torch_shim", False)
        import torch, torch.nn, ember
        assert torch is ember and torch is not fake and torch.nn is ember.nn
        _shim.uninstall()
        assert "torch" not in sys.modules and "torch.nn" not in sys.modules
        assert "ember.nn" in sys.modules
        print("ok")
    """)
    result = python(tree, "-c", code, cwd=work)
    assert ok(result).strip() == "ok"


def test_shim_module_is_light(tree, work):
    code = "import sys; import ember._shim; print(sorted(m for m in ('numpy', 'ember.nn', 'torch') if m in sys.modules))"
    assert ok(python(tree, "-c", code, cwd=work)).strip() == "[]"


def test_spawned_children_get_the_shim(tree, work):
    result, _ = run_script(tree, work, """
        import multiprocessing as mp
        import torch
        class Box:
            def __init__(self, v):
                self.v = v
        def work(box):
            import sys, torch
            return box.v + 1, torch.__name__, __name__, sys.modules["torch"] is sys.modules["ember"]
        if __name__ == "__main__":
            import os
            os.chdir("/")
            with mp.get_context("spawn").Pool(1) as pool:
                print(pool.map(work, [Box(1)]))
    """)
    assert ok(result).strip() == "[(2, 'ember', '__mp_main__', True)]"


# --- -c, -m, stdin, directories ----------------------------------------------

def test_run_code_string(tree, work):
    result = ember(tree, "run", "-c",
                   "import sys, torch; print(sys.argv, repr(sys.path[0]), __name__, torch.__name__)",
                   "a", "-b", cwd=work)
    assert ok(result).strip() == "['-c', 'a', '-b'] '' __main__ ember"


def test_run_code_string_exception(tree, work):
    result = ember(tree, "run", "-c", "1/0", cwd=work)
    assert result.returncode == 1
    assert result.stderr.startswith('Traceback (most recent call last):\n  File "<string>", line 1, in <module>')


def test_run_module(tree, work):
    write(work / "mpkg" / "__init__.py", "")
    write(work / "mpkg" / "tool.py", """
        import sys, torch
        print(__name__, sys.argv[1:], sys.argv[0].endswith("tool.py"), sys.path[0], torch.__name__)
        raise SystemExit(4)
    """)
    result = ember(tree, "run", "-m", "mpkg.tool", "x", cwd=work)
    assert result.returncode == 4, result.stderr
    assert result.stdout.split() == ["__main__", "['x']", "True", str(work), "ember"]


def test_run_stdin(tree, work):
    result = ember(tree, "run", "-", "q", cwd=work,
                   input="import sys, torch\nprint(sys.argv, torch.__name__)\n")
    assert ok(result).strip() == "['-', 'q'] ember"


def test_run_directory_with_main(tree, work):
    write(work / "app" / "__main__.py", "import sys, torch\nprint(sys.argv, sys.path[0], torch.__name__)\n")
    result = ember(tree, "run", "app", "z", cwd=work)
    assert ok(result).split() == ["['app',", "'z']", str(work / "app"), "ember"]


def test_console_script_launcher(tree, work):
    # what pip writes for `ember = "ember._cli:main"`
    launcher = write(work / "bin" / "ember", """
        import re
        import sys
        from ember._cli import main
        if __name__ == '__main__':
            sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
            sys.exit(main())
    """)
    write(work / "sub" / "s.py", "import sys, torch\nprint(sys.argv, sys.path[0], torch.__name__)\nsys.exit(6)\n")
    result = python(tree, str(launcher), "run", "sub/s.py", "1", cwd=work)
    assert result.returncode == 6, result.stderr
    assert result.stdout.split() == ["['sub/s.py',", "'1']", str(work / "sub"), "ember"]


# --- the command line --------------------------------------------------------

def test_usage(tree, work):
    none = ember(tree, cwd=work)
    assert none.returncode == 2 and "usage: ember" in none.stderr
    for flag in ("--help", "-h", "help"):
        result = ember(tree, flag, cwd=work)
        assert result.returncode == 0 and "usage: ember" in result.stdout
        assert "run SCRIPT" in result.stdout
    assert "usage: ember run" in ok(ember(tree, "run", "--help", cwd=work))
    assert ok(ember(tree, "--version", cwd=work)).strip() == "ember 0.0-test"


def test_bad_command_line(tree, work):
    result = ember(tree, "frobnicate", cwd=work)
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    result = ember(tree, "run", cwd=work)
    assert result.returncode == 2 and "script to run is required" in result.stderr
    result = ember(tree, "run", "--bogus", "x.py", cwd=work)
    assert result.returncode == 2 and "unknown option '--bogus'" in result.stderr
    result = ember(tree, "run", "-c", cwd=work)
    assert result.returncode == 2 and "-c" in result.stderr


def test_demo_missing(tree, work):
    # -S: without site-packages, so an installed ember cannot supply the fake tree's missing demo
    result = python(tree, "-S", "-m", "ember", "demo", "list", cwd=work)
    assert result.returncode == 1
    assert "ember.demo" in result.stderr and "Traceback" not in result.stderr


def test_demo_dispatch(tmp_path, work):
    demo_tree = make_tree(tmp_path / "withdemo", demo=(
        "import sys\n"
        "def main(argv):\n"
        "    print('demo', argv)\n"
        "    return 0 if argv == ['a', '--b'] else 9\n"))
    result = ember(demo_tree, "demo", "a", "--b", cwd=work)
    assert ok(result).strip() == "demo ['a', '--b']"
    assert ember(demo_tree, "demo", "x", cwd=work).returncode == 9
