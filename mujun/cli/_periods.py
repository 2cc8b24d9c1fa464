"""The warning every command prints when a year falls outside the profile's policy period."""

from __future__ import annotations

from mujun.cli._console import err
from mujun.profiles import Profile
from mujun.profiles.periods import notes


def warn_period(profile: Profile, year: int, /, *, levers: bool = False) -> None:
    """Print (to stderr, in Chinese) why ``year`` is outside the profile's or a lever's period."""
    for note in notes(profile, year, levers=levers):
        err.print(note, markup=False, highlight=False)
