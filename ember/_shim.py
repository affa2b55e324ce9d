"""The import shim: `import torch` (and torchvision, torchaudio, torchtext)
gives Ember's modules.

`install()` puts a finder at the front of `sys.meta_path`. It answers for
every module under the mapped names and never lets another finder load one,
so a real PyTorch installed in the same environment is not used.

- `torch.X.Y` is `ember.X.Y`: the loader hands back the Ember module object
  itself, so both names in `sys.modules` hold the same object
  (`torch.nn is ember.nn`).
- `torchvision`, `torchaudio`, `torchtext` are `ember.vision`,
  `ember.audio`, `ember.text` (see ROOTS).
- Names whose Ember home differs from the natural one go in ALIASES.
- A module Ember lacks raises ModuleNotFoundError naming the torch module
  asked for, with `.name` set to it, so `from torch import x` still raises
  Python's usual ImportError when `x` is neither attribute nor submodule.

This file is imported on every `ember run`: it imports nothing heavy.
"""
import importlib.machinery
import importlib.util
import os
import sys

_ModuleType = type(sys)

__all__ = ["ROOTS", "ALIASES", "install", "uninstall", "installed", "resolve"]

# top-level names and the Ember module each one stands for
ROOTS = {
    "torch": "ember",
    "torchvision": "ember.vision",
    "torchaudio": "ember.audio",
    "torchtext": "ember.text",
}

# Exceptions to the natural mapping, longest prefix wins; a submodule of an
# alias follows it: with {"torch.foo": "ember.bar"}, torch.foo.baz is
# ember.bar.baz. The parent of an aliased name must itself import.
ALIASES = {}


def resolve(name):
    """The Ember module name that `name` maps to, or None if it is not mapped."""
    for table in (ALIASES, ROOTS):
        prefix = name
        while True:
            target = table.get(prefix)
            if target is not None:
                return target + name[len(prefix):]
            cut = prefix.rfind(".")
            if cut < 0:
                break
            prefix = prefix[:cut]
    return None


def _find_target(target):
    """The Ember module object or spec for `target`, or None when Ember has
    no such module. Errors raised while importing Ember's own code (a bug, a
    missing third-party dependency) propagate unchanged."""
    module = sys.modules.get(target)
    if module is not None:
        return module
    try:
        spec = importlib.util.find_spec(target)
    except ModuleNotFoundError as e:
        missing = e.name or ""
        if missing == target or target.startswith(missing + "."):
            spec = None
        else:
            raise
    if spec is not None:
        return spec
    # a module object Ember made without a file (types.ModuleType(...)); not
    # a module Ember merely imported (`import os` does not make torch.os)
    parent, _, leaf = target.rpartition(".")
    obj = getattr(sys.modules.get(parent), leaf, None) if parent else None
    if isinstance(obj, _ModuleType) and _is_ember_name(getattr(obj, "__name__", None)):
        return obj
    return None


def _is_ember_name(name):
    return isinstance(name, str) and (name == "ember" or name.startswith("ember."))


def _import_in_progress():
    """The name of the module an import statement asked for, when find_spec
    was called by one (or by __import__, importlib.import_module), else None.

    The import system calls find_spec from `_find_spec`, called from
    `_find_and_load_unlocked(name)`; `import a.b.c` imports each parent
    from within the child's call, so the outermost such frame names the
    module asked for. importlib.util.find_spec calls `_find_spec` directly:
    there the answer for a missing module must be None, not an exception.
    """
    try:
        frame = sys._getframe(3)
    except ValueError:
        return None
    if frame.f_code.co_name != "_find_and_load_unlocked":
        return None
    bootstrap = frame.f_code.co_filename
    requested = None
    while frame is not None and frame.f_code.co_filename == bootstrap:
        if frame.f_code.co_name == "_find_and_load_unlocked":
            name = frame.f_locals.get("name")
            if isinstance(name, str) and resolve(name) is not None:
                requested = name
        frame = frame.f_back
    return requested


class _AliasLoader:
    """Loads `torch.X` by handing back the already-imported `ember.X`."""

    def __init__(self, target, found):
        self.target = target
        self._found = found
        self._saved_spec = None

    def create_module(self, spec):
        found = self._found
        if isinstance(found, _ModuleType):
            module = found
            sys.modules.setdefault(self.target, module)
        else:
            module = importlib.import_module(self.target)
        # the import system overwrites __spec__ on the returned module; keep
        # Ember's own spec (exec_module puts it back)
        self._saved_spec = module.__dict__.get("__spec__")
        return module

    def exec_module(self, module):
        try:
            module.__spec__ = self._saved_spec
        except AttributeError:
            pass

    def __repr__(self):
        return f"<ember import shim loader for {self.target!r}>"


class TorchShimFinder:
    """Meta path finder mapping torch, torchvision, torchaudio and torchtext
    onto Ember's modules."""

    _ember_torch_shim = True

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        ember_name = resolve(fullname)
        if ember_name is None:
            return None
        found = _find_target(ember_name)
        if found is None:
            requested = _import_in_progress()
            if requested is None:
                return None
            why = f"Ember does not provide {fullname} yet"
            if requested != fullname and requested.startswith(fullname + "."):
                why += f", so {requested} cannot be imported"
            raise ModuleNotFoundError(f"No module named {fullname!r} ({why})",
                                      name=fullname)
        if isinstance(found, _ModuleType):
            ember_spec = found.__dict__.get("__spec__")
        else:
            ember_spec = found
        spec = importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(ember_name, found),
            origin=getattr(ember_spec, "origin", None))
        locations = getattr(ember_spec, "submodule_search_locations", None)
        if locations is None and isinstance(found, _ModuleType):
            locations = found.__dict__.get("__path__")
        if locations is not None:
            spec.submodule_search_locations = list(locations)
        return spec

    @classmethod
    def invalidate_caches(cls):
        pass


def _is_shim(finder):
    return getattr(finder, "_ember_torch_shim", False)


def installed():
    """True when the shim is on sys.meta_path."""
    return any(_is_shim(f) for f in sys.meta_path)


def install():
    """Map torch, torchvision, torchaudio and torchtext onto Ember.

    Idempotent. Puts the finder first on sys.meta_path, and drops from
    sys.modules any real torch (or torchvision, ...) module already imported
    so that the next import gets Ember's.
    """
    if not any(_is_shim(f) for f in sys.meta_path[:1]):
        sys.meta_path[:] = [f for f in sys.meta_path if not _is_shim(f)]
        sys.meta_path.insert(0, TorchShimFinder)
    for name, module in list(sys.modules.items()):
        target = resolve(name)
        if target is not None and (module is None or module is not sys.modules.get(target)):
            del sys.modules[name]
    _patch_multiprocessing()


def uninstall():
    """Undo install(): remove the finder and the torch names it registered."""
    sys.meta_path[:] = [f for f in sys.meta_path if not _is_shim(f)]
    for name, module in list(sys.modules.items()):
        target = resolve(name)
        if target is not None and module is sys.modules.get(target):
            del sys.modules[name]


# --- child processes ------------------------------------------------------
# With the "spawn" and "forkserver" start methods (DataLoader workers, ...)
# a child is a fresh interpreter that re-runs the main script as __mp_main__
# before unpickling its work. The script's `import torch` must meet the shim
# there too, so the data the parent sends first carries an object whose
# unpickling installs it.

_CHILD_SRC = """\
import sys
if 'ember._shim' not in sys.modules:
    _added = {root!r} not in sys.path
    if _added:
        sys.path.append({root!r})
    try:
        import ember._shim
    finally:
        if _added and {root!r} in sys.path:
            sys.path.remove({root!r})
sys.modules['ember._shim'].install()
"""


class _InstallInChild:
    def __reduce__(self):
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        return (exec, (_CHILD_SRC.format(root=root), {}))


def _patch_multiprocessing():
    try:
        import multiprocessing.spawn as spawn
    except ImportError:  # pragma: no cover - platforms without it
        return
    original = spawn.get_preparation_data
    if getattr(original, "_ember_torch_shim", False):
        return

    def get_preparation_data(name):
        data = original(name)
        if installed():
            data["ember_import_shim"] = _InstallInChild()
        return data

    get_preparation_data._ember_torch_shim = True
    get_preparation_data.__wrapped__ = original
    spawn.get_preparation_data = get_preparation_data
