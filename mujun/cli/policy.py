"""``mujun levers`` and ``mujun targets``: policy over a published year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mujun.cli._app import app
from mujun.cli._console import out, print_frame
from mujun.cli._periods import warn_period
from mujun.cli.options import DbOption, YearOption
from mujun.cycle import profile_mismatch
from mujun.policy import KIND_NAMES, evaluate_levers, evaluate_targets, load_context
from mujun.policy.targets import read_regional
from mujun.profiles import load_profile
from mujun.profiles.periods import for_year
from mujun.report import write_table, write_workbook
from mujun.store import Store

_LEVER_HEADERS = {
    "rule_id": "规则编号", "rule": "规则", "kind": "类型", "uscc": "统一社会信用代码",
    "name": "企业名称", "project_id": "项目编号", "class_label": "等级", "inputs": "依据数据",
    "outcome": "结果", "amount_wan": "金额（万元）", "rows": "条数", "with_amount": "有金额条数",
    "total_wan": "合计金额（万元）",
}  # fmt: skip


@app.command()
def levers(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="Profile name or path.")],
    projects: Annotated[Path | None, typer.Option(help="Projects (subsidies, admission).")] = None,
    inputs: Annotated[
        Path | None, typer.Option(help="Per-firm extra inputs (other surcharges, tax arrears).")
    ] = None,
    averages: Annotated[
        Path | None, typer.Option(help="Last year's industry averages (admission tests).")
    ] = None,
    inspections: Annotated[
        Path | None,
        typer.Option(help="Inspection findings that must be rectified (执法检查需整改企业)."),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write rows and budget: .xlsx (two sheets), or .csv/.parquet (rows) with the "
            "budget beside it as <name>_汇总.csv/.parquet.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Apply the profile's levers to a published year: subsidies, surcharges, lists."""
    prof = for_year(load_profile(profile), year)
    warn_period(prof, year, levers=True)
    with Store.open(db, read_only=True) as store:
        if (warning := profile_mismatch(store, year, prof.meta.name)) is not None:
            out.print(warning, markup=False)
        ctx = load_context(store, year=year, profile=prof, projects=projects, inputs=inputs,
                           averages=averages, inspections=inspections)  # fmt: skip
        result = evaluate_levers(ctx)
    budget = result.budget.with_columns(pl.col("kind").replace(KIND_NAMES))
    print_frame(budget.drop("rule_id").rename(_LEVER_HEADERS, strict=False),
                 f"{year} 年度政策兑现汇总（{prof.meta.title}）")  # fmt: skip
    if out_path is not None:
        rows = result.rows.with_columns(pl.col("kind").replace(KIND_NAMES))
        if out_path.suffix.lower() == ".xlsx":
            write_workbook(out_path, {"汇总": budget, "明细": rows}, headers=_LEVER_HEADERS)
        else:
            # NOTE: a table file holds one frame; the budget goes beside the rows.
            totals = out_path.with_name(f"{out_path.stem}_汇总{out_path.suffix}")
            write_table(rows.rename(_LEVER_HEADERS, strict=False), out_path)
            write_table(budget.rename(_LEVER_HEADERS, strict=False), totals)
            out.print(f"汇总 / budget: {totals}", markup=False)
        out.print(f"明细 / rows: {out_path}", markup=False)


@app.command()
def targets(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="Profile name or path.")],
    regional: Annotated[
        Path | None,
        typer.Option(help="Regional figures: 年度, 指标, 数值, 单位, 来源 (, 范围) (.csv/.xlsx)."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write every column (.xlsx, .csv, .parquet).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Compare a published year with the plan's targets (firm aggregates, regional, cases)."""
    prof = for_year(load_profile(profile), year)
    # a plan's targets are set for the years whose data they measure
    warn_period(prof, year + prof.data_year_offset, what="数据年度")
    table = read_regional(regional) if regional is not None else None
    with Store.open(db, read_only=True) as store:
        frame = evaluate_targets(store, year=year, profile=prof, regional=table)
    met = pl.col("已达标")
    shown = frame.select(
        "范围", "指标", "单位", "数据年度", "实际值", "目标年度", "目标值", "期别", "完成进度",
        "差距", pl.when(met).then(pl.lit("是")).when(~met).then(pl.lit("否")).alias("已达标"),
        "统计口径", "说明",
    )  # fmt: skip
    print_frame(shown, f"{year} 年度目标完成情况（数据年度 {year + prof.data_year_offset}）")
    if out_path is not None:
        if out_path.suffix.lower() == ".xlsx":
            write_workbook(out_path, {"目标完成情况": frame}, headers={})
        else:
            write_table(frame, out_path)
        out.print(f"目标完成情况 / targets: {out_path}", markup=False)
