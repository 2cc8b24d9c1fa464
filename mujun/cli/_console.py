"""Terminal output shared by the command modules: consoles and table printers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from mujun.cycle import CHANGE_COLUMNS, YearStatus
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
    """Runs with their state in Chinese (内部审核稿 / 公示稿 / 认定稿 / 已取代)."""
    shown = frame.select(
        pl.col("run_id").alias("运行"),
        pl.col("evaluation_year").alias("评价年度"),
        pl.col("data_year").alias("数据年度"),
        pl.col("profile_name").alias("方法"),
        pl.col("state_label").alias("状态"),
        pl.col("firms").alias("企业数"),
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M").alias("生成时间"),
        pl.concat_str(
            pl.when(pl.col("superseded_by").is_not_null()).then(
                pl.format("被运行 {} 取代", pl.col("superseded_by"))
            ),
            pl.when(~pl.col("binding")).then(pl.lit("仅供参考")),
            pl.col("note"),
            separator="；",
            ignore_nulls=True,
        ).alias("说明"),
    )
    print_frame(shown, "评价运行", nowrap=("运行", "状态"))


def print_reviews(frame: pl.DataFrame, title: str) -> None:
    """Adjustments a rescore could not carry: what was decided and what the engine says now."""
    print_frame(
        frame.select(
            pl.col("uscc").alias("统一社会信用代码"),
            pl.col("name").alias("企业名称"),
            pl.format("{}→{}", pl.col("decided_on"), pl.col("to_class")).alias("原调档"),
            pl.col("reason").alias("理由"),
            pl.col("engine_class").fill_null("未参评").alias("本次评价等级"),
        ),
        title,
    )


def print_changes(frame: pl.DataFrame, title: str) -> None:
    """Firms whose class changed between the posted list and the decision."""
    print_frame(frame.rename(CHANGE_COLUMNS), title)


_OUTCOME_NAMES = {"upheld": "异议成立", "rejected": "异议不成立"}


def print_objections(frame: pl.DataFrame, title: str) -> None:
    """The objection log of a year (the full record: `mujun.cycle.year_status`)."""
    print_frame(
        frame.select(
            pl.col("objection_id").alias("编号"),
            pl.concat_str("uscc", "name", separator=" ", ignore_nulls=True).alias("企业"),
            pl.col("received").cast(pl.String).alias("收到日期"),
            pl.concat_str("from_whom", "claim", separator="：", ignore_nulls=True).alias("异议"),
            pl.col("evidence").alias("材料"),
            pl.col("outcome").replace_strict(_OUTCOME_NAMES, default="未处理").alias("处理结果"),
            pl.concat_str(
                "decision_note",
                pl.format("批次 {}", "batch_id"),
                pl.format("运行 {}", "run_id"),
                separator="；",
                ignore_nulls=True,
            ).alias("处理意见"),
        ),
        title,
        nowrap=("编号", "处理结果"),
    )


def print_status(status: YearStatus) -> None:
    """A year's cycle at a glance: stage, batches, runs, notice, objections, adjustments."""
    year = status.year
    out.print(f"{year} 年度评价进度：{status.stage_label}", markup=False, style="bold")
    print_frame(
        status.batches.select(
            pl.col("batch_id").alias("批次"),
            pl.col("data_year").alias("数据年度"),
            pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M").alias("入库时间"),
            pl.col("rows").alias("企业数"),
            pl.col("rejected").alias("导入拒绝（行）"),
            pl.col("problems").alias("导入问题合计（行）"),
        ),
        "事实数据批次",
    )
    if status.runs.height:
        print_runs(status.runs)
    for posted in status.notices:
        out.print(
            f"公示（运行 {posted.run_id}）：{posted.start} 至 {posted.end}，{posted.issuer}；"
            f"异议受理 {posted.contact}",
            markup=False,
        )
    if status.objections.height:
        print_objections(status.objections, f"异议（未处理 {status.open_objections} 项）")
    if status.adjustments.height:
        print_frame(
            status.adjustments.select(
                pl.col("adjustment_id").alias("编号"),
                pl.col("run_id").alias("运行"),
                pl.col("uscc").alias("统一社会信用代码"),
                pl.col("name").alias("企业名称"),
                pl.format("{}→{}", pl.col("from_class"), pl.col("to_class")).alias("调档"),
                pl.col("reason").alias("理由"),
                pl.col("objection_id").alias("异议编号"),
                pl.col("who").alias("决定人"),
            ),
            "人工调档",
        )
    if status.reviews.height:
        print_reviews(status.reviews, f"运行 {status.working_run} 待决定的人工调档")
    out.print(_next_step(status), markup=False)


def _next_step(status: YearStatus) -> str:
    year = status.year
    steps = {
        "no_run": f"下一步：mujun run --year {year} --profile … 评价并存为内部审核稿",
        "draft": (
            f"下一步：审核内部审核稿（mujun export --year {year} --state draft），"
            f"然后 mujun notice --year {year} --start … --end … --contact … --issuer … 公示"
        ),
        "notice": (
            f"下一步：处理异议（mujun objection decide --id …），然后 mujun final --year {year}"
            if status.open_objections
            else f"下一步：公示期满后 mujun final --year {year} 认定"
        ),
        "final": (
            f"已认定（运行 {status.final_run}）；运行 {status.working_run} 为认定后的新一稿"
            if status.working_run not in (None, status.final_run)
            else f"已认定（运行 {status.final_run}）：mujun levers --year {year} 政策兑现"
        ),
    }
    if status.reviews.height:
        return f"下一步：mujun review --year {year} --firm … --keep/--drop 决定待决定的调档"
    return steps[status.stage]


def print_frame(frame: pl.DataFrame, title: str, *, nowrap: tuple[str, ...] = ()) -> None:
    """A frame as a table; ``nowrap`` columns are never folded (states, classes)."""
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(col, overflow="fold", no_wrap=col in nowrap)
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
