"""What-if stage: rescore a published year under a variant or other methods; who moves."""

from mujun.whatif.compare import Comparison, compare
from mujun.whatif.manifest import execute, request, rerun
from mujun.whatif.patch import variant
from mujun.whatif.run import compare_methods, sensitivity, stored_year, whatif

__all__ = [
    "Comparison",
    "compare",
    "compare_methods",
    "execute",
    "request",
    "rerun",
    "sensitivity",
    "stored_year",
    "variant",
    "whatif",
]
