"""Find, read, merge and validate region profiles (TOML).

A profile file may start with ``extends = "zhejiang_baseline"`` (a shipped profile name or a
path relative to the file). The base is loaded first and the file's tables are merged over it:
tables merge key by key, every other value (numbers, strings, arrays) replaces the base's.
Class tables (``quotas``, ``thresholds``, ``bounds``) are replaced whole, because they only make
sense complete: a three-class overlay of a four-class base must not inherit the fourth quota.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mujun.errors import ProfileError
from mujun.profiles._base import merge_tables
from mujun.profiles.models import Profile

PROFILE_PATH_ENV = "MUJUN_PROFILE_PATH"
_MAX_EXTENDS_DEPTH = 8


def profile_dirs() -> list[Path]:
    """Folders searched for shipped profiles, first match wins.

    ``$MUJUN_PROFILE_PATH`` (os.pathsep-separated), ``./scoring_profiles`` and the
    ``scoring_profiles`` folder of the mujun checkout.
    """
    dirs = [Path(p) for p in os.environ.get(PROFILE_PATH_ENV, "").split(os.pathsep) if p]
    dirs += [
        Path.cwd() / "scoring_profiles",
        Path(__file__).resolve().parents[2] / "scoring_profiles",
    ]
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.append(d.resolve())
    return seen


def available_profiles() -> dict[str, Path]:
    """Shipped profile names mapped to their files."""
    found: dict[str, Path] = {}
    for d in profile_dirs():
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def resolve_profile_path(name_or_path: str | Path, *, relative_to: Path | None = None) -> Path:
    """Turn a profile name or path into an existing file, or raise `ProfileError`."""
    candidate = Path(name_or_path)
    if relative_to is not None and not candidate.is_absolute():
        local = relative_to / candidate
        if local.is_file():
            return local
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    shipped = available_profiles()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    raise ProfileError.not_found(str(name_or_path), sorted(shipped))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load, merge (``extends``) and validate a profile.

    Raises:
        ProfileError: the file is missing, is not valid TOML, extends in a cycle, or fails
            validation; the message names the file and each offending field.
    """
    path = resolve_profile_path(name_or_path)
    raw = _read_merged(path, chain=())
    return validate_profile(raw, source=str(path))


def validate_profile(raw: dict[str, Any], *, source: str) -> Profile:
    """Validate an already merged profile table."""
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError.invalid(source, [_describe(err) for err in exc.errors()]) from None


def _read_merged(path: Path, *, chain: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ProfileError.invalid(str(path), [f"`extends` 形成循环：{cycle}"])
    if len(chain) >= _MAX_EXTENDS_DEPTH:
        raise ProfileError.invalid(str(path), [f"`extends` 嵌套超过 {_MAX_EXTENDS_DEPTH} 层"])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError.invalid(str(path), [f"不是有效的 TOML：{exc}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError.invalid(str(path), [f"无法读取文件：{exc}"]) from None
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    if not isinstance(base_name, str):
        raise ProfileError.invalid(str(path), ["`extends` 必须是方案名称或文件路径"])
    base_path = resolve_profile_path(base_name, relative_to=path.parent)
    base = _read_merged(base_path, chain=(*chain, resolved))
    return merge_tables(base, raw)


def _describe(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "（顶层）"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"{where}：未知的键（检查拼写及其所在的表）"
    if err["type"] == "missing":
        return f"{where}：必填，但没有给出"
    value = err.get("input")
    shown = "" if isinstance(value, dict | list) else f"（给出的是 {value!r}）"
    return f"{where}：{msg}{shown}"
