"""Variants of a profile without editing its file: ``--set key.path=value`` and TOML patches.

A variant is the profile's resolved table with the patch merged in (tables recursively, other
values replaced, as ``extends`` does) and each ``--set`` applied, validated like any profile.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mujun.errors import ProfileError
from mujun.profiles.loader import merge_tables, validate_profile
from mujun.profiles.models import Profile

_SHORTHANDS = {"weights": "cohorts.{0}.weights"}
"""``weights.<cohort>.<indicator>`` stands for ``cohorts.<cohort>.weights.<indicator>``."""


def parse_value(text: str) -> Any:
    """A ``--set`` value as TOML (``40``, ``1.5``, ``true``, ``["county"]``), else as text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def expand(path: str) -> list[str]:
    """The dotted key as a list, shorthands expanded."""
    keys = path.split(".")
    if keys[0] in _SHORTHANDS and len(keys) >= 3:
        return [*_SHORTHANDS[keys[0]].format(keys[1]).split("."), *keys[2:]]
    return keys


def set_value(table: dict[str, Any], path: str, value: Any, *, source: str) -> None:
    """Set one dotted key in a resolved profile table (in place).

    Raises:
        ProfileError: a key on the way is not in the profile (naming the keys that are there),
            or a value on the way is not a table.
    """
    keys = expand(path)
    node: Any = table
    for depth, key in enumerate(keys[:-1]):
        where = ".".join(keys[: depth + 1])
        if isinstance(node, dict) and node.get(key) is None and key not in node:
            _unknown(source, path, where, node)
        if isinstance(node, dict) and node[key] is None:
            node[key] = {}  # e.g. an indicator's own benchmark, unset so far
        node = node[key]
        if not isinstance(node, dict):
            msg = f"--set {path}：{where} 是一个值，不是表"
            raise ProfileError.invalid(source, [msg])
    last = keys[-1]
    if last not in node and not _open_table(keys):
        _unknown(source, path, ".".join(keys), node)
    node[last] = value


def _open_table(keys: list[str]) -> bool:
    """Tables whose keys are ids chosen by the profile (weights, quotas, thresholds, …)."""
    return len(keys) >= 2 and keys[-2] in {"weights", "quotas", "thresholds", "bounds"}


def _unknown(source: str, path: str, where: str, node: dict[str, Any]) -> None:
    known = "、".join(sorted(node)) or "（无）"
    msg = f"--set {path}：方案中没有 {where}；该处现有的键：{known}"
    raise ProfileError.invalid(source, [msg])


def variant(profile: Profile, sets: Sequence[str] = (), patch: Path | None = None) -> Profile:
    """``profile`` with the TOML ``patch`` merged in and then each ``key=value`` of ``sets``.

    Raises:
        ProfileError: a ``--set`` without ``=``, an unknown key, an unreadable patch, or a
            variant that fails the profile's validation (fields named).
    """
    source = f"{profile.meta.name} (variant)"
    table = profile.model_dump(mode="json")
    if patch is not None:
        try:
            extra = tomllib.loads(patch.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ProfileError.invalid(str(patch), [f"无法读取补丁文件：{exc}"]) from None
        table = merge_tables(table, extra)
    for item in sets:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            msg = f"--set {item!r}：应写成 key.path=value，例如 scoring.cap=1.5"
            raise ProfileError.invalid(source, [msg])
        set_value(table, path.strip(), parse_value(text.strip()), source=source)
    return validate_profile(table, source=source)
