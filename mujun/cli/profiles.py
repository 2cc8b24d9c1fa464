"""``mujun profiles list|show|validate``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mujun.cli._app import profiles_app
from mujun.cli._console import out
from mujun.profiles import available_profiles, load_profile
from mujun.profiles.loader import resolve_profile_path


@profiles_app.command("list", help="列出随 mujun 提供的评价方案。")
def profiles_list() -> None:
    """List the shipped profiles."""
    table = Table("方案名称", "标题", "地区", "文件")
    for name, path in available_profiles().items():
        prof = load_profile(path)
        table.add_row(name, prof.meta.title, prof.meta.region, str(path))
    out.print(table)


@profiles_app.command("show", help="打印方案文件；若继承其他方案，另打印合并后的完整设置。")
def profiles_show(
    name: Annotated[str, typer.Argument(help="评价方案：方案名称或 .toml 文件路径。")],
) -> None:
    """Print a profile's file, and its resolved settings if it extends another."""
    path = resolve_profile_path(name)
    prof = load_profile(path)
    out.print(path.read_text(encoding="utf-8"), markup=False, highlight=False)
    if "extends" in tomllib.loads(path.read_text(encoding="utf-8")):
        out.print("\n# ---- 合并后的完整设置 / resolved (after extends) ---- #", markup=False)
        out.print_json(data=prof.model_dump(mode="json"))
    out.print(f"# 内容哈希 / content hash: {prof.content_hash()}", markup=False)


@profiles_app.command("validate", help="校验方案文件（无效时列出出错的字段，退出码 1）。")
def profiles_validate(path: Annotated[Path, typer.Argument(help="方案的 .toml 文件。")]) -> None:
    """Validate a profile file (exit 1 with the offending fields if it is invalid)."""
    prof = load_profile(path if path.suffix == ".toml" else str(path))
    out.print(f"有效：{path}（{prof.meta.title}），内容哈希 {prof.content_hash()[:12]}")
