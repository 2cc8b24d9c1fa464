"""mujun: an open, fast, auditable engine for per-mu (亩均) evaluation of industrial firms."""

from importlib.metadata import PackageNotFoundError, version

from mujun.engine import score
from mujun.errors import DataError, InternalError, MujunError, ProfileError, StoreError
from mujun.ingest import read_facts
from mujun.profiles import Profile, load_profile

try:
    __version__ = version("mujun")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DataError",
    "InternalError",
    "MujunError",
    "Profile",
    "ProfileError",
    "StoreError",
    "__version__",
    "load_profile",
    "read_facts",
    "score",
]
