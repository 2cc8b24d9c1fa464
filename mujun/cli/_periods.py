"""The warning every command prints when a year falls outside the profile's policy period."""

from __future__ import annotations

from mujun.cli._console import out
from mujun.profiles import Profile
from mujun.profiles.periods import notes


def warn_period(
    profile: Profile, year: int, /, *, levers: bool = False, what: str = "评价年度"
) -> None:
    """Print, in Chinese, why ``year`` is outside the profile's or a lever's period.

    NOTE: on stdout with the command's other output, so that a failing command's stderr
    stays one ``Error:`` block.
    """
    for note in notes(profile, year, levers=levers, what=what):
        out.print(note, markup=False, highlight=False)
