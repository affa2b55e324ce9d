"""RemovableHandle: what every register_*_hook returns."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Removes its hook from the dict it was registered in."""

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.id = next(_ids)
        self.hooks_dict_ref = hooks_dict
        if extra_dict is None:
            extra_dict = []
        self.extra_dicts = list(extra_dict) if isinstance(extra_dict, (list, tuple)) else [extra_dict]

    def remove(self):
        self.hooks_dict_ref.pop(self.id, None)
        for d in self.extra_dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks_dict, fn):
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = fn
    return handle
