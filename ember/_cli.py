"""The `ember` command: `ember run SCRIPT [ARGS...]`, `ember demo ...`.

`ember run` runs a PyTorch program on Ember exactly as `python SCRIPT ARGS`
would run it on PyTorch: the import shim (ember/_shim.py) maps torch,
torchvision, torchaudio and torchtext onto Ember, then the script runs as
`__main__` with Python's sys.argv, sys.path[0], exit status and tracebacks.

Only the standard library is imported here; Ember's own modules load when
the script imports them.
"""
import os
import sys

USAGE = """\
usage: ember <command> [args...]

commands:
  run SCRIPT [ARGS...]     run a PyTorch program on Ember, as `python SCRIPT
                           ARGS` would; `import torch` (and torchvision,
                           torchaudio, torchtext) gives Ember's modules
  run -c CODE [ARGS...]    run the program passed as a string
  run -m MODULE [ARGS...]  run a library module as a script
  run - [ARGS...]          read the program from standard input
  demo [ARGS...]           Ember's demonstrations
  help                     show this message

also: python -m ember <command> [args...]
"""

RUN_USAGE = """\
usage: ember run [-h] (SCRIPT | -c CODE | -m MODULE | -) [ARGS...]

Runs a Python program with torch, torchvision, torchaudio and torchtext
mapped onto Ember. Everything after SCRIPT, CODE or MODULE is passed to the
program in sys.argv, unparsed.
"""


def main(argv=None):
    """Entry point of the `ember` console script and of `python -m ember`.

    Returns the exit status; SystemExit raised by a script, and uncaught
    exceptions, propagate so that Python reports and exits as it would for
    `python SCRIPT`.
    """
    if argv is None:
        argv = sys.argv[1:]
    argv = list(argv)
    if not argv:
        sys.stderr.write(USAGE)
        return 2
    command, args = argv[0], argv[1:]
    if command in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if command in ("-V", "--version"):
        import importlib
        version = getattr(importlib.import_module("ember"), "__version__", "unknown")
        print(f"ember {version}")
        return 0
    if command == "run":
        return run(args)
    if command == "demo":
        return demo(args)
    sys.stderr.write(f"ember: unknown command {command!r} "
                     f"(commands: run, demo, help)\n\n{USAGE}")
    return 2


def demo(args):
    """`ember demo ARGS`: hands ARGS to `ember.demo.main(argv)`."""
    import importlib
    try:
        module = importlib.import_module("ember.demo")
    except ModuleNotFoundError as e:
        if e.name != "ember.demo":
            raise
        sys.stderr.write("ember demo: this version of Ember has no demos "
                         "(module ember.demo is missing)\n")
        return 1
    entry = getattr(module, "main", None)
    if entry is None:
        sys.stderr.write("ember demo: ember.demo has no main(argv) function\n")
        return 1
    status = entry(list(args))
    return 0 if status is None else status


def _usage_error(message):
    sys.stderr.write(f"ember run: {message}\n{RUN_USAGE}")
    return 2


def run(args):
    """`ember run ...`: see RUN_USAGE."""
    args = list(args)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-h", "--help"):
            sys.stdout.write(RUN_USAGE)
            return 0
        if arg == "--":
            i += 1
            break
        if arg.startswith("-c") or arg.startswith("-m"):
            flag, value = arg[:2], arg[2:]
            if not value:
                if i + 1 >= len(args):
                    return _usage_error(f"argument expected for the {flag} option")
                value = args[i + 1]
                i += 1
            rest = args[i + 1:]
            if flag == "-c":
                return _run_code_string(value, rest)
            return _run_module(value, rest)
        if arg.startswith("-") and arg != "-":
            return _usage_error(f"unknown option {arg!r}")
        break
    if i >= len(args):
        return _usage_error("a script to run is required")
    script, rest = args[i], args[i + 1:]
    if script == "-":
        return _run_stdin(rest)
    return _run_path(script, rest)


# --- the runners ----------------------------------------------------------

def _set_path0(entry):
    """Make sys.path[0] what `python ...` would have put there, in place of
    the entry Python put there for `-m ember` or the console script."""
    if getattr(sys.flags, "safe_path", False):
        return  # python -P / PYTHONSAFEPATH: no entry to add or replace
    if sys.path:
        sys.path[0] = entry
    else:
        sys.path.insert(0, entry)


def _fresh_main(loader, file=None):
    """A new, empty __main__ module in sys.modules (as `python` makes)."""
    import builtins
    main_module = type(sys)("__main__")
    main_module.__builtins__ = builtins
    main_module.__loader__ = loader
    if file is not None:
        main_module.__file__ = file
        main_module.__cached__ = None
    sys.modules["__main__"] = main_module
    return main_module


def _install_shim():
    from ember import _shim
    _shim.install()


def _run_path(script, args):
    path = os.path.abspath(script)
    importer = _path_importer(path)
    if importer is not None:  # a directory or zip file with __main__.py
        return _run_main_from(path, script, args)
    import io
    try:
        with io.open_code(path) as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write(f"ember run: can't open file {path!r}: "
                         f"[Errno {e.errno}] {e.strerror}\n")
        return 2
    import importlib.machinery
    sys.argv[:] = [script, *args]
    _set_path0(os.path.dirname(os.path.realpath(path)))
    _install_shim()
    code = _compile(source, path)
    if code is None:
        return 1
    main_module = _fresh_main(importlib.machinery.SourceFileLoader("__main__", path), path)
    _execute(exec, code, main_module.__dict__)
    return 0


def _run_code_string(source, args, filename="<string>", argv0="-c"):
    import importlib.machinery
    sys.argv[:] = [argv0, *args]
    _set_path0("")
    _install_shim()
    code = _compile(source, filename)
    if code is None:
        return 1
    main_module = _fresh_main(importlib.machinery.BuiltinImporter)
    _execute(exec, code, main_module.__dict__)
    return 0


def _run_stdin(args):
    return _run_code_string(sys.stdin.read(), args, "<stdin>", "-")


def _run_module(name, args):
    from ember import _shim
    import runpy
    sys.argv[:] = ["-m", *args]  # runpy puts the module's path in argv[0]
    _set_path0(os.getcwd())
    _shim.install()
    name = _shim.resolve(name) or name  # -m torch.x runs ember.x
    _fresh_main(None)
    _execute(_run_module_as_main(runpy), name)
    return 0


def _run_main_from(path, script, args):
    """`python DIR_OR_ZIP`: run the __main__.py it holds."""
    import runpy
    sys.argv[:] = [script, *args]
    if getattr(sys.flags, "safe_path", False):
        sys.path.insert(0, path)
    else:
        _set_path0(path)
    _install_shim()
    _fresh_main(None)
    _execute(_run_module_as_main(runpy), "__main__", False)
    return 0


def _run_module_as_main(runpy):
    runner = getattr(runpy, "_run_module_as_main", None)
    if runner is not None:
        return runner

    def fallback(name, alter_argv=True):  # pragma: no cover - future Pythons
        saved = sys.modules["__main__"]
        try:
            runpy.run_module(name, run_name="__main__", alter_sys=True)
        finally:
            sys.modules["__main__"] = saved
    return fallback


def _path_importer(path):
    """The importer Python would use to run `path` as a directory or zip
    file, or None for an ordinary file (or a missing one)."""
    if not os.path.exists(path):
        return None
    for hook in sys.path_hooks:
        try:
            return hook(path)
        except ImportError:
            continue
    return None


def _compile(source, filename):
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        # as Python reports a script that does not compile: no traceback
        e.__traceback__ = None
        sys.excepthook(type(e), e, None)
        return None


# --- exceptions: report them as `python SCRIPT` would ----------------------

def _execute(function, *args):
    """Run the program. SystemExit passes through untouched (Python turns it
    into the exit status); any other exception passes through too, so Python
    reports it and exits with status 1 (or, for KeyboardInterrupt, as killed
    by SIGINT), but its traceback is printed from the program's first frame,
    without ember's or runpy's frames above it."""
    try:
        _call_program(function, *args)
    except SystemExit:
        raise
    except BaseException:
        _trim_traceback_when_reported()
        raise


def _call_program(function, *args):
    function(*args)


_MARKER = _call_program.__code__


def _trim(tb):
    """The part of traceback `tb` below the runner (the program's frames)."""
    t = tb
    while t is not None:
        if t.tb_frame.f_code is _MARKER:
            t = t.tb_next
            while t is not None and t.tb_frame.f_globals.get("__name__") == "runpy":
                t = t.tb_next
            return t
        t = t.tb_next
    return tb


def _trim_traceback_when_reported():
    previous = sys.excepthook

    def excepthook(etype, value, tb):
        sys.excepthook = previous
        tb = _trim(tb)
        if isinstance(value, BaseException):
            value.__traceback__ = tb
        previous(etype, value, tb)

    sys.excepthook = excepthook
