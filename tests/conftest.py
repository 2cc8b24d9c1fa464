from __future__ import annotations

import pytest

from mujun.profiles import Profile
from mujun.testing import build_profile


@pytest.fixture
def profile() -> Profile:
    return build_profile()
