"""`python bench/seq/tuned_run.py run SCRIPT ...`: `ember run` with ember._allocator.tune()
applied first (to measure what the malloc tuning would give)."""
import sys

from ember import _allocator

_allocator.tune()
from ember._cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
