"""Errors, grouped by who can fix them.

- `DataError`: the person who supplied the spreadsheets or facts (fix the data).
- `ProfileError`: the person who wrote the region profile (fix the TOML).
- `StoreError`: the person running mujun against a database (fix the store or its path).
- `InternalError`: us (a bug in mujun; please report it).

Messages put the count first, name the object and end with a hint. They are built by
classmethod constructors so that the wording stays consistent across the code base.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_MAX_LISTED = 20


def _bullets(lines: Iterable[str], *, limit: int = _MAX_LISTED) -> str:
    items = list(lines)
    shown = [f"  - {line}" for line in items[:limit]]
    if len(items) > limit:
        shown.append(f"  … and {len(items) - limit} more")
    return "\n".join(shown)


class MujunError(Exception):
    """Base class of every error mujun raises on purpose."""


class DataError(MujunError):
    """Input data cannot be used as given; the supplier of the data can fix it."""

    @classmethod
    def missing_columns(cls, source: str, missing: Sequence[str], *, hint: str) -> DataError:
        """All required columns that `source` lacks, listed at once."""
        return cls(
            f"{len(missing)} required column(s) missing in {source}:\n"
            f"{_bullets(missing)}\nHint: {hint}"
        )

    @classmethod
    def unreadable(cls, source: str, reason: str, *, hint: str) -> DataError:
        """A file that cannot be opened or parsed at all."""
        return cls(f"Cannot read {source}: {reason}\nHint: {hint}")


class ProfileError(MujunError):
    """A region profile is invalid; its author can fix the TOML."""

    @classmethod
    def invalid(cls, source: str, problems: Sequence[str]) -> ProfileError:
        """A profile that failed validation, one line per offending field."""
        return cls(
            f"{len(problems)} problem(s) in profile {source}:\n{_bullets(problems)}\n"
            "Hint: fix the listed fields; `mujun profiles show zhejiang_baseline` prints a "
            "complete, valid profile to copy from."
        )

    @classmethod
    def not_found(cls, name: str, available: Sequence[str]) -> ProfileError:
        """A profile name that is neither a shipped profile nor an existing file."""
        return cls(
            f"Profile {name!r} not found.\n"
            f"Hint: give a path to a .toml file or one of: {', '.join(available)}."
        )


class StoreError(MujunError):
    """The snapshot store cannot do what was asked; whoever runs mujun can fix it."""


class InternalError(MujunError):
    """A bug in mujun itself."""

    @classmethod
    def invariant(cls, what: str) -> InternalError:
        """An internal invariant that should have held did not."""
        return cls(f"Internal error: {what}\nHint: this is a bug in mujun; please report it.")
