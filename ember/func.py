"""torch.func: functional_call (calling a module with substituted parameters
and buffers)."""
import contextlib
from collections.abc import Sequence

__all__ = ["functional_call"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call `module` with its parameters and buffers replaced by the given
    tensors (by dotted name) for the duration of the call."""
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError("%s appeared in multiple dictionaries; behavior of functional call is "
                             "ambiguous" % repeated)
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         "dicts, but got %s" % type(parameter_and_buffer_dicts))
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, values, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def _tied_names(module):
    """Groups of names (parameters and buffers) that hold the same tensor."""
    by_id = {}
    for name, t in module.named_parameters(remove_duplicate=False):
        by_id.setdefault(id(t), []).append(name)
    for name, t in module.named_buffers(remove_duplicate=False):
        by_id.setdefault(id(t), []).append(name)
    return [names for names in by_id.values() if len(names) > 1]


_MISSING = object()


def _swap(module, dotted, value):
    """Put `value` at `dotted`; return the previous value (or _MISSING)."""
    path, _, name = dotted.rpartition(".")
    mod = module.get_submodule(path) if path else module
    if name in mod._parameters:
        old = mod._parameters[name]
        mod._parameters[name] = value
    elif name in mod._buffers:
        old = mod._buffers[name]
        mod._buffers[name] = value
    else:
        old = mod.__dict__.get(name, _MISSING)
        if value is _MISSING:
            mod.__dict__.pop(name, None)
        else:
            mod.__dict__[name] = value
    return old


@contextlib.contextmanager
def _reparametrize_module(module, values, tie_weights=True, strict=False):
    values = dict(values)
    if tie_weights:
        for names in _tied_names(module):
            given = [n for n in names if n in values]
            if not given:
                continue
            first = values[given[0]]
            if any(values[n] is not first for n in given[1:]):
                raise ValueError("functional_call got multiple values for keys %s, which are tied. "
                                 "Consider using tie_weights=False" % sorted(given))
            for n in names:
                values.setdefault(n, first)
    if strict:
        expected = set(n for n, _ in module.named_parameters(remove_duplicate=False))
        expected |= set(n for n, _ in module.named_buffers(remove_duplicate=False))
        missing = sorted(expected - set(values))
        unexpected = sorted(set(values) - expected)
        errors = []
        if unexpected:
            errors.append("Unexpected key(s): %s." % ", ".join(map(repr, unexpected)))
        if missing:
            errors.append("Missing key(s): %s." % ", ".join(map(repr, missing)))
        if errors:
            raise RuntimeError("Error(s) in reparametrizing for %s:\n\t%s"
                               % (module._get_name(), "\n\t".join(errors)))
    saved = []
    try:
        for name, value in values.items():
            saved.append((name, _swap(module, name, value)))
        yield
    finally:
        for name, old in reversed(saved):
            _swap(module, name, old)
