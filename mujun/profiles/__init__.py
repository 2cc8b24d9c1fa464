"""Region profiles: models and loading."""

from mujun.profiles.loader import available_profiles, load_profile, validate_profile
from mujun.profiles.models import Profile

__all__ = ["Profile", "available_profiles", "load_profile", "validate_profile"]
