"""The what-if commands: ``whatif``, ``compare-methods``, ``sensitivity`` and ``rerun``.

Each reads a published year from the store (never writes to it), writes its outputs and a
manifest into a new folder, and prints the main tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console

from mujun import store as st
from mujun.cli.options import DbOption, OutFolder
from mujun.profiles import load_profile
from mujun.whatif import execute, request, rerun, stored_year, variant
from mujun.whatif.manifest import HEADERS, MANIFEST, Outcome, profile_entry, recorded_database

Show = Callable[[pl.DataFrame, str], None]
_WORKBOOK_ONLY = {"迁移明细"}
"""Tables too long for a terminal (per township and cohort)."""
_SETS = typer.Option(
    "--set",
    help="改动的规则 key.path=value，如 weights.above.tax_per_mu=40 或 scoring.cap=1.5（可重复）。",
)


def _folder(out: Path | None, name: str) -> Path:
    """``--out``, else a new ``mujun_out/<name>_<time>`` folder."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return out or Path("mujun_out") / f"{name}_{stamp}"


def _execute(db: Path | None, out: Path | None, command: str, year: int, **options: Any) -> Outcome:
    """Build the request from the published year and execute it into a new folder."""
    with st.Store.open(db, read_only=True) as store:
        stored = stored_year(store, year)
        req = request(store, stored, command=command, **options)
        return execute(store, req, _folder(out, f"{command}_{year}"), stored=stored)


def _show(outcome: Outcome, show: Show, console: Console) -> None:
    for title, frame in outcome.tables.items():
        if title in _WORKBOOK_ONLY:
            console.print(f"{title}：见工作簿 / in the workbook", markup=False)
            continue
        shown = frame.drop("rule_id", strict=False)
        shown = shown.rename({c: HEADERS.get(c, c) for c in shown.columns})
        heading = title
        if title == "变动企业":
            shown = shown.drop(
                "统一社会信用代码",
                "县（市、区）",
                "评价类别",
                "原得分",
                "新得分",
                "原排名",
                "新排名",
            ).head(20)
            heading = f"变动企业（前 {shown.height} 家，全部见工作簿）"
        show(shown, heading)
    console.print(f"输出 / outputs: {outcome.folder}（{MANIFEST} 可复现本次计算）", markup=False)


def register(app: typer.Typer, *, show: Show, console: Console) -> None:
    """Add the what-if commands to ``app``."""

    @app.command("whatif", help="在改动后的规则下重新评价已发布的年度；显示谁变档、花费多少。")
    def whatif_cmd(
        year: Annotated[int, typer.Option(help="已发布的评价年度。")],
        profile: Annotated[
            str, typer.Option(help="作为测算基础的评价方案：方案名称或 .toml 文件路径。")
        ],
        sets: Annotated[list[str] | None, _SETS] = None,
        patch: Annotated[Path | None, typer.Option(help="合并进方案的 TOML 补丁文件。")] = None,
        projects: Annotated[Path | None, typer.Option(help="项目清单（奖补）。")] = None,
        inputs: Annotated[Path | None, typer.Option(help="逐企业的政策补充数据。")] = None,
        averages: Annotated[Path | None, typer.Option(help="行业平均值。")] = None,
        out: OutFolder = None,
        db: DbOption = None,
    ) -> None:
        """Rescore a published year under changed rules; show who moves and what it costs."""
        changed = variant(load_profile(profile), sets or [], patch)
        entry = profile_entry(changed, source=profile, sets=sets or [], patch=patch)
        tables = {"projects": projects, "inputs": inputs, "averages": averages}
        _show(_execute(db, out, "whatif", year, profiles=[entry], tables=tables), show, console)

    @app.command("compare-methods", help="用多个方案对已发布年度的数据评分；显示结果的一致程度。")
    def compare_methods_cmd(
        year: Annotated[int, typer.Option(help="已发布的评价年度。")],
        profiles: Annotated[str, typer.Option(help="多个评价方案（名称或路径），用逗号分隔。")],
        out: OutFolder = None,
        db: DbOption = None,
    ) -> None:
        """Score a published year's facts under several profiles; show how far they agree."""
        names = [p.strip() for p in profiles.split(",") if p.strip()]
        if len(names) < 2:
            raise typer.BadParameter("give at least two profiles, e.g. --profiles A,B")
        entries = [profile_entry(load_profile(n), source=n, sets=[], patch=None) for n in names]
        _show(_execute(db, out, "compare-methods", year, profiles=entries), show, console)

    @app.command(
        "sensitivity", help="每个权重上下调整若干分时，有多少企业变档（每次调整运行一次）。"
    )
    def sensitivity_cmd(
        year: Annotated[int, typer.Option(help="已发布的评价年度。")],
        profile: Annotated[str, typer.Option(help="评价方案：方案名称或 .toml 文件路径。")],
        points: Annotated[float, typer.Option(help="权重上下各调整的分数。")] = 5.0,
        cohort: Annotated[
            list[str] | None, typer.Option(help="只调整该企业组的权重（可重复）。")
        ] = None,
        sets: Annotated[list[str] | None, _SETS] = None,
        out: OutFolder = None,
        db: DbOption = None,
    ) -> None:
        """How many firms change class when each weight moves by ± points (one run per shift)."""
        if points <= 0:
            raise typer.BadParameter("--points must be positive")
        base = variant(load_profile(profile), sets or [])
        unknown = sorted(set(cohort or []) - set(base.cohorts))
        if unknown:
            raise typer.BadParameter(
                f"unknown cohort(s) {unknown}; the profile has {sorted(base.cohorts)}"
            )
        entry = profile_entry(base, source=profile, sets=sets or [], patch=None)
        outcome = _execute(db, out, "sensitivity", year, profiles=[entry], points=points,
                           cohorts=cohort)  # fmt: skip
        _show(outcome, show, console)

    @app.command("rerun", help="按测算清单重新运行一次测算，并核对输出是否逐字节相同。")
    def rerun_cmd(
        manifest: Annotated[Path, typer.Argument(help="测算写出的 manifest.json。")],
        out: OutFolder = None,
        db: Annotated[
            Path | None, typer.Option("--db", help="数据库（默认为测算清单所记的数据库）。")
        ] = None,
    ) -> None:
        """Run a what-if again from its manifest and check the outputs are byte-identical."""
        db = db or recorded_database(manifest)
        with st.Store.open(db, read_only=True) as store:
            outcome, differ = rerun(store, manifest, _folder(out, "rerun"))
        if differ:
            console.print(f"与原结果不一致 / not reproduced: {', '.join(differ)}", markup=False)
            raise typer.Exit(1)
        console.print(
            f"已复现，{len(outcome.outputs)} 个文件逐字节相同 / reproduced byte for byte: "
            f"{outcome.folder}",
            markup=False,
        )
