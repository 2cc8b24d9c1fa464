"""Terminal output shared by the command modules: consoles and table printers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from mujun.ingest import FactsRead
from mujun.ingest.importer import ImportResult
from mujun.profiles import Profile
from mujun.report import class_summary, write_table

out = Console()
err = Console(stderr=True)

_HISTORY_HEADERS = {
    "evaluation_year": "评价年度", "name": "企业名称", "township": "乡镇（街道）",
    "cohort_label": "评价类别", "eval_status": "评价状态", "total_score": "综合得分（分）",
    "rank": "排名", "pool_size": "参与排名企业数", "class_label": "等级", "class_name": "等级名称",
    "adjusted": "人工调整", "adjustment_reason": "调整理由", "override_reason": "规则调整说明",
    "special_reason": "特殊情形说明", "tax_per_mu": "亩均税收（万元/亩）",
}  # fmt: skip


def print_by_year(frame: pl.DataFrame, title: str) -> None:
    """A firm's history with one column per year and one row per field (fits any width)."""
    table = Table(title=title)
    table.add_column("项目")
    years = [str(y) for y in frame.get_column("evaluation_year")]
    for year in years:
        table.add_column(year, overflow="fold")
    for col in frame.columns:
        if col == "evaluation_year":
            continue
        table.add_row(_HISTORY_HEADERS.get(col, col), *(cell(v) for v in frame.get_column(col)))
    out.print(table)


def print_runs(frame: pl.DataFrame) -> None:
    shown = frame.select(
        pl.col("run_id").alias("run"),
        pl.col("evaluation_year").alias("评价年度"),
        pl.col("profile_name").alias("方法"),
        pl.col("status").alias("状态"),
        pl.col("firms").alias("企业数"),
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M").alias("生成时间"),
        pl.concat_str(
            pl.when(pl.col("superseded_by").is_not_null()).then(
                pl.format("superseded by {}", pl.col("superseded_by"))
            ),
            pl.when(~pl.col("binding")).then(pl.lit("advisory")),
            pl.col("note"),
            separator="; ",
            ignore_nulls=True,
        ).alias("说明"),
    )
    print_frame(shown, "runs")


def print_frame(frame: pl.DataFrame, title: str) -> None:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(col, overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*(cell(v) for v in row))
    out.print(table)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def report_reading(read: FactsRead, rejects_path: Path) -> None:
    out.print(
        f"读取 {read.rows_read} 行：接受 {read.accepted}，拒绝 {read.rejected}，"
        f"跳过 {read.skipped}（read {read.rows_read} = accepted + rejected + skipped）"
    )
    if read.failures.height:
        write_table(read.failures, rejects_path)
        out.print(f"问题行明细 / rejected rows: [bold]{rejects_path}[/]")
        for row in read.failures.head(5).iter_rows(named=True):
            out.print(
                f"  第{row['row']}行 {row['column']} = {row['value']!r}: {row['reason']}",
                markup=False,
            )
    if read.ignored_columns:
        out.print(f"未识别的列（已忽略）: {', '.join(read.ignored_columns)}")


def print_summary(result: pl.DataFrame, profile: Profile, title: str, year: int) -> None:
    table = Table(title=f"{year} 年度 {title} — 各乡镇（街道）分类企业数")
    frame = class_summary(result, profile=profile)
    names = profile.class_names()
    for col in frame.columns:
        table.add_column(col, justify="left" if col == "乡镇（街道）" else "right", no_wrap=True)
    for row in frame.iter_rows():
        table.add_row(*(str(v) for v in row))
    out.print(table)
    out.print("  ".join(f"{c}={names[c]}" for c in frame.columns if c in names), markup=False)


def print_import(result: ImportResult, year: int) -> None:
    """Per-file counts (read = accepted + rejected + skipped) and the first rejected rows."""
    print_frame(
        result.files.select(
            pl.col("file").str.extract(r"([^/\\]+)$", 1),
            "sheet", "source", "rows_read", "accepted", "rejected", "skipped",
        ).rename(_IMPORT_HEADERS, strict=False),
        f"{year} 年度数据导入（读取 = 接受 + 拒绝 + 跳过）",
    )  # fmt: skip
    out.print(
        f"企业 {result.facts.height} 家；合理性提示 {result.warnings.height} 条；"
        f"按名称匹配 {int(result.firms['name_match'].sum())} 家",
        markup=False,
    )
    for row in (
        result.failures.filter(pl.col("outcome") == "rejected").head(5).iter_rows(named=True)
    ):
        where = f"{Path(row['file']).name} 第{row['row']}行 {row['column']}"
        out.print(f"  {where} = {row['value']!r}：{row['reason']}", markup=False)


_IMPORT_HEADERS = {"file": "文件", "sheet": "工作表", "source": "类别", "rows_read": "读取",
                   "accepted": "接受", "rejected": "拒绝", "skipped": "跳过"}  # fmt: skip
