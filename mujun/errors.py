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
        shown.append(f"  … 另有 {len(items) - limit} 项")
    return "\n".join(shown)


class MujunError(Exception):
    """Base class of every error mujun raises on purpose."""


class DataError(MujunError):
    """Input data cannot be used as given; the supplier of the data can fix it."""

    @classmethod
    def missing_columns(cls, source: str, missing: Sequence[str], *, hint: str) -> DataError:
        """All required columns that `source` lacks, listed at once."""
        return cls(f"{source} 缺少 {len(missing)} 个必需的列：\n{_bullets(missing)}\n提示：{hint}")

    @classmethod
    def unreadable(cls, source: str, reason: str, *, hint: str) -> DataError:
        """A file that cannot be opened or parsed at all."""
        return cls(f"无法读取 {source}：{reason}\n提示：{hint}")


class ProfileError(MujunError):
    """A region profile is invalid; its author can fix the TOML."""

    @classmethod
    def invalid(cls, source: str, problems: Sequence[str]) -> ProfileError:
        """A profile that failed validation, one line per offending field."""
        return cls(
            f"方案 {source} 有 {len(problems)} 处问题：\n{_bullets(problems)}\n"
            "提示：改正所列字段；`mujun profiles show zhejiang_baseline` 会打印一份完整、"
            "有效的方案，可照着改。"
        )

    @classmethod
    def not_found(cls, name: str, available: Sequence[str]) -> ProfileError:
        """A profile name that is neither a shipped profile nor an existing file."""
        return cls(
            f"找不到方案 {name!r}。\n"
            f"提示：给出一个 .toml 文件的路径，或以下之一：{'、'.join(available)}。"
        )


class StoreError(MujunError):
    """The snapshot store cannot do what was asked; whoever runs mujun can fix it."""


class InternalError(MujunError):
    """A bug in mujun itself."""

    @classmethod
    def invariant(cls, what: str) -> InternalError:
        """An internal invariant that should have held did not."""
        return cls(f"内部错误：{what}\n提示：这是 mujun 的缺陷，请报告。")
