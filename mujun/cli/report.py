"""``mujun export`` and ``mujun card``: what officials read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mujun.cli._app import app
from mujun.cli._console import out
from mujun.cli.options import DbOption, YearOption
from mujun.errors import MujunError
from mujun.report import write_table
from mujun.report.html import firm_card, region_report, safe_filename
from mujun.report.publication import LIST_HEADERS, load_year, publication_workbook
from mujun.report.publication import class_list as publication_class_list
from mujun.store import Store


@app.command()
def export(
    year: YearOption,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, html, csv or parquet.")] = "xlsx",
    township: Annotated[
        str | None, typer.Option(help="Only this township (xlsx, csv, parquet).")
    ] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None,
    db: DbOption = None,
) -> None:
    """Write a published year for officials: the 公示 workbook, the region report or the list."""
    if fmt not in ("xlsx", "html", "csv", "parquet"):
        msg = f"Unknown format {fmt!r}.\nHint: use xlsx, html, csv or parquet."
        raise MujunError(msg)
    with Store.open(db, read_only=True) as store:
        view = load_year(store, year)
        suffix = "" if township is None else f"_{safe_filename(township)}"
        target = out_path or Path(f"亩均评价_{year}{suffix}.{fmt}")
        if fmt == "xlsx":
            written = publication_workbook(view, target, township=township)
        elif fmt == "html":
            written = region_report(view, target, store=store)
        else:
            frame = publication_class_list(view, township=township).rename(LIST_HEADERS)
            written = write_table(frame, target)
    out.print(f"已写出 / written: {written}", markup=False)


@app.command()
def card(
    uscc: Annotated[str, typer.Option(help="The firm's USCC.")],
    year: YearOption,
    out_path: Annotated[Path | None, typer.Option("--out", help="HTML file to write.")] = None,
    db: DbOption = None,
) -> None:
    """Write a firm's report card (HTML) for a published year."""
    with Store.open(db, read_only=True) as store:
        view = load_year(store, year)
        found = view.results.filter(pl.col("uscc") == uscc)
        name = found.item(0, "name") if found.height else uscc
        target = out_path or Path(f"报告卡_{safe_filename(str(name))}_{year}.html")
        written = firm_card(view, uscc, target, store=store)
    out.print(f"已写出 / written: {written}", markup=False)
