"""``mujun import``: the departments' spreadsheets into canonical facts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from mujun import cycle
from mujun.cli._app import app
from mujun.cli._console import out, print_import
from mujun.cli.imports import store_import
from mujun.cli.options import WhoOption
from mujun.errors import MujunError
from mujun.ingest.importer import import_year
from mujun.profiles import load_profile
from mujun.report import check_table_path, write_table
from mujun.report.import_report import write_import_report

FilesOption = Annotated[list[Path] | None, typer.Option(help="File(s); repeat the option.")]


@app.command("import")
def import_cmd(
    year: Annotated[
        int,
        typer.Option(
            "--data-year",
            "--year",
            help="数据年度：文件所记载的年份（如 2023，用于评价年度 2024）。",
        ),
    ],
    out_path: Annotated[Path, typer.Option("--out", help="Facts file (.parquet or .csv).")],
    tax: FilesOption = None,
    stats: FilesOption = None,
    land: FilesOption = None,
    energy: FilesOption = None,
    meters: FilesOption = None,
    emissions: FilesOption = None,
    register: FilesOption = None,
    profile: Annotated[
        str, typer.Option(help="Profile whose tax basket and energy basis apply.")
    ] = "zhejiang_baseline",
    report: Annotated[
        Path | None, typer.Option(help="Import report workbook (default: beside --out).")
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(help="同时入库：事实数据与导入问题作为一个批次存入此数据库。"),
    ] = None,
    who: WhoOption = "unknown",
) -> None:
    """Import the departments' spreadsheets for one data year into canonical facts."""
    check_table_path(out_path)
    given = {"tax": tax, "stats": stats, "land": land, "energy": energy, "meters": meters,
             "emissions": emissions, "register": register}  # fmt: skip
    files = {k: v for k, v in given.items() if v}
    if not files:
        msg = (
            "No files given.\nHint: pass at least one of --tax, --stats, --land, --energy, "
            "--meters, --emissions, --register."
        )
        raise MujunError(msg)
    prof = load_profile(profile)
    total = sum(len(v) for v in files.values())
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), console=out, transient=True) as bar:  # fmt: skip
        task = bar.add_task("读取 / reading", total=total)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"读取 {Path(name).name}")

        result = import_year(files, year=year, settings=prof.ingest, progress=step)
    written = write_table(result.facts, out_path)
    report_path = write_import_report(
        result, report or out_path.with_name(f"{out_path.stem}_import_report.xlsx")
    )
    print_import(result, year)
    out.print(cycle.year_line(year, offset=prof.data_year_offset), markup=False)
    out.print(f"事实数据 / facts: {written}", markup=False)
    out.print(f"导入报告 / import report: {report_path}", markup=False)
    if db is not None:
        store_import(result, db=db, data_year=year, who=who)
