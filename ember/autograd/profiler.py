"""torch.autograd.profiler: the older profiler API (see ember.profiler)."""
from ..profiler._legacy import *  # noqa: F401,F403
from ..profiler._legacy import __all__  # noqa: F401
