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


@app.command(help="对认定稿应用方案的政策杠杆：奖补、差别化加价、各类名单。")
def levers(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="评价方案：方案名称或 .toml 文件路径。")],
    projects: Annotated[Path | None, typer.Option(help="项目清单（奖补、准入）。")] = None,
    inputs: Annotated[
        Path | None, typer.Option(help="逐企业的补充数据（其他加价、欠税）。")
    ] = None,
    averages: Annotated[Path | None, typer.Option(help="上年度行业平均值（准入测试用）。")] = None,
    inspections: Annotated[
        Path | None,
        typer.Option(help="执法检查需整改企业。"),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="写出逐企业结果和资金汇总：.xlsx（两个工作表），或 .csv/.parquet"
            "（逐企业结果，汇总另存为 <文件名>_汇总.csv/.parquet）。",
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


@app.command(help="把认定稿与规划目标对照（企业汇总、区域指标、整治案件）。")
def targets(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="评价方案：方案名称或 .toml 文件路径。")],
    regional: Annotated[
        Path | None,
        typer.Option(help="区域指标表：年度、指标、数值、单位、来源（、范围）（.csv/.xlsx）。"),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="把全部列写入文件（.xlsx、.csv、.parquet）。")
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
