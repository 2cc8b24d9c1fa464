"""``mujun export`` and ``mujun card``: what officials read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mujun.cli._app import app
from mujun.cli._console import out
from mujun.cli.options import (
    DbOption,
    FirmOption,
    RunOption,
    StateOption,
    YearOption,
    open_existing,
)
from mujun.cycle import find_firm
from mujun.errors import MujunError
from mujun.report import write_table
from mujun.report.cycle_state import state_label
from mujun.report.html import firm_card, region_report, safe_filename
from mujun.report.internal import internal_workbook
from mujun.report.public_list import PUBLIC_HEADERS, public_frame, public_workbook
from mujun.report.publication import LIST_HEADERS, YearView, load_year
from mujun.report.publication import class_list as publication_class_list

FORMATS = ("xlsx", "html", "csv", "parquet")


def default_name(view: YearView, fmt: str, /, *, internal: bool, township: str | None) -> Path:
    """The file name an export gets: year, what it is, its state and the township."""
    town = "" if township is None else f"_{safe_filename(township)}"
    state = state_label(view)
    if fmt == "html":
        return Path(f"{view.year}年度亩均评价报告_{state}.html")
    if fmt == "xlsx":
        what = "内部资料" if internal else "结果公示名单"
        return Path(f"{view.year}年度亩均评价{what}_{state}{town}.xlsx")
    what = "内部名单" if internal else "公示名单"
    suffix = "_系统导入用.csv" if fmt == "csv" else ".parquet"
    return Path(f"{view.year}年度亩均评价{what}_{state}{town}{suffix}")


@app.command(
    short_help="为官员写出一个年度：公示名单或内部资料工作簿、区域报告或名单。",
    help="为官员写出一个年度：公示名单或内部资料工作簿、区域报告或名单。CSV 供其他系统使用"
    "（Excel 和 WPS 会把 CSV 中全为数字的信用代码显示成 9.13E+17）；给人看的请用 .xlsx，"
    "其中信用代码是文本单元格。",
)
def export(
    year: YearOption,
    fmt: Annotated[
        str, typer.Option("--format", help="格式：xlsx、html、csv 或 parquet。")
    ] = "xlsx",
    internal: Annotated[
        bool,
        typer.Option(
            "--internal/--public",
            help="--public（默认）：公示名单，只含方案规定可公开的列。--internal：内部资料"
            "工作簿（得分、排名、指标、导入问题），或完整名单（csv、parquet）。",
        ),
    ] = False,
    township: Annotated[
        str | None, typer.Option(help="只输出该乡镇（街道）（xlsx、csv、parquet；每个工作表）。")
    ] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="输出文件。")] = None,
    run: RunOption = None,
    state: StateOption = None,
    db: DbOption = None,
) -> None:
    """Write a year for officials: the 公示 list or internal workbook, the report or the list.

    CSV is for other systems (Excel and WPS show an all-digit USCC in a CSV as 9.13E+17);
    people get the .xlsx, whose USCCs are text cells.
    """
    if fmt not in FORMATS:
        msg = f"未知的格式 {fmt!r}。\n提示：请用以下之一：{'、'.join(FORMATS)}。"
        raise MujunError(msg)
    if fmt == "html" and township is not None:
        msg = (
            "区域报告按全县（区）生成，不能只选一个乡镇（街道）。\n"
            "提示：去掉 --township；或用 --format xlsx --township … 生成一个乡镇（街道）的名单。"
        )
        raise MujunError(msg)
    with open_existing(db, read_only=True) as store:
        view = load_year(store, year, run=run, state=state)
        if township is not None and township not in set(view.results.get_column("township")):
            towns = sorted(view.results.get_column("township").drop_nulls().unique().to_list())
            msg = (
                f"{year} 年度没有乡镇（街道）{township!r} 的企业。\n"
                f"提示：请用以下之一：{'、'.join(towns)}。"
            )
            raise MujunError(msg)
        target = out_path or default_name(view, fmt, internal=internal, township=township)
        if fmt == "xlsx":
            write = internal_workbook if internal else public_workbook
            written = write(view, target, township=township)
        elif fmt == "html":
            written = region_report(view, target, store=store)
        elif internal:
            frame = publication_class_list(view, township=township).rename(LIST_HEADERS)
            written = write_table(frame, target)
        else:
            frame = public_frame(view, township=township)
            written = write_table(frame.rename(PUBLIC_HEADERS, strict=False), target)
    out.print(f"已写出 / written（{state_label(view)}）: {written}", markup=False)
    if fmt == "csv":
        out.print(
            "注意：CSV 供其他系统导入。用 Excel/WPS 直接打开时，纯数字的统一社会信用代码会显示为"
            "科学计数法；供人阅读、打印请用 --format xlsx。",
            markup=False,
        )


@app.command(help="写出一家企业某年度的评价报告卡（HTML）。")
def card(
    firm: FirmOption,
    year: YearOption,
    out_path: Annotated[Path | None, typer.Option("--out", help="输出的 HTML 文件。")] = None,
    run: RunOption = None,
    state: StateOption = None,
    db: DbOption = None,
) -> None:
    """Write a firm's report card (HTML) for a year."""
    with open_existing(db, read_only=True) as store:
        uscc, _ = find_firm(store, firm)
        view = load_year(store, year, run=run, state=state)
        found = view.results.filter(pl.col("uscc") == uscc)
        name = found.item(0, "name") if found.height else uscc
        default = f"报告卡_{safe_filename(str(name))}_{year}_{state_label(view)}.html"
        target = out_path or Path(default)
        written = firm_card(view, uscc, target, store=store)
    out.print(f"已写出 / written（{state_label(view)}）: {written}", markup=False)
