"""torch.utils.data.distributed: DistributedSampler."""
from .sampler import DistributedSampler  # noqa: F401
