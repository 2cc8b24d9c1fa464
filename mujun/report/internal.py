"""The internal workbook (内部资料): everything the office works with, nothing it must not hold.

Beside the 公示 list with scores and ranks it has one sheet per township, 汇总, 指标明细, the
method generated from the profile, and the import problems that matter for scoring. A township
export limits every sheet to that township.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl

from mujun.report.cycle_state import state_label
from mujun.report.method_text import method_lines
from mujun.report.public_list import county_of
from mujun.report.publication import LIST_HEADERS, YearView, class_list, details, summary
from mujun.report.workbook import decimal_format, write_workbook

PROBLEM_HEADERS = {
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "column": "列",
    "value": "原值",
    "reason": "原因",
    "outcome": "处理",
    "raw": "原始内容",
    "rows": "行数（行）",
}
_USCC_IN_TEXT = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
_PERSONAL = "个人所得税"
RATIO_UNIT = "比值"
"""A profile unit meaning a share (R&D ÷ revenue); workbooks and reports show a percentage."""


def township_view(view: YearView, township: str, /) -> YearView:
    """The same year limited to one township's firms (results, last year, items, facts)."""
    firms = view.results.filter(pl.col("township") == township).select("uscc")
    previous = view.previous
    return dataclasses.replace(
        view,
        results=view.results.join(firms, on="uscc", how="semi"),
        items=view.items.join(firms, on="uscc", how="semi"),
        facts=view.facts.join(firms, on="uscc", how="semi"),
        previous=None if previous is None else previous.filter(pl.col("township") == township),
    )


def import_problems(
    view: YearView, /, *, township: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The import problems that matter for scoring, and a count of the rows skipped on purpose.

    Rejected rows are listed (a fact may be missing because of them) with the file's name only,
    never the path on the office's machine. Rows skipped on purpose (other years, 合计 rows,
    taxes outside the basket such as 个人所得税) change no score: they are counted per file and
    reason without their values, so no personal income tax amount is shown. With ``township``,
    only rejected rows naming a USCC of that township's firms are listed.
    """
    base = pl.col("file").str.replace_all("\\", "/", literal=True).str.split("/").list.last()
    problems = view.problems.with_columns(base.alias("file"))
    personal = pl.any_horizontal(
        pl.col(c).fill_null("").str.contains(_PERSONAL, literal=True)
        for c in ("value", "reason", "raw")
        if c in problems.columns
    )
    # NOTE: a cleared cell (register row kept, one value emptied) matters for scoring: listed.
    listed = pl.col("outcome").is_in(["rejected", "cleared"])
    rejected = problems.filter(listed & ~personal)
    skipped = problems.filter(~listed)
    if township is not None:
        firms = view.results.filter(pl.col("township") == township).get_column("uscc")
        named = pl.concat_str(
            [pl.col(c) for c in ("value", "raw") if c in problems.columns], ignore_nulls=True
        )
        rejected = rejected.filter(
            named.str.extract_all(_USCC_IN_TEXT).list.eval(pl.element().is_in(firms)).list.any()
        )
        skipped = skipped.clear()
    counted = (
        skipped.group_by("file", "reason")
        .agg(pl.len().cast(pl.Int64).alias("rows"))
        .sort("file", "reason")
    )
    labels = {"rejected": "拒绝", "cleared": "清空单元格（行已接受）"}
    return rejected.with_columns(pl.col("outcome").replace(labels)), counted


def internal_workbook(
    view: YearView,
    path: str | Path,
    /,
    *,
    township: str | None = None,
    created: dt.datetime | None = None,
) -> Path:
    """Write the internal workbook; every printed page is headed 内部资料 and the run's state.

    Raises:
        OutputError: the file is open in another program or the folder is not writable.
    """
    pub = view.profile.publication
    shown = view if township is None else township_view(view, township)
    sheets: dict[str, pl.DataFrame] = {"公示名单": class_list(shown)}
    if township is None:
        towns = sorted(view.results.get_column("township").drop_nulls().unique().to_list())
        for name in towns:
            sheets[name[:28]] = class_list(view, township=name)
    sheets["汇总"] = summary(shown)
    indicators = details(shown)
    ratios = [c for c in indicators.columns if c.endswith(f"（{RATIO_UNIT}）")]
    indicators = indicators.rename({c: c.replace(f"（{RATIO_UNIT}）", "（%）") for c in ratios})
    sheets["指标明细"] = indicators
    sheets["评价方法"] = pl.DataFrame({"评价方法（由评价方案生成）": method_lines(view.profile)})
    rejected, skipped = import_problems(view, township=township)
    sheets["导入问题"] = rejected
    sheets["导入跳过汇总"] = skipped
    formats = {c: "0.0%" for c in sheets["汇总"].columns if c.endswith("占比（%）")}
    for column in indicators.columns:
        unit = _unit_of(column)
        if unit == "%":
            formats[column] = "0.00%"
        elif unit is not None:
            formats[column] = decimal_format(pub.decimals_for(unit))
    return write_workbook(
        path,
        sheets,
        headers={**LIST_HEADERS, **PROBLEM_HEADERS},
        formats=formats,
        created=created,
        decimals=pub.decimals,
        page_header=f"内部资料 · {state_label(view)}",
        title=f"{view.year}年度{county_of(view)}工业企业亩均效益综合评价内部资料（{state_label(view)}）"
        + (f"——{township}" if township else ""),
    )


def _unit_of(header: str) -> str | None:
    """The unit in a header such as "亩均税收（万元/亩）"."""
    if header.endswith("）") and "（" in header:
        return header[header.rindex("（") + 1 : -1]
    return None
